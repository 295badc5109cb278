//! The shared conformance suite, each story in a fresh schema of its own; skipped with a note
//! when no PostgreSQL can be had (see `yizhan_test_pg`).

use yizhan_store_postgres::PgStore;

async fn fresh_store() -> Option<PgStore> {
    Some(PgStore::connect_isolated_for_tests(&yizhan_test_pg::url()?).await)
}

store::conformance_tests!(optional: fresh_store());
