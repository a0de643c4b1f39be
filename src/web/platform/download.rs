//! Downloads with byte progress, on the page or in the model worker, and a way to stop
//! the ones under way.

use std::cell::RefCell;

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, ReadableStreamDefaultReader, Response};

use super::scope::{BrowserError, cross_origin, fetch_with_signal, offline};

/// Why a download gave no file; `host` is where it pointed (`huggingface.co`, or this site).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DownloadError {
    /// Stopped by [`cancel_downloads`].
    #[error("the download was cancelled")]
    Cancelled,
    /// No response, and the device says it is offline.
    #[error("download from {host} failed: this device is offline")]
    Offline {
        /// Where it pointed.
        host: String,
    },
    /// No response from another site: the browser does not tell a network failure from a
    /// refused cross-origin read (CORS) apart, so both are named.
    #[error(
        "download from {host} failed: the host could not be reached, or it does not let other sites download it (a weights URL on another site must allow CORS: the header Access-Control-Allow-Origin)"
    )]
    Unreachable {
        /// Where it pointed.
        host: String,
    },
    /// The server answered with an error status.
    #[error("download from {host} failed: HTTP {status}")]
    Status {
        /// Where it pointed.
        host: String,
        /// The HTTP status.
        status: u16,
    },
    /// More bytes than this download may hold.
    #[error("the file from {host} is over {} MB, more than this download may hold ({size} bytes)", limit / 1_000_000)]
    TooBig {
        /// Where it pointed.
        host: String,
        /// The most bytes allowed.
        limit: u64,
        /// The bytes announced or received.
        size: u64,
    },
    /// A response without a body.
    #[error("{host}: empty response")]
    Empty {
        /// Where it pointed.
        host: String,
    },
    /// The body stopped arriving.
    #[error("download interrupted: {0}")]
    Interrupted(BrowserError),
    /// Anything else the browser reported.
    #[error("download from {host} failed: {error}")]
    Failed {
        /// Where it pointed.
        host: String,
        /// What the browser said.
        error: BrowserError,
    },
}

thread_local! {
    /// The abort controllers of the downloads under way in this scope.
    static UNDER_WAY: RefCell<Vec<AbortController>> = const { RefCell::new(Vec::new()) };
}

/// Most bytes a JSON file (the manifest, a hub config) may have.
pub const JSON_LIMIT: u64 = 1 << 20;
/// Most bytes a weights file of unknown size may have: ResNet50 in fp32 is 102 MB.
pub const WEIGHTS_LIMIT: u64 = 400_000_000;

/// Stops every download under way in this scope (page or worker); each fails, saying so.
pub fn cancel_downloads() {
    UNDER_WAY.with_borrow_mut(|controllers| controllers.drain(..).for_each(|c| c.abort()));
}

/// Fetches `url`, calling `progress(received, total)` first and after each chunk; fails
/// rather than hold more than `limit` bytes, whatever the server says or sends.
pub async fn download(url: &str, limit: u64, mut progress: impl FnMut(u64, Option<u64>)) -> Result<Vec<u8>, DownloadError> {
    let controller = AbortController::new().map_err(|e| failed(url, e))?;
    UNDER_WAY.with_borrow_mut(|controllers| controllers.push(controller.clone()));
    progress(0, None);
    let result = read_all(url, limit, &controller, &mut progress).await;
    UNDER_WAY.with_borrow_mut(|controllers| controllers.retain(|c| c != &controller));
    if controller.signal().aborted() {
        return Err(DownloadError::Cancelled);
    }
    if result.is_err() {
        controller.abort(); // a body given up on stops arriving
    }
    result
}

/// Where `url` points, for messages: its host (`huggingface.co`), or this site for a
/// relative URL; the whole URL is too long to read (the user has it, if they typed it).
fn host(url: &str) -> &str {
    url.split_once("://").map_or("this site", |(_, rest)| {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        authority.rsplit('@').next().unwrap_or(authority)
    })
}

/// Why a fetch that got no response failed.
fn fetch_failed(url: &str, error: JsValue) -> DownloadError {
    let host = host(url).to_string();
    if offline() {
        return DownloadError::Offline { host };
    }
    if error.is_instance_of::<js_sys::TypeError>() && cross_origin(url) {
        return DownloadError::Unreachable { host };
    }
    DownloadError::Failed { host, error: error.into() }
}

/// Any other failure the browser reports about `url`.
fn failed(url: &str, error: impl Into<JsValue>) -> DownloadError {
    DownloadError::Failed { host: host(url).to_string(), error: error.into().into() }
}

async fn read_all(url: &str, limit: u64, controller: &AbortController, progress: &mut impl FnMut(u64, Option<u64>)) -> Result<Vec<u8>, DownloadError> {
    let response: Response =
        JsFuture::from(fetch_with_signal(url, &controller.signal())).await.map_err(|e| fetch_failed(url, e))?.dyn_into().map_err(|e| failed(url, e))?;
    if !response.ok() {
        return Err(DownloadError::Status { host: host(url).to_string(), status: response.status() });
    }
    let total: Option<u64> = response.headers().get("content-length").ok().flatten().and_then(|v| v.parse().ok());
    let too_big = |size: u64| DownloadError::TooBig { host: host(url).to_string(), limit, size };
    if let Some(size) = total.filter(|&size| size > limit) {
        return Err(too_big(size));
    }
    let body = response.body().ok_or_else(|| DownloadError::Empty { host: host(url).to_string() })?;
    let reader: ReadableStreamDefaultReader = body.get_reader().dyn_into().map_err(|object: js_sys::Object| failed(url, object))?;
    let mut bytes = Vec::with_capacity(usize::try_from(total.unwrap_or(0)).unwrap_or(0));
    progress(0, total);
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| DownloadError::Interrupted(e.into()))?;
        if Reflect::get(&chunk, &"done".into()).map(|d| d.is_truthy()).unwrap_or(true) {
            break;
        }
        let value: Uint8Array = Reflect::get(&chunk, &"value".into()).and_then(|v| v.dyn_into()).map_err(|e| failed(url, e))?;
        // Straight from the JS chunk into the buffer (no intermediate Vec).
        let start = bytes.len();
        let received = start as u64 + u64::from(value.length());
        if received > limit {
            return Err(too_big(received));
        }
        bytes.resize(start + value.length() as usize, 0);
        value.copy_to(&mut bytes[start..]);
        progress(bytes.len() as u64, total);
    }
    Ok(bytes)
}
