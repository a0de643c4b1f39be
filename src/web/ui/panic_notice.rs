//! A panic on the page: after it the app's state cannot be trusted, so a notice is put on
//! the page with plain DOM calls (not through Leptos), saying what the user can rely on.

/// From now on a panic also shows a notice at the top of the page.
pub fn show_panics() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let _ = show(&info.to_string());
    }));
}

/// A test hook: an end-to-end test calls it (`panicForTest` in the page's glue module) to see
/// the notice a real panic would bring.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = panicForTest)]
pub fn panic_for_test() {
    panic!("a panic asked for by a test");
}

fn show(detail: &str) -> Option<()> {
    let document = web_sys::window()?.document()?;
    if document.get_element_by_id("panic-notice").is_some() {
        return Some(());
    }
    let notice = document.create_element("div").ok()?;
    notice.set_id("panic-notice");
    notice.set_class_name("panic-notice");
    let _ = notice.set_attribute("role", "alert");
    let _ = notice.set_attribute("data-testid", "panic-notice");
    let title = document.create_element("p").ok()?;
    title.set_text_content(Some(
        "Something broke on this page. Your project is kept in this browser as it was last saved (changes are saved as you make them, unless a banner said saving had paused): reload the page to go on.",
    ));
    let details = document.create_element("details").ok()?;
    let summary = document.create_element("summary").ok()?;
    summary.set_text_content(Some("What broke"));
    let text = document.create_element("pre").ok()?;
    text.set_text_content(Some(detail));
    // A link to this very page: a reload that needs no script (and so no policy exception).
    let reload = document.create_element("a").ok()?;
    reload.set_text_content(Some("Reload"));
    reload.set_class_name("button primary");
    let _ = reload.set_attribute("href", "");
    details.append_with_node_2(&summary, &text).ok()?;
    notice.append_with_node_3(&title, &reload, &details).ok()?;
    document.body()?.prepend_with_node_1(&notice).ok()
}
