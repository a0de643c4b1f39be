//! The model worker: decoding, preprocessing, inference and training run in a dedicated Web
//! Worker (WebGPU works there), so the page never waits on them.
//!
//! Both ends live here. On the page: [`ModelClient`] (typed calls, no UI framework: it tells its changes to a
//! callback) over `client` (starts the
//! worker on the app's own wasm module, routes answers). In the worker: `serve` (the message
//! loop) and `state` (the answers), with `device` (WebGPU or CPU; `webgpu_device` the WebGPU side), `sources` (a model's
//! bytes from cache or network), `model_cache` (Cache Storage), `memory` and
//! `device_watch` (hears a lost GPU device), `blob_reader` (a dataset zip read in place),
//! `exports` (the classifier written for other tools, from the model's bytes read again); on the page
//! also `helpers` (one-thread workers a batch is spread over where the CPU path has no threads). Between them:
//! `protocol` (each request paired with its reply type), `device_request` (the device the
//! page asks for, in the worker's name) and `error` (every failure, worded).
//! `model_cache` is also read by the page, which lists and deletes cached models itself (so
//! a delete never waits behind a download in the worker).

mod blob_reader;
#[cfg(feature = "web")]
mod change;
#[cfg(feature = "web")]
mod client;
mod device;
mod device_request;
mod device_watch;
mod error;
mod exports;
#[cfg(feature = "web")]
mod helpers;
mod memory;
mod model_cache;
#[cfg(feature = "web")]
mod model_client;
mod protocol;
mod serve;
mod sources;
mod state;
#[cfg(feature = "web")]
mod threaded_files;
mod threads;
#[cfg(feature = "webgpu")]
mod webgpu_device;

// The device a request asks for, picked in one place for the worker and the benchmark:
// WebGPU's pick where the build has it, else the CPU's.
#[cfg(not(feature = "webgpu"))]
pub use device::pick_device;
pub use serve::serve;
#[cfg(feature = "webgpu")]
pub use webgpu_device::pick_device;
/// What the page uses.
#[cfg(feature = "web")]
pub use {
    change::Change,
    device_request::Probe,
    error::WorkerError,
    exports::ExportFormat,
    exports::Exported,
    model_cache::{CachedFile, delete as delete_cached, list as list_cached},
    model_client::{Image, ModelClient, Pending},
    protocol::{BackendInfo, ClassifyReply, LoadedModel, MemoryFigures},
    sources::{ModelSource, Stage, cache_key},
};
pub use {
    device_request::{DevicePreference, DeviceRequest},
    threads::count as thread_count,
};
