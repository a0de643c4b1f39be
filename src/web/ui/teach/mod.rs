//! Teach mode: the user's classes and examples, training a head on their features with
//! live curves, prediction with that head, and the project kept in IndexedDB and in files.
//!
//! [`Teach`] holds the state; what it does is split by concern: `edits` (classes,
//! settings), `capture` (examples from files and the camera), `dataset_import` (folders
//! and zips of class folders), `training` (the epoch loop), `prediction` (trying the head),
//! `persistence` (IndexedDB via `store`, project files). Views with their own logic:
//! `label_next` (an unlabelled pool ranked least sure first), `map_view` (the map of the
//! examples), `shared_arrival` (a head arriving by share link). The rest are views: `panel`, `dataset_panel`, `classes`, `training_panel`,
//! `chart`, `confusion`, `mistakes`, `calibration_view`, `prediction_view`,
//! `project_file`, `saved_state`, `export_panel`, `share_panel`.

mod calibration_view;
mod capture;
mod chart;
mod classes;
mod confusion;
mod dataset_import;
mod dataset_panel;
mod drawn_map;
mod edits;
mod export_panel;
mod head_prediction;
mod import_state;
mod label_next;
mod map_view;
mod mistakes;
pub mod panel;
mod persistence;
mod pool;
mod prediction;
mod prediction_view;
mod project_file;
mod saved_state;
mod share_panel;
mod shared_arrival;
mod storage;
mod store;
mod training;
mod training_panel;
mod training_run;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::export::share::{ShareError, SharedHead};
use crate::train::project::Project;
use crate::web::ui::model_handle::ModelHandle;
use crate::web::ui::webcam::Webcam;
use drawn_map::MapStore;
use head_prediction::HeadPrediction;
use import_state::DatasetImport;
use pool::Pool;
use storage::Storage;
use training_run::{Training, TrainingState};

/// Teach mode's state handles; all `Copy`.
#[derive(Clone, Copy)]
pub struct Teach {
    /// The project on the page (the source of truth).
    pub project: RwSignal<Project>,
    /// Where the project is kept in this browser, and a whole-project save in progress.
    pub storage: Storage,
    model: ModelHandle,
    /// The last problem to show, if any.
    pub message: RwSignal<Option<String>>,
    /// Examples waiting for their features.
    pub pending: RwSignal<usize>,
    next_id: StoredValue<u64>,
    /// Training progress, curves and the last run's figures.
    pub training: Training,
    /// The running or last dataset import.
    pub dataset: DatasetImport,
    /// The class whose record button is held.
    pub recording: RwSignal<Option<u32>>,
    /// The camera shared by recording and live prediction.
    pub webcam: Webcam,
    /// Whether camera frames are being predicted.
    pub live: RwSignal<bool>,
    /// The head's verdict on the last image tried.
    pub prediction: RwSignal<Option<HeadPrediction>>,
    /// The confusion-matrix cell whose examples the mistakes gallery shows: positions of
    /// the true and the predicted class in the head's outputs.
    pub gallery: RwSignal<Option<(usize, usize)>>,
    /// The map of the examples.
    pub map: MapStore,
    /// Unlabelled images to rank for labelling.
    pub pool: Pool,
    /// A head arriving by share link, until it opens or the user declines it.
    pub incoming: RwSignal<Option<SharedHead>>,
}

impl Teach {
    /// The state, with the saved project loaded in the background.
    pub fn new(model: ModelHandle, shared: Option<Result<SharedHead, ShareError>>) -> Self {
        let project = RwSignal::new(Project::default());
        let teach = Self {
            project,
            storage: Storage::new(),
            model,
            message: RwSignal::new(None),
            pending: RwSignal::new(0),
            next_id: StoredValue::new(0),
            training: Training::new(),
            dataset: DatasetImport::new(),
            recording: RwSignal::new(None),
            webcam: Webcam::new(),
            live: RwSignal::new(false),
            prediction: RwSignal::new(None),
            gallery: RwSignal::new(None),
            map: MapStore::new(model, project),
            pool: Pool::new(),
            incoming: RwSignal::new(None),
        };
        // Recording and live prediction end with the camera.
        Effect::new(move || {
            if !teach.webcam.on.get() {
                teach.recording.set(None);
                teach.live.set(false);
            }
        });
        spawn_local(teach.open_storage());
        teach.receive_shared(shared);
        teach
    }

    /// Shows `project` (loaded or imported) with its last training curves.
    fn adopt(self, project: Project) {
        self.next_id.set_value(project.next_example_id());
        self.training.history.set(project.head.as_ref().map(|h| h.record.history.clone()).unwrap_or_default());
        self.training.state.set(TrainingState::Idle);
        self.prediction.set(None);
        self.project.set(project);
    }

    /// Runs an action, showing its error (in words only here).
    pub fn run<E: std::fmt::Display>(self, action: impl Future<Output = Result<(), E>> + 'static) {
        spawn_local(async move {
            if let Err(error) = action.await {
                self.message.set(Some(error.to_string()));
            }
        });
    }
}
