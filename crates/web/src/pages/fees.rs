//! 收费日报: a center's receipts of one day with totals by item and method, the reconciliation's
//! findings, and the Excel export (issue 19, finding 6).

use super::{layout, PageResult};
use crate::auth::PageUser;
use crate::error::AppError;
use crate::state::AppState;
use app::fees::{self, DayReport};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use domain::catalog::format_yuan;
use domain::RegionCode;
use maud::html;
use serde::Deserialize;
use store::FeeKind;

#[derive(Debug, Default, Deserialize)]
pub struct DayQuery {
    #[serde(default)]
    pub center: String,
    #[serde(default)]
    pub day: String,
}

/// The center and day asked for: the first center the user may read when none is given, today
/// when no day is.
async fn resolve(
    state: &AppState,
    u: &crate::auth::Authed,
    q: &DayQuery,
) -> Result<(Vec<domain::region::ServicePlace>, RegionCode, NaiveDate), AppError> {
    let centers = fees::centers(state, u).await?;
    let center = match q.center.trim() {
        "" => centers
            .first()
            .map(|p| p.region_code.clone())
            .ok_or(app::Error::Forbidden)?,
        c => RegionCode::parse(c).map_err(|_| {
            AppError::bad_field("invalid_region_code", "center", "服务中心代码应为12位数字")
        })?,
    };
    let day = match q.day.trim() {
        "" => state.clock.today(),
        d => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| AppError::bad_field("invalid_date", "day", "日期格式应为 YYYY-MM-DD"))?,
    };
    Ok((centers, center, day))
}

pub async fn day_page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<DayQuery>,
) -> PageResult {
    let (centers, center, day) = resolve(&state, &u, &q).await?;
    let r = fees::day_report(&state, &u, &center, day).await?;
    let body = html! {
        h1 { "收费日报" }
        form.card.no-print method="get" action="/fees" aria-label="选择服务中心和日期" {
            div.grid {
                div { label for="center" { "服务中心" }
                    select #center name="center" {
                        @for p in &centers {
                            option value=(p.region_code) selected[p.region_code == center] { (p.name) }
                        }
                    }
                }
                div { label for="day" { "日期" } input #day type="date" name="day" value=(day); }
            }
            p.actions {
                button type="submit" { "查询" }
                " "
                a.button.secondary href={ "/fees.xlsx?center=" (center) "&day=" (day) } { "导出 Excel" }
            }
        }
        (report(&r))
    };
    Ok(layout("收费日报", Some(&u), body).into_response())
}

fn report(r: &DayReport) -> maud::Markup {
    let signed = |kind: FeeKind, fen: i64| match kind {
        FeeKind::Payment => format_yuan(fen),
        FeeKind::Refund => format!("-{}", format_yuan(fen)),
    };
    html! {
        h2 { (r.center_name) " " (r.day) }
        p.summary {
            "收费 " strong { (format_yuan(r.paid_fen)) } " 元,退费 " strong { (format_yuan(r.refunded_fen)) }
            " 元,净额 " strong { (format_yuan(r.net_fen())) } " 元;本年已开票据至第 " (r.last_serial) " 号"
        }
        section aria-labelledby="reconcile" {
            h3 #reconcile { "对账" }
            @if r.findings.is_empty() {
                p.ok { "对账无异常:本年开出的票据号均已入账或作废,当日收费与办件记录一致。" }
            } @else {
                ul.findings { @for f in &r.findings { li.overdue data-code=(f.code()) { (f.text()) } } }
            }
            @if !r.voided.is_empty() {
                p { "当日作废票据:" }
                ul { @for v in &r.voided { li { (v.receipt_no) ":" (v.reason) } } }
            }
        }
        h3 { "按事项汇总" }
        div.table-wrap { table {
            thead { tr { th scope="col" { "事项" } th scope="col" { "收费笔数" } th scope="col" { "收费(元)" } th scope="col" { "退费笔数" } th scope="col" { "退费(元)" } th scope="col" { "净额(元)" } } }
            tbody {
                @for t in &r.by_item { tr {
                    td { (t.item_name) } td { (t.payments) } td { (format_yuan(t.paid_fen)) }
                    td { (t.refunds) } td { (format_yuan(t.refunded_fen)) } td { (format_yuan(t.paid_fen - t.refunded_fen)) }
                } }
                @if r.by_item.is_empty() { tr { td colspan="6" { "当日无收费" } } }
            }
        } }
        h3 { "按收费方式汇总" }
        div.table-wrap { table {
            thead { tr { th scope="col" { "方式" } th scope="col" { "收费(元)" } th scope="col" { "退费(元)" } th scope="col" { "净额(元)" } } }
            tbody { @for m in &r.by_method { tr {
                td { (m.method.label()) } td { (format_yuan(m.paid_fen)) } td { (format_yuan(m.refunded_fen)) }
                td { (format_yuan(m.paid_fen - m.refunded_fen)) }
            } } }
        } }
        h3 { "收费明细" }
        div.table-wrap { table {
            thead { tr { th scope="col" { "时间" } th scope="col" { "类型" } th scope="col" { "票据号" } th scope="col" { "纸质票据号" } th scope="col" { "办件" } th scope="col" { "事项" } th scope="col" { "金额(元)" } th scope="col" { "方式" } th scope="col" { "经办人" } } }
            tbody { @for e in &r.entries { tr {
                td { (domain::time::minute(e.at)) }
                td { (fees::kind_label(e.kind)) }
                td { (e.receipt_no) }
                td { (e.paper_no.as_deref().unwrap_or("—")) }
                td { a href={ "/cases/" (e.case_number) } { (e.case_number) } }
                td { (e.item_name) }
                td { (signed(e.kind, e.amount_fen)) }
                td { (fees::method_label(&e.method)) }
                td { (e.recorded_by) @if !e.reason.is_empty() { span.hint { "(" (e.reason) ")" } } }
            } } }
        } }
    }
}

pub async fn day_xlsx(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<DayQuery>,
) -> PageResult {
    let (_, center, day) = resolve(&state, &u, &q).await?;
    let r = fees::day_report(&state, &u, &center, day).await?;
    let bytes = fees::day_report_xlsx(&r)?;
    let name = format!("attachment; filename=\"fees-{center}-{day}.xlsx\"");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}
