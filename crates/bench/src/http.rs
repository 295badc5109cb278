//! A small HTTP/1.1 client: JSON in, status and JSON out. `Client` shares hyper-util's pool (for
//! sign-ins and one-off reads); `Conn` is one connection of its own, as each of wrk's is, for the
//! load's workers: no pool lock, no URI parsing of a full URL per request (issue 18: the harness
//! must cost the server's machine as little as wrk).

use anyhow::{Context, Result};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::{connect::HttpConnector, Client as HyperClient};
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Clone)]
pub struct Client {
    inner: HyperClient<HttpConnector, Full<Bytes>>,
    pub base: String,
    /// The authenticators bound for accounts whose role asks a second factor: secret and last
    /// step used, by username (the server runs on the system clock).
    phones: Phones,
}

/// Secret and last step used, by username.
type Phones = std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, (Vec<u8>, u64)>>>;

/// A signed-in API user: the session cookie and the CSRF token every POST must carry.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A request from `b` (method and address set) with the session's cookie and CSRF header, the
/// idempotency key and the JSON body, as given.
fn request(
    mut b: hyper::http::request::Builder,
    session: Option<&Session>,
    body: Option<&Value>,
    key: Option<&str>,
) -> Result<Request<Full<Bytes>>> {
    if let Some(s) = session {
        b = b
            .header("cookie", &s.cookie)
            .header("x-csrf-token", &s.csrf);
    }
    if let Some(k) = key {
        b = b.header("idempotency-key", k);
    }
    Ok(match body {
        Some(v) => b
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(serde_json::to_vec(v)?)))?,
        None => b.body(Full::new(Bytes::new()))?,
    })
}

/// One HTTP/1.1 connection, (re)opened on first use and after any error.
pub struct Conn {
    addr: String,
    host: hyper::header::HeaderValue,
    sender: Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>>,
}

impl Conn {
    async fn sender(
        &mut self,
    ) -> Result<&mut hyper::client::conn::http1::SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let tcp = tokio::time::timeout(
                Duration::from_secs(2),
                tokio::net::TcpStream::connect(&self.addr),
            )
            .await
            .context("connect timed out")??;
            // Small requests and replies: Nagle would add 40 ms delays.
            tcp.set_nodelay(true)?;
            let (sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp)).await?;
            tokio::spawn(conn);
            self.sender = Some(sender);
        }
        self.sender.as_mut().context("no connection")
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        session: Option<&Session>,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> Result<Reply> {
        let req = request(
            Request::builder()
                .method(method)
                .uri(path)
                .header(hyper::header::HOST, self.host.clone()),
            session,
            body,
            key,
        )?;
        let result = async {
            let sender = self.sender().await?;
            sender.ready().await?;
            let resp = sender.send_request(req).await?;
            let status = resp.status();
            let body = resp.into_body().collect().await?.to_bytes();
            anyhow::Ok(Reply { status, body })
        }
        .await;
        if result.is_err() {
            // Whatever broke, the next request starts on a new connection.
            self.sender = None;
        }
        result
    }

    pub async fn get(&mut self, path: &str, session: Option<&Session>) -> Result<Reply> {
        self.send(Method::GET, path, session, None, None).await
    }
}

impl Client {
    /// A connection of its own to the same server.
    pub fn connection(&self) -> Conn {
        let addr = self
            .base
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        Conn {
            host: hyper::header::HeaderValue::from_str(&addr)
                .unwrap_or(hyper::header::HeaderValue::from_static("localhost")),
            addr,
            sender: None,
        }
    }

    pub fn new(base: String, max_idle: usize) -> Client {
        let mut conn = HttpConnector::new();
        // Small requests and replies: Nagle would add 40 ms delays.
        conn.set_nodelay(true);
        conn.set_connect_timeout(Some(Duration::from_secs(2)));
        let inner = HyperClient::builder(TokioExecutor::new())
            .pool_max_idle_per_host(max_idle)
            .pool_idle_timeout(Duration::from_secs(30))
            .build(conn);
        Client {
            inner,
            base,
            phones: Default::default(),
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        session: Option<&Session>,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> Result<Reply> {
        let req = request(
            Request::builder()
                .method(method)
                .uri(format!("{}{}", self.base, path)),
            session,
            body,
            key,
        )?;
        let resp = self.inner.request(req).await?;
        let status = resp.status();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok(Reply { status, body })
    }

    pub async fn get(&self, path: &str, session: Option<&Session>) -> Result<Reply> {
        self.send(Method::GET, path, session, None, None).await
    }

    /// A JSON request whose reply may set the session cookie: status, that cookie, body.
    async fn exchange(
        &self,
        path: &str,
        session: Option<&Session>,
        body: &Value,
    ) -> Result<(StatusCode, Option<String>, Value)> {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(format!("{}{path}", self.base))
            .header("content-type", "application/json");
        if let Some(s) = session {
            b = b
                .header("cookie", &s.cookie)
                .header("x-csrf-token", &s.csrf);
        }
        let req = b.body(Full::new(Bytes::from(serde_json::to_vec(body)?)))?;
        let resp = self.inner.request(req).await?;
        let status = resp.status();
        let cookie = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(web::auth::SESSION_COOKIE))
            .and_then(|c| c.split(';').next())
            .map(str::to_string);
        let body = resp.into_body().collect().await?.to_bytes();
        anyhow::ensure!(
            status.is_success(),
            "{path}: {status} {}",
            String::from_utf8_lossy(&body)
        );
        Ok((status, cookie, serde_json::from_slice(&body)?))
    }

    /// Signs in; an account whose role asks a second factor binds an authenticator the first time
    /// and presents its code after, as its holder would.
    pub async fn login(&self, username: &str, password: &str) -> Result<Session> {
        let (_, cookie, v) = self
            .exchange(
                "/api/v1/session",
                None,
                &json!({ "username": username, "password": password }),
            )
            .await
            .with_context(|| format!("login {username}"))?;
        let s = Session {
            cookie: cookie.context("no session cookie")?,
            csrf: v["csrf_token"].as_str().unwrap_or_default().to_string(),
        };
        let now = chrono::Utc::now().timestamp() as u64;
        let code = |secret: &[u8], step: u64| {
            domain::second_factor::code_at(secret, step * domain::second_factor::STEP_SECONDS)
        };
        let (cookie, v) = match v["second_factor"].as_str() {
            None => return Ok(s),
            Some("enrol") => {
                let (_, _, e) = self
                    .exchange("/api/v1/me/second-factor/enrolment", Some(&s), &Value::Null)
                    .await?;
                let secret = domain::second_factor::secret_from_text(
                    e["secret"].as_str().unwrap_or_default(),
                )
                .context("enrolment secret")?;
                let step = domain::second_factor::usable_step(now, None).context("a step")?;
                let (_, cookie, v) = self
                    .exchange(
                        "/api/v1/me/second-factor",
                        Some(&s),
                        &json!({ "code": code(&secret, step) }),
                    )
                    .await?;
                self.phones
                    .lock()
                    .expect("phones")
                    .insert(username.to_string(), (secret, step));
                (cookie, v)
            }
            Some(_) => {
                let (secret, step) = {
                    let mut phones = self.phones.lock().expect("phones");
                    let (secret, last) = phones
                        .get_mut(username)
                        .with_context(|| format!("{username}: no authenticator bound here"))?;
                    // At most three sign-ins a step; the load harness signs each account in once.
                    let step = domain::second_factor::usable_step(now, Some(*last))
                        .context("codes of this step used up")?;
                    *last = step;
                    (secret.clone(), step)
                };
                let (_, cookie, v) = self
                    .exchange(
                        "/api/v1/session/second-factor",
                        Some(&s),
                        &json!({ "code": code(&secret, step) }),
                    )
                    .await?;
                (cookie, v)
            }
        };
        Ok(Session {
            cookie: cookie.context("no new session cookie")?,
            csrf: v["csrf_token"].as_str().unwrap_or_default().to_string(),
        })
    }
}
