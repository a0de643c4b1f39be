//! An activation held on the host between the CPU path's convolutions, so that each layer
//! reads its input and residual in place rather than copying them out of a burn tensor
//! (`into_data` copies twice: once to realign, once into a `Vec`).

use burn::tensor::{Device, Tensor, TensorData};

/// `[batch, channels, height, width]` f32 values, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Planes {
    /// Every value, channel plane after channel plane.
    pub values: Vec<f32>,
    /// `[batch, channels, height, width]`.
    pub shape: [usize; 4],
}

impl Planes {
    /// A CPU tensor's values.
    pub fn from_tensor(x: Tensor<4>) -> Self {
        let shape = x.dims();
        let values = x.into_data().convert::<f32>().try_into_vec::<f32>().expect("a tensor converted to f32 holds f32");
        assert_eq!(values.len(), shape.iter().product::<usize>(), "a tensor's values match its shape");
        Self { values, shape }
    }

    /// A tensor on `device` holding these values.
    pub fn into_tensor(self, device: &Device) -> Tensor<4> {
        Tensor::from_data(TensorData::new(self.values, self.shape), device)
    }
}
