//! A share link: the trained head and its class names in the address's fragment (never
//! sent to a server), for a page that has the same backbone. Each head row is quantized to
//! int8 with its own scale, the whole deflated and written base64url:
//! `#share=<payload>`. About 2.4 KB of link per class.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use serde::{Deserialize, Serialize};

use crate::model::arch::FEATURE_DIM;
use crate::model::quant::QuantizedLayer;
use crate::train::head::HeadWeights;

/// The fragment's key: `#share=<payload>`.
pub const FRAGMENT_KEY: &str = "share=";
/// The first byte of every payload; bumped on any incompatible change.
const VERSION: u8 = 1;
/// Most classes a link may carry (the project's own limit is far above what a link holds).
pub const MAX_CLASSES: usize = 256;
/// Longest class name accepted from a link, in characters.
const MAX_NAME: usize = 80;
/// Longest link payload accepted, in characters (8 MB of address is past what browsers keep).
pub const MAX_PAYLOAD: usize = 2 << 20;

/// Why a share link could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ShareError {
    /// Not base64url, not deflate, too long, or cut short.
    #[error("the link is damaged or incomplete ({0})")]
    Damaged(String),
    /// Written by a newer version of the app.
    #[error("the link was made by another version of Transfer Studio (format {0}, this page reads {VERSION})")]
    Version(u8),
    /// Parsed, but does not describe a head.
    #[error("the link does not hold a classifier: {0}")]
    Invalid(String),
}

/// What a link carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedHead {
    /// SHA-256 (hex) of the backbone's fp32 source, as projects record it.
    pub backbone: String,
    /// Class names, in the head's row order.
    pub classes: Vec<String>,
    /// Top probabilities below this are "not sure" (0: always an answer).
    pub not_sure_below: f32,
    /// One scale per row.
    scale: Vec<f32>,
    /// `[classes, 2048]`, int8.
    weight: Vec<i8>,
    /// One per class.
    bias: Vec<f32>,
}

impl SharedHead {
    /// `head` with its rows quantized, to write into a link.
    pub fn new(head: &HeadWeights, classes: Vec<String>, backbone: String, not_sure_below: f32) -> Self {
        let rows = QuantizedLayer::quantize(&head.weight, head.bias.clone(), vec![head.classes(), FEATURE_DIM]);
        Self { backbone, classes, not_sure_below, scale: rows.scale, weight: rows.weight, bias: rows.bias }
    }

    /// The head the link carries (rows dequantized).
    pub fn head(&self) -> HeadWeights {
        let rows =
            QuantizedLayer { weight: self.weight.clone(), scale: self.scale.clone(), bias: self.bias.clone(), shape: vec![self.classes.len(), FEATURE_DIM] };
        HeadWeights { weight: rows.dequantize(), bias: rows.bias }
    }

    /// The fragment's payload (what follows `#share=`).
    pub fn to_payload(&self) -> String {
        let mut deflate = DeflateEncoder::new(vec![VERSION], Compression::best());
        deflate.write_all(&postcard::to_allocvec(self).expect("a head serializes")).expect("writing to memory");
        URL_SAFE_NO_PAD.encode(deflate.finish().expect("writing to memory"))
    }

    /// Reads and checks a payload.
    pub fn from_payload(payload: &str) -> Result<Self, ShareError> {
        if payload.len() > MAX_PAYLOAD {
            return Err(ShareError::Damaged(format!("{} characters, at most {MAX_PAYLOAD} are read", payload.len())));
        }
        let bytes = URL_SAFE_NO_PAD.decode(payload.trim()).map_err(|e| ShareError::Damaged(e.to_string()))?;
        let (&version, deflated) = bytes.split_first().ok_or_else(|| ShareError::Damaged("empty".into()))?;
        if version != VERSION {
            return Err(ShareError::Version(version));
        }
        // A head of MAX_CLASSES rows is under 600 KB: more inflated is not a link of ours.
        let limit = (MAX_CLASSES * (FEATURE_DIM + 16 + MAX_NAME * 4) + 1024) as u64;
        let mut raw = Vec::new();
        DeflateDecoder::new(deflated).take(limit + 1).read_to_end(&mut raw).map_err(|e| ShareError::Damaged(e.to_string()))?;
        if raw.len() as u64 > limit {
            return Err(ShareError::Damaged("it inflates past any head's size".into()));
        }
        let shared: Self = postcard::from_bytes(&raw).map_err(|e| ShareError::Damaged(e.to_string()))?;
        shared.problem().map_or(Ok(shared), |p| Err(ShareError::Invalid(p)))
    }

    fn problem(&self) -> Option<String> {
        let k = self.classes.len();
        if !(2..=MAX_CLASSES).contains(&k) {
            return Some(format!("{k} classes (2 to {MAX_CLASSES} can be shared)"));
        }
        if self.classes.iter().any(|c| c.trim().is_empty() || c.chars().count() > MAX_NAME) {
            return Some(format!("a class name is empty or longer than {MAX_NAME} characters"));
        }
        if self.scale.len() != k || self.bias.len() != k || self.weight.len() != k * FEATURE_DIM {
            return Some("its weights do not match its classes".into());
        }
        if self.scale.iter().chain(&self.bias).any(|v| !v.is_finite()) || self.scale.iter().any(|s| *s < 0.0) || !(0.0..=1.0).contains(&self.not_sure_below) {
            return Some("a weight or the threshold is out of range".into());
        }
        if self.backbone.len() != 64 || !self.backbone.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Some("its backbone is not named by a SHA-256".into());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use rand_distr::{Distribution, Normal};

    use super::*;

    fn head(classes: usize, seed: u64) -> HeadWeights {
        let mut rng = StdRng::seed_from_u64(seed);
        let normal = Normal::new(0.0f32, 0.02).unwrap();
        HeadWeights {
            weight: (0..classes * FEATURE_DIM).map(|_| normal.sample(&mut rng)).collect(),
            bias: (0..classes).map(|_| normal.sample(&mut rng)).collect(),
        }
    }

    fn shared(classes: usize) -> SharedHead {
        let names = (0..classes).map(|i| format!("class {i}")).collect();
        SharedHead::new(&head(classes, 7), names, "ab".repeat(32), 0.6)
    }

    #[test]
    fn a_link_round_trips_and_predicts_as_the_head() {
        let original = head(5, 7);
        let link = shared(5).to_payload();
        let read = SharedHead::from_payload(&link).unwrap();
        assert_eq!(read, shared(5));
        let restored = read.head();
        let mut rng = StdRng::seed_from_u64(1);
        let relu = Normal::new(0.5f32, 0.5).unwrap();
        for _ in 0..200 {
            let x: Vec<f32> = (0..FEATURE_DIM).map(|_| relu.sample(&mut rng).max(0.0)).collect();
            let (a, b) = (original.probabilities(&x), restored.probabilities(&x));
            assert!(a.iter().zip(&b).all(|(p, q)| (p - q).abs() < 5e-3), "{a:?} vs {b:?}");
        }
        println!("link: {} characters for 5 classes", link.len());
    }

    #[test]
    fn damaged_links_are_refused_with_a_reason() {
        let link = shared(3).to_payload();
        assert!(matches!(SharedHead::from_payload(&link[..link.len() / 2]), Err(ShareError::Damaged(_))));
        assert!(matches!(SharedHead::from_payload("not base64 at all!"), Err(ShareError::Damaged(_))));
        assert!(matches!(SharedHead::from_payload(""), Err(ShareError::Damaged(_))));
        let mut other = URL_SAFE_NO_PAD.decode(&link).unwrap();
        other[0] = 9;
        assert_eq!(SharedHead::from_payload(&URL_SAFE_NO_PAD.encode(other)), Err(ShareError::Version(9)));
        let mut one_class = shared(3);
        one_class.classes.truncate(1);
        assert!(matches!(SharedHead::from_payload(&one_class.to_payload()), Err(ShareError::Invalid(_))));
        let mut bad_scale = shared(3);
        bad_scale.scale[1] = f32::NAN;
        assert!(matches!(SharedHead::from_payload(&bad_scale.to_payload()), Err(ShareError::Invalid(_))));
    }

    #[test]
    fn a_deflate_bomb_is_stopped_at_the_size_of_a_head() {
        let mut deflate = DeflateEncoder::new(vec![VERSION], Compression::best());
        deflate.write_all(&vec![0u8; 64 << 20]).unwrap();
        let payload = URL_SAFE_NO_PAD.encode(deflate.finish().unwrap());
        assert!(matches!(SharedHead::from_payload(&payload), Err(ShareError::Damaged(_))));
    }
}
