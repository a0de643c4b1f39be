//! The head's verdict on one image: every class's probability as a bar, and a class
//! activation map over the center crop for the class the user picks.

use image::RgbImage;
use leptos::prelude::*;

use crate::model::scores::argmax;
use crate::train::head::HeadWeights;
use crate::web::ui::activation_map::{ActivationMap, ClassMap};
use crate::web::ui::class_bars::{Bar, ClassBars};

/// The user's classifier on one image.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadPrediction {
    /// "camera" or the file's name.
    pub source: String,
    /// Class names, in the head's order.
    pub names: Vec<String>,
    /// Each class's probability.
    pub probs: Vec<f32>,
    /// Per class, the activation map over the `side × side` feature grid.
    pub maps: Vec<Vec<f32>>,
    /// Side of the feature grid.
    pub side: u32,
    /// The center crop the model saw.
    pub crop: RgbImage,
    /// Below this top probability the head is "not sure" (the calibration's threshold).
    pub not_sure_below: f32,
}

impl HeadPrediction {
    /// Applies `head` to an image's pooled `features` and its `feature_map`.
    pub fn new(source: String, names: Vec<String>, head: &HeadWeights, features: &[f32], feature_map: &[f32], crop: RgbImage) -> Self {
        let maps: Vec<Vec<f32>> = (0..head.classes()).map(|k| head.activation_map(k, feature_map)).collect();
        let side = (maps.first().map_or(0, Vec::len) as f64).sqrt() as u32;
        Self { source, names, probs: head.probabilities(features), maps, side, crop, not_sure_below: 0.0 }
    }

    /// With the "not sure" threshold set.
    pub fn not_sure_below(self, threshold: f32) -> Self {
        Self { not_sure_below: threshold, ..self }
    }

    /// The most probable class.
    pub fn best(&self) -> usize {
        argmax(&self.probs).unwrap_or(0)
    }

    /// Whether the best class is likely enough to be named.
    pub fn sure(&self) -> bool {
        self.probs.get(self.best()).is_some_and(|&p| p >= self.not_sure_below)
    }
}

/// Bars for every class (each chooses the map shown) and the map, best class first.
#[component]
pub fn HeadPredictionView(prediction: RwSignal<Option<HeadPrediction>>) -> impl IntoView {
    let show_map = RwSignal::new(true);
    move || {
        prediction.get().map(|p| {
            let best = p.best();
            let chosen = RwSignal::new(best);
            let bars = p.names.iter().zip(&p.probs).map(|(name, &prob)| Bar { label: name.clone(), prob, index: None }).collect();
            let (source, best_name, sure) = (p.source.clone(), p.names.get(best).cloned().unwrap_or_default(), p.sure());
            let verdict = if sure {
                best_name.clone()
            } else {
                format!("not sure (best guess {best_name}, {:.0} %, below the {:.0} % threshold)", p.probs[best] * 100.0, p.not_sure_below * 100.0)
            };
            let looked = Memo::new(move |_| {
                let class = chosen.get();
                Some(ClassMap {
                    crop: p.crop.clone(),
                    map: p.maps.get(class)?.clone(),
                    side: p.side,
                    class: p.names.get(class)?.clone(),
                    caption: format!("Where it looked for “{}”", p.names.get(class)?),
                })
            });
            view! {
                <section class="teach-result" data-testid="teach-result" data-source=source.clone() data-best=best_name.clone() data-sure=sure.to_string()>
                    <h4 class="file-name">{format!("{source}: {verdict}")}</h4>
                    <ClassBars bars testid="teach-prediction" chosen best />
                    <ActivationMap looked=looked.into() show_map testid="cam" />
                </section>
            }
        })
    }
}
