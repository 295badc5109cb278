//! The fee ledger (收费台账) and void receipt numbers: written in a case's transition, read by the
//! daily receipt report and the reconciliation (issue 19, finding 6).

use crate::pipeline::Pipeline;
use crate::{corrupt, db, params, violated, PgStore};
use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::GenericClient;
use domain::region::RegionCode;
use store::{FeeEntry, FeeKind, Result, VoidReceipt};
use tokio_postgres::error::SqlState;
use tokio_postgres::Row;

/// Adds ledger lines to the pipeline, all in one statement. A paper receipt number recorded
/// before fails it on the unique index (concurrent writers included) as `paper_receipt_taken`.
pub(crate) async fn fees_into<C: GenericClient>(
    p: &mut Pipeline<'_, C>,
    fees: &[&FeeEntry],
) -> Result<()> {
    if fees.is_empty() {
        return Ok(());
    }
    let col = |f: fn(&FeeEntry) -> String| fees.iter().map(|e| f(e)).collect::<Vec<String>>();
    let papers: Vec<Option<String>> = fees.iter().map(|f| f.paper_no.clone()).collect();
    let first_paper = papers.iter().flatten().next().cloned().unwrap_or_default();
    p.add_or(
        "INSERT INTO fee_ledger (case_number, seq, center, day, at, kind, receipt_no, paper_no,
             amount_fen, method, item_code, item_name, department, recorded_by, reason)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::date[], $5::timestamptz[],
             $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[], $11::text[],
             $12::text[], $13::text[], $14::text[], $15::text[])",
        params![
            col(|f| f.case_number.clone()),
            fees.iter().map(|f| f.seq as i32).collect::<Vec<i32>>(),
            col(|f| f.center.as_str().to_string()),
            fees.iter().map(|f| f.day).collect::<Vec<NaiveDate>>(),
            fees.iter().map(|f| f.at).collect::<Vec<DateTime<Utc>>>(),
            col(|f| f.kind.as_str().to_string()),
            col(|f| f.receipt_no.clone()),
            papers,
            fees.iter().map(|f| f.amount_fen).collect::<Vec<i64>>(),
            col(|f| f.method.clone()),
            col(|f| f.item_code.clone()),
            col(|f| f.item_name.clone()),
            col(|f| f.department.clone()),
            col(|f| f.recorded_by.clone()),
            col(|f| f.reason.clone())
        ],
        Box::new(
            move |e| match violated(&e, &SqlState::UNIQUE_VIOLATION).as_deref() {
                Some("fee_ledger_paper_no_uq") => store::paper_receipt_taken(&first_paper),
                _ => db(e),
            },
        ),
    )
    .await
    .map(drop)
}

fn fee_from_row(r: &Row) -> Result<FeeEntry> {
    let kind: String = r.get(5);
    let center: String = r.get(2);
    Ok(FeeEntry {
        case_number: r.get(0),
        seq: r.get::<_, i32>(1) as u32,
        center: RegionCode::parse(&center).map_err(|_| corrupt("region code", &center))?,
        day: r.get(3),
        at: r.get(4),
        kind: FeeKind::parse(&kind).ok_or_else(|| corrupt("fee kind", &kind))?,
        receipt_no: r.get(6),
        paper_no: r.get(7),
        amount_fen: r.get(8),
        method: r.get(9),
        item_code: r.get(10),
        item_name: r.get(11),
        department: r.get(12),
        recorded_by: r.get(13),
        reason: r.get(14),
    })
}

impl PgStore {
    pub(crate) async fn counter_value_(&self, name: &str, scope: &str) -> Result<i64> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                "SELECT value FROM counters WHERE name = $1 AND scope = $2",
                &[&name, &scope],
            )
            .await
            .map_err(db)?;
        Ok(row.map_or(0, |r| r.get(0)))
    }

    pub(crate) async fn fee_entries_(
        &self,
        center: &RegionCode,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<FeeEntry>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT case_number, seq, center, day, at, kind, receipt_no, paper_no,
                        amount_fen, method, item_code, item_name, department, recorded_by, reason
                 FROM fee_ledger WHERE center = $1 AND day >= $2 AND day <= $3
                 ORDER BY at, case_number, seq",
                &[&center.as_str(), &from, &until],
            )
            .await
            .map_err(db)?;
        rows.iter().map(fee_from_row).collect()
    }

    pub(crate) async fn void_receipt_(&self, v: &VoidReceipt) -> Result<()> {
        let conn = self.conn().await?;
        conn.execute(
            "INSERT INTO void_receipts (receipt_no, center, reason, at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (receipt_no) DO NOTHING",
            &[&v.receipt_no, &v.center.as_str(), &v.reason, &v.at],
        )
        .await
        .map_err(db)
        .map(drop)
    }

    pub(crate) async fn void_receipts_(
        &self,
        center: &RegionCode,
        prefix: &str,
    ) -> Result<Vec<VoidReceipt>> {
        let conn = self.conn().await?;
        let pattern = format!("{prefix}%");
        let rows = conn
            .query(
                "SELECT receipt_no, center, reason, at FROM void_receipts
                 WHERE center = $1 AND receipt_no LIKE $2 ORDER BY receipt_no",
                &[&center.as_str(), &pattern],
            )
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                let center: String = r.get(1);
                Ok(VoidReceipt {
                    receipt_no: r.get(0),
                    center: RegionCode::parse(&center)
                        .map_err(|_| corrupt("region code", &center))?,
                    reason: r.get(2),
                    at: r.get(3),
                })
            })
            .collect()
    }
}
