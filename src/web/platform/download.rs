//! Downloads with byte progress, on the page or in the model worker.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Response};

use super::scope::{describe, fetch};

/// Fetches `url`, calling `progress(received, total)` after each chunk.
pub async fn download(url: &str, mut progress: impl FnMut(u64, Option<u64>)) -> Result<Vec<u8>, String> {
    let response: Response =
        JsFuture::from(fetch(url)).await.map_err(|e| format!("download of {url} failed: {}", describe(e)))?.dyn_into().map_err(describe)?;
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
        // Straight from the JS chunk into the buffer (no intermediate Vec).
        let start = bytes.len();
        bytes.resize(start + value.length() as usize, 0);
        value.copy_to(&mut bytes[start..]);
        progress(bytes.len() as u64, total);
    }
    Ok(bytes)
}
