//! The use cases of yizhan (issue 15, part 1): what the platform does, with typed inputs and
//! outputs and one error type, for every transport to call — the JSON API and the pages in `web`,
//! the command line, the demo loader and the load harness. No HTTP and no HTML here: this crate
//! knows neither axum nor maud (`crates/yizhan/tests/layering.rs` keeps it so).
//!
//! Every use case the transports need is here, one module per area, with [`Error`] (every expected
//! failure with its stable English code and Chinese message, mapped to HTTP once in `web::error`),
//! [`Services`] (what every use case works with) and [`access::Caller`] (the permission questions
//! asked of a user). `web` reaches the store only through these functions (a test in
//! `crates/web/tests/http.rs` scans its source for store calls).

pub mod access;
pub mod accounts;
pub mod audit;
pub mod calendar;
pub mod cases;
pub mod catalog;
pub mod checkpoints;
pub mod demo_cases;
pub mod documents;
pub mod error;
pub mod feedback;
pub mod fees;
pub mod files;
pub mod jobs;
pub mod keys;
pub mod lookups;
pub mod passwords;
pub mod personal;
pub mod portal;
pub mod queues;
pub mod regions;
pub mod second_factor;
pub mod services;
pub mod session_cache;
pub mod sessions;
pub mod supervision;
pub mod supervision_orders;
pub mod users;
pub mod verify;

pub use error::{Error, Result};
pub use services::{
    Caches, Clock, LogNotifier, ManualClock, Notifier, OffsetClock, Services, Settings, SystemClock,
};
