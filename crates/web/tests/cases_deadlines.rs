//! HTTP tests of case deadlines and fees on SQLite and PostgreSQL: deadline arithmetic across 国庆,
//! suspension stopping the clock, a closure added on one server moving the next deadline on
//! another, and fees following the standard.

mod common;

use axum::http::StatusCode;
use chrono::TimeZone;
use common::cases::*;
use common::{cmd, ok, TestApp};
use demo::*;
use serde_json::json;

both_backends!(
    days_left_count_the_places_own_closures,
    deadlines_cross_national_day_and_suspension_stops_the_clock,
    fees_follow_the_standard,
    receipts_are_the_platforms_and_reconciled_daily,
);

async fn deadlines_cross_national_day_and_suspension_stops_the_clock(app: TestApp) {
    // Friday 2025-09-26, 10:00 Shanghai.
    app.clock
        .set(chrono::Utc.with_ymd_and_hms(2025, 9, 26, 2, 0, 0).unwrap());
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    let c = ok(&app, &clerk, &n, json!({ "action": "accept" })).await;
    // 09-28 (Sun, make-up) 1, 09-29 2, 09-30 3, 10-01..08 off, 10-09 4, 10-10 5, 10-11 (Sat, make-up) 6,
    // 10-13 7, 10-14 8, 10-15 9, 10-16 10 … 10-30 is the 20th.
    assert_eq!(c["deadlines"]["promised_due"], "2025-10-16");
    assert_eq!(c["deadlines"]["statutory_due"], "2025-10-30");
    // Suspended on Mon 10-13, resumed Mon 10-20: 5 working days (10-14..10-20) do not count.
    app.clock
        .set(chrono::Utc.with_ymd_and_hms(2025, 10, 13, 2, 0, 0).unwrap());
    let rev = app.api_login(REVIEWER).await;
    let r = cmd(
        &app,
        &rev,
        &n,
        json!({ "action": "suspend", "procedure": "testing", "reason": "", "expected_days": 5 }),
    )
    .await;
    assert_eq!(
        r.json()["code"],
        "reason_required",
        "the applicant must be told why in writing"
    );
    ok(&app, &rev, &n, json!({ "action": "suspend", "procedure": "testing", "reason": "场所卫生检测", "expected_days": 5 })).await;
    app.clock
        .set(chrono::Utc.with_ymd_and_hms(2025, 10, 20, 2, 0, 0).unwrap());
    let rev = app.api_login(REVIEWER).await;
    let c = ok(&app, &rev, &n, json!({ "action": "resume" })).await;
    assert_eq!(c["suspended_days"], 5);
    assert_eq!(c["deadlines"]["promised_due"], "2025-10-23");
    assert_eq!(c["deadlines"]["statutory_due"], "2025-11-06");
    // One extension of 10, by the department head only.
    assert_eq!(
        cmd(
            &app,
            &rev,
            &n,
            json!({ "action": "extend", "reason": "情况复杂" })
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let head = app.api_login(HEAD).await;
    let c = ok(
        &app,
        &head,
        &n,
        json!({ "action": "extend", "reason": "需现场复核" }),
    )
    .await;
    assert_eq!(c["deadlines"]["statutory_due"], "2025-11-20");
    assert_eq!(
        cmd(
            &app,
            &head,
            &n,
            json!({ "action": "extend", "reason": "再次延期" })
        )
        .await
        .json()["code"],
        "already_extended"
    );
    let msgs = app.store.messages_for_case(&n).await.unwrap();
    assert!(
        msgs.iter()
            .any(|m| m.text.contains("检验、检测、检疫") && m.text.contains("5个工作日")),
        "written notice of the special procedure"
    );
    assert!(msgs
        .iter()
        .any(|m| m.text.contains("延长10个工作日") && m.text.contains("需现场复核")));
    // A reprint of the acceptance notice states what was issued on 09-26, and notes the change.
    let page = app.page_login(CLERK).await;
    let doc = app
        .get(&format!("/cases/{n}/documents/acceptance"), &page)
        .await
        .text();
    let (issued, notice) = doc
        .split_once("注:本件为补打")
        .expect("the change is noted");
    assert!(
        issued.contains("2025年10月16日") && issued.contains("2025年10月30日"),
        "{issued}"
    );
    assert!(!issued.contains("2025年11月20日"), "{issued}");
    assert!(
        notice.contains("2025年11月06日") && notice.contains("2025年11月20日"),
        "{notice}"
    );
}

async fn fees_follow_the_standard(app: TestApp) {
    let clerk = app.api_login("clerk.yunxi.zrzy").await;
    let n = window_case(&app, "339900-ZS-001", &clerk).await;
    let c = ok(&app, &clerk, &n, json!({ "action": "accept" })).await;
    assert_eq!(c["fee_due_fen"], 2400, "one standard: known at acceptance");
    let r = cmd(&app, &clerk, &n, json!({ "action": "record_payment", "amount_fen": 3000, "method": "cash", "receipt_no": "PJ1" })).await;
    assert_eq!(r.json()["code"], "fee_above_standard");
    // 100 square metres.
    assert_eq!(
        ok(
            &app,
            &clerk,
            &n,
            json!({ "action": "assess_fees", "lines": [[0, 100]] })
        )
        .await["fee_due_fen"],
        240000
    );
    ok(&app, &clerk, &n, json!({ "action": "record_payment", "amount_fen": 200000, "method": "card", "receipt_no": "PJ2" })).await;
    // The slip, reprinted, shows what is due and each receipt paid (issue 19, finding 3).
    let slip = app
        .get(&format!("/cases/{n}/documents/slip"), &clerk)
        .await
        .text();
    assert!(slip.contains("应收 2400.00 元"), "{slip}");
    // The number the caller sent is not the receipt's: the platform issues it.
    let c = app.get(&format!("/api/v1/cases/{n}"), &clerk).await.json();
    // The query code is on the applicant's copy only, not on the window's or the department's.
    let code = c["filing"]["query_code"].as_str().unwrap();
    assert_eq!(slip.matches(code).count(), 1, "{slip}");
    assert_eq!(slip.matches("No. ").count(), 3, "three copies");
    let issued = c["receipts"][0]["receipt_no"].as_str().unwrap().to_string();
    assert_ne!(issued, "PJ2");
    assert!(
        slip.contains(&format!("已收 2000.00 元,票据号 {issued}")),
        "{slip}"
    );
    assert_eq!(cmd(&app, &clerk, &n, json!({ "action": "record_payment", "amount_fen": 50000, "method": "card", "receipt_no": "PJ3" })).await.json()["code"], "fee_above_standard");
    assert_eq!(
        cmd(
            &app,
            &clerk,
            &n,
            json!({ "action": "refund", "amount_fen": 300000, "reason": "多收" })
        )
        .await
        .json()["code"],
        "refund_too_large"
    );
    // Decide, then delivery waits for the fee.
    let rev = app.api_login("rev.yunxi.zrzy").await;
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
            &app,
            &rev,
            &n,
            json!({ "action": "complete_stage", "index": i, "approved": true }),
        )
        .await;
    }
    ok(
        &app,
        &app.api_login("head.yunxi.zrzy").await,
        &n,
        json!({ "action": "decide", "granted": true }),
    )
    .await;
    let r = cmd(
        &app,
        &clerk,
        &n,
        json!({ "action": "deliver", "method": "window", "recipient": "周小燕" }),
    )
    .await;
    assert_eq!(r.json()["code"], "fee_unpaid");
    ok(&app, &clerk, &n, json!({ "action": "record_payment", "amount_fen": 40000, "method": "card", "receipt_no": "PJ4" })).await;
    ok(
        &app,
        &clerk,
        &n,
        json!({ "action": "deliver", "method": "window", "recipient": "周小燕" }),
    )
    .await;
    // A free item takes no money.
    let food_clerk = app.api_login(CLERK).await;
    let f = window_case(&app, FOOD, &food_clerk).await;
    ok(&app, &food_clerk, &f, json!({ "action": "accept" })).await;
    assert_eq!(cmd(&app, &food_clerk, &f, json!({ "action": "record_payment", "amount_fen": 100, "method": "cash", "receipt_no": "PJ5" })).await.json()["code"], "fee_for_free_item");
}

/// Two servers on one PostgreSQL database (issue 15, part 6): a closure added on one reaches the
/// other's cached calendar through the cache versions and NOTIFY, and the next case accepted on
/// the other counts it. Each "server" is an `AppState` with its own caches and connection pool.
#[tokio::test]
async fn a_closure_added_on_one_server_moves_the_next_deadline_on_another() {
    if common::pg_url().is_none() {
        return;
    }
    let a = common::spawn_app(common::Backend::Postgres).await;
    // The second server: the same schema as `a`, its own pool, caches and watcher.
    let (b, mut refreshed) = common::second_server(&a).await;

    let clerk = b.api_login(CLERK).await;
    let before = window_case(&b, FOOD, &clerk).await;
    let c = ok(&b, &clerk, &before, json!({ "action": "accept" })).await;
    assert_eq!(c["deadlines"]["promised_due"], "2026-03-16");

    // On server a: the county closes on Thursday 5 March.
    let admin = a.api_login(ADMIN).await;
    let r = a
        .post_json(
            "/api/v1/calendar/closures",
            &admin,
            &json!({ "region_code": COUNTY, "date": "2026-03-05", "reason": "停电检修" }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());

    // Server b reloads within moments (pushed by NOTIFY); the bound only guards a broken watcher.
    tokio::time::timeout(std::time::Duration::from_secs(10), refreshed.changed())
        .await
        .expect("server b saw the change")
        .unwrap();
    let after = window_case(&b, FOOD, &clerk).await;
    let c = ok(&b, &clerk, &after, json!({ "action": "accept" })).await;
    assert_eq!(
        c["deadlines"]["promised_due"], "2026-03-17",
        "one working day later for the closure"
    );
}

/// Days left on the case page and in the workbench are counted on the accepting place's calendar
/// (issue 19, finding 14): a county closure added after acceptance leaves the due dates where the
/// notice put them, and takes a working day off what is left.
async fn days_left_count_the_places_own_closures(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    let c = ok(&app, &clerk, &n, json!({ "action": "accept" })).await;
    assert_eq!(c["deadlines"]["promised_due"], "2026-03-16");
    let left = |html: &str| -> Option<u32> {
        let i = html.find("剩")?;
        let rest = &html[i + "剩".len()..];
        rest[..rest.find("个工作日")?].parse().ok()
    };
    let page = app.get(&format!("/cases/{n}"), &clerk).await.text();
    let before = left(&page).expect("days left on the case page");
    let admin = app.api_login(ADMIN).await;
    let r = app
        .post_json(
            "/api/v1/calendar/closures",
            &admin,
            &json!({ "region_code": COUNTY, "date": "2026-03-05", "reason": "停电检修" }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let page = app.get(&format!("/cases/{n}"), &clerk).await.text();
    assert!(
        page.contains("2026-03-16"),
        "the due date stays as notified"
    );
    assert_eq!(
        left(&page),
        Some(before - 1),
        "the closed Thursday is no working day"
    );
    let list = app.get("/cases?q=review", &clerk).await.text();
    let row = &list[list.find(&n).expect("in the review queue")..];
    assert_eq!(left(row), Some(before - 1), "the workbench counts the same");
}

/// Receipts are issued by the platform from the center's counter (a caller's number is ignored,
/// a refused payment takes none), a paper receipt number is recorded once, refunds name the
/// receipt; the daily report totals the day by item and method, and the reconciliation flags a
/// number taken and never recorded until it is voided (issue 19, finding 6).
async fn receipts_are_the_platforms_and_reconciled_daily(app: TestApp) {
    let clerk = app.api_login("clerk.yunxi.zrzy").await;
    let n = window_case(&app, "339900-ZS-001", &clerk).await;
    let c = ok(&app, &clerk, &n, json!({ "action": "accept" })).await;
    let place = c["filing"]["place"].as_str().unwrap().to_string();
    let year = chrono::Datelike::year(&app::services::Clock::today(app.clock.as_ref()));
    let prefix = format!("PJ{place}{year}");
    ok(
        &app,
        &clerk,
        &n,
        json!({ "action": "assess_fees", "lines": [[0, 100]] }),
    )
    .await;
    let pay = |amount: i64, method: &str, paper: Option<&str>| {
        let mut body = json!({ "action": "record_payment", "amount_fen": amount, "method": method, "receipt_no": "CALLER-1" });
        if let Some(p) = paper {
            body["paper_no"] = json!(p);
        }
        body
    };
    let c = ok(&app, &clerk, &n, pay(100000, "cash", Some("ZP-0001"))).await;
    let first = c["receipts"][0]["receipt_no"].as_str().unwrap().to_string();
    assert!(first.starts_with(&prefix), "{first} under {prefix}");
    assert_eq!(c["receipts"][0]["paper_no"], "ZP-0001");
    let serial = |no: &str| no[prefix.len()..].parse::<i64>().unwrap();
    // Refused payments take no number: above the standard, and a paper number used before.
    assert_eq!(
        cmd(&app, &clerk, &n, pay(500000, "card", None))
            .await
            .json()["code"],
        "fee_above_standard"
    );
    let r = cmd(&app, &clerk, &n, pay(1000, "card", Some("ZP-0001"))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["code"], "paper_receipt_taken");
    let c = ok(&app, &clerk, &n, pay(50000, "card", None)).await;
    let second = c["receipts"][1]["receipt_no"].as_str().unwrap().to_string();
    assert_eq!(
        serial(&second),
        serial(&first) + 1,
        "no number lost to a refusal"
    );
    // The paper number is unique across cases too (the ledger's index, on both backends).
    let other = window_case(&app, "339900-ZS-001", &clerk).await;
    ok(&app, &clerk, &other, json!({ "action": "accept" })).await;
    let r = cmd(&app, &clerk, &other, pay(1000, "cash", Some("ZP-0001"))).await;
    assert_eq!(r.json()["code"], "paper_receipt_taken", "{}", r.text());
    assert_eq!(r.json()["field"], "paper_no");

    // Refunds name a receipt of the case and stay within it.
    let refund = |receipt: &str, amount: i64| json!({ "action": "refund", "amount_fen": amount, "reason": "多收", "receipt_no": receipt });
    assert_eq!(
        cmd(&app, &clerk, &n, refund("", 100)).await.json()["code"],
        "reason_required"
    );
    assert_eq!(
        cmd(&app, &clerk, &n, refund(&format!("{prefix}999999"), 100))
            .await
            .json()["code"],
        "unknown_receipt"
    );
    assert_eq!(
        cmd(&app, &clerk, &n, refund(&second, 50001)).await.json()["code"],
        "refund_above_receipt"
    );
    let c = ok(&app, &clerk, &n, refund(&second, 20000)).await;
    assert_eq!(c["receipts"][1]["refunded_fen"], 20000);

    // The day's report: every line, totals by item and method, nothing to reconcile.
    let page = app.page_login("clerk.yunxi.zrzy").await;
    let report = app.get(&format!("/fees?center={place}"), &page).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text());
    let html = report.text();
    for no in [&first, &second] {
        assert!(html.contains(no.as_str()), "{no} in the report");
    }
    assert!(html.contains("ZP-0001"));
    assert!(html.contains("收费 <strong>1500.00</strong> 元,退费 <strong>200.00</strong> 元,净额 <strong>1300.00</strong>"), "{html}");
    assert!(html.contains("对账无异常"), "{html}");
    // By method: cash 1000.00; card 500.00 in, 200.00 back.
    assert!(
        html.contains("<td>现金</td><td>1000.00</td><td>0.00</td><td>1000.00</td>"),
        "{html}"
    );
    assert!(
        html.contains("<td>刷卡</td><td>500.00</td><td>200.00</td><td>300.00</td>"),
        "{html}"
    );

    // A number taken and never recorded is a gap until it is voided.
    let center = domain::RegionCode::parse(&place).unwrap();
    let lost = app::fees::next_receipt(&app.state, &center).await.unwrap();
    let html = app
        .get(&format!("/fees?center={place}"), &page)
        .await
        .text();
    assert!(html.contains(&format!("缺号:票据号 {lost}")), "{html}");
    assert!(!html.contains("对账无异常"));
    app::fees::void(&app.state, &center, &lost, "打印机卡纸,票据作废").await;
    let html = app
        .get(&format!("/fees?center={place}"), &page)
        .await
        .text();
    assert!(html.contains("对账无异常"), "{html}");
    assert!(
        html.contains(&format!("{lost}:打印机卡纸,票据作废")),
        "{html}"
    );

    // The Excel export holds the same lines and totals.
    let x = app.get(&format!("/fees.xlsx?center={place}"), &page).await;
    assert_eq!(x.status, StatusCode::OK);
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(x.body.clone())).unwrap();
    assert_eq!(wb.sheet_names(), vec!["收费明细", "按事项汇总", "对账"]);
    let lines = wb.worksheet_range("收费明细").unwrap();
    let receipts: Vec<String> = lines.rows().skip(3).map(|r| r[2].to_string()).collect();
    assert_eq!(
        receipts,
        vec![first.clone(), second.clone(), second.clone()]
    );
    let totals = wb.worksheet_range("按事项汇总").unwrap();
    let sum = totals.rows().find(|r| r[1] == "合计").expect("a total row");
    assert_eq!(
        (sum[3].to_string(), sum[6].to_string()),
        ("1500".to_string(), "1300".to_string())
    );

    // A township's clerk, and a reviewer, may not read the county center's fees.
    let far = app.page_login(CLERK_TOWNSHIP_A).await;
    assert_eq!(
        app.get(&format!("/fees?center={place}"), &far).await.status,
        StatusCode::FORBIDDEN
    );
    let rev = app.page_login("rev.yunxi.zrzy").await;
    assert_eq!(
        app.get(&format!("/fees?center={place}"), &rev).await.status,
        StatusCode::FORBIDDEN
    );
}
