//! The shared conformance suite, run against a fresh SQLite database per story.

use yizhan_store_sqlite::SqliteStore;

async fn fresh_store() -> SqliteStore {
    SqliteStore::open_in_memory_for_tests().expect("open a fresh test database")
}

store::conformance_tests!(fresh_store());
