//! "Latest request wins", written once: a photo slot's analysis, the models' loading and a camera session
//! all start work that takes several awaits, and a newer start must silence the older one. Each start takes
//! a [`Ticket`]; work checks [`Ticket::is_current`] before it writes anything the page shows.

use leptos::prelude::*;

/// A counter of requests; the last one started is the only current one.
#[derive(Debug, Clone, Copy)]
pub struct Latest(RwSignal<u64>);

/// One request of a [`Latest`].
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    latest: Latest,
    id: u64,
}

impl Latest {
    pub fn new() -> Self {
        Self(RwSignal::new(0))
    }

    /// Starts a request: every earlier ticket stops being current.
    pub fn begin(&self) -> Ticket {
        self.0.update(|n| *n += 1);
        Ticket { latest: *self, id: self.0.get_untracked() }
    }

    /// Ends every request without starting one (a stopped camera, a view that went away: the signal may
    /// already be disposed then, which is fine).
    pub fn cancel(&self) {
        self.0.try_update(|n| *n += 1);
    }

    /// The ticket of the request started last.
    pub fn current(&self) -> Ticket {
        Ticket { latest: *self, id: self.0.get_untracked() }
    }

    /// How many requests were started (reactive; the slots show it as `data-job` for the browser tests).
    pub fn count(&self) -> u64 {
        self.0.get()
    }
}

impl Default for Latest {
    fn default() -> Self {
        Self::new()
    }
}

impl Ticket {
    /// True while no later request was started.
    pub fn is_current(&self) -> bool {
        self.latest.0.try_get_untracked() == Some(self.id)
    }

    pub fn id(&self) -> u64 {
        self.id
    }
}
