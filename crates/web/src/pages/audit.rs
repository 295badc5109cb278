//! 审计日志: the auditor's page — search by date, account and action, read, export to Excel.

use super::{layout, PageResult};
use crate::auth::PageUser;
use crate::state::AppState;
use app::audit::Search;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use domain::audit::AuditAction;
use maud::html;

fn query_string(q: &Search) -> String {
    let mut parts = vec![];
    if let Some(d) = q.from {
        parts.push(format!("from={d}"));
    }
    if let Some(d) = q.until {
        parts.push(format!("until={d}"));
    }
    if let Some(a) = q.actor.as_deref().filter(|a| !a.is_empty()) {
        parts.push(format!("actor={}", super::query_value(a)));
    }
    if let Some(a) = q.action {
        parts.push(format!("action={}", a.as_str()));
    }
    parts.join("&")
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<Search>,
) -> PageResult {
    let rows = app::audit::search(&state, &u, &q).await?;
    let qs = query_string(&q);
    let body = html! {
        h1 { "审计日志" }
        p.hint { "登录、账户与授权变更、设置与规则修改、事项发布、日历导入、记录校验与检查点等安全相关操作;"
                 "记录只增不改,逐条哈希链接并随检查点封存。" }
        form.card method="get" action="/admin/audit" aria-label="筛选审计记录" {
            div.grid {
                div { label for="from" { "起始日期" } input #from type="date" name="from" value=[q.from.map(|d| d.to_string())]; }
                div { label for="until" { "截止日期" } input #until type="date" name="until" value=[q.until.map(|d| d.to_string())]; }
                div { label for="actor" { "操作人" } input #actor type="text" name="actor" maxlength="64" value=[q.actor.as_deref()]; }
                div { label for="action" { "操作" }
                    select #action name="action" {
                        option value="" { "全部" }
                        @for a in AuditAction::all() {
                            option value=(a.as_str()) selected[q.action == Some(a)] { (a.label()) }
                        }
                    }
                }
            }
            p.actions {
                button type="submit" { "查询" }
                " "
                a.button.secondary href={ "/admin/audit.xlsx?" (qs) } { "导出 Excel" }
            }
        }
        div.table-wrap { table {
            thead { tr { th { "编号" } th { "时间" } th { "操作人" } th { "来源" } th { "操作" } th { "对象" } th { "结果" } th { "说明" } } }
            tbody { @for e in &rows { tr {
                td { (e.seq) }
                td { (domain::time::minute(e.at)) }
                td { (e.actor) }
                td { (e.source) }
                td { (e.action.label()) }
                td { (e.object) }
                td { (e.outcome.label()) }
                td { (e.detail) }
            } } }
        } }
        @if rows.len() >= 200 {
            @if let Some(last) = rows.last() {
                p { a href={ "/admin/audit?" (qs) "&after=" (last.seq) } { "下一页" } }
            }
        }
    };
    Ok(layout("审计日志", Some(&u), body).into_response())
}

pub async fn xlsx(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<Search>,
) -> PageResult {
    let bytes = app::audit::export_xlsx(&state, &u, &q).await?;
    Ok(crate::api::audit::xlsx(bytes))
}
