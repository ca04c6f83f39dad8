//! Waiting for a reactive condition without polling: an effect re-checks the condition whenever what it
//! reads changes, and wakes the waiting task once it holds.

use std::cell::RefCell;

use futures::channel::oneshot;
use leptos::prelude::*;

/// Resolves once `condition` is true (at once when it already is).
pub async fn until(condition: impl Fn() -> bool + 'static) {
    if untrack(&condition) {
        return;
    }
    let (tx, rx) = oneshot::channel::<()>();
    let tx = RefCell::new(Some(tx));
    let effect = Effect::new(move |_| {
        if condition()
            && let Some(tx) = tx.borrow_mut().take()
        {
            let _ = tx.send(());
        }
    });
    // A dropped sender (the effect disposed with its owner) ends the wait as well.
    let _ = rx.await;
    effect.stop();
}
