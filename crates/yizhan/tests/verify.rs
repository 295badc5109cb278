//! `yizhan verify` against the real binary (issue 3, part 2): the demo's case logs verify; the
//! database refuses an edit of an event; an edit made around that refusal (a DBA who drops the
//! trigger) is caught, and the failing run names the altered case.

use rusqlite::{Connection, OptionalExtension};
use std::path::Path;
use std::process::{Command, Output};

/// Runs `yizhan --data-dir DIR ARGS…` on the SQLite default, whatever the caller's environment.
fn yizhan(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("YIZHAN_DATABASE_URL")
        .env_remove("YIZHAN_DATA_DIR")
        .env("RUST_LOG", "warn")
        .output()
        .expect("cannot run the yizhan binary")
}

/// The key ring `yizhan demo` made beside the data, as a vault.
fn demo_vault(data_dir: &Path) -> store::vault::Vault {
    let text = std::fs::read_to_string(data_dir.join("keys").join("record-keys.json")).unwrap();
    let ring = crypto::KeyRing::from_json(&text).unwrap();
    store::vault::Vault::new(std::sync::Arc::new(
        crypto::SoftProvider::new(ring).unwrap(),
    ))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn verify_passes_on_demo_data_and_names_a_tampered_case() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");

    let out = yizhan(&data, &["demo"]);
    assert!(
        out.status.success(),
        "`yizhan demo` failed: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let db_path = data.join("yizhan.db");
    assert!(db_path.is_file(), "no database at {}", db_path.display());

    // The untouched demo data verifies, and the count is every case in the database.
    let db = Connection::open(&db_path).unwrap();
    let cases: i64 = db
        .query_row("SELECT COUNT(*) FROM cases", [], |r| r.get(0))
        .unwrap();
    assert!(cases > 0, "`yizhan demo` created no cases");
    let out = yizhan(&data, &["verify"]);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "verify failed on untouched demo data: {stdout}{}",
        text(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("已校验 {cases} 个办件")),
        "verify should report {cases} checked cases: {stdout}"
    );

    // A copy of the file shows none of the applicants' ID numbers or phones (issue 16, part 6):
    // they are read back with the key ring, then looked for in the file and its WAL.
    let vault = demo_vault(&data);
    let mut secrets = std::collections::BTreeSet::new();
    let mut st = db.prepare("SELECT case_json FROM cases").unwrap();
    for stored in st
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .unwrap()
        .map(Result::unwrap)
    {
        let case: domain::case::Case = vault
            .from_stored(store::codec::Body::Case, &stored)
            .unwrap();
        secrets.insert(case.filing.applicant.id_number);
        secrets.insert(case.filing.applicant.phone);
    }
    drop(st);
    assert!(secrets.len() >= 4, "{secrets:?}");
    let mut file = std::fs::read(&db_path).unwrap();
    file.extend(std::fs::read(data.join("yizhan.db-wal")).unwrap_or_default());
    for s in &secrets {
        assert!(
            !file.windows(s.len()).any(|w| w == s.as_bytes()),
            "{s} is readable in the database file"
        );
    }

    // The case with the longest log; its second-to-last event gets a new comment.
    let (number, events): (String, u32) = db
        .query_row(
            "SELECT case_number, COUNT(*) AS n FROM case_events
             GROUP BY case_number ORDER BY n DESC, case_number LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(events >= 2, "{number} has only {events} event(s)");
    let seq = events - 1;
    let stored: Vec<u8> = db
        .query_row(
            "SELECT event_json FROM case_events WHERE case_number = ?1 AND seq = ?2",
            rusqlite::params![number, seq],
            |r| r.get(0),
        )
        .optional()
        .unwrap()
        .unwrap_or_else(|| panic!("{number} has no event {seq}"));
    // The body is stored sealed (store::vault); a DBA who also took the key ring would open, edit
    // and re-seal it.
    let mut body: serde_json::Value = vault
        .from_stored(store::codec::Body::Event, &stored)
        .unwrap();
    // An empty comment is not stored at all (store::stored).
    let comment = body["comment"].as_str().unwrap_or_default().to_string();
    body["comment"] = format!("{comment}(已改)").into();
    let forged = vault.to_stored(store::codec::Body::Event, &body).unwrap();
    let edit = "UPDATE case_events SET event_json = ?3 WHERE case_number = ?1 AND seq = ?2";

    // With the trigger in place any connection's UPDATE (and DELETE) is refused.
    let err = db
        .execute(edit, rusqlite::params![number, seq, forged])
        .expect_err("an UPDATE of case_events must be refused");
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = db
        .execute(
            "DELETE FROM case_events WHERE case_number = ?1",
            rusqlite::params![number],
        )
        .expect_err("a DELETE of case_events must be refused");
    assert!(err.to_string().contains("append-only"), "{err}");

    // A DBA bypasses it: drops the trigger and rewrites the comment.
    db.execute_batch("DROP TRIGGER case_events_no_update")
        .unwrap();
    assert_eq!(
        db.execute(edit, rusqlite::params![number, seq, forged])
            .unwrap(),
        1
    );
    drop(db);

    let out = yizhan(&data, &["verify"]);
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success(),
        "verify passed a tampered log: {}{stderr}",
        text(&out.stdout)
    );
    assert!(
        stderr.contains(&number),
        "verify's error does not name the altered case {number}: {stderr}"
    );
    assert!(
        stderr.contains(&format!("第 {seq} 条")),
        "verify's error does not name the altered event {seq}: {stderr}"
    );
    // The report says exactly what is wrong: that case's chain, and the dropped trigger.
    let out = yizhan(&data, &["verify", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["cases"], cases);
    assert_eq!(
        report["findings"],
        serde_json::json!([
            {"kind": "guard_missing", "table": "case_events", "trigger": "case_events_no_update"},
            {"kind": "broken_chain", "case": number, "seq": seq},
        ]),
        "{report}"
    );
}
