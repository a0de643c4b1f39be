//! What a convolution's output gets before the next layer.

use burn::tensor::Tensor;

/// What a convolution's output gets before the next layer: a residual added, then ReLU.
#[derive(Default)]
pub struct Epilogue {
    /// Added to the output (its shape).
    pub residual: Option<Tensor<4>>,
    /// ReLU last.
    pub relu: bool,
}

impl Epilogue {
    /// ReLU alone.
    pub fn relu() -> Self {
        Self { residual: None, relu: true }
    }
}
