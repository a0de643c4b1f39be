//! Browser I/O: downloads with byte progress, file reading and saving, yielding to the event loop —
//! on the page and in the model worker alike.

use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, CacheStorage, HtmlAnchorElement, ReadableStreamDefaultReader, Response, Url, Window, WorkerGlobalScope};

use super::device::describe;

/// Fetches `url`, calling `progress(received, total)` after each chunk.
pub async fn download(url: &str, mut progress: impl FnMut(u64, Option<u64>)) -> Result<Vec<u8>, String> {
    let response: Response = JsFuture::from(fetch(url))
        .await
        .map_err(|e| format!("download of {url} failed: {}", describe(e)))?
        .dyn_into()
        .map_err(describe)?;
    if !response.ok() {
        return Err(format!("download of {url} failed: HTTP {}", response.status()));
    }
    let total = response.headers().get("content-length").ok().flatten().and_then(|v| v.parse().ok());
    let body = response.body().ok_or_else(|| format!("{url}: empty response"))?;
    let reader: ReadableStreamDefaultReader = body.get_reader().dyn_into().map_err(|object: js_sys::Object| describe(object.into()))?;
    let mut bytes = Vec::with_capacity(total.unwrap_or(0) as usize);
    progress(0, total);
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| format!("download interrupted: {}", describe(e)))?;
        if Reflect::get(&chunk, &"done".into()).map(|d| d.is_truthy()).unwrap_or(true) {
            break;
        }
        let value: Uint8Array = Reflect::get(&chunk, &"value".into()).map_err(describe)?.dyn_into().map_err(describe)?;
        bytes.extend_from_slice(&value.to_vec());
        progress(bytes.len() as u64, total);
    }
    Ok(bytes)
}

/// The bytes of a user-chosen file.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(|e| format!("could not read {}: {}", file.name(), describe(e)))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Lets the browser paint (e.g. a "classifying…" state) before CPU-heavy work starts.
pub async fn yield_to_browser() {
    sleep_ms(0).await;
}

/// Resolves after `ms` milliseconds (a timer, so the page keeps running meanwhile).
pub async fn sleep_ms(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        let _ = match global.dyn_ref::<Window>() {
            Some(window) => window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms),
            None => global.unchecked_ref::<WorkerGlobalScope>().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms),
        };
    });
    let _ = JsFuture::from(promise).await;
}

fn fetch(url: &str) -> Promise {
    let global = js_sys::global();
    match global.dyn_ref::<Window>() {
        Some(window) => window.fetch_with_str(url),
        None => global.unchecked_ref::<WorkerGlobalScope>().fetch_with_str(url),
    }
}

/// Cache Storage of this origin.
pub fn caches() -> Result<CacheStorage, JsValue> {
    let global = js_sys::global();
    match global.dyn_ref::<Window>() {
        Some(window) => window.caches(),
        None => global.unchecked_ref::<WorkerGlobalScope>().caches(),
    }
}

/// `navigator` of the page or the worker (both may offer `gpu`).
pub fn navigator() -> JsValue {
    Reflect::get(&js_sys::global(), &"navigator".into()).unwrap_or(JsValue::UNDEFINED)
}

/// Whether this code runs in a worker rather than on the page.
pub fn in_worker() -> bool {
    js_sys::global().dyn_ref::<Window>().is_none()
}

/// The files a file `<input>`'s change event carries; the input is reset so choosing the
/// same file again fires another change.
pub fn take_files(event: &web_sys::Event) -> Vec<web_sys::File> {
    let Some(input) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return Vec::new() };
    let files = input.files().map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect()).unwrap_or_default();
    input.set_value("");
    files
}

/// Offers `bytes` to the user as a downloaded file.
pub fn save_file(bytes: &[u8], file_name: &str) -> Result<(), String> {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let blob = Blob::new_with_u8_array_sequence(&parts).map_err(describe)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(describe)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let anchor: HtmlAnchorElement = document.create_element("a").map_err(describe)?.unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    Url::revoke_object_url(&url).map_err(describe)
}
