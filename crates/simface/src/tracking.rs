//! Face tracking between video frames.
//!
//! Detection is cheap enough for every webcam frame, embedding is not (several faces × EdgeFace each
//! frame would eat the frame budget). A [`Tracker`] links each frame's faces to the previous frame's by
//! box overlap, so a face keeps one [`Track`] while it moves; the app embeds a track only every
//! [`TrackerConfig::embed_interval_ms`] and averages its last few embeddings, which also steadies the name
//! shown against single-frame noise (motion blur, a blink).
//!
//! Time is passed in by the caller (`performance.now()` in the browser) because there is no clock that
//! works both natively and in wasm32, and because tests then control it.

use crate::detect::Face;
use crate::embed::Embedding;

/// How tracks are formed, kept and embedded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackerConfig {
    /// The least box overlap (IoU) that continues a track. At 30 frames per second a face moves a few
    /// pixels a frame, so its consecutive boxes overlap far more than 0.3; two different faces side by
    /// side rarely overlap that much.
    pub min_iou: f32,
    /// Frames a track survives without a matching face, so a missed detection or a hand passing in front
    /// does not start a new identity.
    pub max_missed: u32,
    /// Re-embed a visible track at this steady rate (milliseconds): four times a second is quick enough to
    /// follow a change of person and a fraction of the per-frame cost.
    pub embed_interval_ms: f64,
    /// Embeddings averaged into [`Track::smoothed`]: about a second and a quarter at the default interval.
    pub history: usize,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self { min_iou: 0.3, max_missed: 5, embed_interval_ms: 250.0, history: 5 }
    }
}

/// One face followed across frames.
#[derive(Debug, Clone)]
pub struct Track {
    /// Unique within a tracker's life (not reused after [`Tracker::clear`]), so the app can key its state by it.
    pub id: u64,
    /// The latest face matched to this track.
    pub face: Face,
    /// Consecutive frames without a matching face (0 when seen in the latest frame).
    pub missed: u32,
    /// Frames since the track started.
    pub age: u32,
    history: Vec<Embedding>,
    /// The tracker's `history` and `embed_interval_ms` when the track started.
    keep: usize,
    interval_ms: f64,
    /// The time slot of the latest embedding (see [`Track::add_embedding`]).
    last_embedded_ms: Option<f64>,
}

impl Track {
    fn new(id: u64, face: Face, config: &TrackerConfig) -> Self {
        Self {
            id,
            face,
            missed: 0,
            age: 0,
            history: Vec::new(),
            keep: config.history.max(1),
            interval_ms: config.embed_interval_ms,
            last_embedded_ms: None,
        }
    }

    /// Whether the app should embed this track's face in the current frame: never embedded yet, or the
    /// last embedding is at least the interval old. Not while the track is unseen: its `face` is then a
    /// stale box that may no longer hold the face. A clock that went backwards (a new time origin) counts
    /// as due, rather than waiting until it catches up.
    pub fn needs_embedding(&self, now_ms: f64, config: &TrackerConfig) -> bool {
        if self.missed > 0 {
            return false;
        }
        match self.last_embedded_ms {
            None => true,
            Some(last) => {
                let elapsed = now_ms - last;
                elapsed >= config.embed_interval_ms || elapsed < 0.0
            }
        }
    }

    /// Records an embedding of this track's face, keeping the last `history` of them (the tracker's
    /// configuration). An embedding of another size than the kept ones means the model was switched: the
    /// old ones cannot be averaged with it and are dropped.
    ///
    /// The embedding is booked to its time slot: one interval after the previous slot when it comes within
    /// the next interval, else `now_ms`. Frames arrive on the camera's clock, so an embedding due at 100 ms
    /// is made with the first frame after it (at 30 fps, up to 33 ms late); counting the next interval from
    /// that frame would stretch a 100 ms interval to 133 ms (7.5 embeddings a second instead of 10).
    pub fn add_embedding(&mut self, e: Embedding, now_ms: f64) {
        if self.history.first().is_some_and(|h| h.len() != e.len()) {
            self.history.clear();
        }
        self.history.push(e);
        if self.history.len() > self.keep {
            self.history.drain(..self.history.len() - self.keep);
        }
        let on_schedule = |last: f64| (self.interval_ms..2.0 * self.interval_ms).contains(&(now_ms - last));
        self.last_embedded_ms = Some(match self.last_embedded_ms {
            Some(last) if on_schedule(last) => last + self.interval_ms,
            _ => now_ms,
        });
    }

    /// Forgets the kept embeddings, so the next frame is embedded at once (the model changed, or the
    /// app suspects the track switched person).
    pub fn reset_embeddings(&mut self) {
        self.history.clear();
        self.last_embedded_ms = None;
    }

    /// The mean of the kept embeddings, re-normalised: averaging cancels per-frame noise, and the mean of
    /// unit vectors is shorter than one, so it is normalised again to stay comparable by dot product.
    pub fn smoothed(&self) -> Option<Embedding> {
        let first = self.history.first()?;
        let mut sum = vec![0.0f32; first.len()];
        for e in &self.history {
            for (s, v) in sum.iter_mut().zip(e.as_slice()) {
                *s += v;
            }
        }
        Some(Embedding::normalized(sum))
    }

    /// How many embeddings are kept (at most the configured history).
    pub fn embeddings(&self) -> usize {
        self.history.len()
    }

    /// When the latest embedding was added, on the caller's clock.
    pub fn last_embedded_ms(&self) -> Option<f64> {
        self.last_embedded_ms
    }
}

/// Links faces across frames into tracks.
#[derive(Debug, Clone)]
pub struct Tracker {
    config: TrackerConfig,
    tracks: Vec<Track>,
    next_id: u64,
}

impl Tracker {
    pub fn new(config: TrackerConfig) -> Self {
        Self { config, tracks: Vec::new(), next_id: 1 }
    }

    /// Feeds one frame's faces (in any order).
    ///
    /// Greedy matching by overlap: of all (track, face) pairs overlapping by at least `min_iou`, the most
    /// overlapping pair is linked first, then the next among those left, and so on. For the few faces of a
    /// webcam frame this gives the optimal assignment in practice, and it resolves two faces passing each
    /// other correctly as long as each box overlaps its own previous box more than the other's. Matched
    /// tracks take the new face; faces left over start tracks with fresh ids; tracks left over count a
    /// missed frame and are dropped after more than `max_missed` of them in a row.
    pub fn update(&mut self, faces: Vec<Face>) {
        let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
        for (t, track) in self.tracks.iter().enumerate() {
            for (f, face) in faces.iter().enumerate() {
                let iou = track.face.bbox.iou(&face.bbox);
                // `iou` is 0 for degenerate boxes, and a NaN compares false: neither links anything.
                if iou >= self.config.min_iou && iou > 0.0 {
                    pairs.push((iou, t, f));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));

        let mut face_of_track: Vec<Option<usize>> = vec![None; self.tracks.len()];
        let mut taken = vec![false; faces.len()];
        for (_, t, f) in pairs {
            if face_of_track[t].is_none() && !taken[f] {
                face_of_track[t] = Some(f);
                taken[f] = true;
            }
        }

        let mut faces: Vec<Option<Face>> = faces.into_iter().map(Some).collect();
        for (track, matched) in self.tracks.iter_mut().zip(face_of_track) {
            track.age = track.age.saturating_add(1);
            match matched.and_then(|f| faces[f].take()) {
                Some(face) => {
                    track.face = face;
                    track.missed = 0;
                }
                None => track.missed = track.missed.saturating_add(1),
            }
        }
        let max_missed = self.config.max_missed;
        self.tracks.retain(|t| t.missed <= max_missed);
        for face in faces.into_iter().flatten() {
            let id = self.next_id;
            self.next_id += 1;
            self.tracks.push(Track::new(id, face, &self.config));
        }
    }

    /// The live tracks, oldest first (so in increasing id order).
    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    pub fn track_mut(&mut self, id: u64) -> Option<&mut Track> {
        self.tracks.iter_mut().find(|t| t.id == id)
    }

    /// Forgets every track (the camera stopped, the model changed). Ids keep counting, so state the app keyed
    /// by an old id can never be picked up by a new face.
    pub fn clear(&mut self) {
        self.tracks.clear();
    }

    pub fn config(&self) -> &TrackerConfig {
        &self.config
    }
}
