//! Torchvision `.pth` checkpoints (PyTorch's ZIP format, or older ones) → safetensors with
//! the same tensor names, ready for `classify` or `quantize`.

use std::path::Path;

use pytorch_reader::{DType, PytorchReader};
use safetensors::{Dtype, tensor::TensorView};

/// Why a checkpoint could not be converted.
#[derive(Debug, thiserror::Error)]
pub enum PthError {
    /// The container or its pickle could not be read.
    #[error("not a readable PyTorch checkpoint: {0}")]
    Unreadable(String),
    /// No tensors (under the key, if one was given).
    #[error("the checkpoint holds no tensors{}", .0.as_deref().map(|k| format!(" under `{k}`")).unwrap_or_default())]
    Empty(Option<String>),
    /// A tensor's data is missing, short, or does not fit its shape.
    #[error("could not read tensor data: {0}")]
    Data(String),
}

/// Reads every tensor of a checkpoint (under `top_level_key` if weights are nested, e.g.
/// `"state_dict"`) and writes them, names and dtypes unchanged, as safetensors bytes.
pub fn pth_to_safetensors(checkpoint: &Path, top_level_key: Option<&str>) -> Result<Vec<u8>, PthError> {
    let reader = match top_level_key {
        Some(key) => PytorchReader::with_top_level_key(checkpoint, key),
        None => PytorchReader::new(checkpoint),
    }
    .map_err(|e| PthError::Unreadable(e.to_string()))?;
    let mut tensors: Vec<_> = reader.tensors().values().collect();
    if tensors.is_empty() {
        return Err(PthError::Empty(top_level_key.map(str::to_string)));
    }
    tensors.sort_by(|a, b| a.name.cmp(&b.name));
    let data = tensors.iter().map(|t| t.read().map_err(|e| PthError::Data(e.to_string()))).collect::<Result<Vec<_>, _>>()?;
    let views = tensors.iter().zip(&data).map(|(t, bytes)| {
        let view = TensorView::new(dtype(t.dtype()), t.shape().to_vec(), bytes).map_err(|e| PthError::Data(format!("{}: {e}", t.name)))?;
        Ok((t.name.clone(), view))
    });
    let views = views.collect::<Result<Vec<_>, PthError>>()?;
    safetensors::serialize(views, None).map_err(|e| PthError::Data(e.to_string()))
}

fn dtype(dtype: DType) -> Dtype {
    match dtype {
        DType::F64 => Dtype::F64,
        DType::F32 => Dtype::F32,
        DType::F16 => Dtype::F16,
        DType::BF16 => Dtype::BF16,
        DType::I64 => Dtype::I64,
        DType::I32 => Dtype::I32,
        DType::I16 => Dtype::I16,
        DType::I8 => Dtype::I8,
        DType::U64 => Dtype::U64,
        DType::U32 => Dtype::U32,
        DType::U16 => Dtype::U16,
        DType::U8 => Dtype::U8,
        DType::Bool => Dtype::BOOL,
    }
}
