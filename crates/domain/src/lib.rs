//! Pure domain rules of yizhan (一站). No I/O, no async: everything here is a function of its inputs,
//! so it can be tested exhaustively and shared by the server, the CLI and the storage backends.

pub mod access;
pub mod calendar;
pub mod case;
pub mod catalog;
pub mod error;
pub mod feedback;
pub mod identity;
pub mod notices;
pub mod orders;
pub mod region;
pub mod supervision;
pub mod time;

pub use access::{Action, Grant, Role, Scope};
pub use calendar::WorkingCalendar;
pub use catalog::CatalogItem;
pub use error::{FieldError, ValidationErrors};
pub use region::{Level, Region, RegionCode};
