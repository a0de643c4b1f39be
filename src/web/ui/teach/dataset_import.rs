//! A whole dataset in at once: a folder (picked or dropped) or a `.zip` whose sub-folders
//! are the classes. Paths become classes (`dataset::layout`); each image's features are
//! computed in the worker, or spread over helper workers where the CPU path has one thread
//! (a zip is read there, entry by entry, never whole on the page) while the page stays free;
//! examples join the project and IndexedDB in batches. Cancel stops before the next image
//! and keeps what was added.

use futures_util::StreamExt;
use leptos::prelude::*;

use super::Teach;
use crate::dataset::export::dataset_zip;
use crate::dataset::layout::{Layout, SkipReason};
use crate::train::project::Example;
use crate::web::platform::files::save_file;
use crate::web::worker::{Image, WorkerError};

/// Examples added to the project and stored together, at most.
const BATCH: usize = 32;
/// Or after this long, so that progress shows on the cards.
const BATCH_SECONDS: f64 = 1.0;

/// What the user hands over.
pub enum DatasetSource {
    /// A `.zip` archive.
    Zip(web_sys::File),
    /// Files with their paths (a picked or dropped folder).
    Files(Vec<(String, web_sys::File)>),
}

/// How an import stands (or ended).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportProgress {
    /// The folder's or archive's name.
    pub source: String,
    /// Images to read.
    pub total: usize,
    /// Images read so far (added or failed).
    pub done: usize,
    /// Examples added.
    pub added: usize,
    /// Classes the images went to.
    pub classes: usize,
    /// Files skipped by their path, counted by reason.
    pub skipped: Vec<(SkipReason, usize)>,
    /// Images that could not be read: "path: why".
    pub failed: Vec<String>,
    /// Seconds since the first image was sent.
    pub seconds: f64,
    /// Finished, cancelled or stopped by an error.
    pub ended: Option<ImportEnd>,
}

/// How an import ended.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportEnd {
    /// Every image was read.
    Finished,
    /// The user cancelled.
    Cancelled,
    /// The worker failed part way (the examples added are kept).
    Stopped(String),
}

impl ImportProgress {
    /// Images read per second.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 { self.done as f64 / self.seconds } else { 0.0 }
    }
}

/// The dataset import's state handles; all `Copy`.
#[derive(Clone, Copy)]
pub struct DatasetImport {
    /// The running or last import.
    pub progress: RwSignal<Option<ImportProgress>>,
    cancel: StoredValue<bool>,
    /// Names archives for the worker, which keeps the last one open.
    archives: StoredValue<u64>,
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

impl Teach {
    /// Imports every image of a dataset into classes named after its folders (existing
    /// classes of the same name get the new examples).
    pub fn import_dataset(self, source: DatasetSource) {
        if self.dataset.running() {
            self.message.set(Some("A dataset is being imported; cancel it or wait for it to end.".into()));
            return;
        }
        self.run(async move {
            self.backbone_for_project()?;
            let (name, paths, zip) = match &source {
                DatasetSource::Zip(file) => {
                    let id = self.dataset.archives.get_value() + 1;
                    self.dataset.archives.set_value(id);
                    (file.name(), self.model.list_archive(file.clone(), id).await.map_err(|e| format!("{}: {e}", file.name()))?, Some((file.clone(), id)))
                }
                DatasetSource::Files(files) => {
                    let top = files.first().and_then(|(p, _)| p.split('/').next()).unwrap_or("the folder").to_string();
                    (top, files.iter().map(|(p, _)| p.clone()).collect(), None)
                }
            };
            let layout = Layout::of(paths.iter().map(String::as_str));
            if layout.images() == 0 {
                return Err(format!(
                    "{name}: no images in class folders (expected one folder per class, e.g. cats/… and dogs/…); {} file(s) skipped",
                    layout.skipped.len()
                ));
            }
            let class_ids = self.classes_named(&layout);
            self.save_info().await;
            self.dataset.cancel.set_value(false);
            let mut progress =
                ImportProgress { source: name, total: layout.images(), classes: class_ids.len(), skipped: layout.skipped_by_reason(), ..Default::default() };
            self.dataset.progress.set(Some(progress.clone()));
            let started = web_time::Instant::now();
            let mut batch = Vec::new();
            let mut flushed = web_time::Instant::now();
            let augment = self.project.with_untracked(|p| p.settings.augment);
            let mut end = ImportEnd::Finished;
            let jobs = layout.classes.iter().zip(&class_ids).flat_map(|((_, indices), &class)| indices.iter().map(move |&index| (class, index)));
            // In order, as many in flight as there are workers to compute them (the ids, and
            // so the augmentations' seeds, are handed out in the layout's order either way).
            let mut computed = futures_util::stream::iter(jobs)
                .map(|(class, index)| {
                    let image = match (&source, &zip) {
                        (DatasetSource::Zip(_), Some((file, archive))) => Image::ArchiveEntry { file: file.clone(), archive: *archive, index: index as u32 },
                        (DatasetSource::Files(files), _) => Image::File(files[index].1.clone()),
                        (DatasetSource::Zip(_), None) => unreachable!("a zip is listed above"),
                    };
                    let id = self.new_example_id();
                    async move {
                        let features = match id {
                            Ok(id) => self.model.example_features(image, augment, id).await.map(|f| (id, f)),
                            Err(why) => Err(WorkerError::Compute(why)),
                        };
                        (class, index, features)
                    }
                })
                .buffered(self.model.widen());
            while let Some((class, index, features)) = computed.next().await {
                match features {
                    Ok((id, (features, thumbnail))) => batch.push(Example { id, class, thumbnail, features }),
                    Err(WorkerError::Image(why)) => progress.failed.push(format!("{}: {why}", paths[index])),
                    Err(other) => {
                        end = ImportEnd::Stopped(other.to_string());
                        break;
                    }
                }
                progress.done += 1;
                progress.seconds = started.elapsed().as_secs_f64();
                if batch.len() >= BATCH || flushed.elapsed().as_secs_f64() > BATCH_SECONDS {
                    progress.added += self.add_examples(std::mem::take(&mut batch)).await;
                    flushed = web_time::Instant::now();
                }
                self.dataset.progress.set(Some(progress.clone()));
                // What is computed is kept; the calls still in flight are dropped.
                if self.dataset.cancel.get_value() {
                    end = ImportEnd::Cancelled;
                    break;
                }
            }
            progress.added += self.add_examples(batch).await;
            progress.seconds = started.elapsed().as_secs_f64();
            progress.ended = Some(end);
            self.dataset.progress.set(Some(progress));
            Ok(())
        });
    }

    /// Stops the running import before its next image.
    pub fn cancel_import(self) {
        self.dataset.cancel.set_value(true);
    }

    /// The id of each of the layout's classes: the project's class of that name, or a new one.
    fn classes_named(self, layout: &Layout) -> Vec<u32> {
        let mut ids = Vec::new();
        self.project.update(|p| {
            for (name, _) in &layout.classes {
                let existing = p.classes.iter().find(|c| c.name == *name).map(|c| c.id);
                ids.push(existing.unwrap_or_else(|| p.add_class(name)));
            }
        });
        ids
    }

    /// Adds computed examples whose class still exists to the project and stores them; how many.
    pub(super) async fn add_examples(self, mut examples: Vec<Example>) -> usize {
        examples.retain(|e| self.project.with_untracked(|p| p.class(e.class).is_some()));
        if examples.is_empty() {
            return 0;
        }
        let backbone = self.model.loaded.get_untracked().and_then(|l| l.backbone);
        let added = examples.len();
        self.project.update(|p| {
            if p.backbone.is_none() || p.examples.is_empty() {
                p.backbone = backbone;
            }
            p.examples.extend(examples.iter().cloned());
        });
        self.save_examples(examples).await;
        added
    }

    /// Offers the examples as a zip with one folder per class (their thumbnails).
    pub fn export_dataset(self) {
        let zipped = self.project.with_untracked(dataset_zip);
        if let Err(message) = zipped.and_then(|bytes| save_file(&bytes, "transfer-studio-dataset.zip")) {
            self.message.set(Some(format!("The dataset could not be exported: {message}")));
        }
    }
}
