//! The record's suite, case rows as stored, counters and void numbers (`store::record`).

use crate::cases::{summary_row, unpacked, SUMMARY_COLS};
use crate::{conversion, parse_day, ts, Db, SqliteStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use crypto::Suite;
use rusqlite::OptionalExtension;
use store::record::{RecordStore, StoredCase};
use store::Result;

fn suite_of(s: &str) -> rusqlite::Result<Suite> {
    s.parse()
        .map_err(|_| conversion(format!("unknown crypto suite {s}")))
}

#[async_trait]
impl RecordStore for SqliteStore {
    async fn record_suite(&self) -> Result<Option<Suite>> {
        self.read(|c| {
            c.prepare_cached("SELECT suite FROM record_suite WHERE id = 1")
                .db()?
                .query_row([], |r| suite_of(&r.get::<_, String>(0)?))
                .optional()
                .db()
        })
        .await
    }

    async fn init_record_suite(&self, suite: Suite, at: DateTime<Utc>) -> Result<Suite> {
        let at = ts(at);
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO record_suite (id, suite, recorded_at) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO NOTHING",
            )
            .db()?
            .execute([suite.as_str(), at.as_str()])
            .db()?;
            tx.prepare_cached("SELECT suite FROM record_suite WHERE id = 1")
                .db()?
                .query_row([], |r| suite_of(&r.get::<_, String>(0)?))
                .db()
        })
        .await
    }

    async fn stored_cases(&self, after: Option<&str>, limit: u32) -> Result<Vec<StoredCase>> {
        let after = after.unwrap_or("").to_string();
        self.read(move |c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {SUMMARY_COLS}, query_code, received_on, case_json FROM cases
                     WHERE number > ?1 ORDER BY number LIMIT ?2"
                ))
                .db()?;
            let rows = st
                .query_map(rusqlite::params![after, limit], |r| {
                    let received: Option<String> = r.get(16)?;
                    Ok(StoredCase {
                        summary: summary_row(r)?,
                        query_code: r.get(15)?,
                        received_on: received.as_deref().map(parse_day).transpose()?,
                        // A snapshot that does not decode is a finding, not an error.
                        snapshot: unpacked(r, 17).ok(),
                    })
                })
                .db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    async fn counter_values(&self, name: &str) -> Result<Vec<(String, i64)>> {
        let name = name.to_string();
        self.read(move |c| {
            let mut st = c
                .prepare_cached("SELECT scope, value FROM counters WHERE name = ?1 ORDER BY scope")
                .db()?;
            let rows = st.query_map([name], |r| Ok((r.get(0)?, r.get(1)?))).db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    async fn void_number(&self, number: &str, reason: &str, at: DateTime<Utc>) -> Result<()> {
        let (number, reason, at) = (number.to_string(), reason.to_string(), ts(at));
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO void_numbers (number, reason, at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (number) DO NOTHING",
            )
            .db()?
            .execute([number, reason, at])
            .db()?;
            Ok(())
        })
        .await
    }

    async fn void_numbers(&self) -> Result<Vec<String>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached("SELECT number FROM void_numbers ORDER BY number")
                .db()?;
            let rows = st.query_map([], |r| r.get(0)).db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }
}
