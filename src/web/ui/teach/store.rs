//! The teach project in IndexedDB: one record per example (so adding one writes kilobytes,
//! not the whole project) and one record for everything else. Every write is one
//! transaction; a whole project (an import) replaces the old one in a single transaction.

use js_sys::{Float32Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::model::arch::FEATURE_DIM;
use crate::train::head::HeadWeights;
use crate::train::project::{Example, MAX_EXAMPLE_ID, Project, ProjectInfo, TrainedHead};
use crate::web::platform::idb::{Database, StorageError, Write};

const DATABASE: &str = "transfer-studio";
const EXAMPLES: &str = "examples";
const PROJECT: &str = "project";
const INFO_KEY: &str = "info";
const HEAD_KEY: &str = "head";

/// The project's records in this browser.
pub struct ProjectStore {
    db: Database,
}

/// Why the saved project could not be read or written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SavedProjectError {
    /// IndexedDB refused (full, unavailable, …).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The project record is not one this version reads.
    #[error("the saved project could not be read: {0}")]
    Unreadable(String),
    /// Saved examples that could not be read, or belong to no saved class (left out).
    #[error("{0} saved example(s) could not be read or belong to no saved class")]
    UnreadableExamples(usize),
}

/// A saved project as far as it could be read.
pub struct Loaded {
    /// The classes, settings, head and every example that could be read.
    pub project: Project,
    /// Saved examples that could not be read, or belong to no saved class.
    pub unreadable: usize,
}

impl ProjectStore {
    /// Opens (or creates) the database.
    pub async fn open() -> Result<Self, StorageError> {
        Ok(Self { db: Database::open(DATABASE, 1, &[PROJECT, EXAMPLES]).await? })
    }

    /// The saved project (empty if none was saved). An unreadable project record is an
    /// error; unreadable examples are left out and counted.
    pub async fn load(&self) -> Result<Loaded, SavedProjectError> {
        let info = self.db.get(PROJECT, &INFO_KEY.into()).await?;
        let Some(info) = info.as_string() else {
            return Ok(Loaded { project: Project::default(), unreadable: self.db.get_all(EXAMPLES).await?.length() as usize });
        };
        let info: ProjectInfo = serde_json::from_str(&info).map_err(|e| SavedProjectError::Unreadable(e.to_string()))?;
        let mut examples = Vec::new();
        let mut unreadable = 0;
        for value in self.db.get_all(EXAMPLES).await?.iter() {
            match example_from_js(&value).filter(|e| info.classes.iter().any(|c| c.id == e.class)) {
                Some(example) => examples.push(example),
                None => unreadable += 1,
            }
        }
        let head_value = self.db.get(PROJECT, &HEAD_KEY.into()).await?;
        let head = match (info.training, head_from_js(&head_value)) {
            (Some(record), Some(weights)) if weights.classes() == record.class_ids.len() && weights.weight.len() == record.class_ids.len() * FEATURE_DIM => {
                Some(TrainedHead { weights, record })
            }
            _ => None,
        };
        let project = Project { classes: info.classes, examples, settings: info.settings, backbone: info.backbone, head };
        Ok(Loaded { project, unreadable })
    }

    /// Saves classes, settings and the head (not the examples).
    pub async fn save_info(&self, project: &Project) -> Result<(), StorageError> {
        self.db.write(info_writes(project)).await
    }

    /// Stores new examples, with the project's info (the first example sets its backbone).
    pub async fn add_examples(&self, examples: &[Example], project: &Project) -> Result<(), StorageError> {
        let mut writes = info_writes(project);
        writes.extend(examples.iter().map(example_write));
        self.db.write(writes).await
    }

    /// Deletes examples and saves the rest of the project, in one transaction.
    pub async fn delete_examples(&self, ids: &[u64], project: &Project) -> Result<(), StorageError> {
        let mut writes: Vec<_> = ids.iter().map(|&id| (EXAMPLES, key(id), None)).collect();
        writes.extend(info_writes(project));
        self.db.write(writes).await
    }

    /// Forgets everything saved.
    pub async fn clear(&self) -> Result<(), StorageError> {
        self.db.clear(&[PROJECT, EXAMPLES]).await
    }

    /// Replaces what is saved by `info` (classes, settings, head) and the examples
    /// `next_examples` hands out batch by batch, in one transaction: a reload, crash or full
    /// storage part way leaves the previous project as it was.
    pub async fn replace(&self, info: &Project, mut next_examples: impl FnMut() -> Option<Vec<Example>>) -> Result<(), StorageError> {
        let mut info = Some(info_writes(info));
        let next = move || match next_examples() {
            Some(batch) => Some(batch.iter().map(example_write).collect()),
            None => info.take(),
        };
        self.db.rewrite(&[PROJECT, EXAMPLES], next).await
    }
}

fn key(id: u64) -> JsValue {
    JsValue::from_f64(id as f64)
}

fn info_writes(project: &Project) -> Vec<Write> {
    let info = serde_json::to_string(&project.info()).expect("project info serializes");
    let head = project.head.as_ref().map(|h| {
        let object = Object::new();
        set(&object, "weight", &Float32Array::from(&h.weights.weight[..]));
        set(&object, "bias", &Float32Array::from(&h.weights.bias[..]));
        object.into()
    });
    vec![(PROJECT, INFO_KEY.into(), Some(info.into())), (PROJECT, HEAD_KEY.into(), head)]
}

fn set(object: &Object, field: &str, value: &JsValue) {
    Reflect::set(object, &field.into(), value).expect("setting a field of a plain object");
}

fn field<T: JsCast>(object: &JsValue, name: &str) -> Option<T> {
    Reflect::get(object, &name.into()).ok()?.dyn_into().ok()
}

fn example_write(example: &Example) -> Write {
    (EXAMPLES, key(example.id), Some(example_to_js(example)))
}

fn example_to_js(example: &Example) -> JsValue {
    let object = Object::new();
    set(&object, "id", &key(example.id));
    set(&object, "class", &JsValue::from(example.class));
    set(&object, "thumbnail", &Uint8Array::from(&example.thumbnail[..]));
    set(&object, "features", &Float32Array::from(&example.features[..]));
    object.into()
}

/// A whole number in `0..limit`, exactly as stored.
fn whole(value: &JsValue, name: &str, limit: u64) -> Option<u64> {
    let n = Reflect::get(value, &name.into()).ok()?.as_f64()?;
    (n >= 0.0 && n.fract() == 0.0 && n < limit as f64).then_some(n as u64)
}

fn example_from_js(value: &JsValue) -> Option<Example> {
    let features = field::<Float32Array>(value, "features")?.to_vec();
    let whole_views = !features.is_empty() && features.len() % FEATURE_DIM == 0;
    (whole_views && features.iter().all(|v| v.is_finite())).then_some(())?;
    Some(Example {
        id: whole(value, "id", MAX_EXAMPLE_ID + 1)?,
        class: u32::try_from(whole(value, "class", u64::from(u32::MAX))?).ok()?,
        thumbnail: field::<Uint8Array>(value, "thumbnail")?.to_vec(),
        features,
    })
}

fn head_from_js(value: &JsValue) -> Option<HeadWeights> {
    let head = HeadWeights { weight: field::<Float32Array>(value, "weight")?.to_vec(), bias: field::<Float32Array>(value, "bias")?.to_vec() };
    head.weight.iter().chain(&head.bias).all(|v| v.is_finite()).then_some(head)
}
