//! The gallery's persistence: one IndexedDB record per embedding model, holding the gallery's export
//! JSON (`simface::gallery`). Nothing is stored until the person enrols someone, an emptied gallery's record is
//! removed, and "Delete all" deletes the database, so the page keeps templates only where it was asked to.

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

/// An event's name and its handler.
type Listener = (&'static str, Closure<dyn FnMut(web_sys::Event)>);

/// Event listeners added for one wait on an IndexedDB request or transaction, removed and freed when dropped.
/// Only one of a request's `success` and `error` ever fires: handlers made with `Closure::once_into_js` are freed
/// only when called, so the other one stayed in wasm memory for the page's life (one per read or write).
struct Listeners {
    target: web_sys::EventTarget,
    added: Vec<Listener>,
}

impl Listeners {
    fn new(target: &web_sys::EventTarget) -> Self {
        Self { target: target.clone(), added: Vec::new() }
    }

    fn on(&mut self, event: &'static str, handler: impl FnMut(web_sys::Event) + 'static) -> Result<(), JsValue> {
        let handler = Closure::<dyn FnMut(web_sys::Event)>::new(handler);
        self.target.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref())?;
        self.added.push((event, handler));
        Ok(())
    }
}

impl Drop for Listeners {
    fn drop(&mut self) {
        for (event, handler) in &self.added {
            let _ = self.target.remove_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
        }
    }
}

/// A promise with its `resolve` and `reject` functions.
fn promise_parts() -> (Promise, js_sys::Function, js_sys::Function) {
    let mut parts = None;
    let promise = Promise::new(&mut |resolve, reject| parts = Some((resolve, reject)));
    // The Promise constructor runs its executor before it returns (ECMAScript, `new Promise`).
    let (resolve, reject) = parts.expect("the executor ran");
    (promise, resolve, reject)
}

/// Waits for an IndexedDB request's success (its result) or error (the browser's message).
async fn settled(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let (promise, resolve, reject) = promise_parts();
    let mut listeners = Listeners::new(request);
    let done = request.clone();
    listeners.on("success", move |_| {
        let _ = resolve.call1(&JsValue::NULL, &done.result().unwrap_or(JsValue::UNDEFINED));
    })?;
    let failed = request.clone();
    listeners.on("error", move |_| {
        let message = failed.error().ok().flatten().map(|e| e.message()).unwrap_or_else(|| "unknown error".into());
        let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&message));
    })?;
    JsFuture::from(promise).await
}

/// Listens for a transaction's end now (before its requests run) and gives the future that ends when it has
/// committed (so a reload right after sees the write).
fn committed(tx: &IdbTransaction) -> Result<impl Future<Output = Result<(), JsValue>>, AppError> {
    let (promise, resolve, reject) = promise_parts();
    let mut listeners = Listeners::new(tx);
    listeners
        .on("complete", move |_| {
            let _ = resolve.call0(&JsValue::NULL);
        })
        .map_err(refused)?;
    for event in ["error", "abort"] {
        let reject = reject.clone();
        listeners
            .on(event, move |_| {
                let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("the transaction failed"));
            })
            .map_err(refused)?;
    }
    Ok(async move {
        let result = JsFuture::from(promise).await.map(|_| ());
        drop(listeners);
        result
    })
}

async fn open() -> Result<IdbDatabase, AppError> {
    let factory = indexed_db()?;
    let request: IdbOpenDbRequest = factory.open_with_u32(DATABASE, VERSION).map_err(refused)?;
    let mut listeners = Listeners::new(&request);
    let upgrading = request.clone();
    listeners
        .on("upgradeneeded", move |_| {
            if let Ok(db) = upgrading.result().and_then(|r| r.dyn_into::<IdbDatabase>())
                && !db.object_store_names().contains(STORE)
            {
                let _ = db.create_object_store(STORE);
            }
        })
        .map_err(refused)?;
    let db = settled(&request).await.map_err(failed("opening the gallery store"))?;
    drop(listeners);
    db.dyn_into::<IdbDatabase>().map_err(|_| AppError::Storage("opening the gallery store gave no database".into()))
}

fn indexed_db() -> Result<web_sys::IdbFactory, AppError> {
    web_sys::window().and_then(|w| w.indexed_db().ok().flatten()).ok_or_else(|| {
        AppError::Storage("this browser offers no IndexedDB (private mode?), so the gallery cannot be kept".into())
    })
}

/// The stored gallery JSON under `key`, if any.
pub async fn load(key: &str) -> Result<Option<String>, AppError> {
    let db = open().await?;
    let tx = db.transaction_with_str(STORE).map_err(refused)?;
    let store = tx.object_store(STORE).map_err(refused)?;
    let request = store.get(&JsValue::from_str(key)).map_err(refused)?;
    let value = settled(&request).await.map_err(failed("reading the gallery"))?;
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
    let done = committed(&tx)?;
    let store = tx.object_store(STORE).map_err(refused)?;
    let key = JsValue::from_str(key);
    let request = match json {
        Some(json) => store.put_with_key(&JsValue::from_str(json), &key),
        None => store.delete(&key),
    }
    .map_err(refused)?;
    settled(&request).await.map_err(failed("saving the gallery"))?;
    done.await.map_err(failed("saving the gallery"))?;
    db.close();
    Ok(())
}

/// Deletes the whole database: every model's gallery, and the store itself. "Delete all" leaves nothing in
/// IndexedDB that could identify a person (the next enrolment creates the database again).
pub async fn delete_everything() -> Result<(), AppError> {
    let request = indexed_db()?.delete_database(DATABASE).map_err(refused)?;
    settled(&request).await.map_err(failed("deleting the gallery store"))?;
    Ok(())
}
