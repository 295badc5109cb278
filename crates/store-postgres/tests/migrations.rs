//! Migrations: applied once, tracked, and safe when several processes start at the same moment.

use yizhan_store_postgres::PgStore;

fn url() -> String {
    std::env::var("YIZHAN_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// Connecting twice, and four times at once, to one schema migrates it exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_connects_migrate_once() {
    let schema = format!(
        "yz_mig_{}_{}",
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
    let connects = (0..4).map(|_| {
        let u = scoped.clone();
        tokio::spawn(async move { PgStore::connect(&u).await })
    });
    let mut stores = Vec::new();
    for c in connects {
        stores.push(c.await.unwrap().expect("every concurrent connect succeeds"));
    }
    stores.push(PgStore::connect(&scoped).await.expect("reconnect"));

    let rows = admin
        .query(
            &format!("SELECT version, name FROM {schema}.schema_migrations ORDER BY version"),
            &[],
        )
        .await
        .unwrap();
    let applied: Vec<(i64, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(
        applied,
        vec![
            (1, "init".to_string()),
            (2, "cases".to_string()),
            (3, "supervision".to_string()),
            (4, "feedback".to_string()),
            (5, "scan_rows".to_string())
        ]
    );

    drop(stores);
    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
}
