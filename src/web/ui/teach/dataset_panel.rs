//! The dataset card: import a folder or a `.zip` of class folders (picker or drop), its
//! progress with cancel, what it added and skipped, and the examples exported as a zip.

use leptos::ev;
use leptos::prelude::*;

use super::Teach;
use super::import_state::DatasetSource;
use crate::dataset::import::{ImportEnd, ImportProgress};
use crate::web::platform::drops::read_drop;
use crate::web::platform::files::{relative_path, take_files};

/// Import and export of whole datasets.
#[component]
pub fn DatasetPanel(teach: Teach) -> impl IntoView {
    let progress = teach.dataset.progress;
    let on_folder = move |event: ev::Event| {
        let files: Vec<_> = take_files(&event).into_iter().map(|f| (relative_path(&f), f)).collect();
        if !files.is_empty() {
            teach.import_dataset(DatasetSource::Files(files));
        }
    };
    let on_zip = move |event: ev::Event| {
        if let Some(file) = take_files(&event).into_iter().next() {
            teach.import_dataset(DatasetSource::Zip(file));
        }
    };
    let on_drop = move |event: ev::DragEvent| {
        let take = move |files: Vec<(String, web_sys::File)>| match files.len() {
            0 => {}
            1 if files[0].0.to_ascii_lowercase().ends_with(".zip") => teach.import_dataset(DatasetSource::Zip(files.into_iter().next().expect("one file").1)),
            _ => teach.import_dataset(DatasetSource::Files(files)),
        };
        read_drop(&event, take, move |message| teach.message.set(Some(format!("The dropped files could not be read: {message}"))));
    };
    let has_examples = move || teach.project.with(|p| !p.examples.is_empty());
    view! {
        <section class="card dataset" aria-labelledby="dataset-title" data-testid="dataset"
            on:dragover=|event: ev::DragEvent| event.prevent_default() on:drop=on_drop>
            <h3 id="dataset-title">"Dataset"</h3>
            <p class="hint">"A folder, or a .zip, with one sub-folder per class (cats/…, dogs/…): each becomes a class with its images. Drop it here or pick it."</p>
            <div class="actions">
                <label class="button file-button">
                    <input type="file" prop:webkitdirectory=true multiple data-testid="dataset-folder" on:change=on_folder />
                    "Import a folder…"
                </label>
                <label class="button file-button">
                    <input type="file" accept=".zip,application/zip" data-testid="dataset-zip" on:change=on_zip />
                    "Import a .zip…"
                </label>
                <button type="button" data-testid="dataset-export" disabled=move || !has_examples() on:click=move |_| teach.export_dataset()>
                    "Export as .zip"
                </button>
            </div>
            {move || progress.get().map(|p| view! { <ImportStatus progress=p teach /> })}
        </section>
    }
}

#[component]
fn ImportStatus(progress: ImportProgress, teach: Teach) -> impl IntoView {
    let rate = format!("{:.1}", progress.rate());
    let ImportProgress { source, total, done, added, classes, ref skipped, ref failed, ended: ref end, .. } = progress;
    let skipped_count: usize = skipped.iter().map(|(_, n)| n).sum();
    let skipped_text = skipped.iter().map(|(reason, n)| format!("{n} {}", reason.describe())).collect::<Vec<_>>().join(", ");
    let state = match end {
        None => "running",
        Some(ImportEnd::Finished) => "finished",
        Some(ImportEnd::Cancelled) => "cancelled",
        Some(ImportEnd::Stopped(_)) => "stopped",
    };
    let headline = match end {
        None => format!("Importing {source}: {done} of {total} images…"),
        Some(ImportEnd::Finished) => format!("Imported {added} images from {source} into {classes} classes ({rate} images/s)."),
        Some(ImportEnd::Cancelled) => format!("Import of {source} cancelled after {done} of {total} images; the {added} added are kept."),
        Some(ImportEnd::Stopped(why)) => format!("Import of {source} stopped after {done} of {total} images ({why}); the {added} added are kept."),
    };
    let failed_list = failed.clone();
    view! {
        <div class="import-status" data-testid="import-status" data-source=source.clone() data-state=state data-done=done data-total=total data-added=added
            data-classes=classes data-skipped=skipped_count data-failed=failed.len() data-rate=rate role="status">
            <p>{headline}</p>
            {end.is_none().then(|| view! {
                <progress max=total value=done data-testid="import-progress"></progress>
                <button type="button" data-testid="import-cancel" on:click=move |_| teach.cancel_import()>"Cancel"</button>
            })}
            {(skipped_count > 0).then(|| view! { <p class="hint" data-testid="import-skipped">{format!("Skipped {skipped_count} file(s): {skipped_text}.")}</p> })}
            {(!failed_list.is_empty()).then(|| view! {
                <details data-testid="import-failed">
                    <summary>{format!("{} image(s) could not be read", failed_list.len())}</summary>
                    <ul>{failed_list.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
                </details>
            })}
        </div>
    }
}
