//! `import_cases`: a batch of new cases written table by table, each table's rows for the whole
//! batch in one statement (arrays unnested on the server). Writing case by case took a dozen
//! single-row statements per case, and PostgreSQL spent half the import's CPU on their
//! per-statement overhead. What is written is what `commit_transition` writes for a new case —
//! the case, event and deadline rows by the same functions, which take any number of rows, and
//! the derived count, receipt and list rows by the same write plan (`store::write_plan`, gathered
//! in `PlannedRows`) (the conformance suite reads both back the same); the cases being new, there is no
//! earlier outcome to take away and no open warning to clear.

use crate::cases::{insert_cases, insert_events_into, insert_keys_into, last_at, PlannedRows};
use crate::pipeline::Pipeline;
use crate::supervision::{deadline_inserts_into, outcome_day, OutcomeDays};
use crate::{db, PgStore};
use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::GenericClient;
use domain::case::Case;
use domain::supervision::DeadlineRow;
use store::write_plan::{self, Followed};
use store::{check_new_events, check_side_effects, CaseSummary, ImportedCase, Result};

impl PgStore {
    pub(crate) async fn import_batch(&self, cases: &[ImportedCase]) -> Result<()> {
        if cases.is_empty() {
            return Ok(());
        }
        for c in cases {
            check_new_events(&c.case, 0, &c.events)?;
            check_side_effects(&c.case.filing.number, &c.effects)?;
        }
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        let summaries: Vec<CaseSummary> = cases
            .iter()
            .map(|c| CaseSummary::of(&c.case, last_at(&c.events)))
            .collect();
        let rows: Vec<(&Case, &CaseSummary)> = cases
            .iter()
            .map(|c| &c.case)
            .zip(summaries.iter())
            .collect();
        insert_cases(&tx, self.vault(), &rows).await?;
        insert_messages(&tx, cases).await?;
        insert_results(&tx, cases).await?;
        let days = insert_outcomes(&tx, cases).await?;
        // The rest in one round trip (`pipeline`): events, keys, deadline rows, the cases' own
        // rows, then the shared rows last, in key order and in the order every writer takes them
        // (case counts, receipt days, outcome days; warning counts below), so concurrent imports
        // and live writers hold them only while they commit and cannot deadlock over them.
        let mut p = Pipeline::new(&tx);
        let events: Vec<_> = cases
            .iter()
            .flat_map(|c| c.events.iter().cloned())
            .collect();
        insert_events_into(&mut p, self.vault(), &events).await?;
        for c in cases {
            insert_keys_into(&mut p, &c.case, &c.events).await?;
        }
        let fees: Vec<&store::FeeEntry> = cases.iter().flat_map(|c| &c.effects.fees).collect();
        crate::fees::fees_into(&mut p, &fees).await?;
        let violations: Vec<&store::ViolationRecord> =
            cases.iter().flat_map(|c| &c.effects.violations).collect();
        crate::violations::violations_into(&mut p, &violations).await?;
        let deadlines: Vec<&DeadlineRow> = cases
            .iter()
            .filter_map(|c| c.effects.supervision.as_ref())
            .flat_map(|sv| &sv.rows)
            .collect();
        if !deadlines.is_empty() {
            deadline_inserts_into(&mut p, &deadlines).await?;
        }
        let mut planned = PlannedRows::default();
        for (c, s) in &rows {
            planned.add(
                &s.number,
                write_plan::plan(None, &Followed::of(s, c.received_on)),
            );
        }
        let mut shared = planned.cases_into(&mut p).await?;
        shared.outcome_days = days;
        shared.into(&mut p).await?;
        p.run().await?;
        // Raising counts warnings into `warning_counts` (a trigger): last, as live writers do.
        raise_warnings(&tx, cases).await?;
        tx.commit().await.map_err(db)
    }
}

async fn insert_messages(tx: &impl GenericClient, cases: &[ImportedCase]) -> Result<()> {
    let messages: Vec<&store::Message> = cases.iter().flat_map(|c| &c.effects.messages).collect();
    if messages.is_empty() {
        return Ok(());
    }
    let users: Vec<Option<i64>> = messages.iter().map(|m| m.user_id).collect();
    let numbers: Vec<&str> = messages.iter().map(|m| m.case_number.as_str()).collect();
    let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
    let ats: Vec<DateTime<Utc>> = messages.iter().map(|m| m.created_at).collect();
    // In the batch's order, so ids ascend as they would have one message at a time.
    let stmt = tx
        .prepare_cached(
            "INSERT INTO messages (user_id, case_number, text, created_at)
             SELECT u, n, t, a
             FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[])
                  WITH ORDINALITY AS m(u, n, t, a, i)
             ORDER BY i",
        )
        .await
        .map_err(db)?;
    tx.execute(&stmt, &[&users, &numbers, &texts, &ats])
        .await
        .map_err(db)?;
    Ok(())
}

async fn insert_results(tx: &impl GenericClient, cases: &[ImportedCase]) -> Result<()> {
    let results: Vec<&store::PublishedResult> = cases
        .iter()
        .filter_map(|c| c.effects.result.as_ref())
        .collect();
    if results.is_empty() {
        return Ok(());
    }
    let numbers: Vec<&str> = results.iter().map(|r| r.case_number.as_str()).collect();
    let items: Vec<&str> = results.iter().map(|r| r.item_name.as_str()).collect();
    let masked: Vec<&str> = results
        .iter()
        .map(|r| r.applicant_masked.as_str())
        .collect();
    let decided: Vec<NaiveDate> = results.iter().map(|r| r.decided_on).collect();
    let licences: Vec<&str> = results.iter().map(|r| r.licence_no.as_str()).collect();
    let places: Vec<&str> = results.iter().map(|r| r.place.as_str()).collect();
    let stmt = tx
        .prepare_cached(
            "INSERT INTO results (case_number, item_name, applicant_masked, decided_on,
                                  licence_no, place_region, published_at)
             SELECT n, i, m, d, l, p, $7
             FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[])
                  AS r(n, i, m, d, l, p)",
        )
        .await
        .map_err(db)?;
    tx.execute(
        &stmt,
        &[
            &numbers,
            &items,
            &masked,
            &decided,
            &licences,
            &places,
            &Utc::now(),
        ],
    )
    .await
    .map_err(db)?;
    Ok(())
}

/// The open warnings the cases come with (as `raise_c`: an open one already there stays).
async fn raise_warnings(tx: &impl GenericClient, cases: &[ImportedCase]) -> Result<()> {
    let open: Vec<&store::WarningRecord> = cases
        .iter()
        .filter_map(|c| c.effects.supervision.as_ref())
        .flat_map(|sv| &sv.open)
        .collect();
    if open.is_empty() {
        return Ok(());
    }
    let numbers: Vec<&str> = open.iter().map(|w| w.case_number.as_str()).collect();
    let keys: Vec<&str> = open.iter().map(|w| w.key.as_str()).collect();
    let colours: Vec<&str> = open.iter().map(|w| w.colour.as_str()).collect();
    let labels: Vec<&str> = open.iter().map(|w| w.label.as_str()).collect();
    let places: Vec<&str> = open.iter().map(|w| w.place.as_str()).collect();
    let decides: Vec<&str> = open.iter().map(|w| w.decide_place.as_str()).collect();
    let departments: Vec<&str> = open.iter().map(|w| w.department.as_str()).collect();
    let dues: Vec<NaiveDate> = open.iter().map(|w| w.due).collect();
    let raised: Vec<DateTime<Utc>> = open.iter().map(|w| w.raised_at).collect();
    let stmt = tx
        .prepare_cached(
            "INSERT INTO warnings (case_number, key, colour, label, place_region, decide_region,
                department, due, raised_at)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                $6::text[], $7::text[], $8::date[], $9::timestamptz[])
             ON CONFLICT (case_number, key, colour) WHERE cleared_at IS NULL DO NOTHING",
        )
        .await
        .map_err(db)?;
    tx.execute(
        &stmt,
        &[
            &numbers,
            &keys,
            &colours,
            &labels,
            &places,
            &decides,
            &departments,
            &dues,
            &raised,
        ],
    )
    .await
    .map_err(db)?;
    Ok(())
}

/// The cases' outcomes; returns their `outcome_days` figures, for the caller to add last.
async fn insert_outcomes(tx: &impl GenericClient, cases: &[ImportedCase]) -> Result<OutcomeDays> {
    let mut days = OutcomeDays::new();
    let outcomes: Vec<&store::OutcomeRecord> = cases
        .iter()
        .filter_map(|c| c.effects.outcome.as_ref())
        .collect();
    if outcomes.is_empty() {
        return Ok(days);
    }
    let numbers: Vec<&str> = outcomes.iter().map(|o| o.case_number.as_str()).collect();
    let completed: Vec<NaiveDate> = outcomes.iter().map(|o| o.completed_on).collect();
    let places: Vec<&str> = outcomes.iter().map(|o| o.place.as_str()).collect();
    let decides: Vec<&str> = outcomes.iter().map(|o| o.decide_place.as_str()).collect();
    let departments: Vec<&str> = outcomes.iter().map(|o| o.department.as_str()).collect();
    let accepted: Vec<&str> = outcomes.iter().map(|o| o.accepted_by.as_str()).collect();
    let decided: Vec<&str> = outcomes.iter().map(|o| o.decided_by.as_str()).collect();
    let on_time: Vec<bool> = outcomes.iter().map(|o| o.on_time).collect();
    let early: Vec<bool> = outcomes.iter().map(|o| o.early).collect();
    let working: Vec<i64> = outcomes.iter().map(|o| i64::from(o.working_days)).collect();
    let overdue: Vec<bool> = outcomes.iter().map(|o| o.overdue).collect();
    let warnings: Vec<i64> = outcomes.iter().map(|o| i64::from(o.warnings)).collect();
    let violations: Vec<i64> = outcomes.iter().map(|o| i64::from(o.violations)).collect();
    let stmt = tx
        .prepare_cached(&format!(
            "INSERT INTO case_outcomes ({})
             SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::text[],
                $6::text[], $7::text[], $8::bool[], $9::bool[], $10::bigint[], $11::bool[],
                $12::bigint[], $13::bigint[])",
            crate::supervision::OUTCOME_COLUMNS
        ))
        .await
        .map_err(db)?;
    tx.execute(
        &stmt,
        &[
            &numbers,
            &completed,
            &places,
            &decides,
            &departments,
            &accepted,
            &decided,
            &on_time,
            &early,
            &working,
            &overdue,
            &warnings,
            &violations,
        ],
    )
    .await
    .map_err(db)?;
    for o in outcomes {
        outcome_day(&mut days, &o.case_number, None, Some(o));
    }
    Ok(days)
}
