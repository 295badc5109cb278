//! Personal data at rest, at the window (issue 16, part 6), on SQLite and PostgreSQL: no ID number
//! is stored in clear, yet a clerk finds a person's cases by it (a keyed blind index) — by API and
//! page, posted so the number is in no URL, only among the cases the clerk may see.

mod common;

use axum::http::StatusCode;
use common::cases::*;
use common::TestApp;
use demo::*;
use serde_json::json;

both_backends!(a_clerk_finds_a_persons_cases_by_id_number);

fn numbers(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_str().unwrap().to_string())
        .collect()
}

async fn a_clerk_finds_a_persons_cases_by_id_number(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let first = window_case(&app, FOOD, &clerk).await;
    let second = window_case(&app, FOOD, &clerk).await;
    let id = person_id();
    let lookup = "/api/v1/cases/by-id-number";

    // Typed with spaces and a lower-case check letter, as at a window; newest first.
    let typed = format!(" {} ", id.to_lowercase());
    let r = app
        .post_json(lookup, &clerk, &json!({ "id_number": typed }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let found = numbers(&r.json());
    assert_eq!(found[..2], [second.clone(), first.clone()], "{found:?}");

    // Another person's number finds none of them.
    let other = domain::identity::complete_resident_id("11010519491231002").unwrap();
    let r = app
        .post_json(lookup, &clerk, &json!({ "id_number": other }))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!numbers(&r.json()).contains(&first));

    // A clerk of another township sees only the cases they may see: not these.
    let elsewhere = app.api_login(CLERK_TOWNSHIP_B).await;
    let r = app
        .post_json(lookup, &elsewhere, &json!({ "id_number": id }))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let seen = numbers(&r.json());
    assert!(
        !seen.contains(&first) && !seen.contains(&second),
        "{seen:?}"
    );

    // An applicant may not search people by ID number.
    let citizen = app.api_login(CITIZEN).await;
    let r = app
        .post_json(lookup, &citizen, &json!({ "id_number": id }))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());

    // Nothing typed: a field error, in Chinese, with its code.
    let r = app
        .post_json(lookup, &clerk, &json!({ "id_number": "  " }))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let e = r.json();
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("invalid_id_number"), Some("id_number"))
    );

    // The page: the workbench offers the lookup as a posted form, and its answer lists the cases.
    let s = app.page_login(CLERK).await;
    let bench = app.get("/cases", &s).await.text();
    assert!(
        bench.contains(r#"method="post" action="/cases/by-id-number""#),
        "{bench}"
    );
    let r = app
        .post_form("/cases/by-id-number", &s, &[("id_number", &id)], true)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let page = r.text();
    assert!(page.contains(&first) && page.contains(&second), "{page}");
    let r = app
        .post_form("/cases/by-id-number", &s, &[("id_number", "")], true)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("请输入18位身份证号码或统一社会信用代码"));
}
