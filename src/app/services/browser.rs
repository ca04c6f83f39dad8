//! Small browser helpers: time, yielding to the event loop, files, downloads, the clipboard, the query
//! string and the page's base URL. Failures are [`AppError`]s with what the browser said.

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::{JsCast, JsValue, prelude::wasm_bindgen};
use wasm_bindgen_futures::JsFuture;

use crate::app::error::AppError;

#[wasm_bindgen]
extern "C" {
    /// The page's global scope; web-sys does not bind `crossOriginIsolated`.
    type GlobalScope;

    #[wasm_bindgen(method, getter, js_name = crossOriginIsolated)]
    fn cross_origin_isolated(this: &GlobalScope) -> bool;
}

/// True when the page was served with COOP/COEP headers: the condition for `SharedArrayBuffer`, and so
/// for onnxruntime-web's wasm threads.
pub fn cross_origin_isolated() -> bool {
    web_sys::window().is_some_and(|w| w.unchecked_ref::<GlobalScope>().cross_origin_isolated())
}

/// Logical cores as the browser reports them.
pub fn hardware_concurrency() -> u32 {
    web_sys::window().map_or(1, |w| w.navigator().hardware_concurrency() as u32).max(1)
}

/// Milliseconds since the page started (`performance.now()`; `std::time::Instant` panics on wasm32).
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Waits `ms` milliseconds on the browser's event loop.
pub async fn sleep_ms(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Waits for the browser's next animation frame (the live view's pace: at most one processed video
/// frame per displayed frame, and nothing while the tab is hidden).
pub async fn next_animation_frame() {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.request_animation_frame(&resolve);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Milliseconds since 1970 (`Date.now()`), for records kept across page loads.
pub fn wall_clock_ms() -> f64 {
    js_sys::Date::now()
}

/// Gives the browser a turn (render, input) between two stages of work the person is waiting for:
/// `scheduler.yield()` where the browser has it (Chromium 129+: this work goes on before other tasks once the
/// turn is over), else a zero timeout, which browsers stretch to 4 ms after a few in a row (four of them cost
/// a photo ~10 ms in the race). Background work uses [`yield_to_other_tasks`] instead.
pub async fn yield_now() {
    let scheduler = js_sys::Reflect::get(&js_sys::global(), &"scheduler".into()).ok().filter(|s| s.is_object());
    let yield_fn = scheduler.as_ref().and_then(|s| js_sys::Reflect::get(s, &"yield".into()).ok());
    if let (Some(scheduler), Some(f)) = (scheduler, yield_fn.and_then(|f| f.dyn_into::<js_sys::Function>().ok()))
        && let Ok(promise) = f.call0(&scheduler)
        && let Ok(promise) = promise.dyn_into::<Promise>()
    {
        let _ = JsFuture::from(promise).await;
        return;
    }
    sleep_ms(0).await;
}

/// Lets every other task of the page run before going on (a zero timeout): for background work, which must
/// not go ahead of what the person is waiting for.
pub async fn yield_to_other_tasks() {
    sleep_ms(0).await;
}

/// A URL relative to the page, made absolute (onnxruntime-web needs an absolute base URL).
pub fn absolute_url(relative: &str) -> String {
    let base =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.base_uri().ok().flatten()).unwrap_or_default();
    web_sys::Url::new_with_base(relative, &base).map(|u| u.href()).unwrap_or_else(|_| relative.to_string())
}

/// True when the page's query string holds `item` (e.g. `inference=worker`, which the browser benchmark
/// uses to compare with the models run in onnxruntime-web's proxy worker).
pub fn query_has(item: &str) -> bool {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    search.trim_start_matches('?').split('&').any(|part| part == item)
}

/// The value of `key` in the page's query string (`?view=live` gives `Some("live")` for `view`).
pub fn query_value(key: &str) -> Option<String> {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    search.trim_start_matches('?').split('&').find_map(|part| {
        let (k, v) = part.split_once('=')?;
        (k == key).then(|| v.to_string())
    })
}

/// All bytes of a file the user picked, dropped or pasted, if it is at most `limit` bytes.
pub async fn read_blob(blob: &web_sys::Blob, limit: usize) -> Result<Vec<u8>, AppError> {
    let buffer = read_array_buffer(blob, limit).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// All bytes of a file, left in JavaScript's memory (an `ArrayBuffer`), if it is at most `limit` bytes. The
/// size is the file's own (`Blob.size`, known without reading): a file over the limit costs no memory at all.
pub async fn read_array_buffer(blob: &web_sys::Blob, limit: usize) -> Result<js_sys::ArrayBuffer, AppError> {
    let size = blob.size();
    if size > limit as f64 {
        return Err(AppError::FileTooLarge { bytes: size as usize, limit });
    }
    let buf =
        JsFuture::from(blob.array_buffer()).await.map_err(|e| AppError::FileRead(crate::app::error::js_message(&e)))?;
    Ok(buf.unchecked_into())
}

/// The response to a same-origin GET; `Ok(None)` for an HTTP error status (e.g. 404).
async fn fetch_ok(url: &str) -> Result<Option<web_sys::Response>, AppError> {
    let window = web_sys::window().ok_or_else(no_window)?;
    let resp: web_sys::Response =
        JsFuture::from(window.fetch_with_str(url)).await.map_err(|e| AppError::js(&e))?.unchecked_into();
    Ok(resp.ok().then_some(resp))
}

/// Fetches a same-origin URL whole; `Ok(None)` for an HTTP error status (e.g. 404).
pub async fn fetch_bytes(url: &str) -> Result<Option<Vec<u8>>, AppError> {
    let Some(resp) = fetch_ok(url).await? else { return Ok(None) };
    let buf = JsFuture::from(resp.array_buffer().map_err(|e| AppError::js(&e))?).await.map_err(|e| AppError::js(&e))?;
    Ok(Some(Uint8Array::new(&buf).to_vec()))
}

/// Fetches a same-origin URL as a Blob (nothing copied into wasm); `Ok(None)` for an HTTP error status.
pub async fn fetch_blob(url: &str) -> Result<Option<web_sys::Blob>, AppError> {
    let Some(resp) = fetch_ok(url).await? else { return Ok(None) };
    let blob = JsFuture::from(resp.blob().map_err(|e| AppError::js(&e))?).await.map_err(|e| AppError::js(&e))?;
    Ok(Some(blob.unchecked_into()))
}

/// Offers `text` as a file download.
pub fn download_text(file_name: &str, mime: &str, text: &str) -> Result<(), AppError> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|e| AppError::js(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| AppError::js(&e))?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(no_window)?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(|e| AppError::js(&e))?.unchecked_into();
    a.set_href(&url);
    a.set_download(file_name);
    a.click();
    // The browser starts the download from the URL after this returns: revoking it at once sometimes cancels
    // the download (seen when the browser tests downloaded a few dozen files in a row). It is revoked a
    // minute later instead, as FileSaver.js does.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    let window = web_sys::window().ok_or_else(no_window)?;
    window
        .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000)
        .map_err(|e| AppError::js(&e))?;
    Ok(())
}

/// Copies `text` to the clipboard.
pub async fn copy_text(text: &str) -> Result<(), AppError> {
    let window = web_sys::window().ok_or_else(no_window)?;
    JsFuture::from(window.navigator().clipboard().write_text(text)).await.map(|_| ()).map_err(|e| AppError::js(&e))
}

/// The error of code that runs outside a page (a worker has no `window` or `document`).
pub fn no_window() -> AppError {
    AppError::Js("no window: this code runs only in a page".into())
}
