//! Int8 ResNet50: per-output-channel symmetric quantization of the folded weights, and the
//! single-file format the browser downloads.
//!
//! Each conv/fc `name` is stored as `name.weight` I8 (`[out, …]`), `name.scale` F32 `[out]`
//! and `name.bias` F32 `[out]`; `weight ≈ scale[o] · q[o, …]` with `q ∈ [-127, 127]`.
//! `__metadata__` carries the format version, the source file's SHA-256 and the
//! preprocessing the weights expect. About 25.6 MB for ResNet50 (a quarter of fp32).

use std::collections::HashMap;

use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use super::arch::{FEATURE_DIM, NUM_CLASSES, ResNet50Spec};
use super::fold::{FoldedConv, FoldedResNet50};
use super::le_bytes::{le_bytes, words};
use super::manifest::sha256_hex;
use super::weights::WeightsError;
use crate::vision::preprocess::Preprocessing;

/// `__metadata__["format"]` of an int8 file.
pub const FORMAT: &str = "transfer-studio-resnet50-int8";
/// `__metadata__["version"]`; bumped on any incompatible change.
pub const VERSION: &str = "1";
/// Largest magnitude of a symmetric int8 value.
const Q_MAX: f32 = 127.0;

/// Why an int8 file was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Int8Error {
    #[error("not a safetensors file ({0})")]
    NotSafetensors(String),
    #[error("not a Transfer Studio int8 model (metadata `format` is {0:?})")]
    Format(Option<String>),
    #[error("int8 model format version {found} is not supported (this build reads {VERSION})")]
    Version { found: String },
    #[error("int8 model metadata `{key}` is missing or malformed")]
    Metadata { key: &'static str },
    #[error("int8 model tensor `{key}` is missing")]
    Missing { key: String },
    #[error("int8 model tensor `{key}` has dtype {found} and shape {shape:?}, expected {expected_dtype} {expected:?}")]
    Tensor { key: String, found: String, shape: Vec<usize>, expected_dtype: &'static str, expected: Vec<usize> },
    #[error("int8 model tensor `{key}` holds a non-finite or negative scale")]
    BadScale { key: String },
}

/// One layer's int8 weights (`[out, …]` row-major) with per-output-channel scales.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizedLayer {
    pub weight: Vec<i8>,
    pub scale: Vec<f32>,
    pub bias: Vec<f32>,
    pub shape: Vec<usize>,
}

impl QuantizedLayer {
    /// Symmetric per-output-channel quantization: `scale = max|w| / 127`, `q = round(w / scale)`.
    pub fn quantize(weight: &[f32], bias: Vec<f32>, shape: Vec<usize>) -> Self {
        let per_channel = weight.len() / shape[0];
        let mut q = Vec::with_capacity(weight.len());
        let mut scale = Vec::with_capacity(shape[0]);
        for row in weight.chunks_exact(per_channel) {
            let max = row.iter().fold(0.0f32, |m, w| m.max(w.abs()));
            let s = if max > 0.0 { max / Q_MAX } else { 1.0 };
            q.extend(row.iter().map(|w| (w / s).round().clamp(-Q_MAX, Q_MAX) as i8));
            scale.push(s);
        }
        Self { weight: q, scale, bias, shape }
    }

    /// `scale[o] · q[o, …]` on the host (the device does the same at load).
    pub fn dequantize(&self) -> Vec<f32> {
        let per_channel = self.weight.len() / self.shape[0];
        self.weight
            .chunks_exact(per_channel)
            .zip(&self.scale)
            .flat_map(|(row, s)| row.iter().map(move |&q| f32::from(q) * s))
            .collect()
    }
}

/// ResNet50 with BatchNorm folded and every conv and the fc in int8.
#[derive(Debug, Clone, PartialEq)]
pub struct Int8ResNet50 {
    /// In [`ResNet50Spec::convs`] order.
    pub convs: Vec<QuantizedLayer>,
    pub fc: QuantizedLayer,
    pub preprocessing: Preprocessing,
    /// Lower-case hex SHA-256 of the fp32 file it was made from.
    pub source_sha256: String,
}

impl Int8ResNet50 {
    pub fn quantize(folded: &FoldedResNet50, preprocessing: Preprocessing, source_sha256: String) -> Self {
        let convs = folded
            .convs
            .iter()
            .map(|c| QuantizedLayer::quantize(&c.weight, c.bias.clone(), c.shape.to_vec()))
            .collect();
        let fc = QuantizedLayer::quantize(&folded.fc_weight, folded.fc_bias.clone(), vec![NUM_CLASSES, FEATURE_DIM]);
        Self { convs, fc, preprocessing, source_sha256 }
    }

    /// The dequantized weights, as a host-side folded model (reference and fallback path).
    pub fn dequantize(&self) -> FoldedResNet50 {
        let convs = self
            .convs
            .iter()
            .map(|c| FoldedConv {
                weight: c.dequantize(),
                bias: c.bias.clone(),
                shape: c.shape.clone().try_into().expect("conv weights are 4-d"),
            })
            .collect();
        FoldedResNet50 { convs, fc_weight: self.fc.dequantize(), fc_bias: self.fc.bias.clone() }
    }

    /// Serializes to the int8 safetensors format.
    pub fn to_bytes(&self, spec: &ResNet50Spec) -> Vec<u8> {
        let names = spec.convs().map(|c| c.conv.clone()).chain(["fc".to_string()]);
        let layers = self.convs.iter().chain([&self.fc]);
        let mut buffers: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
        for (name, layer) in names.zip(layers) {
            let out = vec![layer.shape[0]];
            buffers.push((format!("{name}.weight"), Dtype::I8, layer.shape.clone(), layer.weight.iter().map(|&q| q as u8).collect()));
            buffers.push((format!("{name}.scale"), Dtype::F32, out.clone(), le_bytes(layer.scale.iter().copied())));
            buffers.push((format!("{name}.bias"), Dtype::F32, out, le_bytes(layer.bias.iter().copied())));
        }
        let views = buffers.iter().map(|(name, dtype, shape, data)| {
            (name.clone(), TensorView::new(*dtype, shape.clone(), data).expect("shape matches bytes"))
        });
        let p = &self.preprocessing;
        let metadata = HashMap::from([
            ("format".to_string(), FORMAT.to_string()),
            ("version".to_string(), VERSION.to_string()),
            ("source_sha256".to_string(), self.source_sha256.clone()),
            ("resize".to_string(), p.resize.to_string()),
            ("crop".to_string(), p.crop.to_string()),
            ("interpolation".to_string(), "bilinear".to_string()),
            ("mean".to_string(), serde_json::to_string(&p.mean).expect("floats serialize")),
            ("std".to_string(), serde_json::to_string(&p.std).expect("floats serialize")),
        ]);
        safetensors::serialize(views, Some(metadata)).expect("in-memory serialization")
    }

    /// Parses and validates an int8 file.
    pub fn from_bytes(bytes: &[u8], spec: &ResNet50Spec) -> Result<Self, Int8Error> {
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| Int8Error::NotSafetensors(e.to_string()))?;
        let tensors = SafeTensors::deserialize(bytes).map_err(|e| Int8Error::NotSafetensors(e.to_string()))?;
        let metadata = header.metadata().clone().unwrap_or_default();
        let format = metadata.get("format").cloned();
        if format.as_deref() != Some(FORMAT) {
            return Err(Int8Error::Format(format));
        }
        match metadata.get("version") {
            Some(v) if v == VERSION => {}
            other => return Err(Int8Error::Version { found: other.cloned().unwrap_or_else(|| "(none)".into()) }),
        }
        let field = |key: &'static str| metadata.get(key).ok_or(Int8Error::Metadata { key });
        let number = |key: &'static str| field(key)?.parse::<u32>().map_err(|_| Int8Error::Metadata { key });
        let triple = |key: &'static str| serde_json::from_str::<[f32; 3]>(field(key)?).map_err(|_| Int8Error::Metadata { key });
        if field("interpolation")? != "bilinear" {
            return Err(Int8Error::Metadata { key: "interpolation" });
        }
        let preprocessing = Preprocessing { resize: number("resize")?, crop: number("crop")?, mean: triple("mean")?, std: triple("std")? };
        if preprocessing.crop == 0 || preprocessing.resize < preprocessing.crop || preprocessing.std.iter().any(|s| *s <= 0.0) {
            return Err(Int8Error::Metadata { key: "resize/crop/std" });
        }

        let layer = |name: &str, shape: Vec<usize>| -> Result<QuantizedLayer, Int8Error> {
            let out = vec![shape[0]];
            let weight = tensor(&tensors, &format!("{name}.weight"), Dtype::I8, &shape)?;
            let scale: Vec<f32> = words(tensor(&tensors, &format!("{name}.scale"), Dtype::F32, &out)?);
            if scale.iter().any(|s| !s.is_finite() || *s < 0.0) {
                return Err(Int8Error::BadScale { key: format!("{name}.scale") });
            }
            let bias: Vec<f32> = words(tensor(&tensors, &format!("{name}.bias"), Dtype::F32, &out)?);
            Ok(QuantizedLayer { weight: weight.iter().map(|&b| b as i8).collect(), scale, bias, shape })
        };
        let convs = spec.convs().map(|c| layer(&c.conv, c.weight_shape().to_vec())).collect::<Result<_, _>>()?;
        let fc = layer("fc", vec![NUM_CLASSES, FEATURE_DIM])?;
        Ok(Self { convs, fc, preprocessing, source_sha256: field("source_sha256")?.clone() })
    }
}

/// Folds and quantizes a torchvision-layout file straight to int8 model bytes, dropping the
/// fp32 bytes as soon as they are folded so both copies are never held longer than needed.
pub fn quantize_torchvision(fp32: Vec<u8>, preprocessing: Preprocessing) -> Result<Vec<u8>, WeightsError> {
    let spec = ResNet50Spec::new();
    let source_sha256 = sha256_hex(&fp32);
    let folded = FoldedResNet50::from_torchvision(&fp32, &spec)?;
    drop(fp32);
    let int8 = Int8ResNet50::quantize(&folded, preprocessing, source_sha256);
    drop(folded);
    Ok(int8.to_bytes(&spec))
}

/// The `source_sha256` an int8 file records, read from its header only.
pub fn source_digest(bytes: &[u8]) -> Option<String> {
    let (_, header) = SafeTensors::read_metadata(bytes).ok()?;
    header.metadata().as_ref()?.get("source_sha256").cloned()
}

/// Identity of a backbone's weights, shared by a torchvision file and the int8 model made
/// from it: the SHA-256 of the source file (recorded in int8 files).
pub fn backbone_digest(bytes: &[u8]) -> String {
    source_digest(bytes).filter(|_| is_int8(bytes)).unwrap_or_else(|| sha256_hex(bytes))
}

/// Whether `bytes` look like an int8 model (safetensors whose metadata names the format).
pub fn is_int8(bytes: &[u8]) -> bool {
    SafeTensors::read_metadata(bytes)
        .ok()
        .and_then(|(_, header)| header.metadata().as_ref().and_then(|m| m.get("format").cloned()))
        .is_some_and(|f| f == FORMAT)
}

fn tensor<'a>(tensors: &SafeTensors<'a>, key: &str, dtype: Dtype, shape: &[usize]) -> Result<&'a [u8], Int8Error> {
    let view = tensors.tensor(key).map_err(|_| Int8Error::Missing { key: key.to_string() })?;
    if view.dtype() != dtype || view.shape() != shape {
        return Err(Int8Error::Tensor {
            key: key.to_string(),
            found: view.dtype().to_string(),
            shape: view.shape().to_vec(),
            expected_dtype: if dtype == Dtype::I8 { "I8" } else { "F32" },
            expected: shape.to_vec(),
        });
    }
    Ok(view.data())
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantization_error_is_at_most_half_a_step() {
        let weight = vec![0.5, -1.0, 0.25, 0.0, 0.003, -0.002, 0.001, 0.0];
        let layer = QuantizedLayer::quantize(&weight, vec![0.1, 0.2], vec![2, 4]);
        assert_eq!(layer.weight[1], -127);
        assert_eq!(layer.scale, vec![1.0 / 127.0, 0.003 / 127.0]);
        for (row, (w, d)) in weight.iter().zip(layer.dequantize()).enumerate() {
            assert!((w - d).abs() <= layer.scale[row / 4] / 2.0 + 1e-9, "{w} vs {d}");
        }
    }

    #[test]
    fn all_zero_channel_gets_a_unit_scale() {
        let layer = QuantizedLayer::quantize(&[0.0; 4], vec![0.0], vec![1, 4]);
        assert_eq!(layer.scale, vec![1.0]);
        assert_eq!(layer.dequantize(), vec![0.0; 4]);
    }
}
