//! Cache Storage for model files: only verified bytes go in, and the user can list and
//! delete what is there. Keys are URLs (Cache Storage requires them). Used in the worker.

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, Headers, Request, Response, ResponseInit};

use crate::web::platform::scope::{caches, describe};
use serde::{Deserialize, Serialize};

/// Bumped when the stored format changes, so stale entries are never read.
const CACHE_NAME: &str = "transfer-studio-models-v1";
/// Response header holding the stored file's size, so listing reads no bodies.
const SIZE_HEADER: &str = "x-transfer-studio-bytes";

/// One cached model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedFile {
    /// Its cache key (a URL).
    pub url: String,
    /// Its size.
    pub bytes: u64,
}

async fn open() -> Result<Cache, String> {
    let caches = caches().map_err(|e| format!("Cache Storage is unavailable: {}", describe(e)))?;
    JsFuture::from(caches.open(CACHE_NAME)).await.map_err(describe)?.dyn_into().map_err(describe)
}

async fn bytes_of(response: Response) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(response.array_buffer().map_err(describe)?).await.map_err(describe)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The cached bytes for `url`, if any.
pub async fn get(url: &str) -> Result<Option<Vec<u8>>, String> {
    let found = JsFuture::from(open().await?.match_with_str(url)).await.map_err(describe)?;
    if found.is_undefined() {
        return Ok(None);
    }
    Ok(Some(bytes_of(found.dyn_into().map_err(describe)?).await?))
}

/// Stores `bytes` under `url` (the caller has verified them).
pub async fn put(url: &str, bytes: &[u8]) -> Result<(), String> {
    let headers = Headers::new().map_err(describe)?;
    headers.set(SIZE_HEADER, &bytes.len().to_string()).map_err(describe)?;
    let init = ResponseInit::new();
    init.set_headers(&headers);
    // A copy outside wasm memory: `Response` refuses a view of a shared one (threaded worker).
    let body = js_sys::Uint8Array::from(bytes);
    let response = Response::new_with_opt_buffer_source_and_init(Some(&body), &init).map_err(describe)?;
    JsFuture::from(open().await?.put_with_str(url, &response)).await.map(|_| ()).map_err(|e| format!("could not cache the model: {}", describe(e)))
}

/// Removes `url` from the cache; true if it was there.
pub async fn delete(url: &str) -> Result<bool, String> {
    let removed = JsFuture::from(open().await?.delete_with_str(url)).await.map_err(describe)?;
    Ok(removed.is_truthy())
}

/// Everything cached, with sizes.
pub async fn list() -> Result<Vec<CachedFile>, String> {
    let cache = open().await?;
    let keys: js_sys::Array = JsFuture::from(cache.keys()).await.map_err(describe)?.dyn_into().map_err(describe)?;
    let mut files = Vec::new();
    for key in keys.iter() {
        let request: Request = key.dyn_into().map_err(describe)?;
        let url = request.url();
        let response: Response = JsFuture::from(cache.match_with_request(&request)).await.map_err(describe)?.dyn_into().map_err(describe)?;
        let bytes = response.headers().get(SIZE_HEADER).ok().flatten().and_then(|v| v.parse().ok()).unwrap_or(0);
        files.push(CachedFile { url, bytes });
    }
    Ok(files)
}
