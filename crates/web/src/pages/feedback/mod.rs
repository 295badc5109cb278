//! Ratings (好差评), follow-ups, complaints and petitions (投诉, 信访, 举报), the kiosk and the
//! monthly statistics, §9 and §11.
//!
//! Public pages need no account: the case's query code proves the rater is the applicant, and the
//! complaint's follow code is the complainant's only key. Their forms use the double-submit CSRF
//! cookie (or the session token when someone is signed in, because the guard then expects that).

use super::{csrf_input, layout, PageError, PageResult};
use crate::auth::{self, Authed, MaybeUser, PageUser, ANON_CSRF_COOKIE, CSRF_FIELD};
use crate::error::HttpError;
use crate::error::{AppError, AppResult};
use crate::pages::Form;
use crate::state::AppState;
use app::feedback::{
    case_by_code, file_complaint as file, is_admin, load_complaint, may_handle, may_supervise,
    place_name, setting_days, statistics, visible_feedback as visible, ComplaintForm, StatRow,
};
pub use app::feedback::{ANSWER_DAYS_SETTING, FOLLOW_UP_DAYS_SETTING};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use domain::case::{Case, CaseState};
use domain::feedback::{
    self as fb, ComplaintAction, ComplaintKind, ComplaintSubject, FollowUpAction, FollowUpStatus,
    RatingChannel, RatingLevel,
};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::Deserialize;
/// Seconds of inactivity after which a kiosk page returns to the start.
pub const KIOSK_IDLE_SECONDS: u32 = 90;

mod complaints;
mod kiosk;
mod ratings;
mod settings;
mod staff;
mod statistics;
pub use complaints::*;
pub use kiosk::*;
pub use ratings::*;
pub use settings::*;
pub use staff::*;
pub use statistics::*;

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

/// Days left on the calendar of the unit the deadline was set for.
fn days_tag(
    state: &AppState,
    cal: &domain::calendar::WorkingCalendar,
    due: NaiveDate,
    open: bool,
) -> Markup {
    if !open {
        return html! {};
    }
    let (text, class) = super::cases::remaining(state, cal, Some(due));
    html! { span.tag.(class) { (text) } }
}
