//! Few-shot training: while a class has fewer than [`FEW_SHOT_BELOW`] examples to train
//! on, the head the project keeps is the trained linear head plus the nearest-class-mean
//! head (their logits summed: both are linear layers on the same features, so the sum is
//! one). Measured on `make_teach_set.py` features (tests/teach.rs, 30 draws): the sum ties
//! the linear head at one and two examples a class, and the class means alone tie it at
//! one; from five up the linear head alone is ahead, so it is used alone.
//!
//! The validation figures of a few-shot head are computed here, on the host, from the
//! blended head (the epochs' curves are the linear part's).

use super::scored;
use crate::model::arch::FEATURE_DIM;
use crate::train::class_means::class_means;
use crate::train::head::HeadWeights;
use crate::train::labeled::LabeledFeatures;
use crate::train::split::Split;

/// Below this many training examples in its smallest class, a head is few-shot.
pub const FEW_SHOT_BELOW: usize = 5;

/// A head's verdict on the validation examples.
pub(super) struct Validated<'a> {
    /// `classes` logits a row.
    pub logits: Vec<f32>,
    /// Each row's class.
    pub labels: &'a [usize],
    /// `confusion[true][predicted]` counts.
    pub confusion: Vec<Vec<u32>>,
}

/// The class-means head of a few-shot training, and its validation examples' plain views.
pub(super) struct FewShot {
    means: HeadWeights,
    validation: Vec<f32>,
    labels: Vec<usize>,
}

impl FewShot {
    /// `Some` when the training side of `split` has a class with fewer than [`FEW_SHOT_BELOW`] examples.
    pub(super) fn new(examples: &[LabeledFeatures<'_>], split: &Split, class_names: &[String]) -> Option<Self> {
        let mut counts = vec![0usize; class_names.len()];
        split.train.iter().for_each(|&i| counts[examples[i].class] += 1);
        if counts.iter().min().is_none_or(|&n| n >= FEW_SHOT_BELOW) {
            return None;
        }
        let train: Vec<LabeledFeatures> = split.train.iter().map(|&i| LabeledFeatures::new(examples[i].class, &examples[i].views)).collect();
        let means = class_means(&train, class_names).ok()?;
        let validation = split.validation.iter().flat_map(|&i| &examples[i].views[..FEATURE_DIM]).copied().collect();
        Some(Self { means, validation, labels: split.validation.iter().map(|&i| examples[i].class).collect() })
    }

    /// The head kept: `linear`'s logits plus the class means'.
    pub(super) fn blend(&self, mut linear: HeadWeights) -> HeadWeights {
        linear.weight.iter_mut().zip(&self.means.weight).for_each(|(w, m)| *w += m);
        linear.bias.iter_mut().zip(&self.means.bias).for_each(|(b, m)| *b += m);
        linear
    }

    /// `head` on the validation examples; `None` without any.
    pub(super) fn validate(&self, head: &HeadWeights) -> Option<Validated<'_>> {
        if self.labels.is_empty() {
            return None;
        }
        let logits: Vec<f32> = self.validation.chunks_exact(FEATURE_DIM).flat_map(|x| head.logits(x)).collect();
        let (_, _, confusion) = scored(&logits, &self.labels, head.classes());
        Some(Validated { logits, labels: &self.labels, confusion })
    }
}
