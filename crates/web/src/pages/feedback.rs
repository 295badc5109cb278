//! Ratings (好差评), follow-ups, complaints and petitions (投诉, 信访, 举报), the kiosk and the
//! monthly statistics, §9 and §11.
//!
//! Public pages need no account: the case's query code proves the rater is the applicant, and the
//! complaint's follow code is the complainant's only key. Their forms use the double-submit CSRF
//! cookie (or the session token when someone is signed in, because the guard then expects that).

use super::{csrf_input, layout, PageError, PageResult};
use crate::auth::{self, ApiUser, Authed, MaybeUser, PageUser, ANON_CSRF_COOKIE, CSRF_FIELD};
use crate::error::HttpError;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{Datelike, NaiveDate};
use domain::access::{Action, Role, Scope};
use domain::case::{Case, CaseState};
use domain::feedback::{
    self as fb, Complainant, Complaint, ComplaintAction, ComplaintInput, ComplaintKind,
    ComplaintSubject, FollowUp, FollowUpAction, FollowUpStatus, RatingChannel, RatingLevel,
};
use domain::RegionCode;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use store::ItemFilter;

/// Settings administrators change: working days for a follow-up and for answering a complaint.
pub const FOLLOW_UP_DAYS_SETTING: &str = "feedback_follow_up_days";
pub const ANSWER_DAYS_SETTING: &str = "complaint_answer_days";
/// Seconds of inactivity after which a kiosk page returns to the start.
pub const KIOSK_IDLE_SECONDS: u32 = 90;

/// Routes of this module, merged into the application.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rate", get(rate_page).post(rate_submit))
        .route("/rate/appeal", post(appeal_submit))
        .route(
            "/complaints/new",
            get(complaint_form).post(complaint_submit),
        )
        .route("/complaints/lookup", get(complaint_lookup))
        .route("/feedback", get(staff_queue))
        .route("/feedback/settings", get(settings_page).post(settings_save))
        .route("/feedback/follow-ups/{id}", get(follow_up_page))
        .route("/feedback/follow-ups/{id}/act", post(follow_up_act))
        .route("/feedback/complaints/{id}", get(complaint_page))
        .route("/feedback/complaints/{id}/act", post(complaint_act))
        .route("/kiosk", get(kiosk_home))
        .route("/kiosk/search", get(kiosk_search))
        .route("/kiosk/theme", get(kiosk_theme))
        .route("/kiosk/items/{code}", get(kiosk_item))
        .route("/kiosk/items/{code}/print", get(kiosk_print))
        .route("/kiosk/lookup", get(kiosk_lookup))
        .route("/statistics", get(statistics_page))
        .route("/api/v1/feedback/statistics", get(statistics_api))
        .route("/api/v1/feedback/complaints", get(complaint_lookup_api))
        .route("/api/v1/feedback/overdue", get(overdue_api))
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

/// The CSRF value a form must carry, and the cookie to set when nobody is signed in.
fn form_token(state: &AppState, u: Option<&Authed>) -> (String, Option<String>) {
    match u {
        Some(a) => (a.session.csrf_token.clone(), None),
        None => {
            let token = auth::random_token();
            let cookie = auth::set_cookie(state, ANON_CSRF_COOKIE, &token, 3600);
            (token, Some(cookie))
        }
    }
}

fn with_cookie(status: StatusCode, cookie: Option<String>, page: Markup) -> Response {
    let mut resp = (status, page).into_response();
    if let Some(c) = cookie.and_then(|c| c.parse().ok()) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

use domain::time::minute as local;

async fn setting_days(state: &AppState, key: &str, default: u32) -> AppResult<u32> {
    Ok(state
        .store
        .get_setting(key)
        .await?
        .and_then(|v| v.trim().parse().ok())
        .filter(|d| (1..=60).contains(d))
        .unwrap_or(default))
}

fn is_admin(u: &Authed) -> bool {
    u.grants().iter().any(|g| g.role == Role::Administrator)
}

/// The unit's own staff: case handlers and the center's managers of that region.
fn may_handle(u: &Authed, unit: &RegionCode) -> bool {
    u.authorize(Action::HandleCases, unit).is_ok() || u.authorize(Action::ManageStaff, unit).is_ok()
}

fn may_supervise(u: &Authed, unit: &RegionCode) -> bool {
    u.authorize(Action::Supervise, unit).is_ok()
}

/// Every subtree in which the user handles or supervises feedback.
fn feedback_scopes(u: &Authed) -> Vec<Scope> {
    [Action::HandleCases, Action::ManageStaff, Action::Supervise]
        .into_iter()
        .map(|a| u.scope(a))
        .collect()
}

async fn case_by_code(state: &AppState, number: &str, code: &str) -> AppResult<Case> {
    state
        .store
        .find_case_by_query_code(number.trim(), code.trim().to_ascii_uppercase().as_str())
        .await?
        .ok_or_else(|| AppError::bad("lookup_failed", "办件编号或查询码不正确"))
}

/// What the public sees of who acted: a role, never a staff member's name.
fn public_actor(action: &str) -> &'static str {
    match action {
        "appeal" => "申请人",
        "review_appeal" => "监察机构",
        "opened" | "filed" => "系统",
        _ => "办理单位",
    }
}

fn action_label(action: &str) -> &'static str {
    match action {
        "opened" => "转办理单位回访",
        "filed" => "收到",
        "contact" => "联系申请人",
        "verify" => "核实情况",
        "rectify" => "整改",
        "report_back" => "反馈结果",
        "appeal" => "申诉复核",
        "review_appeal" => "复核意见",
        "accept" => "受理",
        "decline" => "不予受理",
        "answer" => "答复",
        _ => "处理",
    }
}

fn history(entries: &[fb::Entry], public: bool) -> Markup {
    html! {
        ol.timeline {
            @for e in entries {
                li {
                    span.hint { (local(e.at)) " " @if public { (public_actor(&e.action)) } @else { (e.actor) } }
                    " " strong { (action_label(&e.action)) }
                    @if !e.text.is_empty() { ":" (e.text) }
                }
            }
        }
    }
}

fn days_tag(state: &AppState, due: NaiveDate, open: bool) -> Markup {
    if !open {
        return html! {};
    }
    let (text, class) = super::cases::remaining(state, Some(due));
    html! { span.tag.(class) { (text) } }
}

// ---------------------------------------------------------------------------------------------
// Ratings (好差评) and the applicant's appeal

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RateQuery {
    number: String,
    code: String,
    channel: String,
}

pub async fn rate_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<RateQuery>,
) -> PageResult {
    let channel = RatingChannel::parse(&q.channel).unwrap_or(RatingChannel::Online);
    if q.number.trim().is_empty() {
        let body = html! {
            h1 { "服务评价" }
            (lookup_form(&q.number, &q.code, channel))
        };
        return Ok(layout("服务评价", u.as_ref(), body).into_response());
    }
    let c = case_by_code(&state, &q.number, &q.code).await?;
    rate_render(
        &state,
        u.as_ref(),
        &c,
        &q.code,
        channel,
        None,
        StatusCode::OK,
    )
    .await
}

fn lookup_form(number: &str, code: &str, channel: RatingChannel) -> Markup {
    html! {
        form.card.stack method="get" action="/rate" {
            label for="number" { "办件编号" } input #number type="text" name="number" value=(number) required inputmode="numeric";
            label for="code" { "查询码" } input #code type="text" name="code" value=(code) required autocomplete="off";
            input type="hidden" name="channel" value=(channel.as_str());
            div.actions { button type="submit" { "下一步" } }
        }
    }
}

async fn rate_render(
    state: &AppState,
    u: Option<&Authed>,
    c: &Case,
    code: &str,
    channel: RatingChannel,
    done: Option<Markup>,
    status: StatusCode,
) -> PageResult {
    let number = &c.filing.number;
    let ratings = state.store.ratings_for_case(number).await?;
    let follow_ups = state.store.follow_ups_for_case(number).await?;
    let (token, cookie) = form_token(state, u);
    let rated_here = ratings.iter().find(|r| r.channel == channel);
    let body = html! {
        h1 { "服务评价" }
        @if let Some(d) = done { (d) }
        div.card {
            h2 { (c.filing.item.name) }
            table.kv {
                tr { th { "办件编号" } td { (number) } }
                tr { th { "申请人" } td { (domain::identity::mask_name(&c.filing.applicant.name)) } }
                tr { th { "当前状态" } td { (c.state.label()) } }
                tr { th { "评价渠道" } td { (channel.label()) } }
            }
        }
        @if c.state != CaseState::Completed {
            div.notice.warn role="status" { "办件办结后才能评价。" }
        } @else if let Some(r) = rated_here {
            div.notice.ok role="status" { "您已通过“" (channel.label()) "”评价:" strong { (r.level.label()) } "。每个渠道只能评价一次。" }
        } @else {
            form.card.stack method="post" action="/rate" {
                input type="hidden" name=(CSRF_FIELD) value=(token);
                input type="hidden" name="number" value=(number);
                input type="hidden" name="code" value=(code);
                input type="hidden" name="channel" value=(channel.as_str());
                fieldset {
                    legend { "您对本次服务的评价" }
                    @for l in RatingLevel::ALL {
                        label.rate-level for={ "level-" (l.as_str()) } {
                            input type="radio" name="level" id={ "level-" (l.as_str()) } value=(l.as_str()) required;
                            " " (l.label())
                        }
                    }
                }
                label for="comment" { "意见建议(选填)" }
                textarea #comment name="comment" maxlength="2000" {}
                p.hint { "选择“不满意”或“非常不满意”的,办理单位将在规定时限内联系您核实整改。" }
                div.actions { button type="submit" { "提交评价" } }
            }
        }
        @if !ratings.is_empty() {
            h2 { "评价记录" }
            div.table-wrap { table {
                thead { tr { th { "时间" } th { "渠道" } th { "评价" } th { "意见" } } }
                tbody { @for r in &ratings { tr { td { (local(r.rated_at)) } td { (r.channel.label()) } td { (r.level.label()) } td { (r.comment) } } } }
            } }
        }
        @for f in &follow_ups {
            div.card {
                h2 { "差评回访整改" }
                table.kv {
                    tr { th { "状态" } td { strong { (f.status.label()) } } }
                    tr { th { "办理期限" } td { (f.due) } }
                    @if !f.report.is_empty() { tr { th { "整改反馈" } td { (f.report) } } }
                }
                (history(&f.history, true))
                @if f.status == FollowUpStatus::Closed && !f.appealed {
                    form.stack method="post" action="/rate/appeal" {
                        input type="hidden" name=(CSRF_FIELD) value=(token);
                        input type="hidden" name="number" value=(number);
                        input type="hidden" name="code" value=(code);
                        input type="hidden" name="follow_up" value=(f.id);
                        label for={ "appeal-" (f.id) } { "对整改结果不满意?申请复核(申诉,仅限一次)" }
                        textarea id={ "appeal-" (f.id) } name="text" required maxlength="2000" {}
                        div.actions { button type="submit" { "提交申诉" } }
                    }
                }
            }
        }
        p { a href={ "/complaints/new?case=" (number) } { "对本办件有意见?我要投诉" } }
    };
    Ok(with_cookie(status, cookie, layout("服务评价", u, body)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RateForm {
    number: String,
    code: String,
    channel: String,
    level: String,
    comment: String,
}

pub async fn rate_submit(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Form(f): Form<RateForm>,
) -> PageResult {
    let c = case_by_code(&state, &f.number, &f.code).await?;
    let channel = RatingChannel::parse(&f.channel)
        .ok_or_else(|| AppError::bad_field("invalid_channel", "channel", "评价渠道无效"))?;
    let level = RatingLevel::parse(&f.level)
        .ok_or_else(|| AppError::bad_field("invalid_level", "level", "请选择评价等级"))?;
    let existing = state.store.ratings_for_case(&c.filing.number).await?;
    let rating = fb::rate(&c, &existing, channel, level, &f.comment, state.clock.now())?;
    let days = setting_days(&state, FOLLOW_UP_DAYS_SETTING, fb::DEFAULT_FOLLOW_UP_DAYS).await?;
    let cal = state.calendar_for(&rating.unit).await?;
    let follow_up = fb::open_follow_up(&rating, state.clock.today(), days, &cal);
    state.store.add_rating(&rating, follow_up.as_ref()).await?;
    let done = html! {
        div.notice.ok role="status" {
            p { "感谢您的评价!" }
            @if let Some(fu) = &follow_up {
                p { "您的意见已转办理单位回访整改,办理期限为 " strong { (fu.due) } "。整改结果将在本页公布。" }
            }
        }
    };
    rate_render(
        &state,
        u.as_ref(),
        &c,
        &f.code,
        channel,
        Some(done),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AppealForm {
    number: String,
    code: String,
    follow_up: i64,
    text: String,
}

pub async fn appeal_submit(State(state): State<AppState>, Form(f): Form<AppealForm>) -> PageResult {
    let c = case_by_code(&state, &f.number, &f.code).await?;
    let fu = state
        .store
        .get_follow_up(f.follow_up)
        .await?
        .filter(|x| x.case_number == c.filing.number)
        .ok_or(AppError::NotFound("回访整改单"))?;
    let next = fu.apply(
        &FollowUpAction::Appeal { text: f.text },
        "申请人",
        state.clock.now(),
        state.clock.today(),
        &*state.calendar_for(&fu.unit).await?,
    )?;
    state.store.save_follow_up(&next, fu.version).await?;
    let q =
        serde_urlencoded::to_string([("number", &f.number), ("code", &f.code)]).unwrap_or_default();
    Ok(Redirect::to(&format!("/rate?{q}")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Staff: the queue of follow-ups and complaints, their pages and actions

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QueueQuery {
    all: String,
}

/// Follow-ups and complaints in any of the user's subtrees, each once.
async fn visible(
    state: &AppState,
    u: &Authed,
    open_only: bool,
) -> AppResult<(Vec<FollowUp>, Vec<Complaint>)> {
    let mut fus: BTreeMap<i64, FollowUp> = BTreeMap::new();
    let mut ks: BTreeMap<i64, Complaint> = BTreeMap::new();
    for scope in feedback_scopes(u) {
        for f in state.store.list_follow_ups(&scope, open_only).await? {
            fus.insert(f.id, f);
        }
        for k in state.store.list_complaints(&scope, open_only).await? {
            ks.insert(k.id, k);
        }
    }
    let mut fus: Vec<FollowUp> = fus.into_values().collect();
    fus.sort_by(|a, b| a.due.cmp(&b.due).then(a.id.cmp(&b.id)));
    let mut ks: Vec<Complaint> = ks.into_values().collect();
    ks.sort_by(|a, b| b.filed_at.cmp(&a.filed_at).then(b.id.cmp(&a.id)));
    Ok((fus, ks))
}

pub async fn staff_queue(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<QueueQuery>,
) -> PageResult {
    if !u.is_staff() {
        return Err(PageError(AppError::Forbidden));
    }
    let open_only = q.all.is_empty();
    let (fus, ks) = visible(&state, &u, open_only).await?;
    let today = state.clock.today();
    let cal = state.calendar();
    let body = html! {
        h1 { "评价与投诉" }
        nav.tabs aria-label="范围" {
            a.tab.current[open_only] href="/feedback" { "待办" }
            a.tab.current[!open_only] href="/feedback?all=1" { "全部" }
            @if is_admin(&u) { a.tab href="/feedback/settings" { "时限设置" } }
        }
        h2 { "差评回访整改(" (fus.len()) ")" }
        div.table-wrap { table {
            thead { tr { th { "编号" } th { "办件" } th { "评价" } th { "状态" } th { "期限" } } }
            tbody {
                @for f in &fus {
                    @let late = f.overdue_days(today, &cal).is_some();
                    tr.overdue[late] {
                        td { a href={ "/feedback/follow-ups/" (f.id) } { "回访-" (f.id) } }
                        td { (f.case_number) }
                        td { (f.level.label()) }
                        td { (f.status.label()) }
                        td { (f.due) " " (days_tag(&state, f.due, f.status.is_open() && f.status != FollowUpStatus::Appealed)) }
                    }
                }
            }
        } }
        h2 { "投诉、信访、举报(" (ks.len()) ")" }
        div.table-wrap { table {
            thead { tr { th { "编号" } th { "类别" } th { "反映对象" } th { "状态" } th { "当前时限" } } }
            tbody {
                @for k in &ks {
                    @let dl = k.deadline(today, &cal);
                    tr.overdue[dl.is_some_and(|d| d.is_overdue())] {
                        td { a href={ "/feedback/complaints/" (k.id) } { (k.kind.label()) "-" (k.id) } }
                        td { (k.kind.label()) }
                        td { (k.subject.label()) ":" (k.subject_ref) }
                        td { (k.status.label()) }
                        td { @if let Some(d) = dl { (d.kind.label()) " " (d.due) " " (days_tag(&state, d.due, true)) } }
                    }
                }
            }
        } }
    };
    Ok(layout("评价与投诉", Some(&u), body).into_response())
}

async fn load_follow_up(state: &AppState, u: &Authed, id: i64) -> AppResult<FollowUp> {
    let f = state
        .store
        .get_follow_up(id)
        .await?
        .ok_or(AppError::NotFound("回访整改单"))?;
    if !may_handle(u, &f.unit) && !may_supervise(u, &f.unit) {
        return Err(AppError::Forbidden);
    }
    Ok(f)
}

pub async fn follow_up_page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    let f = load_follow_up(&state, &u, id).await?;
    let rating = state
        .store
        .ratings_for_case(&f.case_number)
        .await?
        .into_iter()
        .find(|r| r.id == f.rating_id);
    let next: Option<(&str, &str)> = match f.status {
        FollowUpStatus::Open => Some(("contact", "联系申请人")),
        FollowUpStatus::Contacted => Some(("verify", "核实情况")),
        FollowUpStatus::Verified => Some(("rectify", "整改")),
        FollowUpStatus::Rectified => Some(("report_back", "向申请人反馈")),
        _ => None,
    };
    let body = html! {
        h1 { "差评回访整改 回访-" (f.id) }
        div.card {
            table.kv {
                tr { th { "办件" } td { a href={ "/cases/" (f.case_number) } { (f.case_number) } } }
                @if let Some(r) = &rating {
                    tr { th { "评价" } td { (r.level.label()) "(" (r.channel.label()) ")" } }
                    tr { th { "意见" } td { (r.comment) } }
                }
                tr { th { "状态" } td { strong { (f.status.label()) } } }
                tr { th { "期限" } td { (f.due) " " (days_tag(&state, f.due, f.status.is_open() && f.status != FollowUpStatus::Appealed)) } }
                @if f.appealed { tr { th { "申诉" } td { "申请人已申诉" } } }
            }
            (history(&f.history, false))
        }
        @if let Some((action, label)) = next {
            @if may_handle(&u, &f.unit) {
                form.card.stack method="post" action={ "/feedback/follow-ups/" (f.id) "/act" } {
                    (csrf_input(&u))
                    input type="hidden" name="action" value=(action);
                    label for="text" { (label) "情况" }
                    textarea #text name="text" required maxlength="2000" {}
                    div.actions { button type="submit" { (label) } }
                }
            }
        }
        @if f.status == FollowUpStatus::Appealed && may_supervise(&u, &f.unit) {
            form.card.stack method="post" action={ "/feedback/follow-ups/" (f.id) "/act" } {
                (csrf_input(&u))
                input type="hidden" name="action" value="review_appeal";
                label for="upheld" { "复核结论" }
                select #upheld name="upheld" {
                    option value="true" { "维持原整改结果" }
                    option value="false" { "重新整改" }
                }
                label for="review-text" { "复核意见" }
                textarea #review-text name="text" required maxlength="2000" {}
                div.actions { button type="submit" { "提交复核意见" } }
            }
        }
    };
    Ok(layout("差评回访整改", Some(&u), body).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActForm {
    action: String,
    text: String,
    upheld: String,
}

pub async fn follow_up_act(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Form(form): Form<ActForm>,
) -> PageResult {
    let f = load_follow_up(&state, &u, id).await?;
    let text = form.text;
    let action = match form.action.as_str() {
        "contact" => FollowUpAction::Contact { text },
        "verify" => FollowUpAction::Verify { text },
        "rectify" => FollowUpAction::Rectify { text },
        "report_back" => FollowUpAction::ReportBack { text },
        "review_appeal" => FollowUpAction::ReviewAppeal {
            upheld: form.upheld != "false",
            text,
        },
        _ => return Err(PageError(AppError::bad("invalid_action", "操作无效"))),
    };
    let allowed = if action.by_supervisor() {
        may_supervise(&u, &f.unit)
    } else {
        may_handle(&u, &f.unit)
    };
    if !allowed {
        return Err(PageError(AppError::Forbidden));
    }
    let next = f.apply(
        &action,
        &u.user.display_name,
        state.clock.now(),
        state.clock.today(),
        &*state.calendar_for(&f.unit).await?,
    )?;
    state.store.save_follow_up(&next, f.version).await?;
    Ok(Redirect::to(&format!("/feedback/follow-ups/{id}")).into_response())
}

async fn load_complaint(state: &AppState, u: &Authed, id: i64) -> AppResult<Complaint> {
    let k = state
        .store
        .get_complaint(id)
        .await?
        .ok_or(AppError::NotFound("投诉件"))?;
    if !may_handle(u, &k.unit) && !may_supervise(u, &k.unit) {
        return Err(AppError::Forbidden);
    }
    Ok(k)
}

async fn place_name(state: &AppState, code: &RegionCode) -> String {
    match state.store.get_place(code).await {
        Ok(Some(p)) => p.name,
        _ => match state.store.get_region(code).await {
            Ok(Some(r)) => r.name,
            _ => code.to_string(),
        },
    }
}

pub async fn complaint_page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    let k = load_complaint(&state, &u, id).await?;
    let dl = k.deadline(state.clock.today(), &*state.calendar_for(&k.unit).await?);
    let unit = place_name(&state, &k.unit).await;
    let handle = may_handle(&u, &k.unit);
    let body = html! {
        h1 { (k.kind.label()) "-" (k.id) }
        div.card {
            table.kv {
                tr { th { "类别" } td { (k.kind.label()) } }
                tr { th { "反映对象" } td { (k.subject.label()) ":" (k.subject_ref) } }
                @if let Some(n) = &k.case_number { tr { th { "办件" } td { a href={ "/cases/" (n) } { (n) } } } }
                tr { th { "责任单位" } td { (unit) @if let Some(d) = &k.department { " " (d) } } }
                tr { th { "反映人" } td {
                    @match &k.complainant {
                        Some(p) => { (p.name) " " (p.phone) }
                        None => { "匿名" }
                    }
                } }
                tr { th { "反映内容" } td { (super::nl2br(&k.body)) } }
                tr { th { "状态" } td { strong { (k.status.label()) } } }
                tr { th { "受理期限" } td { (k.accept_due) } }
                @if let Some(d) = k.answer_due { tr { th { "答复期限" } td { (d) } } }
                @if let Some(d) = dl { tr { th { "当前时限" } td { (d.kind.label()) " " (d.due) " " (days_tag(&state, d.due, true)) } } }
                @if !k.reply.is_empty() { tr { th { "答复/理由" } td { (k.reply) } } }
            }
            (history(&k.history, false))
        }
        @if handle && k.status == fb::ComplaintStatus::Received {
            form.card.stack method="post" action={ "/feedback/complaints/" (k.id) "/act" } {
                (csrf_input(&u))
                input type="hidden" name="action" value="accept";
                label for="accept-text" { "受理意见(选填)" }
                textarea #accept-text name="text" maxlength="2000" {}
                div.actions { button type="submit" { "受理" } }
            }
            form.card.stack method="post" action={ "/feedback/complaints/" (k.id) "/act" } {
                (csrf_input(&u))
                input type="hidden" name="action" value="decline";
                label for="decline-text" { "不予受理理由" }
                textarea #decline-text name="text" required maxlength="2000" {}
                div.actions { button.secondary type="submit" { "不予受理" } }
            }
        }
        @if handle && k.status == fb::ComplaintStatus::Accepted {
            form.card.stack method="post" action={ "/feedback/complaints/" (k.id) "/act" } {
                (csrf_input(&u))
                input type="hidden" name="action" value="answer";
                label for="answer-text" { "答复内容" }
                textarea #answer-text name="text" required maxlength="2000" {}
                div.actions { button type="submit" { "答复" } }
            }
        }
    };
    Ok(layout("投诉办理", Some(&u), body).into_response())
}

pub async fn complaint_act(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Form(form): Form<ActForm>,
) -> PageResult {
    let k = load_complaint(&state, &u, id).await?;
    if !may_handle(&u, &k.unit) {
        return Err(PageError(AppError::Forbidden));
    }
    let action = match form.action.as_str() {
        "accept" => ComplaintAction::Accept { text: form.text },
        "decline" => ComplaintAction::Decline { reason: form.text },
        "answer" => ComplaintAction::Answer { text: form.text },
        _ => return Err(PageError(AppError::bad("invalid_action", "操作无效"))),
    };
    let next = k.apply(
        &action,
        &u.user.display_name,
        state.clock.now(),
        state.clock.today(),
        &*state.calendar_for(&k.unit).await?,
    )?;
    state.store.save_complaint(&next, k.version).await?;
    Ok(Redirect::to(&format!("/feedback/complaints/{id}")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Settings (administrators)

pub async fn settings_page(State(state): State<AppState>, PageUser(u): PageUser) -> PageResult {
    if !is_admin(&u) {
        return Err(PageError(AppError::Forbidden));
    }
    let fdays = setting_days(&state, FOLLOW_UP_DAYS_SETTING, fb::DEFAULT_FOLLOW_UP_DAYS).await?;
    let adays = setting_days(&state, ANSWER_DAYS_SETTING, fb::DEFAULT_ANSWER_DAYS).await?;
    let body = html! {
        h1 { "评价与投诉时限" }
        form.card.stack method="post" action="/feedback/settings" {
            (csrf_input(&u))
            label for="follow_up_days" { "差评回访整改时限(工作日)" }
            input #follow_up_days type="number" name="follow_up_days" min="1" max="60" value=(fdays) required;
            label for="answer_days" { "投诉答复时限(受理后工作日)" }
            input #answer_days type="number" name="answer_days" min="1" max="60" value=(adays) required;
            p.hint { "投诉须在收到后" (fb::ACCEPT_LIMIT_DAYS) "个工作日内决定是否受理。" }
            div.actions { button type="submit" { "保存" } }
        }
    };
    Ok(layout("时限设置", Some(&u), body).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    follow_up_days: String,
    answer_days: String,
}

pub async fn settings_save(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(f): Form<SettingsForm>,
) -> PageResult {
    if !is_admin(&u) {
        return Err(PageError(AppError::Forbidden));
    }
    let parse = |v: &str, field: &str| -> AppResult<u32> {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=60).contains(d))
            .ok_or_else(|| AppError::bad_field("invalid_days", field, "时限应为1至60个工作日"))
    };
    let fdays = parse(&f.follow_up_days, "follow_up_days")?;
    let adays = parse(&f.answer_days, "answer_days")?;
    state
        .store
        .set_setting(FOLLOW_UP_DAYS_SETTING, &fdays.to_string())
        .await?;
    state
        .store
        .set_setting(ANSWER_DAYS_SETTING, &adays.to_string())
        .await?;
    Ok(Redirect::to("/feedback/settings").into_response())
}

// ---------------------------------------------------------------------------------------------
// Complaints: the public form and lookup

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ComplaintForm {
    kind: String,
    subject: String,
    subject_ref: String,
    case: String,
    place: String,
    department: String,
    body: String,
    name: String,
    phone: String,
}

pub async fn complaint_form(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(f): Query<ComplaintForm>,
) -> PageResult {
    complaint_form_render(&state, u.as_ref(), &f, None, StatusCode::OK).await
}

async fn complaint_form_render(
    state: &AppState,
    u: Option<&Authed>,
    f: &ComplaintForm,
    error: Option<&AppError>,
    status: StatusCode,
) -> PageResult {
    let places = state.store.list_places(&Scope::All).await?;
    // Citizens choose a department by its name; the code stays internal.
    let mut departments: Vec<(String, String)> = crate::pages::public::department_names(state)
        .await?
        .into_iter()
        .collect();
    // "某市市场监督管理局" → "市场监督管理局": the place is chosen separately.
    let cities: Vec<String> = state
        .store
        .list_regions(&Scope::All)
        .await?
        .into_iter()
        .filter(|r| r.level == domain::Level::City)
        .map(|r| r.name)
        .collect();
    for d in departments.iter_mut() {
        if let Some(rest) = cities.iter().find_map(|c| d.1.strip_prefix(c.as_str())) {
            d.1 = rest.to_string();
        }
    }
    departments.sort_by(|a, b| a.1.cmp(&b.1));
    let (token, cookie) = form_token(state, u);
    let kind = ComplaintKind::parse(&f.kind).unwrap_or(ComplaintKind::Complaint);
    let subject = ComplaintSubject::parse(&f.subject).unwrap_or(if f.case.is_empty() {
        ComplaintSubject::Window
    } else {
        ComplaintSubject::Case
    });
    let body = html! {
        h1 { "投诉、信访、举报" }
        p.hint { "反映的问题将转责任单位办理:收到后" (fb::ACCEPT_LIMIT_DAYS) "个工作日内决定是否受理,受理后在规定时限内答复。提交后请记下查询码,凭查询码查看办理结果。" }
        @if let Some(e) = error { div.notice.bad role="alert" { (e.user_message()) } }
        form.card.stack method="post" action="/complaints/new" {
            input type="hidden" name=(CSRF_FIELD) value=(token);
            fieldset {
                legend { "类别" }
                @for k in ComplaintKind::ALL {
                    label for={ "kind-" (k.as_str()) } {
                        input type="radio" name="kind" id={ "kind-" (k.as_str()) } value=(k.as_str()) checked[k == kind];
                        " " (k.label()) @if k.may_be_anonymous() { "(可匿名)" }
                    }
                }
            }
            label for="subject" { "反映对象" }
            select #subject name="subject" {
                @for s in ComplaintSubject::ALL { option value=(s.as_str()) selected[s == subject] { (s.label()) } }
            }
            label for="case" { "办件编号(反映办件时填写)" }
            input #case type="text" name="case" value=(f.case) inputmode="numeric";
            label for="place" { "责任场所(反映窗口、人员、部门时选择)" }
            select #place name="place" {
                option value="" { "请选择" }
                @for p in &places { option value=(p.region_code) selected[f.place == p.region_code.as_str()] { (p.name) } }
            }
            label for="subject_ref" { "窗口、人员或部门名称" }
            input #subject_ref type="text" name="subject_ref" value=(f.subject_ref);
            label for="department" { "涉及部门(选填)" }
            select #department name="department" {
                option value="" { "不确定" }
                @for (code, name) in &departments { option value=(code) selected[f.department == *code] { (name) } }
            }
            label for="body" { "反映内容" }
            textarea #body name="body" required maxlength="2000" { (f.body) }
            label for="name" { "姓名(举报可不填)" }
            input #name type="text" name="name" value=(f.name) autocomplete="name";
            label for="phone" { "手机号(举报可不填)" }
            input #phone type="tel" name="phone" value=(f.phone) autocomplete="tel";
            div.actions { button type="submit" { "提交" } }
        }
        p { a href="/complaints/lookup" { "已提交?凭查询码查看办理结果" } }
    };
    Ok(with_cookie(status, cookie, layout("我要投诉", u, body)))
}

/// Routes a complaint: a case goes to its deciding place and the item's department; anything else
/// to the place the complainant chose.
async fn route_complaint(state: &AppState, f: &ComplaintForm) -> AppResult<ComplaintInput> {
    let kind = ComplaintKind::parse(&f.kind)
        .ok_or_else(|| AppError::bad_field("invalid_kind", "kind", "请选择类别"))?;
    let subject = ComplaintSubject::parse(&f.subject)
        .ok_or_else(|| AppError::bad_field("invalid_subject", "subject", "请选择反映对象"))?;
    let complainant =
        (!f.name.trim().is_empty() || !f.phone.trim().is_empty()).then(|| Complainant {
            name: f.name.clone(),
            phone: f.phone.clone(),
        });
    let case_number = f.case.trim();
    if subject == ComplaintSubject::Case || !case_number.is_empty() {
        let c = state
            .store
            .get_case(case_number)
            .await?
            .ok_or_else(|| AppError::bad_field("case_not_found", "case", "办件编号不存在"))?;
        let subject_ref = if subject == ComplaintSubject::Case || f.subject_ref.trim().is_empty() {
            c.filing.number.clone()
        } else {
            f.subject_ref.clone()
        };
        return Ok(ComplaintInput {
            kind,
            subject,
            subject_ref,
            case_number: Some(c.filing.number.clone()),
            unit: c.filing.decide_place.clone(),
            department: Some(c.filing.item.department.clone()),
            body: f.body.clone(),
            complainant,
        });
    }
    let unit = RegionCode::parse(f.place.trim())
        .map_err(|_| AppError::bad_field("place_required", "place", "请选择责任场所"))?;
    if state.store.get_region(&unit).await?.is_none() {
        return Err(AppError::bad_field(
            "place_required",
            "place",
            "请选择责任场所",
        ));
    }
    let department = Some(f.department.trim().to_string()).filter(|d| !d.is_empty());
    Ok(ComplaintInput {
        kind,
        subject,
        subject_ref: f.subject_ref.clone(),
        case_number: None,
        unit,
        department,
        body: f.body.clone(),
        complainant,
    })
}

fn new_code() -> String {
    use rand::RngCore;
    let mut b = [0u8; fb::CODE_LEN];
    rand::thread_rng().fill_bytes(&mut b);
    fb::follow_code(&b)
}

async fn file(state: &AppState, f: &ComplaintForm) -> AppResult<Complaint> {
    let input = route_complaint(state, f).await?;
    let days = setting_days(state, ANSWER_DAYS_SETTING, fb::DEFAULT_ANSWER_DAYS).await?;
    let cal = state.calendar_for(&input.unit).await?;
    // A random code can collide: retry with a fresh one.
    for _ in 0..5 {
        let mut k = fb::file_complaint(
            input.clone(),
            new_code(),
            days,
            state.clock.now(),
            state.clock.today(),
            &cal,
        )?;
        match state.store.create_complaint(&k).await {
            Ok(id) => {
                k.id = id;
                return Ok(k);
            }
            Err(store::StoreError::Conflict {
                code: "complaint_code_taken",
                ..
            }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Internal("no free complaint code".into()))
}

pub async fn complaint_submit(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Form(f): Form<ComplaintForm>,
) -> PageResult {
    let k = match file(&state, &f).await {
        Ok(k) => k,
        Err(e @ (AppError::BadRequest { .. } | AppError::Validation(_))) => {
            return complaint_form_render(&state, u.as_ref(), &f, Some(&e), e.status()).await
        }
        Err(e) => return Err(PageError(e)),
    };
    let unit = place_name(&state, &k.unit).await;
    let body = html! {
        h1 { "已收到您的" (k.kind.label()) }
        div.notice.ok role="status" {
            p { "查询码:" strong.code { (k.code) } }
            p { "请记下查询码,凭查询码查看办理进度和答复。" }
        }
        table.kv {
            tr { th { "责任单位" } td { (unit) } }
            tr { th { "受理期限" } td { (k.accept_due) } }
        }
        p { a href={ "/complaints/lookup?code=" (k.code) } { "查看办理进度" } }
    };
    Ok((StatusCode::CREATED, layout("已提交", u.as_ref(), body)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeQuery {
    code: String,
}

pub async fn complaint_lookup(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<CodeQuery>,
) -> PageResult {
    let code = fb::normalize_code(&q.code);
    let found = if code.is_empty() {
        None
    } else {
        Some(state.store.find_complaint(&code).await?)
    };
    let unit = match &found {
        Some(Some(k)) => place_name(&state, &k.unit).await,
        _ => String::new(),
    };
    let status = match found {
        Some(None) => StatusCode::NOT_FOUND,
        _ => StatusCode::OK,
    };
    let body = html! {
        h1 { "投诉办理查询" }
        form.card.stack method="get" action="/complaints/lookup" {
            label for="code" { "查询码" }
            input #code type="text" name="code" value=(q.code) required autocomplete="off";
            div.actions { button type="submit" { "查询" } }
        }
        @match &found {
            Some(Some(k)) => {
                div.card {
                    table.kv {
                        tr { th { "类别" } td { (k.kind.label()) } }
                        tr { th { "反映对象" } td { (k.subject.label()) ":" (k.subject_ref) } }
                        tr { th { "责任单位" } td { (unit) } }
                        tr { th { "提交时间" } td { (local(k.filed_at)) } }
                        tr { th { "状态" } td { strong { (k.status.label()) } } }
                        @if let Some(d) = k.answer_due { tr { th { "答复期限" } td { (d) } } }
                        @if !k.reply.is_empty() {
                            tr { th { @if k.status == fb::ComplaintStatus::Declined { "不予受理理由" } @else { "答复" } } td.reply { (k.reply) } }
                        }
                    }
                    (history(&k.history, true))
                }
            }
            Some(None) => { div.notice.bad role="alert" { "查询码不正确" } }
            None => {}
        }
    };
    Ok((status, layout("投诉办理查询", u.as_ref(), body)).into_response())
}

/// What the complainant sees: no staff names, no personal data.
#[derive(Serialize)]
pub struct PublicComplaint {
    pub code: String,
    pub kind: ComplaintKind,
    pub status: fb::ComplaintStatus,
    pub status_label: &'static str,
    pub unit: RegionCode,
    pub accept_due: NaiveDate,
    pub answer_due: Option<NaiveDate>,
    pub reply: String,
}

pub async fn complaint_lookup_api(
    State(state): State<AppState>,
    Query(q): Query<CodeQuery>,
) -> crate::error::ApiResult<Json<PublicComplaint>> {
    let k = state
        .store
        .find_complaint(&fb::normalize_code(&q.code))
        .await?
        .ok_or(AppError::NotFound("投诉件"))?;
    Ok(Json(PublicComplaint {
        code: k.code,
        kind: k.kind,
        status: k.status,
        status_label: k.status.label(),
        unit: k.unit,
        accept_due: k.accept_due,
        answer_due: k.answer_due,
        reply: k.reply,
    }))
}

#[derive(Serialize)]
pub struct OverdueComplaint {
    pub id: i64,
    pub kind: ComplaintKind,
    pub unit: RegionCode,
    pub deadline: fb::ComplaintDeadline,
}

#[derive(Serialize)]
pub struct OverdueFollowUp {
    pub id: i64,
    pub case_number: String,
    pub unit: RegionCode,
    pub due: NaiveDate,
    pub days_late: i64,
}

#[derive(Serialize)]
pub struct Overdue {
    pub complaints: Vec<OverdueComplaint>,
    pub follow_ups: Vec<OverdueFollowUp>,
}

/// Overdue complaints and follow-ups in the caller's subtrees: the feedback part of supervision's
/// warnings, computed from each record's running deadline on today's date.
pub async fn overdue_api(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> crate::error::ApiResult<Json<Overdue>> {
    if !u.is_staff() {
        return Err(AppError::Forbidden.into());
    }
    let (fus, ks) = visible(&state, &u, true).await?;
    let today = state.clock.today();
    let cal = state.calendar();
    let complaints = fb::overdue_complaints(&ks, today, &cal)
        .into_iter()
        .map(|(k, d)| OverdueComplaint {
            id: k.id,
            kind: k.kind,
            unit: k.unit.clone(),
            deadline: d,
        })
        .collect();
    let follow_ups = fus
        .iter()
        .filter_map(|f| {
            f.overdue_days(today, &cal)
                .map(|days_late| OverdueFollowUp {
                    id: f.id,
                    case_number: f.case_number.clone(),
                    unit: f.unit.clone(),
                    due: f.due,
                    days_late,
                })
        })
        .collect();
    Ok(Json(Overdue {
        complaints,
        follow_ups,
    }))
}

// ---------------------------------------------------------------------------------------------
// Kiosk (触摸屏): large touch targets, no JavaScript needed, back to the start when idle

const KIOSK_CSS: &str = "
body.kiosk { font-size: 24px; background:#f6f5f1; }
body.kiosk main { max-width: 1200px; }
body.kiosk header.kbar { display:flex; gap:16px; align-items:center; padding:12px 20px; background:#8c1c13; color:#fff; }
body.kiosk header.kbar h1 { margin:0; font-size:1.5rem; color:#fff; flex:1; }
.kbtn, body.kiosk button { display:inline-flex; align-items:center; justify-content:center; min-height:72px; min-width:72px; padding:12px 28px; font-size:1.15em; border-radius:12px; background:#8c1c13; color:#fff; text-decoration:none; border:3px solid #8c1c13; }
.kbtn.light { background:#fff; color:#5e110b; }
.ktiles { display:grid; grid-template-columns:repeat(auto-fill,minmax(260px,1fr)); gap:18px; margin:18px 0; }
.ktiles .kbtn { min-height:110px; font-size:1.3em; }
body.kiosk input[type=search], body.kiosk input[type=text] { font-size:1.2em; min-height:64px; padding:8px 14px; width:100%; box-sizing:border-box; }
body.kiosk label { font-size:1.1em; font-weight:600; display:block; margin:14px 0 6px; }
.ksearch { display:flex; gap:12px; } .ksearch input { flex:1; }
.klist a.kbtn { display:flex; justify-content:flex-start; margin:12px 0; background:#fff; color:#1a1a1a; border-color:#c9c3b8; }
@media print { header.kbar, .noprint { display:none; } body.kiosk { font-size:14px; background:#fff; } }
";

/// The kiosk frame. Pages other than the start return to it after [`KIOSK_IDLE_SECONDS`]: a meta
/// refresh inside `noscript` does it without JavaScript; with JavaScript a small script does it
/// instead, restarting the count on every touch so a reader is not cut off.
fn kiosk_layout(title: &str, home: bool, body: Markup) -> Markup {
    let idle = KIOSK_IDLE_SECONDS;
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " - 一站 自助服务" }
                @if !home {
                    noscript { meta http-equiv="refresh" content={ (idle) ";url=/kiosk" }; }
                }
                link rel="stylesheet" href="/static/app.css";
                style { (PreEscaped(KIOSK_CSS)) }
            }
            body.kiosk {
                header.kbar {
                    h1 { (title) }
                    @if !home { a.kbtn.light href="/kiosk" { "返回首页" } }
                }
                main id="main" { (body) }
                @if !home {
                    script {
                        (PreEscaped(format!(
                            "(function(){{var t;function r(){{clearTimeout(t);t=setTimeout(function(){{location.href='/kiosk';}},{ms});}}['touchstart','mousedown','keydown','scroll'].forEach(function(e){{addEventListener(e,r,{{passive:true}});}});r();}})();",
                            ms = idle * 1000
                        )))
                    }
                }
            }
        }
    }
}

fn kiosk_search_form(q: &str) -> Markup {
    html! {
        form.ksearch method="get" action="/kiosk/search" role="search" {
            label.visually-hidden for="kq" style="position:absolute;left:-9999px" { "搜索事项" }
            input #kq type="search" name="q" value=(q) placeholder="输入事项名称、拼音或首字母,如:建房、jf" autocomplete="off";
            button type="submit" { "搜索" }
        }
    }
}

async fn published(state: &AppState) -> AppResult<Vec<domain::CatalogItem>> {
    Ok(state
        .store
        .list_items(&ItemFilter {
            statuses: vec![domain::catalog::ItemStatus::Published],
            ..Default::default()
        })
        .await?)
}

pub async fn kiosk_home(State(state): State<AppState>) -> PageResult {
    let items = published(&state).await?;
    let mut themes: Vec<&String> = items.iter().flat_map(|i| i.themes.iter()).collect();
    themes.sort();
    themes.dedup();
    let body = html! {
        (kiosk_search_form(""))
        h2 { "按主题办事" }
        div.ktiles {
            @for t in &themes { a.kbtn href={ "/kiosk/theme?name=" (t) } { (t) } }
        }
        h2 { "办件查询" }
        form.card method="get" action="/kiosk/lookup" {
            label for="number" { "办件编号" }
            input #number type="text" name="number" inputmode="numeric" required;
            label for="code" { "查询码" }
            input #code type="text" name="code" required autocomplete="off";
            div.actions { button type="submit" { "查询" } }
        }
        div.ktiles {
            a.kbtn.light href="/kiosk/theme" { "全部事项" }
            a.kbtn.light href="/complaints/lookup" { "投诉查询" }
        }
    };
    Ok(kiosk_layout("自助服务", true, body).into_response())
}

fn kiosk_item_list(items: &[&domain::CatalogItem]) -> Markup {
    html! {
        div.klist {
            @for i in items { a.kbtn href={ "/kiosk/items/" (i.code) } { (i.name) } }
            @if items.is_empty() { p { "没有找到相关事项,请换个说法试试。" } }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct KioskQuery {
    q: String,
    name: String,
}

pub async fn kiosk_search(
    State(state): State<AppState>,
    Query(q): Query<KioskQuery>,
) -> PageResult {
    let items = published(&state).await?;
    let hits = state.search_index().search(&q.q, 20);
    let shown: Vec<&domain::CatalogItem> = hits
        .iter()
        .filter_map(|h| items.iter().find(|i| i.code == h.code))
        .collect();
    let body = html! {
        (kiosk_search_form(&q.q))
        p { "找到 " (shown.len()) " 项" }
        (kiosk_item_list(&shown))
    };
    Ok(kiosk_layout("搜索事项", false, body).into_response())
}

pub async fn kiosk_theme(State(state): State<AppState>, Query(q): Query<KioskQuery>) -> PageResult {
    let items = published(&state).await?;
    let shown: Vec<&domain::CatalogItem> = items
        .iter()
        .filter(|i| q.name.is_empty() || i.themes.contains(&q.name))
        .collect();
    let title = if q.name.is_empty() {
        "全部事项".to_string()
    } else {
        q.name.clone()
    };
    let body = kiosk_item_list(&shown);
    Ok(kiosk_layout(&title, false, body).into_response())
}

async fn kiosk_guide(state: &AppState, code: &str) -> AppResult<(domain::CatalogItem, Markup)> {
    let item = state
        .store
        .get_published(code)
        .await?
        .ok_or(AppError::NotFound("事项"))?;
    let names = super::public::department_names(state).await?;
    let guide = super::public::item_guide(&item, &names);
    Ok((item, guide))
}

pub async fn kiosk_item(State(state): State<AppState>, Path(code): Path<String>) -> PageResult {
    let (item, guide) = kiosk_guide(&state, &code).await?;
    let body = html! {
        div.actions.noprint {
            a.kbtn href={ "/kiosk/items/" (item.code) "/print" } { "打印指南" }
        }
        (guide)
    };
    Ok(kiosk_layout(&item.name, false, body).into_response())
}

/// The guide alone, printed at once when JavaScript runs (kiosk browsers have no print menu).
pub async fn kiosk_print(State(state): State<AppState>, Path(code): Path<String>) -> PageResult {
    let (item, guide) = kiosk_guide(&state, &code).await?;
    let body = html! {
        p.noprint { "正在打印……如未自动打印,请到服务窗口索取纸质指南。" }
        (guide)
        script { (PreEscaped("window.print();")) }
    };
    Ok(kiosk_layout(&item.name, false, body).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct KioskLookup {
    number: String,
    code: String,
}

pub async fn kiosk_lookup(
    State(state): State<AppState>,
    Query(q): Query<KioskLookup>,
) -> PageResult {
    let found = crate::api::cases::public_view(&state, &q.number, &q.code).await;
    let status = match &found {
        Err(e) => e.status(),
        Ok(_) => StatusCode::OK,
    };
    let body = html! {
        @match &found {
            Ok(p) => {
                div.card {
                    h2 { (p.item_name) }
                    table.kv {
                        tr { th { "办件编号" } td { (p.number) } }
                        tr { th { "当前状态" } td { strong { (p.state_label) } } }
                        @if let Some(d) = p.due { tr { th { "期限" } td { (d) } } }
                        tr { th { "下一步" } td { (p.next_step) } }
                    }
                    ol.timeline { @for (at, label) in &p.timeline { li { span.hint { (local(*at)) } " " (label) } } }
                }
                @if p.state == CaseState::Completed {
                    a.kbtn href={ "/rate?channel=window_tablet&number=" (p.number) "&code=" (q.code) } { "评价本次服务" }
                }
            }
            Err(e) => { div.notice.bad role="alert" { (e.user_message()) } a.kbtn href="/kiosk" { "重新查询" } }
        }
    };
    Ok((status, kiosk_layout("办件查询", false, body)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Monthly statistics (published figures)

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct StatRow {
    pub key: String,
    pub name: String,
    /// Cases received (申报受理收件) in the month.
    pub received: u32,
    /// Cases completed (办结) in the month.
    pub completed: u32,
    /// Of those, completed by the promised date.
    pub on_time: u32,
}

impl StatRow {
    /// On-time rate in percent, `None` when nothing was completed.
    pub fn on_time_rate(&self) -> Option<f64> {
        (self.completed > 0).then(|| f64::from(self.on_time) * 100.0 / f64::from(self.completed))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Statistics {
    pub month: String,
    pub total: StatRow,
    pub by_department: Vec<StatRow>,
    pub by_place: Vec<StatRow>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MonthQuery {
    month: String,
}

fn month_bounds(s: &str, today: NaiveDate) -> AppResult<(NaiveDate, NaiveDate)> {
    let first = if s.trim().is_empty() {
        today.with_day(1).unwrap_or(today)
    } else {
        NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d")
            .map_err(|_| AppError::bad_field("invalid_month", "month", "月份格式应为YYYY-MM"))?
    };
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| AppError::bad_field("invalid_month", "month", "月份无效"))?;
    Ok((first, next))
}

/// Figures of one month over every case: received by date of receipt, completed by date of
/// completion, on time against the promised date. Added up from the month's day rows of receipts
/// and completions (`period_figures`), so the page costs the same however many cases are stored;
/// a month already over is kept in memory after its first visit.
pub async fn statistics(state: &AppState, month: &str) -> AppResult<Statistics> {
    let today = state.clock.today();
    let (from, to) = month_bounds(month, today)?;
    let cached = state
        .caches
        .past_months
        .read()
        .expect("cache lock")
        .get(&from)
        .cloned();
    let figures = match cached {
        Some(f) if to <= today => f,
        _ => {
            let f = Arc::new(state.store.period_figures(from, to).await?);
            if to <= today {
                state
                    .caches
                    .past_months
                    .write()
                    .expect("cache lock")
                    .insert(from, f.clone());
            }
            f
        }
    };
    let names = super::public::department_names(state).await?;
    let places: HashMap<String, String> = state
        .store
        .list_places(&Scope::All)
        .await?
        .into_iter()
        .map(|p| (p.region_code.to_string(), p.name))
        .collect();
    let mut total = StatRow {
        key: "all".into(),
        name: "合计".into(),
        ..Default::default()
    };
    let mut by_dept: BTreeMap<String, StatRow> = BTreeMap::new();
    let mut by_place: BTreeMap<String, StatRow> = BTreeMap::new();
    for f in figures.iter() {
        let dept = &f.department;
        let place = f.place.to_string();
        let rows = [
            &mut total,
            by_dept.entry(dept.clone()).or_insert_with(|| StatRow {
                key: dept.clone(),
                name: names.get(dept).cloned().unwrap_or_else(|| dept.clone()),
                ..Default::default()
            }),
            by_place.entry(place.clone()).or_insert_with(|| StatRow {
                name: places.get(&place).cloned().unwrap_or_else(|| place.clone()),
                key: place.clone(),
                ..Default::default()
            }),
        ];
        for r in rows {
            r.received += f.received;
            r.completed += f.completed;
            r.on_time += f.on_time;
        }
    }
    Ok(Statistics {
        month: from.format("%Y-%m").to_string(),
        total,
        by_department: by_dept.into_values().collect(),
        by_place: by_place.into_values().collect(),
    })
}

pub async fn statistics_api(
    State(state): State<AppState>,
    Query(q): Query<MonthQuery>,
) -> crate::error::ApiResult<Json<Statistics>> {
    Ok(Json(statistics(&state, &q.month).await?))
}

fn rate_text(r: &StatRow) -> String {
    r.on_time_rate()
        .map(|p| format!("{p:.1}%"))
        .unwrap_or_else(|| "—".into())
}

/// Grouped horizontal bars (received, completed) per row, as inline SVG: no script, prints well.
fn bar_chart(title: &str, rows: &[StatRow]) -> Markup {
    let max = rows
        .iter()
        .map(|r| r.received.max(r.completed))
        .max()
        .unwrap_or(0)
        .max(1);
    let (label_w, bar_w, row_h) = (180u32, 460u32, 44u32);
    let height = 30 + row_h * rows.len() as u32;
    let len = |n: u32| n * bar_w / max;
    html! {
        figure {
            svg role="img" aria-label=(title) viewBox={ "0 0 " (label_w + bar_w + 60) " " (height) } width="100%" style="max-width:720px" {
                title { (title) }
                rect x=(label_w) y="4" width="14" height="12" fill="#0b57d0" {}
                text x=(label_w + 20) y="15" font-size="13" { "收件" }
                rect x=(label_w + 80) y="4" width="14" height="12" fill="#1e7b3a" {}
                text x=(label_w + 100) y="15" font-size="13" { "办结" }
                @for (i, r) in rows.iter().enumerate() {
                    @let y = 26 + row_h * i as u32;
                    text x=(label_w - 8) y=(y + 22) font-size="14" text-anchor="end" { (r.name) }
                    rect x=(label_w) y=(y + 4) width=(len(r.received)) height="16" fill="#0b57d0" {}
                    text x=(label_w + len(r.received) + 6) y=(y + 17) font-size="13" { (r.received) }
                    rect x=(label_w) y=(y + 22) width=(len(r.completed)) height="16" fill="#1e7b3a" {}
                    text x=(label_w + len(r.completed) + 6) y=(y + 35) font-size="13" { (r.completed) }
                }
            }
            figcaption.hint { (title) }
        }
    }
}

fn stat_table(caption: &str, first: &str, rows: &[StatRow], total: &StatRow) -> Markup {
    html! {
        div.table-wrap { table.stats {
            caption { (caption) }
            thead { tr { th scope="col" { (first) } th scope="col" { "收件" } th scope="col" { "办结" } th scope="col" { "按时办结" } th scope="col" { "按时办结率" } } }
            tbody {
                @for r in rows {
                    tr data-key=(r.key) { th scope="row" { (r.name) } td { (r.received) } td { (r.completed) } td { (r.on_time) } td { (rate_text(r)) } }
                }
            }
            tfoot { tr data-key="all" { th scope="row" { "合计" } td { (total.received) } td { (total.completed) } td { (total.on_time) } td { (rate_text(total)) } } }
        } }
    }
}

pub async fn statistics_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<MonthQuery>,
) -> PageResult {
    let s = statistics(&state, &q.month).await?;
    let body = html! {
        h1 { "办件统计 " (s.month) }
        form.card method="get" action="/statistics" {
            label for="month" { "月份" }
            input #month type="month" name="month" value=(s.month);
            div.actions { button type="submit" { "查看" } }
        }
        p { "本月收件 " strong { (s.total.received) } " 件,办结 " strong { (s.total.completed) } " 件,按时办结率 " strong { (rate_text(&s.total)) } "。" }
        h2 { "按部门" }
        (bar_chart("各部门收件与办结", &s.by_department))
        (stat_table("各部门办件统计", "部门", &s.by_department, &s.total))
        h2 { "按服务场所" }
        (bar_chart("各服务场所收件与办结", &s.by_place))
        (stat_table("各服务场所办件统计", "服务场所", &s.by_place, &s.total))
        p.hint { "收件按收件日期、办结按办结日期统计;按时办结指在承诺时限内办结。" }
    };
    Ok(layout("办件统计", u.as_ref(), body).into_response())
}
