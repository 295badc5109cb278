//! PostgreSQL-specific: the pool runs writes truly in parallel, so the invariants that SQLite's
//! single writer gets for free must hold under concurrent calls here.

use chrono::Utc;
use domain::catalog::ItemStatus;
use store::conformance::{item, COUNTY};
use store::CatalogStore;
use yizhan_store_postgres::PgStore;

/// The test server (see `yizhan_test_pg`); each test first returns early when there is none.
fn url() -> String {
    yizhan_test_pg::required_url()
}

/// Two drafts of one item published at the same moment: both calls succeed, one after the
/// other, and exactly one version ends up published.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_publishes_leave_one_published() {
    if yizhan_test_pg::url().is_none() {
        return;
    }
    let store = PgStore::connect_isolated_for_tests(&url()).await;
    let codes: Vec<String> = (0..8).map(|i| format!("330102-SP-{i:03}")).collect();
    for c in &codes {
        for v in 1..=3 {
            store.save_draft(&item(c, v, COUNTY, "scjg")).await.unwrap();
        }
        store.publish(c, 1, Utc::now()).await.unwrap();
    }
    let mut tasks = Vec::new();
    for c in &codes {
        for v in [2, 3] {
            let (s, c) = (store.clone(), c.clone());
            tasks.push(tokio::spawn(
                async move { s.publish(&c, v, Utc::now()).await },
            ));
        }
    }
    for t in tasks {
        t.await.unwrap().expect("a concurrent publish succeeds");
    }
    for c in &codes {
        let statuses: Vec<ItemStatus> = store
            .list_versions(c)
            .await
            .unwrap()
            .iter()
            .map(|i| i.status)
            .collect();
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == ItemStatus::Published)
                .count(),
            1,
            "{c}: {statuses:?}"
        );
        assert_eq!(statuses[0], ItemStatus::Superseded, "{c}: {statuses:?}");
    }
}

/// Imports running at once that each bring a new published version of the same new items: all
/// succeed (serialized per item code) and each item has exactly one published version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_imports_leave_one_published() {
    if yizhan_test_pg::url().is_none() {
        return;
    }
    let store = PgStore::connect_isolated_for_tests(&url()).await;
    let codes: Vec<String> = (0..6).map(|i| format!("330102-IM-{i:03}")).collect();
    let mut tasks = Vec::new();
    for v in 1..=4u32 {
        // Each import lists the codes in a different order, which must not deadlock.
        let mut batch: Vec<_> = codes.iter().map(|c| item(c, v, COUNTY, "scjg")).collect();
        batch.rotate_left(v as usize);
        for i in &mut batch {
            i.status = ItemStatus::Published;
        }
        let s = store.clone();
        tasks.push(tokio::spawn(async move { s.import_items(&batch).await }));
    }
    for t in tasks {
        let summary = t.await.unwrap().expect("a concurrent import succeeds");
        assert_eq!(summary.inserted, codes.len());
    }
    for c in &codes {
        let statuses: Vec<ItemStatus> = store
            .list_versions(c)
            .await
            .unwrap()
            .iter()
            .map(|i| i.status)
            .collect();
        assert_eq!(statuses.len(), 4);
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == ItemStatus::Published)
                .count(),
            1,
            "{c}: {statuses:?}"
        );
    }
}
