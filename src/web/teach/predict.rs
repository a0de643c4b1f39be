//! The head's verdict on one image: every class's probability as a bar, and a class
//! activation map over the center crop for the class the user picks.

use image::RgbImage;
use leptos::html::Canvas;
use leptos::prelude::*;

use crate::train::head::HeadWeights;
use crate::web::heatmap::{draw_map, draw_photo};

#[derive(Debug, Clone, PartialEq)]
pub struct HeadPrediction {
    pub source: String,
    pub names: Vec<String>,
    pub probs: Vec<f32>,
    /// Per class, the activation map over the `side × side` feature grid.
    pub maps: Vec<Vec<f32>>,
    pub side: u32,
    /// The center crop the model saw.
    pub crop: RgbImage,
}

impl HeadPrediction {
    pub fn new(source: String, names: Vec<String>, head: &HeadWeights, features: &[f32], feature_map: &[f32], crop: RgbImage) -> Self {
        let maps: Vec<Vec<f32>> = (0..head.classes()).map(|k| head.activation_map(k, feature_map)).collect();
        let side = (maps.first().map_or(0, Vec::len) as f64).sqrt() as u32;
        Self { source, names, probs: head.probabilities(features), maps, side, crop }
    }

    pub fn best(&self) -> usize {
        (0..self.probs.len()).max_by(|&a, &b| self.probs[a].total_cmp(&self.probs[b])).unwrap_or(0)
    }
}

#[component]
pub fn HeadPredictionView(prediction: RwSignal<Option<HeadPrediction>>) -> impl IntoView {
    let chosen = RwSignal::new(None::<usize>);
    let show_map = RwSignal::new(true);
    let photo = NodeRef::<Canvas>::new();
    let overlay = NodeRef::<Canvas>::new();
    Effect::new(move || {
        let Some(canvas) = photo.get() else { return };
        prediction.with(|p| {
            if let Some(p) = p {
                draw_photo(&canvas, &p.crop);
            }
        });
    });
    Effect::new(move || {
        let Some(canvas) = overlay.get() else { return };
        let class = chosen.get();
        prediction.with(|p| {
            if let Some(p) = p {
                let class = class.filter(|&c| c < p.maps.len()).unwrap_or_else(|| p.best());
                draw_map(&canvas, &p.maps[class], p.side);
            }
        });
    });
    Effect::new(move || {
        prediction.track();
        chosen.set(None);
    });

    move || {
        prediction.get().map(|p| {
            let best = p.best();
            let shown = move || chosen.get().unwrap_or(best);
            let bars = p
                .names
                .iter()
                .zip(&p.probs)
                .enumerate()
                .map(|(k, (name, &prob))| {
                    let percent = prob * 100.0;
                    view! {
                        <li data-testid="teach-prediction" data-class=name.clone() data-prob=prob.to_string() class:best=k == best>
                            <button
                                type="button"
                                class="map-choice"
                                aria-pressed=move || (shown() == k).to_string()
                                title="Show where the model looked for this class"
                                on:click=move |_| chosen.set(Some(k))
                            >
                                <span class="label">{name.clone()}</span>
                                <span class="prob">{format!("{percent:.1}%")}</span>
                                <span class="bar" style=format!("width: {percent:.2}%")></span>
                            </button>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="teach-result" data-testid="teach-result" data-source=p.source.clone() data-best=p.names[best].clone()>
                    <h3>{format!("{}: {}", p.source, p.names[best])}</h3>
                    <ol class="class-bars">{bars}</ol>
                    <label>
                        <input type="checkbox" data-testid="cam-toggle" prop:checked=move || show_map.get() on:change=move |_| show_map.update(|s| *s = !*s) />
                        " Show where it looked (class activation map of the chosen class)"
                    </label>
                    <div class="cam" data-testid="cam">
                        <canvas node_ref=photo aria-label="The center crop the model saw"></canvas>
                        <canvas node_ref=overlay class="overlay" data-testid="cam-overlay" hidden=move || !show_map.get()></canvas>
                    </div>
                </section>
            }
        })
    }
}
