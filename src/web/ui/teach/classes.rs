//! One card per class: name (editable), example count, hold-to-record, upload or drop of
//! many images, deleting the class, and below (so nothing above the held button moves)
//! the latest thumbnails with delete.

use base64::Engine;
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use super::Teach;
use crate::web::platform::files::{file_list, take_files};

/// Thumbnails shown per class (the newest); the count covers all.
const SHOWN: usize = 24;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ClassSummary {
    id: u32,
    name: String,
    count: usize,
    /// (example id, data URL), newest first.
    thumbnails: Vec<(u64, String)>,
}

/// A card for every class of the project.
#[component]
pub fn ClassCards(teach: Teach) -> impl IntoView {
    let summaries = Memo::new(move |_| {
        teach.project.with(|p| {
            p.classes
                .iter()
                .map(|c| {
                    let examples: Vec<_> = p.examples.iter().filter(|e| e.class == c.id).collect();
                    let thumbnails = examples
                        .iter()
                        .rev()
                        .take(SHOWN)
                        .map(|e| (e.id, format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(&e.thumbnail))))
                        .collect();
                    ClassSummary { id: c.id, name: c.name.clone(), count: examples.len(), thumbnails }
                })
                .collect::<Vec<_>>()
        })
    });
    // A card is drawn anew as each example arrives, so the button held may be gone when the
    // pointer is released: any release ends recording.
    let released = window_event_listener(ev::pointerup, move |_| teach.stop_recording());
    on_cleanup(move || released.remove());
    view! {
        <Show when=move || summaries.with(Vec::is_empty)>
            <div class="empty-state" data-testid="classes-empty">
                <p class="lead">"No classes yet."</p>
                <p>"Name one above, then give it examples: hold “Hold to record” with the camera on, or add or drop images on its card. Two classes with examples are enough to train."</p>
            </div>
        </Show>
        <div class="class-cards">
            <For each=move || summaries.get() key=|s| s.clone() children=move |s| view! { <ClassCard teach summary=s /> } />
        </div>
    }
}

#[component]
fn ClassCard(teach: Teach, summary: ClassSummary) -> impl IntoView {
    let ClassSummary { id, name, count, thumbnails } = summary;
    let recording = move || teach.recording.get() == Some(id);
    let start = move || teach.start_recording(id);
    let stop = move || teach.stop_recording();
    let on_upload = move |event: ev::Event| teach.add_files(id, take_files(&event));
    let label = name.clone();
    let list_label = name.clone();
    let thumbs = thumbnails
        .into_iter()
        .map(|(example, url)| {
            view! {
                <li>
                    <img src=url alt="" width="48" height="48" />
                    <button type="button" class="delete-example" data-testid="delete-example" aria-label="Delete this example" title="Delete this example"
                        on:click=move |_| teach.delete_example(example)>"×"</button>
                </li>
            }
        })
        .collect_view();
    view! {
        <article
            class="card class-card"
            data-testid="class"
            data-name=name.clone()
            data-count=count
            on:dragover=|event: ev::DragEvent| event.prevent_default()
            on:drop=move |event: ev::DragEvent| {
                event.prevent_default();
                teach.add_files(id, file_list(event.data_transfer().and_then(|d| d.files())));
            }
        >
            <div class="card-head">
            <input
                type="text"
                class="class-name"
                data-testid="class-name"
                aria-label="Class name"
                prop:value=name.clone()
                on:change=move |event: ev::Event| {
                    let input: Option<HtmlInputElement> = event.target().and_then(|t| t.dyn_into().ok());
                    if let Some(input) = input {
                        teach.rename_class(id, input.value());
                    }
                }
            />
            <p class="count" data-testid="class-count">{format!("{count} example{}", if count == 1 { "" } else { "s" })}</p>
            </div>

            <div class="card-actions">
                <button
                    type="button"
                    class="record"
                    data-testid="record"
                    aria-pressed=move || recording().to_string()
                    on:pointerdown=move |_| start()
                    on:pointerup=move |_| stop()
                    on:pointerleave=move |_| stop()
                    on:keydown=move |event: ev::KeyboardEvent| {
                        if (event.key() == " " || event.key() == "Enter") && !event.repeat() {
                            event.prevent_default();
                            start();
                        }
                    }
                    on:keyup=move |event: ev::KeyboardEvent| {
                        if event.key() == " " || event.key() == "Enter" {
                            stop();
                        }
                    }
                >
                    {move || if recording() { "Recording…" } else { "Hold to record" }}
                </button>
                <label class="button file-button">
                    <input type="file" accept="image/*" multiple data-testid="class-upload" on:change=on_upload />
                    "Add images"
                </label>
                <button type="button" class="danger quiet" data-testid="delete-class" aria-label=format!("Delete class {label}")
                    on:click=move |_| teach.delete_class(id)>"Delete"</button>
            </div>
            {(count == 0).then(|| view! { <p class="hint">"No examples yet: record, add images, or drop them on this card."</p> })}
            <ul class="thumbs" aria-label=format!("Examples of {list_label}")>{thumbs}</ul>
            {(count > SHOWN).then(|| view! { <p class="more hint">{format!("showing the newest {SHOWN}")}</p> })}
        </article>
    }
}
