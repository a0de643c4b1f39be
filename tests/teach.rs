//! Teach mode from the command line, checked against an independent learner: features of a
//! noisy four-class image set are computed by the app (`train`), and the head it trains is
//! compared with scikit-learn's logistic regression on the same features and split
//! (tests/reference/compare_sklearn.py). On the same features: class means against the
//! linear head with 1 to 10 examples a class, and temperature scaling on held-out examples.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use burn::tensor::Device;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand_distr::{Distribution, Normal};
use transfer_studio::model::arch::FEATURE_DIM;
use transfer_studio::train::calibration::HeldOut;
use transfer_studio::train::class_means::class_means;
use transfer_studio::train::head::HeadWeights;
use transfer_studio::train::project::Project;
use transfer_studio::train::trainer::{FEW_SHOT_BELOW, LabeledFeatures, TrainSettings, Trainer};

const CLI: &str = env!("CARGO_BIN_EXE_transfer-studio");
const CLASSES: [&str; 4] = ["brick", "gravel", "grass", "coins"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> PathBuf {
    repo().join(".venv/bin/python")
}

fn run(program: &Path, args: &[&str]) -> Output {
    let output = Command::new(program).args(args).current_dir(repo()).output().expect("the program starts");
    assert!(output.status.success(), "{} {args:?}: {}", program.display(), String::from_utf8_lossy(&output.stderr));
    output
}

fn refused(args: &[&str], expected: &str) {
    let output = Command::new(CLI).args(args).current_dir(repo()).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains(expected) && !stderr.contains("panicked"), "{args:?}: {stderr}");
}

#[test]
fn head_matches_scikit_learn_on_the_apps_features() {
    let weights = repo().join("tests/golden/resnet50_seeded.safetensors");
    let weights = weights.to_str().unwrap();
    let dir = std::env::temp_dir().join(format!("ts-teach-{}", std::process::id()));
    let data = dir.join("images");
    run(&python(), &["tests/reference/make_teach_set.py", data.to_str().unwrap(), "75"]);

    let project_path = dir.join("project.safetensors");
    let project_arg = project_path.to_str().unwrap();
    let class_args: Vec<String> = CLASSES.iter().map(|c| format!("{c}={}", data.join(c).display())).collect();
    let mut args = vec!["train", "--weights", weights, "--validation", "0.4", "--out", project_arg];
    for class in &class_args {
        args.extend(["--class", class]);
    }
    run(Path::new(CLI), &args);

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
    let examples: Vec<(usize, &[f32])> =
        project.examples.iter().map(|e| (project.classes.iter().position(|c| c.id == e.class).unwrap(), &e.features[..FEATURE_DIM])).collect();
    class_means_against_the_linear_head(&examples);
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
    let examples: Vec<LabeledFeatures> = rows.iter().map(|(class, views)| LabeledFeatures { class: *class, views }).collect();
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

const SHOTS: [usize; 4] = [1, 2, 5, 10];
const DRAWS: u64 = 30;
/// Two standard errors of a mean of 30 draws here: closer than this is a tie.
const TIE: f64 = 0.02;

fn names() -> Vec<String> {
    CLASSES.iter().map(|c| c.to_string()).collect()
}

/// The linear head as the app trains it (no augmentation views here, nothing held out).
fn linear_head(train: &[(usize, &[f32])], validation_fraction: f32) -> HeadWeights {
    trained_heads(train, validation_fraction).0
}

/// The trained linear head, and the head the app keeps (blended with class means when few-shot).
fn trained_heads(train: &[(usize, &[f32])], validation_fraction: f32) -> (HeadWeights, HeadWeights) {
    let examples: Vec<LabeledFeatures> = train.iter().map(|&(class, views)| LabeledFeatures { class, views }).collect();
    let settings = TrainSettings { augment: false, validation_fraction, ..TrainSettings::default() };
    let mut trainer = Trainer::new(&examples, &names(), settings, &Device::flex()).unwrap();
    while !trainer.is_done() {
        pollster::block_on(trainer.epoch()).unwrap();
    }
    (pollster::block_on(trainer.weights()).unwrap(), pollster::block_on(trainer.calibrated_weights()).unwrap())
}

fn accuracy(head: &HeadWeights, test: &[(usize, &[f32])]) -> f64 {
    let right = test.iter().filter(|(class, x)| {
        let logits = head.logits(x);
        (0..logits.len()).max_by(|&a, &b| logits[a].total_cmp(&logits[b])) == Some(*class)
    });
    right.count() as f64 / test.len() as f64
}

fn nll(head: &HeadWeights, test: &[(usize, &[f32])]) -> f64 {
    test.iter().map(|(class, x)| -f64::from(head.probabilities(x)[*class].max(1e-12)).ln()).sum::<f64>() / test.len() as f64
}

/// Examples as (class, plain features).
type Set<'a> = Vec<(usize, &'a [f32])>;

/// `shots` examples of each class drawn at random; the rest.
fn draw<'a>(examples: &[(usize, &'a [f32])], shots: usize, seed: u64) -> (Set<'a>, Set<'a>) {
    let mut order: Vec<usize> = (0..examples.len()).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed));
    let (mut train, mut rest, mut taken) = (Vec::new(), Vec::new(), [0usize; CLASSES.len()]);
    for i in order {
        let (class, _) = examples[i];
        if taken[class] < shots {
            taken[class] += 1;
            train.push(examples[i]);
        } else {
            rest.push(examples[i]);
        }
    }
    (train, rest)
}

fn class_means_against_the_linear_head(examples: &[(usize, &[f32])]) {
    eprintln!("examples a class | class means | linear head | kept (blend below {FEW_SHOT_BELOW})  (mean test accuracy of {DRAWS} draws; then NLL)");
    for shots in SHOTS {
        let (mut means, mut linear, mut blend) = (0.0, 0.0, 0.0);
        let (mut nm, mut nl, mut nb) = (0.0, 0.0, 0.0);
        for seed in 0..DRAWS {
            let (train, test) = draw(examples, shots, seed);
            let labeled: Vec<LabeledFeatures> = train.iter().map(|&(class, views)| LabeledFeatures { class, views }).collect();
            let m = class_means(&labeled, &names()).unwrap();
            let (l, kept) = trained_heads(&train, 0.0);
            means += accuracy(&m, &test) / DRAWS as f64;
            linear += accuracy(&l, &test) / DRAWS as f64;
            blend += accuracy(&kept, &test) / DRAWS as f64;
            nm += nll(&m, &test) / DRAWS as f64;
            nl += nll(&l, &test) / DRAWS as f64;
            nb += nll(&kept, &test) / DRAWS as f64;
        }
        eprintln!("{shots:>16} | {means:>11.3} | {linear:>11.3} | {blend:>5.3}   nll {nm:.3} {nl:.3} {nb:.3}");
        // Measured here (features of the seeded, untrained backbone; accuracy / NLL):
        //   1 a class: means 0.293 / 4.85, linear 0.300 / 8.81, blend 0.298 / 11.4
        //   2 a class: means 0.315 / 3.11, linear 0.337 / 4.44, blend 0.331 / 6.59
        //   5, 10: the linear head ahead (0.399, 0.454 against blends of 0.374, 0.417).
        // The app blends below five (train::trainer::FEW_SHOT_BELOW), where the blend ties.
        if shots == 1 {
            assert!(means >= linear - TIE, "class means tie the linear head with one example a class: {means:.3} vs {linear:.3}");
        }
        if shots < FEW_SHOT_BELOW {
            assert!(blend >= linear - TIE, "the blend the app uses ties the linear head with {shots} a class: {blend:.3} vs {linear:.3}");
        }
        assert!(means > 0.25 + TIE, "better than chance (0.25) with {shots} a class: {means:.3}");
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
