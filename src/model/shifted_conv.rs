//! A convolution on burn's CPU backend as "shifted" matrix products over the zero-padded
//! NCHW input, without im2col: kernel cell (i, j)'s `[out, in]` weights times the input
//! plane read from offset (i, j). Each product covers whole padded rows, so the columns that
//! run past a row's end are computed and dropped (2·pad of every row). A stride-s
//! convolution first splits the padded input into its s² phases (rows and columns by their
//! remainder mod s): a cell then reads one phase with stride 1.
//!
//! Where `fma_product` runs (wasm; x86-64 with AVX2 and FMA) the k² products are one, over
//! depth k²·in, with the weights packed once at load, and a layer without dropped columns is
//! finished (bias, residual, ReLU) as the product stores its tiles. Elsewhere each cell is a
//! gemm product (gemm packs its operands on every call), accumulated in place.

use std::mem::MaybeUninit;

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::epilogue::Epilogue;
use super::planes::Planes;

/// The weights in the form the CPU's products take, bias `[out]`, f32 on the CPU.
#[derive(Module, Debug)]
pub struct ShiftedConv {
    #[module(skip)]
    weights: Weights,
    #[module(skip)]
    bias: Vec<f32>,
    #[module(skip)]
    shape: Shape,
}

#[derive(Clone, Debug)]
enum Weights {
    /// gemm's, per kernel cell `[k·k][out][in]` (natively, where `fma_product` is unavailable).
    #[cfg(not(target_arch = "wasm32"))]
    Cells(Vec<f32>),
    /// One product's `[out][k²·in]`, cell-major, packed.
    #[cfg(any(target_arch = "wasm32", target_arch = "x86_64"))]
    Packed(fma_product::Packed),
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
    /// From `weight` `[out, in, k, k]` and `bias` `[out]`; packed for `fma_product` where
    /// `pack` (always in wasm), else gemm's.
    pub fn new(weight: Tensor<4>, bias: Tensor<1>, stride: usize, padding: usize, pack: bool) -> Self {
        let [out, _, kernel, _] = weight.dims();
        Self { weights: Weights::new(weight, pack), bias: floats(bias), shape: Shape { out, kernel, stride, padding } }
    }

    /// `[b, in, h, w]` → `[b, out, h', w']`, finished as `epilogue` says.
    pub fn forward(&self, x: Tensor<4>, epilogue: Epilogue) -> Tensor<4> {
        let device: Device = x.device();
        let residual = epilogue.residual.map(Planes::from_tensor);
        self.apply(&Planes::from_tensor(x), residual.as_ref(), epilogue.relu).into_tensor(&device)
    }

    /// [`ShiftedConv::forward`] on the host: `residual` (the output's shape) added, then ReLU
    /// where `relu`.
    pub fn apply(&self, x: &Planes, residual: Option<&Planes>, relu: bool) -> Planes {
        let [batch, input, height, width] = x.shape;
        let Shape { out, kernel: k, stride: s, padding: pad } = self.shape;
        let (out_h, out_w) = ((height + 2 * pad - k) / s + 1, (width + 2 * pad - k) / s + 1);
        let data = &x.values;
        let per_image = out * out_h * out_w;
        let shape = [batch, out, out_h, out_w];
        let residual = residual.map(|r| {
            assert_eq!(r.shape, shape, "the residual has the output's shape");
            &r.values
        });
        // Every image is written before `set_len` below.
        assert_eq!(data.len(), batch * input * height * width, "a tensor's values match its shape");
        let mut y = Vec::with_capacity(batch * per_image);
        // Allocated once a batch: the padding stays zero and each image overwrites the rest.
        // A 1×1 stride-1 unpadded product reads the image itself.
        let direct = self.weights.packed() && (k, s, pad) == (1, 1, 0);
        let mut phases = Phases::zeros([input, height, width], self.shape, !direct);
        let n = out_h * phases.cols;
        // Where a product's output is the layer's (no dropped columns), it is finished in place.
        let cropped = phases.cols != out_w;
        let mut wide: Vec<MaybeUninit<f32>> = Vec::with_capacity(if cropped || !self.weights.packed() { out * n } else { 0 });
        // SAFETY: MaybeUninit needs no initialisation; the products write all of it.
        unsafe { wide.set_len(wide.capacity()) };
        // Where each cell reads: one phase, from its offset.
        let (plane, cols) = (phases.rows * phases.cols, phases.cols);
        let start = |cell: usize| {
            let (i, j) = (cell / k, cell % k);
            (i % s * s + j % s) * input * plane + (i / s) * cols + j / s
        };
        // Where each depth index of the product reads (once a batch); only fma_product reads it.
        #[cfg_attr(not(any(target_arch = "wasm32", target_arch = "x86_64")), allow(unused_variables))]
        let rows: Vec<usize> =
            if self.weights.packed() { (0..k * k).flat_map(|cell| (0..input).map(move |c| start(cell) + c * plane)).collect() } else { Vec::new() };
        let images = data.chunks_exact(input * height * width).zip(y.spare_capacity_mut().chunks_exact_mut(per_image.max(1)));
        for (index, (image, y_image)) in images.enumerate() {
            let residual = residual.map(|r| &r[index * per_image..(index + 1) * per_image]);
            if !direct {
                phases.fill(image, [input, height, width], self.shape);
            }
            let source = if direct { image } else { &phases.data[..] };
            match &self.weights {
                #[cfg(any(target_arch = "wasm32", target_arch = "x86_64"))]
                Weights::Packed(packed) => {
                    use fma_product::{Finish, product};
                    if !cropped {
                        let finish = Finish { bias: Some(&self.bias), residual, relu };
                        product(packed, source, &rows, n, y_image, finish);
                        continue;
                    }
                    product(packed, source, &rows, n, &mut wide, Finish::default());
                }
                #[cfg(not(target_arch = "wasm32"))]
                Weights::Cells(cells) => gemm_cells(cells, source, [out, input, n, plane], start, k * k, &mut wide),
            }
            // SAFETY: the products above wrote every value of `wide`.
            let wide = unsafe { std::slice::from_raw_parts(wide.as_ptr().cast::<f32>(), wide.len()) };
            crop_finish(wide, cols, out_w, &self.bias, residual, relu, y_image);
        }
        // SAFETY: every image's `per_image` values were written by a product or `crop_finish`.
        unsafe { y.set_len(batch * per_image) };
        Planes { values: y, shape }
    }
}

impl Weights {
    /// From `weight` `[out, in, k, k]`.
    fn new(weight: Tensor<4>, #[cfg_attr(not(any(target_arch = "wasm32", target_arch = "x86_64")), allow(unused_variables))] pack: bool) -> Self {
        #[cfg(any(target_arch = "wasm32", target_arch = "x86_64"))]
        if pack || cfg!(target_arch = "wasm32") {
            let out = weight.dims()[0];
            let by_out = floats(weight.permute([0, 2, 3, 1]));
            return Self::Packed(fma_product::Packed::new(&by_out, out, by_out.len() / out.max(1)));
        }
        #[cfg(not(target_arch = "wasm32"))]
        return Self::Cells(floats(weight.permute([2, 3, 0, 1])));
        #[cfg(target_arch = "wasm32")]
        unreachable!("wasm runs fma_product")
    }

    fn packed(&self) -> bool {
        #[cfg(not(target_arch = "wasm32"))]
        return !matches!(self, Self::Cells(_));
        #[cfg(target_arch = "wasm32")]
        return true;
    }
}

/// A CPU tensor's values.
fn floats<const D: usize>(x: Tensor<D>) -> Vec<f32> {
    x.into_data().convert::<f32>().try_into_vec::<f32>().unwrap_or_default()
}
/// gemm's k² products over the phases, one per kernel cell, added up in `wide` `[out][n]`.
#[cfg(not(target_arch = "wasm32"))]
fn gemm_cells(cells: &[f32], phases: &[f32], [out, input, n, plane]: [usize; 4], start: impl Fn(usize) -> usize, count: usize, wide: &mut [MaybeUninit<f32>]) {
    for cell in 0..count {
        let from = start(cell);
        // SAFETY: `wide` is [out, n] with row stride n, written by the first cell before any
        // read; the cell's weights are [out, input] with row stride `input`; the phase read is
        // [input, n] from `from` with row stride `plane`: its last element lies in the tail
        // `Phases::zeros` leaves for the dropped columns.
        unsafe {
            gemm::gemm(
                out,
                n,
                input,
                wide.as_mut_ptr().cast::<f32>(),
                1,
                n as isize,
                cell > 0,
                cells[cell * out * input..].as_ptr(),
                1,
                input as isize,
                phases[from..].as_ptr(),
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
}

/// Each output channel's rows of `wide` (`[out][rows][cols]`) cut to their first `out_w`
/// columns, plus its bias and the residual's value, through ReLU where `relu`, into `y`
/// (`[out][rows][out_w]`): over the pool's threads where there is one, as the products were.
fn crop_finish(wide: &[f32], cols: usize, out_w: usize, bias: &[f32], residual: Option<&[f32]>, relu: bool, y: &mut [MaybeUninit<f32>]) {
    let floor = if relu { 0.0 } else { f32::NEG_INFINITY };
    let (plane, wide_plane) = (y.len() / bias.len().max(1), wide.len() / bias.len().max(1));
    assert_eq!(plane * bias.len(), y.len(), "one bias a channel");
    let channel = |(channel, to): (usize, &mut [MaybeUninit<f32>])| {
        let (from, bias) = (&wide[channel * wide_plane..(channel + 1) * wide_plane], bias[channel]);
        let residual = residual.map(|r| &r[channel * plane..(channel + 1) * plane]);
        for (r, (to, from)) in to.chunks_exact_mut(out_w).zip(from.chunks_exact(cols)).enumerate() {
            let added = residual.map(|residual| &residual[r * out_w..(r + 1) * out_w]);
            for (c, (slot, v)) in to.iter_mut().zip(from).enumerate() {
                slot.write((v + bias + added.map_or(0.0, |a| a[c])).max(floor));
            }
        }
    };
    #[cfg(any(feature = "cli", feature = "threads"))]
    {
        use rayon::prelude::*;
        y.par_chunks_mut(plane).enumerate().for_each(channel);
    }
    #[cfg(not(any(feature = "cli", feature = "threads")))]
    y.chunks_mut(plane).enumerate().for_each(channel);
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

    /// Writes `image` `[in, h, w]` inside the padding, split by row and column remainder mod s:
    /// channel by channel over the pool's threads where there is one.
    fn fill(&mut self, image: &[f32], [input, height, width]: [usize; 3], shape: Shape) {
        let Shape { kernel: k, stride: s, padding: pad, .. } = shape;
        let (plane, cols) = (self.rows * self.cols, self.cols);
        // Only the phases some kernel cell reads: a 1×1 stride-2 convolution reads one of four.
        let used = k.min(s);
        for (phase, planes) in self.data.chunks_mut(input * plane).take(s * s).enumerate() {
            let (phase_row, phase_col) = (phase / s, phase % s);
            if phase_row >= used || phase_col >= used {
                continue;
            }
            // The first input row and column whose padded index has this phase's remainder.
            let (first_row, first_col) = ((phase_row + s - pad % s) % s, (phase_col + s - pad % s) % s);
            let channel = |(to, channel): (&mut [f32], &[f32])| {
                for (r, line) in channel.chunks_exact(width).enumerate().skip(first_row).step_by(s) {
                    let at = (r + pad) / s * cols + (first_col + pad) / s;
                    for (slot, v) in to[at..].iter_mut().zip(line.iter().skip(first_col).step_by(s)) {
                        *slot = *v;
                    }
                }
            };
            #[cfg(any(feature = "cli", feature = "threads"))]
            {
                use rayon::prelude::*;
                planes.par_chunks_mut(plane).zip(image.par_chunks_exact(height * width)).for_each(channel);
            }
            #[cfg(not(any(feature = "cli", feature = "threads")))]
            planes.chunks_mut(plane).zip(image.chunks_exact(height * width)).for_each(channel);
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
