//! Test support (issue 15, part 7): a database filled once per test binary — migrated, loaded
//! with the demo city — and copied for each test with `CREATE DATABASE … TEMPLATE`, which copies
//! files instead of replaying a few thousand inserts. Each copy is dropped with its last store;
//! templates and copies left by killed runs are swept after an hour, like test schemas.

use crate::{
    db, is_stale_test_name, make_pool, migrate, new_test_schema_name, parse_config, PgStore,
    TestSchema,
};
use std::sync::Arc;
use store::Result;
use tokio_postgres::NoTls;

/// Prefix of template databases; copies take the test-schema prefix.
const TEMPLATE_PREFIX: &str = "yz_tpl_";

impl PgStore {
    /// A new, migrated database on the server of `url` (named `yz_tpl_…`) to fill and then copy
    /// with [`PgStore::connect_copy_for_tests`]. Close the store ([`PgStore::close`]) before the
    /// first copy: PostgreSQL copies only a template nobody is connected to.
    pub async fn new_template_for_tests(url: &str) -> Result<(PgStore, String)> {
        let base = parse_config(url)?;
        let name = new_test_schema_name().replacen(crate::TEST_SCHEMA_PREFIX, TEMPLATE_PREFIX, 1);
        let (client, conn) = base.connect(NoTls).await.map_err(db)?;
        let conn = tokio::spawn(conn);
        sweep_old_test_databases(&client).await;
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .map_err(db)?;
        drop(client);
        let _ = conn.await;
        let mut config = base.clone();
        config.dbname(&name);
        migrate(&config).await?;
        let store = PgStore {
            pool: make_pool(config.clone())?,
            config,
            test_schema: None,
            vault: store::vault::Vault::for_tests(),
            accounts: Default::default(),
        };
        Ok((store, name))
    }

    /// Closes the pool: its connections end, and a database it was on can serve as a template.
    pub fn close(&self) {
        self.pool.close();
    }

    /// A store on a fresh copy of `template` (a database made by
    /// [`PgStore::new_template_for_tests`]), dropped when the last clone of the store is.
    ///
    /// Panics when the server refuses: it is meant for tests only.
    pub async fn connect_copy_for_tests(url: &str, template: &str) -> PgStore {
        let base = parse_config(url).expect("test database URL");
        let name = new_test_schema_name();
        let (client, conn) = base
            .connect(NoTls)
            .await
            .expect("connect to the test server");
        let conn = tokio::spawn(conn);
        // The server waits up to 5 s for connections to the template to end (its filler's).
        client
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
            .unwrap_or_else(|e| panic!("copy test template {template}: {}", describe(&e)));
        drop(client);
        let _ = conn.await;
        let mut config = base.clone();
        config.dbname(&name);
        config.application_name(&name);
        PgStore {
            pool: make_pool(config.clone()).expect("test pool"),
            config,
            test_schema: Some(Arc::new(TestSchema {
                name,
                config: base,
                database: true,
            })),
            vault: store::vault::Vault::for_tests(),
            accounts: Default::default(),
        }
    }
}

fn describe(e: &tokio_postgres::Error) -> String {
    e.as_db_error()
        .map(|d| d.message().to_string())
        .unwrap_or_else(|| e.to_string())
}

/// Drops template and copy databases whose embedded creation time is older than an hour; once
/// per process.
async fn sweep_old_test_databases(client: &tokio_postgres::Client) {
    static SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if SWEPT.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let Ok(rows) = client
        .query(
            "SELECT datname::text FROM pg_database
             WHERE starts_with(datname::text, $1) OR starts_with(datname::text, $2)",
            &[&TEMPLATE_PREFIX, &crate::TEST_SCHEMA_PREFIX],
        )
        .await
    else {
        return;
    };
    for row in rows {
        let name: String = row.get(0);
        if is_stale_test_name(&name, TEMPLATE_PREFIX)
            || is_stale_test_name(&name, crate::TEST_SCHEMA_PREFIX)
        {
            let _ = client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
}
