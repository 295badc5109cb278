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
    each_audited_action_writes_one_entry_that_only_the_auditor_reads,
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
    assert_eq!(
        first["tree_size"], 3,
        "the case, its day's counter and the audit log's head are sealed"
    );
    let admin = app.api_login(ADMIN).await;
    let second = app
        .post_json("/api/v1/checkpoints", &admin, &json!({}))
        .await
        .json();
    assert_eq!(second["seq"], 2);
    assert_eq!(
        second["tree_size"].as_u64().unwrap(),
        first["tree_size"].as_u64().unwrap() + 1,
        "only the audit log moved in between (the first seal and a sign-in were recorded)"
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

    // The filed case's inclusion proof checks against the checkpoint's root, and only there.
    let number = filed.json()["filing"]["number"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .get(&format!("/api/v1/checkpoints/2/proof/{number}"), &anon)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mut p: app::checkpoints::InclusionProof = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(p.leaf.subject, number);
    assert!(p.holds());
    p.leaf.seq += 1;
    assert!(!p.holds(), "another leaf does not prove");
    for missing in [
        format!("/api/v1/checkpoints/9/proof/{number}"),
        "/api/v1/checkpoints/2/proof/3399211020012026030299999".to_string(),
        "/api/v1/checkpoints/2/proof/abc".to_string(),
    ] {
        assert_eq!(
            app.get(&missing, &anon).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }

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

/// The audit entries after `after`, as (action, outcome, actor).
async fn audited(app: &TestApp, after: u64) -> Vec<(String, String, String)> {
    let f = store::record::AuditFilter {
        after_seq: after,
        limit: 1000,
        ..Default::default()
    };
    store::record::RecordStore::audit_entries(app.store.as_ref(), &f)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.action.as_str().to_string(),
                e.outcome.as_str().to_string(),
                e.actor,
            )
        })
        .collect()
}

async fn head(app: &TestApp) -> u64 {
    store::record::RecordStore::audit_head(app.store.as_ref())
        .await
        .unwrap()
        .map_or(0, |h| h.0)
}

fn e(action: &str, outcome: &str, actor: &str) -> (String, String, String) {
    (action.into(), outcome.into(), actor.into())
}

async fn each_audited_action_writes_one_entry_that_only_the_auditor_reads(app: TestApp) {
    let start = head(&app).await;
    // Sign-in: success (the administrator binds an authenticator at the first), a wrong
    // password, an unknown name.
    let admin = app.api_login(ADMIN).await;
    assert_eq!(
        app.try_api_login(ADMIN, "wrong-password").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.try_api_login("nobody.here", "x").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        audited(&app, start).await,
        vec![
            e("sign_in", "success", ADMIN),
            e("second_factor_enrolled", "success", ADMIN),
            e("sign_in", "failure", ADMIN),
            e("sign_in", "failure", "nobody.here"),
        ]
    );
    // Five failures lock an account: the fifth also records the lock.
    let mark = head(&app).await;
    for _ in 0..5 {
        app.try_api_login(CLERK_TOWNSHIP_B, "wrong-password").await;
    }
    let locked = audited(&app, mark).await;
    assert_eq!(locked.len(), 6, "{locked:?}");
    assert_eq!(locked[5], e("account_locked", "success", CLERK_TOWNSHIP_B));
    // Accounts: created, granted (by the security administrator, 三员分立), deactivated, activated.
    let sec = app.api_login(SECURITY_ADMIN).await;
    let mark = head(&app).await;
    let created = app
        .post_json(
            "/api/v1/users",
            &admin,
            &json!({ "username": "clerk.audit.test", "display_name": "测试窗口", "password": "Yizhan-2026-ok",
                     "home_region": TOWNSHIP_A,
                     "grants": [{ "role": "window_clerk", "region_code": TOWNSHIP_A }] }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let id = created.json()["id"].as_i64().unwrap();
    let r = app
        .send_json(
            axum::http::Method::PUT,
            &format!("/api/v1/users/{id}/grants"),
            &sec,
            &json!([{ "role": "reviewer", "region_code": TOWNSHIP_A }]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    for active in [false, true] {
        let r = app
            .send_json(
                axum::http::Method::PUT,
                &format!("/api/v1/users/{id}/active"),
                &admin,
                &json!({ "active": active }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    // Settings and rules, catalog publication, the calendar: through their use cases.
    let admin_user = app.store.find_user(ADMIN).await.unwrap().unwrap();
    app::supervision::save_weights(&app.state, &admin_user, &Default::default())
        .await
        .unwrap();
    let food = domain::ItemCode::parse(ITEM_FOOD_LICENSE).unwrap();
    let current = app
        .store
        .get_published(ITEM_FOOD_LICENSE)
        .await
        .unwrap()
        .unwrap();
    let draft = app::catalog::new_draft_from(&app.state, &admin_user, &food, current.version)
        .await
        .unwrap();
    app::catalog::publish_checked(&app.state, &admin_user, &food, draft.version)
        .await
        .unwrap();
    let csv = "date,kind,name\n2031-01-01,holiday,元旦\n";
    let r = app
        .post_json("/api/v1/calendar/import", &admin, &json!({ "csv": csv }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // The record: a verify run and a checkpoint.
    assert_eq!(
        app.post_json("/api/v1/admin/verify", &admin, &json!({}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.post_json("/api/v1/checkpoints", &admin, &json!({}))
            .await
            .status,
        StatusCode::CREATED
    );
    let r = app
        .send_json(
            axum::http::Method::DELETE,
            "/api/v1/session",
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let entries = audited(&app, mark).await;
    assert_eq!(
        entries[1],
        e("grants_changed", "success", SECURITY_ADMIN),
        "the grant change is the security administrator's"
    );
    let actions: Vec<String> = entries.into_iter().map(|x| x.0).collect();
    assert_eq!(
        actions,
        [
            "user_created",
            "grants_changed",
            "user_deactivated",
            "user_activated",
            "settings_changed",
            "catalog_published",
            "calendar_imported",
            "verify_run",
            "checkpoint_sealed",
            "sign_out",
        ]
    );

    // Only the auditor reads it: not the administrator, not a supervisor, not anyone signed out.
    let admin = app.api_login(ADMIN).await;
    let sup = app.api_login(SUP_CITY).await;
    for s in [&admin, &sup] {
        assert_eq!(
            app.get("/api/v1/audit", s).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get("/api/v1/audit/export", s).await.status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        app.get("/api/v1/audit", &Session::default()).await.status,
        StatusCode::UNAUTHORIZED
    );
    let admin_page = app.page_login(ADMIN).await;
    assert_eq!(
        app.get("/admin/audit", &admin_page).await.status,
        StatusCode::FORBIDDEN
    );
    let auditor = app.api_login(AUDITOR).await;
    let r = app.get("/api/v1/audit?action=user_created", &auditor).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let rows = r.json();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["object"], format!("user:{id}"));
    assert_eq!(rows[0]["actor"], ADMIN);
    let page = app.page_login(AUDITOR).await;
    let html = app
        .get("/admin/audit?from=&until=&actor=admin&action=", &page)
        .await;
    assert_eq!(html.status, StatusCode::OK, "{}", html.text());
    assert!(html.text().contains("变更角色授权"));
    // The export is a workbook, and is itself recorded.
    let before = head(&app).await;
    let x = app.get("/admin/audit.xlsx?actor=admin", &page).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.body.starts_with(b"PK"), "an xlsx is a zip");
    let after = audited(&app, before).await;
    assert_eq!(after.last().unwrap().0, "personal_data_exported");

    // The whole log still chains and the record verifies.
    let report = app::verify::run(
        app.store.as_ref(),
        chrono::Utc::now(),
        &app::verify::Trust::default(),
    )
    .await
    .unwrap();
    assert_eq!(report.findings, vec![]);
    assert!(report.audit_entries >= 20);
}
