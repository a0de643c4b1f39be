//! Small settings kept in localStorage across visits (e.g. the model the user chose last).
//! Storage that is blocked or full only loses the memory, never the action.

use js_sys::{Function, Reflect};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

/// Calls `localStorage.<method>(args…)`; `None` where storage is unavailable (e.g. blocked).
fn call(method: &str, args: &[&str]) -> Option<JsValue> {
    call_on("localStorage", method, args)
}

/// Calls `<area>.<method>(args…)` on `localStorage` or `sessionStorage`.
fn call_on(area: &str, method: &str, args: &[&str]) -> Option<JsValue> {
    let window: JsValue = web_sys::window()?.into();
    let storage = Reflect::get(&window, &area.into()).ok().filter(|s| !s.is_null())?;
    let function: Function = Reflect::get(&storage, &method.into()).ok()?.dyn_into().ok()?;
    let args: js_sys::Array = args.iter().map(|a| JsValue::from_str(a)).collect();
    function.apply(&storage, &args).ok()
}

/// The value stored under `key`, if there is one that still reads as a `T`.
pub fn recall<T: DeserializeOwned>(key: &str) -> Option<T> {
    let text = call("getItem", &[key])?.as_string()?;
    serde_json::from_str(&text).ok()
}

/// Stores `value` under `key` as JSON, or forgets the key with `None`.
pub fn remember<T: Serialize>(key: &str, value: Option<&T>) {
    match value.and_then(|v| serde_json::to_string(v).ok()) {
        Some(json) => call("setItem", &[key, &json]),
        None => call("removeItem", &[key]),
    };
}

/// Marks `key` in this tab's session; true only the first time (never where storage is
/// blocked: what it guards is then not done at all).
pub fn first_in_session(key: &str) -> bool {
    let unmarked = call_on("sessionStorage", "getItem", &[key]).is_some_and(|v| v.is_null());
    unmarked && call_on("sessionStorage", "setItem", &[key, "1"]).is_some()
}
