//! Where the project is kept in this browser, and why writing is paused.

use std::rc::Rc;

use leptos::prelude::*;

use super::store::{ProjectStore, SavedProjectError};
use crate::web::platform::tabs::OtherTabs;

/// Why changes are not being written to this browser's storage.
#[derive(Debug, Clone, PartialEq)]
pub enum Paused {
    /// The saved project could not be read, whole or in part: writing now could lose the rest.
    Load(SavedProjectError),
    /// A write was refused (full storage, …): what is saved is older than the page.
    Write(SavedProjectError),
    /// Another tab changed the saved project.
    OtherTab,
}

/// Where the project is kept in this browser; all `Copy`.
#[derive(Clone, Copy)]
pub struct Storage {
    /// Whether the saved project was read (or there is no storage to read).
    pub loaded: RwSignal<bool>,
    /// Whether a whole project is being written.
    pub saving: RwSignal<bool>,
    /// Set while changes are not written, and why.
    pub paused: RwSignal<Option<Paused>>,
    /// The IndexedDB store, once open (never, where the browser refuses storage).
    pub(super) store: StoredValue<Option<Rc<ProjectStore>>, LocalStorage>,
    pub(super) tabs: StoredValue<Option<OtherTabs>, LocalStorage>,
    /// Whether the browser was asked to keep the site's storage.
    pub(super) persist_asked: StoredValue<bool>,
}

impl Storage {
    /// Not open yet.
    pub fn new() -> Self {
        Self {
            loaded: RwSignal::new(false),
            saving: RwSignal::new(false),
            paused: RwSignal::new(None),
            store: StoredValue::new_local(None),
            tabs: StoredValue::new_local(None),
            persist_asked: StoredValue::new(false),
        }
    }
}
