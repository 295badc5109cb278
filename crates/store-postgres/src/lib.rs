//! PostgreSQL implementation of yizhan's storage traits: tokio-postgres behind a deadpool pool,
//! without TLS (the database is reached over loopback or a unix socket).
//!
//! The schema mirrors `store-sqlite`'s name for name (`tests/schema_parity.rs` holds both to it);
//! migrations are embedded, tracked in `schema_migrations`, and serialized across processes by an
//! advisory lock so two servers starting at once do not both migrate.

mod calendar;
mod cases;
mod catalog;
mod credentials;
mod feedback;
mod fees;
mod import;
mod meta;
mod personal;
mod pipeline;
mod places;
mod query;
mod record;
mod regions;
mod sessions;
mod supervision;
mod test_template;
mod users;
mod violations;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use store::vault::Vault;
use store::{Result, StoreError};
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

// `MIGRATIONS`: embedded, applied in order; generated from `migrations/` by `build.rs`.
include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// Prefix of the throwaway schemas made by [`PgStore::connect_isolated_for_tests`].
const TEST_SCHEMA_PREFIX: &str = "yz_t_";
/// Test schemas older than this are leftovers of killed runs and are dropped by the next run.
const TEST_SCHEMA_MAX_AGE: Duration = Duration::from_secs(3600);

/// The PostgreSQL store. Cheap to clone: clones share the pool.
#[derive(Clone)]
pub struct PgStore {
    // Declared before `test_schema` so the pool's connections close before the schema is dropped.
    pool: Pool,
    /// The pool's connection settings, for the dedicated `LISTEN` connection.
    config: tokio_postgres::Config,
    test_schema: Option<Arc<TestSchema>>,
    /// Seals personal data before it is written and opens it when read (`store::vault`).
    vault: Vault,
    /// Account changes made through this handle (`store::AccountsVersion`); a second server
    /// (`with_own_pool`) counts its own.
    accounts: store::AccountsVersion,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("pool", &self.pool.status())
            .field(
                "test_schema",
                &self.test_schema.as_ref().map(|s| s.name.as_str()),
            )
            .finish()
    }
}

impl PgStore {
    /// Connects to `url` (e.g. `postgres://postgres@127.0.0.1:5432/yizhan` or
    /// `host=/var/run/postgresql dbname=yizhan`), creates the pool and applies pending migrations;
    /// personal data is sealed and opened with `vault`'s keys.
    pub async fn connect(url: &str, vault: Vault) -> Result<PgStore> {
        let config = parse_config(url)?;
        let store = PgStore {
            pool: make_pool(config.clone())?,
            config: config.clone(),
            test_schema: None,
            vault,
            accounts: Default::default(),
        };
        migrate(&config).await?;
        Ok(store)
    }

    /// A migrated, empty store in a fresh schema of its own (`yz_t_…`), so tests run in parallel
    /// against one database without seeing each other. The schema is dropped when the last clone
    /// of the store is dropped; schemas left behind by killed runs are swept after an hour.
    ///
    /// Panics when the database is unreachable: it is meant for tests only.
    pub async fn connect_isolated_for_tests(url: &str) -> PgStore {
        let base = parse_config(url).expect("test database URL");
        let (client, conn) = base
            .connect(NoTls)
            .await
            .expect("connect to the test database");
        let conn = tokio::spawn(conn);
        sweep_old_test_schemas(&client).await;
        let name = new_test_schema_name();
        client
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .await
            .expect("create test schema");
        drop(client);
        let _ = conn.await;

        let mut config = base.clone();
        // search_path is a startup option, so every pooled connection lands in the schema.
        let opts = match base.get_options() {
            Some(o) if !o.trim().is_empty() => format!("{o} -c search_path={name}"),
            _ => format!("-c search_path={name}"),
        };
        config.options(opts);
        // Lets the drop find and end this store's connections (see `TestSchema::drop`).
        config.application_name(&name);
        let test_schema = Arc::new(TestSchema {
            name,
            config: base,
            database: false,
        });
        migrate(&config).await.expect("migrate test schema");
        PgStore {
            pool: make_pool(config.clone()).expect("test pool"),
            config,
            test_schema: Some(test_schema),
            vault: Vault::for_tests(),
            accounts: Default::default(),
        }
    }

    /// A store on the same database and schema with a pool of its own, as a second server would
    /// have (tests of several servers in one process). Keeps an isolated test schema alive.
    pub fn with_own_pool(&self) -> Result<PgStore> {
        Ok(PgStore {
            pool: make_pool(self.config.clone())?,
            config: self.config.clone(),
            test_schema: self.test_schema.clone(),
            vault: self.vault.clone(),
            accounts: Default::default(),
        })
    }

    /// The keys personal data is sealed with.
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// A pooled connection, for SQL the storage traits do not cover (maintenance commands,
    /// tests). It lands in the store's schema, isolated test schemas included.
    pub async fn connection(&self) -> Result<Object> {
        self.conn().await
    }

    /// Names from `cache_versions` as their changes commit, on a connection of its own that
    /// `LISTEN`s on `yizhan_cache` (the triggers of migration 0014 `NOTIFY` it). The receiver ends
    /// when the connection is lost; the connection closes when the receiver is dropped.
    pub async fn listen_cache_changes(&self) -> Result<tokio::sync::mpsc::Receiver<String>> {
        let (client, mut connection) = self.config.connect(NoTls).await.map_err(db)?;
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        // The client comes to the connection's task once LISTEN is sent; the task owns both, so
        // a lost connection ends the receiver (the watcher listens again) and a dropped receiver
        // ends the connection.
        let (keep_tx, mut keep_rx) = tokio::sync::oneshot::channel::<tokio_postgres::Client>();
        tokio::spawn(async move {
            use tokio_postgres::AsyncMessage;
            let mut _client = None;
            let mut waiting_for_client = true;
            loop {
                tokio::select! {
                    c = &mut keep_rx, if waiting_for_client => {
                        waiting_for_client = false;
                        _client = c.ok();
                    }
                    _ = tx.closed() => break,
                    message = std::future::poll_fn(|cx| connection.poll_message(cx)) => match message {
                        // A full queue only means the watcher is behind; it re-reads every version.
                        Some(Ok(AsyncMessage::Notification(n))) => {
                            let _ = tx.try_send(n.payload().to_string());
                        }
                        Some(Ok(_)) => {}
                        Some(Err(e)) => {
                            tracing::warn!(error = %e, "cache change listener lost its connection");
                            break;
                        }
                        None => break,
                    },
                }
            }
        });
        client
            .batch_execute("LISTEN yizhan_cache")
            .await
            .map_err(db)?;
        let _ = keep_tx.send(client);
        Ok(rx)
    }

    pub(crate) async fn conn(&self) -> Result<Object> {
        self.pool
            .get()
            .await
            .map_err(|e| StoreError::Backend(format!("connection pool: {e}")))
    }
}

fn parse_config(url: &str) -> Result<tokio_postgres::Config> {
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| StoreError::Backend(format!("invalid PostgreSQL URL: {e}")))?;
    if config.get_application_name().is_none() {
        config.application_name("yizhan");
    }
    Ok(config)
}

fn make_pool(mut config: tokio_postgres::Config) -> Result<Pool> {
    // No JIT: the platform's statements are short index reads whose estimated cost (a LIMIT over
    // a large index range) crosses jit_above_cost, and compiling them took longer than running
    // them (a case-list page: 75 ms with JIT, 10 ms without, at 1 M cases).
    let opts = match config.get_options() {
        Some(o) if !o.trim().is_empty() => format!("{o} -c jit=off"),
        _ => "-c jit=off".to_string(),
    };
    config.options(opts);
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .build()
        .map_err(|e| StoreError::Backend(format!("connection pool: {e}")))
}

/// Applies pending migrations on a dedicated connection. The advisory lock is keyed by schema, so
/// concurrent migrators of one schema queue up while isolated test schemas migrate in parallel;
/// being a session lock on a connection of its own, it is released even if migrating fails.
async fn migrate(config: &tokio_postgres::Config) -> Result<()> {
    let (mut client, conn) = config.connect(NoTls).await.map_err(db)?;
    let conn = tokio::spawn(conn);
    let result = async {
        client
            .execute(
                "SELECT pg_advisory_lock(hashtextextended('yizhan.migrate.' || current_schema(), 0))",
                &[],
            )
            .await
            .map_err(db)?;
        client
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    bigint NOT NULL PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                );
                -- Databases from before checksums were recorded gain the column.
                ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text",
            )
            .await
            .map_err(db)?;
        let applied: Vec<store::migrations::Applied> = client
            .query("SELECT version, checksum FROM schema_migrations ORDER BY version", &[])
            .await
            .map_err(db)?
            .iter()
            .map(|r| store::migrations::Applied {
                version: r.get(0),
                checksum: r.get(1),
            })
            .collect();
        let plan = store::migrations::plan(MIGRATIONS, &applied)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        for (version, checksum) in &plan.record_checksums {
            client
                .execute(
                    "UPDATE schema_migrations SET checksum = $2 WHERE version = $1",
                    &[version, checksum],
                )
                .await
                .map_err(db)?;
        }
        for m in &plan.pending {
            let tx = client.transaction().await.map_err(db)?;
            tx.batch_execute(m.sql).await.map_err(|e| {
                StoreError::Backend(format!(
                    "migration {:04} ({}): {}",
                    m.version,
                    m.name,
                    describe_db_error(&e)
                ))
            })?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                &[&m.version, &m.name, &m.checksum()],
            )
            .await
            .map_err(db)?;
            tx.commit().await.map_err(db)?;
            tracing::info!(version = m.version, name = m.name, "applied PostgreSQL migration");
        }
        Ok(())
    }
    .await;
    drop(client);
    let _ = conn.await;
    result
}

/// A throwaway schema that drops itself with the last store using it.
struct TestSchema {
    name: String,
    /// Connection settings without the search_path option.
    config: tokio_postgres::Config,
    /// A database of its own (a template copy) rather than a schema.
    database: bool,
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let name = self.name.clone();
        let config = self.config.clone();
        let database = self.database;
        // Drop may run inside an async runtime, where blocking on another one is not allowed;
        // a short-lived thread with its own runtime sidesteps that.
        let handle = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let Ok((client, conn)) = config.connect(NoTls).await else {
                    return;
                };
                let conn = tokio::spawn(conn);
                // The store's own connections may still hold locks: a transaction abandoned by an
                // error is rolled back by its connection task, which cannot run while this blocks
                // the test's runtime. They carry the schema name as application_name, so end them.
                // Should anything else still hold a lock, give up and leave it to a later sweep.
                let sql = if database {
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                } else {
                    format!(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                         WHERE application_name = '{name}' AND pid <> pg_backend_pid();
                         SET lock_timeout = '5s';
                         DROP SCHEMA IF EXISTS {name} CASCADE"
                    )
                };
                if let Err(e) = client.batch_execute(&sql).await {
                    tracing::warn!(schema = %name, error = %e, "could not drop test schema");
                }
                drop(client);
                let _ = conn.await;
            });
        });
        let _ = handle.join();
    }
}

fn new_test_schema_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{TEST_SCHEMA_PREFIX}{}_{}_{}_{}",
        now.as_secs(),
        std::process::id(),
        now.subsec_nanos(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Whether a test schema or database named `prefix` + creation time + … is a leftover: older than
/// [`TEST_SCHEMA_MAX_AGE`], and made of characters safe to put in a statement.
pub(crate) fn is_stale_test_name(name: &str, prefix: &str) -> bool {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let created = name
        .strip_prefix(prefix)
        .and_then(|rest| rest.split('_').next())
        .and_then(|s| s.parse::<u64>().ok());
    created.is_some_and(|t| now.saturating_sub(t) > TEST_SCHEMA_MAX_AGE.as_secs())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Drops test schemas whose embedded creation time is older than [`TEST_SCHEMA_MAX_AGE`]; once per
/// process, so it costs one catalog query per test binary.
async fn sweep_old_test_schemas(client: &tokio_postgres::Client) {
    static SWEPT: AtomicBool = AtomicBool::new(false);
    if SWEPT.swap(true, Ordering::SeqCst) {
        return;
    }
    let Ok(rows) = client
        .query(
            "SELECT nspname::text FROM pg_namespace WHERE starts_with(nspname::text, $1)",
            &[&TEST_SCHEMA_PREFIX],
        )
        .await
    else {
        return;
    };
    for row in rows {
        let name: String = row.get(0);
        if is_stale_test_name(&name, TEST_SCHEMA_PREFIX) {
            // Another process may sweep the same schema at once; losing that race is harmless.
            let _ = client
                .batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                .await;
        }
    }
}

/// Any unexpected engine error, with the server's message when there is one.
pub(crate) fn db(e: tokio_postgres::Error) -> StoreError {
    StoreError::Backend(describe_db_error(&e))
}

fn describe_db_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{}: {} ({})", d.severity(), d.message(), d.code().code()),
        None => e.to_string(),
    }
}

/// The constraint a unique or foreign-key violation names, if `e` is one of `state`.
pub(crate) fn violated(e: &tokio_postgres::Error, state: &SqlState) -> Option<String> {
    let d = e.as_db_error()?;
    (d.code() == state).then(|| d.constraint().unwrap_or_default().to_string())
}

pub(crate) fn corrupt(what: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("unexpected {what} in database: {value}"))
}

pub(crate) fn conflict(code: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Conflict {
        code,
        message: message.into(),
    }
}
