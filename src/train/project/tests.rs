//! The project file: round trips, and damaged or diverged projects.

use std::collections::HashMap;

use safetensors::SafeTensors;
use safetensors::tensor::TensorView;

use super::*;
use crate::train::calibration::{BANDS, Band, Calibration};

fn sample() -> Project {
    let mut project = Project { backbone: Some("ab".repeat(32)), ..Project::default() };
    let cats = project.add_class("cats");
    let dogs = project.add_class("dogs");
    for (i, (class, views)) in [(cats, 1), (dogs, 4), (dogs, 1)].into_iter().enumerate() {
        project.examples.push(Example {
            id: project.next_example_id(),
            class,
            thumbnail: vec![i as u8; 10 + i],
            features: (0..views * FEATURE_DIM).map(|v| (v * (i + 1)) as f32 * 1e-3).collect(),
        });
    }
    let mut weights = HeadWeights::zeros(2);
    weights.weight.iter_mut().enumerate().for_each(|(i, w)| *w = (i as f32).sin());
    weights.bias = vec![0.25, -0.25];
    let record = TrainingRecord {
        class_ids: vec![cats, dogs],
        settings: TrainSettings::default(),
        validation_ids: vec![2],
        history: vec![EpochMetrics { epoch: 1, train_loss: 0.5, train_accuracy: 1.0, validation_loss: Some(0.7), validation_accuracy: Some(1.0) }],
        evaluation: Some(Evaluation { confusion: vec![vec![0, 0], vec![0, 1]], calibration: Some(calibration()) }),
        few_shot: true,
        from_link: false,
        not_sure_below: None,
    };
    project.head = Some(TrainedHead { weights, record });
    project
}

fn calibration() -> Calibration {
    let band = Band { confidence: 0.75, accuracy: 0.5, count: 2 };
    Calibration {
        temperature: 1.5,
        not_sure_below: 0.625,
        target_reached: true,
        examples: 20,
        error_before: 0.25,
        error_after: 0.125,
        bands: vec![band; BANDS],
    }
}

#[test]
fn round_trips_byte_for_byte() {
    let project = sample();
    let bytes = project.to_bytes();
    let back = Project::from_bytes(&bytes).unwrap();
    assert_eq!(back, project);
    let again = back.to_bytes();
    let tensors = |bytes: &[u8], key: &str| SafeTensors::deserialize(bytes).unwrap().tensor(key).unwrap().data().to_vec();
    for key in ["head.weight", "head.bias", "features", "thumbnails"] {
        assert!(tensors(&again, key) == tensors(&bytes, key), "{key} changed");
    }
    assert!(back.current_head().is_some());
}

#[test]
fn a_head_with_nan_or_a_confusion_that_is_not_k_by_k_is_refused() {
    let mut project = sample();
    project.head.as_mut().unwrap().weights.bias[1] = f32::NAN;
    assert!(matches!(Project::from_bytes(&project.to_bytes()), Err(ProjectError::Damaged(_))));
    let mut project = sample();
    project.head.as_mut().unwrap().record.evaluation = Some(Evaluation { confusion: vec![vec![0, 0, 1], vec![0, 1]], calibration: None });
    let error = Project::from_bytes(&project.to_bytes()).unwrap_err().to_string();
    assert!(error.contains("not 2×2"), "{error}");
    for broken in [
        Calibration { temperature: -1.0, ..calibration() },
        Calibration { not_sure_below: 2.0, ..calibration() },
        Calibration { bands: vec![], ..calibration() },
    ] {
        let mut project = sample();
        project.head.as_mut().unwrap().record.evaluation.as_mut().unwrap().calibration = Some(broken);
        let error = Project::from_bytes(&project.to_bytes()).unwrap_err().to_string();
        assert!(error.contains("calibration"), "{error}");
    }
}

/// JSON has no NaN: a diverged training's metrics must not make the project unreadable.
#[test]
fn a_diverged_training_still_saves_and_opens() {
    let mut project = sample();
    let record = &mut project.head.as_mut().unwrap().record;
    record.history.push(EpochMetrics {
        epoch: 2,
        train_loss: f32::NAN,
        train_accuracy: 0.5,
        validation_loss: Some(f32::INFINITY),
        validation_accuracy: Some(0.0),
    });
    let back = Project::from_bytes(&project.to_bytes()).unwrap();
    let epoch = back.head.unwrap().record.history[1];
    assert!(epoch.train_loss.is_nan());
    assert_eq!((epoch.train_accuracy, epoch.validation_loss, epoch.validation_accuracy), (0.5, None, Some(0.0)));
}

#[test]
fn class_names_follow_the_ids_and_mark_unknown_ones() {
    let project = sample();
    assert_eq!(project.class_names(&[1, 0, 7]), ["dogs", "cats", "?"]);
    assert!(project.class_names(&[]).is_empty());
}

#[test]
fn a_changed_class_list_makes_the_head_stale() {
    let mut project = sample();
    project.add_class("birds");
    assert!(project.current_head().is_none());
    project.delete_class(2);
    assert!(project.current_head().is_some());
    project.delete_class(0);
    assert_eq!(project.examples.len(), 2);
    assert!(project.current_head().is_none());
}

#[test]
fn rejects_foreign_damaged_and_future_files() {
    let message = |bytes: &[u8]| Project::from_bytes(bytes).unwrap_err().to_string();
    assert!(message(b"{\"not\": \"safetensors\"}").starts_with("not a Transfer Studio project file"));
    let bytes = sample().to_bytes();
    assert!(message(&bytes[..bytes.len() - 10]).starts_with("not a Transfer Studio project file"));

    let other = safetensors::serialize(Vec::<(String, TensorView)>::new(), Some(HashMap::from([("format".to_string(), "x".to_string())]))).unwrap();
    assert_eq!(message(&other), "not a Transfer Studio project file (format is x)");

    let mut future = sample();
    future.classes[0].id = 9;
    let mut bytes = sample().to_bytes();
    let at = bytes.windows(13).position(|w| w == b"\"version\":\"1\"").unwrap();
    bytes[at + 11] = b'7';
    assert_eq!(message(&bytes), "project file version 7 is not supported (this app reads version 1)");
    assert_eq!(message(&future.to_bytes()), "the project file is damaged: an example belongs to unknown class 0");
}

/// Ids that JavaScript numbers (IndexedDB keys) cannot hold apart, or whose successor
/// overflows, are refused.
#[test]
fn ids_beyond_the_exact_range_are_refused() {
    let mut project = sample();
    project.examples[1].id = MAX_EXAMPLE_ID;
    let error = Project::from_bytes(&project.to_bytes()).unwrap_err().to_string();
    assert!(error.contains("out of range"), "{error}");
    let mut project = sample();
    project.examples[1].id = MAX_EXAMPLE_ID - 1;
    assert_eq!(Project::from_bytes(&project.to_bytes()).unwrap().next_example_id(), MAX_EXAMPLE_ID);
    let mut project = sample();
    project.classes[0].id = u32::MAX;
    project.examples.retain(|e| e.class != 0);
    project.head = None;
    assert!(Project::from_bytes(&project.to_bytes()).unwrap_err().to_string().contains("out of range"));
}

#[test]
fn imported_classes_join_those_of_the_same_name_and_examples_of_deleted_classes_are_dropped() {
    let mut project = Project::default();
    let cats = project.add_class("cats");
    assert_eq!(project.classes_named(["dogs", "cats", "dogs"]), vec![1, cats, 1]);
    assert_eq!(project.classes.len(), 2);

    let example = |id, class| Example { id, class, thumbnail: vec![1], features: vec![0.0; FEATURE_DIM] };
    project.delete_class(1);
    assert_eq!(project.add_examples([example(0, cats), example(1, 1)], Some("first")), 1);
    assert_eq!((project.examples.len(), project.backbone.as_deref()), (1, Some("first")));
    // Later examples keep the backbone the project has; none added, nothing changes.
    assert_eq!(project.add_examples([example(2, cats)], Some("second")), 1);
    assert_eq!(project.add_examples([example(3, 7)], None), 0);
    assert_eq!((project.examples.len(), project.backbone.as_deref()), (2, Some("first")));
}
