//! Checkpoints over HTTP, on SQLite and PostgreSQL (issue 16, part 2): anyone reads them (API and
//! a printable page), only an administrator or a supervisor seals one on demand, the exported file
//! checks the database, and a broken record raises an alarm on the city supervisors' monitor.

mod common;

use axum::http::StatusCode;
use common::{Session, TestApp};
use demo::*;
use serde_json::json;

both_backends!(
    checkpoints_are_public_and_sealed_by_staff,
    a_broken_record_raises_the_alarm_on_the_city_monitor,
);

async fn checkpoints_are_public_and_sealed_by_staff(app: TestApp) {
    let anon = Session::default();
    assert_eq!(
        app.get("/api/v1/checkpoints/latest", &anon).await.status,
        StatusCode::NOT_FOUND,
        "none sealed yet"
    );
    let page = app.get("/checkpoints", &anon).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("尚未生成检查点"));

    // Sealing is for administrators and supervisors.
    assert_eq!(
        app.post_json("/api/v1/checkpoints", &anon, &json!({}))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let clerk = app.api_login("clerk.yunxi.scjg").await;
    // One case filed at a window: its log and its day's number counter are what gets sealed.
    let id = domain::identity::complete_resident_id("33992119850312262").unwrap();
    let filed = app
        .post_json(
            "/api/v1/cases",
            &clerk,
            &json!({ "item_code": ITEM_FOOD_LICENSE,
                     "applicant": { "kind": "person", "name": "周立新", "id_number": id, "phone": "13905781001" } }),
        )
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text());
    assert_eq!(
        app.post_json("/api/v1/checkpoints", &clerk, &json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let sup = app.api_login(SUP_CITY).await;
    let r = app.post_json("/api/v1/checkpoints", &sup, &json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let first = r.json();
    assert_eq!(first["seq"], 1);
    assert_eq!(first["tree_size"], 2, "the case and its counter are sealed");
    let admin = app.api_login(ADMIN).await;
    let second = app
        .post_json("/api/v1/checkpoints", &admin, &json!({}))
        .await
        .json();
    assert_eq!(second["seq"], 2);
    assert_eq!(
        second["tree_size"], first["tree_size"],
        "nothing moved in between"
    );

    // Anyone reads them back.
    assert_eq!(
        app.get("/api/v1/checkpoints/latest", &anon).await.json(),
        second
    );
    assert_eq!(app.get("/api/v1/checkpoints/1", &anon).await.json(), first);
    for missing in ["/api/v1/checkpoints/3", "/api/v1/checkpoints/abc"] {
        assert_eq!(app.get(missing, &anon).await.status, StatusCode::NOT_FOUND);
    }
    let page = app.get("/checkpoints", &anon).await.text();
    assert!(page.contains("最新检查点:第 2 号"), "{page}");
    let root = second["root"].as_str().unwrap();
    assert!(page.contains(&root[..8]), "the root is printed");

    // The exported file checks the database: nothing found, signatures checked with its keys.
    let export: app::checkpoints::Export =
        serde_json::from_slice(&app.get("/api/v1/checkpoints/export", &anon).await.body).unwrap();
    assert_eq!(export.checkpoints.len(), 2);
    let trust = app::verify::Trust {
        keys: &[],
        outside: Some(&export),
    };
    let report = app::verify::run(app.store.as_ref(), chrono::Utc::now(), &trust)
        .await
        .unwrap();
    assert!(report.signatures_checked);
    assert_eq!(report.findings, vec![]);
    assert_eq!(report.checkpoints, 2);
}

async fn a_broken_record_raises_the_alarm_on_the_city_monitor(app: TestApp) {
    let city = app.page_login(SUP_CITY).await;
    let county = app.page_login(SUP_COUNTY).await;
    assert!(!app
        .get("/supervision", &city)
        .await
        .text()
        .contains("记录完整性告警"));

    // A checkpoint whose signature this server's keys do not check: forged with another key.
    let thief = crypto::SoftProvider::ephemeral(app.state.suite);
    app::checkpoints::seal_with(app.store.as_ref(), &thief, chrono::Utc::now())
        .await
        .unwrap();
    let found = app::checkpoints::check_and_alarm(&app.state).await.unwrap();
    assert_eq!(
        found,
        vec![app::verify::Finding::CheckpointSignature { seq: 1 }]
    );
    let page = app.get("/supervision", &city).await.text();
    assert!(page.contains("记录完整性告警"), "{page}");
    assert!(page.contains("第 1 号检查点的签名"), "{page}");
    // A county's supervisors watch their county, not the record.
    assert!(!app
        .get("/supervision", &county)
        .await
        .text()
        .contains("记录完整性告警"));

    // A good checkpoint after it: the latest checks again, and the alarm clears.
    app::checkpoints::seal(&app.state).await.unwrap();
    assert_eq!(
        app::checkpoints::check_and_alarm(&app.state).await.unwrap(),
        vec![]
    );
    assert!(!app
        .get("/supervision", &city)
        .await
        .text()
        .contains("记录完整性告警"));
}
