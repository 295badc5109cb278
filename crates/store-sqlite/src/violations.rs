//! Violations found as events are recorded (纠错, issue 19, finding 16): written in a case's
//! transition, listed by supervision across a subtree.

use crate::{day_text, parse_code, parse_day, scope_condition, Db, SqliteStore};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Row, Transaction};
use store::{Result, ViolationQuery, ViolationRecord};

/// Adds the transition's violations in the writer's transaction (a replayed write adds none twice).
pub(crate) fn insert_violations_tx(tx: &Transaction<'_>, rows: &[ViolationRecord]) -> Result<()> {
    for v in rows {
        tx.prepare_cached(
            "INSERT INTO case_violations (case_number, seq, rule, found_on, place_region,
                 decide_region, department, item_name, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (case_number, seq, rule) DO NOTHING",
        )
        .db()?
        .execute(params![
            v.case_number,
            i64::from(v.seq),
            v.rule,
            day_text(v.found_on),
            v.place.as_str(),
            v.decide_place.as_str(),
            v.department,
            v.item_name,
            v.detail,
        ])
        .db()?;
    }
    Ok(())
}

fn violation_row(r: &Row<'_>) -> rusqlite::Result<ViolationRecord> {
    Ok(ViolationRecord {
        case_number: r.get(0)?,
        seq: r.get::<_, i64>(1)? as u32,
        rule: r.get(2)?,
        found_on: parse_day(&r.get::<_, String>(3)?)?,
        place: parse_code(&r.get::<_, String>(4)?)?,
        decide_place: parse_code(&r.get::<_, String>(5)?)?,
        department: r.get(6)?,
        item_name: r.get(7)?,
        detail: r.get(8)?,
    })
}

impl SqliteStore {
    pub(crate) async fn list_violations_(
        &self,
        q: &ViolationQuery,
    ) -> Result<Vec<ViolationRecord>> {
        let q = q.clone();
        self.read(move |c| {
            let mut p: Vec<Value> = Vec::new();
            let place = scope_condition("place_region", &q.scope, &mut p);
            let decide = scope_condition("decide_region", &q.scope, &mut p);
            // Placeholders are bound in the order they appear.
            p.push(Value::Text(day_text(q.from)));
            p.push(Value::Text(day_text(q.until)));
            let rule = match &q.rule {
                Some(r) => {
                    p.push(Value::Text(r.clone()));
                    "AND rule = ?"
                }
                None => "",
            };
            p.push(Value::Integer(i64::from(q.limit)));
            let mut st = c
                .prepare(&format!(
                    "SELECT case_number, seq, rule, found_on, place_region, decide_region,
                            department, item_name, detail
                     FROM case_violations
                     WHERE ({place} OR {decide}) AND found_on >= ? AND found_on <= ? {rule}
                     ORDER BY found_on DESC, case_number, seq, rule LIMIT ?"
                ))
                .db()?;
            let rows = st.query_map(params_from_iter(p), violation_row).db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }
}
