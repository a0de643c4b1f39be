//! A training run's state: where it stands, its curves and what the last one took.

use leptos::prelude::*;

use crate::train::trainer::EpochMetrics;
use crate::web::worker::MemoryFigures;

/// Training's state handles; all `Copy`.
#[derive(Clone, Copy)]
pub struct Training {
    /// Where training stands.
    pub state: RwSignal<TrainingState>,
    /// Metrics per epoch of the running (or last) training.
    pub history: RwSignal<Vec<EpochMetrics>>,
    /// What the last finished training took.
    pub last_run: RwSignal<Option<TrainingRun>>,
    /// Set by the user; the loop stops before the next epoch.
    pub(super) cancel: StoredValue<bool>,
}

impl Training {
    /// Nothing trained yet.
    pub fn new() -> Self {
        Self { state: RwSignal::new(TrainingState::Idle), history: RwSignal::new(Vec::new()), last_run: RwSignal::new(None), cancel: StoredValue::new(false) }
    }
}

/// What the last finished training took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainingRun {
    /// Feature rows trained on (example views).
    pub rows: usize,
    /// Wall time from the first epoch to the trained head.
    pub seconds: f64,
    /// The worker's memory afterwards.
    pub memory: MemoryFigures,
}

/// Where training stands.
#[derive(Debug, Clone, PartialEq)]
pub enum TrainingState {
    /// Not trained in this visit.
    Idle,
    /// Epoch `epoch` of `epochs` done.
    Running {
        /// Epochs done.
        epoch: usize,
        /// Epochs in all.
        epochs: usize,
    },
    /// The head is trained and saved.
    Finished,
    /// Stopped by the user; the previous head stays.
    Cancelled,
}
