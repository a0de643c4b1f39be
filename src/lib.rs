//! Transfer Studio core: ResNet50 on burn, torchvision's preprocessing, ImageNet labels.
//!
//! The same code runs in the native CLI and in the browser (wasm); nothing here touches
//! the web or the file system. `web` (wasm only) is the browser app over this core; see
//! docs/ARCHITECTURE.md for the layers and the data flow.

#![warn(missing_docs)]

pub mod dataset;
pub mod engine;
pub mod export;
pub mod model;
pub mod train;
pub mod vision;
#[cfg(all(feature = "worker", target_arch = "wasm32"))]
pub mod web;
