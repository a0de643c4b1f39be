//! The model worker: decoding, preprocessing, inference and training run in a dedicated Web
//! Worker (WebGPU works there), so the page never waits on them.

mod client;
mod model;
mod protocol;
mod serve;

pub use model::Model;
pub use protocol::{BackendInfo, ClassifiedImage, LoadedModel, Picture};
pub use serve::serve;
