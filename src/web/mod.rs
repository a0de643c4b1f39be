//! The browser app (wasm only), in three wings by where code runs: `ui` on the page,
//! `worker` in the model worker (and the page's handle on it), `platform` for browser I/O
//! both use. `bench` is the JS-facing handle the browser benchmark drives (on the page, and
//! in the threaded worker).
//!
//! The `worker` feature alone builds the model worker's wing (the threaded worker binary);
//! `web` adds the page.
// The threaded worker's build leaves the page's half of the shared modules unused.
#![cfg_attr(not(feature = "web"), allow(dead_code))]

mod bench;
mod platform;
#[cfg(feature = "web")]
mod ui;
mod worker;

pub use bench::BenchModel;

unsafe extern "C" {
    fn __wasm_call_ctors();
}

/// Runs the module's constructors (burn/cubecl register kernels with `inventory`): once, first
/// thing in each binary's `main`. Calling them explicitly is what stops the linker from
/// treating the module as a "command" and wrapping *every* export — each wasm-bindgen call,
/// closure and externref allocation — in another run of all of them (profiled: ≈ 0.6 s of
/// constructors per import of a small project before this). In the threaded worker only
/// the first thread runs `main`; the pool's threads share what they registered.
pub fn run_constructors() {
    unsafe { __wasm_call_ctors() };
}

/// Mounts the app on `<body>` — or, in the model worker, serves the page's calls; called by
/// the `app` binary.
#[cfg(feature = "web")]
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

/// Serves the page's calls in the threaded model worker; called by the `threaded_worker` binary.
pub fn serve_worker() {
    console_error_panic_hook::set_once();
    worker::serve();
}
