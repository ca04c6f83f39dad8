//! The state the page shares, provided as one Leptos context ([`AppCtx`]): the settings, the models'
//! status, both photo slots, the gallery and the decision threshold; plus the small reactive tools every
//! layer uses ([`latest`], [`wait`]). This layer depends on the core only (and the app's error type).

pub mod engine;
pub mod gallery;
pub mod latest;
pub mod live;
pub mod samples;
pub mod settings;
pub mod slot;
pub mod wait;

use leptos::prelude::*;
use simface::gallery::Gallery;

use crate::app::error::AppError;
pub use engine::{AdapterInfo, EngineState, EngineStatus, LoadPhase, LoadState, NotWebGpu, Progress, Running};
pub use gallery::GalleryLoad;
pub use samples::SampleIndex;
pub use settings::{Backend, DetectionSize, Settings, View};
pub use slot::{Slot, SlotState};

#[derive(Clone, Copy)]
pub struct AppCtx {
    pub view: RwSignal<View>,
    pub settings: RwSignal<Settings>,
    pub engine: EngineState,
    /// The enrolled people of the current model (persisted in IndexedDB, see `services::gallery`).
    pub gallery: RwSignal<Gallery>,
    /// Whether `gallery` holds the stored gallery of the model in use yet.
    pub gallery_load: RwSignal<GalleryLoad>,
    pub threshold: RwSignal<f32>,
    /// The slot that last had the user's attention: pasted photos go there.
    pub active_slot: RwSignal<Slot>,
    pub a: SlotState,
    pub b: SlotState,
    /// The sample photos (fetched once; the pickers hide when there are none or the index is missing).
    pub samples: LocalResource<Result<SampleIndex, AppError>>,
}

impl AppCtx {
    pub fn slot(&self, slot: Slot) -> SlotState {
        match slot {
            Slot::A => self.a,
            Slot::B => self.b,
        }
    }
}
