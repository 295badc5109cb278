//! The two backends' migrations must produce the same schema, name for name: tables, columns,
//! explicitly created indexes and constraints. This is what keeps the migration folders from
//! drifting apart; a change to one side fails here until the other side follows.

use store::{MetaStore, SchemaDescription};
use store_sqlite::SqliteStore;
use yizhan_store_postgres::PgStore;

/// The test server (see `yizhan_test_pg`); each test first returns early when there is none.
fn url() -> String {
    yizhan_test_pg::required_url()
}

/// Every difference between two descriptions, one readable line each.
fn differences(sqlite: &SchemaDescription, postgres: &SchemaDescription) -> Vec<String> {
    let mut out = Vec::new();
    for (table, cols) in &sqlite.tables {
        match postgres.tables.get(table) {
            None => out.push(format!("table {table}: only in SQLite")),
            Some(pg_cols) => {
                for c in cols.difference(pg_cols) {
                    out.push(format!("column {table}.{c}: only in SQLite"));
                }
                for c in pg_cols.difference(cols) {
                    out.push(format!("column {table}.{c}: only in PostgreSQL"));
                }
            }
        }
    }
    for table in postgres
        .tables
        .keys()
        .filter(|t| !sqlite.tables.contains_key(*t))
    {
        out.push(format!("table {table}: only in PostgreSQL"));
    }
    for i in sqlite.indexes.difference(&postgres.indexes) {
        out.push(format!("index {i}: only in SQLite"));
    }
    for i in postgres.indexes.difference(&sqlite.indexes) {
        out.push(format!("index {i}: only in PostgreSQL"));
    }
    for c in sqlite.constraints.difference(&postgres.constraints) {
        out.push(format!("constraint {c}: only in SQLite"));
    }
    for c in postgres.constraints.difference(&sqlite.constraints) {
        out.push(format!("constraint {c}: only in PostgreSQL"));
    }
    out
}

async fn both() -> (SchemaDescription, SchemaDescription, PgStore) {
    let sqlite = SqliteStore::open_in_memory_for_tests().expect("fresh SQLite store");
    let pg = PgStore::connect_isolated_for_tests(&url()).await;
    let s = sqlite
        .describe_schema()
        .await
        .expect("describe SQLite schema");
    let p = pg
        .describe_schema()
        .await
        .expect("describe PostgreSQL schema");
    (s, p, pg)
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_match() {
    if yizhan_test_pg::url().is_none() {
        return;
    }
    let (sqlite, postgres, _pg) = both().await;
    let diff = differences(&sqlite, &postgres);
    assert!(
        diff.is_empty(),
        "the SQLite and PostgreSQL migrations have drifted apart:\n  {}\n\
         (crates/store-sqlite/migrations and crates/store-postgres/migrations must create the same names)",
        diff.join("\n  ")
    );
    // Equal descriptions of nothing would prove nothing.
    assert!(
        sqlite.tables.len() >= 10,
        "tables described: {:?}",
        sqlite.tables.keys()
    );
    assert!(!sqlite.indexes.is_empty() && !sqlite.constraints.is_empty());
    assert_eq!(sqlite, postgres);
}

/// The comparison notices a column, an index or a constraint added to one side only.
#[tokio::test]
async fn drift_on_one_side_is_caught() {
    if yizhan_test_pg::url().is_none() {
        return;
    }
    let (sqlite, _, pg) = both().await;
    let conn = pg.connection().await.expect("connection");
    conn.batch_execute(
        "ALTER TABLE regions ADD COLUMN note text;
         CREATE INDEX regions_name_idx ON regions (name);
         ALTER TABLE settings ADD CONSTRAINT settings_key_ck CHECK (key <> '')",
    )
    .await
    .expect("alter the PostgreSQL schema");
    let postgres = pg.describe_schema().await.unwrap();
    let diff = differences(&sqlite, &postgres);
    assert_eq!(
        diff,
        vec![
            "column regions.note: only in PostgreSQL".to_string(),
            "index regions_name_idx: only in PostgreSQL".to_string(),
            "constraint settings.check(settings_key_ck): only in PostgreSQL".to_string(),
        ]
    );
}
