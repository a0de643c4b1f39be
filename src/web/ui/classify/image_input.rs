//! Every way to hand the app a file: picker, drag-and-drop, paste.

use leptos::ev;
use leptos::prelude::*;

use crate::web::platform::drops::read_drop;
use crate::web::platform::files::{file_list, take_files};

/// File and folder pickers and a drop zone; also listens for pasted images on the window
/// while `active`. `on_files` receives what the user gave, in order (one image is
/// classified on its own, several as a batch; a `.safetensors` file is loaded as weights).
#[component]
pub fn ImageInput(on_files: impl Fn(Vec<web_sys::File>) + Clone + 'static, active: Signal<bool>) -> impl IntoView {
    let hovering = RwSignal::new(false);
    let on_change = {
        let on_files = on_files.clone();
        move |event: ev::Event| {
            let files = take_files(&event);
            if !files.is_empty() {
                on_files(files);
            }
        }
    };
    let on_drop = {
        let on_files = on_files.clone();
        move |event: ev::DragEvent| {
            hovering.set(false);
            let on_files = on_files.clone();
            let take = move |files: Vec<(String, web_sys::File)>| {
                if !files.is_empty() {
                    on_files(files.into_iter().map(|(_, file)| file).collect());
                }
            };
            read_drop(&event, take, |message| web_sys::console::warn_1(&format!("the drop could not be read: {message}").into()));
        }
    };
    let paste = {
        let on_files = on_files.clone();
        window_event_listener(ev::paste, move |event: ev::ClipboardEvent| {
            if !active.get_untracked() {
                return;
            }
            let files = file_list(event.clipboard_data().and_then(|d| d.files()));
            if !files.is_empty() {
                on_files(files);
            }
        })
    };
    on_cleanup(move || paste.remove());
    // Makes the second picker choose a folder (an attribute Leptos has no name for).
    let folder = NodeRef::<leptos::html::Input>::new();
    Effect::new(move || {
        if let Some(input) = folder.get() {
            let _ = input.set_attribute("webkitdirectory", "");
        }
    });

    view! {
        <section
            class="drop-zone"
            aria-label="Photos to classify"
            class:hovering=move || hovering.get()
            data-testid="drop-zone"
            on:dragover=move |event: ev::DragEvent| {
                event.prevent_default();
                hovering.set(true);
            }
            on:dragleave=move |_| hovering.set(false)
            on:drop=on_drop
        >
            <p class="lead">"Drop photos or a folder here"</p>
            <p class="hint">"or paste one (Ctrl+V) · JPEG, PNG, WebP, GIF, BMP · several make a batch"</p>
            <div class="pickers">
                <label class="button primary file-button">
                    <input type="file" multiple accept="image/*,.safetensors" data-testid="file-input" on:change=on_change.clone() />
                    "Choose photos"
                </label>
                <label class="button file-button">
                    <input type="file" node_ref=folder data-testid="folder-input" on:change=on_change />
                    "Choose a folder"
                </label>
            </div>
        </section>
    }
}
