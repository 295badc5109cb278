//! Sign-in, sessions, CSRF and the request's signed-in user. Every handler reaches its data through
//! [`Authed::authorize`] or [`Authed::scope`], which call the one rule in `domain::access`.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use app::access::Caller;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, request::Parts, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::{Action, Grant, Scope};
use domain::RegionCode;
use store::{Session, User};

// Accounts (passwords, sign-in with lockout, session tokens) are use cases in `app::accounts`.
pub use app::accounts::{
    check_password, hash_password, hash_password_off_runtime, random_token, sign_in, token_hash,
    verify_password, verify_password_off_runtime, SignedIn,
};

pub const SESSION_COOKIE: &str = "yz_session";
/// Double-submit token for forms shown before sign-in (the login form).
pub const ANON_CSRF_COOKIE: &str = "yz_csrf";
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The largest body the CSRF guard reads to find `_csrf` in a form: what an anonymous form may
/// send at most (`limits::FORM`), and what a signed-in user's largest form (a catalog item with
/// its guide) may (`limits::STAFF_FORM`). Uploads carry the token in their query and are not read
/// here at all.
fn form_read_limit(signed_in: bool) -> usize {
    if signed_in {
        crate::limits::STAFF_FORM
    } else {
        crate::limits::FORM
    }
}

/// The signed-in user of a request, resolved once by [`session_layer`].
#[derive(Clone, Debug)]
pub struct Authed {
    pub user: User,
    pub session: Session,
}

/// The permission questions (`app::access::Caller`) are asked of the session's user, and use cases
/// that take a `&store::User` take a `&Authed` as it is.
impl std::ops::Deref for Authed {
    type Target = User;
    fn deref(&self) -> &User {
        &self.user
    }
}

impl Authed {
    pub fn grants(&self) -> &[Grant] {
        &self.user.grants
    }
    pub fn authorize(&self, action: Action, region: &RegionCode) -> AppResult<()> {
        self.user.authorize(action, region)
    }
    pub fn scope(&self, action: Action) -> Scope {
        self.user.scope(action)
    }
    pub fn can_anywhere(&self, action: Action) -> bool {
        self.user.can_anywhere(action)
    }
    pub fn is_staff(&self) -> bool {
        self.user.grants.iter().any(|g| g.role.is_staff())
    }
}

/// Extractor for JSON API handlers: a signed-in user, else 401 JSON.
pub struct ApiUser(pub Authed);
/// Extractor for HTML pages: a signed-in user, else a redirect to the login page.
pub struct PageUser(pub Authed);
/// Extractor for pages anyone may see, with the user when signed in.
pub struct MaybeUser(pub Option<Authed>);

impl<S: Send + Sync> FromRequestParts<S> for ApiUser {
    type Rejection = crate::error::ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Authed>()
            .cloned()
            .map(ApiUser)
            .ok_or(AppError::NotSignedIn.into())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authed>().cloned() {
            Some(a) => Ok(PageUser(a)),
            None => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let q = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
                Err(Redirect::to(&format!("/login?{q}")).into_response())
            }
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(parts.extensions.get::<Authed>().cloned()))
    }
}

pub fn cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_s: i64) -> String {
    let secure = if state.config.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}")
}

/// The cookie of a session just opened (a sign-in, a password change, the second factor's new
/// session): it lives as long as the session can.
pub fn session_cookie(state: &AppState, s: &SignedIn) -> String {
    let left = (s.session.expires_at - state.clock.now())
        .num_seconds()
        .max(0);
    set_cookie(state, SESSION_COOKIE, &s.token, left)
}

/// Resolves the session cookie into an [`Authed`] request extension, then guards every
/// state-changing request against CSRF before any handler runs:
/// - JSON API writes by a signed-in user must carry the `X-CSRF-Token` header;
/// - form posts must carry `_csrf` (body field, or query parameter for multipart uploads) equal to
///   the session's token, or to the double-submit cookie when nobody is signed in.
pub async fn session_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let mut authed = None;
    if let Some(token) = cookie_value(req.headers(), SESSION_COOKIE) {
        match resolve(&state, &token).await {
            Ok(a) => authed = a,
            Err(e) => return crate::error::ApiError(e).into_response(),
        }
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let is_api = req.uri().path().starts_with("/api/");
        let expected = match &authed {
            Some(a) => Some(a.session.csrf_token.clone()),
            None => cookie_value(req.headers(), ANON_CSRF_COOKIE),
        };
        if is_api {
            // Without a session there is nothing to forge but a sign-in, and `ApiJson` refuses
            // any body that is not `application/json`, which a cross-site page cannot send
            // without CORS; every other API write answers 401 in its handler.
            if authed.is_some() {
                let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
                if sent.is_none() || sent != expected.as_deref() {
                    return crate::error::ApiError(AppError::Csrf).into_response();
                }
            }
        } else {
            // The token in the query (uploads) is checked without touching the body; a form's
            // body is read only up to the small limit, before anything else is done with it.
            let from_query = req
                .uri()
                .query()
                .and_then(|q| form_field(q.as_bytes(), CSRF_FIELD));
            let sent = match from_query {
                Some(t) => Some(t),
                None if is_urlencoded(req.headers()) => {
                    let (parts, body) = req.into_parts();
                    let limit = form_read_limit(authed.is_some());
                    let declared = crate::limits::content_length(&parts.headers);
                    if declared.is_some_and(|n| n > limit as u64) {
                        return too_large();
                    }
                    let bytes = match axum::body::to_bytes(body, limit).await {
                        Ok(b) => b,
                        Err(_) => return too_large(),
                    };
                    let sent = form_field(&bytes, CSRF_FIELD);
                    req = Request::from_parts(parts, Body::from(bytes));
                    sent
                }
                None => None,
            };
            if expected.is_none() || sent.is_none() || sent != expected {
                return crate::pages::error_page(&AppError::Csrf, None);
            }
        }
    }
    if let Some(a) = authed {
        if a.session.second_factor_due && !allowed_before_second_factor(&req) {
            return second_factor_first(&req);
        }
        if a.session.password_change_due && !allowed_before_password_change(&req) {
            return password_change_first(&req);
        }
        req.extensions_mut().insert(a.clone());
        let r = next.run(req).await;
        return crate::pages::in_signed_in_layout(r, &a);
    }
    next.run(req).await
}

fn too_large() -> Response {
    (StatusCode::PAYLOAD_TOO_LARGE, "请求体过大").into_response()
}

/// What a session whose password must change may still reach: the change itself (page and API),
/// signing out, who am I, and the stylesheet.
fn allowed_before_password_change(req: &Request) -> bool {
    let path = req.uri().path();
    matches!(
        path,
        "/account/password" | "/api/v1/me/password" | "/logout" | "/api/v1/me" | "/static/app.css"
    ) || (path == "/api/v1/session" && req.method() == Method::DELETE)
}

/// What a session whose second factor is still to come may reach: presenting it, binding an
/// authenticator (the page and the API's status, start and confirm — not the removal or new
/// recovery codes), signing out, who am I, and the static files.
fn allowed_before_second_factor(req: &Request) -> bool {
    let path = req.uri().path();
    let m = req.method();
    matches!(
        path,
        "/login/second-factor" | "/account/second-factor" | "/logout" | "/api/v1/me"
    ) || path.starts_with("/static/")
        || (path == "/api/v1/session" && m == Method::DELETE)
        || (path == "/api/v1/session/second-factor" && m == Method::POST)
        || (path == "/api/v1/me/second-factor/enrolment" && m == Method::POST)
        || (path == "/api/v1/me/second-factor" && matches!(*m, Method::GET | Method::POST))
}

/// Anything else: pages go to the second-factor form, the API answers 403
/// `second_factor_required`.
fn second_factor_first(req: &Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        crate::error::ApiError(AppError::SecondFactorRequired).into_response()
    } else if req.method() == Method::GET {
        Redirect::to("/login/second-factor").into_response()
    } else {
        crate::pages::error_page(&AppError::SecondFactorRequired, None)
    }
}

/// Anything else: pages go to the change form, the API answers 403 `password_change_required`.
fn password_change_first(req: &Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        crate::error::ApiError(AppError::PasswordChangeRequired).into_response()
    } else if req.method() == Method::GET {
        Redirect::to("/account/password").into_response()
    } else {
        crate::pages::error_page(&AppError::PasswordChangeRequired, None)
    }
}

fn is_urlencoded(h: &axum::http::HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn form_field(bytes: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

async fn resolve(state: &AppState, token: &str) -> AppResult<Option<Authed>> {
    Ok(app::accounts::session_user(state, token)
        .await?
        .map(|(session, user)| Authed { user, session }))
}
