//! A folded convolution as the model runs it. burn-flex (the CPU backend) splits a
//! convolution's output into tiles of 512 positions, one per thread, and before each call
//! lays the weights and the input out again on one thread; from 14×14 on, an output is one
//! tile, so one thread. There, a convolution other than 1×1 with stride 1 runs here as one
//! matrix product over patches gathered by strided slices, its weights kept as a
//! `[out, kh·kw·in]` matrix: gemm splits that product over the pool. Larger outputs keep
//! burn-flex's path, faster there in wasm (the patch gather is a generic strided copy).
//! burn-flex hands 1×1 stride-1 convolutions straight to gemm already, and WebGPU keeps
//! burn's kernels. Measured per layer and per pass in the README, *Benchmarks*.

use burn::module::{Module, Param};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, FloatDType, Tensor, s};

use super::arch::ConvSpec;

/// Output positions in one of burn-flex's convolution tiles.
const FLEX_TILE: usize = 512;

/// A convolution with its bias, in the form its device runs fastest.
#[derive(Module, Debug)]
pub enum Conv {
    /// burn's layer (WebGPU; 1×1 stride-1 on the CPU).
    Layer(Conv2d),
    /// The patch-matrix form (the CPU path's other convolutions).
    Patches(PatchConv),
}

/// Weights as a `[out, kh·kw·in]` matrix (kernel row, column, then input channel), bias `[1, out, 1, 1]`.
#[derive(Module, Debug)]
pub struct PatchConv {
    weight: Param<Tensor<2>>,
    bias: Param<Tensor<4>>,
    kernel: usize,
    stride: usize,
    padding: usize,
}

impl Conv {
    /// `weight` `[out, in, k, k]` and `bias` `[out]` as `spec` says, on `device`.
    pub fn new(spec: &ConvSpec, weight: Tensor<4>, bias: Tensor<1>, device: &Device) -> Self {
        debug_assert_eq!(weight.dims(), spec.weight_shape(), "{}", spec.conv);
        let pointwise = spec.kernel == 1 && spec.stride == 1 && spec.padding == 0;
        if *device != Device::flex() || pointwise {
            return Self::Layer(Conv2d {
                weight: Param::from_tensor(weight),
                bias: Some(Param::from_tensor(bias)),
                stride: [spec.stride; 2],
                kernel_size: [spec.kernel; 2],
                dilation: [1, 1],
                groups: 1,
                padding: PaddingConfig2d::Explicit(spec.padding, spec.padding, spec.padding, spec.padding),
            });
        }
        let [out, input, k, _] = weight.dims();
        Self::Patches(PatchConv {
            weight: Param::from_tensor(weight.permute([0, 2, 3, 1]).reshape([out, k * k * input])),
            bias: Param::from_tensor(bias.reshape([1, out, 1, 1])),
            kernel: spec.kernel,
            stride: spec.stride,
            padding: spec.padding,
        })
    }

    /// `[b, in, h, w]` → `[b, out, h', w']`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        match self {
            Self::Layer(layer) => layer.forward(x),
            Self::Patches(patches) => patches.forward(x),
        }
    }

    /// Weights and bias cast to `dtype`.
    pub fn cast(self, dtype: FloatDType) -> Self {
        match self {
            Self::Layer(c) => Self::Layer(Conv2d { weight: c.weight.map(|w| w.cast(dtype)), bias: c.bias.map(|b| b.map(|b| b.cast(dtype))), ..c }),
            Self::Patches(p) => Self::Patches(PatchConv { weight: p.weight.map(|w| w.cast(dtype)), bias: p.bias.map(|b| b.cast(dtype)), ..p }),
        }
    }
}

impl PatchConv {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [batch, channels, height, width] = x.dims();
        let (k, stride, pad) = (self.kernel, self.stride, self.padding);
        let (out_h, out_w) = ((height + 2 * pad - k) / stride + 1, (width + 2 * pad - k) / stride + 1);
        let [out, cells] = self.weight.dims();
        if out_h * out_w > FLEX_TILE {
            let weight = self.weight.val().reshape([out, k, k, channels]).permute([0, 3, 1, 2]);
            let options = ConvOptions::new([stride; 2], [pad; 2], [1, 1], 1);
            return conv2d(x, weight, Some(self.bias.val().reshape([out])), options);
        }
        let x = if pad > 0 { x.pad((pad, pad, pad, pad), 0.0) } else { x };
        let step = stride as isize;
        // One slice per kernel cell: `[b, in, h', w']` each, stacked as `[b, k·k·in, h'·w']`.
        let slices = (0..k * k).map(|cell| {
            let (i, j) = (cell / k, cell % k);
            x.clone().slice(s![.., .., i..i + (out_h - 1) * stride + 1;step, j..j + (out_w - 1) * stride + 1;step])
        });
        let patches = Tensor::cat(slices.collect(), 1).reshape([batch, k * k * channels, out_h * out_w]);
        let product = self.weight.val().unsqueeze::<3>().expand([batch, out, cells]).matmul(patches); // [b, out, h'·w']
        product.reshape([batch, out, out_h, out_w]) + self.bias.val()
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Tensor, TensorData};

    use super::Conv;
    use crate::model::arch::ConvSpec;

    /// Deterministic values in [-1, 1).
    fn values(len: usize, seed: u64) -> Vec<f32> {
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    /// The convolution by its definition, in f64: the reference.
    #[allow(clippy::too_many_arguments)]
    fn direct(x: &[f32], w: &[f32], b: &[f32], [batch, cin, side]: [usize; 3], cout: usize, k: usize, stride: usize, pad: usize) -> Vec<f32> {
        let out = (side + 2 * pad - k) / stride + 1;
        let mut y = Vec::with_capacity(batch * cout * out * out);
        for n in 0..batch {
            for o in 0..cout {
                for (r, c) in (0..out * out).map(|p| (p / out, p % out)) {
                    let mut sum = f64::from(b[o]);
                    for (i, di, dj) in (0..cin * k * k).map(|t| (t / (k * k), t / k % k, t % k)) {
                        let (row, col) = ((r * stride + di) as isize - pad as isize, (c * stride + dj) as isize - pad as isize);
                        if (0..side as isize).contains(&row) && (0..side as isize).contains(&col) {
                            let xi = ((n * cin + i) * side + row as usize) * side + col as usize;
                            sum += f64::from(x[xi]) * f64::from(w[((o * cin + i) * k + di) * k + dj]);
                        }
                    }
                    y.push(sum as f32);
                }
            }
        }
        y
    }

    #[test]
    fn every_form_computes_the_convolution() {
        let device = Device::flex();
        // (batch, in, out, kernel, stride, side): patches (≤ 512 output positions, strided
        // or not, 1×1 strided), burn's layer (1×1 stride 1) and burn-flex's path (> 512).
        for (batch, cin, cout, k, stride, side) in [(2, 3, 4, 3, 1, 9), (1, 5, 6, 3, 2, 13), (1, 4, 5, 1, 2, 10), (1, 6, 3, 1, 1, 7), (1, 2, 3, 7, 2, 47)] {
            let pad = k / 2;
            let spec = ConvSpec { conv: "c".into(), bn: "bn".into(), channels_in: cin, channels_out: cout, kernel: k, stride, padding: pad };
            let (x, w, b) = (values(batch * cin * side * side, 1), values(cout * cin * k * k, 2), values(cout, 3));
            let conv = Conv::new(
                &spec,
                Tensor::from_data(TensorData::new(w.clone(), [cout, cin, k, k]), &device),
                Tensor::from_data(TensorData::new(b.clone(), [cout]), &device),
                &device,
            );
            let got = conv.forward(Tensor::from_data(TensorData::new(x.clone(), [batch, cin, side, side]), &device)).into_data().try_to_vec::<f32>().unwrap();
            let want = direct(&x, &w, &b, [batch, cin, side], cout, k, stride, pad);
            assert_eq!(got.len(), want.len(), "{spec:?}");
            let worst = got.iter().zip(&want).map(|(g, w)| (g - w).abs()).fold(0.0, f32::max);
            assert!(worst < 1e-4, "{spec:?}: max |Δ| {worst}");
        }
    }
}
