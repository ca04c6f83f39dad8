//! The page's cards, small components that read the shared state from the context and call the
//! services: the photo slots, the result, the settings and runtime cards, the gallery card, the sample
//! pickers, the slots' camera, and the one drop zone they share. Components use services, drawing and state, never `live`.

pub mod camera_capture;
pub mod drop_zone;
pub mod gallery_card;
pub mod photo_slot;
pub mod result;
pub mod runtime_card;
pub mod samples;
pub mod settings;
pub mod text;

pub use gallery_card::GalleryCard;
pub use photo_slot::PhotoSlot;
pub use result::ResultCard;
pub use runtime_card::RuntimeCard;
pub use settings::SettingsCard;
