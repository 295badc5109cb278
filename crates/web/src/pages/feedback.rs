//! Ratings (好差评), follow-ups, complaints and petitions (投诉, 信访, 举报), and the kiosk.

use crate::state::AppState;
use axum::Router;

/// Routes of this module, merged into the application.
pub fn routes() -> Router<AppState> {
    Router::new()
}
