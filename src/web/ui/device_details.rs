//! The header's device popover: which backend runs the model and why, the user's choice of
//! device, the worker's memory figures, and how much of the browser's storage quota the
//! site uses; and the header's note when the CPU path was measured faster than WebGPU.

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::device_choice;
use super::disclosure::opened;
use super::format::{megabytes, size};
use super::menus::MENU_GROUP;
use crate::model::precision::Precision;
use crate::web::platform::scope::BrowserError;
use crate::web::platform::storage::{StorageUse, estimate};
use crate::web::worker::{BackendInfo, DevicePreference, MemoryFigures};

/// "WebGPU · adapter" or "CPU (wasm)" with the reason WebGPU is not used.
#[component]
pub fn BackendBadge(backend: RwSignal<Option<BackendInfo>>) -> impl IntoView {
    move || match backend.get() {
        None => view! { <p class="backend" data-testid="backend" data-backend="pending">"Starting compute device…"</p> }.into_any(),
        Some(b) => {
            let reason = b.fallback_reason.clone().map(|r| format!(" — {r}")).unwrap_or_default();
            let kind = if b.is_webgpu() { "webgpu" } else { "cpu" };
            let half = (b.precision == Precision::F16).then_some(" · computes in f16 (shader-f16)");
            let threads = (!b.is_webgpu()).then(|| match b.threads {
                1 => " · 1 thread".to_string(),
                n => format!(" · {n} threads"),
            });
            let one_thread = b.one_thread_because.map(|why| view! { <p class="hint" data-testid="one-thread">"One thread: "{why}"."</p> });
            view! {
                <p class="backend" data-testid="backend" data-backend=kind data-precision=b.precision.name() data-threads=b.threads.to_string()>
                    <strong>{b.name}</strong>" · "{b.adapter}{threads}{half}<span class="reason">{reason}</span>
                </p>
                {one_thread}
            }
            .into_any()
        }
    }
}

/// "Memory: wasm heap … · device buffers …" after a load or a pass.
#[component]
fn MemoryReadout(memory: RwSignal<Option<MemoryFigures>>) -> impl IntoView {
    move || {
        memory.get().map(|m| {
            let device = m.device_reserved.map(megabytes).unwrap_or_else(|| "not reported".into());
            view! {
                <p class="memory" data-testid="memory" data-wasm-heap=m.wasm_heap.to_string()
                    data-device-reserved=m.device_reserved.map(|b| b.to_string()).unwrap_or_default()>
                    {format!("Memory: wasm heap {} · device buffers {device}", megabytes(m.wasm_heap))}
                </p>
            }
        })
    }
}

/// The user's choice of device; a change opens the page again with it.
#[component]
fn DeviceChoice() -> impl IntoView {
    let current = device_choice::chosen();
    let options = [(DevicePreference::Auto, "Automatic (the faster one here)"), (DevicePreference::WebGpu, "WebGPU"), (DevicePreference::Cpu, "CPU")]
        .map(|(preference, label)| view! { <option value=preference.word() selected=preference == current>{label}</option> });
    let on_change = move |event: ev::Event| {
        let word = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).map(|select| select.value());
        if let Some(preference) = word.as_deref().and_then(DevicePreference::from_word) {
            device_choice::choose(preference);
        }
    };
    view! {
        <label class="device-choice">
            "Compute on "
            <select data-testid="device-choice" on:change=on_change>{options.into_iter().collect_view()}</select>
        </label>
        <p class="hint">"Changing it opens the page again; your project and cached models stay."</p>
    }
}

/// One line in the header when the CPU path runs although WebGPU works, saying why.
#[component]
pub fn DeviceNote(backend: RwSignal<Option<BackendInfo>>) -> impl IntoView {
    move || {
        backend.get().filter(BackendInfo::over_webgpu).map(|_| {
            view! {
                <p class="device-note" data-testid="device-note">
                    "Computing on the CPU path: your browser's WebGPU runs on the CPU here, and the CPU path measured faster (Device, above, to change)."
                </p>
            }
        })
    }
}

/// A summary naming the backend; opened, the device, memory and storage in full.
#[component]
pub fn DeviceDetails(backend: RwSignal<Option<BackendInfo>>, memory: RwSignal<Option<MemoryFigures>>) -> impl IntoView {
    let storage = RwSignal::new(None::<Result<StorageUse, BrowserError>>);
    let on_toggle = move |event: ev::Event| {
        if opened(&event) {
            spawn_local(async move { storage.set(Some(estimate().await)) });
        }
    };
    let short = move || match backend.get() {
        None => "Device…",
        Some(b) if b.is_webgpu() => "WebGPU",
        Some(_) => "CPU",
    };
    let storage_line = move || {
        storage.get().map(|s| match s {
            Ok(StorageUse { usage, quota }) => {
                format!("Storage: {} used of {} this browser allows the site (models, app, your project)", size(usage), size(quota))
            }
            Err(message) => format!("Storage: {message}"),
        })
    };
    view! {
        <details name=MENU_GROUP class="menu device" on:toggle=on_toggle>
            <summary data-testid="device-summary"><span class="visually-hidden">"Device: "</span>{short}</summary>
            <div class="popover" data-testid="device-details">
                <h2>"Device"</h2>
                <BackendBadge backend />
                <DeviceChoice />
                <MemoryReadout memory />
                <p class="storage" data-testid="storage">{storage_line}</p>
            </div>
        </details>
    }
}
