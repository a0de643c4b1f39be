//! The float type a model computes in: f32, or f16 on a GPU that computes in it (WebGPU's
//! `shader-f16`). Half the bytes to move per weight and activation; the logits drift by
//! about 1e-2 (see `tests/parity.rs`, which states the tolerance).

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{Device, FloatDType, Tensor};
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

    /// Every float parameter of `module`, cast to this precision.
    pub fn cast<M: Module>(self, module: M) -> M {
        module.map(&mut CastFloats(self.dtype()))
    }
}

struct CastFloats(FloatDType);

impl ModuleMapper for CastFloats {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let dtype = self.0;
        param.map(|tensor| tensor.cast(dtype))
    }
}

#[cfg(test)]
mod tests {
    use burn::nn::LinearConfig;
    use burn::tensor::DType;

    use super::*;

    #[test]
    fn cast_reaches_every_float_parameter() {
        let linear = LinearConfig::new(3, 2).init(&Device::flex());
        let half = Precision::F16.cast(linear);
        assert_eq!(half.weight.val().dtype(), DType::F16);
        assert_eq!(half.bias.expect("Linear has a bias by default").val().dtype(), DType::F16);
    }
}
