//! What the live view shows about the faces in the camera's frames and about an enrolment.

use std::fmt;

use simface::quality::QualityIssue;

use crate::app::error::AppError;

/// Frames per second, detection and embedding times, over the last second or so.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveStats {
    pub fps: f64,
    pub detect_ms: f64,
    pub embed_ms: f64,
    pub embeds_per_s: f64,
    /// Both anti-spoofing models on one face (its two crops included), and how many faces a second.
    pub liveness_ms: f64,
    pub liveness_per_s: f64,
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
    /// Liveness is required and the face's recent frames look like a photo or a screen (`real`: their
    /// averaged real-class probability): not matched against the gallery.
    NotLive {
        real: f32,
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

/// A camera enrolment as the form shows it. Everything in it stays typed until the form words it
/// (`Display` of each part).
#[derive(Debug, Clone, PartialEq)]
pub enum EnrolState {
    Idle,
    Capturing { name: String, got: usize, needed: usize, hint: Option<EnrolHint> },
    Done { name: String, frames: usize },
    Refused(EnrolRefusal),
}

/// Why the last frame did not count towards an enrolment; it waits for a better one.
#[derive(Debug, Clone, PartialEq)]
pub enum EnrolHint {
    /// The face failed the quality gate: the first thing to fix.
    Quality(QualityIssue),
    /// The frame could not be aligned.
    Failed(AppError),
    /// Liveness is required and the face has not been checked yet.
    CheckingLiveness,
}

impl fmt::Display for EnrolHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnrolHint::Quality(issue) => f.write_str(issue.advice()),
            EnrolHint::Failed(e) => e.fmt(f),
            EnrolHint::CheckingLiveness => f.write_str("checking that the face is live"),
        }
    }
}

/// Why a camera enrolment ended without storing anyone.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EnrolRefusal {
    #[error("Type the person's name first.")]
    NoName,
    #[error("Start the camera first.")]
    CameraOff,
    #[error("Enrolment stopped with the camera.")]
    CameraStopped,
    #[error("No face in view: enrolment needs exactly one face in front of the camera.")]
    NoFace,
    #[error("{0} faces in view: enrolment needs exactly one face, so ask the others to step aside.")]
    ManyFaces(usize),
    #[error("Enrolment stopped: no good frame ({0}).")]
    NoGoodFrame(EnrolHint),
    #[error(
        "Not enrolled: the face looks like a photo or a screen held up to the camera (live {0:.2}, needs 0.5). \
         Enrol a person in front of the camera."
    )]
    NotLive(f32),
    #[error("{0}")]
    Failed(AppError),
}

impl From<AppError> for EnrolRefusal {
    /// The core's refusals get the camera's words; anything else is a failure as it is.
    fn from(e: AppError) -> Self {
        match &e {
            AppError::Core(core) => match *core.0 {
                simface::Error::EnrolNoFace => EnrolRefusal::NoFace,
                simface::Error::EnrolManyFaces(n) => EnrolRefusal::ManyFaces(n),
                _ => EnrolRefusal::Failed(e),
            },
            _ => EnrolRefusal::Failed(e),
        }
    }
}

impl fmt::Display for EnrolState {
    /// The enrolment form's status line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnrolState::Idle => Ok(()),
            EnrolState::Capturing { name, got, needed, hint: Some(hint) } => {
                write!(f, "Enrolling {name}: {got} of {needed} frames · {hint}")
            }
            EnrolState::Capturing { name, got, needed, hint: None } => {
                write!(f, "Enrolling {name}: {got} of {needed} frames…")
            }
            EnrolState::Done { name, frames } => write!(f, "Enrolled {name} from {frames} frames."),
            EnrolState::Refused(why) => why.fmt(f),
        }
    }
}

impl EnrolState {
    /// The `data-state` the browser tests wait on.
    pub fn key(&self) -> &'static str {
        match self {
            EnrolState::Idle => "idle",
            EnrolState::Capturing { .. } => "capturing",
            EnrolState::Done { .. } => "done",
            EnrolState::Refused(_) => "refused",
        }
    }
}
