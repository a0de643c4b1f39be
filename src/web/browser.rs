//! Browser I/O: downloads with byte progress, file reading, yielding to the event loop.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Response};

use super::device::describe;

/// Fetches `url`, calling `progress(received, total)` after each chunk.
pub async fn download(url: &str, mut progress: impl FnMut(u64, Option<u64>)) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: Response = JsFuture::from(window.fetch_with_str(url))
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
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// The files a file `<input>`'s change event carries; the input is reset so choosing the
/// same file again fires another change.
pub fn take_files(event: &web_sys::Event) -> Vec<web_sys::File> {
    let Some(input) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return Vec::new() };
    let files = input.files().map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect()).unwrap_or_default();
    input.set_value("");
    files
}
