//! HTTP tests of the OpenAPI document: every routed operation is documented and every documented
//! one routed, API routes come only from the document, the reply contract check refuses what
//! breaks the document, and the operations no other story reaches answer as documented. The
//! backend tests run on SQLite and on PostgreSQL.

mod common;

use axum::http::{Method, StatusCode};
use common::{anon, web_sources, TestApp};
use demo::*;
use serde_json::json;

both_backends!(
    openapi_documents_every_routed_operation,
    the_remaining_operations_answer_as_documented,
);

/// Both directions: every documented operation is routed, and every method a documented path
/// answers is documented (an undocumented one is 405). Routes outside the document are refused
/// by the source check `api_routes_come_from_the_document` and by `common::contract`, which fails
/// any suite that gets an answer from an undocumented operation.
async fn openapi_documents_every_routed_operation(app: TestApp) {
    let doc = app.get("/api/v1/openapi.json", &anon()).await.json();
    assert_eq!(
        &doc,
        yizhan_web::api::openapi::document(),
        "served = generated"
    );
    assert_eq!(doc["openapi"], "3.1.0");
    let s = app.api_login(ADMIN).await;
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 30, "{} paths", paths.len());
    let mut ids = std::collections::BTreeSet::new();
    for (path, ops) in paths {
        let concrete = path
            .replace("{code}", "X")
            .replace("{id}", "1")
            .replace("{number}", "X")
            .replace("{index}", "0")
            .replace("{version}", "1");
        for m in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
        ] {
            let op = ops.get(m.as_str().to_ascii_lowercase());
            // An empty JSON body: the handler may refuse it, but the route must exist.
            let r = app
                .request(
                    m.clone(),
                    &format!("/api/v1{concrete}"),
                    &s,
                    Some("application/json"),
                    b"{}".to_vec(),
                    true,
                )
                .await;
            match op {
                Some(op) => {
                    assert!(
                        ids.insert(op["operationId"].as_str().unwrap().to_string()),
                        "operationId {} is used twice",
                        op["operationId"]
                    );
                    assert!(
                        op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                        "{m} {path} has no summary"
                    );
                    assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{m} {path}");
                    if r.status == StatusCode::NOT_FOUND {
                        assert_ne!(
                            r.json()["message"],
                            "接口不存在",
                            "{m} {path} is documented but not routed"
                        );
                    }
                }
                None => assert_eq!(
                    r.status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{m} {path} is routed but not documented"
                ),
            }
        }
    }
    // The operations the old hand-written document had lost are there now.
    let commands: Vec<&str> = doc["components"]["schemas"]["Command"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["properties"]["action"]["enum"][0].as_str())
        .collect();
    for action in [
        "update_draft",
        "forward",
        "assess_fees",
        "decide",
        "deliver",
    ] {
        assert!(commands.contains(&action), "{action} missing: {commands:?}");
    }
    for path in [
        "/feedback/statistics",
        "/feedback/complaints",
        "/feedback/overdue",
    ] {
        assert!(paths.contains_key(path), "{path} undocumented");
    }
    // Every 200 reply has a schema or a named content type.
    for (path, ops) in paths {
        for (m, op) in ops.as_object().unwrap() {
            for (status, reply) in op["responses"].as_object().unwrap() {
                if status.starts_with('2') {
                    assert!(
                        reply["content"].as_object().is_some_and(|c| !c.is_empty()),
                        "{m} {path} {status} has no content"
                    );
                }
            }
        }
    }
    // Replies never carry the stored record's internals.
    let text = doc.to_string();
    for internal in [
        "password_hash",
        "recent_keys",
        "last_hash",
        "token_hash",
        "failed_logins",
    ] {
        assert!(
            !text.contains(internal),
            "{internal} is in the API document"
        );
    }
}

/// The other half of "every route documented": an API route can only be added through
/// `utoipa_axum::routes!`, which takes its path from the handler's `#[utoipa::path]`. Plain axum
/// registration (`.route`, `.route_service`, `.nest`) is refused in `api/`, and no page module may
/// register a path under `/api`.
#[test]
fn api_routes_come_from_the_document() {
    let files = web_sources();
    assert!(files.len() > 10);
    let mut checked_api = 0;
    for (rel, text) in files {
        let compact: String = text.split_whitespace().collect();
        assert!(
            !compact.contains(".route(\"/api"),
            "{rel} registers an /api route outside the document"
        );
        if rel.starts_with("api/") {
            checked_api += 1;
            for plain in [".route(", ".route_service(", ".nest(", ".nest_service("] {
                assert!(
                    !compact.contains(plain),
                    "{rel} uses {plain}: API routes come from routes!(handler) only"
                );
            }
        }
    }
    assert!(checked_api >= 8, "the api modules were found");
}

/// The reply check itself refuses what breaks the document, so the suites' silence means something.
#[test]
fn the_contract_check_refuses_replies_that_break_the_document() {
    use axum::http::{header, HeaderMap, HeaderValue};
    let mut json_headers = HeaderMap::new();
    json_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let fails = |method: Method, uri: &str, status: StatusCode, body: &str| {
        let h = json_headers.clone();
        let body = body.as_bytes().to_vec();
        let uri = uri.to_string();
        std::panic::catch_unwind(move || {
            common::contract::check_exchange(&method, &uri, None, b"", status, &h, &body)
        })
        .is_err()
    };
    let me = r#"{"user":{"id":1,"username":"a","display_name":"A","phone":"","home_region":"441302000000","active":true,"locked_until":null,"created_at":"2026-03-02T02:00:00Z","grants":[]},"csrf_token":"t","second_factor":null,"password_change_due":false}"#;
    assert!(!fails(Method::GET, "/api/v1/me", StatusCode::OK, me));
    // A field of the wrong type, a missing required field, an undocumented status, an
    // undocumented method, an unknown path that is not the API's own 404.
    assert!(fails(
        Method::GET,
        "/api/v1/me",
        StatusCode::OK,
        &me.replace(r#""active":true"#, r#""active":"yes""#)
    ));
    assert!(fails(
        Method::GET,
        "/api/v1/me",
        StatusCode::OK,
        &me.replace(r#","csrf_token":"t""#, "")
    ));
    assert!(fails(
        Method::GET,
        "/api/v1/me",
        StatusCode::IM_A_TEAPOT,
        "{}"
    ));
    assert!(fails(Method::PATCH, "/api/v1/me", StatusCode::OK, me));
    assert!(fails(Method::GET, "/api/v1/nowhere", StatusCode::OK, "{}"));
    assert!(!fails(
        Method::GET,
        "/api/v1/nowhere",
        StatusCode::NOT_FOUND,
        r#"{"code":"not_found","message":"接口不存在"}"#
    ));
    // The template with the most literal segments wins.
    assert_eq!(
        common::contract::template_of("/catalog/export"),
        Some("/catalog/export")
    );
    assert_eq!(
        common::contract::template_of("/catalog/X1"),
        Some("/catalog/{code}")
    );
}

/// The operations no other story reaches with a success, so their documented replies are checked
/// (by `common::contract`) against real answers too.
async fn the_remaining_operations_answer_as_documented(app: TestApp) {
    let admin = app.api_login(ADMIN).await;
    let r = app
        .get(&format!("/api/v1/regions/{TOWNSHIP_A}"), &admin)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["code"], TOWNSHIP_A);
    assert_eq!(r.json()["parent"], COUNTY);

    let r = app
        .get(&format!("/api/v1/catalog/{ITEM_GETIHU}/versions"), &admin)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let versions = r.json();
    assert!(
        versions.as_array().unwrap().len() >= 2,
        "the demo has a draft v2"
    );

    let r = app
        .post_json(
            "/api/v1/departments",
            &admin,
            &json!({ "region_code": TOWNSHIP_A, "code": "nyj", "name": "农业农村办" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["code"], "nyj");

    let m = app.api_login(MGR_TOWNSHIP_A).await;
    let r = app
        .post_json(
            "/api/v1/users",
            &m,
            &json!({ "username": "doc.clerk", "display_name": "新同事", "password": "Xinyuan-7319",
                     "home_region": TOWNSHIP_A, "grants": [{ "role": "window_clerk", "region_code": TOWNSHIP_A }] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let r = app.get(&format!("/api/v1/users/{id}"), &m).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["username"], "doc.clerk");
    let sec = app.api_login(SECURITY_ADMIN).await;
    let r = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/users/{id}/grants"),
            &sec,
            &json!([{ "role": "window_clerk", "region_code": TOWNSHIP_A },
                    { "role": "reviewer", "region_code": TOWNSHIP_A }]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["grants"].as_array().unwrap().len(), 2);
}
