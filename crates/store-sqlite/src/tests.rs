//! Writer tests: group commit, per-job savepoints, whole-batch failure, and migrations.
//!
//! Batches are made deterministic with a blocker job: while it holds the writer inside one batch,
//! the jobs queued behind it are all drained together into the next batch.

use super::*;
use rusqlite::params;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use store::{MetaStore, RegionStore};

fn store() -> SqliteStore {
    SqliteStore::open_in_memory_for_tests().unwrap()
}

/// A folder of this test run's own (`tag` tells the tests apart) and a database path in it where
/// no file exists yet; the caller removes the folder.
fn fresh_db_path(tag: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("yizhan-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("db.sqlite3");
    let _ = std::fs::remove_file(&path);
    (dir, path)
}

/// Queues a job that occupies the writer until the returned sender is used (or dropped), and
/// waits until the writer is inside it.
fn block_writer(s: &SqliteStore) -> (mpsc::Sender<()>, impl Future<Output = Result<()>>) {
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let done = s.write(move |_tx| {
        started_tx.send(()).unwrap();
        let _ = release_rx.recv();
        Ok(())
    });
    started_rx.recv().unwrap();
    (release_tx, done)
}

fn set(key: &str, value: &str) -> impl FnOnce(&Transaction<'_>) -> Result<()> + Send + 'static {
    let (key, value) = (key.to_string(), value.to_string());
    move |tx| {
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)",
            params![key, value],
        )
        .db()?;
        Ok(())
    }
}

fn batches(s: &SqliteStore) -> u64 {
    s.writer_stats().batches.load(Ordering::Relaxed)
}

#[tokio::test]
async fn a_failing_job_fails_alone_in_its_batch() {
    let s = store();
    let (release, blocker) = block_writer(&s);
    let before = batches(&s);
    let a = s.write(set("a", "1"));
    let b = s.write(|tx| {
        // Its own write must be undone by its savepoint, not leak into the commit.
        tx.execute("INSERT INTO settings (key, value) VALUES ('b', '1')", [])
            .db()?;
        Err::<(), _>(StoreError::Conflict {
            code: "test_refusal",
            message: "拒绝".to_string(),
        })
    });
    let c = s.write(set("c", "1"));
    let d = s.write(set("a", "duplicate")); // primary key violation: an engine error, also alone
    release.send(()).unwrap();
    blocker.await.unwrap();

    a.await.unwrap();
    assert!(matches!(
        b.await,
        Err(StoreError::Conflict {
            code: "test_refusal",
            ..
        })
    ));
    c.await.unwrap();
    assert!(matches!(d.await, Err(StoreError::Backend(_))));
    assert_eq!(
        batches(&s) - before,
        1,
        "the four jobs shared one transaction"
    );

    assert_eq!(s.get_setting("a").await.unwrap().as_deref(), Some("1"));
    assert_eq!(s.get_setting("b").await.unwrap(), None);
    assert_eq!(s.get_setting("c").await.unwrap().as_deref(), Some("1"));
}

#[tokio::test]
async fn a_failed_commit_fails_every_job_of_the_batch() {
    let s = store();
    let (release, blocker) = block_writer(&s);
    let a = s.write(set("a", "1"));
    // Deferring foreign keys moves the check of this dangling reference to COMMIT, so every
    // job succeeds and the commit itself fails — as it would on an I/O error or a full disk.
    let b = s.write(|tx| {
        tx.execute_batch("PRAGMA defer_foreign_keys = ON").db()?;
        tx.execute(
            "INSERT INTO departments (region_code, code, name) VALUES ('999999999999', 'x', 'x')",
            [],
        )
        .db()?;
        Ok(())
    });
    let c = s.write(set("c", "1"));
    release.send(()).unwrap();
    blocker.await.unwrap();

    for (name, r) in [("a", a.await), ("b", b.await), ("c", c.await)] {
        assert!(
            matches!(r, Err(StoreError::Backend(ref m)) if m.contains("not committed")),
            "{name}: {r:?}"
        );
    }
    assert_eq!(s.get_setting("a").await.unwrap(), None);
    assert_eq!(s.get_setting("c").await.unwrap(), None);
    let departments: i64 = s
        .read(|c| {
            c.query_row("SELECT count(*) FROM departments", [], |r| r.get(0))
                .db()
        })
        .await
        .unwrap();
    assert_eq!(departments, 0);

    // The writer recovers: the next batch commits normally.
    s.set_setting("after", "ok").await.unwrap();
    assert_eq!(s.get_setting("after").await.unwrap().as_deref(), Some("ok"));
}

#[tokio::test]
async fn a_panicking_job_fails_alone_and_the_writer_survives() {
    let s = store();
    let (release, blocker) = block_writer(&s);
    let a = s.write(set("a", "1"));
    let b = s.write(|_tx| -> Result<()> { panic!("a bug in one job") });
    let c = s.write(set("c", "1"));
    release.send(()).unwrap();
    blocker.await.unwrap();
    a.await.unwrap();
    assert!(matches!(b.await, Err(StoreError::Backend(_))));
    c.await.unwrap();
    s.set_setting("later", "1").await.unwrap();
    assert_eq!(s.get_setting("c").await.unwrap().as_deref(), Some("1"));
}

#[tokio::test]
async fn batches_are_bounded() {
    let s = store();
    let (release, blocker) = block_writer(&s);
    let before = batches(&s);
    let n = MAX_BATCH + 44;
    let writes: Vec<_> = (0..n)
        .map(|i| s.write(set(&format!("k{i}"), "v")))
        .collect();
    release.send(()).unwrap();
    blocker.await.unwrap();
    for w in writes {
        w.await.unwrap();
    }
    assert_eq!(
        batches(&s) - before,
        2,
        "{n} queued jobs take two batches of at most {MAX_BATCH}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_writes_all_land() {
    let s = store();
    let jobs_before = s.writer_stats().jobs.load(Ordering::Relaxed);
    let n = 500;
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move { s.set_setting(&format!("key{i}"), &i.to_string()).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let count: i64 = s
        .read(|c| {
            c.query_row("SELECT count(*) FROM settings", [], |r| r.get(0))
                .db()
        })
        .await
        .unwrap();
    assert_eq!(count, n);
    for i in [0, 1, 250, 499] {
        assert_eq!(
            s.get_setting(&format!("key{i}")).await.unwrap(),
            Some(i.to_string())
        );
    }
    assert_eq!(
        s.writer_stats().jobs.load(Ordering::Relaxed) - jobs_before,
        n as u64
    );
}

#[tokio::test]
async fn a_write_whose_caller_left_still_commits() {
    let s = store();
    drop(s.write(set("orphan", "1")));
    // Writes are answered in order, so once this one is done the first has committed too.
    s.set_setting("next", "1").await.unwrap();
    assert_eq!(s.get_setting("orphan").await.unwrap().as_deref(), Some("1"));
}

#[tokio::test]
async fn migrating_twice_is_a_no_op_and_data_survives_reopening() {
    let (dir, path) = fresh_db_path("migrate");
    {
        let s = SqliteStore::open(&path, store::vault::Vault::for_tests()).unwrap();
        s.put_region(&domain::Region {
            code: RegionCode::parse("330100").unwrap(),
            name: "杭州市".to_string(),
            level: domain::Level::City,
            parent: None,
        })
        .await
        .unwrap();
        let again = SqliteStore::open(&path, store::vault::Vault::for_tests()).unwrap();
        assert_eq!(again.list_regions(&Scope::All).await.unwrap().len(), 1);
    }
    let s = SqliteStore::open(&path, store::vault::Vault::for_tests()).unwrap();
    let applied: Vec<i64> = s
        .read(|c| {
            let mut st = c
                .prepare("SELECT version FROM schema_migrations ORDER BY version")
                .db()?;
            let rows = st.query_map([], |r| r.get(0)).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
        .unwrap();
    assert_eq!(
        applied,
        MIGRATIONS.iter().map(|m| m.version).collect::<Vec<_>>()
    );
    assert_eq!(s.list_regions(&Scope::All).await.unwrap().len(), 1);
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn pragmas_are_set() {
    let s = store();
    let (mode, fk): (String, i64) = s
        .read(|c| {
            let mode = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).db()?;
            let fk = c.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).db()?;
            Ok((mode, fk))
        })
        .await
        .unwrap();
    assert_eq!((mode.as_str(), fk), ("wal", 1));
    let sync: i64 = s
        .write(|tx| tx.query_row("PRAGMA synchronous", [], |r| r.get(0)).db())
        .await
        .unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
}

/// The exact description the migrations produce; the PostgreSQL backend must report the same.
#[tokio::test]
async fn schema_description_is_exactly_the_migrations() {
    let d = store().describe_schema().await.unwrap();
    let indexes: Vec<&str> = d.indexes.iter().map(String::as_str).collect();
    assert_eq!(
        indexes,
        vec![
            "audit_log_actor_idx",
            "audit_log_at_idx",
            "case_deadlines_decide_region_yellow_from_idx",
            "case_deadlines_place_region_yellow_from_idx",
            "case_deadlines_red_from_idx",
            "case_deadlines_yellow_from_idx",
            "case_outcomes_completed_on_idx",
            "case_scopes_list_idx",
            "case_violations_found_on_idx",
            "cases_agent_user_id_idx",
            "cases_applicant_user_id_idx",
            "cases_query_code_uq",
            "cases_state_due_idx",
            "catalog_items_one_published_uq",
            "catalog_items_region_code_idx",
            "catalog_items_status_code_idx",
            "closures_date_idx",
            "complaints_case_number_idx",
            "complaints_code_uq",
            "complaints_unit_region_idx",
            "departments_region_code_uq",
            "fee_ledger_center_day_idx",
            "fee_ledger_paper_no_uq",
            "fee_ledger_receipt_no_uq",
            "follow_ups_case_number_idx",
            "follow_ups_rating_id_uq",
            "follow_ups_unit_region_idx",
            "messages_case_number_idx",
            "messages_user_id_idx",
            "orders_case_number_idx",
            "orders_issued_in_idx",
            "orders_status_reply_due_idx",
            "orders_unit_region_idx",
            "ratings_case_channel_uq",
            "ratings_unit_region_idx",
            "regions_parent_code_idx",
            "results_decided_on_idx",
            "results_place_region_idx",
            "seal_leaves_subject_idx",
            "sessions_expires_at_idx",
            "sessions_user_id_idx",
            "user_grants_user_id_idx",
            "users_home_region_idx",
            "users_id_key_uq",
            "users_username_uq",
            "warnings_decide_region_idx",
            "warnings_open_order_idx",
            "warnings_open_uq",
            "warnings_place_region_idx",
        ]
    );
    let constraints: Vec<&str> = d.constraints.iter().map(String::as_str).collect();
    assert_eq!(
        constraints,
        vec![
            "applicant_index.pk(id_key,case_number)",
            "audit_log.check(audit_log_hash_length)",
            "audit_log.check(audit_log_outcome_ck)",
            "audit_log.pk(seq)",
            "audit_log.trigger(audit_log_no_delete)",
            "audit_log.trigger(audit_log_no_update)",
            "audit_prunes.pk(up_to)",
            "audit_prunes.trigger(audit_prunes_no_delete)",
            "audit_prunes.trigger(audit_prunes_no_update)",
            "cache_versions.pk(name)",
            "calendar_days.check(calendar_days_kind_ck)",
            "calendar_days.pk(date)",
            "calendar_days.trigger(calendar_days_cache_delete)",
            "calendar_days.trigger(calendar_days_cache_insert)",
            "calendar_days.trigger(calendar_days_cache_update)",
            "case_counts.pk(place_region,department,state,shard)",
            "case_deadlines.fk(case_number)->cases",
            "case_deadlines.pk(case_number,key)",
            "case_events.check(case_events_hash_length)",
            "case_events.fk(case_number)->cases",
            "case_events.pk(case_number,seq)",
            "case_events.trigger(case_events_no_delete)",
            "case_events.trigger(case_events_no_update)",
            "case_keys.fk(case_number)->cases",
            "case_keys.pk(case_number,key)",
            "case_outcomes.fk(case_number)->cases",
            "case_outcomes.pk(case_number)",
            "case_scopes.fk(case_number)->cases",
            "case_scopes.pk(case_number,prefix)",
            "case_violations.fk(case_number)->cases",
            "case_violations.pk(case_number,seq,rule)",
            "cases.pk(number)",
            "cases.unique(query_code)",
            "catalog_items.check(catalog_items_status_ck)",
            "catalog_items.partial_unique(code)",
            "catalog_items.pk(code,version)",
            "catalog_items.trigger(catalog_items_cache_delete)",
            "catalog_items.trigger(catalog_items_cache_insert)",
            "catalog_items.trigger(catalog_items_cache_update)",
            "checkpoints.check(checkpoints_suite_ck)",
            "checkpoints.pk(seq)",
            "checkpoints.trigger(checkpoints_no_delete)",
            "checkpoints.trigger(checkpoints_no_update)",
            "closures.fk(region_code)->regions",
            "closures.pk(region_code,date)",
            "closures.trigger(closures_cache_delete)",
            "closures.trigger(closures_cache_insert)",
            "closures.trigger(closures_cache_update)",
            "complaints.check(complaints_kind_ck)",
            "complaints.check(complaints_status_ck)",
            "complaints.check(complaints_subject_ck)",
            "complaints.fk(case_number)->cases",
            "complaints.pk(id)",
            "complaints.unique(code)",
            "counters.pk(name,scope)",
            "departments.fk(region_code)->regions",
            "departments.pk(id)",
            "departments.trigger(departments_cache_delete)",
            "departments.trigger(departments_cache_insert)",
            "departments.trigger(departments_cache_update)",
            "departments.unique(region_code,code)",
            "fee_ledger.partial_unique(paper_no)",
            "fee_ledger.partial_unique(receipt_no)",
            "fee_ledger.pk(case_number,seq)",
            "fee_ledger.trigger(fee_ledger_no_delete)",
            "fee_ledger.trigger(fee_ledger_no_update)",
            "follow_ups.check(follow_ups_status_ck)",
            "follow_ups.fk(case_number)->cases",
            "follow_ups.fk(rating_id)->ratings",
            "follow_ups.pk(id)",
            "follow_ups.unique(rating_id)",
            "leases.pk(name)",
            "messages.fk(case_number)->cases",
            "messages.pk(id)",
            "number_claims.pk(number)",
            "orders.check(orders_status_ck)",
            "orders.fk(case_number)->cases",
            "orders.pk(id)",
            "outcome_days.pk(completed_on,place_region,decide_region,department,accepted_by,decided_by,shard)",
            "password_resets.fk(user_id)->users",
            "password_resets.pk(user_id)",
            "places.check(places_kind_ck)",
            "places.fk(region_code)->regions",
            "places.pk(region_code)",
            "ratings.check(ratings_channel_ck)",
            "ratings.check(ratings_level_ck)",
            "ratings.fk(case_number)->cases",
            "ratings.pk(id)",
            "ratings.unique(case_number,channel)",
            "receipt_days.pk(received_on,place_region,department,shard)",
            "record_suite.check(record_suite_one_row)",
            "record_suite.check(record_suite_suite_ck)",
            "record_suite.pk(id)",
            "record_suite.trigger(record_suite_no_delete)",
            "record_suite.trigger(record_suite_no_update)",
            "recovery_codes.fk(user_id)->users",
            "recovery_codes.pk(user_id,code_key)",
            "regions.check(regions_level_ck)",
            "regions.fk(parent_code)->regions",
            "regions.pk(code)",
            "results.fk(case_number)->cases",
            "results.pk(case_number)",
            "seal_leaves.check(seal_leaves_hash_length)",
            "seal_leaves.check(seal_leaves_kind_ck)",
            "seal_leaves.fk(checkpoint)->checkpoints",
            "seal_leaves.pk(idx)",
            "seal_leaves.trigger(seal_leaves_no_delete)",
            "seal_leaves.trigger(seal_leaves_no_update)",
            "second_factors.fk(user_id)->users",
            "second_factors.pk(user_id)",
            "sessions.fk(user_id)->users",
            "sessions.pk(token_hash)",
            "sessions.trigger(sessions_accounts_delete)",
            "settings.pk(key)",
            "settings.trigger(settings_cache_delete)",
            "settings.trigger(settings_cache_insert)",
            "settings.trigger(settings_cache_update)",
            "sign_in_throttles.pk(key)",
            "user_grants.check(user_grants_level_ck)",
            "user_grants.fk(department_id)->departments",
            "user_grants.fk(region_code)->regions",
            "user_grants.fk(user_id)->users",
            "user_grants.pk(id)",
            "user_grants.trigger(user_grants_accounts_delete)",
            "user_grants.trigger(user_grants_accounts_insert)",
            "user_grants.trigger(user_grants_accounts_update)",
            "users.fk(home_region)->regions",
            "users.partial_unique(id_key)",
            "users.pk(id)",
            "users.trigger(users_accounts_delete)",
            "users.trigger(users_accounts_insert)",
            "users.trigger(users_accounts_update)",
            "users.unique(username)",
            "void_numbers.pk(number)",
            "void_numbers.trigger(void_numbers_no_delete)",
            "void_numbers.trigger(void_numbers_no_update)",
            "void_receipts.pk(receipt_no)",
            "void_receipts.trigger(void_receipts_no_delete)",
            "void_receipts.trigger(void_receipts_no_update)",
            "warning_counts.pk(place_region,colour,shard)",
            "warnings.check(warnings_colour_ck)",
            "warnings.fk(case_number)->cases",
            "warnings.partial_unique(case_number,key,colour)",
            "warnings.pk(id)",
            "warnings.trigger(warnings_counted_on_clear)",
            "warnings.trigger(warnings_counted_on_insert)",
        ]
    );
    assert_eq!(d.tables.len(), 45);
    assert_eq!(d.tables["case_violations"].len(), 9);
    assert_eq!(d.tables["fee_ledger"].len(), 15);
    assert_eq!(d.tables["void_receipts"].len(), 4);
    assert_eq!(d.tables["case_keys"].len(), 4);
    assert_eq!(d.tables["sign_in_throttles"].len(), 4);
    assert_eq!(d.tables["password_resets"].len(), 6);
    assert_eq!(d.tables["sessions"].len(), 9);
    assert_eq!(d.tables["second_factors"].len(), 5);
    assert_eq!(d.tables["recovery_codes"].len(), 4);
    assert_eq!(d.tables["audit_log"].len(), 10);
    assert_eq!(d.tables["applicant_index"].len(), 2);
    assert_eq!(d.tables["checkpoints"].len(), 8);
    assert_eq!(d.tables["seal_leaves"].len(), 6);
    assert_eq!(d.tables["record_suite"].len(), 3);
    assert_eq!(d.tables["void_numbers"].len(), 3);
    assert_eq!(d.tables["cache_versions"].len(), 2);
    assert_eq!(d.tables["outcome_days"].len(), 14);
    assert_eq!(d.tables["receipt_days"].len(), 5);
    assert_eq!(d.tables["case_outcomes"].len(), 13);
    assert_eq!(d.tables["case_scopes"].len(), 5);
    assert_eq!(d.tables["ratings"].len(), 8);
    assert_eq!(d.tables["follow_ups"].len(), 13);
    assert_eq!(d.tables["complaints"].len(), 21);
    assert_eq!(d.tables["warnings"].len(), 11);
    assert_eq!(d.tables["orders"].len(), 13);
    assert_eq!(d.tables["cases"].len(), 18);
    assert_eq!(d.tables["case_events"].len(), 5);
    assert_eq!(d.tables["user_grants"].len(), 6);
    assert_eq!(d.tables["catalog_items"].len(), 10);
}

/// A database that already held cases before migration 3 starts with counts of those cases.
#[tokio::test]
async fn supervision_migration_backfills_case_counts() {
    let (dir, path) = fresh_db_path("backfill");
    {
        // Schema version 2 with three cases, written the way an older build left them.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (
                version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .unwrap();
        for m in &MIGRATIONS[..2] {
            conn.execute_batch(m.sql).unwrap();
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?1, ?2, '2026-01-01T00:00:00.000000Z')",
                params![m.version, m.name],
            )
            .unwrap();
        }
        for (n, place, dept, state) in [
            ("c1", "330102001000", "scjg", "submitted"),
            ("c2", "330102001000", "scjg", "submitted"),
            ("c3", "330102002000", "mzj", "in_review"),
        ] {
            conn.execute(
                "INSERT INTO cases (number, query_code, state, item_code, item_name, department,
                    applicant_name, place_region, decide_region, applicant_region, created_at,
                    updated_at, version, case_json)
                 VALUES (?1, ?1, ?2, 'i', 'i', ?3, 'a', ?4, ?4, ?4, 't', 't', 1, '{}')",
                params![n, state, dept, place],
            )
            .unwrap();
        }
    }
    let s = SqliteStore::open(&path, store::vault::Vault::for_tests()).unwrap();
    use store::{CountBy, SupervisionStore};
    let by_state = s.count_cases(&Scope::All, CountBy::State).await.unwrap();
    assert_eq!(
        by_state,
        vec![("in_review".to_string(), 1), ("submitted".to_string(), 2)]
    );
    let by_place = s.count_cases(&Scope::All, CountBy::Place).await.unwrap();
    assert_eq!(
        by_place,
        vec![
            ("330102001000".to_string(), 2),
            ("330102002000".to_string(), 1)
        ]
    );
    // The rows written before checksums were kept got theirs, the new ones were recorded with it.
    let recorded: Vec<(i64, Option<String>)> = s
        .read(|c| {
            let mut st = c
                .prepare("SELECT version, checksum FROM schema_migrations ORDER BY version")
                .db()?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
        .unwrap();
    let expected: Vec<(i64, Option<String>)> = MIGRATIONS
        .iter()
        .map(|m| (m.version, Some(m.checksum())))
        .collect();
    assert_eq!(recorded, expected);
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A migration whose text changed after it was applied, or one only a newer build knows, stops
/// the open with an error naming it; nothing is applied on a schema the binary does not describe.
#[tokio::test]
async fn a_changed_or_unknown_migration_is_refused_at_open() {
    let (dir, path) = fresh_db_path("checksums");
    drop(SqliteStore::open(&path, store::vault::Vault::for_tests()).unwrap());
    let scan_rows = MIGRATIONS.iter().find(|m| m.version == 5).unwrap();
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE schema_migrations SET checksum = ?1 WHERE version = 5",
            [scan_rows.checksum().replace(|c: char| c != '0', "0")],
        )
        .unwrap();
    let err = SqliteStore::open(&path, store::vault::Vault::for_tests())
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("migration 0005 (scan_rows) was changed after it was applied"),
        "{err}"
    );

    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE schema_migrations SET checksum = ?1 WHERE version = 5",
        [scan_rows.checksum()],
    )
    .unwrap();
    drop(
        SqliteStore::open(&path, store::vault::Vault::for_tests())
            .expect("opens again once the checksum matches"),
    );
    conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at, checksum)
         VALUES (9999, 'future', '2027-01-01T00:00:00.000000Z', 'ab')",
        [],
    )
    .unwrap();
    let err = SqliteStore::open(&path, store::vault::Vault::for_tests())
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("migration 9999, which this build does not know"),
        "{err}"
    );
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Migration 6 fills `case_scopes` for the cases already stored exactly as the store writes it
/// for new ones (`store::listing::scope_rows`): the migration's statement, run again on cases the
/// store wrote, gives back the same rows.
#[tokio::test]
async fn case_scopes_backfill_matches_the_write_path() {
    use store::conformance::{filed_case, CaseFixture, COUNTY, EDGE_VILLAGE, FAR_TOWN, TOWN};
    use store::CaseStore;
    let s = store();
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
    let sql = MIGRATIONS
        .iter()
        .find(|m| m.name == "case_scopes")
        .unwrap()
        .sql;
    let start = sql.find("INSERT INTO case_scopes").unwrap();
    let backfill = sql[start..start + sql[start..].find(';').unwrap()].to_string();
    type ScopeRow = (String, String, i64, String, String);
    let rows = |c: &Connection| -> Result<Vec<ScopeRow>> {
        let mut st = c
            .prepare(
                "SELECT case_number, prefix, via, state, sort_due FROM case_scopes
                 ORDER BY case_number, prefix",
            )
            .db()?;
        let r = st
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .db()?;
        r.collect::<rusqlite::Result<Vec<_>>>().db()
    };
    let written = s.read(move |c| rows(c)).await.unwrap();
    assert_eq!(written.len(), 5 + 7 + 3 + 7, "{written:?}");
    assert!(written.contains(&(
        "N1".into(),
        "330105".into(),
        store::listing::VIA_FILED,
        "submitted".into(),
        "2026-03-09".into()
    )));
    assert!(
        written.iter().any(|r| r.0 == "N3" && r.4 == "9999-12-31"),
        "an undated draft"
    );
    let refilled = s
        .write(move |tx| {
            tx.execute_batch("DELETE FROM case_scopes").db()?;
            tx.execute_batch(&backfill).db()?;
            Ok(())
        })
        .await;
    refilled.unwrap();
    let again = s.read(move |c| rows(c)).await.unwrap();
    assert_eq!(again, written);
}

/// Part 6 of issue 5: the scan and the monitor's queries use indexes and never read a whole table
/// of cases, deadline rows or warnings. The statements are the store's own (shared constants and
/// builders), planned by the bundled SQLite on the migrated schema.
#[tokio::test]
async fn supervision_queries_never_scan_whole_tables() {
    use crate::supervision::{
        count_warnings_sql, list_warnings_sql, SCAN_CLEAR_SQL, SCAN_RAISE_SQL,
    };
    let s = store();
    let township = store::conformance::subtree(store::conformance::TOWN);
    let mut statements: Vec<(String, Vec<Value>)> = vec![];
    let days = || {
        vec![
            Value::Text("2026-03-01".into()),
            Value::Text("2026-03-02".into()),
            Value::Text("2026-03-02T00:00:00Z".into()),
        ]
    };
    let mut raise_params = days();
    raise_params.push(Value::Text("2026-03-02".into()));
    statements.push((SCAN_RAISE_SQL.to_string(), raise_params));
    statements.push((SCAN_CLEAR_SQL.to_string(), days()));
    // A page of the case list: one ordered range of the list index per stream, no sort.
    let list_sql = crate::cases::list_stream_sql(" AND c.department = ?");
    statements.push((
        list_sql.clone(),
        vec![
            Value::Text("330102".into()),
            Value::Text("in_review".into()),
            Value::Integer(1),
            Value::Text("2026-03-01".into()),
            Value::Text(String::new()),
            Value::Text("scjg".into()),
            Value::Integer(100),
        ],
    ));
    // The public monthly figures: the month's receipts and completions, by index.
    statements.push((
        crate::cases::PERIOD_FIGURES_SQL.to_string(),
        vec![
            Value::Text("2026-03-01".into()),
            Value::Text("2026-04-01".into()),
        ],
    ));
    for scope in [Scope::All, township.clone()] {
        for walk in [false, true] {
            let mut p = vec![];
            let sql = list_warnings_sql(&scope, true, walk, &mut p);
            p.push(Value::Integer(200));
            statements.push((sql, p));
        }
        let mut p = vec![];
        let sql = count_warnings_sql(&scope, &mut p);
        if scope != Scope::All {
            statements.push((sql, p));
        }
    }
    let plans: Vec<(String, Vec<String>)> = s
        .read(move |c| {
            let mut out = vec![];
            for (sql, p) in statements {
                let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).db()?;
                let rows = st
                    .query_map(rusqlite::params_from_iter(p), |r| r.get::<_, String>(3))
                    .db()?;
                out.push((sql, rows.collect::<rusqlite::Result<Vec<_>>>().db()?));
            }
            Ok(out)
        })
        .await
        .unwrap();
    for (sql, plan) in &plans {
        for line in plan {
            for table in [
                "cases",
                "case_deadlines",
                "warnings",
                "case_events",
                "case_outcomes",
            ] {
                assert!(
                    line != &format!("SCAN {table}"),
                    "full scan of {table} in\n{sql}\nplan: {plan:?}"
                );
            }
        }
    }
    let figures = plans[3].1.join("\n");
    assert!(
        figures.contains("SEARCH receipt_days USING PRIMARY KEY (received_on>? AND received_on<?)")
            && figures.contains(
                "SEARCH outcome_days USING PRIMARY KEY (completed_on>? AND completed_on<?)"
            ),
        "{figures}"
    );
    let list = plans[2].1.join("\n");
    assert_eq!(plans[2].0, list_sql);
    assert!(
        list.contains("case_scopes_list_idx") && !list.contains("TEMP B-TREE"),
        "{list}"
    );
    // The scan reads both date indexes.
    let raise = plans[0].1.join("\n");
    assert!(
        raise.contains("case_deadlines_yellow_from_idx")
            && raise.contains("case_deadlines_red_from_idx"),
        "{raise}"
    );
    // Clearing is driven by the rows turning red, each a probe of the open-warning index, not by
    // a walk over every open yellow warning.
    let clear = plans[1].1.join("\n");
    assert!(
        clear.contains("case_deadlines_red_from_idx")
            && clear.contains("SEARCH warnings USING INDEX warnings_open_uq"),
        "{clear}"
    );
}

/// Migrations 10 and 12 rebuild the case log (WITHOUT ROWID; hashes as bytes, links not stored):
/// from a log in the form earlier builds wrote (hex hash and link columns), every event reads back
/// as it was (the chain still verifies, bodies still decode), the append-only triggers are back,
/// and the case goes on.
#[tokio::test]
async fn the_event_log_rebuild_keeps_every_event_and_its_guards() {
    use store::conformance::{filed_case, next_events, CaseFixture, TOWN, VILLAGE};
    use store::CaseStore;
    let s = store();
    let mut logs = vec![];
    for number in ["E1", "E2"] {
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
        let marked = domain::case::EventKind::MaterialMarked {
            index: 0,
            status: domain::case::MaterialStatus::Received,
            reason: String::new(),
        };
        let (next, more) = next_events(&case, &events, "2026-03-02T02:00:00Z", vec![marked]);
        s.append_events(&next, case.version, &more).await.unwrap();
        logs.push(s.case_events(number).await.unwrap());
    }
    // Back to the log as earlier builds kept it: hex hashes, each event's link in its own column.
    s.write(|tx| {
        tx.execute_batch(&format!(
            "DROP TRIGGER case_events_no_update;
             DROP TRIGGER case_events_no_delete;
             CREATE TABLE case_events_old (
                 case_number TEXT NOT NULL REFERENCES cases (number),
                 seq INTEGER NOT NULL, at TEXT NOT NULL, event_json TEXT NOT NULL,
                 prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
             INSERT INTO case_events_old
                 SELECT case_number, seq, at, event_json,
                        coalesce(lower(hex(lag(hash) OVER (PARTITION BY case_number
                                                          ORDER BY seq))), '{}'),
                        lower(hex(hash))
                 FROM case_events;
             DROP TABLE case_events;
             ALTER TABLE case_events_old RENAME TO case_events;",
            domain::case::GENESIS_HASH
        ))
        .db()
    })
    .await
    .unwrap();
    let old: String = s
        .read(|c| {
            c.query_row(
                "SELECT prev_hash FROM case_events WHERE case_number = 'E1' AND seq = 2",
                [],
                |r| r.get(0),
            )
            .db()
        })
        .await
        .unwrap();
    assert_eq!(old, logs[0][0].hash, "the old form links in its own column");
    for version in [10, 12] {
        let sql = MIGRATIONS
            .iter()
            .find(|m| m.version == version)
            .unwrap()
            .sql;
        s.write(move |tx| tx.execute_batch(sql).db()).await.unwrap();
    }
    for log in &logs {
        let back = s.case_events(&log[0].case_number).await.unwrap();
        assert_eq!(&back, log);
        assert_eq!(domain::case::verify_chain(&back), Ok(()));
    }
    let next = s.get_case("E1").await.unwrap().unwrap();
    let accepted = domain::case::EventKind::MaterialMarked {
        index: 0,
        status: domain::case::MaterialStatus::Received,
        reason: "再次核对".to_string(),
    };
    let (after, more) = next_events(&next, &logs[0], "2026-03-02T03:00:00Z", vec![accepted]);
    s.append_events(&after, next.version, &more).await.unwrap();
    let log = s.case_events("E1").await.unwrap();
    assert_eq!(log.len(), logs[0].len() + more.len());
    assert_eq!(domain::case::verify_chain(&log), Ok(()));
    let (ddl, refused) = s
        .write(|tx| {
            let ddl: String = tx
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE name = 'case_events'",
                    [],
                    |r| r.get(0),
                )
                .db()?;
            let refused = tx
                .execute(
                    "UPDATE case_events SET at = 'x' WHERE case_number = 'E1'",
                    [],
                )
                .is_err()
                && tx
                    .execute("DELETE FROM case_events WHERE case_number = 'E1'", [])
                    .is_err();
            Ok((ddl, refused))
        })
        .await
        .unwrap();
    assert!(
        ddl.contains("WITHOUT ROWID") && !ddl.contains("prev_hash"),
        "{ddl}"
    );
    assert!(refused, "the append-only triggers must be back");
}

/// Migration 0011 adds up the outcome rows already there into `outcome_days`: the evaluation
/// totals it gives are those the write path keeps.
#[tokio::test]
async fn outcome_days_are_added_up_from_the_outcomes_already_there() {
    use store::conformance::{outcome_totals_by_every_key, seed_outcomes};
    let s = store();
    seed_outcomes(&s).await;
    let kept = outcome_totals_by_every_key(&s).await;
    assert!(kept[1].len() >= 2, "several places: {kept:?}");
    s.write(|tx| tx.execute_batch("DROP TABLE outcome_days").db())
        .await
        .unwrap();
    let sql = MIGRATIONS.iter().find(|m| m.version == 11).unwrap().sql;
    s.write(move |tx| tx.execute_batch(sql).db()).await.unwrap();
    assert_eq!(outcome_totals_by_every_key(&s).await, kept);
}

/// Migration 0013 counts the receipts already there into `receipt_days`: the monthly figures it
/// gives are those the write path keeps.
#[tokio::test]
async fn receipt_days_are_counted_from_the_cases_already_there() {
    use store::CaseStore;
    let s = store();
    store::conformance::seed_receipts(&s).await;
    let (from, until) = (
        chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
    );
    let kept = s.period_figures(from, until).await.unwrap();
    assert_eq!(kept.iter().map(|f| f.received).sum::<u32>(), 5, "{kept:?}");
    s.write(|tx| tx.execute_batch("DROP TABLE receipt_days").db())
        .await
        .unwrap();
    let sql = MIGRATIONS.iter().find(|m| m.version == 13).unwrap().sql;
    s.write(move |tx| tx.execute_batch(sql).db()).await.unwrap();
    assert_eq!(s.period_figures(from, until).await.unwrap(), kept);
}

/// Opening a database refreshes the planner's statistics, and the planner uses them: with many
/// outcomes and few ratings, the evaluation's feedback join starts from the ratings instead of
/// walking the period's outcomes.
#[tokio::test]
async fn opening_gives_the_planner_statistics() {
    let (dir, path) = fresh_db_path("optimize");
    drop(SqliteStore::open(&path, store::vault::Vault::for_tests()).unwrap());
    {
        // Raw rows without their cases: the plan, not the data, is tested.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys=OFF;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
             INSERT INTO case_outcomes
             SELECT printf('C%08d', i), date('2026-01-01', '+' || (i % 300) || ' days'),
                    '330102001000', '330102001000', 'scjg', 'a', 'b', 1, 0, 3, 0, 0, 0 FROM n;
             INSERT INTO ratings (case_number, channel, level, comment, rated_at, unit_region,
                                  department)
             SELECT case_number, 'online', 'satisfied', '', '2026-11-01T00:00:00Z', place_region,
                    department
             FROM case_outcomes WHERE case_number LIKE '%000';",
        )
        .unwrap();
    }
    let s = SqliteStore::open(&path, store::vault::Vault::for_tests()).unwrap();
    let plan: Vec<String> = s
        .read(|c| {
            let mut st = c
                .prepare(
                    "EXPLAIN QUERY PLAN SELECT r.case_number, r.level FROM case_outcomes o
                     JOIN ratings r ON r.case_number = o.case_number
                     WHERE o.completed_on >= '2026-01-01' AND o.completed_on <= '2026-12-31'
                     ORDER BY r.case_number, r.id",
                )
                .db()?;
            let rows = st.query_map([], |r| r.get::<_, String>(3)).db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
        .unwrap();
    assert!(
        plan[0].contains(" r "),
        "the join starts from the 20 ratings: {plan:?}"
    );
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}
