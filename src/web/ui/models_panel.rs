//! The Models panel: load weights from a URL, see what Cache Storage holds, delete it.

use leptos::ev;
use leptos::prelude::*;

use super::format::megabytes;
use crate::web::worker::CachedFile;

/// The panel; `on_url` loads weights from a URL, `on_delete` removes a cached file.
#[component]
pub fn ModelsPanel(cached: RwSignal<Vec<CachedFile>>, on_url: impl Fn(String) + 'static, on_delete: impl Fn(String) + Send + Sync + 'static) -> impl IntoView {
    view! {
        <details class="models">
            <summary>"Models"</summary>
            <WeightsUrlForm on_url />
            <CachedModels cached on_delete />
        </details>
    }
}

/// A URL of torchvision-layout (fp32) or int8 ResNet50 safetensors to load instead.
#[component]
fn WeightsUrlForm(on_url: impl Fn(String) + 'static) -> impl IntoView {
    let url = RwSignal::new(String::new());
    view! {
        <form
            class="weights-url"
            on:submit=move |event: ev::SubmitEvent| {
                event.prevent_default();
                let value = url.get_untracked().trim().to_string();
                if !value.is_empty() {
                    on_url(value);
                }
            }
        >
            <label>
                "Weights URL (torchvision ResNet50 .safetensors; quantized once, then cached) "
                <input type="url" data-testid="weights-url" bind:value=url placeholder="https://…/resnet50.safetensors" />
            </label>
            <button type="submit" data-testid="load-url">"Load"</button>
        </form>
    }
}

/// What Cache Storage holds, with a delete button per file.
#[component]
fn CachedModels(cached: RwSignal<Vec<CachedFile>>, on_delete: impl Fn(String) + Send + Sync + 'static) -> impl IntoView {
    let on_delete = Callback::new(on_delete);
    view! {
        <h3>"Cached on this device"</h3>
        <Show when=move || !cached.get().is_empty() fallback=|| view! { <p data-testid="cache-empty">"Nothing cached."</p> }>
            <ul data-testid="cached-list">
                <For each=move || cached.get() key=|file| file.url.clone() let(file)>
                    {
                        let url = file.url.clone();
                        view! {
                            <li data-testid="cached-file" data-url=file.url.clone()>
                                <span>{format!("{} — {}", file.url, megabytes(file.bytes))}</span>
                                <button data-testid="delete-cached" on:click=move |_| on_delete.run(url.clone())>"Delete"</button>
                            </li>
                        }
                    }
                </For>
            </ul>
        </Show>
    }
}
