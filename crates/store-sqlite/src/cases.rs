//! Cases: the snapshot row, the append-only event log, counters, messages and published results.
//!
//! JSON is encoded before a job is queued and decoded on the reader side, so the writer thread
//! does only database work (notes/sqlite-write-path.md).

use crate::supervision::{set_open_warnings_tx, set_rows_tx};
use crate::{
    backend, conversion, day_text, is_unique_violation, missing_ref, parse_code, parse_day,
    parse_ts, scope_condition, ts, Db, SqliteStore,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::case::{Case, CaseEvent, CaseState};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, Transaction};
use store::codec::Body;
use store::vault::Vault;
use store::write_plan::{self, Followed, Plan, ScopeChange};
use store::{
    case_exists, check_new_events, check_side_effects, idempotency_key_taken, listing, stale_case,
    CaseFilter, CaseStore, CaseSummary, KeyRow, Message, PeriodFigure, PublishedResult, Result,
    SideEffects, StoreError,
};

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(e.to_string()))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> rusqlite::Result<T> {
    serde_json::from_str(s).map_err(|e| conversion(e.to_string()))
}

/// A snapshot or event body as stored (`store::vault`: compressed, then encrypted).
fn packed<T: serde::Serialize>(vault: &Vault, body: Body, v: &T) -> Result<Vec<u8>> {
    vault.to_stored(body, v).map_err(StoreError::Backend)
}

/// Reads a stored body: sealed, or as written before sealing (compressed blob or plain JSON).
pub(crate) fn unpacked<T: serde::de::DeserializeOwned>(
    vault: &Vault,
    body: Body,
    r: &Row<'_>,
    i: usize,
) -> rusqlite::Result<T> {
    let v = r.get_ref(i)?;
    let bytes = v.as_bytes().map_err(|e| conversion(e.to_string()))?;
    vault.from_stored(body, bytes).map_err(conversion)
}

/// The snapshot columns of a case, encoded before the write job runs.
struct CaseRow {
    summary: CaseSummary,
    query_code: String,
    received_on: Option<NaiveDate>,
    case_json: Vec<u8>,
    /// The blind index of the applicant's ID number: only for a new case (the applicant never
    /// changes, so later writes do not compute it).
    id_key: Option<String>,
    /// The idempotency keys this write takes (`store::key_rows`).
    keys: Vec<KeyRow>,
}

impl CaseRow {
    fn of(vault: &Vault, case: &Case, events: &[CaseEvent], new: bool) -> Result<CaseRow> {
        Ok(CaseRow {
            summary: CaseSummary::of(case, last_at(events)),
            query_code: case.filing.query_code.clone(),
            received_on: case.received_on,
            case_json: packed(vault, Body::Case, case)?,
            id_key: new.then(|| vault.id_key(&case.filing.applicant.id_number)),
            keys: store::key_rows(case, events),
        })
    }

    /// The columns derived rows follow, as they are after this write.
    fn followed(&self) -> Followed {
        Followed::of(&self.summary, self.received_on)
    }
}

/// A case was last updated when its last event happened (events are checked to be non-empty).
fn last_at(events: &[CaseEvent]) -> DateTime<Utc> {
    events.last().map_or_else(Utc::now, |e| e.at)
}

/// A command's whole write (`commit_transition`), checked and encoded before the write job runs
/// so the writer thread only executes statements.
struct Transition {
    expected_version: u32,
    row: CaseRow,
    /// The stored hash the first new event links to.
    link: Vec<u8>,
    events: Vec<EventRow>,
    messages: Vec<Message>,
    result: Option<PublishedResult>,
    outcome: Option<store::OutcomeRecord>,
    fees: Vec<store::FeeEntry>,
    violations: Vec<store::ViolationRecord>,
    now: String,
    supervision: Option<SupervisionWrite>,
}

/// A command's supervision writes.
struct SupervisionWrite {
    rows: Vec<domain::supervision::DeadlineRow>,
    open: Vec<store::WarningRecord>,
    at: String,
}

impl Transition {
    fn encode(
        vault: &Vault,
        case: &Case,
        expected_version: u32,
        events: &[CaseEvent],
        effects: &SideEffects,
    ) -> Result<Transition> {
        check_new_events(case, expected_version, events)?;
        check_side_effects(&case.filing.number, effects)?;
        Ok(Transition {
            expected_version,
            row: CaseRow::of(vault, case, events, expected_version == 0)?,
            link: store::stored::hash_bytes(&events[0].prev_hash)?,
            events: event_rows(vault, events)?,
            messages: effects.messages.clone(),
            result: effects.result.clone(),
            outcome: effects.outcome.clone(),
            fees: effects.fees.clone(),
            violations: effects.violations.clone(),
            now: ts(Utc::now()),
            supervision: effects.supervision.as_ref().map(|sv| SupervisionWrite {
                rows: sv.rows.clone(),
                open: sv.open.clone(),
                at: ts(sv.at),
            }),
        })
    }

    /// Runs in the writer's transaction; returns how many warnings were newly raised.
    fn run(&self, tx: &Transaction<'_>) -> Result<u64> {
        if self.expected_version == 0 {
            create_tx(tx, &self.row, &self.events)?;
        } else {
            append_tx(
                tx,
                &self.row,
                self.expected_version,
                &self.link,
                &self.events,
            )?;
        }
        let number = &self.row.summary.number;
        for m in &self.messages {
            add_message_tx(tx, m)?;
        }
        if let Some(o) = &self.outcome {
            crate::supervision::put_outcome_tx(tx, o)?;
        }
        if let Some(r) = &self.result {
            publish_result_tx(tx, r, &self.now)?;
        }
        crate::fees::insert_fees_tx(tx, &self.fees)?;
        crate::violations::insert_violations_tx(tx, &self.violations)?;
        match &self.supervision {
            Some(sv) => {
                set_rows_tx(tx, number, &sv.rows)?;
                set_open_warnings_tx(tx, number, &sv.open, &sv.at)
            }
            None => Ok(0),
        }
    }
}

/// An event row, encoded before the write job runs.
struct EventRow {
    seq: i64,
    at: String,
    json: Vec<u8>,
    hash: Vec<u8>,
}

fn event_rows(vault: &Vault, events: &[CaseEvent]) -> Result<Vec<EventRow>> {
    events
        .iter()
        .map(|e| {
            Ok(EventRow {
                seq: i64::from(e.seq),
                at: ts(e.at),
                json: packed(vault, Body::Event, &store::stored::EventBody::from(e))?,
                hash: store::stored::hash_bytes(&e.hash)?,
            })
        })
        .collect()
}

fn insert_events(tx: &Transaction<'_>, number: &str, rows: &[EventRow]) -> Result<()> {
    let mut st = tx
        .prepare_cached(
            "INSERT INTO case_events (case_number, seq, at, event_json, hash)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .db()?;
    for r in rows {
        st.execute(params![number, r.seq, r.at, r.json, r.hash])
            .db()?;
    }
    Ok(())
}

/// Writes what the write plan (`store::write_plan`) says a case row's change moves: count and
/// receipt rows (one shard: the writer is alone, so there is no lock to spread), the list rows
/// and the deadline rows' places. Runs in the writer's transaction with the case row's own write,
/// so derived rows never disagree with the cases.
fn write_plan_tx(tx: &Transaction<'_>, number: &str, p: &Plan) -> Result<()> {
    if !p.counts.is_empty() {
        let mut st = tx
            .prepare_cached(
                "INSERT INTO case_counts (place_region, department, state, shard, n)
                 VALUES (?1, ?2, ?3, 0, ?4)
                 ON CONFLICT (place_region, department, state, shard) DO UPDATE SET n = n + excluded.n",
            )
            .db()?;
        for (k, n) in &p.counts {
            st.execute(params![k.place.as_str(), k.department, k.state.as_str(), n])
                .db()?;
        }
    }
    if !p.receipts.is_empty() {
        let mut st = tx
            .prepare_cached(
                "INSERT INTO receipt_days (received_on, place_region, department, shard, n)
                 VALUES (?1, ?2, ?3, 0, ?4)
                 ON CONFLICT (received_on, place_region, department, shard)
                 DO UPDATE SET n = n + excluded.n",
            )
            .db()?;
        for (k, n) in &p.receipts {
            st.execute(params![day_text(k.day), k.place.as_str(), k.department, n])
                .db()?;
        }
    }
    match &p.scopes {
        ScopeChange::Keep => {}
        ScopeChange::Update { state, sort_due } => {
            tx.prepare_cached(
                "UPDATE case_scopes SET state = ?2, sort_due = ?3 WHERE case_number = ?1",
            )
            .db()?
            .execute(params![number, state.as_str(), day_text(*sort_due)])
            .db()?;
        }
        ScopeChange::Replace {
            delete_old,
            rows,
            state,
            sort_due,
        } => {
            if *delete_old {
                tx.prepare_cached("DELETE FROM case_scopes WHERE case_number = ?1")
                    .db()?
                    .execute([number])
                    .db()?;
            }
            let mut st = tx
                .prepare_cached(
                    "INSERT INTO case_scopes (prefix, case_number, via, state, sort_due)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .db()?;
            let sort_due = day_text(*sort_due);
            for (prefix, via) in rows {
                st.execute(params![prefix, number, via, state.as_str(), sort_due])
                    .db()?;
            }
        }
    }
    if let Some((place, decide)) = &p.deadline_places {
        tx.prepare_cached(
            "UPDATE case_deadlines SET place_region = ?2, decide_region = ?3
             WHERE case_number = ?1",
        )
        .db()?
        .execute(params![number, place.as_str(), decide.as_str()])
        .db()?;
    }
    Ok(())
}

/// Inserts a new case with its first events and its count: the body of `create_case`, shared with
/// `commit_transition` (expected version 0).
fn create_tx(tx: &Transaction<'_>, row: &CaseRow, events: &[EventRow]) -> Result<()> {
    let s = &row.summary;
    // The number's claim ends with the case (store::record::RecordStore::claim_case_number).
    tx.prepare_cached("DELETE FROM number_claims WHERE number = ?1")
        .db()?
        .execute([&s.number])
        .db()?;
    let inserted = tx
        .prepare_cached(
            "INSERT INTO cases (number, query_code, state, item_code, item_name, department,
                applicant_name, place_region, decide_region, applicant_region,
                applicant_user_id, agent_user_id, due, created_at, updated_at, version,
                case_json, received_on)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                     ?18)",
        )
        .db()?
        .execute(params![
            s.number,
            row.query_code,
            s.state.as_str(),
            s.item_code,
            s.item_name,
            s.department,
            s.applicant_name,
            s.place.as_str(),
            s.decide_place.as_str(),
            s.applicant_region.as_str(),
            s.applicant_user_id,
            s.agent_user_id,
            s.due.map(day_text),
            ts(s.created_at),
            ts(s.updated_at),
            i64::from(s.version),
            row.case_json,
            row.received_on.map(day_text),
        ]);
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(case_exists(&s.number)),
        Err(e) => return Err(backend(e)),
    }
    let id_key = row
        .id_key
        .as_deref()
        .ok_or_else(|| StoreError::Backend("a new case row without its applicant key".into()))?;
    tx.prepare_cached("INSERT INTO applicant_index (id_key, case_number) VALUES (?1, ?2)")
        .db()?
        .execute([id_key, s.number.as_str()])
        .db()?;
    write_plan_tx(tx, &s.number, &write_plan::plan(None, &row.followed()))?;
    insert_events(tx, &s.number, events)?;
    insert_keys(tx, &s.number, &row.keys)
}

/// Appends events and rewrites the snapshot, checking the expected version and the hash link: the
/// body of `append_events`, shared with `commit_transition`.
fn append_tx(
    tx: &Transaction<'_>,
    row: &CaseRow,
    expected_version: u32,
    link: &[u8],
    events: &[EventRow],
) -> Result<()> {
    let s = &row.summary;
    // The columns derived rows follow, before this change (the writer is alone, so they cannot
    // change between this read and the update).
    // And whether the columns a transition seldom moves (names, places, accounts) move now: when
    // they do not, only the others are written, so SQLite leaves their indexes alone (issue 18).
    let mut still = false;
    let before: Option<Followed> = tx
        .prepare_cached(
            "SELECT place_region, department, state, decide_region, applicant_region, due,
                    received_on, item_name, applicant_name, applicant_user_id, agent_user_id
             FROM cases WHERE number = ?1",
        )
        .db()?
        .query_row([&s.number], |r| {
            let state: String = r.get(2)?;
            still = r.get::<_, String>(0)? == s.place.as_str()
                && r.get::<_, String>(1)? == s.department
                && r.get::<_, String>(3)? == s.decide_place.as_str()
                && r.get::<_, String>(4)? == s.applicant_region.as_str()
                && r.get::<_, String>(7)? == s.item_name
                && r.get::<_, String>(8)? == s.applicant_name
                && r.get::<_, Option<i64>>(9)? == s.applicant_user_id
                && r.get::<_, Option<i64>>(10)? == s.agent_user_id;
            Ok(Followed {
                place: parse_code(&r.get::<_, String>(0)?)?,
                department: r.get(1)?,
                state: CaseState::parse(&state)
                    .ok_or_else(|| conversion(format!("case state {state}")))?,
                decide_place: parse_code(&r.get::<_, String>(3)?)?,
                applicant_region: parse_code(&r.get::<_, String>(4)?)?,
                due: r
                    .get::<_, Option<String>>(5)?
                    .as_deref()
                    .map(parse_day)
                    .transpose()?,
                received_on: r
                    .get::<_, Option<String>>(6)?
                    .as_deref()
                    .map(parse_day)
                    .transpose()?,
            })
        })
        .optional()
        .db()?;
    // The version check and the snapshot write are one statement; the job's savepoint
    // undoes it if anything after fails.
    let updated = if still {
        tx.prepare_cached(
            "UPDATE cases SET state = ?3, due = ?4, updated_at = ?5, version = ?6, case_json = ?7,
                received_on = ?8
             WHERE number = ?1 AND version = ?2",
        )
        .db()?
        .execute(params![
            s.number,
            i64::from(expected_version),
            s.state.as_str(),
            s.due.map(day_text),
            ts(s.updated_at),
            i64::from(s.version),
            row.case_json,
            row.received_on.map(day_text),
        ])
        .db()?
    } else {
        tx.prepare_cached(
            "UPDATE cases SET state = ?3, item_name = ?4, department = ?5,
                applicant_name = ?6, place_region = ?7, decide_region = ?8,
                applicant_region = ?9, applicant_user_id = ?10, agent_user_id = ?11,
                due = ?12, updated_at = ?13, version = ?14, case_json = ?15, received_on = ?16
             WHERE number = ?1 AND version = ?2",
        )
        .db()?
        .execute(params![
            s.number,
            i64::from(expected_version),
            s.state.as_str(),
            s.item_name,
            s.department,
            s.applicant_name,
            s.place.as_str(),
            s.decide_place.as_str(),
            s.applicant_region.as_str(),
            s.applicant_user_id,
            s.agent_user_id,
            s.due.map(day_text),
            ts(s.updated_at),
            i64::from(s.version),
            row.case_json,
            row.received_on.map(day_text),
        ])
        .db()?
    };
    if updated == 0 {
        let stored: Option<i64> = tx
            .prepare_cached("SELECT version FROM cases WHERE number = ?1")
            .db()?
            .query_row([&s.number], |r| r.get(0))
            .optional()
            .db()?;
        return Err(match stored {
            None => StoreError::NotFound("case"),
            Some(v) => stale_case(&s.number, expected_version, v as u32),
        });
    }
    let last: Option<Vec<u8>> = tx
        .prepare_cached("SELECT hash FROM case_events WHERE case_number = ?1 AND seq = ?2")
        .db()?
        .query_row(params![s.number, i64::from(expected_version)], |r| r.get(0))
        .optional()
        .db()?;
    if last.as_deref() != Some(link) {
        return Err(StoreError::Backend(format!(
            "case {}: new events do not link to stored event {expected_version}",
            s.number
        )));
    }
    if let Some(b) = &before {
        write_plan_tx(tx, &s.number, &write_plan::plan(Some(b), &row.followed()))?;
    }
    insert_events(tx, &s.number, events)?;
    insert_keys(tx, &s.number, &row.keys)
}

/// The idempotency keys a write takes; a key the case took before fails the write
/// (`idempotency_key_taken`), so a retry racing its original is never applied twice.
fn insert_keys(tx: &Transaction<'_>, number: &str, keys: &[KeyRow]) -> Result<()> {
    for k in keys {
        let sql = if k.carried {
            "INSERT INTO case_keys (case_number, key, request_hash, seq) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO NOTHING"
        } else {
            "INSERT INTO case_keys (case_number, key, request_hash, seq) VALUES (?1, ?2, ?3, ?4)"
        };
        match tx
            .prepare_cached(sql)
            .db()?
            .execute(params![number, k.key, k.request_hash, k.seq])
        {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(idempotency_key_taken(number)),
            Err(e) => return Err(backend(e)),
        }
    }
    Ok(())
}

fn add_message_tx(tx: &Transaction<'_>, m: &Message) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO messages (user_id, case_number, text, created_at) VALUES (?1, ?2, ?3, ?4)",
    )
    .db()?
    .execute(params![m.user_id, m.case_number, m.text, ts(m.created_at)])
    .map_err(missing_ref("case"))?;
    Ok(tx.last_insert_rowid())
}

fn publish_result_tx(tx: &Transaction<'_>, r: &PublishedResult, now: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO results (case_number, item_name, applicant_masked, decided_on,
                              licence_no, place_region, published_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (case_number) DO UPDATE SET
           item_name = excluded.item_name, applicant_masked = excluded.applicant_masked,
           decided_on = excluded.decided_on, licence_no = excluded.licence_no,
           place_region = excluded.place_region, published_at = excluded.published_at",
    )
    .db()?
    .execute(params![
        r.case_number,
        r.item_name,
        r.applicant_masked,
        day_text(r.decided_on),
        r.licence_no,
        r.place.as_str(),
        now
    ])
    .map_err(missing_ref("case"))?;
    Ok(())
}

/// One stream of a scoped list: parameters prefix, state, via bits, after (due, number), then
/// those of `extra` (conditions on the case row `c`), then the limit.
pub(crate) fn list_stream_sql(extra: &str) -> String {
    let cols: Vec<String> = SUMMARY_COLS.split(", ").map(|x| format!("c.{x}")).collect();
    // CROSS JOIN keeps case_scopes outside: the page is read in its index order.
    format!(
        "SELECT {} FROM case_scopes s CROSS JOIN cases c ON c.number = s.case_number
         WHERE s.prefix = ? AND s.state = ? AND (s.via & ?) <> 0
           AND (s.sort_due, s.case_number) > (?, ?){extra}
         ORDER BY s.sort_due, s.case_number LIMIT ?",
        cols.join(", ")
    )
}

/// The public monthly figures (`period_figures`): the period's day rows of receipts and
/// completions, a few per place and day.
pub(crate) const PERIOD_FIGURES_SQL: &str =
    "SELECT place_region, department, SUM(r), SUM(d), SUM(t) FROM (
        SELECT place_region, department, n AS r, 0 AS d, 0 AS t FROM receipt_days
        WHERE received_on >= ?1 AND received_on < ?2
        UNION ALL
        SELECT place_region, department, 0, cases, on_time FROM outcome_days
        WHERE completed_on >= ?1 AND completed_on < ?2
     ) GROUP BY place_region, department
     HAVING SUM(r) <> 0 OR SUM(d) <> 0
     ORDER BY place_region, department";

/// A scoped list: the ordered `case_scopes` range of each stream, merged (store::listing).
fn list_merged(
    c: &Connection,
    f: &CaseFilter,
    streams: &[listing::Stream],
) -> Result<Vec<CaseSummary>> {
    let mut extra = String::new();
    let mut extra_p: Vec<Value> = vec![];
    if let Some(id) = f.applicant_user_id {
        extra.push_str(" AND c.applicant_user_id = ?");
        extra_p.push(Value::Integer(id));
    }
    if let Some(id) = f.agent_user_id {
        extra.push_str(" AND c.agent_user_id = ?");
        extra_p.push(Value::Integer(id));
    }
    if let Some(d) = &f.department {
        extra.push_str(" AND c.department = ?");
        extra_p.push(Value::Text(d.clone()));
    }
    if let Some(t) = &f.text {
        extra.push_str(
            " AND (c.number LIKE ? ESCAPE '\\' OR c.applicant_name LIKE ? ESCAPE '\\'
                   OR c.item_name LIKE ? ESCAPE '\\')",
        );
        let pat = store::listing::contains_pattern(t);
        extra_p.extend([
            Value::Text(pat.clone()),
            Value::Text(pat.clone()),
            Value::Text(pat),
        ]);
    }
    if let (Some(_), Some(a)) = (&f.place_scope, &f.applicant_scope) {
        extra.push_str(" AND ");
        extra.push_str(&scope_condition("c.applicant_region", a, &mut extra_p));
    }
    let mut st = c.prepare_cached(&list_stream_sql(&extra)).db()?;
    let mut merge = listing::Merge::new(streams.len(), f.after.clone(), f.limit);
    loop {
        let wants = merge.wants();
        if wants.is_empty() {
            return Ok(merge.finish());
        }
        for w in wants {
            let s = &streams[w.index];
            let mut p: Vec<Value> = vec![
                Value::Text(s.prefix.clone()),
                Value::Text(s.state.as_str().to_string()),
                Value::Integer(s.via),
                Value::Text(day_text(w.after.due)),
                Value::Text(w.after.number.clone()),
            ];
            p.extend(extra_p.iter().cloned());
            p.push(Value::Integer(i64::from(w.limit)));
            let rows = st
                .query_map(params_from_iter(p), summary_row)
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            merge.feed(&w, rows);
        }
    }
}

/// A list without a region scope (by account, or by state alone): small sets, or every case.
fn list_plain(c: &Connection, f: &CaseFilter) -> Result<Vec<CaseSummary>> {
    let mut p: Vec<Value> = Vec::new();
    let mut conds: Vec<String> = Vec::new();
    if !f.states.is_empty() {
        let marks = vec!["?"; f.states.len()].join(", ");
        conds.push(format!("state IN ({marks})"));
        p.extend(f.states.iter().map(|s| Value::Text(s.as_str().to_string())));
    }
    if let Some(id) = f.applicant_user_id {
        conds.push("applicant_user_id = ?".to_string());
        p.push(Value::Integer(id));
    }
    if let Some(id) = f.agent_user_id {
        conds.push("agent_user_id = ?".to_string());
        p.push(Value::Integer(id));
    }
    if let Some(d) = &f.department {
        conds.push("department = ?".to_string());
        p.push(Value::Text(d.clone()));
    }
    if let Some(t) = &f.text {
        conds.push(
            "(number LIKE ? ESCAPE '\\' OR applicant_name LIKE ? ESCAPE '\\'
              OR item_name LIKE ? ESCAPE '\\')"
                .to_string(),
        );
        let pat = store::listing::contains_pattern(t);
        p.extend([
            Value::Text(pat.clone()),
            Value::Text(pat.clone()),
            Value::Text(pat),
        ]);
    }
    if let Some(a) = &f.after {
        conds.push("(COALESCE(due, ?), number) > (?, ?)".to_string());
        p.push(Value::Text(day_text(listing::sort_last())));
        p.push(Value::Text(day_text(a.due)));
        p.push(Value::Text(a.number.clone()));
    }
    let cond = if conds.is_empty() {
        "1 = 1".to_string()
    } else {
        conds.join(" AND ")
    };
    // A negative LIMIT is no limit in SQLite.
    p.push(Value::Integer(f.limit.map_or(-1, i64::from)));
    let mut st = c
        .prepare_cached(&format!(
            "SELECT {SUMMARY_COLS} FROM cases WHERE {cond}
             ORDER BY due ASC NULLS LAST, number LIMIT ?"
        ))
        .db()?;
    let rows = st.query_map(params_from_iter(p), summary_row).db()?;
    rows.collect::<rusqlite::Result<_>>().db()
}

/// The event as stored: its body (`store::stored`) with the case number, sequence and hash from
/// their columns; its link is filled in from the event before it (`store::stored::relink`).
fn event_row(vault: &Vault, r: &Row<'_>) -> rusqlite::Result<CaseEvent> {
    let body: store::stored::StoredEvent = unpacked(vault, Body::Event, r, 0)?;
    let seq: i64 = r.get(1)?;
    let seq = u32::try_from(seq).map_err(|_| conversion(format!("event seq {seq}")))?;
    let hash: &[u8] = r.get_ref(2)?.as_blob()?;
    Ok(body.into_event(r.get(3)?, seq, hash))
}

fn case_row(vault: &Vault, r: &Row<'_>) -> rusqlite::Result<Case> {
    unpacked(vault, Body::Case, r, 0)
}

pub(crate) const SUMMARY_COLS: &str =
    "number, item_code, item_name, department, applicant_name, state, \
     place_region, decide_region, applicant_region, applicant_user_id, agent_user_id, due, \
     created_at, updated_at, version";

pub(crate) fn summary_row(r: &Row<'_>) -> rusqlite::Result<CaseSummary> {
    let state: String = r.get(5)?;
    let due: Option<String> = r.get(11)?;
    let version: i64 = r.get(14)?;
    Ok(CaseSummary {
        number: r.get(0)?,
        item_code: r.get(1)?,
        item_name: r.get(2)?,
        department: r.get(3)?,
        applicant_name: r.get(4)?,
        state: CaseState::parse(&state)
            .ok_or_else(|| conversion(format!("unknown case state {state}")))?,
        place: parse_code(&r.get::<_, String>(6)?)?,
        decide_place: parse_code(&r.get::<_, String>(7)?)?,
        applicant_region: parse_code(&r.get::<_, String>(8)?)?,
        applicant_user_id: r.get(9)?,
        agent_user_id: r.get(10)?,
        due: due.as_deref().map(parse_day).transpose()?,
        created_at: parse_ts(&r.get::<_, String>(12)?)?,
        updated_at: parse_ts(&r.get::<_, String>(13)?)?,
        version: u32::try_from(version)
            .map_err(|_| conversion(format!("case version {version}")))?,
    })
}

fn message_row(r: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: r.get(0)?,
        user_id: r.get(1)?,
        case_number: r.get(2)?,
        text: r.get(3)?,
        created_at: parse_ts(&r.get::<_, String>(4)?)?,
    })
}

fn result_row(r: &Row<'_>) -> rusqlite::Result<PublishedResult> {
    Ok(PublishedResult {
        case_number: r.get(0)?,
        item_name: r.get(1)?,
        applicant_masked: r.get(2)?,
        decided_on: parse_day(&r.get::<_, String>(3)?)?,
        licence_no: r.get(4)?,
        place: parse_code(&r.get::<_, String>(5)?)?,
    })
}

fn query_messages(c: &Connection, column: &str, key: Value) -> Result<Vec<Message>> {
    let mut st = c
        .prepare_cached(&format!(
            "SELECT id, user_id, case_number, text, created_at FROM messages
             WHERE {column} = ?1 ORDER BY created_at DESC, id DESC"
        ))
        .db()?;
    let rows = st.query_map([key], message_row).db()?;
    rows.collect::<rusqlite::Result<_>>().db()
}

#[async_trait]
impl CaseStore for SqliteStore {
    async fn next_counter(&self, name: &str, scope: &str) -> Result<i64> {
        let (name, scope) = (name.to_string(), scope.to_string());
        // One statement in the single writer: no two callers can read the same value.
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO counters (name, scope, value) VALUES (?1, ?2, 1)
                 ON CONFLICT (name, scope) DO UPDATE SET value = value + 1
                 RETURNING value",
            )
            .db()?
            .query_row(params![name, scope], |r| r.get(0))
            .db()
        })
        .await
    }

    async fn list_violations(
        &self,
        q: &store::ViolationQuery,
    ) -> Result<Vec<store::ViolationRecord>> {
        self.list_violations_(q).await
    }

    async fn item_filing_counts(&self, limit: u32) -> Result<Vec<(String, i64)>> {
        self.read(move |c| {
            let mut st = c
                .prepare_cached(
                    "SELECT item_code, COUNT(*) AS n FROM cases GROUP BY item_code
                     ORDER BY n DESC, item_code LIMIT ?1",
                )
                .db()?;
            let rows = st
                .query_map([i64::from(limit)], |r| Ok((r.get(0)?, r.get(1)?)))
                .db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
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
        let row = CaseRow::of(self.vault(), case, events, true)?;
        let events = event_rows(self.vault(), events)?;
        self.write(move |tx| create_tx(tx, &row, &events)).await
    }

    async fn append_events(
        &self,
        case: &Case,
        expected_version: u32,
        events: &[CaseEvent],
    ) -> Result<()> {
        check_new_events(case, expected_version, events)?;
        let row = CaseRow::of(self.vault(), case, events, false)?;
        let link = store::stored::hash_bytes(&events[0].prev_hash)?;
        let events = event_rows(self.vault(), events)?;
        self.write(move |tx| append_tx(tx, &row, expected_version, &link, &events))
            .await
    }

    async fn commit_transition(
        &self,
        case: &Case,
        expected_version: u32,
        events: &[CaseEvent],
        effects: &SideEffects,
    ) -> Result<u64> {
        let t = Transition::encode(self.vault(), case, expected_version, events, effects)?;
        self.write(move |tx| t.run(tx)).await
    }

    async fn import_cases(&self, cases: &[store::ImportedCase]) -> Result<()> {
        let all = cases
            .iter()
            .map(|c| Transition::encode(self.vault(), &c.case, 0, &c.events, &c.effects))
            .collect::<Result<Vec<_>>>()?;
        // One job: one savepoint for the batch, so a failure anywhere leaves none of it.
        self.write(move |tx| {
            for t in &all {
                t.run(tx)?;
            }
            Ok(())
        })
        .await
    }

    async fn get_case(&self, number: &str) -> Result<Option<Case>> {
        let number = number.to_string();
        let vault = self.vault().clone();
        self.read_now(move |c| {
            c.prepare_cached("SELECT case_json FROM cases WHERE number = ?1")
                .db()?
                .query_row([number], |r| case_row(&vault, r))
                .optional()
                .db()
        })
        .await
    }

    async fn idempotency_key(
        &self,
        number: &str,
        key: &str,
    ) -> Result<Option<domain::case::IdempotencyKey>> {
        let (number, key) = (number.to_string(), key.to_string());
        self.read_now(move |c| {
            c.prepare_cached(
                "SELECT key, request_hash FROM case_keys WHERE case_number = ?1 AND key = ?2",
            )
            .db()?
            .query_row([number, key], |r| {
                Ok(domain::case::IdempotencyKey {
                    key: r.get(0)?,
                    request_hash: r.get(1)?,
                })
            })
            .optional()
            .db()
        })
        .await
    }

    async fn cases_by_id_number(&self, id_number: &str, limit: u32) -> Result<Vec<CaseSummary>> {
        let key = self.vault().id_key(id_number);
        self.read(move |c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {SUMMARY_COLS} FROM applicant_index
                     JOIN cases ON cases.number = applicant_index.case_number
                     WHERE applicant_index.id_key = ?1
                     ORDER BY created_at DESC, number DESC LIMIT ?2"
                ))
                .db()?;
            let rows = st.query_map(params![key, limit], summary_row).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn find_case_by_query_code(
        &self,
        number: &str,
        query_code: &str,
    ) -> Result<Option<Case>> {
        let (number, query_code) = (number.to_string(), query_code.to_string());
        let vault = self.vault().clone();
        self.read(move |c| {
            c.prepare_cached("SELECT case_json FROM cases WHERE number = ?1 AND query_code = ?2")
                .db()?
                .query_row([number, query_code], |r| case_row(&vault, r))
                .optional()
                .db()
        })
        .await
    }

    async fn case_events(&self, number: &str) -> Result<Vec<CaseEvent>> {
        let number = number.to_string();
        let vault = self.vault().clone();
        self.read(move |c| {
            let mut st = c
                .prepare_cached(
                    "SELECT event_json, seq, hash, case_number FROM case_events
                     WHERE case_number = ?1 ORDER BY seq",
                )
                .db()?;
            let rows = st.query_map([number], |r| event_row(&vault, r)).db()?;
            let mut events: Vec<CaseEvent> = rows.collect::<rusqlite::Result<_>>().db()?;
            store::stored::relink(&mut events);
            Ok(events)
        })
        .await
    }

    async fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<CaseSummary>> {
        let filter = filter.clone();
        self.read(move |c| match listing::streams(&filter) {
            Some(streams) => list_merged(c, &filter, &streams),
            None => list_plain(c, &filter),
        })
        .await
    }

    async fn case_numbers(&self, after: Option<&str>, limit: u32) -> Result<Vec<String>> {
        let after = after.unwrap_or("").to_string();
        self.read(move |c| {
            let mut st = c
                .prepare_cached(
                    "SELECT number FROM cases WHERE number > ?1 ORDER BY number LIMIT ?2",
                )
                .db()?;
            let rows = st
                .query_map(params![after, i64::from(limit)], |r| r.get(0))
                .db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn add_message(&self, message: &Message) -> Result<i64> {
        let m = message.clone();
        self.write(move |tx| add_message_tx(tx, &m)).await
    }

    async fn messages_for_user(&self, user_id: i64) -> Result<Vec<Message>> {
        self.read(move |c| query_messages(c, "user_id", Value::Integer(user_id)))
            .await
    }

    async fn messages_for_case(&self, number: &str) -> Result<Vec<Message>> {
        let number = number.to_string();
        self.read(move |c| query_messages(c, "case_number", Value::Text(number)))
            .await
    }

    async fn publish_result(&self, result: &PublishedResult) -> Result<()> {
        let r = result.clone();
        let now = ts(Utc::now());
        self.write(move |tx| publish_result_tx(tx, &r, &now)).await
    }

    async fn list_results(&self, q: &store::ResultQuery) -> Result<Vec<PublishedResult>> {
        let text = q.text.trim().to_string();
        let pattern = q.like_pattern();
        let (after_day, after_no) = match &q.after {
            Some((d, n)) => (Some(day_text(*d)), n.clone()),
            None => (None, String::new()),
        };
        let limit = i64::from(q.limit);
        self.read(move |c| {
            let mut st = c
                .prepare_cached(
                    "SELECT case_number, item_name, applicant_masked, decided_on, licence_no,
                            place_region
                     FROM results
                     WHERE (?1 = '' OR item_name LIKE ?2 ESCAPE '\\' OR licence_no LIKE ?2 ESCAPE '\\'
                            OR case_number LIKE ?2 ESCAPE '\\')
                       AND (?3 IS NULL OR decided_on < ?3 OR (decided_on = ?3 AND case_number < ?4))
                     ORDER BY decided_on DESC, case_number DESC LIMIT ?5",
                )
                .db()?;
            let rows = st
                .query_map(params![text, pattern, after_day, after_no, limit], result_row)
                .db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn period_figures(&self, from: NaiveDate, until: NaiveDate) -> Result<Vec<PeriodFigure>> {
        let (from, until) = (day_text(from), day_text(until));
        self.read(move |c| {
            let mut st = c.prepare_cached(PERIOD_FIGURES_SQL).db()?;
            let rows = st
                .query_map(params![from, until], |r| {
                    Ok(PeriodFigure {
                        place: parse_code(&r.get::<_, String>(0)?)?,
                        department: r.get(1)?,
                        received: r.get::<_, i64>(2)? as u32,
                        completed: r.get::<_, i64>(3)? as u32,
                        on_time: r.get::<_, i64>(4)? as u32,
                    })
                })
                .db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }
}
