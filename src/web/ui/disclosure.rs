//! `<details>` disclosures: whether a `toggle` event left one open.

use leptos::ev;

/// Whether the `<details>` a `toggle` event came from is now open.
pub fn opened(event: &ev::Event) -> bool {
    event.target().and_then(|t| js_sys::Reflect::get(&t, &"open".into()).ok()).is_some_and(|o| o.is_truthy())
}
