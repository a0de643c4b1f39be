//! Numbers as the page writes them.

use crate::model::manifest::ModelEntry;

/// Bytes as megabytes, one decimal ("25.7 MB").
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Bytes as megabytes, or gigabytes from 1 GB on ("10.8 GB").
pub fn size(bytes: u64) -> String {
    if bytes >= 1_000_000_000 { format!("{:.1} GB", bytes as f64 / 1e9) } else { megabytes(bytes) }
}

/// A manifest entry's download size: exact ("102.5 MB"), else rounded ("≈ 102.0 MB"), if known.
pub fn announced_size(entry: &ModelEntry) -> Option<String> {
    match (entry.bytes, entry.approx_bytes) {
        (Some(bytes), _) => Some(megabytes(bytes)),
        (None, Some(approx)) => Some(format!("≈ {}", megabytes(approx))),
        (None, None) => None,
    }
}

/// A probability as a percentage, one decimal ("42.0%").
pub fn percent(prob: f32) -> String {
    format!("{:.1}%", prob * 100.0)
}
