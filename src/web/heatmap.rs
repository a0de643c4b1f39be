//! Drawing where the model looked: the center crop it saw, and a class activation map as a
//! translucent heat layer the size of the crop (the browser upsamples it smoothly).

use image::RgbImage;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

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

pub fn draw_photo(canvas: &HtmlCanvasElement, photo: &RgbImage) {
    let rgba: Vec<u8> = photo.pixels().flat_map(|px| [px[0], px[1], px[2], 255]).collect();
    put(canvas, &rgba, photo.width(), photo.height());
}

/// A `side × side` map: low activations blue and faint, high ones red and strong.
pub fn draw_map(canvas: &HtmlCanvasElement, map: &[f32], side: u32) {
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
