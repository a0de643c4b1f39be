//! Reading back what the exports wrote — an ONNX classifier (either weights format) or a
//! torchvision `resnet50(num_classes=k)` state dict — as a folded backbone and a head, so the
//! CLI's `predict` runs an exported file as it ran the project.

use std::collections::HashMap;

use prost::Message;

use super::onnx_proto::{ModelProto, TensorProto, tensor_proto::DataType};
use crate::model::arch::{FEATURE_DIM, NUM_CLASSES, ResNet50Spec};
use crate::model::container::safetensors_header;
use crate::model::fold::{FoldedConv, FoldedResNet50};
use crate::model::le_bytes::words;
use crate::model::weights::WeightsError;
use crate::train::head::HeadWeights;
use crate::vision::preprocess::{Interpolation, Preprocessing};

/// Why a file is not an export this app can read back.
#[derive(Debug, thiserror::Error)]
pub enum ExportedError {
    /// Not ONNX, or not a classifier written by Transfer Studio.
    #[error("not a classifier exported by Transfer Studio: {0}")]
    Foreign(String),
    /// A state dict that is not `resnet50(num_classes=k)`.
    #[error(transparent)]
    Weights(#[from] WeightsError),
}

/// An exported classifier: the backbone (its own `fc` unused: zeros), the head, its classes.
pub struct ExportedClassifier {
    /// The backbone, BatchNorm folded.
    pub backbone: FoldedResNet50,
    /// The trained head.
    pub head: HeadWeights,
    /// Its outputs' names.
    pub classes: Vec<String>,
    /// The eval transform it expects.
    pub preprocessing: Preprocessing,
    /// Top probabilities below this are "not sure".
    pub not_sure_below: f32,
}

impl ExportedClassifier {
    /// An ONNX file from `export --format onnx|onnx-int8` (or the page's).
    pub fn from_onnx(bytes: &[u8]) -> Result<Self, ExportedError> {
        let foreign = |what: &str| ExportedError::Foreign(what.to_string());
        let model = ModelProto::decode(bytes).map_err(|e| ExportedError::Foreign(format!("not ONNX ({e})")))?;
        let metadata: HashMap<&str, &str> = model.metadata_props.iter().map(|p| (p.key.as_str(), p.value.as_str())).collect();
        let classes: Vec<String> =
            metadata.get("classes").and_then(|c| serde_json::from_str(c).ok()).ok_or_else(|| foreign("its metadata names no classes"))?;
        let preprocessing =
            metadata.get("preprocessing").and_then(|p| onnx_preprocessing(p)).ok_or_else(|| foreign("its metadata describes no preprocessing"))?;
        let not_sure_below = metadata.get("not_sure_below").and_then(|t| t.parse().ok()).filter(|t| (0.0..=1.0).contains(t)).unwrap_or(0.0);
        let graph = model.graph.ok_or_else(|| foreign("it has no graph"))?;
        let tensors: HashMap<&str, &TensorProto> = graph.initializer.iter().map(|t| (t.name.as_str(), t)).collect();
        let floats = |name: &str, len: usize| -> Result<Vec<f32>, ExportedError> {
            let t = tensors.get(name).ok_or_else(|| foreign(&format!("it has no `{name}`")))?;
            let values: Vec<f32> = if t.raw_data.is_empty() { t.float_data.clone() } else { words(&t.raw_data) };
            let ok = t.data_type == DataType::Float as i32 && values.len() == len && values.iter().all(|v| v.is_finite());
            ok.then_some(values).ok_or_else(|| foreign(&format!("`{name}` is not {len} finite floats")))
        };
        let spec = ResNet50Spec::new();
        let mut convs = Vec::new();
        for conv in spec.convs() {
            let shape = conv.weight_shape();
            let len = shape.iter().product();
            let name = &conv.conv;
            let weight = match tensors.get(format!("{name}.weight_quantized").as_str()) {
                Some(q) if q.data_type == DataType::Int8 as i32 && q.raw_data.len() == len => {
                    let scale = floats(&format!("{name}.weight_scale"), shape[0])?;
                    q.raw_data.chunks_exact(len / shape[0]).zip(scale).flat_map(|(row, s)| row.iter().map(move |&v| f32::from(v as i8) * s)).collect()
                }
                Some(_) => return Err(foreign(&format!("`{name}.weight_quantized` is not {len} int8 values"))),
                None => floats(&format!("{name}.weight"), len)?,
            };
            convs.push(FoldedConv { weight, bias: floats(&format!("{name}.bias"), shape[0])?, shape });
        }
        let k = classes.len();
        let head = HeadWeights { weight: floats("fc.weight", k * FEATURE_DIM)?, bias: floats("fc.bias", k)? };
        Ok(Self { backbone: unused_fc(convs), head, classes, preprocessing, not_sure_below })
    }

    /// A state dict from `export --format torch`: classes from its metadata (or `classes`,
    /// e.g. the folder's `classes.json`), preprocessing from its metadata or torchvision's.
    pub fn from_torch(bytes: &[u8], classes: Option<Vec<String>>) -> Result<Self, ExportedError> {
        let metadata = safetensors_header(bytes).map_err(WeightsError::NotSafetensors)?;
        let recorded = |key: &str| metadata.metadata().as_ref().and_then(|m| m.get(key).cloned());
        let classes = classes
            .or_else(|| recorded("classes").and_then(|c| serde_json::from_str(&c).ok()))
            .ok_or_else(|| ExportedError::Foreign("no class names: neither in its metadata nor beside it (classes.json)".into()))?;
        let preprocessing = recorded("preprocessing").and_then(|p| serde_json::from_str(&p).ok()).unwrap_or_default();
        let folded = FoldedResNet50::from_torchvision_classes(bytes, &ResNet50Spec::new(), classes.len())?;
        let head = HeadWeights { weight: folded.fc_weight, bias: folded.fc_bias };
        Ok(Self { backbone: unused_fc(folded.convs), head, classes, preprocessing, not_sure_below: 0.0 })
    }
}

/// The backbone with zeros for ImageNet's `fc`, which an exported file does not hold.
fn unused_fc(convs: Vec<FoldedConv>) -> FoldedResNet50 {
    FoldedResNet50 { convs, fc_weight: vec![0.0; NUM_CLASSES * FEATURE_DIM], fc_bias: vec![0.0; NUM_CLASSES] }
}

/// The ONNX metadata's `preprocessing` (see `onnx::metadata`) as the app's.
fn onnx_preprocessing(json: &str) -> Option<Preprocessing> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let three = |key: &str| -> Option<[f32; 3]> { serde_json::from_value(v[key].clone()).ok() };
    let interpolation = match v["interpolation"].as_str()? {
        "bilinear" => Interpolation::Bilinear,
        "bicubic" => Interpolation::Bicubic,
        _ => return None,
    };
    let p = Preprocessing {
        resize: v["resize_shorter_side"].as_u64()?.try_into().ok()?,
        crop: v["center_crop"].as_u64()?.try_into().ok()?,
        mean: three("mean")?,
        std: three("std")?,
        interpolation,
    };
    p.problem().is_none().then_some(p)
}
