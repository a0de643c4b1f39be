//! The Models panel, the model picker: the site's models (size, kind, license, whether
//! cached), weights by URL or timm model id, and what Cache Storage holds (with delete).

use leptos::ev;
use leptos::prelude::*;

use super::format::{announced_size, megabytes};
use super::menus::MENU_GROUP;
use super::model_choice::Choice;
use super::status::{ModelStatus, Provenance};
use super::studio::Studio;
use crate::model::manifest::{ModelEntry, ModelKind};
use crate::web::worker::{CachedFile, ModelSource};

/// The panel; `on_choose` loads a listed model, `on_text` a URL or timm id, `on_delete`
/// removes a cached file.
#[component]
pub fn ModelsPanel(
    studio: Studio,
    on_choose: impl Fn(Choice) + Send + Sync + 'static,
    on_text: impl Fn(String) + 'static,
    on_delete: impl Fn(String) + Send + Sync + 'static,
) -> impl IntoView {
    let on_choose = Callback::new(on_choose);
    let entries = move || studio.manifest.get().map(|m| m.models).unwrap_or_default();
    view! {
        <details name=MENU_GROUP class="menu models">
            <summary data-testid="models-summary">"Models"</summary>
            <div class="popover">
            <h2>"Models"</h2>
            <ul class="model-list" data-testid="model-list">
                <For each=entries key=|entry| entry.name.clone() let(entry)>
                    <ModelOption entry studio on_choose />
                </For>
            </ul>
            <WeightsForm on_text />
            <p class="hint">"Or drop a ResNet50 .safetensors file (torchvision layout or int8) on Classify's drop zone."</p>
            <CachedModels cached=studio.cached on_delete />
            </div>
        </details>
    }
}

/// One of the site's models: what it is, whether it is here already, and a button to use it.
#[component]
fn ModelOption(entry: ModelEntry, studio: Studio, on_choose: Callback<Choice>) -> impl IntoView {
    let source = ModelSource::from(&entry);
    let cached = {
        let source = source.clone();
        Memo::new(move |_| {
            studio.cached.track();
            studio.is_cached(&source)
        })
    };
    let name = entry.name.clone();
    let in_use =
        Memo::new(move |_| matches!(studio.status.get(), ModelStatus::Ready { name: ref loaded, provenance: Provenance::Manifest(_), .. } if *loaded == name));
    let size = match entry.url {
        None => "made on this device".to_string(),
        Some(_) => announced_size(&entry).unwrap_or_else(|| "size unknown".into()),
    };
    let kind = match entry.kind {
        ModelKind::Demo => "demo (random weights)",
        ModelKind::Pretrained => "pretrained",
    };
    let facts = [Some(size), Some(kind.to_string()), entry.top1.map(|t| format!("ImageNet top-1 {t:.2} %")), entry.license.clone()];
    let facts = facts.into_iter().flatten().collect::<Vec<_>>().join(" · ");
    let choice = Choice { source, provenance: Provenance::Manifest(entry.kind) };
    view! {
        <li class="model-option" data-testid="model-option" data-name=entry.name.clone() data-cached=move || cached.get().to_string()>
            <p>
                <strong>{entry.name.clone()}</strong>
                <br />
                <span class="facts">
                    {facts}
                    {entry.homepage.clone().map(|href| view! { " · " <a href=href target="_blank" rel="noopener">"source"</a> })}
                    {move || cached.get().then_some(" · cached")}
                </span>
            </p>
            <button data-testid="use-model" disabled=in_use on:click=move |_| on_choose.run(choice.clone())>
                {move || if in_use.get() { "In use" } else { "Use" }}
            </button>
        </li>
    }
}

/// A URL of torchvision-layout (fp32) or int8 ResNet50 safetensors, or a timm model id.
#[component]
fn WeightsForm(on_text: impl Fn(String) + 'static) -> impl IntoView {
    let text = RwSignal::new(String::new());
    view! {
        <form
            class="weights-url"
            on:submit=move |event: ev::SubmitEvent| {
                event.prevent_default();
                let value = text.get_untracked().trim().to_string();
                if !value.is_empty() {
                    on_text(value);
                }
            }
        >
            <label for="weights-url">"Weights URL or timm model id"</label>
            <p class="hint" id="weights-url-hint">
                "A torchvision-layout ResNet50 .safetensors (fp32 or int8), or e.g. timm/resnet50.a1_in1k; quantized once, then cached."
            </p>
            <div class="field-row">
                <input type="text" id="weights-url" data-testid="weights-url" aria-describedby="weights-url-hint" bind:value=text
                    placeholder="https://…/resnet50.safetensors" />
                <button type="submit" data-testid="load-url">"Load"</button>
            </div>
        </form>
    }
}

/// What Cache Storage holds, with a delete button per file.
#[component]
fn CachedModels(cached: RwSignal<Vec<CachedFile>>, on_delete: impl Fn(String) + Send + Sync + 'static) -> impl IntoView {
    let on_delete = Callback::new(on_delete);
    view! {
        <h3>"Kept on this device"</h3>
        <Show when=move || !cached.get().is_empty() fallback=|| view! { <p data-testid="cache-empty">"Nothing cached."</p> }>
            <ul data-testid="cached-list">
                <For each=move || cached.get() key=|file| file.url.clone() let(file)>
                    {
                        let url = file.url.clone();
                        view! {
                            <li class="cached-file" data-testid="cached-file" data-url=file.url.clone()>
                                <span class="url">{file.url.clone()}</span>
                                <span class="size">{megabytes(file.bytes)}</span>
                                <button data-testid="delete-cached" on:click=move |_| on_delete.run(url.clone())>"Delete"</button>
                            </li>
                        }
                    }
                </For>
            </ul>
        </Show>
    }
}
