//! What the page can load, turned into worker sources: the site's manifest, a URL, or a
//! timm model id (its `config.json` read from the hub for the preprocessing).

use super::status::Provenance;
use crate::model::manifest::{Manifest, ManifestError};
use crate::model::timm::{CONFIG_FILE, TimmError, TimmId, WEIGHTS_FILE, read_config};
use crate::web::platform::download::{DownloadError, JSON_LIMIT, download};
use crate::web::platform::scope::absolute_url;
use crate::web::worker::{ModelSource, cache_key};

/// Where the page finds its manifest, relative to itself.
pub const MANIFEST_URL: &str = "models/manifest.json";

/// A model the user chose, as remembered for the next visit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Choice {
    /// What to load (a cached copy is used when there is one, so offline too).
    pub source: ModelSource,
    /// What it is, for the banner.
    pub provenance: Provenance,
}

impl Choice {
    /// The Cache Storage key its model is kept under.
    pub fn cache_key(&self) -> String {
        page_cache_key(&self.source)
    }
}

/// The Cache Storage key of `source`'s int8 copy, its URL resolved against the page.
pub fn page_cache_key(source: &ModelSource) -> String {
    cache_key(&absolute_url(&source.url))
}

/// localStorage key of the remembered [`Choice`].
pub const CHOICE_KEY: &str = "transfer-studio.model";

/// Why the page has no manifest, or no model for what the user typed.
#[derive(Debug, thiserror::Error)]
pub enum SourceListError {
    /// The site's manifest could not be downloaded.
    #[error(transparent)]
    Download(#[from] DownloadError),
    /// It downloaded but is not a valid manifest.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A timm model's `config.json` could not be downloaded.
    #[error("{id}: {reason}")]
    HubDownload {
        /// The model id.
        id: String,
        /// Why.
        reason: DownloadError,
    },
    /// It is not a ResNet50 config this app reads.
    #[error("{id}: {reason}")]
    HubConfig {
        /// The model id.
        id: String,
        /// Why.
        reason: TimmError,
    },
}

/// The site's model manifest.
pub async fn fetch_manifest() -> Result<Manifest, SourceListError> {
    let bytes = download(MANIFEST_URL, JSON_LIMIT, |_, _| {}).await?;
    Ok(Manifest::parse(&bytes)?)
}

/// What the user typed in the model field: an `http(s)` URL of weights, or a timm model id
/// (`timm/resnet50.a1_in1k[@revision]`, or its page on `hub`) resolved on `hub`.
pub async fn resolve(text: &str, hub: &str) -> Result<Choice, SourceListError> {
    let text = text.trim();
    let Some(id) = TimmId::from_page_url(text, hub).or_else(|| TimmId::parse(text)) else {
        return Ok(Choice { source: ModelSource::from_url(text.to_string()), provenance: Provenance::Url });
    };
    let config_url = id.file_url(hub, CONFIG_FILE);
    let config = download(&config_url, JSON_LIMIT, |_, _| {}).await.map_err(|reason| SourceListError::HubDownload { id: id.to_string(), reason })?;
    let model = read_config(&config).map_err(|reason| SourceListError::HubConfig { id: id.to_string(), reason })?;
    let mut source = ModelSource::from_url(id.file_url(hub, WEIGHTS_FILE));
    source.name = id.to_string();
    source.preprocessing = Some(model.preprocessing);
    Ok(Choice { source, provenance: Provenance::Hub })
}
