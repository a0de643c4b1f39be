//! Results read back from the compute device, and how the device can fail doing it.

use burn::tensor::{ExecutionError, FloatDType, Tensor};

/// Why the device gave no result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeviceError {
    /// This call failed (its description); the device may serve the next one.
    #[error("the compute device failed: {0}")]
    Failed(String),
    /// The device is poisoned (a fault the driver cannot recover from, a lost GPU): every
    /// later call fails too, so only a new device helps.
    #[error("the compute device was lost: {0}")]
    Lost(String),
}

impl From<ExecutionError> for DeviceError {
    fn from(error: ExecutionError) -> Self {
        match error {
            ExecutionError::DevicePoisoned { reason } => Self::Lost(reason),
            other => Self::Failed(other.to_string()),
        }
    }
}

/// Reads a tensor back to the host asynchronously (the only way WebGPU allows).
pub(crate) async fn read<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, DeviceError> {
    let data = tensor.cast(FloatDType::F32).into_data_async().await?;
    data.try_to_vec::<f32>().map_err(|err| DeviceError::Failed(format!("{err:?}")))
}
