//! The micro-kernel's vector in wasm: simd128's `f32x4`, with relaxed SIMD's fused
//! multiply-add in builds for browsers that have it (the `relaxed` feature: a module holding
//! its instructions does not validate elsewhere), about 1.8× gemm-f32's simd128 kernel on
//! the same products. Without it, a multiply then an add, as gemm's kernel does.

use std::arch::wasm32::*;

use super::Lanes;

/// Output rows (channels) a micro-tile computes, two vectors a row. A fused multiply-add
/// needs no temporary, so relaxed builds hold 4 rows (8 accumulators); a multiply then an
/// add does, and with 4 rows SpiderMonkey (whose x86 code keeps a scratch register of the
/// 16) spills: 3 rows run Firefox's pass 1.35× faster and Chromium's as fast (2026-12-08,
/// `bench/engines.mjs`).
pub const MR: usize = if cfg!(feature = "relaxed") { 4 } else { 3 };

/// Four f32 lanes.
#[derive(Clone, Copy)]
pub struct Vector(v128);

impl Lanes for Vector {
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn zero() -> Self {
        Self(f32x4_splat(0.0))
    }

    #[inline(always)]
    unsafe fn load(from: *const f32) -> Self {
        Self(unsafe { v128_load(from as *const v128) })
    }

    #[inline(always)]
    unsafe fn store(self, to: *mut f32) {
        unsafe { v128_store(to as *mut v128, self.0) }
    }

    #[inline(always)]
    unsafe fn splat(from: *const f32) -> Self {
        Self(unsafe { v128_load32_splat(from as *const u32) })
    }

    #[inline(always)]
    unsafe fn multiply_add(a: Self, b: Self, c: Self) -> Self {
        #[cfg(feature = "relaxed")]
        return Self(f32x4_relaxed_madd(a.0, b.0, c.0));
        #[cfg(not(feature = "relaxed"))]
        return Self(f32x4_add(f32x4_mul(a.0, b.0), c.0));
    }

    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        Self(f32x4_add(self.0, other.0))
    }

    #[inline(always)]
    unsafe fn max_zero(self) -> Self {
        Self(f32x4_pmax(self.0, f32x4_splat(0.0)))
    }
}
