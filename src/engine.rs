//! The classification engine shared by the CLI and the web app: weights bytes → ResNet50
//! on a burn [`Device`] → top-K ImageNet classes with per-stage timings.
//!
//! Results are read back only through `into_data_async`, which WebGPU requires.

use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use web_time::Instant;

use crate::model::arch::{FEATURE_DIM, ResNet50Spec};
use crate::model::fold::FoldedResNet50;
use crate::model::labels::imagenet_label;
use crate::model::precision::Precision;
use crate::model::quant::{Int8Error, Int8ResNet50, backbone_digest, is_int8};
use crate::model::readback::{DeviceError, read};
use crate::model::resnet::ResNet50;
use crate::model::scores::softmax;
use crate::model::weights::WeightsError;
use crate::vision::preprocess::{self, ImageError, Preprocessing};
use crate::vision::views;
use image::RgbImage;

/// How many classes the page and the CLI show by default.
pub const TOP_K: usize = 5;

/// Anything that stops a classification, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A torchvision-layout weights file was refused.
    #[error(transparent)]
    Weights(#[from] WeightsError),
    /// An int8 model file was refused.
    #[error(transparent)]
    Int8(#[from] Int8Error),
    /// The image could not be decoded or has an unsupported size.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// The backend failed, or its device was lost.
    #[error(transparent)]
    Device(#[from] DeviceError),
}

/// One ranked class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// ImageNet class index, 0..1000.
    pub index: usize,
    /// The class's name.
    pub label: String,
    /// Softmax probability over all classes.
    pub prob: f32,
}

/// Milliseconds spent in each stage of one classification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Encoded bytes to RGB pixels.
    pub decode_ms: f64,
    /// Resize, center crop and normalization.
    pub preprocess_ms: f64,
    /// The forward pass, readback included.
    pub inference_ms: f64,
}

impl Timings {
    /// All stages together.
    pub fn total_ms(&self) -> f64 {
        self.decode_ms + self.preprocess_ms + self.inference_ms
    }
}

/// What [`Classifier::classify_image`] returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// The top classes, most probable first.
    pub top: Vec<Prediction>,
    /// All 1000 logits, in class-index order.
    pub logits: Vec<f32>,
    /// Time spent in each stage.
    pub timings: Timings,
}

/// A classification and where the model looked: per top class (same order), its activation
/// map over the `side × side` grid laid on `crop`, the center crop the model saw.
#[derive(Debug, Clone)]
pub struct ClassifiedImage {
    /// The classification.
    pub classification: Classification,
    /// One `side × side` activation map (row-major) per top class, in the same order.
    pub maps: Vec<Vec<f32>>,
    /// Cells per side of each map (7 for a 224 crop).
    pub side: u32,
    /// The center crop the model saw, `crop × crop` pixels.
    pub crop: RgbImage,
}

/// ResNet50 loaded on one device, with the preprocessing its weights expect.
pub struct Classifier {
    model: ResNet50,
    device: Device,
    preprocessing: Preprocessing,
    /// [`backbone_digest`] of the weights, when loaded from a file.
    backbone: Option<String>,
    /// What the model computes in; results are read back as f32 either way.
    precision: Precision,
}

impl Classifier {
    /// Loads either weights format: an int8 model file (dequantized on the device) or a
    /// torchvision-layout fp32 safetensors file (BatchNorm folded on the host).
    pub fn from_weights(bytes: &[u8], device: &Device) -> Result<Self, EngineError> {
        if !is_int8(bytes) {
            return Self::from_torchvision(bytes, device);
        }
        let spec = ResNet50Spec::new();
        let int8 = Int8ResNet50::from_bytes(bytes, &spec)?;
        let preprocessing = int8.preprocessing.clone();
        let backbone = Some(backbone_digest(bytes));
        Ok(Self { model: ResNet50::from_int8(int8, &spec, device), device: device.clone(), preprocessing, backbone, precision: Precision::F32 })
    }

    /// Validates and folds a torchvision-layout safetensors file, then uploads it.
    pub fn from_torchvision(bytes: &[u8], device: &Device) -> Result<Self, EngineError> {
        let spec = ResNet50Spec::new();
        let folded = FoldedResNet50::from_torchvision(bytes, &spec)?;
        let mut classifier = Self::from_folded(folded, &spec, Preprocessing::default(), device);
        classifier.backbone = Some(backbone_digest(bytes));
        Ok(classifier)
    }

    /// Uploads an already folded model, which expects `preprocessing`; it has no
    /// [`Self::backbone`] digest.
    pub fn from_folded(folded: FoldedResNet50, spec: &ResNet50Spec, preprocessing: Preprocessing, device: &Device) -> Self {
        Self { model: ResNet50::new(folded, spec, device), device: device.clone(), preprocessing, backbone: None, precision: Precision::F32 }
    }

    /// The same model computing in `precision` (weights cast on the device).
    pub fn in_precision(self, precision: Precision) -> Self {
        if precision == self.precision {
            return self;
        }
        Self { model: self.model.cast(precision.dtype()), precision, ..self }
    }

    /// What the model computes in.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Identity of the weights (see [`backbone_digest`]): features from different backbones
    /// must not be mixed in one project.
    pub fn backbone(&self) -> Option<&str> {
        self.backbone.as_deref()
    }

    /// The eval transform the weights expect (see [`Self::set_resize`]).
    pub fn preprocessing(&self) -> &Preprocessing {
        &self.preprocessing
    }

    /// Replaces the eval transform (e.g. the one a timm config names for fp32 weights).
    pub fn set_preprocessing(&mut self, preprocessing: Preprocessing) {
        self.preprocessing = preprocessing;
    }

    /// Overrides the shorter-side resize (e.g. 232 for torchvision V2 weights in fp32 files,
    /// which carry no preprocessing metadata).
    pub fn set_resize(&mut self, resize: u32) {
        self.preprocessing.resize = resize.max(self.preprocessing.crop);
    }

    /// Logits for one preprocessed `[3, crop, crop]` input.
    pub async fn logits(&self, input: Vec<f32>) -> Result<Vec<f32>, EngineError> {
        self.batch_logits(vec![input]).await
    }

    /// Logits for preprocessed `[3, crop, crop]` inputs, run as one batch: `inputs.len() × 1000` values.
    pub async fn batch_logits(&self, inputs: Vec<Vec<f32>>) -> Result<Vec<f32>, EngineError> {
        Ok(read(self.model.forward(self.batch(inputs))).await?)
    }

    /// Pooled 2048-d features of preprocessed `[3, crop, crop]` inputs, run as one batch:
    /// `inputs.len() × 2048` values.
    pub async fn pooled_features(&self, inputs: Vec<Vec<f32>>) -> Result<Vec<f32>, EngineError> {
        let images = self.batch(inputs);
        Ok(read(ResNet50::pool(self.model.feature_map(images))).await?)
    }

    /// Pooled features of an example's views (plain, then augmentation views if asked).
    pub async fn example_features(&self, image: &RgbImage, augment: bool, seed: u64) -> Result<Vec<f32>, EngineError> {
        self.pooled_features(views::example_views(image, &self.preprocessing, augment, seed)).await
    }

    /// Pooled features and the last stage's `[2048, cells]` feature map of one input, for a
    /// head's prediction and its class activation map (one readback: pooled on the host).
    pub async fn features_and_map(&self, input: Vec<f32>) -> Result<(Vec<f32>, Vec<f32>), EngineError> {
        let map = read(self.model.feature_map(self.batch(vec![input]))).await?;
        let cells = map.len() / FEATURE_DIM;
        let pooled = map.chunks_exact(cells).map(|channel| channel.iter().sum::<f32>() / cells as f32).collect();
        Ok((pooled, map))
    }

    fn batch(&self, inputs: Vec<Vec<f32>>) -> Tensor<4> {
        let side = self.preprocessing.crop as usize;
        let count = inputs.len();
        Tensor::<4>::from_data(TensorData::new(inputs.concat(), [count, 3, side, side]), &self.device).cast(self.precision.dtype())
    }

    /// Encoded image bytes → top-`k` classes, timing each stage.
    pub async fn classify_image(&self, bytes: &[u8], k: usize) -> Result<Classification, EngineError> {
        Ok(self.look_at(bytes, k).await?.classification)
    }

    /// Encoded image bytes → top-`k` classes with stage timings, and where the model looked
    /// for each of them.
    pub async fn look_at(&self, bytes: &[u8], k: usize) -> Result<ClassifiedImage, EngineError> {
        let start = Instant::now();
        let rgb = preprocess::decode(bytes)?;
        self.look_at_image(rgb, start.elapsed().as_secs_f64() * 1e3, k).await
    }

    /// [`Self::look_at`] for an image already decoded (a camera frame) in `decode_ms`.
    pub async fn look_at_image(&self, rgb: RgbImage, decode_ms: f64, k: usize) -> Result<ClassifiedImage, EngineError> {
        let decoded = Instant::now();
        let crop = preprocess::resize_and_crop(&rgb, &self.preprocessing);
        drop(rgb);
        let input = preprocess::normalize(&crop, &self.preprocessing);
        let preprocessed = Instant::now();
        let map = self.model.feature_map(self.batch(vec![input]));
        let side = map.dims()[2] as u32;
        let logits = self.model.classify(ResNet50::pool(map.clone()));
        let classes = logits.dims()[1];
        // One readback for both: each class's row is its logit, then its map.
        let rows = read(Tensor::cat(vec![logits.reshape([classes, 1]), self.model.activation_maps(map)], 1)).await?;
        let inferred = Instant::now();
        let ms = |from: Instant, to: Instant| (to - from).as_secs_f64() * 1e3;
        let width = rows.len() / classes.max(1);
        let logits: Vec<f32> = rows.chunks_exact(width).map(|row| row[0]).collect();
        let top = top_k(&logits, k);
        let maps = top.iter().map(|p| rows[p.index * width + 1..(p.index + 1) * width].to_vec()).collect();
        let classification =
            Classification { top, timings: Timings { decode_ms, preprocess_ms: ms(decoded, preprocessed), inference_ms: ms(preprocessed, inferred) }, logits };
        Ok(ClassifiedImage { classification, maps, side, crop })
    }

    /// The fixed input benchmarks feed (native CLI and browser alike): a smooth ramp in
    /// [-1, 1] across each row, in every channel.
    pub fn bench_input(&self) -> Vec<f32> {
        let side = self.preprocessing.crop as usize;
        (0..3 * side * side).map(|i| ((i % side) as f32 / side as f32 - 0.5) * 2.0).collect()
    }

    /// Runs one pass on a blank input so kernels are compiled before the first photo.
    pub async fn warm_up(&self) -> Result<(), EngineError> {
        let side = self.preprocessing.crop as usize;
        self.logits(vec![0.0; 3 * side * side]).await.map(|_| ())
    }
}

/// Softmax over `logits`, highest `k` first; NaN sorts last.
pub fn top_k(logits: &[f32], k: usize) -> Vec<Prediction> {
    let probs = softmax(logits);
    let mut ranked: Vec<usize> = (0..logits.len()).collect();
    ranked.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
    ranked
        .into_iter()
        .filter(|&i| !logits[i].is_nan())
        .take(k)
        .map(|index| Prediction { index, label: imagenet_label(index).unwrap_or("(unnamed class)").to_string(), prob: probs[index] })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_ranks_by_logit_and_normalizes() {
        let top = top_k(&[0.0, 2.0, f32::NAN, 1.0], 3);
        let indices: Vec<usize> = top.iter().map(|p| p.index).collect();
        assert_eq!(indices, [1, 3, 0]);
        let total: f32 = top.iter().map(|p| p.prob).sum();
        assert!((total - 1.0).abs() < 1e-6, "{total}");
        assert_eq!(top[0].label, "goldfish");
    }
}
