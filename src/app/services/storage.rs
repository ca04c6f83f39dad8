//! The gallery's persistence: one IndexedDB record per embedding model, holding the gallery's export
//! JSON (`simface::gallery`). Nothing is stored until the person enrols someone, and "Delete all" removes
//! the record, so the page keeps templates only where it was asked to.

use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode};

use crate::app::error::{AppError, js_message};

/// A failed IndexedDB call as the app's error, with what was being done.
fn failed(doing: &str) -> impl Fn(JsValue) -> AppError + '_ {
    move |e| AppError::Storage(format!("{doing} failed: {}", js_message(&e)))
}

/// A failed IndexedDB call, in the browser's words.
fn refused(e: JsValue) -> AppError {
    AppError::Storage(js_message(&e))
}

const DATABASE: &str = "simface";
const STORE: &str = "galleries";
const VERSION: u32 = 1;

/// A promise settled by an IndexedDB request's success (with its result) or error.
fn settled(request: &IdbRequest) -> Promise {
    let request = request.clone();
    Promise::new(&mut |resolve, reject| {
        let done = request.clone();
        let on_success = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &done.result().unwrap_or(JsValue::UNDEFINED));
        });
        let failed = request.clone();
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let message = failed.error().ok().flatten().map(|e| e.message()).unwrap_or_else(|| "unknown error".into());
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&message));
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    })
}

/// A promise settled when a transaction has committed (so a reload right after sees the write).
fn committed(tx: &IdbTransaction) -> Promise {
    let tx = tx.clone();
    Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("the transaction failed"));
        });
        tx.set_oncomplete(Some(on_complete.unchecked_ref()));
        tx.set_onerror(Some(on_error.unchecked_ref()));
        tx.set_onabort(Some(on_error.unchecked_ref()));
    })
}

async fn open() -> Result<IdbDatabase, AppError> {
    let factory = web_sys::window().and_then(|w| w.indexed_db().ok().flatten()).ok_or_else(|| {
        AppError::Storage("this browser offers no IndexedDB (private mode?), so the gallery cannot be kept".into())
    })?;
    let request: IdbOpenDbRequest = factory.open_with_u32(DATABASE, VERSION).map_err(refused)?;
    let upgrading = request.clone();
    let on_upgrade = Closure::once_into_js(move |_: web_sys::Event| {
        if let Ok(db) = upgrading.result().and_then(|r| r.dyn_into::<IdbDatabase>())
            && !db.object_store_names().contains(STORE)
        {
            let _ = db.create_object_store(STORE);
        }
    });
    request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    let db = JsFuture::from(settled(&request)).await.map_err(failed("opening the gallery store"))?;
    db.dyn_into::<IdbDatabase>().map_err(|_| AppError::Storage("opening the gallery store gave no database".into()))
}

/// The stored gallery JSON under `key`, if any.
pub async fn load(key: &str) -> Result<Option<String>, AppError> {
    let db = open().await?;
    let tx = db.transaction_with_str(STORE).map_err(refused)?;
    let store = tx.object_store(STORE).map_err(refused)?;
    let request = store.get(&JsValue::from_str(key)).map_err(refused)?;
    let value = JsFuture::from(settled(&request)).await.map_err(failed("reading the gallery"))?;
    db.close();
    Ok(value.as_string())
}

/// Stores `json` under `key`, replacing what was there.
pub async fn save(key: &str, json: &str) -> Result<(), AppError> {
    write(key, Some(json)).await
}

/// Removes the record under `key`.
pub async fn delete(key: &str) -> Result<(), AppError> {
    write(key, None).await
}

async fn write(key: &str, json: Option<&str>) -> Result<(), AppError> {
    let db = open().await?;
    let tx = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite).map_err(refused)?;
    let done = committed(&tx);
    let store = tx.object_store(STORE).map_err(refused)?;
    let key = JsValue::from_str(key);
    let request = match json {
        Some(json) => store.put_with_key(&JsValue::from_str(json), &key),
        None => store.delete(&key),
    }
    .map_err(refused)?;
    JsFuture::from(settled(&request)).await.map_err(failed("saving the gallery"))?;
    JsFuture::from(done).await.map_err(failed("saving the gallery"))?;
    db.close();
    Ok(())
}
