//! Stratified train/validation split: each class keeps its share of validation examples.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// Indices into the example list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Examples trained on, ascending.
    pub train: Vec<usize>,
    /// Examples held out, ascending.
    pub validation: Vec<usize>,
}

/// Splits example indices by class label. Each class sends `round(n · fraction)` of its
/// examples to validation, but always keeps at least one for training; the choice is a
/// seeded shuffle, so the same project and seed give the same split everywhere.
pub fn stratified_split(labels: &[usize], classes: usize, fraction: f32, seed: u64) -> Split {
    let mut rng = StdRng::seed_from_u64(seed);
    let fraction = fraction.clamp(0.0, 1.0);
    let mut split = Split { train: Vec::new(), validation: Vec::new() };
    for class in 0..classes {
        let mut members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        members.shuffle(&mut rng);
        let held = ((members.len() as f32 * fraction).round() as usize).min(members.len().saturating_sub(1));
        split.validation.extend_from_slice(&members[..held]);
        split.train.extend_from_slice(&members[held..]);
    }
    split.train.sort_unstable();
    split.validation.sort_unstable();
    split
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_class_keeps_its_share_and_one_training_example() {
        let labels: Vec<usize> = [vec![0; 10], vec![1; 5], vec![2; 1]].concat();
        let split = stratified_split(&labels, 3, 0.2, 7);
        let count = |set: &[usize], class| set.iter().filter(|&&i| labels[i] == class).count();
        assert_eq!((count(&split.validation, 0), count(&split.validation, 1), count(&split.validation, 2)), (2, 1, 0));
        assert_eq!(split.train.len() + split.validation.len(), labels.len());
        assert!(split.train.iter().all(|i| !split.validation.contains(i)));
        assert_eq!(split, stratified_split(&labels, 3, 0.2, 7), "seeded");
        assert!((8..12).any(|seed| stratified_split(&labels, 3, 0.2, seed) != split), "the seed matters");
    }
}
