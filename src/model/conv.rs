//! A folded convolution as the model runs it. WebGPU keeps burn's kernels, and so do 1×1
//! stride-1 convolutions on the CPU: burn-flex hands those straight to gemm. burn-flex runs
//! other convolutions in tiles of 512 output positions, one per thread, laying weights and
//! input out again on one thread before each call; from 14×14 on an output is one tile,
//! so one thread. Instead, on the CPU:
//! - k×k convolutions run as shifted matrix products over the padded input
//!   (`shifted_conv.rs`), which gemm splits over the pool; except where the input has too
//!   few channels to fill a product (the RGB stem), which keeps burn's;
//! - strided 1×1 convolutions subsample the input, then run as one matrix product.
//!
//! Where `fma_product` runs (wasm; x86-64 with AVX2 and FMA), every CPU convolution is a
//! shifted one, its k² products fused into one with the weights packed once, and the layer
//! finished (bias, residual, ReLU) as its tiles are stored: faster than burn's for all of them.
//!
//! Measured per layer and per pass in docs/BENCHMARKS.md.

use burn::module::{Module, Param};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::activation::relu;
use burn::tensor::{Device, FloatDType, Tensor, s};

use super::arch::ConvSpec;
use super::epilogue::Epilogue;
use super::shifted_conv::ShiftedConv;

/// Below this many input channels, a shifted gemm product's inner dimension is too short:
/// the stem's 3 made it slower than burn's.
const SHIFTED_MIN_INPUT: usize = 16;

/// Whether this CPU runs `fma_product`.
fn products_available() -> bool {
    #[cfg(any(target_arch = "wasm32", target_arch = "x86_64"))]
    return fma_product::available();
    #[cfg(not(any(target_arch = "wasm32", target_arch = "x86_64")))]
    return false;
}

/// A convolution with its bias, in the form its device runs fastest.
#[derive(Module, Debug)]
pub enum Conv {
    /// burn's layer (WebGPU; on the CPU natively, 1×1 stride-1 and the stem).
    Layer(Conv2d),
    /// Shifted matrix products (the CPU path's k×k convolutions).
    Shifted(ShiftedConv),
    /// A strided 1×1 convolution on the CPU.
    Subsampled(SubsampledPointwise),
}

/// A 1×1 convolution with stride > 1 as the `[out, in]` weights times every s-th position.
#[derive(Module, Debug)]
pub struct SubsampledPointwise {
    weight: Param<Tensor<2>>,
    bias: Param<Tensor<4>>,
    stride: usize,
}

impl Conv {
    /// `weight` `[out, in, k, k]` and `bias` `[out]` as `spec` says, on `device`.
    pub fn new(spec: &ConvSpec, weight: Tensor<4>, bias: Tensor<1>, device: &Device) -> Self {
        Self::choose(spec, weight, bias, device, products_available())
    }

    /// As [`Conv::new`], with `fma_product`'s products where `products`.
    fn choose(spec: &ConvSpec, weight: Tensor<4>, bias: Tensor<1>, device: &Device, products: bool) -> Self {
        debug_assert_eq!(weight.dims(), spec.weight_shape(), "{}", spec.conv);
        let cpu = *device == Device::flex();
        if cpu && products {
            return Self::Shifted(ShiftedConv::new(weight, bias, spec.stride, spec.padding, true));
        }
        if cpu && spec.kernel == 1 && spec.stride > 1 && spec.padding == 0 {
            let [out, input, _, _] = weight.dims();
            return Self::Subsampled(SubsampledPointwise {
                weight: Param::from_tensor(weight.reshape([out, input])),
                bias: Param::from_tensor(bias.reshape([1, out, 1, 1])),
                stride: spec.stride,
            });
        }
        if cpu && spec.kernel > 1 && spec.channels_in >= SHIFTED_MIN_INPUT {
            return Self::Shifted(ShiftedConv::new(weight, bias, spec.stride, spec.padding, false));
        }
        Self::Layer(Conv2d {
            weight: Param::from_tensor(weight),
            bias: Some(Param::from_tensor(bias)),
            stride: [spec.stride; 2],
            kernel_size: [spec.kernel; 2],
            dilation: [1, 1],
            groups: 1,
            padding: PaddingConfig2d::Explicit(spec.padding, spec.padding, spec.padding, spec.padding),
        })
    }

    /// `[b, in, h, w]` → `[b, out, h', w']`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.forward_with(x, Epilogue::default())
    }

    /// [`Conv::forward`], then `epilogue` (in the products' registers where the form has them).
    pub fn forward_with(&self, x: Tensor<4>, epilogue: Epilogue) -> Tensor<4> {
        let y = match self {
            Self::Shifted(shifted) => return shifted.forward(x, epilogue),
            Self::Layer(layer) => layer.forward(x),
            Self::Subsampled(subsampled) => subsampled.forward(x),
        };
        let y = match epilogue.residual {
            Some(residual) => y + residual,
            None => y,
        };
        if epilogue.relu { relu(y) } else { y }
    }

    /// The shifted product, where this is one.
    pub fn shifted(&self) -> Option<&ShiftedConv> {
        match self {
            Self::Shifted(shifted) => Some(shifted),
            _ => None,
        }
    }

    /// Weights and bias cast to `dtype` (a GPU's; the CPU forms compute in f32).
    pub fn cast(self, dtype: FloatDType) -> Self {
        match self {
            Self::Layer(c) => Self::Layer(Conv2d { weight: c.weight.map(|w| w.cast(dtype)), bias: c.bias.map(|b| b.map(|b| b.cast(dtype))), ..c }),
            cpu => cpu,
        }
    }
}

impl SubsampledPointwise {
    /// A strided 1×1 convolution in ResNet50 (the downsampling shortcuts).
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let step = self.stride as isize;
        let x = x.slice(s![.., .., ..;step, ..;step]);
        let [batch, input, height, width] = x.dims();
        let [out, _] = self.weight.dims();
        let product = self.weight.val().unsqueeze::<3>().expand([batch, out, input]).matmul(x.reshape([batch, input, height * width]));
        product.reshape([batch, out, height, width]) + self.bias.val()
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Tensor, TensorData};

    use super::{Conv, Epilogue};
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
        // (batch, in, out, kernel, stride, side, form): shifted products (stride 1, 2 and 3,
        // odd and even sides, batch 2, more outputs and depth than one block of the wasm
        // product), a subsampled 1×1, burn's layer (1×1 stride 1, and a 7×7 stem on too few
        // input channels).
        let cases = [
            (2, 16, 4, 3, 1, 9, "shifted"),
            (1, 17, 6, 3, 2, 13, "shifted"),
            (1, 16, 3, 7, 2, 12, "shifted"),
            (1, 16, 5, 3, 3, 11, "shifted"),
            (1, 32, 37, 3, 1, 10, "shifted"),
            (2, 4, 5, 1, 2, 11, "subsampled"),
            (1, 6, 3, 1, 1, 7, "layer"),
            (1, 2, 3, 7, 2, 47, "layer"),
        ];
        // Each with and without fma_product's products where the CPU runs them (wasm only has them).
        let modes: &[bool] = if cfg!(target_arch = "wasm32") { &[true] } else { &[false, true] };
        if !super::products_available() {
            // The test command names the CPUs that have them (scripts/test.sh): never skipped there.
            assert!(std::env::var_os("REQUIRE_FMA_PRODUCT").is_none(), "REQUIRE_FMA_PRODUCT is set, yet fma_product's products are not available");
            println!("fma_product's products not run: this CPU lacks them (x86-64 needs AVX2 and FMA)");
        }
        for (&products, (batch, cin, cout, k, stride, side, form)) in
            modes.iter().filter(|&&p| !p || super::products_available()).flat_map(|p| cases.iter().map(move |c| (p, *c)))
        {
            let pad = k / 2;
            let spec = ConvSpec { conv: "c".into(), bn: "bn".into(), channels_in: cin, channels_out: cout, kernel: k, stride, padding: pad };
            let (x, w, b) = (values(batch * cin * side * side, 1), values(cout * cin * k * k, 2), values(cout, 3));
            let conv = Conv::choose(
                &spec,
                Tensor::from_data(TensorData::new(w.clone(), [cout, cin, k, k]), &device),
                Tensor::from_data(TensorData::new(b.clone(), [cout]), &device),
                &device,
                products,
            );
            let chosen = match conv {
                Conv::Layer(_) => "layer",
                Conv::Shifted(_) => "shifted",
                Conv::Subsampled(_) => "subsampled",
            };
            assert_eq!(chosen, if products { "shifted" } else { form }, "{spec:?}");
            let input = || Tensor::from_data(TensorData::new(x.clone(), [batch, cin, side, side]), &device);
            let want = direct(&x, &w, &b, [batch, cin, side], cout, k, stride, pad);
            // Plain, then with a residual added and ReLU.
            let residual = values(want.len(), 4);
            let finished: Vec<f32> = want.iter().zip(&residual).map(|(y, r)| (y + r).max(0.0)).collect();
            let epilogue =
                || Epilogue { residual: Some(Tensor::from_data(TensorData::new(residual.clone(), conv_shape(&want, batch, cout)), &device)), relu: true };
            for (got, want) in [(conv.forward(input()), &want), (conv.forward_with(input(), epilogue()), &finished)] {
                let got = got.into_data().try_to_vec::<f32>().unwrap();
                assert_eq!(got.len(), want.len(), "{spec:?}");
                let worst = got.iter().zip(want).map(|(g, w)| (g - w).abs()).fold(0.0, f32::max);
                assert!(worst < 1e-4, "{spec:?}, products {products}: max |Δ| {worst}");
            }
        }
    }

    /// `[batch, out, side, side]` of a square output holding `values`.
    fn conv_shape(values: &[f32], batch: usize, out: usize) -> [usize; 4] {
        let side = ((values.len() / (batch * out)) as f64).sqrt() as usize;
        [batch, out, side, side]
    }
}
