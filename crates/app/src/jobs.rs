//! Background work of a server process: the one-off outcome backfill, then the art. 32 automatic
//! acceptance sweep, at start and every hour (cases also get it on demand through the admin API).

use crate::services::Services;
use std::time::Duration;
use tokio::sync::mpsc::Receiver;

/// Keeps this process's caches true to the database when another server or a command-line run
/// changes a cached table (issue 15, part 6): reloads on every change pushed by the store
/// (PostgreSQL `NOTIFY`, within milliseconds of the commit) and polls the versions once a second
/// as the fallback — for SQLite, and for notifications lost with a dropped connection.
pub async fn watch_caches(state: Services) {
    let mut pushed = listen(&state).await;
    let pushes = pushed.is_some();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if pushes && pushed.is_none() {
                    pushed = listen(&state).await;
                }
            }
            got = next(&mut pushed) => {
                if got.is_none() {
                    pushed = None;
                }
            }
        }
        match state.refresh_caches().await {
            Ok(changed) if !changed.is_empty() => {
                tracing::info!(?changed, "caches reloaded after a change in the database")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cache versions could not be read"),
        }
    }
}

async fn listen(state: &Services) -> Option<Receiver<String>> {
    match state.store.cache_changes().await {
        Ok(rx) => rx,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for cache changes; polling only");
            None
        }
    }
}

async fn next(rx: &mut Option<Receiver<String>>) -> Option<String> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

pub async fn run(state: Services) {
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
        match crate::cases::void_stale_claims(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(numbers = n, "case numbers of unfinished filings voided"),
            Err(e) => tracing::error!(error = %e, "voiding unfinished filings failed"),
        }
        match crate::audit::prune(&state, state.config.audit_retention_days).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(entries = n, "audit entries past their retention pruned"),
            Err(e) => tracing::error!(error = %e, "audit prune failed"),
        }
        // The record sealed and checked every hour (the first tick is at start-up).
        if let Err(e) = crate::checkpoints::hourly(&state).await {
            tracing::error!(error = %e, "checkpoint run failed");
        }
        if let Err(e) = state.store.purge_expired_sessions(state.clock.now()).await {
            tracing::warn!(error = %e, "session purge failed");
        }
        // Sign-in and reset counters older than the longest window (a day) count nothing.
        let day_ago = state.clock.now() - chrono::Duration::days(1);
        if let Err(e) = state.store.purge_attempts(day_ago).await {
            tracing::warn!(error = %e, "sign-in counter purge failed");
        }
    }
}
