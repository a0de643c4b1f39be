//! The webcam: list cameras, start one into a `<video>`, grab frames as RGB images, stop
//! (releasing the device).

use image::RgbImage;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement, MediaDeviceInfo, MediaDeviceKind, MediaStream, MediaStreamConstraints};

use super::scope::BrowserError;

/// Why the camera gives no picture, told apart by the browser's `DOMException` names.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CameraError {
    /// No `navigator.mediaDevices` (an insecure page, or a browser without cameras).
    #[error("this browser gives pages no camera access (a secure https:// or localhost page is needed)")]
    NoAccess,
    /// The user or the browser's settings refused.
    #[error("camera access was denied: allow it in the browser's site settings and try again")]
    Denied,
    /// No camera, or none matching the one chosen.
    #[error("no camera was found: connect one, or add examples by uploading images")]
    NotFound,
    /// Another program holds it, or it failed to start.
    #[error("the camera is in use by another program or could not be started")]
    Busy,
    /// Not started (or stopped).
    #[error("start the camera first")]
    Off,
    /// Started, but no frame has a size yet.
    #[error("the camera has not delivered a frame yet")]
    NoFrame,
    /// Anything else the browser reported.
    #[error("the camera could not be started: {0}")]
    Browser(#[from] BrowserError),
}

impl From<JsValue> for CameraError {
    fn from(error: JsValue) -> Self {
        BrowserError::from(error).into()
    }
}

/// A camera the browser lists.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraInfo {
    /// The browser's device id (chooses it in `getUserMedia`).
    pub id: String,
    /// Its name, or "Camera N" before the user has granted access.
    pub label: String,
}

fn media_devices() -> Result<web_sys::MediaDevices, CameraError> {
    web_sys::window().and_then(|w| w.navigator().media_devices().ok()).ok_or(CameraError::NoAccess)
}

/// Video inputs; labels are empty until the user has granted access once.
pub async fn cameras() -> Result<Vec<CameraInfo>, CameraError> {
    let list = JsFuture::from(media_devices()?.enumerate_devices()?).await?;
    Ok(Array::from(&list)
        .iter()
        .filter_map(|d| d.dyn_into::<MediaDeviceInfo>().ok())
        .filter(|d| d.kind() == MediaDeviceKind::Videoinput)
        .enumerate()
        .map(|(i, d)| CameraInfo { id: d.device_id(), label: Some(d.label()).filter(|l| !l.is_empty()).unwrap_or(format!("Camera {}", i + 1)) })
        .collect())
}

/// Starts `camera` (or the default one) playing into `video`.
pub async fn start(video: &HtmlVideoElement, camera: Option<&str>) -> Result<MediaStream, CameraError> {
    let constraints = MediaStreamConstraints::new();
    let video_constraints = Object::new();
    if let Some(id) = camera.filter(|id| !id.is_empty()) {
        let exact = Object::new();
        Reflect::set(&exact, &"exact".into(), &id.into())?;
        Reflect::set(&video_constraints, &"deviceId".into(), &exact)?;
    }
    constraints.set_video(&video_constraints);
    let promise = media_devices()?.get_user_media_with_constraints(&constraints)?;
    let stream: MediaStream = JsFuture::from(promise).await.map_err(refusal)?.dyn_into()?;
    video.set_src_object(Some(&stream));
    video.set_muted(true);
    if let Ok(playing) = video.play() {
        JsFuture::from(playing).await?;
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
pub fn grab(video: &HtmlVideoElement) -> Result<RgbImage, CameraError> {
    let (width, height) = (video.video_width(), video.video_height());
    if width == 0 || height == 0 {
        return Err(CameraError::NoFrame);
    }
    let document = web_sys::window().and_then(|w| w.document()).ok_or(BrowserError::new("no document"))?;
    let canvas: HtmlCanvasElement = document.create_element("canvas")?.unchecked_into();
    canvas.set_width(width);
    canvas.set_height(height);
    let context: CanvasRenderingContext2d = canvas.get_context("2d")?.ok_or(BrowserError::new("no 2d canvas"))?.unchecked_into();
    context.draw_image_with_html_video_element(video, 0.0, 0.0)?;
    let rgba = context.get_image_data(0.0, 0.0, f64::from(width), f64::from(height))?.data().0;
    let rgb = rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    RgbImage::from_raw(width, height, rgb).ok_or(CameraError::NoFrame)
}

/// getUserMedia's refusal, by its `DOMException` name.
fn refusal(error: JsValue) -> CameraError {
    let error = BrowserError::from(error);
    match error.name.as_deref() {
        Some("NotAllowedError" | "SecurityError") => CameraError::Denied,
        Some("NotFoundError" | "OverconstrainedError") => CameraError::NotFound,
        Some("NotReadableError" | "AbortError") => CameraError::Busy,
        _ => error.into(),
    }
}
