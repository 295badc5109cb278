//! HTTP tests of the web surface's defences (issue 17): redirects only to this site, body and
//! field limits with nothing written for a refused upload, idempotency keys bound to their
//! request, and the security headers. Every test runs on SQLite and on PostgreSQL.

mod common;

use axum::http::{header, Method, StatusCode};
use common::cases::*;
use common::{anon, Session, TestApp};
use demo::*;
use serde_json::json;
use yizhan_web as web;

both_backends!(
    next_never_leaves_the_site,
    anonymous_bodies_are_refused_before_they_are_buffered,
    long_fields_are_refused_with_a_field_error,
    an_idempotency_key_is_bound_to_its_request,
    pages_and_replies_carry_the_security_headers,
);

async fn next_never_leaves_the_site(app: TestApp) {
    let s = app.page_login(CLERK).await;
    for next in [
        "%2F%09%2Fevil.example",
        "%2F%0A%2Fevil.example",
        "%2F%0D%0ALocation:%20http://evil.example",
        "%2F%5Cevil.example",
        "%2F%2Fevil.example",
        "https:%2F%2Fevil.example",
    ] {
        let r = app.get(&format!("/login?next={next}"), &s).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(r.location(), "/admin", "{next}");
    }
    // A same-site path is kept.
    let r = app.get("/login?next=%2Fcases%3Fqueue%3Dall", &s).await;
    assert_eq!(r.location(), "/cases?queue=all");
    // Signing in with a hostile `next` (the form keeps it hidden) lands on the site, and a
    // newline there is no server error.
    for next in ["/\t/evil.example", "/\n/evil.example"] {
        let page = app.get("/login", &anon()).await;
        let csrf = page.set_cookie("yz_csrf").unwrap();
        let token = csrf.split_once('=').unwrap().1.to_string();
        let who = Session {
            cookie: Some(csrf),
            csrf: token,
        };
        let r = app
            .post_form(
                "/login",
                &who,
                &[
                    ("username", CLERK),
                    ("password", DEMO_PASSWORD),
                    ("next", next),
                ],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}: {}", r.text());
        assert_eq!(r.location(), "/admin", "{next:?}");
    }
}

async fn anonymous_bodies_are_refused_before_they_are_buffered(app: TestApp) {
    // A megabyte of form from nobody: refused by its size, not read into memory first.
    let big = format!("username=a&password={}", "x".repeat(1024 * 1024));
    let r = app
        .request(
            Method::POST,
            "/login",
            &anon(),
            Some("application/x-www-form-urlencoded"),
            big.into_bytes(),
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    // JSON has the small limit too.
    let r = app
        .request(
            Method::POST,
            "/api/v1/session",
            &anon(),
            Some("application/json"),
            serde_json::to_vec(&json!({"username": "a", "password": "x".repeat(200_000)})).unwrap(),
            false,
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert_eq!(r.json()["code"], "body_too_large");
}

async fn long_fields_are_refused_with_a_field_error(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &clerk,
            &json!({ "item_code": FOOD, "applicant": person(&"名".repeat(20_000)) }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let e = &r.json()["errors"][0];
    assert_eq!(e["field"], "applicant.name");
    assert_eq!(e["code"], "too_long");
    assert!(e["message"].as_str().unwrap().contains("不能超过"));
    // A reason over the limit is refused and nothing is written.
    let n = window_case(&app, FOOD, &clerk).await;
    let before = app.store.case_events(&n).await.unwrap().len();
    let r = common::cmd(
        &app,
        &clerk,
        &n,
        json!({ "action": "refuse", "reasons": "由".repeat(domain::limits::TEXT + 1) }),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["field"], "reasons");
    assert_eq!(app.store.case_events(&n).await.unwrap().len(), before);
}

fn files_on_disk(app: &TestApp) -> usize {
    fn count(p: &std::path::Path) -> usize {
        std::fs::read_dir(p).map_or(0, |d| {
            d.flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        count(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
    }
    count(&app.state.config.data_dir.join("files"))
}

async fn upload(app: &TestApp, s: &Session, n: &str, index: usize, body: Vec<u8>) -> StatusCode {
    app.request(
        Method::POST,
        &format!("/api/v1/cases/{n}/materials/{index}"),
        s,
        Some("application/pdf"),
        body,
        true,
    )
    .await
    .status
}

/// Uploads are counted on disk, so this test has a data directory of its own.
mod uploads {
    use super::common::{pg_url, spawn_app_with, Backend};

    async fn own_dir(backend: Backend) -> super::TestApp {
        let dir = std::env::temp_dir().join(format!(
            "yizhan-refused-uploads-{}-{backend:?}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let config = yizhan_web::Config {
            data_dir: dir,
            ..yizhan_web::Config::default()
        };
        spawn_app_with(backend, config).await
    }

    #[tokio::test]
    async fn sqlite() {
        super::refused_uploads_write_nothing(own_dir(Backend::Sqlite).await).await;
    }

    #[tokio::test]
    async fn postgres() {
        if pg_url().is_none() {
            return;
        }
        super::refused_uploads_write_nothing(own_dir(Backend::Postgres).await).await;
    }
}

async fn refused_uploads_write_nothing(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    let pdf = |size: usize| {
        let mut b = b"%PDF-1.4\n".to_vec();
        b.resize(size, b'x');
        b
    };
    let before = files_on_disk(&app);
    // Nobody signed in; someone who sees the case but may not upload to it (the reviewer);
    // a material the case does not have; a file over 10 MB.
    let reviewer = app.api_login(REVIEWER).await;
    assert_eq!(
        upload(&app, &anon(), &n, 0, pdf(1024)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        upload(&app, &reviewer, &n, 0, pdf(2 * 1024 * 1024)).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        upload(&app, &clerk, &n, 99, pdf(1024)).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        upload(&app, &clerk, &n, 0, pdf(10 * 1024 * 1024 + 1)).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(files_on_disk(&app), before, "a refused upload left a file");
    // The page's form upload refuses the same way.
    let page = app.page_login(REVIEWER).await;
    let boundary = "XyZ";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"index\"\r\n\r\n0\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend(pdf(4096));
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let r = app
        .request(
            Method::POST,
            &format!("/cases/{n}/upload?_csrf={}", page.csrf),
            &page,
            Some(&format!("multipart/form-data; boundary={boundary}")),
            body,
            false,
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert_eq!(
        files_on_disk(&app),
        before,
        "a refused page upload left a file"
    );
    // An allowed upload is stored.
    assert_eq!(upload(&app, &clerk, &n, 0, pdf(1024)).await, StatusCode::OK);
    assert_eq!(files_on_disk(&app), before + 1);
}

async fn an_idempotency_key_is_bound_to_its_request(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    let send = |key: &'static str, body: serde_json::Value| {
        let app = &app;
        let clerk = clerk.clone();
        let n = n.clone();
        async move {
            let req = axum::http::Request::builder()
                .method(Method::POST)
                .uri(format!("/api/v1/cases/{n}/commands"))
                .header(header::COOKIE, clerk.cookie.clone().unwrap())
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-csrf-token", &clerk.csrf)
                .header("idempotency-key", key)
                .body(axum::body::Body::from(serde_json::to_vec(&body).unwrap()))
                .unwrap();
            let resp = tower::ServiceExt::oneshot(app.router.clone(), req)
                .await
                .unwrap();
            let status = resp.status();
            let bytes = http_body_util::BodyExt::collect(resp.into_body())
                .await
                .unwrap()
                .to_bytes();
            (
                status,
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap(),
            )
        }
    };
    let accept = json!({ "command": { "action": "accept" } });
    let (status, _) = send("k-1", accept.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let version = app.store.get_case(&n).await.unwrap().unwrap().version;
    // The same request again: a retry, answered without applying it twice.
    assert_eq!(send("k-1", accept).await.0, StatusCode::OK);
    // Another command under the same key: refused, not answered with the old result.
    let (status, body) = send(
        "k-1",
        json!({ "command": { "action": "terminate", "reason": "申请人死亡" } }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "idempotency_key_reused");
    // The same command with another comment is another request too.
    let (status, body) = send(
        "k-1",
        json!({ "command": { "action": "accept" }, "comment": "另一次" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        app.store.get_case(&n).await.unwrap().unwrap().version,
        version
    );
}

async fn pages_and_replies_carry_the_security_headers(app: TestApp) {
    let clerk = app.page_login(CLERK).await;
    let api = app.api_login(CLERK).await;
    for (path, s) in [
        ("/", &anon()),
        ("/login", &anon()),
        ("/cases", &clerk),
        ("/admin", &clerk),
        ("/api/v1/me", &api),
        ("/api/v1/catalog", &anon()),
        ("/lookup?number=x&code=y", &anon()),
    ] {
        let r = app.get(path, s).await;
        let h = |name: header::HeaderName| {
            r.headers
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        let csp = h(header::CONTENT_SECURITY_POLICY);
        let script_src = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap_or_default();
        assert_eq!(script_src.trim(), "script-src 'self'", "{path}: {csp}");
        assert_eq!(h(header::CACHE_CONTROL), "no-store", "{path}");
        assert!(
            r.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(),
            "plain-HTTP public_url: no HSTS"
        );
        // No page carries an inline script or handler any more.
        let text = r.text();
        assert!(!text.contains("<script>"), "{path} has an inline script");
        assert!(!text.contains("onclick="), "{path} has an inline handler");
    }
    // Static assets may be cached; the script is one of them.
    let css = app.get("/static/app.css", &anon()).await;
    assert!(css.headers[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .starts_with("public"));
    let js = app.get("/static/app.js", &anon()).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.text().contains("data-print"));
    // The print button is wired by the script, not inline.
    let guide = app
        .get(&format!("/catalog/{ITEM_ZHAIJIDI}"), &anon())
        .await
        .text();
    assert!(guide.contains("data-print") && guide.contains("/static/app.js"));
    // HSTS when the platform is reached over HTTPS.
    let https = common::spawn_app_with(
        common::Backend::Sqlite,
        web::Config {
            public_url: "https://yizhan.example".into(),
            ..yizhan_web::Config::default()
        },
    )
    .await;
    let r = https.get("/", &anon()).await;
    assert!(r.headers[header::STRICT_TRANSPORT_SECURITY]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
}

/// WCAG relative luminance of `#rrggbb`.
fn luminance(hex: &str) -> f64 {
    let c = |i: usize| {
        let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * c(1) + 0.7152 * c(3) + 0.0722 * c(5)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// The colour after `key` in the stylesheet rule that starts with `selector`.
fn colour_in(css: &str, selector: &str, key: &str) -> String {
    let rule = &css[css.find(selector).unwrap_or_else(|| panic!("{selector}"))..];
    let rule = &rule[..rule.find('}').unwrap()];
    let at = rule.find(key).unwrap_or_else(|| panic!("{key} in {rule}")) + key.len();
    let hash = rule[at..].find('#').unwrap() + at;
    rule[hash..hash + 7].to_string()
}

/// The focus ring stands out at least 3:1 (WCAG 2.2, 1.4.11) against the page, a white card and
/// the red header (issue 19, finding 13: it was amber, 1.66:1 on the page).
#[test]
fn the_focus_ring_has_at_least_3_to_1_contrast() {
    let css =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/static/app.css")).unwrap();
    let ring = colour_in(&css, "a:focus, button:focus", "outline:3px solid ");
    let page = colour_in(&css, ":root", "--bg:");
    let brand = colour_in(&css, ":root", "--brand:");
    let header_ring = colour_in(&css, "header.top a:focus", "outline-color:");
    for (what, fg, bg) in [
        ("page", &ring, &page),
        ("card", &ring, &"#ffffff".to_string()),
        ("header", &header_ring, &brand),
    ] {
        let r = contrast(fg, bg);
        assert!(r >= 3.0, "{what}: {fg} on {bg} is {r:.2}:1");
    }
}
