//! What the worker holds between calls — the compute device, the loaded classifier and a
//! training in progress — and how it answers each request.

use serde_bytes::ByteBuf;
use web_sys::Blob;

use super::blob_reader::{BlobReader, read_whole};
use super::device::ComputeDevice;
use super::device_request::DeviceRequest;
use super::error::WorkerError;
use super::exports::{self, Export, Exported};
use super::protocol::{
    Ask, BackendInfo, Classify, ClassifyReply, Embed, Embedding, ExampleFeatures, Features, ListArchive, Load, LoadFile, LoadedModel, MapExamples,
    MemoryFigures, Pixels, Request, SentImage, TrainAbandon, TrainBegin, TrainEpoch, TrainFinish, Trained, encode,
};
use super::sources::{ModelSource, SourceError, Stage, obtain};
use super::{memory, model_cache, pick_device};
use crate::dataset::archive::DatasetArchive;
use crate::engine::{Classifier, EngineError};
use crate::model::precision::Precision;
use crate::model::quant::is_int8;
use crate::model::readback::DeviceError;
use crate::train::labeled::TrainError;
use crate::train::map::map_examples;
use crate::train::trainer::{EpochMetrics, Trainer};
use crate::vision::preprocess::{decode, preprocess, resize_and_crop};
use crate::vision::views::thumbnail;
use crate::web::platform::download::DownloadError;
use crate::web::platform::files::read_blob;

/// The worker's state between calls.
pub struct WorkerState {
    device: ComputeDevice,
    classifier: Option<Classifier>,
    trainer: Option<Trainer>,
    /// The dataset archive last listed or read from, by the page's id for it.
    archive: Option<(u64, DatasetArchive<BlobReader>)>,
    /// Where the loaded model's bytes came from, to read them again for an export.
    origin: Option<Origin>,
}

/// Where a loaded model's bytes came from.
enum Origin {
    /// A model source: its bytes are in Cache Storage (or obtained again).
    Source(ModelSource),
    /// The user's file (a reference: nothing is kept in memory).
    File(Blob),
}

/// An image as a call brought it: a file's bytes, or decoded pixels.
enum ReceivedImage {
    Encoded(Vec<u8>),
    Decoded(image::RgbImage),
}

/// The reply of request type `R`, encoded for the page.
fn reply<'a, R: Ask<'a>>(result: Result<R::Reply, WorkerError>) -> Result<ByteBuf, WorkerError> {
    result.map(|reply| ByteBuf::from(encode(&reply)))
}

/// Bad images are the user's to fix; a lost device needs a new worker; anything else is
/// the device's.
fn compute_error(error: EngineError) -> WorkerError {
    match error {
        EngineError::Image(error) => WorkerError::Image(error.to_string()),
        EngineError::Device(DeviceError::Lost(reason)) => WorkerError::DeviceLost(reason),
        other => WorkerError::Compute(other.to_string()),
    }
}

fn training_error(error: TrainError) -> WorkerError {
    match error {
        TrainError::Device(DeviceError::Lost(reason)) => WorkerError::DeviceLost(reason),
        other => WorkerError::Compute(other.to_string()),
    }
}

impl WorkerState {
    /// Picks the device the page asks for; no model yet.
    pub async fn start(request: DeviceRequest) -> Self {
        Self { device: pick_device(request).await, classifier: None, trainer: None, archive: None, origin: None }
    }

    /// The device in words.
    pub fn backend(&self) -> BackendInfo {
        self.device.info()
    }

    /// Answers one call; `file` is the `Blob` sent with it, `progress` hears a load's stages.
    pub async fn answer(&mut self, request: Request<'static>, file: Option<Blob>, progress: impl FnMut(Stage)) -> Result<ByteBuf, WorkerError> {
        match request {
            Request::Load(Load(source)) => reply::<Load>(self.load_source(source, progress).await),
            Request::LoadFile(LoadFile { name }) => reply::<LoadFile>(self.load_file(name, file).await),
            Request::Classify(Classify { image, k }) => reply::<Classify>(self.classify(image, file, k).await),
            Request::ExampleFeatures(request) => reply::<ExampleFeatures>(self.example_features(request, file).await),
            Request::Embed(request) => reply::<Embed>(self.embed(request.image, file).await),
            Request::MapExamples(request) => reply::<MapExamples>({
                let rows: Vec<&[f32]> = request.rows.iter().map(|r| &r[..]).collect();
                Ok(map_examples(&rows, &request.labels))
            }),
            Request::ListArchive(ListArchive { archive }) => reply::<ListArchive>(self.open_archive(archive, file).map(|a| a.paths())),
            Request::TrainBegin(request) => reply::<TrainBegin>(self.train_begin(request)),
            Request::TrainEpoch(_) => reply::<TrainEpoch>(self.train_epoch().await),
            Request::TrainFinish(_) => reply::<TrainFinish>(self.train_finish().await),
            Request::Export(request) => reply::<Export>(self.export(request).await),
            Request::TrainAbandon(_) => reply::<TrainAbandon>({
                self.trainer = None;
                Ok(())
            }),
        }
    }

    fn classifier(&self) -> Result<&Classifier, WorkerError> {
        self.classifier.as_ref().ok_or(WorkerError::ModelLoading)
    }

    fn memory(&self) -> MemoryFigures {
        memory::read(&self.device.device)
    }

    /// Obtains `source` and loads it; it is cached once it has loaded. A cached copy that no
    /// longer loads is removed.
    async fn load_source(&mut self, source: ModelSource, mut progress: impl FnMut(Stage)) -> Result<LoadedModel, WorkerError> {
        let failed = |reason: String| WorkerError::Model { name: source.name.clone(), reason };
        let obtained = obtain(&source, &mut progress).await.map_err(|error| match error {
            SourceError::Download(DownloadError::Cancelled) => WorkerError::Cancelled { name: source.name.clone() },
            other => failed(other.to_string()),
        })?;
        progress(Stage::Preparing);
        let mut loaded = self.load(&obtained.int8, obtained.from_cache).await;
        match &mut loaded {
            // The model is loaded either way; a full or blocked cache only costs the next visit a download.
            Ok(model) if !obtained.from_cache => model.not_cached = model_cache::put(&obtained.cache_key, &obtained.int8).await.err().map(String::from),
            Err(_) if obtained.from_cache => {
                model_cache::delete(&obtained.cache_key).await.ok();
            }
            _ => {}
        }
        if loaded.is_ok() {
            self.origin = Some(Origin::Source(source.clone()));
        }
        loaded.map_err(|error| failed(error.to_string()))
    }

    async fn load_file(&mut self, name: String, file: Option<Blob>) -> Result<LoadedModel, WorkerError> {
        let file = file.ok_or(WorkerError::MissingFile)?;
        let loaded = match read_blob(&file).await {
            Ok(bytes) => self.load(&bytes, false).await.map_err(|error| error.to_string()),
            Err(reason) => Err(reason.into()),
        };
        if loaded.is_ok() {
            self.origin = Some(Origin::File(file));
        }
        loaded.map_err(|reason| WorkerError::Model { name, reason })
    }

    /// The classifier in another format, written from the loaded model's bytes read again.
    async fn export(&self, request: Export) -> Result<Exported, WorkerError> {
        let started = js_sys::Date::now();
        let preprocessing = self.classifier()?.preprocessing().clone();
        let bytes = match &self.origin {
            Some(Origin::Source(source)) => {
                obtain(source, |_| {}).await.map_err(|reason| WorkerError::Model { name: source.name.clone(), reason: reason.to_string() })?.int8
            }
            Some(Origin::File(file)) => read_blob(file).await.map_err(|reason| WorkerError::Model { name: "the model file".into(), reason: reason.into() })?,
            None => return Err(WorkerError::ModelLoading),
        };
        let runtime = match &request.runtime {
            Some(base) => exports::fetch_runtime(base).await?,
            None => Vec::new(),
        };
        let bytes = exports::write(&bytes, preprocessing, &request, runtime)?;
        Ok(Exported { bytes: ByteBuf::from(bytes), ms: js_sys::Date::now() - started })
    }

    /// Builds the classifier and warms it up, replacing the current one only on success; if
    /// f16 fails on WebGPU, f32 is tried there, and if WebGPU fails, the CPU takes over.
    async fn load(&mut self, bytes: &[u8], from_cache: bool) -> Result<LoadedModel, EngineError> {
        let mut prepared = prepare_on(bytes, &self.device).await;
        if let Err(EngineError::Device(DeviceError::Failed(_))) = &prepared
            && self.device.precision != Precision::F32
        {
            self.device.precision = Precision::F32;
            prepared = prepare_on(bytes, &self.device).await;
        }
        let classifier = match prepared {
            Err(EngineError::Device(DeviceError::Failed(reason) | DeviceError::Lost(reason))) if self.device.is_webgpu() => {
                let cpu = ComputeDevice::cpu(format!("WebGPU failed while loading the model: {reason}"));
                let classifier = prepare_on(bytes, &cpu).await?;
                self.trainer = None;
                self.device = cpu;
                classifier
            }
            result => result?,
        };
        let (backbone, preprocessing) = (classifier.backbone().map(str::to_string), classifier.preprocessing().clone());
        self.classifier = Some(classifier);
        self.device.device.memory_cleanup();
        Ok(LoadedModel {
            bytes: bytes.len() as u64,
            int8: is_int8(bytes),
            from_cache,
            not_cached: None,
            backbone,
            preprocessing,
            backend: self.device.info(),
            memory: self.memory(),
        })
    }

    async fn classify(&mut self, image: SentImage, file: Option<Blob>, k: usize) -> Result<ClassifyReply, WorkerError> {
        let received = self.receive(image, file).await?;
        let classifier = self.classifier()?;
        let classified = match received {
            ReceivedImage::Encoded(bytes) => classifier.look_at(&bytes, k).await,
            ReceivedImage::Decoded(image) => classifier.look_at_image(image, 0.0, k).await,
        }
        .map_err(compute_error)?;
        Ok(ClassifyReply {
            classification: classified.classification,
            side: classified.side,
            maps: classified.maps,
            crop: Pixels::of(classified.crop),
            memory: self.memory(),
        })
    }

    async fn example_features(&mut self, request: ExampleFeatures, file: Option<Blob>) -> Result<Features, WorkerError> {
        let image = decoded(self.receive(request.image, file).await?)?;
        let features = self.classifier()?.example_features(&image, request.augment, request.seed).await.map_err(compute_error)?;
        Ok(Features { features, thumbnail: ByteBuf::from(thumbnail(&image)) })
    }

    async fn embed(&mut self, image: SentImage, file: Option<Blob>) -> Result<Embedding, WorkerError> {
        let image = decoded(self.receive(image, file).await?)?;
        let classifier = self.classifier()?;
        let p = classifier.preprocessing().clone();
        let (features, map) = classifier.features_and_map(preprocess(&image, &p)).await.map_err(compute_error)?;
        Ok(Embedding { features, map, crop: Pixels::of(resize_and_crop(&image, &p)) })
    }

    /// The image a call brought: the attached file's bytes, an archive entry's, or the frame's pixels.
    async fn receive(&mut self, image: SentImage, file: Option<Blob>) -> Result<ReceivedImage, WorkerError> {
        match image {
            // The page names the file in its message.
            SentImage::File => read_whole(&file.ok_or(WorkerError::MissingFile)?).map(ReceivedImage::Encoded).map_err(|e| WorkerError::Image(e.to_string())),
            SentImage::Frame(pixels) => pixels.into_image().map(ReceivedImage::Decoded).ok_or(WorkerError::BadFrame),
            SentImage::ArchiveEntry { archive, index } => {
                self.open_archive(archive, file)?.read(index as usize).map(ReceivedImage::Encoded).map_err(WorkerError::Image)
            }
        }
    }

    /// The archive the page calls `id`, opened from `file` unless it is the one open already.
    fn open_archive(&mut self, id: u64, file: Option<Blob>) -> Result<&mut DatasetArchive<BlobReader>, WorkerError> {
        if self.archive.as_ref().is_none_or(|(open, _)| *open != id) {
            self.archive = None;
            let reader = BlobReader::new(file.ok_or(WorkerError::MissingFile)?).map_err(|e| WorkerError::Image(e.to_string()))?;
            self.archive = Some((id, DatasetArchive::open(reader).map_err(WorkerError::Image)?));
        }
        Ok(&mut self.archive.as_mut().expect("opened above").1)
    }

    fn train_begin(&mut self, request: TrainBegin<'static>) -> Result<usize, WorkerError> {
        let trainer = Trainer::new(&request.examples, &request.names, request.settings, &self.device.device).map_err(training_error)?;
        let rows = trainer.rows();
        self.trainer = Some(trainer);
        Ok(rows)
    }

    async fn train_epoch(&mut self) -> Result<EpochMetrics, WorkerError> {
        let trainer = self.trainer.as_mut().ok_or(WorkerError::NoTraining)?;
        trainer.epoch().await.map_err(training_error)
    }

    async fn train_finish(&mut self) -> Result<Trained, WorkerError> {
        let mut trainer = self.trainer.take().ok_or(WorkerError::NoTraining)?;
        let weights = trainer.calibrated_weights().await.map_err(training_error)?;
        let (validation, evaluation, few_shot) = (trainer.split().validation.clone(), trainer.evaluation().cloned(), trainer.is_few_shot());
        drop(trainer);
        Ok(Trained { weights, validation, evaluation, few_shot, memory: self.memory() })
    }
}

fn decoded(received: ReceivedImage) -> Result<image::RgbImage, WorkerError> {
    match received {
        ReceivedImage::Encoded(bytes) => decode(&bytes).map_err(|e| WorkerError::Image(e.to_string())),
        ReceivedImage::Decoded(image) => Ok(image),
    }
}

async fn prepare_on(bytes: &[u8], device: &ComputeDevice) -> Result<Classifier, EngineError> {
    let classifier = Classifier::from_weights(bytes, &device.device)?.in_precision(device.precision);
    classifier.warm_up().await?;
    Ok(classifier)
}
