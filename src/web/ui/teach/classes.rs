//! One card per class: name (editable), example count, hold-to-record, upload or drop of
//! many images, deleting the class, and below (so nothing above the held button moves)
//! the latest thumbnails with delete. A card lives as long as its class: its figures
//! change in place, so a held button and the keyboard focus stay where they are.

use crate::vision::views::thumbnail_url;
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use super::Teach;
use crate::train::project::Project;
use crate::web::platform::files::{file_list, take_files};

/// Thumbnails shown per class (the newest); the count covers all.
const SHOWN: usize = 24;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ClassSummary {
    name: String,
    count: usize,
    /// (example id, data URL), newest first.
    thumbnails: Vec<(u64, String)>,
}

impl ClassSummary {
    fn of(project: &Project, class: u32) -> Self {
        let Some(name) = project.classes.iter().find(|c| c.id == class).map(|c| c.name.clone()) else { return Self::default() };
        let examples: Vec<_> = project.examples.iter().filter(|e| e.class == class).collect();
        let thumbnails = examples.iter().rev().take(SHOWN).map(|e| (e.id, thumbnail_url(&e.thumbnail))).collect();
        Self { name, count: examples.len(), thumbnails }
    }
}

/// A card for every class of the project.
#[component]
pub fn ClassCards(teach: Teach) -> impl IntoView {
    let ids = Memo::new(move |_| teach.project.with(|p| p.classes.iter().map(|c| c.id).collect::<Vec<_>>()));
    // Recording is a hold: letting go anywhere, or leaving the window, ends it.
    let released = window_event_listener(ev::pointerup, move |_| teach.stop_recording());
    let key_released = window_event_listener(ev::keyup, move |event: ev::KeyboardEvent| {
        if event.key() == " " || event.key() == "Enter" {
            teach.stop_recording();
        }
    });
    let left = window_event_listener(ev::blur, move |_| teach.stop_recording());
    on_cleanup(move || {
        released.remove();
        key_released.remove();
        left.remove();
    });
    view! {
        <Show when=move || ids.with(Vec::is_empty)>
            <div class="empty-state" data-testid="classes-empty">
                <p class="lead">"No classes yet."</p>
                <p>"Name one above, then give it examples: hold “Hold to record” with the camera on, or add or drop images on its card. Two classes with examples are enough to train."</p>
            </div>
        </Show>
        <div class="class-cards">
            <For each=move || ids.get() key=|id| *id children=move |id| view! { <ClassCard teach id /> } />
        </div>
    }
}

#[component]
fn ClassCard(teach: Teach, id: u32) -> impl IntoView {
    let summary = Memo::new(move |_| teach.project.with(|p| ClassSummary::of(p, id)));
    let name = move || summary.with(|s| s.name.clone());
    let count = move || summary.with(|s| s.count);
    let recording = move || teach.recording.get() == Some(id);
    let start = move || teach.start_recording(id);
    let stop = move || teach.stop_recording();
    let on_upload = move |event: ev::Event| teach.add_files(id, take_files(&event));
    let thumbnails = move || summary.with(|s| s.thumbnails.clone());
    view! {
        <article
            class="card class-card"
            data-testid="class"
            data-name=name
            data-count=count
            aria-label=move || format!("Class {}", name())
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
                    prop:value=name
                    on:change=move |event: ev::Event| {
                        let input: Option<HtmlInputElement> = event.target().and_then(|t| t.dyn_into().ok());
                        if let Some(input) = input {
                            teach.rename_class(id, input.value());
                        }
                    }
                />
                <p class="count" data-testid="class-count">{move || format!("{} example{}", count(), if count() == 1 { "" } else { "s" })}</p>
            </div>
            <div class="card-actions">
                <button
                    type="button"
                    class="record"
                    data-testid="record"
                    aria-pressed=move || recording().to_string()
                    on:pointerdown=move |_| start()
                    on:pointerleave=move |_| stop()
                    // A long press on a phone opens no menu over the button being held.
                    on:contextmenu=|event: ev::MouseEvent| event.prevent_default()
                    on:keydown=move |event: ev::KeyboardEvent| {
                        if (event.key() == " " || event.key() == "Enter") && !event.repeat() {
                            event.prevent_default();
                            start();
                        }
                    }
                >
                    {move || if recording() { "Recording…" } else { "Hold to record" }}
                </button>
                <label class="button file-button">
                    <input type="file" accept="image/*" multiple data-testid="class-upload" on:change=on_upload />
                    "Add images"
                </label>
                <button type="button" class="danger quiet" data-testid="delete-class" aria-label=move || format!("Delete class {}", name())
                    on:click=move |_| teach.delete_class(id)>"Delete"</button>
            </div>
            <Show when=move || count() == 0>
                <p class="hint">"No examples yet: record, add images, or drop them on this card."</p>
            </Show>
            <ul class="thumbs" aria-label=move || format!("Examples of {}", name())>
                <For each=thumbnails key=|(example, _)| *example let((example, url))>
                    <li>
                        <img src=url alt="" width="56" height="56" />
                        <button type="button" class="delete-example" data-testid="delete-example" aria-label="Delete this example" title="Delete this example"
                            on:click=move |_| teach.delete_example(example)>"×"</button>
                    </li>
                </For>
            </ul>
            <Show when=move || { count() > SHOWN }>
                <p class="more hint">{format!("showing the newest {SHOWN}")}</p>
            </Show>
        </article>
    }
}
