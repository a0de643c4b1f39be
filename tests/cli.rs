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

    // int8: quantize, classify the same photo, describe it in a manifest.
    let int8 = dir.join("demo-int8.safetensors");
    let int8_arg = int8.to_str().unwrap();
    let quantized = run(&["quantize", "--weights", weights_arg, "--out", int8_arg, "--resize", "232"]);
    assert!(quantized.status.success(), "{}", String::from_utf8_lossy(&quantized.stderr));
    let (fp32_size, int8_size) = (std::fs::metadata(&weights).unwrap().len(), std::fs::metadata(&int8).unwrap().len());
    assert!(int8_size * 100 <= fp32_size * 26, "int8 {int8_size} vs fp32 {fp32_size}");
    let out = run(&["classify", "--weights", int8_arg, "--json", photo]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest_path = dir.join("manifest.json");
    let made = run(&["manifest", int8_arg, "--name", "demo", "--out", manifest_path.to_str().unwrap()]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    assert_eq!(manifest["models"][0]["format"], "int8");
    assert_eq!(manifest["models"][0]["bytes"], int8_size);
    // The int8 file recorded resize 232: classifying it equals fp32 classified with --resize 232
    // up to quantization, and differs from fp32 at 256 on a photo that is not 256 pixels.
    let probs = |args: &[&str]| -> Vec<f64> {
        let out = run(args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        line["top"].as_array().unwrap().iter().map(|p| p["prob"].as_f64().unwrap()).collect()
    };
    let original = "tests/fixtures/photos/chelsea.png";
    let fp32_232 = probs(&["classify", "--weights", weights_arg, "--json", "--resize", "232", original]);
    let fp32_256 = probs(&["classify", "--weights", weights_arg, "--json", original]);
    let int8_232 = probs(&["classify", "--weights", int8_arg, "--json", original]);
    assert_ne!(fp32_232, fp32_256, "--resize changes the input");
    assert!((int8_232[0] - fp32_232[0]).abs() < 0.05, "{int8_232:?} vs {fp32_232:?}");
    assert_refused(&run(&["classify", "--weights", weights_arg, "--resize", "100", original]), "--resize");
    assert_refused(&run(&["quantize", "--weights", corrupt, "--out", int8_arg]), "not a safetensors file");
    assert_refused(&run(&["quantize", "--weights", weights_arg, "--out", int8_arg, "--resize", "100"]), "--resize");
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

#[test]
fn torchvision_pth_converts_to_the_same_tensors() {
    let golden = repo().join("tests/golden");
    let expected =
        std::fs::read(golden.join("resnet50_seeded.safetensors")).expect("golden weights; run tests/reference/make_golden.py (the README test command does)");
    let expected = safetensors::SafeTensors::deserialize(&expected).unwrap();
    let out = std::env::temp_dir().join(format!("ts-pth-{}.safetensors", std::process::id()));
    for (pth, key) in [("resnet50_seeded.pth", None), ("resnet50_seeded_nested.pth", Some("state_dict"))] {
        let mut args: Vec<String> =
            vec!["convert".into(), "--pth".into(), golden.join(pth).to_str().unwrap().into(), "--out".into(), out.to_str().unwrap().into()];
        if let Some(key) = key {
            args.extend(["--key".to_string(), key.to_string()]);
        }
        let result = Command::new(CLI).args(&args).output().unwrap();
        assert!(result.status.success(), "{pth}: {}", String::from_utf8_lossy(&result.stderr));
        assert!(result.stderr.is_empty(), "{pth}: {}", String::from_utf8_lossy(&result.stderr));
        let converted = std::fs::read(&out).unwrap();
        let converted = safetensors::SafeTensors::deserialize(&converted).unwrap();
        assert_eq!(converted.len(), expected.len(), "{pth}");
        for (name, view) in expected.tensors() {
            let got = converted.tensor(&name).unwrap_or_else(|_| panic!("{pth}: {name} missing"));
            assert_eq!((got.dtype(), got.data()), (view.dtype(), view.data()), "{pth}: {name}");
            // The reader gives 0-d tensors (the num_batches_tracked counters) shape [1].
            let elements = |shape: &[usize]| shape.iter().product::<usize>();
            assert!(got.shape() == view.shape() || elements(got.shape()) == elements(view.shape()) && view.shape().is_empty(), "{pth}: {name}");
        }
    }
    // Without `--key`, a nested checkpoint still converts (convert writes any checkpoint's
    // tensors), with names under the nesting key, and a warning that says the result is not
    // a ResNet50 because every tensor it needs is missing.
    let nested_without_key = run(&["convert", "--pth", golden.join("resnet50_seeded_nested.pth").to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&nested_without_key.stderr);
    assert!(nested_without_key.status.success(), "{stderr}");
    let needed = expected.names().into_iter().filter(|name| !name.ends_with(".num_batches_tracked")).count();
    assert!(stderr.starts_with("warning: ") && stderr.contains("not a torchvision ResNet50"), "{stderr}");
    assert!(stderr.contains(&format!("{needed} tensor(s) missing")), "{stderr}");
    let converted = std::fs::read(&out).unwrap();
    let converted = safetensors::SafeTensors::deserialize(&converted).unwrap();
    let mut names = converted.names();
    names.sort();
    let mut nested: Vec<String> = expected.names().into_iter().map(|name| format!("state_dict.{name}")).collect();
    nested.sort();
    assert_eq!(names, nested.iter().map(String::as_str).collect::<Vec<_>>());
    assert_refused(&run(&["convert", "--pth", "tests/fixtures/synthetic/corrupt.jpg", "--out", out.to_str().unwrap()]), "PyTorch checkpoint");
    std::fs::remove_file(&out).ok();
}
