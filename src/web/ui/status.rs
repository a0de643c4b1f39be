//! The model's loading state (a progress bar while it downloads) and its banner.

use leptos::prelude::*;

use super::format::megabytes;
use crate::model::manifest::ModelKind;

/// Where the loaded weights came from, for the banner.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Provenance {
    /// The site's model manifest (demo or pretrained weights).
    Manifest(ModelKind),
    /// A timm model id the user gave (pretrained weights from the hub).
    Hub,
    /// A URL the user gave.
    Url,
    /// A file the user gave.
    UserFile,
}

/// The model's lifecycle as the user sees it.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum ModelStatus {
    Starting,
    Downloading { name: String, received: u64, total: Option<u64>, approx: bool, per_second: Option<f64> },
    MakingDemo { name: String },
    Quantizing { name: String },
    Preparing { name: String },
    Ready { name: String, provenance: Provenance, bytes: u64, int8: bool, from_cache: bool, load_ms: f64 },
    Failed(String),
}

/// "12.3 of 102.5 MB · 4.1 MB/s · 22 s left" (rate and time once known; "of ≈ 102.0 MB"
/// while only a rounded size is known).
fn download_progress(received: u64, total: Option<u64>, approx: bool, per_second: Option<f64>) -> String {
    let about = if approx { "≈ " } else { "" };
    let mut text = match total {
        Some(total) => format!("{} of {about}{}", megabytes(received), megabytes(total)),
        None => megabytes(received),
    };
    if let Some(rate) = per_second.filter(|rate| *rate > 0.0) {
        text += &format!(" · {}/s", megabytes(rate as u64));
        if let Some(total) = total.filter(|total| *total >= received) {
            text += &format!(" · {:.0} s left", (total - received) as f64 / rate);
        }
    }
    text
}

/// While a download runs: what, how far, how fast, a bar and Cancel. One view for the whole
/// download (only its figures change), so focus on Cancel survives each progress report.
#[component]
fn DownloadProgress(status: RwSignal<ModelStatus>, on_cancel: Callback<()>) -> impl IntoView {
    let figures = move || match status.get() {
        ModelStatus::Downloading { name, received, total, approx, per_second } => Some((name, received, total, approx, per_second)),
        _ => None,
    };
    let text =
        move || figures().map(|(name, received, total, approx, rate)| format!("Downloading {name}: {}", download_progress(received, total, approx, rate)));
    let max = move || figures().map(|(_, received, total, ..)| total.unwrap_or(received.max(1)).to_string());
    let value = move || figures().map(|(_, received, ..)| received.to_string());
    view! {
        <div class="model-status downloading" data-testid="model-status" data-state="downloading">
            <p>{text}</p>
            <progress data-testid="progress" aria-label="Download" max=max value=value></progress>
            <button type="button" data-testid="cancel-download" on:click=move |_| on_cancel.run(())>"Cancel"</button>
        </div>
    }
}

/// Download progress (with cancel), preparation, readiness or failure of the model.
#[component]
pub fn ModelStatusView(status: RwSignal<ModelStatus>, on_cancel: Callback<()>) -> impl IntoView {
    let downloading = Memo::new(move |_| matches!(status.get(), ModelStatus::Downloading { .. }));
    move || {
        if downloading.get() {
            return view! { <DownloadProgress status on_cancel /> }.into_any();
        }
        match status.get() {
        ModelStatus::Starting => view! { <p class="model-status busy-line" data-testid="model-status" data-state="starting">"Preparing…"</p> }.into_any(),
        ModelStatus::Downloading { .. } => ().into_any(),
        ModelStatus::MakingDemo { name } => {
            view! { <p class="model-status busy-line" data-testid="model-status" data-state="making-demo">{format!("Making {name} on this device (nothing to download)…")}</p> }.into_any()
        }
        ModelStatus::Quantizing { name } => {
            view! { <p class="model-status busy-line" data-testid="model-status" data-state="quantizing">{format!("Quantizing {name} to int8 (once; the result is cached)…")}</p> }.into_any()
        }
        ModelStatus::Preparing { name } => {
            view! { <p class="model-status busy-line" data-testid="model-status" data-state="preparing">{format!("Preparing {name} and warming up…")}</p> }.into_any()
        }
        ModelStatus::Ready { name, provenance, bytes, int8, from_cache, load_ms } => {
            let origin = match (&provenance, from_cache) {
                (Provenance::UserFile, _) => "file",
                (_, true) => "cache",
                (_, false) => "network",
            };
            let kind = match provenance {
                Provenance::Manifest(ModelKind::Demo) => "demo (random weights)",
                Provenance::Manifest(ModelKind::Pretrained) => "pretrained",
                Provenance::Hub => "pretrained (timm)",
                Provenance::Url | Provenance::UserFile => "your weights",
            };
            let format = if int8 { "int8" } else { "fp32" };
            view! {
                <p class="model-status ready" data-testid="model-status" data-state="ready" data-origin=origin data-format=format data-load-ms=format!("{load_ms:.0}")>
                    {format!(
                        "{name} — ResNet50, {format}, {}, {kind}; from {origin} in {:.1} s",
                        megabytes(bytes),
                        load_ms / 1e3
                    )}
                </p>
            }
            .into_any()
        }
        ModelStatus::Failed(message) => view! { <p class="model-status error" data-testid="model-status" data-state="failed" role="alert">{message}</p> }.into_any(),
    }
    }
}

/// A clear label on demo weights, so nobody reads meaning into their predictions.
#[component]
pub fn ModelBanner(status: RwSignal<ModelStatus>) -> impl IntoView {
    move || {
        match status.get() {
        ModelStatus::Ready { provenance: Provenance::Manifest(ModelKind::Demo), .. } => Some(
            view! {
                <p class="banner demo" data-testid="demo-banner">
                    "Random demo weights — predictions are meaningless. Load pretrained weights from Models (in the header), or drop a torchvision ResNet50 .safetensors file on Classify's drop zone."
                </p>
            }
            .into_any(),
        ),
        ModelStatus::Ready { provenance: Provenance::UserFile | Provenance::Url | Provenance::Hub, name, .. } => {
            Some(view! { <p class="banner user" data-testid="user-banner">{format!("Your weights: {name}")}</p> }.into_any())
        }
        _ => None,
    }
    }
}
