//! Serde for an `f32` that may be NaN or infinite (a diverged training's loss) in JSON,
//! which has no such numbers: written as `null` and read back as NaN, so the project that
//! holds it stays readable. Use with `#[serde(with = "json_float")]`.

use serde::{Deserialize, Deserializer, Serializer};

/// A finite value as a number, anything else as `null` (an `Option`, so binary formats
/// such as the worker's postcard read it back the same way).
pub fn serialize<S: Serializer>(value: &f32, serializer: S) -> Result<S::Ok, S::Error> {
    if value.is_finite() { serializer.serialize_some(value) } else { serializer.serialize_none() }
}

/// A number, or NaN for `null`.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f32, D::Error> {
    Ok(Option::<f32>::deserialize(deserializer)?.unwrap_or(f32::NAN))
}
