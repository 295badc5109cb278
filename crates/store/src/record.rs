//! What checking the legal record reads and writes beyond the case store (issue 16): the
//! database's crypto suite, the case rows exactly as stored, the counters that issue numbers and
//! the numbers voided when a filing failed after taking one.

use crate::{CaseSummary, Result};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use crypto::{Hash32, Suite};
use domain::audit::{AuditAction, AuditEntry, NewAuditEntry};
use domain::record::{Checkpoint, Leaf};

/// Which audit entries to read: in order after `after_seq`, narrowed by each set field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub after_seq: u64,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub actor: Option<String>,
    pub action: Option<AuditAction>,
    pub limit: u32,
}

/// A case row as stored: its columns, and its snapshot decoded (`None` when it does not decode).
#[derive(Debug, Clone)]
pub struct StoredCase {
    pub summary: CaseSummary,
    pub query_code: String,
    pub received_on: Option<NaiveDate>,
    pub snapshot: Option<domain::case::Case>,
}

#[async_trait]
pub trait RecordStore: Send + Sync {
    /// The suite recorded for this database; `None` until a server first starts on it.
    async fn record_suite(&self) -> Result<Option<Suite>>;
    /// Records `suite` unless a suite is recorded already; returns the recorded one, which the
    /// caller compares with its configuration.
    async fn init_record_suite(&self, suite: Suite, at: DateTime<Utc>) -> Result<Suite>;
    /// Case rows as stored, in number order after `after`.
    async fn stored_cases(&self, after: Option<&str>, limit: u32) -> Result<Vec<StoredCase>>;
    /// Every scope of a named counter with its value (the last number issued).
    async fn counter_values(&self, name: &str) -> Result<Vec<(String, i64)>>;
    /// Takes the next case number of a counter scope (`domain::case::CaseNumber::of_counter`) and
    /// records the claim on it, in one transaction; creating the case removes the claim.
    async fn claim_case_number(
        &self,
        counter: &str,
        scope: &str,
        at: DateTime<Utc>,
    ) -> Result<String>;
    /// Numbers claimed before `before` and still without a case (all of them: `None`).
    async fn claims(&self, before: Option<DateTime<Utc>>) -> Result<Vec<String>>;
    /// Records that a case number was taken but its filing did not complete (its claim goes).
    async fn void_number(&self, number: &str, reason: &str, at: DateTime<Utc>) -> Result<()>;
    /// The numbers voided, in order.
    async fn void_numbers(&self) -> Result<Vec<String>>;

    /// Each case's head as stored — number, version, the hash of its event at that version (`None`
    /// when that event is missing) — in number order after `after`.
    async fn case_heads(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(String, u32, Option<Hash32>)>>;
    /// Checkpoints in order, from `from_seq`.
    async fn checkpoints(&self, from_seq: u64, limit: u32) -> Result<Vec<Checkpoint>>;
    async fn latest_checkpoint(&self) -> Result<Option<Checkpoint>>;
    /// Leaves in tree order from index `from`, each with the checkpoint that sealed it.
    async fn leaves(&self, from: u64, limit: u32) -> Result<Vec<(u64, Leaf)>>;
    /// The highest sequence sealed for each of `subjects` of `kind` that has a leaf (subjects
    /// never sealed are left out): what a checkpoint compares a page of case heads with, so it
    /// never holds one entry per case in memory.
    async fn sealed_seqs(
        &self,
        kind: domain::record::LeafKind,
        subjects: &[String],
    ) -> Result<Vec<(String, u64)>>;
    /// Appends a checkpoint and the leaves it seals, in one transaction; `Conflict` unless it
    /// continues the latest checkpoint exactly (next seq, leaves from its tree size on).
    async fn append_checkpoint(&self, checkpoint: &Checkpoint, leaves: &[Leaf]) -> Result<()>;

    /// Chains an audit entry after the last one (or the last pruned one) with the database's
    /// suite and appends it, in one transaction.
    async fn append_audit(&self, entry: NewAuditEntry) -> Result<AuditEntry>;
    async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>>;
    /// The last entry's number and hash.
    async fn audit_head(&self) -> Result<Option<(u64, Hash32)>>;
    /// The latest prune: entries up to this number are gone, the last of them had this hash.
    async fn audit_pruned(&self) -> Result<Option<(u64, Hash32)>>;
    /// Removes the entries up to `up_to` and records the prune; returns how many went.
    async fn prune_audit(
        &self,
        up_to: u64,
        before: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<u64>;
}

/// The `Conflict` of a checkpoint sealed by someone else meanwhile.
pub fn checkpoint_taken(seq: u64) -> crate::StoreError {
    crate::StoreError::Conflict {
        code: "checkpoint_taken",
        message: format!("第 {seq} 号检查点已由其他进程生成"),
    }
}
