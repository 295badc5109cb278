//! Sign-in, sessions, CSRF and the request's signed-in user. Every handler reaches its data through
//! [`Authed::authorize`] or [`Authed::scope`], which call the one rule in `domain::access`.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use app::access::Caller;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, request::Parts, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use domain::access::{Action, Grant, Scope};
use domain::RegionCode;
use rand::RngCore;
use sha2::{Digest, Sha256};
use store::{Session, User};

pub const SESSION_COOKIE: &str = "yz_session";
/// Double-submit token for forms shown before sign-in (the login form).
pub const ANON_CSRF_COOKIE: &str = "yz_csrf";
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Largest form body the CSRF guard buffers (catalog spreadsheets are uploaded as forms).
const MAX_FORM_BYTES: usize = 20 * 1024 * 1024;

pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))
}

/// [`hash_password`] on a blocking thread: argon2 takes tens of milliseconds of CPU on purpose,
/// which must not stall the async workers serving other requests.
pub async fn hash_password_off_runtime(password: &str) -> AppResult<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(format!("argon2 task: {e}")))?
}

/// [`verify_password`] on a blocking thread (see [`hash_password_off_runtime`]).
pub async fn verify_password_off_runtime(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Password rules for new accounts: at least 8 characters with letters and digits.
pub fn check_password_strength(password: &str) -> AppResult<()> {
    let ok = password.chars().count() >= 8
        && password.chars().any(|c| c.is_ascii_alphabetic())
        && password.chars().any(|c| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(AppError::bad_field(
            "weak_password",
            "password",
            "密码至少8位,且须同时包含字母和数字",
        ))
    }
}

pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
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
    let now = state.clock.now();
    let mut authed = None;
    if let Some(token) = cookie_value(req.headers(), SESSION_COOKIE) {
        match resolve(&state, &token, now).await {
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
            // API sign-in needs no token: a cross-site page cannot send a JSON body without CORS.
            if authed.is_some() {
                let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
                if sent.is_none() || sent != expected.as_deref() {
                    return crate::error::ApiError(AppError::Csrf).into_response();
                }
            } else if !is_json(&req) {
                return crate::error::ApiError(AppError::bad(
                    "json_required",
                    "接口请求须使用 application/json",
                ))
                .into_response();
            }
        } else {
            let (parts, body) = req.into_parts();
            let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
                Ok(b) => b,
                Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "请求体过大").into_response(),
            };
            let from_query = parts
                .uri
                .query()
                .and_then(|q| form_field(q.as_bytes(), CSRF_FIELD));
            let from_body = if is_urlencoded(&parts.headers) {
                form_field(&bytes, CSRF_FIELD)
            } else {
                None
            };
            let sent = from_query.or(from_body);
            if expected.is_none() || sent.is_none() || sent != expected {
                return crate::pages::error_page(&AppError::Csrf, None);
            }
            req = Request::from_parts(parts, Body::from(bytes));
        }
    }
    if let Some(a) = authed {
        req.extensions_mut().insert(a);
    }
    next.run(req).await
}

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
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

async fn resolve(
    state: &AppState,
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Option<Authed>> {
    let Some(session) = state.store.get_session(&token_hash(token), now).await? else {
        return Ok(None);
    };
    let Some(user) = state.store.get_user(session.user_id).await? else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    Ok(Some(Authed { user, session }))
}

/// Outcome of a successful sign-in: the cookie token (shown once) and the session.
pub struct SignedIn {
    pub token: String,
    pub session: Session,
    pub user: User,
}

/// Checks credentials with lockout: each consecutive failure is answered more slowly, and
/// `lock_after` failures lock the account for `lock_minutes`.
pub async fn sign_in(state: &AppState, username: &str, password: &str) -> AppResult<SignedIn> {
    let now = state.clock.now();
    let cfg = &state.config;
    let invalid = || AppError::bad("invalid_credentials", "用户名或密码错误");
    let Some(user) = state.store.find_user(username.trim()).await? else {
        // Same cost as a real check, so response time does not reveal which names exist.
        let _ = verify_password_off_runtime(password, DUMMY_HASH).await;
        delay(cfg.login_delay_ms).await;
        return Err(invalid());
    };
    if let Some(until) = user.locked_until {
        if until > now {
            let mins = (until - now).num_minutes() + 1;
            return Err(AppError::Locked {
                message: format!("登录失败次数过多,账户已锁定,请{mins}分钟后再试"),
                retry_after_s: (until - now).num_seconds().max(1),
            });
        }
    }
    if !user.active || !verify_password_off_runtime(password, &user.password_hash).await {
        let next_count = user.failed_logins + 1;
        let lock =
            (next_count >= cfg.lock_after).then(|| now + Duration::minutes(cfg.lock_minutes));
        let count = state.store.record_login_failure(user.id, lock).await?;
        delay(cfg.login_delay_ms.saturating_mul(count.min(8) as u64)).await;
        if lock.is_some() {
            return Err(AppError::Locked {
                message: format!("登录失败次数过多,账户已锁定{}分钟", cfg.lock_minutes),
                retry_after_s: cfg.lock_minutes * 60,
            });
        }
        return Err(invalid());
    }
    if user.failed_logins > 0 || user.locked_until.is_some() {
        state.store.clear_login_failures(user.id).await?;
    }
    let token = random_token();
    let session = Session {
        token_hash: token_hash(&token),
        user_id: user.id,
        csrf_token: random_token(),
        created_at: now,
        expires_at: now + Duration::hours(cfg.session_hours),
    };
    state.store.create_session(&session).await?;
    Ok(SignedIn {
        token,
        session,
        user,
    })
}

async fn delay(ms: u64) {
    if ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

/// An argon2 hash of a random string, used to spend equal time on unknown usernames.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0mFJ3d8B2l8W4cL9iVJbTtqBP0t5xK1d4z7n7k2o0qY";
