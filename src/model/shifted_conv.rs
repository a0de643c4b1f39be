//! A convolution on burn's CPU backend as k² "shifted" matrix products over the zero-padded
//! NCHW input, without im2col: kernel cell (i, j)'s `[out, in]` weights times the input
//! plane read from offset (i, j), accumulated in place. Each product covers whole padded
//! rows, so the columns that run past a row's end are computed and dropped (2·pad of every
//! row). A stride-s convolution first splits the padded input into its s² phases (rows and
//! columns by their remainder mod s): a cell then reads one phase with stride 1. gemm
//! packs its operands itself and splits every product over the thread pool. In wasm
//! (`fma_product`), the k² products are one, over depth k²·in, with the weights packed once.

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};

/// Weights per kernel cell `[k·k][out][in]` (gemm's; empty in wasm, which keeps them packed
/// for `fma_product`) and bias `[out]`, f32 on the CPU.
#[derive(Module, Debug)]
pub struct ShiftedConv {
    #[module(skip)]
    cells: Vec<f32>,
    #[module(skip)]
    bias: Vec<f32>,
    #[module(skip)]
    shape: Shape,
    /// The weights as one product's `[out][k²·in]`, cell-major, packed.
    #[cfg(target_arch = "wasm32")]
    #[module(skip)]
    packed: super::fma_product::Packed,
}

#[derive(Clone, Copy, Debug)]
struct Shape {
    out: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
}

/// The s² phases of one padded image, `[s·s][in][rows][cols]`, with a tail that the
/// dropped columns of the last product may read.
struct Phases {
    data: Vec<f32>,
    rows: usize,
    cols: usize,
}

impl ShiftedConv {
    /// From `weight` `[out, in, k, k]` and `bias` `[out]`.
    pub fn new(weight: Tensor<4>, bias: Tensor<1>, stride: usize, padding: usize) -> Self {
        let [out, _, kernel, _] = weight.dims();
        let floats = |data: TensorData| data.convert::<f32>().try_into_vec::<f32>().unwrap_or_default();
        // wasm keeps only the packed weights (the cells are gemm's).
        #[cfg(target_arch = "wasm32")]
        let (cells, packed) = {
            let by_out = floats(weight.permute([0, 2, 3, 1]).into_data());
            (Vec::new(), super::fma_product::Packed::new(&by_out, out, by_out.len() / out.max(1)))
        };
        #[cfg(not(target_arch = "wasm32"))]
        let cells = floats(weight.permute([2, 3, 0, 1]).into_data());
        Self {
            cells,
            bias: floats(bias.into_data()),
            shape: Shape { out, kernel, stride, padding },
            #[cfg(target_arch = "wasm32")]
            packed,
        }
    }

    /// `[b, in, h, w]` → `[b, out, h', w']`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let device: Device = x.device();
        let [batch, input, height, width] = x.dims();
        let Shape { out, kernel: k, stride: s, padding: pad } = self.shape;
        let (out_h, out_w) = ((height + 2 * pad - k) / s + 1, (width + 2 * pad - k) / s + 1);
        let data = x.into_data().convert::<f32>().try_into_vec::<f32>().unwrap_or_default();
        // Every image is written before `set_len` below.
        assert_eq!(data.len(), batch * input * height * width, "a tensor's values match its shape");
        let per_image = out * out_h * out_w;
        let mut y = Vec::with_capacity(batch * per_image);
        // Allocated once a batch: the padding stays zero, each image overwrites the rest, and
        // the first cell's product overwrites `wide`.
        // A 1×1 stride-1 unpadded product in wasm reads the image itself.
        let direct = cfg!(target_arch = "wasm32") && (k, s, pad) == (1, 1, 0);
        let mut phases = Phases::zeros([input, height, width], self.shape, !direct);
        let n = out_h * phases.cols;
        let mut wide = vec![0.0f32; out * n];
        // Where each cell reads: one phase, from its offset.
        let (plane, cols) = (phases.rows * phases.cols, phases.cols);
        let start = |cell: usize| {
            let (i, j) = (cell / k, cell % k);
            (i % s * s + j % s) * input * plane + (i / s) * cols + j / s
        };
        #[cfg(target_arch = "wasm32")]
        let rows: Vec<usize> = (0..k * k).flat_map(|cell| (0..input).map(move |c| start(cell) + c * plane)).collect();
        for (image, y_image) in data.chunks_exact(input * height * width).zip(y.spare_capacity_mut().chunks_exact_mut(per_image.max(1))) {
            // The direct product's phase is the image itself.
            #[cfg(target_arch = "wasm32")]
            if direct {
                super::fma_product::product(&self.packed, image, &rows, n, &mut wide);
            } else {
                phases.fill(image, [input, height, width], self.shape);
                super::fma_product::product(&self.packed, &phases.data, &rows, n, &mut wide);
            }
            #[cfg(not(target_arch = "wasm32"))]
            phases.fill(image, [input, height, width], self.shape);
            #[cfg(not(target_arch = "wasm32"))]
            for cell in 0..k * k {
                let from = start(cell);
                // SAFETY: `wide` is [out, n] with row stride n; the cell's weights are
                // [out, input] with row stride `input`; the phase read is [input, n] from
                // `from` with row stride rows·cols: its last element lies in the tail
                // `Phases::zeros` leaves for the dropped columns.
                unsafe {
                    gemm::gemm(
                        out,
                        n,
                        input,
                        wide.as_mut_ptr(),
                        1,
                        n as isize,
                        cell > 0,
                        self.cells[cell * out * input..].as_ptr(),
                        1,
                        input as isize,
                        phases.data[from..].as_ptr(),
                        1,
                        plane as isize,
                        1.0,
                        1.0,
                        false,
                        false,
                        false,
                        parallelism(),
                    );
                }
            }
            crop_with_bias(&wide, phases.cols, out_w, &self.bias, y_image);
        }
        // SAFETY: every image's `per_image` values were written by `crop_with_bias`.
        unsafe { y.set_len(batch * per_image) };
        Tensor::from_data(TensorData::new(y, [batch, out, out_h, out_w]), &device)
    }
}

/// Each output channel's rows of `wide` (`[out][rows][cols]`) cut to their first `out_w`
/// columns, plus its bias, into `y` (`[out][rows][out_w]`): over the pool's threads where
/// there is one, as the products were.
fn crop_with_bias(wide: &[f32], cols: usize, out_w: usize, bias: &[f32], y: &mut [std::mem::MaybeUninit<f32>]) {
    let channel = |(to, (from, bias)): (&mut [std::mem::MaybeUninit<f32>], (&[f32], &f32))| {
        for (to, from) in to.chunks_exact_mut(out_w).zip(from.chunks_exact(cols)) {
            for (slot, v) in to.iter_mut().zip(from) {
                slot.write(v + bias);
            }
        }
    };
    let (plane, wide_plane) = (y.len() / bias.len().max(1), wide.len() / bias.len().max(1));
    assert_eq!(plane * bias.len(), y.len(), "one bias a channel");
    #[cfg(any(feature = "cli", feature = "threads"))]
    {
        use rayon::prelude::*;
        y.par_chunks_mut(plane).zip(wide.par_chunks(wide_plane).zip(bias)).for_each(channel);
    }
    #[cfg(not(any(feature = "cli", feature = "threads")))]
    y.chunks_mut(plane).zip(wide.chunks(wide_plane).zip(bias)).for_each(channel);
}

impl Phases {
    /// The zero-padded phases of an `[in, h, w]` image, every value zero.
    /// (Only their sizes where `allocate` is false.)
    fn zeros([input, height, width]: [usize; 3], shape: Shape, allocate: bool) -> Self {
        let Shape { kernel: k, stride: s, padding: pad, .. } = shape;
        let (rows, cols) = ((height + 2 * pad).div_ceil(s), (width + 2 * pad).div_ceil(s));
        let data = if allocate { vec![0.0f32; s * s * input * rows * cols + k * cols] } else { Vec::new() };
        Self { data, rows, cols }
    }

    /// Writes `image` `[in, h, w]` inside the padding, split by row and column remainder mod s.
    fn fill(&mut self, image: &[f32], [input, height, width]: [usize; 3], shape: Shape) {
        let Shape { kernel: k, stride: s, padding: pad, .. } = shape;
        let (plane, cols) = (self.rows * self.cols, self.cols);
        // Only the phases some kernel cell reads: a 1×1 stride-2 convolution reads one of four.
        let used = k.min(s);
        for (c, channel) in image.chunks_exact(height * width).enumerate() {
            for (r, line) in channel.chunks_exact(width).enumerate().filter(|(r, _)| (r + pad) % s < used) {
                let row = r + pad;
                for phase_col in 0..used {
                    // The input columns whose padded column is phase_col mod s, and where the first lands.
                    let first = (phase_col + s - pad % s) % s;
                    let to = ((row % s * s + phase_col) * input + c) * plane + row / s * cols + (first + pad) / s;
                    for (slot, v) in self.data[to..].iter_mut().zip(line.iter().skip(first).step_by(s)) {
                        *slot = *v;
                    }
                }
            }
        }
    }
}

#[cfg(all(any(feature = "cli", feature = "threads"), not(target_arch = "wasm32")))]
fn parallelism() -> gemm::Parallelism {
    gemm::Parallelism::Rayon(0)
}

#[cfg(not(any(feature = "cli", feature = "threads", target_arch = "wasm32")))]
fn parallelism() -> gemm::Parallelism {
    gemm::Parallelism::None
}
