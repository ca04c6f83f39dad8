//! `simface-web`: the browser app's entry point. It only mounts the components of
//! [`simface::app`]; everything else lives in the library so the CLI and the app share one pipeline.
//!
//! Trunk builds this binary for `wasm32-unknown-unknown` (see `index.html`). A native build exists only
//! so that `cargo build`/`cargo test` over the whole workspace need no target filter.

#[cfg(target_arch = "wasm32")]
fn main() {
    // Panics go to the console and to a notice in the page (instead of an opaque "unreachable" trap).
    simface::app::install_panic_hook();
    leptos::mount::mount_to_body(simface::app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    println!(
        "simface-web is the browser app: build it with `trunk build --release` or run `make serve`. \
         The native command-line tool is `simface`."
    );
}
