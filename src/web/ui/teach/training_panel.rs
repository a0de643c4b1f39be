//! Training settings, the train/cancel buttons with progress, the loss and accuracy
//! curves, and the validation confusion matrix.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use super::Teach;
use super::calibration_view::CalibrationView;
use super::chart::{LineChart, Series};
use super::confusion::ConfusionMatrix;
use super::mistakes::MistakesGallery;
use super::training_run::TrainingState;
use crate::train::trainer::{EpochMetrics, FEW_SHOT_BELOW, TrainSettings};

/// A number field bound to one setting; invalid text leaves the setting as it was.
#[component]
fn SettingField(
    teach: Teach,
    label: &'static str,
    testid: &'static str,
    step: &'static str,
    get: fn(&TrainSettings) -> String,
    set: fn(&mut TrainSettings, &str) -> bool,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <input
                type="number"
                step=step
                data-testid=testid
                prop:value=move || teach.project.with(|p| get(&p.settings))
                on:change=move |event: ev::Event| {
                    let Some(input) = event.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
                    let mut settings = teach.project.with_untracked(|p| p.settings.clone());
                    if set(&mut settings, &input.value()) {
                        teach.set_settings(settings);
                    } else {
                        teach.message.set(Some(format!("{label}: {:?} is not a valid value", input.value())));
                    }
                }
            />
        </label>
    }
}

/// Settings, train/cancel with progress, curves and the confusion matrix.
#[component]
pub fn TrainingPanel(teach: Teach) -> impl IntoView {
    let running = move || matches!(teach.training.state.get(), TrainingState::Running { .. });
    let progress = move || match teach.training.state.get() {
        TrainingState::Running { epoch, epochs } => format!("Training: epoch {epoch} of {epochs}"),
        TrainingState::Finished => "Trained.".into(),
        TrainingState::Cancelled => "Training cancelled; the previous classifier is kept.".into(),
        TrainingState::Idle => String::new(),
    };
    let series = |pick: fn(&EpochMetrics) -> (Option<f32>, Option<f32>)| {
        Signal::derive(move || {
            teach.training.history.with(|h| {
                vec![
                    Series { name: "training", class: "train", values: h.iter().map(|m| pick(m).0).collect() },
                    Series { name: "validation", class: "validation", values: h.iter().map(|m| pick(m).1).collect() },
                ]
            })
        })
    };
    let loss = series(|m| (Some(m.train_loss), m.validation_loss));
    let accuracy = series(|m| (Some(m.train_accuracy), m.validation_accuracy));
    let evaluation = move || {
        teach.project.with(|p| {
            let head = p.current_head().filter(|h| !h.record.from_link)?;
            let evaluation = head.record.evaluation.clone()?;
            let names = p.class_names(&head.record.class_ids);
            Some(view! { <ConfusionMatrix teach names evaluation /> <MistakesGallery teach /> })
        })
    };
    view! {
        <section class="card training" aria-labelledby="training-title">
            <h3 id="training-title">"Train"</h3>
            <fieldset class="settings" disabled=running>
                <legend>"Settings"</legend>
                <SettingField teach label="Epochs " testid="epochs" step="1"
                    get=|s| s.epochs.to_string()
                    set=|s, v| v.parse().ok().filter(|&e| e > 0 && e <= 10_000).map(|e| s.epochs = e).is_some() />
                <SettingField teach label="Learning rate " testid="learning-rate" step="0.0001"
                    get=|s| s.learning_rate.to_string()
                    set=|s, v| v.parse().ok().filter(|&r: &f64| r > 0.0 && r <= 10.0).map(|r| s.learning_rate = r).is_some() />
                <SettingField teach label="Weight decay " testid="weight-decay" step="0.0001"
                    get=|s| s.weight_decay.to_string()
                    set=|s, v| v.parse().ok().filter(|&d: &f32| (0.0..=1.0).contains(&d)).map(|d| s.weight_decay = d).is_some() />
                <SettingField teach label="Batch size " testid="batch-size" step="1"
                    get=|s| s.batch_size.to_string()
                    set=|s, v| v.parse().ok().filter(|&b| b > 0 && b <= 4096).map(|b| s.batch_size = b).is_some() />
                <SettingField teach label="Validation share " testid="validation-fraction" step="0.05"
                    get=|s| s.validation_fraction.to_string()
                    set=|s, v| v.parse().ok().filter(|&f: &f32| (0.0..0.9).contains(&f)).map(|f| s.validation_fraction = f).is_some() />
                <label>
                    <input
                        type="checkbox"
                        data-testid="augment"
                        prop:checked=move || teach.project.with(|p| p.settings.augment)
                        on:change=move |_| {
                            let mut settings = teach.project.with_untracked(|p| p.settings.clone());
                            settings.augment = !settings.augment;
                            teach.set_settings(settings);
                        }
                    />
                    " Augmentation (mirrored and cropped views of examples added while it is on)"
                </label>
            </fieldset>
            <div class="train-actions">
                <button type="button" class="primary" data-testid="train" disabled=running on:click=move |_| teach.train()>"Train"</button>
                <button type="button" data-testid="cancel-training" disabled=move || !running() on:click=move |_| teach.cancel_training()>"Cancel"</button>
                <progress
                    data-testid="training-progress"
                    aria-label="Training progress"
                    max=move || match teach.training.state.get() { TrainingState::Running { epochs, .. } => epochs, _ => 1 }
                    value=move || match teach.training.state.get() { TrainingState::Running { epoch, .. } => epoch, TrainingState::Finished => 1, _ => 0 }
                ></progress>
                <span data-testid="training-state" data-state=move || format!("{:?}", teach.training.state.get()).split([' ', '{']).next().unwrap_or("").to_lowercase() aria-live="polite">{progress}</span>
            </div>
            {move || teach.training.last_run.get().map(|run| view! {
                <p class="run" data-testid="training-run" data-seconds=run.seconds data-rows=run.rows
                    data-wasm-heap=run.memory.wasm_heap data-device-reserved=run.memory.device_reserved.unwrap_or(0)>
                    {format!("{} feature rows trained in {:.1} s", run.rows, run.seconds)}
                </p>
            })}
            <Show when=move || teach.training.history.with(Vec::is_empty)>
                <p class="empty-state" data-testid="training-empty">
                    "Give at least two classes some examples, then Train: the loss and accuracy curves appear here, epoch by epoch."
                </p>
            </Show>
            <div class="charts" hidden=move || teach.training.history.with(Vec::is_empty)>
                <LineChart title="Loss (cross-entropy)" testid="loss-chart" series=loss top=None percent=false />
                <LineChart title="Accuracy" testid="accuracy-chart" series=accuracy top=Some(1.0) percent=true />
            </div>
            <Show when=move || teach.project.with(|p| p.current_head().is_some_and(|h| h.record.few_shot))>
                <p class="hint" data-testid="few-shot">
                    {format!("Few examples: a class had fewer than {FEW_SHOT_BELOW} to train on, so this classifier adds each class's mean direction (cosine on standardized features) to the trained head, which alone overfits a handful of examples. The curves above are the trained head's; the figures below are the blend's. Probabilities from so few examples run high: add examples to trust them.")}
                </p>
            </Show>
            <Show when=move || teach.project.with(|p| p.current_head().is_some_and(|h| h.record.from_link))>
                <p class="hint" data-testid="from-link">
                    "This classifier came by share link: trained elsewhere, its examples stayed with the sender. Try it below; add examples here and train to make it your own."
                </p>
            </Show>
            {evaluation}
            <CalibrationView teach />
        </section>
    }
}
