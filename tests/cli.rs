//! The native CLI as a user runs it: real files in, printed output and exit codes checked.

use std::path::PathBuf;
use std::process::{Command, Output};

const CLI: &str = env!("CARGO_BIN_EXE_transfer-studio");

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(CLI).args(args).current_dir(repo()).output().expect("the CLI starts")
}

fn assert_refused(output: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "exit status should be non-zero; stderr: {stderr}");
    assert!(stderr.contains(expected), "stderr should mention {expected:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "no panic trace: {stderr}");
}

#[test]
fn demo_weights_classify_as_json_and_bad_inputs_are_refused() {
    let dir = std::env::temp_dir().join(format!("ts-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let weights = dir.join("demo.safetensors");
    let weights_arg = weights.to_str().unwrap();
    let made = run(&["demo-weights", "--seed", "3", "--out", weights_arg]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));

    let photo = "tests/fixtures/photos/coffee_0_256.png";
    let out = run(&["classify", "--weights", weights_arg, "--top", "3", "--json", photo]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(line["image"], photo);
    let top = line["top"].as_array().unwrap();
    assert_eq!(top.len(), 3);
    let probs: Vec<f64> = top.iter().map(|p| p["prob"].as_f64().unwrap()).collect();
    assert!(probs.windows(2).all(|w| w[0] >= w[1]), "sorted: {probs:?}");
    assert!(top.iter().all(|p| p["label"].as_str().is_some_and(|l| !l.is_empty())));
    assert!(line["ms"].as_f64().unwrap() > 0.0);

    let corrupt = "tests/fixtures/synthetic/corrupt.jpg";
    assert_refused(&run(&["classify", "--weights", weights_arg, photo, corrupt]), "could not be decoded");
    assert_refused(&run(&["classify", "--weights", corrupt, photo]), "not a safetensors file");
    assert_refused(&run(&["classify", "--weights", "/nonexistent.safetensors", photo]), "reading /nonexistent");
    assert_refused(&run(&["classify", "--weights", weights_arg, "--top", "0", photo]), "--top");
    assert_refused(&run(&["classify", "--top", "x"]), "invalid value");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_file_with_a_wrongly_shaped_tensor_names_it() {
    use safetensors::{Dtype, tensor::TensorView};
    let data = vec![0u8; 4 * 10];
    let view = TensorView::new(Dtype::F32, vec![10], &data).unwrap();
    let bytes = safetensors::serialize([("conv1.weight", view)], None).unwrap();
    let path = std::env::temp_dir().join(format!("ts-bad-{}.safetensors", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    let out = run(&["classify", "--weights", path.to_str().unwrap(), "tests/fixtures/photos/coffee_0_256.png"]);
    assert_refused(&out, "missing");
    std::fs::remove_file(&path).ok();
}
