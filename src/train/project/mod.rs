//! A teach project — classes, examples (thumbnail + pooled features of each view), training
//! settings and the trained head — and its one-file export format.
//!
//! # File format (safetensors)
//! Metadata: `format` = [`FORMAT`], `version` = [`VERSION`], `project` = JSON of
//! [`ProjectInfo`] (classes, settings, backbone digest, training record). Tensors:
//! - `example.id` U64 `[n]`, `example.class` U32 `[n]` (class ids), `example.views` U32 `[n]`
//! - `features` F32 `[Σ views, 2048]`, examples in order, each example's views in order
//! - `thumbnails` U8 `[bytes]` (JPEGs back to back), `thumbnail.ends` U64 `[n]`
//! - with a trained head: `head.weight` F32 `[k, 2048]`, `head.bias` F32 `[k]`

mod outcomes;
mod training_set;

pub use training_set::{RunOutcome, TrainedOn, TrainingSet};

use std::collections::HashSet;

use safetensors::Dtype;
use serde::{Deserialize, Serialize};

use super::head::HeadWeights;
use super::trainer::{EpochMetrics, Evaluation, TrainSettings};
use crate::model::arch::FEATURE_DIM;
use crate::model::container::{ContainerError, ContainerReader, ContainerWriter};
use crate::model::le_bytes::{le_bytes, words};
pub use outcomes::Outcome;

/// `__metadata__["format"]` of a project file.
pub const FORMAT: &str = "transfer-studio-project";
/// `__metadata__["version"]`; bumped on any incompatible change.
pub const VERSION: &str = "1";

/// The largest example id: JavaScript's largest exact integer, so ids stay distinct as
/// IndexedDB keys (which are doubles).
pub const MAX_EXAMPLE_ID: u64 = (1 << 53) - 1;

/// Every example id up to [`MAX_EXAMPLE_ID`] has been handed out.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("this project has used every example id: export it and import it into a new one")]
pub struct IdsUsedUp;

/// A class the user made: a stable id (examples and heads refer to it) and its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassInfo {
    /// Unique among the project's classes.
    pub id: u32,
    /// The name the user gave it.
    pub name: String,
}

/// One user example: its class id, a JPEG thumbnail and `views × 2048` pooled features.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Unique within the project; also seeds the example's random crops.
    pub id: u64,
    /// Id of the class it belongs to.
    pub class: u32,
    /// A small JPEG to show it by.
    pub thumbnail: Vec<u8>,
    /// Pooled features of each view, `views × 2048`, the plain eval view first.
    pub features: Vec<f32>,
}

impl Example {
    /// How many views its features cover.
    pub fn views(&self) -> usize {
        self.features.len() / FEATURE_DIM
    }
}

/// How the head was trained: on which classes (ids, in output order), with which settings,
/// which examples were held out, and the per-epoch metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingRecord {
    /// Class ids in the head's output order.
    pub class_ids: Vec<u32>,
    /// The settings it was trained with.
    pub settings: TrainSettings,
    /// Ids of the examples held out for validation.
    pub validation_ids: Vec<u64>,
    /// Metrics of each epoch, in order.
    pub history: Vec<EpochMetrics>,
    /// The last epoch's validation results, if any example was held out.
    pub evaluation: Option<Evaluation>,
    /// A class had too few examples for the linear head alone: the head is blended with
    /// class means (see `Trainer::is_few_shot`).
    #[serde(default)]
    pub few_shot: bool,
    /// The head came from a share link: trained elsewhere, on examples this project lacks.
    #[serde(default)]
    pub from_link: bool,
    /// The "not sure" threshold of a head that came without its calibration (a shared
    /// head's, chosen where it was trained); a calibrated head keeps it in its calibration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_sure_below: Option<f32>,
}

/// A trained head and how it was trained.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainedHead {
    /// Its parameters, outputs in [`TrainingRecord::class_ids`] order.
    pub weights: HeadWeights,
    /// How it was trained.
    pub record: TrainingRecord,
}

impl TrainedHead {
    /// Top probabilities below this are answered "not sure" (0 without a calibration).
    pub fn not_sure_below(&self) -> f32 {
        let calibrated = self.record.evaluation.as_ref().and_then(|e| e.calibration.as_ref()).map(|c| c.not_sure_below);
        calibrated.or(self.record.not_sure_below).unwrap_or(0.0)
    }
}

/// Everything but the examples and head tensors: the JSON in the file's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectInfo {
    /// The classes, in display order.
    pub classes: Vec<ClassInfo>,
    /// The settings the next training uses.
    pub settings: TrainSettings,
    /// SHA-256 of the backbone weights that computed the features; features from another
    /// backbone are meaningless to this head.
    pub backbone: Option<String>,
    /// How the head was trained, if there is one.
    pub training: Option<TrainingRecord>,
}

/// A teach project: what the user taught and the head trained on it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Project {
    /// The classes, in display order (a head trained now has its outputs in this order).
    pub classes: Vec<ClassInfo>,
    /// The examples, in the order they were added.
    pub examples: Vec<Example>,
    /// The settings the next training uses.
    pub settings: TrainSettings,
    /// [`crate::model::quant::backbone_digest`] of the weights that computed the features,
    /// once the first example is added.
    pub backbone: Option<String>,
    /// The last trained head, possibly on an older class list (see [`Self::current_head`]).
    pub head: Option<TrainedHead>,
}

/// Why a file is not a project this version can open.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// Not safetensors, or safetensors of another format; what was wrong.
    #[error("not a Transfer Studio project file ({0})")]
    Foreign(String),
    /// A project file of another version (the version found, or `(none)`).
    #[error("project file version {0} is not supported (this app reads version {VERSION})")]
    Version(String),
    /// A project file whose parts do not fit together; what does not.
    #[error("the project file is damaged: {0}")]
    Damaged(String),
}

impl From<ContainerError> for ProjectError {
    fn from(err: ContainerError) -> Self {
        match err {
            ContainerError::NotSafetensors(reason) => Self::Foreign(reason),
            ContainerError::Format { found, .. } => Self::Foreign(format!("format is {}", found.as_deref().unwrap_or("missing"))),
            ContainerError::Version { found, .. } => Self::Version(found.unwrap_or_else(|| "(none)".into())),
            ContainerError::Missing { key } => Self::Damaged(format!("tensor {key} is missing")),
            ContainerError::Tensor { key, expected_dtype, expected_shape, found_dtype, found_shape } => {
                Self::Damaged(format!("tensor {key} is {found_dtype:?} {found_shape:?}, expected {expected_dtype:?} {expected_shape:?}"))
            }
        }
    }
}

impl Project {
    /// The class with this id.
    pub fn class(&self, id: u32) -> Option<&ClassInfo> {
        self.classes.iter().find(|c| c.id == id)
    }

    /// Each id's class name, `?` for an id no class has (e.g. a head's outputs after a
    /// class was deleted).
    pub fn class_names(&self, ids: &[u32]) -> Vec<String> {
        ids.iter().map(|&id| self.class(id).map_or("?", |c| c.name.as_str()).to_string()).collect()
    }

    /// Adds a class named `name` with a fresh id, and returns the id.
    pub fn add_class(&mut self, name: &str) -> u32 {
        // Files hold class ids below u32::MAX (checked on reading), so this cannot overflow.
        let id = self.classes.iter().map(|c| c.id.saturating_add(1)).max().unwrap_or(0);
        self.classes.push(ClassInfo { id, name: name.to_string() });
        id
    }

    /// Renames the class with this id (no-op for an unknown id).
    pub fn rename_class(&mut self, id: u32, name: &str) {
        if let Some(class) = self.classes.iter_mut().find(|c| c.id == id) {
            class.name = name.to_string();
        }
    }

    /// Removes the class and its examples.
    pub fn delete_class(&mut self, id: u32) {
        self.classes.retain(|c| c.id != id);
        self.examples.retain(|e| e.class != id);
    }

    /// The id of the class of each name: the existing class so named, or a new one.
    pub fn classes_named<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) -> Vec<u32> {
        names
            .into_iter()
            .map(|name| {
                let existing = self.classes.iter().find(|c| c.name == name).map(|c| c.id);
                existing.unwrap_or_else(|| self.add_class(name))
            })
            .collect()
    }

    /// Adds the examples whose class still exists (one may have been deleted while they were
    /// computed); the first examples (or the first since the backbone was unknown) set the backbone
    /// they were computed with. How many were added.
    pub fn add_examples(&mut self, examples: impl IntoIterator<Item = Example>, backbone: Option<&str>) -> usize {
        let before = self.examples.len();
        for example in examples {
            if self.class(example.class).is_some() {
                self.examples.push(example);
            }
        }
        if self.examples.len() > before && (before == 0 || self.backbone.is_none()) {
            self.backbone = backbone.map(str::to_string);
        }
        self.examples.len() - before
    }

    /// A fresh example id: one past the largest in use (at most [`MAX_EXAMPLE_ID`], as files
    /// hold ids below it).
    pub fn next_example_id(&self) -> u64 {
        self.examples.iter().map(|e| e.id.saturating_add(1)).max().unwrap_or(0).min(MAX_EXAMPLE_ID)
    }

    /// How many examples the class has.
    pub fn count(&self, class: u32) -> usize {
        self.examples.iter().filter(|e| e.class == class).count()
    }

    /// The head, if it was trained on exactly the current classes.
    pub fn current_head(&self) -> Option<&TrainedHead> {
        let ids: Vec<u32> = self.classes.iter().map(|c| c.id).collect();
        self.head.as_ref().filter(|head| head.record.class_ids == ids)
    }

    /// A copy of everything but the examples (cheap, for saving the rest).
    pub fn without_examples(&self) -> Project {
        Project {
            classes: self.classes.clone(),
            examples: Vec::new(),
            settings: self.settings.clone(),
            backbone: self.backbone.clone(),
            head: self.head.clone(),
        }
    }

    /// The metadata part of the project file.
    pub fn info(&self) -> ProjectInfo {
        ProjectInfo {
            classes: self.classes.clone(),
            settings: self.settings.clone(),
            backbone: self.backbone.clone(),
            training: self.head.as_ref().map(|h| h.record.clone()),
        }
    }

    /// Serializes to the project file format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let n = self.examples.len();
        let mut file = ContainerWriter::new(FORMAT, VERSION);
        file.tensor("example.id", Dtype::U64, vec![n], le_bytes(self.examples.iter().map(|e| e.id)));
        file.tensor("example.class", Dtype::U32, vec![n], le_bytes(self.examples.iter().map(|e| e.class)));
        file.tensor("example.views", Dtype::U32, vec![n], le_bytes(self.examples.iter().map(|e| e.views() as u32)));
        let rows = self.examples.iter().map(Example::views).sum();
        file.tensor("features", Dtype::F32, vec![rows, FEATURE_DIM], le_bytes(self.examples.iter().flat_map(|e| e.features.iter().copied())));
        let thumbnails: Vec<u8> = self.examples.iter().flat_map(|e| e.thumbnail.iter().copied()).collect();
        let ends = self.examples.iter().scan(0u64, |end, e| {
            *end += e.thumbnail.len() as u64;
            Some(*end)
        });
        file.tensor("thumbnail.ends", Dtype::U64, vec![n], le_bytes(ends));
        file.tensor("thumbnails", Dtype::U8, vec![thumbnails.len()], thumbnails);
        if let Some(head) = &self.head {
            let k = head.weights.classes();
            file.tensor("head.weight", Dtype::F32, vec![k, FEATURE_DIM], le_bytes(head.weights.weight.iter().copied()));
            file.tensor("head.bias", Dtype::F32, vec![k], le_bytes(head.weights.bias.iter().copied()));
        }
        file.metadata("project", serde_json::to_string(&self.info()).expect("project info serializes"));
        file.to_bytes()
    }

    /// Parses and checks a project file; nothing is returned unless all of it is consistent.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProjectError> {
        let file = ContainerReader::open(bytes, FORMAT, VERSION)?;
        let damaged = |what: String| ProjectError::Damaged(what);
        let info: ProjectInfo = serde_json::from_str(file.metadata("project").ok_or_else(|| damaged("no project record".into()))?)
            .map_err(|e| damaged(format!("project record: {e}")))?;

        let n = file.tensor_of_any_shape("example.id", Dtype::U64)?.len() / 8;
        let ids: Vec<u64> = words(file.tensor("example.id", Dtype::U64, &[n])?);
        let classes: Vec<u32> = words(file.tensor("example.class", Dtype::U32, &[n])?);
        let view_counts: Vec<u32> = words(file.tensor("example.views", Dtype::U32, &[n])?);
        // In u64 and checked: on wasm32 a usize sum could wrap onto the real row count.
        let rows = view_counts.iter().map(|&v| u64::from(v)).sum::<u64>();
        let rows = usize::try_from(rows).ok().filter(|r| r.checked_mul(FEATURE_DIM * 4).is_some()).ok_or_else(|| damaged(format!("{rows} feature rows")))?;
        let features: Vec<f32> = words(file.tensor("features", Dtype::F32, &[rows, FEATURE_DIM])?);
        let ends: Vec<u64> = words(file.tensor("thumbnail.ends", Dtype::U64, &[n])?);
        let thumbnails = file.tensor_of_any_shape("thumbnails", Dtype::U8)?;

        let class_ids: HashSet<u32> = info.classes.iter().map(|c| c.id).collect();
        if class_ids.len() != info.classes.len() {
            return Err(damaged("two classes share an id".into()));
        }
        if info.classes.iter().any(|c| c.id == u32::MAX) {
            return Err(damaged(format!("class id {} is out of range", u32::MAX)));
        }
        if let Some(id) = ids.iter().find(|&&id| id >= MAX_EXAMPLE_ID) {
            return Err(damaged(format!("example id {id} is out of range (ids are below 2^53 - 1)")));
        }
        if ids.iter().collect::<HashSet<_>>().len() != n {
            return Err(damaged("two examples share an id".into()));
        }
        if let Some(class) = classes.iter().find(|c| !class_ids.contains(c)) {
            return Err(damaged(format!("an example belongs to unknown class {class}")));
        }
        if view_counts.contains(&0) {
            return Err(damaged("an example has no features".into()));
        }
        if ends.windows(2).any(|w| w[0] > w[1]) || ends.last().is_some_and(|&end| end != thumbnails.len() as u64) {
            return Err(damaged("thumbnail offsets do not match the thumbnail bytes".into()));
        }
        if features.iter().any(|v| !v.is_finite()) {
            return Err(damaged("features contain NaN or infinity".into()));
        }

        let mut examples = Vec::with_capacity(n);
        let (mut row, mut start) = (0usize, 0usize);
        for i in 0..n {
            let views = view_counts[i] as usize;
            let end = ends[i] as usize;
            examples.push(Example {
                id: ids[i],
                class: classes[i],
                thumbnail: thumbnails[start..end].to_vec(),
                features: features[row * FEATURE_DIM..(row + views) * FEATURE_DIM].to_vec(),
            });
            row += views;
            start = end;
        }

        let head = match info.training.clone() {
            None => None,
            Some(record) => {
                let k = record.class_ids.len();
                let weight = words(file.tensor("head.weight", Dtype::F32, &[k, FEATURE_DIM])?);
                let bias: Vec<f32> = words(file.tensor("head.bias", Dtype::F32, &[k])?);
                if weight.iter().chain(&bias).any(|v| !v.is_finite()) {
                    return Err(damaged("the head's weights contain NaN or infinity".into()));
                }
                if record.evaluation.as_ref().is_some_and(|e| e.confusion.len() != k || e.confusion.iter().any(|row| row.len() != k)) {
                    return Err(damaged(format!("the confusion matrix is not {k}×{k}")));
                }
                if record.evaluation.as_ref().and_then(|e| e.calibration.as_ref()).is_some_and(|c| !c.is_sane()) {
                    return Err(damaged("the calibration's figures are out of range".into()));
                }
                Some(TrainedHead { weights: HeadWeights { weight, bias }, record })
            }
        };
        Ok(Self { classes: info.classes, examples, settings: info.settings, backbone: info.backbone, head })
    }
}

#[cfg(test)]
mod tests;
