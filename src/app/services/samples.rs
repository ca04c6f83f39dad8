//! The sample photos' index, fetched once as a resource. The page works without it (set-up writes an empty
//! index when `../shared/faces` is absent); the pickers then stay hidden.

use leptos::prelude::*;

use super::browser::fetch_bytes;
use crate::app::error::AppError;
use crate::app::state::SampleIndex;

const INDEX: &str = "samples/index.json";

/// The index, fetched when first read.
pub fn resource() -> LocalResource<Result<SampleIndex, AppError>> {
    LocalResource::new(fetch_index)
}

async fn fetch_index() -> Result<SampleIndex, AppError> {
    let bytes = fetch_bytes(INDEX).await?.ok_or_else(|| AppError::SampleMissing("index".into()))?;
    serde_json::from_slice(&bytes).map_err(|e| AppError::InvalidJson { what: INDEX, detail: e.to_string() })
}
