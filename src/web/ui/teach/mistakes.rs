//! The mistakes gallery: the validation examples behind the chosen confusion-matrix cell —
//! thumbnail, true class, what the head predicts now and how sure it is — each movable to
//! another class or deletable; retraining shows the effect.

use base64::Engine;
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;

use super::Teach;

/// One example of the chosen cell, ready to draw.
#[derive(Clone, PartialEq)]
struct Shown {
    id: u64,
    class: u32,
    thumbnail: String,
    truth: String,
    predicted: String,
    probability: f32,
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
                        thumbnail: format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(&example.thumbnail)),
                        truth: names.get(o.truth)?.clone(),
                        predicted: names.get(o.predicted)?.clone(),
                        probability: o.probability,
                    })
                })
                .collect::<Vec<_>>();
            Some((names.get(truth)?.clone(), names.get(predicted)?.clone(), shown))
        })
    });
    let classes = move || teach.project.with(|p| p.classes.iter().map(|c| (c.id, c.name.clone())).collect::<Vec<_>>());
    move || {
        shown.get().map(|(truth, predicted, examples)| {
            let title = format!("True class “{truth}”, predicted “{predicted}”: {} example(s)", examples.len());
            let cards = examples
                .into_iter()
                .map(|shown| {
                    let id = shown.id;
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
                    <button type="button" data-testid="mistakes-close" on:click=move |_| teach.gallery.set(None)>"Close"</button>
                </section>
            }
        })
    }
}
