//! Numbered migrations embedded in the binary (generated from `migrations/` by `build.rs`), applied
//! at open, each recorded in `schema_migrations` with its checksum so applying them again is a
//! no-op and a changed one is refused (`store::migrations`).

use crate::{ts, Db};
use chrono::Utc;
use rusqlite::{params, Connection, TransactionBehavior};
use store::migrations::{plan, Applied};
use store::{Result, StoreError};

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER NOT NULL PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TEXT NOT NULL,
            checksum   TEXT
        )",
    )
    .db()?;
    // IMMEDIATE so two processes opening the same file do not both apply a migration; one
    // transaction, so a failed migration leaves the file as it was.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .db()?;
    let has_checksums: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info('schema_migrations') WHERE name = 'checksum')",
            [],
            |r| r.get(0),
        )
        .db()?;
    if !has_checksums {
        // A database from before checksums were recorded.
        tx.execute_batch("ALTER TABLE schema_migrations ADD COLUMN checksum TEXT")
            .db()?;
    }
    let applied = {
        let mut st = tx
            .prepare("SELECT version, checksum FROM schema_migrations ORDER BY version")
            .db()?;
        let rows = st
            .query_map([], |r| {
                Ok(Applied {
                    version: r.get(0)?,
                    checksum: r.get(1)?,
                })
            })
            .db()?;
        rows.collect::<rusqlite::Result<Vec<_>>>().db()?
    };
    let plan = plan(MIGRATIONS, &applied).map_err(|e| StoreError::Backend(e.to_string()))?;
    for (version, checksum) in &plan.record_checksums {
        tx.execute(
            "UPDATE schema_migrations SET checksum = ?2 WHERE version = ?1",
            params![version, checksum],
        )
        .db()?;
    }
    for m in &plan.pending {
        tx.execute_batch(m.sql).map_err(|e| {
            StoreError::Backend(format!("migration {:04} ({}): {e}", m.version, m.name))
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at, checksum)
             VALUES (?1, ?2, ?3, ?4)",
            params![m.version, m.name, ts(Utc::now()), m.checksum()],
        )
        .db()?;
    }
    tx.commit().db()
}
