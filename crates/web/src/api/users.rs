//! Users over the API: transport for `app::users`.

use super::model::UserView;
use super::{ApiJson, ApiPath};
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::state::AppState;
use app::users;
pub use app::users::{create_user_checked, CreateUser, GrantInput};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user))
        .routes(routes!(set_grants))
        .routes(routes!(set_active))
}

/// 管辖范围内的人员
#[utoipa::path(get, path = "/users", tag = "人员", operation_id = "list_users",
    security(("session" = [])),
    responses((status = 200, description = "人员列表", body = Vec<UserView>)))]
async fn list_users(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Vec<UserView>>> {
    let rows = users::list(&state, &u).await?;
    Ok(Json(rows.iter().map(UserView::from).collect()))
}

/// 人员详情
#[utoipa::path(get, path = "/users/{id}", tag = "人员", operation_id = "get_user",
    params(("id" = i64, Path, description = "人员编号")),
    security(("session" = [])),
    responses((status = 200, description = "人员", body = UserView)))]
async fn get_user(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(UserView::from(&users::get(&state, &u, id).await?)))
}

/// 新增人员并授予角色
#[utoipa::path(post, path = "/users", tag = "人员", operation_id = "create_user",
    request_body = CreateUser,
    security(("session" = [], "csrf" = [])),
    responses((status = 201, description = "已新增", body = UserView)))]
async fn create_user(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let user = create_user_checked(&state, &u, &b).await?;
    Ok((StatusCode::CREATED, Json(UserView::from(&user))))
}

/// 替换人员的角色授权
#[utoipa::path(put, path = "/users/{id}/grants", tag = "人员", operation_id = "set_grants",
    params(("id" = i64, Path, description = "人员编号")),
    request_body = Vec<GrantInput>,
    security(("session" = [], "csrf" = [])),
    responses((status = 200, description = "已保存", body = UserView)))]
async fn set_grants(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<Vec<GrantInput>>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(UserView::from(
        &users::set_grants(&state, &u, id, &b).await?,
    )))
}

#[derive(Deserialize, ToSchema)]
struct Active {
    active: bool,
}

/// 启用或停用人员
#[utoipa::path(put, path = "/users/{id}/active", tag = "人员", operation_id = "set_active",
    params(("id" = i64, Path, description = "人员编号")),
    request_body = Active,
    security(("session" = [], "csrf" = [])),
    responses((status = 200, description = "已保存", body = UserView)))]
async fn set_active(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<Active>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(UserView::from(
        &users::set_active(&state, &u, id, b.active).await?,
    )))
}
