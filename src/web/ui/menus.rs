//! The header's popovers (`<details class="menu">`, one open at a time by their shared
//! `name`): Escape closes the open one and puts focus back on its summary; a click or the
//! focus outside it closes it.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// The shared `name` that lets the browser keep only one menu open.
pub const MENU_GROUP: &str = "header-menu";

fn open_menu() -> Option<Element> {
    document().query_selector("details.menu[open]").ok().flatten()
}

/// Listens on the window for as long as the calling component lives.
pub fn close_menus_on_escape_or_outside_click() {
    let keys = window_event_listener(ev::keydown, |event: ev::KeyboardEvent| {
        if event.key() != "Escape" {
            return;
        }
        if let Some(menu) = open_menu() {
            let _ = menu.remove_attribute("open");
            if let Some(summary) = menu.query_selector("summary").ok().flatten().and_then(|s| s.dyn_into::<HtmlElement>().ok()) {
                let _ = summary.focus();
            }
        }
    });
    let clicks = window_event_listener(ev::click, |event: ev::MouseEvent| {
        let inside = event.target().and_then(|t| t.dyn_into::<Element>().ok()).and_then(|t| t.closest("details.menu").ok().flatten());
        if inside.is_none()
            && let Some(menu) = open_menu()
        {
            let _ = menu.remove_attribute("open");
        }
    });
    // Tabbing out of an open menu closes it, so it never covers what has the focus.
    let focus = window_event_listener(ev::focusin, |event: ev::FocusEvent| {
        let inside = event.target().and_then(|t| t.dyn_into::<Element>().ok()).and_then(|t| t.closest("details.menu[open]").ok().flatten());
        if inside.is_none()
            && let Some(menu) = open_menu()
        {
            let _ = menu.remove_attribute("open");
        }
    });
    on_cleanup(move || {
        keys.remove();
        clicks.remove();
        focus.remove();
    });
}
