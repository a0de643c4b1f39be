//! The project as a file: export (download), import, and clearing with a second click.

use leptos::ev;
use leptos::prelude::*;

use super::Teach;
use crate::web::platform::files::take_files;

/// Export, import and clear.
#[component]
pub fn ProjectFile(teach: Teach) -> impl IntoView {
    let confirming = RwSignal::new(false);
    // The question takes the focus, on its harmless answer, so the keyboard is not lost.
    let keep = NodeRef::<leptos::html::Button>::new();
    Effect::new(move || {
        if let Some(button) = keep.get() {
            let _ = button.focus();
        }
    });
    let on_import = move |event: ev::Event| {
        if let Some(file) = take_files(&event).into_iter().next() {
            teach.import(file);
        }
    };
    view! {
        <div class="project-file">
            <button type="button" data-testid="export-project" on:click=move |_| teach.export()>"Export project"</button>
            <label class="button file-button">
                <input type="file" accept=".safetensors" data-testid="import-project" on:change=on_import />
                "Import project"
            </label>
            <Show
                when=move || confirming.get()
                fallback=move || view! {
                    <button type="button" class="danger quiet" data-testid="clear-project" on:click=move |_| confirming.set(true)>"Clear project…"</button>
                }
            >
                <span role="alert">"Delete every class, example and the trained classifier? "</span>
                <button type="button" class="danger" data-testid="confirm-clear" on:click=move |_| {
                    confirming.set(false);
                    teach.clear();
                }>"Delete all"</button>
                <button type="button" node_ref=keep data-testid="keep-project" on:click=move |_| confirming.set(false)>"Keep"</button>
            </Show>
        </div>
    }
}
