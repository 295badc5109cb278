//! The record against someone with the database (issue 16, part 3), on SQLite and PostgreSQL:
//! each attack an outside tester made is scripted against a real database file or schema,
//! bypassing the append-only triggers as a DBA would, and `app::verify::run` must name it. A clean
//! database passes.
//!
//! Covered here: a truncated tail, a deleted case (events and row), an edited snapshot (a deadline
//! moved to 2027-12-31, column and JSON), a dropped trigger, a log chained with another suite.

use app::verify::{self, Finding, Trust};
use chrono::{DateTime, Utc};
use crypto::CryptoProvider;
use domain::case::{EventKind, MaterialStatus};
use std::sync::Arc;
use store::conformance::{filed_case, next_events, seed_regions, CaseFixture, TOWN, VILLAGE};
use store::Store;

const SCOPE: &str = "33010200100020260302";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A window case filed at [`TOWN`] on 2026-03-02.
fn fixture(number: &str) -> CaseFixture<'_> {
    CaseFixture {
        number,
        place: TOWN,
        decide_place: TOWN,
        applicant_region: VILLAGE,
        department: "scjg",
        channel: domain::case::Channel::Window,
        applicant_user_id: None,
        agent_user_id: None,
        at: "2026-03-02T01:00:00Z",
    }
}

/// Five window cases numbered from the case counter, each with three events.
async fn five_cases(store: &dyn Store) -> Vec<String> {
    seed_regions(store).await;
    let mut numbers = vec![];
    for _ in 0..5 {
        let n = store
            .next_counter(app::cases::CASE_COUNTER, SCOPE)
            .await
            .unwrap();
        let number = domain::case::CaseNumber::of_counter(SCOPE, n as u64).to_string();
        let (case, events) = filed_case(&fixture(&number));
        store.create_case(&case, &events).await.unwrap();
        let marked = EventKind::MaterialMarked {
            index: 0,
            status: MaterialStatus::Received,
            reason: String::new(),
        };
        let (v3, e3) = next_events(&case, &events, "2026-03-02T02:00:00Z", vec![marked]);
        store.append_events(&v3, 2, &e3).await.unwrap();
        numbers.push(number);
    }
    numbers
}

/// What a DBA can do to each backend, around its triggers.
#[async_trait::async_trait]
trait Dba {
    /// Runs statements with the append-only triggers (and foreign keys) out of the way.
    async fn bypass(&self, sql: &str);
    async fn snapshot(&self, number: &str) -> Vec<u8>;
    async fn set_snapshot(&self, number: &str, body: &[u8], due: &str);
    async fn drop_trigger(&self, table: &str, name: &str);
    async fn event_body(&self, number: &str, seq: u32) -> Vec<u8>;
    /// A bytes literal in the backend's SQL.
    fn bytes_literal(&self, bytes: &[u8]) -> String;
    /// Runs statements as any connection would, triggers in place; the database's refusal, if any.
    async fn try_sql(&self, sql: &str) -> Result<(), String>;
    /// Rewrites an event's body and hash, around the triggers.
    async fn rewrite_event(&self, number: &str, seq: u32, body: &[u8], hash: &[u8]);
}

/// Moves the case's correction deadline (its due date while submitted) to 2027-12-31 in the
/// snapshot, as the outside tester did.
fn moved_deadline(stored: &[u8]) -> Vec<u8> {
    let mut case: serde_json::Value = store::vault::Vault::for_tests()
        .from_stored(store::codec::Body::Case, stored)
        .unwrap();
    assert!(case["deadlines"]["correction_due"].is_string(), "{case}");
    case["deadlines"]["correction_due"] = "2027-12-31".into();
    store::vault::Vault::for_tests()
        .to_stored(store::codec::Body::Case, &case)
        .unwrap()
}

async fn attack_and_verify(store: Arc<dyn Store>, dba: &dyn Dba) {
    store
        .init_record_suite(crypto::Suite::Intl, Utc::now())
        .await
        .unwrap();
    let n = five_cases(store.as_ref()).await;
    let now = at("2026-03-03T00:00:00Z");

    let clean = verify::run(store.as_ref(), now, &Trust::default())
        .await
        .unwrap();
    assert_eq!(clean.findings, vec![], "a clean database passes");
    assert_eq!((clean.cases, clean.events, clean.numbers), (5, 15, 5));

    // A number claimed for a filing in flight is issued and explained; creating its case, or
    // voiding it, ends the claim.
    let claimed = store
        .claim_case_number(app::cases::CASE_COUNTER, SCOPE, now)
        .await
        .unwrap();
    assert_eq!(claimed, format!("{SCOPE}00006"));
    assert_eq!(store.claims(None).await.unwrap(), vec![claimed.clone()]);
    assert_eq!(store.claims(Some(now)).await.unwrap(), Vec::<String>::new());
    let r = verify::run(store.as_ref(), now, &Trust::default())
        .await
        .unwrap();
    assert_eq!((r.numbers, r.findings.len()), (6, 0));
    store
        .void_number(&claimed, "立案未完成: 测试", now)
        .await
        .unwrap();
    assert_eq!(store.claims(None).await.unwrap(), Vec::<String>::new());
    assert_eq!(store.void_numbers().await.unwrap(), vec![claimed]);

    // (2) The last event of case 0 taken away.
    dba.bypass(&format!(
        "DELETE FROM case_events WHERE case_number = '{}' AND seq = 3",
        n[0]
    ))
    .await;
    // (3) Case 1 deleted whole: its events and its row.
    dba.bypass(&format!(
        "DELETE FROM case_events WHERE case_number = '{0}';
         DELETE FROM cases WHERE number = '{0}'",
        n[1]
    ))
    .await;
    // (4) Case 2's deadline moved, in the snapshot and the column the lists read.
    let body = moved_deadline(&dba.snapshot(&n[2]).await);
    dba.set_snapshot(&n[2], &body, "2027-12-31").await;
    // (5) The update guard dropped.
    dba.drop_trigger("case_events", "case_events_no_update")
        .await;

    let r = verify::run(store.as_ref(), now, &Trust::default())
        .await
        .unwrap();
    assert!(!r.intact());
    let of = |case: &str| -> Vec<&Finding> {
        r.findings
            .iter()
            .filter(|f| f.case() == Some(case))
            .collect()
    };
    assert!(
        of(&n[0]).contains(&&Finding::LengthMismatch {
            case: n[0].clone(),
            events: 2,
            version: 3
        }),
        "{:?}",
        r.findings
    );
    assert_eq!(
        of(&n[1]),
        vec![&Finding::MissingNumber {
            number: n[1].clone()
        }]
    );
    assert_eq!(
        of(&n[2]),
        vec![&Finding::SnapshotMismatch {
            case: n[2].clone(),
            fields: vec!["case_json".into(), "due".into()]
        }]
    );
    assert_eq!(of(&n[3]), Vec::<&Finding>::new());
    assert!(r.findings.contains(&Finding::GuardMissing {
        table: "case_events".into(),
        trigger: "case_events_no_update".into()
    }));
    assert_eq!(r.cases, 4);
    for f in &r.findings {
        assert!(!f.message().is_empty());
    }

    // A number voided when its filing failed is explained, not missing.
    store
        .void_number(&n[1], "立案未完成: 测试", now)
        .await
        .unwrap();
    let r = verify::run(store.as_ref(), now, &Trust::default())
        .await
        .unwrap();
    assert_eq!(of_number(&r.findings, &n[1]), 0);
}

/// The attacks that need a key to catch: the log rewritten with its chain recomputed (and the
/// snapshot made to match), a sealed case deleted with its number voided, a counter turned back,
/// a leaf edited, a checkpoint forged with another key, and the latest checkpoints rolled back.
async fn sealed_attacks_and_verify(store: Arc<dyn Store>, dba: &dyn Dba) {
    let suite = crypto::Suite::Intl;
    store.init_record_suite(suite, Utc::now()).await.unwrap();
    let n = five_cases(store.as_ref()).await;
    let keys = crypto::SoftProvider::ephemeral(suite);
    let public = keys.public_keys();
    let trust = || Trust {
        keys: &public,
        outside: None,
    };
    let now = at("2026-03-03T00:00:00Z");
    let seal = |t: &str| app::checkpoints::seal_with(store.as_ref(), &keys, at(t));
    for (i, action) in [
        domain::audit::AuditAction::SignIn,
        domain::audit::AuditAction::GrantsChanged,
        domain::audit::AuditAction::SignOut,
    ]
    .into_iter()
    .enumerate()
    {
        let e = store
            .append_audit(domain::audit::NewAuditEntry {
                at: at("2026-03-02T02:30:00Z"),
                actor_id: Some(1),
                actor: "admin".into(),
                source: "10.0.0.8".into(),
                action,
                object: "user:7".into(),
                outcome: domain::audit::Outcome::Success,
                detail: String::new(),
            })
            .await
            .unwrap();
        assert_eq!(e.seq, i as u64 + 1);
    }
    // The log refuses changes from any connection; only entries up to a recorded prune may go.
    for sql in [
        "UPDATE audit_log SET detail = '改' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 3",
    ] {
        let err = dba.try_sql(sql).await.expect_err(sql);
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    let c1 = seal("2026-03-02T03:00:00Z").await.unwrap();
    assert_eq!(
        (c1.seq, c1.tree_size),
        (1, 7),
        "five cases, one counter and the audit log's head"
    );
    // Nothing moved: a checkpoint still seals (the record was there at that hour), no leaves.
    let c2 = seal("2026-03-02T04:00:00Z").await.unwrap();
    assert_eq!((c2.seq, c2.tree_size, c2.prev), (2, 7, c1.link()));
    let kept = app::checkpoints::export(store.as_ref(), &keys)
        .await
        .unwrap();
    let clean = verify::run(store.as_ref(), now, &trust()).await.unwrap();
    assert_eq!(clean.findings, vec![]);
    assert!(clean.signatures_checked);
    assert_eq!(clean.checkpoints, 2);

    // (1) Case 0's second event rewritten, the chain recomputed after it and the snapshot's last
    // hash set to match: the log alone is consistent again.
    let body = dba.event_body(&n[0], 2).await;
    let mut v: serde_json::Value = store::vault::Vault::for_tests()
        .from_stored(store::codec::Body::Event, &body)
        .unwrap();
    v["comment"] = "改写".into();
    let forged = store::vault::Vault::for_tests()
        .to_stored(store::codec::Body::Event, &v)
        .unwrap();
    dba.rewrite_event(&n[0], 2, &forged, &[0; 32]).await;
    let mut log = store.case_events(&n[0]).await.unwrap();
    let mut prev = log[0].hash.clone();
    for e in log.iter_mut().skip(1) {
        e.prev_hash = prev.clone();
        e.hash = e.compute_hash(suite);
        prev = e.hash.clone();
    }
    for e in &log[1..] {
        let body = dba.event_body(&n[0], e.seq).await;
        dba.rewrite_event(&n[0], e.seq, &body, &hex::decode(&e.hash).unwrap())
            .await;
    }
    assert_eq!(
        domain::case::verify_chain(&store.case_events(&n[0]).await.unwrap()),
        Ok(())
    );
    let mut snap: serde_json::Value = store::vault::Vault::for_tests()
        .from_stored(store::codec::Body::Case, &dba.snapshot(&n[0]).await)
        .unwrap();
    snap["last_hash"] = prev.clone().into();
    let snap = store::vault::Vault::for_tests()
        .to_stored(store::codec::Body::Case, &snap)
        .unwrap();
    let due = store
        .get_case(&n[0])
        .await
        .unwrap()
        .unwrap()
        .current_deadline()
        .unwrap();
    dba.set_snapshot(&n[0], &snap, &due.to_string()).await;
    let r = verify::run(store.as_ref(), now, &trust()).await.unwrap();
    assert_eq!(
        r.findings,
        vec![Finding::SealedCaseChanged {
            case: n[0].clone(),
            seq: 3
        }],
        "the rewrite is seen only through the seal"
    );

    // An audit entry rewritten around the triggers: the chain breaks there.
    dba.bypass("UPDATE audit_log SET detail = '改' WHERE seq = 2")
        .await;
    let r = verify::run(store.as_ref(), now, &trust()).await.unwrap();
    assert!(
        r.findings.contains(&Finding::AuditChainBroken { seq: 2 }),
        "{:?}",
        r.findings
    );
    // … and the sealed head rewritten with its chain made whole again: the seal says so.
    let mut log = store
        .audit_entries(&store::record::AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut prev = domain::audit::AUDIT_GENESIS;
    for e in log.iter_mut() {
        e.hash = e.compute_hash(suite, &prev);
        prev = e.hash;
        dba.bypass(&format!(
            "UPDATE audit_log SET hash = {} WHERE seq = {}",
            dba.bytes_literal(&e.hash),
            e.seq
        ))
        .await;
    }
    let r = verify::run(store.as_ref(), now, &trust()).await.unwrap();
    assert!(!r
        .findings
        .iter()
        .any(|f| matches!(f, Finding::AuditChainBroken { .. })));
    assert!(
        r.findings.contains(&Finding::AuditSealedChanged { seq: 3 }),
        "{:?}",
        r.findings
    );

    // (3) Case 1 deleted and its number voided, as if its filing had failed.
    dba.bypass(&format!(
        "DELETE FROM case_events WHERE case_number = '{0}';
         DELETE FROM cases WHERE number = '{0}'",
        n[1]
    ))
    .await;
    store.void_number(&n[1], "立案未完成", now).await.unwrap();
    // The counter turned back by one, hiding the last number.
    dba.bypass(&format!(
        "UPDATE counters SET value = 4 WHERE scope = '{SCOPE}'"
    ))
    .await;
    let r = verify::run(store.as_ref(), now, &trust()).await.unwrap();
    assert!(r
        .findings
        .contains(&Finding::SealedCaseMissing { case: n[1].clone() }));
    assert!(r.findings.contains(&Finding::CounterRolledBack {
        scope: SCOPE.into(),
        sealed: 5,
        now: 4
    }));

    // A sealed leaf edited (case 2 now sealed at seq 2): checkpoint 1's root no longer holds.
    dba.bypass(&format!(
        "UPDATE seal_leaves SET seq = 2 WHERE kind = 'case' AND subject = '{}'",
        n[2]
    ))
    .await;
    let r = verify::run(store.as_ref(), now, &trust()).await.unwrap();
    assert!(r.findings.contains(&Finding::CheckpointRoot { seq: 1 }));
    assert!(r.findings.contains(&Finding::CheckpointRoot { seq: 2 }));

    // A checkpoint forged with another key.
    let thief = crypto::SoftProvider::ephemeral(suite);
    let forged = app::checkpoints::seal_with(store.as_ref(), &thief, at("2026-03-02T05:00:00Z"))
        .await
        .unwrap();
    let r = verify::run(store.as_ref(), now, &trust()).await.unwrap();
    assert!(r
        .findings
        .contains(&Finding::CheckpointSignature { seq: forged.seq }));
    assert!(!r
        .findings
        .contains(&Finding::CheckpointSignature { seq: 2 }));

    // The checkpoints rolled back to the first: the copy kept outside still has the second.
    dba.bypass(
        "DELETE FROM seal_leaves WHERE checkpoint > 1; DELETE FROM checkpoints WHERE seq > 1",
    )
    .await;
    let outside = Trust {
        keys: &public,
        outside: Some(&kept),
    };
    let r = verify::run(store.as_ref(), now, &outside).await.unwrap();
    assert!(r
        .findings
        .contains(&Finding::OutsideCheckpointMissing { seq: 2 }));
    assert!(!r
        .findings
        .contains(&Finding::OutsideCheckpointMissing { seq: 1 }));
    // The outside file's keys alone suffice to check signatures.
    let r = verify::run(
        store.as_ref(),
        now,
        &Trust {
            keys: &[],
            outside: Some(&kept),
        },
    )
    .await
    .unwrap();
    assert!(r.signatures_checked);
    assert!(!r
        .findings
        .iter()
        .any(|f| matches!(f, Finding::CheckpointSignature { .. })));
}

/// A long history is sealed as several checkpoints of a bounded number of leaves, each signed
/// and linked; together they seal every case once, and verify and the proofs hold.
async fn a_long_history_is_sealed_in_chunks(store: Arc<dyn Store>) {
    let suite = crypto::Suite::Intl;
    store.init_record_suite(suite, Utc::now()).await.unwrap();
    let n = five_cases(store.as_ref()).await;
    let keys = crypto::SoftProvider::ephemeral(suite);
    let public = keys.public_keys();
    let last =
        app::checkpoints::seal_in_chunks(store.as_ref(), &keys, at("2026-03-02T03:00:00Z"), 2)
            .await
            .unwrap();
    let all = app::checkpoints::all(store.as_ref()).await.unwrap();
    let sizes: Vec<u64> = all.iter().map(|c| c.tree_size).collect();
    assert_eq!(
        sizes,
        vec![2, 4, 6],
        "two cases, two more, the fifth with the counter"
    );
    assert_eq!(last, *all.last().unwrap());
    let r = verify::run(
        store.as_ref(),
        at("2026-03-03T00:00:00Z"),
        &Trust {
            keys: &public,
            outside: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(r.findings, vec![]);
    assert_eq!(r.checkpoints, 3);
    let sealed: std::collections::HashSet<String> = store
        .leaves(0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, l)| l.kind == domain::record::LeafKind::Case)
        .map(|(_, l)| l.subject)
        .collect();
    assert_eq!(sealed.len(), n.len(), "every case sealed exactly once");
    // Nothing moved: the next seal is one empty checkpoint, not another chunk.
    let again =
        app::checkpoints::seal_in_chunks(store.as_ref(), &keys, at("2026-03-02T04:00:00Z"), 2)
            .await
            .unwrap();
    assert_eq!((again.seq, again.tree_size), (4, 6));
}

fn of_number(findings: &[Finding], number: &str) -> usize {
    findings
        .iter()
        .filter(|f| matches!(f, Finding::MissingNumber { number: x } if x == number))
        .count()
}

mod sqlite {
    use super::*;
    use rusqlite::Connection;
    use std::path::PathBuf;
    use store::record::RecordStore;
    use store::CaseStore;
    use store_sqlite::SqliteStore;

    struct File(PathBuf);

    /// Runs `sql` on the file with every append-only guard and the foreign keys out of the way,
    /// as a DBA would, and puts the guards back; returns the rows changed.
    pub(super) fn around_the_guards(path: &std::path::Path, sql: &str) -> u64 {
        let c = Connection::open(path).unwrap();
        let saved: Vec<(String, String)> = c
            .prepare(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'
                 AND (name LIKE '%_no_update' OR name LIKE '%_no_delete')",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        c.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        for (name, _) in &saved {
            c.execute_batch(&format!("DROP TRIGGER {name}")).unwrap();
        }
        let before = c.total_changes();
        c.execute_batch(sql).unwrap();
        let changed = c.total_changes() - before;
        for (_, sql) in saved {
            c.execute_batch(&sql).unwrap();
        }
        changed
    }

    impl File {
        fn conn(&self) -> Connection {
            Connection::open(&self.0).unwrap()
        }
    }

    #[async_trait::async_trait]
    impl Dba for File {
        async fn bypass(&self, sql: &str) {
            around_the_guards(&self.0, sql);
        }
        async fn snapshot(&self, number: &str) -> Vec<u8> {
            self.conn()
                .query_row(
                    "SELECT case_json FROM cases WHERE number = ?1",
                    [number],
                    |r| r.get(0),
                )
                .unwrap()
        }
        async fn set_snapshot(&self, number: &str, body: &[u8], due: &str) {
            self.conn()
                .execute(
                    "UPDATE cases SET case_json = ?2, due = ?3 WHERE number = ?1",
                    rusqlite::params![number, body, due],
                )
                .unwrap();
        }
        async fn drop_trigger(&self, _table: &str, name: &str) {
            self.conn()
                .execute_batch(&format!("DROP TRIGGER {name}"))
                .unwrap();
        }
        fn bytes_literal(&self, bytes: &[u8]) -> String {
            format!("x'{}'", hex::encode(bytes))
        }
        async fn try_sql(&self, sql: &str) -> Result<(), String> {
            self.conn().execute_batch(sql).map_err(|e| e.to_string())
        }
        async fn event_body(&self, number: &str, seq: u32) -> Vec<u8> {
            self.conn()
                .query_row(
                    "SELECT event_json FROM case_events WHERE case_number = ?1 AND seq = ?2",
                    rusqlite::params![number, seq],
                    |r| r.get(0),
                )
                .unwrap()
        }
        async fn rewrite_event(&self, number: &str, seq: u32, body: &[u8], hash: &[u8]) {
            around_the_guards(
                &self.0,
                &format!(
                    "UPDATE case_events SET event_json = {}, hash = {}
                     WHERE case_number = '{number}' AND seq = {seq}",
                    self.bytes_literal(body),
                    self.bytes_literal(hash)
                ),
            );
        }
    }

    #[tokio::test]
    async fn every_attack_on_a_sealed_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("yizhan.db");
        let store: Arc<dyn Store> =
            Arc::new(SqliteStore::open(&path, store::vault::Vault::for_tests()).unwrap());
        sealed_attacks_and_verify(store, &File(path)).await;
    }

    #[tokio::test]
    async fn a_long_history_in_a_file_is_sealed_in_chunks() {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory_for_tests().unwrap());
        a_long_history_is_sealed_in_chunks(store).await;
    }

    #[tokio::test]
    async fn every_attack_on_the_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("yizhan.db");
        let store: Arc<dyn Store> =
            Arc::new(SqliteStore::open(&path, store::vault::Vault::for_tests()).unwrap());
        attack_and_verify(store, &File(path)).await;
    }

    /// A case whose log is chained with SM3 in a database recorded as `intl` is named: suites are
    /// never mixed silently.
    #[tokio::test]
    async fn a_log_of_the_other_suite_is_named() {
        let store = SqliteStore::open_in_memory_for_tests().unwrap();
        store
            .init_record_suite(crypto::Suite::Intl, Utc::now())
            .await
            .unwrap();
        seed_regions(&store).await;
        let number = format!("{SCOPE}00001");
        store
            .next_counter(app::cases::CASE_COUNTER, SCOPE)
            .await
            .unwrap();
        let (mut case, _) = filed_case(&fixture(&number));
        case.filing.suite = crypto::Suite::Gm;
        let kinds = domain::case::open(
            case.filing.clone(),
            at("2026-03-02T01:00:00Z"),
            &domain::calendar::WorkingCalendar::default(),
        );
        let events = domain::case::seal(
            crypto::Suite::Gm,
            &number,
            0,
            domain::case::GENESIS_HASH,
            at("2026-03-02T01:00:00Z"),
            &domain::case::ActorRef {
                user_id: None,
                name: "测试".into(),
                role: None,
                place: None,
            },
            "",
            &[],
            kinds,
        );
        let case = domain::case::Case::replay(&events).unwrap();
        assert_eq!(
            domain::case::verify_chain(&events),
            Ok(()),
            "an SM3 chain checks"
        );
        store.create_case(&case, &events).await.unwrap();
        let r = verify::run(&store, Utc::now(), &Trust::default())
            .await
            .unwrap();
        assert_eq!(
            r.findings,
            vec![Finding::SuiteMismatch {
                case: number,
                case_suite: crypto::Suite::Gm,
                database_suite: crypto::Suite::Intl
            }]
        );
    }

    /// The suite is recorded once: a second, different one does not replace it.
    #[tokio::test]
    async fn the_suite_is_recorded_once() {
        let store = SqliteStore::open_in_memory_for_tests().unwrap();
        assert_eq!(store.record_suite().await.unwrap(), None);
        let gm = crypto::Suite::Gm;
        assert_eq!(store.init_record_suite(gm, Utc::now()).await.unwrap(), gm);
        let intl = crypto::Suite::Intl;
        assert_eq!(store.init_record_suite(intl, Utc::now()).await.unwrap(), gm);
        assert_eq!(store.record_suite().await.unwrap(), Some(gm));
    }
}

mod postgres {
    use super::*;
    use store_postgres::PgStore;

    struct Schema(Arc<PgStore>);

    #[async_trait::async_trait]
    impl Dba for Schema {
        async fn bypass(&self, sql: &str) {
            let c = self.0.connection().await.unwrap();
            // A superuser's way around triggers and foreign keys, for one transaction.
            c.batch_execute(&format!(
                "BEGIN; SET LOCAL session_replication_role = replica; {sql}; COMMIT;"
            ))
            .await
            .unwrap();
        }
        async fn snapshot(&self, number: &str) -> Vec<u8> {
            let c = self.0.connection().await.unwrap();
            c.query_one("SELECT case_json FROM cases WHERE number = $1", &[&number])
                .await
                .unwrap()
                .get(0)
        }
        async fn set_snapshot(&self, number: &str, body: &[u8], due: &str) {
            let c = self.0.connection().await.unwrap();
            let due: chrono::NaiveDate = due.parse().unwrap();
            c.execute(
                "UPDATE cases SET case_json = $2, due = $3 WHERE number = $1",
                &[&number, &body, &due],
            )
            .await
            .unwrap();
        }
        async fn drop_trigger(&self, table: &str, name: &str) {
            let c = self.0.connection().await.unwrap();
            c.batch_execute(&format!("DROP TRIGGER {name} ON {table}"))
                .await
                .unwrap();
        }
        fn bytes_literal(&self, bytes: &[u8]) -> String {
            format!("'\\x{}'::bytea", hex::encode(bytes))
        }
        async fn try_sql(&self, sql: &str) -> Result<(), String> {
            let c = self.0.connection().await.unwrap();
            c.batch_execute(sql).await.map_err(|e| {
                e.as_db_error()
                    .map(|d| d.message().to_string())
                    .unwrap_or_else(|| e.to_string())
            })
        }
        async fn event_body(&self, number: &str, seq: u32) -> Vec<u8> {
            let c = self.0.connection().await.unwrap();
            c.query_one(
                "SELECT event_json FROM case_events WHERE case_number = $1 AND seq = $2",
                &[&number, &i64::from(seq)],
            )
            .await
            .unwrap()
            .get(0)
        }
        async fn rewrite_event(&self, number: &str, seq: u32, body: &[u8], hash: &[u8]) {
            let mut c = self.0.connection().await.unwrap();
            let tx = c.transaction().await.unwrap();
            tx.batch_execute("SET LOCAL session_replication_role = replica")
                .await
                .unwrap();
            tx.execute(
                "UPDATE case_events SET event_json = $3, hash = $4
                 WHERE case_number = $1 AND seq = $2",
                &[&number, &i64::from(seq), &body, &hash],
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
    }

    #[tokio::test]
    async fn every_attack_on_a_sealed_schema_is_named() {
        let Some(url) = yizhan_test_pg::url() else {
            return;
        };
        let store = Arc::new(PgStore::connect_isolated_for_tests(&url).await);
        sealed_attacks_and_verify(store.clone(), &Schema(store)).await;
    }

    #[tokio::test]
    async fn a_long_history_in_a_schema_is_sealed_in_chunks() {
        let Some(url) = yizhan_test_pg::url() else {
            return;
        };
        let store = Arc::new(PgStore::connect_isolated_for_tests(&url).await);
        a_long_history_is_sealed_in_chunks(store).await;
    }

    #[tokio::test]
    async fn every_attack_on_the_schema_is_named() {
        let Some(url) = yizhan_test_pg::url() else {
            return;
        };
        let store = Arc::new(PgStore::connect_isolated_for_tests(&url).await);
        attack_and_verify(store.clone(), &Schema(store)).await;
    }
}

/// Issue 16's property: for random cases and logs, a checkpoint then verify passes; after any
/// single-row change, insertion or deletion in the event, case, counter, checkpoint, leaf or audit
/// tables (made around the triggers), verify finds something. On SQLite, whose file is at hand;
/// the scripted attacks above run on both backends.
mod property {
    use super::*;
    use proptest::prelude::*;
    use store::record::RecordStore;
    use store::CaseStore;
    use store_sqlite::SqliteStore;

    /// One mutation of one table: `op` 0 changes a row, 1 deletes one, 2 inserts one.
    fn mutation(table: usize, op: usize, k: usize) -> String {
        let row = |t: &str, key: &str| {
            format!("(SELECT {key} FROM {t} ORDER BY {key} LIMIT 1 OFFSET {k})")
        };
        match (table, op) {
            (0, 0) => format!(
                "UPDATE case_events SET hash = zeroblob(32) WHERE (case_number, seq) = {}",
                row("case_events", "case_number, seq")
            ),
            (0, 1) => format!(
                "DELETE FROM case_events WHERE (case_number, seq) = {}",
                row("case_events", "case_number, seq")
            ),
            (0, _) => format!(
                "INSERT INTO case_events (case_number, seq, at, event_json, hash)
                 SELECT case_number, 99, at, event_json, hash FROM case_events
                 WHERE (case_number, seq) = {}",
                row("case_events", "case_number, seq")
            ),
            (1, 0) => format!("UPDATE cases SET version = version + 1 WHERE number = {}", row("cases", "number")),
            (1, 1) => format!("DELETE FROM cases WHERE number = {}", row("cases", "number")),
            (1, _) => format!(
                "INSERT INTO cases SELECT number || '9', query_code || 'X', state, item_code,
                 item_name, department, applicant_name, place_region, decide_region,
                 applicant_region, applicant_user_id, agent_user_id, due, created_at, updated_at,
                 version, case_json, received_on FROM cases WHERE number = {}",
                row("cases", "number")
            ),
            (2, 0) => "UPDATE counters SET value = value + 1".to_string(),
            (2, 1) => "DELETE FROM counters".to_string(),
            (2, _) => "INSERT INTO counters (name, scope, value) VALUES ('case', '33010200100020260303', 1)".to_string(),
            (3, 0) => "UPDATE checkpoints SET root = zeroblob(32)".to_string(),
            (3, 1) => "DELETE FROM checkpoints".to_string(),
            (3, _) => "INSERT INTO checkpoints SELECT seq + 1, sealed_at, suite, tree_size, root, prev,
                       key_id, signature FROM checkpoints ORDER BY seq DESC LIMIT 1"
                .to_string(),
            (4, 0) => format!("UPDATE seal_leaves SET seq = seq + 1 WHERE idx = {}", row("seal_leaves", "idx")),
            (4, 1) => format!("DELETE FROM seal_leaves WHERE idx = {}", row("seal_leaves", "idx")),
            (4, _) => "INSERT INTO seal_leaves SELECT idx + 1, checkpoint, kind, subject, seq, hash
                       FROM seal_leaves ORDER BY idx DESC LIMIT 1"
                .to_string(),
            (_, 0) => format!("UPDATE audit_log SET detail = '改' WHERE seq = {}", row("audit_log", "seq")),
            (_, 1) => format!("DELETE FROM audit_log WHERE seq = {}", row("audit_log", "seq")),
            (_, _) => "INSERT INTO audit_log SELECT seq + 1, at, actor_id, actor, source, action,
                       object, outcome, detail, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
                .to_string(),
        }
    }

    async fn scenario(events: Vec<usize>, table: usize, op: usize, pick: usize) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("yizhan.db");
        let store = SqliteStore::open(&path, store::vault::Vault::for_tests()).unwrap();
        let suite = crypto::Suite::Intl;
        store.init_record_suite(suite, Utc::now()).await.unwrap();
        seed_regions(&store).await;
        let mut rows = 0;
        for extra in &events {
            let n = store
                .next_counter(app::cases::CASE_COUNTER, SCOPE)
                .await
                .unwrap();
            let number = domain::case::CaseNumber::of_counter(SCOPE, n as u64).to_string();
            let (mut case, mut log) = filed_case(&fixture(&number));
            store.create_case(&case, &log).await.unwrap();
            for _ in 0..*extra {
                let marked = EventKind::MaterialMarked {
                    index: 0,
                    status: MaterialStatus::Received,
                    reason: String::new(),
                };
                let (next, new) = next_events(&case, &log, "2026-03-02T02:00:00Z", vec![marked]);
                store
                    .append_events(&next, case.version, &new)
                    .await
                    .unwrap();
                log.extend(new);
                case = next;
            }
            rows += log.len();
        }
        for action in [
            domain::audit::AuditAction::SignIn,
            domain::audit::AuditAction::SignOut,
        ] {
            store
                .append_audit(domain::audit::NewAuditEntry {
                    at: at("2026-03-02T02:30:00Z"),
                    actor_id: Some(1),
                    actor: "admin".into(),
                    source: "10.0.0.8".into(),
                    action,
                    object: "user:1".into(),
                    outcome: domain::audit::Outcome::Success,
                    detail: String::new(),
                })
                .await
                .unwrap();
        }
        let keys = crypto::SoftProvider::ephemeral(suite);
        app::checkpoints::seal_with(&store, &keys, at("2026-03-02T03:00:00Z"))
            .await
            .unwrap();
        let public = keys.public_keys();
        let trust = Trust {
            keys: &public,
            outside: None,
        };
        let now = at("2026-03-03T00:00:00Z");
        let clean = verify::run(&store, now, &trust).await.unwrap();
        assert_eq!(clean.findings, vec![], "checkpoint then verify passes");
        let leaves = events.len() + 2;
        let k = match table {
            0 => pick % rows,
            1 => pick % events.len(),
            4 => pick % leaves,
            5 => pick % 2,
            _ => 0,
        };
        let sql = mutation(table, op, k);
        assert!(
            super::sqlite::around_the_guards(&path, &sql) >= 1,
            "the mutation changed nothing: {sql}"
        );
        let r = verify::run(&store, now, &trust).await.unwrap();
        assert!(!r.findings.is_empty(), "not caught: {sql}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn any_single_row_change_is_caught(
            events in proptest::collection::vec(0usize..3, 1..4),
            table in 0usize..6,
            op in 0usize..3,
            pick in 0usize..100,
        ) {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(scenario(events, table, op, pick));
        }
    }
}
