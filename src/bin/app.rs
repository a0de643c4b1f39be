//! The web app's entry point (wasm32): mounts the Leptos UI.

#[cfg(target_arch = "wasm32")]
fn main() {
    transfer_studio::web::run_constructors();
    transfer_studio::web::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the app runs in a browser: build it with trunk (see README)");
}
