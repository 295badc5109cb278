//! Numbered migrations embedded in the binary, applied at open, each recorded in
//! `schema_migrations` so applying them again is a no-op.

use crate::{ts, Db};
use chrono::Utc;
use rusqlite::{params, Connection, TransactionBehavior};
use store::Result;

/// `(version, name, sql)`, in order. Append only: an applied migration is never edited.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (2, "cases", include_str!("../migrations/0002_cases.sql")),
    (
        3,
        "supervision",
        include_str!("../migrations/0003_supervision.sql"),
    ),
    (
        4,
        "feedback",
        include_str!("../migrations/0004_feedback.sql"),
    ),
    (
        5,
        "scan_rows",
        include_str!("../migrations/0005_scan_rows.sql"),
    ),
    (
        6,
        "case_scopes",
        include_str!("../migrations/0006_case_scopes.sql"),
    ),
    (
        7,
        "case_outcomes",
        include_str!("../migrations/0007_case_outcomes.sql"),
    ),
    (
        8,
        "received_on",
        include_str!("../migrations/0008_received_on.sql"),
    ),
    (
        9,
        "packed_bodies",
        include_str!("../migrations/0009_packed_bodies.sql"),
    ),
    (
        10,
        "events_clustered",
        include_str!("../migrations/0010_events_clustered.sql"),
    ),
    (
        11,
        "outcome_days",
        include_str!("../migrations/0011_outcome_days.sql"),
    ),
    (
        12,
        "event_hashes",
        include_str!("../migrations/0012_event_hashes.sql"),
    ),
    (
        13,
        "receipt_days",
        include_str!("../migrations/0013_receipt_days.sql"),
    ),
];

pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER NOT NULL PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )
    .db()?;
    for (version, name, sql) in MIGRATIONS {
        // IMMEDIATE so two processes opening the same file do not both apply a migration.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .db()?;
        let applied: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
                [version],
                |r| r.get(0),
            )
            .db()?;
        if !applied {
            tx.execute_batch(sql).db()?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                params![version, name, ts(Utc::now())],
            )
            .db()?;
        }
        tx.commit().db()?;
    }
    Ok(())
}
