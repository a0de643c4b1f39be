//! Ranked classes as bars — the classify result, the webcam's live ranking and the user's
//! own classes all use this one list. Rows can be buttons that choose the class whose
//! activation map is shown.

use leptos::prelude::*;

use super::format::percent;

/// One class and its probability.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The class name.
    pub label: String,
    /// Its probability, 0 to 1.
    pub prob: f32,
    /// Its ImageNet index, for ImageNet classes.
    pub index: Option<usize>,
}

/// The bars in order; `testid` marks each row. With `chosen`, each row is a button that
/// sets it (the rank of the class whose map is shown); `best` marks one row.
#[component]
pub fn ClassBars(
    bars: Vec<Bar>,
    testid: &'static str,
    #[prop(optional)] chosen: Option<RwSignal<usize>>,
    #[prop(optional)] best: Option<usize>,
) -> impl IntoView {
    let rows = bars.into_iter().enumerate().map(|(rank, bar)| {
        let content = view! {
            <span class="label">{bar.label.clone()}</span>
            <span class="prob">{percent(bar.prob)}</span>
            <span class="bar" style:width=format!("{:.2}%", bar.prob * 100.0)></span>
        };
        let row = match chosen {
            Some(chosen) => view! {
                <button
                    type="button"
                    class="bar-row map-choice"
                    aria-pressed=move || (chosen.get() == rank).to_string()
                    title="Show where the model looked for this class"
                    on:click=move |_| chosen.set(rank)
                >
                    {content}
                </button>
            }
            .into_any(),
            None => view! { <span class="bar-row">{content}</span> }.into_any(),
        };
        view! {
            <li data-testid=testid data-index=bar.index.map(|i| i.to_string()) data-class=bar.label data-prob=bar.prob.to_string() class:best=best == Some(rank)>
                {row}
            </li>
        }
    });
    view! { <ol class="class-bars">{rows.collect_view()}</ol> }
}
