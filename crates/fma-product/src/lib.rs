//! Matrix products for the CPU path's convolutions, with the weights packed once at load:
//! in wasm (`simd128.rs`: relaxed SIMD's fused multiply-add where the build has it, else a
//! multiply then an add) and natively on x86-64 CPUs with AVX2 and FMA (`avx2.rs`).
//!
//! `C[m][n] = Σ_d A[m][d] · B[row(d) + n]`: the weights A `[out][depth]` are packed once into
//! panels of `MR` rows; B is read in place, each depth index `d` naming where its row starts
//! (a kernel cell's offset plus an input channel's plane), so a k×k convolution is one
//! product over depth k²·in rather than k² products added up. Each tile's last depth block
//! can finish the layer in registers: bias, a residual, ReLU ([`Finish`]).
//!
//! A crate of its own so that debug builds (the project's tests) optimise it as they do
//! dependencies: unoptimised, a ResNet50 pass on its micro-kernel took minutes.
//! Empty on other architectures. Feature `rayon`: tiles over rayon's pool; `relaxed`: wasm's
//! relaxed SIMD.

#![cfg(any(target_arch = "wasm32", target_arch = "x86_64"))]

use std::mem::MaybeUninit;
use std::ops::Range;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "wasm32")]
mod simd128;

#[cfg(target_arch = "x86_64")]
use avx2::{MR, Vector};
#[cfg(target_arch = "wasm32")]
use simd128::{MR, Vector};

/// Output columns (positions) a micro-tile computes: two vectors.
const NR: usize = 2 * Vector::LANES;
/// Depth a block covers: its A panels and B strip stay in cache.
const KC: usize = 256;
/// A panels a block covers.
const MC: usize = 16;

/// The vector a micro-tile is written in: `LANES` f32 lanes.
trait Lanes: Copy {
    const LANES: usize;
    unsafe fn zero() -> Self;
    unsafe fn load(from: *const f32) -> Self;
    unsafe fn store(self, to: *mut f32);
    /// One value in every lane.
    unsafe fn splat(from: *const f32) -> Self;
    /// `a · b + c`, lane by lane.
    unsafe fn multiply_add(a: Self, b: Self, c: Self) -> Self;
    unsafe fn add(self, other: Self) -> Self;
    unsafe fn max_zero(self) -> Self;
}

/// Whether this CPU runs the products (in wasm: always; on x86-64: with AVX2 and FMA).
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
    #[cfg(target_arch = "wasm32")]
    return true;
}

/// Weights `[out][depth]` as panels `[out / MR][depth][MR]` (the last panel zero-padded).
#[derive(Clone, Debug)]
pub struct Packed {
    data: Vec<f32>,
    out: usize,
    depth: usize,
}

impl Packed {
    /// From `weights` `[out][depth]`, row-major.
    pub fn new(weights: &[f32], out: usize, depth: usize) -> Self {
        let mut data = vec![0.0; out.div_ceil(MR) * depth * MR];
        for (m, row) in weights.chunks_exact(depth).enumerate().take(out) {
            let (panel, r) = (m / MR, m % MR);
            for (d, &w) in row.iter().enumerate() {
                data[(panel * depth + d) * MR + r] = w;
            }
        }
        Self { data, out, depth }
    }
}

/// What each value of C gets once its sum is complete: `relu(c + bias[m] + residual[m][n])`,
/// each part where named.
#[derive(Clone, Copy, Default)]
pub struct Finish<'a> {
    /// One value an output row.
    pub bias: Option<&'a [f32]>,
    /// `[out][n]`, like C.
    pub residual: Option<&'a [f32]>,
    /// ReLU last.
    pub relu: bool,
}

/// `c` `[out][n]` = `a` · B, finished as `finish` says; B's row `d` is `b[rows[d]..rows[d] + n]`.
/// Every value of `c` is written. Where there is a thread pool, tiles of output rows × columns
/// go to its threads.
///
/// # Panics
/// If `rows` is not `a`'s depth long, a row runs past `b`, `c` is not `out × n`, or a part
/// of `finish` has the wrong length.
pub fn product(a: &Packed, b: &[f32], rows: &[usize], n: usize, c: &mut [MaybeUninit<f32>], finish: Finish) {
    assert!(available(), "the CPU runs the products");
    assert_eq!(rows.len(), a.depth);
    assert!(rows.iter().all(|&r| r + n <= b.len()));
    assert_eq!(c.len(), a.out * n);
    assert!(finish.bias.is_none_or(|bias| bias.len() == a.out));
    assert!(finish.residual.is_none_or(|residual| residual.len() == c.len()));
    if n == 0 || a.out == 0 {
        return;
    }
    let panels = a.out.div_ceil(MR);
    // Tasks of up to MC panels × a range of whole NR columns: enough of them for every thread
    // (four each), columns split only where the panels are too few, so that each B strip a
    // task reads serves as many panels as it can.
    #[cfg(feature = "rayon")]
    let threads = rayon::current_num_threads();
    #[cfg(not(feature = "rayon"))]
    let threads: usize = 1;
    let bands = panels.div_ceil(MC);
    let tiles = n.div_ceil(NR);
    let per_chunk = tiles.div_ceil((threads * 4).div_ceil(bands).clamp(1, tiles)) * NR;
    // Recounted so that no chunk is empty.
    let column_chunks = tiles.div_ceil(per_chunk / NR);
    let out = Out(c.as_mut_ptr().cast());
    let task = |t: usize| {
        let (band, chunk) = (t / column_chunks, t % column_chunks);
        let columns = (chunk * per_chunk).min(n)..((chunk + 1) * per_chunk).min(n);
        let band = band * MC..((band + 1) * MC).min(panels);
        // SAFETY: `available()` holds; tasks cover disjoint panels × columns of `c`, and every
        // read and write stays within the bounds asserted above (see `tile`).
        unsafe { blocks(a, Task { band, columns }, B { values: b, rows, n }, out, finish) }
    };
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        (0..bands * column_chunks).into_par_iter().for_each(task);
    }
    #[cfg(not(feature = "rayon"))]
    (0..bands * column_chunks).for_each(task);
}

/// `c`'s first value, shared by the tasks that write disjoint tiles of it.
#[derive(Clone, Copy)]
struct Out(*mut f32);
// SAFETY: the tasks holding it write disjoint tiles (see `product`).
unsafe impl Send for Out {}
unsafe impl Sync for Out {}

/// A task's panels and columns.
struct Task {
    band: Range<usize>,
    columns: Range<usize>,
}

/// The B operand: `n` values from each row start.
#[derive(Clone, Copy)]
struct B<'a> {
    values: &'a [f32],
    rows: &'a [usize],
    n: usize,
}

/// The task's panels × columns of `c`, block by block.
#[cfg_attr(all(target_arch = "wasm32", feature = "relaxed"), target_feature(enable = "relaxed-simd"))]
#[cfg_attr(target_arch = "x86_64", target_feature(enable = "avx2,fma"))]
unsafe fn blocks(a: &Packed, task: Task, b: B, c: Out, finish: Finish) {
    let Task { band, columns } = task;
    let n = b.n;
    // Each strip of B is copied into one contiguous block before its panels read it: in
    // place, its rows lie a channel plane apart, and planes of 56×56 map onto a quarter of
    // L1's sets.
    let mut strip = vec![0.0f32; KC * NR];
    for k0 in (0..a.depth).step_by(KC) {
        let k1 = (k0 + KC).min(a.depth);
        let finish = if k1 == a.depth { Some(finish) } else { None };
        for j in columns.clone().step_by(NR) {
            let width = NR.min(columns.end - j);
            for (d, strip) in (k0..k1).zip(strip.chunks_exact_mut(NR)) {
                // SAFETY: `product` asserted that each row holds n values from its start, and
                // j + width ≤ n.
                unsafe {
                    let from = b.values.as_ptr().add(*b.rows.get_unchecked(d) + j);
                    if width == NR {
                        Vector::load(from).store(strip.as_mut_ptr());
                        Vector::load(from.add(Vector::LANES)).store(strip.as_mut_ptr().add(Vector::LANES));
                    } else {
                        strip[..width].copy_from_slice(std::slice::from_raw_parts(from, width));
                        strip[width..].fill(0.0);
                    }
                }
            }
            for p in band.clone() {
                let at = Tile { panel: p, column: j, width };
                // SAFETY: the strip holds NR values for each row of the block.
                unsafe { tile::<Vector>(a, at, k0..k1, |d| strip.as_ptr().add((d - k0) * NR), c, n, finish) };
            }
        }
    }
}

/// Where a micro-tile lies: its panel, its first column and how many of its columns are real.
#[derive(Clone, Copy)]
struct Tile {
    panel: usize,
    column: usize,
    width: usize,
}

/// One MR × NR tile of `c`, adding the depth range to what the earlier blocks left (the first
/// block overwrites) and finishing it after the last; `strip(d)` points at NR readable
/// values of B's row `d`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile<V: Lanes>(a: &Packed, at: Tile, depth: Range<usize>, strip: impl Fn(usize) -> *const f32, c: Out, n: usize, finish: Option<Finish>) {
    let Tile { panel: p, column: j, width } = at;
    let rows = MR.min(a.out - p * MR);
    let offset = |r: usize| (p * MR + r) * n + j;
    // A partial tile goes through a row of NR values on the stack.
    let mut row = [0.0f32; NR];
    unsafe {
        let mut acc = [[V::zero(); 2]; MR];
        if depth.start > 0 {
            for (r, acc) in acc.iter_mut().enumerate().take(rows) {
                let from = edge(c.0.add(offset(r)), width, &mut row);
                *acc = [V::load(from), V::load(from.add(V::LANES))];
            }
        }
        let mut weights = a.data.as_ptr().add((p * a.depth + depth.start) * MR);
        for d in depth {
            let s = strip(d);
            let (b0, b1) = (V::load(s), V::load(s.add(V::LANES)));
            for acc in &mut acc {
                let w = V::splat(weights);
                acc[0] = V::multiply_add(w, b0, acc[0]);
                acc[1] = V::multiply_add(w, b1, acc[1]);
                weights = weights.add(1);
            }
        }
        for (r, acc) in acc.iter_mut().enumerate().take(rows) {
            if let Some(finish) = finish {
                if let Some(bias) = finish.bias {
                    let bias = V::splat(bias.as_ptr().add(p * MR + r));
                    *acc = [acc[0].add(bias), acc[1].add(bias)];
                }
                if let Some(residual) = finish.residual {
                    let from = edge(residual.as_ptr().add(offset(r)), width, &mut row);
                    *acc = [acc[0].add(V::load(from)), acc[1].add(V::load(from.add(V::LANES)))];
                }
                if finish.relu {
                    *acc = [acc[0].max_zero(), acc[1].max_zero()];
                }
            }
            let to = c.0.add(offset(r));
            if width == NR {
                acc[0].store(to);
                acc[1].store(to.add(V::LANES));
            } else {
                acc[0].store(row.as_mut_ptr());
                acc[1].store(row.as_mut_ptr().add(V::LANES));
                std::ptr::copy_nonoverlapping(row.as_ptr(), to, width);
            }
        }
    }
}

/// `from` itself where `width` values fill a tile row, else those values copied into `row`.
#[inline(always)]
unsafe fn edge(from: *const f32, width: usize, row: &mut [f32; NR]) -> *const f32 {
    if width == NR {
        return from;
    }
    unsafe { std::ptr::copy_nonoverlapping(from, row.as_mut_ptr(), width) };
    row.as_ptr()
}
