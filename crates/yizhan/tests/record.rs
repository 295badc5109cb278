//! The record against someone with the database (issue 16, part 3), on SQLite and PostgreSQL:
//! each attack an outside tester made is scripted against a real database file or schema,
//! bypassing the append-only triggers as a DBA would, and `app::verify::run` must name it. A clean
//! database passes.
//!
//! Covered here: a truncated tail, a deleted case (events and row), an edited snapshot (a deadline
//! moved to 2027-12-31, column and JSON), a dropped trigger, a log chained with another suite.

use app::verify::{self, Finding};
use chrono::{DateTime, Utc};
use domain::case::{EventKind, MaterialStatus};
use std::sync::Arc;
use store::conformance::{filed_case, next_events, seed_regions, CaseFixture, TOWN, VILLAGE};
use store::Store;

const SCOPE: &str = "33010200100020260302";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
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
        let (case, events) = filed_case(&CaseFixture {
            number: &number,
            place: TOWN,
            decide_place: TOWN,
            applicant_region: VILLAGE,
            department: "scjg",
            channel: domain::case::Channel::Window,
            applicant_user_id: None,
            agent_user_id: None,
            at: "2026-03-02T01:00:00Z",
        });
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
}

/// Moves the case's correction deadline (its due date while submitted) to 2027-12-31 in the
/// snapshot, as the outside tester did.
fn moved_deadline(stored: &[u8]) -> Vec<u8> {
    let mut case: serde_json::Value = store::codec::from_stored(stored).unwrap();
    assert!(case["deadlines"]["correction_due"].is_string(), "{case}");
    case["deadlines"]["correction_due"] = "2027-12-31".into();
    store::codec::to_stored(store::codec::Body::Case, &case).unwrap()
}

async fn attack_and_verify(store: Arc<dyn Store>, dba: &dyn Dba) {
    store
        .init_record_suite(crypto::Suite::Intl, Utc::now())
        .await
        .unwrap();
    let n = five_cases(store.as_ref()).await;
    let now = at("2026-03-03T00:00:00Z");

    let clean = verify::run(store.as_ref(), now).await.unwrap();
    assert_eq!(clean.findings, vec![], "a clean database passes");
    assert_eq!((clean.cases, clean.events, clean.numbers), (5, 15, 5));

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

    let r = verify::run(store.as_ref(), now).await.unwrap();
    assert!(!r.intact());
    let of = |case: &str| -> Vec<&Finding> {
        r.findings
            .iter()
            .filter(|f| match f {
                Finding::BrokenChain { case: c, .. }
                | Finding::LengthMismatch { case: c, .. }
                | Finding::SnapshotMismatch { case: c, .. }
                | Finding::SnapshotUnreadable { case: c }
                | Finding::SuiteMismatch { case: c, .. } => c == case,
                Finding::MissingNumber { number } => number == case,
                Finding::GuardMissing { .. } => false,
            })
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
    let r = verify::run(store.as_ref(), now).await.unwrap();
    assert_eq!(of_number(&r.findings, &n[1]), 0);
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

    impl File {
        fn conn(&self) -> Connection {
            Connection::open(&self.0).unwrap()
        }
        /// The trigger's own text, to put it back after going around it.
        fn trigger_sql(&self, name: &str) -> String {
            self.conn()
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1",
                    [name],
                    |r| r.get(0),
                )
                .unwrap()
        }
    }

    #[async_trait::async_trait]
    impl Dba for File {
        async fn bypass(&self, sql: &str) {
            let guards = ["case_events_no_update", "case_events_no_delete"];
            let saved: Vec<String> = guards.iter().map(|g| self.trigger_sql(g)).collect();
            let c = self.conn();
            c.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
            for g in guards {
                c.execute_batch(&format!("DROP TRIGGER {g}")).unwrap();
            }
            c.execute_batch(sql).unwrap();
            for s in saved {
                c.execute_batch(&s).unwrap();
            }
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
    }

    #[tokio::test]
    async fn every_attack_on_the_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("yizhan.db");
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
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
        let (mut case, _) = filed_case(&CaseFixture {
            number: &number,
            place: TOWN,
            decide_place: TOWN,
            applicant_region: VILLAGE,
            department: "scjg",
            channel: domain::case::Channel::Window,
            applicant_user_id: None,
            agent_user_id: None,
            at: "2026-03-02T01:00:00Z",
        });
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
        let r = verify::run(&store, Utc::now()).await.unwrap();
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
