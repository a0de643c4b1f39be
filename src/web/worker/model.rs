//! The page's handle on the model in the worker: typed requests, and what is loaded now.

use std::borrow::Cow;
use std::rc::Rc;

use leptos::prelude::*;
use serde_bytes::ByteBuf;

use crate::train::head::HeadWeights;
use crate::train::project::Project;
use crate::train::trainer::{EpochMetrics, Evaluation};

use super::super::memory::MemoryFigures;
use super::super::models::{ModelSource, Stage, absolute};
use super::client::{Answer, ModelWorker};
use super::protocol::{BackendInfo, ClassifiedImage, LoadedModel, Picture, Reply, Request, TrainExample};

/// A head trained in the worker.
pub struct Trained {
    pub weights: HeadWeights,
    /// Positions (in the training set) of the examples held out for validation.
    pub validation: Vec<usize>,
    pub evaluation: Option<Evaluation>,
    pub memory: MemoryFigures,
}

/// What the worker computed for the user's head on one image.
pub struct Looked {
    pub features: Vec<f32>,
    pub map: Vec<f32>,
    pub crop: image::RgbImage,
}

/// `Copy` handle shared by the page's parts.
#[derive(Clone, Copy)]
pub struct Model {
    worker: StoredValue<Option<Rc<ModelWorker>>, LocalStorage>,
    /// Why there is no worker, if it could not start.
    failed: StoredValue<Option<String>>,
    /// The model the worker has loaded; `None` until the first load succeeds.
    pub loaded: RwSignal<Option<LoadedModel>>,
    /// The device the worker computes on; `None` until it has picked one.
    pub backend: RwSignal<Option<BackendInfo>>,
}

fn unexpected(reply: Reply) -> String {
    format!("the model worker gave an unexpected answer: {reply:?}")
}

async fn reply(sent: Result<Answer, String>) -> Result<Reply, String> {
    sent?.await.unwrap_or_else(|_| Err("the model worker stopped".into()))
}

impl Model {
    pub fn start() -> Self {
        let backend = RwSignal::new(None);
        let (worker, failed) = match ModelWorker::start(move |info| backend.set(Some(info))) {
            Ok(worker) => (Some(Rc::new(worker)), None),
            Err(reason) => (None, Some(reason)),
        };
        Self { worker: StoredValue::new_local(worker), failed: StoredValue::new(failed), loaded: RwSignal::new(None), backend }
    }

    /// Sends `request` at once (borrowed data is encoded before this returns).
    fn send(self, request: Request<'_>, progress: impl FnMut(Stage) + 'static) -> Result<Answer, String> {
        match self.worker.get_value() {
            Some(worker) => worker.send(request, progress),
            None => Err(self.failed.get_value().unwrap_or_default()),
        }
    }

    async fn call(self, request: Request<'_>, progress: impl FnMut(Stage) + 'static) -> Result<Reply, String> {
        reply(self.send(request, progress)).await
    }

    /// Obtains and loads `source` in the worker (the current model stays if it fails).
    pub async fn load(self, mut source: ModelSource, progress: impl FnMut(Stage) + 'static) -> Result<LoadedModel, String> {
        source.url = absolute(&source.url);
        match self.call(Request::Load(source), progress).await? {
            Reply::Loaded(loaded) => Ok(self.adopt(loaded)),
            other => Err(unexpected(other)),
        }
    }

    pub async fn load_file(self, name: String, bytes: Vec<u8>) -> Result<LoadedModel, String> {
        match self.call(Request::LoadFile { name, bytes: ByteBuf::from(bytes) }, |_| {}).await? {
            Reply::Loaded(loaded) => Ok(self.adopt(loaded)),
            other => Err(unexpected(other)),
        }
    }

    fn adopt(self, loaded: LoadedModel) -> LoadedModel {
        self.backend.set(Some(loaded.backend.clone()));
        self.loaded.set(Some(loaded.clone()));
        loaded
    }

    pub async fn classify(self, picture: Picture, k: usize) -> Result<ClassifiedImage, String> {
        match self.call(Request::Classify { picture, k }, |_| {}).await? {
            Reply::Classified(classified) => Ok(classified),
            other => Err(unexpected(other)),
        }
    }

    /// Features of an example's views and its JPEG thumbnail.
    pub async fn example_features(self, picture: Picture, augment: bool, seed: u64) -> Result<(Vec<f32>, Vec<u8>), String> {
        match self.call(Request::ExampleFeatures { picture, augment, seed }, |_| {}).await? {
            Reply::Features { features, thumbnail } => Ok((features, thumbnail.into_vec())),
            other => Err(unexpected(other)),
        }
    }

    pub async fn look(self, picture: Picture) -> Result<Looked, String> {
        match self.call(Request::Look { picture }, |_| {}).await? {
            Reply::Looked { features, map, crop } => {
                Ok(Looked { features, map, crop: crop.into_rgb().ok_or("the worker sent a malformed crop")? })
            }
            other => Err(unexpected(other)),
        }
    }

    /// Sends the project's training set to the worker; returns the number of training rows.
    pub fn train_begin(self, project: &Project) -> impl Future<Output = Result<usize, String>> + use<> {
        let (examples, names, _) = project.training_set();
        let examples = examples.iter().map(|e| TrainExample { class: e.class, views: Cow::Borrowed(e.views) }).collect();
        let sent = self.send(Request::TrainBegin { examples, names, settings: project.settings.clone() }, |_| {});
        async move {
            match reply(sent).await? {
                Reply::TrainStarted { rows } => Ok(rows),
                other => Err(unexpected(other)),
            }
        }
    }

    pub async fn train_epoch(self) -> Result<EpochMetrics, String> {
        match self.call(Request::TrainEpoch, |_| {}).await? {
            Reply::Epoch(metrics) => Ok(metrics),
            other => Err(unexpected(other)),
        }
    }

    pub async fn train_finish(self) -> Result<Trained, String> {
        match self.call(Request::TrainFinish, |_| {}).await? {
            Reply::Trained { weights, validation, evaluation, memory } => Ok(Trained { weights, validation, evaluation, memory }),
            other => Err(unexpected(other)),
        }
    }

    pub async fn train_abandon(self) {
        let _ = self.call(Request::TrainAbandon, |_| {}).await;
    }
}
