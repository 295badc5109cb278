//! The record's suite, case rows as stored, counters and void numbers (`store::record`).

use crate::cases::{summary_from_row, unpacked, SUMMARY_COLUMNS};
use crate::{corrupt, db, PgStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use crypto::Suite;
use deadpool_postgres::GenericClient;
use store::record::{RecordStore, StoredCase};
use store::Result;

fn suite_of(s: String) -> Result<Suite> {
    s.parse().map_err(|_| corrupt("crypto suite", s))
}

#[async_trait]
impl RecordStore for PgStore {
    async fn record_suite(&self) -> Result<Option<Suite>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("SELECT suite FROM record_suite WHERE id = 1")
            .await
            .map_err(db)?;
        conn.query_opt(&stmt, &[])
            .await
            .map_err(db)?
            .map(|r| suite_of(r.get(0)))
            .transpose()
    }

    async fn init_record_suite(&self, suite: Suite, at: DateTime<Utc>) -> Result<Suite> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO record_suite (id, suite, recorded_at) VALUES (1, $1, $2)
                 ON CONFLICT (id) DO NOTHING",
            )
            .await
            .map_err(db)?;
        conn.execute(&stmt, &[&suite.as_str(), &at])
            .await
            .map_err(db)?;
        self.record_suite()
            .await?
            .ok_or_else(|| corrupt("crypto suite", "not recorded"))
    }

    async fn stored_cases(&self, after: Option<&str>, limit: u32) -> Result<Vec<StoredCase>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!(
                "SELECT {SUMMARY_COLUMNS}, query_code, received_on, case_json FROM cases
                 WHERE number > $1 ORDER BY number LIMIT $2"
            ))
            .await
            .map_err(db)?;
        let rows = conn
            .query(&stmt, &[&after.unwrap_or(""), &i64::from(limit)])
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(StoredCase {
                    summary: summary_from_row(r)?,
                    query_code: r.get("query_code"),
                    received_on: r.get("received_on"),
                    // A snapshot that does not decode is a finding, not an error.
                    snapshot: unpacked(r, "case_json").ok(),
                })
            })
            .collect()
    }

    async fn counter_values(&self, name: &str) -> Result<Vec<(String, i64)>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("SELECT scope, value FROM counters WHERE name = $1 ORDER BY scope")
            .await
            .map_err(db)?;
        Ok(conn
            .query(&stmt, &[&name])
            .await
            .map_err(db)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    async fn void_number(&self, number: &str, reason: &str, at: DateTime<Utc>) -> Result<()> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO void_numbers (number, reason, at) VALUES ($1, $2, $3)
                 ON CONFLICT (number) DO NOTHING",
            )
            .await
            .map_err(db)?;
        conn.execute(&stmt, &[&number, &reason, &at])
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn void_numbers(&self) -> Result<Vec<String>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("SELECT number FROM void_numbers ORDER BY number")
            .await
            .map_err(db)?;
        Ok(conn
            .query(&stmt, &[])
            .await
            .map_err(db)?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }
}
