//! Settings and the schema description the parity test compares with SQLite's.

use crate::{db, PgStore};
use async_trait::async_trait;
use store::{MetaStore, Result, SchemaDescription};

/// Tables of the current schema (migration bookkeeping excluded) with their live columns.
const TABLES_SQL: &str = "
    SELECT t.relname::text, a.attname::text
    FROM pg_class t
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
      AND t.relkind IN ('r', 'p') AND t.relname <> 'schema_migrations'";

/// Every index of those tables, with what SQLite can tell about its twin: unique, partial,
/// and whether it is the implicit index of a PK/UNIQUE constraint (SQLite's `sqlite_autoindex_*`).
const INDEXES_SQL: &str = "
    SELECT i.relname::text, t.relname::text, ix.indisunique, ix.indpred IS NOT NULL,
           ARRAY(SELECT a.attname::text
                 FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                 ORDER BY k.n),
           EXISTS (SELECT 1 FROM pg_constraint c
                   WHERE c.conindid = ix.indexrelid AND c.conrelid = t.oid AND c.contype IN ('p', 'u', 'x'))
    FROM pg_index ix
    JOIN pg_class i ON i.oid = ix.indexrelid
    JOIN pg_class t ON t.oid = ix.indrelid
    WHERE t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
      AND t.relname <> 'schema_migrations'";

/// Table constraints (NOT NULL is a column property in PostgreSQL 15 and SQLite alike, not listed).
const CONSTRAINTS_SQL: &str = "
    SELECT t.relname::text, c.contype::text, c.conname::text,
           ARRAY(SELECT a.attname::text
                 FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                 ORDER BY k.n),
           r.relname::text
    FROM pg_constraint c
    JOIN pg_class t ON t.oid = c.conrelid
    LEFT JOIN pg_class r ON r.oid = c.confrelid
    WHERE t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
      AND t.relname <> 'schema_migrations'";

/// User-defined triggers (those PostgreSQL makes for foreign keys are internal and excluded).
const TRIGGERS_SQL: &str = "
    SELECT t.relname::text, g.tgname::text
    FROM pg_trigger g
    JOIN pg_class t ON t.oid = g.tgrelid
    WHERE NOT g.tgisinternal
      -- A disabled trigger guards nothing: it is reported as missing.
      AND g.tgenabled <> 'D'
      AND t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())";

#[async_trait]
impl MetaStore for PgStore {
    async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("SELECT value FROM settings WHERE key = $1")
            .await
            .map_err(db)?;
        Ok(conn
            .query_opt(&stmt, &[&key])
            .await
            .map_err(db)?
            .map(|r| r.get(0)))
    }

    async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO settings (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            )
            .await
            .map_err(db)?;
        conn.execute(&stmt, &[&key, &value]).await.map_err(db)?;
        Ok(())
    }

    async fn cache_versions(&self) -> Result<Vec<(String, i64)>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("SELECT name, version FROM cache_versions ORDER BY name")
            .await
            .map_err(db)?;
        Ok(conn
            .query(&stmt, &[])
            .await
            .map_err(db)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    async fn cache_changes(&self) -> Result<Option<tokio::sync::mpsc::Receiver<String>>> {
        self.listen_cache_changes().await.map(Some)
    }

    async fn describe_schema(&self) -> Result<SchemaDescription> {
        let conn = self.conn().await?;
        let mut schema = SchemaDescription::default();
        for row in conn.query(TABLES_SQL, &[]).await.map_err(db)? {
            schema
                .tables
                .entry(row.get(0))
                .or_default()
                .insert(row.get(1));
        }
        for row in conn.query(INDEXES_SQL, &[]).await.map_err(db)? {
            let (name, table, unique, partial): (String, String, bool, bool) =
                (row.get(0), row.get(1), row.get(2), row.get(3));
            let columns: Vec<String> = row.get(4);
            let backs_constraint: bool = row.get(5);
            if backs_constraint {
                continue;
            }
            // Like SQLite's description: a unique index is also a uniqueness rule, a partial one
            // named apart since it binds only the rows it covers.
            if unique {
                let kind = if partial { "partial_unique" } else { "unique" };
                schema
                    .constraints
                    .insert(format!("{table}.{kind}({})", columns.join(",")));
            }
            schema.indexes.insert(name);
        }
        for row in conn.query(CONSTRAINTS_SQL, &[]).await.map_err(db)? {
            let (table, kind, name): (String, String, String) =
                (row.get(0), row.get(1), row.get(2));
            let columns: Vec<String> = row.get(3);
            let cols = columns.join(",");
            let described = match kind.as_str() {
                "p" => format!("{table}.pk({cols})"),
                "u" => format!("{table}.unique({cols})"),
                "f" => format!(
                    "{table}.fk({cols})->{}",
                    row.get::<_, Option<String>>(4).unwrap_or_default()
                ),
                "c" => format!("{table}.check({name})"),
                other => format!("{table}.{other}({name})"),
            };
            schema.constraints.insert(described);
        }
        for row in conn.query(TRIGGERS_SQL, &[]).await.map_err(db)? {
            let (table, name): (String, String) = (row.get(0), row.get(1));
            schema
                .constraints
                .insert(format!("{table}.trigger({name})"));
        }
        Ok(schema)
    }

    fn backend_name(&self) -> &'static str {
        "postgres"
    }

    fn vault(&self) -> &store::vault::Vault {
        PgStore::vault(self)
    }

    async fn seal_personal_data(&self, after: Option<&str>, cases: u32) -> Result<store::SealStep> {
        self.seal_step(after, cases).await
    }

    async fn scrub_after_sealing(&self) -> Result<()> {
        // VACUUM FULL writes each table anew, without the dead row versions the sealing left
        // (plain VACUUM only marks their space reusable). Not in a transaction: it cannot be.
        let conn = self.conn().await?;
        conn.batch_execute("VACUUM FULL cases, case_events, users, complaints")
            .await
            .map_err(db)
    }
}
