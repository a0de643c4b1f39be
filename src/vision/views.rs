//! What an example contributes to training: the eval crop, plus (optionally) augmentation
//! views — the mirrored crop and two random square crops — and a small thumbnail to show.

use std::io::Cursor;

use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;
use image::imageops::flip_horizontal;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::preprocess::{CropBox, Preprocessing, normalize, resample, resize_and_crop};

/// Views per example with augmentation on: plain, mirrored, two random crops.
pub const AUGMENTED_VIEWS: usize = 4;
/// Thumbnail side in pixels.
pub const THUMBNAIL_SIDE: u32 = 96;
/// Random crops keep a square of this share (min, max) of the shorter side.
const CROP_SHARE: (f64, f64) = (0.6, 1.0);

/// Model inputs for one example: `[3, crop, crop]` each, the plain eval view first. Random
/// crops are drawn from `seed`, so an example's views can be recomputed exactly.
pub fn example_views(image: &RgbImage, p: &Preprocessing, augment: bool, seed: u64) -> Vec<Vec<f32>> {
    let plain = resize_and_crop(image, p);
    if !augment {
        return vec![normalize(&plain, p)];
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let (width, height) = (f64::from(image.width()), f64::from(image.height()));
    let mut random_crop = || {
        let side = width.min(height) * rng.random_range(CROP_SHARE.0..=CROP_SHARE.1);
        let window = CropBox { left: rng.random_range(0.0..=width - side), top: rng.random_range(0.0..=height - side), width: side, height: side };
        resample(image, window, p.crop, p.interpolation)
    };
    let crops = [random_crop(), random_crop()];
    [&plain, &flip_horizontal(&plain)].into_iter().chain(&crops).map(|view| normalize(view, p)).collect()
}

/// A `THUMBNAIL_SIDE`² center crop as JPEG (quality 85).
pub fn thumbnail(image: &RgbImage) -> Vec<u8> {
    let p = Preprocessing { resize: THUMBNAIL_SIDE, crop: THUMBNAIL_SIDE, ..Preprocessing::default() };
    let small = resize_and_crop(image, &p);
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(Cursor::new(&mut jpeg), 85).encode_image(&small).expect("encoding an in-memory RGB image cannot fail");
    jpeg
}

/// A thumbnail ([`thumbnail`]'s JPEG) as a `data:` URL, for an `<img>` or an SVG `<image>`.
pub fn thumbnail_url(jpeg: &[u8]) -> String {
    use base64::Engine;
    format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(jpeg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vision::preprocess::{decode, preprocess};

    fn gradient(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 90]))
    }

    #[test]
    fn plain_view_is_the_eval_transform_and_mirror_reverses_rows() {
        let image = gradient(320, 240);
        let p = Preprocessing::default();
        let views = example_views(&image, &p, true, 1);
        assert_eq!(views.len(), AUGMENTED_VIEWS);
        assert_eq!(views[0], preprocess(&image, &p));
        let side = p.crop as usize;
        let (plain, mirrored) = (&views[0], &views[1]);
        for row in [0, 100, side - 1] {
            for x in [0, 7, side - 1] {
                assert_eq!(mirrored[row * side + x], plain[row * side + side - 1 - x]);
            }
        }
        assert_ne!(views[2], views[3], "two different random crops");
        assert_eq!(views, example_views(&image, &p, true, 1), "seeded");
        assert_eq!(example_views(&image, &p, false, 1), vec![views[0].clone()]);
    }

    #[test]
    fn thumbnail_is_a_small_jpeg() {
        let jpeg = thumbnail(&gradient(1000, 700));
        let decoded = decode(&jpeg).unwrap();
        assert_eq!(decoded.dimensions(), (THUMBNAIL_SIDE, THUMBNAIL_SIDE));
        assert!(jpeg.len() < 8_000, "{} bytes", jpeg.len());
    }
}
