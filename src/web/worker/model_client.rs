//! The page's client of the model worker: typed calls, and what is loaded now, told to the
//! page as it changes (the page's reactive wrapper is `ui/model_handle.rs`).

use std::borrow::Cow;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use web_sys::Blob;

use super::change::{Change, Notify};
use super::client::{Answer, ModelWorker};
use super::device_request::DeviceRequest;
use super::error::WorkerError;
use super::exports::{Export, ExportFormat, Exported};
use super::helpers::{Helpers, Replay, worker_gone};
use super::protocol::{
    Ask, BackendInfo, Classify, ClassifyReply, Embed, Embedding, ExampleFeatures, Features, ListArchive, Load, LoadFile, LoadedModel, MapExamples,
    MemoryFigures, Pixels, SentImage, TrainAbandon, TrainBegin, TrainEpoch, TrainFinish, Trained,
};
use super::sources::{ModelSource, Stage};
use crate::export::web_page::RUNTIME_PATH;
use crate::train::head::HeadWeights;
use crate::train::map::ExampleMap;
use crate::train::trainer::{EpochMetrics, LabeledFeatures, TrainSettings};
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
    /// An entry of a dataset archive listed with [`ModelClient::list_archive`].
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
    /// The image as the request names it, and the file to send beside the request.
    fn into_sent(self) -> (SentImage, Option<Blob>) {
        match self {
            Self::File(file) => (SentImage::File, Some(file.into())),
            Self::Frame(frame) => (SentImage::Frame(Pixels::of(frame)), None),
            // Without a blob the worker answers that the file did not reach it.
            Self::Encoded(bytes) => (SentImage::File, blob_of(&bytes).ok()),
            Self::ArchiveEntry { file, archive, index } => (SentImage::ArchiveEntry { archive, index }, Some(file.into())),
        }
    }
}

/// A call sent, whose reply (of type `T`) is still to come.
pub struct Pending<T> {
    answer: Result<Answer, WorkerError>,
    reply: PhantomData<T>,
    /// Told when the reply says the worker's GPU device is lost (the main worker's calls).
    notify: Option<Notify>,
}

impl<T: DeserializeOwned> Pending<T> {
    /// Waits for the reply.
    pub async fn reply(self) -> Result<T, WorkerError> {
        let bytes = self.answer?.await.unwrap_or(Err(WorkerError::Stopped)).inspect_err(|error| {
            if let (WorkerError::DeviceLost(_), Some(notify)) = (error, &self.notify) {
                notify(Change::Stopped(Some(error.clone())));
            }
        })?;
        super::protocol::decode(&bytes)
    }
}

/// What `widen` and the batch calls read of the main worker's state.
#[derive(Default)]
struct Status {
    loaded: bool,
    backend: Option<BackendInfo>,
    memory: Option<MemoryFigures>,
}

/// The model worker (and its helpers) as the page calls it; shared as `Rc<ModelClient>`.
pub struct ModelClient {
    worker: RefCell<Option<Rc<ModelWorker>>>,
    /// Why there is no worker, if it could not start.
    failed: RefCell<Option<WorkerError>>,
    /// Helper workers for batches, where the CPU path has one thread.
    helpers: Rc<Helpers>,
    status: Rc<RefCell<Status>>,
    notify: Notify,
}

impl ModelClient {
    /// Starts the worker (it picks its device as `request` asks and waits for a model);
    /// `workers_asked` is the address's `?workers=N`, if any; changes are told to `notify`.
    pub fn start(request: &DeviceRequest, workers_asked: Option<usize>, notify: Notify) -> Rc<Self> {
        let client = Rc::new(Self {
            worker: RefCell::default(),
            failed: RefCell::default(),
            helpers: Helpers::new(workers_asked, notify.clone()),
            status: Rc::default(),
            notify,
        });
        client.restart(request);
        client
    }

    /// Ends the worker, if any, and starts a fresh one with no model: the calls in flight
    /// fail (the old worker's answers are gone with it).
    pub fn restart(&self, request: &DeviceRequest) {
        self.helpers.reset(None);
        self.worker.replace(None);
        *self.status.borrow_mut() = Status::default();
        for change in [Change::Loaded(None), Change::Backend(None), Change::Stopped(None)] {
            (self.notify)(change);
        }
        let (status, on_ready) = (self.status.clone(), self.notify.clone());
        let on_stop = self.notify.clone();
        let started = ModelWorker::start(
            request,
            move |info| {
                status.borrow_mut().backend = Some(info.clone());
                on_ready(Change::Backend(Some(info)));
            },
            move |reason| on_stop(Change::Stopped(Some(reason))),
        );
        match started {
            Ok(worker) => {
                self.worker.replace(Some(Rc::new(worker)));
                self.failed.replace(None);
            }
            Err(reason) => drop(self.failed.replace(Some(reason))),
        }
    }

    /// Sends `request` at once (borrowed data is encoded before this returns), `file` beside
    /// it; the reply is the request's own type.
    fn send<'a, R: Ask<'a>>(&self, request: R, file: Option<Blob>, progress: impl FnMut(Stage) + 'static) -> Pending<R::Reply> {
        let worker = self.worker.borrow().clone();
        let answer = match worker {
            Some(worker) => worker.send(request.into(), file.as_ref(), progress),
            None => Err(self.failed.borrow().clone().unwrap_or(WorkerError::Stopped)),
        };
        Pending { answer, reply: PhantomData, notify: Some(self.notify.clone()) }
    }

    /// Starts helper workers for a batch where they help (the CPU path on one thread, a
    /// model loaded); how many calls the batch may keep in flight.
    pub fn widen(&self) -> usize {
        let status = self.status.borrow();
        let one_thread = status.backend.as_ref().is_some_and(|b| !b.is_webgpu() && b.threads <= 1);
        match status.memory {
            Some(memory) if one_thread && status.loaded => self.helpers.widen(memory.wasm_heap),
            _ => 1,
        }
    }

    /// Sends a batch call to the worker with the fewest in flight; should that be a helper
    /// that is gone, the main worker answers instead. The reply, and whether the main worker
    /// gave it.
    async fn spread<R: Ask<'static> + Clone>(&self, request: R, file: Option<Blob>) -> Result<(R::Reply, bool), WorkerError> {
        let (helper, _busy) = self.helpers.pick();
        if let Some(helper) = helper {
            let answer = helper.send(request.clone().into(), file.as_ref());
            match (Pending { answer, reply: PhantomData, notify: None }).reply().await {
                Err(error) if worker_gone(&error) => self.helpers.drop_out(&helper),
                reply => {
                    self.helpers.count_answer();
                    return reply.map(|reply| (reply, false));
                }
            }
        }
        Ok((self.send(request, file, |_| {}).reply().await?, true))
    }

    /// Obtains and loads `source` in the worker (the current model stays if it fails).
    pub async fn load(&self, mut source: ModelSource, progress: impl FnMut(Stage) + 'static) -> Result<LoadedModel, WorkerError> {
        source.url = absolute_url(&source.url);
        let previous = self.helpers.reset(None);
        let loaded = self.send(Load(source.clone()), None, progress).reply().await.inspect_err(|_| drop(self.helpers.reset(previous)))?;
        // A helper replays the load from the cache; without a cached copy it would download it again.
        let replay = loaded.not_cached.is_none().then_some(Replay::Source(source));
        self.helpers.reset(replay);
        Ok(self.adopt(loaded))
    }

    /// Stops the model download in progress (its load fails, saying so).
    pub fn cancel_download(&self) {
        if let Some(worker) = self.worker.borrow().as_ref() {
            worker.cancel_download();
        }
    }

    /// Loads weights from a file the user gave (read in the worker).
    pub async fn load_file(&self, file: web_sys::File) -> Result<LoadedModel, WorkerError> {
        let previous = self.helpers.reset(None);
        let loaded =
            self.send(LoadFile { name: file.name() }, Some(file.clone().into()), |_| {}).reply().await.inspect_err(|_| drop(self.helpers.reset(previous)))?;
        self.helpers.reset(Some(Replay::File(file)));
        Ok(self.adopt(loaded))
    }

    fn adopt(&self, mut loaded: LoadedModel) -> LoadedModel {
        if let Some(worker) = self.worker.borrow().as_ref() {
            worker.explain_threads(&mut loaded.backend);
        }
        *self.status.borrow_mut() = Status { loaded: true, backend: Some(loaded.backend.clone()), memory: Some(loaded.memory) };
        for change in [Change::Backend(Some(loaded.backend.clone())), Change::Loaded(Some(loaded.clone())), Change::Memory(loaded.memory)] {
            (self.notify)(change);
        }
        loaded
    }

    fn remember_memory(&self, memory: MemoryFigures) {
        self.status.borrow_mut().memory = Some(memory);
        (self.notify)(Change::Memory(memory));
    }

    /// The top-`k` ImageNet classes of an image, with timings and activation maps.
    pub async fn classify(&self, image: Image, k: usize) -> Result<ClassifyReply, WorkerError> {
        let (image, file) = image.into_sent();
        let (classified, by_main) = self.spread(Classify { image, k }, file).await?;
        // The figures shown are the main worker's.
        if by_main {
            self.remember_memory(classified.memory);
        }
        Ok(classified)
    }

    /// Features of an example's views and its JPEG thumbnail.
    pub async fn example_features(&self, image: Image, augment: bool, seed: u64) -> Result<(Vec<f32>, Vec<u8>), WorkerError> {
        let (image, file) = image.into_sent();
        let (Features { features, thumbnail }, _) = self.spread(ExampleFeatures { image, augment, seed }, file).await?;
        Ok((features, thumbnail.into_vec()))
    }

    /// Features, feature map and center crop of an image, for the user's head.
    pub async fn embed(&self, image: Image) -> Result<Embedding, WorkerError> {
        let (image, file) = image.into_sent();
        self.send(Embed { image }, file, |_| {}).reply().await
    }

    /// The paths of a dataset archive's entries; `archive` names it in later
    /// [`Image::ArchiveEntry`] calls (a new id for each file the user picks).
    pub async fn list_archive(&self, file: web_sys::File, archive: u64) -> Result<Vec<String>, WorkerError> {
        self.send(ListArchive { archive }, Some(file.into()), |_| {}).reply().await
    }

    /// The map of examples given as feature rows (one 2048-d view each) with their class
    /// positions, and those possibly mislabelled.
    pub fn map_examples(&self, rows: Vec<&[f32]>, labels: Vec<usize>) -> Pending<ExampleMap> {
        self.send(MapExamples { rows: rows.into_iter().map(Cow::Borrowed).collect(), labels }, None, |_| {})
    }

    /// Sends a training set to the worker; the reply is the number of training rows.
    pub fn train_begin(&self, examples: Vec<LabeledFeatures<'_>>, names: Vec<String>, settings: TrainSettings) -> Pending<usize> {
        self.send(TrainBegin { examples, names, settings }, None, |_| {})
    }

    /// One epoch of the training begun.
    pub async fn train_epoch(&self) -> Result<EpochMetrics, WorkerError> {
        self.send(TrainEpoch, None, |_| {}).reply().await
    }

    /// The trained head; the worker drops its trainer.
    pub async fn train_finish(&self) -> Result<Trained, WorkerError> {
        let trained = self.send(TrainFinish, None, |_| {}).reply().await?;
        self.remember_memory(trained.memory);
        Ok(trained)
    }

    /// Drops the training begun.
    pub async fn train_abandon(&self) {
        let _ = self.send(TrainAbandon, None, |_| {}).reply().await;
    }

    /// A head (its weights, class names and "not sure" threshold) on the loaded backbone,
    /// written in `format`.
    pub fn export(&self, head: HeadWeights, classes: Vec<String>, not_sure_below: f32, format: ExportFormat) -> Pending<Exported> {
        let runtime = (format == ExportFormat::WebPage).then(|| absolute_url(RUNTIME_PATH));
        self.send(Export { format, head, classes, not_sure_below, runtime }, None, |_| {})
    }
}
