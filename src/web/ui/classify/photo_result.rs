//! One classified photo: the top-5 as bars, how long each stage took, and where the model
//! looked for the class the user picks.

use leptos::prelude::*;

use crate::web::ui::activation_map::{ActivationMap, ClassMap};
use crate::web::ui::class_bars::{Bar, ClassBars};
use crate::web::ui::studio::ClassifiedPhoto;

/// The result of the last photo, if any.
#[component]
pub fn PhotoResult(photo: RwSignal<Option<ClassifiedPhoto>>) -> impl IntoView {
    let show_map = RwSignal::new(true);
    move || {
        photo.get().map(|ClassifiedPhoto { file, classified }| {
            // Position in the top-5 whose map is shown.
            let chosen = RwSignal::new(0usize);
            let t = classified.classification.timings;
            let top = classified.classification.top.clone();
            let bars = top.iter().map(|p| Bar { label: p.label.clone(), prob: p.prob, index: Some(p.index) }).collect();
            let crop = classified.crop.clone().into_image();
            let looked = Memo::new(move |_| {
                let rank = chosen.get();
                let (p, map) = (top.get(rank)?, classified.maps.get(rank)?);
                Some(ClassMap {
                    crop: crop.clone()?,
                    map: map.clone(),
                    side: classified.side,
                    class: p.index.to_string(),
                    caption: format!("Where it looked for “{}”", p.label),
                })
            });
            view! {
                <section class="card results" data-testid="result" data-file=file.clone() aria-labelledby="result-title">
                    <h3 id="result-title" class="file-name">{file.clone()}</h3>
                    <div class="result-body">
                        <div class="ranking">
                            <ClassBars bars testid="prediction" chosen />
                            <p class="timings" data-testid="timings">
                                {format!(
                                    "decode {:.1} ms · preprocess {:.1} ms · inference {:.1} ms · total {:.1} ms",
                                    t.decode_ms, t.preprocess_ms, t.inference_ms, t.total_ms()
                                )}
                            </p>
                        </div>
                        <div class="looked">
                            <ActivationMap looked=looked.into() show_map testid="result-cam" />
                        </div>
                    </div>
                </section>
            }
        })
    }
}
