//! What the live view shows about the faces in the camera's frames and about an enrolment.

/// Frames per second, detection and embedding times, over the last second or so.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveStats {
    pub fps: f64,
    pub detect_ms: f64,
    pub embed_ms: f64,
    pub embeds_per_s: f64,
    pub frames: u64,
    pub width: u32,
    pub height: u32,
}

/// Who a tracked face is, as far as the gallery can tell.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveLabel {
    /// Not embedded yet.
    Pending,
    Known {
        name: String,
        score: f32,
    },
    /// Below the threshold for everyone (`score`: the best match, if the gallery has anyone).
    Unknown {
        score: Option<f32>,
    },
}

/// One face in the current frame as the page lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveFace {
    pub track: u64,
    pub label: LiveLabel,
    /// The quality gate's verdict in words (see `components::text::quality_text`).
    pub quality: Option<String>,
}

/// A camera enrolment as the form shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum EnrolState {
    Idle,
    Capturing { name: String, got: usize, needed: usize, hint: Option<String> },
    Done(String),
    Refused(String),
}

impl EnrolState {
    /// The `data-state` the browser tests wait on.
    pub fn key(&self) -> &'static str {
        match self {
            EnrolState::Idle => "idle",
            EnrolState::Capturing { .. } => "capturing",
            EnrolState::Done(_) => "done",
            EnrolState::Refused(_) => "refused",
        }
    }
}
