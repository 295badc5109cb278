//! One's own account over the API: change the password, list and end one's sessions; the security
//! administrator's password reset and unlock; an applicant's reset by SMS code. Transport for
//! `app::passwords` and `app::sessions`.

use super::model::{Done, SignedIn};
use super::{ApiJson, ApiPath};
use crate::auth::{self, ApiUser, SESSION_COOKIE};
use crate::error::ApiResult;
use crate::state::AppState;
use app::passwords::PasswordChange;
use app::sessions::SessionView;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(change_password))
        .routes(routes!(list_sessions, end_all_sessions))
        .routes(routes!(end_session))
        .routes(routes!(reset_password))
        .routes(routes!(unlock_user))
        .routes(routes!(request_reset_code))
        .routes(routes!(reset_with_code))
}

/// 修改本人密码;其他会话全部结束,本次返回新的会话 Cookie 与 CSRF 令牌
#[utoipa::path(put, path = "/me/password", tag = "会话", operation_id = "change_password",
    request_body = PasswordChange,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已修改;新的会话 Cookie 在 Set-Cookie 中", body = SignedIn),
        (status = 429, description = "当前密码错误次数过多(见 Retry-After)", body = crate::error::ErrorBody),
    ))]
async fn change_password(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<Response> {
    let s = app::passwords::change(&state, &u.user, &body).await?;
    let cookie = auth::session_cookie(&state, &s);
    let reply = SignedIn::of(&s, None);
    Ok(([(header::SET_COOKIE, cookie)], Json(reply)).into_response())
}

/// 本人未结束的会话(登录时间、最近活动、来源地址部分隐藏)
#[utoipa::path(get, path = "/me/sessions", tag = "会话", operation_id = "list_sessions",
    security(("session" = [])),
    responses((status = 200, description = "会话列表,最新的在前", body = Vec<SessionView>)))]
async fn list_sessions(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Vec<SessionView>>> {
    Ok(Json(
        app::sessions::list(&state, &u.user, &u.session).await?,
    ))
}

/// 在所有设备上退出(含本会话)
#[utoipa::path(delete, path = "/me/sessions", tag = "会话", operation_id = "end_all_sessions",
    security(("session" = [], "csrf" = [])),
    responses((status = 200, description = "已全部退出", body = Done)))]
async fn end_all_sessions(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Response> {
    app::sessions::end_everywhere(&state, &u.user).await?;
    let clear = auth::set_cookie(&state, SESSION_COOKIE, "", 0);
    Ok(([(header::SET_COOKIE, clear)], Json(Done { ok: true })).into_response())
}

/// 结束本人的一个会话
#[utoipa::path(delete, path = "/me/sessions/{id}", tag = "会话", operation_id = "end_session",
    params(("id" = String, Path, description = "会话编号(见会话列表)")),
    security(("session" = [], "csrf" = [])),
    responses((status = 200, description = "已结束", body = Done)))]
async fn end_session(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Done>> {
    app::sessions::end(&state, &u.user, &id).await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewPassword {
    pub password: String,
}

/// 安全管理员重置人员密码;该人员的会话全部结束,下次登录须先修改密码
#[utoipa::path(put, path = "/users/{id}/password", tag = "人员", operation_id = "reset_password",
    params(("id" = i64, Path, description = "人员编号")),
    request_body = NewPassword,
    security(("session" = [], "csrf" = [])),
    responses((status = 200, description = "已重置", body = Done)))]
async fn reset_password(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewPassword>,
) -> ApiResult<Json<Done>> {
    app::passwords::reset_by_admin(&state, &u.user, id, &body.password).await?;
    Ok(Json(Done { ok: true }))
}

/// 安全管理员解除人员的登录锁定(清除其在各来源地址的失败计数)
#[utoipa::path(post, path = "/users/{id}/unlock", tag = "人员", operation_id = "unlock_user",
    params(("id" = i64, Path, description = "人员编号")),
    security(("session" = [], "csrf" = [])),
    responses((status = 200, description = "已解除锁定", body = Done)))]
async fn unlock_user(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Done>> {
    app::passwords::unlock(&state, &u.user, id).await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Deserialize, ToSchema)]
pub struct ResetRequest {
    pub username: String,
    pub phone: String,
}

/// 申请人忘记密码:获取短信验证码。无论信息是否匹配,回答相同
#[utoipa::path(post, path = "/password-reset", tag = "会话", operation_id = "request_reset_code",
    request_body = ResetRequest,
    responses(
        (status = 200, description = "若用户名与手机号匹配,验证码已发送", body = Done),
        (status = 429, description = "获取过于频繁(见 Retry-After)", body = crate::error::ErrorBody),
    ))]
async fn request_reset_code(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ResetRequest>,
) -> ApiResult<Json<Done>> {
    app::passwords::request_reset_code(&state, &body.username, &body.phone).await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Deserialize, ToSchema)]
pub struct ResetWithCode {
    pub username: String,
    pub code: String,
    pub new_password: String,
}

/// 申请人凭短信验证码设置新密码(验证码一次有效)
#[utoipa::path(post, path = "/password-reset/confirm", tag = "会话", operation_id = "reset_with_code",
    request_body = ResetWithCode,
    responses((status = 200, description = "密码已重置,请重新登录", body = Done)))]
async fn reset_with_code(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ResetWithCode>,
) -> ApiResult<Json<Done>> {
    app::passwords::reset_with_code(&state, &body.username, &body.code, &body.new_password).await?;
    Ok(Json(Done { ok: true }))
}
