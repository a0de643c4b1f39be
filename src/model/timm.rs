//! timm models on the Hugging Face hub: a model id (`timm/resnet50.a1_in1k`, optionally
//! `@revision`), where its files are (`{hub}/{repo}/resolve/{revision}/{file}`), and the
//! eval transform its `config.json` (`pretrained_cfg`) describes. Every `resnet50.*` tag
//! has torchvision's architecture and tensor names, so its `model.safetensors` loads as is.

use serde::Deserialize;

use crate::vision::preprocess::{CROP_RANGE, Interpolation, Preprocessing};

/// Where model ids resolve unless a manifest or the command line names another host.
pub const DEFAULT_HUB: &str = "https://huggingface.co";
/// The revision used when an id names none.
pub const DEFAULT_REVISION: &str = "main";
/// The weights file of a timm repo.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// The file holding `pretrained_cfg`.
pub const CONFIG_FILE: &str = "config.json";

/// A hub model: `owner/name` and a revision (branch, tag or commit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimmId {
    /// `owner/name`, e.g. `timm/resnet50.a1_in1k`.
    pub repo: String,
    /// Branch, tag or commit hash.
    pub revision: String,
}

/// Why a timm model cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TimmError {
    /// `config.json` is not the JSON timm writes.
    #[error("{CONFIG_FILE} is not a timm model config ({0})")]
    Malformed(String),
    /// Another architecture than ResNet50.
    #[error("the model's architecture is {0:?}; only resnet50 weights fit this app")]
    Architecture(String),
    /// A head with another number of classes than ImageNet-1k's.
    #[error("the model has {0} classes; only ImageNet-1k heads (1000 classes) are supported")]
    Classes(u64),
    /// A transform this app does not implement.
    #[error("the model's preprocessing is not supported: {0}")]
    Preprocessing(String),
}

impl TimmId {
    /// Reads `owner/name[@revision]` (an `hf-hub:` prefix is allowed). Anything that looks
    /// like a URL or a file path (`://`, a `.safetensors` or `.json` name) is not an id.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let text = text.strip_prefix("hf-hub:").unwrap_or(text);
        let (repo, revision) = match text.split_once('@') {
            Some((repo, revision)) => (repo, revision),
            None => (text, DEFAULT_REVISION),
        };
        let (owner, name) = repo.split_once('/')?;
        let valid = |part: &str| !part.is_empty() && !part.starts_with('.') && part.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        let looks_like_a_file = [".safetensors", ".json", ".pth", ".bin"].iter().any(|ext| name.ends_with(ext));
        if !valid(owner) || !valid(name) || !valid(revision) || looks_like_a_file {
            return None;
        }
        Some(Self { repo: repo.to_string(), revision: revision.to_string() })
    }

    /// A model page on `hub` as people copy it from the address bar —
    /// `{hub}/owner/name` or `{hub}/owner/name/tree/{revision}` — as an id.
    pub fn from_page_url(url: &str, hub: &str) -> Option<Self> {
        let path = url.trim().strip_prefix(hub.trim_end_matches('/'))?.strip_prefix('/')?.trim_end_matches('/');
        match path.split('/').collect::<Vec<_>>()[..] {
            [owner, name] => Self::parse(&format!("{owner}/{name}")),
            [owner, name, "tree", revision] => Self::parse(&format!("{owner}/{name}@{revision}")),
            _ => None,
        }
    }

    /// The URL of one of the repo's files on `hub` (no trailing slash needed).
    pub fn file_url(&self, hub: &str, file: &str) -> String {
        format!("{}/{}/resolve/{}/{file}", hub.trim_end_matches('/'), self.repo, self.revision)
    }
}

impl std::fmt::Display for TimmId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.repo, self.revision)
    }
}

#[derive(Deserialize)]
struct Config {
    architecture: String,
    num_classes: Option<u64>,
    pretrained_cfg: PretrainedCfg,
}

#[derive(Deserialize)]
struct PretrainedCfg {
    input_size: Vec<u32>,
    interpolation: Option<String>,
    crop_pct: Option<f64>,
    crop_mode: Option<String>,
    mean: [f32; 3],
    std: [f32; 3],
    num_classes: Option<u64>,
    license: Option<String>,
}

/// What a timm `config.json` says about its weights.
#[derive(Debug, Clone, PartialEq)]
pub struct TimmModel {
    /// The eval transform, as timm's `transforms_factory` builds it for eval.
    pub preprocessing: Preprocessing,
    /// The license named in the config, if any.
    pub license: Option<String>,
}

/// Reads a timm `config.json`: ResNet50 with 1000 classes, and the eval transform —
/// resize to `floor(crop / crop_pct)`, center crop, the config's filter, mean and std.
pub fn read_config(json: &[u8]) -> Result<TimmModel, TimmError> {
    let config: Config = serde_json::from_slice(json).map_err(|err| TimmError::Malformed(err.to_string()))?;
    let cfg = config.pretrained_cfg;
    if config.architecture != "resnet50" {
        return Err(TimmError::Architecture(config.architecture));
    }
    let classes = config.num_classes.or(cfg.num_classes).unwrap_or(1000);
    if classes != 1000 {
        return Err(TimmError::Classes(classes));
    }
    let unsupported = |what: String| Err(TimmError::Preprocessing(what));
    let crop = match cfg.input_size[..] {
        [3, height, width] if height == width && CROP_RANGE.contains(&width) => width,
        _ => return unsupported(format!("input size {:?} (a square RGB input of {}–{} pixels is)", cfg.input_size, CROP_RANGE.start(), CROP_RANGE.end())),
    };
    let name = cfg.interpolation.as_deref().unwrap_or("bilinear");
    let Some(interpolation) = Interpolation::from_name(name) else { return unsupported(format!("interpolation {name:?}")) };
    if let Some(mode) = cfg.crop_mode.as_deref().filter(|mode| *mode != "center") {
        return unsupported(format!("crop mode {mode:?} (only center crops are)"));
    }
    let crop_pct = cfg.crop_pct.unwrap_or(0.875);
    if !(crop_pct > 0.0 && crop_pct <= 1.0) {
        return unsupported(format!("crop_pct {crop_pct}"));
    }
    // timm: `scale_size = math.floor(img_size / crop_pct)`.
    let resize = (f64::from(crop) / crop_pct).floor().min(f64::from(u32::MAX)) as u32;
    let preprocessing = Preprocessing { resize, crop, mean: cfg.mean, std: cfg.std, interpolation };
    if let Some(problem) = preprocessing.problem() {
        return unsupported(problem);
    }
    Ok(TimmModel { preprocessing, license: cfg.license })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(architecture: &str, cfg: &str) -> Vec<u8> {
        format!(r#"{{"architecture": "{architecture}", "num_classes": 1000, "pretrained_cfg": {{{cfg}}}}}"#).into_bytes()
    }

    const A1: &str = r#""tag": "a1_in1k", "input_size": [3, 224, 224], "test_input_size": [3, 288, 288], "interpolation": "bicubic",
        "crop_pct": 0.95, "crop_mode": "center", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "num_classes": 1000"#;

    #[test]
    fn ids_parse_and_urls_follow_the_hub_layout() {
        let id = TimmId::parse("timm/resnet50.a1_in1k").unwrap();
        assert_eq!(id, TimmId { repo: "timm/resnet50.a1_in1k".into(), revision: "main".into() });
        assert_eq!(id.file_url("https://huggingface.co/", WEIGHTS_FILE), "https://huggingface.co/timm/resnet50.a1_in1k/resolve/main/model.safetensors");
        let pinned = TimmId::parse("hf-hub:timm/resnet50.tv_in1k@aa6c2d36").unwrap();
        assert_eq!(pinned.revision, "aa6c2d36");
        for not_an_id in ["https://x.org/a/b", "models/resnet50-demo-int8.safetensors", "resnet50", "a/b/c", "timm/../x", "timm/x@", "/x"] {
            assert_eq!(TimmId::parse(not_an_id), None, "{not_an_id}");
        }
    }

    #[test]
    fn model_pages_read_as_ids() {
        let hub = "https://huggingface.co";
        assert_eq!(TimmId::from_page_url("https://huggingface.co/timm/resnet50.a1_in1k", hub), TimmId::parse("timm/resnet50.a1_in1k"));
        assert_eq!(TimmId::from_page_url("https://huggingface.co/timm/resnet50.a1_in1k/tree/abc123/", hub), TimmId::parse("timm/resnet50.a1_in1k@abc123"));
        let file = "https://huggingface.co/timm/resnet50.a1_in1k/resolve/main/model.safetensors";
        assert_eq!(TimmId::from_page_url(file, hub), None, "a file URL stays a URL");
        assert_eq!(TimmId::from_page_url("https://example.org/timm/resnet50.a1_in1k", hub), None);
    }

    #[test]
    fn a1_config_gives_bicubic_235_224() {
        let model = read_config(&config("resnet50", A1)).unwrap();
        let p = model.preprocessing;
        assert_eq!((p.resize, p.crop, p.interpolation), (235, 224, Interpolation::Bicubic)); // floor(224 / 0.95) = 235
    }

    #[test]
    fn torchvision_config_gives_256_224_bilinear() {
        let tv = A1.replace("bicubic", "bilinear").replace("0.95", "0.875");
        assert_eq!(read_config(&config("resnet50", &tv)).unwrap().preprocessing, Preprocessing::default());
    }

    #[test]
    fn other_models_and_transforms_are_refused() {
        assert_eq!(read_config(&config("resnet50d", A1)), Err(TimmError::Architecture("resnet50d".into())));
        assert!(matches!(read_config(&config("resnet50", &A1.replace("center", "squash"))), Err(TimmError::Preprocessing(_))));
        assert!(matches!(read_config(&config("resnet50", &A1.replace("bicubic", "lanczos"))), Err(TimmError::Preprocessing(_))));
        assert!(matches!(read_config(&config("resnet50", &A1.replace("[3, 224, 224]", "[3, 224, 200]"))), Err(TimmError::Preprocessing(_))));
        assert!(matches!(read_config(&config("resnet50", &A1.replace("0.95", "0"))), Err(TimmError::Preprocessing(_))));
        let classes = String::from_utf8(config("resnet50", A1)).unwrap().replace(r#""num_classes": 1000"#, r#""num_classes": 11821"#);
        assert_eq!(read_config(classes.as_bytes()), Err(TimmError::Classes(11821)));
        assert!(matches!(read_config(b"{}"), Err(TimmError::Malformed(_))));
    }
}
