//! The state the components share, provided as a Leptos context: settings, the models' status and
//! progress, both photo slots and the decision threshold.

use std::collections::HashMap;

use leptos::prelude::*;

use simface::EmbedderModel;
use simface::gallery::Gallery;

use super::engine::Settings;
use super::models_loader::Progress;
use super::photo_slot::SlotState;

/// Where the models are.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineStatus {
    /// Loading onnxruntime-web itself.
    Starting,
    /// Downloading or verifying model files, building sessions.
    Loading,
    /// Running each model once.
    WarmingUp,
    Ready,
    Failed(String),
}

/// Which of the two tools the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Compare,
    Live,
}

#[derive(Clone, Copy)]
pub struct AppCtx {
    pub view: RwSignal<View>,
    /// The enrolled people of the current model (persisted in IndexedDB, see `gallery_view`).
    pub gallery: RwSignal<Gallery>,
    pub settings: RwSignal<Settings>,
    pub status: RwSignal<EngineStatus>,
    pub progress: RwSignal<Vec<Progress>>,
    /// onnxruntime-web's wasm threads, once known.
    pub threads: RwSignal<Option<u32>>,
    /// Milliseconds from navigation start to models ready (first time).
    pub ready_ms: RwSignal<Option<f64>>,
    /// Bumped by every (re)start of model loading; older runs stop reporting.
    pub generation: RwSignal<u64>,
    pub threshold: RwSignal<f32>,
    /// The slot that last had the user's attention: pasted photos go there.
    pub active_slot: RwSignal<&'static str>,
    pub a: SlotState,
    pub b: SlotState,
    /// Sample photo paths under `samples/` (empty when the page has none).
    pub samples: RwSignal<Vec<String>>,
    /// Median ms per face of each embedder used on this page, measured by the background warm-up: this
    /// device's speed can be far from the reference figures (cores, threads, CPU).
    pub embed_speed: RwSignal<HashMap<EmbedderModel, f64>>,
}

impl AppCtx {
    pub fn slot(&self, key: &str) -> SlotState {
        if key == "b" { self.b } else { self.a }
    }
}
