//! Where the models are, as the page shows it. The models are a resource keyed on the settings (built by
//! `services::engine`): its value is the outcome of the latest load, and while a load runs the page shows
//! its phase. Model downloads report their progress file by file.

use std::collections::HashMap;

use leptos::prelude::*;
use simface::EmbedderModel;

use super::latest::Latest;
use crate::app::error::AppError;

/// What a load is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadPhase {
    /// Loading onnxruntime-web itself.
    Starting,
    /// Downloading or verifying model files, building sessions.
    Loading,
    /// Running each model once.
    WarmingUp,
}

/// Where the models are.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineStatus {
    Busy(LoadPhase),
    Ready,
    Failed(AppError),
}

impl EngineStatus {
    /// The `data-status` of the runtime card (the browser tests wait on it).
    pub fn key(&self) -> &'static str {
        match self {
            EngineStatus::Busy(LoadPhase::Starting) => "starting",
            EngineStatus::Busy(LoadPhase::Loading) => "loading",
            EngineStatus::Busy(LoadPhase::WarmingUp) => "warmingup",
            EngineStatus::Ready => "ready",
            EngineStatus::Failed(_) => "failed",
        }
    }
}

/// The result of one load of the models, tagged with the load it belongs to: a finished older load must
/// not be taken for the one running now.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadOutcome {
    pub load: u64,
    pub result: Result<(), AppError>,
}

/// The models as the page shares them (part of the app context).
#[derive(Clone, Copy)]
pub struct EngineState {
    /// The latest load's outcome, reloaded whenever the settings change or on [`EngineState::retry`].
    pub resource: LocalResource<LoadOutcome>,
    /// The loads started; only the latest may report.
    pub loads: Latest,
    pub phase: RwSignal<LoadPhase>,
    pub progress: RwSignal<Vec<Progress>>,
    /// onnxruntime-web's wasm threads, once known.
    pub threads: RwSignal<Option<u32>>,
    /// Milliseconds from navigation start to models ready (first time).
    pub ready_ms: RwSignal<Option<f64>>,
    /// Median ms per face of each embedder used on this page, measured by the background warm-up: this
    /// device's speed can be far from the reference figures (cores, threads, CPU).
    pub embed_speed: RwSignal<HashMap<EmbedderModel, f64>>,
}

impl EngineState {
    /// The status (reactive): the latest load's outcome once it has one, else its phase.
    pub fn status(&self) -> EngineStatus {
        let load = self.loads.count();
        match self.resource.get() {
            Some(outcome) if outcome.load == load => match outcome.result {
                Ok(()) => EngineStatus::Ready,
                Err(e) => EngineStatus::Failed(e),
            },
            _ => EngineStatus::Busy(self.phase.get()),
        }
    }

    pub fn is_ready(&self) -> bool {
        self.status() == EngineStatus::Ready
    }

    /// [`EngineState::is_ready`] outside any reactive tracking (for code that acts once, not views).
    pub fn is_ready_untracked(&self) -> bool {
        untrack(|| self.is_ready())
    }

    /// Loads again with the same settings (after a failure).
    pub fn retry(&self) {
        self.resource.refetch();
    }
}

/// How far one model's download has got.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub file: String,
    pub loaded: u64,
    pub total: u64,
    pub state: LoadState,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LoadState {
    Downloading,
    Verifying,
    /// Done; `cached` when it came from the Cache API.
    Ready {
        cached: bool,
    },
    Failed(AppError),
}

impl Progress {
    pub fn percent(&self) -> f64 {
        match self.state {
            LoadState::Ready { .. } | LoadState::Verifying => 100.0,
            _ if self.total == 0 => 0.0,
            _ => (self.loaded as f64 / self.total as f64 * 100.0).min(100.0),
        }
    }
}
