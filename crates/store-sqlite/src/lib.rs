//! SQLite backend of yizhan (the embedded default).
//!
//! Writes go to one writer thread that owns the only writing connection and commits waiting jobs
//! together ([`writer`]); reads use a small pool of their own connections, which WAL lets run while
//! the writer writes. Migrations under `migrations/` are embedded and applied at open.

mod calendar;
mod cases;
mod catalog;
mod credentials;
mod feedback;
mod fees;
mod migrate;
mod personal;
mod record;
mod regions;
mod schema;
mod supervision;
mod users;
mod violations;
mod writer;

pub use migrate::MIGRATIONS;
pub use writer::{WriterStats, MAX_BATCH};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use crossbeam_channel::{Receiver, Sender};
use domain::access::Scope;
use domain::region::RegionCode;
use rusqlite::types::Value;
use rusqlite::{Connection, Transaction};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use store::vault::Vault;
use store::{Result, StoreError};
use tokio::sync::oneshot;
use writer::{Job, TypedJob};

/// Reader connections: enough for the 2-core machines this runs on, with room for slow reads.
const READERS: usize = 4;

/// A handle to one SQLite database; cheap to clone, all clones share the writer and readers.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    jobs: Sender<Job>,
    stats: Arc<WriterStats>,
    /// The reader pool is a channel of idle connections: take one, use it, put it back.
    idle_tx: Sender<Connection>,
    idle_rx: Receiver<Connection>,
    path: PathBuf,
    /// A test database file to remove when the last handle goes.
    temp_path: Option<PathBuf>,
    /// Seals personal data before it is written and opens it when read (`store::vault`).
    vault: Vault,
    /// Account changes made through this handle (`store::AccountsVersion`).
    accounts: store::AccountsVersion,
    writer: Option<std::thread::JoinHandle<()>>,
}

/// Removes a database file with its WAL and shared-memory files.
fn remove_database_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut f = path.as_os_str().to_owned();
        f.push(suffix);
        let _ = std::fs::remove_file(f);
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The writer closes its connection before the readers close theirs: two connections of
        // one file closing at once on two threads can deadlock inside SQLite's unix VFS (a test
        // hung with the writer in sqlite3WalClose and a reader in unixClose, each holding the
        // mutex the other wanted). Disconnecting the job channel ends the writer's loop.
        let (closed, _) = crossbeam_channel::unbounded();
        drop(std::mem::replace(&mut self.jobs, closed));
        if let Some(w) = self.writer.take() {
            if w.thread().id() != std::thread::current().id() {
                let _ = w.join();
            }
        }
        // (The readers close after this, with the fields.)
        if let Some(p) = &self.temp_path {
            remove_database_files(p);
        }
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations; personal
    /// data is sealed and opened with `vault`'s keys.
    pub fn open(path: impl AsRef<Path>, vault: Vault) -> Result<SqliteStore> {
        Self::open_inner(path.as_ref(), None, vault)
    }

    /// A fresh, migrated, empty database in a unique temporary file, removed when dropped. A file,
    /// not `:memory:`, so the readers' own connections see the writer's commits exactly as in
    /// production (WAL included).
    pub fn open_in_memory_for_tests() -> Result<SqliteStore> {
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let name = format!(
            "yizhan-test-{}-{}-{nanos}.sqlite3",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        Self::open_inner(&path, Some(path.clone()), Vault::for_tests())
    }

    /// The bytes of the database file at `path`, made whole first (every committed page written
    /// from the WAL into the file), after which the file is removed: a database filled once per
    /// test binary and copied for each test (issue 15, part 7). Call once its store is dropped.
    pub fn take_template_for_tests(path: &Path) -> Result<Vec<u8>> {
        let conn = Connection::open(path).db()?;
        let busy: i64 = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .db()?;
        drop(conn);
        if busy != 0 {
            return Err(StoreError::Backend(
                "the test template is still in use".into(),
            ));
        }
        let image = std::fs::read(path)
            .map_err(|e| StoreError::Backend(format!("read test template: {e}")))?;
        remove_database_files(path);
        Ok(image)
    }

    /// A store on a fresh copy of a template ([`SqliteStore::take_template_for_tests`]), in a
    /// temporary file removed when the store is dropped.
    pub fn open_copy_for_tests(image: &[u8]) -> Result<SqliteStore> {
        static N: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "yizhan-test-copy-{}-{}.sqlite3",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, image)
            .map_err(|e| StoreError::Backend(format!("write test copy: {e}")))?;
        Self::open_inner(&path, Some(path.clone()), Vault::for_tests())
    }

    fn open_inner(path: &Path, temp_path: Option<PathBuf>, vault: Vault) -> Result<SqliteStore> {
        let mut conn = Connection::open(path).db()?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .db()?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "could not enable WAL (journal_mode is {mode})"
            )));
        }
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
            .db()?;
        tune(&conn)?;
        conn.busy_timeout(Duration::from_millis(5000)).db()?;
        conn.set_prepared_statement_cache_capacity(64);
        migrate::migrate(&mut conn)?;
        // Table statistics for the planner (sampled, so quick on a large file): without them a
        // join such as outcomes × ratings is driven by the period's outcome range even when
        // ratings are few. The writer refreshes them hourly (`writer::run`).
        conn.execute_batch("PRAGMA optimize=0x10002").db()?;

        let (idle_tx, idle_rx) = crossbeam_channel::bounded(READERS);
        for _ in 0..READERS {
            idle_tx
                .send(open_reader(path)?)
                .map_err(|_| StoreError::Backend("reader pool closed".to_string()))?;
        }

        let (jobs, rx) = crossbeam_channel::unbounded::<Job>();
        let stats = Arc::new(WriterStats::default());
        let writer_stats = stats.clone();
        let writer = std::thread::Builder::new()
            .name("yizhan-sqlite-writer".to_string())
            .spawn(move || writer::run(conn, rx, writer_stats))
            .map_err(|e| StoreError::Backend(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                jobs,
                stats,
                idle_tx,
                idle_rx,
                path: path.to_path_buf(),
                temp_path,
                vault,
                accounts: Default::default(),
                writer: Some(writer),
            }),
        })
    }

    /// The keys personal data is sealed with.
    pub fn vault(&self) -> &Vault {
        &self.inner.vault
    }

    /// The writer's counters (batches and jobs so far).
    pub fn writer_stats(&self) -> &WriterStats {
        &self.inner.stats
    }

    /// Runs `f` in the writer's next group-committed transaction, inside its own savepoint. The
    /// job is queued when this is called (not when the future is first polled); the future
    /// resolves after the transaction holding it has committed or failed.
    pub fn write<T, F>(&self, f: F) -> impl Future<Output = Result<T>> + Send + 'static
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let queued = self
            .inner
            .jobs
            .send(Box::new(TypedJob::new(f, reply)))
            .is_ok();
        async move {
            if !queued {
                return Err(StoreError::Backend(
                    "the writer thread has stopped".to_string(),
                ));
            }
            rx.await
                .map_err(|_| StoreError::Backend("the writer thread dropped a job".to_string()))?
        }
    }

    /// [`read`](Self::read) for a lookup by key that takes microseconds (a session, a user, a case
    /// snapshot): run here, on the caller's thread, with an idle reader, rather than handed to a
    /// blocking thread and back — the hand-offs cost more than the lookups (issue 18: a third of
    /// the server's CPU). When no reader is idle it queues like any read.
    pub async fn read_now<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let Ok(conn) = self.inner.idle_rx.try_recv() else {
            return self.read(f).await;
        };
        run_read(&self.inner, conn, f)
    }

    /// Runs `f` on a reader connection, inside one read transaction (a consistent snapshot).
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let conn = inner
                .idle_rx
                .recv()
                .map_err(|_| StoreError::Backend("reader pool closed".to_string()))?;
            run_read(&inner, conn, f)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("read task failed: {e}")))?
    }
}

/// Runs `f` in one read transaction on `conn`, and gives the connection back to the pool (a fresh
/// one in its place if `f` panicked mid-transaction).
fn run_read<T, F>(inner: &Inner, conn: Connection, f: F) -> Result<T>
where
    F: FnOnce(&Connection) -> Result<T>,
{
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<T> {
        let tx = conn.unchecked_transaction().db()?;
        let v = f(&tx)?;
        tx.finish().db()?;
        Ok(v)
    }));
    match r {
        // The connection goes back even when `f` failed.
        Ok(v) => {
            let _ = inner.idle_tx.send(conn);
            v
        }
        // After a panic the connection may be mid-transaction: replace it.
        Err(_) => {
            drop(conn);
            if let Ok(fresh) = open_reader(&inner.path) {
                let _ = inner.idle_tx.send(fresh);
            }
            Err(StoreError::Backend("read job panicked".to_string()))
        }
    }
}

/// What every connection gets (issue 18, measured in docs/PERFORMANCE.md):
/// - the query planner stability guarantee: with the statistics `PRAGMA optimize` gathers (STAT4),
///   SQLite otherwise re-prepares a cached statement whose plan depends on a bound value on every
///   bind (the grants query: once per call); the plan chosen first is as good here;
/// - temporary storage in memory: the writer's savepoint journal and sorts otherwise spill to temp
///   files (page copies and writes on every job), and they are small.
fn tune(c: &Connection) -> Result<()> {
    c.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .db()?;
    c.execute_batch("PRAGMA temp_store=MEMORY;").db()?;
    Ok(())
}

fn open_reader(path: &Path) -> Result<Connection> {
    let r = Connection::open(path).db()?;
    r.execute_batch("PRAGMA foreign_keys=ON; PRAGMA query_only=ON;")
        .db()?;
    tune(&r)?;
    r.busy_timeout(Duration::from_millis(5000)).db()?;
    r.set_prepared_statement_cache_capacity(64);
    Ok(r)
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the trait implementations.

/// `rusqlite` errors become `StoreError::Backend` (both types are foreign, so no `From`).
pub(crate) trait Db<T> {
    fn db(self) -> Result<T>;
}

impl<T> Db<T> for rusqlite::Result<T> {
    fn db(self) -> Result<T> {
        self.map_err(backend)
    }
}

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn constraint_code(e: &rusqlite::Error) -> Option<i32> {
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Some(f.extended_code)
        }
        _ => None,
    }
}

pub(crate) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        constraint_code(e),
        Some(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
    )
}

pub(crate) fn is_fk_violation(e: &rusqlite::Error) -> bool {
    constraint_code(e) == Some(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY)
}

/// Maps a foreign-key failure to `NotFound(what)`, anything else to `Backend`.
pub(crate) fn missing_ref(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| {
        if is_fk_violation(&e) {
            StoreError::NotFound(what)
        } else {
            backend(e)
        }
    }
}

/// Instants as fixed-width RFC 3339 UTC text with microseconds, so text order is time order and
/// values survive a round trip through PostgreSQL's microsecond timestamps unchanged.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| conversion(e.to_string()))
}

pub(crate) fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn parse_day(s: &str) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| conversion(e.to_string()))
}

pub(crate) fn parse_code(s: &str) -> rusqlite::Result<RegionCode> {
    RegionCode::parse(s).map_err(|e| conversion(e.to_string()))
}

/// A stored value that does not decode: the database holds something this version did not write.
pub(crate) fn conversion(msg: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, msg.into())
}

/// The SQL condition for "`col` is inside `scope`", pushing its parameters: OR'd half-open code
/// ranges, which an index on `col` serves as range scans.
pub(crate) fn scope_condition(col: &str, scope: &Scope, params: &mut Vec<Value>) -> String {
    match scope.code_ranges() {
        None => "1 = 1".to_string(),
        Some(ranges) if ranges.is_empty() => "1 = 0".to_string(),
        Some(ranges) => {
            let parts: Vec<String> = ranges
                .into_iter()
                .map(|(lo, hi)| {
                    params.push(Value::Text(lo));
                    params.push(Value::Text(hi));
                    format!("({col} >= ? AND {col} < ?)")
                })
                .collect();
            format!("({})", parts.join(" OR "))
        }
    }
}

#[cfg(test)]
mod tests;
