//! Test harness: a fresh app per test on the chosen backend, loaded with the demo data, driven
//! in-process through the router (no sockets), with a small cookie-aware client.
#![allow(dead_code)]

pub mod cases;
pub mod contract;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use chrono::{TimeZone, Utc};
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use store::Store;
use tower::ServiceExt;
use web::{AppState, Config, ManualClock};
use yizhan_web as web;

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub store: Arc<dyn Store>,
    /// The same store as `store` when it is PostgreSQL (for tests that need a second pool on it).
    pub pg: Option<store_postgres::PgStore>,
    /// The authenticator "phone" of each account the helpers bound one for (by username).
    pub phones: Arc<std::sync::Mutex<std::collections::HashMap<String, Phone>>>,
}

/// What a person keeps of a bound authenticator: the secret in the app, the step of the last
/// code they typed, and the recovery codes on paper.
#[derive(Clone, Debug)]
pub struct Phone {
    pub secret: Vec<u8>,
    pub last_step: Option<u64>,
    pub recovery_codes: Vec<String>,
}

/// One argon2 hash of the demo password for the whole test binary (hashing is deliberately slow).
fn demo_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| web::auth::hash_password(demo::DEMO_PASSWORD).expect("hash"))
}

/// The PostgreSQL test server (see `yizhan_test_pg`); `None` when there is none to be had.
pub fn pg_url() -> Option<String> {
    yizhan_test_pg::url()
}

pub async fn fresh_store(backend: Backend) -> Arc<dyn Store> {
    fresh_stores(backend).await.0
}

/// Runs `f` to completion on a thread and runtime of its own: templates are built once per test
/// binary, outside any one test's runtime (whose end would take the builder's connections along).
fn on_own_runtime<T: Send + 'static, F: std::future::Future<Output = T>>(
    f: impl FnOnce() -> F + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(f())
    })
    .join()
    .expect("template builder")
}

/// The demo city on SQLite, loaded once per test binary; each test gets a copy of the file.
fn sqlite_template() -> &'static [u8] {
    static T: OnceLock<Vec<u8>> = OnceLock::new();
    T.get_or_init(|| {
        on_own_runtime(|| async {
            let path = std::env::temp_dir().join(format!(
                "yizhan-test-template-{}.sqlite3",
                std::process::id()
            ));
            let store = store_sqlite::SqliteStore::open(&path, store::vault::Vault::for_tests())
                .expect("template");
            record_suite(&store).await;
            demo::load(&store, demo_hash()).await.expect("demo loads");
            drop(store);
            store_sqlite::SqliteStore::take_template_for_tests(&path).expect("template")
        })
    })
}

/// The demo city on PostgreSQL, loaded once per test binary into a template database; each test
/// gets a copy (`CREATE DATABASE … TEMPLATE`).
fn pg_template() -> &'static str {
    static T: OnceLock<String> = OnceLock::new();
    T.get_or_init(|| {
        on_own_runtime(|| async {
            let url = yizhan_test_pg::required_url();
            let (store, name) = store_postgres::PgStore::new_template_for_tests(&url)
                .await
                .expect("template database");
            record_suite(&store).await;
            demo::load(&store, demo_hash()).await.expect("demo loads");
            store.close();
            name
        })
    })
}

/// Records the suite the tests run with (`YIZHAN_TEST_SUITE`), as a server's first start would.
async fn record_suite(store: &dyn Store) {
    let suite = store::conformance::test_suite();
    assert_eq!(
        store
            .init_record_suite(suite, Utc::now())
            .await
            .expect("suite"),
        suite
    );
}

/// A store holding the demo city: a copy of the binary's template.
async fn demo_stores(backend: Backend) -> (Arc<dyn Store>, Option<store_postgres::PgStore>) {
    match backend {
        Backend::Sqlite => (
            Arc::new(
                store_sqlite::SqliteStore::open_copy_for_tests(sqlite_template()).expect("sqlite"),
            ),
            None,
        ),
        Backend::Postgres => {
            let template = pg_template();
            let url = yizhan_test_pg::required_url();
            let pg = store_postgres::PgStore::connect_copy_for_tests(&url, template).await;
            (Arc::new(pg.clone()), Some(pg))
        }
    }
}

async fn fresh_stores(backend: Backend) -> (Arc<dyn Store>, Option<store_postgres::PgStore>) {
    match backend {
        Backend::Sqlite => {
            let s = store_sqlite::SqliteStore::open_in_memory_for_tests().expect("sqlite");
            record_suite(&s).await;
            (Arc::new(s), None)
        }
        Backend::Postgres => {
            let url = yizhan_test_pg::required_url();
            let pg = store_postgres::PgStore::connect_isolated_for_tests(&url).await;
            record_suite(&pg).await;
            (Arc::new(pg.clone()), Some(pg))
        }
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, Config::default()).await
}

/// [`spawn_app`] with other settings (the sign-in delay is always off).
pub async fn spawn_app_with(backend: Backend, config: Config) -> TestApp {
    let (store, pg) = demo_stores(backend).await;
    // A Monday in March 2026, 10:00 in Shanghai.
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap(),
    ));
    let config = Config {
        login_delay_ms: 0,
        ..config
    };
    let state = AppState::new(store.clone(), clock.clone(), config)
        .await
        .expect("state");
    TestApp {
        router: web::app(state.clone()),
        state,
        clock,
        store,
        pg,
        phones: Default::default(),
    }
}

/// A second server on `a`'s PostgreSQL schema, as another process would be: its own pool, caches
/// and cache watcher, the same clock. With a receiver of its cache refreshes (tests wait on it,
/// never sleep).
pub async fn second_server(a: &TestApp) -> (TestApp, tokio::sync::watch::Receiver<u64>) {
    let store: Arc<dyn Store> = Arc::new(
        a.pg.as_ref()
            .expect("a PostgreSQL app")
            .with_own_pool()
            .unwrap(),
    );
    let config = Config {
        login_delay_ms: 0,
        ..Config::default()
    };
    let state = AppState::new(store, a.clock.clone(), config)
        .await
        .expect("state");
    let refreshed = state.caches.refreshed.subscribe();
    tokio::spawn(web::jobs::watch_caches(state.clone()));
    let b = TestApp {
        router: web::app(state.clone()),
        state,
        clock: a.clock.clone(),
        store: a.store.clone(),
        pg: None,
        phones: a.phones.clone(),
    };
    (b, refreshed)
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

#[derive(Clone, Debug, Default)]
pub struct Session {
    pub cookie: Option<String>,
    pub csrf: String,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.text()))
    }
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
    /// `name=value` of a cookie this response sets.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(|v| v.split(';').next().unwrap().to_string())
    }
}

impl TestApp {
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        s: &Session,
        content_type: Option<&str>,
        body: Vec<u8>,
        csrf_header: bool,
    ) -> Resp {
        self.request_with(method, path, s, content_type, body, csrf_header, &[])
            .await
    }
    /// [`TestApp::request`] with more request headers.
    #[allow(clippy::too_many_arguments)]
    pub async fn request_with(
        &self,
        method: Method,
        path: &str,
        s: &Session,
        content_type: Option<&str>,
        body: Vec<u8>,
        csrf_header: bool,
        extra: &[(&str, &str)],
    ) -> Resp {
        let mut b = Request::builder().method(method.clone()).uri(path);
        for (name, value) in extra {
            b = b.header(*name, *value);
        }
        if let Some(c) = &s.cookie {
            b = b.header(header::COOKIE, c);
        }
        if let Some(ct) = content_type {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        if csrf_header {
            b = b.header("x-csrf-token", &s.csrf);
        }
        let request_body = body.clone();
        let resp = self
            .router
            .clone()
            .oneshot(b.body(Body::from(body)).unwrap())
            .await
            .expect("router never fails");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        contract::check_exchange(
            &method,
            path,
            content_type,
            &request_body,
            status,
            &headers,
            &body,
        );
        Resp {
            status,
            headers,
            body,
        }
    }
    pub async fn get(&self, path: &str, s: &Session) -> Resp {
        self.request(Method::GET, path, s, None, vec![], false)
            .await
    }
    /// JSON write with the session's CSRF header.
    pub async fn send_json(&self, method: Method, path: &str, s: &Session, v: &Value) -> Resp {
        self.request(
            method,
            path,
            s,
            Some("application/json"),
            serde_json::to_vec(v).unwrap(),
            true,
        )
        .await
    }
    pub async fn post_json(&self, path: &str, s: &Session, v: &Value) -> Resp {
        self.send_json(Method::POST, path, s, v).await
    }
    /// Form post; `_csrf` is added from the session unless `with_csrf` is false.
    pub async fn post_form(
        &self,
        path: &str,
        s: &Session,
        fields: &[(&str, &str)],
        with_csrf: bool,
    ) -> Resp {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if with_csrf {
            all.push(("_csrf", &s.csrf));
        }
        let body = serde_urlencoded::to_string(&all).unwrap();
        self.request(
            Method::POST,
            path,
            s,
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
            false,
        )
        .await
    }

    pub async fn try_api_login(&self, username: &str, password: &str) -> Resp {
        let body = serde_json::json!({ "username": username, "password": password });
        self.request(
            Method::POST,
            "/api/v1/session",
            &Session::default(),
            Some("application/json"),
            serde_json::to_vec(&body).unwrap(),
            false,
        )
        .await
    }

    /// Signs in over the API as a demo user.
    pub async fn api_login(&self, username: &str) -> Session {
        self.api_login_with(username, demo::DEMO_PASSWORD).await
    }

    pub async fn api_login_with(&self, username: &str, password: &str) -> Session {
        let r = self.try_api_login(username, password).await;
        assert_eq!(r.status, StatusCode::OK, "login {username}: {}", r.text());
        let s = Session {
            cookie: r.set_cookie("yz_session"),
            csrf: r.json()["csrf_token"].as_str().unwrap().to_string(),
        };
        match r.json()["second_factor"].as_str() {
            None => s,
            Some(due) => self.second_factor(username, s, due).await,
        }
    }

    /// The unix time of the app's clock.
    pub fn unix_now(&self) -> u64 {
        web::Clock::now(&*self.clock).timestamp() as u64
    }

    /// A code of the account's phone that has not been used, or else a recovery code.
    pub fn proof_for(&self, username: &str) -> Value {
        let now = self.unix_now();
        let mut phones = self.phones.lock().unwrap();
        let phone = phones
            .get_mut(username)
            .unwrap_or_else(|| panic!("{username} has no authenticator bound by the helpers"));
        match domain::second_factor::usable_step(now, phone.last_step) {
            Some(step) => {
                phone.last_step = Some(step);
                let code = domain::second_factor::code_at(
                    &phone.secret,
                    step * domain::second_factor::STEP_SECONDS,
                );
                serde_json::json!({ "code": code })
            }
            None => {
                let code = phone
                    .recovery_codes
                    .pop()
                    .unwrap_or_else(|| panic!("{username}: codes and recovery codes used up"));
                serde_json::json!({ "recovery_code": code })
            }
        }
    }

    /// Binds an authenticator for the signed-in account over the API (its secret kept as the
    /// account's phone) and confirms it with a first code. Returns the confirmation's reply.
    pub async fn bind_authenticator(&self, username: &str, s: &Session) -> Resp {
        let r = self
            .post_json("/api/v1/me/second-factor/enrolment", s, &Value::Null)
            .await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "enrolment {username}: {}",
            r.text()
        );
        let secret = domain::second_factor::secret_from_text(r.json()["secret"].as_str().unwrap())
            .expect("base32 secret");
        let step = domain::second_factor::usable_step(self.unix_now(), None).unwrap();
        let code =
            domain::second_factor::code_at(&secret, step * domain::second_factor::STEP_SECONDS);
        let r = self
            .post_json(
                "/api/v1/me/second-factor",
                s,
                &serde_json::json!({ "code": code }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "confirm {username}: {}", r.text());
        let recovery_codes = r.json()["recovery_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        self.phones.lock().unwrap().insert(
            username.to_string(),
            Phone {
                secret,
                last_step: Some(step),
                recovery_codes,
            },
        );
        r
    }

    /// Completes a sign-in whose second factor is `due` (`enrol` or `verify`) as the account's
    /// holder would, and returns the session that replaces the password's.
    pub async fn second_factor(&self, username: &str, s: Session, due: &str) -> Session {
        let r = match due {
            "enrol" => self.bind_authenticator(username, &s).await,
            "verify" => {
                let proof = self.proof_for(username);
                let r = self
                    .post_json("/api/v1/session/second-factor", &s, &proof)
                    .await;
                assert_eq!(
                    r.status,
                    StatusCode::OK,
                    "second factor {username}: {}",
                    r.text()
                );
                r
            }
            other => panic!("second_factor: {other}"),
        };
        Session {
            cookie: r.set_cookie("yz_session"),
            csrf: r.json()["csrf_token"].as_str().unwrap().to_string(),
        }
    }

    /// The login page as a browser opens it: its double-submit CSRF cookie and field.
    pub async fn login_form(&self) -> Session {
        let form = self.get("/login", &Session::default()).await;
        let anon = form
            .set_cookie("yz_csrf")
            .expect("login page sets a CSRF cookie");
        let token = hidden_value(&form.text(), "_csrf").expect("login form has a CSRF field");
        Session {
            cookie: Some(anon),
            csrf: token,
        }
    }

    /// Signs in through the HTML login form, as a browser would, and reads the page CSRF token.
    pub async fn page_login(&self, username: &str) -> Session {
        let s = self.login_form().await;
        let r = self
            .post_form(
                "/login",
                &s,
                &[
                    ("username", username),
                    ("password", demo::DEMO_PASSWORD),
                    ("next", "/admin"),
                ],
                true,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "page login {username}: {}",
            r.text()
        );
        let cookie = r.set_cookie("yz_session").expect("session cookie");
        let mut s = Session {
            cookie: Some(cookie),
            csrf: String::new(),
        };
        if r.location().starts_with("/login/second-factor") {
            // The API's steps with the same cookie (the page steps have tests of their own).
            let me = self.get("/api/v1/me", &s).await.json();
            s.csrf = me["csrf_token"].as_str().unwrap().to_string();
            let due = me["second_factor"].as_str().unwrap().to_string();
            s = self.second_factor(username, s, &due).await;
        }
        let admin = self.get("/admin", &s).await;
        let csrf = hidden_value(&admin.text(), "_csrf")
            .expect("pages of a signed-in user carry the CSRF token");
        Session { csrf, ..s }
    }
}

/// Value of the first hidden input named `name` in an HTML page.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let key = format!("name=\"{name}\" value=\"");
    let start = html.find(&key)? + key.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// A session without a login.
pub fn anon() -> Session {
    Session::default()
}

/// Every `.rs` file under `crates/web/src`: its path from there and its text.
pub fn web_sources() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![];
    walk(&src, &mut files);
    files
        .into_iter()
        .map(|f| {
            let rel = f
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&f).unwrap())
        })
        .collect()
}

/// Runs one async test body against both backends as two test functions.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(super::common::spawn_app(super::common::Backend::Sqlite).await).await; } )* }
        // Skipped, with one note per test binary, when no PostgreSQL can be had.
        mod postgres { $( #[tokio::test] async fn $name() { if super::common::pg_url().is_none() { return; } super::$name(super::common::spawn_app(super::common::Backend::Postgres).await).await; } )* }
    };
}

/// Sends a case command over the API with the session's CSRF header, asking for the whole case
/// in the reply (`Prefer: return=representation`) so tests can look at any field of it.
pub async fn cmd(app: &TestApp, s: &Session, n: &str, command: Value) -> Resp {
    app.request_with(
        Method::POST,
        &format!("/api/v1/cases/{n}/commands"),
        s,
        Some("application/json"),
        serde_json::to_vec(&serde_json::json!({ "command": command })).unwrap(),
        true,
        &[("prefer", "return=representation")],
    )
    .await
}

/// Sends a case command that must succeed, and returns the case after it.
pub async fn ok(app: &TestApp, s: &Session, n: &str, command: Value) -> Value {
    let r = cmd(app, s, n, command.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{command}: {}", r.text());
    r.json()
}
