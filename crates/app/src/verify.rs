//! Checking the legal record (issue 16, part 3): everything that can be checked from the database
//! alone, each problem named as a [`Finding`]. What it covers, for every case: the hash chain is
//! whole; the log is as long as the case row's version says; the snapshot and every column derived
//! from it equal the replay of the log; the log uses the database's suite. For the database: every
//! number a counter issued is a case or a recorded void number (a deleted case leaves a gap), and
//! the append-only triggers are all there.
//!
//! What it cannot see alone — an edit with the chain recomputed after it, or a deleted case and its
//! counter turned back — is what signed checkpoints kept outside the database are for.

use chrono::{DateTime, Utc};
use crypto::{Hash32, Suite};
use domain::case::{verify_chain, Case, CaseEvent};
use domain::record::{Checkpoint, LeafKind, NO_PREVIOUS};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use store::record::StoredCase;
use store::{CaseSummary, Store};

/// One problem found, with the case or table it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// The chain breaks at `seq`: an event was changed, removed or inserted.
    BrokenChain { case: String, seq: u32 },
    /// The log has `events` events but the case row says version `version` (a truncated tail).
    LengthMismatch {
        case: String,
        events: u32,
        version: u32,
    },
    /// The stored snapshot or the columns derived from it differ from the replay of the log.
    SnapshotMismatch { case: String, fields: Vec<String> },
    /// The snapshot does not decode at all.
    SnapshotUnreadable { case: String },
    /// The case's log is chained with another suite than the database's.
    SuiteMismatch {
        case: String,
        case_suite: Suite,
        database_suite: Suite,
    },
    /// A number its counter issued is neither a case nor a recorded void number.
    MissingNumber { number: String },
    /// An append-only trigger is gone.
    GuardMissing { table: String, trigger: String },
    /// A checkpoint's signature does not check with any trusted key.
    CheckpointSignature { seq: u64 },
    /// A checkpoint does not follow the one before (number or link).
    CheckpointLink { seq: u64 },
    /// A checkpoint's root is not the tree hash of the leaves stored for it.
    CheckpointRoot { seq: u64 },
    /// A sealed case's log no longer has the sealed event at `seq` with the sealed hash.
    SealedCaseChanged { case: String, seq: u64 },
    /// A sealed case is gone.
    SealedCaseMissing { case: String },
    /// A counter is below the value a checkpoint sealed.
    CounterRolledBack {
        scope: String,
        sealed: u64,
        now: u64,
    },
    /// A checkpoint kept outside differs from the database's of the same number.
    OutsideCheckpointDiffers { seq: u64 },
    /// A checkpoint kept outside is not in the database (checkpoints rolled back).
    OutsideCheckpointMissing { seq: u64 },
    /// Leaves from index `from` on are covered by no checkpoint (written around the sealer).
    UnsealedLeaves { from: u64 },
    /// The audit log's chain breaks at entry `seq` (changed, removed or inserted).
    AuditChainBroken { seq: u64 },
    /// The audit entry a checkpoint sealed is gone or changed.
    AuditSealedChanged { seq: u64 },
}

impl Finding {
    /// The case (or case number) a finding concerns, if it concerns one.
    pub fn case(&self) -> Option<&str> {
        match self {
            Finding::BrokenChain { case, .. }
            | Finding::LengthMismatch { case, .. }
            | Finding::SnapshotMismatch { case, .. }
            | Finding::SnapshotUnreadable { case }
            | Finding::SuiteMismatch { case, .. }
            | Finding::SealedCaseChanged { case, .. }
            | Finding::SealedCaseMissing { case } => Some(case),
            Finding::MissingNumber { number } => Some(number),
            _ => None,
        }
    }

    /// The finding in a sentence, for people.
    pub fn message(&self) -> String {
        match self {
            Finding::BrokenChain { case, seq } => {
                format!("办件 {case} 的日志哈希链自第 {seq} 条起断裂(事件被改动、删除或插入)")
            }
            Finding::LengthMismatch {
                case,
                events,
                version,
            } => format!(
                "办件 {case} 只有 {events} 条日志,而办件记录为第 {version} 版(日志尾部缺失)"
            ),
            Finding::SnapshotMismatch { case, fields } => {
                format!("办件 {case} 的存储内容与日志重放不符:{}", fields.join("、"))
            }
            Finding::SnapshotUnreadable { case } => format!("办件 {case} 的存储快照无法读取"),
            Finding::SuiteMismatch {
                case,
                case_suite,
                database_suite,
            } => format!(
                "办件 {case} 的日志使用 {} 算法,数据库使用 {} 算法",
                case_suite.hash_name(),
                database_suite.hash_name()
            ),
            Finding::MissingNumber { number } => {
                format!("办件编号 {number} 已发出,但既无办件也无作废记录(办件可能被删除)")
            }
            Finding::GuardMissing { table, trigger } => {
                format!("表 {table} 的只追加保护触发器 {trigger} 不存在")
            }
            Finding::CheckpointSignature { seq } => {
                format!("第 {seq} 号检查点的签名无法用受信任的公钥验证(伪造或密钥不符)")
            }
            Finding::CheckpointLink { seq } => {
                format!("第 {seq} 号检查点未接续前一检查点(编号或链接不符)")
            }
            Finding::CheckpointRoot { seq } => {
                format!("第 {seq} 号检查点的根哈希与所存叶子不符(封存内容被改动)")
            }
            Finding::SealedCaseChanged { case, seq } => {
                format!("办件 {case} 已封存至第 {seq} 条日志,但该条日志已缺失或被改动")
            }
            Finding::SealedCaseMissing { case } => format!("已封存的办件 {case} 不存在(被删除)"),
            Finding::CounterRolledBack { scope, sealed, now } => {
                format!("编号计数器 {scope} 已封存为 {sealed},现为 {now}(被回拨)")
            }
            Finding::OutsideCheckpointDiffers { seq } => {
                format!("外部保存的第 {seq} 号检查点与数据库中的不一致(检查点被重写)")
            }
            Finding::OutsideCheckpointMissing { seq } => {
                format!("外部保存的第 {seq} 号检查点在数据库中不存在(检查点被回滚)")
            }
            Finding::UnsealedLeaves { from } => {
                format!("自第 {from} 个起的封存叶子不属于任何检查点(被插入)")
            }
            Finding::AuditChainBroken { seq } => {
                format!("审计日志的哈希链自第 {seq} 条起断裂(记录被改动、删除或插入)")
            }
            Finding::AuditSealedChanged { seq } => {
                format!("已封存的第 {seq} 条审计记录已缺失或被改动")
            }
        }
    }
}

/// What a run checked and found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub suite: Suite,
    pub cases: u64,
    pub events: u64,
    pub numbers: u64,
    /// Checkpoints checked, and whether their signatures were (a key ring or an outside file
    /// gives the public keys).
    pub checkpoints: u64,
    pub signatures_checked: bool,
    /// Audit entries checked (those kept: pruned ones are gone by design).
    pub audit_entries: u64,
    pub findings: Vec<Finding>,
    pub checked_at: DateTime<Utc>,
}

impl Report {
    pub fn intact(&self) -> bool {
        self.findings.is_empty()
    }
}

/// The append-only triggers every database must have, as `(table, trigger)`; both backends name
/// them alike (the schema parity test holds them to it).
pub const GUARDS: &[(&str, &str)] = &[
    ("case_events", "case_events_no_update"),
    ("case_events", "case_events_no_delete"),
    ("record_suite", "record_suite_no_update"),
    ("record_suite", "record_suite_no_delete"),
    ("void_numbers", "void_numbers_no_update"),
    ("void_numbers", "void_numbers_no_delete"),
    ("checkpoints", "checkpoints_no_update"),
    ("checkpoints", "checkpoints_no_delete"),
    ("seal_leaves", "seal_leaves_no_update"),
    ("seal_leaves", "seal_leaves_no_delete"),
    ("audit_log", "audit_log_no_update"),
    ("audit_log", "audit_log_no_delete"),
    ("audit_prunes", "audit_prunes_no_update"),
    ("audit_prunes", "audit_prunes_no_delete"),
];

/// What verify trusts beyond the database: public keys (from the key ring) and checkpoints kept
/// outside it.
#[derive(Default)]
pub struct Trust<'a> {
    pub keys: &'a [crypto::PublicKey],
    pub outside: Option<&'a crate::checkpoints::Export>,
}

/// Who answers for the record: an administrator or a supervisor checks it and seals it.
pub fn may_check_record(u: &store::User) -> crate::Result<()> {
    use crate::access::Caller;
    use domain::access::Action;
    if u.can_anywhere(Action::ManageUsers) || u.can_anywhere(Action::Supervise) {
        Ok(())
    } else {
        Err(crate::Error::Forbidden)
    }
}

/// An administrator or a supervisor checks the whole record ([`run`]).
pub async fn check(state: &crate::Services, u: &store::User) -> crate::Result<Report> {
    may_check_record(u)?;
    let keys = state.crypto.public_keys();
    let trust = Trust {
        keys: &keys,
        outside: None,
    };
    let report = run(state.store.as_ref(), state.clock.now(), &trust).await?;
    crate::audit::record(
        state,
        crate::audit::Actor::User(u),
        domain::audit::AuditAction::VerifyRun,
        "record",
        if report.intact() {
            domain::audit::Outcome::Success
        } else {
            domain::audit::Outcome::Failure
        },
        summary(&report),
    )
    .await?;
    Ok(report)
}

/// The report in one line, for the audit log.
pub fn summary(r: &Report) -> String {
    format!(
        "办件 {} 个,日志 {} 条,检查点 {} 个,审计 {} 条,发现问题 {} 个",
        r.cases,
        r.events,
        r.checkpoints,
        r.audit_entries,
        r.findings.len()
    )
}

/// Checks the whole record. Reads in pages, so it runs beside a live server.
pub async fn run(
    store: &dyn Store,
    now: DateTime<Utc>,
    trust: &Trust<'_>,
) -> crate::Result<Report> {
    let suite = store.record_suite().await?.unwrap_or_default();
    let mut keys: Vec<crypto::PublicKey> = trust.keys.to_vec();
    if let Some(o) = trust.outside {
        keys.extend(o.public_keys.iter().cloned());
    }
    let mut r = Report {
        suite,
        cases: 0,
        events: 0,
        numbers: 0,
        checkpoints: 0,
        signatures_checked: !keys.is_empty(),
        audit_entries: 0,
        findings: vec![],
        checked_at: now,
    };
    let mut sealed = check_checkpoints(store, suite, &keys, trust.outside, &mut r).await?;
    r.findings.extend(missing_guards(store).await?);
    let mut numbers = HashSet::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.stored_cases(after.as_deref(), 500).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.summary.number.clone());
        for row in &page {
            let events = store.case_events(&row.summary.number).await?;
            r.cases += 1;
            r.events += events.len() as u64;
            numbers.insert(row.summary.number.clone());
            check_case(suite, row, &events, &mut r.findings);
            if let Some((seq, hash)) = sealed
                .latest
                .remove(&(LeafKind::Case, row.summary.number.clone()))
            {
                let now_hash = events.get(seq as usize - 1).map(|e| e.hash.as_str());
                if now_hash != Some(hex::encode(hash).as_str()) {
                    r.findings.push(Finding::SealedCaseChanged {
                        case: row.summary.number.clone(),
                        seq,
                    });
                }
            }
        }
    }
    let audit_leaf = sealed.latest.remove(&(
        LeafKind::Audit,
        crate::checkpoints::AUDIT_SUBJECT.to_string(),
    ));
    check_audit(store, suite, audit_leaf, &mut r).await?;
    let counters = store.counter_values(crate::cases::CASE_COUNTER).await?;
    let mut sealed_cases = vec![];
    for ((kind, subject), (seq, _)) in sealed.latest {
        match kind {
            // Taken out above.
            LeafKind::Audit => {}
            LeafKind::Case => sealed_cases.push(subject),
            LeafKind::Counter => {
                let now = counters
                    .iter()
                    .find(|(s, _)| *s == subject)
                    .map_or(0, |c| c.1.max(0) as u64);
                if now < seq {
                    r.findings.push(Finding::CounterRolledBack {
                        scope: subject,
                        sealed: seq,
                        now,
                    });
                }
            }
        }
    }
    sealed_cases.sort();
    for case in sealed_cases {
        r.findings.push(Finding::SealedCaseMissing { case });
    }
    // A claim is a filing in flight (or one a stopped server left, voided at its next start).
    let void: HashSet<String> = store
        .void_numbers()
        .await?
        .into_iter()
        .chain(store.claims(None).await?)
        .collect();
    for (scope, value) in counters {
        for n in 1..=value.max(0) as u64 {
            let number = domain::case::CaseNumber::of_counter(&scope, n).to_string();
            r.numbers += 1;
            if !numbers.contains(&number) && !void.contains(&number) {
                r.findings.push(Finding::MissingNumber { number });
            }
        }
    }
    Ok(r)
}

/// The append-only triggers that are gone.
pub async fn missing_guards(store: &dyn Store) -> crate::Result<Vec<Finding>> {
    let schema = store.describe_schema().await?;
    Ok(GUARDS
        .iter()
        .filter(|(table, trigger)| {
            !schema
                .constraints
                .contains(&format!("{table}.trigger({trigger})"))
        })
        .map(|(table, trigger)| Finding::GuardMissing {
            table: table.to_string(),
            trigger: trigger.to_string(),
        })
        .collect())
}

/// Whether a trusted key made the checkpoint's signature.
pub fn signed_by(keys: &[crypto::PublicKey], cp: &Checkpoint) -> bool {
    keys.iter()
        .filter(|k| k.id() == cp.key_id)
        .any(|k| k.verify(&cp.statement(), &cp.signature).is_ok())
}

/// The checkpoints: numbered and linked in order, signed by a trusted key, each root the tree hash
/// of the leaves stored up to its size, and equal to any kept outside. Returns what the leaves seal.
async fn check_checkpoints(
    store: &dyn Store,
    suite: Suite,
    keys: &[crypto::PublicKey],
    outside: Option<&crate::checkpoints::Export>,
    r: &mut Report,
) -> crate::Result<crate::checkpoints::Sealed> {
    let cps = crate::checkpoints::all(store).await?;
    r.checkpoints = cps.len() as u64;
    let mut prev: Option<&Checkpoint> = None;
    for cp in &cps {
        let expected_prev = prev.map_or(NO_PREVIOUS, Checkpoint::link);
        if cp.seq != prev.map_or(1, |p| p.seq + 1) || cp.prev != expected_prev || cp.suite != suite
        {
            r.findings.push(Finding::CheckpointLink { seq: cp.seq });
        }
        if !keys.is_empty() && !signed_by(keys, cp) {
            r.findings
                .push(Finding::CheckpointSignature { seq: cp.seq });
        }
        prev = Some(cp);
    }
    // Each checkpoint's root against the tree of the leaves up to its size, in one pass.
    let wanted: HashSet<u64> = cps.iter().map(|c| c.tree_size).collect();
    let mut roots: HashMap<u64, Hash32> = HashMap::new();
    roots.insert(0, crypto::merkle::empty_root(suite));
    let sealed = crate::checkpoints::read_sealed(store, suite, |size, f| {
        if wanted.contains(&size) {
            roots.insert(size, f.root());
        }
    })
    .await?;
    for cp in &cps {
        if roots.get(&cp.tree_size) != Some(&cp.root) {
            r.findings.push(Finding::CheckpointRoot { seq: cp.seq });
        }
    }
    // Every leaf belongs to the first checkpoint whose tree takes it in, and no leaf lies beyond
    // the last: a leaf added or moved there would otherwise change nothing any root covers.
    let mut bounds = cps.iter().map(|c| (c.tree_size, c.seq)).peekable();
    for (i, placed) in sealed.placed.iter().enumerate() {
        while bounds.peek().is_some_and(|(size, _)| *size <= i as u64) {
            bounds.next();
        }
        match bounds.peek() {
            Some((_, seq)) if seq == placed => {}
            Some((_, seq)) => {
                r.findings.push(Finding::CheckpointRoot { seq: *seq });
                break;
            }
            None => {
                r.findings.push(Finding::UnsealedLeaves { from: i as u64 });
                break;
            }
        }
    }
    if let Some(o) = outside {
        for kept in &o.checkpoints {
            match cps.iter().find(|c| c.seq == kept.seq) {
                Some(c) if c == kept => {}
                Some(_) => r
                    .findings
                    .push(Finding::OutsideCheckpointDiffers { seq: kept.seq }),
                None => r
                    .findings
                    .push(Finding::OutsideCheckpointMissing { seq: kept.seq }),
            }
        }
    }
    Ok(sealed)
}

/// The audit log: its chain from the genesis (or the last prune), and the entry a checkpoint
/// sealed, still there and unchanged.
async fn check_audit(
    store: &dyn Store,
    suite: Suite,
    sealed: Option<(u64, Hash32)>,
    r: &mut Report,
) -> crate::Result<()> {
    let (mut seq, mut prev) = store
        .audit_pruned()
        .await?
        .unwrap_or((0, domain::audit::AUDIT_GENESIS));
    let pruned = (seq, prev);
    let mut f = store::record::AuditFilter {
        after_seq: seq,
        limit: 5000,
        ..Default::default()
    };
    let mut broken = false;
    let mut at_sealed: Option<Hash32> = None;
    if let Some((s, _)) = sealed {
        if s == pruned.0 {
            at_sealed = Some(pruned.1);
        }
    }
    loop {
        let page = store.audit_entries(&f).await?;
        let Some(last) = page.last() else { break };
        f.after_seq = last.seq;
        r.audit_entries += page.len() as u64;
        if !broken {
            if let Err(bad) = domain::audit::verify_audit_chain(suite, seq + 1, &prev, &page) {
                r.findings.push(Finding::AuditChainBroken { seq: bad });
                broken = true;
            }
        }
        if let Some((s, _)) = sealed {
            if let Some(e) = page.iter().find(|e| e.seq == s) {
                at_sealed = Some(e.hash);
            }
        }
        seq = last.seq;
        prev = last.hash;
    }
    if let Some((s, hash)) = sealed {
        // Entries below the last prune are gone by design.
        if s >= pruned.0 && at_sealed != Some(hash) {
            r.findings.push(Finding::AuditSealedChanged { seq: s });
        }
    }
    Ok(())
}

/// One case: its chain, its length, its suite and its stored rows against the replay.
fn check_case(suite: Suite, row: &StoredCase, events: &[CaseEvent], out: &mut Vec<Finding>) {
    let case = row.summary.number.clone();
    let case_suite = domain::case::chain_suite(events);
    if !events.is_empty() && case_suite != suite {
        out.push(Finding::SuiteMismatch {
            case: case.clone(),
            case_suite,
            database_suite: suite,
        });
    }
    if let Err(seq) = verify_chain(events) {
        out.push(Finding::BrokenChain {
            case: case.clone(),
            seq,
        });
    }
    if events.len() != row.summary.version as usize {
        out.push(Finding::LengthMismatch {
            case: case.clone(),
            events: events.len() as u32,
            version: row.summary.version,
        });
    }
    let Some(snapshot) = &row.snapshot else {
        out.push(Finding::SnapshotUnreadable { case });
        return;
    };
    let Some(replayed) = Case::replay(events) else {
        // No log to replay: the chain finding above says so.
        return;
    };
    let fields = differences(row, snapshot, &replayed, events);
    if !fields.is_empty() {
        out.push(Finding::SnapshotMismatch { case, fields });
    }
}

/// The names of the stored values that differ from what the log makes them.
fn differences(
    row: &StoredCase,
    snapshot: &Case,
    replayed: &Case,
    events: &[CaseEvent],
) -> Vec<String> {
    let mut fields = vec![];
    // The keys an older snapshot carries are a cache of the log's, not part of the record.
    let same = if snapshot.recent_keys.is_empty() {
        snapshot == replayed
    } else {
        let mut s = snapshot.clone();
        s.recent_keys.clear();
        &s == replayed
    };
    if !same {
        fields.push("case_json".to_string());
    }
    let updated_at = events.last().map_or(row.summary.updated_at, |e| e.at);
    let expected = micros(CaseSummary::of(replayed, updated_at));
    let stored = micros(row.summary.clone());
    let mut col = |name: &str, differ: bool| {
        if differ {
            fields.push(name.to_string());
        }
    };
    col("number", stored.number != expected.number);
    col("item_code", stored.item_code != expected.item_code);
    col("item_name", stored.item_name != expected.item_name);
    col("department", stored.department != expected.department);
    col(
        "applicant_name",
        stored.applicant_name != expected.applicant_name,
    );
    col("state", stored.state != expected.state);
    col("place_region", stored.place != expected.place);
    col(
        "decide_region",
        stored.decide_place != expected.decide_place,
    );
    col(
        "applicant_region",
        stored.applicant_region != expected.applicant_region,
    );
    col(
        "applicant_user_id",
        stored.applicant_user_id != expected.applicant_user_id,
    );
    col(
        "agent_user_id",
        stored.agent_user_id != expected.agent_user_id,
    );
    col("due", stored.due != expected.due);
    col("created_at", stored.created_at != expected.created_at);
    col("updated_at", stored.updated_at != expected.updated_at);
    col("version", stored.version != expected.version);
    col("query_code", row.query_code != replayed.filing.query_code);
    col("received_on", row.received_on != replayed.received_on);
    fields
}

/// Instants as the columns keep them (microseconds).
fn micros(mut s: CaseSummary) -> CaseSummary {
    let cut = |t: DateTime<Utc>| DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t);
    s.created_at = cut(s.created_at);
    s.updated_at = cut(s.updated_at);
    s
}
