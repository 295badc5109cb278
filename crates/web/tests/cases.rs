//! HTTP tests of the case lifecycle on SQLite and PostgreSQL: the whole journey online and at the
//! window in the pages, every refusal, acceptance as of receipt (art. 32) and immediate items.
//! Deadlines and fees are in `cases_deadlines.rs`, the edges of the case API in `cases_edge.rs`.

mod common;

use axum::http::{Method, StatusCode};
use chrono::TimeZone;
use common::cases::*;
use common::{cmd, ok, Session, TestApp};
use demo::*;
use serde_json::json;

both_backends!(
    the_workbench_searches_its_queues,
    online_journey_from_draft_to_completion,
    window_only_items_are_not_filed_online,
    refusals_name_their_reason,
    art32_accepts_automatically_as_of_receipt,
    immediate_items_complete_on_the_spot,
    window_journey_in_the_pages,
    documents_and_messages_speak_as_the_item_type_requires,
    a_failed_action_form_keeps_what_was_typed,
    every_material_checked_in_one_form_and_the_page_says_what_was_done,
    disclosed_results_are_searched_and_paged,
);

/// 结果公开 (issue 19, finding 14): found by a word of the item, the licence number or the case
/// number, and paged — every result reachable, not only the latest few.
async fn disclosed_results_are_searched_and_paged(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let mut numbers = vec![];
    for i in 0..51u32 {
        let n = window_case(&app, FOOD, &clerk).await;
        let c = app.store.get_case(&n).await.unwrap().unwrap();
        app.store
            .publish_result(&store::PublishedResult {
                case_number: n.clone(),
                item_name: c.filing.item.name.clone(),
                applicant_masked: "周*燕".into(),
                decided_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
                    + chrono::Duration::days(i64::from(i)),
                licence_no: format!("JY1339921{i:07}"),
                place: c.filing.decide_place.clone(),
            })
            .await
            .unwrap();
        numbers.push(n);
    }
    let anon = Session::default();
    let first = app.get("/results", &anon).await;
    assert_eq!(first.status, StatusCode::OK);
    let first = first.text();
    assert_eq!(first.matches("<tr><td>2026-").count(), 50, "a page of 50");
    assert!(first.contains("JY13399210000050") && !first.contains("JY13399210000000"));
    let next = first
        .split("href=\"")
        .filter_map(|p| p.split('"').next())
        .find(|h| h.starts_with("/results?") && h.contains("before_day"))
        .expect("a next page")
        .replace("&amp;", "&");
    let second = app.get(&next, &anon).await.text();
    assert_eq!(second.matches("<tr><td>2026-").count(), 1);
    assert!(
        second.contains("JY13399210000000"),
        "the oldest, on page two"
    );
    assert!(!second.contains("下一页"));
    // Found by licence number, and by case number.
    let found = app.get("/results?q=JY13399210000007", &anon).await.text();
    assert_eq!(found.matches("<tr><td>2026-").count(), 1);
    assert!(found.contains(&numbers[7]));
    let found = app
        .get(&format!("/results?q={}", numbers[42]), &anon)
        .await
        .text();
    assert!(found.contains("JY13399210000042"));
    // A malformed page position is the first page, not an error.
    let r = app
        .get("/results?before_day=yesterday&before_no=x", &anon)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text().matches("<tr><td>2026-").count(), 50);
}

/// The workbench's window (issue 19, finding 10): every material checked in one form — only the
/// changed ones recorded — and the page the browser comes back to says what was just done.
async fn every_material_checked_in_one_form_and_the_page_says_what_was_done(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &clerk,
            &json!({ "item_code": FOOD, "applicant": person("周小燕") }),
        )
        .await;
    let n = r.json()["filing"]["number"].as_str().unwrap().to_string();
    let c = app.store.get_case(&n).await.unwrap().unwrap();
    let page_clerk = app.page_login(CLERK).await;
    let mut form: Vec<(String, String)> = vec![("action".into(), "mark_materials".into())];
    for (i, _) in c.materials.iter().enumerate() {
        let status = if i == 1 { "defective" } else { "received" };
        form.push((format!("status_{i}"), status.into()));
        form.push((
            format!("reason_{i}"),
            if i == 1 {
                "复印件不清晰".into()
            } else {
                String::new()
            },
        ));
    }
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app
        .post_form(&format!("/cases/{n}/act"), &page_clerk, &fields, true)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), format!("/cases/{n}?done=mark_materials"));
    let c = app.store.get_case(&n).await.unwrap().unwrap();
    for (i, m) in c.materials.iter().enumerate() {
        let want = if i == 1 {
            domain::case::MaterialStatus::Defective
        } else {
            domain::case::MaterialStatus::Received
        };
        assert_eq!(m.status, want, "{}", m.name);
    }
    assert_eq!(c.materials[1].reason, "复印件不清晰");
    let events = app.store.case_events(&n).await.unwrap().len();
    // The same form again changes nothing and records nothing.
    let r = app
        .post_form(&format!("/cases/{n}/act"), &page_clerk, &fields, true)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.store.case_events(&n).await.unwrap().len(), events);
    let page = app.get(&r.location(), &page_clerk).await.text();
    assert!(
        page.contains(r#"role="status">已完成:核验材料</div>"#),
        "{page}"
    );
    // The form shows each material as it now stands.
    assert!(page.contains(r#"<select id="mark_materials-status_1" name="status_1"><option value="pending">未收到</option><option value="received">合格,已收取</option><option value="defective" selected>"#));
    // An unknown action in the query says nothing.
    let page = app
        .get(&format!("/cases/{n}?done=%3Cscript%3E"), &page_clerk)
        .await
        .text();
    assert!(!page.contains("已完成") && !page.contains("<script>"));
}

/// A case action refused for its content brings the page back with the form as it was sent
/// (issue 19, finding 7): what was typed is in its controls, the failure is said beside the field
/// it concerns (`aria-invalid`, `aria-describedby`), every control has its label.
async fn a_failed_action_form_keeps_what_was_typed(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let n = window_case(&app, FOOD, &clerk).await;
    ok(&app, &clerk, &n, json!({ "action": "accept" })).await;
    let rev = app.page_login(REVIEWER).await;
    let r = app
        .post_form(
            &format!("/cases/{n}/act"),
            &rev,
            &[
                ("action", "suspend"),
                ("procedure", "testing"),
                ("expected_days", "五天"),
                ("reason", "场所卫生检测<需复核>"),
                ("comment", "已电话告知申请人"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let page = r.text();
    assert!(
        page.contains(r#"<input type="number" id="suspend-expected_days" name="expected_days" value="五天" min="1" aria-invalid="true" aria-describedby="suspend-expected_days-err">"#),
        "the bad value comes back marked: {page}"
    );
    assert!(page.contains(
        r#"<p class="field-err" id="suspend-expected_days-err">预计工作日应为正整数</p>"#
    ));
    assert!(
        page.contains(r#"name="reason" required>场所卫生检测&lt;需复核&gt;</textarea>"#),
        "the reason typed, escaped"
    );
    assert!(
        page.contains(r#"value="已电话告知申请人""#),
        "the comment typed"
    );
    assert!(
        page.contains(r#"<option value="testing" selected>"#),
        "the procedure chosen"
    );
    // Every control of the action forms has a label tied to it.
    for id in [
        "suspend-procedure",
        "suspend-expected_days",
        "suspend-reason",
        "suspend-comment",
    ] {
        assert!(page.contains(&format!(r#"<label for="{id}">"#)), "{id}");
    }
    // Nothing was done, and the next try goes through.
    let c = app.store.get_case(&n).await.unwrap().unwrap();
    assert_eq!(c.state, domain::case::CaseState::InReview);
}

/// Each item type × each document (issue 19, finding 2): only a 行政许可 cites the licensing law
/// and says "准予行政许可"; every other type has its own decision words and cites the item's own
/// legal basis from the catalog, in every document and every message the applicant gets.
async fn documents_and_messages_speak_as_the_item_type_requires(app: TestApp) {
    use chrono::Datelike;
    use domain::catalog::ItemType;
    let food = app.store.get_published(FOOD).await.unwrap().unwrap();
    for (i, t) in ItemType::ALL.iter().enumerate() {
        let clerk = app.api_login(CLERK).await;
        let rev = app.api_login(REVIEWER).await;
        let mut item = food.clone();
        item.code = format!("339900-TY-{:03}", 900 + i);
        item.name = format!("{}测试事项", t.label());
        item.item_type = *t;
        item.legal_basis = format!("《测试条例{i}》第九条;《测试办法{i}》");
        app.store.import_items(&[item.clone()]).await.unwrap();
        let w = domain::wording::Wording::new(*t, &item.legal_basis);
        let cites = format!("《测试条例{i}》第九条、《测试办法{i}》");
        let licensing = *t == ItemType::Licensing;

        // Correction, acceptance, special procedure, extension, a grant and its delivery.
        let a = window_case(&app, &item.code, &clerk).await;
        ok(&app, &clerk, &a, json!({ "action": "mark_material", "index": 0, "status": "defective", "reason": "缺页" })).await;
        ok(&app, &clerk, &a, json!({ "action": "request_correction" })).await;
        ok(&app, &clerk, &a, json!({ "action": "resubmit" })).await;
        ok(
            &app,
            &clerk,
            &a,
            json!({ "action": "mark_material", "index": 0, "status": "received" }),
        )
        .await;
        ok(&app, &clerk, &a, json!({ "action": "accept" })).await;
        ok(&app, &rev, &a, json!({ "action": "suspend", "procedure": "testing", "reason": "场所检测", "expected_days": 5 })).await;
        // The special procedure takes a working day (the notice exists once a day is suspended).
        loop {
            app.clock.advance(chrono::Duration::days(1));
            let day =
                domain::case::local_date(app::services::Clock::now(app.clock.as_ref())).weekday();
            if day.number_from_monday() <= 5 {
                break;
            }
        }
        let clerk = app.api_login(CLERK).await;
        let rev = app.api_login(REVIEWER).await;
        let head = app.api_login(HEAD).await;
        ok(&app, &rev, &a, json!({ "action": "resume" })).await;
        ok(
            &app,
            &head,
            &a,
            json!({ "action": "extend", "reason": "情况复杂" }),
        )
        .await;
        finish_stages(&app, &rev, &a).await;
        ok(
            &app,
            &head,
            &a,
            json!({ "action": "decide", "granted": true }),
        )
        .await;
        ok(
            &app,
            &clerk,
            &a,
            json!({ "action": "deliver", "method": "window", "recipient": "周小燕" }),
        )
        .await;
        // A refusal to grant, and a refusal to accept.
        let b = window_case(&app, &item.code, &clerk).await;
        ok(&app, &clerk, &b, json!({ "action": "accept" })).await;
        finish_stages(&app, &rev, &b).await;
        ok(
            &app,
            &head,
            &b,
            json!({ "action": "decide", "granted": false, "reasons": "条件不符" }),
        )
        .await;
        let c = window_case(&app, &item.code, &clerk).await;
        ok(
            &app,
            &clerk,
            &c,
            json!({ "action": "refuse", "reasons": "不属于本机关职权范围" }),
        )
        .await;

        for (n, doc, basis) in [
            (&a, "correction", true),
            (&a, "acceptance", true),
            (&a, "special", true),
            (&a, "extension", true),
            (&a, "decision", true),
            (&a, "receipt", false),
            (&b, "decision", true),
            (&c, "refusal", true),
        ] {
            let r = app
                .get(&format!("/cases/{n}/documents/{doc}"), &clerk)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{t:?} {doc}");
            let text = r.text();
            let what = format!("{t:?} {doc} of {n}");
            if licensing {
                assert!(text.contains("行政许可"), "{what}");
                if basis {
                    assert!(text.contains("《中华人民共和国行政许可法》第"), "{what}");
                }
            } else {
                assert!(!text.contains("行政许可"), "{what}: {text}");
                if basis {
                    assert!(text.contains(&cites), "{what} cites the item's basis");
                }
            }
            if doc == "decision" || doc == "receipt" {
                let granted = n == &a;
                assert!(text.contains(w.decision_title(granted)), "{what}");
            }
            if doc == "refusal" || (doc == "decision" && n == &b) {
                assert!(text.contains(w.remedy()), "{what}");
                assert_eq!(
                    text.contains("行政诉讼"),
                    *t != ItemType::PublicService,
                    "{what}: a public service is no administrative act"
                );
            }
        }
        // The case page's log and decision form, and the public lookup's timeline, too.
        let page = app.get(&format!("/cases/{b}"), &clerk).await.text();
        assert!(
            page.contains(&format!("作出决定({})", w.decision_short(false))),
            "{t:?}"
        );
        let code = app
            .store
            .get_case(&b)
            .await
            .unwrap()
            .unwrap()
            .filing
            .query_code;
        let lookup = app
            .get(
                &format!("/lookup?number={b}&code={code}"),
                &Session::default(),
            )
            .await
            .text();
        assert!(lookup.contains(w.decision_short(false)), "{t:?}");
        if !licensing {
            for (what, text) in [("case page", &page), ("lookup", &lookup)] {
                assert!(
                    !text.contains("行政许可") && !text.contains("予许可"),
                    "{t:?} {what}: {text}"
                );
            }
        }
        for (n, decided) in [(&a, Some(true)), (&b, Some(false)), (&c, None)] {
            let texts: Vec<String> = app
                .store
                .messages_for_case(n)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.text)
                .collect();
            if let Some(granted) = decided {
                assert!(
                    texts.iter().any(|m| m.contains(w.decision_short(granted))),
                    "{t:?}: the decision message says {}: {texts:?}",
                    w.decision_short(granted)
                );
            }
            if !licensing {
                assert!(
                    !texts
                        .iter()
                        .any(|m| m.contains("行政许可") || m.contains("予许可")),
                    "{t:?}: {texts:?}"
                );
            }
        }
    }
}

/// Completes every stage of a case as the reviewer, in order.
async fn finish_stages(app: &TestApp, rev: &Session, n: &str) {
    loop {
        let c = app.get(&format!("/api/v1/cases/{n}"), rev).await.json();
        let active = c["stages"]
            .as_array()
            .unwrap()
            .iter()
            .position(|s| !s["started_on"].is_null() && s["completed_on"].is_null());
        let Some(i) = active else { break };
        ok(app, rev, n, json!({ "action": "complete_stage", "index": i, "approved": true, "opinion": "符合条件" })).await;
    }
}

/// 结婚登记 is signed in person: an online filing is refused with the reason, and no case (or
/// case number) is made.
async fn window_only_items_are_not_filed_online(app: TestApp) {
    let citizen = app.api_login(demo::CITIZEN).await;
    let me = app.store.find_user(demo::CITIZEN).await.unwrap().unwrap();
    let r = app
        .post_json("/api/v1/cases", &citizen, &json!({ "item_code": "339900-QR-010", "applicant": { "kind": "person", "name": me.display_name, "id_number": me.id_number, "phone": me.phone } }))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let body = r.json();
    assert_eq!(body["code"], "window_only", "{body}");
    assert_eq!(body["field"], "item_code", "{body}");
    assert!(body["message"].as_str().unwrap().contains("窗口"), "{body}");
    let mine = app.get("/api/v1/cases", &citizen).await.json();
    assert!(
        !mine.to_string().contains("339900-QR-010"),
        "no case was made: {mine}"
    );
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
    // Nothing is "received" that was not sent: the other mandatory materials are named.
    let mandatory: Vec<(usize, String)> = c["materials"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, m)| m["mandatory"] == true)
        .map(|(i, m)| (i, m["name"].as_str().unwrap().to_string()))
        .collect();
    assert!(mandatory.len() > 1, "the food licence asks for several");
    let early = cmd(&app, &e, &n, json!({ "action": "submit" })).await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST, "{}", early.text());
    let body = early.json();
    assert_eq!(body["code"], "material_not_uploaded", "{body}");
    for (i, name) in &mandatory {
        assert_eq!(
            body["message"].as_str().unwrap().contains(name.as_str()),
            *i != 0,
            "{name}: {body}"
        );
    }
    for (i, _) in mandatory.iter().filter(|(i, _)| *i != 0) {
        let up = app
            .request(
                Method::POST,
                &format!("/api/v1/cases/{n}/materials/{i}"),
                &e,
                Some("application/pdf"),
                b"%PDF-1.4 demo".to_vec(),
                true,
            )
            .await;
        assert_eq!(up.status, StatusCode::OK, "{}", up.text());
    }
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
    finish_stages(&app, &rev, &n).await;
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
        "作出决定(准予许可)",
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
    // Wrong place: another township's clerk cannot even see it, nor tell it from a missing case.
    let other = app.api_login(CLERK_TOWNSHIP_B).await;
    assert_eq!(
        app.get(&format!("/api/v1/cases/{n}"), &other).await.status,
        StatusCode::NOT_FOUND
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
        StatusCode::NOT_FOUND
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
    // The slip lists only what was received: nothing yet.
    let slip = app
        .get(&format!("/cases/{n}/documents/slip"), &s)
        .await
        .text();
    assert!(slip.contains("尚未收取材料"));
    for m in &c.materials {
        assert!(!slip.contains(&m.name), "not received: {}", m.name);
    }
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
        slip.matches("class=\"part\"").count(),
        3,
        "three tear-off copies of one record"
    );
    assert_eq!(slip.matches("<section").count(), 1, "on one sheet");
    for serial in 1..=3 {
        assert!(slip.contains(&format!("No. {n}-{serial}")), "copy {serial}");
    }
    for m in &c.materials {
        assert!(slip.contains(&m.name), "received: {}", m.name);
    }
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

/// The workbench searches a queue by number, applicant or item (issue 19, finding 10), on the page
/// and over the API; the search goes with the queue's tabs.
async fn the_workbench_searches_its_queues(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let mut numbers = vec![];
    for name in ["欧阳明月", "司马青衫"] {
        let r = app
            .post_json(
                "/api/v1/cases",
                &clerk,
                &json!({ "item_code": FOOD, "applicant": person(name) }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        numbers.push(r.json()["filing"]["number"].as_str().unwrap().to_string());
    }
    let page = app.page_login(CLERK).await;
    let enc = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    let found = app
        .get(&format!("/cases?q=prereview&text={}", enc("欧阳")), &page)
        .await
        .text();
    assert!(found.contains(numbers[0].as_str()) && !found.contains(numbers[1].as_str()));
    assert!(
        found.contains(&format!("href=\"/cases?q=all&amp;text={}\"", enc("欧阳"))),
        "tabs keep it"
    );
    let by_number = app
        .get(
            &format!("/cases?q=all&text={}", &numbers[1][numbers[1].len() - 9..]),
            &page,
        )
        .await
        .text();
    assert!(by_number.contains(numbers[1].as_str()) && !by_number.contains(numbers[0].as_str()));
    let none = app
        .get(&format!("/cases?q=all&text={}", enc("不存在的人")), &page)
        .await
        .text();
    assert!(none.contains("没有找到含“不存在的人”的办件"));
    let api = app
        .get(
            &format!("/api/v1/cases?queue=all&text={}", enc("司马")),
            &clerk,
        )
        .await;
    let rows = api.json();
    let listed: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_str().unwrap())
        .collect();
    assert_eq!(listed, vec![numbers[1].as_str()]);
    let long = "字".repeat(51);
    assert_eq!(
        app.get(
            &format!("/api/v1/cases?queue=all&text={}", enc(&long)),
            &clerk
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );
}
