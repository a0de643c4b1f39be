//! The model the user chose last (by URL), kept in localStorage so the next visit loads it
//! again — from Cache Storage, so offline too.

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

const MODEL_URL_KEY: &str = "transfer-studio.model-url";

/// Calls `localStorage.<method>(args…)`; `None` where storage is unavailable (e.g. blocked).
fn call(method: &str, args: &[&str]) -> Option<JsValue> {
    let window: JsValue = web_sys::window()?.into();
    let storage = Reflect::get(&window, &"localStorage".into()).ok().filter(|s| !s.is_null())?;
    let function: Function = Reflect::get(&storage, &method.into()).ok()?.dyn_into().ok()?;
    let args: js_sys::Array = args.iter().map(|a| JsValue::from_str(a)).collect();
    function.apply(&storage, &args).ok()
}

/// The URL of the model the user chose last, if any.
pub fn model_url() -> Option<String> {
    call("getItem", &[MODEL_URL_KEY])?.as_string().filter(|url| !url.is_empty())
}

/// Remembers `url`, or forgets the choice with `None`; storage failures only lose the memory.
pub fn set_model_url(url: Option<&str>) {
    match url {
        Some(url) => call("setItem", &[MODEL_URL_KEY, url]),
        None => call("removeItem", &[MODEL_URL_KEY]),
    };
}
