//! A webcam as the page's parts use it: choose, start and stop one, a mirrored preview,
//! frames on demand. The camera is released on stop, when the tab is hidden (and taken
//! again when it is shown), and when its part of the page goes away.

use image::RgbImage;
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::MediaStream;

use crate::web::platform::camera::{self, CameraError, CameraInfo};
use crate::web::platform::scope::sleep_ms;

/// `Copy` handle on one camera stream.
#[derive(Clone, Copy)]
pub struct Webcam {
    /// The cameras the browser lists.
    pub cameras: RwSignal<Vec<CameraInfo>>,
    /// The chosen camera's id ("" for the default one).
    pub choice: RwSignal<String>,
    /// Whether the camera is on.
    pub on: RwSignal<bool>,
    /// Why the camera could not start, in words the user can act on.
    pub problem: RwSignal<Option<String>>,
    /// On when the tab was hidden, so it is taken again when the tab is shown.
    resume: StoredValue<bool>,
    /// Counts stops, so a start still waiting for its stream when one comes gives it up.
    stops: StoredValue<u64>,
    stream: StoredValue<Option<MediaStream>, LocalStorage>,
    /// The preview element frames are taken from.
    pub video: NodeRef<leptos::html::Video>,
}

impl Webcam {
    /// A camera handle, off; released when the owning part of the page goes away.
    pub fn new() -> Self {
        let webcam = Self {
            cameras: RwSignal::new(Vec::new()),
            choice: RwSignal::new(String::new()),
            on: RwSignal::new(false),
            problem: RwSignal::new(None),
            resume: StoredValue::new(false),
            stops: StoredValue::new(0),
            stream: StoredValue::new_local(None),
            video: NodeRef::new(),
        };
        let visibility = window_event_listener(ev::visibilitychange, move |_| {
            let hidden = document().visibility_state() == web_sys::VisibilityState::Hidden;
            if hidden && webcam.on.get_untracked() {
                webcam.stop();
                webcam.resume.set_value(true);
            } else if !hidden && webcam.resume.get_value() {
                webcam.resume.set_value(false);
                webcam.start();
            }
        });
        on_cleanup(move || {
            visibility.remove();
            webcam.stop();
        });
        webcam
    }

    /// Stops the camera whenever `active` turns off (its part of the page is hidden).
    pub fn release_unless(self, active: Signal<bool>) {
        Effect::new(move || {
            if !active.get() {
                self.stop();
            }
        });
    }

    /// Starts the chosen camera (a problem is shown, not returned).
    pub fn start(self) {
        leptos::task::spawn_local(async move {
            let Some(video) = self.video.get_untracked() else { return };
            if let Some(stream) = self.stream.get_value() {
                camera::stop(&video, &stream);
            }
            let stops = self.stops.get_value();
            match camera::start(&video, Some(&self.choice.get_untracked())).await {
                Ok(stream) if self.stops.get_value() != stops => camera::stop(&video, &stream),
                Ok(stream) => {
                    self.stream.set_value(Some(stream));
                    self.problem.set(None);
                    self.on.set(true);
                    if let Ok(list) = camera::cameras().await {
                        self.cameras.set(list);
                    }
                }
                Err(error) => {
                    self.stream.set_value(None);
                    self.on.set(false);
                    self.problem.set(Some(error.to_string()));
                }
            }
        });
    }

    /// Stops the camera and releases it.
    pub fn stop(self) {
        self.stops.update_value(|n| *n += 1);
        self.resume.set_value(false);
        if let (Some(video), Some(stream)) = (self.video.get_untracked(), self.stream.get_value()) {
            camera::stop(&video, &stream);
        }
        self.stream.set_value(None);
        self.on.set(false);
    }

    /// The frame on screen now.
    pub fn frame(self) -> Result<RgbImage, CameraError> {
        match self.video.get_untracked() {
            Some(video) if self.on.get_untracked() => camera::grab(&video),
            _ => Err(CameraError::Off),
        }
    }

    /// The next frame, waiting while the camera warms up or switches; `None` once it is off.
    pub async fn next_frame(self) -> Option<RgbImage> {
        while self.on.get_untracked() {
            match self.frame() {
                Ok(frame) => return Some(frame),
                Err(_) => sleep_ms(100).await,
            }
        }
        None
    }
}

/// Camera choice, start/stop, the mirrored preview and any problem; `testid` prefixes the
/// test ids (`{testid}-start`, `-stop`, `-select`, `-preview`, `-problem`).
#[component]
pub fn WebcamControls(webcam: Webcam, testid: &'static str) -> impl IntoView {
    let options = move || webcam.cameras.get().into_iter().map(|c| view! { <option value=c.id>{c.label}</option> }).collect_view();
    view! {
        <div class="camera-controls">
            <label>
                "Camera "
                <select data-testid=format!("{testid}-select") on:change=move |event: ev::Event| {
                    if let Some(select) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
                        webcam.choice.set(select.value());
                        if webcam.on.get_untracked() {
                            webcam.start();
                        }
                    }
                }>
                    <option value="">"Default camera"</option>
                    {options}
                </select>
            </label>
            // One button whose role flips, so the keyboard focus stays on it.
            <button
                type="button"
                data-testid=move || format!("{testid}-{}", if webcam.on.get() { "stop" } else { "start" })
                on:click=move |_| if webcam.on.get_untracked() { webcam.stop() } else { webcam.start() }
            >
                {move || if webcam.on.get() { "Stop camera" } else { "Start camera" }}
            </button>
        </div>
        <p class="error" role="alert" data-testid=format!("{testid}-problem") hidden=move || webcam.problem.with(Option::is_none)>
            {move || webcam.problem.get().unwrap_or_default()}
        </p>
        <video node_ref=webcam.video class="preview" data-testid=format!("{testid}-preview") autoplay playsinline muted
            aria-label="Camera preview (mirrored)" hidden=move || !webcam.on.get()></video>
    }
}
