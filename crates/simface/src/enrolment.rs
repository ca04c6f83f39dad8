//! The enrolment policy, once for every way of enrolling (the live camera's frames and a dropped photo):
//! exactly one face in view, a face that passes the quality gate, and for the camera a number of frames
//! taken some time apart within a time limit. The shells only supply faces, crops, embeddings and clocks.

use image::RgbImage;

use crate::detect::Face;
use crate::embed::Embedding;
use crate::error::{Error, Result};
use crate::quality::{Quality, QualityConfig, QualityIssue, assess};

/// How a camera enrolment collects its templates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnrolmentPolicy {
    /// Frames (templates) per person: several views average out one bad frame.
    pub shots: usize,
    /// Least time between two frames taken, so the frames differ a little.
    pub min_interval_ms: f64,
    /// The enrolment gives up when no good frame completes it within this time.
    pub time_limit_ms: f64,
    /// The quality gate every frame must pass.
    pub gate: QualityConfig,
}

impl Default for EnrolmentPolicy {
    fn default() -> Self {
        Self { shots: 5, min_interval_ms: 300.0, time_limit_ms: 10_000.0, gate: QualityConfig::default() }
    }
}

/// The one face of `faces` to enrol: exactly one face must be in view.
pub fn single_face(faces: &[Face]) -> Result<&Face> {
    match faces {
        [] => Err(Error::EnrolNoFace),
        [face] => Ok(face),
        more => Err(Error::EnrolManyFaces(more.len())),
    }
}

/// Judges the aligned `crop` of `face` with the gate: the quality when it passes, else the first thing to
/// fix.
pub fn gate(face: &Face, crop: &RgbImage, gate: &QualityConfig) -> std::result::Result<Quality, QualityIssue> {
    let quality = assess(face, crop, gate);
    match quality.issues.first() {
        Some(issue) => Err(*issue),
        None => Ok(quality),
    }
}

/// A camera enrolment in progress: the frames taken so far and when.
#[derive(Debug, Clone)]
pub struct Enrolment {
    name: String,
    policy: EnrolmentPolicy,
    templates: Vec<Embedding>,
    started_ms: f64,
    last_ms: Option<f64>,
}

/// Where an enrolment stands after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// `taken` of `needed` frames so far.
    Collecting { taken: usize, needed: usize },
    /// Every frame is in: store the person.
    Complete,
}

impl Enrolment {
    /// Starts enrolling `name` at `now_ms` (the name is checked as the gallery will store it).
    pub fn start(name: &str, policy: EnrolmentPolicy, now_ms: f64) -> Result<Self> {
        let name = crate::gallery::clean_name(name)?;
        Ok(Self { name, policy, templates: Vec::with_capacity(policy.shots), started_ms: now_ms, last_ms: None })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn policy(&self) -> &EnrolmentPolicy {
        &self.policy
    }

    /// The templates taken so far.
    pub fn templates(&self) -> &[Embedding] {
        &self.templates
    }

    /// True when the next frame may be taken (the interval since the last one has passed).
    pub fn due(&self, now_ms: f64) -> bool {
        self.last_ms.is_none_or(|last| now_ms - last >= self.policy.min_interval_ms)
    }

    /// True when the time limit has passed without completing.
    pub fn timed_out(&self, now_ms: f64) -> bool {
        now_ms - self.started_ms > self.policy.time_limit_ms
    }

    /// Adds the embedding of a frame that passed [`single_face`] and [`gate`].
    pub fn take(&mut self, embedding: Embedding, now_ms: f64) -> Progress {
        if self.templates.len() < self.policy.shots {
            self.templates.push(embedding);
            self.last_ms = Some(now_ms);
        }
        self.progress()
    }

    pub fn progress(&self) -> Progress {
        if self.templates.len() >= self.policy.shots {
            Progress::Complete
        } else {
            Progress::Collecting { taken: self.templates.len(), needed: self.policy.shots }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{BBox, LandmarkSource, Point};

    fn face(x: f32) -> Face {
        Face {
            bbox: BBox { x, y: 0.0, width: 100.0, height: 100.0 },
            score: 0.9,
            landmarks: [Point::new(0.0, 0.0); 5],
            landmark_source: LandmarkSource::Detected,
            turn: Default::default(),
        }
    }

    #[test]
    fn exactly_one_face_is_enrolled() {
        assert!(matches!(single_face(&[]), Err(Error::EnrolNoFace)));
        assert!(single_face(&[face(0.0)]).is_ok());
        assert!(matches!(single_face(&[face(0.0), face(200.0)]), Err(Error::EnrolManyFaces(2))));
    }

    #[test]
    fn frames_are_taken_apart_until_the_policy_is_met_or_time_runs_out() {
        let policy = EnrolmentPolicy { shots: 2, min_interval_ms: 300.0, time_limit_ms: 1000.0, ..Default::default() };
        let mut e = Enrolment::start("  Ada ", policy, 0.0).expect("a name");
        assert_eq!(e.name(), "Ada");
        assert!(e.due(0.0));
        assert_eq!(e.take(Embedding::normalized(vec![1.0, 0.0]), 0.0), Progress::Collecting { taken: 1, needed: 2 });
        assert!(!e.due(299.0) && e.due(300.0));
        assert!(!e.timed_out(1000.0) && e.timed_out(1000.1));
        assert_eq!(e.take(Embedding::normalized(vec![0.0, 1.0]), 300.0), Progress::Complete);
        assert_eq!(e.templates().len(), 2);
        assert!(matches!(Enrolment::start("  ", policy, 0.0), Err(Error::EmptyName)));
    }
}
