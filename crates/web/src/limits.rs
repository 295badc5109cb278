//! How large a request body may be, by route, checked before the body is buffered: the CSRF
//! guard reads a form only up to [`FORM`] (anonymous) or [`STAFF_FORM`] (signed in), every
//! extractor stops at its route's `DefaultBodyLimit` (a `Content-Length` over it is refused before
//! reading), and uploads are read only after the user's right to upload to that case is settled
//! (`app::cases::upload_allowed`). How long each text field may be is a domain rule
//! (`domain::limits`).

use axum::extract::DefaultBodyLimit;

/// Every form and JSON body unless its route says otherwise: far above any form's fields at
/// their `domain::limits`, far below what could hurt memory when many arrive at once.
pub const FORM: usize = 64 * 1024;
/// A signed-in user's larger forms: a catalog item with its guide, FAQ and materials, a holiday
/// schedule, the synonyms.
pub const STAFF_FORM: usize = 1024 * 1024;
/// A material upload (10 MB file) or a catalog spreadsheet, with room for the multipart framing.
pub const UPLOAD: usize = app::files::MAX_UPLOAD + 64 * 1024;

/// The default limit, for the whole application.
pub fn default_layer() -> DefaultBodyLimit {
    DefaultBodyLimit::max(FORM)
}

pub fn staff_form() -> DefaultBodyLimit {
    DefaultBodyLimit::max(STAFF_FORM)
}

pub fn upload() -> DefaultBodyLimit {
    DefaultBodyLimit::max(UPLOAD)
}

/// The body's declared length, when the client declared one.
pub fn content_length(headers: &axum::http::HeaderMap) -> Option<u64> {
    headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}
