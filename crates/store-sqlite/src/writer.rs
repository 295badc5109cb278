//! The single writer: every write of the process runs on one thread that owns the only writing
//! connection, and commits waiting jobs together (group commit; see notes/sqlite-write-path.md).
//!
//! One batch is one `BEGIN IMMEDIATE … COMMIT`. Each job runs inside its own savepoint, so a job
//! that fails is rolled back alone and the others still commit. A job's reply is sent only after
//! the batch's outcome is known: if the commit fails, every job of the batch gets an error.

use crossbeam_channel::Receiver;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use store::{Result, StoreError};
use tokio::sync::oneshot;

/// Upper bound of jobs per transaction, so one batch's latency stays bounded under a flood.
pub const MAX_BATCH: usize = 256;

/// A write job as the writer thread sees it: run it inside the transaction, then tell it how the
/// batch ended.
pub(crate) trait WriteJob: Send {
    /// Runs the job; `true` when it succeeded (its savepoint is kept).
    fn run(&mut self, tx: &Transaction<'_>) -> bool;
    /// Replies to the caller. `batch_failure` is set when the batch did not commit.
    fn finish(self: Box<Self>, batch_failure: Option<&str>);
}

pub(crate) struct TypedJob<T, F> {
    f: Option<F>,
    result: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T, F> TypedJob<T, F> {
    pub(crate) fn new(f: F, reply: oneshot::Sender<Result<T>>) -> Self {
        TypedJob {
            f: Some(f),
            result: None,
            reply,
        }
    }
}

impl<T, F> WriteJob for TypedJob<T, F>
where
    T: Send,
    F: FnOnce(&Transaction<'_>) -> Result<T> + Send,
{
    fn run(&mut self, tx: &Transaction<'_>) -> bool {
        let Some(f) = self.f.take() else { return false };
        // A panicking job must not take the writer thread (and every later write) down with it.
        let r = catch_unwind(AssertUnwindSafe(|| f(tx)))
            .unwrap_or_else(|_| Err(StoreError::Backend("write job panicked".to_string())));
        let ok = r.is_ok();
        self.result = Some(r);
        ok
    }

    fn finish(self: Box<Self>, batch_failure: Option<&str>) {
        let out = match (self.result, batch_failure) {
            // A job that failed on its own reports its own error either way.
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(v)), None) => Ok(v),
            (_, Some(why)) => Err(StoreError::Backend(format!(
                "transaction not committed: {why}"
            ))),
            (None, None) => Err(StoreError::Backend("write job was never run".to_string())),
        };
        // The caller may have gone away; its job's outcome stands regardless.
        let _ = self.reply.send(out);
    }
}

pub(crate) type Job = Box<dyn WriteJob>;

/// Counters of the writer, for logs, benchmarks and tests of the batching itself.
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Transactions attempted (committed or not).
    pub batches: AtomicU64,
    /// Jobs answered.
    pub jobs: AtomicU64,
}

/// How often the writer refreshes the planner's statistics.
const OPTIMIZE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// The writer thread's loop: ends when every sender is gone.
pub(crate) fn run(mut conn: Connection, jobs: Receiver<Job>, stats: Arc<WriterStats>) {
    let mut optimized = std::time::Instant::now();
    while let Ok(first) = jobs.recv() {
        // Statistics follow the tables as they grow (SQLite analyzes only the tables that changed
        // enough since, sampled); a failure here only leaves older statistics in place.
        if optimized.elapsed() >= OPTIMIZE_EVERY {
            let _ = conn.execute_batch("PRAGMA optimize");
            optimized = std::time::Instant::now();
        }
        let mut batch = VecDeque::with_capacity(16);
        batch.push_back(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(j) => batch.push_back(j),
                Err(_) => break,
            }
        }
        stats.jobs.fetch_add(batch.len() as u64, Ordering::Relaxed);
        run_batch(&mut conn, batch, &stats);
    }
}

fn run_batch(conn: &mut Connection, mut pending: VecDeque<Job>, stats: &WriterStats) {
    // Each pass consumes at least one job, so this ends. A second pass happens only when SQLite
    // aborted the whole transaction mid-batch (I/O error, disk full): the jobs that had run are
    // failed, and the ones not yet run get a fresh transaction.
    while !pending.is_empty() {
        stats.batches.fetch_add(1, Ordering::Relaxed);
        let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => {
                let why = e.to_string();
                for job in pending.drain(..) {
                    job.finish(Some(&why));
                }
                return;
            }
        };
        let mut ran: Vec<Job> = Vec::with_capacity(pending.len());
        let mut aborted: Option<String> = None;
        while let Some(mut job) = pending.pop_front() {
            if let Err(e) = tx.execute_batch("SAVEPOINT job") {
                aborted = Some(e.to_string());
                ran.push(job);
                break;
            }
            let ok = job.run(&tx);
            let end = if ok {
                "RELEASE job"
            } else {
                "ROLLBACK TO job; RELEASE job"
            };
            ran.push(job);
            if let Err(e) = tx.execute_batch(end) {
                aborted = Some(e.to_string());
                break;
            }
            if tx.is_autocommit() {
                aborted = Some("SQLite rolled back the transaction".to_string());
                break;
            }
        }
        let failure = match aborted {
            Some(why) => {
                drop(tx);
                Some(why)
            }
            None => tx.commit().err().map(|e| e.to_string()),
        };
        // On failure the transaction (if still open) has been rolled back by dropping `tx` or by
        // the failed commit consuming it; only then are callers answered.
        for job in ran {
            job.finish(failure.as_deref());
        }
    }
}
