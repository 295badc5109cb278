//! Sign-in that cannot be raced, unknown names that answer like known ones, locks that a flood from
//! one address cannot turn on an account for everyone, per-address throttling, the audit of each
//! failure, lock and unlock (issue 17, part 1). Every test runs on SQLite and on PostgreSQL.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use common::TestApp;
use demo::*;
use domain::audit::{AuditAction, AuditEntry, Outcome};
use http_body_util::BodyExt;
use tower::ServiceExt;

both_backends!(
    parallel_guesses_check_at_most_the_limit_then_even_the_right_password_is_refused,
    unknown_names_answer_and_lock_like_known_ones,
    a_flood_from_one_address_does_not_lock_the_account_elsewhere,
    one_address_guessing_across_accounts_is_stopped,
    a_lapsed_lock_is_lifted_and_the_unlock_audited,
);

/// A sign-in over the API from `ip` (as the server sees the peer): status and error code.
async fn login_from(
    app: &TestApp,
    ip: &str,
    username: &str,
    password: &str,
) -> (StatusCode, String) {
    let body = serde_json::json!({ "username": username, "password": password });
    let mut req = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_vec(&body).unwrap()))
        .unwrap();
    let peer: std::net::SocketAddr = format!("{ip}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let code = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_string))
        .unwrap_or_default();
    (status, code)
}

async fn audit_since(app: &TestApp, after: u64) -> Vec<AuditEntry> {
    let f = store::record::AuditFilter {
        after_seq: after,
        limit: 1000,
        ..Default::default()
    };
    store::record::RecordStore::audit_entries(app.store.as_ref(), &f)
        .await
        .unwrap()
}

async fn head(app: &TestApp) -> u64 {
    store::record::RecordStore::audit_head(app.store.as_ref())
        .await
        .unwrap()
        .map_or(0, |h| h.0)
}

/// Password checks made: each sign-in that got as far as checking a password and failed.
fn checks(entries: &[AuditEntry]) -> usize {
    entries
        .iter()
        .filter(|e| e.action == AuditAction::SignIn && e.detail == "密码错误")
        .count()
}

async fn parallel_guesses_check_at_most_the_limit_then_even_the_right_password_is_refused(
    app: TestApp,
) {
    let start = head(&app).await;
    let app = std::sync::Arc::new(app);
    let mut guesses = vec![];
    for i in 0..40 {
        let app = app.clone();
        guesses.push(tokio::spawn(async move {
            login_from(
                &app,
                "10.9.8.7",
                CLERK_TOWNSHIP_A,
                &format!("Wrong-guess-{i}"),
            )
            .await
        }));
    }
    for g in guesses {
        let (status, _) = g.await.unwrap();
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::TOO_MANY_REQUESTS,
            "{status}"
        );
    }
    let entries = audit_since(&app, start).await;
    assert_eq!(
        checks(&entries),
        5,
        "exactly lock_after passwords were checked"
    );
    let (status, code) = login_from(&app, "10.9.8.7", CLERK_TOWNSHIP_A, DEMO_PASSWORD).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "account_locked")
    );
    let entries = audit_since(&app, start).await;
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == AuditAction::AccountLocked)
            .count(),
        1,
        "the lock is recorded once"
    );
    assert!(!entries
        .iter()
        .any(|e| e.action == AuditAction::SignIn && e.outcome == Outcome::Success));
}

async fn unknown_names_answer_and_lock_like_known_ones(app: TestApp) {
    let mut answers = vec![];
    for name in [CLERK_TOWNSHIP_B, "no.such.person"] {
        let mut seq = vec![];
        for _ in 0..6 {
            seq.push(login_from(&app, "10.1.1.1", name, "Wrong-Pass-1").await);
        }
        answers.push(seq);
    }
    assert_eq!(
        answers[0], answers[1],
        "the same answers for a known and an unknown name"
    );
    assert_eq!(
        answers[0][0],
        (StatusCode::UNAUTHORIZED, "invalid_credentials".into())
    );
    assert_eq!(
        answers[0][4].0,
        StatusCode::TOO_MANY_REQUESTS,
        "the fifth locks"
    );
    assert_eq!(answers[0][5].0, StatusCode::TOO_MANY_REQUESTS);
    // The unknown name's failures and lock are in the audit log under the name tried.
    let all = audit_since(&app, 0).await;
    assert!(all.iter().any(|e| e.actor == "no.such.person"
        && e.action == AuditAction::AccountLocked
        && e.source == "10.1.1.1"));
}

async fn a_flood_from_one_address_does_not_lock_the_account_elsewhere(app: TestApp) {
    for _ in 0..10 {
        login_from(&app, "203.0.113.66", ADMIN, "Wrong-Pass-1").await;
    }
    assert_eq!(
        login_from(&app, "203.0.113.66", ADMIN, DEMO_PASSWORD)
            .await
            .0,
        StatusCode::TOO_MANY_REQUESTS,
        "locked for the flooding address"
    );
    assert_eq!(
        login_from(&app, "10.0.0.7", ADMIN, DEMO_PASSWORD).await.0,
        StatusCode::OK,
        "the administrator still signs in from the office"
    );
}

async fn one_address_guessing_across_accounts_is_stopped(app: TestApp) {
    // One wrong password each for many accounts (never enough to lock any one of them).
    for i in 0..19 {
        assert_eq!(
            login_from(&app, "198.51.100.9", &format!("user{i}"), "Wrong-Pass-1")
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
    }
    // The twentieth failure stops the address (source_lock_after = 20).
    assert_eq!(
        login_from(&app, "198.51.100.9", "user19", "Wrong-Pass-1")
            .await
            .0,
        StatusCode::TOO_MANY_REQUESTS
    );
    let (status, _) = login_from(&app, "198.51.100.9", CLERK_COUNTY, DEMO_PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the address is stopped"
    );
    assert_eq!(
        login_from(&app, "10.0.0.8", CLERK_COUNTY, DEMO_PASSWORD)
            .await
            .0,
        StatusCode::OK
    );
    // Successful sign-ins from one address (an office behind NAT) do not fill its count.
    for _ in 0..25 {
        assert_eq!(
            login_from(&app, "10.0.0.9", CLERK_COUNTY, DEMO_PASSWORD)
                .await
                .0,
            StatusCode::OK
        );
    }
}

async fn a_lapsed_lock_is_lifted_and_the_unlock_audited(app: TestApp) {
    for _ in 0..5 {
        login_from(&app, "10.2.2.2", HEAD_TOWNSHIP_A, "Wrong-Pass-1").await;
    }
    let mark = head(&app).await;
    app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(
        login_from(&app, "10.2.2.2", HEAD_TOWNSHIP_A, DEMO_PASSWORD)
            .await
            .0,
        StatusCode::OK
    );
    let after: Vec<AuditAction> = audit_since(&app, mark)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        after,
        vec![AuditAction::AccountUnlocked, AuditAction::SignIn]
    );
}
