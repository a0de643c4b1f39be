//! `--weights` beyond a local file: an `http(s)://` URL or a timm model id
//! (`timm/resnet50.a1_in1k[@revision]`, resolved on `--hub`), downloaded once with a progress
//! line into the user's cache directory (`$XDG_CACHE_HOME/transfer-studio/downloads`), checked
//! against the digest the app's manifest pins for that URL, then used like a file. Bytes go to
//! a `.part` file renamed only once complete and checked, so an interrupted or refused
//! download leaves no cache file.

use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use burn::tensor::Device;
use sha2::{Digest, Sha256};
use transfer_studio::engine::Classifier;
use transfer_studio::model::digest::{sha256_hex, to_hex};
use transfer_studio::model::manifest::Manifest;
use transfer_studio::model::timm::{CONFIG_FILE, TimmId, WEIGHTS_FILE, read_config};
use transfer_studio::vision::preprocess::Preprocessing;

/// Largest download accepted (ResNet50 in fp32 is about 102 MB).
const MAX_BYTES: u64 = 1 << 30;
/// The manifest the app ships: its pinned URLs are checked against their digests here too.
const SHIPPED_MANIFEST: &[u8] = include_bytes!("../../../public/models/manifest.json");

/// Weights ready to read, and the eval transform their source names (timm configs do).
pub struct Weights {
    /// A local file.
    pub path: PathBuf,
    /// The preprocessing to use instead of the file's own or the default.
    pub preprocessing: Option<Preprocessing>,
}

impl Weights {
    /// The file's bytes and the classifier they make on `device`, with the source's preprocessing.
    pub fn classifier(&self, device: &Device) -> Result<(Classifier, Vec<u8>)> {
        let bytes = std::fs::read(&self.path).with_context(|| format!("reading {}", self.path.display()))?;
        let mut classifier = Classifier::from_weights(&bytes, device).with_context(|| format!("{}", self.path.display()))?;
        if let Some(preprocessing) = &self.preprocessing {
            classifier.set_preprocessing(preprocessing.clone());
        }
        Ok((classifier, bytes))
    }
}

/// How `--weights` downloads: where timm ids resolve, and the digest the user pinned.
pub struct Fetch {
    /// `{hub}/{repo}/resolve/{revision}/{file}`.
    pub hub: String,
    /// SHA-256 the weights download must have (else the manifest's pin, if any).
    pub sha256: Option<String>,
}

impl Fetch {
    /// A local path, a URL or a timm model id, as a local file.
    pub fn weights(&self, arg: &str) -> Result<Weights> {
        let local = |path: &str| Weights { path: PathBuf::from(path), preprocessing: None };
        if Path::new(arg).exists() {
            return Ok(local(arg));
        }
        let id = TimmId::from_page_url(arg, &self.hub);
        if id.is_none() && (arg.starts_with("https://") || arg.starts_with("http://")) {
            return Ok(Weights { path: cached_download(arg, self.pin(arg))?, preprocessing: None });
        }
        let Some(id) = id.or_else(|| TimmId::parse(arg)) else { return Ok(local(arg)) };
        let config = std::fs::read(cached_download(&id.file_url(&self.hub, CONFIG_FILE), None)?)?;
        let model = read_config(&config).with_context(|| id.to_string())?;
        let url = id.file_url(&self.hub, WEIGHTS_FILE);
        Ok(Weights { path: cached_download(&url, self.pin(&url))?, preprocessing: Some(model.preprocessing) })
    }

    fn pin(&self, url: &str) -> Option<String> {
        self.sha256.clone().map(|d| d.to_ascii_lowercase()).or_else(|| pinned_digest(url))
    }
}

/// The SHA-256 the shipped manifest pins for `url`, if it lists it.
fn pinned_digest(url: &str) -> Option<String> {
    let manifest = Manifest::parse(SHIPPED_MANIFEST).ok()?;
    manifest.models.into_iter().find(|m| m.url.as_deref() == Some(url)).and_then(|m| m.sha256)
}

fn cache_dir() -> Result<PathBuf> {
    Ok(dirs::cache_dir().context("no cache directory (set XDG_CACHE_HOME)")?.join("transfer-studio").join("downloads"))
}

/// `url`'s file in the cache, downloaded first if it is not there (or does not match `pinned`).
fn cached_download(url: &str, pinned: Option<String>) -> Result<PathBuf> {
    let key = sha256_hex(url.as_bytes())[..16].to_string();
    let name = url.rsplit('/').next().filter(|n| !n.is_empty() && !n.starts_with('.')).unwrap_or("download");
    let dir = cache_dir()?.join(key);
    let path = dir.join(name);
    if path.is_file() {
        match &pinned {
            Some(expected) if file_digest(&path)? != *expected => std::fs::remove_file(&path)?,
            _ => {
                eprintln!("using the cached copy of {url} ({})", path.display());
                return Ok(path);
            }
        }
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let part = dir.join(format!("{name}.part"));
    let digest = download(url, &part).inspect_err(|_| {
        let _ = std::fs::remove_file(&part);
    })?;
    if let Some(expected) = pinned.filter(|expected| *expected != digest) {
        std::fs::remove_file(&part)?;
        bail!("digest mismatch: {url} has sha256 {digest}, expected {expected}; nothing was kept");
    }
    std::fs::rename(&part, &path).with_context(|| format!("keeping {}", path.display()))?;
    Ok(path)
}

/// Streams `url` into `out` with a progress line, returning the bytes' SHA-256.
fn download(url: &str, out: &Path) -> Result<String> {
    let response = ureq::get(url).call().with_context(|| format!("downloading {url}"))?;
    let total = response.headers().get("content-length").and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if total.is_some_and(|total| total > MAX_BYTES) {
        bail!("{url} is {} MB; at most {} MB is downloaded", total.unwrap_or_default() / 1_000_000, MAX_BYTES / 1_000_000);
    }
    let mut body = response.into_body().into_with_config().limit(MAX_BYTES).reader();
    let mut file = File::create(out).with_context(|| format!("writing {}", out.display()))?;
    let (mut hasher, mut received, mut buffer) = (Sha256::new(), 0u64, vec![0u8; 1 << 16]);
    let (started, mut shown) = (Instant::now(), Instant::now());
    let live = std::io::stderr().is_terminal();
    eprintln!("downloading {url}");
    loop {
        let read = body.read(&mut buffer).with_context(|| format!("downloading {url} (interrupted after {received} bytes)"))?;
        if read == 0 {
            break;
        }
        file.write_all(&buffer[..read])?;
        hasher.update(&buffer[..read]);
        received += read as u64;
        if live && shown.elapsed().as_millis() > 200 {
            eprint!("\r  {}", progress(received, total, started));
            shown = Instant::now();
        }
    }
    file.sync_all()?;
    eprintln!("{}  {}", if live { "\r" } else { "" }, progress(received, total, started));
    Ok(to_hex(&hasher.finalize()))
}

/// "12.3 of 102.5 MB · 4.1 MB/s".
fn progress(received: u64, total: Option<u64>, started: Instant) -> String {
    let mb = |bytes: u64| bytes as f64 / 1e6;
    let rate = mb(received) / started.elapsed().as_secs_f64().max(1e-3);
    match total {
        Some(total) => format!("{:.1} of {:.1} MB · {rate:.1} MB/s", mb(received), mb(total)),
        None => format!("{:.1} MB · {rate:.1} MB/s", mb(received)),
    }
}

fn file_digest(path: &Path) -> Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut File::open(path)?, &mut hasher)?;
    Ok(to_hex(&hasher.finalize()))
}
