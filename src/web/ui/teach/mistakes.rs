//! The mistakes gallery: the validation examples behind the chosen confusion-matrix cell —
//! thumbnail, true class, what the head predicts now and how sure it is — each movable to
//! another class or deletable; retraining shows the effect. "Where it looked" runs the
//! model on the example's thumbnail (the only image a project keeps) and lays the
//! predicted class's activation map over it.

use crate::vision::views::thumbnail_url;
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;

use super::Teach;
use crate::web::ui::activation_map::{ActivationMap, ClassMap};
use crate::web::worker::{Image, WorkerError};

/// One example of the chosen cell, ready to draw.
#[derive(Clone, PartialEq)]
struct Shown {
    id: u64,
    class: u32,
    thumbnail: String,
    truth: String,
    predicted: String,
    /// The predicted class's position in the head's outputs.
    predicted_at: usize,
    probability: f32,
}

impl Teach {
    /// The activation map of the head's output `class` on an example's thumbnail, into `looked`.
    fn where_it_looked(self, example: u64, class: usize, looked: RwSignal<Option<ClassMap>>) {
        self.run(async move {
            let found = self.project.with_untracked(|p| {
                let head = p.current_head()?;
                Some((
                    p.examples.iter().find(|e| e.id == example)?.thumbnail.clone(),
                    head.weights.clone(),
                    p.class_names(&head.record.class_ids).get(class)?.clone(),
                ))
            });
            let Some((thumbnail, head, name)) = found else { return Ok(()) };
            let seen = self.model.client().embed(Image::Encoded(thumbnail)).await?;
            let crop = seen.crop.into_image().ok_or(WorkerError::Malformed("the crop's pixels do not fill its size".into()))?;
            let map = head.activation_map(class, &seen.map);
            let side = (map.len() as f64).sqrt() as u32;
            let caption = format!("Where it looked for “{name}”, on the example's thumbnail");
            looked.set(Some(ClassMap { crop, map, side, class: name, caption }));
            Ok::<_, WorkerError>(())
        });
    }
}

/// The gallery of the chosen cell, or nothing while no cell is chosen.
#[component]
pub fn MistakesGallery(teach: Teach) -> impl IntoView {
    let shown = Memo::new(move |_| {
        let (truth, predicted) = teach.gallery.get()?;
        teach.project.with(|p| {
            let head = p.current_head()?;
            let names = p.class_names(&head.record.class_ids);
            let examples = p.validation_outcomes().into_iter().filter(|o| o.truth == truth && o.predicted == predicted);
            let shown = examples
                .filter_map(|o| {
                    let example = p.examples.iter().find(|e| e.id == o.example)?;
                    Some(Shown {
                        id: o.example,
                        class: example.class,
                        thumbnail: thumbnail_url(&example.thumbnail),
                        truth: names.get(o.truth)?.clone(),
                        predicted: names.get(o.predicted)?.clone(),
                        predicted_at: o.predicted,
                        probability: o.probability,
                    })
                })
                .collect::<Vec<_>>();
            Some((names.get(truth)?.clone(), names.get(predicted)?.clone(), shown))
        })
    });
    let classes = move || teach.project.with(|p| p.classes.iter().map(|c| (c.id, c.name.clone())).collect::<Vec<_>>());
    let looked = RwSignal::new(None::<ClassMap>);
    let show_map = RwSignal::new(true);
    // Another cell's examples: the last look was of none of them.
    Effect::new(move || {
        teach.gallery.track();
        looked.set(None);
    });
    move || {
        shown.get().map(|(truth, predicted, examples)| {
            let title = format!("True class “{truth}”, predicted “{predicted}”: {} example(s)", examples.len());
            let cards = examples
                .into_iter()
                .map(|shown| {
                    let (id, predicted_at) = (shown.id, shown.predicted_at);
                    let move_to = move |event: ev::Event| {
                        let Some(select) = event.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()) else { return };
                        if let Ok(class) = select.value().parse::<u32>() {
                            teach.move_example(id, class);
                        }
                    };
                    let options = classes()
                        .into_iter()
                        .map(|(class, name)| view! { <option value=class.to_string() selected=class == shown.class>{name}</option> })
                        .collect_view();
                    view! {
                        <li class="mistake" data-testid="mistake" data-example=id.to_string()>
                            <img src=shown.thumbnail alt=format!("a validation example of “{}”", shown.truth) width="64" height="64" />
                            <span>{format!("true: {} · predicted: {} ({:.0} %)", shown.truth, shown.predicted, shown.probability * 100.0)}</span>
                            <label>
                                "Class "
                                <select data-testid="mistake-class" on:change=move_to>{options}</select>
                            </label>
                            <button type="button" data-testid="mistake-look" on:click=move |_| teach.where_it_looked(id, predicted_at, looked)>"Where it looked"</button>
                            <button type="button" data-testid="mistake-delete" on:click=move |_| teach.delete_example(id)>"Delete"</button>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="mistakes" data-testid="mistakes" aria-labelledby="mistakes-title">
                    <h4 id="mistakes-title">{title}</h4>
                    <p class="hint">"Move an example to the class it belongs to, or delete it; then train again."</p>
                    <ul>{cards}</ul>
                    <Show when=move || looked.with(Option::is_some)>
                        <ActivationMap looked=looked.into() show_map testid="mistake-cam" />
                    </Show>
                    <button type="button" data-testid="mistakes-close" on:click=move |_| teach.gallery.set(None)>"Close"</button>
                </section>
            }
        })
    }
}
