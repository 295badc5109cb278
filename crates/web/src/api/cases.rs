//! Cases over the API: filing, queues, commands, materials, lookup, messages, results, verify.

use super::{ApiJson, ApiQuery};
use crate::auth::{ApiUser, Authed};
use crate::cases::{self, FileRequest};
use crate::error::{ApiResult, AppError, AppResult};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::access::{Action, Role};
use domain::case::{Case, CaseEvent, CaseState, Command};
use serde::{Deserialize, Serialize};
use store::listing::ListKey;
use store::{CaseFilter, CaseSummary, Message, PublishedResult};

/// Largest uploaded material file.
pub const MAX_UPLOAD: usize = 10 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list).post(file))
        .route("/cases/{number}", get(one))
        .route("/cases/{number}/events", get(events))
        .route("/cases/{number}/commands", post(command))
        .route(
            "/cases/{number}/materials/{index}",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD + 1024)),
        )
        .route("/lookup", get(lookup))
        .route("/messages", get(messages))
        .route("/results", get(results))
        .route("/admin/verify", post(verify))
        .route("/admin/auto-accept", post(auto_accept))
}

async fn file(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(req): ApiJson<FileRequest>,
) -> ApiResult<(StatusCode, Json<Case>)> {
    Ok((
        StatusCode::CREATED,
        Json(cases::file_case(&state, &u, &req).await?),
    ))
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    /// prereview | review | decide | deliver | all (staff); mine (applicant or agent)
    #[serde(default)]
    pub queue: String,
    /// The `x-next-after` of the previous page (keyset paging).
    #[serde(default)]
    pub after: Option<String>,
    /// Rows per page, 1 to 500 (default 500).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Largest page of a queue.
pub const MAX_PAGE: u32 = 500;

/// Rows a review or decision queue reads at most for one page before it hands back a shorter
/// page and where to go on (each row read is a case loaded to see whose turn it is).
const QUEUE_READ_LIMIT: usize = 2_000;

/// Which page of a queue: the rows after `after`, at most `limit`.
#[derive(Debug, Clone)]
pub struct Page {
    pub after: Option<ListKey>,
    pub limit: u32,
}

impl Page {
    /// Checks the `after` and `limit` query fields.
    pub fn parse(after: Option<&str>, limit: Option<u32>, default: u32) -> AppResult<Page> {
        let after = match after.filter(|a| !a.is_empty()) {
            None => None,
            Some(a) => Some(ListKey::decode(a).ok_or_else(|| {
                AppError::bad_field("invalid_after", "after", "翻页位置无效,请从第一页重新开始")
            })?),
        };
        let limit = limit.unwrap_or(default);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(AppError::bad_field(
                "invalid_limit",
                "limit",
                "每页条数应在 1 到 500 之间",
            ));
        }
        Ok(Page { after, limit })
    }
}

/// A page of a queue and where the next one starts (none after the last page).
pub struct QueuePage {
    pub rows: Vec<CaseSummary>,
    pub next: Option<ListKey>,
}

/// A work queue: the cases this user may act on in one step of the process, earliest deadline first.
pub async fn queue(state: &AppState, u: &Authed, queue: &str, page: &Page) -> AppResult<QueuePage> {
    let mine = CaseFilter {
        applicant_user_id: Some(u.user.id),
        ..Default::default()
    };
    let by_role = |r: Role| u.grants().iter().any(|g| g.role == r);
    let (filter, decide_only) = match queue {
        "mine" | ""
            if !u.can_anywhere(Action::HandleCases) && !u.can_anywhere(Action::Supervise) =>
        {
            if by_role(Role::VillageAgent) {
                (
                    CaseFilter {
                        agent_user_id: Some(u.user.id),
                        ..Default::default()
                    },
                    false,
                )
            } else {
                (mine, false)
            }
        }
        "prereview" => (
            CaseFilter {
                states: vec![CaseState::Submitted, CaseState::CorrectionRequested],
                ..Default::default()
            },
            false,
        ),
        "review" => (
            CaseFilter {
                states: vec![CaseState::InReview, CaseState::Suspended],
                ..Default::default()
            },
            false,
        ),
        "decide" => (
            CaseFilter {
                states: vec![CaseState::InReview],
                ..Default::default()
            },
            true,
        ),
        "deliver" => (
            CaseFilter {
                states: vec![CaseState::Decided, CaseState::Delivered],
                ..Default::default()
            },
            false,
        ),
        "all" | "" => (CaseFilter::default(), false),
        _ => {
            return Err(AppError::bad_field(
                "invalid_queue",
                "queue",
                "队列应为 prereview、review、decide、deliver、all 或 mine",
            ))
        }
    };
    let filter = if filter.applicant_user_id.is_some() || filter.agent_user_id.is_some() {
        filter
    } else {
        let scope = if u.can_anywhere(Action::HandleCases) {
            u.scope(Action::HandleCases)
        } else {
            u.scope(Action::Supervise)
        };
        CaseFilter {
            place_scope: Some(scope),
            // Cases filed from this subtree but handled above (转办, 上报) stay visible to it.
            with_filed_from: queue == "all",
            ..filter
        }
    };
    // Reviewers see the cases with a stage of their department running; heads those ready to decide.
    let depts: Vec<String> = {
        let actor = cases::actor_for(state, u).await?;
        actor
            .roles
            .iter()
            .filter(|r| matches!(r.role, Role::Reviewer | Role::DepartmentHead))
            .filter_map(|r| r.department.clone())
            .collect()
    };
    let review = queue == "review" && !depts.is_empty();
    if !review && !decide_only {
        let filter = CaseFilter {
            limit: Some(page.limit),
            after: page.after.clone(),
            ..filter
        };
        let rows = state.store.list_cases(&filter).await?;
        let next = (rows.len() == page.limit as usize)
            .then(|| rows.last().map(ListKey::of))
            .flatten();
        return Ok(QueuePage { rows, next });
    }
    // Whether a case is this user's to act on is read from the case itself, so the list is read
    // on until the page is full (or the end, or a bounded number of rows read, after which the
    // next page goes on from the last row read: nothing is skipped).
    let mut rows = vec![];
    let mut after = page.after.clone();
    let mut read = 0usize;
    let next = loop {
        let batch = state
            .store
            .list_cases(&CaseFilter {
                limit: Some(page.limit),
                after: after.clone(),
                ..filter.clone()
            })
            .await?;
        let more = batch.len() == page.limit as usize;
        read += batch.len();
        for r in batch {
            let key = ListKey::of(&r);
            if let Some(c) = state.store.get_case(&r.number).await? {
                let mine = if review {
                    c.state == CaseState::Suspended
                        || c.active_stages()
                            .iter()
                            .any(|i| depts.contains(&c.stages[*i].department))
                } else {
                    c.review_stages_pending().is_empty()
                        && (depts.is_empty() || depts.contains(&c.filing.item.department))
                };
                if mine {
                    rows.push(r);
                }
            }
            after = Some(key);
            if rows.len() == page.limit as usize {
                break;
            }
        }
        if rows.len() == page.limit as usize || (more && read >= QUEUE_READ_LIMIT) {
            break after;
        }
        if !more {
            break None;
        }
    };
    Ok(QueuePage { rows, next })
}

/// A page of a queue; `x-next-after` (and a `Link: rel="next"`) says where the next page starts.
async fn list(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> ApiResult<impl axum::response::IntoResponse> {
    let page = Page::parse(q.after.as_deref(), q.limit, MAX_PAGE)?;
    let p = queue(&state, &u, &q.queue, &page).await?;
    let mut headers = axum::http::HeaderMap::new();
    if let Some(next) = &p.next {
        let key = next.encode();
        let link = format!(
            "</api/v1/cases?queue={}&limit={}&after={key}>; rel=\"next\"",
            q.queue, page.limit
        );
        for (name, value) in [("x-next-after", key), ("link", link)] {
            if let Ok(v) = axum::http::HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        }
    }
    Ok((headers, Json(p.rows)))
}

async fn one(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(number): Path<String>,
) -> ApiResult<Json<Case>> {
    Ok(Json(cases::load_visible(&state, &u, &number).await?))
}

async fn events(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(number): Path<String>,
) -> ApiResult<Json<Vec<CaseEvent>>> {
    cases::load_visible(&state, &u, &number).await?;
    Ok(Json(state.store.case_events(&number).await?))
}

#[derive(Deserialize)]
pub struct CommandBody {
    pub command: Command,
    #[serde(default)]
    pub comment: String,
}

async fn command(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(number): Path<String>,
    headers: axum::http::HeaderMap,
    ApiJson(b): ApiJson<CommandBody>,
) -> ApiResult<Json<Case>> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let c = cases::load_visible(&state, &u, &number).await?;
    if matches!(b.command, Command::AutoAccept) {
        return Err(AppError::Forbidden.into());
    }
    let actor = cases::actor_for(&state, &u).await?;
    Ok(Json(
        cases::execute_on(
            &state,
            &actor,
            c,
            &b.command,
            &b.comment,
            &[],
            key.as_deref(),
        )
        .await?,
    ))
}

#[derive(Serialize)]
struct Uploaded {
    sha256: String,
    content_type: &'static str,
    size: usize,
}

async fn upload(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path((number, index)): Path<(String, usize)>,
    body: Bytes,
) -> ApiResult<Json<Uploaded>> {
    cases::load_visible(&state, &u, &number).await?;
    let (sha256, content_type) = crate::files::store_upload(&state, &body).await?;
    let actor = cases::actor_for(&state, &u).await?;
    cases::execute(
        &state,
        &actor,
        &number,
        &Command::UploadMaterial {
            index,
            sha256: sha256.clone(),
        },
        "",
        std::slice::from_ref(&sha256),
    )
    .await?;
    Ok(Json(Uploaded {
        sha256,
        content_type,
        size: body.len(),
    }))
}

#[derive(Deserialize)]
pub struct LookupQuery {
    pub number: String,
    pub code: String,
}

/// What the public sees of a case: no personal data.
#[derive(Serialize)]
pub struct PublicCase {
    pub number: String,
    pub item_name: String,
    pub state: CaseState,
    pub state_label: &'static str,
    pub applicant: String,
    pub due: Option<chrono::NaiveDate>,
    pub next_step: String,
    pub timeline: Vec<(chrono::DateTime<chrono::Utc>, String)>,
}

pub async fn public_view(state: &AppState, number: &str, code: &str) -> AppResult<PublicCase> {
    let c = state
        .store
        .find_case_by_query_code(number.trim(), code.trim().to_ascii_uppercase().as_str())
        .await?
        .ok_or_else(|| AppError::bad("lookup_failed", "办件编号或查询码不正确"))?;
    let events = state.store.case_events(&c.filing.number).await?;
    Ok(PublicCase {
        number: c.filing.number.clone(),
        item_name: c.filing.item.name.clone(),
        state: c.state,
        state_label: c.state.label(),
        applicant: domain::identity::mask_name(&c.filing.applicant.name),
        due: c.current_deadline(),
        next_step: next_step_for_applicant(&c),
        timeline: events
            .iter()
            .filter(|e| {
                !matches!(
                    e.kind,
                    domain::case::EventKind::MaterialUploaded { .. }
                        | domain::case::EventKind::DraftUpdated { .. }
                        | domain::case::EventKind::MaterialMarked { .. }
                )
            })
            .map(|e| (e.at, e.kind.label()))
            .collect(),
    })
}

/// What the applicant must do next, in plain words.
pub fn next_step_for_applicant(c: &Case) -> String {
    match c.state {
        CaseState::Draft => "请补充申请信息和材料后提交。".into(),
        CaseState::Submitted => "材料已收到,正在预审,无需操作。".into(),
        CaseState::CorrectionRequested => "请按补正通知一次性补齐材料后重新提交。".into(),
        CaseState::InReview => "正在审查,无需操作。".into(),
        CaseState::Suspended => {
            "处于特别程序(听证、检测、鉴定或专家评审等),期间不计入办理时限。".into()
        }
        CaseState::Decided if c.fee_outstanding() > 0 => format!(
            "请缴纳费用{}元后领取结果。",
            domain::catalog::format_yuan(c.fee_outstanding())
        ),
        CaseState::Decided => "结果已作出,请按通知领取或等待送达。".into(),
        CaseState::Delivered | CaseState::Completed => "已办结,欢迎评价。".into(),
        CaseState::Refused => {
            "不予受理。如不服,可在60日内申请行政复议,或在6个月内提起行政诉讼。".into()
        }
        CaseState::Withdrawn | CaseState::Terminated => "本件已结束。".into(),
    }
}

async fn lookup(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<LookupQuery>,
) -> ApiResult<Json<PublicCase>> {
    Ok(Json(public_view(&state, &q.number, &q.code).await?))
}

async fn messages(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Vec<Message>>> {
    Ok(Json(state.store.messages_for_user(u.user.id).await?))
}

async fn results(State(state): State<AppState>) -> ApiResult<Json<Vec<PublishedResult>>> {
    Ok(Json(state.store.list_results(200).await?))
}

#[derive(Serialize)]
struct VerifyReport {
    checked: usize,
    broken: Vec<(String, u32)>,
}

async fn verify(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<VerifyReport>> {
    if !(u.can_anywhere(Action::ManageUsers) || u.can_anywhere(Action::Supervise)) {
        return Err(AppError::Forbidden.into());
    }
    let (checked, broken) = cases::verify_all(state.store.as_ref()).await?;
    Ok(Json(VerifyReport { checked, broken }))
}

async fn auto_accept(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<serde_json::Value>> {
    if !u.can_anywhere(Action::ManageUsers) {
        return Err(AppError::Forbidden.into());
    }
    let n = cases::auto_accept_overdue(&state).await?;
    Ok(Json(serde_json::json!({ "accepted": n })))
}
