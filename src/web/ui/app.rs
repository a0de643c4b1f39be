//! The page: starts the model worker, has it load the model chosen last or the manifest's
//! default (cache or network, the demo model when that cannot be), and shows one of the two
//! modes under a header that holds the model picker and the device's details.

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::classify::ClassifyPanel;
use super::header::{Header, Notices};
use super::isolation;
use super::mode::{Mode, follow_address};
use super::model_choice::{CHOICE_KEY, Choice, resolve};
use super::studio::Studio;
use super::teach::panel::TeachPanel;
use crate::model::timm::DEFAULT_HUB;
use crate::web::platform::remembered;
use crate::web::platform::scope::BrowserError;
use crate::web::worker::delete_cached;

/// The whole page: header, then Classify or Teach (both kept, one shown).
#[component]
pub fn App() -> impl IntoView {
    let studio = Studio::new();
    spawn_local(studio.open());
    isolation::reload_once_isolated(studio);
    let mode = follow_address();

    let on_choose = move |choice: Choice| studio.run(studio.choose(choice));
    let on_text = move |text: String| {
        studio.run(async move {
            let hub = studio.manifest.with_untracked(|m| m.as_ref().map(|m| m.hub().to_string())).unwrap_or_else(|| DEFAULT_HUB.into());
            // Two kinds of failure, one line on the page: words here.
            let choice = resolve(&text, &hub).await.map_err(|e| e.to_string())?;
            studio.choose(choice).await.map_err(|e| e.to_string())
        })
    };
    let on_delete = move |key: String| {
        studio.run(async move {
            if remembered::recall::<Choice>(CHOICE_KEY).is_some_and(|choice| choice.cache_key() == key) {
                remembered::remember::<Choice>(CHOICE_KEY, None);
            }
            delete_cached(&key).await?;
            studio.refresh_cached().await;
            Ok::<_, BrowserError>(())
        })
    };
    let showing = move |which: Mode| Signal::derive(move || mode.get() == which);
    // A file dropped outside a drop target must not make the browser leave the page for it.
    let over = window_event_listener(ev::dragover, |event| event.prevent_default());
    let dropped = window_event_listener(ev::drop, |event| event.prevent_default());
    on_cleanup(move || {
        over.remove();
        dropped.remove();
    });
    // A message about the mode left behind would read as one about the mode shown.
    Effect::watch(move || mode.get(), move |_, _, _| studio.error.set(None), false);

    view! {
        <Header studio mode on_choose on_text on_delete />
        <main>
            <Notices studio />
            <ClassifyPanel studio active=showing(Mode::Classify) />
            <TeachPanel model=studio.model shared=studio.shared.get_value() active=showing(Mode::Teach) />
        </main>
    }
}
