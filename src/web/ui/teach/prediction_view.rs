//! The head's verdict on one image: every class's probability as a bar, and a class
//! activation map over the center crop for the class the user picks.

use leptos::prelude::*;

use super::head_prediction::HeadPrediction;

use crate::web::ui::activation_map::{ActivationMap, ClassMap};
use crate::web::ui::class_bars::{Bar, ClassBars};

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
