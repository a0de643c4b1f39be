//! Per-feature standardization of pooled features for training, and folding it back into
//! the trained head so the head applies to raw features.

use super::head::HeadWeights;
use crate::model::arch::FEATURE_DIM;

/// Per-feature standardization `(x − mean) / scale`, fitted on the training rows. Features
/// of a ResNet vary in scale by orders of magnitude between channels and backbones;
/// standardized, one learning rate suits them all.
pub(super) struct Standardizer {
    mean: Vec<f32>,
    scale: Vec<f32>,
}

impl Standardizer {
    /// Fitted on `rows` of [`FEATURE_DIM`] features, one after another.
    pub(super) fn fit(rows: &[f32]) -> Self {
        Self::fit_width(rows, FEATURE_DIM)
    }

    /// Fitted on `rows` of `width` values, one after another.
    pub(super) fn fit_width(rows: &[f32], width: usize) -> Self {
        let width = width.max(1);
        let count = (rows.len() / width).max(1) as f64;
        let mut sum = vec![0.0f64; width];
        let mut squares = vec![0.0f64; width];
        for row in rows.chunks_exact(width) {
            for (c, &v) in row.iter().enumerate() {
                sum[c] += f64::from(v);
                squares[c] += f64::from(v) * f64::from(v);
            }
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / count).collect();
        let scale = squares.iter().zip(&mean).map(|(sq, m)| ((sq / count - m * m).max(0.0).sqrt() as f32).max(1e-6)).collect();
        Self { mean: mean.into_iter().map(|m| m as f32).collect(), scale }
    }

    pub(super) fn apply(&self, rows: &mut [f32]) {
        for row in rows.chunks_exact_mut(self.mean.len()) {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.scale) {
                *v = (*v - m) / s;
            }
        }
    }

    /// `W·((x − μ)/σ) + b = (W/σ)·x + (b − (W/σ)·μ)`.
    pub(super) fn fold(&self, mut head: HeadWeights) -> HeadWeights {
        for (row, bias) in head.weight.chunks_exact_mut(self.mean.len()).zip(&mut head.bias) {
            let mut shift = 0.0f64;
            for ((w, s), m) in row.iter_mut().zip(&self.scale).zip(&self.mean) {
                *w /= s;
                shift += f64::from(*w) * f64::from(*m);
            }
            *bias -= shift as f32;
        }
        head
    }
}
