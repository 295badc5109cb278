//! Electronic supervision: deadline rows, warnings, case counts, leases and supervision orders.
//!
//! Several server processes share one database, so exactly-once is the database's: raising a
//! warning is an insert guarded by the partial unique index of open warnings, and a lease is one
//! conditional upsert. Neither reads first and writes later.

use crate::params;
use crate::pipeline::Pipeline;
use crate::query::Query;
use crate::regions::region_code;
use crate::{corrupt, db, violated, PgStore};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::GenericClient;
use domain::access::Scope;
use domain::supervision::DeadlineRow;
use std::collections::BTreeMap;
use store::{
    check_deadline_rows, check_order_version, stale_order, CountBy, OrderEntry, OrderStatus,
    OutcomeFeedback, OutcomeGroup, OutcomeKey, OutcomeRecord, Result, ScanCounts, StoreError,
    SupervisionOrder, SupervisionStore, WarningRecord, SCAN_FROM_START,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Json;
use tokio_postgres::Row;

const WARNING_COLUMNS: &str = "id, case_number, key, colour, label, place_region, decide_region, \
     department, due, raised_at, cleared_at";

/// Red before yellow ('red' < 'yellow' bytewise, so an index on the column serves the order), then
/// the earliest due date; the rest only makes the order total.
const WARNING_ORDER: &str = "colour, due, case_number, key, id";

const ORDER_COLUMNS: &str = "id, case_number, unit_region, department, subject, body, issued_in, \
     issued_by, issued_at, reply_due, status, history_json, version";

/// A foreign key to `cases` failed: the case does not exist.
fn missing_case(e: tokio_postgres::Error) -> StoreError {
    match violated(&e, &SqlState::FOREIGN_KEY_VIOLATION) {
        Some(_) => StoreError::NotFound("case"),
        None => db(e),
    }
}

fn warning_from_row(row: &Row) -> Result<WarningRecord> {
    Ok(WarningRecord {
        id: row.get("id"),
        case_number: row.get("case_number"),
        key: row.get("key"),
        colour: row.get("colour"),
        label: row.get("label"),
        place: region_code(row.get("place_region"))?,
        decide_place: region_code(row.get("decide_region"))?,
        department: row.get("department"),
        due: row.get("due"),
        raised_at: row.get("raised_at"),
        cleared_at: row.get("cleared_at"),
    })
}

fn deadline_from_row(row: &Row) -> DeadlineRow {
    DeadlineRow {
        case_number: row.get("case_number"),
        key: row.get("key"),
        label: row.get("label"),
        due: row.get("due"),
        yellow_from: row.get("yellow_from"),
        red_from: row.get("red_from"),
    }
}

fn order_from_row(row: &Row) -> Result<SupervisionOrder> {
    let status: String = row.get("status");
    let version: i64 = row.get("version");
    let Json(history) = row
        .try_get::<_, Json<Vec<OrderEntry>>>("history_json")
        .map_err(db)?;
    Ok(SupervisionOrder {
        id: row.get("id"),
        case_number: row.get("case_number"),
        unit: region_code(row.get("unit_region"))?,
        department: row.get("department"),
        subject: row.get("subject"),
        body: row.get("body"),
        issued_in: region_code(row.get("issued_in"))?,
        issued_by: row.get("issued_by"),
        issued_at: row.get("issued_at"),
        reply_due: row.get("reply_due"),
        status: OrderStatus::parse(&status).ok_or_else(|| corrupt("order status", status))?,
        history,
        version: u32::try_from(version).map_err(|_| corrupt("order version", version))?,
    })
}

/// A case's stored deadline rows, for the write plan's diff.
pub(crate) const READ_DEADLINES: &str =
    "SELECT key, label, due, yellow_from, red_from FROM case_deadlines WHERE case_number = $1";

pub(crate) fn deadline_rows_of(
    case_number: &str,
    rows: &[tokio_postgres::Row],
) -> Vec<DeadlineRow> {
    rows.iter()
        .map(|r| DeadlineRow {
            case_number: case_number.to_string(),
            key: r.get(0),
            label: r.get(1),
            due: r.get(2),
            yellow_from: r.get(3),
            red_from: r.get(4),
        })
        .collect()
}

/// Brings a case's deadline rows to `rows` as the write plan says (`store::write_plan::
/// deadline_diff`): the stored rows are read, and only the keys that changed are deleted and
/// inserted. The case must exist when a row is inserted; places are copied from its row.
pub(crate) async fn set_rows_c(
    tx: &impl GenericClient,
    case_number: &str,
    rows: &[DeadlineRow],
) -> Result<()> {
    let read = tx.prepare_cached(READ_DEADLINES).await.map_err(db)?;
    let stored = tx.query(&read, &[&case_number]).await.map_err(db)?;
    let before = deadline_rows_of(case_number, &stored);
    let mut p = Pipeline::new(tx);
    let inserted = deadline_rows_into(&mut p, case_number, &before, rows).await?;
    let counts = p.run().await?;
    if inserted.is_some_and(|i| counts[i] == 0) {
        return Err(StoreError::NotFound("case"));
    }
    Ok(())
}

/// Adds the statements that bring `before` to `rows`; the index of the insert, whose count is 0
/// when the case does not exist.
pub(crate) async fn deadline_rows_into<C: GenericClient>(
    p: &mut Pipeline<'_, C>,
    case_number: &str,
    before: &[DeadlineRow],
    rows: &[DeadlineRow],
) -> Result<Option<usize>> {
    let diff = store::write_plan::deadline_diff(before, rows);
    if !diff.delete.is_empty() {
        p.add(
            "DELETE FROM case_deadlines WHERE case_number = $1 AND key = ANY($2::text[])",
            params![case_number.to_string(), diff.delete],
        )
        .await?;
    }
    let insert: Vec<&DeadlineRow> = diff.insert.iter().collect();
    if insert.is_empty() {
        return Ok(None);
    }
    deadline_inserts_into(p, &insert).await.map(Some)
}

/// A case's open warnings, for the write plan's diff.
pub(crate) const READ_OPEN_WARNINGS: &str =
    "SELECT key, colour FROM warnings WHERE case_number = $1 AND cleared_at IS NULL";

/// Adds the statements that bring the open warnings `before` to `open`; the indexes of the
/// raises (a count of 1: newly raised).
pub(crate) async fn open_warnings_into<C: GenericClient>(
    p: &mut Pipeline<'_, C>,
    case_number: &str,
    before: &[(String, String)],
    open: &[WarningRecord],
    at: DateTime<Utc>,
) -> Result<Vec<usize>> {
    let diff = store::write_plan::warning_diff(before, open);
    if !diff.clear.is_empty() {
        let keys: Vec<String> = diff.clear.iter().map(|(k, _)| k.clone()).collect();
        let colours: Vec<String> = diff.clear.iter().map(|(_, c)| c.clone()).collect();
        p.add(
            "UPDATE warnings SET cleared_at = $2
             WHERE case_number = $1 AND cleared_at IS NULL
               AND (key, colour) IN (SELECT k, c FROM unnest($3::text[], $4::text[]) AS u(k, c))",
            params![case_number.to_string(), at, keys, colours],
        )
        .await?;
    }
    let mut raises = vec![];
    for w in &diff.raise {
        raises.push(raise_into(p, w).await?);
    }
    Ok(raises)
}

/// Deadline rows of any cases in one statement, each with the places and department of its case
/// row (a row whose case does not exist is not inserted); the index of its count among the
/// pipeline's.
pub(crate) async fn deadline_inserts_into<C: GenericClient>(
    p: &mut Pipeline<'_, C>,
    rows: &[&DeadlineRow],
) -> Result<usize> {
    let numbers: Vec<String> = rows.iter().map(|r| r.case_number.clone()).collect();
    let keys: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
    let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    let dues: Vec<NaiveDate> = rows.iter().map(|r| r.due).collect();
    let yellows: Vec<NaiveDate> = rows.iter().map(|r| r.yellow_from).collect();
    let reds: Vec<NaiveDate> = rows.iter().map(|r| r.red_from).collect();
    p.add(
        "INSERT INTO case_deadlines (case_number, key, label, due, yellow_from,
            red_from, place_region, decide_region, department)
         SELECT c.number, r.key, r.label, r.due, r.yellow_from, r.red_from,
                c.place_region, c.decide_region, c.department
         FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::date[], $6::date[])
                AS r(number, key, label, due, yellow_from, red_from)
         JOIN cases c ON c.number = r.number",
        params![numbers, keys, labels, dues, yellows, reds],
    )
    .await
}

pub(crate) async fn raise_c(client: &impl GenericClient, w: &WarningRecord) -> Result<bool> {
    let mut p = Pipeline::new(client);
    raise_into(&mut p, w).await?;
    Ok(p.run().await?[0] > 0)
}

/// Raises a warning unless the same one is open: a racing insert of it waits for the first to
/// commit, then does nothing, so exactly one caller's count is 1.
pub(crate) async fn raise_into<C: GenericClient>(
    p: &mut Pipeline<'_, C>,
    w: &WarningRecord,
) -> Result<usize> {
    p.add_or(
        "INSERT INTO warnings (case_number, key, colour, label, place_region, decide_region,
            department, due, raised_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (case_number, key, colour) WHERE cleared_at IS NULL DO NOTHING",
        params![
            w.case_number.clone(),
            w.key.clone(),
            w.colour.clone(),
            w.label.clone(),
            w.place.as_str().to_string(),
            w.decide_place.as_str().to_string(),
            w.department.clone(),
            w.due,
            w.raised_at
        ],
        Box::new(crate::cases::missing_case),
    )
    .await
}

pub(crate) async fn clear_except_c(
    client: &impl GenericClient,
    case_number: &str,
    keep: &[(String, String)],
    at: DateTime<Utc>,
) -> Result<u64> {
    let keys: Vec<&str> = keep.iter().map(|(k, _)| k.as_str()).collect();
    let colours: Vec<&str> = keep.iter().map(|(_, c)| c.as_str()).collect();
    // The kept pairs as a two-column set: one statement whatever their number.
    let stmt = client
        .prepare_cached(
            "UPDATE warnings SET cleared_at = $2
             WHERE case_number = $1 AND cleared_at IS NULL
               AND (key, colour) NOT IN (SELECT k, c FROM unnest($3::text[], $4::text[]) AS u(k, c))",
        )
        .await
        .map_err(db)?;
    client
        .execute(&stmt, &[&case_number, &at, &keys, &colours])
        .await
        .map_err(db)
}

/// Raising more warnings than this in one scan statement refreshes the planner's statistics.
const ANALYZE_AFTER: u64 = 20_000;

#[async_trait]
impl SupervisionStore for PgStore {
    async fn replace_deadline_rows(&self, case_number: &str, rows: &[DeadlineRow]) -> Result<()> {
        check_deadline_rows(case_number, rows)?;
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        set_rows_c(&tx, case_number, rows).await?;
        tx.commit().await.map_err(db)
    }

    async fn deadline_rows_due(
        &self,
        day: NaiveDate,
        scope: &Scope,
        limit: u32,
    ) -> Result<Vec<DeadlineRow>> {
        let mut q = Query::new(
            "SELECT case_number, key, label, due, yellow_from, red_from FROM case_deadlines
             WHERE yellow_from <= ",
        );
        let d = q.bind(day);
        q.push(&format!("{d} AND ("));
        q.scope("place_region", scope);
        q.push(" OR ");
        q.scope("decide_region", scope);
        let l = q.bind(i64::from(limit));
        q.push(&format!(") ORDER BY due, case_number, key LIMIT {l}"));
        let conn = self.conn().await?;
        Ok(q.run(&conn).await?.iter().map(deadline_from_row).collect())
    }

    async fn scan_warnings(
        &self,
        from: Option<NaiveDate>,
        until: NaiveDate,
        today: NaiveDate,
        at: DateTime<Utc>,
    ) -> Result<ScanCounts> {
        let until = until.min(today);
        let from = from.unwrap_or(SCAN_FROM_START).min(until);
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        // A racing raise of the same open warning (a case changing meanwhile) waits for the other
        // transaction, then does nothing: the unique index keeps it exactly once.
        let insert = tx
            .prepare_cached(
                "INSERT INTO warnings (case_number, key, colour, label, place_region,
                    decide_region, department, due, raised_at)
                 SELECT case_number, key,
                        CASE WHEN red_from <= $4 THEN 'red' ELSE 'yellow' END,
                        label, place_region, decide_region, department, due, $3
                 FROM case_deadlines
                 WHERE yellow_from BETWEEN $1 AND $2 OR red_from BETWEEN $1 AND $2
                 ON CONFLICT (case_number, key, colour) WHERE cleared_at IS NULL DO NOTHING",
            )
            .await
            .map_err(db)?;
        let raised = tx
            .execute(&insert, &[&from, &until, &at, &today])
            .await
            .map_err(db)?;
        if raised > ANALYZE_AFTER {
            // Statistics lag a bulk raise (autovacuum comes later): with the warnings table still
            // looking empty the planner drives the clear below from the warnings side, once per
            // yellow warning — minutes at a million open cases instead of a second. ANALYZE sees
            // this transaction's own rows.
            tx.batch_execute("ANALYZE warnings, case_deadlines")
                .await
                .map_err(db)?;
        }
        let clear = tx
            .prepare_cached(
                "UPDATE warnings w SET cleared_at = $3
                 FROM case_deadlines d
                 WHERE d.red_from BETWEEN $1 AND $2
                   AND w.case_number = d.case_number AND w.key = d.key
                   AND w.colour = 'yellow' AND w.cleared_at IS NULL",
            )
            .await
            .map_err(db)?;
        let cleared = tx
            .execute(&clear, &[&from, &until, &at])
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(ScanCounts { raised, cleared })
    }

    async fn raise_warning(&self, w: &WarningRecord) -> Result<bool> {
        let conn = self.conn().await?;
        raise_c(&conn, w).await
    }

    async fn clear_warnings_except(
        &self,
        case_number: &str,
        keep: &[(String, String)],
        at: DateTime<Utc>,
    ) -> Result<u64> {
        let conn = self.conn().await?;
        clear_except_c(&conn, case_number, keep, at).await
    }

    async fn list_warnings(
        &self,
        scope: &Scope,
        open_only: bool,
        limit: u32,
    ) -> Result<Vec<WarningRecord>> {
        let mut q = Query::new(&format!("SELECT {WARNING_COLUMNS} FROM warnings WHERE ("));
        q.scope("place_region", scope);
        q.push(" OR ");
        q.scope("decide_region", scope);
        q.push(")");
        if open_only {
            q.push(" AND cleared_at IS NULL");
        }
        let l = q.bind(i64::from(limit));
        q.push(&format!(" ORDER BY {WARNING_ORDER} LIMIT {l}"));
        let conn = self.conn().await?;
        q.run(&conn).await?.iter().map(warning_from_row).collect()
    }

    async fn count_warnings(&self, scope: &Scope) -> Result<(i64, i64)> {
        // The counts the triggers keep (by accepting place), not the warnings themselves.
        let mut q = Query::new(
            "SELECT COALESCE(SUM(n) FILTER (WHERE colour = 'red'), 0)::bigint,
                    COALESCE(SUM(n) FILTER (WHERE colour = 'yellow'), 0)::bigint
             FROM warning_counts WHERE ",
        );
        q.scope("place_region", scope);
        let conn = self.conn().await?;
        let rows = q.run(&conn).await?;
        let row = rows.first().ok_or(StoreError::NotFound("count"))?;
        Ok((row.get(0), row.get(1)))
    }

    async fn case_warnings(&self, case_number: &str) -> Result<Vec<WarningRecord>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!(
                "SELECT {WARNING_COLUMNS} FROM warnings
                 WHERE case_number = $1 AND cleared_at IS NULL ORDER BY {WARNING_ORDER}"
            ))
            .await
            .map_err(db)?;
        conn.query(&stmt, &[&case_number])
            .await
            .map_err(db)?
            .iter()
            .map(warning_from_row)
            .collect()
    }

    async fn count_cases(&self, scope: &Scope, by: CountBy) -> Result<Vec<(String, i64)>> {
        let col = match by {
            CountBy::State => "state",
            CountBy::Place => "place_region",
            CountBy::Department => "department",
        };
        // SUM of bigint is numeric in PostgreSQL; the counts fit a bigint.
        let mut q = Query::new(&format!(
            "SELECT {col}, SUM(n)::bigint FROM case_counts WHERE "
        ));
        q.scope("place_region", scope);
        q.push(&format!(
            " GROUP BY {col} HAVING SUM(n) <> 0 ORDER BY {col}"
        ));
        let conn = self.conn().await?;
        Ok(q.run(&conn)
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        let conn = self.conn().await?;
        // One upsert: a concurrent taker waits on the row lock, then re-checks the WHERE against
        // the winner's row and gets nothing back.
        let stmt = conn
            .prepare_cached(
                "INSERT INTO leases (name, holder, until) VALUES ($1, $2, $4)
                 ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
                 WHERE leases.until <= $3 OR leases.holder = EXCLUDED.holder
                 RETURNING name",
            )
            .await
            .map_err(db)?;
        Ok(conn
            .query_opt(&stmt, &[&name, &holder, &now, &until])
            .await
            .map_err(db)?
            .is_some())
    }

    async fn create_order(&self, o: &SupervisionOrder) -> Result<i64> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO orders (case_number, unit_region, department, subject, body,
                    issued_in, issued_by, issued_at, reply_due, status, history_json, version)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                 RETURNING id",
            )
            .await
            .map_err(db)?;
        Ok(conn
            .query_one(
                &stmt,
                &[
                    &o.case_number,
                    &o.unit.as_str(),
                    &o.department,
                    &o.subject,
                    &o.body,
                    &o.issued_in.as_str(),
                    &o.issued_by,
                    &o.issued_at,
                    &o.reply_due,
                    &o.status.as_str(),
                    &Json(&o.history),
                    &i64::from(o.version),
                ],
            )
            .await
            .map_err(missing_case)?
            .get(0))
    }

    async fn get_order(&self, id: i64) -> Result<Option<SupervisionOrder>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1"))
            .await
            .map_err(db)?;
        conn.query_opt(&stmt, &[&id])
            .await
            .map_err(db)?
            .as_ref()
            .map(order_from_row)
            .transpose()
    }

    async fn list_orders(&self, scope: &Scope) -> Result<Vec<SupervisionOrder>> {
        let mut q = Query::new(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE "));
        q.scope("unit_region", scope);
        q.push(" OR ");
        q.scope("issued_in", scope);
        q.push(" ORDER BY issued_at DESC, id DESC");
        let conn = self.conn().await?;
        q.run(&conn).await?.iter().map(order_from_row).collect()
    }

    async fn save_order(&self, o: &SupervisionOrder, expected_version: u32) -> Result<()> {
        check_order_version(o, expected_version)?;
        let conn = self.conn().await?;
        // The version check and the write are one statement; only when it changes nothing is the
        // order read again, to tell a stale version from a missing order.
        let stmt = conn
            .prepare_cached(
                "UPDATE orders SET case_number = $1, unit_region = $2, department = $3,
                    subject = $4, body = $5, issued_in = $6, issued_by = $7, issued_at = $8,
                    reply_due = $9, status = $10, history_json = $11, version = $12
                 WHERE id = $13 AND version = $14",
            )
            .await
            .map_err(db)?;
        let n = conn
            .execute(
                &stmt,
                &[
                    &o.case_number,
                    &o.unit.as_str(),
                    &o.department,
                    &o.subject,
                    &o.body,
                    &o.issued_in.as_str(),
                    &o.issued_by,
                    &o.issued_at,
                    &o.reply_due,
                    &o.status.as_str(),
                    &Json(&o.history),
                    &i64::from(o.version),
                    &o.id,
                    &i64::from(expected_version),
                ],
            )
            .await
            .map_err(missing_case)?;
        if n == 1 {
            return Ok(());
        }
        let stmt = conn
            .prepare_cached("SELECT version FROM orders WHERE id = $1")
            .await
            .map_err(db)?;
        let stored: Option<i64> = conn
            .query_opt(&stmt, &[&o.id])
            .await
            .map_err(db)?
            .map(|r| r.get(0));
        Err(match stored {
            None => StoreError::NotFound("order"),
            Some(v) => stale_order(o.id, expected_version, v as u32),
        })
    }

    async fn outcomes(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<OutcomeRecord>> {
        let mut q = Query::new(&format!(
            "SELECT {OUTCOME_COLUMNS} FROM case_outcomes WHERE "
        ));
        outcome_period(&mut q, "", scope, from, to);
        q.push(" ORDER BY completed_on, case_number");
        let conn = self.conn().await?;
        q.run(&conn).await?.iter().map(outcome_from_row).collect()
    }

    async fn outcome_totals(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
        key: OutcomeKey,
    ) -> Result<Vec<OutcomeGroup>> {
        let (region, who) = match key {
            OutcomeKey::DecideDepartment => ("decide_region", "department"),
            OutcomeKey::Place => ("place_region", "''"),
            OutcomeKey::Window => ("place_region", "accepted_by"),
            OutcomeKey::Staff => ("''", "decided_by"),
            OutcomeKey::Day => ("completed_on::text", "''"),
        };
        // SUM of a bigint is numeric: cast back so the row decodes as i64.
        let mut q = Query::new(&format!(
            "SELECT {region}::text, {who}::text, SUM(cases)::bigint, SUM(on_time)::bigint,
                SUM(early)::bigint, SUM(overdue)::bigint, SUM(warnings)::bigint,
                SUM(violations)::bigint, SUM(working_days)::bigint
             FROM outcome_days WHERE "
        ));
        outcome_period(&mut q, "", scope, from, to);
        q.push(" GROUP BY 1, 2 HAVING SUM(cases) > 0 ORDER BY 1, 2");
        let conn = self.conn().await?;
        q.run(&conn)
            .await?
            .iter()
            .map(|r| {
                let n = |i: usize| -> Result<u32> {
                    let v: i64 = r.get(i);
                    u32::try_from(v).map_err(|_| corrupt("outcome total", v))
                };
                Ok(OutcomeGroup {
                    region: r.get(0),
                    who: r.get(1),
                    totals: domain::supervision::Totals {
                        cases: n(2)?,
                        on_time: n(3)?,
                        early: n(4)?,
                        overdue: n(5)?,
                        warnings: n(6)?,
                        violations: n(7)?,
                        working_days: r.get::<_, i64>(8).max(0) as u64,
                        ..Default::default()
                    },
                })
            })
            .collect()
    }

    async fn outcome_feedback(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<OutcomeFeedback> {
        let conn = self.conn().await?;
        let mut q = Query::new(
            "SELECT r.case_number, r.level FROM case_outcomes o
             JOIN ratings r ON r.case_number = o.case_number WHERE ",
        );
        outcome_period(&mut q, "o.", scope, from, to);
        q.push(" ORDER BY r.case_number, r.id");
        let ratings = q
            .run(&conn)
            .await?
            .iter()
            .map(|r| {
                let level: String = r.get(1);
                let level = domain::feedback::RatingLevel::parse(&level)
                    .ok_or_else(|| corrupt("rating level", &level))?;
                Ok((r.get::<_, String>(0), level))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut q = Query::new(
            "SELECT k.case_number, COUNT(*) FROM case_outcomes o
             JOIN complaints k ON k.case_number = o.case_number WHERE ",
        );
        outcome_period(&mut q, "o.", scope, from, to);
        q.push(" GROUP BY k.case_number ORDER BY k.case_number");
        let complaints = q
            .run(&conn)
            .await?
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1) as u32))
            .collect();
        // Driven by the feedback tables (far smaller than a period's outcomes).
        let mut q = Query::new(&format!(
            "SELECT {OUTCOME_COLUMNS} FROM case_outcomes o
             WHERE o.case_number IN (SELECT case_number FROM ratings
                                     UNION SELECT case_number FROM complaints) AND "
        ));
        outcome_period(&mut q, "o.", scope, from, to);
        q.push(" ORDER BY o.case_number");
        let cases = q
            .run(&conn)
            .await?
            .iter()
            .map(outcome_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(OutcomeFeedback {
            ratings,
            complaints,
            cases,
        })
    }

    async fn put_outcome(&self, outcome: &OutcomeRecord) -> Result<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        put_outcome_c(&tx, outcome).await?;
        tx.commit().await.map_err(db)
    }

    async fn completed_without_outcome(&self, limit: u32) -> Result<Vec<String>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT number FROM cases c WHERE state = 'completed'
                 AND NOT EXISTS (SELECT 1 FROM case_outcomes o WHERE o.case_number = c.number)
                 LIMIT $1",
            )
            .await
            .map_err(db)?;
        Ok(conn
            .query(&stmt, &[&i64::from(limit)])
            .await
            .map_err(db)?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }
}

pub(crate) const OUTCOME_COLUMNS: &str =
    "case_number, completed_on, place_region, decide_region, department, \
     accepted_by, decided_by, on_time, early, working_days, overdue, warnings, violations";

/// `completed_on` in the period and the accepting or deciding place in the scope.
fn outcome_period(q: &mut Query, alias: &str, scope: &Scope, from: NaiveDate, to: NaiveDate) {
    let f = q.bind(from);
    let t = q.bind(to);
    q.push(&format!(
        "{alias}completed_on >= {f} AND {alias}completed_on <= {t} AND ("
    ));
    q.scope(&format!("{alias}place_region"), scope);
    q.push(" OR ");
    q.scope(&format!("{alias}decide_region"), scope);
    q.push(")");
}

pub(crate) fn outcome_from_row(r: &Row) -> Result<OutcomeRecord> {
    let int = |name: &str| -> Result<u32> {
        let v: i64 = r.get(name);
        u32::try_from(v).map_err(|_| corrupt(name, v))
    };
    Ok(OutcomeRecord {
        case_number: r.get("case_number"),
        completed_on: r.get("completed_on"),
        place: region_code(r.get("place_region"))?,
        decide_place: region_code(r.get("decide_region"))?,
        department: r.get("department"),
        accepted_by: r.get("accepted_by"),
        decided_by: r.get("decided_by"),
        on_time: r.get("on_time"),
        early: r.get("early"),
        working_days: int("working_days")?,
        overdue: r.get("overdue"),
        warnings: int("warnings")?,
        violations: int("violations")?,
    })
}

/// A batch's changes to `outcome_days`: (day, place, deciding place, department, accepted by,
/// decided by, shard) → cases, on time, early, overdue, warnings, violations, working days.
pub(crate) type OutcomeDays =
    BTreeMap<(NaiveDate, String, String, String, String, String, i16), [i64; 7]>;

/// Adds what the write plan says replacing a case's outcome `before` by `after` moves
/// (`store::write_plan::outcome_moves`) to `days`, in the case's shard.
pub(crate) fn outcome_day(
    days: &mut OutcomeDays,
    case_number: &str,
    before: Option<&OutcomeRecord>,
    after: Option<&OutcomeRecord>,
) {
    let shard = crate::cases::count_shard(case_number);
    for (k, figures) in store::write_plan::outcome_moves(before, after) {
        let key = (
            k.completed_on,
            k.place.to_string(),
            k.decide_place.to_string(),
            k.department,
            k.accepted_by,
            k.decided_by,
            shard,
        );
        let row = days.entry(key).or_insert([0; 7]);
        for (t, f) in row.iter_mut().zip(figures) {
            *t += f;
        }
    }
}

/// Adds `outcome_days` changes in one statement, row by row in key order: with `case_counts`
/// always written before them, two transactions cannot deadlock over these rows.
pub(crate) async fn add_outcome_days_into<C: GenericClient>(
    p: &mut Pipeline<'_, C>,
    days: &OutcomeDays,
) -> Result<()> {
    if days.is_empty() {
        return Ok(());
    }
    let mut keys: [Vec<String>; 5] = Default::default();
    let mut on: Vec<NaiveDate> = vec![];
    let mut shards: Vec<i16> = vec![];
    let mut figures: [Vec<i64>; 7] = Default::default();
    for ((day, place, decide, department, accepted_by, decided_by, shard), f) in days {
        on.push(*day);
        for (k, v) in keys
            .iter_mut()
            .zip([place, decide, department, accepted_by, decided_by])
        {
            k.push(v.clone());
        }
        shards.push(*shard);
        for (column, v) in figures.iter_mut().zip(f) {
            column.push(*v);
        }
    }
    let [kp, dp, dept, a, b] = keys;
    let [c, t, e, o, w, v, wd] = figures;
    // ORDER BY the arrays' order: rows are locked as they are inserted, so in key order.
    p.add(
        "INSERT INTO outcome_days (completed_on, place_region, decide_region, department,
             accepted_by, decided_by, shard, cases, on_time, early, overdue, warnings,
             violations, working_days)
         SELECT d, p, dp, dept, a, b, h, c, t, e, o, w, v, wd
         FROM unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::smallint[], $8::bigint[], $9::bigint[], $10::bigint[],
                     $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[])
              WITH ORDINALITY AS r(d, p, dp, dept, a, b, h, c, t, e, o, w, v, wd, i)
         ORDER BY i
         ON CONFLICT (completed_on, place_region, decide_region, department, accepted_by,
                      decided_by, shard)
         DO UPDATE SET cases = outcome_days.cases + EXCLUDED.cases,
             on_time = outcome_days.on_time + EXCLUDED.on_time,
             early = outcome_days.early + EXCLUDED.early,
             overdue = outcome_days.overdue + EXCLUDED.overdue,
             warnings = outcome_days.warnings + EXCLUDED.warnings,
             violations = outcome_days.violations + EXCLUDED.violations,
             working_days = outcome_days.working_days + EXCLUDED.working_days",
        params![on, kp, dp, dept, a, b, shards, c, t, e, o, w, v, wd],
    )
    .await?;
    Ok(())
}

/// Takes a case's outcome away (to be replaced), returning it.
pub(crate) fn take_outcome_sql() -> String {
    format!("DELETE FROM case_outcomes WHERE case_number = $1 RETURNING {OUTCOME_COLUMNS}")
}

/// Inserts or replaces a case's outcome, in the caller's transaction, with its `outcome_days`
/// change; a replaced outcome's figures are taken away first.
pub(crate) async fn put_outcome_c(client: &impl GenericClient, o: &OutcomeRecord) -> Result<()> {
    let take = client
        .prepare_cached(&take_outcome_sql())
        .await
        .map_err(db)?;
    let old = match client
        .query_opt(&take, &[&o.case_number])
        .await
        .map_err(db)?
    {
        Some(r) => Some(outcome_from_row(&r)?),
        None => None,
    };
    let mut p = Pipeline::new(client);
    let mut days = OutcomeDays::new();
    outcome_into(&mut p, &mut days, old.as_ref(), o).await?;
    add_outcome_days_into(&mut p, &days).await?;
    p.run().await.map(drop)
}

/// Adds the insert of outcome `o` (replacing `old`, already taken away) and its figures' moves to
/// `days`, for the caller to add with the other shared rows.
pub(crate) async fn outcome_into<C: GenericClient>(
    p: &mut Pipeline<'_, C>,
    days: &mut OutcomeDays,
    old: Option<&OutcomeRecord>,
    o: &OutcomeRecord,
) -> Result<()> {
    p.add_or(
        &format!(
            "INSERT INTO case_outcomes ({OUTCOME_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ),
        params![
            o.case_number.clone(),
            o.completed_on,
            o.place.as_str().to_string(),
            o.decide_place.as_str().to_string(),
            o.department.clone(),
            o.accepted_by.clone(),
            o.decided_by.clone(),
            o.on_time,
            o.early,
            i64::from(o.working_days),
            o.overdue,
            i64::from(o.warnings),
            i64::from(o.violations)
        ],
        Box::new(crate::cases::missing_case),
    )
    .await?;
    outcome_day(days, &o.case_number, old, Some(o));
    Ok(())
}
