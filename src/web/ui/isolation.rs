//! Cross-origin isolation on hosts that send no COOP/COEP (static hosts): the service worker
//! adds the headers, but only to the loads it controls, so a first visit computes on one
//! thread. Once the worker controls the page, and the CPU path runs with nothing under way
//! (a model ready), the page reloads once in the tab's session, isolated.

use js_sys::Reflect;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use super::status::ModelStatus;
use super::studio::Studio;
use crate::web::platform::remembered::first_in_session;
use crate::web::platform::scope::{cross_origin_isolated, navigator};

/// Watches for the moment a reload would isolate the page and the CPU path would gain threads.
pub fn reload_once_isolated(studio: Studio) {
    let Some(workers) = Reflect::get(&navigator(), &"serviceWorker".into()).ok().filter(JsValue::is_object) else { return };
    if cross_origin_isolated() {
        return;
    }
    let controlled = RwSignal::new(Reflect::get(&workers, &"controller".into()).is_ok_and(|c| c.is_object()));
    let on_change = Closure::<dyn FnMut()>::new(move || controlled.set(true));
    let _ = workers.unchecked_into::<web_sys::EventTarget>().add_event_listener_with_callback("controllerchange", on_change.as_ref().unchecked_ref());
    on_change.forget();
    Effect::new(move || {
        let one_thread = studio.model.backend.with(|b| b.as_ref().is_some_and(|b| !b.is_webgpu() && b.one_thread_because.is_some()));
        let idle = !studio.busy.get() && matches!(studio.status.get(), ModelStatus::Ready { .. });
        if one_thread && idle && controlled.get() && first_in_session("transfer-studio-isolating-reload") {
            let _ = web_sys::window().map(|w| w.location().reload());
        }
    });
}
