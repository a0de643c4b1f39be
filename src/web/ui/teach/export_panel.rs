//! "Use it elsewhere": the trained classifier downloaded for other tools — ONNX (fp32 or
//! int8 weights), a PyTorch folder, or the head alone — written in the model worker.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Teach;
use crate::web::platform::files::save_file;
use crate::web::ui::format::megabytes;
use crate::web::worker::ExportFormat;

/// What each format is, for the button.
fn label(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Onnx => "ONNX",
        ExportFormat::OnnxInt8 => "ONNX, int8 weights",
        ExportFormat::Torch => "PyTorch (.zip)",
        ExportFormat::Head => "Head only (.zip)",
        ExportFormat::WebPage => "Web page (.zip)",
    }
}

/// A file's size in kilobytes or megabytes.
fn file_size(bytes: usize) -> String {
    if bytes < 1_000_000 { format!("{:.1} kB", bytes as f64 / 1e3) } else { megabytes(bytes as u64) }
}

/// The export card; its buttons wait for a trained classifier.
#[component]
pub fn ExportPanel(teach: Teach) -> impl IntoView {
    let busy = RwSignal::new(None::<ExportFormat>);
    let done = RwSignal::new(None::<(ExportFormat, usize, f64)>);
    let trained = move || teach.project.with(|p| p.current_head().is_some());
    let export = move |format: ExportFormat| {
        if busy.get_untracked().is_some() {
            return;
        }
        busy.set(Some(format));
        done.set(None);
        spawn_local(async move {
            let sent = teach.project.with_untracked(|p| teach.model.export(p, format));
            let written = match sent {
                Ok(pending) => pending.reply().await.map_err(|e| e.to_string()),
                Err(error) => Err(error.to_string()),
            };
            match written.and_then(|file| save_file(&file.bytes, format.file_name()).map(|()| (file.bytes.len(), file.ms)).map_err(String::from)) {
                Ok((bytes, ms)) => done.set(Some((format, bytes, ms))),
                Err(message) => teach.message.set(Some(format!("The export could not be written: {message}"))),
            }
            busy.set(None);
        });
    };
    let buttons = ExportFormat::ALL
        .into_iter()
        .map(|format| {
            view! {
                <button type="button" data-testid=format!("export-{}", format.word()) disabled=move || busy.get().is_some() || !trained()
                    on:click=move |_| export(format)>{label(format)}</button>
            }
        })
        .collect_view();
    let status = move || match (busy.get(), done.get()) {
        (Some(format), _) => format!("Writing {}…", format.file_name()),
        (None, Some((format, bytes, ms))) => format!("{} saved: {}, written in {:.1} s.", format.file_name(), file_size(bytes), ms / 1000.0),
        (None, None) if trained() => String::new(),
        (None, None) => "Train the classifier first.".to_string(),
    };
    view! {
        <section class="card export" aria-labelledby="export-title" data-testid="export">
            <h3 id="export-title">"Use it elsewhere"</h3>
            <p class="hint">
                "Download the classifier for other tools: ONNX runs in onnxruntime (Python, C++, phones, web pages); "
                "PyTorch loads it as torchvision's resnet50; the head alone suits your own backbone; the web page runs it in any site, offline, with onnxruntime-web. Written here, in this browser."
            </p>
            <div class="actions">{buttons}</div>
            <p class="hint" role="status" data-testid="export-status"
                data-state=move || if busy.get().is_some() { "writing" } else if done.get().is_some() { "saved" } else { "idle" }
                data-format=move || done.get().map(|(f, _, _)| f.word()).unwrap_or_default()
                data-bytes=move || done.get().map(|(_, b, _)| b.to_string()).unwrap_or_default()
                data-ms=move || done.get().map(|(_, _, ms)| format!("{ms:.0}")).unwrap_or_default()>
                {status}
            </p>
        </section>
    }
}
