//! The last map of the examples drawn, and whether the project has changed since.

use crate::train::map::ExampleMap;
use crate::train::project::Project;

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
