//! The use cases of yizhan (issue 15, part 1): what the platform does, with typed inputs and
//! outputs and one error type, for every transport to call — the JSON API and the pages in `web`,
//! the command line, the demo loader and the load harness. No HTTP and no HTML here: this crate
//! knows neither axum nor maud (`crates/yizhan/tests/layering.rs` keeps it so).
//!
//! The move of the use cases out of `web` is under way; [`Error`] is the first piece: every
//! expected failure with its stable English code and its Chinese message, mapped to HTTP once in
//! `web::error`.

pub mod error;

pub use error::{Error, Result};
