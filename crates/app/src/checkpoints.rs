//! Sealing checkpoints (issue 16, part 1): hourly and on demand, the cases and case-number
//! counters that moved since the last checkpoint become leaves, and the tree hash of all leaves so
//! far is signed with the key kept outside the database (see `domain::record`).

use crate::{Error, Result, Services};
use crypto::merkle::Frontier;
use crypto::{CryptoProvider, Hash32, Suite};
use domain::record::{Checkpoint, Leaf, LeafKind, NO_PREVIOUS};
use std::collections::HashMap;
use store::Store;

const PAGE: u32 = 5000;

/// The subject of the audit log's leaves.
pub const AUDIT_SUBJECT: &str = "audit";

/// The last audit entry a checkpoint sealed.
pub async fn sealed_audit_head(store: &dyn Store) -> Result<Option<u64>> {
    let suite = store.record_suite().await?.unwrap_or_default();
    let sealed = read_sealed_without_cases(store, suite).await?;
    Ok(sealed
        .latest
        .get(&(LeafKind::Audit, AUDIT_SUBJECT.to_string()))
        .map(|s| s.0))
}

/// What the leaves so far seal, read in one pass: the frontier for the next root and, per
/// subject, the highest sequence sealed.
pub struct Sealed {
    pub frontier: Frontier,
    pub latest: HashMap<(LeafKind, String), (u64, Hash32)>,
    /// Leaves read, with the checkpoint each names.
    pub placed: Vec<u64>,
}

/// Reads every leaf in order. `each_size` is called after each leaf with the tree size so far and
/// the root, so a caller can compare prefix roots on the way.
pub async fn read_sealed(
    store: &dyn Store,
    suite: Suite,
    each: impl FnMut(u64, &Frontier),
) -> Result<Sealed> {
    read_sealed_with(store, suite, true, each).await
}

/// [`read_sealed`] for sealing: the frontier and the counters' and audit log's latest leaves, but
/// neither the cases' (one entry per case: over a gigabyte at 10 M cases; `new_leaves` asks the
/// store page by page instead) nor each leaf's checkpoint.
async fn read_sealed_without_cases(store: &dyn Store, suite: Suite) -> Result<Sealed> {
    read_sealed_with(store, suite, false, |_, _| {}).await
}

async fn read_sealed_with(
    store: &dyn Store,
    suite: Suite,
    cases: bool,
    mut each: impl FnMut(u64, &Frontier),
) -> Result<Sealed> {
    let mut s = Sealed {
        frontier: Frontier::new(suite),
        latest: HashMap::new(),
        placed: vec![],
    };
    loop {
        let page = store.leaves(s.frontier.size(), PAGE).await?;
        if page.is_empty() {
            break;
        }
        for (checkpoint, leaf) in page {
            s.frontier.push(leaf.leaf_hash(suite));
            if cases || leaf.kind != LeafKind::Case {
                let e = s
                    .latest
                    .entry((leaf.kind, leaf.subject.clone()))
                    .or_insert((0, [0; 32]));
                if leaf.seq >= e.0 {
                    *e = (leaf.seq, leaf.hash);
                }
            }
            if cases {
                s.placed.push(checkpoint);
            }
            each(s.frontier.size(), &s.frontier);
        }
    }
    Ok(s)
}

/// The most leaves one checkpoint seals: a first seal of a long history (a migrated database, a
/// million generated cases) becomes several checkpoints of this many, so sealing holds a bounded
/// number of leaves in memory (one checkpoint of every case held ~100 bytes a case: 350 MiB at 1 M).
pub const CHUNK: usize = 50_000;

/// One page of case leaves: every case after `after` whose log grew since it was last sealed, in
/// number order, and where the next page starts (`None`: no more cases).
async fn case_leaves(
    store: &dyn Store,
    after: Option<&str>,
) -> Result<(Vec<Leaf>, Option<String>)> {
    let page = store.case_heads(after, PAGE).await?;
    let Some(last) = page.last() else {
        return Ok((vec![], None));
    };
    let next = Some(last.0.clone());
    let numbers: Vec<String> = page.iter().map(|h| h.0.clone()).collect();
    let sealed_page: HashMap<String, u64> = store
        .sealed_seqs(LeafKind::Case, &numbers)
        .await?
        .into_iter()
        .collect();
    let mut out = vec![];
    for (number, version, hash) in page {
        // A head without its event is verify's finding; nothing to seal for it.
        let Some(hash) = hash else { continue };
        let sealed = sealed_page.get(&number).copied().unwrap_or(0);
        if u64::from(version) > sealed {
            out.push(Leaf {
                kind: LeafKind::Case,
                subject: number,
                seq: u64::from(version),
                hash,
            });
        }
    }
    Ok((out, next))
}

/// The counters and the audit log's head that moved since they were last sealed (`latest`).
async fn other_leaves(
    store: &dyn Store,
    latest: &HashMap<(LeafKind, String), (u64, Hash32)>,
) -> Result<Vec<Leaf>> {
    let mut out = vec![];
    for (scope, value) in store.counter_values(crate::cases::CASE_COUNTER).await? {
        let sealed = latest
            .get(&(LeafKind::Counter, scope.clone()))
            .map_or(0, |s| s.0);
        let value = value.max(0) as u64;
        if value > sealed {
            out.push(Leaf {
                kind: LeafKind::Counter,
                subject: scope,
                seq: value,
                hash: [0; 32],
            });
        }
    }
    if let Some((seq, hash)) = store.audit_head().await? {
        let sealed = latest
            .get(&(LeafKind::Audit, AUDIT_SUBJECT.to_string()))
            .map_or(0, |s| s.0);
        if seq > sealed {
            out.push(Leaf {
                kind: LeafKind::Audit,
                subject: AUDIT_SUBJECT.into(),
                seq,
                hash,
            });
        }
    }
    Ok(out)
}

/// Seals a checkpoint now with the given provider: every case whose log grew and every counter
/// that moved since they were last sealed. More than [`CHUNK`] leaves are sealed as several
/// checkpoints in a row, each complete and signed; the last one (returned) also seals the
/// counters and the audit log. Two sealers at once: one wins, the other gets `Conflict` and
/// nothing is written twice.
pub async fn seal_with(
    store: &dyn Store,
    crypto: &dyn CryptoProvider,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Checkpoint> {
    seal_in_chunks(store, crypto, at, CHUNK).await
}

/// [`seal_with`] with a chosen chunk size (tests use a small one).
pub async fn seal_in_chunks(
    store: &dyn Store,
    crypto: &dyn CryptoProvider,
    at: chrono::DateTime<chrono::Utc>,
    chunk: usize,
) -> Result<Checkpoint> {
    let suite = crypto.suite();
    let recorded = store.record_suite().await?.unwrap_or_default();
    if recorded != suite {
        return Err(Error::Internal(format!(
            "the signing keys are {suite}, the database's record is {recorded}"
        )));
    }
    let chunk = chunk.max(1);
    let mut last = store.latest_checkpoint().await?;
    let mut sealed = read_sealed_without_cases(store, suite).await?;
    let mut pending: Vec<Leaf> = vec![];
    let mut after: Option<String> = None;
    loop {
        let (leaves, next) = case_leaves(store, after.as_deref()).await?;
        pending.extend(leaves);
        while pending.len() >= chunk && next.is_some() {
            let rest = pending.split_off(chunk);
            let cp = append(
                store,
                crypto,
                &mut sealed.frontier,
                last.as_ref(),
                at,
                &pending,
            )
            .await?;
            last = Some(cp);
            pending = rest;
        }
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    pending.extend(other_leaves(store, &sealed.latest).await?);
    // A fixed order within a checkpoint, so two servers sealing the same state agree.
    pending.sort_by(|a, b| (a.kind.as_str(), &a.subject).cmp(&(b.kind.as_str(), &b.subject)));
    append(
        store,
        crypto,
        &mut sealed.frontier,
        last.as_ref(),
        at,
        &pending,
    )
    .await
}

/// Signs and appends the checkpoint after `last` that seals `leaves` onto `frontier`.
async fn append(
    store: &dyn Store,
    crypto: &dyn CryptoProvider,
    frontier: &mut Frontier,
    last: Option<&Checkpoint>,
    at: chrono::DateTime<chrono::Utc>,
    leaves: &[Leaf],
) -> Result<Checkpoint> {
    let suite = crypto.suite();
    for l in leaves {
        frontier.push(l.leaf_hash(suite));
    }
    let mut cp = Checkpoint {
        seq: last.map_or(1, |c| c.seq + 1),
        sealed_at: at,
        suite,
        tree_size: frontier.size(),
        root: frontier.root(),
        prev: last.map_or(NO_PREVIOUS, Checkpoint::link),
        key_id: String::new(),
        signature: vec![],
    };
    let signed = crypto.sign(&cp.statement());
    cp.key_id = signed.key_id;
    cp.signature = signed.signature;
    store.append_checkpoint(&cp, leaves).await?;
    tracing::info!(
        seq = cp.seq,
        tree_size = cp.tree_size,
        new_leaves = leaves.len(),
        "checkpoint sealed"
    );
    Ok(cp)
}

/// An administrator or a supervisor seals a checkpoint now; the server then checks itself.
pub async fn seal_now(state: &Services, u: &store::User) -> Result<Checkpoint> {
    crate::verify::may_check_record(u)?;
    let cp = seal(state).await?;
    crate::audit::record(
        state,
        crate::audit::Actor::User(u),
        domain::audit::AuditAction::CheckpointSealed,
        format!("checkpoint:{}", cp.seq),
        domain::audit::Outcome::Success,
        format!("封存条目 {}", cp.tree_size),
    )
    .await?;
    check_and_alarm(state).await?;
    Ok(cp)
}

/// Seals a checkpoint with the server's keys.
pub async fn seal(state: &Services) -> Result<Checkpoint> {
    seal_with(
        state.store.as_ref(),
        state.crypto.as_ref(),
        state.clock.now(),
    )
    .await
}

/// The latest checkpoint, for anyone (its root is public by design).
pub async fn latest(state: &Services) -> Result<Checkpoint> {
    state
        .store
        .latest_checkpoint()
        .await?
        .ok_or(Error::NotFound("检查点"))
}

/// A checkpoint by number.
pub async fn get(state: &Services, seq: u64) -> Result<Checkpoint> {
    state
        .store
        .checkpoints(seq, 1)
        .await?
        .into_iter()
        .find(|c| c.seq == seq)
        .ok_or(Error::NotFound("检查点"))
}

/// The latest `n` checkpoints, newest first.
pub async fn recent(state: &Services, n: u32) -> Result<Vec<Checkpoint>> {
    let Some(last) = state.store.latest_checkpoint().await? else {
        return Ok(vec![]);
    };
    let from = last.seq.saturating_sub(u64::from(n.max(1)) - 1).max(1);
    let mut v = state.store.checkpoints(from, n).await?;
    v.reverse();
    Ok(v)
}

/// The public keys that check this server's checkpoints, current first.
pub fn public_keys(state: &Services) -> Vec<crypto::PublicKey> {
    state.crypto.public_keys()
}

/// That a case's log, as a checkpoint sealed it, is in that checkpoint's tree (RFC 6962 §2.1.1):
/// anyone holding the checkpoint's root checks it without the other leaves.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct InclusionProof {
    pub checkpoint: Checkpoint,
    /// The case's latest leaf in that tree.
    pub leaf: Leaf,
    pub leaf_index: u64,
    /// The audit path, bottom first, each a hex hash.
    pub path: Vec<String>,
}

/// The inclusion proof of a case's latest leaf in checkpoint `seq`.
pub async fn proof(state: &Services, seq: u64, case: &str) -> Result<InclusionProof> {
    let checkpoint = get(state, seq).await?;
    let suite = checkpoint.suite;
    let mut hashes = Vec::with_capacity(checkpoint.tree_size as usize);
    let mut found: Option<(u64, Leaf)> = None;
    while (hashes.len() as u64) < checkpoint.tree_size {
        let left = (checkpoint.tree_size - hashes.len() as u64).min(u64::from(PAGE)) as u32;
        let page = state.store.leaves(hashes.len() as u64, left).await?;
        if page.is_empty() {
            break;
        }
        for (_, leaf) in page {
            if leaf.kind == LeafKind::Case && leaf.subject == case {
                found = Some((hashes.len() as u64, leaf.clone()));
            }
            hashes.push(leaf.leaf_hash(suite));
        }
    }
    let Some((index, leaf)) = found else {
        return Err(Error::NotFound("该检查点中的办件"));
    };
    let path = crypto::merkle::inclusion_proof(suite, &hashes, index as usize)
        .iter()
        .map(hex::encode)
        .collect();
    Ok(InclusionProof {
        checkpoint,
        leaf,
        leaf_index: index,
        path,
    })
}

impl InclusionProof {
    /// Checks the path against the checkpoint's root (what a holder of the root does).
    pub fn holds(&self) -> bool {
        let path: Option<Vec<Hash32>> = self
            .path
            .iter()
            .map(|h| hex::decode(h).ok().and_then(|v| v.try_into().ok()))
            .collect();
        path.is_some_and(|p| {
            crypto::merkle::verify_inclusion(
                self.checkpoint.suite,
                &self.leaf.leaf_hash(self.checkpoint.suite),
                self.leaf_index,
                self.checkpoint.tree_size,
                &p,
                &self.checkpoint.root,
            )
        })
    }
}

/// Every checkpoint, oldest first: the file a supervisor or an outside office keeps.
pub async fn all(store: &dyn Store) -> Result<Vec<Checkpoint>> {
    let mut out: Vec<Checkpoint> = vec![];
    loop {
        let from = out.last().map_or(1, |c| c.seq + 1);
        let page = store.checkpoints(from, PAGE).await?;
        if page.is_empty() {
            return Ok(out);
        }
        out.extend(page);
    }
}

/// The file kept outside: the checkpoints and the public keys that check them.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Export {
    pub format: String,
    #[schema(value_type = Vec<Object>)]
    pub public_keys: Vec<crypto::PublicKey>,
    pub checkpoints: Vec<Checkpoint>,
}

pub const EXPORT_FORMAT: &str = "yizhan-checkpoints/1";

/// The file to keep outside, with the server's public keys.
pub async fn export_all(state: &Services) -> Result<Export> {
    export(state.store.as_ref(), state.crypto.as_ref()).await
}

pub async fn export(store: &dyn Store, crypto: &dyn CryptoProvider) -> Result<Export> {
    Ok(Export {
        format: EXPORT_FORMAT.into(),
        public_keys: crypto.public_keys(),
        checkpoints: all(store).await?,
    })
}

/// Where the latest integrity alarm is kept (a setting, so every server's monitor shows it).
pub const ALARM_SETTING: &str = "record_alarm";

/// An integrity alarm on the city supervisors' monitor: what the last check found, and when.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RecordAlarm {
    pub at: chrono::DateTime<chrono::Utc>,
    pub findings: Vec<String>,
}

/// The quick check a server makes at start and after every checkpoint: the append-only triggers
/// are there, and the latest checkpoint follows the one before it and is signed by our key.
pub async fn health(state: &Services) -> Result<Vec<crate::verify::Finding>> {
    use crate::verify::Finding;
    let store = state.store.as_ref();
    let mut out = crate::verify::missing_guards(store).await?;
    if let Some(last) = store.latest_checkpoint().await? {
        if !crate::verify::signed_by(&state.crypto.public_keys(), &last) {
            out.push(Finding::CheckpointSignature { seq: last.seq });
        }
        let before = if last.seq > 1 {
            store.checkpoints(last.seq - 1, 1).await?.into_iter().next()
        } else {
            None
        };
        let linked = match &before {
            Some(b) => b.seq + 1 == last.seq && last.prev == b.link(),
            None => last.seq == 1 && last.prev == NO_PREVIOUS,
        };
        if !linked {
            out.push(Finding::CheckpointLink { seq: last.seq });
        }
    }
    Ok(out)
}

/// Runs [`health`] and raises (or clears) the alarm accordingly. Returns the findings.
pub async fn check_and_alarm(state: &Services) -> Result<Vec<crate::verify::Finding>> {
    let findings = health(state).await?;
    let current = alarm(state).await?;
    if findings.is_empty() {
        if current.is_some() {
            state.store.set_setting(ALARM_SETTING, "").await?;
        }
    } else {
        for f in &findings {
            tracing::error!(finding = %f.message(), "record integrity alarm");
        }
        let a = RecordAlarm {
            at: state.clock.now(),
            findings: findings.iter().map(|f| f.message()).collect(),
        };
        let text = serde_json::to_string(&a).map_err(|e| Error::Internal(e.to_string()))?;
        state.store.set_setting(ALARM_SETTING, &text).await?;
        state.notify_change();
    }
    Ok(findings)
}

/// The alarm raised, if any.
pub async fn alarm(state: &Services) -> Result<Option<RecordAlarm>> {
    Ok(state
        .store
        .get_setting(ALARM_SETTING)
        .await?
        .filter(|t| !t.is_empty())
        .and_then(|t| serde_json::from_str(&t).ok()))
}

/// The hourly run: one server seals (a lease), then every server checks.
pub async fn hourly(state: &Services) -> Result<()> {
    let now = state.clock.now();
    let until = now + chrono::Duration::minutes(50);
    if state
        .store
        .try_lease("checkpoint", &state.instance, now, until)
        .await?
    {
        seal(state).await?;
    }
    check_and_alarm(state).await?;
    Ok(())
}
