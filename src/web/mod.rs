//! The browser app (wasm only): Leptos components over the core engine.

mod app;
mod batch;
mod bench;
mod cache;
mod camera;
mod cached_view;
mod device;
mod dropped;
mod heatmap;
mod browser;
mod idb;
mod input;
mod live;
mod memory;
mod models;
mod remembered;
mod results;
mod status;
mod teach;
mod webcam;
mod worker;

pub use app::App;

/// Mounts the app on `<body>`; called by the `app` binary.
pub fn mount() {
    console_error_panic_hook::set_once();
    if browser::in_worker() {
        worker::serve();
        return;
    }
    // `?bench`: the benchmark driver uses `BenchModel` only; no UI, no model of the page's own.
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    if search.trim_start_matches('?').split('&').any(|p| p == "bench") {
        return;
    }
    leptos::mount::mount_to_body(App);
}
