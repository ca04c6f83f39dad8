//! A select of the sample photos, grouped by folder (hidden when the page has no samples).

use leptos::prelude::*;

use crate::app::services::photo::load_sample;
use crate::app::state::{AppCtx, SampleIndex, SlotState};

#[component]
pub fn SamplePicker(state: SlotState) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let slot = state;
    let tag = slot.slot.tag();
    let picker = move |index: SampleIndex| {
        let groups = index.groups();
        let empty = groups.is_empty();
        view! {
            <label class="sample-picker" class:hidden=empty>
                <span class="visually-hidden">{format!("Sample photo for photo {}", slot.slot.label())}</span>
                <select
                    data-testid=format!("sample-{tag}")
                    on:change=move |ev| {
                        let path = event_target_value(&ev);
                        if !path.is_empty() {
                            ctx.active_slot.set(slot.slot);
                            load_sample(ctx, slot, path);
                        }
                    }
                >
                    <option value="">"…or try a sample"</option>
                    {groups.into_iter().map(|(group, items)| view! {
                        <optgroup label=group>
                            {items.into_iter().map(|path| {
                                let name = path.rsplit('/').next().unwrap_or(&path).to_string();
                                view! { <option value=path>{name}</option> }
                            }).collect_view()}
                        </optgroup>
                    }).collect_view()}
                </select>
            </label>
        }
    };
    // The page works without samples: a missing or unreadable index only leaves the picker out.
    move || ctx.samples.get().and_then(Result::ok).map(picker)
}
