//! HTTP tests of the edges of the case API on SQLite and PostgreSQL: uploads checked by content,
//! the tamper check, retried commands, queues paged by keyset, the configured public address in
//! notices, form choices and identifiers parsed once at the edge, and compact command replies.

mod common;

use axum::http::{Method, StatusCode};
use common::cases::*;
use common::{ok, Session, TestApp};
use demo::*;
use serde_json::json;

both_backends!(
    uploads_are_checked_by_content,
    a_tampered_event_is_caught,
    queues_page_by_keyset,
    command_replies_are_compact_unless_asked,
    a_stale_kept_case_never_decides_a_command,
);

async fn uploads_are_checked_by_content(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    let exe = app
        .request(
            Method::POST,
            &format!("/api/v1/cases/{n}/materials/0"),
            &clerk,
            Some("application/pdf"),
            b"MZ\x90\x00 not a pdf".to_vec(),
            true,
        )
        .await;
    assert_eq!(exe.status, StatusCode::BAD_REQUEST);
    assert_eq!(exe.json()["code"], "unsupported_type");
    let png = [
        &[0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..],
        b"rest",
    ]
    .concat();
    let r = app
        .request(
            Method::POST,
            &format!("/api/v1/cases/{n}/materials/0"),
            &clerk,
            Some("image/png"),
            png.clone(),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let sha = r.json()["sha256"].as_str().unwrap().to_string();
    let stored = app
        .state
        .config
        .data_dir
        .join("files")
        .join(&sha[..2])
        .join(&sha);
    assert_eq!(
        std::fs::read(stored).unwrap(),
        png,
        "stored content-addressed under the data directory"
    );
    let c = app.get(&format!("/api/v1/cases/{n}"), &clerk).await.json();
    assert_eq!(c["materials"][0]["files"][0], sha.as_str());
    let big = vec![b'%'; 11 * 1024 * 1024];
    let r = app
        .request(
            Method::POST,
            &format!("/api/v1/cases/{n}/materials/0"),
            &clerk,
            Some("application/pdf"),
            big,
            true,
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
}

async fn a_tampered_event_is_caught(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    let mut events = app.store.case_events(&n).await.unwrap();
    assert!(domain::case::verify_chain(&events).is_ok());
    // Chained with the suite the database was made with (SM3 when YIZHAN_TEST_SUITE=gm).
    assert_eq!(
        domain::case::chain_suite(&events),
        store::conformance::test_suite()
    );
    assert_eq!(app.state.suite, store::conformance::test_suite());
    events[1].comment = "被篡改".into();
    assert_eq!(domain::case::verify_chain(&events), Err(2));
}

mod idempotency {
    use super::*;
    both_backends!(a_retried_command_is_not_applied_twice);

    async fn a_retried_command_is_not_applied_twice(app: TestApp) {
        let clerk = app.api_login(CLERK).await;
        let n = window_case(&app, FOOD, &clerk).await;
        let send = |key: &'static str| {
            let body = serde_json::to_vec(
                &json!({ "command": { "action": "refuse", "reasons": "不属于本机关职权范围" } }),
            )
            .unwrap();
            let app = &app;
            let clerk = clerk.clone();
            let n = n.clone();
            async move {
                let mut b = axum::http::Request::builder()
                    .method(Method::POST)
                    .uri(format!("/api/v1/cases/{n}/commands"))
                    .header(axum::http::header::COOKIE, clerk.cookie.clone().unwrap())
                    .header(axum::http::header::CONTENT_TYPE, "application/json")
                    .header("x-csrf-token", &clerk.csrf);
                b = b.header("idempotency-key", key);
                let resp = tower::ServiceExt::oneshot(
                    app.router.clone(),
                    b.body(axum::body::Body::from(body)).unwrap(),
                )
                .await
                .unwrap();
                resp.status()
            }
        };
        assert_eq!(send("retry-1").await, StatusCode::OK);
        let v1 = app.store.get_case(&n).await.unwrap().unwrap().version;
        // The reply was lost; the client sends the same command again with the same key.
        assert_eq!(
            send("retry-1").await,
            StatusCode::OK,
            "a replay answers like the original"
        );
        let after = app.store.get_case(&n).await.unwrap().unwrap();
        assert_eq!(after.version, v1, "nothing applied twice");
        assert_eq!(
            app.store
                .case_events(&n)
                .await
                .unwrap()
                .iter()
                .filter(|e| e.idempotency_key.as_deref() == Some("retry-1"))
                .count(),
            1
        );
        // A new key is a new command (here refused: the case is final).
        assert_eq!(send("retry-2").await, StatusCode::CONFLICT);
        assert!(domain::case::verify_chain(&app.store.case_events(&n).await.unwrap()).is_ok());
    }
}

/// A queue comes in pages: `limit` rows, `x-next-after` (and `Link: rel="next"`) to the next
/// page, the pages joining up to the whole queue with each case once; a bad `after` or `limit` is
/// a 400 naming the field; the workbench pages the same way with 下一页.
async fn queues_page_by_keyset(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    for _ in 0..3 {
        window_case(&app, FOOD, &clerk).await;
    }
    let whole = app.get("/api/v1/cases?queue=all", &clerk).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert!(
        whole.headers.get("x-next-after").is_none(),
        "one page holds it all"
    );
    let whole: Vec<String> = whole
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_str().unwrap().to_string())
        .collect();
    assert!(whole.len() >= 3, "{whole:?}");
    let mut paged: Vec<String> = vec![];
    let mut path = "/api/v1/cases?queue=all&limit=2".to_string();
    loop {
        let r = app.get(&path, &clerk).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let rows = r.json();
        let rows = rows.as_array().unwrap();
        assert!(rows.len() <= 2);
        paged.extend(
            rows.iter()
                .map(|r| r["number"].as_str().unwrap().to_string()),
        );
        let Some(next) = r.headers.get("x-next-after") else {
            break;
        };
        let next = next.to_str().unwrap().to_string();
        let link = r.headers.get("link").unwrap().to_str().unwrap().to_string();
        assert!(link.contains(&format!("after={next}>")) && link.ends_with("rel=\"next\""));
        path = format!("/api/v1/cases?queue=all&limit=2&after={next}");
    }
    assert_eq!(paged, whole);
    for (q, field) in [
        ("after=not-a-key", "after"),
        ("after=2026-13-01.X", "after"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
    ] {
        let r = app
            .get(&format!("/api/v1/cases?queue=all&{q}"), &clerk)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.text());
        assert!(r.text().contains(field), "{q}: {}", r.text());
    }
    // The workbench shows the next page's link once a page is full; the first page has none back.
    let pages = app.page_login(CLERK).await;
    let page = app.get("/cases?q=all", &pages).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text().contains("第一页"));
    let bad = app.get("/cases?q=all&after=junk", &pages).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let second = app
        .get(
            &format!(
                "/cases?q=all&after={}",
                app.get("/api/v1/cases?queue=all&limit=1", &clerk)
                    .await
                    .headers["x-next-after"]
                    .to_str()
                    .unwrap()
            ),
            &pages,
        )
        .await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(
        second.text().contains("第一页"),
        "a later page links back to the first"
    );
    assert!(
        !second.text().contains(&whole[0]),
        "the first row is on the first page only"
    );
}

/// The configured public address (issue 15, part 5) is what an official notice's QR code and
/// printed address point at, and an `https://` address makes every reply carry HSTS.
#[tokio::test]
async fn notices_point_at_the_configured_public_url_and_https_sends_hsts() {
    let app = common::spawn_app_with(
        common::Backend::Sqlite,
        yizhan_web::Config {
            public_url: "https://zwfw.qingchuan.gov.cn".into(),
            ..yizhan_web::Config::default()
        },
    )
    .await;
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    ok(&app, &clerk, &n, json!({ "action": "accept" })).await;
    let s = app.page_login(CLERK).await;
    let doc = app
        .get(&format!("/cases/{n}/documents/acceptance"), &s)
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    let text = doc.text();
    assert!(
        text.contains("扫码或访问 https://zwfw.qingchuan.gov.cn/lookup"),
        "{text}"
    );
    assert!(
        !text.contains("127.0.0.1"),
        "no address of the server's own"
    );
    assert_eq!(
        doc.headers
            .get("strict-transport-security")
            .map(|v| v.to_str().unwrap()),
        Some("max-age=31536000")
    );
    let home = app.get("/", &common::Session::default()).await;
    assert!(home.headers.get("strict-transport-security").is_some());
}

/// The page path reads a form's choices as the API reads JSON (issue 15): an unknown payment,
/// delivery or material word is refused with the field named, never taken for a default.
#[tokio::test]
async fn unknown_choices_in_a_case_form_are_refused_not_defaulted() {
    let app = common::spawn_app(common::Backend::Sqlite).await;
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    let s = app.page_login(CLERK).await;
    for (fields, message) in [
        (
            vec![
                ("action", "record_payment"),
                ("amount", "10"),
                ("method", "bitcoin"),
            ],
            "请选择收费方式",
        ),
        (
            vec![("action", "deliver"), ("method", "pigeon")],
            "请选择送达方式",
        ),
        (
            vec![
                ("action", "mark_material"),
                ("index", "0"),
                ("status", "lost"),
            ],
            "请选择材料状态",
        ),
    ] {
        let before = app.store.get_case(&n).await.unwrap().unwrap();
        let r = app
            .post_form(&format!("/cases/{n}/act"), &s, &fields, true)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{fields:?}");
        assert!(r.text().contains(message), "{fields:?}: {}", r.text());
        let after = app.store.get_case(&n).await.unwrap().unwrap();
        assert_eq!(after.version, before.version, "nothing recorded");
    }
}

/// Case numbers and item codes in URLs and lookups are parsed once at the edge (issue 15): text
/// that cannot be one names nothing and gets the answer an unknown one gets, and a malformed number
/// in a form is refused with its field's message before anything is looked up.
#[tokio::test]
async fn malformed_identifiers_are_answered_like_unknown_ones() {
    let app = common::spawn_app(common::Backend::Sqlite).await;
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    let unknown = format!("{}99999", &n[..n.len() - 5]);
    assert_eq!(
        app.get(&format!("/api/v1/cases/{n}"), &clerk).await.status,
        StatusCode::OK
    );
    for number in [unknown.as_str(), "X", "N1", &n[..24]] {
        for path in [
            format!("/api/v1/cases/{number}"),
            format!("/api/v1/cases/{number}/events"),
        ] {
            let r = app.get(&path, &clerk).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(r.json()["code"], "not_found", "{path}");
        }
        let r = app
            .get(
                &format!("/api/v1/lookup?number={number}&code=ABCD2345"),
                &Session::default(),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{number}");
        assert_eq!(r.json()["code"], "lookup_failed", "{number}");
    }
    let page = app.page_login(CLERK).await;
    assert_eq!(
        app.get("/cases/X", &page).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/cases/{n}"), &page).await.status,
        StatusCode::OK
    );
    for path in [
        "/api/v1/catalog/a%20b",
        "/catalog/a%20b",
        "/api/v1/catalog/NO-SUCH-ITEM",
    ] {
        assert_eq!(
            app.get(path, &Session::default()).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let sup = app.page_login(SUP_COUNTY).await;
    let r = app
        .post_form(
            "/supervision/orders",
            &sup,
            &[
                ("case_number", "12345"),
                ("unit", ""),
                ("subject", "承诺期限将至"),
                ("body", "请说明办理进度"),
                ("days", "2"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("办件编号应为25位数字"), "{}", r.text());
}

/// A command answers with its outcome (state, version, the events it added, deadlines, running
/// stages), not the whole case, unless the client asks with `Prefer: return=representation`.
async fn command_replies_are_compact_unless_asked(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    let before = app.store.get_case(&n).await.unwrap().unwrap().version;
    let send = |key: &'static str, prefer: Option<&'static str>| {
        let (app, clerk, n) = (&app, &clerk, &n);
        async move {
            let mut headers = vec![("idempotency-key", key)];
            if let Some(p) = prefer {
                headers.push(("prefer", p));
            }
            app.request_with(
                Method::POST,
                &format!("/api/v1/cases/{n}/commands"),
                clerk,
                Some("application/json"),
                serde_json::to_vec(&json!({ "command": { "action": "accept" } })).unwrap(),
                true,
                &headers,
            )
            .await
        }
    };
    let r = send("compact-1", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.headers.get("preference-applied").is_none());
    let reply = r.json();
    let stored = app.store.get_case(&n).await.unwrap().unwrap();
    assert_eq!(reply["number"], n.as_str());
    assert_eq!(reply["version"], stored.version);
    assert_eq!(reply["state"], json!(stored.state));
    assert_eq!(reply["deadlines"], json!(stored.deadlines));
    assert!(
        reply.get("filing").is_none(),
        "no whole case by default: {reply}"
    );
    // The events this command added, in order, as the log has them.
    let added: Vec<(u64, String)> = reply["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["seq"].as_u64().unwrap(),
                e["type"].as_str().unwrap().into(),
            )
        })
        .collect();
    let log = app.store.case_events(&n).await.unwrap();
    let expected: Vec<(u64, String)> = log
        .iter()
        .filter(|e| e.seq > before)
        .map(|e| (e.seq as u64, e.kind.name().to_string()))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(added, expected);
    assert_eq!(added[0].1, "accepted");
    // The running stages are the case's active ones, with the index `complete_stage` takes.
    let running: Vec<(usize, String)> = reply["running_stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["index"].as_u64().unwrap() as usize,
                s["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    let active: Vec<(usize, String)> = stored
        .stages
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_active())
        .map(|(i, s)| (i, s.name.clone()))
        .collect();
    assert!(!active.is_empty(), "an accepted case has a running stage");
    assert_eq!(running, active);
    // A retry under the same key adds nothing and says so.
    let again = send("compact-1", None).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["events"], json!([]));
    assert_eq!(again.json()["version"], stored.version);
    // Asked for, the whole case (as `GET /cases/{n}` shows it), and the header says so.
    let full = send("compact-1", Some("respond-async, return=representation")).await;
    assert_eq!(full.status, StatusCode::OK);
    assert_eq!(
        full.headers.get("preference-applied").unwrap(),
        "return=representation"
    );
    let got = app.get(&format!("/api/v1/cases/{n}"), &clerk).await.json();
    assert_eq!(full.json(), got);
}

/// A command on a case this process wrote last starts from the copy it kept; a copy another writer
/// made stale never decides the outcome: the command runs again on the stored case.
async fn a_stale_kept_case_never_decides_a_command(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let rev = app.api_login(REVIEWER).await;
    let n = window_case(&app, FOOD, &clerk).await;
    let before_accept = app.store.get_case(&n).await.unwrap().unwrap();
    let compact = |s: &Session, command: serde_json::Value| {
        let (app, s, n) = (&app, s.clone(), n.clone());
        async move {
            app.post_json(
                &format!("/api/v1/cases/{n}/commands"),
                &s,
                &json!({ "command": command }),
            )
            .await
        }
    };
    let r = compact(&clerk, json!({ "action": "accept" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let stage = r.json()["running_stages"][0]["index"].as_u64().unwrap();
    let accepted = app.store.get_case(&n).await.unwrap().unwrap();
    assert_eq!(
        app.state.caches.hot_case(&n).map(|c| c.version),
        Some(accepted.version),
        "the written case is kept"
    );
    // Another writer's change, as this process sees it: its copy is from before acceptance.
    app.state.caches.keep_hot(&before_accept);
    // Acceptance again looks valid on the copy; on the stored case it is not, and nothing is
    // written.
    let again = compact(&clerk, json!({ "action": "accept" })).await;
    app.state.caches.forget_hot(&n);
    let fresh = compact(&clerk, json!({ "action": "accept" })).await;
    assert!(again.status.is_client_error(), "{}", again.text());
    assert_eq!(
        (again.status, again.json()["code"].clone()),
        (fresh.status, fresh.json()["code"].clone())
    );
    assert_eq!(
        app.store.get_case(&n).await.unwrap().unwrap().version,
        accepted.version
    );
    // A stage's review is refused on the stale copy (not started there) but right on the stored
    // case: it is done, once.
    app.state.caches.keep_hot(&before_accept);
    let r = compact(
        &rev,
        json!({ "action": "complete_stage", "index": stage, "approved": true }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let after = app.store.get_case(&n).await.unwrap().unwrap();
    assert_eq!(after.version, accepted.version + 1);
    assert!(after.stages[stage as usize].completed_on.is_some());
    assert_eq!(r.json()["version"], after.version);
    assert!(domain::case::verify_chain(&app.store.case_events(&n).await.unwrap()).is_ok());
}
