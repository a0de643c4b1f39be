//! Teach mode's section, put together: the shared camera above the class cards on one
//! side, training and trying the classifier on the other (on narrow screens one column in
//! the same order, which is also the keyboard's).

use leptos::ev;
use leptos::prelude::*;

use super::Teach;
use super::classes::ClassCards;
use super::dataset_panel::DatasetPanel;
use super::export_panel::ExportPanel;
use super::label_next::LabelNext;
use super::map_view::ExampleMapView;
use super::prediction_view::HeadPredictionView;
use super::project_file::ProjectFile;
use super::saved_state::SavedState;
use super::share_panel::SharePanel;
use super::shared_arrival::SharedArrivalCard;
use super::training_panel::TrainingPanel;
use crate::export::share::{ShareError, SharedHead};
use crate::web::platform::files::take_files;
use crate::web::ui::model_handle::ModelHandle;
use crate::web::ui::webcam::WebcamControls;

/// Teach mode's section; hidden (and its camera released) while `active` is off.
#[component]
pub fn TeachPanel(model: ModelHandle, shared: Option<Result<SharedHead, ShareError>>, active: Signal<bool>) -> impl IntoView {
    let teach = Teach::new(model, shared);
    teach.webcam.release_unless(active);
    let new_class = RwSignal::new(String::new());
    view! {
        <section class="mode-panel teach" aria-labelledby="teach-title" data-testid="teach" hidden=move || !active.get()
            data-storage=move || match (teach.storage.loaded.get(), teach.storage.paused.get().is_some()) {
                (false, _) => "loading",
                (true, false) => "ready",
                (true, true) => "paused",
            }>
            <div class="mode-intro">
                <h2 id="teach-title">"Teach your own classes"</h2>
                <p class="hint">
                    "Make a class for each kind of thing, give each a few examples (camera or images), then train. "
                    "Features are computed once per example, on this device; nothing leaves the browser."
                </p>
            </div>
            <Show when=move || teach.message.get().is_some()>
                <p class="error" role="alert" data-testid="teach-message">{move || teach.message.get().unwrap_or_default()}</p>
            </Show>
            <SharedArrivalCard teach />
            <div class="teach-grid">
                <div class="teach-main">
                <section class="card camera" aria-labelledby="camera-title">
                    <h3 id="camera-title">"Camera"</h3>
                    <p class="hint">"Shared by every class's “Hold to record” and by live prediction."</p>
                    <WebcamControls webcam=teach.webcam testid="camera" />
                </section>
                <section class="classes" aria-labelledby="classes-title">
                    <h3 id="classes-title">"Classes"</h3>
                    <form class="add-class" on:submit=move |event: ev::SubmitEvent| {
                        event.prevent_default();
                        teach.add_class(new_class.get_untracked());
                        new_class.set(String::new());
                    }>
                        <label for="new-class-name" class="visually-hidden">"New class name"</label>
                        <input type="text" id="new-class-name" data-testid="new-class-name" bind:value=new_class placeholder="New class, e.g. mug" />
                        <button type="submit" class="primary" data-testid="add-class">"Add class"</button>
                    </form>
                    <ClassCards teach />
                    <p class="pending" data-testid="pending" role="status" hidden=move || teach.pending.get() == 0>
                        {move || format!("Computing features of {} example(s)…", teach.pending.get())}
                    </p>
                    <DatasetPanel teach />
                    <SavedState teach />
                    <ProjectFile teach />
                </section>
                </div>
                <div class="teach-side">
                    <TrainingPanel teach />
                    <ExampleMapView teach />
                    <TryIt teach />
                    <LabelNext teach />
                    <ExportPanel teach />
                    <SharePanel teach />
                </div>
            </div>
        </section>
    }
}

/// An image or the live camera through the trained classifier.
#[component]
fn TryIt(teach: Teach) -> impl IntoView {
    let on_predict_file = move |event: ev::Event| {
        if let Some(file) = take_files(&event).into_iter().next() {
            teach.predict_file(file);
        }
    };
    let trained = move || teach.project.with(|p| p.current_head().is_some());
    view! {
        <section class="card try" aria-labelledby="try-title">
            <h3 id="try-title">"Try it"</h3>
            <Show when=move || !trained()>
                <p class="empty-state" data-testid="try-empty">"Once trained, your classifier names what is in an image or in front of the camera here."</p>
            </Show>
            <div class="actions">
                <label class="button file-button">
                    <input type="file" accept="image/*" data-testid="teach-predict-file" on:change=on_predict_file />
                    "Classify an image"
                </label>
                <button
                    type="button"
                    data-testid=move || if teach.live.get() { "live-stop" } else { "live-start" }
                    on:click=move |_| if teach.live.get_untracked() { teach.live.set(false) } else { teach.start_live() }
                >
                    {move || if teach.live.get() { "Stop live prediction" } else { "Predict live from the camera" }}
                </button>
            </div>
            <HeadPredictionView prediction=teach.prediction />
        </section>
    }
}
