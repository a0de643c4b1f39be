//! Numbers as the page writes them.

/// Bytes as megabytes, one decimal ("25.7 MB").
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// A probability as a percentage, one decimal ("42.0%").
pub fn percent(prob: f32) -> String {
    format!("{:.1}%", prob * 100.0)
}
