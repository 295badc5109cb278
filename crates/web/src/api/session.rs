//! Sign-in over the API: a session cookie plus the CSRF token to send as `X-CSRF-Token`.

use super::ApiJson;
use crate::auth::{self, ApiUser, SESSION_COOKIE};
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/session", post(login).delete(logout))
        .route("/me", get(me))
}

#[derive(Deserialize)]
pub struct Login {
    pub username: String,
    pub password: String,
}

async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<Response> {
    let s = auth::sign_in(&state, &body.username, &body.password).await?;
    let cookie = auth::set_cookie(
        &state,
        SESSION_COOKIE,
        &s.token,
        state.config.session_hours * 3600,
    );
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(json!({ "user": s.user, "csrf_token": s.session.csrf_token, "expires_at": s.session.expires_at })),
    )
        .into_response())
}

async fn logout(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult<Response> {
    state.store.delete_session(&u.session.token_hash).await?;
    let clear = auth::set_cookie(&state, SESSION_COOKIE, "", 0);
    Ok(([(header::SET_COOKIE, clear)], Json(json!({ "ok": true }))).into_response())
}

async fn me(ApiUser(u): ApiUser) -> Json<serde_json::Value> {
    Json(json!({ "user": u.user, "csrf_token": u.session.csrf_token }))
}
