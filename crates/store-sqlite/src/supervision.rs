//! Electronic supervision: deadline rows, warnings, case counts, leases and supervision orders.
//!
//! Exactly-once rests on the schema, not on this process: the partial unique index of open warnings
//! and the leases row decide, so several processes sharing the file agree (the writer's
//! `BEGIN IMMEDIATE` serializes them).

use crate::cases::{from_json, to_json};
use crate::{
    backend, conversion, day_text, missing_ref, parse_code, parse_day, parse_ts, scope_condition,
    ts, Db, SqliteStore,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Scope;
use domain::supervision::DeadlineRow;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension, Row, Transaction};
use store::write_plan::OutcomeDayKey;
use store::{
    check_deadline_rows, check_order_version, stale_order, CountBy, OrderStatus, OutcomeFeedback,
    OutcomeGroup, OutcomeKey, OutcomeRecord, Result, ScanCounts, StoreError, SupervisionOrder,
    SupervisionStore, WarningRecord, SCAN_FROM_START,
};

const WARNING_COLS: &str = "id, case_number, key, colour, label, place_region, decide_region, \
     department, due, raised_at, cleared_at";

/// Red before yellow ('red' < 'yellow' bytewise, so an index on the column serves the order), then
/// the earliest due date; the rest only makes the order total.
const WARNING_ORDER: &str = "colour, due, case_number, key, id";

fn warning_row(r: &Row<'_>) -> rusqlite::Result<WarningRecord> {
    let cleared: Option<String> = r.get(10)?;
    Ok(WarningRecord {
        id: r.get(0)?,
        case_number: r.get(1)?,
        key: r.get(2)?,
        colour: r.get(3)?,
        label: r.get(4)?,
        place: parse_code(&r.get::<_, String>(5)?)?,
        decide_place: parse_code(&r.get::<_, String>(6)?)?,
        department: r.get(7)?,
        due: parse_day(&r.get::<_, String>(8)?)?,
        raised_at: parse_ts(&r.get::<_, String>(9)?)?,
        cleared_at: cleared.as_deref().map(parse_ts).transpose()?,
    })
}

fn deadline_row(r: &Row<'_>) -> rusqlite::Result<DeadlineRow> {
    Ok(DeadlineRow {
        case_number: r.get(0)?,
        key: r.get(1)?,
        label: r.get(2)?,
        due: parse_day(&r.get::<_, String>(3)?)?,
        yellow_from: parse_day(&r.get::<_, String>(4)?)?,
        red_from: parse_day(&r.get::<_, String>(5)?)?,
    })
}

/// Deadline rows encoded for the write job: key, label, due, yellow_from, red_from.
/// Brings a case's deadline rows to `rows` as the write plan says (`store::write_plan::
/// deadline_diff`): the stored rows are read, and only the keys that changed are deleted and
/// inserted. The case must exist when a row is inserted; places are copied from its row.
pub(crate) fn set_rows_tx(tx: &Transaction<'_>, number: &str, rows: &[DeadlineRow]) -> Result<()> {
    let before = tx
        .prepare_cached(
            "SELECT key, label, due, yellow_from, red_from FROM case_deadlines
             WHERE case_number = ?1",
        )
        .db()?
        .query_map([number], |r| {
            Ok(DeadlineRow {
                case_number: number.to_string(),
                key: r.get(0)?,
                label: r.get(1)?,
                due: parse_day(&r.get::<_, String>(2)?)?,
                yellow_from: parse_day(&r.get::<_, String>(3)?)?,
                red_from: parse_day(&r.get::<_, String>(4)?)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let diff = store::write_plan::deadline_diff(&before, rows);
    let mut del = tx
        .prepare_cached("DELETE FROM case_deadlines WHERE case_number = ?1 AND key = ?2")
        .db()?;
    for key in &diff.delete {
        del.execute(params![number, key]).db()?;
    }
    let mut ins = tx
        .prepare_cached(
            "INSERT INTO case_deadlines (case_number, key, label, due, yellow_from,
                red_from, place_region, decide_region, department)
             SELECT number, ?2, ?3, ?4, ?5, ?6, place_region, decide_region, department
             FROM cases WHERE number = ?1",
        )
        .db()?;
    for r in &diff.insert {
        // Copying the places from the case row inserts nothing when there is no case.
        let n = ins
            .execute(params![
                number,
                r.key,
                r.label,
                day_text(r.due),
                day_text(r.yellow_from),
                day_text(r.red_from)
            ])
            .db()?;
        if n == 0 {
            return Err(StoreError::NotFound("case"));
        }
    }
    Ok(())
}

/// Brings a case's open warnings to `open` as the write plan says (`store::write_plan::
/// warning_diff`); returns how many were newly raised.
pub(crate) fn set_open_warnings_tx(
    tx: &Transaction<'_>,
    number: &str,
    open: &[WarningRecord],
    at: &str,
) -> Result<u64> {
    let before = tx
        .prepare_cached(
            "SELECT key, colour FROM warnings WHERE case_number = ?1 AND cleared_at IS NULL",
        )
        .db()?
        .query_map([number], |r| Ok((r.get(0)?, r.get(1)?)))
        .db()?
        .collect::<rusqlite::Result<Vec<(String, String)>>>()
        .db()?;
    let diff = store::write_plan::warning_diff(&before, open);
    let mut clear = tx
        .prepare_cached(
            "UPDATE warnings SET cleared_at = ?4
             WHERE case_number = ?1 AND key = ?2 AND colour = ?3 AND cleared_at IS NULL",
        )
        .db()?;
    for (key, colour) in &diff.clear {
        clear.execute(params![number, key, colour, at]).db()?;
    }
    let mut raised = 0;
    for w in &diff.raise {
        if raise_tx(tx, w)? {
            raised += 1;
        }
    }
    Ok(raised)
}

pub(crate) fn raise_tx(tx: &Transaction<'_>, w: &WarningRecord) -> Result<bool> {
    // The conflict target names the partial index, so only "already open" is ignored; a bad
    // colour or a missing case still fails.
    let n = tx
        .prepare_cached(
            "INSERT INTO warnings (case_number, key, colour, label, place_region,
                decide_region, department, due, raised_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (case_number, key, colour) WHERE cleared_at IS NULL DO NOTHING",
        )
        .db()?
        .execute(params![
            w.case_number,
            w.key,
            w.colour,
            w.label,
            w.place.as_str(),
            w.decide_place.as_str(),
            w.department,
            day_text(w.due),
            ts(w.raised_at),
        ])
        .map_err(missing_ref("case"))?;
    Ok(n == 1)
}

pub(crate) fn clear_except_tx(
    tx: &Transaction<'_>,
    case_number: &str,
    keep: &[(String, String)],
    at: &str,
) -> Result<u64> {
    let mut p = vec![
        Value::Text(at.to_string()),
        Value::Text(case_number.to_string()),
    ];
    let mut sql = "UPDATE warnings SET cleared_at = ? WHERE case_number = ? AND cleared_at IS NULL"
        .to_string();
    for (key, colour) in keep {
        sql.push_str(" AND NOT (key = ? AND colour = ?)");
        p.push(Value::Text(key.clone()));
        p.push(Value::Text(colour.clone()));
    }
    let n = tx.execute(&sql, params_from_iter(p)).db()?;
    Ok(n as u64)
}

/// The scan's two statements (see `scan_warnings`): ?1 first day, ?2 last day, ?3 the time, ?4
/// today (which decides the colour). Named so
/// the query-plan test reads the very text the store runs.
pub(crate) const SCAN_RAISE_SQL: &str =
    "INSERT INTO warnings (case_number, key, colour, label, place_region, decide_region,
        department, due, raised_at)
     SELECT case_number, key, CASE WHEN red_from <= ?4 THEN 'red' ELSE 'yellow' END,
            label, place_region, decide_region, department, due, ?3
     FROM case_deadlines
     WHERE yellow_from BETWEEN ?1 AND ?2 OR red_from BETWEEN ?1 AND ?2
     ON CONFLICT (case_number, key, colour) WHERE cleared_at IS NULL DO NOTHING";

/// Red replaces yellow: driven from the rows turning red, each a probe of the open index.
pub(crate) const SCAN_CLEAR_SQL: &str = "UPDATE warnings SET cleared_at = ?3
     WHERE (case_number, key, colour) IN (
           SELECT case_number, key, 'yellow' FROM case_deadlines
           WHERE red_from BETWEEN ?1 AND ?2)
       AND cleared_at IS NULL";

/// The monitor's list of warnings in `scope` (its last parameter, the limit, is the caller's).
/// `walk_order`: read the open warnings in list order and filter by scope, stopping at the limit
/// (the unary `+` keeps SQLite off the scope indexes) — right when the scope holds many of them;
/// otherwise the scope's own index ranges are read and sorted.
pub(crate) fn list_warnings_sql(
    scope: &Scope,
    open_only: bool,
    walk_order: bool,
    p: &mut Vec<Value>,
) -> String {
    let (pc, dc) = if walk_order {
        ("+place_region", "+decide_region")
    } else {
        ("place_region", "decide_region")
    };
    let place = scope_condition(pc, scope, p);
    let decide = scope_condition(dc, scope, p);
    let open = if open_only {
        " AND cleared_at IS NULL"
    } else {
        ""
    };
    format!(
        "SELECT {WARNING_COLS} FROM warnings WHERE ({place} OR {decide}){open}
         ORDER BY {WARNING_ORDER} LIMIT ?"
    )
}

/// Open warnings in `scope` by colour, from the counts the triggers keep (by accepting place).
pub(crate) fn count_warnings_sql(scope: &Scope, p: &mut Vec<Value>) -> String {
    let place = scope_condition("place_region", scope, p);
    format!(
        "SELECT COALESCE(SUM(CASE colour WHEN 'red' THEN n END), 0),
                COALESCE(SUM(CASE colour WHEN 'yellow' THEN n END), 0)
         FROM warning_counts WHERE {place}"
    )
}

/// Above this many open warnings in scope the list walks the order index (see above).
const WALK_ORDER_FROM: i64 = 2_000;

const ORDER_COLS: &str = "id, case_number, unit_region, department, subject, body, issued_in, \
     issued_by, issued_at, reply_due, status, history_json, version";

fn order_row(r: &Row<'_>) -> rusqlite::Result<SupervisionOrder> {
    let status: String = r.get(10)?;
    let version: i64 = r.get(12)?;
    Ok(SupervisionOrder {
        id: r.get(0)?,
        case_number: r.get(1)?,
        unit: parse_code(&r.get::<_, String>(2)?)?,
        department: r.get(3)?,
        subject: r.get(4)?,
        body: r.get(5)?,
        issued_in: parse_code(&r.get::<_, String>(6)?)?,
        issued_by: r.get(7)?,
        issued_at: parse_ts(&r.get::<_, String>(8)?)?,
        reply_due: parse_day(&r.get::<_, String>(9)?)?,
        status: OrderStatus::parse(&status)
            .ok_or_else(|| conversion(format!("unknown order status {status}")))?,
        history: from_json(&r.get::<_, String>(11)?)?,
        version: u32::try_from(version)
            .map_err(|_| conversion(format!("order version {version}")))?,
    })
}

/// An order's columns after `id`, encoded before the write job runs.
fn order_values(o: &SupervisionOrder) -> Result<Vec<Value>> {
    Ok(vec![
        o.case_number.clone().map_or(Value::Null, Value::Text),
        Value::Text(o.unit.as_str().to_string()),
        o.department.clone().map_or(Value::Null, Value::Text),
        Value::Text(o.subject.clone()),
        Value::Text(o.body.clone()),
        Value::Text(o.issued_in.as_str().to_string()),
        Value::Integer(o.issued_by),
        Value::Text(ts(o.issued_at)),
        Value::Text(day_text(o.reply_due)),
        Value::Text(o.status.as_str().to_string()),
        Value::Text(to_json(&o.history)?),
        Value::Integer(i64::from(o.version)),
    ])
}

#[async_trait]
impl SupervisionStore for SqliteStore {
    async fn replace_deadline_rows(&self, case_number: &str, rows: &[DeadlineRow]) -> Result<()> {
        check_deadline_rows(case_number, rows)?;
        let number = case_number.to_string();
        let rows = rows.to_vec();
        self.write(move |tx| set_rows_tx(tx, &number, &rows)).await
    }

    async fn deadline_rows_due(
        &self,
        day: NaiveDate,
        scope: &Scope,
        limit: u32,
    ) -> Result<Vec<DeadlineRow>> {
        let scope = scope.clone();
        self.read(move |c| {
            let mut p = vec![Value::Text(day_text(day))];
            let place = scope_condition("place_region", &scope, &mut p);
            let decide = scope_condition("decide_region", &scope, &mut p);
            p.push(Value::Integer(i64::from(limit)));
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT case_number, key, label, due, yellow_from, red_from FROM case_deadlines
                     WHERE yellow_from <= ? AND ({place} OR {decide})
                     ORDER BY due, case_number, key LIMIT ?"
                ))
                .db()?;
            let rows = st.query_map(params_from_iter(p), deadline_row).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn scan_warnings(
        &self,
        from: Option<NaiveDate>,
        until: NaiveDate,
        today: NaiveDate,
        at: DateTime<Utc>,
    ) -> Result<ScanCounts> {
        let until = until.min(today);
        let from = day_text(from.unwrap_or(SCAN_FROM_START).min(until));
        let (until, at, today) = (day_text(until), ts(at), day_text(today));
        self.write(move |tx| {
            // Both ranges are index ranges (yellow_from, red_from); the OR becomes a union of them.
            let raised = tx
                .prepare_cached(SCAN_RAISE_SQL)
                .db()?
                .execute(params![from, until, at, today])
                .db()?;
            // Red replaces yellow: driven from the rows turning red, each a probe of the open index.
            let cleared = tx
                .prepare_cached(SCAN_CLEAR_SQL)
                .db()?
                .execute(params![from, until, at])
                .db()?;
            Ok(ScanCounts {
                raised: raised as u64,
                cleared: cleared as u64,
            })
        })
        .await
    }

    async fn raise_warning(&self, warning: &WarningRecord) -> Result<bool> {
        let w = warning.clone();
        self.write(move |tx| raise_tx(tx, &w)).await
    }

    async fn clear_warnings_except(
        &self,
        case_number: &str,
        keep: &[(String, String)],
        at: DateTime<Utc>,
    ) -> Result<u64> {
        let (number, keep, at) = (case_number.to_string(), keep.to_vec(), ts(at));
        self.write(move |tx| clear_except_tx(tx, &number, &keep, &at))
            .await
    }

    async fn list_warnings(
        &self,
        scope: &Scope,
        open_only: bool,
        limit: u32,
    ) -> Result<Vec<WarningRecord>> {
        let scope = scope.clone();
        self.read(move |c| {
            // Many open warnings in scope (a county's monitor): walking the list order finds the
            // first page at once; few (a township's): its own ranges, then a small sort.
            let mut walk_order = false;
            if open_only {
                let mut cp = Vec::new();
                let sql = count_warnings_sql(&scope, &mut cp);
                let (red, yellow): (i64, i64) = c
                    .prepare_cached(&sql)
                    .db()?
                    .query_row(params_from_iter(cp), |r| Ok((r.get(0)?, r.get(1)?)))
                    .db()?;
                walk_order = red + yellow > WALK_ORDER_FROM;
            }
            let mut p = Vec::new();
            let sql = list_warnings_sql(&scope, open_only, walk_order, &mut p);
            p.push(Value::Integer(i64::from(limit)));
            let mut st = c.prepare_cached(&sql).db()?;
            let rows = st.query_map(params_from_iter(p), warning_row).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn count_warnings(&self, scope: &Scope) -> Result<(i64, i64)> {
        let scope = scope.clone();
        self.read(move |c| {
            let mut p = Vec::new();
            let sql = count_warnings_sql(&scope, &mut p);
            let mut st = c.prepare_cached(&sql).db()?;
            st.query_row(params_from_iter(p), |r| Ok((r.get(0)?, r.get(1)?)))
                .db()
        })
        .await
    }

    async fn case_warnings(&self, case_number: &str) -> Result<Vec<WarningRecord>> {
        let number = case_number.to_string();
        self.read(move |c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {WARNING_COLS} FROM warnings
                     WHERE case_number = ?1 AND cleared_at IS NULL ORDER BY {WARNING_ORDER}"
                ))
                .db()?;
            let rows = st.query_map([number], warning_row).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn count_cases(&self, scope: &Scope, by: CountBy) -> Result<Vec<(String, i64)>> {
        let scope = scope.clone();
        let col = match by {
            CountBy::State => "state",
            CountBy::Place => "place_region",
            CountBy::Department => "department",
        };
        self.read(move |c| {
            let mut p = Vec::new();
            let cond = scope_condition("place_region", &scope, &mut p);
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {col}, SUM(n) FROM case_counts WHERE {cond}
                     GROUP BY {col} HAVING SUM(n) <> 0 ORDER BY {col}"
                ))
                .db()?;
            let rows = st
                .query_map(params_from_iter(p), |r| Ok((r.get(0)?, r.get(1)?)))
                .db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        let (name, holder) = (name.to_string(), holder.to_string());
        self.write(move |tx| {
            // One upsert: taken when new, expired or already ours; a running lease of another
            // holder makes the update's WHERE false and nothing changes.
            let n = tx
                .prepare_cached(
                    "INSERT INTO leases (name, holder, until) VALUES (?1, ?2, ?4)
                     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
                     WHERE leases.until <= ?3 OR leases.holder = excluded.holder",
                )
                .db()?
                .execute(params![name, holder, ts(now), ts(until)])
                .db()?;
            Ok(n == 1)
        })
        .await
    }

    async fn create_order(&self, order: &SupervisionOrder) -> Result<i64> {
        let values = order_values(order)?;
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO orders (case_number, unit_region, department, subject, body,
                    issued_in, issued_by, issued_at, reply_due, status, history_json, version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .db()?
            .execute(params_from_iter(values))
            .map_err(missing_ref("case"))?;
            Ok(tx.last_insert_rowid())
        })
        .await
    }

    async fn get_order(&self, id: i64) -> Result<Option<SupervisionOrder>> {
        self.read(move |c| {
            c.prepare_cached(&format!("SELECT {ORDER_COLS} FROM orders WHERE id = ?1"))
                .db()?
                .query_row([id], order_row)
                .optional()
                .db()
        })
        .await
    }

    async fn list_orders(&self, scope: &Scope) -> Result<Vec<SupervisionOrder>> {
        let scope = scope.clone();
        self.read(move |c| {
            let mut p = Vec::new();
            let unit = scope_condition("unit_region", &scope, &mut p);
            let issued = scope_condition("issued_in", &scope, &mut p);
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {ORDER_COLS} FROM orders WHERE {unit} OR {issued}
                     ORDER BY issued_at DESC, id DESC"
                ))
                .db()?;
            let rows = st.query_map(params_from_iter(p), order_row).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn save_order(&self, order: &SupervisionOrder, expected_version: u32) -> Result<()> {
        check_order_version(order, expected_version)?;
        let id = order.id;
        let mut values = order_values(order)?;
        values.push(Value::Integer(id));
        values.push(Value::Integer(i64::from(expected_version)));
        self.write(move |tx| {
            // The version check and the write are one statement.
            let n = tx
                .prepare_cached(
                    "UPDATE orders SET case_number = ?1, unit_region = ?2, department = ?3,
                        subject = ?4, body = ?5, issued_in = ?6, issued_by = ?7, issued_at = ?8,
                        reply_due = ?9, status = ?10, history_json = ?11, version = ?12
                     WHERE id = ?13 AND version = ?14",
                )
                .db()?
                .execute(params_from_iter(values))
                .map_err(missing_ref("case"))?;
            if n == 1 {
                return Ok(());
            }
            let stored: Option<i64> = tx
                .prepare_cached("SELECT version FROM orders WHERE id = ?1")
                .db()?
                .query_row([id], |r| r.get(0))
                .optional()
                .map_err(backend)?;
            Err(match stored {
                None => StoreError::NotFound("order"),
                Some(v) => stale_order(id, expected_version, v as u32),
            })
        })
        .await
    }

    async fn outcomes(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<OutcomeRecord>> {
        let scope = scope.clone();
        self.read(move |c| {
            let mut p = vec![Value::Text(day_text(from)), Value::Text(day_text(to))];
            let place = scope_condition("place_region", &scope, &mut p);
            let decide = scope_condition("decide_region", &scope, &mut p);
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {OUTCOME_COLS} FROM case_outcomes
                     WHERE completed_on >= ? AND completed_on <= ? AND ({place} OR {decide})
                     ORDER BY completed_on, case_number"
                ))
                .db()?;
            let rows = st.query_map(params_from_iter(p), outcome_row).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn outcome_totals(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
        key: OutcomeKey,
    ) -> Result<Vec<OutcomeGroup>> {
        let scope = scope.clone();
        let (region, who) = match key {
            OutcomeKey::DecideDepartment => ("decide_region", "department"),
            OutcomeKey::Place => ("place_region", "''"),
            OutcomeKey::Window => ("place_region", "accepted_by"),
            OutcomeKey::Staff => ("''", "decided_by"),
            OutcomeKey::Day => ("completed_on", "''"),
        };
        self.read(move |c| {
            let mut p = vec![Value::Text(day_text(from)), Value::Text(day_text(to))];
            let place = scope_condition("place_region", &scope, &mut p);
            let decide = scope_condition("decide_region", &scope, &mut p);
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {region}, {who}, SUM(cases), SUM(on_time), SUM(early), SUM(overdue),
                        SUM(warnings), SUM(violations), SUM(working_days)
                     FROM outcome_days
                     WHERE completed_on >= ? AND completed_on <= ? AND ({place} OR {decide})
                     GROUP BY 1, 2 HAVING SUM(cases) > 0 ORDER BY 1, 2"
                ))
                .db()?;
            let rows = st
                .query_map(params_from_iter(p), |r| {
                    let n = |i: usize| -> rusqlite::Result<u32> {
                        let v: i64 = r.get(i)?;
                        u32::try_from(v).map_err(|_| conversion(format!("outcome total {v}")))
                    };
                    Ok(OutcomeGroup {
                        region: r.get(0)?,
                        who: r.get(1)?,
                        totals: domain::supervision::Totals {
                            cases: n(2)?,
                            on_time: n(3)?,
                            early: n(4)?,
                            overdue: n(5)?,
                            warnings: n(6)?,
                            violations: n(7)?,
                            working_days: r.get::<_, i64>(8)?.max(0) as u64,
                            ..Default::default()
                        },
                    })
                })
                .db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn outcome_feedback(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<OutcomeFeedback> {
        let scope = scope.clone();
        self.read(move |c| {
            let mut p = vec![Value::Text(day_text(from)), Value::Text(day_text(to))];
            let place = scope_condition("o.place_region", &scope, &mut p);
            let decide = scope_condition("o.decide_region", &scope, &mut p);
            let period =
                format!("o.completed_on >= ? AND o.completed_on <= ? AND ({place} OR {decide})");
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT r.case_number, r.level FROM case_outcomes o
                     JOIN ratings r ON r.case_number = o.case_number
                     WHERE {period} ORDER BY r.case_number, r.id"
                ))
                .db()?;
            let ratings = st
                .query_map(params_from_iter(p.clone()), |r| {
                    let level: String = r.get(1)?;
                    let level = domain::feedback::RatingLevel::parse(&level)
                        .ok_or_else(|| conversion(format!("rating level {level}")))?;
                    Ok((r.get::<_, String>(0)?, level))
                })
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT k.case_number, COUNT(*) FROM case_outcomes o
                     JOIN complaints k ON k.case_number = o.case_number
                     WHERE {period} GROUP BY k.case_number ORDER BY k.case_number"
                ))
                .db()?;
            let p2 = p.clone();
            let complaints = st
                .query_map(params_from_iter(p), |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u32))
                })
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            // Driven by the feedback tables (far smaller than a period's outcomes): each rated or
            // complained-about case number is looked up by key.
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {OUTCOME_COLS} FROM case_outcomes o
                     WHERE o.case_number IN (SELECT case_number FROM ratings
                                             UNION SELECT case_number FROM complaints)
                       AND {period} ORDER BY o.case_number"
                ))
                .db()?;
            let cases = st
                .query_map(params_from_iter(p2), outcome_row)
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            Ok(OutcomeFeedback {
                ratings,
                complaints,
                cases,
            })
        })
        .await
    }

    async fn put_outcome(&self, outcome: &OutcomeRecord) -> Result<()> {
        let o = outcome.clone();
        self.write(move |tx| put_outcome_tx(tx, &o)).await
    }

    async fn completed_without_outcome(&self, limit: u32) -> Result<Vec<String>> {
        self.read(move |c| {
            let mut st = c
                .prepare_cached(
                    "SELECT number FROM cases c WHERE state = 'completed'
                     AND NOT EXISTS (SELECT 1 FROM case_outcomes o WHERE o.case_number = c.number)
                     LIMIT ?1",
                )
                .db()?;
            let rows = st.query_map([i64::from(limit)], |r| r.get(0)).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }
}

const OUTCOME_COLS: &str = "case_number, completed_on, place_region, decide_region, department, \
     accepted_by, decided_by, on_time, early, working_days, overdue, warnings, violations";

fn outcome_row(r: &Row<'_>) -> rusqlite::Result<OutcomeRecord> {
    let int = |i: usize| -> rusqlite::Result<u32> {
        let v: i64 = r.get(i)?;
        u32::try_from(v).map_err(|_| conversion(format!("outcome column {i}: {v}")))
    };
    Ok(OutcomeRecord {
        case_number: r.get(0)?,
        completed_on: parse_day(&r.get::<_, String>(1)?)?,
        place: parse_code(&r.get::<_, String>(2)?)?,
        decide_place: parse_code(&r.get::<_, String>(3)?)?,
        department: r.get(4)?,
        accepted_by: r.get(5)?,
        decided_by: r.get(6)?,
        on_time: r.get(7)?,
        early: r.get(8)?,
        working_days: int(9)?,
        overdue: r.get(10)?,
        warnings: int(11)?,
        violations: int(12)?,
    })
}

/// Inserts or replaces a case's outcome, in the caller's transaction, and keeps `outcome_days`
/// equal to the sum of the outcome rows: the write plan (`outcome_moves`) says what the replaced
/// and the new outcome move.
pub(crate) fn put_outcome_tx(tx: &Transaction<'_>, o: &OutcomeRecord) -> Result<()> {
    let old = tx
        .prepare_cached(&format!(
            "DELETE FROM case_outcomes WHERE case_number = ?1 RETURNING {OUTCOME_COLS}"
        ))
        .db()?
        .query_row([&o.case_number], outcome_row)
        .optional()
        .db()?;
    tx.prepare_cached(&format!(
        "INSERT INTO case_outcomes ({OUTCOME_COLS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    ))
    .db()?
    .execute(params![
        o.case_number,
        day_text(o.completed_on),
        o.place.as_str(),
        o.decide_place.as_str(),
        o.department,
        o.accepted_by,
        o.decided_by,
        o.on_time,
        o.early,
        i64::from(o.working_days),
        o.overdue,
        i64::from(o.warnings),
        i64::from(o.violations),
    ])
    .map_err(missing_ref("case"))?;
    for (key, figures) in store::write_plan::outcome_moves(old.as_ref(), Some(o)) {
        add_outcome_day(tx, &key, figures)?;
    }
    Ok(())
}

/// Adds figures (negative to take them away) to an `outcome_days` row.
fn add_outcome_day(tx: &Transaction<'_>, o: &OutcomeDayKey, figures: [i64; 7]) -> Result<()> {
    let [cases, on_time, early, overdue, warnings, violations, working_days] = figures;
    tx.prepare_cached(
        "INSERT INTO outcome_days (completed_on, place_region, decide_region, department,
             accepted_by, decided_by, shard, cases, on_time, early, overdue, warnings, violations,
             working_days)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (completed_on, place_region, decide_region, department, accepted_by,
                      decided_by, shard)
         DO UPDATE SET cases = cases + excluded.cases, on_time = on_time + excluded.on_time,
             early = early + excluded.early, overdue = overdue + excluded.overdue,
             warnings = warnings + excluded.warnings, violations = violations + excluded.violations,
             working_days = working_days + excluded.working_days",
    )
    .db()?
    .execute(params![
        day_text(o.completed_on),
        o.place.as_str(),
        o.decide_place.as_str(),
        o.department,
        o.accepted_by,
        o.decided_by,
        cases,
        on_time,
        early,
        overdue,
        warnings,
        violations,
        working_days
    ])
    .db()?;
    Ok(())
}
