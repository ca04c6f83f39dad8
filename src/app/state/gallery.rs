//! Whether the gallery card shows the stored gallery of the model in use yet: until it does, what it lists
//! says nothing (and the browser tests wait for `data-state="loaded"`).

use crate::app::error::AppError;

#[derive(Debug, Clone, PartialEq)]
pub enum GalleryLoad {
    Loading,
    Loaded,
    /// IndexedDB could not give the stored gallery; the page works on with an empty one.
    Failed(AppError),
}

impl GalleryLoad {
    /// The gallery card's `data-state`.
    pub fn key(&self) -> &'static str {
        match self {
            GalleryLoad::Loading => "loading",
            GalleryLoad::Loaded => "loaded",
            GalleryLoad::Failed(_) => "failed",
        }
    }
}
