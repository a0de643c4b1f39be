//! What the trained head says of each validation example now: the examples behind each
//! cell of the confusion matrix, for the mistakes gallery.

use std::collections::HashSet;

use super::Project;
use crate::model::arch::FEATURE_DIM;
use crate::model::scores::argmax;

/// The head's verdict on one held-out example.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The example.
    pub example: u64,
    /// Its class's position in the head's outputs.
    pub truth: usize,
    /// The most probable class's position.
    pub predicted: usize,
    /// That class's probability.
    pub probability: f32,
}

impl Project {
    /// The current head's verdict on each validation example still in a class it knows,
    /// in the order they were added. Empty without a current head.
    pub fn validation_outcomes(&self) -> Vec<Outcome> {
        let Some(head) = self.current_head() else { return Vec::new() };
        let held_out: HashSet<u64> = head.record.validation_ids.iter().copied().collect();
        self.examples
            .iter()
            .filter(|e| held_out.contains(&e.id) && e.features.len() >= FEATURE_DIM)
            .filter_map(|e| {
                let truth = head.record.class_ids.iter().position(|&id| id == e.class)?;
                let probabilities = head.weights.probabilities(&e.features[..FEATURE_DIM]);
                let predicted = argmax(&probabilities)?;
                Some(Outcome { example: e.id, truth, predicted, probability: probabilities[predicted] })
            })
            .collect()
    }

    /// Moves an example to another class (a known one); whether it moved.
    pub fn move_example(&mut self, example: u64, class: u32) -> bool {
        if self.class(class).is_none() {
            return false;
        }
        self.examples.iter_mut().find(|e| e.id == example).map(|e| e.class = class).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::head::HeadWeights;
    use crate::train::project::{Example, TrainedHead, TrainingRecord};
    use crate::train::trainer::TrainSettings;

    #[test]
    fn each_validation_example_gets_the_heads_verdict_and_can_move() {
        let mut project = Project::default();
        let (a, b) = (project.add_class("a"), project.add_class("b"));
        // Feature 0 votes for a, feature 1 for b.
        let mut weights = HeadWeights::zeros(2);
        weights.weight[0] = 1.0;
        weights.weight[FEATURE_DIM + 1] = 1.0;
        for (id, class, hot) in [(0u64, a, 0usize), (1, a, 1), (2, b, 1), (3, b, 1)] {
            let mut features = vec![0.0; FEATURE_DIM];
            features[hot] = 4.0;
            project.examples.push(Example { id, class, thumbnail: vec![], features });
        }
        let record = TrainingRecord {
            class_ids: vec![a, b],
            settings: TrainSettings::default(),
            validation_ids: vec![1, 2],
            history: vec![],
            evaluation: None,
            few_shot: false,
            from_link: false,
            not_sure_below: None,
        };
        project.head = Some(TrainedHead { weights, record });
        let outcomes = project.validation_outcomes();
        assert_eq!(outcomes.iter().map(|o| (o.example, o.truth, o.predicted)).collect::<Vec<_>>(), vec![(1, 0, 1), (2, 1, 1)]);
        assert!((outcomes[0].probability - 1.0 / (1.0 + (-4.0f32).exp())).abs() < 1e-5);

        assert!(project.move_example(1, b));
        assert!(!project.move_example(1, 77), "no such class");
        assert_eq!(project.validation_outcomes()[0].truth, 1, "the example is in b now");
        project.add_class("c");
        assert!(project.validation_outcomes().is_empty(), "the head does not know the new class list");
    }
}
