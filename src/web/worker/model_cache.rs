//! Cache Storage for model files: only verified bytes go in, and the user can list and
//! delete what is there. Keys are URLs (Cache Storage requires them). Used in the worker.

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, Headers, Request, Response, ResponseInit};

use crate::web::platform::scope::{BrowserError, caches};
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

async fn open() -> Result<Cache, BrowserError> {
    let caches = caches().map_err(|e| BrowserError::from(e).led_by("Cache Storage is unavailable"))?;
    Ok(JsFuture::from(caches.open(CACHE_NAME)).await?.dyn_into()?)
}

async fn bytes_of(response: Response) -> Result<Vec<u8>, BrowserError> {
    let buffer = JsFuture::from(response.array_buffer()?).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The cached bytes for `url`, if any.
pub async fn get(url: &str) -> Result<Option<Vec<u8>>, BrowserError> {
    let found = JsFuture::from(open().await?.match_with_str(url)).await?;
    if found.is_undefined() {
        return Ok(None);
    }
    Ok(Some(bytes_of(found.dyn_into()?).await?))
}

/// Stores `bytes` under `url` (the caller has verified them).
pub async fn put(url: &str, bytes: &[u8]) -> Result<(), BrowserError> {
    let headers = Headers::new()?;
    headers.set(SIZE_HEADER, &bytes.len().to_string())?;
    let init = ResponseInit::new();
    init.set_headers(&headers);
    // A copy outside wasm memory: `Response` refuses a view of a shared one (threaded worker).
    let body = js_sys::Uint8Array::from(bytes);
    let response = Response::new_with_opt_buffer_source_and_init(Some(&body), &init)?;
    JsFuture::from(open().await?.put_with_str(url, &response)).await.map(|_| ()).map_err(|e| BrowserError::from(e).led_by("could not cache the model"))
}

/// Removes `url` from the cache; true if it was there.
pub async fn delete(url: &str) -> Result<bool, BrowserError> {
    let removed = JsFuture::from(open().await?.delete_with_str(url)).await?;
    Ok(removed.is_truthy())
}

/// Everything cached, with sizes.
pub async fn list() -> Result<Vec<CachedFile>, BrowserError> {
    let cache = open().await?;
    let keys: js_sys::Array = JsFuture::from(cache.keys()).await?.dyn_into()?;
    let mut files = Vec::new();
    for key in keys.iter() {
        let request: Request = key.dyn_into()?;
        let url = request.url();
        let response: Response = JsFuture::from(cache.match_with_request(&request)).await?.dyn_into()?;
        let bytes = response.headers().get(SIZE_HEADER).ok().flatten().and_then(|v| v.parse().ok()).unwrap_or(0);
        files.push(CachedFile { url, bytes });
    }
    Ok(files)
}
