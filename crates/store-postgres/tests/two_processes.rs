//! Several server processes on one database raise each warning exactly once and agree on who
//! holds the scan lease (issue 5). Real processes, not tasks: this test binary runs itself twice as
//! children (`child_worker` below), in an isolated schema both of them connect to.
//!
//! The children start racing together: the parent holds an advisory lock that each child waits
//! for (shared) after connecting, and releases it once both are waiting.

use chrono::Duration;
use domain::case::Channel;
use std::process::{Command, Stdio};
use store::conformance::{at, date, filed_case, CaseFixture, TOWN, VILLAGE};
use store::{CaseStore, SupervisionStore, WarningRecord};
use yizhan_store_postgres::PgStore;

const WORKER_ENV: &str = "YIZHAN_TWO_PROCESS_WORKER";
const SCHEMA_ENV: &str = "YIZHAN_TWO_PROCESS_SCHEMA";
const BARRIER_ENV: &str = "YIZHAN_TWO_PROCESS_BARRIER";
const CASE: &str = "330102001000-20260302-0001";
const WARNINGS: usize = 50;

/// The test server (see `yizhan_test_pg`); each test first returns early when there is none.
fn url() -> String {
    yizhan_test_pg::required_url()
}

/// The test URL with every connection landing in `schema`.
fn scoped_url(schema: &str) -> String {
    let sep = if url().contains('?') { '&' } else { '?' };
    format!("{}{sep}options=-c%20search_path%3D{schema}", url())
}

/// The advisory lock key of one run, as PostgreSQL splits it in pg_locks: (classid, objid).
fn barrier_parts(key: i64) -> (i64, i64) {
    (key >> 32, key & 0xffff_ffff)
}

fn warning(i: usize) -> WarningRecord {
    WarningRecord {
        id: 0,
        case_number: CASE.to_string(),
        key: format!("stage:{i}"),
        colour: if i.is_multiple_of(2) { "yellow" } else { "red" }.to_string(),
        label: format!("环节{i}预警"),
        place: store::conformance::code(TOWN),
        decide_place: store::conformance::code(TOWN),
        department: "scjg".to_string(),
        due: date("2026-03-16"),
        raised_at: at("2026-03-12T00:00:00Z"),
        cleared_at: None,
    }
}

/// In a child: waits at the barrier, then raises the 50 warnings concurrently and tries the lease,
/// printing what this process won. In a normal test run it does nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_worker() {
    let (Ok(worker), Ok(schema), Ok(barrier)) = (
        std::env::var(WORKER_ENV),
        std::env::var(SCHEMA_ENV),
        std::env::var(BARRIER_ENV),
    ) else {
        return;
    };
    let barrier: i64 = barrier.parse().expect("barrier key");
    let store = PgStore::connect(&scoped_url(&schema), store::vault::Vault::for_tests())
        .await
        .expect("child connects to the shared schema");
    {
        let conn = store.connection().await.expect("connection");
        conn.execute("SELECT pg_advisory_lock_shared($1)", &[&barrier])
            .await
            .expect("wait at the barrier");
        conn.execute("SELECT pg_advisory_unlock_shared($1)", &[&barrier])
            .await
            .expect("leave the barrier");
    }
    let now = at("2026-03-12T00:00:00Z");
    let lease = {
        let s = store.clone();
        let holder = format!("worker-{worker}");
        tokio::spawn(async move {
            s.try_lease("warning-scan", &holder, now, now + Duration::seconds(60))
                .await
        })
    };
    let tasks: Vec<_> = (0..WARNINGS)
        .map(|i| {
            let s = store.clone();
            tokio::spawn(async move { (i, s.raise_warning(&warning(i)).await) })
        })
        .collect();
    for t in tasks {
        let (i, raised) = t.await.expect("task");
        if raised.expect("raise_warning") {
            println!("@@RAISED {i}");
        }
    }
    println!("@@LEASE {}", lease.await.expect("task").expect("try_lease"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_warning_is_raised_once_across_two_processes() {
    if yizhan_test_pg::url().is_none() {
        return;
    }
    let schema = format!(
        "yz_two_{}_{}",
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

    // The parent migrates the schema and files the case the warnings are about.
    let store = PgStore::connect(&scoped_url(&schema), store::vault::Vault::for_tests())
        .await
        .unwrap();
    let (case, events) = filed_case(&CaseFixture {
        number: CASE,
        place: TOWN,
        decide_place: TOWN,
        applicant_region: VILLAGE,
        department: "scjg",
        channel: Channel::Window,
        applicant_user_id: None,
        agent_user_id: None,
        at: "2026-03-02T01:00:00Z",
    });
    store.create_case(&case, &events).await.unwrap();

    // A key of this run only, so other test runs' advisory locks are not counted.
    let barrier: i64 = (0x5951_i64 << 32) | i64::from(std::process::id());
    admin
        .execute("SELECT pg_advisory_lock($1)", &[&barrier])
        .await
        .unwrap();
    let exe = std::env::current_exe().expect("test binary");
    let children: Vec<_> = (1..=2)
        .map(|w| {
            Command::new(&exe)
                .args(["child_worker", "--exact", "--nocapture", "--test-threads=1"])
                .env(WORKER_ENV, w.to_string())
                .env(SCHEMA_ENV, &schema)
                .env(BARRIER_ENV, barrier.to_string())
                // The same server, also when it is a private cluster of this process.
                .env(yizhan_test_pg::URL_ENV, url())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("spawn a child process")
        })
        .collect();

    // Release the barrier once both children wait at it (a minute at most).
    let (classid, objid) = barrier_parts(barrier);
    let mut waiting = 0;
    for _ in 0..3000 {
        waiting = admin
            .query_one(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                   AND classid::bigint = $1 AND objid::bigint = $2",
                &[&classid, &objid],
            )
            .await
            .unwrap()
            .get::<_, i64>(0);
        if waiting == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    admin
        .execute("SELECT pg_advisory_unlock($1)", &[&barrier])
        .await
        .unwrap();
    assert_eq!(waiting, 2, "both children reached the barrier");

    let outputs: Vec<String> = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| {
                let out = c.wait_with_output().expect("child output");
                assert!(out.status.success(), "child failed: {:?}", out.status);
                String::from_utf8(out.stdout).expect("utf-8 output")
            })
            .collect()
    })
    .await
    .unwrap();

    let mut raised_by: Vec<Vec<usize>> = vec![Vec::new(); WARNINGS];
    let mut leases = Vec::new();
    for (w, out) in outputs.iter().enumerate() {
        for line in out.lines() {
            // libtest may print "test child_worker ... " on the line before the first marker.
            if let Some((_, i)) = line.split_once("@@RAISED ") {
                raised_by[i.trim().parse::<usize>().expect("warning index")].push(w);
            } else if let Some((_, l)) = line.split_once("@@LEASE ") {
                leases.push(l.trim() == "true");
            }
        }
    }
    let per_child: Vec<usize> = (0..2)
        .map(|w| raised_by.iter().filter(|r| r.contains(&w)).count())
        .collect();
    eprintln!("warnings raised per process: {per_child:?}; lease granted: {leases:?}");
    for (i, by) in raised_by.iter().enumerate() {
        assert_eq!(
            by.len(),
            1,
            "warning {i} reported raised by processes {by:?}"
        );
    }
    assert_eq!(leases.len(), 2, "both children tried the lease");
    assert_eq!(
        leases.iter().filter(|l| **l).count(),
        1,
        "exactly one process holds the lease"
    );

    // In the database: each warning once, open.
    let rows = admin
        .query(
            &format!(
                "SELECT key, colour, count(*) FROM {schema}.warnings
                 GROUP BY key, colour ORDER BY key"
            ),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), WARNINGS);
    for r in &rows {
        assert_eq!(
            r.get::<_, i64>(2),
            1,
            "{}/{}",
            r.get::<_, String>(0),
            r.get::<_, String>(1)
        );
    }
    assert_eq!(store.case_warnings(CASE).await.unwrap().len(), WARNINGS);

    drop(store);
    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
}
