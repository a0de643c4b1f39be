//! Keeping the project: written through to IndexedDB as it changes, saved whole after an
//! import, exported to and imported from one file, cleared.
//!
//! The project in memory is the source of truth; a storage failure is shown and loses
//! nothing on the page.

use std::collections::HashSet;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Teach;
use super::store::ProjectStore;
use crate::train::project::Project;
use crate::web::platform::files::{read_file, save_file};
use crate::web::platform::scope::yield_to_browser;

/// Where the project is kept in this browser; all `Copy`.
#[derive(Clone, Copy)]
pub struct Storage {
    /// Counts adopted projects, so a save of a whole project stops once it is replaced.
    generation: StoredValue<u64>,
    /// (examples stored, examples) while a whole project is being saved.
    pub saving: RwSignal<Option<(usize, usize)>>,
    /// The IndexedDB store, once open (never, where the browser refuses storage).
    store: StoredValue<Option<Rc<ProjectStore>>, LocalStorage>,
}

impl Storage {
    /// Not open yet.
    pub fn new() -> Self {
        Self { generation: StoredValue::new(0), saving: RwSignal::new(None), store: StoredValue::new_local(None) }
    }

    /// Uses `store` from now on.
    pub fn open_with(self, store: ProjectStore) {
        self.store.set_value(Some(Rc::new(store)));
    }

    /// A new project is shown: a whole-project save of the old one stops.
    pub fn replaced(self) {
        self.generation.update_value(|g| *g += 1);
        self.saving.set(None);
    }
}

/// Examples stored per IndexedDB transaction when a whole project is saved; the page runs
/// between batches.
const SAVE_BATCH: usize = 100;

impl Teach {
    /// Writes through to IndexedDB; a failure is reported, the page keeps the change.
    pub(super) async fn save(self, write: impl AsyncFnOnce(Rc<ProjectStore>) -> Result<(), String>) {
        let Some(store) = self.storage.store.get_value() else { return };
        if let Err(message) = write(store).await {
            self.message.set(Some(format!("The change could not be saved in this browser: {message}")));
        }
    }

    /// Saves all but the examples; skipped while the whole project is saved, which ends by
    /// writing the latest info.
    pub(super) async fn save_info(self) {
        if self.storage.saving.get_untracked().is_some() {
            return;
        }
        let project = self.project.with_untracked(Project::without_examples);
        self.save(async move |store| store.save_info(&project).await).await;
    }

    /// The project's info for a write along with deleted examples (see [`Self::save_info`]).
    pub(super) fn info_unless_saving(self) -> Option<Project> {
        self.storage.saving.get_untracked().is_none().then(|| self.project.with_untracked(Project::without_examples))
    }

    pub fn export(self) {
        self.run(async move {
            let bytes = self.project.with_untracked(Project::to_bytes);
            save_file(&bytes, "transfer-studio-project.safetensors")
        });
    }

    /// Replaces the project with a file's; a file that is not a valid project changes nothing.
    pub fn import(self, file: web_sys::File) {
        self.run(async move {
            let name = file.name();
            let bytes = read_file(&file).await?;
            let project = Project::from_bytes(&bytes).map_err(|e| format!("{name} was not imported: {e}"))?;
            drop(bytes);
            self.adopt(project);
            self.message.set(None);
            self.save(async move |store| self.save_whole(&store).await).await;
            Ok(())
        });
    }

    /// Replaces what is saved with the whole project on the page, a batch of examples at a
    /// time and the rest last (a reload in between finds no project, not half of one).
    /// Examples deleted meanwhile are skipped; another import or a clear stops it.
    async fn save_whole(self, store: &ProjectStore) -> Result<(), String> {
        let generation = self.storage.generation.get_value();
        let replaced = move || self.storage.generation.get_value() != generation;
        let ids: Vec<u64> = self.project.with_untracked(|p| p.examples.iter().map(|e| e.id).collect());
        self.storage.saving.set(Some((0, ids.len())));
        let stored: Result<(), String> = async {
            store.clear().await?;
            for (done, batch) in ids.chunks(SAVE_BATCH).enumerate() {
                yield_to_browser().await;
                if replaced() {
                    return Ok(());
                }
                let batch: HashSet<u64> = batch.iter().copied().collect();
                let examples = self.project.with_untracked(|p| store.put_examples(&p.examples.iter().filter(|e| batch.contains(&e.id)).collect::<Vec<_>>()));
                examples.await?;
                self.storage.saving.set(Some((((done + 1) * SAVE_BATCH).min(ids.len()), ids.len())));
            }
            Ok(())
        }
        .await;
        if replaced() {
            return Ok(());
        }
        // Cleared before the info is taken, so any later change writes its own info after it.
        self.storage.saving.set(None);
        stored?;
        store.save_info(&self.project.with_untracked(Project::without_examples)).await
    }

    pub fn clear(self) {
        self.stop_recording();
        self.adopt(Project::default());
        self.message.set(None);
        spawn_local(self.save(async move |store| store.clear().await));
    }
}
