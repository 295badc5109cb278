//! HTTP tests of the foundation: access by role and subtree over the API and the pages, CSRF,
//! login lockout, catalog drafts/publishing/import/export, calendar, OpenAPI. Every test runs on
//! SQLite and on PostgreSQL.

mod common;

use axum::http::{Method, StatusCode};
use common::{Session, TestApp};
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
    catalog_draft_validation_and_publishing,
    catalog_round_trips_through_excel_and_rejects_bad_files,
    calendar_arithmetic_import_and_permissions,
    users_are_created_only_within_the_granters_rights,
    openapi_documents_every_routed_operation,
    bad_input_gets_a_4xx_with_a_field,
    catalog_search_understands_pinyin_and_maintained_synonyms,
    an_import_cannot_take_over_another_regions_item,
    the_remaining_operations_answer_as_documented,
);

fn anon() -> Session {
    Session::default()
}

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

fn draft_item(code: &str, region: &str) -> serde_json::Value {
    json!({
        "code": code, "version": 1, "status": "draft", "implementation_code": "", "name": "测试事项",
        "item_type": "licensing", "kind": "promised", "region_code": region, "department": "scjg",
        "accept_levels": ["township"], "decide_level": "township", "legal_basis": "《行政许可法》",
        "conditions": "符合条件", "materials": [{"name": "申请书", "form": "original", "count": 1, "mandatory": true}],
        "stages": [{"name": "受理", "department": "scjg", "limit_days": 1}, {"name": "审查", "department": "scjg", "limit_days": 3}],
        "statutory_limit_days": 20, "promised_limit_days": 5, "fees": [], "place": "便民服务中心", "hours": "工作日",
        "responsible_unit": "镇政府", "responsible_person": "张三", "consult_phone": "12345", "complaint_phone": "12345",
        "online": "window_only", "visits": 1, "service_objects": ["person"], "themes": ["测试"]
    })
}

async fn catalog_draft_validation_and_publishing(app: TestApp) {
    let s = app.api_login(MGR_TOWNSHIP_A).await;
    let mut bad = draft_item("T-001", TOWNSHIP_A);
    bad["promised_limit_days"] = json!(25);
    let r = app.post_json("/api/v1/catalog", &s, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errs = r.json()["errors"].as_array().unwrap().clone();
    assert!(
        errs.iter()
            .any(|e| e["field"] == "promised_limit_days"
                && e["code"] == "promised_exceeds_statutory"),
        "{errs:?}"
    );
    // Stages longer than the promise are refused.
    let mut long = draft_item("T-001", TOWNSHIP_A);
    long["stages"][1]["limit_days"] = json!(9);
    assert_eq!(
        app.post_json("/api/v1/catalog", &s, &long).await.json()["errors"][0]["code"],
        "stages_exceed_promised"
    );
    // Another township's item is out of reach.
    assert_eq!(
        app.post_json("/api/v1/catalog", &s, &draft_item("T-002", TOWNSHIP_B))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Save, publish, then a new version supersedes it.
    assert_eq!(
        app.post_json("/api/v1/catalog", &s, &draft_item("T-001", TOWNSHIP_A))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.get("/api/v1/catalog/T-001", &anon()).await.status,
        StatusCode::NOT_FOUND,
        "drafts are not public"
    );
    assert_eq!(
        app.get("/api/v1/catalog/T-001/versions/1", &anon())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post_json("/api/v1/catalog/T-001/versions/1/publish", &s, &json!({}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/catalog/T-001", &anon()).await.json()["version"],
        1
    );
    let frozen = app
        .post_json("/api/v1/catalog", &s, &draft_item("T-001", TOWNSHIP_A))
        .await;
    assert_eq!(frozen.status, StatusCode::CONFLICT);
    assert_eq!(frozen.json()["code"], "version_frozen");
    let mut v2 = draft_item("T-001", TOWNSHIP_A);
    v2["version"] = json!(2);
    v2["promised_limit_days"] = json!(4);
    assert_eq!(
        app.post_json("/api/v1/catalog", &s, &v2).await.status,
        StatusCode::CREATED
    );
    app.post_json("/api/v1/catalog/T-001/versions/2/publish", &s, &json!({}))
        .await;
    let v1 = app
        .get("/api/v1/catalog/T-001/versions/1", &anon())
        .await
        .json();
    assert_eq!(v1["status"], "superseded");
    assert_eq!(
        v1["promised_limit_days"], 5,
        "a superseded version keeps its content for the cases filed under it"
    );
    assert_eq!(
        app.get("/api/v1/catalog/T-001", &anon()).await.json()["promised_limit_days"],
        4
    );
    // The HTML editor reports field errors in place.
    let ps = app.page_login(MGR_TOWNSHIP_A).await;
    let r = app
        .post_form(
            "/admin/catalog",
            &ps,
            &[
                ("is_new", "1"),
                ("code", "T-003"),
                ("version", "1"),
                ("name", ""),
                ("item_type", "licensing"),
                ("kind", "promised"),
                ("region_code", TOWNSHIP_A),
                ("statutory_limit_days", "20"),
                ("promised_limit_days", "30"),
                ("visits", "1"),
                ("online", "window_only"),
                ("decide_level", "township"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text();
    assert!(
        page.contains("事项名称不能为空")
            && page.contains("承诺时限(30个工作日)不能超过法定时限(20个工作日)"),
        "{page}"
    );
}

async fn catalog_round_trips_through_excel_and_rejects_bad_files(app: TestApp) {
    let s = app.api_login(ADMIN).await;
    let before = app.get("/api/v1/catalog?status=all", &s).await.json();
    let xlsx = app.get("/api/v1/catalog/export?format=xlsx", &s).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with(b"PK"), "an xlsx is a zip");
    let r = app
        .request(
            Method::POST,
            "/api/v1/catalog/import?format=xlsx",
            &s,
            Some("application/octet-stream"),
            xlsx.body.clone(),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let summary = r.json();
    assert_eq!(summary["inserted"], 0);
    assert_eq!(summary["updated"], 0);
    assert!(summary["unchanged"].as_u64().unwrap() >= 40);
    assert_eq!(
        app.get("/api/v1/catalog?status=all", &s).await.json(),
        before
    );
    let csv = app.get("/api/v1/catalog/export?format=csv", &s).await;
    let r = app
        .request(
            Method::POST,
            "/api/v1/catalog/import?format=csv",
            &s,
            Some("text/csv"),
            csv.body.clone(),
            true,
        )
        .await;
    assert_eq!(r.json()["inserted"], 0, "{}", r.text());
    // Exporting again gives the same bytes: nothing was lost.
    assert_eq!(
        app.get("/api/v1/catalog/export?format=csv", &s).await.body,
        csv.body
    );
    // A broken file names its cells and imports nothing.
    let text = String::from_utf8(csv.body.clone()).unwrap();
    let broken = text.replacen("承诺件", "不存在的类型", 1);
    assert_ne!(broken, text);
    let r = app
        .request(
            Method::POST,
            "/api/v1/catalog/import?format=csv",
            &s,
            Some("text/csv"),
            broken.into_bytes(),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let cells = r.json()["cells"].as_array().unwrap().clone();
    assert!(
        !cells.is_empty()
            && cells[0]["row"].as_u64().unwrap() >= 2
            && !cells[0]["column"].as_str().unwrap().is_empty(),
        "{cells:?}"
    );
    assert_eq!(
        app.get("/api/v1/catalog?status=all", &s).await.json(),
        before
    );
    // A township manager cannot import another township's items.
    let m = app.api_login(MGR_TOWNSHIP_B).await;
    let r = app
        .request(
            Method::POST,
            "/api/v1/catalog/import?format=csv",
            &m,
            Some("text/csv"),
            csv.body,
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn calendar_arithmetic_import_and_permissions(app: TestApp) {
    // 2025-09-30 + 5 working days crosses 国庆 (10-01..10-08 off, 10-11 Saturday is a working day).
    let r = app
        .get(
            "/api/v1/calendar/add-working-days?date=2025-09-30&n=5",
            &anon(),
        )
        .await
        .json();
    assert_eq!(r["date"], "2025-10-14");
    assert_eq!(r["unscheduled_years"].as_array().unwrap().len(), 0);
    let r = app
        .get(
            "/api/v1/calendar/add-working-days?date=2026-12-20&n=20",
            &anon(),
        )
        .await
        .json();
    assert_eq!(r["unscheduled_years"], json!([2027]));
    // The demo closes 石桥镇 on 2026-07-15 (a Wednesday): its deadlines move one day.
    let base = app
        .get(
            "/api/v1/calendar/add-working-days?date=2026-07-14&n=1",
            &anon(),
        )
        .await
        .json();
    let closed = app
        .get(
            &format!("/api/v1/calendar/add-working-days?date=2026-07-14&n=1&region={VILLAGE_A}"),
            &anon(),
        )
        .await
        .json();
    assert_eq!(base["date"], "2026-07-15");
    assert_eq!(closed["date"], "2026-07-16");
    let bad = app
        .get(
            "/api/v1/calendar/add-working-days?date=2026-13-01&n=1",
            &anon(),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["field"], "date");
    // Only a network-wide administrator loads the schedule; the admin page warns about 2027.
    let csv = "date,kind,name\n2027-01-01,holiday,元旦\n";
    let m = app.api_login(MGR_TOWNSHIP_A).await;
    assert_eq!(
        app.post_json("/api/v1/calendar/import", &m, &json!({ "csv": csv }))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 2, 2, 0, 0).unwrap());
    let ps = app.page_login(ADMIN).await;
    assert!(app
        .get("/admin", &ps)
        .await
        .text()
        .contains("2027年的节假日安排尚未导入"));
    let a = app.api_login(ADMIN).await;
    let r = app
        .post_json(
            "/api/v1/calendar/import",
            &a,
            &json!({ "csv": "date,kind,name\n2027-13-01,holiday,x\n2027-01-01,weird,y\n" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"].as_array().unwrap().len(), 2);
    let r = app
        .post_json("/api/v1/calendar/import", &a, &json!({ "csv": csv }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(!app
        .get("/admin", &ps)
        .await
        .text()
        .contains("2027年的节假日安排尚未导入"));
    // 2026-12-31 (Thu) + 1: 2027-01-01 is now a holiday, so the next working day is Mon 01-04.
    let r = app
        .get(
            "/api/v1/calendar/add-working-days?date=2026-12-31&n=1",
            &anon(),
        )
        .await
        .json();
    assert_eq!(r["date"], "2027-01-04");
}

async fn users_are_created_only_within_the_granters_rights(app: TestApp) {
    let m = app.api_login(MGR_TOWNSHIP_A).await;
    let new = |username: &str, role: &str, region: &str| {
        json!({ "username": username, "display_name": "新同事", "phone": "13800000000", "password": "abc12345",
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
        app.try_api_login("new.clerk", "abc12345").await.status,
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
    let victim = app.api_login_with("new.clerk", "abc12345").await;
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

async fn catalog_search_understands_pinyin_and_maintained_synonyms(app: TestApp) {
    for q in ["建房", "jf", "jianfang", "宅基地见房"] {
        let page = app
            .get(&format!("/catalog?q={}", urlencode(q)), &anon())
            .await
            .text();
        let first = page.split("<tbody>").nth(1).unwrap_or("");
        assert!(
            first.contains("农村宅基地建房审批"),
            "{q} finds the homestead item"
        );
    }
    let none = app
        .get(&format!("/catalog?q={}", urlencode("盖楼")), &anon())
        .await
        .text();
    assert!(!none
        .split("<tbody>")
        .nth(1)
        .unwrap_or("")
        .contains("农村宅基地建房审批"));
    let admin = app.page_login(ADMIN).await;
    let r = app
        .post_form(
            "/admin/catalog/synonyms",
            &admin,
            &[("synonyms", "盖楼=宅基地、建房\n开店=个体工商户")],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = app
        .get(&format!("/catalog?q={}", urlencode("盖楼")), &anon())
        .await
        .text();
    assert!(
        page.split("<tbody>")
            .nth(1)
            .unwrap()
            .contains("农村宅基地建房审批"),
        "the new synonym works at once"
    );
    let bad = app
        .post_form(
            "/admin/catalog/synonyms",
            &admin,
            &[("synonyms", "没有等号")],
            true,
        )
        .await;
    assert!(bad.status.is_client_error());
    let mgr = app.page_login(MGR_TOWNSHIP_A).await;
    assert_eq!(
        app.post_form(
            "/admin/catalog/synonyms",
            &mgr,
            &[("synonyms", "a=b")],
            true
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .unwrap()
        .trim_start_matches('=')
        .to_string()
}

async fn an_import_cannot_take_over_another_regions_item(app: TestApp) {
    // Township A owns a published item.
    let a = app.api_login(MGR_TOWNSHIP_A).await;
    assert_eq!(
        app.post_json("/api/v1/catalog", &a, &draft_item("T-900", TOWNSHIP_A))
            .await
            .status,
        StatusCode::CREATED
    );
    app.post_json("/api/v1/catalog/T-900/versions/1/publish", &a, &json!({}))
        .await;
    // Township B rewrites it in a file as its own, as a new published version.
    let mut item: domain::CatalogItem =
        serde_json::from_value(app.get("/api/v1/catalog/T-900", &anon()).await.json()).unwrap();
    item.region_code = domain::RegionCode::parse(TOWNSHIP_B).unwrap();
    item.version = 2;
    item.name = "被冒名修改".into();
    let csv = catalog_io::export(&[item], catalog_io::Format::Csv).unwrap();
    let b = app.api_login(MGR_TOWNSHIP_B).await;
    let r = app
        .request(
            Method::POST,
            "/api/v1/catalog/import?format=csv",
            &b,
            Some("text/csv"),
            csv,
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let now = app.get("/api/v1/catalog/T-900", &anon()).await.json();
    assert_eq!(now["version"], 1);
    assert_eq!(now["region_code"], TOWNSHIP_A);
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

/// Every `.rs` file under `crates/web/src`: its path from there and its text.
fn web_sources() -> Vec<(String, String)> {
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
    let me = r#"{"user":{"id":1,"username":"a","display_name":"A","phone":"","home_region":"441302000000","active":true,"locked_until":null,"created_at":"2026-03-02T02:00:00Z","grants":[]},"csrf_token":"t"}"#;
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
            &json!({ "username": "doc.clerk", "display_name": "新同事", "password": "abc12345",
                     "home_region": TOWNSHIP_A, "grants": [{ "role": "window_clerk", "region_code": TOWNSHIP_A }] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let r = app.get(&format!("/api/v1/users/{id}"), &m).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["username"], "doc.clerk");
    let r = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/users/{id}/grants"),
            &m,
            &json!([{ "role": "window_clerk", "region_code": TOWNSHIP_A },
                    { "role": "reviewer", "region_code": TOWNSHIP_A }]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["grants"].as_array().unwrap().len(), 2);
}
