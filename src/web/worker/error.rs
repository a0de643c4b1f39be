//! Everything that can go wrong across the worker boundary, with the words the user reads.
//! The worker sends these as data (serde), so the page can tell them apart; every message
//! about the model worker is worded here.

use serde::{Deserialize, Serialize};

/// Why a request to the model worker failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum WorkerError {
    /// No model is loaded yet (the first load is still running, or it failed).
    #[error("the model is still loading; try again in a moment")]
    ModelLoading,
    /// A training step came without a training begun.
    #[error("no training is running")]
    NoTraining,
    /// An export asked of a project with no trained classifier.
    #[error("train the classifier first: there is nothing to export yet")]
    NothingTrained,
    /// The image could not be read or decoded (the core's message).
    #[error("{0}")]
    Image(String),
    /// Model weights could not be obtained or loaded; the current model stays.
    #[error("{name}: {reason}")]
    Model {
        /// The model's name (or file name).
        name: String,
        /// What went wrong, in the core's or the browser's words.
        reason: String,
    },
    /// The user stopped the model's download; the current model stays.
    #[error("{name}: the download was cancelled")]
    Cancelled {
        /// The model's name.
        name: String,
    },
    /// Inference or training failed on the device, or training was refused (the core's message).
    #[error("{0}")]
    Compute(String),
    /// A camera frame whose pixels do not fill its stated size.
    #[error("the frame's pixels do not match its size")]
    BadFrame,
    /// A request that names an attached file came without one.
    #[error("the file to work on did not reach the model worker")]
    MissingFile,
    /// Bytes between page and worker that do not decode as the message expected.
    #[error("a malformed message between page and worker: {0}")]
    Malformed(String),
    /// The worker could not be started.
    #[error("the model worker could not start: {0}")]
    NotStarted(String),
    /// The worker died (an error event); the page starts another one.
    #[error("the model worker failed ({0}); it is being restarted — your classes and examples are kept")]
    Failed(String),
    /// The GPU device was lost (a driver reset, the browser's GPU process gone): the page
    /// starts a new worker, which picks its device again.
    #[error("the GPU device was lost ({0}); the model worker is being restarted — your classes and examples are kept")]
    DeviceLost(String),
    /// The worker dropped the call without answering.
    #[error("the model worker stopped")]
    Stopped,
}

impl WorkerError {
    /// What stopped the worker, in a few words, for the message once it runs again.
    pub fn cause(&self) -> String {
        match self {
            Self::Failed(message) => format!("it failed: {message}"),
            Self::DeviceLost(message) => format!("the GPU device was lost: {message}"),
            other => other.to_string(),
        }
    }
}

impl From<WorkerError> for String {
    fn from(error: WorkerError) -> Self {
        error.to_string()
    }
}
