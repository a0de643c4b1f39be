//! A share link in the page's own address: `#share=<payload>` read at opening, and the
//! address a head is shared by. The fragment never reaches a server.

use leptos::prelude::window;

use crate::export::share::{FRAGMENT_KEY, ShareError, SharedHead};

/// The shared head the address carries, if it names one (read and checked), or why it
/// cannot be read. Read once, at opening (see `Studio::shared`).
pub fn shared_in_address() -> Option<Result<SharedHead, ShareError>> {
    let hash = window().location().hash().ok()?;
    let payload = hash.trim_start_matches('#').strip_prefix(FRAGMENT_KEY)?;
    Some(SharedHead::from_payload(payload))
}

/// Puts `#teach` in place of the link in the address (no new history entry), so a reload
/// does not offer the same head again.
pub fn forget_shared_address() {
    let _ = window().history().and_then(|history| history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("#teach")));
}

/// This page's address (without its query: a device choice is the sender's own) with
/// `shared` as its fragment.
pub fn share_url(shared: &SharedHead) -> String {
    let location = window().location();
    let page = format!("{}{}", location.origin().unwrap_or_default(), location.pathname().unwrap_or_default());
    format!("{page}#{FRAGMENT_KEY}{}", shared.to_payload())
}
