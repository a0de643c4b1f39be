//! Many photos at once: classified in the worker (spread over helper workers where the CPU
//! path has one thread), a table row filled as each finishes, in order, with progress and
//! cancel; the results export as CSV or JSON.

use futures_util::StreamExt;
use leptos::prelude::*;
use serde::Serialize;

use crate::engine::{Prediction, TOP_K, Timings};
use crate::web::platform::files::save_file;
use crate::web::ui::format::percent;
use crate::web::ui::model_handle::ModelHandle;
use crate::web::worker::Image;

/// One photo's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchRow {
    /// The file's name (its path inside a chosen folder).
    pub file: String,
    /// Object URL of the photo, for the thumbnail (revoked when the batch is replaced).
    #[serde(skip)]
    pub thumbnail: String,
    /// The top classes (empty if it failed).
    pub top: Vec<Prediction>,
    /// Stage timings (none if it failed).
    pub timings: Option<Timings>,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// `Copy` handle on the batch shown.
#[derive(Clone, Copy)]
pub struct Batch {
    /// The photos classified so far, in order.
    pub rows: RwSignal<Vec<BatchRow>>,
    /// Photos in the batch, done or not.
    pub total: RwSignal<usize>,
    /// Whether photos are still being classified.
    pub running: RwSignal<bool>,
    /// Counts batches, so a replaced one stops; also how cancel stops the current one.
    generation: StoredValue<u64>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self { rows: RwSignal::new(Vec::new()), total: RwSignal::new(0), running: RwSignal::new(false), generation: StoredValue::new(0) }
    }

    /// Classifies `files` in order, replacing the batch shown.
    pub async fn run(self, model: ModelHandle, files: Vec<web_sys::File>) {
        self.generation.update_value(|g| *g += 1);
        let generation = self.generation.get_value();
        self.revoke_thumbnails();
        self.rows.set(Vec::new());
        self.total.set(files.len());
        self.running.set(true);
        // In order, as many in flight as there are workers to classify them.
        let mut classified = futures_util::stream::iter(files)
            .map(|file| async move {
                // Files from a folder picker carry their path inside it.
                let path = js_sys::Reflect::get(&file, &"webkitRelativePath".into()).ok().and_then(|p| p.as_string());
                let name = path.filter(|p| !p.is_empty()).unwrap_or_else(|| file.name());
                let classified = model.client().classify(Image::File(file.clone()), TOP_K).await;
                (name, file, classified)
            })
            .buffered(model.client().widen());
        while let Some((name, file, classified)) = classified.next().await {
            if self.generation.get_value() != generation {
                return;
            }
            let thumbnail = web_sys::Url::create_object_url_with_blob(&file).unwrap_or_default();
            let row = match classified {
                Ok(c) => BatchRow { file: name, thumbnail, top: c.classification.top, timings: Some(c.classification.timings), error: None },
                Err(error) => BatchRow { file: name, thumbnail, top: Vec::new(), timings: None, error: Some(error.to_string()) },
            };
            self.rows.update(|rows| rows.push(row));
        }
        self.running.set(false);
    }

    /// Stops after the photo being classified; the rows so far stay.
    pub fn cancel(self) {
        self.generation.update_value(|g| *g += 1);
        self.running.set(false);
        self.total.set(self.rows.with_untracked(Vec::len));
    }

    /// Empties the table (a single photo is shown on its own).
    pub fn clear(self) {
        self.generation.update_value(|g| *g += 1);
        self.revoke_thumbnails();
        self.rows.set(Vec::new());
        self.total.set(0);
        self.running.set(false);
    }

    fn revoke_thumbnails(self) {
        self.rows.with_untracked(|rows| rows.iter().for_each(|r| drop(web_sys::Url::revoke_object_url(&r.thumbnail))));
    }

    /// The rows as JSON.
    pub fn to_json(self) -> Vec<u8> {
        self.rows.with_untracked(|rows| serde_json::to_vec_pretty(rows).expect("rows are plain data"))
    }

    /// One line per photo: file, then index, label and probability of each rank, the
    /// stage timings in ms, and the error if it failed.
    pub fn to_csv(self) -> Vec<u8> {
        let mut header = vec!["file".to_string()];
        for rank in 1..=TOP_K {
            header.extend([format!("top{rank}_index"), format!("top{rank}_label"), format!("top{rank}_prob")]);
        }
        header.extend(["decode_ms", "preprocess_ms", "inference_ms", "total_ms", "error"].map(String::from));
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record(&header);
        self.rows.with_untracked(|rows| {
            for row in rows {
                let mut record = vec![inert_in_spreadsheets(&row.file)];
                for rank in 0..TOP_K {
                    match row.top.get(rank) {
                        Some(p) => record.extend([p.index.to_string(), p.label.clone(), format!("{:.6}", p.prob)]),
                        None => record.extend([String::new(), String::new(), String::new()]),
                    }
                }
                match row.timings {
                    Some(t) => record.extend([t.decode_ms, t.preprocess_ms, t.inference_ms, t.total_ms()].map(|ms| format!("{ms:.1}"))),
                    None => record.extend([String::new(), String::new(), String::new(), String::new()]),
                }
                record.push(inert_in_spreadsheets(row.error.as_deref().unwrap_or_default()));
                let _ = writer.write_record(&record);
            }
        });
        writer.into_inner().unwrap_or_default()
    }
}

/// Progress, cancel, export and the table of rows.
#[component]
pub fn BatchTable(batch: Batch, model: ModelHandle) -> impl IntoView {
    let progress = move || format!("{} of {} photos classified", batch.rows.with(Vec::len), batch.total.get());
    let export = move |bytes: Vec<u8>, name: &str| {
        if let Err(message) = save_file(&bytes, name) {
            web_sys::console::warn_1(&message.to_string().into());
        }
    };
    let rows = move || {
        batch
            .rows
            .get()
            .into_iter()
            .map(|row| {
                let top = row
                    .top
                    .iter()
                    .map(|p| view! { <li data-index=p.index.to_string() data-prob=p.prob.to_string()>{format!("{} {}", p.label, percent(p.prob))}</li> })
                    .collect_view();
                let time = row.timings.map(|t| format!("{:.0} ms", t.total_ms())).unwrap_or_default();
                view! {
                    <tr data-testid="batch-row" data-file=row.file.clone() data-failed=row.error.is_some().to_string()>
                        <td><img src=row.thumbnail.clone() alt="" width="56" height="56" loading="lazy" /></td>
                        <th scope="row">{row.file.clone()}</th>
                        <td>{row.error.clone().map(|e| view! { <span class="error">{e}</span> })}<ol class="batch-top">{top}</ol></td>
                        <td>{time}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <section class="card batch" aria-labelledby="batch-title" data-testid="batch" hidden=move || batch.total.get() == 0>
            <h3 id="batch-title">"Batch"</h3>
            <div class="batch-actions">
                <progress data-testid="batch-progress" aria-label="Photos classified" max=move || batch.total.get().max(1) value=move || batch.rows.with(Vec::len)></progress>
                <span data-testid="batch-status" data-running=move || batch.running.get().to_string() aria-live="polite">{progress}</span>
                <span class="hint" data-testid="batch-workers" data-workers=move || model.workers.get().to_string()
                    data-helpers-answered=move || model.helpers_answered.get().to_string() hidden=move || model.workers.get() < 2>
                    {move || format!("spread over {} one-thread workers", model.workers.get())}
                </span>
                <button type="button" data-testid="batch-cancel" disabled=move || !batch.running.get() on:click=move |_| batch.cancel()>"Cancel"</button>
                <button type="button" data-testid="batch-csv" disabled=move || batch.rows.with(Vec::is_empty)
                    on:click=move |_| export(batch.to_csv(), "transfer-studio-batch.csv")>"Export CSV"</button>
                <button type="button" data-testid="batch-json" disabled=move || batch.rows.with(Vec::is_empty)
                    on:click=move |_| export(batch.to_json(), "transfer-studio-batch.json")>"Export JSON"</button>
            </div>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Batch results">
                <table>
                    <thead><tr><th scope="col">"Photo"</th><th scope="col">"File"</th><th scope="col">"Top 5"</th><th scope="col">"Time"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

/// A cell a spreadsheet will show as text: one starting like a formula (a file named
/// `=HYPERLINK(…).jpg`) gets a leading apostrophe (OWASP's advice for CSV injection).
fn inert_in_spreadsheets(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_string() }
}
