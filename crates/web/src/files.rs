//! Uploaded files are a use case of `app`; the web layer names them here.

pub use app::files::*;
