//! Unlabelled images waiting to be labelled, with their features: a store of its own, which
//! computes them on the model worker and says in its own card which ones it could not read.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::dataset::layout::is_image_name;
use crate::web::ui::model_handle::ModelHandle;
use crate::web::worker::{Image, WorkerError};

/// An unlabelled image with its features.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolImage {
    pub(super) key: u64,
    pub(super) name: String,
    pub(super) features: Vec<f32>,
    pub(super) thumbnail: Vec<u8>,
}

/// An image that did not join the pool, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{name}: {error}")]
pub struct NotPooled {
    /// The file's name.
    pub name: String,
    /// What the worker said.
    pub error: WorkerError,
}

/// The pool's state handles; all `Copy`.
#[derive(Clone, Copy)]
pub struct Pool {
    pub(super) images: RwSignal<Vec<PoolImage>>,
    pub(super) pending: RwSignal<usize>,
    /// The images of the last addition that could not be read.
    pub(super) refused: RwSignal<Vec<NotPooled>>,
    keys: StoredValue<u64>,
}

impl Pool {
    /// An empty pool.
    pub fn new() -> Self {
        Self { images: RwSignal::new(Vec::new()), pending: RwSignal::new(0), refused: RwSignal::new(Vec::new()), keys: StoredValue::new(0) }
    }

    /// Computes the features of every image among `files` on `model` and adds them to the pool.
    pub fn add(self, model: ModelHandle, files: Vec<web_sys::File>) {
        let files: Vec<_> = files.into_iter().filter(|f| is_image_name(&f.name())).collect();
        self.pending.update(|n| *n += files.len());
        self.refused.set(Vec::new());
        spawn_local(async move {
            for file in files {
                let name = file.name();
                match model.client().example_features(Image::File(file), false, 0).await {
                    Ok((features, thumbnail)) => {
                        let key = self.keys.get_value();
                        self.keys.set_value(key + 1);
                        self.images.update(|pool| pool.push(PoolImage { key, name, features, thumbnail }));
                    }
                    Err(error) => self.refused.update(|refused| refused.push(NotPooled { name, error })),
                }
                self.pending.update(|n| *n -= 1);
            }
        });
    }

    /// Takes the image `key` out of the pool (to label it).
    pub fn take(self, key: u64) -> Option<PoolImage> {
        let image = self.images.with_untracked(|pool| pool.iter().find(|i| i.key == key).cloned())?;
        self.images.update(|pool| pool.retain(|i| i.key != key));
        Some(image)
    }
}
