//! The safetensors container of this crate's own file formats (the int8 model, the teach
//! project): named tensors with a dtype and a shape, and a string metadata map whose
//! `format` and `version` entries say which format the file is.
//!
//! [`ContainerWriter`] builds such a file; [`ContainerReader`] opens one, refusing it unless
//! it names the expected format and version, and hands out tensors checked for dtype and
//! shape. Failures are [`ContainerError`]s, which each format maps into its own error type.

use std::collections::HashMap;

use safetensors::tensor::{Metadata, TensorView};
use safetensors::{Dtype, SafeTensors};

/// Metadata key naming the file format.
const FORMAT_KEY: &str = "format";
/// Metadata key holding the format version.
const VERSION_KEY: &str = "version";

/// Why a container was refused, or which of its tensors is at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ContainerError {
    /// The bytes do not parse as safetensors; the parser's reason.
    #[error("not a safetensors file ({0})")]
    NotSafetensors(String),
    /// The metadata names another format, or none.
    #[error("metadata `format` is {found:?}, expected {expected:?}")]
    Format {
        /// The format the reader accepts.
        expected: &'static str,
        /// The file's `format` entry, if it has one.
        found: Option<String>,
    },
    /// The format is right but its version is not the one this build reads.
    #[error("format version {found:?} is not supported, expected {expected:?}")]
    Version {
        /// The version the reader accepts.
        expected: &'static str,
        /// The file's `version` entry, if it has one.
        found: Option<String>,
    },
    /// No tensor has this name.
    #[error("tensor `{key}` is missing")]
    Missing {
        /// The tensor's name.
        key: String,
    },
    /// The tensor has another dtype or shape than the format prescribes.
    #[error("tensor `{key}` is {found_dtype} {found_shape:?}, expected {expected_dtype}{}", shape_suffix(.expected_shape))]
    Tensor {
        /// The tensor's name.
        key: String,
        /// The dtype the format prescribes.
        expected_dtype: Dtype,
        /// The shape the format prescribes; `None` where any shape is accepted.
        expected_shape: Option<Vec<usize>>,
        /// The tensor's dtype in the file.
        found_dtype: Dtype,
        /// The tensor's shape in the file.
        found_shape: Vec<usize>,
    },
}

fn shape_suffix(shape: &Option<Vec<usize>>) -> String {
    shape.as_ref().map(|shape| format!(" {shape:?}")).unwrap_or_default()
}

/// A container being built: tensors and metadata, written out by [`Self::to_bytes`].
#[derive(Debug, Clone)]
pub struct ContainerWriter {
    tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)>,
    metadata: HashMap<String, String>,
}

impl ContainerWriter {
    /// An empty container whose metadata names `format` at `version`.
    pub fn new(format: &str, version: &str) -> Self {
        let metadata = HashMap::from([(FORMAT_KEY.to_string(), format.to_string()), (VERSION_KEY.to_string(), version.to_string())]);
        Self { tensors: Vec::new(), metadata }
    }

    /// Sets the metadata entry `key`.
    pub fn metadata(&mut self, key: &str, value: String) {
        self.metadata.insert(key.to_string(), value);
    }

    /// Adds the tensor `name`: `bytes` holds `shape`'s element count of `dtype` values,
    /// little-endian, row-major.
    pub fn tensor(&mut self, name: impl Into<String>, dtype: Dtype, shape: Vec<usize>, bytes: Vec<u8>) {
        self.tensors.push((name.into(), dtype, shape, bytes));
    }

    /// The safetensors bytes.
    ///
    /// # Panics
    /// If a tensor's byte count does not match its dtype and shape.
    pub fn to_bytes(&self) -> Vec<u8> {
        let views = self.tensors.iter().map(|(name, dtype, shape, bytes)| {
            let view = TensorView::new(*dtype, shape.clone(), bytes).unwrap_or_else(|err| panic!("tensor {name}: shape does not match bytes ({err})"));
            (name.as_str(), view)
        });
        safetensors::serialize(views, Some(self.metadata.clone())).expect("in-memory serialization")
    }
}

/// A parsed container whose metadata named the expected format and version.
pub struct ContainerReader<'a> {
    tensors: SafeTensors<'a>,
    metadata: HashMap<String, String>,
}

impl<'a> ContainerReader<'a> {
    /// Parses `bytes` and checks that the metadata names `format`, then `version`.
    pub fn open(bytes: &'a [u8], format: &'static str, version: &'static str) -> Result<Self, ContainerError> {
        let metadata = header_metadata(bytes)?;
        let tensors = parse_safetensors(bytes).map_err(ContainerError::NotSafetensors)?;
        let found = metadata.get(FORMAT_KEY);
        if found.is_none_or(|found| found != format) {
            return Err(ContainerError::Format { expected: format, found: found.cloned() });
        }
        let found = metadata.get(VERSION_KEY);
        if found.is_none_or(|found| found != version) {
            return Err(ContainerError::Version { expected: version, found: found.cloned() });
        }
        Ok(Self { tensors, metadata })
    }

    /// The metadata entry `key`, if present.
    pub fn metadata(&self, key: &str) -> Option<&str> {
        self.metadata.get(key).map(String::as_str)
    }

    /// The bytes of tensor `key`, which must be `dtype` values of exactly `shape`.
    pub fn tensor(&self, key: &str, dtype: Dtype, shape: &[usize]) -> Result<&'a [u8], ContainerError> {
        self.checked(key, dtype, Some(shape))
    }

    /// The bytes of tensor `key`, which must be `dtype` values, in any shape.
    pub fn tensor_of_any_shape(&self, key: &str, dtype: Dtype) -> Result<&'a [u8], ContainerError> {
        self.checked(key, dtype, None)
    }

    fn checked(&self, key: &str, dtype: Dtype, shape: Option<&[usize]>) -> Result<&'a [u8], ContainerError> {
        let view = self.tensors.tensor(key).map_err(|_| ContainerError::Missing { key: key.to_string() })?;
        if view.dtype() != dtype || shape.is_some_and(|shape| view.shape() != shape) {
            return Err(ContainerError::Tensor {
                key: key.to_string(),
                expected_dtype: dtype,
                expected_shape: shape.map(<[usize]>::to_vec),
                found_dtype: view.dtype(),
                found_shape: view.shape().to_vec(),
            });
        }
        Ok(view.data())
    }
}

/// The metadata map of a safetensors file, read from its header only (empty when the
/// header has none).
pub fn header_metadata(bytes: &[u8]) -> Result<HashMap<String, String>, ContainerError> {
    let header = safetensors_header(bytes).map_err(ContainerError::NotSafetensors)?;
    Ok(header.metadata().clone().unwrap_or_default())
}

/// `bytes` as safetensors, or why not.
pub fn parse_safetensors(bytes: &[u8]) -> Result<SafeTensors<'_>, String> {
    check_data_offsets(bytes)?;
    SafeTensors::deserialize(bytes).map_err(|err| err.to_string())
}

/// The header of a safetensors file (tensors' names, shapes, offsets and the metadata map).
pub fn safetensors_header(bytes: &[u8]) -> Result<Metadata, String> {
    check_data_offsets(bytes)?;
    SafeTensors::read_metadata(bytes).map(|(_, header)| header).map_err(|err| err.to_string())
}

/// Refuses data offsets past the file's data before the safetensors crate sees them: it
/// adds the last one to the header's length unchecked, which overflows (a panic in debug
/// builds) on a header made to. Anything else the crate checks itself.
fn check_data_offsets(bytes: &[u8]) -> Result<(), String> {
    let Some(length) = bytes.get(..8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes"))) else { return Ok(()) };
    let Some(header) = length.checked_add(8).and_then(|end| bytes.get(8..usize::try_from(end).ok()?)) else { return Ok(()) };
    let Ok(entries) = serde_json::from_slice::<HashMap<String, serde_json::Value>>(header) else { return Ok(()) };
    let data = (bytes.len() - 8 - header.len()) as u64;
    for (name, entry) in entries.iter().filter(|(name, _)| *name != "__metadata__") {
        let offsets = entry.get("data_offsets").and_then(|o| o.as_array()).into_iter().flatten();
        if let Some(end) = offsets.filter_map(|o| o.as_u64()).find(|&o| o > data) {
            return Err(format!("tensor `{name}` claims data up to byte {end}, but the file holds {data} bytes of data"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::le_bytes::{le_bytes, words};

    /// Eight tensors whose sizes are each valid but whose offsets end near `usize::MAX`.
    fn offsets_past_usize() -> Vec<u8> {
        let size = (usize::MAX / 8) as u64;
        let tensors: Vec<String> =
            (0..8).map(|k| format!(r#""t{k}":{{"dtype":"U8","shape":[{size}],"data_offsets":[{},{}]}}"#, k * size, (k + 1) * size)).collect();
        let header = format!("{{{}}}", tensors.join(","));
        [&(header.len() as u64).to_le_bytes()[..], header.as_bytes(), &[0; 16]].concat()
    }

    #[test]
    fn data_offsets_past_the_file_are_refused_before_the_parser_adds_them() {
        let bytes = offsets_past_usize();
        for refused in [parse_safetensors(&bytes).err(), safetensors_header(&bytes).err(), header_metadata(&bytes).err().map(|e| e.to_string())] {
            assert!(refused.as_deref().is_some_and(|why| why.contains("claims data up to byte")), "{refused:?}");
        }
        assert!(matches!(ContainerReader::open(&bytes, "test-format", "2"), Err(ContainerError::NotSafetensors(_))));
    }

    fn sample() -> Vec<u8> {
        let mut writer = ContainerWriter::new("test-format", "2");
        writer.metadata("note", "hello".into());
        writer.tensor("values", Dtype::F32, vec![2, 2], le_bytes([1.0f32, 2.0, 3.0, 4.0]));
        writer.tensor("raw", Dtype::U8, vec![3], vec![7, 8, 9]);
        writer.to_bytes()
    }

    #[test]
    fn round_trips_tensors_and_metadata() {
        let bytes = sample();
        let reader = ContainerReader::open(&bytes, "test-format", "2").unwrap();
        assert_eq!(reader.metadata("note"), Some("hello"));
        assert_eq!(reader.metadata("format"), Some("test-format"));
        assert_eq!(words::<f32>(reader.tensor("values", Dtype::F32, &[2, 2]).unwrap()), [1.0, 2.0, 3.0, 4.0]);
        assert_eq!(reader.tensor_of_any_shape("raw", Dtype::U8).unwrap(), [7, 8, 9]);
    }

    #[test]
    fn refuses_other_formats_versions_and_tensors() {
        let bytes = sample();
        let open = |format, version| ContainerReader::open(&bytes, format, version).err();
        assert_eq!(open("other", "2"), Some(ContainerError::Format { expected: "other", found: Some("test-format".into()) }));
        assert_eq!(open("test-format", "1"), Some(ContainerError::Version { expected: "1", found: Some("2".into()) }));
        assert!(matches!(ContainerReader::open(&bytes[..bytes.len() - 1], "test-format", "2"), Err(ContainerError::NotSafetensors(_))));

        let reader = ContainerReader::open(&bytes, "test-format", "2").unwrap();
        assert_eq!(reader.tensor("absent", Dtype::U8, &[1]).err(), Some(ContainerError::Missing { key: "absent".into() }));
        let misshaped = reader.tensor("values", Dtype::F32, &[4]).unwrap_err();
        assert_eq!(misshaped.to_string(), "tensor `values` is F32 [2, 2], expected F32 [4]");
        let mistyped = reader.tensor_of_any_shape("raw", Dtype::I8).unwrap_err();
        assert_eq!(mistyped.to_string(), "tensor `raw` is U8 [3], expected I8");
    }
}
