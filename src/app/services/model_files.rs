//! Model files: fetched from our own origin (`models/<file>`) with byte-level progress, kept in the Cache
//! API so a reload does not download them again, and verified against the SHA-256 of the manifest that is
//! compiled into the app before any of them is used.

use js_sys::{Reflect, Uint8Array};
use sha2::{Digest, Sha256};
use simface::models::{ModelEntry, manifest};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::browser::{no_window, yield_now};
use crate::app::error::{AppError, js_message};
use crate::app::state::{LoadState, Progress};

/// The Cache API bucket; entries are keyed by URL with the expected hash in the query, so a new model
/// version never matches an old entry.
const CACHE_NAME: &str = "simface-models-v1";

/// The entry of `file` in the compiled-in manifest.
pub fn manifest_entry(file: &str) -> Result<&'static ModelEntry, AppError> {
    manifest().entry_for_file(file).ok_or_else(|| AppError::NotInManifest(file.to_string()))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

async fn open_cache() -> Option<web_sys::Cache> {
    let caches = web_sys::window()?.caches().ok()?;
    JsFuture::from(caches.open(CACHE_NAME)).await.ok()?.dyn_into().ok()
}

/// The most bytes a model file may have, whatever the manifest says: ten times the largest model we ship
/// (EdgeFace-XS, 9.2 MB). A manifest entry above it is refused before anything is fetched.
const MAX_MODEL_BYTES: u64 = 100 * 1024 * 1024;

/// A response's whole body, copied into wasm memory only when it has exactly the `expected` length (a cached
/// entry is our own, but its size costs nothing to check before the copy).
async fn response_bytes(resp: &web_sys::Response, expected: u64) -> Result<Vec<u8>, AppError> {
    let buf = JsFuture::from(resp.array_buffer().map_err(|e| AppError::js(&e))?).await.map_err(|e| AppError::js(&e))?;
    let buf: js_sys::ArrayBuffer = buf.unchecked_into();
    if u64::from(buf.byte_length()) != expected {
        return Err(AppError::js(&format!("{} bytes instead of {expected}", buf.byte_length()).into()));
    }
    Ok(Uint8Array::new(&buf).to_vec())
}

/// Loads one model: from the cache when it holds a copy with the right hash, else from `models/<file>`
/// with progress reports. `report` is called with every change.
pub async fn load_model(entry: &ModelEntry, report: &dyn Fn(Progress)) -> Result<Vec<u8>, AppError> {
    let mut progress =
        Progress { file: entry.file.clone(), loaded: 0, total: entry.size, state: LoadState::Downloading };
    let result = load_inner(entry, &mut progress, report).await;
    if let Err(e) = &result {
        progress.state = LoadState::Failed(e.clone());
        report(progress);
    }
    result
}

async fn load_inner(
    entry: &ModelEntry,
    progress: &mut Progress,
    report: &dyn Fn(Progress),
) -> Result<Vec<u8>, AppError> {
    report(progress.clone());
    let url = format!("models/{}", entry.file);
    let download_failed = |detail: String| AppError::Download { url: url.clone(), detail };
    // Nothing from outside sizes an allocation: not the server's content-length (absent, or the compressed
    // size, or simply wrong), and not the manifest beyond MAX_MODEL_BYTES.
    if entry.size == 0 || entry.size > MAX_MODEL_BYTES {
        return Err(download_failed(format!(
            "the manifest gives it {} bytes, outside 1..={MAX_MODEL_BYTES}",
            entry.size
        )));
    }
    let cache_key = format!("{url}?sha256={}", entry.sha256);
    let cache = open_cache().await;

    if let Some(cache) = &cache
        && let Ok(hit) = JsFuture::from(cache.match_with_str(&cache_key)).await
        && let Ok(resp) = hit.dyn_into::<web_sys::Response>()
        && let Ok(bytes) = response_bytes(&resp, entry.size).await
    {
        if sha256_hex(&bytes) == entry.sha256 {
            progress.loaded = bytes.len() as u64;
            progress.total = progress.loaded;
            progress.state = LoadState::Ready { cached: true };
            report(progress.clone());
            return Ok(bytes);
        }
        // A damaged cache entry: drop it and download again.
        let _ = JsFuture::from(cache.delete_with_str(&cache_key)).await;
    }

    let window = web_sys::window().ok_or_else(no_window)?;
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str(&url))
        .await
        .map_err(|e| download_failed(js_message(&e)))?
        .unchecked_into();
    if !resp.ok() {
        return Err(download_failed(format!("HTTP {} {}", resp.status(), resp.status_text())));
    }
    let too_long = || download_failed(format!("the server sent more than the manifest's {} bytes", entry.size));
    let mut bytes = Vec::with_capacity(entry.size as usize);
    match resp.body() {
        Some(body) => {
            let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
            loop {
                let chunk = JsFuture::from(reader.read()).await.map_err(|e| download_failed(js_message(&e)))?;
                let done = Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true);
                if done {
                    break;
                }
                let value: Uint8Array =
                    Reflect::get(&chunk, &"value".into()).map_err(|e| AppError::js(&e))?.unchecked_into();
                let start = bytes.len();
                if (start + value.length() as usize) as u64 > entry.size {
                    let _ = reader.cancel();
                    return Err(too_long());
                }
                bytes.resize(start + value.length() as usize, 0);
                value.copy_to(&mut bytes[start..]);
                progress.loaded = bytes.len() as u64;
                report(progress.clone());
            }
        }
        None => bytes = response_bytes(&resp, entry.size).await.map_err(|e| download_failed(e.to_string()))?,
    }
    progress.loaded = bytes.len() as u64;
    progress.state = LoadState::Verifying;
    report(progress.clone());
    yield_now().await;

    let actual = sha256_hex(&bytes);
    if actual != entry.sha256 {
        return Err(AppError::Verification { file: entry.file.clone(), actual, expected: entry.sha256.clone() });
    }
    if let Some(cache) = &cache
        && let Ok(copy) = web_sys::Response::new_with_opt_u8_array(Some(&mut bytes.clone()))
    {
        let _ = JsFuture::from(cache.put_with_str(&cache_key, &copy)).await;
    }
    progress.state = LoadState::Ready { cached: false };
    report(progress.clone());
    Ok(bytes)
}
