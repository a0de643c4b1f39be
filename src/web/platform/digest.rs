//! SHA-256 of a download, by the browser's Web Crypto where it is offered (a secure context:
//! https or localhost), which hashes in native code: hashing ResNet50's 100 MB in wasm takes
//! seconds. Elsewhere, `model::digest` in wasm.

use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::model::digest::{sha256_hex, to_hex};

/// Lower-case hex SHA-256 of `bytes`.
pub async fn sha256_hex_native(bytes: &[u8]) -> String {
    match web_crypto_sha256(bytes).await {
        Some(digest) => to_hex(&digest),
        None => sha256_hex(bytes),
    }
}

/// `crypto.subtle.digest("SHA-256", bytes)`, or `None` where it is not offered or fails.
async fn web_crypto_sha256(bytes: &[u8]) -> Option<Vec<u8>> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).ok()?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).ok().filter(|s| s.is_object())?;
    let digest: Function = Reflect::get(&subtle, &"digest".into()).ok()?.dyn_into().ok()?;
    let promise = digest.call2(&subtle, &"SHA-256".into(), &hashable(bytes)).ok()?.dyn_into::<Promise>().ok()?;
    Some(Uint8Array::new(&JsFuture::from(promise).await.ok()?).to_vec())
}

/// The bytes as Web Crypto takes them: a view of this module's memory, which `digest` copies
/// before it returns (nothing here allocates in between)…
#[cfg(not(feature = "threads"))]
fn hashable(bytes: &[u8]) -> Uint8Array {
    // SAFETY: the view is used only by the `digest` call that follows at once.
    unsafe { Uint8Array::view(bytes) }
}

/// …except where that memory is shared between threads, which Web Crypto refuses: a copy.
#[cfg(feature = "threads")]
fn hashable(bytes: &[u8]) -> Uint8Array {
    let copy = Uint8Array::new_with_length(bytes.len() as u32);
    copy.copy_from(bytes);
    copy
}
