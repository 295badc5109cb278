//! The record's suite, case rows as stored, counters and void numbers (`store::record`).

use crate::cases::{summary_from_row, unpacked, SUMMARY_COLUMNS};
use crate::{corrupt, db, PgStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use crypto::{Hash32, Suite};
use deadpool_postgres::GenericClient;
use domain::audit::{AuditEntry, NewAuditEntry, AUDIT_GENESIS};
use domain::record::{Checkpoint, Leaf, LeafKind};
use store::record::{checkpoint_taken, AuditFilter, RecordStore, StoredCase};
use store::Result;
use tokio_postgres::Row;

const CHECKPOINT_COLS: &str = "seq, sealed_at, suite, tree_size, root, prev, key_id, signature";

fn hash32(v: Vec<u8>) -> Result<Hash32> {
    v.try_into()
        .map_err(|v: Vec<u8>| corrupt("stored hash length", v.len()))
}

const AUDIT_COLS: &str = "seq, at, actor_id, actor, source, action, object, outcome, detail, hash";

fn audit_row(r: &Row) -> Result<AuditEntry> {
    let action: String = r.get("action");
    let outcome: String = r.get("outcome");
    Ok(AuditEntry {
        seq: r.get::<_, i64>("seq") as u64,
        at: r.get("at"),
        actor_id: r.get("actor_id"),
        actor: r.get("actor"),
        source: r.get("source"),
        action: action
            .parse()
            .map_err(|_| corrupt("audit action", action.clone()))?,
        object: r.get("object"),
        outcome: outcome
            .parse()
            .map_err(|_| corrupt("audit outcome", outcome.clone()))?,
        detail: r.get("detail"),
        hash: hash32(r.get("hash"))?,
    })
}

fn checkpoint_row(r: &Row) -> Result<Checkpoint> {
    Ok(Checkpoint {
        seq: r.get::<_, i64>("seq") as u64,
        sealed_at: r.get("sealed_at"),
        suite: suite_of(r.get("suite"))?,
        tree_size: r.get::<_, i64>("tree_size") as u64,
        root: hash32(r.get("root"))?,
        prev: hash32(r.get("prev"))?,
        key_id: r.get("key_id"),
        signature: r.get("signature"),
    })
}

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
                    snapshot: unpacked(self.vault(), store::codec::Body::Case, r, "case_json").ok(),
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

    async fn claim_case_number(
        &self,
        counter: &str,
        scope: &str,
        at: DateTime<Utc>,
    ) -> Result<String> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        let value: i64 = tx
            .query_one(
                "INSERT INTO counters (name, scope, value) VALUES ($1, $2, 1)
                 ON CONFLICT (name, scope) DO UPDATE SET value = counters.value + 1
                 RETURNING value",
                &[&counter, &scope],
            )
            .await
            .map_err(db)?
            .get(0);
        let number = domain::case::CaseNumber::of_counter(scope, value.max(0) as u64);
        tx.execute(
            "INSERT INTO number_claims (number, claimed_at) VALUES ($1, $2)",
            &[&number.as_str(), &at],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(number.to_string())
    }

    async fn claims(&self, before: Option<DateTime<Utc>>) -> Result<Vec<String>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT number FROM number_claims
                 WHERE $1::timestamptz IS NULL OR claimed_at < $1 ORDER BY number",
            )
            .await
            .map_err(db)?;
        Ok(conn
            .query(&stmt, &[&before])
            .await
            .map_err(db)?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    async fn void_number(&self, number: &str, reason: &str, at: DateTime<Utc>) -> Result<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        tx.execute("DELETE FROM number_claims WHERE number = $1", &[&number])
            .await
            .map_err(db)?;
        tx.execute(
            "INSERT INTO void_numbers (number, reason, at) VALUES ($1, $2, $3)
             ON CONFLICT (number) DO NOTHING",
            &[&number, &reason, &at],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
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

    async fn case_heads(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(String, u32, Option<Hash32>)>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT c.number, c.version, e.hash FROM cases c
                 LEFT JOIN case_events e ON e.case_number = c.number AND e.seq = c.version
                 WHERE c.number > $1 ORDER BY c.number LIMIT $2",
            )
            .await
            .map_err(db)?;
        conn.query(&stmt, &[&after.unwrap_or(""), &i64::from(limit)])
            .await
            .map_err(db)?
            .iter()
            .map(|r| {
                let hash: Option<Vec<u8>> = r.get(2);
                Ok((
                    r.get(0),
                    r.get::<_, i64>(1) as u32,
                    hash.map(hash32).transpose()?,
                ))
            })
            .collect()
    }

    async fn checkpoints(&self, from_seq: u64, limit: u32) -> Result<Vec<Checkpoint>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!(
                "SELECT {CHECKPOINT_COLS} FROM checkpoints WHERE seq >= $1 ORDER BY seq LIMIT $2"
            ))
            .await
            .map_err(db)?;
        conn.query(&stmt, &[&(from_seq as i64), &i64::from(limit)])
            .await
            .map_err(db)?
            .iter()
            .map(checkpoint_row)
            .collect()
    }

    async fn latest_checkpoint(&self) -> Result<Option<Checkpoint>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!(
                "SELECT {CHECKPOINT_COLS} FROM checkpoints ORDER BY seq DESC LIMIT 1"
            ))
            .await
            .map_err(db)?;
        conn.query_opt(&stmt, &[])
            .await
            .map_err(db)?
            .as_ref()
            .map(checkpoint_row)
            .transpose()
    }

    async fn leaves(&self, from: u64, limit: u32) -> Result<Vec<(u64, Leaf)>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT checkpoint, kind, subject, seq, hash FROM seal_leaves
                 WHERE idx >= $1 ORDER BY idx LIMIT $2",
            )
            .await
            .map_err(db)?;
        conn.query(&stmt, &[&(from as i64), &i64::from(limit)])
            .await
            .map_err(db)?
            .iter()
            .map(|r| {
                let kind: String = r.get(1);
                Ok((
                    r.get::<_, i64>(0) as u64,
                    Leaf {
                        kind: kind
                            .parse::<LeafKind>()
                            .map_err(|_| corrupt("leaf kind", kind))?,
                        subject: r.get(2),
                        seq: r.get::<_, i64>(3) as u64,
                        hash: hash32(r.get(4))?,
                    },
                ))
            })
            .collect()
    }

    async fn sealed_seqs(&self, kind: LeafKind, subjects: &[String]) -> Result<Vec<(String, u64)>> {
        if subjects.is_empty() {
            return Ok(vec![]);
        }
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT subject, MAX(seq) FROM seal_leaves
                 WHERE kind = $1 AND subject = ANY($2)
                 GROUP BY subject",
            )
            .await
            .map_err(db)?;
        Ok(conn
            .query(&stmt, &[&kind.as_str(), &subjects])
            .await
            .map_err(db)?
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1) as u64))
            .collect())
    }

    async fn append_checkpoint(&self, cp: &Checkpoint, leaves: &[Leaf]) -> Result<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        // One sealer at a time: the lock orders two servers sealing at once.
        tx.execute("LOCK TABLE checkpoints IN EXCLUSIVE MODE", &[])
            .await
            .map_err(db)?;
        let row = tx
            .query_one(
                "SELECT COALESCE(MAX(seq), 0), COALESCE(MAX(tree_size), 0) FROM checkpoints",
                &[],
            )
            .await
            .map_err(db)?;
        let (last, size): (i64, i64) = (row.get(0), row.get(1));
        if cp.seq as i64 != last + 1 || cp.tree_size as i64 != size + leaves.len() as i64 {
            return Err(checkpoint_taken(cp.seq));
        }
        tx.execute(
            &format!(
                "INSERT INTO checkpoints ({CHECKPOINT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ),
            &[
                &(cp.seq as i64),
                &cp.sealed_at,
                &cp.suite.as_str(),
                &(cp.tree_size as i64),
                &cp.root.as_slice(),
                &cp.prev.as_slice(),
                &cp.key_id,
                &cp.signature,
            ],
        )
        .await
        .map_err(db)?;
        let stmt = tx
            .prepare(
                "INSERT INTO seal_leaves (idx, checkpoint, kind, subject, seq, hash)
                 SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[],
                                      $5::bigint[], $6::bytea[])",
            )
            .await
            .map_err(db)?;
        let idx: Vec<i64> = (0..leaves.len() as i64).map(|i| size + i).collect();
        let cps: Vec<i64> = vec![cp.seq as i64; leaves.len()];
        let kinds: Vec<&str> = leaves.iter().map(|l| l.kind.as_str()).collect();
        let subjects: Vec<&str> = leaves.iter().map(|l| l.subject.as_str()).collect();
        let seqs: Vec<i64> = leaves.iter().map(|l| l.seq as i64).collect();
        let hashes: Vec<&[u8]> = leaves.iter().map(|l| l.hash.as_slice()).collect();
        tx.execute(&stmt, &[&idx, &cps, &kinds, &subjects, &seqs, &hashes])
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn append_audit(&self, entry: NewAuditEntry) -> Result<AuditEntry> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        // Entries are chained one after another: one appender at a time.
        tx.execute("LOCK TABLE audit_log IN EXCLUSIVE MODE", &[])
            .await
            .map_err(db)?;
        let suite = match tx
            .query_opt("SELECT suite FROM record_suite WHERE id = 1", &[])
            .await
            .map_err(db)?
        {
            Some(r) => suite_of(r.get(0))?,
            None => Suite::default(),
        };
        let last = tx
            .query_opt(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                &[],
            )
            .await
            .map_err(db)?;
        let pruned = tx
            .query_opt(
                "SELECT up_to, last_hash FROM audit_prunes ORDER BY up_to DESC LIMIT 1",
                &[],
            )
            .await
            .map_err(db)?;
        let (seq, prev) = match last.or(pruned) {
            Some(r) => (r.get::<_, i64>(0) as u64, hash32(r.get(1))?),
            None => (0, AUDIT_GENESIS),
        };
        let e = entry.chain(suite, seq + 1, &prev);
        tx.execute(
            &format!(
                "INSERT INTO audit_log ({AUDIT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            ),
            &[
                &(e.seq as i64),
                &e.at,
                &e.actor_id,
                &e.actor,
                &e.source,
                &e.action.as_str(),
                &e.object,
                &e.outcome.as_str(),
                &e.detail,
                &e.hash.as_slice(),
            ],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(e)
    }

    async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!(
                "SELECT {AUDIT_COLS} FROM audit_log
                 WHERE seq > $1 AND ($2::timestamptz IS NULL OR at >= $2)
                   AND ($3::timestamptz IS NULL OR at < $3)
                   AND ($4::text IS NULL OR actor = $4) AND ($5::text IS NULL OR action = $5)
                 ORDER BY seq LIMIT $6"
            ))
            .await
            .map_err(db)?;
        conn.query(
            &stmt,
            &[
                &(f.after_seq as i64),
                &f.from,
                &f.until,
                &f.actor,
                &f.action.map(|a| a.as_str()),
                &i64::from(f.limit),
            ],
        )
        .await
        .map_err(db)?
        .iter()
        .map(audit_row)
        .collect()
    }

    async fn audit_head(&self) -> Result<Option<(u64, Hash32)>> {
        let conn = self.conn().await?;
        conn.query_opt(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            &[],
        )
        .await
        .map_err(db)?
        .map(|r| Ok((r.get::<_, i64>(0) as u64, hash32(r.get(1))?)))
        .transpose()
    }

    async fn audit_pruned(&self) -> Result<Option<(u64, Hash32)>> {
        let conn = self.conn().await?;
        conn.query_opt(
            "SELECT up_to, last_hash FROM audit_prunes ORDER BY up_to DESC LIMIT 1",
            &[],
        )
        .await
        .map_err(db)?
        .map(|r| Ok((r.get::<_, i64>(0) as u64, hash32(r.get(1))?)))
        .transpose()
    }

    async fn prune_audit(
        &self,
        up_to: u64,
        before: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<u64> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        let Some(last) = tx
            .query_opt(
                "SELECT hash FROM audit_log WHERE seq = $1",
                &[&(up_to as i64)],
            )
            .await
            .map_err(db)?
        else {
            return Ok(0);
        };
        let last: Vec<u8> = last.get(0);
        // The prune is recorded first: the delete trigger lets only rows up to it go.
        tx.execute(
            "INSERT INTO audit_prunes (up_to, last_hash, before, at) VALUES ($1, $2, $3, $4)",
            &[&(up_to as i64), &last, &before, &at],
        )
        .await
        .map_err(db)?;
        let n = tx
            .execute("DELETE FROM audit_log WHERE seq <= $1", &[&(up_to as i64)])
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(n)
    }
}
