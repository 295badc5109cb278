//! 双因素认证 (issue 17, part 3): the roles that must present an authenticator's code after the
//! password, binding one at the first sign-in (QR code, first code, recovery codes), the code's
//! step used once, codes counted before they are checked, recovery codes, the security
//! administrator's reset, and the pages of each step. Every test runs on SQLite and PostgreSQL.

mod common;

use axum::http::{header, Method, StatusCode};
use common::{hidden_value, Session, TestApp};
use demo::*;
use domain::audit::{AuditAction, Outcome};
use domain::second_factor::{code_at, secret_from_text, usable_step, STEP_SECONDS};
use serde_json::{json, Value};

both_backends!(
    a_required_role_can_do_nothing_but_bind_then_present_a_code,
    the_second_factor_is_asked_of_exactly_the_configured_roles,
    codes_are_counted_before_they_are_checked_and_one_step_is_used_once,
    recovery_codes_are_single_use_and_renewed_with_a_code,
    other_roles_may_bind_one_and_remove_it_but_required_roles_may_not,
    the_security_administrator_resets_a_lost_authenticator,
    the_pages_take_a_sign_in_through_binding_and_the_code,
);

/// The password step alone: the session it opens, and what it says is still due.
async fn password_only(app: &TestApp, username: &str) -> (Session, Value) {
    let r = app.try_api_login(username, DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    (
        Session {
            cookie: r.set_cookie("yz_session"),
            csrf: v["csrf_token"].as_str().unwrap().to_string(),
        },
        v,
    )
}

/// The sign-in's second step over the API: a code or a recovery code.
async fn second_step(app: &TestApp, s: &Session, proof: &Value) -> common::Resp {
    app.post_json("/api/v1/session/second-factor", s, proof)
        .await
}

fn session_of(r: &common::Resp) -> Session {
    Session {
        cookie: r.set_cookie("yz_session"),
        csrf: r.json()["csrf_token"].as_str().unwrap().to_string(),
    }
}

fn code_now(app: &TestApp, secret: &[u8], last: Option<u64>) -> (String, u64) {
    let step = usable_step(app.unix_now(), last).expect("a step is open");
    (code_at(secret, step * STEP_SECONDS), step)
}

async fn audited(app: &TestApp, action: AuditAction) -> Vec<(Outcome, String)> {
    let f = store::record::AuditFilter {
        action: Some(action),
        limit: 1000,
        ..Default::default()
    };
    store::record::RecordStore::audit_entries(app.store.as_ref(), &f)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.outcome, e.detail))
        .collect()
}

async fn a_required_role_can_do_nothing_but_bind_then_present_a_code(app: TestApp) {
    let (s, v) = password_only(&app, SUP_CITY).await;
    assert_eq!(v["second_factor"], "enrol", "{v}");
    // Nothing else is reachable: the API answers 403 with the reason, pages go to the step.
    for (method, path) in [
        (Method::GET, "/api/v1/cases"),
        (Method::GET, "/api/v1/me/sessions"),
        (Method::POST, "/api/v1/me/second-factor/recovery-codes"),
        (Method::DELETE, "/api/v1/me/second-factor"),
        (Method::PUT, "/api/v1/me/password"),
    ] {
        let r = app.send_json(method.clone(), path, &s, &json!({})).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            r.text()
        );
        assert_eq!(
            r.json()["code"],
            "second_factor_required",
            "{method} {path}"
        );
    }
    let r = app.get("/supervision", &s).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login/second-factor");
    let me = app.get("/api/v1/me", &s).await.json();
    assert_eq!(me["second_factor"], "enrol");
    // Verifying before binding is refused.
    let r = second_step(&app, &s, &json!({ "code": "123456" })).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(r.json()["code"], "second_factor_not_enrolled");

    // Binding: the same secret until it is confirmed (a reloaded page shows the QR code scanned).
    let begin = || app.post_json("/api/v1/me/second-factor/enrolment", &s, &Value::Null);
    let first = begin().await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert_eq!(
        first.headers.get(header::CACHE_CONTROL).unwrap(),
        "no-store",
        "the secret is in the reply"
    );
    let e = first.json();
    assert_eq!(begin().await.json()["secret"], e["secret"]);
    let url = e["otpauth_url"].as_str().unwrap();
    assert!(url.starts_with("otpauth://totp/"), "{url}");
    assert!(
        url.contains(&format!("secret={}", e["secret"].as_str().unwrap())),
        "{url}"
    );
    let secret = secret_from_text(e["secret"].as_str().unwrap()).unwrap();
    assert_eq!(secret.len(), domain::second_factor::SECRET_BYTES);

    let wrong = app
        .post_json("/api/v1/me/second-factor", &s, &json!({ "code": "000000" }))
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.json()["errors"][0]["field"], "code");
    let (code, step) = code_now(&app, &secret, None);
    let ok = app
        .post_json("/api/v1/me/second-factor", &s, &json!({ "code": code }))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    let codes: Vec<String> = ok.json()["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    assert_eq!(
        codes.iter().collect::<std::collections::HashSet<_>>().len(),
        10
    );
    assert!(codes
        .iter()
        .all(|c| domain::second_factor::normalize_recovery_code(c).as_ref() == Some(c)));
    // A new session in place of the password's: the old token is dead, the new one works.
    let full = session_of(&ok);
    assert_ne!(full.cookie, s.cookie);
    assert_eq!(
        app.get("/api/v1/me", &s).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get("/api/v1/cases", &full).await.status, StatusCode::OK);
    assert!(app.get("/api/v1/me", &full).await.json()["second_factor"].is_null());
    let st = app.get("/api/v1/me/second-factor", &full).await.json();
    assert_eq!(
        (&st["enrolled"], &st["required"], &st["recovery_codes_left"]),
        (&json!(true), &json!(true), &json!(10))
    );
    // Bound: a new start is refused.
    let r = app
        .post_json("/api/v1/me/second-factor/enrolment", &full, &Value::Null)
        .await;
    assert_eq!(r.json()["code"], "second_factor_enrolled");

    // The next sign-in asks for a code; the binding's code is not taken again.
    let (s2, v) = password_only(&app, SUP_CITY).await;
    assert_eq!(v["second_factor"], "verify");
    let r = second_step(&app, &s2, &json!({ "code": code })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["code"], "second_factor_replayed");
    let (next, _) = code_now(&app, &secret, Some(step));
    let r = second_step(&app, &s2, &json!({ "code": next })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        app.get("/api/v1/cases", &session_of(&r)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        audited(&app, AuditAction::SecondFactorEnrolled).await,
        vec![
            (Outcome::Failure, "invalid_second_factor".into()),
            (Outcome::Success, "绑定身份验证器,发放 10 个恢复码".into()),
        ]
    );
    let verified = audited(&app, AuditAction::SecondFactorVerified).await;
    assert_eq!(
        verified,
        vec![
            (Outcome::Failure, "登录:second_factor_replayed".into()),
            (Outcome::Success, "登录:身份验证器验证码".into()),
        ]
    );
}

async fn the_second_factor_is_asked_of_exactly_the_configured_roles(app: TestApp) {
    use domain::Role;
    // Every demo account, by the default setting: the three administrators and the supervisors.
    let required = |grants: &[domain::Grant]| {
        grants.iter().any(|g| {
            matches!(
                g.role,
                Role::Administrator
                    | Role::SecurityAdministrator
                    | Role::Auditor
                    | Role::Supervisor
            )
        })
    };
    let users = store::UserStore::list_users(app.store.as_ref(), &domain::Scope::All)
        .await
        .unwrap();
    let mut asked = 0;
    for u in users.iter().filter(|u| u.active) {
        let (_, v) = password_only(&app, &u.username).await;
        let due = !v["second_factor"].is_null();
        assert_eq!(due, required(&u.grants), "{} {:?}", u.username, u.grants);
        asked += usize::from(due);
    }
    assert!(
        asked >= 6,
        "the demo has administrators and supervisors: {asked}"
    );

    // Another setting: none, or the window clerks.
    for (roles, clerk_due, sup_due) in [
        (vec![], false, false),
        (vec![Role::WindowClerk], true, false),
    ] {
        let other = common::spawn_app_with(
            if app.pg.is_some() {
                common::Backend::Postgres
            } else {
                common::Backend::Sqlite
            },
            web::Config {
                second_factor_roles: roles,
                ..web::Config::default()
            },
        )
        .await;
        let (_, v) = password_only(&other, CLERK_COUNTY).await;
        assert_eq!(!v["second_factor"].is_null(), clerk_due);
        let (_, v) = password_only(&other, SUP_CITY).await;
        assert_eq!(!v["second_factor"].is_null(), sup_due);
    }
}

use yizhan_web as web;

async fn codes_are_counted_before_they_are_checked_and_one_step_is_used_once(app: TestApp) {
    let full = app.api_login(SUP_CITY).await;
    drop(full);
    let secret = app.phones.lock().unwrap()[SUP_CITY].secret.clone();
    let last = app.phones.lock().unwrap()[SUP_CITY].last_step;
    // Ten wrong codes at once: no more than the limit are checked, the rest are refused locked.
    let (s, _) = password_only(&app, SUP_CITY).await;
    let wrong: Vec<_> = (0..10)
        .map(|i| {
            let app = &app;
            let s = s.clone();
            async move {
                second_step(
                    app,
                    &s,
                    &json!({ "code": format!("{:06}", 111_111 * (i % 9 + 1)) }),
                )
                .await
                .status
            }
        })
        .collect();
    let statuses = futures_util::future::join_all(wrong).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let locked = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + locked, 10, "{statuses:?}");
    assert!(
        checked <= 5,
        "at most lock_after codes checked: {statuses:?}"
    );
    // Locked: even the right code is refused, from any new sign-in too.
    let (code, step) = code_now(&app, &secret, last);
    let r = second_step(&app, &s, &json!({ "code": code })).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert!(r.headers.get(header::RETRY_AFTER).is_some());
    // The security administrator lifts it; the same code is then taken, once, by one of two
    // requests sent together.
    let sec = app.api_login(SECURITY_ADMIN).await;
    let id = app.store.find_user(SUP_CITY).await.unwrap().unwrap().id;
    let r = app
        .post_json(&format!("/api/v1/users/{id}/unlock"), &sec, &Value::Null)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let (s2, _) = password_only(&app, SUP_CITY).await;
    let body = json!({ "code": code });
    let (a, b) = tokio::join!(second_step(&app, &s, &body), second_step(&app, &s2, &body),);
    let mut got = [a.status, b.status];
    got.sort();
    assert_eq!(
        got,
        [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY],
        "{} / {}",
        a.text(),
        b.text()
    );
    let sf = app.store.second_factor(id).await.unwrap().expect("bound");
    assert_eq!(sf.last_step, Some(step));
}

async fn recovery_codes_are_single_use_and_renewed_with_a_code(app: TestApp) {
    let _ = app.api_login(AUDITOR).await;
    let mut codes = app.phones.lock().unwrap()[AUDITOR].recovery_codes.clone();
    let spare = codes.pop().unwrap();
    let used = codes.pop().unwrap();
    let (s, _) = password_only(&app, AUDITOR).await;
    // Typed loosely: upper case, no dash, spaces.
    let typed = format!(" {} ", used.replace('-', "").to_uppercase());
    let r = second_step(&app, &s, &json!({ "recovery_code": typed })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let full = session_of(&r);
    assert_eq!(
        app.get("/api/v1/me/second-factor", &full).await.json()["recovery_codes_left"],
        9
    );
    let (s, _) = password_only(&app, AUDITOR).await;
    let r = second_step(&app, &s, &json!({ "recovery_code": used })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "recovery_code");
    assert_eq!(r.json()["errors"][0]["code"], "invalid_recovery_code");
    // New codes need a code of the app; the old ones then stop working.
    let r = app
        .post_json(
            "/api/v1/me/second-factor/recovery-codes",
            &full,
            &json!({ "code": "000000" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let proof = app.proof_for(AUDITOR);
    let r = app
        .post_json("/api/v1/me/second-factor/recovery-codes", &full, &proof)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let fresh = r.json()["recovery_codes"].as_array().unwrap().clone();
    assert_eq!(fresh.len(), 10);
    let r = second_step(&app, &s, &json!({ "recovery_code": spare })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "an old code");
    let r = second_step(&app, &s, &json!({ "recovery_code": fresh[0] })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        audited(&app, AuditAction::RecoveryCodesIssued).await.len(),
        1
    );
}

async fn other_roles_may_bind_one_and_remove_it_but_required_roles_may_not(app: TestApp) {
    let clerk = app.api_login(CLERK_COUNTY).await;
    assert!(
        app.phones.lock().unwrap().get(CLERK_COUNTY).is_none(),
        "not asked"
    );
    // Bound by choice from a full session: the session stays as it is.
    let r = app.bind_authenticator(CLERK_COUNTY, &clerk).await;
    assert!(r.json()["csrf_token"].is_null(), "{}", r.text());
    assert!(r.set_cookie("yz_session").is_none());
    assert_eq!(
        app.get("/api/v1/cases", &clerk).await.status,
        StatusCode::OK
    );
    let st = app.get("/api/v1/me/second-factor", &clerk).await.json();
    assert_eq!(
        (&st["enrolled"], &st["required"]),
        (&json!(true), &json!(false))
    );
    // Now asked at every sign-in.
    let (_, v) = password_only(&app, CLERK_COUNTY).await;
    assert_eq!(v["second_factor"], "verify");
    // Removed with a code: no longer asked.
    let r = app
        .send_json(
            Method::DELETE,
            "/api/v1/me/second-factor",
            &clerk,
            &json!({ "code": "999999" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let proof = app.proof_for(CLERK_COUNTY);
    let r = app
        .send_json(Method::DELETE, "/api/v1/me/second-factor", &clerk, &proof)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let (_, v) = password_only(&app, CLERK_COUNTY).await;
    assert!(v["second_factor"].is_null());
    // A supervisor may not remove theirs.
    let sup = app.api_login(SUP_COUNTY).await;
    let proof = app.proof_for(SUP_COUNTY);
    let r = app
        .send_json(Method::DELETE, "/api/v1/me/second-factor", &sup, &proof)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["code"], "second_factor_required");
    let (_, v) = password_only(&app, SUP_COUNTY).await;
    assert_eq!(v["second_factor"], "verify");
}

async fn the_security_administrator_resets_a_lost_authenticator(app: TestApp) {
    let sup = app.api_login(SUP_COUNTY).await;
    let id = app.store.find_user(SUP_COUNTY).await.unwrap().unwrap().id;
    let path = format!("/api/v1/users/{id}/second-factor");
    // Not the system administrator's (三员分立), nor one's own.
    let admin = app.api_login(ADMIN).await;
    let r = app
        .send_json(Method::DELETE, &path, &admin, &Value::Null)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let sec = app.api_login(SECURITY_ADMIN).await;
    let own = app
        .store
        .find_user(SECURITY_ADMIN)
        .await
        .unwrap()
        .unwrap()
        .id;
    let r = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/users/{own}/second-factor"),
            &sec,
            &Value::Null,
        )
        .await;
    assert_eq!(r.json()["code"], "cannot_reset_self");
    let r = app
        .send_json(Method::DELETE, &path, &sec, &Value::Null)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // Their sessions ended; the next sign-in binds anew.
    assert_eq!(
        app.get("/api/v1/me", &sup).await.status,
        StatusCode::UNAUTHORIZED
    );
    let (_, v) = password_only(&app, SUP_COUNTY).await;
    assert_eq!(v["second_factor"], "enrol");
    let removed = audited(&app, AuditAction::SecondFactorRemoved).await;
    assert_eq!(removed.len(), 1);
    assert!(removed[0].1.contains(SUP_COUNTY), "{removed:?}");
}

async fn the_pages_take_a_sign_in_through_binding_and_the_code(app: TestApp) {
    // The password form sends the supervisor to the second step, keeping where they were going.
    let anon = app.login_form().await;
    let r = app
        .post_form(
            "/login",
            &anon,
            &[
                ("username", SUP_CITY),
                ("password", DEMO_PASSWORD),
                ("next", "/supervision"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login/second-factor?next=%2Fsupervision");
    let mut s = Session {
        cookie: r.set_cookie("yz_session"),
        csrf: String::new(),
    };
    // Not bound yet: on to the binding page, which shows the QR code and the secret and is not
    // kept by any cache; its header offers none of the work.
    let r = app
        .get("/login/second-factor?next=%2Fsupervision", &s)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/account/second-factor?next=%2Fsupervision");
    let page = app.get(&r.location(), &s).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
    let html = page.text();
    assert!(html.contains("<svg"), "a QR code");
    assert!(
        !html.contains("href=\"/supervision\""),
        "no work in the header"
    );
    s.csrf = hidden_value(&html, "_csrf").unwrap();
    let shown = html
        .split("<code class=\"secret\">")
        .nth(1)
        .and_then(|t| t.split('<').next())
        .expect("the secret is shown");
    let secret = secret_from_text(shown).unwrap();
    // A wrong code: the page again, with the field's message.
    let r = app
        .post_form(
            "/account/second-factor",
            &s,
            &[("code", "12"), ("next", "/supervision")],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("验证码不正确"), "{}", r.text());
    assert!(r.text().contains(shown), "the same secret");
    let (code, step) = code_now(&app, &secret, None);
    let r = app
        .post_form(
            "/account/second-factor",
            &s,
            &[("code", &code), ("next", "/supervision")],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert_eq!(html.matches("<li><code>").count(), 10, "ten recovery codes");
    assert!(
        html.contains("href=\"/supervision\""),
        "continue where going"
    );
    let full = Session {
        cookie: r.set_cookie("yz_session"),
        csrf: String::new(),
    };
    assert_eq!(app.get("/supervision", &full).await.status, StatusCode::OK);
    assert_eq!(
        app.get("/supervision", &s).await.status,
        StatusCode::SEE_OTHER,
        "the password's session is gone"
    );

    // Next time: the code page; a wrong code keeps the page with its message, a right one goes on.
    let anon = app.login_form().await;
    let r = app
        .post_form(
            "/login",
            &anon,
            &[("username", SUP_CITY), ("password", DEMO_PASSWORD)],
            true,
        )
        .await;
    let mut s = Session {
        cookie: r.set_cookie("yz_session"),
        csrf: String::new(),
    };
    let page = app.get(&r.location(), &s).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("autocomplete=\"one-time-code\""));
    assert!(html.contains("使用恢复码"));
    s.csrf = hidden_value(&html, "_csrf").unwrap();
    let r = app
        .post_form("/login/second-factor", &s, &[("code", "000000")], true)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("验证码不正确"));
    let (code, _) = code_now(&app, &secret, Some(step));
    let r = app
        .post_form(
            "/login/second-factor",
            &s,
            &[("code", &code), ("next", "/admin")],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), "/admin");
    let full = Session {
        cookie: r.set_cookie("yz_session"),
        csrf: String::new(),
    };
    let status_page = app.get("/account/second-factor", &full).await;
    assert!(status_page.text().contains("已绑定身份验证器"));
    assert!(status_page.text().contains("10 个"));
}
