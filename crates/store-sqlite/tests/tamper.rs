//! The case log is append-only in the database itself, and an edit made around that rule (a DBA
//! with the file in hand) is caught by the hash chain.

use domain::case::verify_chain;
use rusqlite::Connection;
use store::conformance::{filed_case, next_events, CaseFixture, TOWN, VILLAGE};
use store::CaseStore;
use yizhan_store_sqlite::SqliteStore;

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
    let dir = std::env::temp_dir().join(format!("yizhan-tamper-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("db.sqlite3");
    let _ = std::fs::remove_file(&path);
    let store = SqliteStore::open(&path, store::vault::Vault::for_tests()).unwrap();

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

    // Any connection: UPDATE and DELETE of an event are refused by the triggers.
    let raw = Connection::open(&path).unwrap();
    // The edit a DBA would make: the second event's body with another comment.
    let stored: Vec<u8> = raw
        .query_row(
            "SELECT event_json FROM case_events WHERE case_number = ?1 AND seq = 2",
            [n],
            |r| r.get(0),
        )
        .unwrap();
    let mut body: serde_json::Value = store::vault::Vault::for_tests()
        .from_stored(store::codec::Body::Event, &stored)
        .unwrap();
    body["comment"] = "已改".into();
    let forged = store::vault::Vault::for_tests()
        .to_stored(store::codec::Body::Event, &body)
        .unwrap();
    let edit = "UPDATE case_events SET event_json = ?2 WHERE case_number = ?1 AND seq = 2";
    let err = raw.execute(edit, rusqlite::params![n, forged]).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = raw
        .execute("DELETE FROM case_events WHERE case_number = ?1", [n])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert_eq!(store.case_events(n).await.unwrap().len(), 3);

    // A DBA drops the trigger and edits the second event: the chain breaks at that seq.
    raw.execute_batch("DROP TRIGGER case_events_no_update")
        .unwrap();
    assert_eq!(raw.execute(edit, rusqlite::params![n, forged]).unwrap(), 1);
    let log = store.case_events(n).await.unwrap();
    assert_eq!(log[1].comment, "已改");
    assert_eq!(verify_chain(&log), Err(2));

    // Recomputing the edited event's own hash in place moves the break to the next event.
    let mut forged = log[1].clone();
    forged.hash = forged.compute_hash(domain::case::chain_suite(&log));
    raw.execute(
        "UPDATE case_events SET hash = ?2 WHERE case_number = ?1 AND seq = 2",
        rusqlite::params![n, store::stored::hash_bytes(&forged.hash).unwrap()],
    )
    .unwrap();
    assert_eq!(verify_chain(&store.case_events(n).await.unwrap()), Err(3));

    // Links are not stored (each is the hash of the event before): taking the edited event out
    // of the log and renumbering the next one into its place still breaks the chain there.
    raw.execute_batch("DROP TRIGGER case_events_no_delete")
        .unwrap();
    raw.execute(
        "DELETE FROM case_events WHERE case_number = ?1 AND seq = 2",
        [n],
    )
    .unwrap();
    raw.execute(
        "UPDATE case_events SET seq = 2 WHERE case_number = ?1 AND seq = 3",
        [n],
    )
    .unwrap();
    let log = store.case_events(n).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(verify_chain(&log), Err(2));

    drop(raw);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
