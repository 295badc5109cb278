//! The fee ledger (收费台账) and void receipt numbers: written in a case's transition, read by the
//! daily receipt report and the reconciliation (issue 19, finding 6).

use crate::{conversion, day_text, parse_code, parse_day, parse_ts, ts, Db, SqliteStore};
use chrono::NaiveDate;
use domain::region::RegionCode;
use rusqlite::{params, OptionalExtension, Row, Transaction};
use store::{FeeEntry, FeeKind, Result, VoidReceipt};

/// Adds ledger lines in the writer's transaction. A paper receipt number recorded before is a
/// conflict (the writer is alone, so the read and the insert see the same ledger).
pub(crate) fn insert_fees_tx(tx: &Transaction<'_>, fees: &[FeeEntry]) -> Result<()> {
    for f in fees {
        if let (FeeKind::Payment, Some(paper)) = (f.kind, &f.paper_no) {
            let taken: Option<String> = tx
                .prepare_cached(
                    "SELECT case_number FROM fee_ledger WHERE kind = 'payment' AND paper_no = ?1",
                )
                .db()?
                .query_row([paper], |r| r.get(0))
                .optional()
                .db()?;
            if taken.is_some() {
                return Err(store::paper_receipt_taken(paper));
            }
        }
        tx.prepare_cached(
            "INSERT INTO fee_ledger (case_number, seq, center, day, at, kind, receipt_no, paper_no,
                 amount_fen, method, item_code, item_name, department, recorded_by, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )
        .db()?
        .execute(params![
            f.case_number,
            i64::from(f.seq),
            f.center.as_str(),
            day_text(f.day),
            ts(f.at),
            f.kind.as_str(),
            f.receipt_no,
            f.paper_no,
            f.amount_fen,
            f.method,
            f.item_code,
            f.item_name,
            f.department,
            f.recorded_by,
            f.reason,
        ])
        .db()?;
    }
    Ok(())
}

fn fee_row(r: &Row<'_>) -> rusqlite::Result<FeeEntry> {
    let kind: String = r.get(5)?;
    Ok(FeeEntry {
        case_number: r.get(0)?,
        seq: r.get::<_, i64>(1)? as u32,
        center: parse_code(&r.get::<_, String>(2)?)?,
        day: parse_day(&r.get::<_, String>(3)?)?,
        at: parse_ts(&r.get::<_, String>(4)?)?,
        kind: FeeKind::parse(&kind).ok_or_else(|| conversion(format!("fee kind {kind}")))?,
        receipt_no: r.get(6)?,
        paper_no: r.get(7)?,
        amount_fen: r.get(8)?,
        method: r.get(9)?,
        item_code: r.get(10)?,
        item_name: r.get(11)?,
        department: r.get(12)?,
        recorded_by: r.get(13)?,
        reason: r.get(14)?,
    })
}

impl SqliteStore {
    pub(crate) async fn counter_value_(&self, name: &str, scope: &str) -> Result<i64> {
        let (name, scope) = (name.to_string(), scope.to_string());
        self.read_now(move |c| {
            c.prepare_cached("SELECT value FROM counters WHERE name = ?1 AND scope = ?2")
                .db()?
                .query_row([name, scope], |r| r.get(0))
                .optional()
                .db()
                .map(|v| v.unwrap_or(0))
        })
        .await
    }

    pub(crate) async fn fee_entries_(
        &self,
        center: &RegionCode,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<FeeEntry>> {
        let center = center.as_str().to_string();
        self.read(move |c| {
            let mut st = c
                .prepare_cached(
                    "SELECT case_number, seq, center, day, at, kind, receipt_no, paper_no,
                            amount_fen, method, item_code, item_name, department, recorded_by,
                            reason
                     FROM fee_ledger WHERE center = ?1 AND day >= ?2 AND day <= ?3
                     ORDER BY at, case_number, seq",
                )
                .db()?;
            let rows = st
                .query_map(params![center, day_text(from), day_text(until)], fee_row)
                .db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    pub(crate) async fn void_receipt_(&self, v: &VoidReceipt) -> Result<()> {
        let v = v.clone();
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO void_receipts (receipt_no, center, reason, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (receipt_no) DO NOTHING",
            )
            .db()?
            .execute(params![v.receipt_no, v.center.as_str(), v.reason, ts(v.at)])
            .db()
            .map(drop)
        })
        .await
    }

    pub(crate) async fn void_receipts_(
        &self,
        center: &RegionCode,
        prefix: &str,
    ) -> Result<Vec<VoidReceipt>> {
        let (center, pattern) = (center.as_str().to_string(), format!("{prefix}%"));
        self.read(move |c| {
            let mut st = c
                .prepare_cached(
                    "SELECT receipt_no, center, reason, at FROM void_receipts
                     WHERE center = ?1 AND receipt_no LIKE ?2 ORDER BY receipt_no",
                )
                .db()?;
            let rows = st
                .query_map(params![center, pattern], |r| {
                    Ok(VoidReceipt {
                        receipt_no: r.get(0)?,
                        center: parse_code(&r.get::<_, String>(1)?)?,
                        reason: r.get(2)?,
                        at: parse_ts(&r.get::<_, String>(3)?)?,
                    })
                })
                .db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }
}
