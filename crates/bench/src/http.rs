//! A small HTTP/1.1 client over hyper-util's pooled client: JSON in, status and JSON out.

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
}

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

impl Client {
    pub fn new(base: String, max_idle: usize) -> Client {
        let mut conn = HttpConnector::new();
        // Small requests and replies: Nagle would add 40 ms delays.
        conn.set_nodelay(true);
        conn.set_connect_timeout(Some(Duration::from_secs(2)));
        let inner = HyperClient::builder(TokioExecutor::new())
            .pool_max_idle_per_host(max_idle)
            .pool_idle_timeout(Duration::from_secs(30))
            .build(conn);
        Client { inner, base }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        session: Option<&Session>,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> Result<Reply> {
        let mut b = Request::builder()
            .method(method)
            .uri(format!("{}{}", self.base, path));
        if let Some(s) = session {
            b = b
                .header("cookie", &s.cookie)
                .header("x-csrf-token", &s.csrf);
        }
        if let Some(k) = key {
            b = b.header("idempotency-key", k);
        }
        let req = match body {
            Some(v) => b
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(serde_json::to_vec(v)?)))?,
            None => b.body(Full::new(Bytes::new()))?,
        };
        let resp = self.inner.request(req).await?;
        let status = resp.status();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok(Reply { status, body })
    }

    pub async fn get(&self, path: &str, session: Option<&Session>) -> Result<Reply> {
        self.send(Method::GET, path, session, None, None).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<Session> {
        let req = Request::builder()
            .method(Method::POST)
            .uri(format!("{}/api/v1/session", self.base))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(serde_json::to_vec(
                &json!({ "username": username, "password": password }),
            )?)))?;
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
            "login {username}: {status} {}",
            String::from_utf8_lossy(&body)
        );
        let v: Value = serde_json::from_slice(&body)?;
        Ok(Session {
            cookie: cookie.context("no session cookie")?,
            csrf: v["csrf_token"].as_str().unwrap_or_default().to_string(),
        })
    }
}
