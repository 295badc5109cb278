//! Users over the API: transport for `app::users`.

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::state::AppState;
use app::users;
pub use app::users::{create_user_checked, CreateUser, GrantInput};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use store::User;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{id}", get(one))
        .route("/users/{id}/grants", put(set_grants))
        .route("/users/{id}/active", put(set_active))
}

async fn list(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(users::list(&state, &u).await?))
}

async fn one(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<User>> {
    Ok(Json(users::get(&state, &u, id).await?))
}

async fn create(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    Ok((
        StatusCode::CREATED,
        Json(create_user_checked(&state, &u, &b).await?),
    ))
}

async fn set_grants(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<Vec<GrantInput>>,
) -> ApiResult<Json<User>> {
    Ok(Json(users::set_grants(&state, &u, id, &b).await?))
}

#[derive(Deserialize)]
struct Active {
    active: bool,
}

async fn set_active(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<Active>,
) -> ApiResult<Json<User>> {
    Ok(Json(users::set_active(&state, &u, id, b.active).await?))
}
