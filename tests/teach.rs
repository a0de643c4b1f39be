//! Teach mode from the command line, checked against an independent learner: features of a
//! noisy four-class image set are computed by the app (`train`), and the head it trains is
//! compared with scikit-learn's logistic regression on the same features and split
//! (tests/reference/compare_sklearn.py).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

    let project = dir.join("project.safetensors");
    let project_arg = project.to_str().unwrap();
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

    // Retraining reuses the stored features; a file that is not a project is refused.
    let retrained = dir.join("retrained.safetensors");
    run(Path::new(CLI), &["train", "--from", project_arg, "--epochs", "3", "--out", retrained.to_str().unwrap()]);
    refused(&["train", "--from", weights, "--out", retrained.to_str().unwrap()], "not a Transfer Studio project file");
    std::fs::remove_dir_all(&dir).ok();
}
