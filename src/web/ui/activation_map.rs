//! Where the model looked: the center crop it saw with a class activation map laid over it
//! as a translucent heat layer (the browser upsamples it smoothly), and a switch to hide it.
//! One view for the classify result and for the user's own classes.

use image::RgbImage;
use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// One class's map over the crop.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassMap {
    /// The center crop the model saw.
    pub crop: RgbImage,
    /// `side × side` activations.
    pub map: Vec<f32>,
    /// Side of the map's grid.
    pub side: u32,
    /// The class, as the overlay's `data-class` (an ImageNet index or a class name).
    pub class: String,
    /// What the caption says.
    pub caption: String,
}

/// The crop with the map over it, the map hidden while `show_map` is off (it outlives one
/// result, so the choice stays); `testid` names the figure, `{testid}-overlay` and
/// `{testid}-toggle`.
#[component]
pub fn ActivationMap(looked: Signal<Option<ClassMap>>, show_map: RwSignal<bool>, testid: &'static str) -> impl IntoView {
    let photo = NodeRef::<Canvas>::new();
    let overlay = NodeRef::<Canvas>::new();
    Effect::new(move || {
        let (Some(photo), Some(overlay)) = (photo.get(), overlay.get()) else { return };
        looked.with(|l| {
            if let Some(l) = l {
                draw_photo(&photo, &l.crop);
                draw_map(&overlay, &l.map, l.side);
            }
        });
    });
    let attribute = move |pick: fn(&ClassMap) -> String| move || looked.with(|l| l.as_ref().map(pick).unwrap_or_default());
    view! {
        <label class="check">
            <input type="checkbox" data-testid=format!("{testid}-toggle") prop:checked=move || show_map.get() on:change=move |_| show_map.update(|s| *s = !*s) />
            " Show where it looked (class activation map; pick a class in the list)"
        </label>
        <figure class="look" data-testid=testid>
            <div class="cam">
                <canvas node_ref=photo role="img" aria-label="The center crop the model saw"></canvas>
                <canvas
                    node_ref=overlay
                    class="overlay"
                    data-testid=format!("{testid}-overlay")
                    data-class=attribute(|l| l.class.clone())
                    data-map=attribute(|l| l.map.iter().map(|v| format!("{v:.5e}")).collect::<Vec<_>>().join(","))
                    hidden=move || !show_map.get()
                ></canvas>
            </div>
            <figcaption>{attribute(|l| l.caption.clone())}</figcaption>
        </figure>
    }
}

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok().flatten()?.dyn_into().ok()
}

fn put(canvas: &HtmlCanvasElement, rgba: &[u8], width: u32, height: u32) {
    canvas.set_width(width);
    canvas.set_height(height);
    if let (Some(context), Ok(data)) = (context(canvas), ImageData::new_with_u8_clamped_array_and_sh(Clamped(rgba), width, height)) {
        let _ = context.put_image_data(&data, 0.0, 0.0);
    }
}

fn draw_photo(canvas: &HtmlCanvasElement, photo: &RgbImage) {
    let rgba: Vec<u8> = photo.pixels().flat_map(|px| [px[0], px[1], px[2], 255]).collect();
    put(canvas, &rgba, photo.width(), photo.height());
}

/// A `side × side` map: low activations blue and faint, high ones red and strong.
fn draw_map(canvas: &HtmlCanvasElement, map: &[f32], side: u32) {
    let (low, high) = map.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let span = (high - low).max(1e-12);
    let rgba: Vec<u8> = map
        .iter()
        .flat_map(|&v| {
            let t = (v - low) / span;
            [(255.0 * t) as u8, (80.0 * (1.0 - (2.0 * t - 1.0).abs())) as u8, (255.0 * (1.0 - t)) as u8, (60.0 + 140.0 * t) as u8]
        })
        .collect();
    put(canvas, &rgba, side, side);
}
