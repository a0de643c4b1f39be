//! Keeping the project: written through to IndexedDB as it changes, replaced whole by an
//! import, exported to and imported from one file, cleared.
//!
//! The project in memory is the source of truth. When the saved copy cannot be trusted to
//! follow it (a load that failed in part, a write refused, another tab's change), writing
//! pauses until the user chooses: load again, save this one, export, or start over.

use std::collections::HashSet;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Teach;
use super::storage::Paused;
use super::store::{Loaded, ProjectStore, SavedProjectError};
use crate::train::project::{Example, Project};
use crate::web::platform::files::{read_file, save_file};
use crate::web::platform::idb::StorageError;
use crate::web::platform::storage::ask_to_persist;
use crate::web::platform::tabs::OtherTabs;

/// Examples written per step of a whole-project save; the page runs between steps.
const SAVE_BATCH: usize = 100;

impl Teach {
    /// Opens the store, loads the saved project, and listens for other tabs' changes.
    pub(super) async fn open_storage(self) {
        match ProjectStore::open().await {
            Ok(store) => {
                let store = Rc::new(store);
                self.storage.store.set_value(Some(store.clone()));
                let paused = self.storage.paused;
                self.storage.tabs.set_value(OtherTabs::listen(move || paused.set(Some(Paused::OtherTab))));
                self.load_saved(&store).await;
            }
            Err(message) => self.message.set(Some(format!("Your project will not be kept after a reload: {message}"))),
        }
        self.storage.loaded.set(true);
    }

    /// Shows what is saved; anything unreadable pauses writing.
    async fn load_saved(self, store: &ProjectStore) {
        match store.load().await {
            Ok(Loaded { project, unreadable }) => {
                self.adopt(project);
                self.storage.paused.set((unreadable > 0).then_some(Paused::Load(SavedProjectError::UnreadableExamples(unreadable))));
            }
            Err(error) => self.storage.paused.set(Some(Paused::Load(error))),
        }
    }

    /// Writes through to IndexedDB unless writing is paused; a failure pauses it.
    pub(super) async fn save(self, write: impl AsyncFnOnce(Rc<ProjectStore>) -> Result<(), StorageError>) {
        let Some(store) = self.storage.store.get_value() else { return };
        if self.storage.paused.get_untracked().is_some() {
            return;
        }
        self.written(write(store).await);
    }

    /// After a write: other tabs are told, or writing pauses on its failure.
    fn written(self, outcome: Result<(), StorageError>) {
        match outcome {
            Ok(()) => self.storage.tabs.with_value(|tabs| tabs.as_ref().map(OtherTabs::announce)).unwrap_or(()),
            Err(error) => self.storage.paused.set(Some(Paused::Write(error.into()))),
        }
    }

    /// Saves all but the examples.
    pub(super) async fn save_info(self) {
        let project = self.project.with_untracked(Project::without_examples);
        self.save(async move |store| store.save_info(&project).await).await;
    }

    /// Stores new examples with the project's info; the first asks the browser to keep
    /// the site's storage.
    pub(super) async fn save_examples(self, examples: Vec<Example>) {
        let project = self.project.with_untracked(Project::without_examples);
        self.save(async move |store| store.add_examples(&examples, &project).await).await;
        self.ask_to_persist();
    }

    fn ask_to_persist(self) {
        if !self.storage.persist_asked.get_value() {
            self.storage.persist_asked.set_value(true);
            spawn_local(async {
                ask_to_persist().await;
            });
        }
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
            self.replace_project(project).await;
            Ok::<_, String>(())
        });
    }

    /// Shows `project` instead of the one here and saves it whole (unless writing is paused).
    pub(super) async fn replace_project(self, project: Project) {
        self.adopt(project);
        self.message.set(None);
        self.save(async move |store| self.save_whole(&store).await).await;
        self.ask_to_persist();
    }

    /// Replaces what is saved with the project on the page, in one transaction. Changes made
    /// meanwhile are written by transactions that IndexedDB runs after this one.
    async fn save_whole(self, store: &ProjectStore) -> Result<(), StorageError> {
        let info = self.project.with_untracked(Project::without_examples);
        let ids: Vec<u64> = self.project.with_untracked(|p| p.examples.iter().map(|e| e.id).collect());
        let mut batches = ids.chunks(SAVE_BATCH);
        let next = move || {
            let batch: HashSet<u64> = batches.next()?.iter().copied().collect();
            Some(self.project.with_untracked(|p| p.examples.iter().filter(|e| batch.contains(&e.id)).cloned().collect()))
        };
        self.storage.saving.set(true);
        let saved = store.replace(&info, next).await;
        self.storage.saving.set(false);
        saved
    }

    /// The user's way out of a pause: `reload` shows what is saved; otherwise the page's
    /// project replaces it.
    pub fn resume(self, reload: bool) {
        let Some(store) = self.storage.store.get_value() else { return };
        spawn_local(async move {
            if reload {
                self.load_saved(&store).await;
                return;
            }
            let saved = self.save_whole(&store).await;
            if saved.is_ok() {
                self.storage.paused.set(None);
            }
            self.written(saved);
        });
    }

    /// Deletes the project's classes, examples and head, on the page and in storage (also
    /// the way out of a pause). The settings stay: they are how this user trains, and a reset
    /// one (augmentation back on) silently made the next import several times slower.
    pub fn clear(self) {
        self.stop_recording();
        // A dataset import stops with it; a finished one's figures are of the project gone.
        if self.dataset.running() {
            self.cancel_import();
        } else {
            self.dataset.progress.set(None);
        }
        let settings = self.project.with_untracked(|p| p.settings.clone());
        self.adopt(Project { settings, ..Project::default() });
        self.message.set(None);
        let Some(store) = self.storage.store.get_value() else { return };
        spawn_local(async move {
            let cleared = store.clear().await;
            if cleared.is_ok() {
                self.storage.paused.set(None);
                self.save_info().await;
            } else {
                self.written(cleared);
            }
        });
    }
}
