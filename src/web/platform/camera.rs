//! The webcam: list cameras, start one into a `<video>`, grab frames as RGB images, stop
//! (releasing the device).

use image::RgbImage;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement, MediaDeviceInfo, MediaDeviceKind, MediaStream, MediaStreamConstraints};

use super::scope::describe;

/// A camera the browser lists.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraInfo {
    /// The browser's device id (chooses it in `getUserMedia`).
    pub id: String,
    /// Its name, or "Camera N" before the user has granted access.
    pub label: String,
}

fn media_devices() -> Result<web_sys::MediaDevices, String> {
    web_sys::window()
        .and_then(|w| w.navigator().media_devices().ok())
        .ok_or_else(|| "this browser gives pages no camera access (a secure https:// or localhost page is needed)".into())
}

/// Video inputs; labels are empty until the user has granted access once.
pub async fn cameras() -> Result<Vec<CameraInfo>, String> {
    let list = JsFuture::from(media_devices()?.enumerate_devices().map_err(describe)?).await.map_err(describe)?;
    Ok(Array::from(&list)
        .iter()
        .filter_map(|d| d.dyn_into::<MediaDeviceInfo>().ok())
        .filter(|d| d.kind() == MediaDeviceKind::Videoinput)
        .enumerate()
        .map(|(i, d)| CameraInfo { id: d.device_id(), label: Some(d.label()).filter(|l| !l.is_empty()).unwrap_or(format!("Camera {}", i + 1)) })
        .collect())
}

/// Starts `camera` (or the default one) playing into `video`.
pub async fn start(video: &HtmlVideoElement, camera: Option<&str>) -> Result<MediaStream, String> {
    let constraints = MediaStreamConstraints::new();
    let video_constraints = Object::new();
    if let Some(id) = camera.filter(|id| !id.is_empty()) {
        let exact = Object::new();
        Reflect::set(&exact, &"exact".into(), &id.into()).map_err(describe)?;
        Reflect::set(&video_constraints, &"deviceId".into(), &exact).map_err(describe)?;
    }
    constraints.set_video(&video_constraints);
    let promise = media_devices()?.get_user_media_with_constraints(&constraints).map_err(describe)?;
    let stream: MediaStream = JsFuture::from(promise).await.map_err(explain)?.dyn_into().map_err(describe)?;
    video.set_src_object(Some(&stream));
    video.set_muted(true);
    if let Ok(playing) = video.play() {
        JsFuture::from(playing).await.map_err(describe)?;
    }
    // Playing can start before the first frame has a size; wait for it (up to 3 s).
    for _ in 0..60 {
        if video.video_width() > 0 {
            break;
        }
        super::scope::sleep_ms(50).await;
    }
    Ok(stream)
}

/// Stops every track, which turns the camera (and its light) off.
pub fn stop(video: &HtmlVideoElement, stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
    video.set_src_object(None);
}

/// The frame on screen now, as RGB.
pub fn grab(video: &HtmlVideoElement) -> Result<RgbImage, String> {
    let (width, height) = (video.video_width(), video.video_height());
    if width == 0 || height == 0 {
        return Err("the camera has not delivered a frame yet".into());
    }
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let canvas: HtmlCanvasElement = document.create_element("canvas").map_err(describe)?.unchecked_into();
    canvas.set_width(width);
    canvas.set_height(height);
    let context: CanvasRenderingContext2d = canvas.get_context("2d").map_err(describe)?.ok_or("no 2d canvas")?.unchecked_into();
    context.draw_image_with_html_video_element(video, 0.0, 0.0).map_err(describe)?;
    let rgba = context.get_image_data(0.0, 0.0, f64::from(width), f64::from(height)).map_err(describe)?.data().0;
    let rgb = rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    RgbImage::from_raw(width, height, rgb).ok_or_else(|| "the frame has an unexpected size".into())
}

/// Turns getUserMedia's DOMException names into what the user can do about them.
fn explain(error: JsValue) -> String {
    let name = Reflect::get(&error, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "SecurityError" => "camera access was denied: allow it in the browser's site settings and try again".into(),
        "NotFoundError" | "OverconstrainedError" => "no camera was found: connect one, or add examples by uploading images".into(),
        "NotReadableError" | "AbortError" => "the camera is in use by another program or could not be started".into(),
        _ => format!("the camera could not be started: {}", describe(error)),
    }
}
