//! Cases over the API: filing, queues, commands, materials, lookup, messages, results, verify.

use super::{ApiJson, ApiQuery};
use crate::auth::ApiUser;
use crate::cases::{self, FileRequest};
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::access::Action;
use domain::case::{Case, CaseEvent, Command};
use serde::{Deserialize, Serialize};
use store::{Message, PublishedResult};

pub use app::files::MAX_UPLOAD;

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

pub use app::queues::{queue, Page, QueuePage, MAX_PAGE};

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

pub use app::lookups::{public_view, PublicCase};

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
