//! `export`: a project's trained classifier in formats other tools run.

use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use transfer_studio::export::backbone::{Backbone, WeightFormat};
use transfer_studio::export::bundle::{ExportFile, head_folder, torch_folder};
use transfer_studio::export::onnx::{Classifier, classifier_onnx};
use transfer_studio::model::quant::is_int8;

use crate::fetch::Weights;
use crate::teach::read_project;

/// What `export` writes.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// ONNX, backbone and head, fp32 weights.
    Onnx,
    /// ONNX with the backbone's weights in int8 (`DequantizeLinear`), a quarter of the size.
    OnnxInt8,
    /// A folder: torchvision `resnet50(num_classes=k)` state dict (safetensors) and `classes.json`.
    Torch,
    /// A folder: the head alone (`nn.Linear(2048, k)` state dict, safetensors) and `classes.json`.
    Head,
}

/// Writes `project`'s classifier on the backbone `weights` to `out` in `format`.
pub fn export(project: &Path, weights: &Weights, format: Format, out: &Path) -> Result<()> {
    let project_path = project;
    let project = read_project(project_path)?;
    let Some(head) = project.current_head() else {
        bail!("{} has no trained classifier for its current classes: train it first", project_path.display());
    };
    let bytes = std::fs::read(&weights.path).with_context(|| format!("reading {}", weights.path.display()))?;
    let backbone = Backbone::from_bytes(&bytes, weights.preprocessing.clone()).with_context(|| format!("{}", weights.path.display()))?;
    if project.backbone.as_deref().is_some_and(|digest| digest != backbone.sha256) {
        bail!("{} was trained on features of other backbone weights than {}", project_path.display(), weights.path.display());
    }
    let classes = project.class_names(&head.record.class_ids);
    let classifier = Classifier { backbone: &backbone, head: &head.weights, classes: &classes, not_sure_below: head.not_sure_below() };
    match format {
        Format::Onnx | Format::OnnxInt8 => {
            let weights = if matches!(format, Format::Onnx) { WeightFormat::Fp32 } else { WeightFormat::Int8 };
            write(out, &classifier_onnx(&classifier, weights))
        }
        Format::Torch => {
            let original = (!is_int8(&bytes)).then_some(bytes.as_slice());
            write_folder(out, &torch_folder(&backbone, original, &head.weights, &classes).with_context(|| format!("{}", weights.path.display()))?)
        }
        Format::Head => write_folder(out, &head_folder(&head.weights, &classes)),
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
    Ok(())
}

/// The files into the folder `out`.
fn write_folder(out: &Path, files: &[ExportFile]) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    files.iter().try_for_each(|file| write(&out.join(file.name), &file.bytes))
}
