//! Sealing what was written before personal data was encrypted (issue 16, part 6): one step of
//! `MetaStore::seal_personal_data`, run in the writer's transaction. The encryption runs on the
//! writer thread here, unlike the write path's, because this runs once per database.

use crate::Db;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use store::codec::Body;
use store::vault::{snapshot_id_number, Field, Vault, SEALED_TEXT};
use store::{Result, SealStep, StoreError};

pub(crate) fn seal_step(
    tx: &Transaction<'_>,
    vault: &Vault,
    after: Option<&str>,
    cases: u32,
) -> Result<SealStep> {
    let mut rows = 0;
    if after.is_none() {
        rows += seal_texts(tx, vault, "users", "phone", Field::UserPhone)?;
        rows += seal_texts(
            tx,
            vault,
            "complaints",
            "complainant_phone",
            Field::ComplainantPhone,
        )?;
    }
    let batch: Vec<(String, Vec<u8>)> = {
        let mut st = tx
            .prepare_cached(
                "SELECT number, CAST(case_json AS BLOB) FROM cases WHERE number > ?1
                 ORDER BY number LIMIT ?2",
            )
            .db()?;
        let found = st
            .query_map(params![after.unwrap_or(""), cases], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .db()?;
        found.collect::<rusqlite::Result<_>>().db()?
    };
    let Some(last) = batch.last().map(|(n, _)| n.clone()) else {
        return Ok(SealStep {
            rows,
            last_case: None,
        });
    };
    // The append-only trigger's own text, to put it back exactly; `None` until lifted here.
    let mut lifted: Option<Option<String>> = None;
    for (number, stored) in &batch {
        let json = vault
            .open_body(Body::Case, stored)
            .map_err(|e| StoreError::Backend(format!("case {number}: {e}")))?;
        let id = snapshot_id_number(&json).map_err(StoreError::Backend)?;
        rows += tx
            .prepare_cached(
                "INSERT INTO applicant_index (id_key, case_number) VALUES (?1, ?2)
                 ON CONFLICT DO NOTHING",
            )
            .db()?
            .execute(params![vault.id_key(&id), number])
            .db()? as u64;
        if !Vault::is_sealed_body(stored) {
            tx.prepare_cached("UPDATE cases SET case_json = ?1 WHERE number = ?2")
                .db()?
                .execute(params![vault.seal_body(Body::Case, &json), number])
                .db()?;
            rows += 1;
        }
        let events: Vec<(i64, Vec<u8>)> = {
            let mut st = tx
                .prepare_cached(
                    "SELECT seq, CAST(event_json AS BLOB) FROM case_events WHERE case_number = ?1
                     ORDER BY seq",
                )
                .db()?;
            let found = st
                .query_map([number], |r| Ok((r.get(0)?, r.get(1)?)))
                .db()?;
            found.collect::<rusqlite::Result<_>>().db()?
        };
        for (seq, body) in events.iter().filter(|(_, b)| !Vault::is_sealed_body(b)) {
            if lifted.is_none() {
                let sql: Option<String> = tx
                    .query_row(
                        "SELECT sql FROM sqlite_master
                         WHERE type = 'trigger' AND name = 'case_events_no_update'",
                        [],
                        |r| r.get(0),
                    )
                    .optional()
                    .db()?;
                if sql.is_some() {
                    tx.execute_batch("DROP TRIGGER case_events_no_update")
                        .db()?;
                }
                lifted = Some(sql);
            }
            let sealed = vault
                .reseal_body(Body::Event, body)
                .map_err(|e| StoreError::Backend(format!("case {number} event {seq}: {e}")))?;
            tx.prepare_cached(
                "UPDATE case_events SET event_json = ?1 WHERE case_number = ?2 AND seq = ?3",
            )
            .db()?
            .execute(params![sealed, number, seq])
            .db()?;
            rows += 1;
        }
    }
    if let Some(Some(sql)) = lifted {
        tx.execute_batch(&sql).db()?;
    }
    Ok(SealStep {
        rows,
        last_case: Some(last),
    })
}

/// Seals a text column's clear values (a few thousand users or complaints: all in one step).
fn seal_texts(
    tx: &Transaction<'_>,
    vault: &Vault,
    table: &str,
    column: &str,
    field: Field,
) -> Result<u64> {
    let clear: Vec<(i64, String)> = {
        let mut st = tx
            .prepare(&format!(
                "SELECT id, {column} FROM {table}
                 WHERE {column} IS NOT NULL AND substr({column}, 1, {n}) <> '{SEALED_TEXT}'",
                n = SEALED_TEXT.len()
            ))
            .db()?;
        let found = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).db()?;
        found.collect::<rusqlite::Result<_>>().db()?
    };
    let mut st = tx
        .prepare(&format!("UPDATE {table} SET {column} = ?1 WHERE id = ?2"))
        .db()?;
    for (id, text) in &clear {
        st.execute(params![vault.seal_text(field, text), id]).db()?;
    }
    Ok(clear.len() as u64)
}

/// Rewrites the file (`VACUUM`: no freed page or cell keeps an old clear value) and empties the
/// WAL (its frames still hold the pages as they were before sealing). Runs on a connection of its
/// own, at start, while the store's own connections are idle.
pub(crate) fn scrub(path: &std::path::Path) -> Result<()> {
    let c = Connection::open(path).db()?;
    c.busy_timeout(std::time::Duration::from_secs(30)).db()?;
    c.execute_batch("VACUUM").db()?;
    let busy: i64 = c
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
        .db()?;
    if busy != 0 {
        return Err(StoreError::Backend(
            "scrub: the WAL could not be emptied (a reader is still open)".into(),
        ));
    }
    Ok(())
}
