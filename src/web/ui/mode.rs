//! The page's two modes, Classify and Teach, kept in the address's fragment (`#teach`):
//! the tabs are links, so the back button, a reload and a shared link keep the mode.

use leptos::prelude::*;

use crate::export::share::FRAGMENT_KEY;

/// What the page is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Name what is in photos and camera frames.
    Classify,
    /// Make your own classes and train a classifier on them.
    Teach,
}

impl Mode {
    const ALL: [Mode; 2] = [Mode::Classify, Mode::Teach];

    /// The mode an address fragment names (`#teach`, or a share link's `#share=…`, which
    /// opens in Teach); Classify for anything else.
    pub fn from_fragment(fragment: &str) -> Self {
        match fragment.trim_start_matches('#') {
            "teach" => Mode::Teach,
            link if link.starts_with(FRAGMENT_KEY) => Mode::Teach,
            _ => Mode::Classify,
        }
    }

    fn fragment(self) -> &'static str {
        match self {
            Mode::Classify => "#classify",
            Mode::Teach => "#teach",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Mode::Classify => "Classify",
            Mode::Teach => "Teach",
        }
    }

    fn testid(self) -> &'static str {
        match self {
            Mode::Classify => "mode-classify",
            Mode::Teach => "mode-teach",
        }
    }
}

fn current() -> Mode {
    Mode::from_fragment(&window().location().hash().unwrap_or_default())
}

/// The mode in the address now, following every change of the fragment (tabs, back, forward).
pub fn follow_address() -> ReadSignal<Mode> {
    let (mode, set_mode) = signal(current());
    let listener = window_event_listener_untyped("hashchange", move |_| set_mode.set(current()));
    on_cleanup(move || listener.remove());
    mode
}

/// The two modes as links; the current one is marked for assistive technology too.
#[component]
pub fn ModeTabs(mode: ReadSignal<Mode>) -> impl IntoView {
    let tabs = Mode::ALL.map(|each| {
        view! {
            <a href=each.fragment() class="mode-tab" data-testid=each.testid() aria-current=move || (mode.get() == each).then_some("page")>
                {each.label()}
            </a>
        }
    });
    view! { <nav class="modes" aria-label="Mode">{tabs.collect_view()}</nav> }
}
