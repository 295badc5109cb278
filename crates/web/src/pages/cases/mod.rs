//! Case pages: work queues, filing at a window or village room, online application, the case page
//! with only the actions this user may take now, public lookup, results and registration.

use super::{csrf_input, layout, PageError, PageResult};
use crate::api::cases::queue;
use crate::auth::PageUser;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use chrono::NaiveDate;
use domain::access::{Action, Role};
use maud::html;
use serde::Deserialize;

use domain::time::minute as local;

mod act;
mod filing;
mod page;
mod public;
pub use act::*;
pub use filing::*;
pub use page::*;
pub use public::*;

/// "剩3个工作日" / "今日到期" / "超期2个工作日", with the class the row is highlighted by.
pub fn remaining(
    state: &AppState,
    cal: &domain::calendar::WorkingCalendar,
    due: Option<NaiveDate>,
) -> (String, &'static str) {
    let Some(due) = due else {
        return (String::new(), "");
    };
    let left = cal.working_days_left(state.clock.today(), due);
    match left {
        l if l < 0 => (format!("超期{}个工作日", -l), "overdue"),
        0 => ("今日到期".into(), "near"),
        l if l <= 2 => (format!("剩{l}个工作日"), "near"),
        l => (format!("剩{l}个工作日"), ""),
    }
}

/// The calendar of each region among `regions` (its own and its ancestors' closures): days left
/// are counted as the deadlines were, on the calendar of the place that set them.
pub async fn calendars(
    state: &AppState,
    regions: Vec<domain::region::RegionCode>,
) -> Result<
    std::collections::HashMap<
        domain::region::RegionCode,
        std::sync::Arc<domain::calendar::WorkingCalendar>,
    >,
    crate::error::AppError,
> {
    let mut map = std::collections::HashMap::new();
    for r in regions {
        if let std::collections::hash_map::Entry::Vacant(e) = map.entry(r.clone()) {
            e.insert(state.calendar_for(&r).await?);
        }
    }
    Ok(map)
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    q: String,
    /// Where the page starts (the previous page's "下一页" link).
    #[serde(default)]
    after: Option<String>,
    /// Search within the queue: number, applicant or item.
    #[serde(default)]
    text: String,
}

/// Rows per page of a work queue.
const QUEUE_PAGE: u32 = 100;

pub async fn workbench(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<QueueQuery>,
) -> PageResult {
    let staff = u.can_anywhere(Action::ReadCases);
    let tabs: Vec<(&str, &str)> = if u.grants().iter().any(|g| g.role == Role::GovernmentHead) {
        // The government head's work: joint items' extensions (art. 42 para. 2).
        vec![("extend", "待批延期"), ("all", "全部")]
    } else if staff {
        vec![
            ("prereview", "待预审"),
            ("review", "待审查"),
            ("decide", "待决定"),
            ("deliver", "待送达"),
            ("all", "全部"),
        ]
    } else {
        vec![(
            "mine",
            if u.grants().iter().any(|g| g.role == Role::VillageAgent) {
                "代办台账"
            } else {
                "我的办件"
            },
        )]
    };
    let current = if tabs.iter().any(|(k, _)| *k == q.q) {
        q.q.clone()
    } else {
        tabs[0].0.to_string()
    };
    let page =
        crate::api::cases::Page::parse(q.after.as_deref(), None, QUEUE_PAGE)?.searching(&q.text)?;
    let first_page = page.after.is_none();
    // The search goes with every link of the queue.
    let text = q.text.trim();
    let search_qs = if text.is_empty() {
        String::new()
    } else {
        format!("&text={}", crate::pages::query_value(text))
    };
    let crate::api::cases::QueuePage { rows, next } = queue(&state, &u, &current, &page).await?;
    let cals = calendars(&state, rows.iter().map(|r| r.place.clone()).collect()).await?;
    let messages = if staff {
        vec![]
    } else {
        app::cases::messages(&state, &u).await?
    };
    let can_file = u
        .grants()
        .iter()
        .any(|g| matches!(g.role, Role::WindowClerk | Role::VillageAgent));
    let body = html! {
        h1 { @if staff { "办件工作台" } @else if u.grants().iter().any(|g| g.role == Role::VillageAgent) { "代办台账" } @else { "我的办件" } }
        div.actions {
            @if can_file { a.button href="/cases/new" { @if u.grants().iter().any(|g| g.role == Role::VillageAgent) { "代办登记" } @else { "窗口收件登记" } } }
            @if !staff { a.button href="/catalog" { "在线申报" } }
        }
        @if staff {
            form.inline.search method="get" action="/cases" role="search" aria-label="在队列中搜索" {
                input type="hidden" name="q" value=(current);
                label for="text" { "搜索办件" }
                input #text type="search" name="text" value=(text) maxlength="50" placeholder="办件编号、申请人或事项名称";
                button type="submit" { "搜索" }
                @if !text.is_empty() { " " a href={ "/cases?q=" (current) } { "清除" } }
            }
            (id_lookup_form(&u, "", &[]))
        }
        nav.tabs aria-label="队列" {
            @for (k, label) in &tabs { a.tab.current[*k == current] href={ "/cases?q=" (k) (search_qs) } { (label) } }
        }
        @if rows.is_empty() { p.hint { @if text.is_empty() { "暂无办件。" } @else { "没有找到含“" (text) "”的办件。" } } } @else {
            div.table-wrap { table {
                thead { tr { th { "办件编号" } th { "事项" } th { "申请人" } th { "状态" } th { "期限" } th { "剩余" } } }
                tbody { @for r in &rows {
                    @let (left, class) = remaining(&state, &cals[&r.place], r.due);
                    tr class=(class) {
                        td { a.num href={ "/cases/" (r.number) } { (r.number) } }
                        td { (r.item_name) }
                        td { @if staff { (r.applicant_name) } @else { (domain::identity::mask_name(&r.applicant_name)) } }
                        td { (r.state.label()) }
                        td { @if let Some(d) = r.due { (d) } }
                        td { (left) }
                    }
                } }
            } }
        }
        @if !first_page || next.is_some() {
            nav.pager aria-label="翻页" {
                @if !first_page { a.button href={ "/cases?q=" (current) (search_qs) } { "第一页" } }
                @if let Some(n) = &next { a.button href={ "/cases?q=" (current) "&after=" (n.encode()) (search_qs) } { "下一页" } }
            }
        }
        @if !messages.is_empty() {
            h2 { "办件消息" }
            ul { @for m in messages.iter().rev().take(30) { li { span.hint { (local(m.created_at)) " " } a href={ "/cases/" (m.case_number) } { (m.case_number) } ":" (m.text) } } }
        }
    };
    Ok(layout("办件", Some(&u), body).into_response())
}

/// The staff's lookup of a person's cases by ID number: posted, so the number is in no URL and no
/// access log.
fn id_lookup_form(
    u: &crate::auth::Authed,
    typed: &str,
    errs: &[domain::FieldError],
) -> maud::Markup {
    html! {
        form.inline method="post" action="/cases/by-id-number" {
            (super::csrf_input(u))
            label for="id_number" { "按证件号查找申请人的办件" }
            input #id_number type="text" name="id_number" value=(typed) required
                autocomplete="off" inputmode="text" maxlength="40"
                placeholder="身份证号码或统一社会信用代码";
            button type="submit" { "查找" }
            (super::field_errors(errs, "id_number"))
        }
    }
}

#[derive(Deserialize)]
pub struct IdLookupForm {
    #[serde(default)]
    id_number: String,
}

pub async fn cases_by_id_number(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    crate::pages::Form(f): crate::pages::Form<IdLookupForm>,
) -> PageResult {
    let (rows, errs) = match app::personal::cases_by_id_number(&state, &u, &f.id_number).await {
        Ok(rows) => (rows, vec![]),
        Err(crate::error::AppError::BadRequest {
            code,
            message,
            field: Some(field),
        }) => (
            vec![],
            vec![domain::FieldError {
                field,
                code: code.to_string(),
                message,
            }],
        ),
        Err(e) => return Err(e.into()),
    };
    let body = html! {
        h1 { "按证件号查找办件" }
        (id_lookup_form(&u, &f.id_number, &errs))
        @if errs.is_empty() {
            @if rows.is_empty() { p.hint { "没有找到您可查看的该申请人的办件。" } } @else {
                p.hint { "共 " (rows.len()) " 件(新的在前)。" }
                div.table-wrap { table {
                    thead { tr { th { "办件编号" } th { "事项" } th { "申请人" } th { "状态" } th { "登记时间" } th { "期限" } } }
                    tbody { @for r in &rows {
                        tr {
                            td { a.num href={ "/cases/" (r.number) } { (r.number) } }
                            td { (r.item_name) }
                            td { (r.applicant_name) }
                            td { (r.state.label()) }
                            td { (local(r.created_at)) }
                            td { @if let Some(d) = r.due { (d) } }
                        }
                    } }
                } }
            }
        }
        p { a href="/cases" { "返回办件工作台" } }
    };
    let status = if errs.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, layout("按证件号查找办件", Some(&u), body)).into_response())
}
