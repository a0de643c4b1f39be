//! The micro-kernel's vector on x86-64: AVX's 8 f32 lanes with FMA's fused multiply-add
//! (called only where the CPU has AVX2 and FMA: `available()`).

use std::arch::x86_64::*;

use super::Lanes;

/// Output rows (channels) a micro-tile computes: with two vectors a row, 12 accumulators of
/// the 16 registers, beside two of B and one weight.
pub const MR: usize = 6;

/// Eight f32 lanes.
#[derive(Clone, Copy)]
pub struct Vector(__m256);

impl Lanes for Vector {
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn zero() -> Self {
        Self(unsafe { _mm256_setzero_ps() })
    }

    #[inline(always)]
    unsafe fn load(from: *const f32) -> Self {
        Self(unsafe { _mm256_loadu_ps(from) })
    }

    #[inline(always)]
    unsafe fn store(self, to: *mut f32) {
        unsafe { _mm256_storeu_ps(to, self.0) }
    }

    #[inline(always)]
    unsafe fn splat(from: *const f32) -> Self {
        Self(unsafe { _mm256_broadcast_ss(&*from) })
    }

    #[inline(always)]
    unsafe fn multiply_add(a: Self, b: Self, c: Self) -> Self {
        Self(unsafe { _mm256_fmadd_ps(a.0, b.0, c.0) })
    }

    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        Self(unsafe { _mm256_add_ps(self.0, other.0) })
    }

    #[inline(always)]
    unsafe fn max_zero(self) -> Self {
        Self(unsafe { _mm256_max_ps(self.0, _mm256_setzero_ps()) })
    }
}
