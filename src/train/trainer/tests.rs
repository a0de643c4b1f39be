//! The trainer on small synthetic sets.

use rand_distr::{Distribution, Normal};

use super::*;

/// Three Gaussian clusters in feature space, two views each.
fn clusters(per_class: usize) -> (Vec<usize>, Vec<Vec<f32>>) {
    let mut rng = StdRng::seed_from_u64(3);
    let noise = Normal::new(0.0f32, 1.0).unwrap();
    let centers: Vec<Vec<f32>> = (0..3).map(|_| (0..FEATURE_DIM).map(|_| noise.sample(&mut rng) * 0.05).collect()).collect();
    let (mut labels, mut views) = (Vec::new(), Vec::new());
    for (class, center) in centers.iter().enumerate() {
        for _ in 0..per_class {
            labels.push(class);
            views.push((0..2 * FEATURE_DIM).map(|i| center[i % FEATURE_DIM] + noise.sample(&mut rng) * 0.2).collect());
        }
    }
    (labels, views)
}

fn names(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("class {i}")).collect()
}

#[test]
fn learns_separable_clusters_and_reports_each_epoch() {
    let (labels, views) = clusters(20);
    let examples: Vec<LabeledFeatures> = labels.iter().zip(&views).map(|(&class, v)| LabeledFeatures::new(class, v)).collect();
    let settings = TrainSettings { epochs: 8, validation_fraction: 0.25, ..TrainSettings::default() };
    let mut trainer = Trainer::new(&examples, &names(3), settings, &Device::flex()).unwrap();
    assert_eq!(trainer.split().validation.len(), 15);
    let mut history = Vec::new();
    while !trainer.is_done() {
        history.push(pollster::block_on(trainer.epoch()).unwrap());
    }
    let (first, last) = (history[0], history[7]);
    assert_eq!(last.epoch, 8);
    assert!(last.train_loss < first.train_loss, "{history:?}");
    assert_eq!(last.validation_accuracy, Some(1.0), "{history:?}");
    let evaluation = trainer.evaluation().unwrap();
    assert_eq!(evaluation.per_class_accuracy(), vec![Some(1.0); 3]);
    assert_eq!(evaluation.confusion.iter().flatten().sum::<u32>(), 15);

    // The host-side head predicts what the device head did.
    let weights = pollster::block_on(trainer.weights()).unwrap();
    for &i in &trainer.split().validation {
        let probs = weights.probabilities(&views[i][..FEATURE_DIM]);
        let best = (0..3).max_by(|&a, &b| probs[a].total_cmp(&probs[b])).unwrap();
        assert_eq!(best, labels[i]);
    }
}

#[test]
fn refuses_too_few_classes_empty_classes_and_bad_settings() {
    let (labels, views) = clusters(2);
    let examples: Vec<LabeledFeatures> = labels.iter().zip(&views).map(|(&class, v)| LabeledFeatures::new(class, v)).collect();
    let device = Device::flex();
    let start = |examples: &[LabeledFeatures], classes, settings| Trainer::new(examples, &names(classes), settings, &device).err().unwrap().to_string();
    assert_eq!(start(&examples[..2], 1, TrainSettings::default()), "add at least two classes to train a classifier (there is only one)");
    assert_eq!(start(&examples, 4, TrainSettings::default()), "class “class 3” has no examples yet: add some, or delete the class");
    let zero_epochs = TrainSettings { epochs: 0, ..TrainSettings::default() };
    assert_eq!(start(&examples, 3, zero_epochs), "invalid setting: epochs must be at least 1");
}

#[test]
fn few_examples_a_class_blend_the_head_with_class_means_and_evaluate_the_blend() {
    let (labels, rows) = clusters(4);
    let examples: Vec<LabeledFeatures> = labels.iter().zip(&rows).map(|(&class, views)| LabeledFeatures::new(class, views)).collect();
    let names: Vec<String> = (0..3).map(|i| i.to_string()).collect();
    let settings = TrainSettings { epochs: 5, validation_fraction: 0.25, ..TrainSettings::default() };
    let mut trainer = Trainer::new(&examples, &names, settings.clone(), &Device::flex()).unwrap();
    assert!(trainer.is_few_shot(), "3 training examples a class");
    while !trainer.is_done() {
        pollster::block_on(trainer.epoch()).unwrap();
    }
    let linear = pollster::block_on(trainer.weights()).unwrap();
    let kept = pollster::block_on(trainer.calibrated_weights()).unwrap();
    assert_ne!(kept, linear, "the kept head is not the linear one alone");
    let train: Vec<LabeledFeatures> = trainer.split().train.iter().map(|&i| examples[i].clone()).collect();
    let means = crate::train::class_means::class_means(&train, &names).unwrap();
    // Too few held out to fit a temperature: the kept head is exactly linear + class means.
    let sums = linear.weight.iter().zip(&means.weight).map(|(l, m)| l + m).chain(linear.bias.iter().zip(&means.bias).map(|(l, m)| l + m));
    for (kept, sum) in kept.weight.iter().chain(&kept.bias).zip(sums) {
        assert!((kept - sum).abs() <= 1e-5 * sum.abs().max(1.0), "{kept} vs {sum}");
    }
    // The validation figures are the kept head's.
    let confusion = &trainer.evaluation().unwrap().confusion;
    let predicted: Vec<usize> = trainer.split().validation.iter().map(|&i| argmax(&kept.logits(&rows[i][..FEATURE_DIM])).unwrap()).collect();
    let mut expected = vec![vec![0u32; 3]; 3];
    trainer.split().validation.iter().zip(&predicted).for_each(|(&i, &p)| expected[labels[i]][p] += 1);
    assert_eq!(confusion, &expected);

    let (labels, rows) = clusters(8);
    let examples: Vec<LabeledFeatures> = labels.iter().zip(&rows).map(|(&class, views)| LabeledFeatures::new(class, views)).collect();
    assert!(!Trainer::new(&examples, &names, settings, &Device::flex()).unwrap().is_few_shot(), "6 training examples a class");
}
