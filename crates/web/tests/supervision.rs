//! Electronic supervision over HTTP on SQLite and PostgreSQL: warnings that turn yellow then red as
//! the (injected) clock moves, exactly-once raising, live updates over SSE, orders with reply and
//! escalation, rules, evaluation and its Excel export.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::TimeZone;
use common::{ok, TestApp};
use demo::*;
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;
use web::Clock;
use yizhan_web as web;

both_backends!(
    a_case_turns_yellow_then_red_as_the_clock_moves,
    live_monitoring_updates_over_sse,
    orders_are_replied_escalated_and_closed,
    rules_change_when_warnings_start,
    a_rules_change_reaches_every_open_case_page_by_page,
    evaluation_ranks_units_and_exports_excel,
    outcomes_are_written_at_completion_and_backfilled,
    violations_are_listed_across_the_subtree,
);

const FOOD: &str = ITEM_FOOD_LICENSE;

fn at(y: i32, m: u32, d: u32) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(y, m, d, 2, 0, 0).unwrap()
}

/// A food licence accepted at 云溪县 on Monday 2026-03-02: promised due 03-16, statutory 03-30.
async fn accepted_case(app: &TestApp) -> String {
    let clerk = app.api_login("clerk.yunxi.scjg").await;
    let id = domain::identity::complete_resident_id("33992119850312262").unwrap();
    let r = app.post_json("/api/v1/cases", &clerk, &json!({ "item_code": FOOD, "applicant": { "kind": "person", "name": "周小燕", "id_number": id, "phone": "13905781001" } })).await;
    let c = r.json();
    let n = c["filing"]["number"].as_str().unwrap().to_string();
    for i in 0..c["materials"].as_array().unwrap().len() {
        ok(
            app,
            &clerk,
            &n,
            json!({ "action": "mark_material", "index": i, "status": "received" }),
        )
        .await;
    }
    ok(app, &clerk, &n, json!({ "action": "accept" })).await;
    n
}

fn colours(ws: &[store::WarningRecord], key: &str) -> Vec<String> {
    ws.iter()
        .filter(|w| w.key == key)
        .map(|w| w.colour.clone())
        .collect()
}

async fn a_case_turns_yellow_then_red_as_the_clock_moves(app: TestApp) {
    let n = accepted_case(&app).await;
    assert!(colours(&app.store.case_warnings(&n).await.unwrap(), "case_deadline").is_empty());
    // 03-11: 3 working days left, 70% used — nothing yet under the default rule (≤2 days or ≥80%).
    app.clock.set(at(2026, 3, 11));
    web::supervision::scan(&app.state, "p1").await.unwrap();
    assert!(colours(&app.store.case_warnings(&n).await.unwrap(), "case_deadline").is_empty());
    // 03-12: 2 working days left: yellow, raised exactly once however often the scan runs.
    app.clock.set(at(2026, 3, 12));
    let r1 = web::supervision::scan(&app.state, "p1").await.unwrap();
    assert!(r1.ran && r1.raised >= 1, "{r1:?}");
    let r2 = web::supervision::scan(&app.state, "p1").await.unwrap();
    assert_eq!(r2.raised, 0, "already raised");
    assert_eq!(
        colours(&app.store.case_warnings(&n).await.unwrap(), "case_deadline"),
        vec!["yellow"]
    );
    // Another process holding the lease makes a scan step aside.
    let now = app.clock.now();
    assert!(app
        .store
        .try_lease(
            "warning_scan",
            "other-process",
            now,
            now + chrono::Duration::minutes(5)
        )
        .await
        .unwrap());
    assert!(!web::supervision::scan(&app.state, "p1").await.unwrap().ran);
    app.store
        .try_lease("warning_scan", "other-process", now, now)
        .await
        .unwrap();
    // 03-17: past the promised date: red; the yellow one is cleared.
    app.clock.set(at(2026, 3, 17));
    web::supervision::scan(&app.state, "p1").await.unwrap();
    assert_eq!(
        colours(&app.store.case_warnings(&n).await.unwrap(), "case_deadline"),
        vec!["red"]
    );
    // The supervisor's monitor shows it with who holds it.
    let sup = app.page_login(SUP_COUNTY).await;
    let page = app.get("/supervision", &sup).await.text();
    assert!(
        page.contains(&n) && page.contains("红色"),
        "monitor lists the red case"
    );
    // A township supervisor elsewhere does not see it.
    let other = app.page_login(SUP_TOWNSHIP_B).await;
    assert!(!app.get("/supervision", &other).await.text().contains(&n));
    // Suspending stops the clock: the case's time warnings clear.
    let rev = app.api_login("rev.yunxi.scjg").await;
    ok(&app, &rev, &n, json!({ "action": "suspend", "procedure": "testing", "reason": "检测", "expected_days": 5 })).await;
    assert!(app.store.case_warnings(&n).await.unwrap().is_empty());
}

async fn read_event(body: &mut Body) -> String {
    let mut text = String::new();
    while !text.contains("\n\n") {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(20), body.frame())
            .await
            .expect("an SSE event arrives")
            .unwrap()
            .unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
        if text.starts_with(':') && text.ends_with("\n\n") {
            // keep-alive comment
            text.clear();
        }
    }
    text
}

fn total(event: &str) -> i64 {
    let i = event
        .find("data-count=\"total\"")
        .expect("the fragment carries the total");
    let rest = &event[i..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest.find('<').unwrap();
    rest[start..end].trim().parse().unwrap()
}

async fn live_monitoring_updates_over_sse(app: TestApp) {
    let sup = app.page_login(SUP_COUNTY).await;
    let req = Request::builder()
        .uri("/supervision/live")
        .header(header::COOKIE, sup.cookie.clone().unwrap())
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut body = resp.into_body();
    let first = read_event(&mut body).await;
    assert!(first.contains("event: update"));
    let before = total(&first);
    // A clerk files a case: the open stream gets a new fragment without any reload.
    accepted_case(&app).await;
    let mut latest = read_event(&mut body).await;
    while total(&latest) == before {
        latest = read_event(&mut body).await;
    }
    assert_eq!(total(&latest), before + 1);
}

async fn orders_are_replied_escalated_and_closed(app: TestApp) {
    let n = accepted_case(&app).await;
    let sup = app.page_login(SUP_COUNTY).await;
    let issue = |days: &'static str| {
        let (app, sup, n) = (&app, &sup, n.clone());
        async move {
            app.post_form(
                "/supervision/orders",
                sup,
                &[
                    ("case_number", n.as_str()),
                    ("unit", ""),
                    ("subject", "承诺期限将至"),
                    ("body", "请说明办理进度"),
                    ("days", days),
                ],
                true,
            )
            .await
        }
    };
    // An empty 回复期限: an error page in Chinese, in the supervisor's own layout (not axum's
    // English text, not a page that looks signed out), and no order made.
    let r = issue("").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(app
        .store
        .list_orders(&domain::Scope::All)
        .await
        .unwrap()
        .is_empty());
    let page = r.text();
    assert!(page.contains("表单有一项为空或格式不对"), "{page}");
    assert!(!page.contains("Failed to deserialize"), "{page}");
    let me = app.store.find_user(SUP_COUNTY).await.unwrap().unwrap();
    assert!(page.contains(&me.display_name), "signed-in layout: {page}");
    assert!(page.contains("/logout"), "signed-in layout: {page}");
    let r = issue("2").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let id: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
    let o = app.store.get_order(id).await.unwrap().unwrap();
    assert_eq!(o.unit.as_str(), COUNTY);
    // The responsible unit by its names, in the list and on the order (finding 8: no codes).
    let place = app.store.get_place(&o.unit).await.unwrap().unwrap().name;
    let dept = o.department.clone().expect("the case's department");
    let dept_name = app
        .store
        .list_departments(&domain::Scope::All)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.code == dept && d.region_code == o.unit)
        .expect("department on record")
        .name;
    for page in [
        app.get("/supervision/orders", &sup).await.text(),
        app.get(&format!("/supervision/orders/{id}"), &sup)
            .await
            .text(),
    ] {
        assert!(page.contains(&format!("{place} {dept_name}")), "{page}");
        assert!(
            !page.contains(&format!("{COUNTY} {dept}")),
            "no codes: {page}"
        );
    }
    assert_eq!(
        o.reply_due,
        chrono::NaiveDate::from_ymd_opt(2026, 3, 4).unwrap()
    );
    // The clerks who work the case see the order (finding 9): the department's own window and
    // the general window; both are sent there from their workbench, which counts it.
    for clerk in [format!("clerk.yunxi.{dept}"), CLERK_COUNTY.to_string()] {
        let s = app.page_login(&clerk).await;
        let r = app.get(&format!("/supervision/orders/{id}"), &s).await;
        assert_eq!(r.status, StatusCode::OK, "{clerk}: {}", r.text());
        assert!(
            !r.text().contains("name=\"action\""),
            "{clerk} sees, does not answer"
        );
        assert!(app
            .get("/supervision/orders", &s)
            .await
            .text()
            .contains("承诺期限将至"));
        let home = app.get("/admin", &s).await.text();
        assert!(home.contains("1 件待回复"), "{clerk}: {home}");
    }
    // The center manager who answers for it follows the case from the staff workbench and opens
    // it (they were sent to the applicant's view and refused before).
    let mgr = app.page_login(MGR_COUNTY).await;
    assert!(app.get("/cases", &mgr).await.text().contains("办件工作台"));
    let all = app.get("/cases?q=all", &mgr).await.text();
    assert!(all.contains(n.as_str()), "{all}");
    let r = app.get(&format!("/cases/{n}"), &mgr).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        !r.text().contains("可执行的操作"),
        "the manager reads, does not act"
    );
    assert!(app.get("/admin", &mgr).await.text().contains("1 件待回复"));
    // A township supervisor elsewhere cannot see it.
    let other = app.page_login(SUP_TOWNSHIP_B).await;
    assert_eq!(
        app.get(&format!("/supervision/orders/{id}"), &other)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Overdue orders are warnings on the monitor.
    app.clock.set(at(2026, 3, 5));
    let sup = app.page_login(SUP_COUNTY).await;
    assert!(app
        .get("/supervision", &sup)
        .await
        .text()
        .contains("逾期未回复 1"));
    // Another department's head at the same center neither sees nor answers it.
    let other_head = app.page_login("head.yunxi.zrzy").await;
    assert_eq!(
        app.get(&format!("/supervision/orders/{id}"), &other_head)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The unit replies.
    let mgr = app.page_login(MGR_COUNTY).await;
    assert_eq!(
        app.post_form(
            &format!("/supervision/orders/{id}/act"),
            &mgr,
            &[("action", "close"), ("text", "")],
            true
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .post_form(
            &format!("/supervision/orders/{id}/act"),
            &mgr,
            &[("action", "reply"), ("text", "已完成现场核查,3日内决定")],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // Not satisfied: escalated to the city.
    let r = app
        .post_form(
            &format!("/supervision/orders/{id}/act"),
            &sup,
            &[("action", "escalate"), ("text", "回复不具体")],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let o = app.store.get_order(id).await.unwrap().unwrap();
    assert_eq!(o.status, store::OrderStatus::Escalated);
    assert_eq!(o.issued_in.as_str(), CITY);
    let city = app.page_login(SUP_CITY).await;
    assert!(app
        .get("/supervision/orders", &city)
        .await
        .text()
        .contains("承诺期限将至"));
    let r = app
        .post_form(
            &format!("/supervision/orders/{id}/act"),
            &city,
            &[("action", "close"), ("text", "已整改")],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let o = app.store.get_order(id).await.unwrap().unwrap();
    assert_eq!(o.status, store::OrderStatus::Closed);
    let actions: Vec<&str> = o.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(
        actions,
        vec!["issued", "replied", "escalated", "closed"],
        "every step recorded"
    );
}

async fn rules_change_when_warnings_start(app: TestApp) {
    let n = accepted_case(&app).await;
    app.clock.set(at(2026, 3, 9));
    web::supervision::scan(&app.state, "p1").await.unwrap();
    assert!(colours(&app.store.case_warnings(&n).await.unwrap(), "case_deadline").is_empty());
    // Food licences warn 5 working days ahead.
    let admin = app.page_login(ADMIN).await;
    let r = app
        .post_form(
            "/supervision/rules",
            &admin,
            &[("rules", &format!("all|2|80\n{FOOD}|5|"))],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        colours(&app.store.case_warnings(&n).await.unwrap(), "case_deadline"),
        vec!["yellow"]
    );
    let bad = app
        .post_form("/supervision/rules", &admin, &[("rules", "all|x|")], true)
        .await;
    assert!(bad.status.is_client_error());
    // Only administrators set rules.
    let sup = app.page_login(SUP_COUNTY).await;
    assert_eq!(
        app.post_form("/supervision/rules", &sup, &[("rules", "all|9|")], true)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// Recomputing after a rules change reads the open cases a page at a time and reaches all of them,
/// whatever the page size.
async fn a_rules_change_reaches_every_open_case_page_by_page(app: TestApp) {
    let mut numbers = vec![];
    for _ in 0..3 {
        numbers.push(accepted_case(&app).await);
    }
    app.clock.set(at(2026, 3, 9));
    web::supervision::scan(&app.state, "p1").await.unwrap();
    for n in &numbers {
        assert!(colours(&app.store.case_warnings(n).await.unwrap(), "case_deadline").is_empty());
    }
    let open = app
        .store
        .list_cases(&store::CaseFilter {
            states: web::supervision::SUPERVISED_STATES.to_vec(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(open.len(), 3, "these are the open cases");
    // Food licences warn 5 working days ahead.
    app.store
        .set_setting(
            web::supervision::RULES_SETTING,
            &serde_json::to_string(&[
                domain::supervision::WarningRule::default(),
                domain::supervision::WarningRule {
                    scope: domain::supervision::RuleScope::Item(FOOD.to_string()),
                    yellow_days_left: Some(5),
                    yellow_percent_used: None,
                },
            ])
            .unwrap(),
        )
        .await
        .unwrap();
    app.state.caches.clear();
    for page in [1, 2, 1000] {
        assert_eq!(
            web::supervision::rebuild_in_pages(&app.state, page)
                .await
                .unwrap(),
            open.len(),
            "page size {page}"
        );
    }
    for n in &numbers {
        assert_eq!(
            colours(&app.store.case_warnings(n).await.unwrap(), "case_deadline"),
            vec!["yellow"],
            "{n}"
        );
    }
}

/// Runs an accepted case through its stages, decision and delivery; `complete` also completes it.
async fn decided_and_delivered(app: &TestApp, n: &str, complete: bool) {
    {
        let n = n.to_string();
        let rev = app.api_login("rev.yunxi.scjg").await;
        loop {
            let c = app.get(&format!("/api/v1/cases/{n}"), &rev).await.json();
            let Some(i) = c["stages"]
                .as_array()
                .unwrap()
                .iter()
                .position(|s| !s["started_on"].is_null() && s["completed_on"].is_null())
            else {
                break;
            };
            ok(
                app,
                &rev,
                &n,
                json!({ "action": "complete_stage", "index": i, "approved": true }),
            )
            .await;
        }
        ok(
            app,
            &app.api_login("head.yunxi.scjg").await,
            &n,
            json!({ "action": "decide", "granted": true }),
        )
        .await;
        let clerk = app.api_login("clerk.yunxi.scjg").await;
        ok(
            app,
            &clerk,
            &n,
            json!({ "action": "deliver", "method": "window", "recipient": "周小燕" }),
        )
        .await;
        if complete {
            ok(app, &clerk, &n, json!({ "action": "complete" })).await;
        }
    }
}

async fn evaluation_ranks_units_and_exports_excel(app: TestApp) {
    // Two cases completed at 云溪县: one on time, one late.
    for late in [false, true] {
        app.clock.set(at(2026, 3, 2));
        let n = accepted_case(&app).await;
        if late {
            app.clock.set(at(2026, 3, 20));
        }
        decided_and_delivered(&app, &n, true).await;
    }
    app.clock.set(at(2026, 3, 23));
    let sup = app.page_login(SUP_CITY).await;
    let page = app
        .get(
            "/supervision/evaluation?from=2026-03-01&to=2026-03-31&by=department",
            &sup,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(
        text.contains("市场监督管理局") && text.contains("50.0%"),
        "one of two on time"
    );
    assert!(text.contains("<svg"), "trend chart");
    let w = app
        .get(
            "/supervision/evaluation?from=2026-03-01&to=2026-03-31&by=window",
            &sup,
        )
        .await
        .text();
    assert!(w.contains("窗口("), "windows are evaluated too");
    let x = app
        .get(
            "/supervision/evaluation.xlsx?from=2026-03-01&to=2026-03-31&by=department",
            &sup,
        )
        .await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.body.starts_with(b"PK"));
    let bad = app
        .get(
            "/supervision/evaluation?from=2026-04-01&to=2026-03-01",
            &sup,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

/// Completing a case writes its outcome (what evaluations read); a case completed without one
/// (as before outcomes were kept) gets it from the start-up backfill, which runs once.
async fn outcomes_are_written_at_completion_and_backfilled(app: TestApp) {
    app.clock.set(at(2026, 3, 2));
    let on_time = accepted_case(&app).await;
    decided_and_delivered(&app, &on_time, true).await;
    let march = (
        chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
    );
    let all = domain::access::Scope::All;
    let o = app.store.outcomes(&all, march.0, march.1).await.unwrap();
    assert_eq!(o.len(), 1);
    assert_eq!(o[0].case_number, on_time);
    assert!(o[0].on_time && o[0].early && !o[0].overdue, "{:?}", o[0]);
    assert_eq!(o[0].decided_by, "曹燕萍", "the head who decided");
    assert_ne!(o[0].accepted_by, "未知");

    // A late one completed the way an older build did: events only, no outcome.
    app.clock.set(at(2026, 3, 2));
    let late = accepted_case(&app).await;
    app.clock.set(at(2026, 3, 20));
    decided_and_delivered(&app, &late, false).await;
    let c = app.store.get_case(&late).await.unwrap().unwrap();
    let clerk = app
        .store
        .find_user("clerk.yunxi.scjg")
        .await
        .unwrap()
        .unwrap();
    let actor = web::cases::actor_for_user(&app.state, &clerk)
        .await
        .unwrap();
    let now = app.clock.now();
    let cal = app.state.calendar_for(&c.filing.place).await.unwrap();
    let d = domain::case::decide(&c, &domain::case::Command::Complete, &actor, now, &cal).unwrap();
    let events = domain::case::seal(
        c.filing.suite,
        &late,
        c.version,
        &c.last_hash,
        now,
        &d.actor,
        "",
        &[],
        d.events,
    );
    let mut done = c.clone();
    for e in &events {
        done.apply(e);
    }
    app.store
        .append_events(&done, c.version, &events)
        .await
        .unwrap();
    assert_eq!(
        app.store
            .outcomes(&all, march.0, march.1)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.store.completed_without_outcome(10).await.unwrap(),
        vec![late.clone()]
    );
    assert_eq!(
        web::supervision::backfill_outcomes(&app.state)
            .await
            .unwrap(),
        1
    );
    let o = app.store.outcomes(&all, march.0, march.1).await.unwrap();
    let backfilled = o.iter().find(|r| r.case_number == late).unwrap();
    assert!(!backfilled.on_time && !backfilled.early, "{backfilled:?}");
    assert!(app
        .store
        .completed_without_outcome(10)
        .await
        .unwrap()
        .is_empty());
    // Once done, start-ups do not look again.
    assert_eq!(
        web::supervision::backfill_outcomes(&app.state)
            .await
            .unwrap(),
        0
    );
    // The evaluation sees both.
    let sup = app.page_login(SUP_CITY).await;
    let page = app
        .get(
            "/supervision/evaluation?from=2026-03-01&to=2026-03-31&by=department",
            &sup,
        )
        .await;
    assert!(page.text().contains("50.0%"), "one of two on time");
}

/// 纠错 across a subtree (issue 19, finding 16): a violation found as its event is recorded is
/// listed for the supervisors over the case's places — filtered by rule, unit and period,
/// exported to Excel — and a 督办单 is issued from its row; elsewhere and to others, nothing.
async fn violations_are_listed_across_the_subtree(app: TestApp) {
    app.clock.set(at(2026, 3, 2));
    let clerk = app.api_login("clerk.yunxi.scjg").await;
    let id = domain::identity::complete_resident_id("33992119850312262").unwrap();
    let r = app.post_json("/api/v1/cases", &clerk, &json!({ "item_code": FOOD, "applicant": { "kind": "person", "name": "周小燕", "id_number": id, "phone": "13905781001" } })).await;
    let n = r.json()["filing"]["number"].as_str().unwrap().to_string();
    // Not pre-reviewed within 5 working days: accepted by the system on 03-10 (art. 32), which
    // the window should not have let happen.
    app.clock.set(at(2026, 3, 10));
    assert_eq!(
        web::cases::auto_accept_overdue(&app.state).await.unwrap(),
        1
    );
    let sup = app.page_login(SUP_COUNTY).await;
    let march = "from=2026-03-01&until=2026-03-31";
    let page = app
        .get(&format!("/supervision/violations?{march}"), &sup)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    let row = html
        .split("<tr>")
        .find(|r| r.contains(n.as_str()))
        .expect("the case is listed");
    assert!(
        row.contains("逾期未预审视为受理") && row.contains("2026-03-10"),
        "{row}"
    );
    let by_rule = |rule: &'static str| {
        let (app, sup) = (&app, &sup);
        async move {
            app.get(&format!("/supervision/violations?{march}&rule={rule}"), sup)
                .await
                .text()
        }
    };
    assert!(by_rule("accepted_by_system").await.contains(n.as_str()));
    assert!(!by_rule("fee_above_standard").await.contains(n.as_str()));
    assert!(!app
        .get(
            "/supervision/violations?from=2026-03-11&until=2026-03-31",
            &sup
        )
        .await
        .text()
        .contains(n.as_str()));
    assert!(app
        .get(
            &format!("/supervision/violations?{march}&unit={COUNTY}"),
            &sup
        )
        .await
        .text()
        .contains(n.as_str()));
    // Excel: the same rows.
    let x = app
        .get(&format!("/supervision/violations.xlsx?{march}"), &sup)
        .await;
    assert_eq!(x.status, StatusCode::OK);
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(x.body.clone())).unwrap();
    let sheet = wb.worksheet_range("纠错").unwrap();
    assert!(sheet
        .rows()
        .any(|r| r[3] == n.as_str() && r[1] == "逾期未预审视为受理"));
    // A 督办单 from the row, as the row's form sends it.
    let r = app
        .post_form(
            "/supervision/orders",
            &sup,
            &[
                ("case_number", n.as_str()),
                ("unit", ""),
                ("subject", "纠错:逾期未预审视为受理"),
                ("body", "请核查整改并回复。"),
                ("days", "3"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(row.contains("发督办单"));
    // Another township's supervisor does not see it; a clerk may not ask.
    let other = app.page_login(SUP_TOWNSHIP_B).await;
    assert!(!app
        .get(&format!("/supervision/violations?{march}"), &other)
        .await
        .text()
        .contains(n.as_str()));
    let clerk_page = app.page_login("clerk.yunxi.scjg").await;
    assert_eq!(
        app.get("/supervision/violations", &clerk_page).await.status,
        StatusCode::FORBIDDEN
    );
}
