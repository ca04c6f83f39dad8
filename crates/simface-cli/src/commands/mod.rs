//! One module per subcommand; each has a `run` taking the global options and the command's arguments,
//! printing text, or JSON (the types of `crate::report`) with `--json`.

pub mod align;
pub mod bench;
pub mod compare;
pub mod detect;
pub mod embed;
pub mod eval;
pub mod liveness;
pub mod quality;
