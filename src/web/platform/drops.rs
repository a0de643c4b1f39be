//! The files a drop delivers, dropped folders walked to every file inside (the File and
//! Directory Entries API; Chromium, Firefox and Safari have it).

use js_sys::{Array, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DataTransfer, DragEvent, File, FileSystemDirectoryEntry, FileSystemEntry, FileSystemFileEntry};

use super::files::file_list;
use super::scope::BrowserError;

/// Handles a drop event: the browser's own handling is prevented, and every file dropped
/// (folders walked) goes with its path to `take`, or why they could not be read to `failed`.
pub fn read_drop(event: &DragEvent, take: impl FnOnce(Vec<(String, File)>) + 'static, failed: impl FnOnce(BrowserError) + 'static) {
    event.prevent_default();
    let Some(dropped) = event.data_transfer().map(|transfer| Dropped::take(&transfer)) else { return };
    wasm_bindgen_futures::spawn_local(async move {
        match dropped.files_with_paths().await {
            Ok(files) => take(files),
            Err(error) => failed(error),
        }
    });
}

/// What was dropped. Entries must be taken while the drop event runs; reading them may wait.
pub enum Dropped {
    /// Files and folders as entries, to be walked.
    Entries(Vec<FileSystemEntry>),
    /// Plain files, where the browser gives no entries.
    Files(Vec<File>),
}

impl Dropped {
    /// Takes what a drop event's `DataTransfer` holds (while the event runs).
    pub fn take(transfer: &DataTransfer) -> Self {
        let items = transfer.items();
        let entries: Vec<FileSystemEntry> = (0..items.length())
            .filter_map(|i| items.get(i))
            .filter(|item| item.kind() == "file")
            .filter_map(|item| item.webkit_get_as_entry().ok().flatten())
            .collect();
        if entries.is_empty() { Self::Files(file_list(transfer.files())) } else { Self::Entries(entries) }
    }

    /// Every file with its path from the dropped folder's parent (`cats/a.jpg` for a
    /// dropped folder `cats`; a plain file's path is its name), folders' contents in name order.
    pub async fn files_with_paths(self) -> Result<Vec<(String, File)>, BrowserError> {
        let entries = match self {
            Self::Files(files) => return Ok(files.into_iter().map(|f| (f.name(), f)).collect()),
            Self::Entries(entries) => entries,
        };
        let mut files = Vec::new();
        let mut stack: Vec<FileSystemEntry> = entries.into_iter().rev().collect();
        while let Some(entry) = stack.pop() {
            if entry.is_directory() {
                let mut children = children(entry.unchecked_ref()).await?;
                children.sort_by_key(|c| std::cmp::Reverse(c.name()));
                stack.extend(children);
            } else {
                files.push((entry.full_path().trim_start_matches('/').to_string(), file(entry.unchecked_ref()).await?));
            }
        }
        Ok(files)
    }
}

/// Calls `start(resolve, reject)` and waits for either.
async fn callback(start: impl FnOnce(&js_sys::Function, &js_sys::Function)) -> Result<JsValue, BrowserError> {
    let mut start = Some(start);
    let promise = Promise::new(&mut |resolve, reject| {
        if let Some(start) = start.take() {
            start(&resolve, &reject);
        }
    });
    Ok(JsFuture::from(promise).await?)
}

async fn file(entry: &FileSystemFileEntry) -> Result<File, BrowserError> {
    let file = callback(|resolve, reject| entry.file_with_callback_and_callback(resolve, reject)).await;
    Ok(file.map_err(|error| error.led_by(entry.name()))?.dyn_into()?)
}

async fn children(directory: &FileSystemDirectoryEntry) -> Result<Vec<FileSystemEntry>, BrowserError> {
    let reader = directory.create_reader();
    let mut all = Vec::new();
    // readEntries returns the folder in chunks, then an empty one.
    loop {
        let chunk = callback(|resolve, reject| {
            if let Err(error) = reader.read_entries_with_callback_and_callback(resolve, reject) {
                let _ = reject.call1(&JsValue::NULL, &error);
            }
        })
        .await;
        let chunk: Array = chunk.map_err(|error| error.led_by(directory.name()))?.dyn_into()?;
        if chunk.length() == 0 {
            return Ok(all);
        }
        all.extend(chunk.iter().filter_map(|e| e.dyn_into::<FileSystemEntry>().ok()));
    }
}
