//! `models/manifest.json`: the models the app offers, in order. The first pretrained entry
//! is loaded on a first visit; the first demo entry is the fallback when it cannot be.

use serde::{Deserialize, Serialize};

use super::timm::DEFAULT_HUB;
use crate::vision::preprocess::Preprocessing;

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

/// One model the app offers: a file at `url` (pinned by `sha256`), or demo weights made
/// on the device from `seed` (nothing to download).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelEntry {
    /// Display name.
    pub name: String,
    /// Relative to the manifest's page, or absolute; `None` for an entry made from `seed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Demo weights made from this seed where no file is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Lower-case hex SHA-256 of the file at `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Exact size of the file at `url`, when known before downloading it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Rounded size to announce while the exact one is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approx_bytes: Option<u64>,
    /// Trained or demo weights.
    pub kind: ModelKind,
    /// Numeric format of the file at `url` (of the weights made, for a seed).
    pub format: WeightsFormat,
    /// The eval transform fp32 weights expect (int8 files record their own); default:
    /// torchvision V1's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preprocessing: Option<Preprocessing>,
    /// One line on what the weights are, e.g. "torchvision V1 weights".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// SPDX license of the weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// A page about the weights, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// Reported ImageNet-1k top-1 accuracy, in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top1: Option<f32>,
}

/// Why a manifest cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ManifestError {
    /// Not the JSON a manifest is.
    #[error("the model manifest is malformed: {0}")]
    Malformed(String),
    /// An entry is neither a pinned file nor a seed.
    #[error("manifest entry “{name}”: {problem}")]
    Entry {
        /// The entry's name.
        name: String,
        /// What is wrong with it.
        problem: &'static str,
    },
}

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The models offered, in the order the page lists them.
    pub models: Vec<ModelEntry>,
    /// Where timm model ids resolve (default: the Hugging Face hub).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<String>,
}

impl ModelEntry {
    /// An entry for a file with a known digest and size.
    pub fn file(name: String, url: String, sha256: String, bytes: u64, kind: ModelKind, format: WeightsFormat) -> Self {
        Self {
            name,
            url: Some(url),
            seed: None,
            sha256: Some(sha256),
            bytes: Some(bytes),
            approx_bytes: None,
            kind,
            format,
            preprocessing: None,
            description: None,
            license: None,
            homepage: None,
            top1: None,
        }
    }

    fn check(&self) -> Result<(), ManifestError> {
        let problem = |problem| Err(ManifestError::Entry { name: self.name.clone(), problem });
        let pinned = self.sha256.as_deref().is_some_and(|d| d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit()));
        match (&self.url, self.seed) {
            (Some(_), Some(_)) => problem("give a url or a seed, not both"),
            (None, None) => problem("give a url or a seed"),
            (Some(_), None) if !pinned => problem("a url needs its sha256 (64 hex digits)"),
            (None, Some(_)) if self.kind != ModelKind::Demo => problem("only demo weights are made from a seed"),
            _ => Ok(()),
        }
    }
}

impl Manifest {
    /// Parses and checks a manifest: every entry is a pinned file or a demo seed.
    pub fn parse(json: &[u8]) -> Result<Self, ManifestError> {
        let mut manifest: Self = serde_json::from_slice(json).map_err(|err| ManifestError::Malformed(err.to_string()))?;
        manifest.models.iter().try_for_each(ModelEntry::check)?;
        // Digests are compared as computed: lower-case hex.
        manifest.models.iter_mut().for_each(|m| m.sha256 = m.sha256.take().map(|d| d.to_ascii_lowercase()));
        if manifest.models.is_empty() {
            return Err(ManifestError::Malformed("it lists no model".into()));
        }
        Ok(manifest)
    }

    /// The entry a first visit loads: the first pretrained one, else the first.
    pub fn default_entry(&self) -> &ModelEntry {
        self.models.iter().find(|m| m.kind == ModelKind::Pretrained).unwrap_or(&self.models[0])
    }

    /// The entry loaded when the default cannot be: the first demo one.
    pub fn fallback_entry(&self) -> Option<&ModelEntry> {
        self.models.iter().find(|m| m.kind == ModelKind::Demo)
    }

    /// Where timm ids resolve.
    pub fn hub(&self) -> &str {
        self.hub.as_deref().unwrap_or(DEFAULT_HUB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_manifest_pins_torchvision_v1_and_falls_back_to_a_seed() {
        let manifest = Manifest::parse(include_bytes!("../../public/models/manifest.json")).unwrap();
        let default = manifest.default_entry();
        assert_eq!(default.kind, ModelKind::Pretrained);
        assert!(default.url.as_deref().unwrap().contains("/resolve/aa6c2d36d56bc0209040c02b5a7b7d7bf11d57b8/"), "a pinned revision");
        assert_eq!(default.sha256.as_deref(), Some("5d061a3c593d795bfe682d9b152bafbcf550579873492def3515b46db1189888"));
        assert_eq!(default.preprocessing, Some(Preprocessing::default()));
        assert_eq!(manifest.fallback_entry().unwrap().seed, Some(0));
    }

    #[test]
    fn entries_must_be_pinned_files_or_seeds() {
        let entry = |fields: &str| format!(r#"{{"models": [{{"name": "x", "kind": "demo", "format": "fp32"{fields}}}]}}"#);
        assert!(Manifest::parse(entry(r#", "seed": 3"#).as_bytes()).is_ok());
        assert!(Manifest::parse(entry(&format!(r#", "url": "a", "sha256": "{}""#, "0".repeat(64))).as_bytes()).is_ok());
        let upper = Manifest::parse(entry(&format!(r#", "url": "a", "sha256": "{}""#, "AB".repeat(32))).as_bytes()).unwrap();
        assert_eq!(upper.models[0].sha256.as_deref(), Some("ab".repeat(32).as_str()), "digests are compared in lower case");
        for bad in ["", r#", "url": "a""#, r#", "url": "a", "sha256": "ABC""#, r#", "url": "a", "seed": 1"#] {
            assert!(matches!(Manifest::parse(entry(bad).as_bytes()), Err(ManifestError::Entry { .. })), "{bad}");
        }
        assert!(matches!(Manifest::parse(b"{\"models\": []}"), Err(ManifestError::Malformed(_))));
    }
}
