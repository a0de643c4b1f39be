//! The map card's store: the map of the examples drawn on the model worker (an `Action`: the
//! page stays free meanwhile), the last one drawn, and whether the project changed since.

use leptos::prelude::*;

use crate::train::map::ExampleMap;
use crate::train::project::Project;
use crate::web::ui::model_handle::ModelHandle;
use crate::web::worker::WorkerError;

/// A drawn map and the examples (id, class) it was drawn from, in its order.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnMap {
    pub(super) examples: Vec<(u64, u32)>,
    pub(super) map: ExampleMap,
}

impl DrawnMap {
    /// Whether the project's examples or their classes changed since.
    pub(super) fn stale(&self, project: &Project) -> bool {
        project.examples.len() != self.examples.len() || project.examples.iter().zip(&self.examples).any(|(e, &(id, class))| e.id != id || e.class != class)
    }
}

/// The map's state handles; all `Copy`.
#[derive(Clone, Copy)]
pub struct MapStore {
    /// The last map drawn (a failed redraw keeps it).
    pub(super) drawn: RwSignal<Option<DrawnMap>>,
    /// Draws the map of the project's examples; its value says whether the last drawing failed.
    pub(super) draw: Action<(), Result<(), WorkerError>>,
}

impl MapStore {
    /// Nothing drawn yet; drawing reads `project` and computes on `model`.
    pub fn new(model: ModelHandle, project: RwSignal<Project>) -> Self {
        let drawn = RwSignal::new(None);
        let draw = Action::new_local(move |_: &()| async move {
            let (ids, pending) = project.with_untracked(|p| model.map_examples(p));
            let map = pending.reply().await?;
            let examples: Vec<(u64, u32)> =
                project.with_untracked(|p| ids.iter().filter_map(|&id| p.examples.iter().find(|e| e.id == id).map(|e| (id, e.class))).collect());
            drawn.set(Some(DrawnMap { examples, map }));
            Ok(())
        });
        Self { drawn, draw }
    }
}
