//! What training takes and how it fails: an example as class and features, and
//! [`TrainError`]. Apart from the trainer so that the heads built beside it (class means)
//! share them without importing the trainer.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::model::arch::FEATURE_DIM;
use crate::model::readback::DeviceError;

/// One example as training sees it: its class and the pooled features of each of its
/// views, concatenated (view 0 is the plain eval crop). Borrowed from a project, or owned
/// where it crossed to the model worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabeledFeatures<'a> {
    /// Position of its class in the class list given to `Trainer::new`.
    pub class: usize,
    /// `views × 2048` pooled features.
    pub views: Cow<'a, [f32]>,
}

impl<'a> LabeledFeatures<'a> {
    /// An example borrowing its features.
    pub fn new(class: usize, views: &'a [f32]) -> Self {
        Self { class, views: Cow::Borrowed(views) }
    }
}

/// Why training cannot start or go on.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Fewer than two classes (how many there are).
    #[error("add at least two classes to train a classifier (there {})", count_phrase(*.0))]
    TooFewClasses(usize),
    /// A class without examples (its name).
    #[error("class “{0}” has no examples yet: add some, or delete the class")]
    EmptyClass(String),
    /// An example whose features are not whole 2048-d views, or whose class is out of
    /// range (how many values it has).
    #[error("an example's features have {0} values; expected whole views of {FEATURE_DIM}")]
    BadFeatures(usize),
    /// A setting out of range; which, and what it must be.
    #[error("invalid setting: {0}")]
    Settings(&'static str),
    /// The backend failed (its description), or its device was lost.
    #[error(transparent)]
    Device(#[from] DeviceError),
}

fn count_phrase(count: usize) -> String {
    match count {
        0 => "are none yet".into(),
        1 => "is only one".into(),
        n => format!("are {n}"),
    }
}
