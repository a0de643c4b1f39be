//! Per-epoch curves as an SVG line chart (train and validation), drawn from the metrics.

use leptos::prelude::*;

const WIDTH: f32 = 320.0;
const HEIGHT: f32 = 160.0;
const MARGIN: f32 = 28.0;

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

/// `top`: the value at the top of the axis (None: the largest value seen).
#[component]
pub fn LineChart(title: &'static str, testid: &'static str, series: Signal<Vec<Series>>, top: Option<f32>, percent: bool) -> impl IntoView {
    let scale = move || {
        let largest = series.with(|s| s.iter().flat_map(|s| s.values.iter().flatten().copied()).fold(0.0f32, f32::max));
        top.unwrap_or(largest).max(1e-6)
    };
    let epochs = move || series.with(|s| s.iter().map(|s| s.values.len()).max().unwrap_or(0));
    let label = move |v: f32| if percent { format!("{:.0}%", v * 100.0) } else { format!("{v:.2}") };
    view! {
        <figure class="chart" data-testid=testid data-epochs=epochs>
            <figcaption>{title}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=title>
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
        </figure>
    }
}
