//! One's own account: change the password (also the page a forced change lands on), the list of
//! one's sessions with signing out of each or all; and, before sign-in, an applicant's password
//! reset by SMS code. Transport for `app::passwords` and `app::sessions`.

use super::{csrf_input, field_errors, layout, PageResult};
use crate::auth::{self, Authed, PageUser, ANON_CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE};
use crate::error::AppError;
use crate::error::HttpError;
use crate::pages::Form;
use crate::state::AppState;
use app::passwords::PasswordChange;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::FieldError;
use maud::{html, Markup};
use serde::Deserialize;

/// The errors of a failed use case as field errors (a form shows each under its input).
pub(super) fn as_fields(e: AppError) -> Result<Vec<FieldError>, AppError> {
    match e {
        AppError::Validation(v) => Ok(v.errors),
        AppError::BadRequest {
            code,
            message,
            field,
        } => Ok(vec![FieldError::new(
            field.unwrap_or_default(),
            code,
            message,
        )]),
        AppError::Locked { message, .. } => {
            Ok(vec![FieldError::new("", "account_locked", message)])
        }
        other => Err(other),
    }
}

pub(super) fn general_errors(errs: &[FieldError]) -> Markup {
    html! {
        @for e in errs.iter().filter(|e| e.field.is_empty()) {
            div.notice.bad role="alert" { (e.message) }
        }
    }
}

fn password_form(u: &Authed, errs: &[FieldError], status: StatusCode) -> Response {
    let body = html! {
        div.card style="max-width:520px" {
            h1 { "修改密码" }
            @if u.session.password_change_due {
                div.notice role="status" { "您的密码由管理员设置或已过有效期,请先修改密码,之后才能继续使用。" }
            }
            (general_errors(errs))
            form.stack method="post" action="/account/password" {
                (csrf_input(u))
                label for="current_password" { "当前密码" }
                input #current_password type="password" name="current_password" autocomplete="current-password" required;
                (field_errors(errs, "current_password"))
                label for="new_password" { "新密码" }
                input #new_password type="password" name="new_password" autocomplete="new-password" required;
                p.hint { (domain::password::RULE) }
                (field_errors(errs, "new_password"))
                label for="confirm_password" { "再次输入新密码" }
                input #confirm_password type="password" name="confirm_password" autocomplete="new-password" required;
                (field_errors(errs, "confirm_password"))
                div.actions { button type="submit" { "修改密码" } }
            }
            p.hint { "修改后,您在其他设备上的登录会全部结束。" }
        }
    };
    (status, layout("修改密码", Some(u), body)).into_response()
}

pub async fn password_page(PageUser(u): PageUser) -> Response {
    password_form(&u, &[], StatusCode::OK)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm_password: String,
}

pub async fn password_submit(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    if f.new_password != f.confirm_password {
        let e = FieldError::new(
            "confirm_password",
            "password_mismatch",
            "两次输入的新密码不一致",
        );
        return Ok(password_form(&u, &[e], StatusCode::UNPROCESSABLE_ENTITY));
    }
    let change = PasswordChange {
        current_password: f.current_password,
        new_password: f.new_password,
    };
    match app::passwords::change(&state, &u.user, &change).await {
        Ok(s) => {
            let cookie = auth::session_cookie(&state, &s);
            Ok((
                [(header::SET_COOKIE, cookie)],
                Redirect::to("/account/sessions"),
            )
                .into_response())
        }
        Err(e) => {
            let status = e.status();
            Ok(password_form(&u, &as_fields(e)?, status))
        }
    }
}

pub async fn sessions_page(State(state): State<AppState>, PageUser(u): PageUser) -> PageResult {
    let sessions = app::sessions::list(&state, &u.user, &u.session).await?;
    let when = |t| domain::time::local(t).format("%Y-%m-%d %H:%M").to_string();
    let body = html! {
        h1 { "账户安全" }
        p { a href="/account/password" { "修改密码" } " · " a href="/account/second-factor" { "双因素认证" } }
        h2 { "当前登录的会话" }
        table {
            thead { tr { th { "登录时间" } th { "最近活动" } th { "来源地址" } th { "" } } }
            tbody {
                @for s in &sessions {
                    tr {
                        td { (when(s.created_at)) }
                        td { (when(s.last_seen_at)) }
                        td { (s.source) }
                        td {
                            @if s.current { "本会话" } @else {
                                form method="post" action=(format!("/account/sessions/{}/end", s.id)) {
                                    (csrf_input(&u))
                                    button.secondary type="submit" { "退出该会话" }
                                }
                            }
                        }
                    }
                }
            }
        }
        form method="post" action="/account/sessions/end-all" {
            (csrf_input(&u))
            button type="submit" { "在所有设备上退出" }
        }
    };
    Ok(layout("账户安全", Some(&u), body).into_response())
}

pub async fn end_session(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<String>,
) -> PageResult {
    app::sessions::end(&state, &u.user, &id).await?;
    Ok(Redirect::to("/account/sessions").into_response())
}

pub async fn end_all_sessions(State(state): State<AppState>, PageUser(u): PageUser) -> PageResult {
    app::sessions::end_everywhere(&state, &u.user).await?;
    let clear = auth::set_cookie(&state, SESSION_COOKIE, "", 0);
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response())
}

// ---------- 忘记密码 (applicants, before sign-in) ----------

#[derive(Deserialize, Default, Clone)]
pub struct ResetForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub new_password: String,
}

/// The reset form: step one asks for the username and phone, step two (after a code was asked
/// for) for the code and the new password. Each render sets a fresh double-submit CSRF cookie.
fn reset_response(
    state: &AppState,
    f: &ResetForm,
    sent: bool,
    errs: &[FieldError],
    status: StatusCode,
) -> Response {
    let token = auth::random_token();
    let cookie = auth::set_cookie(state, ANON_CSRF_COOKIE, &token, 3600);
    let body = html! {
        div.card style="max-width:520px" {
            h1 { "忘记密码" }
            p.hint { "申请人可凭注册手机号收取验证码重置密码;工作人员请联系安全管理员重置。" }
            (general_errors(errs))
            @if !sent {
                form.stack method="post" action="/password-reset" {
                    input type="hidden" name=(CSRF_FIELD) value=(token);
                    label for="username" { "用户名" }
                    input #username type="text" name="username" value=(f.username) autocomplete="username" required;
                    (field_errors(errs, "username"))
                    label for="phone" { "注册手机号" }
                    input #phone type="tel" name="phone" value=(f.phone) autocomplete="tel" required;
                    div.actions { button type="submit" { "获取验证码" } }
                }
            } @else {
                div.notice role="status" { "若用户名与手机号匹配,验证码已发送到该手机,10分钟内有效。" }
                form.stack method="post" action="/password-reset/confirm" {
                    input type="hidden" name=(CSRF_FIELD) value=(token);
                    input type="hidden" name="username" value=(f.username);
                    label for="code" { "短信验证码" }
                    input #code type="text" name="code" value=(f.code) inputmode="numeric" autocomplete="one-time-code" required;
                    (field_errors(errs, "code"))
                    label for="new_password" { "新密码" }
                    input #new_password type="password" name="new_password" autocomplete="new-password" required;
                    p.hint { (domain::password::RULE) }
                    (field_errors(errs, "new_password"))
                    div.actions { button type="submit" { "重置密码" } }
                }
            }
        }
    };
    (
        status,
        [(header::SET_COOKIE, cookie)],
        layout("忘记密码", None, body),
    )
        .into_response()
}

pub async fn reset_page(State(state): State<AppState>) -> Response {
    reset_response(&state, &ResetForm::default(), false, &[], StatusCode::OK)
}

pub async fn reset_request(State(state): State<AppState>, Form(f): Form<ResetForm>) -> PageResult {
    match app::passwords::request_reset_code(&state, &f.username, &f.phone).await {
        Ok(()) => Ok(reset_response(&state, &f, true, &[], StatusCode::OK)),
        Err(e) => {
            let status = e.status();
            Ok(reset_response(&state, &f, false, &as_fields(e)?, status))
        }
    }
}

pub async fn reset_confirm(State(state): State<AppState>, Form(f): Form<ResetForm>) -> PageResult {
    match app::passwords::reset_with_code(&state, &f.username, &f.code, &f.new_password).await {
        Ok(()) => Ok(Redirect::to("/login?reset=1").into_response()),
        Err(e) => {
            let status = e.status();
            Ok(reset_response(&state, &f, true, &as_fields(e)?, status))
        }
    }
}

// ---------- an administrator's reset ----------

fn admin_reset_form(
    u: &Authed,
    target: &store::User,
    errs: &[FieldError],
    status: StatusCode,
) -> Response {
    let body = html! {
        div.card style="max-width:520px" {
            h1 { "重置密码:" (target.display_name) "(" (target.username) ")" }
            p.hint { "重置后该人员的全部会话结束,下次登录时须先修改为只有本人知道的新密码。" }
            (general_errors(errs))
            form.stack method="post" action=(format!("/admin/users/{}/password", target.id)) {
                (csrf_input(u))
                label for="password" { "新的初始密码" }
                input #password type="password" name="password" autocomplete="new-password" required;
                p.hint { (domain::password::RULE) }
                (field_errors(errs, "password"))
                div.actions {
                    button type="submit" { "重置密码" }
                    a.button.secondary href="/admin/users" { "返回" }
                }
            }
        }
    };
    (status, layout("重置密码", Some(u), body)).into_response()
}

pub async fn admin_reset_page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    let target = app::passwords::reset_target(&state, &u, id).await?;
    Ok(admin_reset_form(&u, &target, &[], StatusCode::OK))
}

pub async fn admin_unlock(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    app::passwords::unlock(&state, &u.user, id).await?;
    Ok(Redirect::to("/admin/users").into_response())
}

#[derive(Deserialize)]
pub struct AdminResetForm {
    #[serde(default)]
    pub password: String,
}

pub async fn admin_reset_submit(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Form(f): Form<AdminResetForm>,
) -> PageResult {
    match app::passwords::reset_by_admin(&state, &u.user, id, &f.password).await {
        Ok(()) => Ok(Redirect::to("/admin/users").into_response()),
        Err(e) => {
            let status = e.status();
            let errs = as_fields(e)?;
            let target = app::passwords::reset_target(&state, &u, id).await?;
            Ok(admin_reset_form(&u, &target, &errs, status))
        }
    }
}
