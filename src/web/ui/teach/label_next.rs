//! What to label next: the user drops a pool of unlabelled images; their features are
//! computed once (in the worker), and the current head ranks them least sure first
//! (`train::uncertainty`). Labelling one makes it an example of that class at once (its
//! features are already there); train again to learn from it.

use crate::vision::views::thumbnail_url;
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;

use super::Teach;
use super::capture::TeachError;
use crate::model::arch::FEATURE_DIM;
use crate::train::project::Example;
use crate::train::uncertainty::{least_sure_first, margin};
use crate::web::platform::drops::read_drop;
use crate::web::platform::files::take_files;

/// Images offered for labelling at once.
const OFFERED: usize = 12;

impl Teach {
    /// Makes a pooled image an example of `class`.
    fn label_pooled(self, key: u64, class: u32) {
        self.run(async move {
            self.backbone_for_project()?;
            let id = self.new_example_id()?;
            let Some(image) = self.pool.take(key) else { return Ok(()) };
            self.add_examples(vec![Example { id, class, thumbnail: image.thumbnail, features: image.features }]).await;
            Ok::<_, TeachError>(())
        });
    }
}

/// One offered image: the head's two best guesses.
#[derive(Debug, Clone, PartialEq)]
struct Offer {
    key: u64,
    name: String,
    url: String,
    margin: f32,
    guesses: String,
}

/// The pool card: add images, and the least sure of them offered for labelling.
#[component]
pub fn LabelNext(teach: Teach) -> impl IntoView {
    let offers = Memo::new(move |_| {
        teach.project.with(|p| {
            let head = p.current_head()?;
            let names = p.class_names(&head.record.class_ids);
            teach.pool.images.with(|pool| {
                let probabilities: Vec<Vec<f32>> = pool.iter().map(|i| head.weights.probabilities(&i.features[..FEATURE_DIM.min(i.features.len())])).collect();
                let offers = least_sure_first(&probabilities).into_iter().take(OFFERED).map(|i| {
                    let mut ranked: Vec<usize> = (0..names.len()).collect();
                    ranked.sort_by(|&a, &b| probabilities[i][b].total_cmp(&probabilities[i][a]));
                    let guesses =
                        ranked.iter().take(2).map(|&c| format!("{} {:.0} %", names[c], probabilities[i][c] * 100.0)).collect::<Vec<_>>().join(", then ");
                    let url = thumbnail_url(&pool[i].thumbnail);
                    Offer { key: pool[i].key, name: pool[i].name.clone(), url, margin: margin(&probabilities[i]), guesses }
                });
                Some(offers.collect::<Vec<_>>())
            })
        })
    });
    let on_files = move |event: ev::Event| teach.pool.add(teach.model, take_files(&event));
    let on_drop = move |event: ev::DragEvent| {
        let take = move |files: Vec<(String, web_sys::File)>| teach.pool.add(teach.model, files.into_iter().map(|(_, file)| file).collect());
        read_drop(&event, take, move |message| teach.message.set(Some(format!("The dropped files could not be read: {message}"))));
    };
    let classes = move || teach.project.with(|p| p.classes.iter().map(|c| (c.id, c.name.clone())).collect::<Vec<_>>());
    view! {
        <section class="card label-next" aria-labelledby="label-next-title" data-testid="label-next"
            on:dragover=|event: ev::DragEvent| event.prevent_default() on:drop=on_drop>
            <h3 id="label-next-title">"What to add next"</h3>
            <p class="hint">"Drop unlabelled images (or a folder) here: the classifier lists those it is least sure of — the examples that teach it most. Label them, then train again."</p>
            <label class="button file-button">
                <input type="file" accept="image/*" multiple data-testid="pool-files" on:change=on_files />
                "Add unlabelled images…"
            </label>
            <p class="hint" data-testid="pool-size" data-size=move || teach.pool.images.with(Vec::len) data-pending=move || teach.pool.pending.get()>
                {move || format!("{} image(s) in the pool{}", teach.pool.images.with(Vec::len), match teach.pool.pending.get() { 0 => String::new(), n => format!(", {n} being read") })}
            </p>
            <Show when=move || teach.pool.refused.with(|r| !r.is_empty())>
                <p class="error" role="alert" data-testid="pool-refused">
                    {move || teach.pool.refused.with(|r| format!("Not added to the pool — {}", r.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")))}
                </p>
            </Show>
            {move || match offers.get() {
                None => view! { <p class="empty-state">"Train the classifier, and the pool is ranked here."</p> }.into_any(),
                Some(offers) => view! {
                    <ol class="offers">
                        {offers.into_iter().map(|offer| {
                            let key = offer.key;
                            let label = move |event: ev::Event| {
                                let Some(select) = event.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()) else { return };
                                if let Ok(class) = select.value().parse::<u32>() {
                                    teach.label_pooled(key, class);
                                }
                            };
                            view! {
                                <li data-testid="offer" data-name=offer.name.clone() data-margin=offer.margin>
                                    <img src=offer.url alt="" width="56" height="56" />
                                    <span>{format!("{}: {} (margin {:.2})", offer.name, offer.guesses, offer.margin)}</span>
                                    <select data-testid="offer-class" aria-label=format!("Label {}", offer.name) on:change=label>
                                        <option value="" selected>"Label as…"</option>
                                        {classes().into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                                    </select>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any(),
            }}
        </section>
    }
}
