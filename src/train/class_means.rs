//! Few-shot classes: the nearest-class-mean head. Each class is the mean direction of its
//! examples' standardized features; an input belongs to the class whose direction is
//! closest in angle (cosine). With one or two examples a class, this needs no training and
//! does not overfit as a trained linear head can.
//!
//! The result is a [`HeadWeights`] like any trained head: the cosine's denominator is the
//! same for every class, so `direction · standardized(x)` ranks the classes exactly as the
//! cosine does, and the standardization folds into the weights and biases.

use super::head::HeadWeights;
use super::labeled::{LabeledFeatures, TrainError};
use crate::model::arch::FEATURE_DIM;

/// Logits are this times the cosine (for a typical standardized input): sharp enough that
/// a clear winner gets most of the probability, as prototype classifiers usually scale.
const COSINE_SCALE: f32 = 10.0;

/// The nearest-class-mean head of `examples` (their plain view); `class_names` gives the
/// number of classes.
pub fn class_means(examples: &[LabeledFeatures<'_>], class_names: &[String]) -> Result<HeadWeights, TrainError> {
    let classes = class_names.len();
    if classes < 2 {
        return Err(TrainError::TooFewClasses(classes));
    }
    if let Some(bad) = examples.iter().find(|e| e.views.len() < FEATURE_DIM || e.class >= classes) {
        return Err(TrainError::BadFeatures(bad.views.len()));
    }
    let (mean, scale) = shrunk_standardization(examples.iter().map(plain));
    let mut directions = vec![0.0f64; classes * FEATURE_DIM];
    let mut counts = vec![0usize; classes];
    for example in examples {
        let z: Vec<f64> = plain(example).iter().zip(&mean).zip(&scale).map(|((&x, m), s)| (f64::from(x) - m) / s).collect();
        let norm = z.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12);
        let row = &mut directions[example.class * FEATURE_DIM..(example.class + 1) * FEATURE_DIM];
        row.iter_mut().zip(&z).for_each(|(d, v)| *d += v / norm);
        counts[example.class] += 1;
    }
    if let Some(empty) = counts.iter().position(|&n| n == 0) {
        return Err(TrainError::EmptyClass(class_names[empty].clone()));
    }
    // A typical standardized input has length √2048; the weights are scaled so that its
    // logits are COSINE_SCALE × the cosine.
    let gain = f64::from(COSINE_SCALE) / (FEATURE_DIM as f64).sqrt();
    let mut head = HeadWeights::zeros(classes);
    for ((row, direction), bias) in head.weight.chunks_exact_mut(FEATURE_DIM).zip(directions.chunks_exact(FEATURE_DIM)).zip(&mut head.bias) {
        let norm = direction.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12);
        let mut shift = 0.0f64;
        for (((w, d), s), m) in row.iter_mut().zip(direction).zip(&scale).zip(&mean) {
            let folded = gain * d / norm / s;
            *w = folded as f32;
            shift += folded * m;
        }
        *bias = -shift as f32;
    }
    Ok(head)
}

/// An example's plain view (view 0, the eval crop).
fn plain<'a>(example: &'a LabeledFeatures<'_>) -> &'a [f32] {
    &example.views[..FEATURE_DIM]
}

/// Per-feature mean and scale of `rows`, each variance shrunk towards the mean variance:
/// with a handful of examples many features barely vary, and dividing by their tiny spread
/// would let them swamp every other feature on a new input.
fn shrunk_standardization<'a>(rows: impl Iterator<Item = &'a [f32]> + Clone) -> (Vec<f64>, Vec<f64>) {
    let count = rows.clone().count().max(1) as f64;
    let mut mean = vec![0.0f64; FEATURE_DIM];
    rows.clone().for_each(|row| mean.iter_mut().zip(row).for_each(|(m, &x)| *m += f64::from(x) / count));
    let mut variance = vec![0.0f64; FEATURE_DIM];
    rows.for_each(|row| variance.iter_mut().zip(row).zip(&mean).for_each(|((v, &x), m)| *v += (f64::from(x) - m).powi(2) / count));
    let pooled = variance.iter().sum::<f64>() / FEATURE_DIM as f64;
    let floor = if pooled > 0.0 { pooled } else { 1.0 };
    (mean, variance.iter().map(|v| (v + floor).sqrt()).collect())
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use rand_distr::{Distribution, Normal};

    use super::*;

    /// Examples with their class.
    type Set = Vec<(usize, Vec<f32>)>;

    /// `per_class` examples of each of three Gaussian clusters, and 50 a class to test on.
    fn clusters(per_class: usize, seed: u64) -> (Set, Set) {
        let mut rng = StdRng::seed_from_u64(seed);
        let noise = Normal::new(0.0f32, 1.0).unwrap();
        let centers: Vec<Vec<f32>> = (0..3).map(|_| (0..FEATURE_DIM).map(|_| 1.0 + noise.sample(&mut rng) * 0.1).collect()).collect();
        let mut draw = |count: usize| -> Set {
            (0..3).flat_map(|c| (0..count).map(|_| (c, centers[c].iter().map(|m| m + noise.sample(&mut rng) * 0.15).collect())).collect::<Vec<_>>()).collect()
        };
        (draw(per_class), draw(50))
    }

    fn names(count: usize) -> Vec<String> {
        (0..count).map(|i| format!("class {i}")).collect()
    }

    #[test]
    fn one_example_a_class_names_new_examples() {
        let (train, test) = clusters(1, 4);
        let examples: Vec<LabeledFeatures> = train.iter().map(|(class, v)| LabeledFeatures::new(*class, v)).collect();
        let head = class_means(&examples, &names(3)).unwrap();
        let right = test.iter().filter(|(class, v)| {
            let logits = head.logits(v);
            (0..3).max_by(|&a, &b| logits[a].total_cmp(&logits[b])) == Some(*class)
        });
        assert!(right.count() >= 140, "at least 140 of 150 right");
        let probabilities = head.probabilities(&test[0].1);
        assert!((probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-4 && probabilities.iter().all(|p| p.is_finite()));
    }

    #[test]
    fn the_folded_head_ranks_classes_as_the_cosine_does() {
        let (train, test) = clusters(3, 5);
        let examples: Vec<LabeledFeatures> = train.iter().map(|(class, v)| LabeledFeatures::new(*class, v)).collect();
        let head = class_means(&examples, &names(3)).unwrap();
        let (mean, scale) = shrunk_standardization(examples.iter().map(|e| &e.views[..]));
        let standardized = |x: &[f32]| -> Vec<f64> { x.iter().zip(&mean).zip(&scale).map(|((&x, m), s)| (f64::from(x) - m) / s).collect() };
        let unit = |v: Vec<f64>| -> Vec<f64> {
            let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            v.into_iter().map(|x| x / n).collect()
        };
        let directions: Vec<Vec<f64>> = (0..3)
            .map(|c| {
                let members = examples.iter().filter(|e| e.class == c).map(|e| unit(standardized(&e.views)));
                unit(members.fold(vec![0.0; FEATURE_DIM], |acc, v| acc.iter().zip(&v).map(|(a, b)| a + b).collect()))
            })
            .collect();
        for (_, x) in test.iter().take(30) {
            let z = unit(standardized(x));
            let cosines: Vec<f64> = directions.iter().map(|d| d.iter().zip(&z).map(|(a, b)| a * b).sum()).collect();
            let logits = head.logits(x);
            let norm = standardized(x).iter().map(|v| v * v).sum::<f64>().sqrt();
            for (logit, cosine) in logits.iter().zip(&cosines) {
                let expected = f64::from(COSINE_SCALE) / (FEATURE_DIM as f64).sqrt() * norm * cosine;
                assert!((f64::from(*logit) - expected).abs() < 1e-3 * expected.abs().max(1.0), "{logit} vs {expected}");
            }
        }
    }

    #[test]
    fn refuses_a_class_without_examples_and_bad_features() {
        let (train, _) = clusters(1, 6);
        let examples: Vec<LabeledFeatures> = train.iter().map(|(class, v)| LabeledFeatures::new(*class, v)).collect();
        assert!(class_means(&examples, &names(4)).is_err(), "class 3 has no example");
        assert!(class_means(&examples, &names(1)).is_err());
        let short = [LabeledFeatures::new(0, &[1.0; 10])];
        assert!(class_means(&short, &names(2)).is_err());
    }
}
