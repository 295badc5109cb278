//! The case log is append-only in the database itself, and an edit made around that rule (a DBA
//! bypassing triggers) is caught by the hash chain.

use domain::case::verify_chain;
use store::conformance::{filed_case, next_events, CaseFixture, TOWN, VILLAGE};
use store::CaseStore;
use tokio_postgres::error::SqlState;
use yizhan_store_postgres::PgStore;

/// The test server (see `yizhan_test_pg`); each test first returns early when there is none.
fn url() -> String {
    yizhan_test_pg::required_url()
}

fn fixture() -> CaseFixture<'static> {
    CaseFixture {
        number: "330102001000-20260302-0001",
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

#[tokio::test]
async fn edited_event_rows_are_refused_and_detected() {
    if yizhan_test_pg::url().is_none() {
        return;
    }
    let store = PgStore::connect_isolated_for_tests(&url()).await;
    let (case, events) = filed_case(&fixture());
    store.create_case(&case, &events).await.unwrap();
    let marked = domain::case::EventKind::MaterialMarked {
        index: 0,
        status: domain::case::MaterialStatus::Received,
        reason: String::new(),
    };
    let (v3, e3) = next_events(&case, &events, "2026-03-02T02:00:00Z", vec![marked]);
    store.append_events(&v3, 2, &e3).await.unwrap();
    let n = case.filing.number.as_str();
    assert_eq!(verify_chain(&store.case_events(n).await.unwrap()), Ok(()));

    // UPDATE, DELETE and TRUNCATE of the log are refused by the triggers.
    let conn = store.connection().await.unwrap();
    // The edit a DBA would make: the second event's body with another comment.
    let stored: Vec<u8> = conn
        .query_one(
            "SELECT event_json FROM case_events WHERE case_number = $1 AND seq = 2",
            &[&n],
        )
        .await
        .unwrap()
        .get(0);
    let mut body: serde_json::Value = store::vault::Vault::for_tests()
        .from_stored(store::codec::Body::Event, &stored)
        .unwrap();
    body["comment"] = "已改".into();
    let forged = store::vault::Vault::for_tests()
        .to_stored(store::codec::Body::Event, &body)
        .unwrap();
    let edit = "UPDATE case_events SET event_json = $2 WHERE case_number = $1 AND seq = 2";
    type P<'a> = Vec<&'a (dyn tokio_postgres::types::ToSql + Sync)>;
    let cases: [(&str, P); 3] = [
        (edit, vec![&n, &forged]),
        ("DELETE FROM case_events WHERE case_number = $1", vec![&n]),
        ("TRUNCATE case_events", vec![]),
    ];
    for (sql, params) in cases {
        let err = conn.execute(sql, &params).await.unwrap_err();
        let db = err.as_db_error().expect("a database error");
        assert_eq!(db.code(), &SqlState::RESTRICT_VIOLATION, "{sql}: {db}");
        assert!(db.message().contains("append-only"), "{sql}: {db}");
    }
    assert_eq!(store.case_events(n).await.unwrap().len(), 3);

    // A superuser skips triggers for one transaction and edits the second event: the chain
    // breaks at that seq.
    conn.batch_execute("BEGIN; SET LOCAL session_replication_role = replica;")
        .await
        .unwrap();
    conn.execute(edit, &[&n, &forged]).await.unwrap();
    conn.batch_execute("COMMIT").await.unwrap();
    let log = store.case_events(n).await.unwrap();
    assert_eq!(log[1].comment, "已改");
    assert_eq!(verify_chain(&log), Err(2));

    // Links are not stored (each is the hash of the event before): taking the edited event out
    // and renumbering the next one into its place still breaks the chain there.
    conn.batch_execute(&format!(
        "BEGIN; SET LOCAL session_replication_role = replica;
         DELETE FROM case_events WHERE case_number = '{n}' AND seq = 2;
         UPDATE case_events SET seq = 2 WHERE case_number = '{n}' AND seq = 3;
         COMMIT;"
    ))
    .await
    .unwrap();
    let log = store.case_events(n).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(verify_chain(&log), Err(2));
}
