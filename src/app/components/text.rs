//! Typed facts in the words the page shows them in, where more than one component shows them.

use simface::quality::Quality;

/// The quality gate's verdict in a few words: the score and, when it fails, the first thing to fix.
pub fn quality_text(q: &Quality) -> String {
    match q.issues.first() {
        None => format!("{:.2} · good for enrolment", q.score),
        Some(issue) => format!("{:.2} · {}", q.score, issue.advice()),
    }
}

/// A duration in milliseconds, with a decimal below 10 ms.
pub fn ms(v: f64) -> String {
    if v < 10.0 { format!("{v:.1} ms") } else { format!("{v:.0} ms") }
}

/// A byte count in kB or MB (binary units, as the download progress shows them).
pub fn human_bytes(n: u64) -> String {
    if n >= 1_048_576 { format!("{:.1} MB", n as f64 / 1_048_576.0) } else { format!("{:.0} kB", n as f64 / 1024.0) }
}

/// A face's liveness in words, with the averaged real-class probability.
pub fn liveness_text(l: &simface::liveness::Liveness) -> String {
    let verdict = if l.live { "Live face" } else { "Possible photo of a photo or screen" };
    format!("{verdict} (real {:.2}, threshold {})", l.real, l.threshold)
}
