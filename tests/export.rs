//! Exports run by runtimes we did not write: a classifier taught from the command line is
//! exported as ONNX (fp32 from fp32 weights, fp32 and int8 from the int8 model) and run by
//! onnxruntime with Pillow preprocessing (tests/reference/run_onnx.py); its logits must be
//! within 1e-3 of the CLI's own prediction on the same weights, with the same top-1, on
//! 256×256 photos (where Resize(256) is the identity, so both preprocess alike).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

const CLI: &str = env!("CARGO_BIN_EXE_transfer-studio");
const CLASSES: [&str; 4] = ["brick", "gravel", "grass", "coins"];
const PHOTOS: [&str; 8] = [
    "brick_2_256.png",
    "gravel_2_256.png",
    "grass_2_256.png",
    "coins_2_256.png",
    "chelsea_0_256.png",
    "coffee_1_256.png",
    "rocket_1_256.png",
    "astronaut_0_256.png",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(program: &Path, args: &[&str]) -> Output {
    let output = Command::new(program).args(args).current_dir(repo()).output().expect("the program starts");
    assert!(output.status.success(), "{} {args:?}: {}", program.display(), String::from_utf8_lossy(&output.stderr));
    output
}

fn cli(args: &[&str]) -> Output {
    run(Path::new(CLI), args)
}

/// The CLI's logits for each photo, with the project's head on `weights`.
fn cli_logits(project: &str, weights: &str, photos: &[String]) -> Vec<Vec<f64>> {
    predicted(&["--project", project, "--weights", weights], photos)
}

/// The CLI's `predict` logits for each photo; `what` names the classifier.
fn predicted(what: &[&str], photos: &[String]) -> Vec<Vec<f64>> {
    let mut args = vec!["predict", "--json"];
    args.extend(what);
    args.extend(photos.iter().map(String::as_str));
    let output = cli(&args);
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let line: Value = serde_json::from_str(line).unwrap();
            line["classes"].as_array().unwrap().iter().map(|c| c["logit"].as_f64().unwrap()).collect()
        })
        .collect()
}

/// onnxruntime's report on `model` over the photos.
fn onnxruntime(model: &Path, photos: &[String]) -> Value {
    let mut args = vec!["tests/reference/run_onnx.py".to_string(), model.display().to_string()];
    args.extend(photos.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    serde_json::from_slice(&run(&repo().join(".venv/bin/python"), &args).stdout).unwrap()
}

fn argmax(values: &[f64]) -> usize {
    values.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0
}

fn floats(values: &Value) -> Vec<f64> {
    values.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
}

/// Each photo's logits from a run_onnx.py report, its probabilities checked against them.
fn logits_of(report: &Value, photos: &[String]) -> Vec<Vec<f64>> {
    photos
        .iter()
        .map(|photo| {
            let (logits, probabilities) = (floats(&report["images"][photo]["logits"]), floats(&report["images"][photo]["probabilities"]));
            let top = logits.iter().copied().fold(f64::MIN, f64::max);
            let total: f64 = logits.iter().map(|l| (l - top).exp()).sum();
            for (l, p) in logits.iter().zip(&probabilities) {
                assert!(((l - top).exp() / total - p).abs() < 1e-5, "{photo}: the probabilities are the softmax of the logits");
            }
            logits
        })
        .collect()
}

/// Compares another runtime's logits with the CLI's; returns the largest difference.
fn agree(theirs: &[Vec<f64>], ours: &[Vec<f64>], photos: &[String], what: &str) -> f64 {
    let mut worst = 0.0f64;
    for ((photo, theirs), ours) in photos.iter().zip(theirs).zip(ours) {
        assert_eq!(theirs.len(), CLASSES.len(), "{what}: {photo}");
        let delta = theirs.iter().zip(ours).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(delta <= 1e-3, "{what}: {photo}: max |Δlogit| = {delta} (onnxruntime {theirs:?}, ours {ours:?})");
        assert_eq!(argmax(theirs), argmax(ours), "{what}: {photo}: top-1");
        worst = worst.max(delta);
    }
    worst
}

/// A classifier taught once for every test here: the project, the seeded fp32 weights and
/// their int8 model, the photos, the folder they live in.
struct Taught {
    dir: PathBuf,
    project: String,
    fp32: String,
    int8: String,
    photos: Vec<String>,
}

fn taught() -> &'static Taught {
    static TAUGHT: OnceLock<Taught> = OnceLock::new();
    TAUGHT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("ts-export-{}", std::process::id()));
        let data = dir.join("images");
        run(&repo().join(".venv/bin/python"), &["tests/reference/make_teach_set.py", data.to_str().unwrap(), "8"]);
        let fp32 = repo().join("tests/golden/resnet50_seeded.safetensors").display().to_string();
        let int8 = dir.join("seeded.int8.safetensors").display().to_string();
        cli(&["quantize", "--weights", &fp32, "--out", &int8]);
        let project = dir.join("project.safetensors").display().to_string();
        let class_args: Vec<String> = CLASSES.iter().map(|c| format!("{c}={}", data.join(c).display())).collect();
        let mut args = vec!["train", "--weights", &fp32, "--validation", "0.25", "--epochs", "30", "--out", &project];
        for class in &class_args {
            args.extend(["--class", class]);
        }
        cli(&args);
        let photos = PHOTOS.iter().map(|p| repo().join("tests/fixtures/photos").join(p).display().to_string()).collect();
        Taught { dir, project, fp32, int8, photos }
    })
}

#[test]
fn onnx_exports_run_in_onnxruntime_as_the_cli_predicts() {
    let Taught { dir, project, fp32, int8, photos } = taught();
    let mut sizes = Vec::new();
    for (weights, format, file) in [(fp32, "onnx", "fp32.onnx"), (int8, "onnx", "from_int8.onnx"), (int8, "onnx-int8", "int8.onnx")] {
        let model = dir.join(file);
        cli(&["export", "--project", project, "--weights", weights, "--format", format, "--out", model.to_str().unwrap()]);
        let report = onnxruntime(&model, photos);
        let metadata = &report["metadata"];
        let classes: Vec<String> = serde_json::from_str(metadata["classes"].as_str().unwrap()).unwrap();
        assert_eq!(classes, CLASSES, "{file}: class names in the metadata");
        let preprocessing: Value = serde_json::from_str(metadata["preprocessing"].as_str().unwrap()).unwrap();
        assert_eq!((preprocessing["resize_shorter_side"].as_u64(), preprocessing["center_crop"].as_u64()), (Some(256), Some(224)), "{file}");
        let quantized = report["ops"].as_array().unwrap().iter().any(|op| op == "DequantizeLinear");
        assert_eq!(quantized, format == "onnx-int8", "{file}: {}", report["ops"]);
        assert_eq!(report["initializer_types"].as_array().unwrap().iter().any(|t| t == "INT8"), quantized, "{file}");
        let theirs = logits_of(&report, photos);
        let ours = cli_logits(project, weights, photos);
        let worst = agree(&theirs, &ours, photos, file);
        let size = std::fs::metadata(&model).unwrap().len();
        println!("{file}: {size} bytes; max |Δlogit| against the CLI on the same weights: {worst:.2e}");
        let read_back = agree(&predicted(&["--exported", model.to_str().unwrap()], photos), &ours, photos, file);
        println!("{file}: read back by `predict --exported`: max |Δlogit| {read_back:.2e}");
        sizes.push(size);
    }
    assert!(sizes[2] * 3 < sizes[1], "int8 weights are about a quarter of fp32: {sizes:?}");
}

#[test]
fn torch_layout_runs_unfolded_as_the_cli_predicts() {
    let Taught { dir, project, fp32, int8, photos } = taught();
    for (weights, folder) in [(fp32, "torch_from_fp32"), (int8, "torch_from_int8")] {
        let out = dir.join(folder);
        cli(&["export", "--project", project, "--weights", weights, "--format", "torch", "--out", out.to_str().unwrap()]);
        let classes: Vec<String> = serde_json::from_slice(&std::fs::read(out.join("classes.json")).unwrap()).unwrap();
        assert_eq!(classes, CLASSES);
        let mut args = vec!["tests/reference/run_torch_layout.py".to_string(), out.join("resnet50.safetensors").display().to_string()];
        args.extend(photos.iter().cloned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let report: Value = serde_json::from_slice(&run(&repo().join(".venv/bin/python"), &args).stdout).unwrap();
        assert_eq!(report["classes"], serde_json::json!(CLASSES));
        let theirs: Vec<Vec<f64>> = photos.iter().map(|p| floats(&report["images"][p])).collect();
        let ours = cli_logits(project, weights, photos);
        let worst = agree(&theirs, &ours, photos, folder);
        println!("{folder}: max |Δlogit| against the CLI on the same weights: {worst:.2e}");
        let read_back = agree(&predicted(&["--exported", out.to_str().unwrap()], photos), &ours, photos, folder);
        println!("{folder}: read back by `predict --exported`: max |Δlogit| {read_back:.2e}");
    }
    // The head alone: the same rows as the full model's `fc`.
    let head = dir.join("head");
    cli(&["export", "--project", project, "--weights", fp32, "--format", "head", "--out", head.to_str().unwrap()]);
    let compare = "import sys; from safetensors.numpy import load_file as l; h, m = l(sys.argv[1]), l(sys.argv[2]); \
        assert h['weight'].shape == (4, 2048) and (h['weight'] == m['fc.weight']).all() and (h['bias'] == m['fc.bias']).all()";
    let full = dir.join("torch_from_fp32/resnet50.safetensors").display().to_string();
    run(&repo().join(".venv/bin/python"), &["-c", compare, head.join("head.safetensors").to_str().unwrap(), &full]);
}

/// The committed ONNX types were generated from the committed onnx.proto (its digest is in
/// the generated file's header); after changing one, run tools/onnx-codegen.
#[test]
fn the_generated_onnx_types_match_their_proto() {
    use sha2::{Digest, Sha256};
    let proto = std::fs::read(repo().join("tools/onnx-codegen/onnx.proto")).unwrap();
    let digest: String = Sha256::digest(&proto).iter().map(|b| format!("{b:02x}")).collect();
    let generated = std::fs::read_to_string(repo().join("src/export/onnx_proto.rs")).unwrap();
    let header: String = generated.lines().take(2).collect();
    assert!(header.contains(&format!("sha256 {digest}")), "regenerate src/export/onnx_proto.rs: {header}");
}

/// The share link's head against the head it was made from, on the taught examples'
/// features: how far its probabilities move, and how often its answer changes.
#[test]
fn a_share_link_keeps_the_taught_heads_answers() {
    use transfer_studio::export::share::{Bits, SharedHead};
    use transfer_studio::model::arch::FEATURE_DIM;
    use transfer_studio::train::project::Project;

    let project = Project::from_bytes(&std::fs::read(&taught().project).unwrap()).unwrap();
    let head = &project.current_head().unwrap().weights;
    let features: Vec<&[f32]> = project.examples.iter().map(|e| &e.features[..FEATURE_DIM]).collect();
    let top = |p: &[f32]| p.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
    for (bits, tolerance) in [(Bits::Sixteen, 1e-3), (Bits::Eight, 5e-3), (Bits::Four, 0.05)] {
        let shared = SharedHead::from_project(&project, bits).unwrap();
        let link = shared.to_payload();
        let restored = SharedHead::from_payload(&link).unwrap().head();
        let (mut worst, mut same) = (0.0f32, 0);
        for x in &features {
            let (a, b) = (head.probabilities(x), restored.probabilities(x));
            worst = a.iter().zip(&b).fold(worst, |m, (p, q)| m.max((p - q).abs()));
            same += usize::from(top(&a) == top(&b));
        }
        println!("{bits:?}: {} characters for {} classes, max |Δp| {worst:.2e}, same answer {same}/{}", link.len(), CLASSES.len(), features.len());
        assert!(worst <= tolerance && same == features.len(), "{bits:?}: max |Δp| {worst}, same answer {same}/{}", features.len());
    }
}
