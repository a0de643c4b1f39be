//! Training the head: softmax cross-entropy, Adam with weight decay, mini-batches drawn
//! from features computed when the examples were added. The backbone never runs here.
//!
//! [`Trainer::epoch`] is async and reads results back once per epoch, so the browser can
//! draw progress and cancel between epochs without a blocking readback.

use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

mod few_shot;

pub use super::labeled::{LabeledFeatures, TrainError};

use super::calibration::{Calibration, HeldOut};
use super::head::{Head, HeadWeights};
use super::split::{Split, stratified_split};
use super::standardizer::Standardizer;
use crate::model::arch::FEATURE_DIM;
use crate::model::readback::read;
use crate::model::scores::argmax;
pub use few_shot::FEW_SHOT_BELOW;
use few_shot::FewShot;

/// What the user can set before training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainSettings {
    /// Passes over the training rows.
    pub epochs: usize,
    /// Adam's step size.
    pub learning_rate: f64,
    /// Rows per optimizer step.
    pub batch_size: usize,
    /// Share of each class held out for validation.
    pub validation_fraction: f32,
    /// L2 penalty added to the gradient (Adam's classic weight decay).
    pub weight_decay: f32,
    /// Train on the augmentation views too (validation always uses the plain view).
    pub augment: bool,
    /// Seeds the split and the batch order.
    pub seed: u64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        Self { epochs: 50, learning_rate: 1e-3, batch_size: 16, validation_fraction: 0.15, weight_decay: 1e-3, augment: true, seed: 0 }
    }
}

/// Loss and accuracy after one epoch; validation figures are absent without held-out examples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 1 for the first epoch.
    pub epoch: usize,
    /// Mean cross-entropy on the training rows (NaN or infinite if training diverged).
    #[serde(with = "super::json_float")]
    pub train_loss: f32,
    /// Share of training rows predicted right.
    #[serde(with = "super::json_float")]
    pub train_accuracy: f32,
    /// Mean cross-entropy on the held-out examples' plain views; a non-finite one reads
    /// back as absent.
    pub validation_loss: Option<f32>,
    /// Share of held-out examples predicted right.
    pub validation_accuracy: Option<f32>,
}

/// Validation results of the latest epoch: `confusion[true][predicted]` counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// `classes × classes` counts, rows the true class, columns the predicted one.
    pub confusion: Vec<Vec<u32>>,
    /// Set by [`Trainer::calibrated_weights`] where enough examples were held out.
    #[serde(default)]
    pub calibration: Option<Calibration>,
}

impl Evaluation {
    /// Share of each class's validation examples predicted right (None without any).
    pub fn per_class_accuracy(&self) -> Vec<Option<f32>> {
        self.confusion
            .iter()
            .enumerate()
            .map(|(class, row)| {
                let total: u32 = row.iter().sum();
                (total > 0).then(|| row[class] as f32 / total as f32)
            })
            .collect()
    }
}

/// Rows of features on the device with their labels on the host.
struct FeatureSet {
    features: Tensor<2>,
    labels: Vec<usize>,
}

impl FeatureSet {
    fn new(rows: Vec<f32>, labels: Vec<usize>, device: &Device) -> Option<Self> {
        (!labels.is_empty()).then(|| Self { features: Tensor::from_data(TensorData::new(rows, [labels.len(), FEATURE_DIM]), device), labels })
    }
}

/// One training run of a head: the split, the features on the device, the optimizer state.
/// Call [`Trainer::epoch`] until [`Trainer::is_done`], then take [`Trainer::weights`].
pub struct Trainer {
    head: Head,
    optimizer: ModuleOptimizer,
    settings: TrainSettings,
    classes: usize,
    train: FeatureSet,
    /// One-hot targets of `train`'s rows, on the device.
    targets: Tensor<2>,
    validation: Option<FeatureSet>,
    split: Split,
    /// The head trains on standardized features; [`Trainer::weights`] folds this back in.
    scaler: Standardizer,
    rng: StdRng,
    epoch: usize,
    evaluation: Option<Evaluation>,
    /// Set while a class has few examples: the head kept is blended with class means.
    few_shot: Option<FewShot>,
}

impl Trainer {
    /// Checks the classes and settings, splits the examples (stratified, seeded) and
    /// uploads their features to `device`. `class_names` gives the number of classes.
    pub fn new(examples: &[LabeledFeatures<'_>], class_names: &[String], settings: TrainSettings, device: &Device) -> Result<Self, TrainError> {
        let classes = class_names.len();
        if classes < 2 {
            return Err(TrainError::TooFewClasses(classes));
        }
        if let Some(empty) = (0..classes).find(|&c| !examples.iter().any(|e| e.class == c)) {
            return Err(TrainError::EmptyClass(class_names[empty].clone()));
        }
        if let Some(bad) = examples.iter().find(|e| e.views.is_empty() || e.views.len() % FEATURE_DIM != 0 || e.class >= classes) {
            return Err(TrainError::BadFeatures(bad.views.len()));
        }
        validate(&settings)?;

        let labels: Vec<usize> = examples.iter().map(|e| e.class).collect();
        let split = stratified_split(&labels, classes, settings.validation_fraction, settings.seed);
        let (mut rows, mut train_labels): (Vec<f32>, Vec<usize>) = (Vec::new(), Vec::new());
        for &i in &split.train {
            let views = if settings.augment { &examples[i].views[..] } else { &examples[i].views[..FEATURE_DIM] };
            rows.extend_from_slice(views);
            train_labels.extend(std::iter::repeat_n(labels[i], views.len() / FEATURE_DIM));
        }
        let mut one_hot = vec![0.0f32; train_labels.len() * classes];
        train_labels.iter().enumerate().for_each(|(row, &class)| one_hot[row * classes + class] = 1.0);
        let targets = Tensor::from_data(TensorData::new(one_hot, [train_labels.len(), classes]), device);
        let scaler = Standardizer::fit(&rows);
        scaler.apply(&mut rows);
        let train = FeatureSet::new(rows, train_labels, device).expect("every class keeps a training example");

        let mut validation_rows: Vec<f32> = split.validation.iter().flat_map(|&i| &examples[i].views[..FEATURE_DIM]).copied().collect();
        scaler.apply(&mut validation_rows);
        let validation = FeatureSet::new(validation_rows, split.validation.iter().map(|&i| labels[i]).collect(), device);

        let few_shot = FewShot::new(examples, &split, class_names);
        let optimizer = AdamConfig::new().with_weight_decay((settings.weight_decay > 0.0).then(|| WeightDecayConfig::new(settings.weight_decay))).init();
        Ok(Self {
            head: Head::new(&HeadWeights::zeros(classes), &device.clone().autodiff()),
            optimizer,
            rng: StdRng::seed_from_u64(settings.seed.wrapping_add(1)),
            settings,
            classes,
            train,
            targets,
            validation,
            split,
            scaler,
            epoch: 0,
            evaluation: None,
            few_shot,
        })
    }

    /// Example indices (into the slice given to [`Trainer::new`]) on each side of the split.
    pub fn split(&self) -> &Split {
        &self.split
    }

    /// Feature rows trained on per epoch (examples × views used).
    pub fn rows(&self) -> usize {
        self.train.labels.len()
    }

    /// Whether the set number of epochs has run.
    pub fn is_done(&self) -> bool {
        self.epoch >= self.settings.epochs
    }

    /// Runs one pass over the shuffled training rows, then scores both sets.
    pub async fn epoch(&mut self) -> Result<EpochMetrics, TrainError> {
        let device = self.train.features.device();
        let mut order: Vec<usize> = (0..self.train.labels.len()).collect();
        order.shuffle(&mut self.rng);
        for batch in order.chunks(self.settings.batch_size) {
            let indices: Vec<i64> = batch.iter().map(|&i| i as i64).collect();
            let indices = Tensor::<1, Int>::from_data(TensorData::new(indices, [batch.len()]), &device);
            let features = self.train.features.clone().select(0, indices.clone());
            let targets = self.targets.clone().select(0, indices);
            let log_probs = log_softmax(self.head.forward(features), 1);
            let loss = (log_probs * targets).sum().neg().div_scalar(batch.len() as f32);
            let grads = GradientsParams::from_grads(loss.backward(), &self.head);
            self.head = self.optimizer.step(self.settings.learning_rate, self.head.clone(), grads);
        }
        self.epoch += 1;

        let head = self.head.valid();
        let (train_loss, train_accuracy, _) = score(&head, &self.train, self.classes).await?;
        let mut metrics = EpochMetrics { epoch: self.epoch, train_loss, train_accuracy, validation_loss: None, validation_accuracy: None };
        if let Some(validation) = &self.validation {
            let (loss, accuracy, confusion) = score(&head, validation, self.classes).await?;
            metrics.validation_loss = Some(loss);
            metrics.validation_accuracy = Some(accuracy);
            self.evaluation = Some(Evaluation { confusion, calibration: None });
        }
        Ok(metrics)
    }

    /// The latest epoch's validation confusion matrix, if any example was held out.
    pub fn evaluation(&self) -> Option<&Evaluation> {
        self.evaluation.as_ref()
    }

    /// The head's current parameters, read back to the host, as a linear layer on raw
    /// features (the standardization folded in).
    pub async fn weights(&self) -> Result<HeadWeights, TrainError> {
        let standardized = self.head.valid().weights().await?;
        Ok(self.scaler.fold(standardized))
    }
}

impl Trainer {
    /// Whether a class has too few examples for the linear head alone (see `few_shot`).
    pub fn is_few_shot(&self) -> bool {
        self.few_shot.is_some()
    }

    /// The head to keep: [`Self::weights`] (blended with class means when few-shot), with
    /// the temperature fitted on the validation examples folded in (`W / T`, `b / T`), the
    /// calibration recorded in [`Self::evaluation`] (a few-shot head's evaluated afresh).
    pub async fn calibrated_weights(&mut self) -> Result<HeadWeights, TrainError> {
        let mut weights = self.weights().await?;
        let (logits, labels) = if let Some(few_shot) = &self.few_shot {
            weights = few_shot.blend(weights);
            let Some(validated) = few_shot.validate(&weights) else { return Ok(weights) };
            self.evaluation = Some(Evaluation { confusion: validated.confusion, calibration: None });
            (validated.logits, validated.labels)
        } else {
            let Some(validation) = &self.validation else { return Ok(weights) };
            let logits = read(self.head.valid().forward(validation.features.clone())).await?;
            (logits, validation.labels.as_slice())
        };
        let Some(evaluation) = self.evaluation.as_mut() else { return Ok(weights) };
        evaluation.calibration = Calibration::fit(&HeldOut { logits: &logits, labels, classes: self.classes });
        if let Some(calibration) = &evaluation.calibration {
            weights.weight.iter_mut().chain(&mut weights.bias).for_each(|v| *v /= calibration.temperature);
        }
        Ok(weights)
    }
}

fn validate(settings: &TrainSettings) -> Result<(), TrainError> {
    let problem = if settings.epochs == 0 {
        "epochs must be at least 1"
    } else if settings.batch_size == 0 {
        "batch size must be at least 1"
    } else if !(settings.learning_rate > 0.0 && settings.learning_rate.is_finite()) {
        "the learning rate must be a positive number"
    } else if !(0.0..1.0).contains(&settings.validation_fraction) {
        "the validation fraction must be at least 0 and below 1"
    } else if !(settings.weight_decay >= 0.0 && settings.weight_decay.is_finite()) {
        "weight decay must be zero or positive"
    } else {
        return Ok(());
    };
    Err(TrainError::Settings(problem))
}

/// Mean cross-entropy, accuracy and confusion counts of `head` on a set (computed on the
/// host in f64 from one readback of the logits).
async fn score(head: &Head, set: &FeatureSet, classes: usize) -> Result<(f32, f32, Vec<Vec<u32>>), TrainError> {
    let logits = read(head.forward(set.features.clone())).await?;
    Ok(scored(&logits, &set.labels, classes))
}

/// Mean cross-entropy, accuracy and confusion counts of `logits` (`classes` a row) against `labels`.
pub(super) fn scored(logits: &[f32], labels: &[usize], classes: usize) -> (f32, f32, Vec<Vec<u32>>) {
    let mut confusion = vec![vec![0u32; classes]; classes];
    let mut loss = 0.0f64;
    for (row, &label) in logits.chunks_exact(classes).zip(labels) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let log_sum = f64::from(max) + row.iter().map(|&v| f64::from(v - max).exp()).sum::<f64>().ln();
        loss += log_sum - f64::from(row[label]);
        let predicted = argmax(row).unwrap_or(0);
        confusion[label][predicted] += 1;
    }
    let count = labels.len();
    let correct: u32 = (0..classes).map(|c| confusion[c][c]).sum();
    ((loss / count as f64) as f32, correct as f32 / count as f32, confusion)
}

#[cfg(test)]
mod tests;
