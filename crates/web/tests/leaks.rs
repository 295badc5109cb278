//! What the server must not let slip (issue 17): secrets into its log (part 9) — no query code,
//! session or CSRF token, password, full ID number or full phone in any line, debug lines
//! included — and which case numbers exist (part 13) — a case the caller may not see is answered
//! exactly as one that does not exist. Every test runs on SQLite and on PostgreSQL.

mod common;

use axum::http::{Method, StatusCode};
use common::cases::*;
use common::{anon, hidden_value, ok, Session, TestApp};
use demo::*;
use serde_json::json;
use std::sync::{Arc, Mutex, OnceLock};
use yizhan_web as web;

both_backends!(a_case_one_may_not_see_answers_as_a_missing_one);

/// Everything the test binary logs, at debug, as the server's text format writes it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// The log of this test binary, captured from before the first app starts. The filter is the
/// server's own (`web::logging::filter`) with `debug` asked for, as an operator chasing a problem
/// would; the `log` crate's records (tokio-postgres's) come in too, as in the binary.
fn captured() -> &'static Captured {
    static LOG: OnceLock<Captured> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Captured::default();
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(web::logging::filter(
                Some("debug"),
            )))
            .with_ansi(false)
            .with_writer(log.clone())
            .init();
        log
    })
}

/// A notifier that logs as the default one does and keeps each message, so the test knows the
/// reset code that went out.
#[derive(Default)]
struct Kept(Mutex<Vec<(String, String)>>);

impl app::Notifier for Kept {
    fn sms(&self, phone: &str, text: &str) {
        app::LogNotifier.sms(phone, text);
        self.0.lock().unwrap().push((phone.into(), text.into()));
    }
    fn email(&self, to: &str, subject: &str, body: &str) {
        app::LogNotifier.email(to, subject, body);
    }
}

mod journey {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        captured();
        no_secret_reaches_the_log(common::spawn_app(common::Backend::Sqlite).await).await;
    }

    #[tokio::test]
    async fn postgres() {
        captured();
        if common::pg_url().is_none() {
            return;
        }
        no_secret_reaches_the_log(common::spawn_app(common::Backend::Postgres).await).await;
    }
}

/// Signs in, files, looks up, acts, reveals, signs out, fails a sign-in and resets a password,
/// then scans every line logged for each secret used on the way.
async fn no_secret_reaches_the_log(app: TestApp) {
    let sms = Arc::new(Kept::default());
    let state = web::AppState {
        notifier: sms.clone(),
        ..app.state.clone()
    };
    let app = TestApp {
        router: web::app(state.clone()),
        state,
        ..app
    };
    let mut secrets: Vec<(&str, String)> = vec![("password", DEMO_PASSWORD.into())];

    // Sign in: the page (its anonymous CSRF cookie, then the session) and the API.
    let form = app.get("/login", &anon()).await;
    let anon_csrf = form
        .set_cookie("yz_csrf")
        .expect("login form's CSRF cookie");
    secrets.push(("anonymous CSRF cookie", value_of(&anon_csrf)));
    secrets.push((
        "login form CSRF token",
        hidden_value(&form.text(), "_csrf").unwrap(),
    ));
    let page = app.page_login(CLERK).await;
    secrets.push((
        "page session cookie",
        value_of(page.cookie.as_ref().unwrap()),
    ));
    secrets.push(("page CSRF token", page.csrf.clone()));
    let clerk = app.api_login(CLERK).await;
    secrets.push((
        "API session cookie",
        value_of(clerk.cookie.as_ref().unwrap()),
    ));
    secrets.push(("API CSRF token", clerk.csrf.clone()));

    // File at the window for a person with a known ID number and phone.
    let id_number = domain::identity::complete_resident_id("33992119770405318").unwrap();
    let phone = "13957810426";
    secrets.push(("ID number", id_number.clone()));
    secrets.push(("phone", phone.into()));
    let applicant =
        json!({ "kind": "person", "name": "林晓峰", "id_number": id_number, "phone": phone });
    let r = app
        .post_json(
            "/api/v1/cases",
            &clerk,
            &json!({ "item_code": FOOD, "applicant": applicant }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    let n = c["filing"]["number"].as_str().unwrap().to_string();
    let code = app
        .store
        .get_case(&n)
        .await
        .unwrap()
        .unwrap()
        .filing
        .query_code;
    secrets.push(("query code", code.clone()));

    // Act on it: every material received, accepted (a notice with the query code goes out by SMS).
    for i in 0..c["materials"].as_array().unwrap().len() {
        ok(
            &app,
            &clerk,
            &n,
            json!({ "action": "mark_material", "index": i, "status": "received" }),
        )
        .await;
    }
    ok(&app, &clerk, &n, json!({ "action": "accept" })).await;
    assert!(
        sms.0.lock().unwrap().iter().any(|(to, _)| to == phone),
        "a notice went to the applicant"
    );
    // The case page and its slip, as the clerk sees them.
    assert_eq!(
        app.get(&format!("/cases/{n}"), &page).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/cases/{n}/documents/slip"), &page)
            .await
            .status,
        StatusCode::OK
    );

    // Public lookup by number and query code: API and page.
    let q = format!("number={n}&code={code}");
    let r = app.get(&format!("/api/v1/lookup?{q}"), &anon()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app.get(&format!("/lookup?{q}"), &anon()).await;
    assert_eq!(r.status, StatusCode::OK);

    // Reveal the applicant (the reply holds the full ID number and phone).
    let r = app
        .post_json(
            &format!("/api/v1/cases/{n}/reveal"),
            &clerk,
            &json!({ "reason": "核对申请人身份" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["id_number"], id_number.as_str());

    // Sign out: API and page.
    let r = app
        .send_json(Method::DELETE, "/api/v1/session", &clerk, &json!({}))
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let r = app.post_form("/logout", &page, &[], true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // A failed sign-in with a known wrong password: API and page.
    let wrong = "Wr0ng-Guess-4417";
    secrets.push(("wrong password", wrong.into()));
    let r = app.try_api_login(CLERK, wrong).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());
    let s = Session {
        cookie: Some(anon_csrf.clone()),
        csrf: secrets[1].1.clone(),
    };
    let r = app
        .post_form(
            "/login",
            &s,
            &[("username", CLERK), ("password", wrong), ("next", "/admin")],
            true,
        )
        .await;
    assert_ne!(
        r.status,
        StatusCode::SEE_OTHER,
        "a wrong password signs nobody in"
    );

    // An applicant's password reset by SMS code, through to the new password.
    let citizen_phone = app.store.find_user(CITIZEN).await.unwrap().unwrap().phone;
    secrets.push(("applicant's phone", citizen_phone.clone()));
    let r = app
        .post_json(
            "/api/v1/password-reset",
            &anon(),
            &json!({ "username": CITIZEN, "phone": citizen_phone }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let text = sms
        .0
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|(to, _)| *to == citizen_phone)
        .map(|(_, t)| t.clone())
        .expect("a reset code went out");
    let reset_code: String = text
        .split(|ch: char| !ch.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("a six-digit code")
        .into();
    let new_password = "Lin-Xiao-Feng-8842";
    secrets.push(("reset code", reset_code.clone()));
    secrets.push(("new password", new_password.into()));
    let r = app
        .post_json(
            "/api/v1/password-reset/confirm",
            &anon(),
            &json!({ "username": CITIZEN, "code": reset_code, "new_password": new_password }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    app.api_login_with(CITIZEN, new_password).await;

    // The scan: every line logged so far, by either backend's test.
    let log = String::from_utf8_lossy(&captured().0.lock().unwrap()).into_owned();
    assert!(
        log.lines().any(|l| l.contains("DEBUG")),
        "debug lines are captured"
    );
    assert!(
        log.lines().any(|l| l.contains("sms sent")),
        "the notifier's lines are captured"
    );
    let mut found = vec![];
    for line in log.lines() {
        for (what, secret) in &secrets {
            if line.contains(secret.as_str()) {
                found.push(format!("{what}: {line}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "secrets in the log:\n{}",
        found.join("\n")
    );
}

/// The value of a `name=value` cookie.
fn value_of(cookie: &str) -> String {
    cookie.split_once('=').unwrap().1.to_string()
}

/// A number of the same place and day as `n` that no case has.
fn missing_like(n: &str) -> String {
    format!("{}99999", &n[..n.len() - 5])
}

async fn a_case_one_may_not_see_answers_as_a_missing_one(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    let missing = missing_like(&n);
    // Staff and a supervisor of another township, and an applicant whose case it is not.
    for who in [CLERK_TOWNSHIP_B, SUP_TOWNSHIP_B, CITIZEN] {
        let api = app.api_login(who).await;
        let mut pairs = vec![
            (
                app.get(&format!("/api/v1/cases/{n}"), &api).await,
                app.get(&format!("/api/v1/cases/{missing}"), &api).await,
            ),
            (
                app.get(&format!("/api/v1/cases/{n}/events"), &api).await,
                app.get(&format!("/api/v1/cases/{missing}/events"), &api)
                    .await,
            ),
            (
                common::cmd(&app, &api, &n, json!({ "action": "withdraw" })).await,
                common::cmd(&app, &api, &missing, json!({ "action": "withdraw" })).await,
            ),
            (
                app.post_json(
                    &format!("/api/v1/cases/{n}/reveal"),
                    &api,
                    &json!({ "reason": "核对" }),
                )
                .await,
                app.post_json(
                    &format!("/api/v1/cases/{missing}/reveal"),
                    &api,
                    &json!({ "reason": "核对" }),
                )
                .await,
            ),
        ];
        assert_eq!(pairs[0].0.json()["code"], "not_found", "{who}");
        if who != CITIZEN {
            let page = app.page_login(who).await;
            let act = |number: String| {
                let page = page.clone();
                let app = &app;
                async move {
                    app.post_form(
                        &format!("/cases/{number}/act"),
                        &page,
                        &[("action", "withdraw")],
                        true,
                    )
                    .await
                }
            };
            pairs.push((
                app.get(&format!("/cases/{n}"), &page).await,
                app.get(&format!("/cases/{missing}"), &page).await,
            ));
            pairs.push((
                app.get(&format!("/cases/{n}/documents/slip"), &page).await,
                app.get(&format!("/cases/{missing}/documents/slip"), &page)
                    .await,
            ));
            pairs.push((act(n.clone()).await, act(missing.clone()).await));
        }
        for (i, (hidden, absent)) in pairs.iter().enumerate() {
            assert_eq!(
                hidden.status,
                StatusCode::NOT_FOUND,
                "{who} route {i}: {}",
                hidden.text()
            );
            assert_eq!(
                (hidden.status, hidden.text()),
                (absent.status, absent.text()),
                "{who} route {i}"
            );
        }
    }
    // A supervisor elsewhere cannot tell it apart by issuing an order about it either.
    let sup = app.page_login(SUP_TOWNSHIP_B).await;
    let order = |number: String| {
        let sup = sup.clone();
        let app = &app;
        async move {
            app.post_form(
                "/supervision/orders",
                &sup,
                &[
                    ("case_number", number.as_str()),
                    ("subject", "催办"),
                    ("body", "请尽快办理"),
                    ("days", "3"),
                ],
                true,
            )
            .await
        }
    };
    let (hidden, absent) = (order(n.clone()).await, order(missing.clone()).await);
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.text());
    assert_eq!(
        (hidden.status, hidden.text()),
        (absent.status, absent.text())
    );
    // The case's own clerk still sees it: the answer above is about visibility, not the number.
    assert_eq!(
        app.get(&format!("/api/v1/cases/{n}"), &clerk).await.status,
        StatusCode::OK
    );
}
