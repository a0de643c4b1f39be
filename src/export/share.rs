//! A share link: the trained head and its class names in the address's fragment (never
//! sent to a server), for a page that has the same backbone. The head's weights are written
//! as f16, or quantized to int8 or int4 (to fit more classes, or a QR code), each block of
//! 32 with its own f16 scale; the whole deflated and written base64url:
//! `#share=<payload>`. About 5 KB of link per class in f16, 2.9 KB in int8, 1.6 KB in int4.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use half::f16;
use serde::{Deserialize, Serialize};

use crate::model::arch::FEATURE_DIM;
use crate::train::head::HeadWeights;
use crate::train::project::{ClassInfo, Project, TrainedHead, TrainingRecord};
use crate::train::trainer::TrainSettings;

/// Weights that share a scale: a trained head's rows are heavy-tailed, so one scale a row
/// would leave most of its weights a level or two.
const BLOCK: usize = 32;
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
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
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

/// How finely the head's weights are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Bits {
    /// f16: probabilities as the head's to about a thousandth.
    Sixteen,
    /// int8, a scale per block: within a few hundredths where features run large.
    Eight,
    /// int4, a scale per block, two to a byte: for a QR code, at more cost in agreement.
    Four,
}

impl Bits {
    /// The largest level's magnitude (quantized widths).
    fn levels(self) -> f32 {
        match self {
            Bits::Sixteen => f32::INFINITY,
            Bits::Eight => 127.0,
            Bits::Four => 7.0,
        }
    }

    /// Bytes a row of `FEATURE_DIM` weights takes.
    fn row_bytes(self) -> usize {
        match self {
            Bits::Sixteen => FEATURE_DIM * 2,
            Bits::Eight => FEATURE_DIM,
            Bits::Four => FEATURE_DIM / 2,
        }
    }

    /// Scales a row carries.
    fn row_scales(self) -> usize {
        if self == Bits::Sixteen { 0 } else { FEATURE_DIM / BLOCK }
    }
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
    /// How the rows are written.
    bits: Bits,
    /// One scale per [`BLOCK`] weights of a row, as f16 bits.
    scale: Vec<u16>,
    /// `[classes, 2048]` levels: an `i8` each, or two `i4` a byte (low nibble first, offset 8).
    weight: Vec<u8>,
    /// One per class.
    bias: Vec<f32>,
}

impl SharedHead {
    /// `head` with its rows quantized to `bits`, to write into a link.
    pub fn new(head: &HeadWeights, classes: Vec<String>, backbone: String, not_sure_below: f32, bits: Bits) -> Self {
        let levels = bits.levels();
        let mut scale = Vec::with_capacity(head.classes() * bits.row_scales());
        let mut weight = Vec::with_capacity(head.classes() * bits.row_bytes());
        if bits == Bits::Sixteen {
            weight.extend(head.weight.iter().flat_map(|&w| f16::from_f32(w.clamp(-f16::MAX.to_f32(), f16::MAX.to_f32())).to_le_bytes()));
        }
        for block in head.weight.chunks_exact(BLOCK).filter(|_| bits != Bits::Sixteen) {
            let s = f16::from_f32(block_scale(block, levels).min(f16::MAX.to_f32()));
            let step = s.to_f32();
            let q = block.iter().map(|w| if step > 0.0 { (w / step).round().clamp(-levels, levels) as i8 } else { 0 });
            match bits {
                Bits::Sixteen | Bits::Eight => weight.extend(q.map(|v| v as u8)),
                Bits::Four => {
                    let q: Vec<u8> = q.map(|v| (v + 8) as u8).collect();
                    weight.extend(q.chunks_exact(2).map(|pair| pair[0] | pair[1] << 4));
                }
            }
            scale.push(s.to_bits());
        }
        Self { backbone, classes, not_sure_below, bits, scale, weight, bias: head.bias.clone() }
    }

    /// A project's current head, or why it cannot be shared.
    pub fn from_project(project: &Project, bits: Bits) -> Result<Self, ShareError> {
        let head = project.current_head().ok_or_else(|| ShareError::Invalid("train the classifier first".into()))?;
        let backbone = project.backbone.clone().ok_or_else(|| ShareError::Invalid("the project does not name its backbone".into()))?;
        let classes = project.class_names(&head.record.class_ids);
        let shared = Self::new(&head.weights, classes, backbone, head.not_sure_below(), bits);
        shared.problem().map_or(Ok(shared), |p| Err(ShareError::Invalid(p)))
    }

    /// A project holding the shared head: its classes, no examples, the backbone named.
    pub fn project(&self) -> Project {
        let classes: Vec<ClassInfo> = self.classes.iter().zip(0..).map(|(name, id)| ClassInfo { id, name: name.clone() }).collect();
        let record = TrainingRecord {
            class_ids: classes.iter().map(|c| c.id).collect(),
            settings: TrainSettings::default(),
            validation_ids: Vec::new(),
            history: Vec::new(),
            evaluation: None,
            few_shot: false,
            from_link: true,
            not_sure_below: Some(self.not_sure_below),
        };
        Project {
            classes,
            examples: Vec::new(),
            settings: TrainSettings::default(),
            backbone: Some(self.backbone.clone()),
            head: Some(TrainedHead { weights: self.head(), record }),
        }
    }

    /// How the rows are written.
    pub fn bits(&self) -> Bits {
        self.bits
    }

    /// The head the link carries (rows dequantized).
    pub fn head(&self) -> HeadWeights {
        let block_bytes = self.bits.row_bytes() / (FEATURE_DIM / BLOCK);
        let blocks = self.weight.chunks_exact(block_bytes).zip(self.scale.iter().map(|&s| f16::from_bits(s).to_f32()));
        let weight = match self.bits {
            Bits::Sixteen => self.weight.chunks_exact(2).map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
            Bits::Eight => blocks.flat_map(|(block, s)| block.iter().map(move |&q| f32::from(q as i8) * s)).collect(),
            Bits::Four => blocks.flat_map(|(block, s)| block.iter().flat_map(move |&b| [b & 15, b >> 4].map(|q| f32::from(q as i8 - 8) * s))).collect(),
        };
        HeadWeights { weight, bias: self.bias.clone() }
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
        if self.scale.len() != k * self.bits.row_scales() || self.bias.len() != k || self.weight.len() != k * self.bits.row_bytes() {
            return Some("its weights do not match its classes".into());
        }
        let out_of_range = match self.bits {
            Bits::Sixteen => self.weight.chunks_exact(2).any(|b| !f16::from_le_bytes([b[0], b[1]]).is_finite()),
            Bits::Eight => false,
            Bits::Four => self.weight.iter().any(|b| b & 15 == 0 || b >> 4 == 0),
        };
        let scales_ok = self.scale.iter().map(|&s| f16::from_bits(s)).all(|s| s.is_finite() && !s.is_sign_negative());
        if !scales_ok || self.bias.iter().any(|v| !v.is_finite()) || !(0.0..=1.0).contains(&self.not_sure_below) || out_of_range {
            return Some("a weight or the threshold is out of range".into());
        }
        if self.backbone.len() != 64 || !self.backbone.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Some("its backbone is not named by a SHA-256".into());
        }
        None
    }
}

/// The step that writes `block` with the least squared error: the largest weight over
/// `levels`, or a smaller step that clips the few largest (worth it at four bits).
fn block_scale(block: &[f32], levels: f32) -> f32 {
    let max = block.iter().fold(0.0f32, |m, w| m.max(w.abs()));
    if max == 0.0 {
        return 0.0;
    }
    let error = |s: f32| block.iter().map(|w| (w - (w / s).round().clamp(-levels, levels) * s).powi(2)).sum::<f32>();
    (5..=10).map(|tenths| max * tenths as f32 / 10.0 / levels).min_by(|a, b| error(*a).total_cmp(&error(*b))).unwrap_or(max / levels)
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
        SharedHead::new(&head(classes, 7), names, "ab".repeat(32), 0.6, Bits::Eight)
    }

    #[test]
    fn a_link_round_trips_and_predicts_as_the_head() {
        let original = head(5, 7);
        for (bits, tolerance) in [(Bits::Sixteen, 1e-4), (Bits::Eight, 5e-3)] {
            let names = (0..5).map(|i| format!("class {i}")).collect();
            let shared = SharedHead::new(&original, names, "ab".repeat(32), 0.6, bits);
            let link = shared.to_payload();
            let read = SharedHead::from_payload(&link).unwrap();
            assert_eq!(read, shared);
            let restored = read.head();
            let mut rng = StdRng::seed_from_u64(1);
            let relu = Normal::new(0.5f32, 0.5).unwrap();
            for _ in 0..200 {
                let x: Vec<f32> = (0..FEATURE_DIM).map(|_| relu.sample(&mut rng).max(0.0)).collect();
                let (a, b) = (original.probabilities(&x), restored.probabilities(&x));
                assert!(a.iter().zip(&b).all(|(p, q)| (p - q).abs() < tolerance), "{bits:?}: {a:?} vs {b:?}");
            }
            println!("{bits:?} link: {} characters for 5 classes", link.len());
        }
    }

    #[test]
    fn a_four_bit_link_is_shorter_and_keeps_the_answers() {
        let original = head(5, 7);
        let names: Vec<String> = (0..5).map(|i| format!("class {i}")).collect();
        let compact = SharedHead::new(&original, names, "ab".repeat(32), 0.6, Bits::Four);
        let link = compact.to_payload();
        let read = SharedHead::from_payload(&link).unwrap();
        assert_eq!(read.bits(), Bits::Four);
        let restored = read.head();
        let mut rng = StdRng::seed_from_u64(2);
        let relu = Normal::new(0.5f32, 0.5).unwrap();
        let (mut worst, mut same) = (0.0f32, 0);
        for _ in 0..200 {
            let x: Vec<f32> = (0..FEATURE_DIM).map(|_| relu.sample(&mut rng).max(0.0)).collect();
            let (a, b) = (original.probabilities(&x), restored.probabilities(&x));
            worst = a.iter().zip(&b).fold(worst, |m, (p, q)| m.max((p - q).abs()));
            same += usize::from(top(&a) == top(&b));
        }
        // A random head's classes are all but tied, the hardest case for its top-1: the
        // agreement on a trained head is measured in tests/export.rs.
        assert!(worst < 0.05, "max |Δp| {worst}, same top-1 {same}/200");
        assert!(link.len() * 10 < shared(5).to_payload().len() * 6, "{} characters", link.len());
        println!("four-bit link: {} characters for 5 classes, max |Δp| {worst}, same top-1 {same}/200", link.len());
    }

    fn top(p: &[f32]) -> usize {
        p.iter().enumerate().fold(0, |best, (i, v)| if *v > p[best] { i } else { best })
    }

    #[test]
    fn a_shared_project_shares_the_same_link() {
        let shared = shared(4);
        let project = shared.project();
        assert!(project.examples.is_empty() && project.current_head().is_some_and(|h| h.record.from_link));
        assert_eq!(project.current_head().unwrap().not_sure_below(), 0.6);
        let again = SharedHead::from_project(&project, Bits::Eight).unwrap();
        assert_eq!(again, shared);
        let bytes = project.to_bytes();
        assert_eq!(Project::from_bytes(&bytes).unwrap(), project, "it saves and loads as any project");
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
        bad_scale.scale[1] = f16::NAN.to_bits();
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
