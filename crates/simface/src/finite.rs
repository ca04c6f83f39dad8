//! Reading the floats of SimFace's JSON (face records, their boxes, landmarks, quality, liveness and
//! embeddings) as finite numbers only. JSON has no NaN or infinity, but serde reads a number beyond `f32`'s range
//! (`1e39`) as infinity, which serde_json then writes as `null`: a record read that way would be written as
//! one that no longer reads back. Such a number is refused when it is read instead (found by the `face_json`
//! fuzz target, fuzz/).

use serde::de::{Deserialize, Deserializer, Error};

fn check<E: Error>(value: f32) -> Result<f32, E> {
    if value.is_finite() { Ok(value) } else { Err(E::custom("a number is out of range for a 32-bit float")) }
}

/// A finite `f32` (`#[serde(deserialize_with = "crate::finite::f32")]`).
pub(crate) fn f32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f32, D::Error> {
    check(f32::deserialize(deserializer)?)
}

/// An array of finite `f32`s.
pub(crate) fn array<'de, D: Deserializer<'de>, const N: usize>(deserializer: D) -> Result<[f32; N], D::Error>
where
    [f32; N]: Deserialize<'de>,
{
    let values = <[f32; N]>::deserialize(deserializer)?;
    for value in values {
        check::<D::Error>(value)?;
    }
    Ok(values)
}

/// A vector of finite `f32`s.
pub(crate) fn vec<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f32>, D::Error> {
    let values = Vec::<f32>::deserialize(deserializer)?;
    for &value in &values {
        check::<D::Error>(value)?;
    }
    Ok(values)
}
