//! Passwords (issue 17, part 2): the rule, changing one's password, the forced change after an
//! administrator set it and when a staff password expired, an applicant's reset by SMS code; and
//! sessions (part 5): idle timeout, the list of one's sessions, ending one or all. Every test runs
//! on SQLite and on PostgreSQL.

mod common;

use axum::http::{Method, StatusCode};
use common::{Session, TestApp};
use demo::*;
use serde_json::json;
use std::sync::{Arc, Mutex};

both_backends!(
    weak_passwords_are_refused_with_a_field_and_code,
    an_account_created_by_an_administrator_must_change_its_password_first,
    an_administrator_reset_ends_sessions_and_forces_a_change,
    changing_a_password_checks_the_current_one_and_ends_other_sessions,
    an_expired_staff_password_must_be_changed,
    an_applicant_resets_a_password_with_a_single_use_sms_code,
    idle_sessions_end_and_activity_keeps_them,
    one_lists_ones_sessions_and_ends_one_or_all,
);

fn new_user(username: &str, password: &str) -> serde_json::Value {
    json!({ "username": username, "display_name": "新同事", "phone": "13800000000", "password": password,
            "home_region": TOWNSHIP_A, "grants": [{ "role": "window_clerk", "region_code": TOWNSHIP_A }] })
}

async fn weak_passwords_are_refused_with_a_field_and_code(app: TestApp) {
    let m = app.api_login(MGR_TOWNSHIP_A).await;
    for (password, code) in [
        ("Ab1-xyz", "password_too_short"),
        ("password1", "password_too_simple"),
        ("Password1", "password_too_common"),
        ("Woaini1314", "password_too_common"),
        ("Weak.Clerk-2026", "password_contains_username"),
    ] {
        let r = app
            .post_json("/api/v1/users", &m, &new_user("weak.clerk", password))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        let e = &r.json()["errors"][0];
        assert_eq!(
            (e["field"].as_str(), e["code"].as_str()),
            (Some("password"), Some(code))
        );
    }
    // Registration applies the same rule.
    let r = app::accounts::register(
        &app.state,
        &app::accounts::Registration {
            username: "new.citizen".into(),
            name: "李四".into(),
            id_number: "110101199003074477".into(),
            phone: "13912345678".into(),
            password: "password1".into(),
            region: VILLAGE_A.into(),
        },
    )
    .await;
    match r {
        Err(app::Error::Validation(v)) => {
            assert!(v.errors.iter().any(|e| e.field == "password"), "{v:?}")
        }
        other => panic!("{other:?}"),
    }
}

async fn change(app: &TestApp, s: &Session, current: &str, new: &str) -> common::Resp {
    app.send_json(
        Method::PUT,
        "/api/v1/me/password",
        s,
        &json!({ "current_password": current, "new_password": new }),
    )
    .await
}

fn session_of(r: &common::Resp) -> Session {
    Session {
        cookie: r.set_cookie("yz_session"),
        csrf: r.json()["csrf_token"].as_str().unwrap().to_string(),
    }
}

async fn an_account_created_by_an_administrator_must_change_its_password_first(app: TestApp) {
    let m = app.api_login(MGR_TOWNSHIP_A).await;
    let r = app
        .post_json(
            "/api/v1/users",
            &m,
            &new_user("first.clerk", "Given-By-Mgr-77"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let s = app.api_login_with("first.clerk", "Given-By-Mgr-77").await;
    let r = app.get("/api/v1/cases", &s).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["code"], "password_change_required");
    let page = app.get("/cases", &s).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/account/password");
    assert_eq!(
        app.get("/account/password", &s).await.status,
        StatusCode::OK
    );
    let r = change(&app, &s, "Given-By-Mgr-77", "Only-I-Know-42").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let fresh = session_of(&r);
    assert_eq!(
        app.get("/api/v1/cases", &fresh).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/me", &s).await.status,
        StatusCode::UNAUTHORIZED,
        "the session that had to change the password is gone"
    );
    // The next sign-in is free.
    let again = app.api_login_with("first.clerk", "Only-I-Know-42").await;
    assert_eq!(
        app.get("/api/v1/cases", &again).await.status,
        StatusCode::OK
    );

    // The same through the pages: the form is where every page leads until the change is made.
    let r = app
        .post_json(
            "/api/v1/users",
            &m,
            &new_user("page.clerk", "Given-By-Mgr-78"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let s = app.api_login_with("page.clerk", "Given-By-Mgr-78").await;
    let form = app.get("/account/password", &s).await;
    assert!(form.text().contains("请先修改密码"));
    let s = Session {
        csrf: common::hidden_value(&form.text(), "_csrf").unwrap(),
        ..s
    };
    let r = app
        .post_form(
            "/account/password",
            &s,
            &[
                ("current_password", "Given-By-Mgr-78"),
                ("new_password", "Page-Chosen-Words-3"),
                ("confirm_password", "Page-Chosen-Words-3"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let fresh = Session {
        cookie: r.set_cookie("yz_session"),
        csrf: String::new(),
    };
    assert_eq!(app.get("/cases", &fresh).await.status, StatusCode::OK);
    let reset = app.get("/password-reset", &Session::default()).await;
    assert_eq!(reset.status, StatusCode::OK);
    assert!(reset.text().contains("获取验证码"));
}

async fn an_administrator_reset_ends_sessions_and_forces_a_change(app: TestApp) {
    let victim = app.api_login(CLERK_TOWNSHIP_A).await;
    let id = app.get("/api/v1/me", &victim).await.json()["user"]["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/users/{id}/password");
    // 三员分立: resets are the security administrator's, not the system administrator's nor a
    // center manager's (who may still open accounts).
    for other in [ADMIN, MGR_TOWNSHIP_A, CLERK_TOWNSHIP_B, AUDITOR] {
        let s = app.api_login(other).await;
        let r = app
            .send_json(
                Method::PUT,
                &path,
                &s,
                &json!({ "password": "Reset-By-Other-9" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{other}");
    }
    let m = app.api_login(SECURITY_ADMIN).await;
    let r = app
        .send_json(Method::PUT, &path, &m, &json!({ "password": "password1" }))
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the rule applies"
    );
    let r = app
        .send_json(
            Method::PUT,
            &path,
            &m,
            &json!({ "password": "Reset-By-Sec-88" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        app.get("/api/v1/me", &victim).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.try_api_login(CLERK_TOWNSHIP_A, DEMO_PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let s = app
        .api_login_with(CLERK_TOWNSHIP_A, "Reset-By-Sec-88")
        .await;
    assert_eq!(
        app.get("/api/v1/cases", &s).await.json()["code"],
        "password_change_required"
    );
    // The page does the same, with the rule's message beside the field; others are refused it.
    let page = format!("/admin/users/{id}/password");
    for other in [ADMIN, MGR_TOWNSHIP_A] {
        let s = app.page_login(other).await;
        assert_eq!(
            app.get(&page, &s).await.status,
            StatusCode::FORBIDDEN,
            "{other}"
        );
        let users = app
            .get(&format!("/admin/users?text={CLERK_TOWNSHIP_A}"), &s)
            .await
            .text();
        assert!(!users.contains(&page), "{other} sees no reset link");
    }
    let mp = app.page_login(SECURITY_ADMIN).await;
    assert!(app
        .get(&format!("/admin/users?text={CLERK_TOWNSHIP_A}"), &mp)
        .await
        .text()
        .contains(&page));
    assert_eq!(app.get(&page, &mp).await.status, StatusCode::OK);
    let r = app
        .post_form(&page, &mp, &[("password", "qwerty123")], true)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("至少三类"), "{}", r.text());
    let actions = audit_actions(&app).await;
    assert!(actions.contains(&("password_reset".into(), "success".into())));
}

async fn audit_actions(app: &TestApp) -> Vec<(String, String)> {
    let f = store::record::AuditFilter {
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
            )
        })
        .collect()
}

async fn changing_a_password_checks_the_current_one_and_ends_other_sessions(app: TestApp) {
    let a = app.api_login(CLERK_COUNTY).await;
    let b = app.api_login(CLERK_COUNTY).await;
    let r = change(&app, &a, "not-my-password", "New-Secret-Phrase-5").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "current_password");
    let r = change(&app, &a, DEMO_PASSWORD, "qwerty123").await;
    assert_eq!(r.json()["errors"][0]["code"], "password_too_simple");
    let r = change(&app, &a, DEMO_PASSWORD, "New-Secret-Phrase-5").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let fresh = session_of(&r);
    assert_eq!(
        app.get("/api/v1/me", &b).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/me", &a).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get("/api/v1/me", &fresh).await.status, StatusCode::OK);
    app.api_login_with(CLERK_COUNTY, "New-Secret-Phrase-5")
        .await;
    let actions = audit_actions(&app).await;
    assert!(actions.contains(&("password_changed".into(), "failure".into())));
    assert!(actions.contains(&("password_changed".into(), "success".into())));
    // The page says what is wrong next to the field.
    let p = app.page_login(CLERK_TOWNSHIP_B).await;
    let r = app
        .post_form(
            "/account/password",
            &p,
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "New-Secret-Phrase-6"),
                ("confirm_password", "New-Secret-Phrase-7"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("两次输入的新密码不一致"));
}

async fn an_expired_staff_password_must_be_changed(app: TestApp) {
    // Demo passwords count from the accounts' creation (now); 91 days on they have expired.
    app.clock
        .set(chrono::Utc::now() + chrono::Duration::days(91));
    let s = app.api_login(CLERK_TOWNSHIP_A).await;
    assert_eq!(
        app.get("/api/v1/cases", &s).await.json()["code"],
        "password_change_required"
    );
    // Applicants' passwords do not expire.
    let c = app.api_login(CITIZEN).await;
    assert_eq!(app.get("/api/v1/cases", &c).await.status, StatusCode::OK);
}

/// Keeps the texts of the SMS sent.
#[derive(Default)]
struct Sms(Mutex<Vec<(String, String)>>);
impl app::Notifier for Sms {
    fn sms(&self, phone: &str, text: &str) {
        self.0.lock().unwrap().push((phone.into(), text.into()));
    }
    fn email(&self, _: &str, _: &str, _: &str) {}
}

async fn an_applicant_resets_a_password_with_a_single_use_sms_code(app: TestApp) {
    let sms = Arc::new(Sms::default());
    let state = yizhan_web::AppState {
        notifier: sms.clone(),
        ..app.state.clone()
    };
    let app = TestApp {
        router: yizhan_web::app(state.clone()),
        state,
        ..app
    };
    let phone = app.store.find_user(CITIZEN).await.unwrap().unwrap().phone;
    let ask = |username: &str, phone: &str| json!({ "username": username, "phone": phone });
    // A wrong phone, a staff account, an unknown name: the same answer, no message.
    for (u, p) in [
        (CITIZEN, "13000000000"),
        (CLERK_TOWNSHIP_A, phone.as_str()),
        ("nobody.x", phone.as_str()),
    ] {
        let r = app
            .post_json("/api/v1/password-reset", &Session::default(), &ask(u, p))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{u}");
    }
    assert!(sms.0.lock().unwrap().is_empty());
    // One code a minute per name, matched or not (the wrong-phone try above counted).
    app.clock.advance(chrono::Duration::seconds(61));
    let r = app
        .post_json(
            "/api/v1/password-reset",
            &Session::default(),
            &ask(CITIZEN, &phone),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let text = sms.0.lock().unwrap().last().unwrap().1.clone();
    let code: String = text
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(6)
        .collect();
    // Asked again at once: refused (one a minute).
    let r = app
        .post_json(
            "/api/v1/password-reset",
            &Session::default(),
            &ask(CITIZEN, &phone),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let confirm =
        |code: &str, pw: &str| json!({ "username": CITIZEN, "code": code, "new_password": pw });
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = app
        .post_json(
            "/api/v1/password-reset/confirm",
            &Session::default(),
            &confirm(wrong, "Citizen-New-2026"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["code"], "invalid_reset_code");
    let r = app
        .post_json(
            "/api/v1/password-reset/confirm",
            &Session::default(),
            &confirm(&code, "Citizen-New-2026"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app
        .post_json(
            "/api/v1/password-reset/confirm",
            &Session::default(),
            &confirm(&code, "Citizen-New-2027"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "single use");
    app.api_login_with(CITIZEN, "Citizen-New-2026").await;
    assert_eq!(
        app.try_api_login(CITIZEN, DEMO_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The code is stored hashed: it appears nowhere in the audit log either.
    let f = store::record::AuditFilter {
        limit: 1000,
        ..Default::default()
    };
    let entries = store::record::RecordStore::audit_entries(app.store.as_ref(), &f)
        .await
        .unwrap();
    assert!(entries.iter().all(|e| !e.detail.contains(&code)));
    assert!(entries
        .iter()
        .any(|e| e.action.as_str() == "password_reset_code_sent"));
}

async fn idle_sessions_end_and_activity_keeps_them(app: TestApp) {
    let staff = app.api_login(CLERK_TOWNSHIP_A).await;
    let citizen = app.api_login(CITIZEN).await;
    let kept = app.api_login(CLERK_COUNTY).await;
    app.clock.advance(chrono::Duration::minutes(20));
    assert_eq!(app.get("/api/v1/me", &kept).await.status, StatusCode::OK);
    app.clock.advance(chrono::Duration::minutes(20));
    assert_eq!(
        app.get("/api/v1/me", &staff).await.status,
        StatusCode::UNAUTHORIZED,
        "40 idle minutes end a staff session"
    );
    assert_eq!(
        app.get("/api/v1/me", &kept).await.status,
        StatusCode::OK,
        "active 20 minutes ago"
    );
    assert_eq!(
        app.get("/api/v1/me", &citizen).await.status,
        StatusCode::OK,
        "applicants get longer"
    );
}

async fn one_lists_ones_sessions_and_ends_one_or_all(app: TestApp) {
    let a = app.api_login(SUP_COUNTY).await;
    let b = app.api_login(SUP_COUNTY).await;
    let other = app.api_login(SUP_CITY).await;
    let list = app.get("/api/v1/me/sessions", &a).await;
    assert_eq!(list.status, StatusCode::OK);
    let rows = list.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows.iter().filter(|r| r["current"] == true).count(), 1);
    let b_id = rows.iter().find(|r| r["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = app
        .get("/account/sessions", &app.page_login(SUP_COUNTY).await)
        .await;
    assert!(page.text().contains("在所有设备上退出"));
    // Another user's session cannot be named.
    let r = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/me/sessions/{b_id}"),
            &other,
            &json!(null),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/me/sessions/{b_id}"),
            &a,
            &json!(null),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        app.get("/api/v1/me", &b).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get("/api/v1/me", &a).await.status, StatusCode::OK);
    let r = app
        .send_json(Method::DELETE, "/api/v1/me/sessions", &a, &json!(null))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/me", &a).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get("/api/v1/me", &other).await.status, StatusCode::OK);
}
