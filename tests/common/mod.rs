//! Golden data from `tests/reference/make_golden.py`, shared by the parity tests.

use std::collections::HashMap;
use std::path::PathBuf;

use safetensors::SafeTensors;
use serde::Deserialize;
use transfer_studio::engine::top_k;

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

#[derive(Deserialize)]
#[allow(dead_code)] // each test binary uses a different subset
pub struct Fixture {
    pub name: String,
    pub path: String,
    /// `photo256` (pre-cropped photo), `photo` (original size) or `synthetic`.
    pub kind: String,
}

#[derive(Deserialize)]
struct Index {
    fixtures: Vec<Fixture>,
}

pub struct Golden {
    pub fixtures: Vec<Fixture>,
    /// Pillow-preprocessed input tensors, `[3, 224, 224]`.
    pub inputs: HashMap<String, Vec<f32>>,
    /// ONNX Runtime fp32 logits.
    pub logits: HashMap<String, Vec<f32>>,
    /// Pillow's bicubic 235 → 224 eval transform of the PNG fixtures (timm's crop_pct 0.95).
    #[allow(dead_code)] // read by the parity tests only
    pub bicubic_inputs: HashMap<String, Vec<f32>>,
    /// The seeded weights, torchvision layout.
    pub weights: Vec<u8>,
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn golden() -> Result<Golden, Box<dyn std::error::Error>> {
    let dir = repo().join("tests/golden");
    let read = |name: &str| {
        std::fs::read(dir.join(name))
            .map_err(|err| format!("{}: {err}; generate it with tests/reference/make_golden.py (the README test command does)", dir.join(name).display()))
    };
    let index: Index = serde_json::from_slice(&read("golden.json")?)?;
    let data = read("golden.safetensors")?;
    let tensors = SafeTensors::deserialize(&data)?;
    let mut inputs = HashMap::new();
    let mut logits = HashMap::new();
    let mut bicubic_inputs = HashMap::new();
    for (name, view) in tensors.iter() {
        let values: Vec<f32> = transfer_studio::model::le_bytes::words(view.data());
        if let Some(fixture) = name.strip_prefix("input.") {
            inputs.insert(fixture.to_string(), values);
        } else if let Some(fixture) = name.strip_prefix("logits.") {
            logits.insert(fixture.to_string(), values);
        } else if let Some(fixture) = name.strip_prefix("bicubic235.") {
            bicubic_inputs.insert(fixture.to_string(), values);
        }
    }
    Ok(Golden { fixtures: index.fixtures, inputs, logits, bicubic_inputs, weights: read("resnet50_seeded.safetensors")? })
}

pub fn top5(logits: &[f32]) -> Vec<usize> {
    top_k(logits, 5).iter().map(|p| p.index).collect()
}

/// burn's wgpu device (lavapipe here, which `scripts/setup.sh --test` installs), made once:
/// two tests initialising it at the same moment would have the second refused.
#[allow(dead_code)]
#[cfg(feature = "cli")]
pub fn wgpu_device() -> Result<burn::tensor::Device, String> {
    static DEVICE: std::sync::OnceLock<Result<burn::tensor::Device, String>> = std::sync::OnceLock::new();
    DEVICE
        .get_or_init(|| burn::tensor::Device::wgpu_options().init().map_err(|e| format!("no wgpu adapter (scripts/setup.sh --test installs lavapipe): {e}")))
        .clone()
}
