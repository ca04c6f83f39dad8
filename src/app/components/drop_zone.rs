//! The one drop zone: a box that takes a dropped file (with a highlight while something is dragged over
//! it), used by the photo slots and the gallery's "enrol from a photo". Also the file pickers' reading of
//! their chosen file.

use leptos::prelude::*;

/// The first file of a list (drop, pick or paste), if any.
pub fn first_file(files: Option<web_sys::FileList>) -> Option<web_sys::File> {
    files.and_then(|f| f.get(0))
}

/// The file chosen in a file `<input>`'s change event; the input is cleared, so that choosing the same
/// file again is a change too.
pub fn picked_file(ev: &web_sys::Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = event_target(ev);
    let file = first_file(input.files());
    input.set_value("");
    file
}

/// A drop target around `children`; `on_file` gets the first dropped file. `filled` marks a zone that
/// already shows something (a photo), `mini` the gallery's smaller zone.
#[component]
pub fn DropZone<F>(
    on_file: F,
    #[prop(optional, into)] filled: Signal<bool>,
    #[prop(optional)] mini: bool,
    #[prop(optional)] testid: Option<&'static str>,
    children: Children,
) -> impl IntoView
where
    F: Fn(web_sys::File) + 'static,
{
    let dragging = RwSignal::new(false);
    view! {
        <div
            class="dropzone"
            class:mini=mini
            class:dragging=move || dragging.get()
            class:filled=move || filled.get()
            data-testid=testid
            on:dragover=move |ev: web_sys::DragEvent| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=move |ev: web_sys::DragEvent| {
                ev.prevent_default();
                dragging.set(false);
                if let Some(file) = first_file(ev.data_transfer().and_then(|d| d.files())) {
                    on_file(file);
                }
            }
        >
            {children()}
        </div>
    }
}
