//! A dataset import's state: what the user handed over, and the running or last import.

use leptos::prelude::*;

use crate::dataset::import::ImportProgress;

/// What the user hands over.
pub enum DatasetSource {
    /// A `.zip` archive.
    Zip(web_sys::File),
    /// Files with their paths (a picked or dropped folder).
    Files(Vec<(String, web_sys::File)>),
}

/// The dataset import's state handles; all `Copy`.
#[derive(Clone, Copy)]
pub struct DatasetImport {
    /// The running or last import.
    pub progress: RwSignal<Option<ImportProgress>>,
    pub(super) cancel: StoredValue<bool>,
    /// Names archives for the worker, which keeps the last one open.
    pub(super) archives: StoredValue<u64>,
}

impl DatasetImport {
    /// No import yet.
    pub fn new() -> Self {
        Self { progress: RwSignal::new(None), cancel: StoredValue::new(false), archives: StoredValue::new(0) }
    }

    /// Whether an import is running.
    pub fn running(self) -> bool {
        self.progress.with(|p| p.as_ref().is_some_and(|p| p.ended.is_none()))
    }
}
