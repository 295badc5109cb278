//! Fees at the window (issue 19, finding 6): receipt numbers issued by the platform from each
//! center's counter, the fee ledger lines a command writes with its events, the daily receipt
//! report (收费日报) with its totals, and the reconciliation that flags a gap in the numbers or a
//! payment the ledger does not hold.

use crate::access::Caller;
use crate::{Error, Result, Services};
use chrono::{Datelike, NaiveDate};
use domain::access::Action;
use domain::case::{Case, CaseEvent, EventKind, PaymentMethod};
use domain::RegionCode;
use std::collections::{BTreeMap, BTreeSet};
use store::{FeeEntry, FeeKind, User, VoidReceipt};

/// The counter receipts are numbered from, per center and year.
const COUNTER: &str = "receipt";

/// What every receipt of a center in a year begins with: `PJ`, the center's 12-digit code, the
/// year. The serial follows, six digits or more.
pub fn receipt_prefix(center: &RegionCode, year: i32) -> String {
    format!("PJ{center}{year}")
}

fn counter_scope(center: &RegionCode, year: i32) -> String {
    format!("{center}{year}")
}

/// The serial of a receipt number of `prefix`, if it is one.
fn serial(prefix: &str, receipt_no: &str) -> Option<i64> {
    receipt_no.strip_prefix(prefix)?.parse().ok()
}

/// Takes the center's next receipt number (电子票据号). A number taken and then not used must be
/// voided ([`void`]) so the reconciliation can tell it from a lost one.
pub async fn next_receipt(state: &Services, center: &RegionCode) -> Result<String> {
    let year = state.clock.today().year();
    let n = state
        .store
        .next_counter(COUNTER, &counter_scope(center, year))
        .await?;
    Ok(format!("{}{n:06}", receipt_prefix(center, year)))
}

/// Records that `receipt_no` was taken and its payment not recorded, and why.
pub async fn void(state: &Services, center: &RegionCode, receipt_no: &str, reason: &str) {
    let v = VoidReceipt {
        receipt_no: receipt_no.to_string(),
        center: center.clone(),
        reason: reason.to_string(),
        at: state.clock.now(),
    };
    // The payment already failed; a failure here leaves a gap the reconciliation reports.
    if let Err(e) = state.store.void_receipt(&v).await {
        tracing::warn!(error = %e, "void receipt not recorded");
    }
}

/// The ledger lines of a command's new events: one per payment and one per refund.
pub fn ledger_lines(c: &Case, events: &[CaseEvent]) -> Vec<FeeEntry> {
    let f = &c.filing;
    let line = |e: &CaseEvent, kind, receipt_no: &str| FeeEntry {
        case_number: f.number.to_string(),
        seq: e.seq,
        center: f.place.clone(),
        day: domain::time::local_date(e.at),
        at: e.at,
        kind,
        receipt_no: receipt_no.to_string(),
        paper_no: None,
        amount_fen: 0,
        method: String::new(),
        item_code: f.item.code.clone(),
        item_name: f.item.name.clone(),
        department: f.item.department.clone(),
        recorded_by: e.actor.name.clone(),
        reason: String::new(),
    };
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PaymentRecorded {
                amount_fen,
                method,
                receipt_no,
                paper_no,
            } => Some(FeeEntry {
                paper_no: paper_no.clone(),
                amount_fen: *amount_fen,
                method: method.as_str().to_string(),
                ..line(e, FeeKind::Payment, receipt_no)
            }),
            EventKind::Refunded {
                amount_fen,
                reason,
                receipt_no,
            } => Some(FeeEntry {
                amount_fen: *amount_fen,
                // A refund goes back the way the money came.
                method: c
                    .receipts
                    .iter()
                    .find(|r| &r.receipt_no == receipt_no)
                    .map_or("cash", |r| r.method.as_str())
                    .to_string(),
                reason: reason.clone(),
                ..line(e, FeeKind::Refund, receipt_no)
            }),
            _ => None,
        })
        .collect()
}

/// One item's line of the daily report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemTotal {
    pub item_code: String,
    pub item_name: String,
    pub payments: u32,
    pub paid_fen: i64,
    pub refunds: u32,
    pub refunded_fen: i64,
}

/// One payment method's line of the daily report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodTotal {
    pub method: PaymentMethod,
    pub paid_fen: i64,
    pub refunded_fen: i64,
}

/// What the reconciliation (对账) found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A number issued by the counter that is neither in the ledger nor voided (缺号).
    Gap { receipt_no: String },
    /// A payment on a case whose receipt the ledger does not hold (收费无票据).
    PaymentWithoutReceipt {
        case_number: String,
        receipt_no: String,
        amount_fen: i64,
    },
    /// A ledger line the case's own record does not match (账实不符).
    LedgerMismatch {
        case_number: String,
        receipt_no: String,
    },
}

impl Finding {
    pub fn code(&self) -> &'static str {
        match self {
            Finding::Gap { .. } => "receipt_gap",
            Finding::PaymentWithoutReceipt { .. } => "payment_without_receipt",
            Finding::LedgerMismatch { .. } => "ledger_mismatch",
        }
    }

    pub fn text(&self) -> String {
        match self {
            Finding::Gap { receipt_no } => {
                format!("缺号:票据号 {receipt_no} 已开出,台账无记录,也未作废")
            }
            Finding::PaymentWithoutReceipt {
                case_number,
                receipt_no,
                amount_fen,
            } => format!(
                "收费无票据:办件 {case_number} 收费 {} 元(票据号 {receipt_no})不在台账中",
                domain::catalog::format_yuan(*amount_fen)
            ),
            Finding::LedgerMismatch {
                case_number,
                receipt_no,
            } => {
                format!("账实不符:台账中票据号 {receipt_no} 与办件 {case_number} 的收费记录不一致")
            }
        }
    }
}

/// A center's daily receipt report (收费日报) with its reconciliation.
#[derive(Debug, Clone)]
pub struct DayReport {
    pub center: RegionCode,
    pub center_name: String,
    pub day: NaiveDate,
    /// The day's ledger, in time order.
    pub entries: Vec<FeeEntry>,
    pub by_item: Vec<ItemTotal>,
    pub by_method: Vec<MethodTotal>,
    pub paid_fen: i64,
    pub refunded_fen: i64,
    /// The numbers voided that day.
    pub voided: Vec<VoidReceipt>,
    /// The last number the counter issued this year (0: none).
    pub last_serial: i64,
    pub findings: Vec<Finding>,
}

impl DayReport {
    pub fn net_fen(&self) -> i64 {
        self.paid_fen - self.refunded_fen
    }
}

/// The daily receipt report of `center` for `day`, for a user allowed to read its fees.
pub async fn day_report(
    state: &Services,
    u: &User,
    center: &RegionCode,
    day: NaiveDate,
) -> Result<DayReport> {
    u.authorize(Action::ReadFees, center)?;
    let region = state
        .store
        .get_region(center)
        .await?
        .ok_or(Error::NotFound("服务中心"))?;
    let year = day.year();
    let year_start = NaiveDate::from_ymd_opt(year, 1, 1).expect("1 January");
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).expect("31 December");
    let prefix = receipt_prefix(center, year);
    let year_ledger = state
        .store
        .fee_entries(center, year_start, year_end)
        .await?;
    let voids = state.store.void_receipts(center, &prefix).await?;
    let last_serial = state
        .store
        .counter_value(COUNTER, &counter_scope(center, year))
        .await?;
    let entries: Vec<FeeEntry> = year_ledger
        .iter()
        .filter(|e| e.day == day)
        .cloned()
        .collect();
    let mut cases = BTreeMap::new();
    for n in entries.iter().map(|e| e.case_number.clone()) {
        if let std::collections::btree_map::Entry::Vacant(v) = cases.entry(n) {
            let number = v.key().clone();
            if let Some(c) = state.store.get_case(&number).await? {
                v.insert(c);
            }
        }
    }
    let findings = reconcile(&prefix, last_serial, &year_ledger, &voids, &entries, &cases);
    let (by_item, by_method, paid_fen, refunded_fen) = totals(&entries);
    Ok(DayReport {
        center: center.clone(),
        center_name: region.name,
        day,
        entries,
        by_item,
        by_method,
        paid_fen,
        refunded_fen,
        voided: voids
            .into_iter()
            .filter(|v| domain::time::local_date(v.at) == day)
            .collect(),
        last_serial,
        findings,
    })
}

/// The service places whose fees `u` may read, by code: the centers the report can be asked for.
pub async fn centers(state: &Services, u: &User) -> Result<Vec<domain::region::ServicePlace>> {
    Ok(state.store.list_places(&u.scope(Action::ReadFees)).await?)
}

type Totals = (Vec<ItemTotal>, Vec<MethodTotal>, i64, i64);

fn totals(entries: &[FeeEntry]) -> Totals {
    let mut items: BTreeMap<String, ItemTotal> = BTreeMap::new();
    let mut methods: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    let (mut paid, mut refunded) = (0, 0);
    for e in entries {
        let t = items
            .entry(e.item_code.clone())
            .or_insert_with(|| ItemTotal {
                item_code: e.item_code.clone(),
                item_name: e.item_name.clone(),
                ..ItemTotal::default()
            });
        let m = methods.entry(e.method.as_str()).or_default();
        match e.kind {
            FeeKind::Payment => {
                t.payments += 1;
                t.paid_fen += e.amount_fen;
                m.0 += e.amount_fen;
                paid += e.amount_fen;
            }
            FeeKind::Refund => {
                t.refunds += 1;
                t.refunded_fen += e.amount_fen;
                m.1 += e.amount_fen;
                refunded += e.amount_fen;
            }
        }
    }
    let by_method = PaymentMethod::ALL
        .into_iter()
        .filter_map(|pm| {
            methods
                .get(pm.as_str())
                .map(|&(paid_fen, refunded_fen)| MethodTotal {
                    method: pm,
                    paid_fen,
                    refunded_fen,
                })
        })
        .collect();
    (items.into_values().collect(), by_method, paid, refunded)
}

/// The reconciliation (对账): every number the counter issued this year is in the ledger or
/// voided; every payment on the day's cases is in the ledger; every ledger payment of the day
/// matches its case. The rule is here once; the report shows what it finds.
fn reconcile(
    prefix: &str,
    last_serial: i64,
    year_ledger: &[FeeEntry],
    voids: &[VoidReceipt],
    day: &[FeeEntry],
    cases: &BTreeMap<String, Case>,
) -> Vec<Finding> {
    let mut out = vec![];
    let accounted: BTreeSet<i64> = year_ledger
        .iter()
        .filter(|e| e.kind == FeeKind::Payment)
        .map(|e| e.receipt_no.as_str())
        .chain(voids.iter().map(|v| v.receipt_no.as_str()))
        .filter_map(|no| serial(prefix, no))
        .collect();
    out.extend(
        (1..=last_serial)
            .filter(|n| !accounted.contains(n))
            .map(|n| Finding::Gap {
                receipt_no: format!("{prefix}{n:06}"),
            }),
    );
    let in_ledger: BTreeSet<&str> = year_ledger
        .iter()
        .filter(|e| e.kind == FeeKind::Payment)
        .map(|e| e.receipt_no.as_str())
        .collect();
    for (number, c) in cases {
        for r in &c.receipts {
            // Receipts of other years are reconciled with those years.
            let this_year = r.receipt_no.starts_with(prefix) || !r.receipt_no.starts_with("PJ");
            if this_year && !in_ledger.contains(r.receipt_no.as_str()) {
                out.push(Finding::PaymentWithoutReceipt {
                    case_number: number.clone(),
                    receipt_no: r.receipt_no.clone(),
                    amount_fen: r.amount_fen,
                });
            }
        }
    }
    for e in day.iter().filter(|e| e.kind == FeeKind::Payment) {
        let matches = cases.get(&e.case_number).is_some_and(|c| {
            c.receipts.iter().any(|r| {
                r.receipt_no == e.receipt_no
                    && r.amount_fen == e.amount_fen
                    && r.method.as_str() == e.method
            })
        });
        if !matches {
            out.push(Finding::LedgerMismatch {
                case_number: e.case_number.clone(),
                receipt_no: e.receipt_no.clone(),
            });
        }
    }
    out
}

/// The daily report as an Excel workbook: the ledger, the totals by item and by method, and the
/// reconciliation's findings, one sheet each.
pub fn day_report_xlsx(r: &DayReport) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let yuan = |fen: i64| fen as f64 / 100.0;
    let xl = |e: rust_xlsxwriter::XlsxError| Error::Internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    let title = format!("{} 收费日报 {}", r.center_name, r.day);
    {
        let ws = wb.add_worksheet().set_name("收费明细").map_err(xl)?;
        ws.write_string_with_format(0, 0, &title, &bold)
            .map_err(xl)?;
        let heads = [
            "时间",
            "类型",
            "票据号",
            "纸质票据号",
            "办件编号",
            "事项",
            "金额(元)",
            "方式",
            "经办人",
            "退费原因",
        ];
        for (i, h) in heads.iter().enumerate() {
            ws.write_string_with_format(2, i as u16, *h, &bold)
                .map_err(xl)?;
        }
        for (i, e) in r.entries.iter().enumerate() {
            let row = 3 + i as u32;
            let at = e.at.with_timezone(&domain::time::china());
            ws.write_string(row, 0, at.format("%H:%M:%S").to_string())
                .map_err(xl)?;
            ws.write_string(row, 1, kind_label(e.kind)).map_err(xl)?;
            ws.write_string(row, 2, &e.receipt_no).map_err(xl)?;
            ws.write_string(row, 3, e.paper_no.as_deref().unwrap_or(""))
                .map_err(xl)?;
            ws.write_string(row, 4, &e.case_number).map_err(xl)?;
            ws.write_string(row, 5, &e.item_name).map_err(xl)?;
            let signed = match e.kind {
                FeeKind::Payment => e.amount_fen,
                FeeKind::Refund => -e.amount_fen,
            };
            ws.write_number_with_format(row, 6, yuan(signed), &money)
                .map_err(xl)?;
            ws.write_string(row, 7, method_label(&e.method))
                .map_err(xl)?;
            ws.write_string(row, 8, &e.recorded_by).map_err(xl)?;
            ws.write_string(row, 9, &e.reason).map_err(xl)?;
        }
    }
    {
        let ws = wb.add_worksheet().set_name("按事项汇总").map_err(xl)?;
        ws.write_string_with_format(0, 0, &title, &bold)
            .map_err(xl)?;
        for (i, h) in [
            "事项编码",
            "事项",
            "收费笔数",
            "收费(元)",
            "退费笔数",
            "退费(元)",
            "净额(元)",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string_with_format(2, i as u16, *h, &bold)
                .map_err(xl)?;
        }
        let mut row = 3;
        for t in &r.by_item {
            ws.write_string(row, 0, &t.item_code).map_err(xl)?;
            ws.write_string(row, 1, &t.item_name).map_err(xl)?;
            ws.write_number(row, 2, t.payments).map_err(xl)?;
            ws.write_number_with_format(row, 3, yuan(t.paid_fen), &money)
                .map_err(xl)?;
            ws.write_number(row, 4, t.refunds).map_err(xl)?;
            ws.write_number_with_format(row, 5, yuan(t.refunded_fen), &money)
                .map_err(xl)?;
            ws.write_number_with_format(row, 6, yuan(t.paid_fen - t.refunded_fen), &money)
                .map_err(xl)?;
            row += 1;
        }
        ws.write_string_with_format(row, 1, "合计", &bold)
            .map_err(xl)?;
        ws.write_number_with_format(row, 3, yuan(r.paid_fen), &money)
            .map_err(xl)?;
        ws.write_number_with_format(row, 5, yuan(r.refunded_fen), &money)
            .map_err(xl)?;
        ws.write_number_with_format(row, 6, yuan(r.net_fen()), &money)
            .map_err(xl)?;
        row += 2;
        for (i, h) in ["收费方式", "收费(元)", "退费(元)", "净额(元)"]
            .iter()
            .enumerate()
        {
            ws.write_string_with_format(row, i as u16, *h, &bold)
                .map_err(xl)?;
        }
        for m in &r.by_method {
            row += 1;
            ws.write_string(row, 0, m.method.label()).map_err(xl)?;
            ws.write_number_with_format(row, 1, yuan(m.paid_fen), &money)
                .map_err(xl)?;
            ws.write_number_with_format(row, 2, yuan(m.refunded_fen), &money)
                .map_err(xl)?;
            ws.write_number_with_format(row, 3, yuan(m.paid_fen - m.refunded_fen), &money)
                .map_err(xl)?;
        }
    }
    {
        let ws = wb.add_worksheet().set_name("对账").map_err(xl)?;
        ws.write_string_with_format(0, 0, &title, &bold)
            .map_err(xl)?;
        ws.write_string(1, 0, format!("本年已开票据至第 {} 号", r.last_serial))
            .map_err(xl)?;
        if r.findings.is_empty() {
            ws.write_string(3, 0, "对账无异常").map_err(xl)?;
        }
        for (i, f) in r.findings.iter().enumerate() {
            ws.write_string(3 + i as u32, 0, f.text()).map_err(xl)?;
        }
        let base = 4 + r.findings.len() as u32;
        for (i, v) in r.voided.iter().enumerate() {
            ws.write_string(
                base + i as u32,
                0,
                format!("作废 {}:{}", v.receipt_no, v.reason),
            )
            .map_err(xl)?;
        }
    }
    wb.save_to_buffer().map_err(xl)
}

pub fn kind_label(k: FeeKind) -> &'static str {
    match k {
        FeeKind::Payment => "收费",
        FeeKind::Refund => "退费",
    }
}

/// The Chinese name of a stored payment method word.
pub fn method_label(method: &str) -> &'static str {
    method
        .parse::<PaymentMethod>()
        .map_or("其他", PaymentMethod::label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: FeeKind, receipt_no: &str, amount_fen: i64, method: &str) -> FeeEntry {
        FeeEntry {
            case_number: "N1".into(),
            seq: 1,
            center: RegionCode::parse("339921001000").unwrap(),
            day: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            at: chrono::Utc::now(),
            kind,
            receipt_no: receipt_no.into(),
            paper_no: None,
            amount_fen,
            method: method.into(),
            item_code: "I1".into(),
            item_name: "事项".into(),
            department: "d".into(),
            recorded_by: "张三".into(),
            reason: String::new(),
        }
    }

    /// Every number up to the counter's is in the ledger or voided; what is neither is a gap.
    #[test]
    fn gaps_are_numbers_neither_recorded_nor_voided() {
        let p = "PJ3399210010002026";
        let ledger = vec![
            entry(FeeKind::Payment, &format!("{p}000001"), 100, "cash"),
            entry(FeeKind::Payment, &format!("{p}000004"), 100, "cash"),
            // A refund names a receipt; it does not account for a number of its own.
            entry(FeeKind::Refund, &format!("{p}000002"), 100, "cash"),
        ];
        let voids = vec![VoidReceipt {
            receipt_no: format!("{p}000003"),
            center: RegionCode::parse("339921001000").unwrap(),
            reason: "办件已被他人更新".into(),
            at: chrono::Utc::now(),
        }];
        let found = reconcile(p, 5, &ledger, &voids, &[], &BTreeMap::new());
        assert_eq!(
            found,
            vec![
                Finding::Gap {
                    receipt_no: format!("{p}000002")
                },
                Finding::Gap {
                    receipt_no: format!("{p}000005")
                },
            ]
        );
        assert!(reconcile(p, 1, &ledger, &voids, &[], &BTreeMap::new()).is_empty());
    }

    #[test]
    fn totals_are_by_item_and_by_method() {
        let mut other = entry(FeeKind::Payment, "PJ2", 250, "card");
        other.item_code = "I2".into();
        let (items, methods, paid, refunded) = totals(&[
            entry(FeeKind::Payment, "PJ1", 1000, "cash"),
            other,
            entry(FeeKind::Refund, "PJ1", 300, "cash"),
        ]);
        assert_eq!((paid, refunded), (1250, 300));
        assert_eq!(items.len(), 2);
        assert_eq!(
            (
                items[0].payments,
                items[0].paid_fen,
                items[0].refunds,
                items[0].refunded_fen
            ),
            (1, 1000, 1, 300)
        );
        assert_eq!(
            methods,
            vec![
                MethodTotal {
                    method: PaymentMethod::Cash,
                    paid_fen: 1000,
                    refunded_fen: 300
                },
                MethodTotal {
                    method: PaymentMethod::Card,
                    paid_fen: 250,
                    refunded_fen: 0
                },
            ]
        );
    }
}
