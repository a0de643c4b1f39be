//! The map of the examples: one point per example on the two directions its features vary
//! most (computed in the worker), a colour per class, the possibly mislabelled ringed and
//! listed for review. A point or a listed example can be moved to another class or deleted.

use crate::vision::views::thumbnail_url;
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;

use super::Teach;
use super::drawn_map::DrawnMap;
use crate::train::map::NEIGHBOURS;
use crate::train::project::Project;

fn colour(position: usize, classes: usize) -> String {
    format!("hsl({:.0} 70% 45%)", position as f64 * 360.0 / classes.max(1) as f64)
}

fn example_thumbnail_url(project: &Project, id: u64) -> String {
    thumbnail_url(project.examples.iter().find(|e| e.id == id).map(|e| e.thumbnail.as_slice()).unwrap_or_default())
}

/// The map card: draw (or redraw), the points, and the flagged list.
#[component]
pub fn ExampleMapView(teach: Teach) -> impl IntoView {
    let selected = RwSignal::new(None::<u64>);
    let enough = move || teach.project.with(|p| p.examples.len() > NEIGHBOURS);
    let map = teach.map;
    let stale = move || map.drawn.with(|m| m.as_ref().is_some_and(|m| teach.project.with(|p| m.stale(p))));
    let problem = move || map.draw.value().with(|last| last.as_ref().and_then(|r| r.as_ref().err()).map(ToString::to_string));
    view! {
        <section class="card example-map" aria-labelledby="map-title" data-testid="example-map">
            <h3 id="map-title">"Map of the examples"</h3>
            <p class="hint">"Each point is an example, placed by its features; nearby points look alike to the model. Ringed points sit among another class: check their labels."</p>
            <button type="button" data-testid="draw-map" disabled=move || !enough() || map.draw.pending().get() on:click=move |_| {
                map.draw.dispatch(());
            }>
                {move || if map.drawn.with(Option::is_some) { "Redraw the map" } else { "Draw the map" }}
            </button>
            <Show when=move || problem().is_some()>
                <p class="error" role="alert" data-testid="map-problem">{move || format!("The map could not be drawn: {}", problem().unwrap_or_default())}</p>
            </Show>
            <Show when=stale>
                <p class="hint" data-testid="map-stale">"Examples changed since the map was drawn."</p>
            </Show>
            {move || map.drawn.get().map(|drawn| view! { <MapDrawing teach drawn selected /> })}
        </section>
    }
}

#[component]
fn MapDrawing(teach: Teach, drawn: DrawnMap, selected: RwSignal<Option<u64>>) -> impl IntoView {
    let classes: Vec<(u32, String)> = teach.project.with_untracked(|p| p.classes.iter().map(|c| (c.id, c.name.clone())).collect());
    let position = |class: u32| classes.iter().position(|(id, _)| *id == class).unwrap_or(0);
    let name = |class: u32| classes.iter().find(|(id, _)| *id == class).map(|(_, n)| n.clone()).unwrap_or_default();
    let (xs, ys): (Vec<f32>, Vec<f32>) = drawn.map.points.iter().copied().unzip();
    let range = |v: &[f32]| (v.iter().copied().fold(f32::INFINITY, f32::min), v.iter().copied().fold(f32::NEG_INFINITY, f32::max));
    let ((x0, x1), (y0, y1)) = (range(&xs), range(&ys));
    let place = |v: f32, lo: f32, hi: f32| if hi > lo { 5.0 + 90.0 * (v - lo) / (hi - lo) } else { 50.0 };
    let flagged: Vec<usize> = drawn.map.flags.iter().map(|f| f.index).collect();
    let points = drawn
        .examples
        .iter()
        .zip(&drawn.map.points)
        .enumerate()
        .map(|(i, (&(id, class), &(x, y)))| {
            let ringed = flagged.contains(&i);
            let label = format!("{}{}", name(class), if ringed { " (possibly mislabelled)" } else { "" });
            let title = label.clone();
            view! {
                <circle cx=place(x, x0, x1) cy=place(y, y1, y0) r="1.8" fill=colour(position(class), classes.len())
                    class:flagged=ringed class:selected=move || selected.get() == Some(id)
                    data-testid="map-point" data-example=id.to_string() data-class=name(class) data-flagged=ringed.to_string()
                    tabindex="0" role="button" aria-label=label
                    on:click=move |_| selected.set(Some(id))
                    on:keydown=move |event: ev::KeyboardEvent| {
                        if matches!(event.key().as_str(), "Enter" | " ") {
                            event.prevent_default();
                            selected.set(Some(id));
                        }
                    }>
                    <title>{title}</title>
                </circle>
            }
        })
        .collect_view();
    let legend = classes
        .iter()
        .enumerate()
        .map(|(i, (_, n))| view! { <li><span class="swatch" style:background=colour(i, classes.len())></span>{n.clone()}</li> })
        .collect_view();
    let flags = drawn
        .map
        .flags
        .iter()
        .filter_map(|f| {
            let &(id, class) = drawn.examples.get(f.index)?;
            let says = name(classes.get(f.neighbours_say)?.0);
            Some(view! {
                <li data-testid="flag" data-example=id.to_string()>
                    <ExampleEditor teach id class text=format!("labelled “{}”; {} of its {NEIGHBOURS} nearest examples are “{says}”", name(class), f.votes) />
                </li>
            })
        })
        .collect_view();
    let chosen = move || {
        let id = selected.get()?;
        let (class, label) = teach.project.with(|p| {
            let class = p.examples.iter().find(|e| e.id == id)?.class;
            Some((class, p.class(class)?.name.clone()))
        })?;
        Some(view! { <div class="map-selected" data-testid="map-selected"><ExampleEditor teach id class text=format!("labelled “{label}”") /></div> })
    };
    view! {
        <svg class="map" viewBox="0 0 100 100" role="group" aria-label="Map of the examples" data-testid="map">{points}</svg>
        <ul class="map-legend">{legend}</ul>
        {chosen}
        <h4>{format!("Possibly mislabelled: {}", drawn.map.flags.len())}</h4>
        <ul class="flags" data-testid="flags">{flags}</ul>
    }
}

/// An example's thumbnail and what is said of it, with its class to change and a delete.
#[component]
fn ExampleEditor(teach: Teach, id: u64, class: u32, text: String) -> impl IntoView {
    let url = teach.project.with_untracked(|p| example_thumbnail_url(p, id));
    let options = teach
        .project
        .with_untracked(|p| p.classes.iter().map(|c| view! { <option value=c.id.to_string() selected=c.id == class>{c.name.clone()}</option> }).collect_view());
    let move_to = move |event: ev::Event| {
        let Some(select) = event.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()) else { return };
        if let Ok(class) = select.value().parse::<u32>() {
            teach.move_example(id, class);
        }
    };
    view! {
        <img src=url alt="" width="56" height="56" />
        <span>{text}</span>
        <label>"Class " <select data-testid="example-class" on:change=move_to>{options}</select></label>
        <button type="button" data-testid="example-delete" on:click=move |_| teach.delete_example(id)>"Delete"</button>
    }
}
