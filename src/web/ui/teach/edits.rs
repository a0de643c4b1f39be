//! Editing the project: classes added, renamed and deleted, examples deleted, settings
//! changed — each change shown at once and written through to IndexedDB.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Teach;
use crate::train::project::Project;
use crate::train::trainer::TrainSettings;

impl Teach {
    pub fn add_class(self, name: String) {
        let name = name.trim().to_string();
        if name.is_empty() {
            self.message.set(Some("Give the class a name.".into()));
            return;
        }
        self.project.update(|p| {
            p.add_class(&name);
        });
        self.message.set(None);
        spawn_local(self.save_info());
    }

    pub fn set_settings(self, settings: TrainSettings) {
        self.project.update(|p| p.settings = settings);
        spawn_local(self.save_info());
    }

    /// Moves the "not sure" threshold of the trained head (a top probability, 0 to 1).
    pub fn set_not_sure_below(self, threshold: f32) {
        let threshold = threshold.clamp(0.0, 1.0);
        self.project.update(|p| {
            let Some(record) = p.head.as_mut().map(|h| &mut h.record) else { return };
            match record.evaluation.as_mut().and_then(|e| e.calibration.as_mut()) {
                Some(calibration) => calibration.not_sure_below = threshold,
                None if record.not_sure_below.is_some() => record.not_sure_below = Some(threshold),
                None => {}
            }
        });
        spawn_local(self.save_info());
    }

    pub fn rename_class(self, id: u32, name: String) {
        let name = name.trim().to_string();
        if name.is_empty() {
            self.message.set(Some("A class needs a name.".into()));
            return;
        }
        self.project.update(|p| p.rename_class(id, &name));
        spawn_local(self.save_info());
    }

    pub fn delete_class(self, id: u32) {
        let ids: Vec<u64> = self.project.with_untracked(|p| p.examples.iter().filter(|e| e.class == id).map(|e| e.id).collect());
        self.project.update(|p| p.delete_class(id));
        spawn_local(async move {
            let project = self.project.with_untracked(Project::without_examples);
            self.save(async move |store| store.delete_examples(&ids, &project).await).await;
        });
    }

    /// Moves an example to another class (from the mistakes gallery); retrain to see the effect.
    pub fn move_example(self, id: u64, class: u32) {
        let mut moved = None;
        self.project.update(|p| {
            if p.move_example(id, class) {
                moved = p.examples.iter().find(|e| e.id == id).cloned();
            }
        });
        if let Some(example) = moved {
            spawn_local(self.save_examples(vec![example]));
        }
    }

    pub fn delete_example(self, id: u64) {
        self.project.update(|p| p.examples.retain(|e| e.id != id));
        spawn_local(async move {
            let project = self.project.with_untracked(Project::without_examples);
            self.save(async move |store| store.delete_examples(&[id], &project).await).await;
        });
    }
}
