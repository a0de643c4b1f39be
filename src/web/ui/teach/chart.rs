//! Per-epoch curves as an SVG line chart (train and validation), drawn from the metrics,
//! with their text alternative: the last epoch's figures in words and, on request, a table
//! of the figures per epoch.

use leptos::ev;
use leptos::prelude::*;

use crate::web::ui::disclosure::opened;

const WIDTH: f32 = 320.0;
const HEIGHT: f32 = 160.0;
const MARGIN: f32 = 28.0;
/// The table lists at most about this many epochs (evenly spread, the last always).
const TABLE_ROWS: usize = 50;

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: &'static str,
    /// CSS class giving the line its colour and dash.
    pub class: &'static str,
    /// One value per epoch; `None` where the epoch has no such figure.
    pub values: Vec<Option<f32>>,
}

fn polyline(values: &[Option<f32>], epochs: usize, top: f32) -> String {
    let x = |i: usize| MARGIN + (WIDTH - 2.0 * MARGIN) * if epochs > 1 { i as f32 / (epochs - 1) as f32 } else { 0.5 };
    let y = |v: f32| HEIGHT - MARGIN - (HEIGHT - 2.0 * MARGIN) * (v / top).clamp(0.0, 1.0);
    values.iter().enumerate().filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v)))).collect::<Vec<_>>().join(" ")
}

/// "After epoch 30: training 0.123, validation 0.456."
fn in_words(series: &[Series], label: impl Fn(f32) -> String) -> String {
    let epochs = series.iter().map(|s| s.values.len()).max().unwrap_or(0);
    let last = series.iter().filter_map(|s| s.values.iter().rev().flatten().next().map(|&v| format!("{} {}", s.name, label(v)))).collect::<Vec<_>>();
    if last.is_empty() { "No epochs yet.".into() } else { format!("After epoch {epochs}: {}.", last.join(", ")) }
}

/// The epochs the table shows: every `step`-th from the first, and the last.
fn table_epochs(epochs: usize) -> Vec<usize> {
    let step = epochs.div_ceil(TABLE_ROWS).max(1);
    let mut shown: Vec<usize> = (0..epochs).step_by(step).collect();
    if epochs > 0 && shown.last() != Some(&(epochs - 1)) {
        shown.push(epochs - 1);
    }
    shown
}

/// `top`: the value at the top of the axis (None: the largest value seen).
#[component]
pub fn LineChart(title: &'static str, testid: &'static str, series: Signal<Vec<Series>>, top: Option<f32>, percent: bool) -> impl IntoView {
    let scale = move || {
        let largest = series.with(|s| s.iter().flat_map(|s| s.values.iter().flatten().copied()).fold(0.0f32, f32::max));
        top.unwrap_or(largest).max(1e-6)
    };
    let epochs = move || series.with(|s| s.iter().map(|s| s.values.len()).max().unwrap_or(0));
    let label = move |v: f32| if percent { format!("{:.0}%", v * 100.0) } else { format!("{v:.2}") };
    let summary_id = format!("{testid}-summary");
    let table_open = RwSignal::new(false);
    let on_toggle = move |event: ev::Event| {
        table_open.set(opened(&event));
    };
    let table = move || {
        table_open.get().then(|| {
            series.with(|all| {
                let header = all.iter().map(|s| view! { <th scope="col">{s.name}</th> }).collect_view();
                let rows = table_epochs(epochs())
                    .into_iter()
                    .map(|epoch| {
                        let cells = all
                            .iter()
                            .map(|s| view! { <td>{s.values.get(epoch).copied().flatten().map(label).unwrap_or_else(|| "—".into())}</td> })
                            .collect_view();
                        view! { <tr><th scope="row">{epoch + 1}</th>{cells}</tr> }
                    })
                    .collect_view();
                view! {
                    <table class="figures">
                        <thead><tr><th scope="col">"epoch"</th>{header}</tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
            })
        })
    };
    view! {
        <figure class="chart" data-testid=testid data-epochs=epochs>
            <figcaption>{title}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=title aria-describedby=summary_id.clone()>
                <line class="axis" x1=MARGIN y1=HEIGHT - MARGIN x2=WIDTH - MARGIN y2=HEIGHT - MARGIN />
                <line class="axis" x1=MARGIN y1=MARGIN x2=MARGIN y2=HEIGHT - MARGIN />
                <text class="tick" x=2 y=MARGIN + 4.0>{move || label(scale())}</text>
                <text class="tick" x=2 y=HEIGHT - MARGIN>{label(0.0)}</text>
                <text class="tick" x=WIDTH - MARGIN y=HEIGHT - 8.0 text-anchor="end">{move || format!("epoch {}", epochs())}</text>
                {move || series.get().into_iter().map(|s| view! {
                    <polyline class=format!("line {}", s.class) points=polyline(&s.values, epochs(), scale())>
                        <title>{s.name}</title>
                    </polyline>
                }).collect_view()}
            </svg>
            <ul class="legend">
                {move || series.get().into_iter().map(|s| view! { <li class=s.class>{s.name}</li> }).collect_view()}
            </ul>
            <p class="chart-summary" id=summary_id data-testid=format!("{testid}-summary")>{move || series.with(|s| in_words(s, label))}</p>
            <details class="chart-data" on:toggle=on_toggle>
                <summary>"Figures per epoch"</summary>
                {table}
            </details>
        </figure>
    }
}
