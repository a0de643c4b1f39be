//! Opening the page: the model a share link's head was trained on, when the manifest has
//! it; else the model chosen last (from the cache), else the manifest's default —
//! pretrained weights, downloaded once after saying what will happen (or after a click when
//! the browser asks to save data). When that cannot happen the demo model loads, the page
//! says why in one sentence and offers to try again.

use leptos::prelude::*;

use super::format::{announced_size, megabytes};
use super::model_choice::{CHOICE_KEY, Choice, fetch_manifest, page_cache_key};
use super::status::{ModelStatus, Provenance};
use super::studio::{Notice, Studio};
use crate::model::arch::ResNet50Spec;
use crate::model::manifest::{Manifest, ModelEntry, ModelKind};
use crate::model::quant::int8_size;
use crate::web::platform::remembered;
use crate::web::platform::scope::save_data;
use crate::web::worker::{ModelSource, WorkerError};

impl Studio {
    /// Reads the manifest, then loads the model chosen last or the default.
    pub async fn open(self) {
        let manifest = match fetch_manifest().await {
            Ok(manifest) => manifest,
            Err(error) => return self.status.set(ModelStatus::Failed(error.to_string())),
        };
        self.manifest.set(Some(manifest.clone()));
        self.refresh_cached().await;
        let shared = self.shared.with_value(|shared| shared.as_ref().and_then(|s| s.as_ref().ok()).map(|s| s.backbone.clone()));
        if let Some(entry) = shared.and_then(|backbone| manifest.models.iter().find(|m| m.sha256.as_deref() == Some(backbone.as_str()))) {
            if entry == manifest.default_entry() {
                return self.load_default(&manifest, false).await;
            }
            let source = ModelSource::from(entry);
            self.notice.set((entry.url.is_some() && !self.is_cached(&source)).then(|| Notice::Plan(plan(entry))));
            let loaded = self.load(source, Provenance::Manifest(entry.kind)).await;
            self.notice.set(None);
            if loaded.is_ok() {
                return;
            }
        }
        if let Some(choice) = remembered::recall::<Choice>(CHOICE_KEY) {
            match self.load(choice.source, choice.provenance).await {
                Ok(()) => return,
                Err(message) => self.error.set(Some(format!("Your last model could not be loaded ({message}); using the default."))),
            }
        }
        self.load_default(&manifest, false).await;
    }

    /// Loads the model the user chose and remembers it for the next visit.
    pub async fn choose(self, choice: Choice) -> Result<(), WorkerError> {
        self.load(choice.source.clone(), choice.provenance.clone()).await?;
        self.notice.set(None);
        remembered::remember(CHOICE_KEY, Some(&choice));
        Ok(())
    }

    /// Loads the manifest's default model; `asked` when the user clicked for it.
    pub async fn load_default(self, manifest: &Manifest, asked: bool) {
        let entry = manifest.default_entry();
        let source = ModelSource::from(entry);
        let needs_download = entry.url.is_some() && !self.is_cached(&source);
        if needs_download && entry.kind == ModelKind::Pretrained && !asked && save_data() {
            self.notice.set(Some(Notice::Ask(plan(entry))));
            return self.load_fallback(manifest, None).await;
        }
        self.notice.set(needs_download.then(|| Notice::Plan(plan(entry))));
        match self.load(source, Provenance::Manifest(entry.kind)).await {
            Ok(()) => self.notice.set(None),
            Err(reason) => self.load_fallback(manifest, Some(reason.to_string())).await,
        }
    }

    /// Loads the demo model instead of the default (unless it is loaded already), saying why.
    async fn load_fallback(self, manifest: &Manifest, reason: Option<String>) {
        let Some(demo) = manifest.fallback_entry().filter(|demo| *demo != manifest.default_entry()) else {
            return self.status.set(ModelStatus::Failed(reason.unwrap_or_default()));
        };
        if let Some(reason) = reason {
            self.notice.set(Some(Notice::Fallback(reason)));
        }
        let demo_loaded = matches!(self.status.get_untracked(), ModelStatus::Ready { provenance: Provenance::Manifest(ModelKind::Demo), .. });
        if demo_loaded {
            return;
        }
        // The default's failure is the notice's to tell: no failed state flashes meanwhile.
        self.status.set(ModelStatus::Starting);
        if let Err(message) = self.load(ModelSource::from(demo), Provenance::Manifest(ModelKind::Demo)).await {
            self.status.set(ModelStatus::Failed(message.to_string()));
        }
    }

    /// Whether Cache Storage holds a copy of `source`.
    pub fn is_cached(self, source: &ModelSource) -> bool {
        let key = page_cache_key(source);
        self.cached.with_untracked(|files| files.iter().any(|file| file.url == key))
    }

    /// Downloads the default now (after a click: Save-Data, or a retry).
    fn start_default(self) {
        let Some(manifest) = self.manifest.get_untracked() else { return };
        leptos::task::spawn_local(async move { self.load_default(&manifest, true).await });
    }
}

/// "ResNet50 · torchvision V1 (…): ≈ 102.0 MB download once, kept as a 25.7 MB int8 copy for
/// offline use."
fn plan(entry: &ModelEntry) -> String {
    let size = announced_size(entry).unwrap_or_else(|| "a".into());
    let about = entry.description.as_ref().map(|d| format!(" ({d})")).unwrap_or_default();
    let int8 = megabytes(int8_size(&ResNet50Spec::new()));
    format!("{}{about}: {size} download once, kept as a {int8} int8 copy for offline use.", entry.name)
}

/// The plan while the default downloads, the Save-Data question, or the fallback's reason
/// with a retry.
#[component]
pub fn NoticeView(studio: Studio) -> impl IntoView {
    move || {
        let notice = studio.notice.get()?;
        Some(match notice {
            Notice::Plan(plan) => view! { <p class="notice" data-testid="notice" data-kind="plan">{plan}</p> }.into_any(),
            Notice::Ask(plan) => view! {
                <p class="notice" data-testid="notice" data-kind="ask">
                    {format!("Your browser asks to save data, so nothing was downloaded: {plan} ")}
                    <button data-testid="start-download" on:click=move |_| studio.start_default()>"Download it"</button>
                </p>
            }
            .into_any(),
            Notice::Fallback(reason) => view! {
                <p class="notice warning" role="status" data-testid="notice" data-kind="fallback">
                    {format!("Using the demo model: the pretrained model could not be loaded ({}). ", reason.trim_end_matches('.'))}
                    <button data-testid="retry" on:click=move |_| studio.start_default()>"Try again"</button>
                </p>
            }
            .into_any(),
        })
    }
}
