//! `predict --exported`: a classifier exported as ONNX or as a PyTorch state dict, run again.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use burn::tensor::Device;
use transfer_studio::engine::Classifier;
use transfer_studio::export::reader::ExportedClassifier;
use transfer_studio::model::arch::ResNet50Spec;

use crate::teach::print_predictions;

/// Prints each image's probabilities under the exported classifier at `path`.
pub fn predict(path: &Path, json: bool, device: &Device, images: &[PathBuf]) -> Result<()> {
    let exported = read(path).with_context(|| format!("{}", path.display()))?;
    let classifier = Classifier::from_folded(exported.backbone, &ResNet50Spec::new(), exported.preprocessing, device);
    print_predictions(&classifier, &exported.head, &exported.classes, json, images)
}

/// An `.onnx` file, a state dict (`.safetensors`, with `classes.json` beside it if there is
/// one), or a folder an export wrote: the PyTorch folder or the web page's.
fn read(path: &Path) -> Result<ExportedClassifier> {
    let file = if path.is_dir() {
        ["resnet50.safetensors", "model.onnx"]
            .iter()
            .map(|name| path.join(name))
            .find(|p| p.is_file())
            .context("no resnet50.safetensors or model.onnx in this folder")?
    } else {
        path.to_path_buf()
    };
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    if file.extension().is_some_and(|e| e == "onnx") {
        return Ok(ExportedClassifier::from_onnx(&bytes)?);
    }
    let beside = file.with_file_name("classes.json");
    let classes = match std::fs::read(&beside) {
        Ok(json) => Some(serde_json::from_slice(&json).with_context(|| format!("{}", beside.display()))?),
        Err(_) => None,
    };
    Ok(ExportedClassifier::from_torch(&bytes, classes)?)
}
