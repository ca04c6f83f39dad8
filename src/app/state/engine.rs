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

/// The WebGPU adapter the browser offered (`GPUAdapter.info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterInfo {
    pub vendor: String,
    pub architecture: String,
    /// A software adapter (`isFallbackAdapter`, or SwiftShader by name): it runs on the CPU.
    pub software: bool,
}

impl AdapterInfo {
    /// Vendor and architecture ("google swiftshader"), or "unnamed" when the browser tells neither.
    pub fn name(&self) -> String {
        let name = [self.vendor.as_str(), self.architecture.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if name.is_empty() { "unnamed".to_string() } else { name }
    }
}

impl std::fmt::Display for AdapterInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = [self.vendor.as_str(), self.architecture.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        match (name.is_empty(), self.software) {
            (true, true) => f.write_str("software adapter"),
            (true, false) => f.write_str("unnamed adapter"),
            (false, true) => write!(f, "{name}, software"),
            (false, false) => f.write_str(&name),
        }
    }
}

/// Where the models of the latest load run, and why there when it is not what the setting asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Running {
    WebGpu(AdapterInfo),
    Wasm {
        /// Why not WebGPU, when the setting asked for it (or Automatic looked at an adapter).
        why: Option<NotWebGpu>,
    },
}

impl Running {
    /// `data-backend` of the runtime card (the browser tests read it).
    pub fn key(&self) -> &'static str {
        match self {
            Running::WebGpu(_) => "webgpu",
            Running::Wasm { .. } => "wasm",
        }
    }
}

/// Why the page has no WebGPU adapter to run the models on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NoAdapter {
    #[error("this browser has no WebGPU")]
    NoWebGpu,
    #[error("the browser gave no WebGPU adapter")]
    NoneGiven,
    #[error("requestAdapter failed: {0}")]
    RequestFailed(String),
    #[error("the proxy worker (?inference=worker) runs WebAssembly only")]
    ProxyWorker,
}

/// Why the models run on WebAssembly although WebGPU was asked for or looked at.
#[derive(Debug, Clone, PartialEq)]
pub enum NotWebGpu {
    /// The browser has no WebGPU, or gave no adapter.
    NoAdapter(NoAdapter),
    /// Automatic: the only adapter is a software one, slower than WebAssembly.
    SoftwareAdapter(AdapterInfo),
    /// The page loaded onnxruntime-web's WebAssembly build; WebGPU needs its other build, so a reload.
    NeedsReload,
    /// WebGPU failed on this page (a session could not be created, or a run failed): the models moved to
    /// WebAssembly and stay there until the page is reloaded.
    Failed(AppError),
}

impl std::fmt::Display for NotWebGpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotWebGpu::NoAdapter(why) => write!(f, "WebGPU is not available here ({why})"),
            NotWebGpu::SoftwareAdapter(adapter) => write!(
                f,
                "the only WebGPU adapter ({}) is a software one, slower than WebAssembly; choose WebGPU to use it anyway",
                adapter.name()
            ),
            NotWebGpu::NeedsReload => {
                f.write_str("WebGPU needs another build of ONNX Runtime: reload the page to use it")
            }
            NotWebGpu::Failed(e) => write!(f, "WebGPU failed, so the models moved to WebAssembly: {e}"),
        }
    }
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
    /// Where the latest load's models run, once it has chosen.
    pub running: RwSignal<Option<Running>>,
    /// True when the setting asks for WebGPU but the page loaded onnxruntime-web's WebAssembly build:
    /// the settings card offers a reload.
    pub needs_reload: RwSignal<bool>,
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

impl Progress {
    /// Records `self` in the list the runtime card shows: the file's line is updated, or added.
    pub fn record(self, list: RwSignal<Vec<Progress>>) {
        list.update(|list| match list.iter_mut().find(|q| q.file == self.file) {
            Some(q) => *q = self,
            None => list.push(self),
        });
    }
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
