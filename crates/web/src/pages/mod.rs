//! Server-rendered pages (maud). zh-CN, usable without JavaScript, printable.

pub mod account;
pub mod admin;
pub mod audit;
pub mod cases;
pub mod documents;
pub mod feedback;
pub mod fees;
pub mod people;
pub mod public;
pub mod record;
pub mod second_factor;
pub mod supervision;

use crate::auth::{Authed, CSRF_FIELD};
use crate::error::AppError;
use crate::error::HttpError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::access::Action;
use maud::{html, Markup, DOCTYPE};

pub const CSS: &str = include_str!("../../static/app.css");
/// The site's one script: CSP allows scripts from this site only, never inline.
pub const JS: &str = include_str!("../../static/app.js");

tokio::task_local! {
    /// The portal's name and footer for the request being answered (set by `web::portal_scope`),
    /// so every page's frame says whose site it is without each handler passing it.
    pub static PORTAL: std::sync::Arc<app::portal::Portal>;
}

/// The portal of the request in hand (the defaults outside one).
pub fn portal() -> std::sync::Arc<app::portal::Portal> {
    PORTAL.try_with(|p| p.clone()).unwrap_or_default()
}

/// The site's footer: who runs it, its filing numbers, the hotline.
fn footer(p: &app::portal::Portal) -> Markup {
    html! {
        footer.foot {
            p { (p.site_name()) " · 市县乡村四级行政服务网络 · 服务热线 " (p.hotline()) " · " a href="/checkpoints" { "记录检查点" } }
            @if !p.host_unit.is_empty() || !p.icp.is_empty() || !p.site_code.is_empty() {
                p.filing {
                    @if !p.host_unit.is_empty() { span { "主办单位:" (p.host_unit) } }
                    @if !p.icp.is_empty() { span { "ICP备案号:" (p.icp) } }
                    @if !p.site_code.is_empty() { span { "网站标识码:" (p.site_code) } }
                }
            }
        }
    }
}

/// The page frame: header with the navigation this user may use, main content, footer.
pub fn layout(title: &str, user: Option<&Authed>, body: Markup) -> Markup {
    let site = portal();
    // A session that must first present its second factor or change its password is offered
    // none of the work it cannot reach yet.
    let nav_user = user.filter(|u| !u.session.second_factor_due && !u.session.password_change_due);
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " - " (site.site_name()) }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                a.skip href="#main" { "跳到正文" }
                header.top {
                    div.bar {
                        a.logo href="/" { @if site.city.is_empty() { "一站" } @else { (site.city) " · 一站" } }
                        nav aria-label="主导航" {
                            a href="/catalog" { "办事指南" }
                            a href="/lookup" { "办件查询" }
                            a href="/results" { "结果公开" }
                            a href="/statistics" { "办件统计" }
                            a href="/complaints/new" { "投诉举报" }
                            // The auditor's whole workbench is the audit log (三员分立).
                            @if nav_user.is_some_and(|u| u.can_anywhere(Action::ReadAudit)) {
                                a href="/admin/audit" { "审计日志" }
                            }
                            @if let Some(u) = nav_user.filter(|u| !u.can_anywhere(Action::ReadAudit)) {
                                a href="/cases" { @if u.is_staff() { "办件" } @else { "我的办件" } }
                                @if u.can_anywhere(Action::Supervise) { a href="/supervision" { "电子监察" } }
                                @if u.can_anywhere(Action::ReadFees) { a href="/fees" { "收费日报" } }
                                @if u.is_staff() { a href="/feedback" { "评价与投诉" } }
                                @if u.is_staff() {
                                    a href="/admin" { "管理" }
                                    @if u.can_anywhere(Action::ReadRegions) { a href="/admin/regions" { "区划与场所" } }
                                    @if u.can_anywhere(Action::ReadUsers) { a href="/admin/users" { "人员" } }
                                    @if u.can_anywhere(Action::ManageCatalog) { a href="/admin/catalog" { "事项管理" } }
                                    @if u.can_anywhere(Action::ReadCalendar) { a href="/admin/calendar" { "工作日历" } }
                                }
                            }
                        }
                        div.who {
                            @if let Some(u) = user {
                                a href="/account/sessions" title="账户安全" { (u.user.display_name) }
                                form method="post" action="/logout" {
                                    input type="hidden" name=(CSRF_FIELD) value=(u.session.csrf_token);
                                    button type="submit" { "退出" }
                                }
                            } @else {
                                a href="/login" { "登录" }
                                a href="/register" { "注册" }
                            }
                        }
                    }
                }
                main id="main" { (body) }
                (footer(&site))
                script src="/static/app.js" {}
            }
        }
    }
}

pub fn csrf_input(user: &Authed) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(user.session.csrf_token); }
}

/// An error as a page, with the status of the error.
pub fn error_page(err: &AppError, user: Option<&Authed>) -> Response {
    if let AppError::Internal(detail) = err {
        tracing::error!(error = %detail, "unexpected error");
    }
    let status = err.status();
    let title = match status {
        StatusCode::NOT_FOUND => "页面不存在",
        StatusCode::FORBIDDEN => "无权访问",
        StatusCode::UNAUTHORIZED => "请先登录",
        _ => "无法完成操作",
    };
    let body = html! {
        h1 { (title) }
        // The code stays machine-readable for support and tests, out of the reader's way.
        div.notice.bad role="alert" data-code=(err.code()) {
            p { (err.user_message()) }
            @if let AppError::Validation(v) = err {
                ul { @for e in &v.errors { li { (e.message) } } }
            }
        }
        p { a href="/" { "返回首页" } }
    };
    (status, layout(title, user, body)).into_response()
}

/// An error from a page handler, shown as an HTML page rather than JSON.
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        // Rendered without the user here (a handler's error does not carry them); the auth
        // middleware renders it again in the signed-in layout (`in_signed_in_layout`).
        let mut r = error_page(&self.0, None);
        r.extensions_mut()
            .insert(ShownError(std::sync::Arc::new(self.0)));
        r
    }
}

/// The error an error page shows, so the page can be rendered again for the signed-in user.
#[derive(Clone)]
pub struct ShownError(pub std::sync::Arc<AppError>);

/// An error page answered to a signed-in user, rendered in their layout (their name, their menu,
/// sign-out) instead of one that looks signed out.
pub fn in_signed_in_layout(r: Response, user: &Authed) -> Response {
    match r.extensions().get::<ShownError>().cloned() {
        Some(ShownError(e)) => error_page(&e, Some(user)),
        None => r,
    }
}

/// `Form` whose rejections become an error page in Chinese (a field left empty where a date or a
/// number is needed, say) instead of axum's English text.
pub struct Form<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Form<T> {
    type Rejection = PageError;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, PageError> {
        use axum::extract::rejection::FormRejection;
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(FormRejection::FailedToDeserializeForm(_))
            | Err(FormRejection::FailedToDeserializeFormBody(_)) => Err(PageError(AppError::bad(
                "invalid_form",
                "表单有一项为空或格式不对(如日期、数字),请用浏览器的“返回”回到表单修改后重新提交,已填写的内容仍在。",
            ))),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(PageError(AppError::bad("body_too_large", "提交的内容过大")))
            }
            Err(_) => Err(PageError(AppError::bad(
                "invalid_form",
                "无法读取提交的表单,请返回后重新提交。",
            ))),
        }
    }
}

pub type PageResult = Result<Response, PageError>;

pub fn css_response() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

pub fn js_response() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
        .into_response()
}

/// Shows a field's errors under its input.
/// A value percent-encoded for a query string (what is typed is never trusted into a link).
pub fn query_value(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

pub fn field_errors(errors: &[domain::FieldError], field: &str) -> Markup {
    html! {
        @for e in errors.iter().filter(|e| e.field == field || e.field.starts_with(&format!("{field}["))) {
            p.field-err role="alert" { (e.message) }
        }
    }
}

pub fn nl2br(text: &str) -> Markup {
    html! {
        @for (i, line) in text.lines().enumerate() {
            @if i > 0 { br; }
            (line)
        }
    }
}
