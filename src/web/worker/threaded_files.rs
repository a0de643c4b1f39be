//! Where the page finds the threaded model worker, and whether this page can run it: shared
//! memory needs a cross-origin isolated page (COOP/COEP, from the server or the service
//! worker) and a browser that offers `SharedArrayBuffer`.

use js_sys::Reflect;

use crate::web::platform::scope::{absolute_url, cross_origin_isolated};

/// The threaded worker's wasm-bindgen glue and module, as `scripts/threaded_worker.sh` lays them out.
const GLUE: &str = "threaded-worker/threaded_worker.js";
const MODULE: &str = "threaded-worker/threaded_worker_bg.wasm";

/// The threaded worker's glue and module URLs, or why this page cannot run it.
pub fn locate(app_glue: &str) -> Result<(String, String), String> {
    if !cross_origin_isolated() {
        return Err("this page is not cross-origin isolated (its host sends no COOP/COEP headers, and the site's service worker does not control it yet), so the browser shares no memory between threads".into());
    }
    if Reflect::get(&js_sys::global(), &"SharedArrayBuffer".into()).map_or(true, |v| v.is_undefined()) {
        return Err("this browser does not offer SharedArrayBuffer".into());
    }
    // The page's build names the files it goes with: an older worker, cached, would not
    // understand its calls.
    let build = app_glue.rsplit('/').next().unwrap_or_default();
    let versioned = |path: &str| format!("{}?build={build}", absolute_url(path));
    Ok((versioned(GLUE), versioned(MODULE)))
}
