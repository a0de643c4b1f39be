//! Teach mode: the user's classes and examples, training a head on their features with
//! live curves, prediction with that head, and the project kept in IndexedDB and in files.
//!
//! The project in memory is the source of truth; every change is written through to
//! IndexedDB at once. A storage failure is shown and loses nothing on the page.

mod chart;
mod classes;
mod evaluation;
mod predict;
mod store;
mod training;
mod transfer;

use std::collections::HashSet;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_bytes::ByteBuf;

use crate::train::project::{Example, Project, TrainedHead, TrainingRecord};
use crate::train::trainer::EpochMetrics;

use super::browser::{read_file, sleep_ms, yield_to_browser};
use super::memory::MemoryFigures;
use super::webcam::Webcam;
use super::worker::{Model, Picture};
use store::ProjectStore;

pub use predict::HeadPrediction;

/// How often a held record button takes a frame, at most.
const RECORD_INTERVAL_MS: f64 = 250.0;

/// Examples stored per IndexedDB transaction when a whole project is saved; the page runs
/// between batches.
const SAVE_BATCH: usize = 100;

/// What the last finished training took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainingRun {
    pub rows: usize,
    pub seconds: f64,
    pub memory: MemoryFigures,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TrainingState {
    Idle,
    Running { epoch: usize, epochs: usize },
    Finished,
    Cancelled,
}

/// Teach mode's state handles; all `Copy`.
#[derive(Clone, Copy)]
pub struct Teach {
    pub project: RwSignal<Project>,
    /// Counts adopted projects, so a save of a whole project stops once it is replaced.
    generation: StoredValue<u64>,
    /// (examples stored, examples) while a whole project is being saved.
    pub saving: RwSignal<Option<(usize, usize)>>,
    store: StoredValue<Option<Rc<ProjectStore>>, LocalStorage>,
    model: Model,
    pub message: RwSignal<Option<String>>,
    /// Examples waiting for their features.
    pub pending: RwSignal<usize>,
    next_id: StoredValue<u64>,
    pub training: RwSignal<TrainingState>,
    pub history: RwSignal<Vec<EpochMetrics>>,
    pub last_run: RwSignal<Option<TrainingRun>>,
    cancel: StoredValue<bool>,
    pub recording: RwSignal<Option<u32>>,
    pub webcam: Webcam,
    pub live: RwSignal<bool>,
    pub prediction: RwSignal<Option<HeadPrediction>>,
}

impl Teach {
    pub fn new(model: Model) -> Self {
        let teach = Self {
            project: RwSignal::new(Project::default()),
            generation: StoredValue::new(0),
            saving: RwSignal::new(None),
            store: StoredValue::new_local(None),
            model,
            message: RwSignal::new(None),
            pending: RwSignal::new(0),
            next_id: StoredValue::new(0),
            training: RwSignal::new(TrainingState::Idle),
            history: RwSignal::new(Vec::new()),
            last_run: RwSignal::new(None),
            cancel: StoredValue::new(false),
            recording: RwSignal::new(None),
            webcam: Webcam::new(),
            live: RwSignal::new(false),
            prediction: RwSignal::new(None),
        };
        // Recording and live prediction end with the camera.
        Effect::new(move || {
            if !teach.webcam.on.get() {
                teach.recording.set(None);
                teach.live.set(false);
            }
        });
        spawn_local(async move {
            match ProjectStore::open().await {
                Ok(store) => {
                    match store.load().await {
                        Ok(project) => teach.adopt(project),
                        Err(message) => teach.message.set(Some(message)),
                    }
                    teach.store.set_value(Some(Rc::new(store)));
                }
                Err(message) => teach.message.set(Some(format!("Your project will not be kept after a reload: {message}"))),
            }
        });
        teach
    }

    /// Shows `project` (loaded or imported) with its last training curves.
    fn adopt(self, project: Project) {
        self.generation.update_value(|g| *g += 1);
        self.saving.set(None);
        self.next_id.set_value(project.next_example_id());
        self.history.set(project.head.as_ref().map(|h| h.record.history.clone()).unwrap_or_default());
        self.training.set(TrainingState::Idle);
        self.prediction.set(None);
        self.project.set(project);
    }

    /// Runs an action, showing its error.
    pub fn run(self, action: impl Future<Output = Result<(), String>> + 'static) {
        spawn_local(async move {
            if let Err(message) = action.await {
                self.message.set(Some(message));
            }
        });
    }

    /// Writes through to IndexedDB; a failure is reported, the page keeps the change.
    async fn save(self, write: impl AsyncFnOnce(Rc<ProjectStore>) -> Result<(), String>) {
        let Some(store) = self.store.get_value() else { return };
        if let Err(message) = write(store).await {
            self.message.set(Some(format!("The change could not be saved in this browser: {message}")));
        }
    }

    /// Saves all but the examples; skipped while the whole project is saved, which ends by
    /// writing the latest info.
    async fn save_info(self) {
        if self.saving.get_untracked().is_some() {
            return;
        }
        let project = self.project.with_untracked(Project::without_examples);
        self.save(async move |store| store.save_info(&project).await).await;
    }

    /// The project's info for a write along with deleted examples (see [`Self::save_info`]).
    fn info_unless_saving(self) -> Option<Project> {
        self.saving.get_untracked().is_none().then(|| self.project.with_untracked(Project::without_examples))
    }

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

    pub fn set_settings(self, settings: crate::train::trainer::TrainSettings) {
        self.project.update(|p| p.settings = settings);
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
            let project = self.info_unless_saving();
            self.save(async move |store| store.delete_examples(&ids, project.as_ref()).await).await;
        });
    }

    pub fn delete_example(self, id: u64) {
        self.project.update(|p| p.examples.retain(|e| e.id != id));
        spawn_local(async move {
            let project = self.info_unless_saving();
            self.save(async move |store| store.delete_examples(&[id], project.as_ref()).await).await;
        });
    }

    /// The loaded model's backbone, if the project's features came from it (or the project
    /// is empty).
    fn backbone_for_project(self) -> Result<Option<String>, String> {
        let loaded = self.model.loaded.get_untracked().ok_or("the model is still loading; try again in a moment")?;
        let (backbone, has_examples) = self.project.with_untracked(|p| (p.backbone.clone(), !p.examples.is_empty()));
        match (backbone, &loaded.backbone) {
            (Some(project), Some(model)) if has_examples && project != *model => Err(
                "this project's examples were computed with other ResNet50 weights than the model loaded now: load those weights again, or clear the project"
                    .into(),
            ),
            _ => Ok(loaded.backbone),
        }
    }

    /// Computes an image's features (and augmentation views, if on) and adds it to `class`.
    pub async fn add_picture(self, class: u32, picture: Picture) -> Result<(), String> {
        let backbone = self.backbone_for_project()?;
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        let augment = self.project.with_untracked(|p| p.settings.augment);
        self.pending.update(|n| *n += 1);
        let computed = self.model.example_features(picture, augment, id).await;
        self.pending.update(|n| *n -= 1);
        let (features, thumbnail) = computed?;
        let example = Example { id, class, thumbnail, features };
        let still_there = self.project.with_untracked(|p| p.class(class).is_some());
        if !still_there {
            return Ok(());
        }
        self.project.update(|p| {
            if p.backbone.is_none() || p.examples.is_empty() {
                p.backbone = backbone;
            }
            p.examples.push(example.clone());
        });
        self.save(async move |store| store.add_example(&example).await).await;
        Ok(())
    }

    /// Adds every file to `class`; files that are not images are reported and skipped.
    pub fn add_files(self, class: u32, files: Vec<web_sys::File>) {
        spawn_local(async move {
            let mut failed = Vec::new();
            for file in files {
                let name = file.name();
                let added = async {
                    let bytes = read_file(&file).await?;
                    self.add_picture(class, Picture::Encoded(ByteBuf::from(bytes))).await
                }
                .await;
                if let Err(message) = added {
                    failed.push(format!("{name}: {message}"));
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
            self.message.set(Some("Start the camera first (Camera, above), then hold the button.".into()));
            return;
        }
        self.recording.set(Some(class));
        self.run(async move {
            while self.recording.get_untracked() == Some(class) {
                let started = web_time::Instant::now();
                let Some(frame) = self.webcam.next_frame().await else { break };
                self.add_picture(class, Picture::rgb(frame)).await?;
                let left = RECORD_INTERVAL_MS - started.elapsed().as_secs_f64() * 1e3;
                sleep_ms(left.max(0.0) as i32).await;
            }
            Ok(())
        });
    }

    pub fn stop_recording(self) {
        self.recording.set(None);
    }

    /// Trains a head on the examples' stored features, epoch by epoch, until done or cancelled.
    pub fn train(self) {
        if matches!(self.training.get_untracked(), TrainingState::Running { .. }) {
            return;
        }
        self.run(async move {
            self.backbone_for_project()?;
            let (begin, ids, class_ids, settings) = self.project.with_untracked(|p| {
                (self.model.train_begin(p), p.training_set().2, p.classes.iter().map(|c| c.id).collect::<Vec<_>>(), p.settings.clone())
            });
            let rows = begin.await?;
            let started = web_time::Instant::now();
            let epochs = settings.epochs;
            self.cancel.set_value(false);
            self.message.set(None);
            self.history.set(Vec::new());
            self.training.set(TrainingState::Running { epoch: 0, epochs });
            for _ in 0..epochs {
                if self.cancel.get_value() {
                    self.model.train_abandon().await;
                    self.training.set(TrainingState::Cancelled);
                    self.history.set(self.project.with_untracked(|p| p.head.as_ref().map(|h| h.record.history.clone()).unwrap_or_default()));
                    return Ok(());
                }
                let metrics = match self.model.train_epoch().await {
                    Ok(metrics) => metrics,
                    Err(message) => {
                        self.model.train_abandon().await;
                        self.training.set(TrainingState::Idle);
                        return Err(message);
                    }
                };
                self.history.update(|h| h.push(metrics));
                self.training.set(TrainingState::Running { epoch: metrics.epoch, epochs });
            }
            let trained = self.model.train_finish().await?;
            let record = TrainingRecord {
                class_ids,
                settings,
                validation_ids: trained.validation.iter().map(|&i| ids[i]).collect(),
                history: self.history.get_untracked(),
                evaluation: trained.evaluation,
            };
            self.project.update(|p| p.head = Some(TrainedHead { weights: trained.weights, record }));
            self.training.set(TrainingState::Finished);
            self.last_run.set(Some(TrainingRun { rows, seconds: started.elapsed().as_secs_f64(), memory: trained.memory }));
            self.save_info().await;
            Ok(())
        });
    }

    pub fn cancel_training(self) {
        self.cancel.set_value(true);
    }

    /// Classifies an image with the project's head: every class's probability and the
    /// activation map of each class over the center crop.
    pub async fn predict(self, picture: Picture, source: String) -> Result<(), String> {
        self.backbone_for_project()?;
        let head = self.project.with_untracked(|p| p.current_head().cloned()).ok_or("train the classifier first (Train, below the classes)")?;
        let looked = self.model.look(picture).await?;
        let names = self.project.with_untracked(|project| {
            head.record.class_ids.iter().map(|&id| project.class(id).map_or("?".to_string(), |c| c.name.clone())).collect()
        });
        self.prediction.set(Some(HeadPrediction::new(source, names, &head.weights, &looked.features, &looked.map, looked.crop)));
        Ok(())
    }

    pub fn predict_file(self, file: web_sys::File) {
        self.live.set(false);
        self.run(async move {
            let name = file.name();
            let bytes = read_file(&file).await?;
            self.predict(Picture::Encoded(ByteBuf::from(bytes)), name.clone()).await.map_err(|e| format!("{name}: {e}"))
        });
    }

    /// Predicts camera frames one after another while `live` is on.
    pub fn start_live(self) {
        if !self.webcam.on.get_untracked() {
            self.message.set(Some("Start the camera first.".into()));
            return;
        }
        self.live.set(true);
        self.run(async move {
            while self.live.get_untracked() {
                let Some(frame) = self.webcam.next_frame().await else { break };
                self.predict(Picture::rgb(frame), "camera".into()).await?;
                yield_to_browser().await;
            }
            Ok(())
        });
    }

    pub fn export(self) {
        self.run(async move {
            let bytes = self.project.with_untracked(Project::to_bytes);
            super::browser::save_file(&bytes, "transfer-studio-project.safetensors")
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
        let generation = self.generation.get_value();
        let replaced = move || self.generation.get_value() != generation;
        let ids: Vec<u64> = self.project.with_untracked(|p| p.examples.iter().map(|e| e.id).collect());
        self.saving.set(Some((0, ids.len())));
        let stored: Result<(), String> = async {
            store.clear().await?;
            for (done, batch) in ids.chunks(SAVE_BATCH).enumerate() {
                yield_to_browser().await;
                if replaced() {
                    return Ok(());
                }
                let batch: HashSet<u64> = batch.iter().copied().collect();
                let examples = self.project.with_untracked(|p| {
                    store.put_examples(&p.examples.iter().filter(|e| batch.contains(&e.id)).collect::<Vec<_>>())
                });
                examples.await?;
                self.saving.set(Some((((done + 1) * SAVE_BATCH).min(ids.len()), ids.len())));
            }
            Ok(())
        }
        .await;
        if replaced() {
            return Ok(());
        }
        // Cleared before the info is taken, so any later change writes its own info after it.
        self.saving.set(None);
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

pub use view::TeachPanel;
mod view;
