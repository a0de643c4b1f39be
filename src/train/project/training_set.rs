//! What a training run takes from a project, and the record it leaves there: one way for the
//! CLI and the page.

use std::collections::HashMap;

use super::{Example, Project, TrainingRecord};
use crate::train::trainer::{EpochMetrics, Evaluation, LabeledFeatures, TrainSettings};

/// The project's examples as the trainer takes them, with what the run's record needs.
pub struct TrainingSet<'a> {
    /// Each example whose class exists, its class as a position in the project's classes.
    pub examples: Vec<LabeledFeatures<'a>>,
    /// The class names, by position.
    pub names: Vec<String>,
    /// What the run is given, kept to write its record.
    pub trained_on: TrainedOn,
}

/// What a run was given: the classes, the examples (in the training set's order) and the
/// settings. Owned, so it outlives the borrow of the project while the run goes on.
#[derive(Debug, Clone)]
pub struct TrainedOn {
    /// The class ids, by position.
    pub class_ids: Vec<u32>,
    /// The ids of the training set's examples, in its order.
    pub example_ids: Vec<u64>,
    /// The settings trained with.
    pub settings: TrainSettings,
}

/// How a run ended, as the trainer reports it.
pub struct RunOutcome {
    /// Positions in the training set of the validation examples.
    pub validation: Vec<usize>,
    /// Figures per epoch.
    pub history: Vec<EpochMetrics>,
    /// The validation split's evaluation, if it had examples.
    pub evaluation: Option<Evaluation>,
    /// Whether the head kept is blended with class means.
    pub few_shot: bool,
}

impl TrainedOn {
    /// The record a finished run leaves in the project.
    pub fn record(self, outcome: RunOutcome) -> TrainingRecord {
        TrainingRecord {
            validation_ids: outcome.validation.iter().map(|&i| self.example_ids[i]).collect(),
            class_ids: self.class_ids,
            settings: self.settings,
            history: outcome.history,
            evaluation: outcome.evaluation,
            few_shot: outcome.few_shot,
            from_link: false,
            not_sure_below: None,
        }
    }
}

impl Project {
    /// The examples as the trainer takes them (class = position in `classes`), with the
    /// class names and what the run's record needs.
    pub fn training_set(&self) -> TrainingSet<'_> {
        let position: HashMap<u32, usize> = self.classes.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        let examples: Vec<&Example> = self.examples.iter().filter(|e| position.contains_key(&e.class)).collect();
        TrainingSet {
            examples: examples.iter().map(|e| LabeledFeatures::new(position[&e.class], &e.features)).collect(),
            names: self.classes.iter().map(|c| c.name.clone()).collect(),
            trained_on: TrainedOn {
                class_ids: self.classes.iter().map(|c| c.id).collect(),
                example_ids: examples.iter().map(|e| e.id).collect(),
                settings: self.settings.clone(),
            },
        }
    }
}
