//! The page's reactive handle on the model worker: the worker's client (`web::worker`,
//! which knows nothing of Leptos or the training project) and signals of what it tells.

use std::rc::Rc;

use leptos::prelude::*;

use crate::model::arch::FEATURE_DIM;
use crate::train::map::ExampleMap;
use crate::train::project::{Project, TrainedOn, TrainingSet};
use crate::web::worker::{BackendInfo, Change, DeviceRequest, ExportFormat, Exported, LoadedModel, MemoryFigures, ModelClient, Pending, WorkerError};

/// `Copy` handle shared by the page's parts.
#[derive(Clone, Copy)]
pub struct ModelHandle {
    client: StoredValue<Rc<ModelClient>, LocalStorage>,
    /// Workers a batch is spread over now (the main one and the helpers loaded).
    pub workers: RwSignal<usize>,
    /// Batch calls the helpers have answered since the model was loaded.
    pub helpers_answered: RwSignal<usize>,
    /// The model the worker has loaded; `None` until the first load succeeds.
    pub loaded: RwSignal<Option<LoadedModel>>,
    /// The device the worker computes on; `None` until it has picked one.
    pub backend: RwSignal<Option<BackendInfo>>,
    /// The worker's memory after its last load, classification or training.
    pub memory: RwSignal<Option<MemoryFigures>>,
    /// Why the worker stopped answering, once it has (see [`ModelClient::restart`]).
    pub stopped: RwSignal<Option<WorkerError>>,
}

impl ModelHandle {
    /// Starts the worker (see [`ModelClient::start`]), its changes shown by the signals.
    pub fn start(request: &DeviceRequest, workers_asked: Option<usize>) -> Self {
        let (workers, helpers_answered, loaded, backend, memory, stopped) =
            (RwSignal::new(1), RwSignal::new(0), RwSignal::new(None), RwSignal::new(None), RwSignal::new(None), RwSignal::new(None));
        let notify = move |change| match change {
            Change::Loaded(model) => loaded.set(model),
            Change::Backend(info) => backend.set(info),
            Change::Memory(figures) => memory.set(Some(figures)),
            Change::Stopped(reason) => stopped.set(reason),
            Change::Workers(n) => workers.set(n),
            Change::HelpersAnswered(n) => helpers_answered.set(n),
        };
        let client = ModelClient::start(request, workers_asked, Rc::new(notify));
        Self { client: StoredValue::new_local(client), workers, helpers_answered, loaded, backend, memory, stopped }
    }

    /// The worker's client, for its calls.
    pub fn client(self) -> Rc<ModelClient> {
        self.client.get_value()
    }

    /// The map of the project's examples (by their first view) and those possibly
    /// mislabelled; with the examples' ids in the map's order.
    pub fn map_examples(self, project: &Project) -> (Vec<u64>, Pending<ExampleMap>) {
        let positions: Vec<u32> = project.classes.iter().map(|c| c.id).collect();
        let examples: Vec<_> = project
            .examples
            .iter()
            .filter(|e| e.features.len() >= FEATURE_DIM)
            .filter_map(|e| Some((e, positions.iter().position(|&c| c == e.class)?)))
            .collect();
        let rows = examples.iter().map(|(e, _)| &e.features[..FEATURE_DIM]).collect();
        let labels = examples.iter().map(|(_, c)| *c).collect();
        let ids = examples.iter().map(|(e, _)| e.id).collect();
        (ids, self.client().map_examples(rows, labels))
    }

    /// Sends the project's training set to the worker (the reply is the number of training
    /// rows); what the run's record will need.
    pub fn train_begin(self, project: &Project) -> (Pending<usize>, TrainedOn) {
        let TrainingSet { examples, names, trained_on } = project.training_set();
        (self.client().train_begin(examples, names, trained_on.settings.clone()), trained_on)
    }

    /// The project's current head on the loaded backbone, written in `format`.
    pub fn export(self, project: &Project, format: ExportFormat) -> Result<Pending<Exported>, WorkerError> {
        let head = project.current_head().ok_or(WorkerError::NothingTrained)?;
        Ok(self.client().export(head.weights.clone(), project.class_names(&head.record.class_ids), head.not_sure_below(), format))
    }
}
