//! HTTP tests of the foundation: access by role and subtree over the API and the pages, CSRF,
//! login lockout, logout, granting users, input errors and request ids, and the source check that
//! `web` reaches data only through the use cases in `app`. Every test runs on SQLite and on
//! PostgreSQL. The catalog and calendar are in `http_catalog.rs`, the OpenAPI document and the
//! reply contract in `http_openapi.rs`.

mod common;

use axum::http::{Method, StatusCode};
use common::{anon, web_sources, Session, TestApp};
use demo::*;
use serde_json::json;

both_backends!(
    anonymous_sees_only_public_pages,
    township_staff_cannot_read_or_change_a_neighbour_over_the_api,
    township_staff_cannot_read_or_change_a_neighbour_in_the_pages,
    each_role_sees_only_its_subtree,
    forms_and_api_writes_need_the_csrf_token,
    repeated_failed_logins_lock_the_account,
    logout_ends_the_session,
    cached_sessions_forget_every_account_change_at_once,
    users_are_created_only_within_the_granters_rights,
    bad_input_gets_a_4xx_with_a_field,
);

async fn anonymous_sees_only_public_pages(app: TestApp) {
    for path in [
        "/",
        "/catalog",
        &format!("/catalog/{ITEM_ZHAIJIDI}"),
        "/login",
        "/api/v1/catalog",
        "/api/v1/openapi.json",
        "/api/v1/calendar",
        "/static/app.css",
    ] {
        let r = app.get(path, &anon()).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
    for path in [
        "/admin",
        "/admin/regions",
        "/admin/users",
        "/admin/catalog",
        "/admin/calendar",
        &format!("/admin/regions/{TOWNSHIP_A}"),
    ] {
        let r = app.get(path, &anon()).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            r.location().starts_with("/login?next="),
            "{path} → {}",
            r.location()
        );
    }
    for path in [
        "/api/v1/regions",
        "/api/v1/users",
        "/api/v1/places",
        "/api/v1/me",
        "/api/v1/calendar/closures",
    ] {
        let r = app.get(path, &anon()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(r.json()["code"], "not_signed_in");
    }
    // Drafts stay private.
    let drafts = app.get("/api/v1/catalog?status=all", &anon()).await;
    assert_eq!(drafts.status, StatusCode::UNAUTHORIZED);
    let list = app.get("/api/v1/catalog", &anon()).await.json();
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["status"] == "published"));
    // Material templates can be downloaded (printed) from the guide.
    let guide = app
        .get(&format!("/catalog/{ITEM_ZHAIJIDI}"), &anon())
        .await
        .text();
    let link = guide
        .split(&format!("/catalog/{ITEM_ZHAIJIDI}/templates/"))
        .nth(1)
        .expect("a template link")
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let t = app
        .get(
            &format!("/catalog/{ITEM_ZHAIJIDI}/templates/{link}"),
            &anon(),
        )
        .await;
    assert_eq!(t.status, StatusCode::OK);
    assert!(t.text().contains("申请人(签字或盖章)") && t.text().contains("农村宅基地建房审批"));
    assert_eq!(
        app.get(&format!("/catalog/{ITEM_ZHAIJIDI}/templates/99"), &anon())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The public guide shows every disclosure field.
    let page = app
        .get(&format!("/catalog/{ITEM_ZHAIJIDI}"), &anon())
        .await
        .text();
    for label in [
        "办事依据",
        "受理条件",
        "申请材料",
        "办理流程",
        "法定时限",
        "承诺时限",
        "收费标准",
        "办理地点",
        "办理时间",
        "承办机构",
        "咨询电话",
        "监督投诉电话",
        "到现场次数",
        "服务对象",
    ] {
        assert!(page.contains(label), "guide lacks {label}");
    }
}

async fn township_staff_cannot_read_or_change_a_neighbour_over_the_api(app: TestApp) {
    let s = app.api_login(MGR_TOWNSHIP_A).await;
    let regions = app.get("/api/v1/regions", &s).await.json();
    let codes: Vec<&str> = regions
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&TOWNSHIP_A) && codes.contains(&VILLAGE_A));
    assert!(
        codes.iter().all(|c| c.starts_with(&TOWNSHIP_A[..9])),
        "{codes:?}"
    );
    assert_eq!(
        app.get(&format!("/api/v1/regions/{TOWNSHIP_B}"), &s)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/api/v1/places/{TOWNSHIP_B}"), &s)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/api/v1/places/{VILLAGE_B}"), &s)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut place = app
        .get(&format!("/api/v1/places/{TOWNSHIP_A}"), &s)
        .await
        .json();
    place["hours"] = json!("周一至周六 8:30-17:30");
    let r = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/places/{TOWNSHIP_B}"),
            &s,
            &place,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let ours = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/places/{TOWNSHIP_A}"),
            &s,
            &place,
        )
        .await;
    assert_eq!(ours.status, StatusCode::OK, "{}", ours.text());
    let b = app
        .store
        .get_place(&domain::RegionCode::parse(TOWNSHIP_B).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(
        b.hours, "周一至周六 8:30-17:30",
        "the neighbour's place must be untouched"
    );
    // People of the other township are invisible.
    let users = app.get("/api/v1/users", &s).await.json();
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert!(names.contains(&CLERK_TOWNSHIP_A));
    assert!(
        !names.contains(&CLERK_TOWNSHIP_B) && !names.contains(&MGR_TOWNSHIP_B),
        "{names:?}"
    );
    assert!(users
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u.get("password_hash").is_none()));
    let other = app
        .store
        .find_user(CLERK_TOWNSHIP_B)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/users/{}", other.id), &s)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

async fn township_staff_cannot_read_or_change_a_neighbour_in_the_pages(app: TestApp) {
    let s = app.page_login(MGR_TOWNSHIP_A).await;
    assert_eq!(
        app.get(&format!("/admin/regions/{TOWNSHIP_A}"), &s)
            .await
            .status,
        StatusCode::OK
    );
    let other = app.get(&format!("/admin/regions/{TOWNSHIP_B}"), &s).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert!(other.text().contains("无权"));
    let list = app.get("/admin/regions", &s).await.text();
    assert!(list.contains(TOWNSHIP_A) && !list.contains(TOWNSHIP_B));
    let post = app
        .post_form(
            &format!("/admin/regions/{TOWNSHIP_B}/place"),
            &s,
            &[
                ("name", "被篡改"),
                ("address", "x"),
                ("hours", ""),
                ("phone", ""),
                ("windows", ""),
            ],
            true,
        )
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    let b = app
        .store
        .get_place(&domain::RegionCode::parse(TOWNSHIP_B).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(b.name, "被篡改");
    let ok = app
        .post_form(
            &format!("/admin/regions/{TOWNSHIP_A}/place"),
            &s,
            &[
                ("name", "石桥镇便民服务中心"),
                ("address", "石桥镇人民路1号"),
                ("hours", "周一至周五"),
                ("phone", "0578-1234567"),
                ("windows", "1|综合受理\n2|社保医保"),
                ("construction", "premises"),
            ],
            true,
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let a = app
        .store
        .get_place(&domain::RegionCode::parse(TOWNSHIP_A).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.windows.len(), 2);
    assert!(a.construction.iter().any(|c| c.key == "premises" && c.met));
    assert!(a.construction.iter().any(|c| c.key == "funds" && !c.met));
    let users = app.get("/admin/users", &s).await.text();
    assert!(users.contains(CLERK_TOWNSHIP_A) && !users.contains(CLERK_TOWNSHIP_B));
}

async fn each_role_sees_only_its_subtree(app: TestApp) {
    let all = app.store.list_regions(&domain::Scope::All).await.unwrap();
    for login in featured_logins() {
        let s = app.api_login(&login.username).await;
        let me = app.get("/api/v1/me", &s).await.json();
        let grants = me["user"]["grants"].as_array().unwrap().clone();
        let r = app.get("/api/v1/regions", &s).await;
        if login.role == domain::Role::Auditor {
            // The auditor reads the audit log and nothing else (三员分立).
            assert!(
                r.json().as_array().unwrap().is_empty(),
                "{}",
                login.username
            );
            continue;
        }
        if login.role == domain::Role::Applicant {
            // Applicants have no staff view of the network.
            assert!(
                r.json().as_array().unwrap().is_empty(),
                "{}",
                login.username
            );
            assert_eq!(app.get("/admin", &s).await.status, StatusCode::FORBIDDEN);
            continue;
        }
        let seen: Vec<String> = r
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["code"].as_str().unwrap().to_string())
            .collect();
        let inside = |code: &str| {
            grants.iter().any(|g| {
                let root = g["region_code"].as_str().unwrap();
                let level: domain::Level =
                    serde_json::from_value(g["region_level"].clone()).unwrap();
                code.starts_with(&root[..level.prefix_len()])
            })
        };
        let expected: Vec<String> = all
            .iter()
            .map(|r| r.code.to_string())
            .filter(|c| inside(c))
            .collect();
        assert_eq!(
            seen, expected,
            "{} sees exactly its subtree",
            login.username
        );
        assert_eq!(
            app.get("/admin", &s).await.status,
            StatusCode::OK,
            "{}",
            login.username
        );
    }
}

async fn forms_and_api_writes_need_the_csrf_token(app: TestApp) {
    let s = app.page_login(MGR_TOWNSHIP_A).await;
    let fields = [
        ("name", "无令牌"),
        ("address", "x"),
        ("hours", ""),
        ("phone", ""),
        ("windows", ""),
    ];
    let no_token = app
        .post_form(
            &format!("/admin/regions/{TOWNSHIP_A}/place"),
            &s,
            &fields,
            false,
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let wrong = Session {
        csrf: "0".repeat(64),
        ..s.clone()
    };
    assert_eq!(
        app.post_form(
            &format!("/admin/regions/{TOWNSHIP_A}/place"),
            &wrong,
            &fields,
            true
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let place = app
        .store
        .get_place(&domain::RegionCode::parse(TOWNSHIP_A).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(place.name, "无令牌");
    // Logout is a form too.
    assert_eq!(
        app.post_form("/logout", &s, &[], false).await.status,
        StatusCode::FORBIDDEN
    );
    // API writes with a cookie need the header.
    let api = app.api_login(MGR_TOWNSHIP_A).await;
    let body = serde_json::to_vec(&place).unwrap();
    let r = app
        .request(
            Method::PUT,
            &format!("/api/v1/places/{TOWNSHIP_A}"),
            &api,
            Some("application/json"),
            body,
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["code"], "csrf_failed");
    // The login form itself is protected by the double-submit cookie.
    let r = app
        .post_form(
            "/login",
            &anon(),
            &[("username", ADMIN), ("password", DEMO_PASSWORD)],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn repeated_failed_logins_lock_the_account(app: TestApp) {
    for i in 1..=4 {
        let r = app.try_api_login(CLERK_TOWNSHIP_A, "wrong-password1").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        assert_eq!(r.json()["code"], "invalid_credentials");
    }
    let fifth = app.try_api_login(CLERK_TOWNSHIP_A, "wrong-password1").await;
    assert_eq!(fifth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(fifth.json()["code"], "account_locked");
    assert!(fifth.headers.get("retry-after").is_some());
    // Even the right password is refused while locked.
    let r = app.try_api_login(CLERK_TOWNSHIP_A, DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Other accounts are unaffected.
    app.api_login(CLERK_TOWNSHIP_B).await;
    app.clock.advance(chrono::Duration::minutes(16));
    app.api_login(CLERK_TOWNSHIP_A).await;
    let u = app
        .store
        .find_user(CLERK_TOWNSHIP_A)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.failed_logins, 0, "a successful login clears the counter");
    // Unknown users get the same answer as a wrong password.
    let r = app.try_api_login("nobody", "whatever1").await;
    assert_eq!(r.json()["code"], "invalid_credentials");
}

async fn logout_ends_the_session(app: TestApp) {
    let s = app.page_login(ADMIN).await;
    let r = app.post_form("/logout", &s, &[], true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/admin", &s).await.status,
        StatusCode::SEE_OTHER,
        "old cookie no longer works"
    );
    // Sessions expire.
    let s = app.api_login(ADMIN).await;
    app.clock.advance(chrono::Duration::hours(13));
    assert_eq!(
        app.get("/api/v1/me", &s).await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// A signed-in request is answered from memory (issue 18, part 1), and the memory forgets the
/// session the moment its user's grants change (which ends their sessions) or the user is
/// deactivated: the very next request sees the change.
async fn cached_sessions_forget_every_account_change_at_once(app: TestApp) {
    let clerk = app.api_login(CLERK_TOWNSHIP_A).await;
    let sec = app.api_login(SECURITY_ADMIN).await;
    let me = app.get("/api/v1/me", &clerk).await;
    assert_eq!(me.json()["user"]["grants"][0]["role"], "window_clerk");
    let kept = app.state.caches.sessions.len();
    assert!(kept >= 1, "the session is kept after a request ({kept})");
    let id = me.json()["user"]["id"].as_i64().unwrap();
    let r = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/users/{id}/grants"),
            &sec,
            &json!([{ "role": "reviewer", "region_code": TOWNSHIP_A }]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        app.get("/api/v1/me", &clerk).await.status,
        StatusCode::UNAUTHORIZED,
        "a change of grants ends the user's sessions, the kept one at once"
    );
    let clerk = app.api_login(CLERK_TOWNSHIP_A).await;
    let me = app.get("/api/v1/me", &clerk).await;
    assert_eq!(me.json()["user"]["grants"][0]["role"], "reviewer");
    let m = app.api_login(MGR_TOWNSHIP_A).await;
    app.get("/api/v1/me", &clerk).await;
    let r = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/users/{id}/active"),
            &m,
            &json!({ "active": false }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        app.get("/api/v1/me", &clerk).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn users_are_created_only_within_the_granters_rights(app: TestApp) {
    let m = app.api_login(MGR_TOWNSHIP_A).await;
    let new = |username: &str, role: &str, region: &str| {
        json!({ "username": username, "display_name": "新同事", "phone": "13800000000", "password": "Xinyuan-7319",
                "home_region": region, "grants": [{ "role": role, "region_code": region }] })
    };
    let r = app
        .post_json(
            "/api/v1/users",
            &m,
            &new("new.clerk", "window_clerk", TOWNSHIP_A),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        app.try_api_login("new.clerk", "Xinyuan-7319").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.post_json(
            "/api/v1/users",
            &m,
            &new("new.admin", "administrator", TOWNSHIP_A)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_json(
            "/api/v1/users",
            &m,
            &new("new.other", "window_clerk", TOWNSHIP_B)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let dup = app
        .post_json(
            "/api/v1/users",
            &m,
            &new("new.clerk", "window_clerk", TOWNSHIP_A),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    let mut weak = new("weak.pw", "window_clerk", TOWNSHIP_A);
    weak["password"] = json!("short");
    let r = app.post_json("/api/v1/users", &m, &weak).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "password");
    let stored = app.store.find_user("new.clerk").await.unwrap().unwrap();
    assert!(
        stored.password_hash.starts_with("$argon2"),
        "passwords are stored as argon2 hashes"
    );
    // A clerk cannot create anyone.
    let c = app.api_login(CLERK_TOWNSHIP_A).await;
    assert_eq!(
        app.post_json("/api/v1/users", &c, &new("x.y", "window_clerk", TOWNSHIP_A))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Deactivating ends the user's sessions.
    let victim = app.api_login_with("new.clerk", "Xinyuan-7319").await;
    let r = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/users/{}/active", stored.id),
            &m,
            &json!({ "active": false }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        app.get("/api/v1/me", &victim).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn bad_input_gets_a_4xx_with_a_field(app: TestApp) {
    let s = app.api_login(ADMIN).await;
    // Path and query values the handler cannot read are answered in JSON like everything else,
    // and an unknown list or format word is refused, not read as the default.
    for (uri, code) in [
        ("/api/v1/catalog/X/versions/not-a-number", "invalid_path"),
        ("/api/v1/users/abc", "invalid_path"),
        ("/api/v1/catalog?status=drafts", "invalid_query"),
        ("/api/v1/catalog/export?format=pdf", "invalid_query"),
        ("/api/v1/feedback/statistics?month=2026-3", "invalid_month"),
        ("/api/v1/feedback/statistics?month=%C2%85", "invalid_month"),
    ] {
        let r = app.get(uri, &s).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}: {}", r.text());
        assert_eq!(r.json()["code"], code, "{uri}");
    }
    let r = app
        .request(
            Method::POST,
            "/api/v1/regions",
            &s,
            Some("application/json"),
            b"{not json".to_vec(),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["code"], "invalid_json");
    let r = app
        .post_json(
            "/api/v1/regions",
            &s,
            &json!({ "code": "12ab", "name": "x", "parent": CITY }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "code");
    let r = app
        .post_json(
            "/api/v1/regions",
            &s,
            &json!({ "code": "340102000000", "name": "外市的区", "parent": CITY }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["code"], "code_not_under_parent");
    let r = app
        .post_json(
            "/api/v1/regions",
            &s,
            &json!({ "code": "339999000000", "name": "新区", "parent": CITY }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        app.post_json(
            "/api/v1/regions",
            &s,
            &json!({ "code": "339999000000", "name": "新区", "parent": CITY })
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let r = app.get("/api/v1/users/notanumber", &s).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let r = app.get("/admin/regions/notacode", &s).await;
    assert!(r.status.is_client_error());
    assert_eq!(
        app.get("/no/such/page", &anon()).await.status,
        StatusCode::NOT_FOUND
    );
}

/// Every reply carries its request's id (`x-request-id`: the caller's, or a new UUID), and every
/// log line written while handling it carries the same id and the path, never the query string
/// (which may hold a query code).
#[tokio::test]
async fn every_request_has_an_id_in_its_reply_and_its_log_lines() {
    use axum::body::Body;
    use std::sync::{Arc, Mutex};
    use tower::ServiceExt;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Captured {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let app = common::spawn_app(common::Backend::Sqlite).await;
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let given = app
        .router
        .clone()
        .oneshot(
            axum::http::Request::get("/lookup?number=N1&code=SECRETCODE9")
                .header("x-request-id", "req-7f3a")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "req-7f3a");
    let fresh = app
        .router
        .clone()
        .oneshot(axum::http::Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let id = fresh.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    // An id that could forge log fields is replaced.
    let forged = app
        .router
        .clone()
        .oneshot(
            axum::http::Request::get("/")
                .header("x-request-id", "x user=admin")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let replaced = forged.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(replaced.len(), 36, "replaced by a UUID: {replaced}");

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("req-7f3a")).collect();
    assert!(!lines.is_empty(), "{text}");
    assert!(lines.iter().all(|l| l.contains("path=/lookup")), "{text}");
    assert!(text.contains(&id), "{text}");
    assert!(
        !text.contains("SECRETCODE9"),
        "no query string in the logs: {text}"
    );
}

/// Where a text reaches the store field of the services (`state.store`, `.store.get_case(…)`,
/// across line breaks too), as opposed to a method named `store(…)` or a name like `store_upload`.
fn store_uses(text: &str) -> usize {
    let compact: String = text.split_whitespace().collect();
    compact
        .match_indices(".store")
        .filter(|(i, m)| {
            let next = compact[i + m.len()..].chars().next();
            !next.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '(')
        })
        .count()
}

#[test]
fn the_store_check_finds_store_calls_and_only_them() {
    assert_eq!(store_uses("state\n    .store\n    .get_case(n)"), 1);
    assert_eq!(store_uses("verify::run(state.store.as_ref())"), 1);
    assert_eq!(store_uses("f(&state.store)"), 1);
    assert_eq!(store_uses("crate::files::store_upload(&s, b)"), 0);
    assert_eq!(store_uses("flag.store(true, Ordering::Release)"), 0);
    assert_eq!(store_uses("use store::User; app.stores"), 0);
}

/// `web` is transport only (issue 15, part 1): it reaches data through the use cases in `app`,
/// never the store itself, so authorization and rules cannot be skipped by a page or an endpoint.
/// Only `state.rs`, which holds the services, may name their store.
#[test]
fn web_calls_use_cases_not_the_store() {
    let files = web_sources();
    assert!(files.iter().any(|(rel, _)| rel == "pages/cases/page.rs"));
    let offenders: Vec<String> = files
        .iter()
        .filter(|(rel, text)| rel != "state.rs" && store_uses(text) > 0)
        .map(|(rel, text)| format!("{rel} ({})", store_uses(text)))
        .collect();
    assert!(
        offenders.is_empty(),
        "store calls in web (call a use case in crates/app instead): {offenders:?}"
    );
}

/// Two servers on one PostgreSQL database (issue 18, part 1): a user deactivated on one is refused
/// by the other, which had the session in memory, as soon as the `accounts` version reaches it
/// (NOTIFY; the one-second poll if a notification is lost).
#[tokio::test]
async fn a_user_deactivated_on_one_server_is_refused_by_another_that_kept_the_session() {
    if common::pg_url().is_none() {
        return;
    }
    let a = common::spawn_app(common::Backend::Postgres).await;
    // The second server: the same schema as `a`, its own pool, caches and watcher.
    let (b, mut refreshed) = common::second_server(&a).await;
    let clerk = b.api_login(CLERK_TOWNSHIP_A).await;
    let me = b.get("/api/v1/me", &clerk).await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(!b.state.caches.sessions.is_empty(), "server b keeps it");
    // Anything b still had to notice from the sign-in is behind us before the change.
    let _ = b.state.refresh_caches().await.unwrap();
    refreshed.borrow_and_update();

    let id = me.json()["user"]["id"].as_i64().unwrap();
    let m = a.api_login(MGR_TOWNSHIP_A).await;
    let r = a
        .send_json(
            Method::PUT,
            &format!("/api/v1/users/{id}/active"),
            &m,
            &json!({ "active": false }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // The bound only guards a broken watcher.
    tokio::time::timeout(std::time::Duration::from_secs(10), refreshed.changed())
        .await
        .expect("server b saw the change")
        .unwrap();
    assert_eq!(
        b.get("/api/v1/me", &clerk).await.status,
        StatusCode::UNAUTHORIZED
    );
}
