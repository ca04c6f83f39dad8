//! Offline use: registers the service worker, `sw.js` (js/sw.js with the precache list that
//! scripts/write_sw.mjs writes for each build), which keeps the app, onnxruntime-web and the models in the
//! Cache API so that after one visit the page loads and compares photos with the network off.
//!
//! The registration waits until the first models are ready: the worker's install downloads what the page has
//! not (the other models, the liveness ones), and it must not compete with the downloads the person is waiting
//! for. A failure only costs offline use, so it is a console warning, never an error in the page.

use std::cell::Cell;

use js_sys::{Function, Promise, Reflect};
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::app::error::{OfflineError, js_message};

/// The worker's address, relative to the page: its scope is then the folder of index.html, the whole app.
const SCRIPT: &str = "sw.js";

thread_local! {
    /// Whether this page has asked for the registration (the models become ready again after every
    /// settings change; once is enough).
    static ASKED: Cell<bool> = const { Cell::new(false) };
}

/// Registers the service worker, the first time it is called in this page; later calls do nothing.
pub fn register_once() {
    if ASKED.with(|asked| asked.replace(true)) {
        return;
    }
    spawn_local(async {
        if let Err(e) = register().await {
            web_sys::console::warn_1(&format!("{e}; the page works, but only online").into());
        }
    });
}

/// `navigator.serviceWorker.register("sw.js")`, through `Reflect` (web-sys's service-worker types would
/// rebuild web-sys and everything on it for one call). The browser checks `sw.js` for a new build on every
/// navigation by itself; registering again is a no-op.
async fn register() -> Result<(), OfflineError> {
    let window = web_sys::window().ok_or(OfflineError::NoServiceWorker)?;
    // Browsers offer service workers in secure contexts only (https, localhost).
    if !Reflect::get(&window, &"isSecureContext".into()).is_ok_and(|v| v.is_truthy()) {
        return Err(OfflineError::NotSecure);
    }
    let container = Reflect::get(&window.navigator(), &"serviceWorker".into())
        .ok()
        .filter(|c| c.is_object())
        .ok_or(OfflineError::NoServiceWorker)?;
    let register: Function = Reflect::get(&container, &"register".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or(OfflineError::NoServiceWorker)?;
    let promise: Promise = register
        .call1(&container, &SCRIPT.into())
        .map_err(|e| OfflineError::Refused(js_message(&e)))?
        .dyn_into()
        .map_err(|_| OfflineError::Refused("register() gave no promise".into()))?;
    JsFuture::from(promise).await.map_err(|e| OfflineError::Refused(js_message(&e)))?;
    Ok(())
}
