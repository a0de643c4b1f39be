//! Arithmetic on a classifier's scores, shared by inference and training.

/// Softmax in f64 with the largest finite logit subtracted; non-finite entries get no mass.
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().filter(|v| v.is_finite()).fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f64> = logits.iter().map(|&v| if v.is_finite() { f64::from(v - max).exp() } else { 0.0 }).collect();
    let sum: f64 = exps.iter().sum();
    exps.iter().map(|&e| (e / sum) as f32).collect()
}

/// The position of the largest value (the first of equals); `None` for no values.
pub fn argmax(values: &[f32]) -> Option<usize> {
    (0..values.len()).max_by(|&a, &b| values[a].total_cmp(&values[b]).then(b.cmp(&a)))
}
