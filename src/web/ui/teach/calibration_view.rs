//! How far the trained head's probabilities can be trusted: the temperature fitted on the
//! held-out examples, the calibration error before and after, the reliability of each
//! confidence band, and the "not sure" threshold, which the user can move.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use super::Teach;
use crate::train::calibration::{Calibration, MIN_HELD_OUT, TARGET_ACCURACY};

/// What the current head's probabilities rest on.
#[derive(Clone, PartialEq)]
enum Standing {
    /// Fitted on this project's held-out examples.
    Calibrated(Calibration),
    /// It came by share link with the threshold chosen where it was trained.
    FromLink,
    /// Too few held-out examples.
    AsTrained,
}

/// The calibration of the current head, or why there is none.
#[component]
pub fn CalibrationView(teach: Teach) -> impl IntoView {
    let standing = move || {
        teach.project.with(|p| {
            p.current_head().map(|h| match h.record.evaluation.as_ref().and_then(|e| e.calibration.clone()) {
                // A link head saved before it carried its threshold has a calibration of no examples.
                _ if h.record.from_link => Standing::FromLink,
                Some(calibration) => Standing::Calibrated(calibration),
                None => Standing::AsTrained,
            })
        })
    };
    move || {
        match standing()? {
            Standing::AsTrained => Some(
                view! {
                    <p class="calibration" data-testid="calibration" data-state="none">
                        {format!("Probabilities are as trained, not calibrated: calibration needs at least {MIN_HELD_OUT} validation examples (raise the validation share or add examples).")}
                    </p>
                }
                .into_any(),
            ),
            Standing::FromLink => Some(
                view! {
                    <div class="calibration" data-testid="calibration" data-state="from-link">
                        <p>"Calibrated where it was trained: it came by share link, with its “not sure” threshold."</p>
                        <NotSureThreshold teach />
                    </div>
                }
                .into_any(),
            ),
            Standing::Calibrated(calibration) => Some(view! { <Calibrated teach calibration /> }.into_any()),
        }
    }
}

/// The "not sure" threshold of the trained head, which the user moves.
#[component]
fn NotSureThreshold(teach: Teach) -> impl IntoView {
    let threshold = move || teach.project.with(|p| p.head.as_ref().map_or(0.0, |h| h.not_sure_below()));
    view! {
        <label class="threshold">
            {move || format!("“Not sure” below {:.0} % ", threshold() * 100.0)}
            <input
                type="range" min="0" max="1" step="0.01" data-testid="not-sure-threshold"
                prop:value=move || threshold().to_string()
                on:change=move |event: ev::Event| {
                    let Some(input) = event.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
                    if let Ok(value) = input.value().parse::<f32>() {
                        teach.set_not_sure_below(value);
                    }
                }
            />
        </label>
    }
}

#[component]
fn Calibrated(teach: Teach, calibration: Calibration) -> impl IntoView {
    let percent = |v: f32| format!("{:.0} %", v * 100.0);
    let summary = format!(
        "Calibrated on {} validation examples (temperature {:.2}): calibration error {} → {}.",
        calibration.examples,
        calibration.temperature,
        percent(calibration.error_before),
        percent(calibration.error_after)
    );
    let target = if calibration.target_reached {
        format!("At the threshold chosen, the answers given were right at least {} of the time.", percent(TARGET_ACCURACY))
    } else {
        format!("No threshold kept the answers right {} of the time: add examples where classes are confused.", percent(TARGET_ACCURACY))
    };
    let rows = calibration
        .bands
        .iter()
        .enumerate()
        .filter(|(_, band)| band.count > 0)
        .map(|(i, band)| {
            view! {
                <tr data-testid="reliability-band">
                    <th scope="row">{format!("{}–{} %", i * 10, i * 10 + 10)}</th>
                    <td>{band.count}</td>
                    <td>{percent(band.confidence)}</td>
                    <td>{percent(band.accuracy)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="calibration" data-testid="calibration" data-state="calibrated" data-temperature=calibration.temperature
            data-error-before=calibration.error_before data-error-after=calibration.error_after>
            <p>{summary}" "{target}</p>
            <NotSureThreshold teach />
            <details>
                <summary>"Reliability by confidence"</summary>
                <div class="table-scroll" tabindex="0" role="region" aria-label="Reliability by confidence">
                <table data-testid="reliability">
                    <caption>"Validation examples by how sure the calibrated head was, and how often it was right"</caption>
                    <thead><tr><th scope="col">"confidence"</th><th scope="col">"examples"</th><th scope="col">"mean confidence"</th><th scope="col">"right"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
                </div>
            </details>
        </div>
    }
}
