//! The two photo slots of the compare view: which one ([`Slot`]), and what each holds as it is analysed.

use std::{fmt, str::FromStr, sync::Arc};

use image::RgbImage;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use simface::liveness::Liveness;
use simface::{EmbedderModel, Embedding, Face, quality::Quality};
use web_sys::{HtmlCanvasElement, ImageBitmap};

use super::latest::Latest;
use super::settings::parse_choice;
use crate::app::error::AppError;

/// One of the two photo slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    A,
    B,
}

impl Slot {
    pub const ALL: [Slot; 2] = [Slot::A, Slot::B];

    /// The letter people see ("Photo A").
    pub fn label(self) -> &'static str {
        match self {
            Slot::A => "A",
            Slot::B => "B",
        }
    }

    /// The lower-case tag of ids and test ids (`file-a`, `data-slot="a"`).
    pub fn tag(self) -> &'static str {
        match self {
            Slot::A => "a",
            Slot::B => "b",
        }
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

impl FromStr for Slot {
    type Err = AppError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_choice(&Slot::ALL, "photo slot", s)
    }
}

/// A photo decoded by the browser: upright, full resolution, in the browser's memory (outside wasm), and the
/// preview drawn from it once (the photo's canvas is redrawn from the preview whenever its boxes change, not
/// scaled down from 48 MP again). The bitmap's memory goes back to the browser (`close()`) when the last
/// holder drops it; a 48 MP photo holds 192 MB.
pub struct DecodedImage {
    pub bitmap: ImageBitmap,
    pub preview: HtmlCanvasElement,
}

impl Drop for DecodedImage {
    fn drop(&mut self) {
        self.bitmap.close();
    }
}

/// Where a slot's photo came from. It decides whether its faces get a liveness check by default: a photo the
/// camera just took is what presentation-attack detection is for; an uploaded file IS a photo (its check is a
/// setting, off by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoSource {
    /// A file dropped, picked or pasted, or a sample.
    Upload,
    /// Taken with "Take a photo".
    Camera,
}

/// A decoded photo.
#[derive(Clone)]
pub struct Photo {
    pub name: String,
    pub source: PhotoSource,
    /// The full-resolution pixels (a browser object: only this thread may touch it).
    pub image: Arc<SendWrapper<DecodedImage>>,
    pub width: u32,
    pub height: u32,
    /// The size it is shown at (the preview's): the photo scaled down for the page; boxes are drawn at this
    /// resolution.
    pub preview: (u32, u32),
    /// Preview pixels per photo pixel.
    pub scale: f32,
    /// Decoding the file, or taking the camera's frame.
    pub decode_ms: f64,
}

impl Photo {
    /// The photo at its preview size.
    pub fn preview_image(&self) -> &HtmlCanvasElement {
        &self.image.preview
    }
}

/// The faces found in a photo.
#[derive(Clone)]
pub struct Detection {
    pub faces: Vec<Face>,
    pub detect_ms: f64,
}

/// The compared face: its crop and embedding.
#[derive(Clone)]
pub struct Compared {
    pub index: usize,
    /// Set for a photo the camera took, and for uploaded ones when the settings ask for it.
    pub liveness: Option<Liveness>,
    pub liveness_ms: Option<f64>,
    pub crop: Arc<RgbImage>,
    pub embedding: Arc<Embedding>,
    pub model: EmbedderModel,
    pub quality: Quality,
    pub align_ms: f64,
    pub embed_ms: f64,
}

/// What a slot is doing now, shown as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum SlotActivity {
    Reading(String),
    /// The models are loading (or failed: the text then says so).
    WaitingForModels,
    FindingFaces,
    /// Aligning and embedding face `index`.
    Embedding(usize),
}

/// The reactive state of one slot.
#[derive(Clone, Copy)]
pub struct SlotState {
    pub slot: Slot,
    pub photo: RwSignal<Option<Photo>>,
    pub detection: RwSignal<Option<Detection>>,
    pub selected: RwSignal<usize>,
    pub compared: RwSignal<Option<Compared>>,
    pub activity: RwSignal<Option<SlotActivity>>,
    pub error: RwSignal<Option<AppError>>,
    /// The slot shows its camera ("Take a photo"); a new photo in the slot closes it, which releases the camera.
    pub camera: RwSignal<bool>,
    /// Every new photo or re-analysis is a new job; an older job stops writing.
    pub jobs: Latest,
}

impl SlotState {
    pub fn new(slot: Slot) -> Self {
        Self {
            slot,
            photo: RwSignal::new(None),
            detection: RwSignal::new(None),
            selected: RwSignal::new(0),
            compared: RwSignal::new(None),
            activity: RwSignal::new(None),
            error: RwSignal::new(None),
            camera: RwSignal::new(false),
            jobs: Latest::new(),
        }
    }

    pub fn face_count(&self) -> usize {
        self.detection.with(|d| d.as_ref().map_or(0, |d| d.faces.len()))
    }
}
