//! Getting a model's int8 bytes: from Cache Storage when a verified copy is there, else
//! downloaded (byte progress, SHA-256 checked, cancellable) or, for demo weights, made
//! here from their seed; fp32 weights are quantized here once. Nothing is cached until the
//! caller has loaded it successfully, so a corrupt download, a wrong digest or a file of
//! another architecture never leaves a poisoned entry.

use crate::model::demo::demo_weights;
use crate::model::manifest::ModelEntry;
use crate::model::quant::{is_int8, quantize_torchvision, source_digest};
use crate::vision::preprocess::Preprocessing;
use crate::web::platform::digest::sha256_hex_native;

use super::model_cache;
use crate::web::platform::download::{DownloadError, WEIGHTS_LIMIT, download};
use crate::web::platform::scope::{BrowserError, yield_to_browser};

/// Why a model's bytes could not be had.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourceError {
    /// The download failed or was cancelled.
    #[error(transparent)]
    Download(#[from] DownloadError),
    /// The bytes do not hash to the pinned digest.
    #[error("digest mismatch: the download is corrupt or incomplete ({bytes} bytes, sha256 {digest}, expected {expected})")]
    Digest {
        /// How many bytes came.
        bytes: usize,
        /// What they hash to.
        digest: String,
        /// What the source pins.
        expected: String,
    },
    /// fp32 weights that could not be quantized (the core's words).
    #[error("{0}")]
    Quantize(String),
    /// A stale cached copy could not be removed.
    #[error(transparent)]
    Cache(#[from] BrowserError),
}

/// Where a model's bytes can be fetched (or how they are made), and what they must hash to.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ModelSource {
    /// Shown to the user.
    pub name: String,
    /// Where the file is (absolute once it reaches the worker); for weights made from a
    /// seed, only the key their int8 copy is cached under.
    pub url: String,
    /// SHA-256 of the file at `url`; `None` for a URL the user typed.
    pub sha256: Option<String>,
    /// The file's size, where known before the download says.
    pub expected_bytes: Option<u64>,
    /// A rounded size to announce while the exact one is unknown.
    pub approx_bytes: Option<u64>,
    /// The eval transform fp32 weights expect (default: torchvision V1's).
    pub preprocessing: Option<Preprocessing>,
    /// Demo weights made here from this seed instead of downloaded (a manifest entry has
    /// a url or a seed, never both).
    pub seed: Option<u64>,
}

impl ModelSource {
    /// A URL the user typed: no digest to check against.
    pub fn from_url(url: String) -> Self {
        Self { name: url.clone(), url, sha256: None, expected_bytes: None, approx_bytes: None, preprocessing: None, seed: None }
    }
}

impl From<&ModelEntry> for ModelSource {
    fn from(entry: &ModelEntry) -> Self {
        let url = match (&entry.url, entry.seed) {
            (Some(url), _) => url.clone(),
            (None, seed) => format!("models/resnet50-demo-seed-{}.safetensors", seed.unwrap_or_default()),
        };
        Self {
            name: entry.name.clone(),
            url,
            sha256: entry.sha256.clone(),
            expected_bytes: entry.bytes,
            approx_bytes: entry.approx_bytes,
            preprocessing: entry.preprocessing.clone(),
            seed: entry.seed,
        }
    }
}

/// Int8 model bytes ready to load, and where they came from.
pub struct Obtained {
    /// The int8 model file.
    pub int8: Vec<u8>,
    /// Read from Cache Storage.
    pub from_cache: bool,
    /// Cache Storage key to store them under once they load.
    pub cache_key: String,
}

/// Progress the UI shows while a model is obtained.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Stage {
    /// Bytes received so far, of `total` where known.
    Downloading {
        /// Bytes received.
        received: u64,
        /// Bytes expected.
        total: Option<u64>,
    },
    /// Making demo weights from their seed (no download).
    MakingDemo,
    /// Turning fp32 weights into the int8 model (once; the result is cached).
    Quantizing,
    /// Building the model on the device and warming it up (after obtaining it).
    Preparing,
}

/// The cache key of an absolute source URL: the URL with a marker, so a cached int8 copy of
/// an fp32 file is never mistaken for the file itself.
pub fn cache_key(absolute_url: &str) -> String {
    let separator = if absolute_url.contains('?') { '&' } else { '?' };
    format!("{absolute_url}{separator}transfer-studio=int8-v1")
}

/// A cached copy is used only if it still matches its source: the digest it records of the
/// weights it was made from (read first: it needs no hashing), else its own.
async fn cached_copy_matches(int8: &[u8], source: &ModelSource) -> bool {
    let Some(expected) = &source.sha256 else { return is_int8(int8) };
    is_int8(int8) && (source_digest(int8).as_deref() == Some(expected.as_str()) || sha256_hex_native(int8).await == *expected)
}

/// The int8 bytes of `source`: a verified cached copy, else downloaded (or made from its
/// seed), checked against its digest and, if fp32, quantized; `stage` hears the progress.
pub async fn obtain(source: &ModelSource, mut stage: impl FnMut(Stage)) -> Result<Obtained, SourceError> {
    let cache_key = cache_key(&source.url);
    match model_cache::get(&cache_key).await {
        Ok(Some(int8)) if cached_copy_matches(&int8, source).await => return Ok(Obtained { int8, from_cache: true, cache_key }),
        Ok(Some(_)) => {
            model_cache::delete(&cache_key).await?;
        }
        Ok(None) | Err(_) => {}
    }
    let bytes = match source.seed {
        Some(seed) => {
            stage(Stage::MakingDemo);
            yield_to_browser().await;
            demo_weights(seed, &burn::tensor::Device::flex())
        }
        None => {
            let progress = |received, total: Option<u64>| stage(Stage::Downloading { received, total: total.or(source.expected_bytes) });
            download(&source.url, source.expected_bytes.unwrap_or(WEIGHTS_LIMIT), progress).await?
        }
    };
    // Hashed once: checked against the pin, and recorded in the int8 copy of fp32 weights.
    let digest = if source.sha256.is_some() || !is_int8(&bytes) { Some(sha256_hex_native(&bytes).await) } else { None };
    if let (Some(expected), Some(digest)) = (&source.sha256, &digest)
        && digest != expected
    {
        return Err(SourceError::Digest { bytes: bytes.len(), digest: digest.clone(), expected: expected.clone() });
    }
    let int8 = match digest {
        Some(digest) if !is_int8(&bytes) => {
            stage(Stage::Quantizing);
            yield_to_browser().await;
            quantize_torchvision(bytes, digest, source.preprocessing.clone().unwrap_or_default()).map_err(|err| SourceError::Quantize(err.to_string()))?
        }
        _ => bytes,
    };
    Ok(Obtained { int8, from_cache: false, cache_key })
}
