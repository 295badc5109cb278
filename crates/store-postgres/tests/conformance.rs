//! The shared conformance suite, each story in a fresh schema of its own.

use yizhan_store_postgres::PgStore;

fn url() -> String {
    std::env::var("YIZHAN_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

async fn fresh_store() -> PgStore {
    PgStore::connect_isolated_for_tests(&url()).await
}

store::conformance_tests!(fresh_store());
