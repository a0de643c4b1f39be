//! How far the trained head's probabilities can be trusted: the temperature fitted on the
//! held-out examples, the calibration error before and after, the reliability of each
//! confidence band, and the "not sure" threshold, which the user can move.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use super::Teach;
use crate::train::calibration::{Calibration, MIN_HELD_OUT, TARGET_ACCURACY};

/// The calibration of the current head, or why there is none.
#[component]
pub fn CalibrationView(teach: Teach) -> impl IntoView {
    let calibration = move || teach.project.with(|p| p.current_head().map(|h| h.record.evaluation.as_ref().and_then(|e| e.calibration.clone())));
    move || {
        match calibration() {
        None => None,
        Some(None) => Some(
            view! {
                <p class="calibration" data-testid="calibration" data-state="none">
                    {format!("Probabilities are as trained, not calibrated: calibration needs at least {MIN_HELD_OUT} validation examples (raise the validation share or add examples).")}
                </p>
            }
            .into_any(),
        ),
        Some(Some(calibration)) => Some(view! { <Calibrated teach calibration /> }.into_any()),
    }
    }
}

#[component]
fn Calibrated(teach: Teach, calibration: Calibration) -> impl IntoView {
    let percent = |v: f32| format!("{:.0} %", v * 100.0);
    let summary = if calibration.examples == 0 {
        "Calibrated where it was trained (it came by share link, with its “not sure” threshold).".to_string()
    } else {
        format!(
            "Calibrated on {} validation examples (temperature {:.2}): calibration error {} → {}.",
            calibration.examples,
            calibration.temperature,
            percent(calibration.error_before),
            percent(calibration.error_after)
        )
    };
    let target = if calibration.examples == 0 {
        String::new()
    } else if calibration.target_reached {
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
    let threshold = move || {
        teach.project.with(|p| p.head.as_ref().and_then(|h| h.record.evaluation.as_ref()?.calibration.as_ref().map(|c| c.not_sure_below)).unwrap_or(0.0))
    };
    view! {
        <div class="calibration" data-testid="calibration" data-state="calibrated" data-temperature=calibration.temperature
            data-error-before=calibration.error_before data-error-after=calibration.error_after>
            <p>{summary}" "{target}</p>
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
