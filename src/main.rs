//! `simface-web`: the browser app. It mounts the components of [`app`]; the face pipeline itself is the
//! `simface` core crate, shared with the CLI.
//!
//! Trunk builds this binary for `wasm32-unknown-unknown` (see `index.html`). Natively it only prints where
//! the app is, so that `cargo build` and `cargo test` over the whole workspace need no target filter.

#[cfg(target_arch = "wasm32")]
mod app;

/// The check of `src/app`'s module layers (a native test over the sources: the app itself builds only for
/// wasm32).
#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "app/layers_check.rs"]
mod layers_check;

#[cfg(target_arch = "wasm32")]
fn main() {
    // Panics go to the console and to a notice in the page (instead of an opaque "unreachable" trap).
    app::install_panic_hook();
    leptos::mount::mount_to_body(app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    println!(
        "simface-web is the browser app: build it with `trunk build --release` or run `make serve`. \
         The native command-line tool is `simface`."
    );
}
