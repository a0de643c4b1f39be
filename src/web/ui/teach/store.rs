//! The teach project in IndexedDB: one record per example (so adding one writes kilobytes,
//! not the whole project) and one record for everything else.

use js_sys::{Float32Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::train::head::HeadWeights;
use crate::train::project::{Example, Project, ProjectInfo, TrainedHead};

use crate::web::platform::idb::Database;

const DATABASE: &str = "transfer-studio";
const EXAMPLES: &str = "examples";
const PROJECT: &str = "project";
const INFO_KEY: &str = "info";
const HEAD_KEY: &str = "head";

/// The project's records in this browser.
pub struct ProjectStore {
    db: Database,
}

impl ProjectStore {
    /// Opens (or creates) the database.
    pub async fn open() -> Result<Self, String> {
        Ok(Self { db: Database::open(DATABASE, 1, &[PROJECT, EXAMPLES]).await? })
    }

    /// The saved project (empty if none was saved).
    pub async fn load(&self) -> Result<Project, String> {
        let info = self.db.get(PROJECT, &INFO_KEY.into()).await?;
        let Some(info) = info.as_string() else {
            // The info is written last: examples without it are from an import cut short.
            self.clear().await?;
            return Ok(Project::default());
        };
        let info: ProjectInfo = serde_json::from_str(&info).map_err(|e| format!("the saved project could not be read: {e}"))?;
        let mut examples = Vec::new();
        for value in self.db.get_all(EXAMPLES).await?.iter() {
            examples.push(example_from_js(&value).ok_or("a saved example could not be read")?);
        }
        let head_value = self.db.get(PROJECT, &HEAD_KEY.into()).await?;
        let head = match (info.training, head_from_js(&head_value)) {
            (Some(record), Some(weights)) if weights.classes() == record.class_ids.len() => Some(TrainedHead { weights, record }),
            _ => None,
        };
        Ok(Project { classes: info.classes, examples, settings: info.settings, backbone: info.backbone, head })
    }

    /// Saves classes, settings and the head (not the examples).
    pub async fn save_info(&self, project: &Project) -> Result<(), String> {
        self.db.write(info_writes(project)).await
    }

    /// Stores one new example.
    pub async fn add_example(&self, example: &Example) -> Result<(), String> {
        self.db.write(vec![(EXAMPLES, key(example.id), Some(example_to_js(example)))]).await
    }

    /// Deletes examples and saves the rest of the project (if given), in one transaction.
    pub async fn delete_examples(&self, ids: &[u64], project: Option<&Project>) -> Result<(), String> {
        let mut writes: Vec<_> = ids.iter().map(|&id| (EXAMPLES, key(id), None)).collect();
        writes.extend(project.map(info_writes).unwrap_or_default());
        self.db.write(writes).await
    }

    /// Forgets everything saved (clear, or the start of an import).
    pub async fn clear(&self) -> Result<(), String> {
        self.db.clear(&[PROJECT, EXAMPLES]).await
    }

    /// Stores a batch of examples in one transaction (an import writes a batch at a time,
    /// so the page stays responsive between them).
    /// The records are made at once (the examples need not outlive the call).
    pub fn put_examples<'s>(&'s self, examples: &[&Example]) -> impl Future<Output = Result<(), String>> + use<'s> {
        self.db.write(examples.iter().map(|e| (EXAMPLES, key(e.id), Some(example_to_js(e)))).collect())
    }
}

fn key(id: u64) -> JsValue {
    JsValue::from_f64(id as f64)
}

fn info_writes(project: &Project) -> Vec<(&'static str, JsValue, Option<JsValue>)> {
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

fn example_to_js(example: &Example) -> JsValue {
    let object = Object::new();
    set(&object, "id", &key(example.id));
    set(&object, "class", &JsValue::from(example.class));
    set(&object, "thumbnail", &Uint8Array::from(&example.thumbnail[..]));
    set(&object, "features", &Float32Array::from(&example.features[..]));
    object.into()
}

fn example_from_js(value: &JsValue) -> Option<Example> {
    Some(Example {
        id: Reflect::get(value, &"id".into()).ok()?.as_f64()? as u64,
        class: Reflect::get(value, &"class".into()).ok()?.as_f64()? as u32,
        thumbnail: field::<Uint8Array>(value, "thumbnail")?.to_vec(),
        features: field::<Float32Array>(value, "features")?.to_vec(),
    })
}

fn head_from_js(value: &JsValue) -> Option<HeadWeights> {
    Some(HeadWeights { weight: field::<Float32Array>(value, "weight")?.to_vec(), bias: field::<Float32Array>(value, "bias")?.to_vec() })
}
