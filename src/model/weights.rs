//! Torchvision-layout safetensors → validated f32 tensors, from bytes (native and wasm).
//!
//! The file must hold exactly the tensors of torchvision's `resnet50().state_dict()`
//! (timm's `resnet50` uses the same names). `num_batches_tracked` counters are allowed
//! and ignored. Float tensors of any common width (F32, F16, BF16, F64) are widened to f32.

use std::collections::{BTreeSet, HashMap};

use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use super::arch::{NUM_CLASSES, ResNet50Spec};
use super::container::parse_safetensors;
use super::le_bytes::words;

/// Why a weights file was refused. Each variant names the tensor(s) at fault.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WeightsError {
    /// The bytes do not parse as safetensors; the parser's reason.
    #[error("not a safetensors file ({0})")]
    NotSafetensors(String),
    /// Tensors ResNet50 needs are absent.
    #[error("not a ResNet50 weights file: {count} tensor(s) missing, e.g. {}", .keys.join(", "))]
    Missing {
        /// How many are absent.
        count: usize,
        /// The first few of them, sorted.
        keys: Vec<String>,
    },
    /// Tensors ResNet50 does not have are present.
    #[error("not a ResNet50 weights file: {count} unexpected tensor(s), e.g. {}", .keys.join(", "))]
    Unexpected {
        /// How many there are.
        count: usize,
        /// The first few of them, sorted.
        keys: Vec<String>,
    },
    /// A tensor has the wrong shape.
    #[error("tensor `{key}` has shape {found:?}, expected {expected:?}")]
    Shape {
        /// The tensor's name.
        key: String,
        /// The shape ResNet50 requires.
        expected: Vec<usize>,
        /// Its shape in the file.
        found: Vec<usize>,
    },
    /// A tensor is not floating point.
    #[error("tensor `{key}` has dtype {found}, expected a float type (F32, F16, BF16 or F64)")]
    Dtype {
        /// The tensor's name.
        key: String,
        /// Its dtype in the file.
        found: String,
    },
    /// A tensor holds NaN or infinity.
    #[error("tensor `{key}` holds a non-finite value")]
    NonFinite {
        /// The tensor's name.
        key: String,
    },
}

/// How many offending keys an error message lists.
const KEYS_SHOWN: usize = 4;

/// A parsed and fully validated torchvision-layout ResNet50 weights file.
pub struct TorchvisionWeights<'a> {
    tensors: SafeTensors<'a>,
}

impl<'a> TorchvisionWeights<'a> {
    /// Parses `bytes` and checks every tensor name, shape and dtype against ResNet50.
    pub fn parse(bytes: &'a [u8], spec: &ResNet50Spec) -> Result<Self, WeightsError> {
        Self::parse_classes(bytes, spec, NUM_CLASSES)
    }

    /// As [`Self::parse`], for `resnet50(num_classes=classes)`: `fc` has `classes` rows.
    pub fn parse_classes(bytes: &'a [u8], spec: &ResNet50Spec, classes: usize) -> Result<Self, WeightsError> {
        let tensors = parse_safetensors(bytes).map_err(WeightsError::NotSafetensors)?;
        let shapes: Vec<(String, Vec<usize>)> = spec
            .expected_tensors()
            .into_iter()
            .map(|(key, mut shape)| {
                if key.starts_with("fc.") {
                    shape[0] = classes;
                }
                (key, shape)
            })
            .collect();
        let expected: HashMap<String, Vec<usize>> = shapes.iter().cloned().collect();
        let present: BTreeSet<&str> = tensors.names().into_iter().filter(|name| !name.ends_with(".num_batches_tracked")).collect();

        let mut missing: Vec<&String> = expected.keys().filter(|key| !present.contains(key.as_str())).collect();
        missing.sort();
        if !missing.is_empty() {
            return Err(WeightsError::Missing { count: missing.len(), keys: missing.iter().take(KEYS_SHOWN).map(|k| k.to_string()).collect() });
        }
        let unexpected: Vec<&str> = present.iter().copied().filter(|key| !expected.contains_key(*key)).collect();
        if !unexpected.is_empty() {
            return Err(WeightsError::Unexpected { count: unexpected.len(), keys: unexpected.iter().take(KEYS_SHOWN).map(|k| k.to_string()).collect() });
        }
        for (key, shape) in shapes {
            let view = tensors.tensor(&key).map_err(|err| WeightsError::NotSafetensors(err.to_string()))?;
            if view.shape() != shape.as_slice() {
                return Err(WeightsError::Shape { key, expected: shape, found: view.shape().to_vec() });
            }
            if !matches!(view.dtype(), Dtype::F32 | Dtype::F16 | Dtype::BF16 | Dtype::F64) {
                return Err(WeightsError::Dtype { key, found: view.dtype().to_string() });
            }
        }
        Ok(Self { tensors })
    }

    /// The tensor `key` widened to f32, row-major. `key` must be one of the expected names.
    pub fn f32(&self, key: &str) -> Result<Vec<f32>, WeightsError> {
        let view = self.tensors.tensor(key).map_err(|err| WeightsError::NotSafetensors(err.to_string()))?;
        let values = widen(&view);
        if values.iter().any(|v| !v.is_finite()) {
            return Err(WeightsError::NonFinite { key: key.to_string() });
        }
        Ok(values)
    }
}

fn widen(view: &TensorView<'_>) -> Vec<f32> {
    let bytes = view.data();
    match view.dtype() {
        Dtype::F32 => words(bytes),
        Dtype::F64 => words::<f64>(bytes).into_iter().map(|v| v as f32).collect(),
        Dtype::F16 => bytes.chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
        Dtype::BF16 => bytes.chunks_exact(2).map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
        other => unreachable!("dtype {other} was refused by parse"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A complete ResNet50 file of zeros (F16 to keep it small), with `edit` applied to the
    /// list of (name, dtype, shape) before it is written.
    fn file_with(edit: impl FnOnce(&mut Vec<(String, Dtype, Vec<usize>)>)) -> Vec<u8> {
        let mut entries: Vec<(String, Dtype, Vec<usize>)> = ResNet50Spec::new().expected_tensors().into_iter().map(|(k, s)| (k, Dtype::F16, s)).collect();
        entries.push(("bn1.num_batches_tracked".into(), Dtype::I64, vec![]));
        edit(&mut entries);
        let buffers: Vec<Vec<u8>> = entries.iter().map(|(_, dtype, shape)| vec![0u8; shape.iter().product::<usize>() * dtype.bitsize() / 8]).collect();
        let views = entries.iter().zip(&buffers).map(|((name, dtype, shape), data)| (name.clone(), TensorView::new(*dtype, shape.clone(), data).unwrap()));
        safetensors::serialize(views, None).unwrap()
    }

    #[test]
    fn complete_file_parses_and_widens_f16() {
        let bytes = file_with(|_| {});
        let weights = TorchvisionWeights::parse(&bytes, &ResNet50Spec::new()).unwrap();
        assert_eq!(weights.f32("fc.bias").unwrap(), vec![0.0; 1000]);
    }

    #[test]
    fn missing_tensor_is_named() {
        let bytes = file_with(|e| e.retain(|(k, _, _)| k != "layer3.5.bn2.running_var"));
        let err = TorchvisionWeights::parse(&bytes, &ResNet50Spec::new()).err().unwrap();
        assert_eq!(err, WeightsError::Missing { count: 1, keys: vec!["layer3.5.bn2.running_var".into()] });
        assert!(err.to_string().contains("layer3.5.bn2.running_var"));
    }

    #[test]
    fn unexpected_tensor_is_named() {
        let bytes = file_with(|e| e.push(("head.weight".into(), Dtype::F16, vec![2])));
        let err = TorchvisionWeights::parse(&bytes, &ResNet50Spec::new()).err().unwrap();
        assert_eq!(err, WeightsError::Unexpected { count: 1, keys: vec!["head.weight".into()] });
    }

    #[test]
    fn misshaped_tensor_is_named_with_both_shapes() {
        let bytes = file_with(|e| e.iter_mut().filter(|(k, _, _)| k == "fc.weight").for_each(|t| t.2 = vec![10, 2048]));
        let err = TorchvisionWeights::parse(&bytes, &ResNet50Spec::new()).err().unwrap();
        assert_eq!(err, WeightsError::Shape { key: "fc.weight".into(), expected: vec![1000, 2048], found: vec![10, 2048] });
    }

    #[test]
    fn integer_weights_are_refused() {
        let bytes = file_with(|e| e.iter_mut().filter(|(k, _, _)| k == "conv1.weight").for_each(|t| t.1 = Dtype::I8));
        let err = TorchvisionWeights::parse(&bytes, &ResNet50Spec::new()).err().unwrap();
        assert!(matches!(err, WeightsError::Dtype { ref key, .. } if key == "conv1.weight"), "{err}");
    }

    #[test]
    fn non_safetensors_bytes_are_refused() {
        let err = TorchvisionWeights::parse(b"PK\x03\x04 a zip, perhaps a .pth", &ResNet50Spec::new()).err().unwrap();
        assert!(matches!(err, WeightsError::NotSafetensors(_)), "{err}");
    }
}
