//! The browser app (wasm only), in three wings by where code runs: `ui` on the page,
//! `worker` in the model worker (and the page's handle on it), `platform` for browser I/O
//! both use. `bench` is the JS-facing handle the browser benchmark drives.

mod bench;
mod platform;
mod ui;
mod worker;

pub use bench::BenchModel;

/// Mounts the app on `<body>` — or, in the model worker, serves the page's calls; called by
/// the `app` binary.
pub fn mount() {
    console_error_panic_hook::set_once();
    if platform::scope::in_worker() {
        worker::serve();
        return;
    }
    // `?bench`: the benchmark driver uses `BenchModel` only; no UI, no model of the page's own.
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    if search.trim_start_matches('?').split('&').any(|p| p == "bench") {
        return;
    }
    ui::show_panics();
    leptos::mount::mount_to_body(ui::App);
}
