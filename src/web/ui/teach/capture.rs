//! Getting examples in: images uploaded or dropped on a class, and frames recorded while
//! a class's record button is held. Each example's features are computed once, in the
//! worker (or spread over helper workers, for many files at once), when it is added.

use futures_util::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Teach;
use crate::train::project::{Example, IdsUsedUp, MAX_EXAMPLE_ID};
use crate::web::platform::scope::sleep_ms;
use crate::web::worker::{Image, WorkerError};

/// Why a Teach action (adding an example, training, trying the head) failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TeachError {
    /// The model worker could not compute its features (or no model is loaded).
    #[error(transparent)]
    Worker(#[from] WorkerError),
    /// The project's features came from other weights than the model loaded now.
    #[error("this project's examples were computed with other ResNet50 weights than the model loaded now: load those weights again, or clear the project")]
    OtherBackbone,
    /// Trying the head before there is one.
    #[error("train the classifier first (the Train panel)")]
    NotTrained,
    /// No example id is left.
    #[error(transparent)]
    IdsUsedUp(#[from] IdsUsedUp),
}

impl From<TeachError> for String {
    fn from(error: TeachError) -> Self {
        error.to_string()
    }
}

/// How often a held record button takes a frame, at most.
const RECORD_INTERVAL_MS: f64 = 250.0;

impl Teach {
    /// The loaded model's backbone, if the project's features came from it (or the project
    /// is empty).
    pub(super) fn backbone_for_project(self) -> Result<Option<String>, TeachError> {
        let loaded = self.model.loaded.get_untracked().ok_or(WorkerError::ModelLoading)?;
        let (backbone, has_examples) = self.project.with_untracked(|p| (p.backbone.clone(), !p.examples.is_empty()));
        match (backbone, &loaded.backbone) {
            (Some(project), Some(model)) if has_examples && project != *model => Err(TeachError::OtherBackbone),
            _ => Ok(loaded.backbone),
        }
    }

    /// An example id not used before in this project.
    pub(super) fn new_example_id(self) -> Result<u64, IdsUsedUp> {
        let id = self.next_id.get_value();
        if id > MAX_EXAMPLE_ID {
            return Err(IdsUsedUp);
        }
        self.next_id.set_value(id + 1);
        Ok(id)
    }

    /// Computes an image's features (and augmentation views, if on) and adds it to `class`.
    pub async fn add_image(self, class: u32, image: Image) -> Result<(), TeachError> {
        let (example, backbone) = self.compute_example(class, image).await?;
        self.keep_example(example, backbone).await;
        Ok(())
    }

    /// An image's example for `class`: its features (and augmentation views, if on) and
    /// thumbnail, with the backbone that computed them.
    async fn compute_example(self, class: u32, image: Image) -> Result<(Example, Option<String>), TeachError> {
        let backbone = self.backbone_for_project()?;
        let id = self.new_example_id()?;
        let augment = self.project.with_untracked(|p| p.settings.augment);
        self.pending.update(|n| *n += 1);
        let computed = self.model.client().example_features(image, augment, id).await;
        self.pending.update(|n| *n -= 1);
        let (features, thumbnail) = computed?;
        Ok((Example { id, class, thumbnail, features }, backbone))
    }

    /// Adds a computed example to the project and stores it, if its class is still there.
    async fn keep_example(self, example: Example, backbone: Option<String>) {
        let still_there = self.project.with_untracked(|p| p.class(example.class).is_some());
        if !still_there {
            return;
        }
        self.project.update(|p| {
            if p.backbone.is_none() || p.examples.is_empty() {
                p.backbone = backbone;
            }
            p.examples.push(example.clone());
        });
        self.save_examples(vec![example]).await;
    }

    /// Adds every file to `class`, in order (computed over the helper workers where the CPU
    /// path has one thread); files that are not images are reported and skipped.
    pub fn add_files(self, class: u32, files: Vec<web_sys::File>) {
        spawn_local(async move {
            let mut failed = Vec::new();
            let mut computed = futures_util::stream::iter(files)
                .map(|file| async move { (file.name(), self.compute_example(class, Image::File(file)).await) })
                .buffered(self.model.client().widen());
            while let Some((name, computed)) = computed.next().await {
                match computed {
                    Ok((example, backbone)) => self.keep_example(example, backbone).await,
                    Err(message) => failed.push(format!("{name}: {message}")),
                }
            }
            self.message.set((!failed.is_empty()).then(|| format!("Not added — {}", failed.join("; "))));
        });
    }

    /// While the record button of `class` is held: a frame every [`RECORD_INTERVAL_MS`]
    /// (or as fast as features are computed, if slower).
    pub fn start_recording(self, class: u32) {
        if self.recording.get_untracked().is_some() {
            return;
        }
        if !self.webcam.on.get_untracked() {
            self.message.set(Some("Start the camera first (the Camera panel), then hold the button.".into()));
            return;
        }
        self.recording.set(Some(class));
        self.run(async move {
            while self.recording.get_untracked() == Some(class) {
                let started = web_time::Instant::now();
                let Some(frame) = self.webcam.next_frame().await else { break };
                self.add_image(class, Image::Frame(frame)).await?;
                let left = RECORD_INTERVAL_MS - started.elapsed().as_secs_f64() * 1e3;
                sleep_ms(left.max(0.0) as i32).await;
            }
            Ok::<_, TeachError>(())
        });
    }

    pub fn stop_recording(self) {
        self.recording.set(None);
    }
}
