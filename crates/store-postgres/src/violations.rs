//! Violations found as events are recorded (纠错, issue 19, finding 16): written in a case's
//! transition, listed by supervision across a subtree.

use crate::pipeline::Pipeline;
use crate::query::Query;
use crate::{corrupt, params, PgStore};
use chrono::NaiveDate;
use deadpool_postgres::GenericClient;
use domain::region::RegionCode;
use store::{Result, ViolationQuery, ViolationRecord};
use tokio_postgres::Row;

/// Adds the violations to the pipeline in one statement (a replayed write adds none twice).
pub(crate) async fn violations_into<C: GenericClient>(
    p: &mut Pipeline<'_, C>,
    rows: &[&ViolationRecord],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let text = |f: fn(&ViolationRecord) -> String| rows.iter().map(|v| f(v)).collect::<Vec<_>>();
    p.add(
        "INSERT INTO case_violations (case_number, seq, rule, found_on, place_region,
             decide_region, department, item_name, detail)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::date[], $5::text[],
             $6::text[], $7::text[], $8::text[], $9::text[])
         ON CONFLICT (case_number, seq, rule) DO NOTHING",
        params![
            text(|v| v.case_number.clone()),
            rows.iter().map(|v| v.seq as i32).collect::<Vec<i32>>(),
            text(|v| v.rule.clone()),
            rows.iter().map(|v| v.found_on).collect::<Vec<NaiveDate>>(),
            text(|v| v.place.as_str().to_string()),
            text(|v| v.decide_place.as_str().to_string()),
            text(|v| v.department.clone()),
            text(|v| v.item_name.clone()),
            text(|v| v.detail.clone())
        ],
    )
    .await
    .map(drop)
}

fn violation_from_row(r: &Row) -> Result<ViolationRecord> {
    let code = |i: usize| {
        let s: String = r.get(i);
        RegionCode::parse(&s).map_err(|_| corrupt("region code", &s))
    };
    Ok(ViolationRecord {
        case_number: r.get(0),
        seq: r.get::<_, i32>(1) as u32,
        rule: r.get(2),
        found_on: r.get(3),
        place: code(4)?,
        decide_place: code(5)?,
        department: r.get(6),
        item_name: r.get(7),
        detail: r.get(8),
    })
}

impl PgStore {
    pub(crate) async fn list_violations_(
        &self,
        v: &ViolationQuery,
    ) -> Result<Vec<ViolationRecord>> {
        let mut q = Query::new(
            "SELECT case_number, seq, rule, found_on, place_region, decide_region, department,
                    item_name, detail
             FROM case_violations WHERE (",
        );
        q.scope("place_region", &v.scope);
        q.push(" OR ");
        q.scope("decide_region", &v.scope);
        let from = q.bind(v.from);
        let until = q.bind(v.until);
        q.push(&format!(") AND found_on >= {from} AND found_on <= {until}"));
        if let Some(rule) = &v.rule {
            let r = q.bind(rule.clone());
            q.push(&format!(" AND rule = {r}"));
        }
        let limit = q.bind(i64::from(v.limit));
        q.push(&format!(
            " ORDER BY found_on DESC, case_number, seq, rule LIMIT {limit}"
        ));
        let conn = self.conn().await?;
        q.run(&conn).await?.iter().map(violation_from_row).collect()
    }
}
