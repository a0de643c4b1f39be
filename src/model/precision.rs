//! The float type a model computes in: f32, or f16 on a GPU that computes in it (WebGPU's
//! `shader-f16`). Half the bytes to move per weight and activation; the logits drift by
//! about 1e-2 (see `tests/parity.rs`, which states the tolerance).

use burn::tensor::{Device, FloatDType};
use serde::{Deserialize, Serialize};

/// The float type of a model's weights and activations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Precision {
    /// 32-bit floats, everywhere.
    #[default]
    F32,
    /// 16-bit floats, where the device computes in them.
    F16,
}

impl Precision {
    /// f16 if `device` computes in it, else f32. Only for GPU devices: a CPU backend may
    /// store f16 but computes it slower than f32.
    pub fn half_if_supported(device: &Device) -> Self {
        if device.supports_dtype(FloatDType::F16) { Self::F16 } else { Self::F32 }
    }

    /// burn's name for it.
    pub fn dtype(self) -> FloatDType {
        match self {
            Self::F32 => FloatDType::F32,
            Self::F16 => FloatDType::F16,
        }
    }

    /// "f32" or "f16".
    pub fn name(self) -> &'static str {
        match self {
            Self::F32 => "f32",
            Self::F16 => "f16",
        }
    }
}
