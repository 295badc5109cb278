//! `import_cases`: a batch of new cases written table by table, each table's rows for the whole
//! batch in one statement (arrays unnested on the server). Writing case by case took a dozen
//! single-row statements per case, and PostgreSQL spent half the import's CPU on their
//! per-statement overhead. What is written is what `commit_transition` writes for a new case
//! (the conformance suite reads both back the same); the cases being new, there is no earlier
//! outcome to take away and no open warning to clear.

use crate::cases::{count_shard, insert_events, packed, CountDeltas, ReceiptDeltas};
use crate::supervision::{outcome_day, OutcomeDays};
use crate::{db, PgStore};
use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::GenericClient;
use store::codec::Body;
use store::{
    case_exists, check_new_events, check_side_effects, listing, CaseSummary, ImportedCase, Result,
};

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
        insert_cases(&tx, cases).await?;
        insert_scopes(&tx, cases).await?;
        let events: Vec<_> = cases
            .iter()
            .flat_map(|c| c.events.iter().cloned())
            .collect();
        insert_events(&tx, &events).await?;
        insert_messages(&tx, cases).await?;
        insert_results(&tx, cases).await?;
        insert_deadlines(&tx, cases).await?;
        let days = insert_outcomes(&tx, cases).await?;
        // Shared rows last, in key order and in the order every writer takes them (case counts,
        // receipt days, outcome days, warning counts), so concurrent imports and live writers
        // hold them only while they commit and cannot deadlock over them.
        let mut deltas = CountDeltas::new();
        for c in cases {
            let f = &c.case.filing;
            let key = (
                f.place.to_string(),
                f.item.department.clone(),
                c.case.state.as_str(),
                count_shard(&f.number),
            );
            *deltas.entry(key).or_insert(0) += 1;
        }
        let mut receipts = ReceiptDeltas::new();
        for c in cases {
            let f = &c.case.filing;
            if let Some(day) = c.case.received_on {
                let key = (
                    day,
                    f.place.to_string(),
                    f.item.department.clone(),
                    count_shard(&f.number),
                );
                *receipts.entry(key).or_insert(0) += 1;
            }
        }
        crate::cases::add_counts(&tx, &deltas).await?;
        crate::cases::add_receipts(&tx, &receipts).await?;
        crate::supervision::add_outcome_days(&tx, &days).await?;
        // Raising counts warnings into `warning_counts` (a trigger): last, as live writers do.
        raise_warnings(&tx, cases).await?;
        tx.commit().await.map_err(db)
    }
}

/// The case rows; a number (or query code) already taken, in the database or earlier in the
/// batch, refuses the whole batch with that case's `case_exists`.
async fn insert_cases(tx: &impl GenericClient, cases: &[ImportedCase]) -> Result<()> {
    let s: Vec<CaseSummary> = cases
        .iter()
        .map(|c| CaseSummary::of(&c.case, c.events.last().map_or_else(Utc::now, |e| e.at)))
        .collect();
    let numbers: Vec<&str> = s.iter().map(|s| s.number.as_str()).collect();
    let codes: Vec<&str> = cases
        .iter()
        .map(|c| c.case.filing.query_code.as_str())
        .collect();
    let states: Vec<&str> = s.iter().map(|s| s.state.as_str()).collect();
    let item_codes: Vec<&str> = s.iter().map(|s| s.item_code.as_str()).collect();
    let item_names: Vec<&str> = s.iter().map(|s| s.item_name.as_str()).collect();
    let departments: Vec<&str> = s.iter().map(|s| s.department.as_str()).collect();
    let applicants: Vec<&str> = s.iter().map(|s| s.applicant_name.as_str()).collect();
    let places: Vec<&str> = s.iter().map(|s| s.place.as_str()).collect();
    let decides: Vec<&str> = s.iter().map(|s| s.decide_place.as_str()).collect();
    let regions: Vec<&str> = s.iter().map(|s| s.applicant_region.as_str()).collect();
    let applicant_ids: Vec<Option<i64>> = s.iter().map(|s| s.applicant_user_id).collect();
    let agent_ids: Vec<Option<i64>> = s.iter().map(|s| s.agent_user_id).collect();
    let dues: Vec<Option<NaiveDate>> = s.iter().map(|s| s.due).collect();
    let created: Vec<DateTime<Utc>> = s.iter().map(|s| s.created_at).collect();
    let updated: Vec<DateTime<Utc>> = s.iter().map(|s| s.updated_at).collect();
    let versions: Vec<i64> = s.iter().map(|s| i64::from(s.version)).collect();
    let bodies: Vec<Vec<u8>> = cases
        .iter()
        .map(|c| packed(Body::Case, &c.case))
        .collect::<Result<_>>()?;
    let received: Vec<Option<NaiveDate>> = cases.iter().map(|c| c.case.received_on).collect();
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
        return Ok(());
    }
    // Some row was not inserted: the first number not stored by this statement, or stored
    // twice in the batch, is the one taken.
    let mut inserted: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for r in &stored {
        *inserted.entry(r.get(0)).or_insert(0) += 1;
    }
    let mut seen = std::collections::HashSet::new();
    let taken = numbers
        .iter()
        .find(|n| !inserted.contains_key(**n) || !seen.insert(**n))
        .unwrap_or(&numbers[0]);
    Err(case_exists(taken))
}

/// Every case's `case_scopes` rows (store::listing).
async fn insert_scopes(tx: &impl GenericClient, cases: &[ImportedCase]) -> Result<()> {
    let mut prefixes: Vec<String> = vec![];
    let mut numbers: Vec<&str> = vec![];
    let mut vias: Vec<i64> = vec![];
    let mut states: Vec<&str> = vec![];
    let mut dues: Vec<NaiveDate> = vec![];
    for c in cases {
        let f = &c.case.filing;
        let due = c.case.current_deadline().unwrap_or_else(listing::sort_last);
        for (prefix, via) in listing::scope_rows(&f.place, &f.decide_place, &f.applicant_region) {
            prefixes.push(prefix);
            numbers.push(&f.number);
            vias.push(via);
            states.push(c.case.state.as_str());
            dues.push(due);
        }
    }
    let stmt = tx
        .prepare_cached(
            "INSERT INTO case_scopes (prefix, case_number, via, state, sort_due)
             SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::date[])",
        )
        .await
        .map_err(db)?;
    tx.execute(&stmt, &[&prefixes, &numbers, &vias, &states, &dues])
        .await
        .map_err(db)?;
    Ok(())
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

/// Deadline rows, with the places and department of their case row (as `replace_rows_c`).
async fn insert_deadlines(tx: &impl GenericClient, cases: &[ImportedCase]) -> Result<()> {
    let rows: Vec<&domain::supervision::DeadlineRow> = cases
        .iter()
        .filter_map(|c| c.effects.supervision.as_ref())
        .flat_map(|sv| &sv.rows)
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let numbers: Vec<&str> = rows.iter().map(|r| r.case_number.as_str()).collect();
    let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
    let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
    let dues: Vec<NaiveDate> = rows.iter().map(|r| r.due).collect();
    let yellows: Vec<NaiveDate> = rows.iter().map(|r| r.yellow_from).collect();
    let reds: Vec<NaiveDate> = rows.iter().map(|r| r.red_from).collect();
    let stmt = tx
        .prepare_cached(
            "INSERT INTO case_deadlines (case_number, key, label, due, yellow_from,
                red_from, place_region, decide_region, department)
             SELECT c.number, r.key, r.label, r.due, r.yellow_from, r.red_from,
                    c.place_region, c.decide_region, c.department
             FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::date[], $6::date[])
                    AS r(number, key, label, due, yellow_from, red_from)
             JOIN cases c ON c.number = r.number",
        )
        .await
        .map_err(db)?;
    tx.execute(&stmt, &[&numbers, &keys, &labels, &dues, &yellows, &reds])
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
        outcome_day(&mut days, o, 1);
    }
    Ok(days)
}
