//! The page's handle on the model worker: typed calls, and what is loaded now.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::rc::Rc;

use leptos::prelude::*;
use serde::de::DeserializeOwned;
use web_sys::Blob;

use super::client::{Answer, ModelWorker};
use super::device_request::DeviceRequest;
use super::error::WorkerError;
use super::exports::{Export, ExportFormat, Exported};
use super::helpers::{Helpers, Replay, worker_gone};
use super::protocol::{
    Ask, BackendInfo, ClassifiedImage, Classify, ExampleFeatures, Features, ListArchive, Load, LoadFile, LoadedModel, Look, Looked, MapExamples, MemoryFigures,
    Picture, Pixels, TrainAbandon, TrainBegin, TrainEpoch, TrainExample, TrainFinish, Trained,
};
use super::sources::{ModelSource, Stage};
use crate::export::web_page::RUNTIME_PATH;
use crate::model::arch::FEATURE_DIM;
use crate::train::map::ExampleMap;
use crate::train::project::Project;
use crate::train::trainer::EpochMetrics;
use crate::web::platform::files::blob_of;
use crate::web::platform::scope::absolute_url;

/// An image the page hands to the worker.
pub enum Image {
    /// A file the user chose, dropped or pasted: it crosses as a `Blob` and is read in the worker.
    File(web_sys::File),
    /// A camera frame, already decoded.
    Frame(image::RgbImage),
    /// Encoded image bytes the page holds (an example's thumbnail); sent as a `Blob`.
    Encoded(Vec<u8>),
    /// An entry of a dataset archive listed with [`ModelHandle::list_archive`].
    ArchiveEntry {
        /// The archive file.
        file: web_sys::File,
        /// The id it was listed under.
        archive: u64,
        /// The entry's index.
        index: u32,
    },
}

impl Image {
    /// The picture as the request names it, and the file to send beside the request.
    fn into_picture(self) -> (Picture, Option<Blob>) {
        match self {
            Self::File(file) => (Picture::File, Some(file.into())),
            Self::Frame(frame) => (Picture::Frame(Pixels::of(frame)), None),
            // Without a blob the worker answers that the file did not reach it.
            Self::Encoded(bytes) => (Picture::File, blob_of(&bytes).ok()),
            Self::ArchiveEntry { file, archive, index } => (Picture::ArchiveEntry { archive, index }, Some(file.into())),
        }
    }
}

/// A call sent, whose reply (of type `T`) is still to come.
pub struct Pending<T> {
    answer: Result<Answer, WorkerError>,
    reply: PhantomData<T>,
    /// Told when the reply says the worker's GPU device is lost (the main worker's calls).
    stopped: Option<RwSignal<Option<WorkerError>>>,
}

impl<T: DeserializeOwned> Pending<T> {
    /// Waits for the reply.
    pub async fn reply(self) -> Result<T, WorkerError> {
        let bytes = self.answer?.await.unwrap_or(Err(WorkerError::Stopped)).inspect_err(|error| {
            if let (WorkerError::DeviceLost(_), Some(stopped)) = (error, self.stopped) {
                stopped.set(Some(error.clone()));
            }
        })?;
        super::protocol::decode(&bytes)
    }
}

/// `Copy` handle shared by the page's parts.
#[derive(Clone, Copy)]
pub struct ModelHandle {
    worker: StoredValue<Option<Rc<ModelWorker>>, LocalStorage>,
    /// Why there is no worker, if it could not start.
    failed: StoredValue<Option<WorkerError>>,
    /// Helper workers for batches, where the CPU path has one thread.
    helpers: StoredValue<Rc<Helpers>, LocalStorage>,
    /// Workers a batch is spread over now (the main one and the helpers loaded).
    pub workers: RwSignal<usize>,
    /// Batch calls the helpers have answered since the model was loaded.
    pub helpers_answered: RwSignal<usize>,
    /// The model the worker has loaded; `None` until the first load succeeds.
    pub loaded: RwSignal<Option<LoadedModel>>,
    /// The device the worker computes on; `None` until it has picked one.
    pub backend: RwSignal<Option<BackendInfo>>,
    /// The worker's memory after its last load, classification or training.
    pub memory: RwSignal<Option<MemoryFigures>>,
    /// Why the worker stopped answering, once it has (see [`Self::restart`]).
    pub stopped: RwSignal<Option<WorkerError>>,
}

impl ModelHandle {
    /// Starts the worker (it picks its device as `request` asks and waits for a model);
    /// `workers_asked` is the address's `?workers=N`, if any.
    pub fn start(request: &DeviceRequest, workers_asked: Option<usize>) -> Self {
        let helpers = Helpers::new(workers_asked);
        let handle = Self {
            worker: StoredValue::new_local(None),
            failed: StoredValue::new(None),
            workers: helpers.workers,
            helpers_answered: helpers.answered,
            helpers: StoredValue::new_local(helpers),
            loaded: RwSignal::new(None),
            backend: RwSignal::new(None),
            memory: RwSignal::new(None),
            stopped: RwSignal::new(None),
        };
        handle.restart(request);
        handle
    }

    /// Ends the worker, if any, and starts a fresh one with no model: the calls in flight
    /// fail (the old worker's answers are gone with it).
    pub fn restart(self, request: &DeviceRequest) {
        let (backend, stopped) = (self.backend, self.stopped);
        self.helpers.with_value(|h| h.reset(None));
        self.worker.set_value(None);
        self.loaded.set(None);
        self.backend.set(None);
        self.stopped.set(None);
        match ModelWorker::start(request, move |info| backend.set(Some(info)), move |reason| stopped.set(Some(reason))) {
            Ok(worker) => {
                self.worker.set_value(Some(Rc::new(worker)));
                self.failed.set_value(None);
            }
            Err(reason) => self.failed.set_value(Some(reason)),
        }
    }

    /// Sends `request` at once (borrowed data is encoded before this returns), `file` beside
    /// it; the reply is the request's own type.
    fn send<'a, R: Ask<'a>>(self, request: R, file: Option<Blob>, progress: impl FnMut(Stage) + 'static) -> Pending<R::Reply> {
        let answer = match self.worker.get_value() {
            Some(worker) => worker.send(request.into(), file.as_ref(), progress),
            None => Err(self.failed.get_value().unwrap_or(WorkerError::Stopped)),
        };
        Pending { answer, reply: PhantomData, stopped: Some(self.stopped) }
    }

    /// Starts helper workers for a batch where they help (the CPU path on one thread, a
    /// model loaded); how many calls the batch may keep in flight.
    pub fn widen(self) -> usize {
        let one_thread = self.backend.get_untracked().is_some_and(|b| !b.is_webgpu() && b.threads <= 1);
        match self.memory.get_untracked() {
            Some(memory) if one_thread && self.loaded.get_untracked().is_some() => self.helpers.with_value(|h| h.widen(memory.wasm_heap)),
            _ => 1,
        }
    }

    /// Sends a batch call to the worker with the fewest in flight; should that be a helper
    /// that is gone, the main worker answers instead. The reply, and whether the main worker
    /// gave it.
    async fn spread<R: Ask<'static> + Clone>(self, request: R, file: Option<Blob>) -> Result<(R::Reply, bool), WorkerError> {
        let (helper, _busy) = self.helpers.with_value(|h| h.pick());
        if let Some(helper) = helper {
            let answer = helper.send(request.clone().into(), file.as_ref());
            match (Pending { answer, reply: PhantomData, stopped: None }).reply().await {
                Err(error) if worker_gone(&error) => self.helpers.with_value(|h| h.drop_out(&helper)),
                reply => {
                    self.helpers_answered.update(|n| *n += 1);
                    return reply.map(|reply| (reply, false));
                }
            }
        }
        Ok((self.send(request, file, |_| {}).reply().await?, true))
    }

    /// Obtains and loads `source` in the worker (the current model stays if it fails).
    pub async fn load(self, mut source: ModelSource, progress: impl FnMut(Stage) + 'static) -> Result<LoadedModel, WorkerError> {
        source.url = absolute_url(&source.url);
        let previous = self.helpers.with_value(|h| h.reset(None));
        let loaded = self.send(Load(source.clone()), None, progress).reply().await.inspect_err(|_| self.helpers.with_value(|h| drop(h.reset(previous))))?;
        // A helper replays the load from the cache; without a cached copy it would download it again.
        let replay = loaded.not_cached.is_none().then_some(Replay::Source(source));
        self.helpers.with_value(|h| h.reset(replay));
        Ok(self.adopt(loaded))
    }

    /// Stops the model download in progress (its load fails, saying so).
    pub fn cancel_download(self) {
        if let Some(worker) = self.worker.get_value() {
            worker.cancel_download();
        }
    }

    /// Loads weights from a file the user gave (read in the worker).
    pub async fn load_file(self, file: web_sys::File) -> Result<LoadedModel, WorkerError> {
        let previous = self.helpers.with_value(|h| h.reset(None));
        let loaded = self
            .send(LoadFile { name: file.name() }, Some(file.clone().into()), |_| {})
            .reply()
            .await
            .inspect_err(|_| self.helpers.with_value(|h| drop(h.reset(previous))))?;
        self.helpers.with_value(|h| h.reset(Some(Replay::File(file))));
        Ok(self.adopt(loaded))
    }

    fn adopt(self, mut loaded: LoadedModel) -> LoadedModel {
        if let Some(worker) = self.worker.get_value() {
            worker.explain_threads(&mut loaded.backend);
        }
        self.backend.set(Some(loaded.backend.clone()));
        self.loaded.set(Some(loaded.clone()));
        self.memory.set(Some(loaded.memory));
        loaded
    }

    /// The top-`k` ImageNet classes of an image, with timings and activation maps.
    pub async fn classify(self, image: Image, k: usize) -> Result<ClassifiedImage, WorkerError> {
        let (picture, file) = image.into_picture();
        let (classified, by_main) = self.spread(Classify { picture, k }, file).await?;
        // The figures shown are the main worker's.
        if by_main {
            self.memory.set(Some(classified.memory));
        }
        Ok(classified)
    }

    /// Features of an example's views and its JPEG thumbnail.
    pub async fn example_features(self, image: Image, augment: bool, seed: u64) -> Result<(Vec<f32>, Vec<u8>), WorkerError> {
        let (picture, file) = image.into_picture();
        let (Features { features, thumbnail }, _) = self.spread(ExampleFeatures { picture, augment, seed }, file).await?;
        Ok((features, thumbnail.into_vec()))
    }

    /// Features, feature map and center crop of an image, for the user's head.
    pub async fn look(self, image: Image) -> Result<Looked, WorkerError> {
        let (picture, file) = image.into_picture();
        self.send(Look { picture }, file, |_| {}).reply().await
    }

    /// The paths of a dataset archive's entries; `archive` names it in later
    /// [`Image::ArchiveEntry`] calls (a new id for each file the user picks).
    pub async fn list_archive(self, file: web_sys::File, archive: u64) -> Result<Vec<String>, WorkerError> {
        self.send(ListArchive { archive }, Some(file.into()), |_| {}).reply().await
    }

    /// The map of the project's examples (by their first view) and those possibly
    /// mislabelled; with the examples' ids in the map's order.
    pub fn map_examples(self, project: &Project) -> (Vec<u64>, Pending<ExampleMap>) {
        let positions: Vec<u32> = project.classes.iter().map(|c| c.id).collect();
        let examples: Vec<_> = project
            .examples
            .iter()
            .filter(|e| e.features.len() >= FEATURE_DIM)
            .filter_map(|e| Some((e, positions.iter().position(|&c| c == e.class)?)))
            .collect();
        let request = MapExamples {
            rows: examples.iter().map(|(e, _)| Cow::Borrowed(&e.features[..FEATURE_DIM])).collect(),
            labels: examples.iter().map(|(_, c)| *c).collect(),
        };
        let ids = examples.iter().map(|(e, _)| e.id).collect();
        (ids, self.send(request, None, |_| {}))
    }

    /// Sends the project's training set to the worker; the reply is the number of training rows.
    pub fn train_begin(self, project: &Project) -> Pending<usize> {
        let (examples, names, _) = project.training_set();
        let examples = examples.iter().map(|e| TrainExample { class: e.class, views: Cow::Borrowed(e.views) }).collect();
        self.send(TrainBegin { examples, names, settings: project.settings.clone() }, None, |_| {})
    }

    /// One epoch of the training begun.
    pub async fn train_epoch(self) -> Result<EpochMetrics, WorkerError> {
        self.send(TrainEpoch, None, |_| {}).reply().await
    }

    /// The trained head; the worker drops its trainer.
    pub async fn train_finish(self) -> Result<Trained, WorkerError> {
        let trained = self.send(TrainFinish, None, |_| {}).reply().await?;
        self.memory.set(Some(trained.memory));
        Ok(trained)
    }

    /// Drops the training begun.
    pub async fn train_abandon(self) {
        let _ = self.send(TrainAbandon, None, |_| {}).reply().await;
    }

    /// The project's current head on the loaded backbone, written in `format`.
    pub fn export(self, project: &Project, format: ExportFormat) -> Result<Pending<Exported>, WorkerError> {
        let Some(head) = project.current_head() else { return Err(WorkerError::NothingTrained) };
        let classes = project.class_names(&head.record.class_ids);
        let runtime = (format == ExportFormat::WebPage).then(|| absolute_url(RUNTIME_PATH));
        Ok(self.send(Export { format, head: head.weights.clone(), classes, not_sure_below: head.not_sure_below(), runtime }, None, |_| {}))
    }
}
