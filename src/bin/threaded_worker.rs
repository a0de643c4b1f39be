//! The threaded model worker (wasm32 with atomics): the model worker's calls on burn's CPU
//! backend over a thread pool. Built by scripts/threaded_worker.sh; the page starts it.

#[cfg(target_arch = "wasm32")]
fn main() {
    transfer_studio::web::run_constructors();
    transfer_studio::web::serve_worker();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the threaded worker runs in a browser: the site's build makes it (see README)");
}
