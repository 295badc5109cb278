//! HTTP tests of the case lifecycle on SQLite and PostgreSQL: the whole journey, every refusal,
//! deadline arithmetic across 国庆, fees, lookup, notices, results and the tamper check.

mod common;

use axum::http::{Method, StatusCode};
use chrono::TimeZone;
use common::{cmd, ok, Session, TestApp};
use demo::*;
use serde_json::{json, Value};

both_backends!(
    online_journey_from_draft_to_completion,
    refusals_name_their_reason,
    deadlines_cross_national_day_and_suspension_stops_the_clock,
    fees_follow_the_standard,
    art32_accepts_automatically_as_of_receipt,
    immediate_items_complete_on_the_spot,
    uploads_are_checked_by_content,
    a_tampered_event_is_caught,
    window_journey_in_the_pages,
    queues_page_by_keyset,
);

const FOOD: &str = ITEM_FOOD_LICENSE;
const CLERK: &str = "clerk.yunxi.scjg";
const REVIEWER: &str = "rev.yunxi.scjg";
const HEAD: &str = "head.yunxi.scjg";

fn credit_code() -> String {
    domain::identity::complete_credit_code("91339921MA2C0TP7K").unwrap()
}
fn person_id() -> String {
    domain::identity::complete_resident_id("33992119850312262").unwrap()
}

fn person(name: &str) -> Value {
    json!({ "kind": "person", "name": name, "id_number": person_id(), "phone": "13905781001" })
}

/// Files at the 云溪县 市场监管 window and marks every material received.
async fn window_case(app: &TestApp, item: &str, clerk: &Session) -> String {
    let r = app
        .post_json(
            "/api/v1/cases",
            clerk,
            &json!({ "item_code": item, "applicant": person("周小燕") }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    let n = c["filing"]["number"].as_str().unwrap().to_string();
    for i in 0..c["materials"].as_array().unwrap().len() {
        ok(
            app,
            clerk,
            &n,
            json!({ "action": "mark_material", "index": i, "status": "received" }),
        )
        .await;
    }
    n
}

async fn online_journey_from_draft_to_completion(app: TestApp) {
    let e = app.api_login(ENTERPRISE).await;
    let r = app
        .post_json("/api/v1/cases", &e, &json!({ "item_code": FOOD, "applicant": { "kind": "enterprise", "name": "云溪县茶香食品有限公司", "id_number": credit_code(), "phone": "13905781020" } }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    assert_eq!(c["state"], "draft");
    let n = c["filing"]["number"].as_str().unwrap().to_string();
    let code = c["filing"]["query_code"].as_str().unwrap().to_string();
    assert!(
        n.starts_with(COUNTY) && n.len() == 25,
        "number = region + date + sequence: {n}"
    );
    assert_eq!(&n[12..20], "20260302");
    let upload = app
        .request(
            Method::POST,
            &format!("/api/v1/cases/{n}/materials/0"),
            &e,
            Some("application/pdf"),
            b"%PDF-1.4 demo".to_vec(),
            true,
        )
        .await;
    assert_eq!(upload.status, StatusCode::OK, "{}", upload.text());
    assert_eq!(
        ok(&app, &e, &n, json!({ "action": "submit" })).await["state"],
        "submitted"
    );

    let clerk = app.api_login(CLERK).await;
    let queue = app
        .get("/api/v1/cases?queue=prereview", &clerk)
        .await
        .json();
    assert!(
        queue
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["number"] == n.as_str()),
        "the window's pre-review queue has it"
    );
    ok(&app, &clerk, &n, json!({ "action": "mark_material", "index": 0, "status": "defective", "reason": "申请书未盖章" })).await;
    let c = ok(&app, &clerk, &n, json!({ "action": "request_correction" })).await;
    assert_eq!(c["state"], "correction_requested");
    let events = app
        .get(&format!("/api/v1/cases/{n}/events"), &clerk)
        .await
        .json();
    let notice = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"]["type"] == "correction_requested")
        .unwrap();
    let defects = notice["kind"]["defects"].as_array().unwrap();
    let materials = c["materials"].as_array().unwrap();
    let missing_mandatory = materials.iter().filter(|m| m["mandatory"] == true).count();
    assert_eq!(
        defects.len(),
        missing_mandatory,
        "one notice names every defective or missing mandatory material"
    );
    assert!(defects.iter().any(|d| d["reason"] == "申请书未盖章"));
    let msgs = app.get("/api/v1/messages", &e).await.json();
    assert!(
        msgs.as_array()
            .unwrap()
            .iter()
            .any(|m| m["text"].as_str().unwrap().contains("申请书未盖章")),
        "the applicant is told"
    );

    ok(&app, &e, &n, json!({ "action": "resubmit" })).await;
    for i in 0..materials.len() {
        ok(
            &app,
            &clerk,
            &n,
            json!({ "action": "mark_material", "index": i, "status": "received" }),
        )
        .await;
    }
    let c = ok(&app, &clerk, &n, json!({ "action": "accept" })).await;
    assert_eq!(c["state"], "in_review");
    // 2026-03-02 + 10 working days (promised) and + 20 (statutory): no holiday in between.
    assert_eq!(c["deadlines"]["promised_due"], "2026-03-16");
    assert_eq!(c["deadlines"]["statutory_due"], "2026-03-30");

    let rev = app.api_login(REVIEWER).await;
    loop {
        let c = app.get(&format!("/api/v1/cases/{n}"), &rev).await.json();
        let active: Vec<usize> = c["stages"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .filter(|(_, s)| !s["started_on"].is_null() && s["completed_on"].is_null())
            .map(|(i, _)| i)
            .collect();
        let Some(i) = active.first() else { break };
        ok(&app, &rev, &n, json!({ "action": "complete_stage", "index": i, "approved": true, "opinion": "符合条件" })).await;
    }
    let head = app.api_login(HEAD).await;
    let c = ok(
        &app,
        &head,
        &n,
        json!({ "action": "decide", "granted": true, "licence_no": "JY13399210000001" }),
    )
    .await;
    assert_eq!(c["state"], "decided");
    assert_eq!(
        c["deadlines"]["delivery_due"], "2026-03-16",
        "art. 44: 10 working days after the decision"
    );
    ok(
        &app,
        &clerk,
        &n,
        json!({ "action": "deliver", "method": "window", "recipient": "张经理" }),
    )
    .await;
    assert_eq!(
        ok(&app, &clerk, &n, json!({ "action": "complete" })).await["state"],
        "completed"
    );

    // The applicant follows every step without logging in.
    let look = app
        .get(
            &format!("/api/v1/lookup?number={n}&code={code}"),
            &Session::default(),
        )
        .await
        .json();
    assert_eq!(look["state"], "completed");
    let labels: Vec<&str> = look["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t[1].as_str().unwrap())
        .collect();
    for step in [
        "提交申请,材料已接收",
        "补正后重新提交",
        "受理",
        "作出准予许可决定",
        "办结",
    ] {
        assert!(
            labels.iter().any(|l| l.starts_with(step)),
            "{step} in {labels:?}"
        );
    }
    assert!(
        !look.to_string().contains(&credit_code()),
        "no identity numbers in the public view"
    );
    let wrong = app
        .get(
            &format!("/api/v1/lookup?number={n}&code=WRONG123"),
            &Session::default(),
        )
        .await;
    // Nothing matches that number and code: 404, the same answer as for a number that does not exist.
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert_eq!(wrong.json()["code"], "lookup_failed");
    let results = app.get("/api/v1/results", &Session::default()).await.json();
    assert!(results
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["case_number"] == n.as_str() && r["licence_no"] == "JY13399210000001"));
    // Nothing changes a completed case.
    assert_eq!(
        cmd(&app, &clerk, &n, json!({ "action": "withdraw" }))
            .await
            .status,
        StatusCode::CONFLICT
    );
    let a = app.api_login(ADMIN).await;
    let v = app
        .post_json("/api/v1/admin/verify", &a, &json!({}))
        .await
        .json();
    assert_eq!(v["findings"], json!([]), "{v}");
    // Every filing above ended its number's claim in the transaction that created the case.
    assert_eq!(
        store::record::RecordStore::claims(app.store.as_ref(), None)
            .await
            .unwrap(),
        Vec::<String>::new()
    );
    assert!(v["cases"].as_u64().unwrap() >= 1 && v["numbers"].as_u64().unwrap() >= 1);
}

async fn refusals_name_their_reason(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &clerk,
            &json!({ "item_code": FOOD, "applicant": person("吴海军") }),
        )
        .await;
    let n = r.json()["filing"]["number"].as_str().unwrap().to_string();
    // Missing materials.
    let r = cmd(&app, &clerk, &n, json!({ "action": "accept" })).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["code"], "material_missing");
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("食品经营许可申请书"),
        "{}",
        r.text()
    );
    // Wrong role: a reviewer cannot accept; wrong state: nobody decides before acceptance.
    let rev = app.api_login(REVIEWER).await;
    assert_eq!(
        cmd(&app, &rev, &n, json!({ "action": "accept" }))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let head = app.api_login(HEAD).await;
    let r = cmd(
        &app,
        &head,
        &n,
        json!({ "action": "decide", "granted": true }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "wrong_state");
    // Wrong place: another township's clerk cannot even see it.
    let other = app.api_login(CLERK_TOWNSHIP_B).await;
    assert_eq!(
        app.get(&format!("/api/v1/cases/{n}"), &other).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        cmd(
            &app,
            &other,
            &n,
            json!({ "action": "refuse", "reasons": "x" })
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // Filing at the wrong level says where to go.
    let t = app.api_login(CLERK_TOWNSHIP_A).await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &t,
            &json!({ "item_code": FOOD, "applicant": person("李四") }),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["code"], "wrong_place");
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("县(市、区)行政服务中心"));
    // A walk-in applicant's region must exist and lie in the window's county.
    for region in ["339902101201", "339921999999"] {
        let r = app.post_json("/api/v1/cases", &t, &json!({ "item_code": ITEM_GETIHU, "applicant": person("李四"), "applicant_region": region })).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{region}: {}", r.text());
        assert_eq!(r.json()["field"], "applicant_region");
    }
    // Invalid identity numbers are refused on their field.
    let mut bad_id = person_id();
    let last = bad_id.pop().unwrap();
    bad_id.push(if last == '1' { '2' } else { '1' });
    let r = app.post_json("/api/v1/cases", &clerk, &json!({ "item_code": FOOD, "applicant": { "kind": "person", "name": "王五", "id_number": bad_id, "phone": "139" } })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, vec!["applicant.id_number", "applicant.phone"]);
    // Refusal needs reasons; then the case is final.
    assert_eq!(
        cmd(
            &app,
            &clerk,
            &n,
            json!({ "action": "refuse", "reasons": " " })
        )
        .await
        .json()["code"],
        "reason_required"
    );
    assert_eq!(
        ok(
            &app,
            &clerk,
            &n,
            json!({ "action": "refuse", "reasons": "不属于本机关职权范围" })
        )
        .await["state"],
        "refused"
    );
    assert_eq!(
        cmd(&app, &clerk, &n, json!({ "action": "accept" }))
            .await
            .status,
        StatusCode::CONFLICT
    );
    // A second correction notice is allowed but marked.
    let n2 = window_case(&app, FOOD, &clerk).await;
    ok(
        &app,
        &clerk,
        &n2,
        json!({ "action": "mark_material", "index": 0, "status": "defective", "reason": "缺页" }),
    )
    .await;
    ok(&app, &clerk, &n2, json!({ "action": "request_correction" })).await;
    ok(&app, &clerk, &n2, json!({ "action": "resubmit" })).await;
    let c = ok(&app, &clerk, &n2, json!({ "action": "request_correction", "defects": [{ "material": "食品经营许可申请书", "reason": "仍缺页" }] })).await;
    assert_eq!(c["correction_notices"], 2);
    let ev = app
        .get(&format!("/api/v1/cases/{n2}/events"), &clerk)
        .await
        .json();
    assert_eq!(
        ev.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"]["type"] == "correction_requested" && e["kind"]["repeat"] == true)
            .count(),
        1
    );
    // AutoAccept is the system's alone.
    assert_eq!(
        cmd(&app, &clerk, &n2, json!({ "action": "auto_accept" }))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

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

async fn art32_accepts_automatically_as_of_receipt(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    // 2026-03-02 + 5 working days = 03-09; on 03-09 nothing happens yet.
    app.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 3, 9, 2, 0, 0).unwrap());
    assert_eq!(
        yizhan_web::cases::auto_accept_overdue(&app.state)
            .await
            .unwrap(),
        0
    );
    app.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 3, 10, 2, 0, 0).unwrap());
    assert_eq!(
        yizhan_web::cases::auto_accept_overdue(&app.state)
            .await
            .unwrap(),
        1
    );
    let c = app.store.get_case(&n).await.unwrap().unwrap();
    assert_eq!(c.state, domain::case::CaseState::InReview);
    assert_eq!(
        c.accepted_on,
        Some(chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()),
        "as of the day of receipt"
    );
    let events = app.store.case_events(&n).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.actor.user_id, None, "recorded as a system event");
    assert!(matches!(
        last.kind,
        domain::case::EventKind::Accepted {
            by_system: true,
            ..
        }
    ));
    assert_eq!(
        yizhan_web::cases::auto_accept_overdue(&app.state)
            .await
            .unwrap(),
        0,
        "once only"
    );
}

async fn immediate_items_complete_on_the_spot(app: TestApp) {
    let clerk = app.api_login(CLERK_TOWNSHIP_A).await;
    let n = window_case(&app, ITEM_GETIHU, &clerk).await;
    assert_eq!(
        cmd(&app, &clerk, &n, json!({ "action": "accept" }))
            .await
            .json()["code"],
        "use_immediate"
    );
    let c = ok(
        &app,
        &clerk,
        &n,
        json!({ "action": "handle_immediately", "licence_no": "92339921MA2C2AM2X" }),
    )
    .await;
    assert_eq!(c["state"], "completed");
    assert_eq!(c["accepted_on"], c["completed_on"]);
    let food = window_case(&app, FOOD, &app.api_login(CLERK).await).await;
    assert_eq!(
        cmd(
            &app,
            &app.api_login(CLERK).await,
            &food,
            json!({ "action": "handle_immediately" })
        )
        .await
        .json()["code"],
        "not_immediate"
    );
}

async fn uploads_are_checked_by_content(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    let exe = app
        .request(
            Method::POST,
            &format!("/api/v1/cases/{n}/materials/0"),
            &clerk,
            Some("application/pdf"),
            b"MZ\x90\x00 not a pdf".to_vec(),
            true,
        )
        .await;
    assert_eq!(exe.status, StatusCode::BAD_REQUEST);
    assert_eq!(exe.json()["code"], "unsupported_type");
    let png = [
        &[0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..],
        b"rest",
    ]
    .concat();
    let r = app
        .request(
            Method::POST,
            &format!("/api/v1/cases/{n}/materials/0"),
            &clerk,
            Some("image/png"),
            png.clone(),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let sha = r.json()["sha256"].as_str().unwrap().to_string();
    let stored = app
        .state
        .config
        .data_dir
        .join("files")
        .join(&sha[..2])
        .join(&sha);
    assert_eq!(
        std::fs::read(stored).unwrap(),
        png,
        "stored content-addressed under the data directory"
    );
    let c = app.get(&format!("/api/v1/cases/{n}"), &clerk).await.json();
    assert_eq!(c["materials"][0]["files"][0], sha.as_str());
    let big = vec![b'%'; 11 * 1024 * 1024];
    let r = app
        .request(
            Method::POST,
            &format!("/api/v1/cases/{n}/materials/0"),
            &clerk,
            Some("application/pdf"),
            big,
            true,
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
}

async fn a_tampered_event_is_caught(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    let mut events = app.store.case_events(&n).await.unwrap();
    assert!(domain::case::verify_chain(&events).is_ok());
    // Chained with the suite the database was made with (SM3 when YIZHAN_TEST_SUITE=gm).
    assert_eq!(
        domain::case::chain_suite(&events),
        store::conformance::test_suite()
    );
    assert_eq!(app.state.suite, store::conformance::test_suite());
    events[1].comment = "被篡改".into();
    assert_eq!(domain::case::verify_chain(&events), Err(2));
}

async fn window_journey_in_the_pages(app: TestApp) {
    let s = app.page_login(CLERK).await;
    let r = app
        .post_form(
            "/cases/new",
            &s,
            &[
                ("item_code", FOOD),
                ("kind", "person"),
                ("name", "周小燕"),
                ("id_number", &person_id()),
                ("phone", "13905781001"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let loc = r.location();
    let n = loc.trim_start_matches("/cases/").to_string();
    let page = app.get(&loc, &s).await.text();
    assert!(
        page.contains("核验材料") && page.contains("一次性告知补正") && !page.contains("作出决定"),
        "only this clerk's actions are offered"
    );
    assert!(
        page.contains(&domain::identity::mask_id(&person_id())) && !page.contains(&person_id()),
        "ID masked on the page"
    );
    let r = app
        .post_form(
            &format!("/cases/{n}/act"),
            &s,
            &[("action", "accept")],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("缺少必需材料"));
    let c = app.store.get_case(&n).await.unwrap().unwrap();
    for i in 0..c.materials.len() {
        let idx = i.to_string();
        app.post_form(
            &format!("/cases/{n}/act"),
            &s,
            &[
                ("action", "mark_material"),
                ("index", &idx),
                ("status", "received"),
            ],
            true,
        )
        .await;
    }
    assert_eq!(
        app.post_form(
            &format!("/cases/{n}/act"),
            &s,
            &[("action", "accept")],
            true
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let doc = app
        .get(&format!("/cases/{n}/documents/acceptance"), &s)
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    let text = doc.text();
    assert!(
        text.contains("受理通知书")
            && text.contains(&n)
            && text.contains(&c.filing.query_code)
            && text.contains("<svg"),
        "number, query code and QR"
    );
    assert!(
        text.contains("2026年03月16日"),
        "states the decision due date"
    );
    assert!(
        text.contains("扫码或访问 http://127.0.0.1:8080/lookup"),
        "the lookup address in words, on the configured public URL"
    );
    assert!(
        doc.headers.get("strict-transport-security").is_none(),
        "no HSTS on plain HTTP"
    );
    let slip = app
        .get(&format!("/cases/{n}/documents/slip"), &s)
        .await
        .text();
    assert_eq!(
        slip.matches("class=\"sheet\"").count(),
        3,
        "three copies of one record"
    );
    let queue = app.get("/cases?q=review", &s).await.text();
    assert!(queue.contains(&n));
    let anon = app
        .get(
            &format!("/lookup?number={n}&code={}", c.filing.query_code),
            &Session::default(),
        )
        .await
        .text();
    assert!(anon.contains("受理") && !anon.contains(&person_id()));
}

mod idempotency {
    use super::*;
    both_backends!(a_retried_command_is_not_applied_twice);

    async fn a_retried_command_is_not_applied_twice(app: TestApp) {
        let clerk = app.api_login(CLERK).await;
        let n = window_case(&app, FOOD, &clerk).await;
        let send = |key: &'static str| {
            let body = serde_json::to_vec(
                &json!({ "command": { "action": "refuse", "reasons": "不属于本机关职权范围" } }),
            )
            .unwrap();
            let app = &app;
            let clerk = clerk.clone();
            let n = n.clone();
            async move {
                let mut b = axum::http::Request::builder()
                    .method(Method::POST)
                    .uri(format!("/api/v1/cases/{n}/commands"))
                    .header(axum::http::header::COOKIE, clerk.cookie.clone().unwrap())
                    .header(axum::http::header::CONTENT_TYPE, "application/json")
                    .header("x-csrf-token", &clerk.csrf);
                b = b.header("idempotency-key", key);
                let resp = tower::ServiceExt::oneshot(
                    app.router.clone(),
                    b.body(axum::body::Body::from(body)).unwrap(),
                )
                .await
                .unwrap();
                resp.status()
            }
        };
        assert_eq!(send("retry-1").await, StatusCode::OK);
        let v1 = app.store.get_case(&n).await.unwrap().unwrap().version;
        // The reply was lost; the client sends the same command again with the same key.
        assert_eq!(
            send("retry-1").await,
            StatusCode::OK,
            "a replay answers like the original"
        );
        let after = app.store.get_case(&n).await.unwrap().unwrap();
        assert_eq!(after.version, v1, "nothing applied twice");
        assert_eq!(
            app.store
                .case_events(&n)
                .await
                .unwrap()
                .iter()
                .filter(|e| e.idempotency_key.as_deref() == Some("retry-1"))
                .count(),
            1
        );
        // A new key is a new command (here refused: the case is final).
        assert_eq!(send("retry-2").await, StatusCode::CONFLICT);
        assert!(domain::case::verify_chain(&app.store.case_events(&n).await.unwrap()).is_ok());
    }
}

/// A queue comes in pages: `limit` rows, `x-next-after` (and `Link: rel="next"`) to the next
/// page, the pages joining up to the whole queue with each case once; a bad `after` or `limit` is
/// a 400 naming the field; the workbench pages the same way with 下一页.
async fn queues_page_by_keyset(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    for _ in 0..3 {
        window_case(&app, FOOD, &clerk).await;
    }
    let whole = app.get("/api/v1/cases?queue=all", &clerk).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert!(
        whole.headers.get("x-next-after").is_none(),
        "one page holds it all"
    );
    let whole: Vec<String> = whole
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_str().unwrap().to_string())
        .collect();
    assert!(whole.len() >= 3, "{whole:?}");
    let mut paged: Vec<String> = vec![];
    let mut path = "/api/v1/cases?queue=all&limit=2".to_string();
    loop {
        let r = app.get(&path, &clerk).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let rows = r.json();
        let rows = rows.as_array().unwrap();
        assert!(rows.len() <= 2);
        paged.extend(
            rows.iter()
                .map(|r| r["number"].as_str().unwrap().to_string()),
        );
        let Some(next) = r.headers.get("x-next-after") else {
            break;
        };
        let next = next.to_str().unwrap().to_string();
        let link = r.headers.get("link").unwrap().to_str().unwrap().to_string();
        assert!(link.contains(&format!("after={next}>")) && link.ends_with("rel=\"next\""));
        path = format!("/api/v1/cases?queue=all&limit=2&after={next}");
    }
    assert_eq!(paged, whole);
    for (q, field) in [
        ("after=not-a-key", "after"),
        ("after=2026-13-01.X", "after"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
    ] {
        let r = app
            .get(&format!("/api/v1/cases?queue=all&{q}"), &clerk)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.text());
        assert!(r.text().contains(field), "{q}: {}", r.text());
    }
    // The workbench shows the next page's link once a page is full; the first page has none back.
    let pages = app.page_login(CLERK).await;
    let page = app.get("/cases?q=all", &pages).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text().contains("第一页"));
    let bad = app.get("/cases?q=all&after=junk", &pages).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let second = app
        .get(
            &format!(
                "/cases?q=all&after={}",
                app.get("/api/v1/cases?queue=all&limit=1", &clerk)
                    .await
                    .headers["x-next-after"]
                    .to_str()
                    .unwrap()
            ),
            &pages,
        )
        .await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(
        second.text().contains("第一页"),
        "a later page links back to the first"
    );
    assert!(
        !second.text().contains(&whole[0]),
        "the first row is on the first page only"
    );
}

/// The configured public address (issue 15, part 5) is what an official notice's QR code and
/// printed address point at, and an `https://` address makes every reply carry HSTS.
#[tokio::test]
async fn notices_point_at_the_configured_public_url_and_https_sends_hsts() {
    let app = common::spawn_app_with(
        common::Backend::Sqlite,
        yizhan_web::Config {
            public_url: "https://zwfw.qingchuan.gov.cn".into(),
            ..yizhan_web::Config::default()
        },
    )
    .await;
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    ok(&app, &clerk, &n, json!({ "action": "accept" })).await;
    let s = app.page_login(CLERK).await;
    let doc = app
        .get(&format!("/cases/{n}/documents/acceptance"), &s)
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    let text = doc.text();
    assert!(
        text.contains("扫码或访问 https://zwfw.qingchuan.gov.cn/lookup"),
        "{text}"
    );
    assert!(
        !text.contains("127.0.0.1"),
        "no address of the server's own"
    );
    assert_eq!(
        doc.headers
            .get("strict-transport-security")
            .map(|v| v.to_str().unwrap()),
        Some("max-age=31536000")
    );
    let home = app.get("/", &common::Session::default()).await;
    assert!(home.headers.get("strict-transport-security").is_some());
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
    let b_store: std::sync::Arc<dyn store::Store> = std::sync::Arc::new(
        a.pg.as_ref()
            .expect("a PostgreSQL app")
            .with_own_pool()
            .unwrap(),
    );
    let b_state = yizhan_web::AppState::new(
        b_store,
        a.clock.clone(),
        yizhan_web::Config {
            login_delay_ms: 0,
            ..yizhan_web::Config::default()
        },
    )
    .await
    .unwrap();
    let mut refreshed = b_state.caches.refreshed.subscribe();
    tokio::spawn(yizhan_web::jobs::watch_caches(b_state.clone()));
    let b = TestApp {
        router: yizhan_web::app(b_state.clone()),
        state: b_state,
        clock: a.clock.clone(),
        store: a.store.clone(),
        pg: None,
    };

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

/// The page path reads a form's choices as the API reads JSON (issue 15): an unknown payment,
/// delivery or material word is refused with the field named, never taken for a default.
#[tokio::test]
async fn unknown_choices_in_a_case_form_are_refused_not_defaulted() {
    let app = common::spawn_app(common::Backend::Sqlite).await;
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    let s = app.page_login(CLERK).await;
    for (fields, message) in [
        (
            vec![
                ("action", "record_payment"),
                ("amount", "10"),
                ("method", "bitcoin"),
            ],
            "请选择收费方式",
        ),
        (
            vec![("action", "deliver"), ("method", "pigeon")],
            "请选择送达方式",
        ),
        (
            vec![
                ("action", "mark_material"),
                ("index", "0"),
                ("status", "lost"),
            ],
            "请选择材料状态",
        ),
    ] {
        let before = app.store.get_case(&n).await.unwrap().unwrap();
        let r = app
            .post_form(&format!("/cases/{n}/act"), &s, &fields, true)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{fields:?}");
        assert!(r.text().contains(message), "{fields:?}: {}", r.text());
        let after = app.store.get_case(&n).await.unwrap().unwrap();
        assert_eq!(after.version, before.version, "nothing recorded");
    }
}

/// Case numbers and item codes in URLs and lookups are parsed once at the edge (issue 15): text
/// that cannot be one names nothing and gets the answer an unknown one gets, and a malformed number
/// in a form is refused with its field's message before anything is looked up.
#[tokio::test]
async fn malformed_identifiers_are_answered_like_unknown_ones() {
    let app = common::spawn_app(common::Backend::Sqlite).await;
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    let unknown = format!("{}99999", &n[..n.len() - 5]);
    assert_eq!(
        app.get(&format!("/api/v1/cases/{n}"), &clerk).await.status,
        StatusCode::OK
    );
    for number in [unknown.as_str(), "X", "N1", &n[..24]] {
        for path in [
            format!("/api/v1/cases/{number}"),
            format!("/api/v1/cases/{number}/events"),
        ] {
            let r = app.get(&path, &clerk).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(r.json()["code"], "not_found", "{path}");
        }
        let r = app
            .get(
                &format!("/api/v1/lookup?number={number}&code=ABCD2345"),
                &Session::default(),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{number}");
        assert_eq!(r.json()["code"], "lookup_failed", "{number}");
    }
    let page = app.page_login(CLERK).await;
    assert_eq!(
        app.get("/cases/X", &page).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/cases/{n}"), &page).await.status,
        StatusCode::OK
    );
    for path in [
        "/api/v1/catalog/a%20b",
        "/catalog/a%20b",
        "/api/v1/catalog/NO-SUCH-ITEM",
    ] {
        assert_eq!(
            app.get(path, &Session::default()).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let sup = app.page_login(SUP_COUNTY).await;
    let r = app
        .post_form(
            "/supervision/orders",
            &sup,
            &[
                ("case_number", "12345"),
                ("unit", ""),
                ("subject", "承诺期限将至"),
                ("body", "请说明办理进度"),
                ("days", "2"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("办件编号应为25位数字"), "{}", r.text());
}
