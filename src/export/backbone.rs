//! The backbone an export writes: ResNet50 with BatchNorm folded, from fp32 weights (the
//! CLI's torchvision files) or from the int8 model (what the browser keeps), with the
//! preprocessing it expects and the digest that names it.

use std::borrow::Cow;

use crate::model::arch::ResNet50Spec;
use crate::model::digest::sha256_hex;
use crate::model::fold::FoldedResNet50;
use crate::model::quant::{Int8Error, Int8ResNet50, QuantizedLayer, is_int8};
use crate::model::weights::WeightsError;
use crate::vision::preprocess::Preprocessing;

/// Why weights could not be read as a backbone to export.
#[derive(Debug, thiserror::Error)]
pub enum BackboneError {
    /// An int8 model that does not validate.
    #[error(transparent)]
    Int8(#[from] Int8Error),
    /// A torchvision-layout file that does not validate.
    #[error(transparent)]
    Fp32(#[from] WeightsError),
}

/// How an exported file stores the backbone's convolution weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightFormat {
    /// 32-bit floats (from an int8 model: its weights dequantized, as the app computes them).
    Fp32,
    /// Int8 with a scale per output channel (from fp32: quantized as the app quantizes).
    Int8,
}

/// The folded weights, as they were obtained.
pub enum BackboneWeights {
    /// From a torchvision fp32 file.
    Folded(FoldedResNet50),
    /// From the int8 model.
    Int8(Int8ResNet50),
}

/// A backbone ready to export.
pub struct Backbone {
    /// Its weights.
    pub weights: BackboneWeights,
    /// The eval transform its weights expect.
    pub preprocessing: Preprocessing,
    /// SHA-256 of the fp32 source file (the app's backbone digest).
    pub sha256: String,
}

impl Backbone {
    /// From weights bytes of either format; `preprocessing` overrides what an int8 file
    /// records (an fp32 file records none: torchvision's V1 transform unless given).
    pub fn from_bytes(bytes: &[u8], preprocessing: Option<Preprocessing>) -> Result<Self, BackboneError> {
        let spec = ResNet50Spec::new();
        let mut backbone = if is_int8(bytes) {
            Self::from_int8(Int8ResNet50::from_bytes(bytes, &spec)?)
        } else {
            let folded = FoldedResNet50::from_torchvision(bytes, &spec)?;
            Self { weights: BackboneWeights::Folded(folded), preprocessing: Preprocessing::default(), sha256: sha256_hex(bytes) }
        };
        if let Some(preprocessing) = preprocessing {
            backbone.preprocessing = preprocessing;
        }
        Ok(backbone)
    }

    /// From the int8 model, which records its preprocessing and source digest.
    pub fn from_int8(model: Int8ResNet50) -> Self {
        let (preprocessing, sha256) = (model.preprocessing.clone(), model.source_sha256.clone());
        Self { weights: BackboneWeights::Int8(model), preprocessing, sha256 }
    }

    /// The `index`-th convolution in `ResNet50Spec::convs` order, fp32: its weights
    /// (`[out, in, k, k]`, row-major), its folded bias and its shape.
    pub fn conv_fp32(&self, index: usize) -> (Cow<'_, [f32]>, &[f32], [usize; 4]) {
        match &self.weights {
            BackboneWeights::Folded(folded) => {
                let conv = &folded.convs[index];
                (Cow::Borrowed(&conv.weight), &conv.bias, conv.shape)
            }
            BackboneWeights::Int8(model) => {
                let layer = &model.convs[index];
                (Cow::Owned(layer.dequantize()), &layer.bias, shape4(&layer.shape))
            }
        }
    }

    /// The same convolution in int8, with its scales, bias and shape.
    pub fn conv_int8(&self, index: usize) -> (Cow<'_, QuantizedLayer>, [usize; 4]) {
        match &self.weights {
            BackboneWeights::Folded(folded) => {
                let conv = &folded.convs[index];
                (Cow::Owned(QuantizedLayer::quantize(&conv.weight, conv.bias.clone(), conv.shape.to_vec())), conv.shape)
            }
            BackboneWeights::Int8(model) => (Cow::Borrowed(&model.convs[index]), shape4(&model.convs[index].shape)),
        }
    }
}

/// A conv layer's shape (validated 4-d when the model was read).
fn shape4(shape: &[usize]) -> [usize; 4] {
    [shape[0], shape[1], shape[2], shape[3]]
}
