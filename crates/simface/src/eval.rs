//! Accuracy metrics over scored pairs (used by `simface eval` and the calibration tests).

use serde::Serialize;

/// One scored pair: its similarity and whether the two photos show the same person.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredPair {
    pub score: f32,
    pub genuine: bool,
}

/// Verification metrics of a set of scored pairs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Metrics {
    pub genuine_pairs: usize,
    pub impostor_pairs: usize,
    /// Area under the ROC curve (ties count half).
    pub auc: f64,
    pub threshold: f32,
    pub accuracy_at_threshold: f64,
    pub best_accuracy: f64,
    /// A threshold reaching `best_accuracy`: the midpoint of the widest-scoring gap that does.
    pub best_threshold: f32,
    /// True accept rate when the threshold is set so that at most 1 % / 0.1 % of impostors pass.
    /// With fewer impostor pairs than 1/FAR the bound is simply "no impostor passes".
    pub tar_at_far_1e2: f64,
    pub tar_at_far_1e3: f64,
    pub min_genuine: f32,
    pub max_impostor: f32,
    pub genuine_mean: f32,
    pub impostor_mean: f32,
    /// Standard deviation of impostor scores: with the mean, it says how far above chance a
    /// threshold sits when there are too few impostor pairs to measure a small FAR directly.
    pub impostor_std: f32,
}

/// Computes [`Metrics`]; `None` when there are no genuine or no impostor pairs.
pub fn metrics(pairs: &[ScoredPair], threshold: f32) -> Option<Metrics> {
    let genuine: Vec<f32> = pairs.iter().filter(|p| p.genuine).map(|p| p.score).collect();
    let impostor: Vec<f32> = pairs.iter().filter(|p| !p.genuine).map(|p| p.score).collect();
    if genuine.is_empty() || impostor.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let accuracy = |t: f32| {
        let correct = genuine.iter().filter(|&&s| s >= t).count() + impostor.iter().filter(|&&s| s < t).count();
        correct as f64 / n
    };

    let mut auc = 0.0;
    for g in &genuine {
        for i in &impostor {
            auc += if g > i {
                1.0
            } else if g == i {
                0.5
            } else {
                0.0
            };
        }
    }
    auc /= (genuine.len() * impostor.len()) as f64;

    // Candidate thresholds: midpoints between consecutive distinct scores, plus both ends.
    let mut scores: Vec<f32> = pairs.iter().map(|p| p.score).collect();
    scores.sort_by(f32::total_cmp);
    scores.dedup();
    let mut candidates = vec![scores[0] - 1e-3];
    candidates.extend(scores.windows(2).map(|w| (w[0] + w[1]) / 2.0));
    candidates.push(scores[scores.len() - 1] + 1e-3);
    let mut best = (f64::MIN, 0.0f32, 0.0f32);
    for (i, &t) in candidates.iter().enumerate() {
        let acc = accuracy(t);
        // Prefer the threshold with the widest gap around it among equally accurate ones.
        let gap = if i == 0 || i + 1 == candidates.len() { 0.0 } else { scores[i] - scores[i - 1] };
        if acc > best.0 || (acc == best.0 && gap > best.2) {
            best = (acc, t, gap);
        }
    }

    let tar_at = |far: f64| {
        let mut imp = impostor.clone();
        imp.sort_by(|a, b| b.total_cmp(a));
        // The number of impostors allowed to pass, then a threshold just above the next one.
        let allowed = (far * imp.len() as f64).floor() as usize;
        let t = imp.get(allowed).map_or(f32::MIN, |s| s.next_up());
        genuine.iter().filter(|&&s| s >= t).count() as f64 / genuine.len() as f64
    };

    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    let impostor_mean = mean(&impostor);
    let impostor_std =
        (impostor.iter().map(|s| (s - impostor_mean).powi(2)).sum::<f32>() / impostor.len() as f32).sqrt();

    Some(Metrics {
        genuine_pairs: genuine.len(),
        impostor_pairs: impostor.len(),
        auc,
        threshold,
        accuracy_at_threshold: accuracy(threshold),
        best_accuracy: best.0,
        best_threshold: best.1,
        tar_at_far_1e2: tar_at(1e-2),
        tar_at_far_1e3: tar_at(1e-3),
        min_genuine: genuine.iter().copied().fold(f32::INFINITY, f32::min),
        max_impostor: impostor.iter().copied().fold(f32::NEG_INFINITY, f32::max),
        genuine_mean: mean(&genuine),
        impostor_mean,
        impostor_std,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(score: f32, genuine: bool) -> ScoredPair {
        ScoredPair { score, genuine }
    }

    #[test]
    fn separable_scores_give_auc_one_and_a_threshold_in_the_gap() {
        let pairs = [p(0.8, true), p(0.6, true), p(0.1, false), p(0.2, false), p(0.0, false)];
        let m = metrics(&pairs, 0.5).unwrap();
        assert_eq!(m.auc, 1.0);
        assert_eq!(m.accuracy_at_threshold, 1.0);
        assert_eq!(m.best_accuracy, 1.0);
        assert!((m.best_threshold - 0.4).abs() < 1e-6);
        assert_eq!(m.tar_at_far_1e3, 1.0);
    }

    #[test]
    fn overlapping_scores_lower_auc_and_tar() {
        let pairs = [p(0.5, true), p(0.3, true), p(0.4, false), p(0.1, false)];
        let m = metrics(&pairs, 0.35).unwrap();
        assert_eq!(m.auc, 0.75);
        assert_eq!(m.accuracy_at_threshold, 0.5);
        assert_eq!(m.best_accuracy, 0.75);
        assert_eq!(m.tar_at_far_1e2, 0.5);
        assert!(metrics(&pairs[..2], 0.3).is_none());
    }
}
