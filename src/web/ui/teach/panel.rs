//! The Teach section of the page, put together.

use leptos::ev;
use leptos::prelude::*;

use super::Teach;
use super::classes::ClassCards;
use super::prediction_view::HeadPredictionView;
use super::project_file::ProjectFile;
use super::training_panel::TrainingPanel;
use crate::web::platform::files::take_files;
use crate::web::ui::webcam::WebcamControls;
use crate::web::worker::ModelHandle;

/// Teach mode's section: classes, training, trying the classifier, the project file.
#[component]
pub fn TeachPanel(model: ModelHandle) -> impl IntoView {
    let teach = Teach::new(model);
    let new_class = RwSignal::new(String::new());
    let on_predict_file = move |event: ev::Event| {
        if let Some(file) = take_files(&event).into_iter().next() {
            teach.predict_file(file);
        }
    };
    view! {
        <section class="teach" aria-labelledby="teach-title" data-testid="teach">
            <h2 id="teach-title">"Teach your own classes"</h2>
            <p class="hint">
                "Make a class for each kind of thing, give each a few examples (camera or images), then train. "
                "Features are computed once per example, on this device; nothing leaves the browser."
            </p>
            <Show when=move || teach.message.get().is_some()>
                <p class="error" role="alert" data-testid="teach-message">{move || teach.message.get().unwrap_or_default()}</p>
            </Show>
            <form class="add-class" on:submit=move |event: ev::SubmitEvent| {
                event.prevent_default();
                teach.add_class(new_class.get_untracked());
                new_class.set(String::new());
            }>
                <label>"New class " <input type="text" data-testid="new-class-name" bind:value=new_class placeholder="e.g. mug" /></label>
                <button type="submit" data-testid="add-class">"Add class"</button>
            </form>
            <details class="camera" open>
                <summary>"Camera"</summary>
                <WebcamControls webcam=teach.webcam testid="camera" />
            </details>
            <ClassCards teach />
            <p class="pending" data-testid="pending" hidden=move || teach.pending.get() == 0>
                {move || format!("Computing features of {} example(s)…", teach.pending.get())}
            </p>
            <p class="saving" data-testid="saving" aria-live="polite" hidden=move || teach.storage.saving.get().is_none()>
                {move || teach.storage.saving.get().map(|(stored, total)| format!(
                    "Saving the project in this browser: {stored} of {total} examples stored (a reload before the end loses it)…"
                ))}
            </p>
            <TrainingPanel teach />
            <section class="try" aria-labelledby="try-title">
                <h3 id="try-title">"Try it"</h3>
                <label class="button">
                    "Classify an image with your classes "
                    <input type="file" accept="image/*" data-testid="teach-predict-file" on:change=on_predict_file />
                </label>
                <Show
                    when=move || teach.live.get()
                    fallback=move || view! { <button type="button" data-testid="live-start" on:click=move |_| teach.start_live()>"Predict live from the camera"</button> }
                >
                    <button type="button" data-testid="live-stop" on:click=move |_| teach.live.set(false)>"Stop live prediction"</button>
                </Show>
                <HeadPredictionView prediction=teach.prediction />
            </section>
            <ProjectFile teach />
        </section>
    }
}
