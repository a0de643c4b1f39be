//! Classify mode's webcam: while the camera is on, frames are classified one after another
//! (the next as soon as the last is done), the top-5 smoothed over recent frames, with the
//! frames per second and the last frame's stage timings.

use std::collections::VecDeque;

use leptos::prelude::*;
use web_time::Instant;

use crate::engine::{Prediction, TOP_K, Timings, top_k};
use crate::model::scores::softmax;
use crate::web::ui::class_bars::{Bar, ClassBars};
use crate::web::ui::model_handle::ModelHandle;
use crate::web::ui::webcam::{Webcam, WebcamControls};
use crate::web::worker::Image;

/// Weight of the newest frame in the running average of probabilities.
const SMOOTHING: f32 = 0.4;
/// Frames per second are counted over this window.
const FPS_WINDOW_S: f64 = 2.0;

#[derive(Debug, Clone, PartialEq)]
struct LiveReading {
    top: Vec<Prediction>,
    fps: f64,
    frames: u64,
    timings: Timings,
}

/// Running average of class probabilities over frames.
#[derive(Default)]
struct Smoother {
    probs: Option<Vec<f32>>,
}

impl Smoother {
    fn add(&mut self, logits: &[f32]) -> Vec<Prediction> {
        let fresh = softmax(logits);
        let probs = match self.probs.take() {
            Some(old) if old.len() == fresh.len() => old.iter().zip(&fresh).map(|(o, f)| o + SMOOTHING * (f - o)).collect(),
            _ => fresh,
        };
        // top_k ranks logits and softmaxes them; the log of probabilities that sum to one
        // gives those probabilities back.
        let top = top_k(&probs.iter().map(|p| p.ln()).collect::<Vec<_>>(), TOP_K);
        self.probs = Some(probs);
        top
    }
}

/// Camera controls and the live ranking; the camera is released while `active` is off.
#[component]
pub fn LiveClassify(model: ModelHandle, active: Signal<bool>) -> impl IntoView {
    let webcam = Webcam::new();
    webcam.release_unless(active);
    let reading = RwSignal::new(None::<LiveReading>);
    let error = RwSignal::new(None::<String>);
    // Counts camera starts, so a run left over from before a quick stop/start ends.
    let runs = StoredValue::new(0u64);
    Effect::new(move || {
        if webcam.on.get() {
            runs.update_value(|r| *r += 1);
            let run = runs.get_value();
            leptos::task::spawn_local(classify_while_on(model, webcam, move || runs.get_value() == run, reading, error));
        }
    });
    let rows = move || {
        reading.get().map(|r| {
            let bars = r.top.into_iter().map(|p| Bar { label: p.label, prob: p.prob, index: Some(p.index) }).collect();
            view! { <ClassBars bars testid="live-prediction" /> }
        })
    };
    let rate = move || {
        reading.get().map(|r| {
            let t = r.timings;
            view! {
                <p class="timings" data-testid="live-fps" data-fps=format!("{:.2}", r.fps) data-frames=r.frames.to_string()>
                    {format!(
                        "{:.1} frames/s · last frame: preprocess {:.1} ms · inference {:.1} ms · total {:.1} ms",
                        r.fps, t.preprocess_ms, t.inference_ms, t.total_ms()
                    )}
                </p>
            }
        })
    };
    view! {
        <section class="card live" aria-labelledby="live-title" data-testid="live">
            <h3 id="live-title">"Webcam"</h3>
            <p class="hint">"Classifies what the camera sees, continuously; the ranking is averaged over recent frames."</p>
            <WebcamControls webcam testid="live-camera" />
            <p class="error" role="alert" data-testid="live-error" hidden=move || error.with(Option::is_none)>{move || error.get().unwrap_or_default()}</p>
            <div hidden=move || !webcam.on.get()>
                {rate}
                <div class="live-bars">{rows}</div>
            </div>
        </section>
    }
}

/// Classifies frames until the camera stops; a failure is shown and ends the run.
async fn classify_while_on(
    model: ModelHandle,
    webcam: Webcam,
    current: impl Fn() -> bool,
    reading: RwSignal<Option<LiveReading>>,
    error: RwSignal<Option<String>>,
) {
    let mut smoother = Smoother::default();
    let mut finished: VecDeque<Instant> = VecDeque::new();
    let mut frames = 0;
    error.set(None);
    let going = || webcam.on.get_untracked() && current();
    while going() {
        let Some(frame) = webcam.next_frame().await else { break };
        let classified = match model.client().classify(Image::Frame(frame), TOP_K).await {
            Ok(classified) => classified,
            Err(failure) => {
                error.set(Some(failure.to_string()));
                webcam.stop();
                return;
            }
        };
        if !going() {
            return;
        }
        let now = Instant::now();
        finished.push_back(now);
        while finished.front().is_some_and(|&t| (now - t).as_secs_f64() > FPS_WINDOW_S) {
            finished.pop_front();
        }
        frames += 1;
        let span = finished.front().map_or(0.0, |&first| (now - first).as_secs_f64());
        let fps = if finished.len() > 1 && span > 0.0 { (finished.len() - 1) as f64 / span } else { 0.0 };
        let top = smoother.add(&classified.classification.logits);
        reading.set(Some(LiveReading { top, fps, frames, timings: classified.classification.timings }));
    }
    if current() {
        reading.set(None);
    }
}
