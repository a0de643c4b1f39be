//! Torchvision's ImageNet eval transform, from encoded bytes to a normalized tensor.
//!
//! `Resize(256)` (shorter side, bilinear or bicubic with antialiasing as Pillow does it) →
//! `CenterCrop(224)` → `ToTensor` → `Normalize(mean, std)`. Only the pixels the crop keeps
//! are resampled, so an 8000×8000 or 1×8000 photo costs what its crop costs.

use std::io::Cursor;

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};
use serde::{Deserialize, Serialize};

/// ImageNet channel means, torchvision `transforms.Normalize`.
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
/// ImageNet channel standard deviations, torchvision `transforms.Normalize`.
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];
/// Largest side accepted, in pixels.
pub const MAX_SIDE: u32 = 16_384;
/// Most pixels accepted: 100 megapixels (a 10,000 × 10,000 photo).
pub const MAX_PIXELS: u64 = 100_000_000;
/// Most bytes the decoder may produce, checked before it allocates them (16-bit and alpha
/// channels count): 512 MiB. The RGB copy made after adds at most 300 MB.
pub const MAX_DECODED_BYTES: u64 = 512 << 20;

/// How the resize resamples, as Pillow names its filters (torchvision and timm resize
/// PIL images with antialiasing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interpolation {
    /// Pillow's `BILINEAR` (torchvision's default).
    #[default]
    Bilinear,
    /// Pillow's `BICUBIC` (Keys cubic, a = −0.5; many timm weights).
    Bicubic,
}

impl Interpolation {
    /// The name used in int8 metadata and timm configs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bilinear => "bilinear",
            Self::Bicubic => "bicubic",
        }
    }

    /// Parses [`Self::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Bilinear, Self::Bicubic].into_iter().find(|i| i.name() == name)
    }

    fn filter(self) -> FilterType {
        match self {
            Self::Bilinear => FilterType::Bilinear,
            Self::Bicubic => FilterType::CatmullRom,
        }
    }
}

/// The eval transform's parameters; V1 weights use 256/224, V2 weights 232/224.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessing {
    /// Target length of the shorter side before cropping.
    pub resize: u32,
    /// Side of the square center crop.
    pub crop: u32,
    /// Per-channel mean subtracted from RGB values in [0, 1].
    pub mean: [f32; 3],
    /// Per-channel standard deviation divided by after subtracting the mean.
    pub std: [f32; 3],
    /// The resize's filter.
    #[serde(default)]
    pub interpolation: Interpolation,
}

impl Default for Preprocessing {
    fn default() -> Self {
        Self { resize: 256, crop: 224, mean: IMAGENET_MEAN, std: IMAGENET_STD, interpolation: Interpolation::Bilinear }
    }
}

/// Crop sides a model may ask for, in pixels (1024: a 12 MB input, activations in the
/// hundreds of MB).
pub const CROP_RANGE: std::ops::RangeInclusive<u32> = 32..=1024;
/// Longest shorter side a resize may ask for, in pixels.
pub const MAX_RESIZE: u32 = 4096;

impl Preprocessing {
    /// Why a model's preprocessing cannot be used, if it cannot: the crop outside
    /// [`CROP_RANGE`], the resize below the crop or over [`MAX_RESIZE`], a mean or standard
    /// deviation not finite, a deviation not positive.
    pub fn problem(&self) -> Option<String> {
        let (min, max) = (CROP_RANGE.start(), CROP_RANGE.end());
        if !CROP_RANGE.contains(&self.crop) {
            return Some(format!("a crop of {} pixels ({min} to {max} are supported)", self.crop));
        }
        if !(self.crop..=MAX_RESIZE).contains(&self.resize) {
            return Some(format!("a resize to {} pixels (the crop, {}, to {MAX_RESIZE} are supported)", self.resize, self.crop));
        }
        if self.mean.iter().chain(&self.std).any(|v| !v.is_finite()) || self.std.iter().any(|s| *s <= 0.0) {
            return Some("a mean or standard deviation that is not finite, or a deviation that is not positive".into());
        }
        None
    }
}

/// Why an image could not be turned into model input.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The bytes are none of the supported formats.
    #[error("unsupported or unrecognised image format (supported: JPEG, PNG, WebP, GIF, BMP)")]
    UnknownFormat,
    /// A supported format, but the data is broken; the decoder's reason.
    #[error("the image could not be decoded: {0}")]
    Corrupt(String),
    /// A side is 0 or over [`MAX_SIDE`] pixels.
    #[error("the image is {width}×{height}; sides from 1 to {MAX_SIDE} pixels are supported")]
    BadSize {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// Its header asks for more memory than the decoder may allocate (sides not known).
    #[error("the image would take over 512 MiB to decode; up to 100 megapixels and 512 MiB decoded are supported")]
    OverLimit,
    /// Over [`MAX_PIXELS`], or it would decode to over [`MAX_DECODED_BYTES`].
    #[error("the image is {width}×{height} ({megabytes} MB decoded); up to 100 megapixels and 512 MiB decoded are supported")]
    TooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// What the decoder would allocate, in MB.
        megabytes: u64,
    },
}

/// Decodes JPEG/PNG/WebP/GIF (first frame)/BMP bytes to RGB, applying EXIF orientation.
/// Alpha is dropped, as Pillow's `convert("RGB")` does.
pub fn decode(bytes: &[u8]) -> Result<RgbImage, ImageError> {
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|err| ImageError::Corrupt(err.to_string()))?;
    if reader.format().is_none() {
        return Err(ImageError::UnknownFormat);
    }
    let mut decoder = reader.into_decoder().map_err(|err| match err {
        // The decoder refused its header's size against the reader's default allocation limit.
        image::ImageError::Limits(_) => ImageError::OverLimit,
        err => ImageError::Corrupt(err.to_string()),
    })?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageError::BadSize { width, height });
    }
    // Checked before `from_decoder`, which allocates the whole output before reading a pixel.
    let decoded = decoder.total_bytes();
    if u64::from(width) * u64::from(height) > MAX_PIXELS || decoded > MAX_DECODED_BYTES {
        return Err(ImageError::TooLarge { width, height, megabytes: decoded.div_ceil(1_000_000) });
    }
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    decoder.set_limits(limits).map_err(|_| ImageError::TooLarge { width, height, megabytes: decoded.div_ceil(1_000_000) })?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|err| ImageError::Corrupt(err.to_string()))?;
    image.apply_orientation(orientation);
    Ok(image.into_rgb8())
}

/// Size after `Resize(short)`: the shorter side becomes `short`, the longer side is
/// `int(short * long / short_side)` (truncated, as torchvision computes it).
pub fn resized_size(width: u32, height: u32, short: u32) -> (u32, u32) {
    let scale = |long: u32, short_side: u32| (u64::from(short) * u64::from(long) / u64::from(short_side)) as u32;
    if width <= height { (short, scale(height, width)) } else { (scale(width, height), short) }
}

/// Top-left offset of torchvision's `CenterCrop`: `int(round((size - crop) / 2))`, where
/// Python's `round` sends halves to the even neighbour.
pub fn center_crop_offset(size: u32, crop: u32) -> u32 {
    let twice = size.saturating_sub(crop);
    let floor = twice / 2;
    if twice % 2 == 1 && floor % 2 == 1 { floor + 1 } else { floor }
}

/// Resize + center crop to a `crop × crop` RGB image, resampling only the kept window.
pub fn resize_and_crop(image: &RgbImage, p: &Preprocessing) -> RgbImage {
    let (width, height) = image.dimensions();
    let (resized_w, resized_h) = resized_size(width, height, p.resize);
    let (left, top) = (center_crop_offset(resized_w, p.crop), center_crop_offset(resized_h, p.crop));
    // The crop window in source pixels: Pillow maps output pixel x to source (x + 0.5)·s − 0.5
    // with s = source/resized, so a window of the resized image is a box of the source.
    let (scale_x, scale_y) = (f64::from(width) / f64::from(resized_w), f64::from(height) / f64::from(resized_h));
    let window =
        CropBox { left: f64::from(left) * scale_x, top: f64::from(top) * scale_y, width: f64::from(p.crop) * scale_x, height: f64::from(p.crop) * scale_y };
    resample(image, window, p.crop, p.interpolation)
}

/// A window of a source image, in (fractional) source pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CropBox {
    /// Distance from the image's left edge.
    pub left: f64,
    /// Distance from the image's top edge.
    pub top: f64,
    /// Width of the window.
    pub width: f64,
    /// Height of the window.
    pub height: f64,
}

/// Resamples `window` of `image` to a `side × side` image (convolution with antialiasing),
/// horizontally then vertically, as Pillow does. A window that overshoots the image (by a
/// rounding step, when the resize equals the crop) is cut to it.
///
/// The two passes are two calls: when fast_image_resize 6.1 does both in one, it shifts
/// its horizontal bounds by the first one's start, which is not the least when a zero
/// weight was trimmed from it — an out-of-bounds read `tests/fuzz.rs` found (e.g. a
/// 674×625 image, resize 1330, crop 719, bicubic).
pub fn resample(image: &RgbImage, window: CropBox, side: u32, interpolation: Interpolation) -> RgbImage {
    let (width, height) = (f64::from(image.width()), f64::from(image.height()));
    let (left, top) = (window.left.clamp(0.0, width - 1.0), window.top.clamp(0.0, height - 1.0));
    let (window_w, window_h) = (window.width.min(width - left), window.height.min(height - top));
    let filter = ResizeAlg::Convolution(interpolation.filter());
    let mut resizer = Resizer::new();
    let source = ImageRef::new(image.width(), image.height(), image.as_raw(), PixelType::U8x3).expect("an RgbImage buffer is width × height × 3 bytes");
    let mut narrowed = Image::new(side, image.height(), PixelType::U8x3);
    let horizontal = ResizeOptions::new().resize_alg(filter).crop(left, 0.0, window_w, height);
    resizer.resize(&source, &mut narrowed, &horizontal).expect("pixel types match and the crop box lies inside the source");
    let mut resampled = Image::new(side, side, PixelType::U8x3);
    let vertical = ResizeOptions::new().resize_alg(filter).crop(0.0, top, f64::from(side), window_h);
    resizer.resize(&narrowed, &mut resampled, &vertical).expect("pixel types match and the crop box lies inside the source");
    RgbImage::from_raw(side, side, resampled.into_vec()).expect("side × side × 3 bytes")
}

/// `ToTensor` + `Normalize`: RGB bytes → planar `[3, h, w]` f32, row-major.
pub fn normalize(image: &RgbImage, p: &Preprocessing) -> Vec<f32> {
    let plane = (image.width() * image.height()) as usize;
    let mut planar = vec![0.0f32; 3 * plane];
    for (index, pixel) in image.pixels().enumerate() {
        for channel in 0..3 {
            let value = f32::from(pixel[channel]) / 255.0;
            planar[channel * plane + index] = (value - p.mean[channel]) / p.std[channel];
        }
    }
    planar
}

/// The whole eval transform: decoded RGB → `[3, crop, crop]` normalized values.
pub fn preprocess(image: &RgbImage, p: &Preprocessing) -> Vec<f32> {
    normalize(&resize_and_crop(image, p), p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resized_size_truncates_like_torchvision() {
        assert_eq!(resized_size(640, 480, 256), (341, 256)); // 256·640/480 = 341.33
        assert_eq!(resized_size(1, 8000, 256), (256, 2_048_000));
        assert_eq!(resized_size(500, 500, 256), (256, 256));
    }

    #[test]
    fn center_crop_rounds_halves_to_even() {
        assert_eq!(center_crop_offset(256, 224), 16);
        assert_eq!(center_crop_offset(225, 224), 0); // round(0.5) = 0
        assert_eq!(center_crop_offset(227, 224), 2); // round(1.5) = 2
        assert_eq!(center_crop_offset(229, 224), 2); // round(2.5) = 2
    }

    #[test]
    fn cropped_resize_equals_full_resize_then_crop() {
        let (width, height) = (301, 417);
        let pixels: Vec<u8> = (0..width * height * 3).map(|i| ((i * 7919) % 251) as u8).collect();
        let image = RgbImage::from_raw(width, height, pixels).unwrap();
        let p = Preprocessing::default();
        let (rw, rh) = resized_size(width, height, p.resize);
        let mut full = Image::new(rw, rh, PixelType::U8x3);
        let source = Image::from_vec_u8(width, height, image.as_raw().clone(), PixelType::U8x3).unwrap();
        Resizer::new().resize(&source, &mut full, &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear))).unwrap();
        let full = RgbImage::from_raw(rw, rh, full.into_vec()).unwrap();
        let (left, top) = (center_crop_offset(rw, p.crop), center_crop_offset(rh, p.crop));
        let reference = image::imageops::crop_imm(&full, left, top, p.crop, p.crop).to_image();
        let cropped = resize_and_crop(&image, &p);
        let worst = reference.as_raw().iter().zip(cropped.as_raw()).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
        assert!(worst <= 1, "cropped resize differs by {worst}/255");
    }

    /// A PNG that declares `width × height` (`depth` bits, `color` type) and holds no pixels.
    fn png_header(width: u32, height: u32, depth: u8, color: u8) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut chunk = |kind: &[u8; 4], data: &[u8]| {
            bytes.extend((data.len() as u32).to_be_bytes());
            let start = bytes.len();
            bytes.extend(kind.iter().chain(data));
            bytes.extend(crc32fast::hash(&bytes[start..]).to_be_bytes());
        };
        let header: Vec<u8> = [width.to_be_bytes(), height.to_be_bytes()].concat().into_iter().chain([depth, color, 0, 0, 0]).collect();
        chunk(b"IHDR", &header);
        chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        chunk(b"IEND", &[]);
        bytes
    }

    /// A 70-byte header must not make the decoder reserve gigabytes.
    #[test]
    fn decompression_bomb_headers_are_refused_before_allocating() {
        let bomb = png_header(16_384, 16_384, 16, 6); // 16-bit RGBA: 2 GiB
        assert!(matches!(decode(&bomb), Err(ImageError::TooLarge { megabytes: 2148, .. })), "{:?}", decode(&bomb).err());
        let wide = png_header(11_000, 10_000, 8, 2); // 110 megapixels, 330 MB
        assert!(matches!(decode(&wide), Err(ImageError::TooLarge { .. })));
        let small = png_header(1000, 1000, 8, 2); // within the budget: read, then found empty
        assert!(matches!(decode(&small), Err(ImageError::Corrupt(_))), "{:?}", decode(&small).err());
    }

    /// With resize = crop, the crop window can overshoot the resized image by a rounding step
    /// (sides 29, 58, 116, 225, …): it is cut to the image instead of panicking.
    #[test]
    fn every_side_length_preprocesses_when_resize_equals_crop() {
        let p = Preprocessing { resize: 224, ..Preprocessing::default() };
        for side in (1..=260).chain([450, 585, 900, 1170, 1800, 2341]) {
            for (width, height) in [(side, side), (side, side + 1), (side + 3, side)] {
                let image = RgbImage::from_pixel(width, height, image::Rgb([90, 120, 200]));
                let cropped = resize_and_crop(&image, &p);
                assert_eq!(cropped.dimensions(), (224, 224), "{width}×{height}");
            }
        }
    }

    #[test]
    fn garbage_is_refused_with_a_message() {
        assert!(matches!(decode(b"definitely not an image"), Err(ImageError::UnknownFormat)));
        let mut png = Vec::new();
        RgbImage::new(4, 4).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        png.truncate(png.len() / 2);
        assert!(matches!(decode(&png), Err(ImageError::Corrupt(_))));
    }

    #[test]
    fn one_pixel_image_works() {
        let image = RgbImage::from_pixel(1, 1, image::Rgb([200, 10, 30]));
        let tensor = preprocess(&image, &Preprocessing::default());
        assert_eq!(tensor.len(), 3 * 224 * 224);
        let red = (200.0 / 255.0 - IMAGENET_MEAN[0]) / IMAGENET_STD[0];
        assert!((tensor[0] - red).abs() < 1e-5);
    }
}
