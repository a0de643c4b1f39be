//! The page's state handles and what they do together: load a model (its status, progress
//! and failure), classify a photo, keep the list of cached models.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_time::Instant;

use super::device_choice;
use super::share_address::shared_in_address;
use super::status::{ModelStatus, Provenance};
use crate::engine::TOP_K;
use crate::export::share::{ShareError, SharedHead};
use crate::model::manifest::Manifest;
use crate::web::platform::scope::yield_to_browser;
use crate::web::ui::model_handle::ModelHandle;
use crate::web::worker::{CachedFile, ClassifyReply, Image, LoadedModel, ModelSource, Stage, WorkerError, list_cached};

/// Downloads report a rate once they have run this long.
const RATE_AFTER_S: f64 = 0.5;

/// A classification of the file the user gave.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifiedPhoto {
    /// The file's name.
    pub file: String,
    /// What the worker answered.
    pub classified: ClassifyReply,
}

/// Why a file the user gave did nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FileError {
    /// Weights that did not load, or no model to classify with yet.
    #[error(transparent)]
    Worker(#[from] WorkerError),
    /// A photo the worker could not classify.
    #[error("{file}: {error}")]
    Photo {
        /// The file's name.
        file: String,
        /// Why.
        error: WorkerError,
    },
}

/// What the page tells about the default model.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// The download under way, in words.
    Plan(String),
    /// The browser asks to save data: the download waits for a click.
    Ask(String),
    /// The default could not be loaded (the reason); the demo runs instead.
    Fallback(String),
}

/// The app's state handles; all `Copy`.
#[derive(Clone, Copy)]
pub struct Studio {
    pub model: ModelHandle,
    pub status: RwSignal<ModelStatus>,
    pub photo: RwSignal<Option<ClassifiedPhoto>>,
    pub error: RwSignal<Option<String>>,
    pub busy: RwSignal<bool>,
    pub cached: RwSignal<Vec<CachedFile>>,
    /// The site's models, once read.
    pub manifest: RwSignal<Option<Manifest>>,
    /// What the first visit is doing, or why the demo runs instead.
    pub notice: RwSignal<Option<Notice>>,
    /// The head a share link in the address carries (or why it cannot be read), read at opening.
    pub shared: StoredValue<Option<Result<SharedHead, ShareError>>>,
    /// The status of the model in use, restored when loading another one fails.
    last_ready: StoredValue<Option<ModelStatus>>,
    /// The model last asked for from a source (not a file), loaded again after a restart.
    last_source: StoredValue<Option<(ModelSource, Provenance)>>,
    /// How often the worker was restarted in this visit.
    restarts: StoredValue<u32>,
}

/// Restarts of the worker in one visit: one that keeps dying is left stopped, its reason shown.
const MAX_RESTARTS: u32 = 3;

impl Studio {
    /// Starts the model worker; nothing loaded yet.
    pub fn new() -> Self {
        let model = ModelHandle::start(&device_choice::request(), device_choice::workers_asked());
        Effect::new(move || model.backend.with(|info| info.iter().for_each(device_choice::keep_probe)));
        let studio = Self {
            model,
            status: RwSignal::new(ModelStatus::Starting),
            photo: RwSignal::new(None),
            error: RwSignal::new(None),
            busy: RwSignal::new(false),
            cached: RwSignal::new(Vec::new()),
            manifest: RwSignal::new(None),
            notice: RwSignal::new(None),
            shared: StoredValue::new(shared_in_address()),
            last_ready: StoredValue::new(None),
            last_source: StoredValue::new(None),
            restarts: StoredValue::new(0),
        };
        Effect::new(move || {
            if let Some(reason) = studio.model.stopped.get() {
                studio.recover(reason);
            }
        });
        studio
    }

    /// The worker died (a crash, a lost GPU device): a fresh one starts — on whatever device
    /// it finds now — and loads the model again, from the cache where it was kept.
    fn recover(self, reason: WorkerError) {
        let restarts = self.restarts.get_value() + 1;
        self.restarts.set_value(restarts);
        if restarts > MAX_RESTARTS {
            self.status.set(ModelStatus::Failed(format!("the model worker keeps failing ({reason}); reload the page — your project is kept")));
            return;
        }
        self.model.client().restart(&device_choice::request());
        let Some((source, provenance)) = self.last_source.get_value() else {
            self.status.set(ModelStatus::Failed(format!("{reason}; load your weights file again")));
            return;
        };
        self.error.set(Some(format!("{reason}. Loading {} again…", source.name)));
        self.status.set(ModelStatus::Preparing { name: source.name.clone() });
        spawn_local(async move {
            match self.load(source, provenance).await {
                Ok(()) => {
                    let device = self.model.backend.get_untracked().map(|backend| backend.name).unwrap_or_default();
                    self.error.set(Some(format!("The model worker was restarted ({}); the model is loaded again, on {device}.", reason.cause())));
                }
                Err(error) => self.error.set(Some(error.to_string())),
            }
        });
    }

    /// Runs a user action: busy while it runs, its error shown (in words only here), the
    /// current model kept.
    pub fn run<E: std::fmt::Display>(self, action: impl Future<Output = Result<(), E>> + 'static) {
        spawn_local(async move {
            self.busy.set(true);
            self.error.set(None);
            yield_to_browser().await;
            if let Err(error) = action.await {
                self.error.set(Some(error.to_string()));
            }
            self.busy.set(false);
        });
    }

    /// Loads weights from a dropped or chosen `.safetensors` file, or classifies a photo.
    pub async fn take_file(self, file: web_sys::File) -> Result<(), FileError> {
        let name = file.name();
        if name.ends_with(".safetensors") {
            let started = Instant::now();
            self.last_source.set_value(None);
            self.status.set(ModelStatus::Preparing { name: name.clone() });
            let loaded = self.model.client().load_file(file).await.map_err(|error| self.keep_previous(error))?;
            self.set_ready(name, Provenance::UserFile, &loaded, started);
            return Ok(());
        }
        if self.model.loaded.get_untracked().is_none() {
            return Err(WorkerError::ModelLoading.into());
        }
        let classified = self.model.client().classify(Image::File(file), TOP_K).await.map_err(|error| FileError::Photo { file: name.clone(), error })?;
        self.photo.set(Some(ClassifiedPhoto { file: name, classified }));
        Ok(())
    }

    /// Obtains `source` (cache or network) and loads it in the worker, which caches it once
    /// it has loaded. On failure the current model stays and no cache entry is left behind.
    pub async fn load(self, source: ModelSource, provenance: Provenance) -> Result<(), WorkerError> {
        let started = Instant::now();
        self.last_source.set_value(Some((source.clone(), provenance.clone())));
        let name = source.name.clone();
        let approx_bytes = source.approx_bytes;
        let status = self.status;
        let mut download_started = None;
        let progress = move |stage| {
            let name = name.clone();
            status.set(match stage {
                Stage::Downloading { received, total } => {
                    let since = *download_started.get_or_insert_with(Instant::now);
                    let seconds = since.elapsed().as_secs_f64();
                    let per_second = (seconds > RATE_AFTER_S).then(|| received as f64 / seconds);
                    let (total, approx) = match total {
                        Some(total) => (Some(total), false),
                        None => (approx_bytes, approx_bytes.is_some()),
                    };
                    ModelStatus::Downloading { name, received, total, approx, per_second }
                }
                Stage::MakingDemo => ModelStatus::MakingDemo { name },
                Stage::Quantizing => ModelStatus::Quantizing { name },
                Stage::Preparing => ModelStatus::Preparing { name },
            })
        };
        let loaded = self.model.client().load(source.clone(), progress).await.map_err(|error| match error {
            // The worker died: the restart loads the model again and says so.
            WorkerError::Failed(_) | WorkerError::DeviceLost(_) | WorkerError::Stopped => error,
            error => self.keep_previous(error),
        })?;
        self.set_ready(source.name, provenance, &loaded, started);
        if let Some(problem) = loaded.not_cached {
            self.error.set(Some(format!("The model is loaded but could not be kept for the next visit: {problem}")));
        }
        self.refresh_cached().await;
        Ok(())
    }

    /// Restores the status of the model still loaded, if any, and passes the error on.
    fn keep_previous(self, error: WorkerError) -> WorkerError {
        if self.model.loaded.with_untracked(Option::is_none) {
            self.status.set(ModelStatus::Failed(error.to_string()));
        } else if let Some(previous) = self.last_ready.get_value() {
            self.status.set(previous);
        }
        error
    }

    fn set_ready(self, name: String, provenance: Provenance, loaded: &LoadedModel, started: Instant) {
        let ready = ModelStatus::Ready {
            name,
            provenance,
            bytes: loaded.bytes,
            int8: loaded.int8,
            from_cache: loaded.from_cache,
            load_ms: started.elapsed().as_secs_f64() * 1e3,
        };
        self.last_ready.set_value(Some(ready.clone()));
        self.status.set(ready);
    }

    /// Reads again what Cache Storage holds.
    pub async fn refresh_cached(self) {
        match list_cached().await {
            Ok(files) => self.cached.set(files),
            Err(error) => self.error.set(Some(error.to_string())),
        }
    }
}
