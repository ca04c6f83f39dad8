//! Matching: cosine similarity of embeddings, the calibrated decision threshold of each model and a
//! confidence a person can read.

use serde::{Deserialize, Serialize};

use crate::embed::{EmbedderModel, Embedding};
use crate::error::{Error, Result};

/// Cosine similarity of two L2-normalised embeddings (their dot product), in [−1, 1].
pub fn cosine_similarity(a: &Embedding, b: &Embedding) -> Result<f32> {
    if a.len() != b.len() {
        return Err(Error::EmbeddingSize(a.len(), b.len()));
    }
    let dot: f32 = a.as_slice().iter().zip(b.as_slice()).map(|(x, y)| x * y).sum();
    Ok(dot.clamp(-1.0, 1.0))
}

/// The decision threshold of each model: two faces are the same person when their cosine similarity
/// is at least this. The value is the model's `threshold` in `models/manifest.json`.
///
/// Calibration (README, "Calibration"): the impostor scores of the shared gallery and probe photos have
/// mean μ and spread σ; the threshold is μ + 4.5σ rounded to 0.01: far enough above chance that a
/// stranger rarely passes (too few pairs here to measure such a FAR directly, so the normal tail stands
/// in for it), yet well below every genuine pair. `tests/recognition.rs` recomputes it leave-one-person-out.
pub fn calibrated_threshold(model: EmbedderModel) -> f32 {
    model.threshold()
}

/// How quickly confidence rises with distance from the threshold: 0.05 of cosine similarity changes
/// the odds e-fold. Chosen so the score gaps seen on the shared photos (genuine pairs ≳ 0.5, impostors
/// ≲ 0.2) read as "very likely".
const CONFIDENCE_SCALE: f32 = 0.05;

/// A verification decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub similarity: f32,
    pub threshold: f32,
    pub same_person: bool,
    /// Probability-like confidence in the decision taken, 0.5..1.
    pub confidence: f32,
    /// The decision in words, hedged by the confidence.
    pub label: String,
}

/// Turns a similarity into a decision at `threshold`.
pub fn verify(similarity: f32, threshold: f32) -> Verdict {
    let p_same = 1.0 / (1.0 + (-(similarity - threshold) / CONFIDENCE_SCALE).exp());
    let same_person = similarity >= threshold;
    let confidence = if same_person { p_same } else { 1.0 - p_same };
    let hedge = match confidence {
        c if c >= 0.95 => "very likely ",
        c if c >= 0.75 => "likely ",
        _ => "possibly ",
    };
    let what = if same_person { "the same person" } else { "different people" };
    Verdict { similarity, threshold, same_person, confidence, label: format!("{hedge}{what}") }
}

/// One candidate of a 1:N search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub index: usize,
    pub similarity: f32,
}

/// Ranks gallery embeddings by similarity to `probe`, best first.
pub fn rank(probe: &Embedding, gallery: &[Embedding]) -> Result<Vec<Candidate>> {
    let mut ranked = gallery
        .iter()
        .enumerate()
        .map(|(index, g)| Ok(Candidate { index, similarity: cosine_similarity(probe, g)? }))
        .collect::<Result<Vec<_>>>()?;
    ranked.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
    Ok(ranked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_flips_at_the_threshold_and_confidence_grows_with_distance() {
        let t = 0.35;
        assert!(verify(0.36, t).same_person && !verify(0.34, t).same_person);
        assert!(verify(0.9, t).confidence > verify(0.4, t).confidence);
        assert!(verify(0.0, t).confidence > 0.99);
        assert_eq!(verify(0.9, t).label, "very likely the same person");
        assert_eq!(verify(0.34, t).label, "possibly different people");
    }

    #[test]
    fn cosine_of_normalised_vectors_and_size_mismatch() {
        let a = Embedding::normalized(vec![3.0, 4.0]);
        let b = Embedding::normalized(vec![4.0, 3.0]);
        assert!((cosine_similarity(&a, &b).unwrap() - 0.96).abs() < 1e-6);
        let c = Embedding::normalized(vec![1.0, 0.0, 0.0]);
        assert!(matches!(cosine_similarity(&a, &c), Err(Error::EmbeddingSize(2, 3))));
    }
}
