//! Int8 ResNet50: per-output-channel symmetric quantization of the folded weights, and the
//! single-file format the browser downloads.
//!
//! Each conv/fc `name` is stored as `name.weight` I8 (`[out, …]`), `name.scale` F32 `[out]`
//! and `name.bias` F32 `[out]`; `weight ≈ scale[o] · q[o, …]` with `q ∈ [-127, 127]`.
//! `__metadata__` carries the format version, the source file's SHA-256 and the
//! preprocessing the weights expect. About 25.6 MB for ResNet50 (a quarter of fp32).

use safetensors::Dtype;

use super::arch::{FEATURE_DIM, NUM_CLASSES, ResNet50Spec};
use super::container::{ContainerError, ContainerReader, ContainerWriter, header_metadata};
use super::digest::sha256_hex;
use super::fold::FoldedResNet50;
use super::le_bytes::{le_bytes, words};
use super::weights::WeightsError;
use crate::vision::preprocess::{Interpolation, Preprocessing};

/// `__metadata__["format"]` of an int8 file.
pub const FORMAT: &str = "transfer-studio-resnet50-int8";
/// `__metadata__["version"]`; bumped on any incompatible change.
pub const VERSION: &str = "1";
/// Largest magnitude of a symmetric int8 value.
const Q_MAX: f32 = 127.0;

/// Why an int8 file was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Int8Error {
    /// The bytes do not parse as safetensors; the parser's reason.
    #[error("not a safetensors file ({0})")]
    NotSafetensors(String),
    /// Safetensors of another format (the metadata `format` found, if any).
    #[error("not a Transfer Studio int8 model (metadata `format` is {0:?})")]
    Format(Option<String>),
    /// An int8 model of a version this build does not read.
    #[error("int8 model format version {found} is not supported (this build reads {VERSION})")]
    Version {
        /// The file's version, or `(none)`.
        found: String,
    },
    /// A metadata entry is absent or does not parse.
    #[error("int8 model metadata `{key}` is missing or malformed")]
    Metadata {
        /// The entry's key.
        key: &'static str,
    },
    /// A layer's tensor is absent.
    #[error("int8 model tensor `{key}` is missing")]
    Missing {
        /// The tensor's name.
        key: String,
    },
    /// A layer's tensor has another dtype or shape than the architecture requires.
    #[error("int8 model tensor `{key}` has dtype {found} and shape {shape:?}, expected {expected_dtype} {expected:?}")]
    Tensor {
        /// The tensor's name.
        key: String,
        /// Its dtype in the file.
        found: Dtype,
        /// Its shape in the file.
        shape: Vec<usize>,
        /// The dtype the format prescribes.
        expected_dtype: Dtype,
        /// The shape the architecture requires.
        expected: Vec<usize>,
    },
    /// A scale is NaN, infinite or negative.
    #[error("int8 model tensor `{key}` holds a non-finite or negative scale")]
    BadScale {
        /// The scale tensor's name.
        key: String,
    },
    /// A bias is NaN or infinite.
    #[error("int8 model tensor `{key}` holds a non-finite bias")]
    BadBias {
        /// The bias tensor's name.
        key: String,
    },
    /// The preprocessing it records cannot be used.
    #[error("the int8 model asks for {0}")]
    Preprocessing(String),
}

impl From<ContainerError> for Int8Error {
    fn from(err: ContainerError) -> Self {
        match err {
            ContainerError::NotSafetensors(reason) => Self::NotSafetensors(reason),
            ContainerError::Format { found, .. } => Self::Format(found),
            ContainerError::Version { found, .. } => Self::Version { found: found.unwrap_or_else(|| "(none)".into()) },
            ContainerError::Missing { key } => Self::Missing { key },
            ContainerError::Tensor { key, expected_dtype, expected_shape, found_dtype, found_shape } => {
                Self::Tensor { key, found: found_dtype, shape: found_shape, expected_dtype, expected: expected_shape.unwrap_or_default() }
            }
        }
    }
}

/// One layer's int8 weights (`[out, …]` row-major) with per-output-channel scales.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizedLayer {
    /// `q`, in `[-127, 127]`.
    pub weight: Vec<i8>,
    /// One scale per output channel.
    pub scale: Vec<f32>,
    /// The folded bias, fp32, one per output channel.
    pub bias: Vec<f32>,
    /// Shape of `weight`, output channels first.
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
        self.weight.chunks_exact(per_channel).zip(&self.scale).flat_map(|(row, s)| row.iter().map(move |&q| f32::from(q) * s)).collect()
    }
}

/// ResNet50 with BatchNorm folded and every conv and the fc in int8.
#[derive(Debug, Clone, PartialEq)]
pub struct Int8ResNet50 {
    /// In [`ResNet50Spec::convs`] order.
    pub convs: Vec<QuantizedLayer>,
    /// The classifier, `[1000, 2048]`.
    pub fc: QuantizedLayer,
    /// The eval transform the weights expect.
    pub preprocessing: Preprocessing,
    /// Lower-case hex SHA-256 of the fp32 file it was made from.
    pub source_sha256: String,
}

impl Int8ResNet50 {
    /// Quantizes every layer of a folded model; `source_sha256` names the fp32 file.
    pub fn quantize(folded: &FoldedResNet50, preprocessing: Preprocessing, source_sha256: String) -> Self {
        let convs = folded.convs.iter().map(|c| QuantizedLayer::quantize(&c.weight, c.bias.clone(), c.shape.to_vec())).collect();
        let fc = QuantizedLayer::quantize(&folded.fc_weight, folded.fc_bias.clone(), vec![NUM_CLASSES, FEATURE_DIM]);
        Self { convs, fc, preprocessing, source_sha256 }
    }

    /// Serializes to the int8 safetensors format.
    pub fn to_bytes(&self, spec: &ResNet50Spec) -> Vec<u8> {
        let mut file = ContainerWriter::new(FORMAT, VERSION);
        let names = spec.convs().map(|c| c.conv.clone()).chain(["fc".to_string()]);
        let layers = self.convs.iter().chain([&self.fc]);
        for (name, layer) in names.zip(layers) {
            let out = vec![layer.shape[0]];
            file.tensor(format!("{name}.weight"), Dtype::I8, layer.shape.clone(), layer.weight.iter().map(|&q| q as u8).collect());
            file.tensor(format!("{name}.scale"), Dtype::F32, out.clone(), le_bytes(layer.scale.iter().copied()));
            file.tensor(format!("{name}.bias"), Dtype::F32, out, le_bytes(layer.bias.iter().copied()));
        }
        let p = &self.preprocessing;
        file.metadata("source_sha256", self.source_sha256.clone());
        file.metadata("resize", p.resize.to_string());
        file.metadata("crop", p.crop.to_string());
        file.metadata("interpolation", p.interpolation.name().to_string());
        file.metadata("mean", serde_json::to_string(&p.mean).expect("floats serialize"));
        file.metadata("std", serde_json::to_string(&p.std).expect("floats serialize"));
        file.to_bytes()
    }

    /// Parses and validates an int8 file.
    pub fn from_bytes(bytes: &[u8], spec: &ResNet50Spec) -> Result<Self, Int8Error> {
        let file = ContainerReader::open(bytes, FORMAT, VERSION)?;
        let field = |key: &'static str| file.metadata(key).ok_or(Int8Error::Metadata { key });
        let number = |key: &'static str| field(key)?.parse::<u32>().map_err(|_| Int8Error::Metadata { key });
        let triple = |key: &'static str| serde_json::from_str::<[f32; 3]>(field(key)?).map_err(|_| Int8Error::Metadata { key });
        let interpolation = Interpolation::from_name(field("interpolation")?).ok_or(Int8Error::Metadata { key: "interpolation" })?;
        let preprocessing = Preprocessing { resize: number("resize")?, crop: number("crop")?, mean: triple("mean")?, std: triple("std")?, interpolation };
        if let Some(problem) = preprocessing.problem() {
            return Err(Int8Error::Preprocessing(problem));
        }

        let layer = |name: &str, shape: Vec<usize>| -> Result<QuantizedLayer, Int8Error> {
            let out = [shape[0]];
            let weight = file.tensor(&format!("{name}.weight"), Dtype::I8, &shape)?;
            let scale: Vec<f32> = words(file.tensor(&format!("{name}.scale"), Dtype::F32, &out)?);
            if scale.iter().any(|s| !s.is_finite() || *s < 0.0) {
                return Err(Int8Error::BadScale { key: format!("{name}.scale") });
            }
            let bias: Vec<f32> = words(file.tensor(&format!("{name}.bias"), Dtype::F32, &out)?);
            if bias.iter().any(|b| !b.is_finite()) {
                return Err(Int8Error::BadBias { key: format!("{name}.bias") });
            }
            Ok(QuantizedLayer { weight: weight.iter().map(|&b| b as i8).collect(), scale, bias, shape })
        };
        let convs = spec.convs().map(|c| layer(&c.conv, c.weight_shape().to_vec())).collect::<Result<_, _>>()?;
        let fc = layer("fc", vec![NUM_CLASSES, FEATURE_DIM])?;
        Ok(Self { convs, fc, preprocessing, source_sha256: field("source_sha256")?.to_string() })
    }
}

/// Folds and quantizes a torchvision-layout file (whose SHA-256 is `source_sha256`, recorded
/// in the result) straight to int8 model bytes, dropping the fp32 bytes as soon as they are
/// folded so both copies are never held longer than needed.
pub fn quantize_torchvision(fp32: Vec<u8>, source_sha256: String, preprocessing: Preprocessing) -> Result<Vec<u8>, WeightsError> {
    let spec = ResNet50Spec::new();
    let folded = FoldedResNet50::from_torchvision(&fp32, &spec)?;
    drop(fp32);
    let int8 = Int8ResNet50::quantize(&folded, preprocessing, source_sha256);
    drop(folded);
    Ok(int8.to_bytes(&spec))
}

/// Size of the int8 model's tensors in bytes (one byte a weight, plus an f32 scale and bias
/// per output channel); the file adds a header of a few kilobytes.
pub fn int8_size(spec: &ResNet50Spec) -> u64 {
    let layer = |shape: &[usize]| (shape.iter().product::<usize>() + 8 * shape[0]) as u64;
    spec.convs().map(|c| layer(&c.weight_shape())).sum::<u64>() + layer(&[NUM_CLASSES, FEATURE_DIM])
}

/// The `source_sha256` an int8 file records, read from its header only.
pub fn source_digest(bytes: &[u8]) -> Option<String> {
    header_metadata(bytes).ok()?.remove("source_sha256")
}

/// Identity of a backbone's weights, shared by a torchvision file and the int8 model made
/// from it: the SHA-256 of the source file (recorded in int8 files).
pub fn backbone_digest(bytes: &[u8]) -> String {
    source_digest(bytes).filter(|_| is_int8(bytes)).unwrap_or_else(|| sha256_hex(bytes))
}

/// Whether `bytes` look like an int8 model (safetensors whose metadata names the format).
pub fn is_int8(bytes: &[u8]) -> bool {
    header_metadata(bytes).is_ok_and(|metadata| metadata.get("format").is_some_and(|f| f == FORMAT))
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

    fn zero_model(spec: &ResNet50Spec) -> FoldedResNet50 {
        let convs = spec
            .convs()
            .map(|c| {
                let shape = c.weight_shape();
                crate::model::fold::FoldedConv { weight: vec![0.0; shape.iter().product()], bias: vec![0.0; shape[0]], shape }
            })
            .collect();
        FoldedResNet50 { convs, fc_weight: vec![0.0; NUM_CLASSES * FEATURE_DIM], fc_bias: vec![0.0; NUM_CLASSES] }
    }

    /// A crop of 20,000 would ask the warm-up for a 4.8 GB input; a NaN bias, NaN logits.
    #[test]
    fn impossible_preprocessing_and_non_finite_biases_are_refused() {
        let spec = ResNet50Spec::new();
        let huge = Preprocessing { resize: 20_000, crop: 20_000, ..Preprocessing::default() };
        let file = Int8ResNet50::quantize(&zero_model(&spec), huge, String::new()).to_bytes(&spec);
        assert!(matches!(Int8ResNet50::from_bytes(&file, &spec), Err(Int8Error::Preprocessing(_))));
        let mut folded = zero_model(&spec);
        folded.fc_bias[3] = f32::NAN;
        let file = Int8ResNet50::quantize(&folded, Preprocessing::default(), String::new()).to_bytes(&spec);
        assert!(matches!(Int8ResNet50::from_bytes(&file, &spec), Err(Int8Error::BadBias { key }) if key == "fc.bias"));
    }

    #[test]
    fn int8_size_counts_every_tensor_byte() {
        let spec = ResNet50Spec::new();
        let file = Int8ResNet50::quantize(&zero_model(&spec), Preprocessing::default(), String::new()).to_bytes(&spec);
        let header = file.len() as u64 - int8_size(&spec);
        assert!(header < 64_000, "header of {header} bytes");
    }

    #[test]
    fn all_zero_channel_gets_a_unit_scale() {
        let layer = QuantizedLayer::quantize(&[0.0; 4], vec![0.0], vec![1, 4]);
        assert_eq!(layer.scale, vec![1.0]);
        assert_eq!(layer.dequantize(), vec![0.0; 4]);
    }
}
