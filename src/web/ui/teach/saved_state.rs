//! How the project stands in this browser's storage: a whole project being written, or
//! writing paused and the user's ways out.

use leptos::prelude::*;

use super::Teach;
use super::storage::Paused;

/// The saving line and, while writing is paused, why and what the user can do.
#[component]
pub fn SavedState(teach: Teach) -> impl IntoView {
    let paused = teach.storage.paused;
    let why = move || match paused.get() {
        Some(Paused::Load(problem)) => format!("The project saved in this browser could not be read whole ({problem})."),
        Some(Paused::Write(problem)) => format!("The last change could not be saved in this browser: {problem}."),
        Some(Paused::OtherTab) => "The project was changed in another tab.".into(),
        None => String::new(),
    };
    let cause = move || match paused.get() {
        Some(Paused::Load(_)) => "load",
        Some(Paused::Write(_)) => "write",
        Some(Paused::OtherTab) => "other-tab",
        None => "",
    };
    let can_reload = move || matches!(paused.get(), Some(Paused::Load(_) | Paused::OtherTab));
    let can_save = move || matches!(paused.get(), Some(Paused::Write(_) | Paused::OtherTab));
    view! {
        <p class="saving" data-testid="saving" aria-live="polite" hidden=move || !teach.storage.saving.get()>
            "Saving the project in this browser (all or nothing: a reload now keeps the previous one)…"
        </p>
        <Show when=move || paused.get().is_some()>
            <div class="storage-paused" role="alert" data-testid="storage-paused" data-cause=cause>
                <p>{why}" Changes here are not being saved, so nothing stored is overwritten."</p>
                <div class="actions">
                    <Show when=can_reload>
                        <button type="button" data-testid="storage-reload" on:click=move |_| teach.resume(true)>"Load the saved project"</button>
                    </Show>
                    <Show when=can_save>
                        <button type="button" class="primary" data-testid="storage-save" on:click=move |_| teach.resume(false)>"Save this one instead"</button>
                    </Show>
                    <button type="button" data-testid="storage-export" on:click=move |_| teach.export()>"Export what is shown"</button>
                </div>
                <p class="hint">"Or start over with “Clear project…” below."</p>
            </div>
        </Show>
    }
}
