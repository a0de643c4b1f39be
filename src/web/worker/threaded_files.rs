//! Where the page finds the threaded model worker, and whether this page can run it: shared
//! memory needs a cross-origin isolated page (COOP/COEP, from the server or the service
//! worker) and a browser that lets a shared `WebAssembly.Memory` cross to other threads —
//! asked directly, by posting one: WebKitGTK 2.50 makes a shared memory on an isolated page
//! yet refuses to post it (its JavaScriptCore ships with SharedArrayBuffer off), and the
//! `SharedArrayBuffer` global says nothing of that either way. It comes in two builds: with
//! relaxed SIMD's fused multiply-add (`crates/fma-product`, about 1.5× faster a pass), for
//! browsers that validate it, and without.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

use crate::web::platform::scope::{BrowserError, absolute_url, cross_origin_isolated};

/// Why the CPU path runs on one thread here.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OneThread {
    /// No COOP/COEP: the browser shares no memory between threads.
    #[error(
        "this page is not cross-origin isolated (its host sends no COOP/COEP headers, and the site's service worker does not control it yet), so the browser shares no memory between threads"
    )]
    NotIsolated,
    /// A shared `WebAssembly.Memory` cannot be made.
    #[error("this browser cannot share WebAssembly memory between threads (a shared WebAssembly.Memory cannot be made here: {0})")]
    NoSharedMemory(BrowserError),
    /// One can be made but not posted to another thread.
    #[error("this browser cannot share WebAssembly memory between threads (a shared WebAssembly.Memory cannot be posted to a worker: {0})")]
    CannotPost(BrowserError),
    /// The threaded worker failed as it started; a one-thread worker took over.
    #[error("the threaded worker did not start: {0}")]
    DidNotStart(String),
}

/// The threaded worker's folders, as `scripts/threaded_worker.sh` lays them out: with relaxed
/// SIMD, and without.
const RELAXED: &str = "threaded-worker-relaxed";
const PLAIN: &str = "threaded-worker";

/// A module of one function that uses `f32x4.relaxed_madd`: it validates only where the
/// browser has relaxed SIMD.
const RELAXED_PROBE: [u8; 82] = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // a type: () -> v128
    0x03, 0x02, 0x01, 0x00, // one function of that type
    0x0a, 0x3d, 0x01, 0x3b, 0x00, // its code: 59 bytes, no locals
    0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // v128.const 0
    0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // v128.const 0
    0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // v128.const 0
    0xfd, 0x85, 0x02, // f32x4.relaxed_madd
    0x0b, // end
];

/// The threaded worker's glue and module URLs, or why this page cannot run it.
pub fn locate(app_glue: &str) -> Result<(String, String), OneThread> {
    if !cross_origin_isolated() {
        return Err(OneThread::NotIsolated);
    }
    shares_wasm_memory()?;
    // The page's build names the files it goes with: an older worker, cached, would not
    // understand its calls.
    let build = app_glue.rsplit('/').next().unwrap_or_default();
    let folder = if has_relaxed_simd() { RELAXED } else { PLAIN };
    let versioned = |file: &str| format!("{}?build={build}", absolute_url(&format!("{folder}/{file}")));
    Ok((versioned("threaded_worker.js"), versioned("threaded_worker_bg.wasm")))
}

/// Whether a shared `WebAssembly.Memory` can be made here and posted to another thread, as
/// the thread pool posts the threaded build's memory to its workers; if not, why.
fn shares_wasm_memory() -> Result<(), OneThread> {
    let not_made = |e: JsValue| OneThread::NoSharedMemory(e.into());
    let descriptor = js_sys::Object::new();
    for (key, value) in [("initial", JsValue::from(1)), ("maximum", 1.into()), ("shared", true.into())] {
        Reflect::set(&descriptor, &key.into(), &value).map_err(not_made)?;
    }
    let memory = js_sys::WebAssembly::Memory::new(&descriptor).map_err(not_made)?;
    // A port's message is serialised as it is posted: a memory that cannot cross fails here.
    let not_posted = |e: JsValue| OneThread::CannotPost(e.into());
    let channel = web_sys::MessageChannel::new().map_err(not_posted)?;
    let posted = channel.port1().post_message(&memory);
    channel.port1().close();
    channel.port2().close();
    posted.map_err(not_posted)
}

/// Whether this browser's WebAssembly has relaxed SIMD.
fn has_relaxed_simd() -> bool {
    js_sys::WebAssembly::validate(&js_sys::Uint8Array::from(&RELAXED_PROBE[..]).into()).unwrap_or(false)
}
