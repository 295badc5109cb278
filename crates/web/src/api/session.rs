//! Sign-in over the API: a session cookie plus the CSRF token to send as `X-CSRF-Token`.

use super::model::{Done, Me, SignedIn, UserView};
use super::ApiJson;
use crate::auth::{self, ApiUser, SESSION_COOKIE};
use crate::error::ApiResult;
use crate::state::AppState;
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
        .routes(routes!(login, logout))
        .routes(routes!(me))
}

#[derive(Deserialize, ToSchema)]
pub struct Login {
    pub username: String,
    pub password: String,
}

/// 登录,返回 CSRF 令牌并设置会话 Cookie
#[utoipa::path(post, path = "/session", tag = "会话", operation_id = "login",
    request_body = Login,
    responses(
        (status = 200, description = "密码正确;会话 Cookie 在 Set-Cookie 中。second_factor 不为空时须先完成双因素认证", body = SignedIn),
        (status = 401, description = "用户名或密码错误", body = crate::error::ErrorBody),
        (status = 429, description = "连续登录失败,账号暂时锁定(见 Retry-After)", body = crate::error::ErrorBody),
    ))]
async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<Response> {
    let s = auth::sign_in(&state, &body.username, &body.password).await?;
    let cookie = auth::session_cookie(&state, &s);
    let due = app::second_factor::due(&state, &s.user, &s.session).await?;
    let reply = SignedIn::of(&s, due);
    Ok(([(header::SET_COOKIE, cookie)], Json(reply)).into_response())
}

/// 退出登录
#[utoipa::path(delete, path = "/session", tag = "会话", operation_id = "logout",
    security(("session" = [], "csrf" = [])),
    responses((status = 200, description = "已退出", body = Done)))]
async fn logout(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult<Response> {
    app::accounts::sign_out(&state, &u.user, &u.session).await?;
    let clear = auth::set_cookie(&state, SESSION_COOKIE, "", 0);
    Ok(([(header::SET_COOKIE, clear)], Json(Done { ok: true })).into_response())
}

/// 当前用户及其角色
#[utoipa::path(get, path = "/me", tag = "会话", operation_id = "me",
    security(("session" = [])),
    responses((status = 200, description = "当前用户", body = Me)))]
async fn me(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult<Json<Me>> {
    Ok(Json(Me {
        user: UserView::from(&u.user),
        csrf_token: u.session.csrf_token.clone(),
        second_factor: app::second_factor::due(&state, &u.user, &u.session).await?,
        password_change_due: u.session.password_change_due,
    }))
}
