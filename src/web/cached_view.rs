//! What Cache Storage holds, with a delete button per file.

use leptos::prelude::*;

use super::cache::CachedFile;

#[component]
pub fn CachedModels(cached: RwSignal<Vec<CachedFile>>, on_delete: impl Fn(String) + Send + Sync + 'static) -> impl IntoView {
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
                                <span>{format!("{} — {:.1} MB", file.url, file.bytes as f64 / 1e6)}</span>
                                <button data-testid="delete-cached" on:click=move |_| on_delete.run(url.clone())>"Delete"</button>
                            </li>
                        }
                    }
                </For>
            </ul>
        </Show>
    }
}
