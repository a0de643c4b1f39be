//! Every way to hand the app a file: picker, drag-and-drop, paste.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{FileList, HtmlInputElement};

/// A file picker and drop zone; also listens for pasted images on the window.
/// `on_file` receives each file (images are classified, `.safetensors` files loaded as weights).
#[component]
pub fn ImageInput(on_file: impl Fn(web_sys::File) + Clone + 'static, busy: RwSignal<bool>) -> impl IntoView {
    let hovering = RwSignal::new(false);
    let deliver = move |files: Option<FileList>| {
        if let Some(file) = files.and_then(|list| list.get(0)) {
            on_file(file);
        }
    };
    let on_change = {
        let deliver = deliver.clone();
        move |event: ev::Event| {
            let input: Option<HtmlInputElement> = event.target().and_then(|t| t.dyn_into().ok());
            if let Some(input) = input {
                deliver(input.files());
                input.set_value("");
            }
        }
    };
    let on_drop = {
        let deliver = deliver.clone();
        move |event: ev::DragEvent| {
            event.prevent_default();
            hovering.set(false);
            deliver(event.data_transfer().and_then(|d| d.files()));
        }
    };
    let paste = window_event_listener(ev::paste, move |event: ev::ClipboardEvent| {
        deliver(event.clipboard_data().and_then(|d| d.files()));
    });
    on_cleanup(move || paste.remove());

    view! {
        <section
            class="drop-zone"
            class:hovering=move || hovering.get()
            data-testid="drop-zone"
            on:dragover=move |event: ev::DragEvent| {
                event.prevent_default();
                hovering.set(true);
            }
            on:dragleave=move |_| hovering.set(false)
            on:drop=on_drop
        >
            <label>
                "Choose, drop or paste a photo (JPEG, PNG, WebP, GIF, BMP) — or a ResNet50 .safetensors file "
                <input type="file" accept="image/*,.safetensors" data-testid="file-input" on:change=on_change />
            </label>
            <p class="busy" data-testid="busy" hidden=move || !busy.get()>"Working…"</p>
        </section>
    }
}

/// A URL of torchvision-layout (fp32) or int8 ResNet50 safetensors to load instead.
#[component]
pub fn WeightsUrlForm(on_url: impl Fn(String) + 'static) -> impl IntoView {
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
