//! Background work of a server process: the one-off outcome backfill, then the art. 32 automatic
//! acceptance sweep, at start and every hour (cases also get it on demand through the admin API).

use crate::state::AppState;
use std::time::Duration;

pub async fn run(state: AppState) {
    // Cases completed before outcomes were kept get theirs once (a no-op after the first run).
    match crate::supervision::backfill_outcomes(&state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(cases = n, "evaluation outcomes backfilled"),
        Err(e) => tracing::error!(error = %e, "outcome backfill failed"),
    }
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match crate::cases::auto_accept_overdue(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(accepted = n, "art. 32 automatic acceptance"),
            Err(e) => tracing::error!(error = %e, "art. 32 sweep failed"),
        }
        // Warnings change as time passes: scan at start-up and every hour (a lease keeps it to one
        // process; the first tick of a working day is its start-of-day scan).
        match crate::supervision::scan(&state, &state.instance).await {
            Ok(r) if r.raised > 0 => {
                tracing::info!(raised = r.raised, cleared = r.cleared, since = ?r.since, "warning scan")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "warning scan failed"),
        }
        if let Err(e) = state.store.purge_expired_sessions(state.clock.now()).await {
            tracing::warn!(error = %e, "session purge failed");
        }
    }
}
