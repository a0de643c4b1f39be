//! The web app's entry point (wasm32): mounts the Leptos UI.

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    /// Runs the module's constructors (burn/cubecl register kernels with `inventory`).
    fn __wasm_call_ctors();
}

#[cfg(target_arch = "wasm32")]
fn main() {
    // Calling the constructors here, once, is what stops the linker from treating the
    // module as a "command" and wrapping *every* export — each wasm-bindgen call, closure
    // and externref allocation — in another run of all of them (profiled: ≈ 0.6 s of
    // constructors per import of a small project before this).
    unsafe { __wasm_call_ctors() };
    transfer_studio::web::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the app runs in a browser: build it with trunk (see README)");
}
