//! The SimFace web app's components (Leptos, client-side rendered).
//!
//! For now the page proves that the WebAssembly module is instantiated and the reactive runtime works,
//! and tells whether the page is cross-origin isolated: the multi-threaded ONNX Runtime that the app
//! will use needs `SharedArrayBuffer`, which browsers only grant to isolated pages (the COOP/COEP
//! headers that `Trunk.toml` sets).

use leptos::prelude::*;
use wasm_bindgen::{JsCast, prelude::wasm_bindgen};

/// The crate version, shown so a stale cached bundle is easy to spot.
const VERSION: &str = env!("CARGO_PKG_VERSION");

#[wasm_bindgen]
extern "C" {
    /// The page's global scope. Declared here because web-sys does not bind
    /// `Window.crossOriginIsolated`.
    type GlobalScope;

    /// True when the page was served with the COOP/COEP headers: the condition for
    /// `SharedArrayBuffer`, and so for wasm threads.
    #[wasm_bindgen(method, getter, js_name = crossOriginIsolated)]
    fn cross_origin_isolated(this: &GlobalScope) -> bool;
}

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <main class="app">
            <header class="app-header">
                <h1>"SimFace Web"</h1>
                <p class="lede">
                    "Face verification in your browser: SimFace finds the faces in two photos, aligns them and "
                    "compares their EdgeFace embeddings. It all runs here, in WebAssembly; "
                    "no photo and no result ever leaves this page."
                </p>
            </header>
            <StatusCard/>
        </main>
    }
}

/// What the browser side of the app is running: version, whether the wasm module is up, and whether
/// threads are available to it.
#[component]
fn StatusCard() -> impl IntoView {
    // Effects run only in the browser, after the first render: once this flips, the wasm module is
    // instantiated, mounted and reacting to state.
    let (mounted, set_mounted) = signal(false);
    Effect::new(move |_| set_mounted.set(true));

    let window = window();
    let isolated = window.unchecked_ref::<GlobalScope>().cross_origin_isolated();
    // Navigator.hardwareConcurrency is a double in WebIDL; it is a small positive integer in practice.
    let cores = window.navigator().hardware_concurrency() as u32;
    let threads_class = if isolated { "ok" } else { "warn" };
    let threads = if isolated {
        format!("available ({cores} logical cores)")
    } else {
        "unavailable: the page is not cross-origin isolated (serve it with COOP/COEP headers)".to_string()
    };

    view! {
        <section class="card status" aria-live="polite">
            <h2>"Status"</h2>
            <dl>
                <dt>"Version"</dt>
                <dd>{VERSION}</dd>
                <dt>"WebAssembly"</dt>
                <dd class:ok=mounted>
                    {move || if mounted.get() { "WebAssembly pipeline loaded" } else { "starting…" }}
                </dd>
                <dt>"Threads"</dt>
                <dd class=threads_class>{threads}</dd>
            </dl>
        </section>
    }
}
