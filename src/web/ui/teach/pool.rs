//! Unlabelled images waiting to be labelled, with their features.

use leptos::prelude::*;

/// An unlabelled image with its features.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolImage {
    pub(super) key: u64,
    pub(super) name: String,
    pub(super) features: Vec<f32>,
    pub(super) thumbnail: Vec<u8>,
}

/// The pool's state handles; all `Copy`.
#[derive(Clone, Copy)]
pub struct Pool {
    pub(super) images: RwSignal<Vec<PoolImage>>,
    pub(super) pending: RwSignal<usize>,
    pub(super) keys: StoredValue<u64>,
}

impl Pool {
    /// An empty pool.
    pub fn new() -> Self {
        Self { images: RwSignal::new(Vec::new()), pending: RwSignal::new(0), keys: StoredValue::new(0) }
    }
}
