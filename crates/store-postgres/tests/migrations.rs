//! Migrations: applied once, tracked, and safe when several processes start at the same moment.

use yizhan_store_postgres::PgStore;

/// The test server (see `yizhan_test_pg`); each test first returns early when there is none.
fn url() -> String {
    yizhan_test_pg::required_url()
}

/// Connecting twice, and four times at once, to one schema migrates it exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_connects_migrate_once() {
    if yizhan_test_pg::url().is_none() {
        return;
    }
    let (admin, schema, scoped) = empty_schema("yz_mig").await;
    let connects = (0..4).map(|_| {
        let u = scoped.clone();
        tokio::spawn(async move { PgStore::connect(&u, store::vault::Vault::for_tests()).await })
    });
    let mut stores = Vec::new();
    for c in connects {
        stores.push(c.await.unwrap().expect("every concurrent connect succeeds"));
    }
    stores.push(
        PgStore::connect(&scoped, store::vault::Vault::for_tests())
            .await
            .expect("reconnect"),
    );

    let rows = admin
        .query(
            &format!("SELECT version, name FROM {schema}.schema_migrations ORDER BY version"),
            &[],
        )
        .await
        .unwrap();
    let applied: Vec<(i64, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    // Each embedded migration exactly once, in order.
    assert_eq!(
        applied,
        yizhan_store_postgres::MIGRATIONS
            .iter()
            .map(|m| (m.version, m.name.to_string()))
            .collect::<Vec<_>>()
    );
    drop(stores);
    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
}

/// Migration 6 fills `case_scopes` for the cases already stored exactly as the store writes it
/// for new ones (`store::listing::scope_rows`): its statement, run again on cases the store
/// wrote, gives back the same rows.
#[tokio::test]
async fn case_scopes_backfill_matches_the_write_path() {
    if yizhan_test_pg::url().is_none() {
        return;
    }
    use store::conformance::{filed_case, CaseFixture, COUNTY, EDGE_VILLAGE, FAR_TOWN, TOWN};
    use store::CaseStore;
    let (admin, schema, scoped) = empty_schema("yz_mig").await;
    let s = PgStore::connect(&scoped, store::vault::Vault::for_tests())
        .await
        .expect("connect");
    for (i, (place, decide, applicant)) in [
        (TOWN, TOWN, EDGE_VILLAGE),
        (TOWN, COUNTY, "330105001001"),
        (COUNTY, "330100000000", COUNTY),
        (FAR_TOWN, FAR_TOWN, EDGE_VILLAGE),
    ]
    .into_iter()
    .enumerate()
    {
        let number = format!("N{i}");
        let (case, events) = filed_case(&CaseFixture {
            number: &number,
            place,
            decide_place: decide,
            applicant_region: applicant,
            department: "scjg",
            channel: if i == 3 {
                domain::case::Channel::Online
            } else {
                domain::case::Channel::Window
            },
            applicant_user_id: None,
            agent_user_id: None,
            at: "2026-03-02T01:00:00Z",
        });
        s.create_case(&case, &events).await.unwrap();
    }
    let sql = include_str!("../migrations/0006_case_scopes.sql");
    let start = sql.find("INSERT INTO case_scopes").unwrap();
    let backfill = &sql[start..start + sql[start..].find(';').unwrap()];
    let read = || async {
        admin
            .query(
                &format!(
                    "SELECT case_number, prefix, via, state, sort_due::text FROM {schema}.case_scopes
                     ORDER BY case_number, prefix"
                ),
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r.get::<_, String>(0),
                    r.get::<_, String>(1),
                    r.get::<_, i64>(2),
                    r.get::<_, String>(3),
                    r.get::<_, String>(4),
                )
            })
            .collect::<Vec<_>>()
    };
    let written = read().await;
    assert_eq!(written.len(), 5 + 7 + 3 + 7, "{written:?}");
    assert!(written.iter().any(|r| r.0 == "N3" && r.4 == "9999-12-31"));
    admin
        .batch_execute(&format!(
            "SET search_path TO {schema}; DELETE FROM case_scopes; {backfill}; SET search_path TO DEFAULT"
        ))
        .await
        .unwrap();
    assert_eq!(read().await, written);
    drop(s);
    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
}

/// Migration 0009 turns the JSON columns into bytes; what was there as jsonb reads back the same
/// case and the same log (the codec reads plain JSON), and new writes are compressed frames.
#[tokio::test]
async fn jsonb_bodies_survive_the_move_to_packed_bytes() {
    if yizhan_test_pg::url().is_none() {
        return;
    }
    use store::conformance::{filed_case, next_events, CaseFixture, TOWN, VILLAGE};
    use store::CaseStore;
    let (admin, schema, scoped) = empty_schema("yz_mig").await;
    admin
        .batch_execute(&format!("SET search_path TO {schema}"))
        .await
        .unwrap();
    let s = PgStore::connect(&scoped, store::vault::Vault::for_tests())
        .await
        .expect("connect");
    let (case, events) = filed_case(&CaseFixture {
        number: "M9",
        place: TOWN,
        decide_place: TOWN,
        applicant_region: VILLAGE,
        department: "scjg",
        channel: domain::case::Channel::Window,
        applicant_user_id: None,
        agent_user_id: None,
        at: "2026-03-02T01:00:00Z",
    });
    s.create_case(&case, &events).await.unwrap();
    let stored: Vec<u8> = admin
        .query_one("SELECT case_json FROM cases", &[])
        .await
        .unwrap()
        .get(0);
    assert!(
        store::vault::Vault::is_sealed_body(&stored),
        "new snapshots are sealed (compressed, then encrypted)"
    );

    // Back to the schema before 0009, with the rows as an earlier build wrote them (JSON).
    let case_text = serde_json::to_string(&case).unwrap();
    admin
        .execute(
            "UPDATE cases SET case_json = convert_to($1, 'UTF8')",
            &[&case_text],
        )
        .await
        .unwrap();
    admin
        .batch_execute("BEGIN; SET LOCAL session_replication_role = replica;")
        .await
        .unwrap();
    for e in &events {
        let body = serde_json::to_string(&store::stored::EventBody::from(e)).unwrap();
        admin
            .execute(
                "UPDATE case_events SET event_json = convert_to($1, 'UTF8') WHERE seq = $2",
                &[&body, &i64::from(e.seq)],
            )
            .await
            .unwrap();
    }
    admin
        .batch_execute(
            "ALTER TABLE cases ALTER COLUMN case_json TYPE jsonb
                 USING convert_from(case_json, 'UTF8')::jsonb;
             ALTER TABLE case_events ALTER COLUMN event_json TYPE jsonb
                 USING convert_from(event_json, 'UTF8')::jsonb;
             COMMIT;",
        )
        .await
        .unwrap();
    admin
        .batch_execute(include_str!("../migrations/0009_packed_bodies.sql"))
        .await
        .unwrap();

    assert_eq!(s.get_case("M9").await.unwrap().as_ref(), Some(&case));
    assert_eq!(s.case_events("M9").await.unwrap(), events);
    // And the case goes on: the next events are written packed after the converted ones.
    let marked = domain::case::EventKind::MaterialMarked {
        index: 0,
        status: domain::case::MaterialStatus::Received,
        reason: String::new(),
    };
    let (next, more) = next_events(&case, &events, "2026-03-02T02:00:00Z", vec![marked]);
    s.append_events(&next, case.version, &more).await.unwrap();
    let log = s.case_events("M9").await.unwrap();
    assert_eq!(log.len(), events.len() + more.len());
    assert_eq!(domain::case::verify_chain(&log), Ok(()));
    assert_eq!(s.get_case("M9").await.unwrap(), Some(next));
    drop(s);
    admin
        .batch_execute(&format!(
            "SET search_path TO DEFAULT; DROP SCHEMA {schema} CASCADE"
        ))
        .await
        .unwrap();
}

/// Migration 0012 keeps hashes as bytes and drops the stored links: from a log in the form
/// earlier builds wrote (hex hash and link columns), every event reads back as it was and the case
/// goes on.
#[tokio::test]
async fn event_hashes_move_to_bytes_and_links_are_given_back() {
    if yizhan_test_pg::url().is_none() {
        return;
    }
    use store::conformance::{filed_case, next_events, CaseFixture, TOWN, VILLAGE};
    use store::CaseStore;
    let s = PgStore::connect_isolated_for_tests(&url()).await;
    let mut logs = vec![];
    for number in ["H1", "H2"] {
        let (case, events) = filed_case(&CaseFixture {
            number,
            place: TOWN,
            decide_place: TOWN,
            applicant_region: VILLAGE,
            department: "scjg",
            channel: domain::case::Channel::Window,
            applicant_user_id: None,
            agent_user_id: None,
            at: "2026-03-02T01:00:00Z",
        });
        s.create_case(&case, &events).await.unwrap();
        logs.push(events);
    }
    let c = s.connection().await.unwrap();
    c.batch_execute(&format!(
        "BEGIN; SET LOCAL session_replication_role = replica;
         ALTER TABLE case_events DROP CONSTRAINT case_events_hash_length,
             ALTER COLUMN hash TYPE text USING encode(hash, 'hex'),
             ADD COLUMN prev_hash text;
         UPDATE case_events e SET prev_hash = coalesce(
             (SELECT p.hash FROM case_events p
              WHERE p.case_number = e.case_number AND p.seq = e.seq - 1), '{}');
         ALTER TABLE case_events ALTER COLUMN prev_hash SET NOT NULL;
         COMMIT;",
        domain::case::GENESIS_HASH
    ))
    .await
    .unwrap();
    let old: String = c
        .query_one(
            "SELECT prev_hash FROM case_events WHERE case_number = 'H1' AND seq = 2",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(old, logs[0][0].hash, "the old form links in its own column");
    c.batch_execute(include_str!("../migrations/0012_event_hashes.sql"))
        .await
        .unwrap();
    let columns: Vec<String> = c
        .query(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = 'case_events'
             ORDER BY ordinal_position",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(columns, ["case_number", "seq", "at", "event_json", "hash"]);
    drop(c);
    for log in &logs {
        let back = s.case_events(&log[0].case_number).await.unwrap();
        assert_eq!(&back, log);
        assert_eq!(domain::case::verify_chain(&back), Ok(()));
    }
    let case = s.get_case("H1").await.unwrap().unwrap();
    let marked = domain::case::EventKind::MaterialMarked {
        index: 0,
        status: domain::case::MaterialStatus::Received,
        reason: String::new(),
    };
    let (next, more) = next_events(&case, &logs[0], "2026-03-02T02:00:00Z", vec![marked]);
    s.append_events(&next, case.version, &more).await.unwrap();
    let log = s.case_events("H1").await.unwrap();
    assert_eq!(log.len(), logs[0].len() + more.len());
    assert_eq!(domain::case::verify_chain(&log), Ok(()));
}

/// Migration 0011 adds up the outcome rows already there into `outcome_days`: the evaluation
/// totals it gives are those the write path keeps.
#[tokio::test]
async fn outcome_days_are_added_up_from_the_outcomes_already_there() {
    if yizhan_test_pg::url().is_none() {
        return;
    }
    use store::conformance::{outcome_totals_by_every_key, seed_outcomes};
    let s = PgStore::connect_isolated_for_tests(&url()).await;
    seed_outcomes(&s).await;
    let kept = outcome_totals_by_every_key(&s).await;
    assert!(kept[1].len() >= 2, "several places: {kept:?}");
    let c = s.connection().await.unwrap();
    c.batch_execute("DROP TABLE outcome_days").await.unwrap();
    c.batch_execute(include_str!("../migrations/0011_outcome_days.sql"))
        .await
        .unwrap();
    drop(c);
    assert_eq!(outcome_totals_by_every_key(&s).await, kept);
}

/// Migration 0013 counts the receipts already there into `receipt_days`: the monthly figures it
/// gives are those the write path keeps.
#[tokio::test]
async fn receipt_days_are_counted_from_the_cases_already_there() {
    if yizhan_test_pg::url().is_none() {
        return;
    }
    use store::CaseStore;
    let s = PgStore::connect_isolated_for_tests(&url()).await;
    store::conformance::seed_receipts(&s).await;
    let (from, until) = (
        chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
    );
    let kept = s.period_figures(from, until).await.unwrap();
    assert_eq!(kept.iter().map(|f| f.received).sum::<u32>(), 5, "{kept:?}");
    let c = s.connection().await.unwrap();
    c.batch_execute("DROP TABLE receipt_days").await.unwrap();
    c.batch_execute(include_str!("../migrations/0013_receipt_days.sql"))
        .await
        .unwrap();
    drop(c);
    assert_eq!(s.period_figures(from, until).await.unwrap(), kept);
}

/// Pooled connections run without JIT: compiling the platform's short index reads cost more than
/// running them.
#[tokio::test]
async fn pooled_connections_run_without_jit() {
    if yizhan_test_pg::url().is_none() {
        return;
    }
    let s = PgStore::connect_isolated_for_tests(&url()).await;
    let c = s.connection().await.unwrap();
    let jit: String = c.query_one("SHOW jit", &[]).await.unwrap().get(0);
    assert_eq!(jit, "off");
}

/// Every migration is recorded with its checksum; one whose text changed after it was applied, or
/// one only a newer build knows, stops the connect with an error naming it. A database from before
/// checksums were kept (the column missing) gets them on its next start.
#[tokio::test]
async fn a_changed_or_unknown_migration_is_refused_at_connect() {
    if yizhan_test_pg::url().is_none() {
        return;
    }
    use yizhan_store_postgres::MIGRATIONS;
    let (admin, schema, scoped) = empty_schema("yz_sum").await;
    drop(
        PgStore::connect(&scoped, store::vault::Vault::for_tests())
            .await
            .expect("migrates"),
    );
    let expected: Vec<(i64, Option<String>)> = MIGRATIONS
        .iter()
        .map(|m| (m.version, Some(m.checksum())))
        .collect();
    assert_eq!(recorded(&admin, &schema).await, expected);

    // From before checksums: the column gone, the next connect adds it and fills it in.
    admin
        .batch_execute(&format!(
            "ALTER TABLE {schema}.schema_migrations DROP COLUMN checksum"
        ))
        .await
        .unwrap();
    drop(
        PgStore::connect(&scoped, store::vault::Vault::for_tests())
            .await
            .expect("adds the checksums"),
    );
    assert_eq!(recorded(&admin, &schema).await, expected);

    admin
        .batch_execute(&format!(
            "UPDATE {schema}.schema_migrations SET checksum = repeat('0', 64) WHERE version = 5"
        ))
        .await
        .unwrap();
    let err = PgStore::connect(&scoped, store::vault::Vault::for_tests())
        .await
        .expect_err("refused")
        .to_string();
    assert!(
        err.contains("migration 0005 (scan_rows) was changed after it was applied"),
        "{err}"
    );
    admin
        .execute(
            &format!("UPDATE {schema}.schema_migrations SET checksum = $1 WHERE version = 5"),
            &[&MIGRATIONS[4].checksum()],
        )
        .await
        .unwrap();
    admin
        .batch_execute(&format!(
            "INSERT INTO {schema}.schema_migrations (version, name, checksum)
             VALUES (9999, 'future', 'ab')"
        ))
        .await
        .unwrap();
    let err = PgStore::connect(&scoped, store::vault::Vault::for_tests())
        .await
        .expect_err("refused")
        .to_string();
    assert!(
        err.contains("migration 9999, which this build does not know"),
        "{err}"
    );

    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
}

async fn recorded(admin: &tokio_postgres::Client, schema: &str) -> Vec<(i64, Option<String>)> {
    admin
        .query(
            &format!("SELECT version, checksum FROM {schema}.schema_migrations ORDER BY version"),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// A new empty schema of its own (`TAG_pid_micros`), the admin connection that made it, and the
/// test URL with every connection landing in it.
async fn empty_schema(tag: &str) -> (tokio_postgres::Client, String, String) {
    let schema = format!(
        "{tag}_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    let (admin, conn) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    admin
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    let sep = if url().contains('?') { '&' } else { '?' };
    let scoped = format!("{}{sep}options=-c%20search_path%3D{schema}", url());
    (admin, schema, scoped)
}
