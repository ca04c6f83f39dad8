//! The live camera: a session ([`session`]) runs the frame loop ([`frame_loop`]) on the webcam's frames,
//! with enrolment of the one face in view ([`enrolment`]); [`view`] is its card. This folder sits beside
//! the components: it uses them, services, drawing and state, and nothing below imports it.

pub mod enrolment;
pub mod frame_loop;
pub mod session;
pub mod view;

pub use view::LiveView;
