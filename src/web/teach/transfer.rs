//! The project as a file: export (download), import, and clearing with a second click.

use js_sys::{Array, Uint8Array};
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, HtmlAnchorElement, Url};

use super::Teach;
use crate::web::browser::take_files;
use crate::web::device::describe;

/// Offers `bytes` to the user as a downloaded file.
pub fn download(bytes: &[u8], file_name: &str) -> Result<(), String> {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let blob = Blob::new_with_u8_array_sequence(&parts).map_err(describe)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(describe)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let anchor: HtmlAnchorElement = document.create_element("a").map_err(describe)?.unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    Url::revoke_object_url(&url).map_err(describe)
}

#[component]
pub fn ProjectFile(teach: Teach) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let on_import = move |event: ev::Event| {
        if let Some(file) = take_files(&event).into_iter().next() {
            teach.import(file);
        }
    };
    view! {
        <div class="project-file">
            <button type="button" data-testid="export-project" on:click=move |_| teach.export()>"Export project"</button>
            <label class="button">
                "Import project "
                <input type="file" accept=".safetensors" data-testid="import-project" on:change=on_import />
            </label>
            <Show
                when=move || confirming.get()
                fallback=move || view! {
                    <button type="button" data-testid="clear-project" on:click=move |_| confirming.set(true)>"Clear project…"</button>
                }
            >
                <span role="alert">"Delete every class, example and the trained classifier? "</span>
                <button type="button" class="danger" data-testid="confirm-clear" on:click=move |_| {
                    confirming.set(false);
                    teach.clear();
                }>"Delete all"</button>
                <button type="button" on:click=move |_| confirming.set(false)>"Keep"</button>
            </Show>
        </div>
    }
}
