//! The page: picks the device, obtains the model (cache or network), classifies what the
//! user gives it, and accepts other weights by URL or file without losing the current model.

use std::rc::Rc;

use burn::tensor::Device;
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_time::Instant;

use crate::engine::{Classification, Classifier, EngineError};
use crate::model::manifest::{Manifest, ModelKind};

use super::browser::{download, read_file, yield_to_browser};
use super::cache::{self, CachedFile};
use super::cached_view::CachedModels;
use super::device::{Backend, pick_device};
use super::input::{ImageInput, WeightsUrlForm};
use super::memory::{MemoryFigures, MemoryReadout};
use super::models::{ModelSource, Stage, cache_key, obtain};
use super::remembered;
use super::results::Results;
use super::status::{BackendBadge, ModelBanner, ModelStatus, ModelStatusView};
use super::teach::TeachPanel;

const MANIFEST_URL: &str = "models/manifest.json";
const TOP_K: usize = 5;

/// Where the loaded weights came from, for the banner.
#[derive(Debug, Clone, PartialEq)]
pub enum Provenance {
    Manifest(ModelKind),
    Url,
    UserFile,
}

/// A classification outcome for the file the user gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub file: String,
    pub classification: Classification,
}

/// The app's state handles; all `Copy`.
#[derive(Clone, Copy)]
struct Studio {
    backend: RwSignal<Option<Backend>, LocalStorage>,
    status: RwSignal<ModelStatus>,
    outcome: RwSignal<Option<Outcome>>,
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    cached: RwSignal<Vec<CachedFile>>,
    classifier: StoredValue<Option<Rc<Classifier>>, LocalStorage>,
    memory: RwSignal<Option<MemoryFigures>>,
    /// The status of the model in use, restored when loading another one fails.
    last_ready: StoredValue<Option<ModelStatus>>,
}

#[component]
pub fn App() -> impl IntoView {
    let studio = Studio {
        backend: RwSignal::new_local(None),
        status: RwSignal::new(ModelStatus::Starting),
        outcome: RwSignal::new(None),
        error: RwSignal::new(None),
        busy: RwSignal::new(false),
        cached: RwSignal::new(Vec::new()),
        classifier: StoredValue::new_local(None),
        last_ready: StoredValue::new(None),
        memory: RwSignal::new(None),
    };

    spawn_local(async move {
        studio.backend.set(Some(pick_device().await));
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

    let on_file = move |file: web_sys::File| studio.run(async move { studio.take_file(file).await });
    let on_url = move |url: String| {
        studio.run(async move {
            studio.load(ModelSource::from_url(url.clone()), Provenance::Url).await?;
            remembered::set_model_url(Some(&url));
            Ok(())
        })
    };
    let on_delete = move |url: String| {
        studio.run(async move {
            if remembered::model_url().is_some_and(|remembered| cache_key(&remembered) == url) {
                remembered::set_model_url(None);
            }
            cache::delete(&url).await?;
            studio.refresh_cached().await;
            Ok(())
        })
    };

    view! {
        <header>
            <h1>"Transfer Studio"</h1>
            <BackendBadge backend=studio.backend />
        </header>
        <ModelBanner status=studio.status />
        <ModelStatusView status=studio.status />
        <ImageInput on_file=on_file busy=studio.busy />
        <Show when=move || studio.error.get().is_some()>
            <p class="error" role="alert" data-testid="error">{move || studio.error.get().unwrap_or_default()}</p>
        </Show>
        <Results outcome=studio.outcome />
        <MemoryReadout memory=studio.memory />
        <TeachPanel classifier=studio.classifier />
        <details class="models">
            <summary>"Models"</summary>
            <WeightsUrlForm on_url=on_url />
            <CachedModels cached=studio.cached on_delete=on_delete />
        </details>
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
        let bytes = read_file(&file).await?;
        if name.ends_with(".safetensors") {
            let started = Instant::now();
            let classifier = self.prepare(&bytes).await.map_err(|err| format!("{name}: {err}"))?;
            self.replace_classifier(classifier);
            self.set_ready(name, Provenance::UserFile, bytes.len(), false, started);
            return Ok(());
        }
        let classifier = self.classifier.get_value().ok_or("the model is still loading; try again in a moment")?;
        let classification = classifier.classify_image(&bytes, TOP_K).await.map_err(|err| format!("{name}: {err}"))?;
        self.outcome.set(Some(Outcome { file: name, classification }));
        self.note_memory();
        Ok(())
    }

    /// Obtains `source` (cache or network), loads it, and caches it once it has loaded.
    /// On failure the current model stays and no cache entry is left behind.
    async fn load(self, source: ModelSource, provenance: Provenance) -> Result<(), String> {
        let started = Instant::now();
        let name = source.name.clone();
        let obtained = obtain(&source, |stage| {
            self.status.set(match stage {
                Stage::Downloading { received, total } => ModelStatus::Downloading { name: name.clone(), received, total },
                Stage::Quantizing => ModelStatus::Quantizing { name: name.clone() },
            })
        })
        .await;
        let obtained = match obtained {
            Ok(obtained) => obtained,
            Err(message) => return Err(self.keep_previous(message)),
        };
        self.status.set(ModelStatus::Preparing { name: name.clone() });
        yield_to_browser().await;
        let classifier = match self.prepare(&obtained.int8).await {
            Ok(classifier) => classifier,
            Err(message) => {
                if obtained.from_cache {
                    cache::delete(&obtained.cache_key).await.ok();
                }
                return Err(self.keep_previous(format!("{name}: {message}")));
            }
        };
        if !obtained.from_cache {
            if let Err(message) = cache::put(&obtained.cache_key, &obtained.int8).await {
                self.error.set(Some(message));
            }
        }
        self.replace_classifier(classifier);
        self.set_ready(name, provenance, obtained.int8.len(), obtained.from_cache, started);
        self.refresh_cached().await;
        Ok(())
    }

    /// Restores the status of the model still loaded, if any, and passes the message on.
    fn keep_previous(self, message: String) -> String {
        if self.classifier.with_value(|c| c.is_none()) {
            self.status.set(ModelStatus::Failed(message.clone()));
        } else if let Some(previous) = self.last_ready.get_value() {
            self.status.set(previous);
        }
        message
    }

    fn set_ready(self, name: String, provenance: Provenance, bytes: usize, from_cache: bool, started: Instant) {
        let ready = ModelStatus::Ready {
            name,
            provenance,
            bytes: bytes as u64,
            from_cache,
            load_ms: started.elapsed().as_secs_f64() * 1e3,
        };
        self.last_ready.set_value(Some(ready.clone()));
        self.status.set(ready);
        self.note_memory();
    }

    /// Swaps in a new model and returns the old one's device memory to the allocator.
    fn replace_classifier(self, classifier: Classifier) {
        self.classifier.set_value(Some(Rc::new(classifier)));
        if let Some(backend) = self.backend.get_untracked() {
            backend.device.memory_cleanup();
        }
    }

    fn note_memory(self) {
        if let Some(backend) = self.backend.get_untracked() {
            self.memory.set(Some(MemoryFigures::read(&backend.device)));
        }
    }

    /// Builds the classifier and warms it up; if WebGPU fails here, switches to the CPU.
    async fn prepare(self, bytes: &[u8]) -> Result<Classifier, String> {
        let backend = self.backend.get_untracked().ok_or("the compute device is still starting")?;
        let result = match prepare_on(bytes, &backend.device).await {
            Err(EngineError::Device(reason)) if backend.is_webgpu() => {
                let cpu = Backend::cpu(format!("WebGPU failed while loading the model: {reason}"));
                self.backend.set(Some(cpu.clone()));
                prepare_on(bytes, &cpu.device).await
            }
            result => result,
        };
        result.map_err(|err| err.to_string())
    }

    async fn refresh_cached(self) {
        match cache::list().await {
            Ok(files) => self.cached.set(files),
            Err(message) => self.error.set(Some(message)),
        }
    }
}

async fn prepare_on(bytes: &[u8], device: &Device) -> Result<Classifier, EngineError> {
    let classifier = Classifier::from_weights(bytes, device)?;
    classifier.warm_up().await?;
    Ok(classifier)
}

async fn manifest_source() -> Result<(ModelSource, ModelKind), String> {
    let bytes = download(MANIFEST_URL, |_, _| {}).await?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|err| format!("{MANIFEST_URL} is malformed: {err}"))?;
    let entry = manifest.models.first().ok_or("the model manifest lists no model")?;
    Ok((ModelSource::from(entry), entry.kind))
}
