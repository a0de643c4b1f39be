//! The global scope this code runs in — the page's `Window` or the model worker's
//! `WorkerGlobalScope` — and what both offer: `fetch`, Cache Storage, timers, `navigator`;
//! plus JS errors put into words.

use js_sys::{Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, CacheStorage, ReferrerPolicy, RequestCredentials, RequestInit, Window, WorkerGlobalScope};

/// A failure the browser reported: the `DOMException`'s name where it gave one (what code
/// tells causes apart by), and its words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct BrowserError {
    /// The `DOMException` name (`QuotaExceededError`, `NotAllowedError`, …), if it was one.
    pub name: Option<String>,
    /// What the browser said.
    pub message: String,
}

impl BrowserError {
    /// A failure in this code's own words (something the browser lacks).
    pub fn new(message: impl Into<String>) -> Self {
        Self { name: None, message: message.into() }
    }

    /// The same failure, its message led by what was being done (`what: message`).
    pub fn led_by(self, what: impl std::fmt::Display) -> Self {
        Self { message: format!("{what}: {}", self.message), ..self }
    }
}

impl From<BrowserError> for String {
    fn from(error: BrowserError) -> Self {
        error.message
    }
}

impl From<JsValue> for BrowserError {
    fn from(value: JsValue) -> Self {
        // DOMExceptions and JS errors alike carry a `name`.
        let name = value.is_object().then(|| Reflect::get(&value, &"name".into()).ok()).flatten().and_then(|n| n.as_string());
        Self { name, message: describe(value) }
    }
}

/// A JS error (or any thrown value) as a message for the user.
pub fn describe(value: JsValue) -> String {
    if let Some(exception) = value.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", exception.name(), exception.message());
    }
    value.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| value.as_string()).unwrap_or_else(|| format!("{value:?}"))
}

/// Whether this code runs in a worker rather than on the page.
pub fn in_worker() -> bool {
    js_sys::global().dyn_ref::<Window>().is_none()
}

/// `navigator` of the page or the worker (both may offer `gpu`).
pub fn navigator() -> JsValue {
    Reflect::get(&js_sys::global(), &"navigator".into()).unwrap_or(JsValue::UNDEFINED)
}

/// Whether this page or worker is cross-origin isolated (COOP/COEP), the condition for
/// memory shared between threads.
pub fn cross_origin_isolated() -> bool {
    Reflect::get(&js_sys::global(), &"crossOriginIsolated".into()).is_ok_and(|v| v.is_truthy())
}

/// Whether `url` (absolute) is on another origin than this page or worker.
pub fn cross_origin(url: &str) -> bool {
    let here = Reflect::get(&js_sys::global(), &"origin".into()).ok().and_then(|o| o.as_string());
    web_sys::Url::new(url).is_ok_and(|u| Some(u.origin()) != here)
}

/// Whether the browser says this device has no network (`navigator.onLine` false).
pub fn offline() -> bool {
    Reflect::get(&navigator(), &"onLine".into()).is_ok_and(|online| online == JsValue::FALSE)
}

/// Whether the browser asks sites to save data (`navigator.connection.saveData`).
pub fn save_data() -> bool {
    Reflect::get(&navigator(), &"connection".into())
        .ok()
        .filter(|connection| connection.is_object())
        .and_then(|connection| Reflect::get(&connection, &"saveData".into()).ok())
        .is_some_and(|save| save.is_truthy())
}

/// Cache Storage of this origin.
pub fn caches() -> Result<CacheStorage, JsValue> {
    let global = js_sys::global();
    match global.dyn_ref::<Window>() {
        Some(window) => window.caches(),
        None => global.unchecked_ref::<WorkerGlobalScope>().caches(),
    }
}

/// `fetch(url, { signal, credentials: "omit", referrerPolicy: "no-referrer" })` of the page
/// or the worker.
pub fn fetch_with_signal(url: &str, signal: &AbortSignal) -> Promise {
    let init = RequestInit::new();
    init.set_signal(Some(signal));
    // Weights URLs are the user's to choose: they get no cookies and no page address.
    init.set_credentials(RequestCredentials::Omit);
    init.set_referrer_policy(ReferrerPolicy::NoReferrer);
    let global = js_sys::global();
    match global.dyn_ref::<Window>() {
        Some(window) => window.fetch_with_str_and_init(url, &init),
        None => global.unchecked_ref::<WorkerGlobalScope>().fetch_with_str_and_init(url, &init),
    }
}

/// `url` made absolute against the page's location (on the page: the worker's own location
/// is a `blob:` URL, so the page resolves URLs before handing them over).
pub fn absolute_url(url: &str) -> String {
    let page = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    web_sys::Url::new_with_base(url, &page).map(|u| u.href()).unwrap_or_else(|_| url.to_string())
}

/// Lets the browser paint (e.g. a "classifying…" state) before CPU-heavy work starts.
pub async fn yield_to_browser() {
    sleep_ms(0).await;
}

/// Resolves after `ms` milliseconds (a timer, so the page keeps running meanwhile).
pub async fn sleep_ms(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        let _ = match global.dyn_ref::<Window>() {
            Some(window) => window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms),
            None => global.unchecked_ref::<WorkerGlobalScope>().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms),
        };
    });
    let _ = JsFuture::from(promise).await;
}
