//! What the page shows of the model worker, told by its client as it changes (the page's
//! reactive side turns each into a signal).

use std::rc::Rc;

use super::error::WorkerError;
use super::protocol::{BackendInfo, LoadedModel, MemoryFigures};

/// A change the page shows, told by the client as it happens.
#[derive(Debug, Clone)]
pub enum Change {
    /// The model loaded now (`None` once the worker restarts).
    Loaded(Option<LoadedModel>),
    /// The device the worker computes on (`None` until it has picked one).
    Backend(Option<BackendInfo>),
    /// The main worker's memory after its last load, classification or training.
    Memory(MemoryFigures),
    /// Why the main worker stopped answering (`None` once a new one starts).
    Stopped(Option<WorkerError>),
    /// Workers a batch is spread over now (the main one and the helpers loaded).
    Workers(usize),
    /// Batch calls the helpers have answered since the model was loaded.
    HelpersAnswered(usize),
}

/// Where the client tells its [`Change`]s.
pub type Notify = Rc<dyn Fn(Change)>;
