//! The comparison: cosine similarity of the two compared faces, a gauge, and the decision at the
//! threshold (the model's calibrated one unless the user moves the slider).

use leptos::prelude::*;
use simface::matching::verify;

use crate::app::state::AppCtx;

/// The similarity, when both slots have an embedding from the same model.
fn similarity(ctx: AppCtx) -> Option<f32> {
    let a = ctx.a.compared.get()?;
    let b = ctx.b.compared.get()?;
    if a.model != b.model {
        return None;
    }
    simface::cosine_similarity(&a.embedding, &b.embedding).ok()
}

/// Gauge position of a similarity: the scale runs from −0.2 to 1.
fn gauge_percent(v: f32) -> f32 {
    ((v + 0.2) / 1.2 * 100.0).clamp(0.0, 100.0)
}

#[component]
pub fn ResultCard() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let calibrated = move || ctx.settings.get().model.threshold();
    let verdict = move || similarity(ctx).map(|s| verify(s, ctx.threshold.get()));

    view! {
        <section class="card result" aria-labelledby="result-title" data-testid="result">
            <h2 id="result-title">"Result"</h2>
            {move || match verdict() {
                None => view! {
                    <p class="muted result-empty" data-testid="result-empty">
                        {move || {
                            let a = ctx.a.compared.with(|c| c.is_some());
                            let b = ctx.b.compared.with(|c| c.is_some());
                            match (a, b) {
                                (false, false) => "Add a photo to each slot to compare the two faces.",
                                (true, false) => "Now add photo B.",
                                (false, true) => "Now add photo A.",
                                (true, true) => "Comparing…",
                            }
                        }}
                    </p>
                }.into_any(),
                Some(v) => {
                    let class = if v.same_person { "verdict same" } else { "verdict different" };
                    view! {
                        <div class="result-body">
                            <p class=class data-testid="verdict" data-same=v.same_person.to_string()>
                                <span class="verdict-icon" aria-hidden="true">{if v.same_person { "✓" } else { "✕" }}</span>
                                {if v.same_person { "Same person" } else { "Different people" }}
                            </p>
                            <p class="verdict-detail">
                                {format!("{} (confidence {:.0} %)", v.label, v.confidence * 100.0)}
                            </p>
                            <div class="similarity">
                                <span class="similarity-value" data-testid="similarity" data-value=format!("{:.6}", v.similarity)>
                                    {format!("{:.3}", v.similarity)}
                                </span>
                                <span class="muted">"cosine similarity"</span>
                            </div>
                            <div class="gauge" role="meter" aria-label="Cosine similarity"
                                aria-valuemin="-1" aria-valuemax="1" aria-valuenow=format!("{:.3}", v.similarity)>
                                <div class="gauge-fill" class:same=v.same_person
                                    style:width=format!("{:.1}%", gauge_percent(v.similarity))></div>
                                <div class="gauge-threshold" style:left=format!("{:.1}%", gauge_percent(v.threshold))
                                    title="Decision threshold"></div>
                            </div>
                            <div class="gauge-scale" aria-hidden="true"><span>"−0.2"</span><span>"0.4"</span><span>"1.0"</span></div>
                        </div>
                    }.into_any()
                }
            }}
            <div class="threshold">
                <label for="threshold">
                    "Decision threshold "
                    <strong data-testid="threshold-value">{move || format!("{:.2}", ctx.threshold.get())}</strong>
                </label>
                <input id="threshold" type="range" min="0" max="1" step="0.01" data-testid="threshold"
                    prop:value=move || format!("{:.2}", ctx.threshold.get())
                    on:input=move |ev| {
                        if let Ok(t) = event_target_value(&ev).parse::<f32>() {
                            ctx.threshold.set(t);
                        }
                    }
                />
                <button type="button" class="button small"
                    disabled=move || (ctx.threshold.get() - calibrated()).abs() < 1e-4
                    on:click=move |_| ctx.threshold.set(calibrated())>
                    {move || format!("Reset to calibrated ({:.2})", calibrated())}
                </button>
            </div>
        </section>
    }
}
