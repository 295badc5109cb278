//! Identifiers as they arrive in URLs and queries, parsed once into their domain types; handlers
//! pass those types on, never the text.

use crate::error::AppError;
use domain::{CaseNumber, ItemCode};

/// A case number in a URL. Text that cannot be a case number names no case: 404, the answer for a
/// well-formed number that does not exist.
pub fn case_number(s: &str) -> Result<CaseNumber, AppError> {
    CaseNumber::parse(s).map_err(|_| AppError::NotFound("办件"))
}

/// A case number given with its query code (public lookups, ratings): a malformed one gets the
/// answer a wrong code gets, which says nothing about which numbers exist.
pub fn looked_up_number(s: &str) -> Result<CaseNumber, AppError> {
    CaseNumber::parse(s).map_err(|_| app::lookups::lookup_failed())
}

/// An item code in a URL; one that cannot be a code names no item (404, as an unknown code).
pub fn item_code(s: &str) -> Result<ItemCode, AppError> {
    ItemCode::parse(s).map_err(|_| AppError::NotFound("事项"))
}
