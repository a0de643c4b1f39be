//! The page: starts the model worker, has it load the manifest's model (cache or network),
//! classifies what the user gives it, and accepts other weights by URL or file without
//! losing the current model.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_time::Instant;

use super::batch::{Batch, BatchTable};
use super::image_input::ImageInput;
use super::live::LiveClassify;
use super::memory::MemoryReadout;
use super::models_panel::ModelsPanel;
use super::photo_result::{ClassifiedPhoto, PhotoResult};
use super::status::{BackendBadge, ModelBanner, ModelStatus, ModelStatusView, Provenance};
use super::teach::TeachPanel;
use crate::engine::TOP_K;
use crate::model::manifest::{Manifest, ModelKind};
use crate::web::platform::download::download;
use crate::web::platform::remembered;
use crate::web::platform::scope::absolute_url;
use crate::web::platform::scope::yield_to_browser;
use crate::web::worker::{CachedFile, Image, LoadedModel, MemoryFigures, ModelHandle, ModelSource, Stage, WorkerError, cache_key, delete_cached, list_cached};

const MANIFEST_URL: &str = "models/manifest.json";

/// The app's state handles; all `Copy`.
#[derive(Clone, Copy)]
struct Studio {
    model: ModelHandle,
    status: RwSignal<ModelStatus>,
    photo: RwSignal<Option<ClassifiedPhoto>>,
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    cached: RwSignal<Vec<CachedFile>>,
    memory: RwSignal<Option<MemoryFigures>>,
    /// The status of the model in use, restored when loading another one fails.
    last_ready: StoredValue<Option<ModelStatus>>,
}

/// The whole page: status, classify (photo, batch, webcam), teach, models.
#[component]
pub fn App() -> impl IntoView {
    let studio = Studio {
        model: ModelHandle::start(),
        status: RwSignal::new(ModelStatus::Starting),
        photo: RwSignal::new(None),
        error: RwSignal::new(None),
        busy: RwSignal::new(false),
        cached: RwSignal::new(Vec::new()),
        last_ready: StoredValue::new(None),
        memory: RwSignal::new(None),
    };

    spawn_local(async move {
        if let Some(url) = remembered::model_url() {
            match studio.load(ModelSource::from_url(url), Provenance::Url).await {
                Ok(()) => return,
                Err(message) => studio.error.set(Some(format!("Your last model could not be loaded ({message}); using the default."))),
            }
        }
        let loaded = match manifest_source().await {
            Ok((source, kind)) => studio.load(source, Provenance::Manifest(kind)).await,
            Err(message) => Err(message),
        };
        if let Err(message) = loaded {
            studio.status.set(ModelStatus::Failed(message));
        }
        studio.refresh_cached().await;
    });

    let batch = Batch::new();
    let on_files = move |mut files: Vec<web_sys::File>| {
        if files.len() == 1 {
            let file = files.remove(0);
            batch.clear();
            studio.run(async move { studio.take_file(file).await });
        } else {
            files.retain(|f| !f.name().ends_with(".safetensors"));
            studio.photo.set(None);
            spawn_local(batch.run(studio.model, files));
        }
    };
    let on_url = move |url: String| {
        studio.run(async move {
            studio.load(ModelSource::from_url(url.clone()), Provenance::Url).await?;
            remembered::set_model_url(Some(&url));
            Ok(())
        })
    };
    let on_delete = move |url: String| {
        studio.run(async move {
            if remembered::model_url().is_some_and(|remembered| cache_key(&absolute_url(&remembered)) == url) {
                remembered::set_model_url(None);
            }
            delete_cached(&url).await?;
            studio.refresh_cached().await;
            Ok(())
        })
    };

    view! {
        <header>
            <h1>"Transfer Studio"</h1>
            <BackendBadge backend=studio.model.backend />
        </header>
        <ModelBanner status=studio.status />
        <ModelStatusView status=studio.status />
        <ImageInput on_files=on_files busy=studio.busy />
        <Show when=move || studio.error.get().is_some()>
            <p class="error" role="alert" data-testid="error">{move || studio.error.get().unwrap_or_default()}</p>
        </Show>
        <PhotoResult photo=studio.photo />
        <BatchTable batch />
        <LiveClassify model=studio.model />
        <MemoryReadout memory=studio.memory />
        <TeachPanel model=studio.model />
        <ModelsPanel cached=studio.cached on_url on_delete />
    }
}

impl Studio {
    /// Runs a user action: busy while it runs, its error shown, the current model kept.
    fn run(self, action: impl Future<Output = Result<(), String>> + 'static) {
        spawn_local(async move {
            self.busy.set(true);
            self.error.set(None);
            yield_to_browser().await;
            if let Err(message) = action.await {
                self.error.set(Some(message));
            }
            self.busy.set(false);
        });
    }

    async fn take_file(self, file: web_sys::File) -> Result<(), String> {
        let name = file.name();
        if name.ends_with(".safetensors") {
            let started = Instant::now();
            self.status.set(ModelStatus::Preparing { name: name.clone() });
            let loaded = self.model.load_file(file).await.map_err(|error| self.keep_previous(error.into()))?;
            self.set_ready(name, Provenance::UserFile, &loaded, started);
            return Ok(());
        }
        if self.model.loaded.get_untracked().is_none() {
            return Err(WorkerError::ModelLoading.into());
        }
        let classified = self.model.classify(Image::File(file), TOP_K).await.map_err(|err| format!("{name}: {err}"))?;
        self.memory.set(Some(classified.memory));
        self.photo.set(Some(ClassifiedPhoto { file: name, classified }));
        Ok(())
    }

    /// Obtains `source` (cache or network) and loads it in the worker, which caches it once
    /// it has loaded. On failure the current model stays and no cache entry is left behind.
    async fn load(self, source: ModelSource, provenance: Provenance) -> Result<(), String> {
        let started = Instant::now();
        let name = source.name.clone();
        let status = self.status;
        let progress = move |stage| {
            let name = name.clone();
            status.set(match stage {
                Stage::Downloading { received, total } => ModelStatus::Downloading { name, received, total },
                Stage::Quantizing => ModelStatus::Quantizing { name },
                Stage::Preparing => ModelStatus::Preparing { name },
            })
        };
        let loaded = self.model.load(source.clone(), progress).await.map_err(|error| self.keep_previous(error.into()))?;
        self.set_ready(source.name, provenance, &loaded, started);
        if let Some(problem) = loaded.not_cached {
            self.error.set(Some(format!("The model is loaded but could not be kept for the next visit: {problem}")));
        }
        self.refresh_cached().await;
        Ok(())
    }

    /// Restores the status of the model still loaded, if any, and passes the message on.
    fn keep_previous(self, message: String) -> String {
        if self.model.loaded.with_untracked(Option::is_none) {
            self.status.set(ModelStatus::Failed(message.clone()));
        } else if let Some(previous) = self.last_ready.get_value() {
            self.status.set(previous);
        }
        message
    }

    fn set_ready(self, name: String, provenance: Provenance, loaded: &LoadedModel, started: Instant) {
        self.memory.set(Some(loaded.memory));
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

    async fn refresh_cached(self) {
        match list_cached().await {
            Ok(files) => self.cached.set(files),
            Err(message) => self.error.set(Some(message)),
        }
    }
}

async fn manifest_source() -> Result<(ModelSource, ModelKind), String> {
    let bytes = download(MANIFEST_URL, |_, _| {}).await?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|err| format!("{MANIFEST_URL} is malformed: {err}"))?;
    let entry = manifest.models.first().ok_or("the model manifest lists no model")?;
    Ok((ModelSource::from(entry), entry.kind))
}
