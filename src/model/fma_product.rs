//! Matrix products for the CPU path's convolutions in wasm. With relaxed SIMD (the `relaxed`
//! feature: builds for browsers that have it, since a module holding its instructions does
//! not validate elsewhere) each step is one fused multiply-add (`f32x4.relaxed_madd`): about
//! 1.8× gemm-f32's simd128 kernel on the same products. Without it, a multiply then an add,
//! as gemm's kernel does; what is still gained is the weights packed once and one product
//! per convolution.
//!
//! `C[m][n] = Σ_d A[m][d] · B[row(d) + n]`: the weights A `[out][depth]` are packed once into
//! panels of [`MR`] rows; B is read in place, each depth index `d` naming where its row starts
//! (a kernel cell's offset plus an input channel's plane), so a k×k convolution is one
//! product over depth k²·in rather than k² products added up.

use std::arch::wasm32::*;
use std::ops::Range;

/// Output rows (channels) a micro-tile computes.
const MR: usize = 4;
/// Output columns (positions) a micro-tile computes: two vectors.
const NR: usize = 8;
/// Depth a block covers: its A panels and B strip stay in cache.
const KC: usize = 256;
/// A panels a block covers.
const MC: usize = 16;

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

/// `c` `[out][n]` = `a` · B, B's row `d` being `b[rows[d]..rows[d] + n]`. In the threaded
/// build, tiles of output rows × columns go to the pool's threads.
///
/// # Panics
/// If `rows` is not `a`'s depth long, a row runs past `b`, or `c` is not `out × n`.
pub fn product(a: &Packed, b: &[f32], rows: &[usize], n: usize, c: &mut [f32]) {
    assert_eq!(rows.len(), a.depth);
    assert!(rows.iter().all(|&r| r + n <= b.len()));
    assert_eq!(c.len(), a.out * n);
    if n == 0 || a.out == 0 {
        return;
    }
    let panels = a.out.div_ceil(MR);
    // Tasks of up to MC panels × a range of whole NR columns: enough of them for every thread
    // (four each), columns split only where the panels are too few, so that each B strip a
    // task reads serves as many panels as it can.
    #[cfg(feature = "threads")]
    let threads = rayon::current_num_threads();
    #[cfg(not(feature = "threads"))]
    let threads: usize = 1;
    let bands = panels.div_ceil(MC);
    let tiles = n.div_ceil(NR);
    let per_chunk = tiles.div_ceil((threads * 4).div_ceil(bands).clamp(1, tiles)) * NR;
    // Recounted so that no chunk is empty.
    let column_chunks = tiles.div_ceil(per_chunk / NR);
    let out = Out(c.as_mut_ptr());
    let task = |t: usize| {
        let (band, chunk) = (t / column_chunks, t % column_chunks);
        let columns = (chunk * per_chunk).min(n)..((chunk + 1) * per_chunk).min(n);
        // SAFETY: tasks cover disjoint panels × columns of `c`, and every read and write stays
        // within the bounds asserted above (see `tile`).
        unsafe { blocks(a, band * MC..((band + 1) * MC).min(panels), columns, b, rows, n, out) }
    };
    #[cfg(feature = "threads")]
    {
        use rayon::prelude::*;
        (0..bands * column_chunks).into_par_iter().for_each(task);
    }
    #[cfg(not(feature = "threads"))]
    (0..bands * column_chunks).for_each(task);
}

/// `c`'s first value, shared by the tasks that write disjoint tiles of it.
#[derive(Clone, Copy)]
struct Out(*mut f32);
// SAFETY: the tasks holding it write disjoint tiles (see `product`).
unsafe impl Send for Out {}
unsafe impl Sync for Out {}

/// The panels `band` × `columns` of `c`, block by block.
#[cfg_attr(feature = "relaxed", target_feature(enable = "relaxed-simd"))]
unsafe fn blocks(a: &Packed, band: Range<usize>, columns: Range<usize>, b: &[f32], rows: &[usize], n: usize, c: Out) {
    // Only a task holding the short last tile needs the scratch copy.
    let mut scratch = if columns.end == n && !n.is_multiple_of(NR) { vec![0.0f32; KC * NR] } else { Vec::new() };
    for k0 in (0..a.depth).step_by(KC) {
        let k1 = (k0 + KC).min(a.depth);
        for j in columns.clone().step_by(NR) {
            let width = NR.min(columns.end - j);
            // A short last tile reads its B columns from a zero-padded copy.
            if width < NR {
                for (d, strip) in (k0..k1).zip(scratch.chunks_exact_mut(NR)) {
                    strip[..width].copy_from_slice(&b[rows[d] + j..rows[d] + j + width]);
                    strip[width..].fill(0.0);
                }
            }
            for p in band.clone() {
                let at = Tile { panel: p, column: j, width };
                // SAFETY: a full tile reads 8 values from each row start + j, j + 8 ≤ n.
                unsafe {
                    if width < NR {
                        tile(a, at, k0..k1, |d| scratch.as_ptr().add((d - k0) * NR), c, n);
                    } else {
                        tile(a, at, k0..k1, |d| b.as_ptr().add(*rows.get_unchecked(d) + j), c, n);
                    }
                }
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
/// block overwrites); `strip(d)` points at 8 readable values of B's row `d`.
#[inline(always)]
unsafe fn tile(a: &Packed, at: Tile, depth: Range<usize>, strip: impl Fn(usize) -> *const f32, c: Out, n: usize) {
    let Tile { panel: p, column: j, width } = at;
    let first = depth.start == 0;
    let rows = MR.min(a.out - p * MR);
    let full = rows == MR && width == NR;
    let offset = |r: usize| (p * MR + r) * n + j;
    unsafe {
        let mut acc = [[f32x4_splat(0.0); 2]; MR];
        if !first && full {
            for (r, acc) in acc.iter_mut().enumerate() {
                let from = c.0.add(offset(r));
                *acc = [v128_load(from as *const v128), v128_load(from.add(4) as *const v128)];
            }
        } else if !first {
            for (r, acc) in acc.iter_mut().enumerate().take(rows) {
                let mut row = [0.0f32; NR];
                std::ptr::copy_nonoverlapping(c.0.add(offset(r)), row.as_mut_ptr(), width);
                *acc = [v128_load(row.as_ptr() as *const v128), v128_load(row.as_ptr().add(4) as *const v128)];
            }
        }
        let mut weights = a.data.as_ptr().add((p * a.depth + depth.start) * MR);
        for d in depth {
            let s = strip(d);
            let (b0, b1) = (v128_load(s as *const v128), v128_load(s.add(4) as *const v128));
            for acc in &mut acc {
                let w = v128_load32_splat(weights as *const u32);
                acc[0] = multiply_add(w, b0, acc[0]);
                acc[1] = multiply_add(w, b1, acc[1]);
                weights = weights.add(1);
            }
        }
        if full {
            for (r, acc) in acc.iter().enumerate() {
                let to = c.0.add(offset(r));
                v128_store(to as *mut v128, acc[0]);
                v128_store(to.add(4) as *mut v128, acc[1]);
            }
            return;
        }
        for (r, acc) in acc.iter().enumerate().take(rows) {
            let mut row = [0.0f32; NR];
            v128_store(row.as_mut_ptr() as *mut v128, acc[0]);
            v128_store(row.as_mut_ptr().add(4) as *mut v128, acc[1]);
            std::ptr::copy_nonoverlapping(row.as_ptr(), c.0.add(offset(r)), width);
        }
    }
}

/// `a · b + c`, lane by lane: fused where the build has relaxed SIMD.
#[inline(always)]
fn multiply_add(a: v128, b: v128, c: v128) -> v128 {
    #[cfg(feature = "relaxed")]
    return f32x4_relaxed_madd(a, b, c);
    #[cfg(not(feature = "relaxed"))]
    return f32x4_add(f32x4_mul(a, b), c);
}
