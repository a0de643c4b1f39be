//! What the page and the model worker say to each other. Each request is a struct paired
//! with its reply type by [`Ask`]; on the wire a [`Call`] carries one [`Request`] and the
//! worker answers with the reply's postcard bytes or a [`WorkerError`]. Messages are
//! postcard bytes in a transferred `ArrayBuffer`; a user's file travels beside them as a
//! `Blob` (read in the worker, never copied on the page).

use std::borrow::Cow;

use image::RgbImage;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use super::device_request::Probe;
use super::error::WorkerError;
use super::exports::{Export, Exported};
use super::sources::{ModelSource, Stage};
use crate::engine::Classification;
use crate::model::precision::Precision;
use crate::train::head::HeadWeights;
use crate::train::map::ExampleMap;
use crate::train::trainer::{EpochMetrics, Evaluation, LabeledFeatures, TrainSettings};
use crate::vision::preprocess::Preprocessing;

/// The message that stops the model download in progress (sent alone, not as a call).
pub const CANCEL: &str = "cancel";

/// A request the page can make of the worker, paired with the type of its reply.
pub trait Ask<'a>: Into<Request<'a>> {
    /// What the worker answers.
    type Reply: Serialize + DeserializeOwned + 'static;
}

/// Decoded RGB pixels, row-major, 3 bytes a pixel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pixels {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width × height × 3` bytes.
    pub rgb: ByteBuf,
}

impl Pixels {
    /// The pixels of an image.
    pub fn of(image: RgbImage) -> Self {
        Self { width: image.width(), height: image.height(), rgb: ByteBuf::from(image.into_raw()) }
    }

    /// The image, if the bytes fill the size.
    pub fn into_image(self) -> Option<RgbImage> {
        RgbImage::from_raw(self.width, self.height, self.rgb.into_vec())
    }
}

/// An image as the worker takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SentImage {
    /// An image file (JPEG, PNG, …) attached to the call as a `Blob`; the worker reads and
    /// decodes it (the page names the file in messages).
    File,
    /// Pixels already decoded (a camera frame).
    Frame(Pixels),
    /// Entry `index` of the dataset archive `archive` (a page-chosen id), the archive attached
    /// as a `Blob`: the worker keeps the last archive open between calls.
    ArchiveEntry {
        /// Names the archive.
        archive: u64,
        /// The entry's position in the archive's directory.
        index: u32,
    },
}

/// The paths of a dataset archive's entries (attached as a `Blob`), in directory order; the
/// archive stays open for [`SentImage::ArchiveEntry`] calls.
#[derive(Debug, Serialize, Deserialize)]
pub struct ListArchive {
    /// A page-chosen id for the archive.
    pub archive: u64,
}

/// Obtain a model (cache or network), load it, and cache it once it has loaded.
#[derive(Debug, Serialize, Deserialize)]
pub struct Load(pub ModelSource);

/// Load weights the user handed over as a file (attached as a `Blob`).
#[derive(Debug, Serialize, Deserialize)]
pub struct LoadFile {
    /// The file's name, shown as the model's.
    pub name: String,
}

/// Top-`k` ImageNet classes, stage timings and each top class's activation map.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Classify {
    /// The image.
    pub image: SentImage,
    /// How many classes to rank.
    pub k: usize,
}

/// Pooled features of an example's views and its thumbnail.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExampleFeatures {
    /// The example's image.
    pub image: SentImage,
    /// Add mirrored and cropped views.
    pub augment: bool,
    /// Seeds the random crops.
    pub seed: u64,
}

/// Pooled features, the last feature map and the center crop, for the user's head.
#[derive(Debug, Serialize, Deserialize)]
pub struct Embed {
    /// The image.
    pub image: SentImage,
}

/// Start training a head on these examples; the page then asks for epochs one at a time.
#[derive(Debug, Serialize, Deserialize)]
pub struct TrainBegin<'a> {
    /// The training set (each class a position in `names`).
    pub examples: Vec<LabeledFeatures<'a>>,
    /// Class names, in output order.
    pub names: Vec<String>,
    /// Epochs, learning rate, split and so on.
    pub settings: TrainSettings,
}

/// Run one epoch of the training begun.
#[derive(Debug, Serialize, Deserialize)]
pub struct TrainEpoch;

/// End the training: the trained head (the trainer is dropped).
#[derive(Debug, Serialize, Deserialize)]
pub struct TrainFinish;

/// Drop the training begun, if any.
#[derive(Debug, Serialize, Deserialize)]
pub struct TrainAbandon;

/// The map of the examples (their first view's features) and those possibly mislabelled.
#[derive(Debug, Serialize, Deserialize)]
pub struct MapExamples<'a> {
    /// 2048 features per example.
    pub rows: Vec<Cow<'a, [f32]>>,
    /// Each example's class position.
    pub labels: Vec<usize>,
}

/// Every request, as it crosses to the worker.
#[derive(Debug, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum Request<'a> {
    Load(Load),
    LoadFile(LoadFile),
    Classify(Classify),
    ExampleFeatures(ExampleFeatures),
    Embed(Embed),
    ListArchive(ListArchive),
    MapExamples(MapExamples<'a>),
    TrainBegin(TrainBegin<'a>),
    TrainEpoch(TrainEpoch),
    TrainFinish(TrainFinish),
    TrainAbandon(TrainAbandon),
    Export(Export),
}

macro_rules! asks {
    ($($request:ident => $reply:ty;)*) => {$(
        impl<'a> Ask<'a> for $request {
            type Reply = $reply;
        }
        impl<'a> From<$request> for Request<'a> {
            fn from(request: $request) -> Self {
                Request::$request(request)
            }
        }
    )*};
}

asks! {
    Load => LoadedModel;
    LoadFile => LoadedModel;
    Classify => ClassifyReply;
    ExampleFeatures => Features;
    Embed => Embedding;
    ListArchive => Vec<String>;
    TrainEpoch => EpochMetrics;
    TrainFinish => Trained;
    TrainAbandon => ();
    Export => Exported;
}

impl<'a> Ask<'a> for MapExamples<'a> {
    type Reply = ExampleMap;
}

impl<'a> From<MapExamples<'a>> for Request<'a> {
    fn from(request: MapExamples<'a>) -> Self {
        Request::MapExamples(request)
    }
}

impl<'a> Ask<'a> for TrainBegin<'a> {
    /// The number of training rows (example views).
    type Reply = usize;
}

impl<'a> From<TrainBegin<'a>> for Request<'a> {
    fn from(request: TrainBegin<'a>) -> Self {
        Request::TrainBegin(request)
    }
}

/// Bytes in use at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MemoryFigures {
    /// The wasm heap of the worker (it only grows, so it is also the peak).
    pub wasm_heap: u64,
    /// Reserved by the device allocator (GPU buffers on WebGPU); `None` where not reported.
    pub device_reserved: Option<u64>,
}

/// The compute device in use, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendInfo {
    /// "WebGPU" or "CPU (wasm)".
    pub name: String,
    /// Adapter vendor, architecture and description where the browser tells.
    pub adapter: String,
    /// Why the CPU runs instead of WebGPU, if it does.
    pub fallback_reason: Option<String>,
    /// The measurement that chose between WebGPU and the CPU, if one did.
    pub probe: Option<Probe>,
    /// What the model computes in.
    pub precision: Precision,
    /// Threads the CPU path computes on (1 on WebGPU, whose work is the GPU's).
    pub threads: u32,
    /// Why the CPU path runs on one thread where it could use more, in words.
    pub one_thread_because: Option<String>,
}

impl BackendInfo {
    /// Whether inference runs on WebGPU.
    pub fn is_webgpu(&self) -> bool {
        self.fallback_reason.is_none()
    }

    /// The CPU runs although WebGPU works: it was measured faster here.
    pub fn over_webgpu(&self) -> bool {
        !self.is_webgpu() && self.probe.as_ref().is_some_and(Probe::cpu_faster)
    }
}

/// The model now loaded in the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadedModel {
    /// Size of the loaded file.
    pub bytes: u64,
    /// Int8 weights (else fp32, BatchNorm folded).
    pub int8: bool,
    /// Read from Cache Storage rather than the network or a file.
    pub from_cache: bool,
    /// Why a freshly obtained model could not be cached (it is loaded regardless).
    pub not_cached: Option<String>,
    /// Identity of the weights: features of different backbones are not mixed in a project.
    pub backbone: Option<String>,
    /// The preprocessing the weights expect.
    pub preprocessing: Preprocessing,
    /// The device it runs on.
    pub backend: BackendInfo,
    /// Memory in use once loaded.
    pub memory: MemoryFigures,
}

/// A classified photo: the classes, and per top class its activation map over the
/// `side × side` grid of the center crop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifyReply {
    /// Ranked classes, logits and stage timings.
    pub classification: Classification,
    /// Per top class (in rank order), `side × side` activations.
    pub maps: Vec<Vec<f32>>,
    /// Side of the feature grid.
    pub side: u32,
    /// The center crop the model saw.
    pub crop: Pixels,
    /// Memory in use after the pass.
    pub memory: MemoryFigures,
}

/// An example's features and thumbnail.
#[derive(Debug, Serialize, Deserialize)]
pub struct Features {
    /// `views × 2048` pooled features.
    pub features: Vec<f32>,
    /// A small JPEG of the example.
    pub thumbnail: ByteBuf,
}

/// What the worker computed for the user's head on one image.
#[derive(Debug, Serialize, Deserialize)]
pub struct Embedding {
    /// 2048 pooled features.
    pub features: Vec<f32>,
    /// The last feature map, `2048 × side²`.
    pub map: Vec<f32>,
    /// The center crop the model saw.
    pub crop: Pixels,
}

/// A head trained in the worker.
#[derive(Debug, Serialize, Deserialize)]
pub struct Trained {
    /// The head, as a plain linear layer on raw pooled features.
    pub weights: HeadWeights,
    /// Positions (in the training set) of the examples held out for validation.
    pub validation: Vec<usize>,
    /// The confusion matrix on the validation examples, if any were held out.
    pub evaluation: Option<Evaluation>,
    /// Blended with class means (a class had few examples).
    pub few_shot: bool,
    /// Memory in use after training.
    pub memory: MemoryFigures,
}

/// Page → worker: one request and the id its answer will carry.
#[derive(Debug, Serialize, Deserialize)]
pub struct Call<'a> {
    /// Chosen by the page, unique among calls in flight.
    pub id: u32,
    /// What is asked.
    pub request: Request<'a>,
}

/// Worker → page.
#[derive(Debug, Serialize, Deserialize)]
pub enum Message {
    /// The worker runs and has picked its device; requests may come.
    Ready(BackendInfo),
    /// How far a model load has got.
    Progress {
        /// The call it belongs to.
        id: u32,
        /// The stage reached.
        stage: Stage,
    },
    /// The end of a call: its reply's bytes, or why it failed.
    Answer {
        /// The call it answers.
        id: u32,
        /// The reply (postcard bytes of the request's `Ask::Reply`) or the error.
        result: Result<ByteBuf, WorkerError>,
    },
    /// The worker's GPU device was lost (the browser's reason): it cannot answer any more.
    DeviceLost(String),
}

/// Postcard bytes of a message.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).expect("messages are plain data")
}

/// A message from its postcard bytes.
pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, WorkerError> {
    postcard::from_bytes(bytes).map_err(|err| WorkerError::Malformed(err.to_string()))
}
