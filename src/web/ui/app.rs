//! The page: starts the model worker, has it load the model chosen last or the manifest's
//! default (cache or network, the demo model when that cannot be), classifies what the user
//! gives it, and loads other models from the picker without losing the current one.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::batch::{Batch, BatchTable};
use super::first_visit::NoticeView;
use super::image_input::ImageInput;
use super::live::LiveClassify;
use super::memory::MemoryReadout;
use super::models_panel::ModelsPanel;
use super::photo_result::PhotoResult;
use super::sources::{CHOICE_KEY, Choice, resolve};
use super::status::{BackendBadge, ModelBanner, ModelStatusView};
use super::studio::Studio;
use super::teach::TeachPanel;
use crate::model::timm::DEFAULT_HUB;
use crate::web::platform::remembered;
use crate::web::worker::delete_cached;

/// The whole page: status, classify (photo, batch, webcam), teach, models.
#[component]
pub fn App() -> impl IntoView {
    let studio = Studio::new();
    spawn_local(studio.open());

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
    let on_choose = move |choice: Choice| studio.run(studio.choose(choice));
    let on_text = move |text: String| {
        studio.run(async move {
            let hub = studio.manifest.with_untracked(|m| m.as_ref().map(|m| m.hub().to_string())).unwrap_or_else(|| DEFAULT_HUB.into());
            studio.choose(resolve(&text, &hub).await?).await
        })
    };
    let on_delete = move |key: String| {
        studio.run(async move {
            if remembered::recall::<Choice>(CHOICE_KEY).is_some_and(|choice| choice.cache_key() == key) {
                remembered::remember::<Choice>(CHOICE_KEY, None);
            }
            delete_cached(&key).await?;
            studio.refresh_cached().await;
            Ok(())
        })
    };
    let on_cancel = Callback::new(move |()| studio.model.cancel_download());

    view! {
        <header>
            <h1>"Transfer Studio"</h1>
            <BackendBadge backend=studio.model.backend />
        </header>
        <ModelBanner status=studio.status />
        <NoticeView studio />
        <ModelStatusView status=studio.status on_cancel />
        <ImageInput on_files=on_files busy=studio.busy />
        <Show when=move || studio.error.get().is_some()>
            <p class="error" role="alert" data-testid="error">{move || studio.error.get().unwrap_or_default()}</p>
        </Show>
        <PhotoResult photo=studio.photo />
        <BatchTable batch />
        <LiveClassify model=studio.model />
        <MemoryReadout memory=studio.memory />
        <TeachPanel model=studio.model />
        <ModelsPanel studio on_choose on_text on_delete />
    }
}
