//! What the page and the model worker say to each other. Messages are postcard bytes in a
//! transferred `ArrayBuffer`: image bytes and feature rows cross without a JSON detour.

use std::borrow::Cow;

use image::RgbImage;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use crate::engine::Classification;
use crate::train::head::HeadWeights;
use crate::train::trainer::{EpochMetrics, Evaluation, TrainSettings};
use crate::vision::preprocess::Preprocessing;

use super::super::memory::MemoryFigures;
use super::super::models::{ModelSource, Stage};

/// An image as the worker takes it: a file's bytes (decoded there) or pixels already decoded
/// (a camera frame).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Picture {
    Encoded(ByteBuf),
    Rgb { width: u32, height: u32, pixels: ByteBuf },
}

impl Picture {
    pub fn rgb(image: RgbImage) -> Self {
        Self::Rgb { width: image.width(), height: image.height(), pixels: ByteBuf::from(image.into_raw()) }
    }

    pub fn into_rgb(self) -> Option<RgbImage> {
        match self {
            Self::Rgb { width, height, pixels } => RgbImage::from_raw(width, height, pixels.into_vec()),
            Self::Encoded(_) => None,
        }
    }
}

/// One example as training takes it: a class position and its views' features.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainExample<'a> {
    pub class: usize,
    pub views: Cow<'a, [f32]>,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Request<'a> {
    /// Obtain a model (cache or network), load it, and cache it once it has loaded.
    Load(ModelSource),
    /// Load weights the user handed over as a file.
    LoadFile { name: String, bytes: ByteBuf },
    /// Top-`k` ImageNet classes, stage timings and each top class's activation map.
    Classify { picture: Picture, k: usize },
    /// Pooled features of an example's views and its thumbnail.
    ExampleFeatures { picture: Picture, augment: bool, seed: u64 },
    /// Pooled features, the feature map and the center crop, for the user's head.
    Look { picture: Picture },
    TrainBegin { examples: Vec<TrainExample<'a>>, names: Vec<String>, settings: TrainSettings },
    TrainEpoch,
    /// The trained head; the trainer is dropped.
    TrainFinish,
    TrainAbandon,
}

/// The compute device in use, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendInfo {
    /// "WebGPU" or "CPU (wasm)".
    pub name: String,
    pub adapter: String,
    /// Why the CPU runs instead of WebGPU, if it does.
    pub fallback_reason: Option<String>,
}

impl BackendInfo {
    pub fn is_webgpu(&self) -> bool {
        self.fallback_reason.is_none()
    }
}

/// The model now loaded in the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadedModel {
    pub bytes: u64,
    /// Int8 weights (else fp32, BatchNorm folded).
    pub int8: bool,
    pub from_cache: bool,
    /// Why a freshly obtained model could not be cached (it is loaded regardless).
    pub not_cached: Option<String>,
    /// Identity of the weights: features of different backbones are not mixed in a project.
    pub backbone: Option<String>,
    pub preprocessing: Preprocessing,
    pub backend: BackendInfo,
    pub memory: MemoryFigures,
}

/// A classified photo: the classes, and per top class its activation map over the
/// `side × side` grid of the center crop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifiedImage {
    pub classification: Classification,
    pub maps: Vec<Vec<f32>>,
    pub side: u32,
    pub crop: Picture,
    pub memory: MemoryFigures,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    Loaded(LoadedModel),
    Classified(ClassifiedImage),
    Features { features: Vec<f32>, thumbnail: ByteBuf },
    Looked { features: Vec<f32>, map: Vec<f32>, crop: Picture },
    TrainStarted { rows: usize },
    Epoch(EpochMetrics),
    Trained { weights: HeadWeights, validation: Vec<usize>, evaluation: Option<Evaluation>, memory: MemoryFigures },
    Done,
}

/// Page → worker.
#[derive(Debug, Serialize, Deserialize)]
pub struct Call<'a> {
    pub id: u32,
    pub request: Request<'a>,
}

/// Worker → page.
#[derive(Debug, Serialize, Deserialize)]
pub enum Message {
    /// The worker runs and has picked its device; requests may come.
    Ready(BackendInfo),
    Progress { id: u32, stage: Stage },
    Answer { id: u32, result: Result<Reply, String> },
}

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).expect("messages are plain data")
}

pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, String> {
    postcard::from_bytes(bytes).map_err(|err| format!("a malformed message between page and worker: {err}"))
}
