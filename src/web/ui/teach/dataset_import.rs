//! A whole dataset in at once: a folder (picked or dropped) or a `.zip` whose sub-folders
//! are the classes. Paths become classes (`dataset::layout`); each image's features are
//! computed in the worker, or spread over helper workers where the CPU path has one thread
//! (a zip is read there, entry by entry, never whole on the page) while the page stays free;
//! examples join the project and IndexedDB in batches (`dataset::import` runs the loop).
//! Cancel stops before the next image and keeps what was added.

use leptos::prelude::*;

use super::Teach;
use super::import_state::DatasetSource;
use crate::dataset::export::dataset_zip;
use crate::dataset::import::{ExampleError, ImportHost, ImportProgress, import, starting};
use crate::dataset::layout::Layout;
use crate::train::project::{Example, IdsUsedUp};
use crate::web::platform::files::save_file;
use crate::web::worker::{Image, WorkerError};

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
            let (name, paths, archive) = match &source {
                DatasetSource::Zip(file) => {
                    let id = self.dataset.archives.get_value() + 1;
                    self.dataset.archives.set_value(id);
                    (file.name(), self.model.client().list_archive(file.clone(), id).await.map_err(|e| format!("{}: {e}", file.name()))?, Some(id))
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
            let class_ids = self.project.try_update(|p| p.classes_named(layout.classes.iter().map(|(name, _)| name.as_str()))).unwrap_or_default();
            self.save_info().await;
            self.dataset.cancel.set_value(false);
            let augment = self.project.with_untracked(|p| p.settings.augment);
            let host = PageImport { teach: self, source: &source, archive, augment };
            import(&host, &layout, &paths, &class_ids, self.model.client().widen(), starting(name, &layout, class_ids.len())).await;
            Ok(())
        });
    }

    /// Stops the running import before its next image.
    pub fn cancel_import(self) {
        self.dataset.cancel.set_value(true);
    }

    /// Adds computed examples whose class still exists to the project and stores them; how many.
    pub(super) async fn add_examples(self, examples: Vec<Example>) -> usize {
        if examples.is_empty() {
            return 0;
        }
        let backbone = self.model.loaded.get_untracked().and_then(|l| l.backbone);
        let added = self.project.try_update(|p| {
            let added = p.add_examples(examples, backbone.as_deref());
            p.examples[p.examples.len() - added..].to_vec()
        });
        let Some(added) = added.filter(|a| !a.is_empty()) else { return 0 };
        let count = added.len();
        self.save_examples(added).await;
        count
    }

    /// Offers the examples as a zip with one folder per class (their thumbnails).
    pub fn export_dataset(self) {
        let zipped = self.project.with_untracked(dataset_zip);
        if let Err(message) = zipped.and_then(|bytes| save_file(&bytes, "transfer-studio-dataset.zip").map_err(String::from)) {
            self.message.set(Some(format!("The dataset could not be exported: {message}")));
        }
    }
}

/// The page's side of an import: images are sent to the model workers (a zip's by their
/// index in the archive the worker keeps open), examples are stored in IndexedDB.
struct PageImport<'a> {
    teach: Teach,
    source: &'a DatasetSource,
    /// The worker's id of the zip being read.
    archive: Option<u64>,
    augment: bool,
}

impl ImportHost for PageImport<'_> {
    fn new_example_id(&self) -> Result<u64, IdsUsedUp> {
        self.teach.new_example_id()
    }

    async fn example(&self, index: usize, id: u64) -> Result<(Vec<f32>, Vec<u8>), ExampleError> {
        let image = match (self.source, self.archive) {
            (DatasetSource::Zip(file), Some(archive)) => Image::ArchiveEntry { file: file.clone(), archive, index: index as u32 },
            (DatasetSource::Files(files), _) => Image::File(files[index].1.clone()),
            (DatasetSource::Zip(_), None) => unreachable!("a zip is listed before it is read"),
        };
        self.teach.model.client().example_features(image, self.augment, id).await.map_err(|error| match error {
            WorkerError::Image(why) => ExampleError::Image(why),
            other => ExampleError::Stopped(other.to_string()),
        })
    }

    async fn add(&self, examples: Vec<Example>) -> usize {
        self.teach.add_examples(examples).await
    }

    fn show(&self, progress: &ImportProgress) {
        self.teach.dataset.progress.set(Some(progress.clone()));
    }

    fn cancelled(&self) -> bool {
        self.teach.dataset.cancel.get_value()
    }
}
