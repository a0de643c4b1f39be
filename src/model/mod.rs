//! ResNet50: architecture table, weight loading, BatchNorm folding, burn modules, labels.

pub mod arch;
pub mod container;
pub mod conv;
pub mod demo;
pub mod digest;
pub mod epilogue;
pub mod fold;
pub mod labels;
pub mod le_bytes;
pub mod manifest;
pub mod planes;
pub mod precision;
#[cfg(feature = "cli")]
pub mod pth;
pub mod quant;
pub mod readback;
pub mod resnet;
pub mod scores;
pub mod shifted_conv;
pub mod timm;
pub mod weights;
