//! Exports of a trained classifier in formats other tools run: ONNX (fp32 or int8 weights),
//! a torchvision state dict, the head alone, a share link.
//! Core code: the CLI and the model worker call the same writers.

pub mod backbone;
pub mod bundle;
pub mod graph;
pub mod onnx;
pub mod reader;
#[rustfmt::skip]
pub mod onnx_proto;
pub mod share;
pub mod torch;
pub mod web_page;
