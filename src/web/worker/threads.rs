//! The CPU path's threads. burn's CPU backend parallelises through rayon; in the threaded
//! worker (the `threads` feature) rayon's pool is web workers sharing this module's memory
//! (wasm-bindgen-rayon). Every other build computes on one thread.

use std::sync::atomic::{AtomicU32, Ordering};

/// Threads the CPU path computes on, once the pool is up.
static THREADS: AtomicU32 = AtomicU32::new(1);

/// Threads the CPU path computes on.
pub fn count() -> u32 {
    THREADS.load(Ordering::Relaxed)
}

/// Most pool threads: ResNet50's layers at batch 1 split into fewer pieces than a large
/// machine has cores, and each thread keeps scratch memory of its own.
#[cfg(feature = "threads")]
const MOST: u32 = 8;

/// Starts rayon's pool on `navigator.hardwareConcurrency` threads (at most [`MOST`]).
#[cfg(feature = "threads")]
pub async fn start() -> Result<u32, crate::web::platform::scope::BrowserError> {
    use crate::web::platform::scope::{BrowserError, navigator};
    let cores = js_sys::Reflect::get(&navigator(), &"hardwareConcurrency".into()).ok().and_then(|n| n.as_f64()).unwrap_or(1.0);
    let threads = (cores as u32).clamp(1, MOST);
    wasm_bindgen_futures::JsFuture::from(wasm_bindgen_rayon::init_thread_pool(threads as usize))
        .await
        .map_err(|e| BrowserError::from(e).led_by("the thread pool did not start"))?;
    THREADS.store(threads, Ordering::Relaxed);
    Ok(threads)
}
