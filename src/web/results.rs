//! The top-5 classes with probability bars, and how long each stage took.

use leptos::prelude::*;

use super::app::Outcome;

#[component]
pub fn Results(outcome: RwSignal<Option<Outcome>>) -> impl IntoView {
    move || {
        outcome.get().map(|Outcome { file, classification }| {
            let t = classification.timings;
            let heading = file.clone();
            let rows = classification
                .top
                .into_iter()
                .map(|p| {
                    let percent = p.prob * 100.0;
                    view! {
                        <li data-testid="prediction" data-index=p.index.to_string() data-prob=p.prob.to_string()>
                            <span class="label">{p.label}</span>
                            <span class="prob">{format!("{percent:.2}%")}</span>
                            <span class="bar" style=format!("width: {percent:.2}%")></span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="results" data-testid="result" data-file=file>
                    <h2>{heading}</h2>
                    <ol>{rows}</ol>
                    <p class="timings" data-testid="timings">
                        {format!(
                            "decode {:.1} ms · preprocess {:.1} ms · inference {:.1} ms · total {:.1} ms",
                            t.decode_ms, t.preprocess_ms, t.inference_ms, t.total_ms()
                        )}
                    </p>
                </section>
            }
        })
    }
}
