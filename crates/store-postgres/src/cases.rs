//! Cases: the snapshot row, the append-only event log, counters, messages and published results.

use crate::params;
use crate::pipeline::Pipeline;
use crate::query::Query;
use crate::regions::region_code;
use crate::{corrupt, db, violated, PgStore};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::GenericClient;
use domain::case::{Case, CaseEvent, CaseState};
use store::codec::Body;
use store::vault::Vault;
use store::write_plan::{self, Followed, Plan, ScopeChange};
use store::{
    case_exists, check_new_events, check_side_effects, idempotency_key_taken, listing, stale_case,
    CaseFilter, CaseStore, CaseSummary, Message, PublishedResult, Result, SideEffects, StoreError,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::Row;

/// A foreign key to `cases` failed: the case does not exist.
pub(crate) fn missing_case(e: tokio_postgres::Error) -> StoreError {
    match violated(&e, &SqlState::FOREIGN_KEY_VIOLATION) {
        Some(_) => StoreError::NotFound("case"),
        None => db(e),
    }
}

/// A case was last updated when its last event happened (events are checked to be non-empty).
pub(crate) fn last_at(events: &[CaseEvent]) -> DateTime<Utc> {
    events.last().map_or_else(Utc::now, |e| e.at)
}

/// The events of a command in one statement: one round trip, however many.
pub(crate) async fn insert_events_into<C: GenericClient>(
    p: &mut Pipeline<'_, C>,
    vault: &Vault,
    events: &[CaseEvent],
) -> Result<()> {
    let numbers: Vec<String> = events.iter().map(|e| e.case_number.to_string()).collect();
    let seqs: Vec<i64> = events.iter().map(|e| i64::from(e.seq)).collect();
    let ats: Vec<DateTime<Utc>> = events.iter().map(|e| e.at).collect();
    let bodies: Vec<Vec<u8>> = events
        .iter()
        .map(|e| packed(vault, Body::Event, &store::stored::EventBody::from(e)))
        .collect::<Result<_>>()?;
    let hashes: Vec<Vec<u8>> = events
        .iter()
        .map(|e| store::stored::hash_bytes(&e.hash))
        .collect::<Result<_>>()?;
    p.add(
        "INSERT INTO case_events (case_number, seq, at, event_json, hash)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::bytea[],
                              $5::bytea[])",
        params![numbers, seqs, ats, bodies, hashes],
    )
    .await?;
    Ok(())
}

/// The idempotency keys a write of `events` to `case` takes (`store::key_rows`); a key the case
/// took before fails the transaction (`idempotency_key_taken`), so a retry racing its original
/// is never applied twice. No statement when no key (most writes).
pub(crate) async fn insert_keys_into<C: GenericClient>(
    p: &mut Pipeline<'_, C>,
    case: &Case,
    events: &[CaseEvent],
) -> Result<()> {
    let number = case.filing.number.to_string();
    for k in store::key_rows(case, events) {
        let sql = if k.carried {
            "INSERT INTO case_keys (case_number, key, request_hash, seq) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING"
        } else {
            "INSERT INTO case_keys (case_number, key, request_hash, seq) VALUES ($1, $2, $3, $4)"
        };
        let n = number.clone();
        p.add_or(
            sql,
            params![number.clone(), k.key, k.request_hash, i64::from(k.seq)],
            Box::new(move |e| {
                if violated(&e, &SqlState::UNIQUE_VIOLATION).is_some() {
                    idempotency_key_taken(&n)
                } else {
                    missing_case(e)
                }
            }),
        )
        .await?;
    }
    Ok(())
}

/// Shards per `case_counts` group: writers of one busy group spread over this many row locks.
const COUNT_SHARDS: u64 = 16;

/// The case's shard: stable, so the -1 and +1 of one move land on the same shard.
pub(crate) fn count_shard(case_number: &str) -> i16 {
    // FNV-1a: tiny and stable across builds (std's hasher is not guaranteed to be).
    let h = case_number.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (h % COUNT_SHARDS) as i16
}

/// The row changes of one or more write plans (`store::write_plan`), gathered so each table is
/// written in one statement: a live command adds one plan, an import one per case.
#[derive(Default)]
pub(crate) struct PlannedRows {
    counts: CountDeltas,
    receipts: ReceiptDeltas,
    scope_deletes: Vec<String>,
    /// (prefix, case, via, state, sort date)
    scope_inserts: Vec<(String, String, i64, &'static str, NaiveDate)>,
    /// (case, state, sort date)
    scope_updates: Vec<(String, &'static str, NaiveDate)>,
    /// (case, place, deciding place)
    deadline_moves: Vec<(String, String, String)>,
}

impl PlannedRows {
    pub(crate) fn add(&mut self, number: &str, p: Plan) {
        // A case's -1 and +1 land on its own shard, so one busy group spreads over 16 row locks.
        let shard = count_shard(number);
        for (k, n) in p.counts {
            let key = (
                k.place.to_string(),
                k.department,
                k.state.as_str().to_string(),
                shard,
            );
            *self.counts.entry(key).or_insert(0) += n;
        }
        for (k, n) in p.receipts {
            let key = (k.day, k.place.to_string(), k.department, shard);
            *self.receipts.entry(key).or_insert(0) += n;
        }
        match p.scopes {
            ScopeChange::Keep => {}
            ScopeChange::Update { state, sort_due } => {
                self.scope_updates
                    .push((number.to_string(), state.as_str(), sort_due));
            }
            ScopeChange::Replace {
                delete_old,
                rows,
                state,
                sort_due,
            } => {
                if delete_old {
                    self.scope_deletes.push(number.to_string());
                }
                for (prefix, via) in rows {
                    self.scope_inserts.push((
                        prefix,
                        number.to_string(),
                        via,
                        state.as_str(),
                        sort_due,
                    ));
                }
            }
        }
        if let Some((place, decide)) = p.deadline_places {
            self.deadline_moves
                .push((number.to_string(), place.to_string(), decide.to_string()));
        }
    }

    /// Adds the statements of the cases' own rows to `p`; returns the shared rows' changes, for
    /// the caller to add after its other per-case statements.
    pub(crate) async fn cases_into<C: GenericClient>(
        self,
        p: &mut Pipeline<'_, C>,
    ) -> Result<SharedRows> {
        if !self.scope_deletes.is_empty() {
            p.add(
                "DELETE FROM case_scopes WHERE case_number = ANY($1)",
                params![self.scope_deletes],
            )
            .await?;
        }
        if !self.scope_inserts.is_empty() {
            let mut cols = (vec![], vec![], vec![], vec![], vec![]);
            for (prefix, number, via, state, due) in self.scope_inserts {
                cols.0.push(prefix);
                cols.1.push(number);
                cols.2.push(via);
                cols.3.push(state);
                cols.4.push(due);
            }
            p.add(
                "INSERT INTO case_scopes (prefix, case_number, via, state, sort_due)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::date[])",
                params![cols.0, cols.1, cols.2, cols.3, cols.4],
            )
            .await?;
        }
        for (number, state, due) in self.scope_updates {
            p.add(
                "UPDATE case_scopes SET state = $2, sort_due = $3 WHERE case_number = $1",
                params![number, state, due],
            )
            .await?;
        }
        for (number, place, decide) in self.deadline_moves {
            p.add(
                "UPDATE case_deadlines SET place_region = $2, decide_region = $3
                 WHERE case_number = $1",
                params![number, place, decide],
            )
            .await?;
        }
        let mut shared = SharedRows {
            counts: self.counts,
            receipts: self.receipts,
            outcome_days: Default::default(),
        };
        // A batch's -1 and +1 of one row cancel out: no need to lock it.
        shared.counts.retain(|_, n| *n != 0);
        shared.receipts.retain(|_, n| *n != 0);
        Ok(shared)
    }
}

/// Changes to the rows every writer shares, written last and always in this order (case counts,
/// receipt days, outcome days), each in key order: two transactions cannot deadlock over them.
#[derive(Default)]
pub(crate) struct SharedRows {
    pub(crate) counts: CountDeltas,
    pub(crate) receipts: ReceiptDeltas,
    pub(crate) outcome_days: crate::supervision::OutcomeDays,
}

impl SharedRows {
    pub(crate) async fn into<C: GenericClient>(self, p: &mut Pipeline<'_, C>) -> Result<()> {
        add_counts_into(p, &self.counts).await?;
        add_receipts_into(p, &self.receipts).await?;
        crate::supervision::add_outcome_days_into(p, &self.outcome_days).await
    }
}

/// Changes to `receipt_days`: (received on, place, department, shard) → cases.
pub(crate) type ReceiptDeltas =
    std::collections::BTreeMap<(chrono::NaiveDate, String, String, i16), i64>;

/// Adds `receipt_days` changes in one statement, row by row in key order (see `add_counts_into`).
async fn add_receipts_into<C: GenericClient>(
    p: &mut Pipeline<'_, C>,
    deltas: &ReceiptDeltas,
) -> Result<()> {
    if deltas.is_empty() {
        return Ok(());
    }
    let mut days: Vec<chrono::NaiveDate> = vec![];
    let mut places: Vec<String> = vec![];
    let mut departments: Vec<String> = vec![];
    let mut shards: Vec<i16> = vec![];
    let mut ns: Vec<i64> = vec![];
    for ((day, place, department, shard), n) in deltas {
        days.push(*day);
        places.push(place.clone());
        departments.push(department.clone());
        shards.push(*shard);
        ns.push(*n);
    }
    p.add(
        "INSERT INTO receipt_days (received_on, place_region, department, shard, n)
         SELECT d, p, dept, h, n
         FROM unnest($1::date[], $2::text[], $3::text[], $4::smallint[], $5::bigint[])
              WITH ORDINALITY AS r(d, p, dept, h, n, i)
         ORDER BY i
         ON CONFLICT (received_on, place_region, department, shard)
         DO UPDATE SET n = receipt_days.n + EXCLUDED.n",
        params![days, places, departments, shards, ns],
    )
    .await?;
    Ok(())
}

/// A batch's changes to `case_counts`: (place, department, state, shard) → cases.
pub(crate) type CountDeltas = std::collections::BTreeMap<(String, String, String, i16), i64>;

/// Adds a batch's case counts in one statement, row by row in key order (see `count_case`).
async fn add_counts_into<C: GenericClient>(
    p: &mut Pipeline<'_, C>,
    deltas: &CountDeltas,
) -> Result<()> {
    if deltas.is_empty() {
        return Ok(());
    }
    let mut places: Vec<String> = vec![];
    let mut departments: Vec<String> = vec![];
    let mut states: Vec<String> = vec![];
    let mut shards: Vec<i16> = vec![];
    let mut ns: Vec<i64> = vec![];
    for ((place, department, state, shard), n) in deltas {
        places.push(place.clone());
        departments.push(department.clone());
        states.push(state.clone());
        shards.push(*shard);
        ns.push(*n);
    }
    // ORDER BY the arrays' order: rows are locked as they are inserted, so in key order.
    p.add(
        "INSERT INTO case_counts (place_region, department, state, shard, n)
         SELECT p, d, s, h, n
         FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::bigint[])
              WITH ORDINALITY AS r(p, d, s, h, n, i)
         ORDER BY i
         ON CONFLICT (place_region, department, state, shard)
         DO UPDATE SET n = case_counts.n + EXCLUDED.n",
        params![places, departments, states, shards, ns],
    )
    .await?;
    Ok(())
}

/// The body of `commit_transition` (checked by the caller), in the caller's transaction; returns
/// how many warnings were newly raised. An existing case costs two round trips besides BEGIN and
/// COMMIT (issue 18, part 5): the row lock with the reads the write is compared with, then every
/// write at once (`pipeline`).
async fn transition_c(
    tx: &impl GenericClient,
    vault: &Vault,
    case: &Case,
    expected_version: u32,
    events: &[CaseEvent],
    effects: &SideEffects,
) -> Result<u64> {
    if expected_version > 0 {
        return append_c(tx, vault, case, expected_version, events, effects).await;
    }
    create_c(tx, vault, case, events).await?;
    let reads = Reads::prepare(tx, effects).await?;
    let stored = reads.run(tx, case.filing.number.as_str()).await?;
    let mut p = Pipeline::new(tx);
    let mut shared = SharedRows::default();
    let written = effects_into(&mut p, &mut shared, case, effects, &stored).await?;
    shared.into(&mut p).await?;
    written.raised(&p.run().await?)
}

/// What a command's side effects are compared with, read under the case's row lock: its stored
/// deadline rows and open warnings, and its outcome (taken away, to be replaced).
#[derive(Default)]
struct Stored {
    deadlines: Vec<domain::supervision::DeadlineRow>,
    warnings: Vec<(String, String)>,
    outcome: Option<store::OutcomeRecord>,
}

/// The statements of [`Stored`] a command needs, prepared (so they go out in order when run).
struct Reads {
    deadlines: Option<tokio_postgres::Statement>,
    warnings: Option<tokio_postgres::Statement>,
    outcome: Option<tokio_postgres::Statement>,
}

impl Reads {
    async fn prepare(tx: &impl GenericClient, effects: &SideEffects) -> Result<Reads> {
        use crate::supervision::{take_outcome_sql, READ_DEADLINES, READ_OPEN_WARNINGS};
        let supervised = effects.supervision.is_some();
        Ok(Reads {
            deadlines: match supervised {
                true => Some(tx.prepare_cached(READ_DEADLINES).await.map_err(db)?),
                false => None,
            },
            warnings: match supervised {
                true => Some(tx.prepare_cached(READ_OPEN_WARNINGS).await.map_err(db)?),
                false => None,
            },
            outcome: match effects.outcome.is_some() {
                true => Some(tx.prepare_cached(&take_outcome_sql()).await.map_err(db)?),
                false => None,
            },
        })
    }

    /// Sends the reads together (after whatever the caller sent first) and waits for them.
    async fn run(&self, tx: &impl GenericClient, number: &str) -> Result<Stored> {
        let rows = |stmt: &Option<tokio_postgres::Statement>| {
            let stmt = stmt.clone();
            async move {
                match stmt {
                    Some(s) => tx.query(&s, &[&number]).await.map_err(db),
                    None => Ok(vec![]),
                }
            }
        };
        let (deadlines, warnings, outcome) = tokio::try_join!(
            rows(&self.deadlines),
            rows(&self.warnings),
            rows(&self.outcome)
        )?;
        Ok(Stored {
            deadlines: crate::supervision::deadline_rows_of(number, &deadlines),
            warnings: warnings.iter().map(|r| (r.get(0), r.get(1))).collect(),
            outcome: outcome
                .first()
                .map(crate::supervision::outcome_from_row)
                .transpose()?,
        })
    }
}

/// Where, among a pipeline's counts, the side effects' checks are.
struct Written {
    deadline_insert: Option<usize>,
    raises: Vec<usize>,
}

impl Written {
    /// How many warnings were newly raised; a deadline insert that found no case is `NotFound`.
    fn raised(&self, counts: &[u64]) -> Result<u64> {
        if self.deadline_insert.is_some_and(|i| counts[i] == 0) {
            return Err(StoreError::NotFound("case"));
        }
        Ok(self.raises.iter().filter(|&&i| counts[i] > 0).count() as u64)
    }
}

/// Adds a command's side effects (messages, outcome, published result, deadline rows, warnings)
/// to `p`; the outcome's figures go to `shared`.
async fn effects_into<C: GenericClient>(
    p: &mut Pipeline<'_, C>,
    shared: &mut SharedRows,
    case: &Case,
    effects: &SideEffects,
    stored: &Stored,
) -> Result<Written> {
    for m in &effects.messages {
        add_message_into(p, m).await?;
    }
    if let Some(o) = &effects.outcome {
        crate::supervision::outcome_into(p, &mut shared.outcome_days, stored.outcome.as_ref(), o)
            .await?;
    }
    if let Some(r) = &effects.result {
        publish_result_into(p, r).await?;
    }
    crate::fees::fees_into(p, &effects.fees.iter().collect::<Vec<_>>()).await?;
    crate::violations::violations_into(p, &effects.violations.iter().collect::<Vec<_>>()).await?;
    let mut written = Written {
        deadline_insert: None,
        raises: vec![],
    };
    if let Some(sv) = &effects.supervision {
        let number = case.filing.number.as_str();
        written.deadline_insert =
            crate::supervision::deadline_rows_into(p, number, &stored.deadlines, &sv.rows).await?;
        written.raises =
            crate::supervision::open_warnings_into(p, number, &stored.warnings, &sv.open, sv.at)
                .await?;
    }
    Ok(written)
}

/// A snapshot or event body as stored (`store::vault`: compressed, then encrypted).
pub(crate) fn packed<T: serde::Serialize>(vault: &Vault, body: Body, v: &T) -> Result<Vec<u8>> {
    vault.to_stored(body, v).map_err(StoreError::Backend)
}

/// Reads a stored body: sealed, or as written before sealing.
pub(crate) fn unpacked<T: serde::de::DeserializeOwned>(
    vault: &Vault,
    body: Body,
    row: &Row,
    col: &str,
) -> Result<T> {
    let bytes: &[u8] = row.try_get(col).map_err(db)?;
    vault
        .from_stored(body, bytes)
        .map_err(|e| StoreError::Backend(format!("{col}: {e}")))
}

/// The event as stored: its body (`store::stored`) with the case number, sequence and hash from
/// their columns; its link is filled in from the event before it (`store::stored::relink`).
fn event_from_row(vault: &Vault, row: &Row) -> Result<CaseEvent> {
    let body: store::stored::StoredEvent = unpacked(vault, Body::Event, row, "event_json")?;
    let seq: i64 = row.get("seq");
    let seq = u32::try_from(seq).map_err(|_| corrupt("event seq", seq))?;
    let hash: &[u8] = row.try_get("hash").map_err(db)?;
    Ok(body.into_event(row.get("case_number"), seq, hash))
}

fn case_from_row(vault: &Vault, row: &Row) -> Result<Case> {
    unpacked(vault, Body::Case, row, "case_json")
}

pub(crate) const SUMMARY_COLUMNS: &str =
    "number, item_code, item_name, department, applicant_name, state, \
     place_region, decide_region, applicant_region, applicant_user_id, agent_user_id, due, \
     created_at, updated_at, version";

pub(crate) fn summary_from_row(row: &Row) -> Result<CaseSummary> {
    let state: String = row.get("state");
    let version: i64 = row.get("version");
    Ok(CaseSummary {
        number: row.get("number"),
        item_code: row.get("item_code"),
        item_name: row.get("item_name"),
        department: row.get("department"),
        applicant_name: row.get("applicant_name"),
        state: CaseState::parse(&state).ok_or_else(|| corrupt("case state", state))?,
        place: region_code(row.get("place_region"))?,
        decide_place: region_code(row.get("decide_region"))?,
        applicant_region: region_code(row.get("applicant_region"))?,
        applicant_user_id: row.get("applicant_user_id"),
        agent_user_id: row.get("agent_user_id"),
        due: row.get("due"),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
        version: u32::try_from(version).map_err(|_| corrupt("case version", version))?,
    })
}

fn message_from_row(row: &Row) -> Message {
    Message {
        id: row.get("id"),
        user_id: row.get("user_id"),
        case_number: row.get("case_number"),
        text: row.get("text"),
        created_at: row.get("created_at"),
    }
}

fn result_from_row(row: &Row) -> Result<PublishedResult> {
    Ok(PublishedResult {
        case_number: row.get("case_number"),
        item_name: row.get("item_name"),
        applicant_masked: row.get("applicant_masked"),
        decided_on: row.get("decided_on"),
        licence_no: row.get("licence_no"),
        place: region_code(row.get("place_region"))?,
    })
}

impl PgStore {
    async fn one_case(
        &self,
        condition: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Option<Case>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!("SELECT case_json FROM cases WHERE {condition}"))
            .await
            .map_err(db)?;
        conn.query_opt(&stmt, params)
            .await
            .map_err(db)?
            .as_ref()
            .map(|r| case_from_row(self.vault(), r))
            .transpose()
    }

    async fn messages_where(
        &self,
        condition: &str,
        key: &(dyn tokio_postgres::types::ToSql + Sync),
    ) -> Result<Vec<Message>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!(
                "SELECT id, user_id, case_number, text, created_at FROM messages
                 WHERE {condition} ORDER BY created_at DESC, id DESC"
            ))
            .await
            .map_err(db)?;
        Ok(conn
            .query(&stmt, &[key])
            .await
            .map_err(db)?
            .iter()
            .map(message_from_row)
            .collect())
    }
}

/// Appends events and rewrites the snapshot under the case's row lock, checking the expected
/// version and the hash link, with the command's side effects: the body of `append_events` and
/// `commit_transition`. Returns how many warnings were newly raised.
async fn append_c(
    tx: &impl GenericClient,
    vault: &Vault,
    case: &Case,
    expected_version: u32,
    events: &[CaseEvent],
    effects: &SideEffects,
) -> Result<u64> {
    let s = CaseSummary::of(case, last_at(events));
    // The row lock holds off concurrent appenders until commit; they then see the new version.
    // The reads go out right after it, so they run under it.
    let lock = tx
        .prepare_cached(
            "SELECT c.version, e.hash, c.place_region, c.department, c.state, c.decide_region,
                    c.applicant_region, c.due, c.received_on
             FROM cases c
             LEFT JOIN case_events e ON e.case_number = c.number AND e.seq = c.version
             WHERE c.number = $1 FOR UPDATE OF c",
        )
        .await
        .map_err(db)?;
    let reads = Reads::prepare(tx, effects).await?;
    let (row, stored) = tokio::try_join!(
        async { tx.query_opt(&lock, &[&s.number]).await.map_err(db) },
        reads.run(tx, &s.number)
    )?;
    let row = row.ok_or(StoreError::NotFound("case"))?;
    let version: i64 = row.get(0);
    if version != i64::from(expected_version) {
        return Err(stale_case(&s.number, expected_version, version as u32));
    }
    let last: Option<Vec<u8>> = row.get(1);
    if last != Some(store::stored::hash_bytes(&events[0].prev_hash)?) {
        return Err(StoreError::Backend(format!(
            "case {}: new events do not link to stored event {expected_version}",
            s.number
        )));
    }
    let state: String = row.get(4);
    let before = Followed {
        place: region_code(row.get(2))?,
        department: row.get(3),
        state: CaseState::parse(&state).ok_or_else(|| corrupt("case state", &state))?,
        decide_place: region_code(row.get(5))?,
        applicant_region: region_code(row.get(6))?,
        due: row.get(7),
        received_on: row.get(8),
    };
    let mut p = Pipeline::new(tx);
    p.add(
        "UPDATE cases SET state = $2, item_name = $3, department = $4, applicant_name = $5,
            place_region = $6, decide_region = $7, applicant_region = $8,
            applicant_user_id = $9, agent_user_id = $10, due = $11, updated_at = $12,
            version = $13, case_json = $14, received_on = $15
         WHERE number = $1",
        params![
            s.number.clone(),
            s.state.as_str(),
            s.item_name.clone(),
            s.department.clone(),
            s.applicant_name.clone(),
            s.place.as_str().to_string(),
            s.decide_place.as_str().to_string(),
            s.applicant_region.as_str().to_string(),
            s.applicant_user_id,
            s.agent_user_id,
            s.due,
            s.updated_at,
            i64::from(s.version),
            packed(vault, Body::Case, case)?,
            case.received_on
        ],
    )
    .await?;
    let mut planned = PlannedRows::default();
    planned.add(
        &s.number,
        write_plan::plan(Some(&before), &Followed::of(&s, case.received_on)),
    );
    let mut shared = planned.cases_into(&mut p).await?;
    insert_events_into(&mut p, vault, events).await?;
    insert_keys_into(&mut p, case, events).await?;
    let written = effects_into(&mut p, &mut shared, case, effects, &stored).await?;
    shared.into(&mut p).await?;
    written.raised(&p.run().await?)
}

const INSERT_MESSAGE: &str = "INSERT INTO messages (user_id, case_number, text, created_at)
     VALUES ($1, $2, $3, $4) RETURNING id";

async fn add_message_c(client: &impl GenericClient, message: &Message) -> Result<i64> {
    let stmt = client.prepare_cached(INSERT_MESSAGE).await.map_err(db)?;
    Ok(client
        .query_one(
            &stmt,
            &[
                &message.user_id,
                &message.case_number,
                &message.text,
                &message.created_at,
            ],
        )
        .await
        .map_err(missing_case)?
        .get(0))
}

async fn add_message_into<C: GenericClient>(
    p: &mut Pipeline<'_, C>,
    message: &Message,
) -> Result<usize> {
    p.add_or(
        INSERT_MESSAGE,
        params![
            message.user_id,
            message.case_number.clone(),
            message.text.clone(),
            message.created_at
        ],
        Box::new(missing_case),
    )
    .await
}

async fn publish_result_c(client: &impl GenericClient, result: &PublishedResult) -> Result<()> {
    let mut p = Pipeline::new(client);
    publish_result_into(&mut p, result).await?;
    p.run().await.map(drop)
}

async fn publish_result_into<C: GenericClient>(
    p: &mut Pipeline<'_, C>,
    result: &PublishedResult,
) -> Result<usize> {
    p.add_or(
        "INSERT INTO results (case_number, item_name, applicant_masked, decided_on,
                              licence_no, place_region, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (case_number) DO UPDATE SET
           item_name = EXCLUDED.item_name, applicant_masked = EXCLUDED.applicant_masked,
           decided_on = EXCLUDED.decided_on, licence_no = EXCLUDED.licence_no,
           place_region = EXCLUDED.place_region, published_at = EXCLUDED.published_at",
        params![
            result.case_number.clone(),
            result.item_name.clone(),
            result.applicant_masked.clone(),
            result.decided_on,
            result.licence_no.clone(),
            result.place.as_str().to_string(),
            Utc::now()
        ],
        Box::new(missing_case),
    )
    .await
}

/// Inserts a new case with its first events and its count: the body of `create_case`, shared
/// with `commit_transition` (expected version 0).
async fn create_c(
    tx: &impl GenericClient,
    vault: &Vault,
    case: &Case,
    events: &[CaseEvent],
) -> Result<()> {
    let s = CaseSummary::of(case, last_at(events));
    // The number's claim ends with the case (store::record::RecordStore::claim_case_number).
    tx.execute("DELETE FROM number_claims WHERE number = $1", &[&s.number])
        .await
        .map_err(db)?;
    insert_cases(tx, vault, &[(case, &s)]).await?;
    let mut planned = PlannedRows::default();
    planned.add(
        &s.number,
        write_plan::plan(None, &Followed::of(&s, case.received_on)),
    );
    let mut p = Pipeline::new(tx);
    let shared = planned.cases_into(&mut p).await?;
    insert_events_into(&mut p, vault, events).await?;
    insert_keys_into(&mut p, case, events).await?;
    shared.into(&mut p).await?;
    p.run().await.map(drop)
}

/// New case rows, one statement for any number; a number (or query code) already taken, in the
/// database or earlier in `cases`, refuses them all with that case's `case_exists`.
pub(crate) async fn insert_cases(
    tx: &impl GenericClient,
    vault: &Vault,
    cases: &[(&Case, &CaseSummary)],
) -> Result<()> {
    let numbers: Vec<&str> = cases.iter().map(|(_, s)| s.number.as_str()).collect();
    let codes: Vec<&str> = cases
        .iter()
        .map(|(c, _)| c.filing.query_code.as_str())
        .collect();
    let states: Vec<&str> = cases.iter().map(|(_, s)| s.state.as_str()).collect();
    let item_codes: Vec<&str> = cases.iter().map(|(_, s)| s.item_code.as_str()).collect();
    let item_names: Vec<&str> = cases.iter().map(|(_, s)| s.item_name.as_str()).collect();
    let departments: Vec<&str> = cases.iter().map(|(_, s)| s.department.as_str()).collect();
    let applicants: Vec<&str> = cases
        .iter()
        .map(|(_, s)| s.applicant_name.as_str())
        .collect();
    let places: Vec<&str> = cases.iter().map(|(_, s)| s.place.as_str()).collect();
    let decides: Vec<&str> = cases.iter().map(|(_, s)| s.decide_place.as_str()).collect();
    let regions: Vec<&str> = cases
        .iter()
        .map(|(_, s)| s.applicant_region.as_str())
        .collect();
    let applicant_ids: Vec<Option<i64>> = cases.iter().map(|(_, s)| s.applicant_user_id).collect();
    let agent_ids: Vec<Option<i64>> = cases.iter().map(|(_, s)| s.agent_user_id).collect();
    let dues: Vec<Option<chrono::NaiveDate>> = cases.iter().map(|(_, s)| s.due).collect();
    let created: Vec<DateTime<Utc>> = cases.iter().map(|(_, s)| s.created_at).collect();
    let updated: Vec<DateTime<Utc>> = cases.iter().map(|(_, s)| s.updated_at).collect();
    let versions: Vec<i64> = cases.iter().map(|(_, s)| i64::from(s.version)).collect();
    let bodies: Vec<Vec<u8>> = cases
        .iter()
        .map(|(c, _)| packed(vault, Body::Case, *c))
        .collect::<Result<_>>()?;
    let received: Vec<Option<chrono::NaiveDate>> =
        cases.iter().map(|(c, _)| c.received_on).collect();
    let stmt = tx
        .prepare_cached(
            "INSERT INTO cases (number, query_code, state, item_code, item_name, department,
                applicant_name, place_region, decide_region, applicant_region,
                applicant_user_id, agent_user_id, due, created_at, updated_at, version, case_json,
                received_on)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[],
                $12::bigint[], $13::date[], $14::timestamptz[], $15::timestamptz[],
                $16::bigint[], $17::bytea[], $18::date[])
             ON CONFLICT DO NOTHING
             RETURNING number",
        )
        .await
        .map_err(db)?;
    let stored = tx
        .query(
            &stmt,
            &[
                &numbers,
                &codes,
                &states,
                &item_codes,
                &item_names,
                &departments,
                &applicants,
                &places,
                &decides,
                &regions,
                &applicant_ids,
                &agent_ids,
                &dues,
                &created,
                &updated,
                &versions,
                &bodies,
                &received,
            ],
        )
        .await
        .map_err(db)?;
    if stored.len() == numbers.len() {
        let keys: Vec<String> = cases
            .iter()
            .map(|(c, _)| vault.id_key(&c.filing.applicant.id_number))
            .collect();
        let stmt = tx
            .prepare_cached(
                "INSERT INTO applicant_index (id_key, case_number)
                 SELECT * FROM unnest($1::text[], $2::text[])",
            )
            .await
            .map_err(db)?;
        tx.execute(&stmt, &[&keys, &numbers]).await.map_err(db)?;
        return Ok(());
    }
    // Some row was not inserted: the first number not stored by this statement, or stored
    // twice in the batch, is the one taken.
    let inserted: std::collections::HashSet<String> = stored.iter().map(|r| r.get(0)).collect();
    let mut seen = std::collections::HashSet::new();
    let taken = numbers
        .iter()
        .find(|n| !inserted.contains(**n) || !seen.insert(**n))
        .unwrap_or(&numbers[0]);
    Err(case_exists(taken))
}

/// The `case_scopes` rows (store::listing) of new cases, or of a case whose places changed, in
/// one statement.
/// A scoped list: the ordered `case_scopes` range of each stream, merged (store::listing); each
/// round of reads the merge asks for is one statement.
async fn list_merged(
    client: &impl GenericClient,
    f: &CaseFilter,
    streams: &[listing::Stream],
) -> Result<Vec<CaseSummary>> {
    let cols: Vec<String> = SUMMARY_COLUMNS
        .split(',')
        .map(|x| format!("c.{}", x.trim()))
        .collect();
    let mut merge = listing::Merge::new(streams.len(), f.after.clone(), f.limit);
    loop {
        let wants = merge.wants();
        if wants.is_empty() {
            return Ok(merge.finish());
        }
        let mut q = Query::new("");
        let idx = q.bind(wants.iter().map(|w| w.index as i64).collect::<Vec<i64>>());
        let prefix = q.bind(
            wants
                .iter()
                .map(|w| streams[w.index].prefix.clone())
                .collect::<Vec<String>>(),
        );
        let state = q.bind(
            wants
                .iter()
                .map(|w| streams[w.index].state.as_str().to_string())
                .collect::<Vec<String>>(),
        );
        let via = q.bind(
            wants
                .iter()
                .map(|w| streams[w.index].via)
                .collect::<Vec<i64>>(),
        );
        let due = q.bind(
            wants
                .iter()
                .map(|w| w.after.due)
                .collect::<Vec<chrono::NaiveDate>>(),
        );
        let number = q.bind(
            wants
                .iter()
                .map(|w| w.after.number.clone())
                .collect::<Vec<String>>(),
        );
        let lim = q.bind(
            wants
                .iter()
                .map(|w| i64::from(w.limit))
                .collect::<Vec<i64>>(),
        );
        q.push(&format!(
            "SELECT w.i, x.* FROM unnest({idx}::bigint[], {prefix}::text[], {state}::text[],
                    {via}::bigint[], {due}::date[], {number}::text[], {lim}::bigint[])
                 AS w(i, prefix, state, via, after_due, after_number, lim)
             CROSS JOIN LATERAL (
                 SELECT {}, s.sort_due AS sort_key_due FROM case_scopes s
                 JOIN cases c ON c.number = s.case_number
                 WHERE s.prefix = w.prefix AND s.state = w.state AND (s.via & w.via) <> 0
                   AND (s.sort_due, s.case_number) > (w.after_due, w.after_number COLLATE \"C\")",
            cols.join(", ")
        ));
        if let Some(id) = f.applicant_user_id {
            let p = q.bind(id);
            q.push(&format!(" AND c.applicant_user_id = {p}"));
        }
        if let Some(id) = f.agent_user_id {
            let p = q.bind(id);
            q.push(&format!(" AND c.agent_user_id = {p}"));
        }
        if let Some(d) = &f.department {
            let p = q.bind(d.clone());
            q.push(&format!(" AND c.department = {p}"));
        }
        if let Some(t) = &f.text {
            let p = q.bind(store::listing::contains_pattern(t));
            q.push(&format!(
                " AND (c.number LIKE {p} ESCAPE '\\' OR c.applicant_name LIKE {p} ESCAPE '\\'
                   OR c.item_name LIKE {p} ESCAPE '\\')"
            ));
        }
        if let (Some(_), Some(a)) = (&f.place_scope, &f.applicant_scope) {
            q.push(" AND ");
            q.scope("c.applicant_region", a);
        }
        q.push(
            " ORDER BY s.sort_due, s.case_number LIMIT w.lim) x
             ORDER BY w.i, x.sort_key_due, x.number",
        );
        let rows = q.run(client).await?;
        let mut by_stream: Vec<Vec<CaseSummary>> = vec![vec![]; streams.len()];
        for r in &rows {
            let i: i64 = r.get(0);
            by_stream[i as usize].push(summary_from_row(r)?);
        }
        for w in wants {
            let rows = std::mem::take(&mut by_stream[w.index]);
            merge.feed(&w, rows);
        }
    }
}

#[async_trait]
impl CaseStore for PgStore {
    async fn next_counter(&self, name: &str, scope: &str) -> Result<i64> {
        let conn = self.conn().await?;
        // One statement: the row lock taken by the upsert orders concurrent callers.
        let stmt = conn
            .prepare_cached(
                "INSERT INTO counters (name, scope, value) VALUES ($1, $2, 1)
                 ON CONFLICT (name, scope) DO UPDATE SET value = counters.value + 1
                 RETURNING value",
            )
            .await
            .map_err(db)?;
        Ok(conn
            .query_one(&stmt, &[&name, &scope])
            .await
            .map_err(db)?
            .get(0))
    }

    async fn list_violations(
        &self,
        q: &store::ViolationQuery,
    ) -> Result<Vec<store::ViolationRecord>> {
        self.list_violations_(q).await
    }

    async fn item_filing_counts(&self, limit: u32) -> Result<Vec<(String, i64)>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT item_code, COUNT(*) AS n FROM cases GROUP BY item_code
                 ORDER BY n DESC, item_code LIMIT $1",
                &[&i64::from(limit)],
            )
            .await
            .map_err(db)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn counter_value(&self, name: &str, scope: &str) -> Result<i64> {
        self.counter_value_(name, scope).await
    }

    async fn fee_entries(
        &self,
        center: &domain::region::RegionCode,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<store::FeeEntry>> {
        self.fee_entries_(center, from, until).await
    }

    async fn void_receipt(&self, void: &store::VoidReceipt) -> Result<()> {
        self.void_receipt_(void).await
    }

    async fn void_receipts(
        &self,
        center: &domain::region::RegionCode,
        prefix: &str,
    ) -> Result<Vec<store::VoidReceipt>> {
        self.void_receipts_(center, prefix).await
    }

    async fn create_case(&self, case: &Case, events: &[CaseEvent]) -> Result<()> {
        check_new_events(case, 0, events)?;
        let mut conn = self.conn().await?;
        // An error returns before commit; dropping the transaction rolls it back.
        let tx = conn.transaction().await.map_err(db)?;
        create_c(&tx, self.vault(), case, events).await?;
        tx.commit().await.map_err(db)
    }

    async fn append_events(
        &self,
        case: &Case,
        expected_version: u32,
        events: &[CaseEvent],
    ) -> Result<()> {
        check_new_events(case, expected_version, events)?;
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        append_c(
            &tx,
            self.vault(),
            case,
            expected_version,
            events,
            &SideEffects::default(),
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn commit_transition(
        &self,
        case: &Case,
        expected_version: u32,
        events: &[CaseEvent],
        effects: &SideEffects,
    ) -> Result<u64> {
        check_new_events(case, expected_version, events)?;
        check_side_effects(&case.filing.number, effects)?;
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        let raised =
            transition_c(&tx, self.vault(), case, expected_version, events, effects).await?;
        tx.commit().await.map_err(db)?;
        Ok(raised)
    }

    async fn import_cases(&self, cases: &[store::ImportedCase]) -> Result<()> {
        self.import_batch(cases).await
    }

    async fn get_case(&self, number: &str) -> Result<Option<Case>> {
        self.one_case("number = $1", &[&number]).await
    }

    async fn idempotency_key(
        &self,
        number: &str,
        key: &str,
    ) -> Result<Option<domain::case::IdempotencyKey>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT key, request_hash FROM case_keys WHERE case_number = $1 AND key = $2",
            )
            .await
            .map_err(db)?;
        Ok(conn
            .query_opt(&stmt, &[&number, &key])
            .await
            .map_err(db)?
            .map(|r| domain::case::IdempotencyKey {
                key: r.get(0),
                request_hash: r.get(1),
            }))
    }

    async fn cases_by_id_number(&self, id_number: &str, limit: u32) -> Result<Vec<CaseSummary>> {
        let key = self.vault().id_key(id_number);
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!(
                "SELECT {SUMMARY_COLUMNS} FROM applicant_index i
                 JOIN cases ON cases.number = i.case_number
                 WHERE i.id_key = $1
                 ORDER BY created_at DESC, number DESC LIMIT $2"
            ))
            .await
            .map_err(db)?;
        conn.query(&stmt, &[&key, &i64::from(limit)])
            .await
            .map_err(db)?
            .iter()
            .map(summary_from_row)
            .collect()
    }

    async fn find_case_by_query_code(
        &self,
        number: &str,
        query_code: &str,
    ) -> Result<Option<Case>> {
        self.one_case("number = $1 AND query_code = $2", &[&number, &query_code])
            .await
    }

    async fn case_events(&self, number: &str) -> Result<Vec<CaseEvent>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT event_json, seq, hash, case_number FROM case_events
                 WHERE case_number = $1 ORDER BY seq",
            )
            .await
            .map_err(db)?;
        let mut events = conn
            .query(&stmt, &[&number])
            .await
            .map_err(db)?
            .iter()
            .map(|r| event_from_row(self.vault(), r))
            .collect::<Result<Vec<_>>>()?;
        store::stored::relink(&mut events);
        Ok(events)
    }

    async fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<CaseSummary>> {
        if let Some(streams) = listing::streams(filter) {
            let conn = self.conn().await?;
            return list_merged(&conn, filter, &streams).await;
        }
        // Without a region scope (by account, or by state alone): small sets, or every case.
        let mut q = Query::new(&format!("SELECT {SUMMARY_COLUMNS} FROM cases WHERE "));
        if let Some(a) = &filter.after {
            let last = q.bind(listing::sort_last());
            let due = q.bind(a.due);
            let number = q.bind(a.number.clone());
            q.push(&format!(
                "(COALESCE(due, {last}), number) > ({due}, {number}) AND "
            ));
        }
        if !filter.states.is_empty() {
            let states: Vec<String> = filter
                .states
                .iter()
                .map(|s| s.as_str().to_string())
                .collect();
            let p = q.bind(states);
            q.push(&format!("state = ANY({p}) AND "));
        }
        if let Some(id) = filter.applicant_user_id {
            let p = q.bind(id);
            q.push(&format!("applicant_user_id = {p} AND "));
        }
        if let Some(id) = filter.agent_user_id {
            let p = q.bind(id);
            q.push(&format!("agent_user_id = {p} AND "));
        }
        if let Some(d) = &filter.department {
            let p = q.bind(d.clone());
            q.push(&format!("department = {p} AND "));
        }
        if let Some(t) = &filter.text {
            let p = q.bind(store::listing::contains_pattern(t));
            q.push(&format!(
                "(number LIKE {p} ESCAPE '\\' OR applicant_name LIKE {p} ESCAPE '\\'
                  OR item_name LIKE {p} ESCAPE '\\') AND "
            ));
        }
        // LIMIT NULL is no limit.
        let limit = q.bind(filter.limit.map(i64::from));
        q.push(&format!(
            "TRUE ORDER BY due ASC NULLS LAST, number LIMIT {limit}"
        ));
        let conn = self.conn().await?;
        q.run(&conn).await?.iter().map(summary_from_row).collect()
    }

    async fn case_numbers(&self, after: Option<&str>, limit: u32) -> Result<Vec<String>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("SELECT number FROM cases WHERE number > $1 ORDER BY number LIMIT $2")
            .await
            .map_err(db)?;
        Ok(conn
            // "" sorts before every number, so no `after` starts at the beginning.
            .query(&stmt, &[&after.unwrap_or(""), &i64::from(limit)])
            .await
            .map_err(db)?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    async fn add_message(&self, message: &Message) -> Result<i64> {
        let conn = self.conn().await?;
        add_message_c(&conn, message).await
    }

    async fn messages_for_user(&self, user_id: i64) -> Result<Vec<Message>> {
        self.messages_where("user_id = $1", &user_id).await
    }

    async fn messages_for_case(&self, number: &str) -> Result<Vec<Message>> {
        self.messages_where("case_number = $1", &number).await
    }

    async fn publish_result(&self, result: &PublishedResult) -> Result<()> {
        let conn = self.conn().await?;
        publish_result_c(&conn, result).await
    }

    async fn list_results(&self, q: &store::ResultQuery) -> Result<Vec<PublishedResult>> {
        let text = q.text.trim().to_string();
        let pattern = q.like_pattern();
        let (after_day, after_no) = match &q.after {
            Some((d, n)) => (Some(*d), n.clone()),
            None => (None, String::new()),
        };
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT case_number, item_name, applicant_masked, decided_on, licence_no, place_region
                 FROM results
                 WHERE ($1 = '' OR item_name LIKE $2 ESCAPE '\\' OR licence_no LIKE $2 ESCAPE '\\'
                        OR case_number LIKE $2 ESCAPE '\\')
                   AND ($3::date IS NULL OR decided_on < $3 OR (decided_on = $3 AND case_number < $4))
                 ORDER BY decided_on DESC, case_number DESC LIMIT $5",
            )
            .await
            .map_err(db)?;
        conn.query(
            &stmt,
            &[&text, &pattern, &after_day, &after_no, &i64::from(q.limit)],
        )
        .await
        .map_err(db)?
        .iter()
        .map(result_from_row)
        .collect()
    }

    async fn period_figures(
        &self,
        from: chrono::NaiveDate,
        until: chrono::NaiveDate,
    ) -> Result<Vec<store::PeriodFigure>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT place_region, department, SUM(r)::bigint, SUM(d)::bigint, SUM(t)::bigint
                 FROM (
                    SELECT place_region, department, n AS r, 0 AS d, 0 AS t FROM receipt_days
                    WHERE received_on >= $1 AND received_on < $2
                    UNION ALL
                    SELECT place_region, department, 0, cases, on_time FROM outcome_days
                    WHERE completed_on >= $1 AND completed_on < $2
                 ) x GROUP BY place_region, department
                 HAVING SUM(r) <> 0 OR SUM(d) <> 0
                 ORDER BY place_region, department",
            )
            .await
            .map_err(db)?;
        conn.query(&stmt, &[&from, &until])
            .await
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(store::PeriodFigure {
                    place: region_code(r.get(0))?,
                    department: r.get(1),
                    received: r.get::<_, i64>(2) as u32,
                    completed: r.get::<_, i64>(3) as u32,
                    on_time: r.get::<_, i64>(4) as u32,
                })
            })
            .collect()
    }
}
