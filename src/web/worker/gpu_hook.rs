//! A test hook (`?expose-gpu-device` on the page): the worker keeps the `GPUDevice` it
//! creates at `self.gpuDevice`, so an end-to-end test can destroy it — a real device loss —
//! and see the page recover. Nothing in the app reads it.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::web::platform::scope::navigator;

/// Wraps `navigator.gpu.requestAdapter` so that every adapter it gives keeps its devices.
pub fn expose_device() {
    let Some(gpu) = Reflect::get(&navigator(), &"gpu".into()).ok().filter(JsValue::is_object) else { return };
    wrap(&gpu, "requestAdapter", |adapter| {
        if adapter.is_object() {
            wrap(&adapter, "requestDevice", |device| {
                let _ = Reflect::set(&js_sys::global(), &"gpuDevice".into(), &device);
            });
        }
    });
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
