//! The page's header: the name, the two modes, the model picker and the device popover on
//! the first row; the model's state (progress while it downloads) on the second. Then the
//! notices at the top of the main content: the first visit's notice, the banner that marks
//! demo or user weights, the last error.

use leptos::prelude::*;

use super::device_details::{DeviceDetails, DeviceNote};
use super::first_visit::NoticeView;
use super::menus::close_menus_on_escape_or_outside_click;
use super::mode::{Mode, ModeTabs};
use super::model_choice::Choice;
use super::models_panel::ModelsPanel;
use super::status::{ModelBanner, ModelStatusView};
use super::studio::Studio;

/// The header; the callbacks are the model picker's (see [`ModelsPanel`]).
#[component]
pub fn Header(
    studio: Studio,
    mode: ReadSignal<Mode>,
    on_choose: impl Fn(Choice) + Send + Sync + 'static,
    on_text: impl Fn(String) + 'static,
    on_delete: impl Fn(String) + Send + Sync + 'static,
) -> impl IntoView {
    let on_cancel = Callback::new(move |()| studio.model.client().cancel_download());
    close_menus_on_escape_or_outside_click();
    view! {
        <header class="app-header">
            <div class="bar">
                <h1 class="brand">
                    <img src="icons/icon-192.png" alt="" width="28" height="28" />
                    "Transfer Studio"
                </h1>
                <ModeTabs mode />
                <div class="tools">
                    <ModelsPanel studio on_choose on_text on_delete />
                    <DeviceDetails backend=studio.model.backend memory=studio.model.memory />
                </div>
            </div>
            <div class="status-line">
                <ModelStatusView status=studio.status on_cancel />
                <p class="busy" data-testid="busy" role="status" hidden=move || !studio.busy.get()>"Working…"</p>
                <DeviceNote backend=studio.model.backend />
            </div>
        </header>
    }
}

/// What the page has to tell beyond the model's state: the first visit's notice, the banner
/// marking demo or user weights, the last error (dismissable).
#[component]
pub fn Notices(studio: Studio) -> impl IntoView {
    view! {
        <div class="notices">
            <NoticeView studio />
            <ModelBanner status=studio.status />
            <Show when=move || studio.error.get().is_some()>
                <div class="error dismissable" role="alert">
                    <p data-testid="error">{move || studio.error.get().unwrap_or_default()}</p>
                    <button type="button" class="quiet" data-testid="dismiss-error" aria-label="Dismiss this message" on:click=move |_| studio.error.set(None)>
                        "×"
                    </button>
                </div>
            </Show>
        </div>
    }
}
