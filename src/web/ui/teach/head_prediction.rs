//! The head's verdict on one image: every class's probability and its activation maps.

use image::RgbImage;

use crate::model::scores::argmax;
use crate::train::head::HeadWeights;

/// The user's classifier on one image.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadPrediction {
    /// "camera" or the file's name.
    pub source: String,
    /// Class names, in the head's order.
    pub names: Vec<String>,
    /// Each class's probability.
    pub probs: Vec<f32>,
    /// Per class, the activation map over the `side × side` feature grid.
    pub maps: Vec<Vec<f32>>,
    /// Side of the feature grid.
    pub side: u32,
    /// The center crop the model saw.
    pub crop: RgbImage,
    /// Below this top probability the head is "not sure" (the calibration's threshold).
    pub not_sure_below: f32,
}

impl HeadPrediction {
    /// Applies `head` to an image's pooled `features` and its `feature_map`.
    pub fn new(source: String, names: Vec<String>, head: &HeadWeights, features: &[f32], feature_map: &[f32], crop: RgbImage) -> Self {
        let maps: Vec<Vec<f32>> = (0..head.classes()).map(|k| head.activation_map(k, feature_map)).collect();
        let side = (maps.first().map_or(0, Vec::len) as f64).sqrt() as u32;
        Self { source, names, probs: head.probabilities(features), maps, side, crop, not_sure_below: 0.0 }
    }

    /// With the "not sure" threshold set.
    pub fn not_sure_below(self, threshold: f32) -> Self {
        Self { not_sure_below: threshold, ..self }
    }

    /// The most probable class.
    pub fn best(&self) -> usize {
        argmax(&self.probs).unwrap_or(0)
    }

    /// Whether the best class is likely enough to be named.
    pub fn sure(&self) -> bool {
        self.probs.get(self.best()).is_some_and(|&p| p >= self.not_sure_below)
    }
}
