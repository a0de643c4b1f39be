//! The top-5 classes with probability bars, how long each stage took, and where the model
//! looked for the class the user picks (its activation map over the center crop).

use leptos::html::Canvas;
use leptos::prelude::*;

use super::app::Outcome;
use super::heatmap::{draw_map, draw_photo};

#[component]
pub fn Results(outcome: RwSignal<Option<Outcome>>) -> impl IntoView {
    // Position in the top-5 whose map is shown.
    let chosen = RwSignal::new(0usize);
    let show_map = RwSignal::new(true);
    let photo = NodeRef::<Canvas>::new();
    let overlay = NodeRef::<Canvas>::new();
    Effect::new(move || {
        outcome.track();
        chosen.set(0);
    });
    Effect::new(move || {
        let Some(canvas) = photo.get() else { return };
        outcome.with(|o| {
            if let Some(crop) = o.as_ref().and_then(|o| o.crop()) {
                draw_photo(&canvas, &crop);
            }
        });
    });
    Effect::new(move || {
        let Some(canvas) = overlay.get() else { return };
        let rank = chosen.get();
        outcome.with(|o| {
            if let Some(map) = o.as_ref().and_then(|o| o.classified.maps.get(rank)) {
                draw_map(&canvas, map, o.as_ref().map_or(0, |o| o.classified.side));
            }
        });
    });

    move || {
        outcome.get().map(|Outcome { file, classified }| {
            let t = classified.classification.timings;
            let heading = file.clone();
            let labels: Vec<String> = classified.classification.top.iter().map(|p| p.label.clone()).collect();
            let indices: Vec<usize> = classified.classification.top.iter().map(|p| p.index).collect();
            let rows = classified
                .classification
                .top
                .into_iter()
                .enumerate()
                .map(|(rank, p)| {
                    let percent = p.prob * 100.0;
                    view! {
                        <li data-testid="prediction" data-index=p.index.to_string() data-prob=p.prob.to_string()>
                            <button
                                type="button"
                                class="map-choice"
                                aria-pressed=move || (chosen.get() == rank).to_string()
                                title="Show where the model looked for this class"
                                on:click=move |_| chosen.set(rank)
                            >
                                <span class="label">{p.label}</span>
                                <span class="prob">{format!("{percent:.2}%")}</span>
                                <span class="bar" style=format!("width: {percent:.2}%")></span>
                            </button>
                        </li>
                    }
                })
                .collect_view();
            let maps = classified.maps.clone();
            let shown_map = move || {
                maps.get(chosen.get()).map(|m| m.iter().map(|v| format!("{v:.5e}")).collect::<Vec<_>>().join(",")).unwrap_or_default()
            };
            let shown_class = move || indices.get(chosen.get()).map(usize::to_string).unwrap_or_default();
            let caption = move || labels.get(chosen.get()).map(|l| format!("Where it looked for “{l}”")).unwrap_or_default();
            view! {
                <section class="results" data-testid="result" data-file=file>
                    <h2>{heading}</h2>
                    <ol class="class-bars">{rows}</ol>
                    <p class="timings" data-testid="timings">
                        {format!(
                            "decode {:.1} ms · preprocess {:.1} ms · inference {:.1} ms · total {:.1} ms",
                            t.decode_ms, t.preprocess_ms, t.inference_ms, t.total_ms()
                        )}
                    </p>
                    <label>
                        <input type="checkbox" data-testid="result-cam-toggle" prop:checked=move || show_map.get() on:change=move |_| show_map.update(|s| *s = !*s) />
                        " Show where it looked (class activation map; pick a class above)"
                    </label>
                    <figure class="look" data-testid="result-cam">
                        <div class="cam">
                            <canvas node_ref=photo aria-label="The center crop the model saw"></canvas>
                            <canvas
                                node_ref=overlay
                                class="overlay"
                                data-testid="result-cam-overlay"
                                data-class=shown_class
                                data-map=shown_map
                                hidden=move || !show_map.get()
                            ></canvas>
                        </div>
                        <figcaption>{caption}</figcaption>
                    </figure>
                </section>
            }
        })
    }
}
