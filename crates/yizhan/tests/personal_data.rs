//! Personal data at rest (issue 16, part 6), on SQLite and PostgreSQL: what a copy of the database
//! shows of an applicant's ID number and phone and of a user's and complainant's phone — nothing,
//! for data written now and for a database written before sealing once the server has started on
//! it. Each check is made first on the database as an older version left it (clear JSON bodies,
//! clear phones, no index), where the dump does show them, so the check can fail.

use app::verify::{self, Trust};
use chrono::Utc;
use domain::audit::AuditAction;
use std::sync::Arc;
use store::conformance::{
    filed_case, new_user, next_events, seed_regions, window_case, TOWN, VILLAGE,
};
use store::record::AuditFilter;
use store::vault::Vault;
use store::Store;

const ID: &str = "330102199001011234";
const APPLICANT_PHONE: &str = "13800000000";
const USER_PHONE: &str = "13912345678";
const COMPLAINANT_PHONE: &str = "13905781001";

/// What a person holding the database can read, per backend.
#[async_trait::async_trait]
trait Raw {
    /// Every byte of the stored tables (the database file and its WAL; every row of a schema).
    async fn dump(&self) -> Vec<u8>;
    /// Rewrites the personal data as a version before sealing stored it: bodies as plain JSON,
    /// phones in clear, no applicant index.
    async fn unseal(&self, vault: &Vault);
}

fn shows(dump: &[u8], needle: &str) -> bool {
    dump.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn shows_any(dump: &[u8]) -> Vec<&'static str> {
    [ID, APPLICANT_PHONE, USER_PHONE, COMPLAINANT_PHONE]
        .into_iter()
        .filter(|n| shows(dump, n))
        .collect()
}

async fn sealed_at_rest(store: Arc<dyn Store>, raw: &dyn Raw) {
    let suite = store::vault::test_suite();
    store.init_record_suite(suite, Utc::now()).await.unwrap();
    seed_regions(store.as_ref()).await;
    let mut numbers = vec![];
    for (i, day) in ["02", "03", "04"].iter().enumerate() {
        let number = format!("330102001000-202603{day}-000{i}");
        let (case, events) = filed_case(&window_case(&number, TOWN, "2026-03-02T01:00:00Z"));
        store.create_case(&case, &events).await.unwrap();
        let marked = domain::case::EventKind::MaterialMarked {
            index: 0,
            status: domain::case::MaterialStatus::Received,
            reason: String::new(),
        };
        let (v3, e3) = next_events(&case, &events, "2026-03-02T02:00:00Z", vec![marked]);
        store
            .append_events(&v3, events.len() as u32, &e3)
            .await
            .unwrap();
        numbers.push(number);
    }
    let mut user = new_user("zhang.san", VILLAGE);
    user.phone = USER_PHONE.into();
    let user_id = store.create_user(&user).await.unwrap();
    let complaint = domain::feedback::Complaint {
        id: 0,
        code: "CODE000001".into(),
        kind: domain::feedback::ComplaintKind::Complaint,
        subject: domain::feedback::ComplaintSubject::Case,
        subject_ref: numbers[0].clone(),
        case_number: Some(numbers[0].clone()),
        unit: domain::RegionCode::parse(TOWN).unwrap(),
        department: None,
        body: "办事人员态度差".into(),
        complainant: Some(domain::feedback::Complainant {
            name: "周小燕".into(),
            phone: COMPLAINANT_PHONE.into(),
        }),
        filed_at: Utc::now(),
        filed_on: "2026-03-10".parse().unwrap(),
        accept_due: "2026-03-17".parse().unwrap(),
        answer_days: 15,
        accepted_on: None,
        answer_due: None,
        status: domain::feedback::ComplaintStatus::Received,
        reply: String::new(),
        history: vec![],
        version: 1,
    };
    let complaint_id = store.create_complaint(&complaint).await.unwrap();

    // An authenticator's secret is sealed too: whoever has the file cannot make codes.
    let totp_secret = *b"yizhan-totp-secret-1";
    let t0 = Utc::now();
    assert!(store
        .begin_second_factor(user_id, &totp_secret, t0)
        .await
        .unwrap());
    let recovery = store.vault().recovery_code_key(user_id, "abcde-fghij");
    assert!(store
        .confirm_second_factor(user_id, t0, 1, std::slice::from_ref(&recovery), t0)
        .await
        .unwrap());

    // Written now: nothing shows, everything reads back, the window finds the cases.
    assert_eq!(shows_any(&raw.dump().await), Vec::<&str>::new());
    let dump = raw.dump().await;
    for form in [
        hex::encode(totp_secret),
        domain::second_factor::secret_text(&totp_secret),
        String::from_utf8(totp_secret.to_vec()).unwrap(),
        "abcde-fghij".to_string(),
    ] {
        assert!(!shows(&dump, &form), "the dump shows {form}");
    }
    assert!(shows(&dump, &recovery), "the recovery code's key is stored");
    assert_eq!(
        store.second_factor(user_id).await.unwrap().unwrap().secret,
        totp_secret
    );
    let reads_back = || async {
        assert_eq!(
            store.get_user(user_id).await.unwrap().unwrap().phone,
            USER_PHONE
        );
        let k = store.get_complaint(complaint_id).await.unwrap().unwrap();
        assert_eq!(k.complainant.unwrap().phone, COMPLAINANT_PHONE);
        let case = store.get_case(&numbers[1]).await.unwrap().unwrap();
        assert_eq!(case.filing.applicant.id_number, ID);
        assert_eq!(case.filing.applicant.phone, APPLICANT_PHONE);
        assert_eq!(store.case_events(&numbers[1]).await.unwrap().len(), 3);
    };
    reads_back().await;
    let found = |n: usize| {
        let store = store.clone();
        async move {
            let found = store.cases_by_id_number(ID, 10).await.unwrap();
            assert_eq!(found.len(), n, "{found:?}");
        }
    };
    found(3).await;

    // A database as an older version left it: the dump shows all of it, reads still work, the
    // index is empty.
    let services = app::Services::new(
        store.clone(),
        Arc::new(app::SystemClock),
        app::Settings::default(),
    )
    .await
    .unwrap();
    raw.unseal(store.vault()).await;
    assert_eq!(
        shows_any(&raw.dump().await),
        vec![ID, APPLICANT_PHONE, USER_PHONE, COMPLAINANT_PHONE],
        "the unsealed database shows them (else this test could not fail)"
    );
    reads_back().await;
    found(0).await;

    // The start-up sealing: every row sealed and indexed, hashes untouched, the guards back.
    let rows = app::personal::seal_existing(&services).await.unwrap();
    // 3 snapshots + 9 events + 3 index rows + 1 user + 1 complaint (the seeded users have phones
    // too: at least these).
    assert!(rows >= 17, "{rows}");
    assert_eq!(shows_any(&raw.dump().await), Vec::<&str>::new());
    reads_back().await;
    found(3).await;
    let report = verify::run(store.as_ref(), Utc::now(), &Trust::default())
        .await
        .unwrap();
    assert_eq!(
        report.findings,
        vec![],
        "sealing changes no hash and keeps the guards"
    );

    // Once per database, recorded once.
    assert_eq!(app::personal::seal_existing(&services).await.unwrap(), 0);
    let entries = store
        .audit_entries(&AuditFilter {
            action: Some(AuditAction::PersonalDataSealed),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
}

mod sqlite {
    use super::*;
    use rusqlite::Connection;
    use std::path::PathBuf;
    use store_sqlite::SqliteStore;

    struct File(PathBuf);

    #[async_trait::async_trait]
    impl Raw for File {
        async fn dump(&self) -> Vec<u8> {
            let mut bytes = std::fs::read(&self.0).unwrap();
            let mut wal = self.0.clone().into_os_string();
            wal.push("-wal");
            bytes.extend(std::fs::read(wal).unwrap_or_default());
            bytes
        }
        async fn unseal(&self, vault: &Vault) {
            let c = Connection::open(&self.0).unwrap();
            let guard: String = c
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE name = 'case_events_no_update'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            c.execute_batch("DROP TRIGGER case_events_no_update")
                .unwrap();
            for (table, key, column, body) in [
                ("cases", "number", "case_json", store::codec::Body::Case),
                (
                    "case_events",
                    "case_number || '/' || seq",
                    "event_json",
                    store::codec::Body::Event,
                ),
            ] {
                let rows: Vec<(String, Vec<u8>)> = c
                    .prepare(&format!("SELECT {key}, {column} FROM {table}"))
                    .unwrap()
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                for (k, stored) in rows {
                    let json = vault.open_body(body, &stored).unwrap().into_owned();
                    c.execute(
                        &format!("UPDATE {table} SET {column} = ?1 WHERE {key} = ?2"),
                        rusqlite::params![String::from_utf8(json).unwrap(), k],
                    )
                    .unwrap();
                }
            }
            c.execute_batch(&guard).unwrap();
            for (table, column, field) in [
                ("users", "phone", store::vault::Field::UserPhone),
                (
                    "complaints",
                    "complainant_phone",
                    store::vault::Field::ComplainantPhone,
                ),
            ] {
                let rows: Vec<(i64, String)> = c
                    .prepare(&format!(
                        "SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"
                    ))
                    .unwrap()
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                for (id, stored) in rows {
                    let clear = vault.open_text(field, &stored).unwrap();
                    c.execute(
                        &format!("UPDATE {table} SET {column} = ?1 WHERE id = ?2"),
                        rusqlite::params![clear, id],
                    )
                    .unwrap();
                }
            }
            c.execute_batch("DELETE FROM applicant_index").unwrap();
        }
    }

    #[tokio::test]
    async fn personal_data_is_sealed_at_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("yizhan.db");
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path, Vault::for_tests()).unwrap());
        sealed_at_rest(store, &File(path)).await;
    }
}

mod postgres {
    use super::*;
    use store_postgres::PgStore;

    struct Schema(Arc<PgStore>);

    #[async_trait::async_trait]
    impl Raw for Schema {
        async fn dump(&self) -> Vec<u8> {
            let c = self.0.connection().await.unwrap();
            let tables: Vec<String> = c
                .query(
                    "SELECT table_name::text FROM information_schema.tables
                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                    &[],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            assert!(tables.len() > 20, "{tables:?}");
            let mut bytes = vec![];
            for t in tables {
                // Each row as text; bytea columns come out as hex, so their bytes are added too.
                for r in c
                    .query(&format!("SELECT t::text FROM {t} t"), &[])
                    .await
                    .unwrap()
                {
                    bytes.extend(r.get::<_, String>(0).into_bytes());
                }
                let blobs: Vec<String> = c
                    .query(
                        "SELECT column_name::text FROM information_schema.columns
                         WHERE table_schema = current_schema() AND table_name = $1
                           AND data_type = 'bytea'",
                        &[&t],
                    )
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                for col in blobs {
                    for r in c
                        .query(&format!("SELECT {col} FROM {t}"), &[])
                        .await
                        .unwrap()
                    {
                        bytes.extend(r.get::<_, Option<Vec<u8>>>(0).unwrap_or_default());
                    }
                }
            }
            bytes
        }
        async fn unseal(&self, vault: &Vault) {
            let mut c = self.0.connection().await.unwrap();
            let tx = c.transaction().await.unwrap();
            tx.batch_execute("ALTER TABLE case_events DISABLE TRIGGER case_events_no_update")
                .await
                .unwrap();
            for r in tx
                .query("SELECT number, case_json FROM cases", &[])
                .await
                .unwrap()
            {
                let (n, stored): (String, Vec<u8>) = (r.get(0), r.get(1));
                let json = vault
                    .open_body(store::codec::Body::Case, &stored)
                    .unwrap()
                    .into_owned();
                tx.execute(
                    "UPDATE cases SET case_json = $1 WHERE number = $2",
                    &[&json, &n],
                )
                .await
                .unwrap();
            }
            for r in tx
                .query("SELECT case_number, seq, event_json FROM case_events", &[])
                .await
                .unwrap()
            {
                let (n, seq, stored): (String, i64, Vec<u8>) = (r.get(0), r.get(1), r.get(2));
                let json = vault
                    .open_body(store::codec::Body::Event, &stored)
                    .unwrap()
                    .into_owned();
                tx.execute(
                    "UPDATE case_events SET event_json = $1 WHERE case_number = $2 AND seq = $3",
                    &[&json, &n, &seq],
                )
                .await
                .unwrap();
            }
            tx.batch_execute("ALTER TABLE case_events ENABLE TRIGGER case_events_no_update")
                .await
                .unwrap();
            for (table, column, field) in [
                ("users", "phone", store::vault::Field::UserPhone),
                (
                    "complaints",
                    "complainant_phone",
                    store::vault::Field::ComplainantPhone,
                ),
            ] {
                for r in tx
                    .query(
                        &format!("SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"),
                        &[],
                    )
                    .await
                    .unwrap()
                {
                    let (id, stored): (i64, String) = (r.get(0), r.get(1));
                    let clear = vault.open_text(field, &stored).unwrap();
                    tx.execute(
                        &format!("UPDATE {table} SET {column} = $1 WHERE id = $2"),
                        &[&clear, &id],
                    )
                    .await
                    .unwrap();
                }
            }
            tx.batch_execute("DELETE FROM applicant_index")
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
    }

    #[tokio::test]
    async fn personal_data_is_sealed_at_rest() {
        let Some(url) = yizhan_test_pg::url() else {
            return;
        };
        let store = Arc::new(PgStore::connect_isolated_for_tests(&url).await);
        sealed_at_rest(store.clone(), &Schema(store)).await;
    }
}
