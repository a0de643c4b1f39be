//! The page: picks the device, loads the model from the manifest, classifies what the
//! user gives it, and accepts a torchvision-layout `.safetensors` in place of the demo.

use std::rc::Rc;

use burn::tensor::Device;
use leptos::prelude::*;
use leptos::task::spawn_local;
use crate::engine::{Classification, Classifier};
use crate::model::manifest::{Manifest, ModelEntry, ModelKind, sha256_hex};

use super::browser::{download, read_file, yield_to_browser};
use super::device::{Backend, pick_device};
use super::input::ImageInput;
use super::results::Results;
use super::status::{BackendBadge, ModelBanner, ModelStatus, ModelStatusView};

const MANIFEST_URL: &str = "models/manifest.json";
const TOP_K: usize = 5;

/// Where the loaded weights came from, for the banner.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelSource {
    Manifest(ModelKind),
    UserFile,
}

/// A classification outcome for the file the user gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub file: String,
    pub classification: Classification,
}

#[component]
pub fn App() -> impl IntoView {
    let backend = RwSignal::new_local(None::<Backend>);
    let status = RwSignal::new(ModelStatus::Starting);
    let outcome = RwSignal::new(None::<Outcome>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let classifier = StoredValue::new_local(None::<Rc<Classifier>>);

    spawn_local(async move {
        let picked = pick_device().await;
        backend.set(Some(picked.clone()));
        match load_from_manifest(picked, status, backend).await {
            Ok(loaded) => classifier.set_value(Some(Rc::new(loaded))),
            Err(message) => status.set(ModelStatus::Failed(message)),
        }
    });

    let on_file = move |file: web_sys::File| {
        let name = file.name();
        spawn_local(async move {
            busy.set(true);
            error.set(None);
            yield_to_browser().await;
            let result = match read_file(&file).await {
                Ok(bytes) if name.ends_with(".safetensors") => {
                    load_user_weights(&name, bytes, backend, status, classifier).await
                }
                Ok(bytes) => classify(&name, bytes, classifier, outcome).await,
                Err(message) => Err(message),
            };
            if let Err(message) = result {
                error.set(Some(message));
            }
            busy.set(false);
        });
    };

    view! {
        <header>
            <h1>"Transfer Studio"</h1>
            <BackendBadge backend=backend />
        </header>
        <ModelBanner status=status />
        <ModelStatusView status=status />
        <ImageInput on_file=on_file busy=busy />
        <Show when=move || error.get().is_some()>
            <p class="error" role="alert" data-testid="error">{move || error.get().unwrap_or_default()}</p>
        </Show>
        <Results outcome=outcome />
    }
}

async fn classify(
    name: &str,
    bytes: Vec<u8>,
    classifier: StoredValue<Option<Rc<Classifier>>, LocalStorage>,
    outcome: RwSignal<Option<Outcome>>,
) -> Result<(), String> {
    let classifier = classifier.get_value().ok_or("the model is still loading; try again in a moment")?;
    let classification = classifier.classify_image(&bytes, TOP_K).await.map_err(|err| format!("{name}: {err}"))?;
    outcome.set(Some(Outcome { file: name.to_string(), classification }));
    Ok(())
}

async fn load_from_manifest(
    mut picked: Backend,
    status: RwSignal<ModelStatus>,
    backend: RwSignal<Option<Backend>, LocalStorage>,
) -> Result<Classifier, String> {
    let manifest_bytes = download(MANIFEST_URL, |_, _| {}).await?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes).map_err(|err| format!("{MANIFEST_URL} is malformed: {err}"))?;
    let entry: ModelEntry = manifest.models.into_iter().next().ok_or("the model manifest lists no model")?;
    let name = entry.name.clone();
    let bytes = download(&entry.url, |received, total| {
        status.set(ModelStatus::Downloading { name: name.clone(), received, total: total.or(Some(entry.bytes)) })
    })
    .await?;
    status.set(ModelStatus::Preparing { name: entry.name.clone() });
    yield_to_browser().await;
    let digest = sha256_hex(&bytes);
    if digest != entry.sha256 {
        return Err(format!("{}: downloaded file is corrupt (sha256 {digest}, expected {})", entry.name, entry.sha256));
    }
    let classifier = match prepare(&bytes, &picked.device).await {
        Ok(classifier) => classifier,
        Err(reason) if picked.is_webgpu() => {
            picked = Backend::cpu(format!("WebGPU failed while loading the model: {reason}"));
            backend.set(Some(picked.clone()));
            prepare(&bytes, &picked.device).await?
        }
        Err(reason) => return Err(reason),
    };
    status.set(ModelStatus::Ready { name: entry.name, source: ModelSource::Manifest(entry.kind), bytes: bytes.len() as u64 });
    Ok(classifier)
}

/// Builds the classifier and runs one warm-up pass so the first photo is not slow.
async fn prepare(bytes: &[u8], device: &Device) -> Result<Classifier, String> {
    let classifier = Classifier::from_torchvision(bytes, device).map_err(|err| err.to_string())?;
    classifier.warm_up().await.map_err(|err| err.to_string())?;
    Ok(classifier)
}

/// Replaces the model with the user's file; on any error the current model stays.
async fn load_user_weights(
    name: &str,
    bytes: Vec<u8>,
    backend: RwSignal<Option<Backend>, LocalStorage>,
    status: RwSignal<ModelStatus>,
    classifier: StoredValue<Option<Rc<Classifier>>, LocalStorage>,
) -> Result<(), String> {
    let device = backend.get_untracked().ok_or("the compute device is still starting")?.device;
    let loaded = prepare(&bytes, &device).await.map_err(|err| format!("{name}: {err}"))?;
    classifier.set_value(Some(Rc::new(loaded)));
    status.set(ModelStatus::Ready { name: name.to_string(), source: ModelSource::UserFile, bytes: bytes.len() as u64 });
    Ok(())
}
