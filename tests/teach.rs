//! Teach mode from the command line, checked against an independent learner: features of a
//! noisy four-class image set are computed by the app (`train`), and the head it trains is
//! compared with scikit-learn's logistic regression on the same features and split
//! (tests/reference/compare_sklearn.py). On the same features, temperature scaling on
//! held-out examples; the few-shot study of class means against the linear head is
//! `bench/few_shot.rs`.

#[path = "common/teach_set.rs"]
mod teach_set;

use std::path::Path;
use std::process::Command;

use burn::tensor::Device;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};
use teach_set::{CLASSES, draw, plain_examples, python, repo, run, trained_heads};
use transfer_studio::model::arch::FEATURE_DIM;
use transfer_studio::train::calibration::HeldOut;
use transfer_studio::train::head::HeadWeights;
use transfer_studio::train::project::Project;
use transfer_studio::train::trainer::{LabeledFeatures, TrainSettings, Trainer};

const CLI: &str = env!("CARGO_BIN_EXE_transfer-studio");

fn refused(args: &[&str], expected: &str) {
    let output = Command::new(CLI).args(args).current_dir(repo()).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains(expected) && !stderr.contains("panicked"), "{args:?}: {stderr}");
}

/// The linear head as the app trains it (no augmentation views here, nothing held out).
fn linear_head(train: &[(usize, &[f32])], validation_fraction: f32) -> HeadWeights {
    trained_heads(train, validation_fraction).0
}

#[test]
fn head_matches_scikit_learn_on_the_apps_features() {
    let weights = repo().join("tests/golden/resnet50_seeded.safetensors");
    let weights = weights.to_str().unwrap();
    let dir = std::env::temp_dir().join(format!("ts-teach-{}", std::process::id()));
    let data = dir.join("images");
    let project_path = teach_set::trained_project(Path::new(CLI), &dir, 75, "0.4");
    let project_arg = project_path.to_str().unwrap();

    let report = run(&python(), &["tests/reference/compare_sklearn.py", project_arg]);
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let figure = |key: &str| report[key].as_f64().unwrap();
    eprintln!("{report}");
    assert_eq!(figure("validation"), 120.0);
    assert!((figure("ours") - figure("ours_recorded")).abs() < 1e-6, "the recorded accuracy is the head's: {report}");
    assert!((figure("ours") - figure("sklearn")).abs() <= 0.02, "within 2 points of scikit-learn: {report}");
    assert!(figure("agreement") >= 0.9, "the two learners mostly predict alike: {report}");
    // A hard, noisy set: neither learner should be near-perfect or near-chance.
    assert!((0.4..0.9).contains(&figure("sklearn")), "{report}");

    // The project predicts with the weights it was trained on, and only with those.
    let held_out = data.join("held_out/brick_0.png");
    let predicted = run(Path::new(CLI), &["predict", "--json", "--project", project_arg, "--weights", weights, held_out.to_str().unwrap()]);
    let line: serde_json::Value = serde_json::from_slice(&predicted.stdout).unwrap();
    let probs: Vec<f64> = line["classes"].as_array().unwrap().iter().map(|c| c["prob"].as_f64().unwrap()).collect();
    assert_eq!(probs.len(), 4);
    assert!((probs.iter().sum::<f64>() - 1.0).abs() < 1e-4, "{line}");
    let other = dir.join("other.safetensors");
    run(Path::new(CLI), &["demo-weights", "--seed", "9", "--out", other.to_str().unwrap()]);
    refused(&["predict", "--project", project_arg, "--weights", other.to_str().unwrap(), held_out.to_str().unwrap()], "other backbone weights");

    let project = Project::from_bytes(&std::fs::read(&project_path).unwrap()).unwrap();
    let examples = plain_examples(&project);
    temperature_scaling_lowers_held_out_loss(&examples);

    // Retraining reuses the stored features; a file that is not a project is refused.
    let retrained = dir.join("retrained.safetensors");
    run(Path::new(CLI), &["train", "--from", project_arg, "--epochs", "3", "--out", retrained.to_str().unwrap()]);
    refused(&["train", "--from", weights, "--out", retrained.to_str().unwrap()], "not a Transfer Studio project file");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn training_folds_the_temperature_into_the_head_and_records_it() {
    // Two overlapping clusters: a head trained long on them is overconfident.
    let mut rng = StdRng::seed_from_u64(9);
    let noise = Normal::new(0.0f32, 1.0).unwrap();
    let center: Vec<f32> = (0..FEATURE_DIM).map(|_| noise.sample(&mut rng)).collect();
    let rows: Vec<(usize, Vec<f32>)> =
        (0..120).map(|i| (i % 2, center.iter().map(|c| if i % 2 == 0 { *c } else { -*c } * 0.03 + noise.sample(&mut rng)).collect())).collect();
    let examples: Vec<LabeledFeatures> = rows.iter().map(|(class, views)| LabeledFeatures::new(*class, views)).collect();
    let names = ["a".to_string(), "b".to_string()];
    let settings = TrainSettings { epochs: 30, validation_fraction: 0.4, augment: false, ..TrainSettings::default() };
    let mut trainer = Trainer::new(&examples, &names, settings, &Device::flex()).unwrap();
    while !trainer.is_done() {
        pollster::block_on(trainer.epoch()).unwrap();
    }
    let raw = pollster::block_on(trainer.weights()).unwrap();
    let calibrated = pollster::block_on(trainer.calibrated_weights()).unwrap();
    let calibration = trainer.evaluation().and_then(|e| e.calibration.clone()).expect("48 held out: calibrated");
    assert!(calibration.is_sane() && calibration.examples == 48, "{calibration:?}");
    assert!(calibration.temperature > 1.0, "an overconfident head is softened: {calibration:?}");
    assert!(calibration.error_after <= calibration.error_before, "{calibration:?}");
    for (x, (raw, calibrated)) in rows.iter().map(|(_, x)| (raw.logits(x), calibrated.logits(x))).enumerate() {
        for (r, c) in raw.iter().zip(&calibrated) {
            assert!((r / calibration.temperature - c).abs() < 1e-3 * r.abs().max(1.0), "row {x}: {r} / T vs {c}");
        }
    }
}

fn temperature_scaling_lowers_held_out_loss(examples: &[(usize, &[f32])]) {
    // Per class: 40 % to train on, 30 % to fit the temperature on, 30 % to test.
    let (train, rest) = draw(examples, examples.len() * 2 / 5 / CLASSES.len(), 7);
    let (fit, test) = draw(&rest, rest.len() / 2 / CLASSES.len(), 8);
    let head = linear_head(&train, 0.0);
    let logits =
        |set: &[(usize, &[f32])]| -> (Vec<f32>, Vec<usize>) { (set.iter().flat_map(|(_, x)| head.logits(x)).collect(), set.iter().map(|(c, _)| *c).collect()) };
    let (fit_logits, fit_labels) = logits(&fit);
    let (test_logits, test_labels) = logits(&test);
    let temperature = HeldOut { logits: &fit_logits, labels: &fit_labels, classes: CLASSES.len() }.fit_temperature();
    let held_out = HeldOut { logits: &test_logits, labels: &test_labels, classes: CLASSES.len() };
    let (before, after) = (held_out.nll(1.0), held_out.nll(temperature));
    let (ece_before, ece_after) = (held_out.expected_calibration_error(1.0), held_out.expected_calibration_error(temperature));
    eprintln!(
        "temperature {temperature:.2} fitted on {} examples; on {} others: NLL {before:.3} -> {after:.3}, ECE {ece_before:.3} -> {ece_after:.3}",
        fit.len(),
        test.len()
    );
    assert!(after < before, "temperature scaling lowers the held-out NLL: {before:.3} -> {after:.3}");
}
