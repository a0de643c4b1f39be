//! Hears a WebGPU device's loss (a driver reset, the browser's GPU process gone,
//! `GPUDevice.destroy()`): wraps `navigator.gpu.requestAdapter` so that every device this
//! worker gets reports `GPUDevice.lost`. burn never sees a loss as an error (the next pass
//! waits for ever), so this is how the page learns it must start a new worker.
//!
//! A test hook (`?expose-gpu-device` on the page) also keeps the device at `self.gpuDevice`,
//! so an end-to-end test can destroy it.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::web::platform::scope::navigator;

/// Calls `on_lost` with the browser's reason when a device requested from now on is lost.
pub fn watch_devices(expose: bool, on_lost: impl Fn(String) + Clone + 'static) {
    let Some(gpu) = Reflect::get(&navigator(), &"gpu".into()).ok().filter(JsValue::is_object) else { return };
    wrap(&gpu, "requestAdapter", move |adapter| {
        if !adapter.is_object() {
            return;
        }
        let on_lost = on_lost.clone();
        wrap(&adapter, "requestDevice", move |device| {
            if expose {
                let _ = Reflect::set(&js_sys::global(), &"gpuDevice".into(), &device);
            }
            let Some(lost) = Reflect::get(&device, &"lost".into()).ok().and_then(|p| p.dyn_into::<Promise>().ok()) else { return };
            let on_lost = on_lost.clone();
            let heard = Closure::<dyn FnMut(JsValue)>::once(move |info: JsValue| on_lost(reason(&info)));
            let _ = lost.then(&heard);
            heard.forget();
        });
    });
}

/// `GPUDeviceLostInfo` in words: its message, and its reason where it is not "unknown".
fn reason(info: &JsValue) -> String {
    let field = |name: &str| Reflect::get(info, &name.into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
    let (message, reason) = (field("message"), field("reason"));
    match (message.is_empty(), reason.as_str()) {
        (true, "" | "unknown") => "no reason given".into(),
        (true, reason) => reason.into(),
        (false, "" | "unknown") => message,
        (false, reason) => format!("{message} ({reason})"),
    }
}

/// Replaces `target[method]` by a function that calls the original and hands its promised
/// result to `seen` first (a `then` added before the caller's own, so it runs first).
fn wrap(target: &JsValue, method: &str, seen: impl Fn(JsValue) + Clone + 'static) {
    let Some(original) = Reflect::get(target, &method.into()).ok().and_then(|f| f.dyn_into::<Function>().ok()) else { return };
    let this = target.clone();
    let wrapped = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |argument: JsValue| {
        let Ok(promise) = original.call1(&this, &argument).and_then(|p| p.dyn_into::<Promise>()) else {
            return JsValue::UNDEFINED;
        };
        let seen = seen.clone();
        let keep = Closure::<dyn FnMut(JsValue)>::once(move |value: JsValue| seen(value));
        let _ = promise.then(&keep);
        keep.forget();
        promise.into()
    });
    let _ = Reflect::set(target, &method.into(), wrapped.as_ref());
    wrapped.forget();
}
