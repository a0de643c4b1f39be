//! BatchNorm folded into the preceding convolution (inference only).
//!
//! `bn(conv(x)) = γ·(W∗x − μ)/√(σ²+ε) + β = (s·W)∗x + (β − s·μ)` with `s = γ/√(σ²+ε)`,
//! per output channel, so each conv+BN pair becomes one conv with a bias.

use super::arch::{BN_EPS, NUM_CLASSES, ResNet50Spec};
use super::weights::{TorchvisionWeights, WeightsError};

/// BatchNorm parameters of one layer, each of length `channels_out`.
pub struct BatchNorm<'a> {
    /// Scale γ (torchvision's `weight`).
    pub gamma: &'a [f32],
    /// Shift β (torchvision's `bias`).
    pub beta: &'a [f32],
    /// Running mean μ.
    pub running_mean: &'a [f32],
    /// Running variance σ².
    pub running_var: &'a [f32],
    /// ε added to the variance.
    pub eps: f32,
}

/// A convolution with BatchNorm folded in: weight `[out, in, k, k]` row-major, bias `[out]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldedConv {
    /// `s·W`, row-major.
    pub weight: Vec<f32>,
    /// `β − s·μ`.
    pub bias: Vec<f32>,
    /// `[out, in, k, k]`.
    pub shape: [usize; 4],
}

/// Scales `weight` (`[out, …]`, row-major) per output channel and returns the folded bias.
pub fn fold_batch_norm(mut weight: Vec<f32>, shape: [usize; 4], bn: &BatchNorm<'_>) -> FoldedConv {
    let per_channel = shape[1] * shape[2] * shape[3];
    let mut bias = Vec::with_capacity(shape[0]);
    for (channel, row) in weight.chunks_exact_mut(per_channel).enumerate() {
        // Computed in f64: running_var can be tiny, and the folded weights feed every check.
        let scale = f64::from(bn.gamma[channel]) / (f64::from(bn.running_var[channel]) + f64::from(bn.eps)).sqrt();
        row.iter_mut().for_each(|w| *w = (f64::from(*w) * scale) as f32);
        bias.push((f64::from(bn.beta[channel]) - scale * f64::from(bn.running_mean[channel])) as f32);
    }
    FoldedConv { weight, bias, shape }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_conv_equals_conv_then_batch_norm_on_a_1x1() {
        // 1×1 conv, 2 in, 2 out: y_o = Σ_i W[o,i]·x_i, then BN per output channel.
        let weight = vec![1.0, 2.0, -0.5, 0.25];
        let bn = BatchNorm { gamma: &[1.5, 0.5], beta: &[0.1, -0.2], running_mean: &[0.3, -1.0], running_var: &[4.0, 0.25], eps: 1e-5 };
        let folded = fold_batch_norm(weight.clone(), [2, 2, 1, 1], &bn);
        let x = [0.7f32, -1.3];
        for o in 0..2 {
            let conv = weight[o * 2] * x[0] + weight[o * 2 + 1] * x[1];
            let reference = bn.gamma[o] * (conv - bn.running_mean[o]) / (bn.running_var[o] + bn.eps).sqrt() + bn.beta[o];
            let fused = folded.weight[o * 2] * x[0] + folded.weight[o * 2 + 1] * x[1] + folded.bias[o];
            assert!((reference - fused).abs() < 1e-6, "channel {o}: {reference} vs {fused}");
        }
    }
}

/// All of ResNet50 with BatchNorm folded, on the host, ready to upload to a device.
/// `convs` follows [`ResNet50Spec::convs`] order; `fc_weight` is `[1000, 2048]` row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldedResNet50 {
    /// Every conv with its BatchNorm folded in.
    pub convs: Vec<FoldedConv>,
    /// The classifier's weight, `[1000, 2048]`.
    pub fc_weight: Vec<f32>,
    /// The classifier's bias, `[1000]`.
    pub fc_bias: Vec<f32>,
}

impl FoldedResNet50 {
    /// Validates a torchvision-layout safetensors file and folds every BatchNorm.
    pub fn from_torchvision(bytes: &[u8], spec: &ResNet50Spec) -> Result<Self, WeightsError> {
        Self::from_torchvision_classes(bytes, spec, NUM_CLASSES)
    }

    /// As [`Self::from_torchvision`] for `resnet50(num_classes=classes)`: `fc` has `classes` rows.
    pub fn from_torchvision_classes(bytes: &[u8], spec: &ResNet50Spec, classes: usize) -> Result<Self, WeightsError> {
        let weights = TorchvisionWeights::parse_classes(bytes, spec, classes)?;
        let mut convs = Vec::new();
        for conv in spec.convs() {
            let param = |field: &str| weights.f32(&format!("{}.{field}", conv.bn));
            let (gamma, beta) = (param("weight")?, param("bias")?);
            let (running_mean, running_var) = (param("running_mean")?, param("running_var")?);
            let bn = BatchNorm { gamma: &gamma, beta: &beta, running_mean: &running_mean, running_var: &running_var, eps: BN_EPS };
            let weight = weights.f32(&format!("{}.weight", conv.conv))?;
            convs.push(fold_batch_norm(weight, conv.weight_shape(), &bn));
        }
        Ok(Self { convs, fc_weight: weights.f32("fc.weight")?, fc_bias: weights.f32("fc.bias")? })
    }
}
