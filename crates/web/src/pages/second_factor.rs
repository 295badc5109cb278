//! 双因素认证 pages: the second step of a sign-in, binding an authenticator (QR code, the secret to
//! type, the first code), the recovery codes shown once, new codes, unbinding, and the security
//! administrator's reset. Transport for `app::second_factor`.

use super::account::{as_fields, general_errors};
use super::documents::qr_svg;
use super::public::safe_next;
use super::{csrf_input, field_errors, layout, PageResult};
use crate::auth::{self, Authed, PageUser};
use crate::error::HttpError;
use crate::local_path::LocalPath;
use crate::pages::Form;
use crate::state::AppState;
use app::second_factor::{Due, Proof};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::FieldError;
use maud::{html, Markup};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    pub next: String,
}

/// `path?next=…`, the destination kept through the steps of a sign-in.
pub fn with_next(path: &str, next: &LocalPath) -> String {
    let q = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
    format!("{path}?{q}")
}

/// `resp` setting the cookie of the session that replaced this one.
fn with_session(mut resp: Response, state: &AppState, s: &app::accounts::SignedIn) -> Response {
    let cookie = auth::session_cookie(state, s);
    resp.headers_mut()
        .append(header::SET_COOKIE, cookie.parse().expect("cookie header"));
    resp
}

fn code_input(errs: &[FieldError], autofocus: bool) -> Markup {
    html! {
        label for="code" { "验证码" }
        input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code"
            maxlength="16" pattern="[0-9 ]*" required autofocus[autofocus];
        p.hint { "打开手机上的身份验证器应用,输入“一站政务服务”下当前显示的 6 位数字。" }
        (field_errors(errs, "code"))
    }
}

fn verify_form(u: &Authed, next: &LocalPath, errs: &[FieldError], status: StatusCode) -> Response {
    let body = html! {
        div.card style="max-width:480px" {
            h1 { "双因素认证" }
            p { "密码已验证。为保护账户安全,请再输入身份验证器上的验证码。" }
            (general_errors(errs))
            form.stack method="post" action="/login/second-factor" {
                (csrf_input(u))
                input type="hidden" name="next" value=(next.as_str());
                (code_input(errs, true))
                div.actions { button type="submit" { "验证" } }
            }
            details open[errs.iter().any(|e| e.field == "recovery_code")] {
                summary { "手机不在身边?使用恢复码" }
                form.stack method="post" action="/login/second-factor" {
                    (csrf_input(u))
                    input type="hidden" name="next" value=(next.as_str());
                    label for="recovery_code" { "恢复码" }
                    input #recovery_code type="text" name="recovery_code" autocomplete="off"
                        maxlength="32" placeholder="xxxxx-xxxxx" required;
                    p.hint { "绑定时发放的 10 个恢复码之一,每个只能用一次。恢复码用完或遗失,请联系安全管理员重置。" }
                    (field_errors(errs, "recovery_code"))
                    div.actions { button.secondary type="submit" { "使用恢复码" } }
                }
            }
            form method="post" action="/logout" {
                (csrf_input(u))
                button.secondary type="submit" { "取消并退出" }
            }
        }
    };
    (status, layout("双因素认证", Some(u), body)).into_response()
}

/// The second step of a sign-in. A session with nothing due goes on; one that must bind an
/// authenticator first goes to the binding page.
pub async fn login_page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<NextQuery>,
) -> PageResult {
    let next = safe_next(&q.next);
    Ok(
        match app::second_factor::due(&state, &u.user, &u.session).await? {
            None => next.redirect(),
            Some(Due::Enrol) => {
                Redirect::to(&with_next("/account/second-factor", &next)).into_response()
            }
            Some(Due::Verify) => verify_form(&u, &next, &[], StatusCode::OK),
        },
    )
}

#[derive(Deserialize, Default)]
pub struct ProofForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub recovery_code: String,
    #[serde(default)]
    pub next: String,
}

pub async fn login_submit(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(f): Form<ProofForm>,
) -> PageResult {
    let next = safe_next(&f.next);
    match app::second_factor::verify(&state, &u.user, &u.session, &f.proof()).await {
        Ok(s) => Ok(with_session(next.redirect(), &state, &s)),
        Err(e) => {
            let status = e.status();
            Ok(verify_form(&u, &next, &as_fields(e)?, status))
        }
    }
}

/// Groups of four, as the secret is typed into an app by hand.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

async fn enrol_form(
    state: &AppState,
    u: &Authed,
    next: &LocalPath,
    errs: &[FieldError],
    status: StatusCode,
) -> PageResult {
    let e = app::second_factor::begin(state, &u.user).await?;
    let required = app::second_factor::required(state, &u.user);
    let body = html! {
        div.card style="max-width:560px" {
            h1 { "绑定身份验证器" }
            @if u.session.second_factor_due {
                div.notice role="status" { "您的角色要求双因素认证。请先绑定身份验证器,之后每次登录除密码外还需输入验证码。" }
            } @else if !required {
                p { "绑定后,每次登录除密码外还需输入身份验证器上的验证码。" }
            }
            (general_errors(errs))
            ol.steps {
                li { "在手机上安装支持 TOTP 标准的身份验证器应用(如 FreeOTP、Google Authenticator、Microsoft Authenticator 或手机厂商自带的验证器)。" }
                li {
                    "在应用中选择“扫描二维码”,扫描下方二维码;无法扫描时,选择“手动输入密钥”,账户名填 "
                    strong { (u.user.username) } ",密钥为:"
                    div.qr-enrol aria-label="绑定二维码" { (maud::PreEscaped(qr_svg(&e.otpauth_url))) }
                    p { code.secret { (grouped(&e.secret)) } }
                    p.hint { "类型选“基于时间”,6 位数字,30 秒。密钥等同密码,请勿告诉他人或截图外传。" }
                }
                li { "输入应用中显示的 6 位验证码,完成绑定。" }
            }
            form.stack method="post" action="/account/second-factor" {
                (csrf_input(u))
                input type="hidden" name="next" value=(next.as_str());
                (code_input(errs, false))
                div.actions { button type="submit" { "完成绑定" } }
            }
            @if u.session.second_factor_due {
                form method="post" action="/logout" {
                    (csrf_input(u))
                    button.secondary type="submit" { "取消并退出" }
                }
            }
        }
    };
    let mut resp = (status, layout("绑定身份验证器", Some(u), body)).into_response();
    // The secret is on this page: no cache may keep it.
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, "no-store".parse().expect("header"));
    Ok(resp)
}

fn codes_list(codes: &[String]) -> Markup {
    html! {
        ol.recovery-codes {
            @for c in codes { li { code { (c) } } }
        }
    }
}

fn codes_page(u: &Authed, codes: &[String], next: Option<&LocalPath>, title: &str) -> Response {
    let body = html! {
        div.card style="max-width:560px" {
            h1 { (title) }
            div.notice role="status" { "请立即抄写或打印下面 10 个恢复码,妥善保管。手机丢失时,每个恢复码可代替验证码登录一次。本页关闭后不再显示。" }
            (codes_list(codes))
            p.actions {
                a.button href=(next.map_or("/account/second-factor", |n| n.as_str())) { "我已保存,继续" }
            }
        }
    };
    let mut resp = layout(title, Some(u), body).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, "no-store".parse().expect("header"));
    resp
}

/// The account's second factor: its state and what can be done with it, or, without one, binding.
pub async fn account_page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<NextQuery>,
) -> PageResult {
    let next = safe_next(&q.next);
    let st = app::second_factor::status(&state, &u.user).await?;
    if !st.enrolled {
        return enrol_form(&state, &u, &next, &[], StatusCode::OK).await;
    }
    if u.session.second_factor_due {
        return Ok(Redirect::to(&with_next("/login/second-factor", &next)).into_response());
    }
    Ok(status_page(&u, &st, &[], StatusCode::OK))
}

fn status_page(
    u: &Authed,
    st: &app::second_factor::Status,
    errs: &[FieldError],
    status: StatusCode,
) -> Response {
    let when = |t| domain::time::local(t).format("%Y-%m-%d %H:%M").to_string();
    let body = html! {
        h1 { "双因素认证" }
        p { a href="/account/sessions" { "账户安全" } " › 双因素认证" }
        table.kv {
            tr { th { "状态" } td { "已绑定身份验证器" @if let Some(t) = st.enrolled_at { "(" (when(t)) " 绑定)" } } }
            tr { th { "剩余恢复码" } td { (st.recovery_codes_left) " 个" } }
            tr { th { "是否必须" } td { @if st.required { "是(您的角色要求)" } @else { "否" } } }
        }
        @if st.recovery_codes_left <= 3 {
            div.notice.bad role="status" { "恢复码所剩不多,请重新生成。" }
        }
        (general_errors(errs))
        h2 { "重新生成恢复码" }
        p.hint { "生成 10 个新的恢复码,原有恢复码全部作废。" }
        form.stack method="post" action="/account/second-factor/recovery-codes" {
            (csrf_input(u))
            (code_input(errs, false))
            div.actions { button type="submit" { "重新生成" } }
        }
        h2 { "停用" }
        @if st.required {
            p { "您的角色要求双因素认证,不能停用。更换手机时,请联系安全管理员重置后重新绑定。" }
        } @else {
            form.stack method="post" action="/account/second-factor/remove" {
                (csrf_input(u))
                label for="remove_code" { "验证码" }
                input #remove_code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="16" required;
                div.actions { button.secondary type="submit" { "停用双因素认证" } }
            }
        }
    };
    (status, layout("双因素认证", Some(u), body)).into_response()
}

/// Confirms the binding with its first code, then shows the recovery codes once.
pub async fn account_confirm(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(f): Form<ProofForm>,
) -> PageResult {
    let next = safe_next(&f.next);
    match app::second_factor::confirm(&state, &u.user, &u.session, &f.code).await {
        Ok((codes, signed)) => {
            let page = codes_page(
                &u,
                &codes,
                signed.as_ref().map(|_| &next),
                "身份验证器已绑定",
            );
            Ok(match &signed {
                Some(s) => with_session(page, &state, s),
                None => page,
            })
        }
        Err(e) => {
            let status = e.status();
            let errs = as_fields(e)?;
            enrol_form(&state, &u, &next, &errs, status).await
        }
    }
}

impl ProofForm {
    fn proof(self) -> Proof {
        Proof {
            code: self.code,
            recovery_code: self.recovery_code,
        }
    }
}

/// The account's second-factor page again, with why a form on it was refused.
async fn refused_on_status(state: &AppState, u: &Authed, e: app::Error) -> PageResult {
    let status = e.status();
    let errs = as_fields(e)?;
    let st = app::second_factor::status(state, &u.user).await?;
    Ok(status_page(u, &st, &errs, status))
}

pub async fn new_recovery_codes(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(f): Form<ProofForm>,
) -> PageResult {
    match app::second_factor::new_recovery_codes_for(&state, &u.user, &f.proof()).await {
        Ok(codes) => Ok(codes_page(&u, &codes, None, "新的恢复码")),
        Err(e) => refused_on_status(&state, &u, e).await,
    }
}

pub async fn remove(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(f): Form<ProofForm>,
) -> PageResult {
    match app::second_factor::remove(&state, &u.user, &f.proof()).await {
        Ok(()) => Ok(Redirect::to("/account/sessions").into_response()),
        Err(e) => refused_on_status(&state, &u, e).await,
    }
}

/// The security administrator's reset of someone's authenticator.
pub async fn admin_reset(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    app::second_factor::reset_by_admin(&state, &u.user, id).await?;
    Ok(Redirect::to("/admin/users").into_response())
}
