//! What anyone may do: look a case up by its query code, read published results, register.

use super::{layout, PageError, PageResult};
use crate::api::cases::public_view;
use crate::auth::{Authed, MaybeUser};
use crate::error::AppError;
use crate::error::HttpError;
use crate::pages::Form;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect};
use domain::case::CaseState;
use domain::time::minute as local;
use maud::html;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct LookupForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    code: String,
}

pub async fn lookup(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<LookupForm>,
) -> PageResult {
    let result = if q.number.trim().is_empty() {
        None
    } else {
        Some(match crate::ids::looked_up_number(&q.number) {
            Ok(number) => public_view(&state, &number, &q.code).await,
            Err(e) => Err(e),
        })
    };
    let status = match &result {
        Some(Err(e)) => e.status(),
        _ => StatusCode::OK,
    };
    let body = html! {
        h1 { "办件查询" }
        form.card.stack method="get" action="/lookup" {
            label for="number" { "办件编号" } input #number type="text" name="number" value=(q.number) required inputmode="numeric";
            label for="code" { "查询码" } input #code type="text" name="code" value=(q.code) required autocomplete="off";
            div.actions { button type="submit" { "查询" } }
        }
        @match &result {
            Some(Ok(p)) => {
                div.card {
                    h2 { (p.item_name) }
                    table.kv {
                        tr { th { "办件编号" } td { span.num { (p.number) } } }
                        tr { th { "申请人" } td { (p.applicant) } }
                        tr { th { "当前状态" } td { strong { (p.state_label) } } }
                        @if let Some(d) = p.due { tr { th { "期限" } td { (d) } } }
                        tr { th { "下一步" } td { (p.next_step) } }
                        @if p.state == CaseState::Completed { tr { th { "服务评价" } td { a href={ "/rate?channel=online&number=" (p.number) "&code=" (q.code) } { "评价" } } } }
                    }
                    h3 { "办理过程" }
                    ol.timeline { @for (at, label) in &p.timeline { li { span.hint { (local(*at)) } " " (label) } } }
                }
            }
            Some(Err(e)) => { div.notice.bad role="alert" { (e.user_message()) } }
            None => {}
        }
    };
    Ok((status, layout("办件查询", u.as_ref(), body)).into_response())
}

/// Rows per page of the disclosed results.
const RESULTS_PAGE: u32 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResultsQuery {
    /// Words to find in the item name, licence number or case number.
    q: String,
    /// The previous page's last row: its decision date and case number (a malformed one is
    /// the first page, never an error page).
    before_day: String,
    before_no: String,
}

pub async fn results(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    axum::extract::Query(rq): axum::extract::Query<ResultsQuery>,
) -> PageResult {
    let before = rq
        .before_day
        .parse::<chrono::NaiveDate>()
        .ok()
        .filter(|_| !rq.before_no.is_empty())
        .map(|d| (d, rq.before_no.clone()));
    let text: String = rq.q.trim().chars().take(50).collect();
    let query = store::ResultQuery {
        text: text.clone(),
        after: before.clone(),
        // One more than shown: whether a next page exists.
        limit: RESULTS_PAGE + 1,
    };
    let mut rows = app::cases::results(&state, &query).await?;
    let more = rows.len() > RESULTS_PAGE as usize;
    rows.truncate(RESULTS_PAGE as usize);
    let next = more.then(|| rows.last()).flatten().map(|r| {
        serde_urlencoded::to_string([
            ("q", text.as_str()),
            ("before_day", &r.decided_on.to_string()),
            ("before_no", r.case_number.as_str()),
        ])
        .unwrap_or_default()
    });
    let body = html! {
        h1 { "办理结果公开" }
        p.hint { "个人信息已按规定脱敏。" }
        form.search method="get" action="/results" role="search" {
            label for="rq" { "查找事项、证照编号或办件编号" }
            input #rq type="search" name="q" value=(text) maxlength="50";
            button type="submit" { "查找" }
            @if !text.is_empty() { " " a href="/results" { "全部" } }
        }
        @if rows.is_empty() { p.hint { @if text.is_empty() { "暂无公开结果。" } @else { "没有找到“" (text) "”。" } } } @else {
            div.table-wrap { table {
                thead { tr { th { "决定日期" } th { "事项" } th { "申请人" } th { "证照编号" } th { "办件编号" } } }
                tbody { @for r in &rows { tr { td { (r.decided_on) } td { (r.item_name) } td { (r.applicant_masked) } td { (r.licence_no) } td { (r.case_number) } } } }
            } }
        }
        @if before.is_some() || next.is_some() {
            nav.pager aria-label="翻页" {
                @if before.is_some() { a href={ "/results?q=" (crate::pages::query_value(&text)) } { "最新" } " " }
                @if let Some(n) = &next { a href={ "/results?" (n) } { "下一页" } }
            }
        }
    };
    Ok(layout("结果公开", u.as_ref(), body).into_response())
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RegisterForm {
    username: String,
    name: String,
    id_number: String,
    phone: String,
    password: String,
    region: String,
}

pub async fn register_page(State(state): State<AppState>, MaybeUser(u): MaybeUser) -> PageResult {
    register_render(&state, u.as_ref(), &RegisterForm::default(), &[]).await
}

pub(super) async fn register_render(
    state: &AppState,
    u: Option<&Authed>,
    f: &RegisterForm,
    errs: &[domain::FieldError],
) -> PageResult {
    let regions = app::accounts::home_regions(state).await?;
    let token = crate::auth::random_token();
    let cookie = crate::auth::set_cookie(state, crate::auth::ANON_CSRF_COOKIE, &token, 3600);
    let status = if errs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = html! {
        h1 { "申请人注册" }
        form.stack.card method="post" action="/register" {
            input type="hidden" name="_csrf" value=(token);
            label for="username" { "用户名(字母、数字)" } input #username type="text" name="username" value=(f.username) required autocomplete="username"; (crate::pages::field_errors(errs, "username"))
            label for="name" { "姓名" } input #name type="text" name="name" value=(f.name) required; (crate::pages::field_errors(errs, "applicant.name"))
            label for="id_number" { "身份证号码" } input #id_number type="text" name="id_number" value=(f.id_number) required autocomplete="off"; (crate::pages::field_errors(errs, "applicant.id_number"))
            label for="phone" { "手机号" } input #phone type="tel" name="phone" value=(f.phone) required; (crate::pages::field_errors(errs, "applicant.phone"))
            label for="region" { "居住地(村、社区)" }
            select #region name="region" { @for r in &regions { option value=(r.code) selected[f.region == r.code.as_str()] { (r.name) " " (r.code) } } }
            label for="password" { "密码(至少8位,含字母和数字)" } input #password type="password" name="password" required autocomplete="new-password"; (crate::pages::field_errors(errs, "password"))
            div.actions { button type="submit" { "注册" } }
        }
    };
    Ok((
        status,
        [(header::SET_COOKIE, cookie)],
        layout("注册", u, body),
    )
        .into_response())
}

pub async fn register_submit(
    State(state): State<AppState>,
    Form(f): Form<RegisterForm>,
) -> PageResult {
    let registration = app::accounts::Registration {
        username: f.username.clone(),
        name: f.name.clone(),
        id_number: f.id_number.clone(),
        phone: f.phone.clone(),
        password: f.password.clone(),
        region: f.region.clone(),
    };
    match app::accounts::register(&state, &registration).await {
        Ok(_) => Ok(Redirect::to("/login?next=/cases").into_response()),
        Err(AppError::Validation(v)) => register_render(&state, None, &f, &v.errors).await,
        Err(e) => Err(PageError(e)),
    }
}
