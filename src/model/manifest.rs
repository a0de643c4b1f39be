//! `public/models/manifest.json`: which models the app can download.

use serde::{Deserialize, Serialize};

/// Where a model's weights come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Seeded random weights: real architecture, meaningless predictions.
    Demo,
    /// Trained weights.
    Pretrained,
}

/// Numeric format of the weights file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightsFormat {
    /// Torchvision-layout safetensors, float weights with BatchNorm; quantized on first load.
    Fp32,
    /// The int8 model format (`model::quant`).
    Int8,
}

/// One downloadable model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelEntry {
    /// Display name.
    pub name: String,
    /// Relative to the page, or absolute.
    pub url: String,
    /// Lower-case hex SHA-256 of the file at `url`.
    pub sha256: String,
    /// Size of the file at `url`.
    pub bytes: u64,
    /// Trained or demo weights.
    pub kind: ModelKind,
    /// Numeric format of the file at `url`.
    pub format: WeightsFormat,
}

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The models offered, in the order the page lists them.
    pub models: Vec<ModelEntry>,
}
