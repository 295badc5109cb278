//! The record's suite, case rows as stored, counters and void numbers (`store::record`).

use crate::cases::{summary_row, unpacked, SUMMARY_COLS};
use crate::{conversion, parse_day, parse_ts, ts, Db, SqliteStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use crypto::{Hash32, Suite};
use domain::audit::{AuditEntry, NewAuditEntry, AUDIT_GENESIS};
use domain::record::{Checkpoint, Leaf, LeafKind};
use rusqlite::{OptionalExtension, Row};
use store::record::{checkpoint_taken, AuditFilter, RecordStore, StoredCase};
use store::Result;

const CHECKPOINT_COLS: &str = "seq, sealed_at, suite, tree_size, root, prev, key_id, signature";

fn hash32(v: Vec<u8>) -> rusqlite::Result<Hash32> {
    v.try_into()
        .map_err(|_| conversion("a stored hash is not 32 bytes".to_string()))
}

const AUDIT_COLS: &str = "seq, at, actor_id, actor, source, action, object, outcome, detail, hash";

fn audit_row(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let action: String = r.get(5)?;
    let outcome: String = r.get(7)?;
    Ok(AuditEntry {
        seq: r.get::<_, i64>(0)? as u64,
        at: parse_ts(&r.get::<_, String>(1)?)?,
        actor_id: r.get(2)?,
        actor: r.get(3)?,
        source: r.get(4)?,
        action: action
            .parse()
            .map_err(|_| conversion(format!("audit action {action}")))?,
        object: r.get(6)?,
        outcome: outcome
            .parse()
            .map_err(|_| conversion(format!("audit outcome {outcome}")))?,
        detail: r.get(8)?,
        hash: hash32(r.get(9)?)?,
    })
}

/// The last entry's (seq, hash), else the last prune's, else the genesis.
fn audit_tail(c: &rusqlite::Connection) -> rusqlite::Result<(u64, Hash32)> {
    let last: Option<(i64, Vec<u8>)> = c
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let pruned: Option<(i64, Vec<u8>)> = c
        .query_row(
            "SELECT up_to, last_hash FROM audit_prunes ORDER BY up_to DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match last.or(pruned) {
        Some((seq, hash)) => Ok((seq as u64, hash32(hash)?)),
        None => Ok((0, AUDIT_GENESIS)),
    }
}

fn checkpoint_row(r: &Row<'_>) -> rusqlite::Result<Checkpoint> {
    Ok(Checkpoint {
        seq: r.get::<_, i64>(0)? as u64,
        sealed_at: parse_ts(&r.get::<_, String>(1)?)?,
        suite: suite_of(&r.get::<_, String>(2)?)?,
        tree_size: r.get::<_, i64>(3)? as u64,
        root: hash32(r.get(4)?)?,
        prev: hash32(r.get(5)?)?,
        key_id: r.get(6)?,
        signature: r.get(7)?,
    })
}

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
        let vault = self.vault().clone();
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
                        snapshot: unpacked(&vault, store::codec::Body::Case, r, 17).ok(),
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

    async fn claim_case_number(
        &self,
        counter: &str,
        scope: &str,
        at: DateTime<Utc>,
    ) -> Result<String> {
        let (counter, scope, at) = (counter.to_string(), scope.to_string(), ts(at));
        self.write(move |tx| {
            let value: i64 = tx
                .prepare_cached(
                    "INSERT INTO counters (name, scope, value) VALUES (?1, ?2, 1)
                     ON CONFLICT (name, scope) DO UPDATE SET value = value + 1
                     RETURNING value",
                )
                .db()?
                .query_row([&counter, &scope], |r| r.get(0))
                .db()?;
            let number = domain::case::CaseNumber::of_counter(&scope, value.max(0) as u64);
            tx.prepare_cached("INSERT INTO number_claims (number, claimed_at) VALUES (?1, ?2)")
                .db()?
                .execute([number.as_str(), at.as_str()])
                .db()?;
            Ok(number.to_string())
        })
        .await
    }

    async fn claims(&self, before: Option<DateTime<Utc>>) -> Result<Vec<String>> {
        // Fixed-width RFC 3339 text sorts as time.
        let before = before.map_or_else(|| "9999".to_string(), ts);
        self.read(move |c| {
            let mut st = c
                .prepare_cached(
                    "SELECT number FROM number_claims WHERE claimed_at < ?1 ORDER BY number",
                )
                .db()?;
            let rows = st.query_map([before], |r| r.get(0)).db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    async fn void_number(&self, number: &str, reason: &str, at: DateTime<Utc>) -> Result<()> {
        let (number, reason, at) = (number.to_string(), reason.to_string(), ts(at));
        self.write(move |tx| {
            tx.prepare_cached("DELETE FROM number_claims WHERE number = ?1")
                .db()?
                .execute([&number])
                .db()?;
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

    async fn case_heads(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(String, u32, Option<Hash32>)>> {
        let after = after.unwrap_or("").to_string();
        self.read(move |c| {
            let mut st = c
                .prepare_cached(
                    "SELECT c.number, c.version, e.hash FROM cases c
                     LEFT JOIN case_events e ON e.case_number = c.number AND e.seq = c.version
                     WHERE c.number > ?1 ORDER BY c.number LIMIT ?2",
                )
                .db()?;
            let rows = st
                .query_map(rusqlite::params![after, limit], |r| {
                    let hash: Option<Vec<u8>> = r.get(2)?;
                    Ok((r.get(0)?, r.get(1)?, hash.map(hash32).transpose()?))
                })
                .db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    async fn checkpoints(&self, from_seq: u64, limit: u32) -> Result<Vec<Checkpoint>> {
        self.read(move |c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {CHECKPOINT_COLS} FROM checkpoints WHERE seq >= ?1 ORDER BY seq LIMIT ?2"
                ))
                .db()?;
            let rows = st
                .query_map(rusqlite::params![from_seq as i64, limit], checkpoint_row)
                .db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    async fn latest_checkpoint(&self) -> Result<Option<Checkpoint>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {CHECKPOINT_COLS} FROM checkpoints ORDER BY seq DESC LIMIT 1"
            ))
            .db()?
            .query_row([], checkpoint_row)
            .optional()
            .db()
        })
        .await
    }

    async fn leaves(&self, from: u64, limit: u32) -> Result<Vec<(u64, Leaf)>> {
        self.read(move |c| {
            let mut st = c
                .prepare_cached(
                    "SELECT checkpoint, kind, subject, seq, hash FROM seal_leaves
                     WHERE idx >= ?1 ORDER BY idx LIMIT ?2",
                )
                .db()?;
            let rows = st
                .query_map(rusqlite::params![from as i64, limit], |r| {
                    let kind: String = r.get(1)?;
                    Ok((
                        r.get::<_, i64>(0)? as u64,
                        Leaf {
                            kind: kind
                                .parse::<LeafKind>()
                                .map_err(|_| conversion(format!("leaf kind {kind}")))?,
                            subject: r.get(2)?,
                            seq: r.get::<_, i64>(3)? as u64,
                            hash: hash32(r.get(4)?)?,
                        },
                    ))
                })
                .db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    async fn sealed_seqs(&self, kind: LeafKind, subjects: &[String]) -> Result<Vec<(String, u64)>> {
        if subjects.is_empty() {
            return Ok(vec![]);
        }
        // One statement a page: the subjects as a JSON array (no statement per page size).
        let list = serde_json::to_string(subjects)
            .map_err(|e| store::StoreError::Backend(e.to_string()))?;
        self.read(move |c| {
            let mut st = c
                .prepare_cached(
                    "SELECT subject, MAX(seq) FROM seal_leaves
                     WHERE kind = ?1 AND subject IN (SELECT value FROM json_each(?2))
                     GROUP BY subject",
                )
                .db()?;
            let rows = st
                .query_map(rusqlite::params![kind.as_str(), list], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
                })
                .db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    async fn append_checkpoint(&self, cp: &Checkpoint, leaves: &[Leaf]) -> Result<()> {
        let cp = cp.clone();
        let leaves = leaves.to_vec();
        self.write(move |tx| {
            let (last, size): (i64, i64) = tx
                .query_row(
                    "SELECT COALESCE(MAX(seq), 0), COALESCE(MAX(tree_size), 0) FROM checkpoints",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .db()?;
            if cp.seq as i64 != last + 1 || cp.tree_size as i64 != size + leaves.len() as i64 {
                return Err(checkpoint_taken(cp.seq));
            }
            tx.prepare_cached(&format!(
                "INSERT INTO checkpoints ({CHECKPOINT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            ))
            .db()?
            .execute(rusqlite::params![
                cp.seq as i64,
                ts(cp.sealed_at),
                cp.suite.as_str(),
                cp.tree_size as i64,
                cp.root.as_slice(),
                cp.prev.as_slice(),
                cp.key_id,
                cp.signature,
            ])
            .db()?;
            let mut st = tx
                .prepare_cached(
                    "INSERT INTO seal_leaves (idx, checkpoint, kind, subject, seq, hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .db()?;
            for (i, l) in leaves.iter().enumerate() {
                st.execute(rusqlite::params![
                    size + i as i64,
                    cp.seq as i64,
                    l.kind.as_str(),
                    l.subject,
                    l.seq as i64,
                    l.hash.as_slice(),
                ])
                .db()?;
            }
            Ok(())
        })
        .await
    }

    async fn append_audit(&self, entry: NewAuditEntry) -> Result<AuditEntry> {
        self.write(move |tx| {
            let suite = tx
                .query_row("SELECT suite FROM record_suite WHERE id = 1", [], |r| {
                    suite_of(&r.get::<_, String>(0)?)
                })
                .optional()
                .db()?
                .unwrap_or_default();
            let (seq, prev) = audit_tail(tx).db()?;
            let e = entry.chain(suite, seq + 1, &prev);
            tx.prepare_cached(&format!(
                "INSERT INTO audit_log ({AUDIT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ))
            .db()?
            .execute(rusqlite::params![
                e.seq as i64,
                ts(e.at),
                e.actor_id,
                e.actor,
                e.source,
                e.action.as_str(),
                e.object,
                e.outcome.as_str(),
                e.detail,
                e.hash.as_slice(),
            ])
            .db()?;
            Ok(e)
        })
        .await
    }

    async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let f = f.clone();
        self.read(move |c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {AUDIT_COLS} FROM audit_log
                     WHERE seq > ?1 AND (?2 IS NULL OR at >= ?2) AND (?3 IS NULL OR at < ?3)
                       AND (?4 IS NULL OR actor = ?4) AND (?5 IS NULL OR action = ?5)
                     ORDER BY seq LIMIT ?6"
                ))
                .db()?;
            let rows = st
                .query_map(
                    rusqlite::params![
                        f.after_seq as i64,
                        f.from.map(ts),
                        f.until.map(ts),
                        f.actor,
                        f.action.map(|a| a.as_str()),
                        f.limit,
                    ],
                    audit_row,
                )
                .db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    async fn audit_head(&self) -> Result<Option<(u64, Hash32)>> {
        self.read(|c| {
            c.query_row(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, hash32(r.get(1)?)?)),
            )
            .optional()
            .db()
        })
        .await
    }

    async fn audit_pruned(&self) -> Result<Option<(u64, Hash32)>> {
        self.read(|c| {
            c.query_row(
                "SELECT up_to, last_hash FROM audit_prunes ORDER BY up_to DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, hash32(r.get(1)?)?)),
            )
            .optional()
            .db()
        })
        .await
    }

    async fn prune_audit(
        &self,
        up_to: u64,
        before: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<u64> {
        self.write(move |tx| {
            let last: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT hash FROM audit_log WHERE seq = ?1",
                    [up_to as i64],
                    |r| r.get(0),
                )
                .optional()
                .db()?;
            let Some(last) = last else { return Ok(0) };
            // The prune is recorded first: the delete trigger lets only rows up to it go.
            tx.execute(
                "INSERT INTO audit_prunes (up_to, last_hash, before, at) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![up_to as i64, last, ts(before), ts(at)],
            )
            .db()?;
            let n = tx
                .execute("DELETE FROM audit_log WHERE seq <= ?1", [up_to as i64])
                .db()?;
            Ok(n as u64)
        })
        .await
    }
}
