//! Classify mode: a photo (chosen, dropped or pasted) named with its top-5 and the map of
//! where the model looked, beside it; several photos or a folder as a batch table; the
//! webcam classified continuously.

mod batch;
mod image_input;
mod live;
mod photo_result;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::studio::Studio;
use batch::{Batch, BatchTable};
use image_input::ImageInput;
use live::LiveClassify;
use photo_result::PhotoResult;

/// The mode's section; hidden (and its camera released) while `active` is off.
#[component]
pub fn ClassifyPanel(studio: Studio, active: Signal<bool>) -> impl IntoView {
    let batch = Batch::new();
    let on_files = move |mut files: Vec<web_sys::File>| {
        if files.len() == 1 {
            let file = files.remove(0);
            batch.clear();
            studio.run(async move { studio.take_file(file).await });
        } else {
            files.retain(|f| !f.name().ends_with(".safetensors"));
            studio.photo.set(None);
            spawn_local(batch.run(studio.model, files));
        }
    };
    let nothing_yet = move || studio.photo.with(Option::is_none) && batch.total.get() == 0;
    view! {
        <section class="mode-panel classify" aria-labelledby="classify-title" data-testid="classify" hidden=move || !active.get()>
            <h2 id="classify-title" class="visually-hidden">"Classify"</h2>
            <div class="classify-grid">
                <div class="inputs">
                    <ImageInput on_files active />
                    <LiveClassify model=studio.model active />
                </div>
                <div class="outputs">
                    <Show when=nothing_yet>
                        <div class="empty-state" data-testid="classify-empty">
                            <p class="lead">"Nothing classified yet."</p>
                            <p>"Give it a photo: its five likeliest ImageNet classes appear here, with where the model looked for each."</p>
                        </div>
                    </Show>
                    <PhotoResult photo=studio.photo />
                    <BatchTable batch model=studio.model />
                </div>
            </div>
        </section>
    }
}
