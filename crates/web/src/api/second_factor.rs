//! The second factor over the API: the second step of a sign-in, binding an authenticator, new
//! recovery codes, unbinding, and the security administrator's reset. Transport for
//! `app::second_factor`.

use super::model::{Done, SignedIn};
use super::{ApiJson, ApiPath};
use crate::auth::{self, ApiUser};
use crate::error::ApiResult;
use crate::state::AppState;
use app::second_factor::{Enrolment, Proof, Status};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(verify))
        .routes(routes!(status, confirm, remove))
        .routes(routes!(begin))
        .routes(routes!(new_recovery_codes))
        .routes(routes!(reset))
}

/// The reply to a sign-in's second step: the session that replaces the one the password opened.
fn signed_in(state: &AppState, s: &app::accounts::SignedIn) -> (String, SignedIn) {
    let cookie = auth::session_cookie(state, s);
    let reply = SignedIn::of(s, None);
    (cookie, reply)
}

/// 登录第二步:提交身份验证器验证码(或恢复码);成功后换发新的会话 Cookie 与 CSRF 令牌
#[utoipa::path(post, path = "/session/second-factor", tag = "会话", operation_id = "verify_second_factor",
    request_body = Proof,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已通过;新的会话 Cookie 在 Set-Cookie 中", body = SignedIn),
        (status = 400, description = "本会话无需或尚未绑定双因素认证", body = crate::error::ErrorBody),
        (status = 422, description = "验证码或恢复码不正确", body = crate::error::ErrorBody),
        (status = 429, description = "错误次数过多,暂时锁定(见 Retry-After)", body = crate::error::ErrorBody),
    ))]
async fn verify(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(body): ApiJson<Proof>,
) -> ApiResult<Response> {
    let s = app::second_factor::verify(&state, &u.user, &u.session, &body).await?;
    let (cookie, reply) = signed_in(&state, &s);
    Ok(([(header::SET_COOKIE, cookie)], Json(reply)).into_response())
}

/// 本人的双因素认证状态
#[utoipa::path(get, path = "/me/second-factor", tag = "会话", operation_id = "second_factor_status",
    security(("session" = [])),
    responses((status = 200, description = "状态", body = Status)))]
async fn status(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult<Json<Status>> {
    Ok(Json(app::second_factor::status(&state, &u.user).await?))
}

/// 开始绑定身份验证器:返回密钥与 otpauth 地址(未确认前再次调用返回同一密钥)
#[utoipa::path(post, path = "/me/second-factor/enrolment", tag = "会话", operation_id = "begin_second_factor",
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "待确认的绑定", body = Enrolment),
        (status = 400, description = "已绑定", body = crate::error::ErrorBody),
    ))]
async fn begin(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult<Response> {
    let e = app::second_factor::begin(&state, &u.user).await?;
    // The secret is in this reply: no cache may keep it.
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(e)).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct Confirm {
    /// The first code the authenticator shows after the secret was added.
    #[schema(max_length = 16)]
    pub code: String,
}

/// A confirmed binding: the recovery codes (shown this once), and, when the session was waiting for
/// its second factor, the session that replaces it.
#[derive(Serialize, ToSchema)]
pub struct Confirmed {
    pub recovery_codes: Vec<String>,
    /// The new session's CSRF token (its cookie in Set-Cookie), when the session was replaced.
    pub csrf_token: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// 确认绑定:提交身份验证器显示的第一个验证码;返回 10 个恢复码(仅此一次)
#[utoipa::path(post, path = "/me/second-factor", tag = "会话", operation_id = "confirm_second_factor",
    request_body = Confirm,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已绑定", body = Confirmed),
        (status = 400, description = "未开始绑定或已绑定", body = crate::error::ErrorBody),
        (status = 422, description = "验证码不正确", body = crate::error::ErrorBody),
        (status = 429, description = "错误次数过多,暂时锁定(见 Retry-After)", body = crate::error::ErrorBody),
    ))]
async fn confirm(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(body): ApiJson<Confirm>,
) -> ApiResult<Response> {
    let (codes, signed) =
        app::second_factor::confirm(&state, &u.user, &u.session, &body.code).await?;
    let reply = Confirmed {
        recovery_codes: codes,
        csrf_token: signed.as_ref().map(|s| s.session.csrf_token.clone()),
        expires_at: signed.as_ref().map(|s| s.session.expires_at),
    };
    let mut resp = ([(header::CACHE_CONTROL, "no-store")], Json(reply)).into_response();
    if let Some(s) = &signed {
        let (cookie, _) = signed_in(&state, s);
        resp.headers_mut()
            .append(header::SET_COOKIE, cookie.parse().expect("cookie header"));
    }
    Ok(resp)
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// 重新生成 10 个恢复码(需验证码;原恢复码作废)
#[utoipa::path(post, path = "/me/second-factor/recovery-codes", tag = "会话", operation_id = "new_recovery_codes",
    request_body = Proof,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "新的恢复码(仅此一次)", body = RecoveryCodes),
        (status = 400, description = "未绑定", body = crate::error::ErrorBody),
        (status = 422, description = "验证码不正确", body = crate::error::ErrorBody),
        (status = 429, description = "错误次数过多,暂时锁定(见 Retry-After)", body = crate::error::ErrorBody),
    ))]
async fn new_recovery_codes(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(body): ApiJson<Proof>,
) -> ApiResult<Response> {
    let codes = app::second_factor::new_recovery_codes_for(&state, &u.user, &body).await?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(RecoveryCodes {
            recovery_codes: codes,
        }),
    )
        .into_response())
}

/// 停用本人的身份验证器(需验证码;角色要求双因素认证的账户不能停用)
#[utoipa::path(delete, path = "/me/second-factor", tag = "会话", operation_id = "remove_second_factor",
    request_body = Proof,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已停用", body = Done),
        (status = 400, description = "未绑定,或角色要求双因素认证", body = crate::error::ErrorBody),
        (status = 422, description = "验证码不正确", body = crate::error::ErrorBody),
        (status = 429, description = "错误次数过多,暂时锁定(见 Retry-After)", body = crate::error::ErrorBody),
    ))]
async fn remove(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(body): ApiJson<Proof>,
) -> ApiResult<Json<Done>> {
    app::second_factor::remove(&state, &u.user, &body).await?;
    Ok(Json(Done { ok: true }))
}

/// 安全管理员重置人员的双因素认证(手机丢失等);该人员的会话全部结束,下次登录须重新绑定
#[utoipa::path(delete, path = "/users/{id}/second-factor", tag = "人员", operation_id = "reset_second_factor",
    params(("id" = i64, Path, description = "人员编号")),
    security(("session" = [], "csrf" = [])),
    responses((status = 200, description = "已重置", body = Done)))]
async fn reset(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Done>> {
    app::second_factor::reset_by_admin(&state, &u.user, id).await?;
    Ok(Json(Done { ok: true }))
}
