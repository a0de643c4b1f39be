//! How far the head's probabilities can be trusted, from held-out examples: temperature
//! scaling (one `T > 0` dividing every logit, fitted to minimise the negative
//! log-likelihood; Guo et al., 2017), the reliability of each confidence band, the expected
//! calibration error, and a "not sure" threshold below which no class is named.

use serde::{Deserialize, Serialize};

use crate::model::scores::{argmax, softmax};

/// Logits of held-out examples with their true classes.
#[derive(Debug, Clone, Copy)]
pub struct HeldOut<'a> {
    /// `[examples, classes]`, row-major.
    pub logits: &'a [f32],
    /// The true class of each row.
    pub labels: &'a [usize],
    /// Number of classes (the row length).
    pub classes: usize,
}

/// Confidence bands of the reliability diagram.
pub const BANDS: usize = 10;

/// The searched range of `1 / T`: from nearly uniform to 50 times sharper.
const INVERSE_RANGE: (f64, f64) = (0.02, 50.0);

/// One confidence band: how sure the head was, and how often it was right, on average.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// Mean top probability of the examples in the band.
    pub confidence: f32,
    /// Share of them predicted right.
    pub accuracy: f32,
    /// How many examples fell in the band.
    pub count: u32,
}

/// Fewer held-out examples than this fit no temperature: a handful, all right, would make
/// the head sure of everything.
pub const MIN_HELD_OUT: usize = 20;

/// The answers given must be right this often; below the threshold the head is "not sure".
pub const TARGET_ACCURACY: f32 = 0.9;

/// What calibration found on the held-out examples, kept with the head (whose logits are
/// already divided by `temperature`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// The fitted temperature (1: unchanged).
    pub temperature: f32,
    /// Top probabilities below this are shown as "not sure" (0: every answer is given).
    pub not_sure_below: f32,
    /// Whether a threshold kept the answers given right [`TARGET_ACCURACY`] of the time.
    pub target_reached: bool,
    /// Held-out examples it was fitted on.
    pub examples: u32,
    /// Expected calibration error before and after.
    pub error_before: f32,
    /// After dividing by the temperature.
    pub error_after: f32,
    /// The reliability diagram after, [`BANDS`] bands.
    pub bands: Vec<Band>,
}

impl Calibration {
    /// Calibrates on `held_out` if there are enough examples.
    pub fn fit(held_out: &HeldOut<'_>) -> Option<Self> {
        let examples = held_out.rows().count();
        if examples < MIN_HELD_OUT {
            return None;
        }
        let temperature = held_out.fit_temperature();
        let threshold = held_out.threshold_for(temperature, TARGET_ACCURACY);
        Some(Self {
            temperature,
            not_sure_below: threshold.unwrap_or(0.0),
            target_reached: threshold.is_some(),
            examples: u32::try_from(examples).unwrap_or(u32::MAX),
            error_before: held_out.expected_calibration_error(1.0),
            error_after: held_out.expected_calibration_error(temperature),
            bands: held_out.reliability(temperature),
        })
    }

    /// Whether a file's values can be used: finite, in range, bands of the right count.
    pub fn is_sane(&self) -> bool {
        let unit = |v: f32| (0.0..=1.0).contains(&v);
        self.temperature.is_finite()
            && self.temperature > 0.0
            && unit(self.not_sure_below)
            && unit(self.error_before)
            && unit(self.error_after)
            && self.bands.len() == BANDS
            && self.bands.iter().all(|b| unit(b.confidence) && unit(b.accuracy))
    }
}

impl HeldOut<'_> {
    /// Number of examples (whole rows whose label is a class).
    fn rows(&self) -> impl Iterator<Item = (&[f32], usize)> {
        let classes = self.classes.max(1);
        self.logits.chunks_exact(classes).zip(self.labels.iter().copied()).filter(move |(_, label)| *label < classes)
    }

    /// Mean negative log-likelihood of the true classes with the logits divided by
    /// `temperature` (in f64, from the largest logit down, so no exponential overflows).
    pub fn nll(&self, temperature: f32) -> f64 {
        let inverse = 1.0 / f64::from(temperature);
        let (mut total, mut count) = (0.0f64, 0usize);
        for (row, label) in self.rows() {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let log_sum = row.iter().map(|&v| (f64::from(v - max) * inverse).exp()).sum::<f64>().ln();
            total += log_sum - f64::from(row[label] - max) * inverse;
            count += 1;
        }
        if count == 0 { 0.0 } else { total / count as f64 }
    }

    /// The temperature that minimises [`Self::nll`]. The log-likelihood is concave in
    /// `1 / T`, so a golden-section search over `ln(1 / T)` finds its single peak; 1 when
    /// there is nothing to fit on.
    pub fn fit_temperature(&self) -> f32 {
        if self.rows().next().is_none() {
            return 1.0;
        }
        let loss = |log_inverse: f64| self.nll((1.0 / log_inverse.exp()) as f32);
        let golden = (5f64.sqrt() - 1.0) / 2.0;
        let (mut low, mut high) = (INVERSE_RANGE.0.ln(), INVERSE_RANGE.1.ln());
        let (mut a, mut b) = (high - golden * (high - low), low + golden * (high - low));
        let (mut loss_a, mut loss_b) = (loss(a), loss(b));
        while high - low > 1e-4 {
            if loss_a <= loss_b {
                (high, b, loss_b) = (b, a, loss_a);
                a = high - golden * (high - low);
                loss_a = loss(a);
            } else {
                (low, a, loss_a) = (a, b, loss_b);
                b = low + golden * (high - low);
                loss_b = loss(b);
            }
        }
        (1.0 / ((low + high) / 2.0).exp()) as f32
    }

    /// The examples' top probability (logits divided by `temperature`) and whether the top
    /// class was the true one.
    fn confidences(&self, temperature: f32) -> Vec<(f32, bool)> {
        self.rows()
            .map(|(row, label)| {
                let scaled: Vec<f32> = row.iter().map(|v| v / temperature).collect();
                let probabilities = softmax(&scaled);
                let top = argmax(&probabilities).unwrap_or(0);
                (probabilities[top], top == label)
            })
            .collect()
    }

    /// The reliability diagram: [`BANDS`] equal confidence bands from 0 to 1 (empty ones
    /// have count 0).
    pub fn reliability(&self, temperature: f32) -> Vec<Band> {
        let mut sums = [(0.0f64, 0u32, 0u32); BANDS];
        for (confidence, right) in self.confidences(temperature) {
            let band = ((confidence * BANDS as f32) as usize).min(BANDS - 1);
            sums[band].0 += f64::from(confidence);
            sums[band].1 += u32::from(right);
            sums[band].2 += 1;
        }
        sums.iter()
            .map(|&(confidence, right, count)| match count {
                0 => Band { confidence: 0.0, accuracy: 0.0, count },
                n => Band { confidence: (confidence / f64::from(n)) as f32, accuracy: right as f32 / n as f32, count },
            })
            .collect()
    }

    /// Expected calibration error: the gap between confidence and accuracy in each band,
    /// weighted by the band's share of the examples.
    pub fn expected_calibration_error(&self, temperature: f32) -> f32 {
        let bands = self.reliability(temperature);
        let total: u32 = bands.iter().map(|b| b.count).sum();
        if total == 0 {
            return 0.0;
        }
        bands.iter().map(|b| b.count as f32 / total as f32 * (b.confidence - b.accuracy).abs()).sum()
    }

    /// The lowest confidence threshold at which the answers given (top probability at or
    /// above it) are right at least `target` of the time; the others are "not sure". `None`
    /// if no threshold reaches the target.
    pub fn threshold_for(&self, temperature: f32, target: f32) -> Option<f32> {
        let mut answers = self.confidences(temperature);
        answers.sort_by(|a, b| b.0.total_cmp(&a.0));
        let (mut right, mut best) = (0u32, None);
        for (given, &(confidence, correct)) in answers.iter().enumerate() {
            right += u32::from(correct);
            let next_is_tied = answers.get(given + 1).is_some_and(|next| next.0 == confidence);
            if !next_is_tied && right as f32 / (given + 1) as f32 >= target {
                best = Some(confidence);
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    use super::*;

    /// Three classes, logits `sharpness` times too confident for how often they are right.
    fn overconfident(rows: usize, sharpness: f32, seed: u64) -> (Vec<f32>, Vec<usize>) {
        let mut rng = StdRng::seed_from_u64(seed);
        let (mut logits, mut labels) = (Vec::new(), Vec::new());
        for _ in 0..rows {
            let label = rng.random_range(0..3);
            // The true class leads by a margin that is often small; noise flips some rows.
            let row: Vec<f32> = (0..3).map(|c| (if c == label { 1.0 } else { 0.0 } + rng.random_range(-1.0..1.0f32)) * sharpness).collect();
            logits.extend(row);
            labels.push(label);
        }
        (logits, labels)
    }

    #[test]
    fn the_fitted_temperature_undoes_overconfidence_and_lowers_held_out_loss() {
        let (fit_logits, fit_labels) = overconfident(600, 8.0, 1);
        let fit = HeldOut { logits: &fit_logits, labels: &fit_labels, classes: 3 };
        let temperature = fit.fit_temperature();
        assert!(temperature > 2.0, "overconfident logits are softened: T = {temperature}");
        for t in [temperature * 0.8, temperature * 1.25] {
            assert!(fit.nll(temperature) <= fit.nll(t), "T = {temperature} is the minimum");
        }
        let (test_logits, test_labels) = overconfident(600, 8.0, 2);
        let test = HeldOut { logits: &test_logits, labels: &test_labels, classes: 3 };
        assert!(test.nll(temperature) < test.nll(1.0) * 0.8, "{} vs {}", test.nll(temperature), test.nll(1.0));
        assert!(test.expected_calibration_error(temperature) < test.expected_calibration_error(1.0) / 2.0);
    }

    #[test]
    fn the_threshold_keeps_the_answers_given_right_often_enough() {
        let (logits, labels) = overconfident(800, 2.0, 3);
        let held_out = HeldOut { logits: &logits, labels: &labels, classes: 3 };
        let bands = held_out.reliability(1.0);
        assert_eq!(bands.iter().map(|b| b.count).sum::<u32>(), 800);
        let threshold = held_out.threshold_for(1.0, 0.9).expect("the most confident answers are right");
        let kept: Vec<(f32, bool)> = held_out.confidences(1.0).into_iter().filter(|(c, _)| *c >= threshold).collect();
        let accuracy = kept.iter().filter(|(_, right)| *right).count() as f32 / kept.len() as f32;
        assert!(accuracy >= 0.9, "{accuracy}");
        assert!(kept.len() < 800, "some answers are 'not sure'");
        assert_eq!(held_out.threshold_for(1.0, 1.01), None);
    }

    #[test]
    fn nothing_to_fit_on_leaves_the_probabilities_as_they_are() {
        let empty = HeldOut { logits: &[], labels: &[], classes: 3 };
        assert_eq!(empty.fit_temperature(), 1.0);
        assert_eq!(empty.expected_calibration_error(1.0), 0.0);
        let bad_label = HeldOut { logits: &[1.0, 2.0], labels: &[7], classes: 2 };
        assert_eq!(bad_label.fit_temperature(), 1.0);
        let few = HeldOut { logits: &[1.0, 2.0, 2.0, 1.0], labels: &[1, 0], classes: 2 };
        assert_eq!(Calibration::fit(&few), None, "two examples fit no temperature");
    }
}
