//! Sample photos: `samples/index.json` (written by `scripts/setup.sh` from `../shared/faces`) lists
//! them. The page works without it; the picker is then not shown.

use leptos::{prelude::*, task::spawn_local};

use super::photo_slot::{SlotState, load_sample};
use super::state::AppCtx;
use super::web::fetch_bytes;

/// Fetches the sample list once; a missing or empty list leaves it empty.
pub fn fetch_samples(ctx: AppCtx) {
    spawn_local(async move {
        let Ok(Some(bytes)) = fetch_bytes("samples/index.json").await else { return };
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else { return };
        let list: Vec<String> = value["samples"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        ctx.samples.set(list);
    });
}

/// A select of the sample photos, grouped by folder.
#[component]
pub fn SamplePicker(state: SlotState, tag: &'static str) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let slot = state;
    let groups = move || {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for path in ctx.samples.get() {
            let group = path.split_once('/').map_or("", |(g, _)| g).to_string();
            match groups.iter_mut().find(|(g, _)| *g == group) {
                Some((_, items)) => items.push(path),
                None => groups.push((group, vec![path])),
            }
        }
        groups
    };
    view! {
        <label class="sample-picker" class:hidden=move || ctx.samples.with(|s| s.is_empty())>
            <span class="visually-hidden">{format!("Sample photo for photo {}", slot.label)}</span>
            <select
                data-testid=format!("sample-{tag}")
                on:change=move |ev| {
                    let path = event_target_value(&ev);
                    if !path.is_empty() {
                        ctx.active_slot.set(tag);
                        load_sample(ctx, slot, path);
                    }
                }
            >
                <option value="">"…or try a sample"</option>
                {move || groups().into_iter().map(|(group, items)| view! {
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
}
