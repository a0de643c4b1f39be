//! How much of the origin's storage quota is used (`navigator.storage.estimate()`): the
//! cached models, the app shell and the teach project all count against it; and asking
//! the browser not to evict it (`navigator.storage.persist()`).

use js_sys::{Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::scope::{BrowserError, navigator};

/// Bytes this origin uses and may use, as the browser estimates them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StorageUse {
    /// Bytes stored.
    pub usage: u64,
    /// Bytes the browser would let this origin store.
    pub quota: u64,
}

fn number(object: &JsValue, name: &str) -> Option<u64> {
    Reflect::get(object, &name.into()).ok()?.as_f64().filter(|n| n.is_finite() && *n >= 0.0).map(|n| n as u64)
}

fn storage_method(name: &str) -> Option<(JsValue, js_sys::Function)> {
    let storage = Reflect::get(&navigator(), &"storage".into()).ok().filter(JsValue::is_object)?;
    let method = Reflect::get(&storage, &name.into()).ok()?.dyn_into().ok()?;
    Some((storage, method))
}

/// Asks the browser to keep this site's storage under pressure (it may decide without
/// asking the user); whether it will.
pub async fn ask_to_persist() -> bool {
    let Some((storage, persist)) = storage_method("persist") else { return false };
    let Ok(promise) = persist.call0(&storage).and_then(|p| p.dyn_into::<Promise>()) else { return false };
    JsFuture::from(promise).await.ok().and_then(|granted| granted.as_bool()).unwrap_or(false)
}

/// The browser's estimate, or why there is none.
pub async fn estimate() -> Result<StorageUse, BrowserError> {
    let Some((storage, estimate)) = storage_method("estimate") else { return Err(BrowserError::new("this browser does not report storage use")) };
    let promise: Promise = estimate.call0(&storage)?.dyn_into()?;
    let answer = JsFuture::from(promise).await?;
    match (number(&answer, "usage"), number(&answer, "quota")) {
        (Some(usage), Some(quota)) => Ok(StorageUse { usage, quota }),
        _ => Err(BrowserError::new("the browser's storage estimate has no figures")),
    }
}
