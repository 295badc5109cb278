//! Separated administrator roles (issue 17, part 4, 三员分立): the system administrator runs the
//! system, the security administrator changes roles and resets passwords, the auditor reads the
//! audit log; no account holds two of them. Every test runs on SQLite and on PostgreSQL.

mod common;

use axum::http::{Method, StatusCode};
use common::{Session, TestApp};
use demo::*;
use serde_json::{json, Value};

both_backends!(
    no_account_holds_two_administrator_roles,
    grant_changes_are_the_security_administrators,
    each_administrator_does_only_its_own_work,
    the_security_administrator_lifts_a_lock,
    the_people_page_searches_pages_and_edits,
);

fn grant(role: &str, region: &str) -> Value {
    json!({ "role": role, "region_code": region })
}

fn new_user(username: &str, grants: Value) -> Value {
    json!({ "username": username, "display_name": "新同事", "phone": "13800000000",
            "password": "Xinyuan-7319", "home_region": CITY, "grants": grants })
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    app.store.find_user(username).await.unwrap().unwrap().id
}

fn assert_not_separable(r: &common::Resp) {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let e = &r.json()["errors"][0];
    assert_eq!(e["field"], "grants", "{e}");
    assert_eq!(e["code"], "roles_not_separable", "{e}");
    assert!(e["message"].as_str().unwrap().contains("三员分立"), "{e}");
}

async fn no_account_holds_two_administrator_roles(app: TestApp) {
    let sec = app.api_login(SECURITY_ADMIN).await;
    // At creation.
    for (a, b) in [
        ("administrator", "auditor"),
        ("administrator", "security_administrator"),
        ("security_administrator", "auditor"),
    ] {
        let r = app
            .post_json(
                "/api/v1/users",
                &sec,
                &new_user("two.hats", json!([grant(a, CITY), grant(b, COUNTY)])),
            )
            .await;
        assert_not_separable(&r);
    }
    assert!(app.store.find_user("two.hats").await.unwrap().is_none());
    // One administrator role beside an ordinary one is fine.
    let r = app
        .post_json(
            "/api/v1/users",
            &sec,
            &new_user(
                "new.auditor",
                json!([grant("auditor", CITY), grant("supervisor", CITY)]),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // At a change: the auditor may not also become the security administrator, nor the system
    // administrator the auditor; their grants stay as they were.
    for (who, add) in [(AUDITOR, "security_administrator"), (ADMIN, "auditor")] {
        let id = user_id(&app, who).await;
        let before = app.store.get_user(id).await.unwrap().unwrap().grants;
        let held = before[0].role.as_str();
        let r = app
            .send_json(
                Method::PUT,
                &format!("/api/v1/users/{id}/grants"),
                &sec,
                &json!([grant(held, CITY), grant(add, CITY)]),
            )
            .await;
        assert_not_separable(&r);
        let after = app.store.get_user(id).await.unwrap().unwrap().grants;
        assert_eq!(before, after, "{who}");
    }
}

async fn grant_changes_are_the_security_administrators(app: TestApp) {
    let id = user_id(&app, CLERK_TOWNSHIP_A).await;
    let path = format!("/api/v1/users/{id}/grants");
    let body = json!([grant("reviewer", TOWNSHIP_A)]);
    for other in [ADMIN, MGR_TOWNSHIP_A, AUDITOR] {
        let s = app.api_login(other).await;
        let r = app.send_json(Method::PUT, &path, &s, &body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{other}: {}", r.text());
    }
    let before = app.store.get_user(id).await.unwrap().unwrap();
    assert_eq!(before.grants[0].role, domain::Role::WindowClerk);
    // The system administrator opens accounts, but does not give administrator roles.
    let admin = app.api_login(ADMIN).await;
    let r = app
        .post_json(
            "/api/v1/users",
            &admin,
            &new_user("would.audit", json!([grant("auditor", CITY)])),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = app
        .post_json(
            "/api/v1/users",
            &admin,
            &new_user("new.supervisor", json!([grant("supervisor", CITY)])),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // The security administrator changes the clerk's roles; the change is audited with its actor.
    let sec = app.api_login(SECURITY_ADMIN).await;
    let r = app.send_json(Method::PUT, &path, &sec, &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["grants"][0]["role"], "reviewer");
    let f = store::record::AuditFilter {
        limit: 1000,
        ..Default::default()
    };
    let entries = store::record::RecordStore::audit_entries(app.store.as_ref(), &f)
        .await
        .unwrap();
    let changed: Vec<_> = entries
        .iter()
        .filter(|e| e.action.as_str() == "grants_changed")
        .collect();
    assert_eq!(changed.len(), 1, "only the allowed change is recorded");
    assert_eq!(changed[0].actor, SECURITY_ADMIN);
    assert_eq!(changed[0].object, format!("user:{id}"));
    assert!(
        changed[0].detail.contains("审批人员"),
        "{}",
        changed[0].detail
    );
}

/// One request per administrator's task; each administrator is answered yes exactly on its own.
async fn each_administrator_does_only_its_own_work(app: TestApp) {
    let target = user_id(&app, CLERK_TOWNSHIP_B).await;
    let tasks: [(&str, &str); 4] = [
        ("administrator", "department"),
        ("security_administrator", "grants"),
        ("security_administrator", "password"),
        ("auditor", "audit"),
    ];
    for (username, role) in [
        (ADMIN, "administrator"),
        (SECURITY_ADMIN, "security_administrator"),
        (AUDITOR, "auditor"),
    ] {
        let s = app.api_login(username).await;
        for (owner, task) in tasks {
            let r = do_task(&app, &s, task, target, username).await;
            let allowed = r.status.is_success();
            assert_eq!(
                allowed,
                owner == role,
                "{username} {task}: {} {}",
                r.status,
                r.text()
            );
            if !allowed {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{username} {task}");
            }
        }
    }
}

async fn do_task(app: &TestApp, s: &Session, task: &str, target: i64, who: &str) -> common::Resp {
    match task {
        "department" => {
            // A fresh code per caller, so a success does not make the next a conflict.
            let code = format!("d{}", who.len());
            app.post_json(
                "/api/v1/departments",
                s,
                &json!({ "region_code": TOWNSHIP_A, "code": code, "name": "新设部门" }),
            )
            .await
        }
        "grants" => {
            app.send_json(
                Method::PUT,
                &format!("/api/v1/users/{target}/grants"),
                s,
                &json!([grant("window_clerk", TOWNSHIP_B)]),
            )
            .await
        }
        "password" => {
            app.send_json(
                Method::PUT,
                &format!("/api/v1/users/{target}/password"),
                s,
                &json!({ "password": "Reset-By-Sec-88" }),
            )
            .await
        }
        "audit" => app.get("/api/v1/audit", s).await,
        _ => unreachable!(),
    }
}

async fn the_security_administrator_lifts_a_lock(app: TestApp) {
    for _ in 0..5 {
        app.try_api_login(CLERK_TOWNSHIP_A, "wrong-password1").await;
    }
    let locked = app.try_api_login(CLERK_TOWNSHIP_A, DEMO_PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    let id = user_id(&app, CLERK_TOWNSHIP_A).await;
    let path = format!("/api/v1/users/{id}/unlock");
    for other in [ADMIN, MGR_TOWNSHIP_A, AUDITOR] {
        let s = app.api_login(other).await;
        let r = app.post_json(&path, &s, &json!({})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{other}: {}", r.text());
    }
    assert_eq!(
        app.try_api_login(CLERK_TOWNSHIP_A, DEMO_PASSWORD)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS,
        "still locked"
    );
    let sec = app.api_login(SECURITY_ADMIN).await;
    let r = app.post_json(&path, &sec, &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        app.try_api_login(CLERK_TOWNSHIP_A, DEMO_PASSWORD)
            .await
            .status,
        StatusCode::OK,
        "the right password gets in at once"
    );
    // The page's button does the same.
    for _ in 0..5 {
        app.try_api_login(CLERK_TOWNSHIP_A, "wrong-password1").await;
    }
    let page = app.page_login(SECURITY_ADMIN).await;
    let unlock = format!("/admin/users/{id}/unlock");
    assert!(app
        .get(&format!("/admin/users?text={CLERK_TOWNSHIP_A}"), &page)
        .await
        .text()
        .contains(&unlock));
    let r = app.post_form(&unlock, &page, &[], true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        app.try_api_login(CLERK_TOWNSHIP_A, DEMO_PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
    let f = store::record::AuditFilter {
        limit: 1000,
        ..Default::default()
    };
    let unlocks: Vec<_> = store::record::RecordStore::audit_entries(app.store.as_ref(), &f)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action.as_str() == "account_unlocked" && e.actor == SECURITY_ADMIN)
        .collect();
    assert_eq!(unlocks.len(), 2);
    assert_eq!(unlocks[0].object, format!("user:{id}"));
}

/// The people page (issue 19, finding 9): search by name, filters by region, role and department,
/// paging; a new account's grant with its department; an account's page edits its name, phone and
/// region (a failing form keeps what was typed), switches it off, and — the security
/// administrator — changes its grants row by row, department included.
async fn the_people_page_searches_pages_and_edits(app: TestApp) {
    let admin = app.page_login(ADMIN).await;
    let all = app.get("/admin/users", &admin).await;
    assert_eq!(all.status, StatusCode::OK);
    let total = app
        .store
        .list_users(&domain::Scope::All)
        .await
        .unwrap()
        .len();
    let pages = total.div_ceil(50);
    assert!(pages > 1, "the demo city has {total} people");
    let text = all.text();
    assert!(
        text.contains(&format!("共 {total} 人,第 1/{pages} 页")),
        "{text}"
    );
    assert_eq!(
        text.matches("<a href=\"/admin/users/").count(),
        50,
        "one page of 50"
    );
    let last = app
        .get(&format!("/admin/users?page={pages}"), &admin)
        .await
        .text();
    assert!(last.contains(&format!("第 {pages}/{pages} 页")));
    assert!(!last.contains("下一页") && last.contains("上一页"));
    // By name (the display name too), by role, by region, by department.
    let shiqiao = app
        .store
        .find_user(CLERK_TOWNSHIP_A)
        .await
        .unwrap()
        .unwrap();
    let found = app
        .get(
            &format!("/admin/users?text={}", urlencode(&shiqiao.display_name)),
            &admin,
        )
        .await
        .text();
    assert!(found.contains(CLERK_TOWNSHIP_A));
    assert!(!found.contains(CLERK_TOWNSHIP_B), "only those of that name");
    let heads = app
        .get(
            &format!("/admin/users?role=department_head&region={COUNTY}"),
            &admin,
        )
        .await
        .text();
    assert!(heads.contains(HEAD_COUNTY_MZ), "a county head");
    assert!(
        !heads.contains(CLERK_TOWNSHIP_A) && !heads.contains("head.city."),
        "only county heads"
    );
    let township = app
        .get(&format!("/admin/users?region={TOWNSHIP_B}"), &admin)
        .await
        .text();
    assert!(township.contains(CLERK_TOWNSHIP_B) && !township.contains(CLERK_TOWNSHIP_A));
    let depts = app
        .store
        .list_departments(&domain::Scope::All)
        .await
        .unwrap();
    let mz = depts
        .iter()
        .find(|d| d.code == "mz" && d.region_code.as_str() == COUNTY)
        .expect("the county's 民政局");
    let in_mz = app
        .get(&format!("/admin/users?department={}", mz.id), &admin)
        .await
        .text();
    assert!(in_mz.contains(REVIEWER_COUNTY_MZ) && !in_mz.contains(CLERK_TOWNSHIP_A));

    // A new reviewer with the department chosen on the form.
    let dept = mz.id.to_string();
    let r = app
        .post_form(
            "/admin/users",
            &admin,
            &[
                ("username", "rev.new.mz"),
                ("display_name", "新审批员"),
                ("phone", "13800000009"),
                ("password", "Xinyuan-7319"),
                ("role", "reviewer"),
                ("region", COUNTY),
                ("department", &dept),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let made = app.store.find_user("rev.new.mz").await.unwrap().unwrap();
    assert_eq!(made.grants[0].department_id, Some(mz.id));
    let account = format!("/admin/users/{}", made.id);
    assert!(r.location().starts_with(&account));

    // Its page: a bad phone comes back with what was typed and the error beside the field.
    let r = app
        .post_form(
            &account,
            &admin,
            &[
                ("display_name", "新审批员(改)"),
                ("phone", "12345"),
                ("home_region", COUNTY),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text();
    assert!(page.contains("value=\"新审批员(改)\""), "{page}");
    assert!(
        page.contains("value=\"12345\"") && page.contains("手机号应为11位数字"),
        "{page}"
    );
    assert!(page.contains("aria-invalid=\"true\""), "{page}");
    let r = app
        .post_form(
            &account,
            &admin,
            &[
                ("display_name", "新审批员(改)"),
                ("phone", "13900000009"),
                ("home_region", TOWNSHIP_A),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let edited = app.store.get_user(made.id).await.unwrap().unwrap();
    assert_eq!(
        (
            edited.display_name.as_str(),
            edited.phone.as_str(),
            edited.home_region.as_str()
        ),
        ("新审批员(改)", "13900000009", TOWNSHIP_A)
    );
    assert!(app
        .get(&format!("{account}?done=profile"), &admin)
        .await
        .text()
        .contains("账户信息已保存"));
    // Off, and its sessions end.
    let s = app.api_login_with("rev.new.mz", "Xinyuan-7319").await;
    let r = app
        .post_form(
            &format!("{account}/active"),
            &admin,
            &[("active", "false")],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(!app.store.get_user(made.id).await.unwrap().unwrap().active);
    assert_eq!(
        app.get("/api/v1/me", &s).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The administrator does not change roles; the security administrator does, row by row.
    assert!(!app.get(&account, &admin).await.text().contains("保存授权"));
    let sec = app.page_login(SECURITY_ADMIN).await;
    let zrzy = depts
        .iter()
        .find(|d| d.code != "mz" && d.region_code.as_str() == COUNTY)
        .expect("another county department");
    let (mz_id, zrzy_id) = (mz.id.to_string(), zrzy.id.to_string());
    let r = app
        .post_form(
            &format!("{account}/grants"),
            &sec,
            &[
                ("role_0", "reviewer"),
                ("region_0", COUNTY),
                ("department_0", &mz_id),
                ("role_1", "department_head"),
                ("region_1", COUNTY),
                ("department_1", &zrzy_id),
                ("role_2", ""),
                ("region_2", COUNTY),
                ("department_2", ""),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let g = app.store.get_user(made.id).await.unwrap().unwrap().grants;
    assert_eq!(g.len(), 2, "the empty row is not a grant");
    assert!(g
        .iter()
        .any(|g| g.role == domain::Role::DepartmentHead && g.department_id == Some(zrzy.id)));
    // A department elsewhere than the grant's region is refused at its row, with the rows kept.
    let far = depts
        .iter()
        .find(|d| d.region_code.as_str() == OTHER_COUNTY)
        .expect("a department of the other county");
    let far_id = far.id.to_string();
    let r = app
        .post_form(
            &format!("{account}/grants"),
            &sec,
            &[
                ("role_0", ""),
                ("region_0", COUNTY),
                ("department_0", ""),
                ("role_1", "reviewer"),
                ("region_1", TOWNSHIP_A),
                ("department_1", &far_id),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let page = r.text();
    assert!(page.contains("部门不存在或不在该区划"), "{page}");
    let row_1 = page
        .split("id=\"department_1\"")
        .nth(1)
        .expect("row 1 kept");
    assert!(
        row_1
            .split("</select>")
            .next()
            .unwrap()
            .contains(&format!("value=\"{far_id}\" selected")),
        "the row as typed"
    );
    assert_eq!(
        app.store
            .get_user(made.id)
            .await
            .unwrap()
            .unwrap()
            .grants
            .len(),
        2,
        "nothing changed"
    );
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}
