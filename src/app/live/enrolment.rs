//! Enrolment from the camera, one frame at a time, by the core's policy (`simface::enrolment`): exactly one
//! face in view, a frame that passes the quality gate, the policy's number of frames some time apart.

use image::RgbImage;
use simface::enrolment::{self, Enrolment, Progress};
use simface::{Face, Tracker};

use crate::app::drawing::thumbnail;
use crate::app::error::AppError;
use crate::app::services::{gallery::add_person, pipeline};
use crate::app::state::AppCtx;
use crate::app::state::live::{EnrolHint, EnrolRefusal, EnrolState};

/// An enrolment under way: the core's bookkeeping and the person's thumbnail (the first good frame).
pub struct Capture {
    pub enrolment: Enrolment,
    pub thumbnail: Option<String>,
}

/// What a frame did to the enrolment, when it did not move it forward.
pub enum Step {
    /// This frame is not good enough; try the next one.
    Retry(EnrolHint),
    /// Enrolment cannot go on.
    Refuse(EnrolRefusal),
}

/// Whether the face in view passed the liveness check: not required, or its averaged real-class probability
/// over its recent frames (`None` while it has not been checked yet).
pub enum LivenessNeed {
    NotRequired,
    Required(Option<f32>),
}

/// One enrolment capture from `frame`, whose faces the tracker holds. Returns the closing message once the
/// person is stored (`EnrolState::Done`), `None` while more frames are needed. A face that must be live and
/// looks like a photo or a screen is refused.
pub async fn step(
    ctx: AppCtx,
    tracker: &Tracker,
    frame: &RgbImage,
    capture: &mut Capture,
    liveness: LivenessNeed,
    now: f64,
) -> Result<Option<EnrolState>, Step> {
    let faces: Vec<Face> = tracker.tracks().iter().filter(|t| t.missed == 0).map(|t| t.face.clone()).collect();
    let face = enrolment::single_face(&faces).map_err(|e| Step::Refuse(AppError::from(e).into()))?;
    match liveness {
        LivenessNeed::NotRequired => {}
        LivenessNeed::Required(None) => return Err(Step::Retry(EnrolHint::CheckingLiveness)),
        LivenessNeed::Required(Some(real)) if real < simface::liveness::DEFAULT_THRESHOLD => {
            return Err(Step::Refuse(EnrolRefusal::NotLive(real)));
        }
        LivenessNeed::Required(Some(_)) => {}
    }
    let crop = pipeline::align(frame, face).map_err(|e| Step::Retry(EnrolHint::Failed(e)))?;
    enrolment::gate(face, &crop, &capture.enrolment.policy().gate)
        .map_err(|issue| Step::Retry(EnrolHint::Quality(issue)))?;
    let (embedding, model, _) = pipeline::embed_crop(&crop).await.map_err(|e| Step::Refuse(e.into()))?;
    if capture.thumbnail.is_none() {
        capture.thumbnail = thumbnail(&crop);
    }
    match capture.enrolment.take(embedding, now) {
        Progress::Collecting { .. } => Ok(None),
        Progress::Complete => {
            let e = &capture.enrolment;
            add_person(ctx, e.name(), e.templates(), capture.thumbnail.take(), model)
                .await
                .map_err(|e| Step::Refuse(e.into()))?;
            Ok(Some(EnrolState::Done { name: e.name().to_string(), frames: e.templates().len() }))
        }
    }
}
