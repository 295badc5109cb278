//! Issue 4 over HTTP on SQLite and PostgreSQL: joint items reviewed in parallel by departments,
//! the village → township → county path (代办, 初审, 转报), transfer to the center above (转办)
//! and routing that says where to go.

mod common;

use axum::http::{Method, StatusCode};
use common::cases::{window_case, CLERK, FOOD};
use common::{cmd, ok, Session, TestApp};
use demo::*;
use serde_json::{json, Value};

both_backends!(
    joint_item_parts_run_in_parallel_and_one_late_part_shows,
    a_joint_items_extension_is_the_government_heads,
    a_department_cannot_act_on_another_departments_part,
    any_part_denial_denies_with_every_reason,
    homestead_goes_village_township_county_and_back,
    a_proxy_filing_waits_for_the_applicants_authorization,
    a_center_transfers_a_case_it_cannot_handle,
    a_reviewers_page_is_filled_from_further_down_the_list,
);

fn person(name: &str) -> Value {
    let id = domain::identity::complete_resident_id("33992119700214091").unwrap();
    json!({ "kind": "person", "name": name, "id_number": id, "phone": "13905781005" })
}

async fn file_and_accept(app: &TestApp, clerk: &Session, item: &str, body: Value) -> String {
    let r = app.post_json("/api/v1/cases", clerk, &body).await;
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
    let _ = item;
    ok(app, clerk, &n, json!({ "action": "accept" })).await;
    n
}

fn active(c: &Value) -> Vec<(usize, String)> {
    c["stages"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, s)| !s["started_on"].is_null() && s["completed_on"].is_null())
        .map(|(i, s)| (i, s["department"].as_str().unwrap().to_string()))
        .collect()
}

/// The construction permit at 云溪县: 住建 leads, 自然资源 and 消防 review in parallel with it.
async fn joint_case(app: &TestApp) -> String {
    let clerk = app.api_login("clerk.yunxi.zj").await;
    let code = domain::identity::complete_credit_code("91339921MA2C0JP5L").unwrap();
    let n = file_and_accept(app, &clerk, ITEM_CONSTRUCTION_PERMIT, json!({ "item_code": ITEM_CONSTRUCTION_PERMIT,
        "applicant": { "kind": "enterprise", "name": "云溪县建工集团", "id_number": code, "phone": "13905781030" } })).await;
    let zj = app.api_login("rev.yunxi.zj").await;
    let c = app.get(&format!("/api/v1/cases/{n}"), &zj).await.json();
    assert!(
        !c["stages"][0]["completed_on"].is_null(),
        "the 受理 stage is closed by accepting"
    );
    n
}

async fn joint_item_parts_run_in_parallel_and_one_late_part_shows(app: TestApp) {
    let n = joint_case(&app).await;
    let zj = app.api_login("rev.yunxi.zj").await;
    let c = app.get(&format!("/api/v1/cases/{n}"), &zj).await.json();
    let parts = active(&c);
    assert_eq!(
        parts.iter().map(|p| p.1.as_str()).collect::<Vec<_>>(),
        vec!["zrzy", "xf", "zj"],
        "three departments at once"
    );
    let starts: Vec<&Value> = parts
        .iter()
        .map(|(i, _)| &c["stages"][*i]["started_on"])
        .collect();
    assert!(
        starts.iter().all(|s| *s == starts[0]),
        "a parallel group starts together"
    );
    // March after 03-02: 21; April (04-06 off for 清明): 21, so 42; May 01-05 off: 05-06, 05-07, 05-08 = 45.
    assert_eq!(
        c["deadlines"]["statutory_due"], "2026-05-08",
        "joint items: 45 working days"
    );
    // Each reviewer's queue holds the case; two parts finish, 消防 does not.
    for who in ["rev.yunxi.zrzy", "rev.yunxi.xf"] {
        let s = app.api_login(who).await;
        let q = app.get("/api/v1/cases?queue=review", &s).await.json();
        assert!(
            q.as_array()
                .unwrap()
                .iter()
                .any(|r| r["number"] == n.as_str()),
            "{who}"
        );
    }
    let zrzy = app.api_login("rev.yunxi.zrzy").await;
    ok(
        &app,
        &zrzy,
        &n,
        json!({ "action": "complete_stage", "index": parts[0].0, "approved": true }),
    )
    .await;
    ok(
        &app,
        &zj,
        &n,
        json!({ "action": "complete_stage", "index": parts[2].0, "approved": true }),
    )
    .await;
    // 消防 had 5 working days; 8 later it is late, and the case page says it holds the case up.
    app.clock.advance(chrono::Duration::days(10));
    let head = app.page_login("head.yunxi.zj").await;
    let page = app.get(&format!("/cases/{n}"), &head).await.text();
    let waiting = page
        .split("当前等待")
        .nth(1)
        .expect("the page says what the case waits for");
    let waiting = &waiting[..waiting.find("</div>").unwrap()];
    assert!(
        waiting.contains("消防安全审查意见") && waiting.contains("超期"),
        "{waiting}"
    );
    assert!(!waiting.contains("规划许可核验"));
    let head_api = app.api_login("head.yunxi.zj").await;
    let r = cmd(
        &app,
        &head_api,
        &n,
        json!({ "action": "decide", "granted": true }),
    )
    .await;
    assert_eq!(
        r.json()["code"],
        "stages_pending",
        "the decision waits for every part"
    );
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("消防安全审查意见"));
    let xf = app.api_login("rev.yunxi.xf").await;
    ok(
        &app,
        &xf,
        &n,
        json!({ "action": "complete_stage", "index": parts[1].0, "approved": true }),
    )
    .await;
    let c = app
        .get(&format!("/api/v1/cases/{n}"), &head_api)
        .await
        .json();
    let s = &c["stages"][parts[1].0];
    assert!(
        s["completed_on"].as_str().unwrap() > s["due"].as_str().unwrap(),
        "each part's timing is kept"
    );
    ok(
        &app,
        &head_api,
        &n,
        json!({ "action": "decide", "granted": true, "licence_no": "339921202603020101" }),
    )
    .await;
}

/// art. 42 para. 2 (issue 19, finding 15): a joint item's extension is approved by the head of the
/// county's government, from their own queue; the lead department's head is told so; the notice
/// says who approved.
async fn a_joint_items_extension_is_the_government_heads(app: TestApp) {
    let n = joint_case(&app).await;
    let extend = json!({ "action": "extend", "reason": "需多部门联合现场踏勘" });
    let head = app.api_login("head.yunxi.zj").await;
    let r = cmd(&app, &head, &n, extend.clone()).await;
    assert_eq!(r.json()["code"], "government_head_required", "{}", r.text());
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("本级人民政府负责人"));
    // The government head's workbench: the case waits in 待批延期.
    let gov = app.page_login(GOV_COUNTY).await;
    let queue = app.get("/cases?q=extend", &gov).await.text();
    assert!(
        queue.contains("待批延期") && queue.contains(n.as_str()),
        "{queue}"
    );
    let page = app.get(&format!("/cases/{n}"), &gov).await.text();
    assert!(page.contains("批准延期"), "offered on the case page");
    let gov_api = app.api_login(GOV_COUNTY).await;
    let c = ok(&app, &gov_api, &n, extend).await;
    assert_eq!(c["extended"], true);
    // 05-08 + 15 working days: 05-09 (a Saturday worked for 劳动节) 1, 05-11..15, 05-18..22, 05-25..28.
    assert_eq!(
        c["deadlines"]["statutory_due"], "2026-05-28",
        "15 working days more"
    );
    let queue = app.get("/cases?q=extend", &gov).await.text();
    assert!(!queue.contains(n.as_str()), "extended: out of the queue");
    let notice = app
        .get(&format!("/cases/{n}/documents/extension"), &gov)
        .await
        .text();
    assert!(notice.contains("经本级人民政府负责人批准"), "{notice}");
    assert!(notice.contains("第四十二条第二款"), "{notice}");
    // A single department's item stays the department head's.
    let clerk = app.api_login(CLERK).await;
    let single = window_case(&app, FOOD, &clerk).await;
    ok(&app, &clerk, &single, json!({ "action": "accept" })).await;
    let r = cmd(
        &app,
        &gov_api,
        &single,
        json!({ "action": "extend", "reason": "x" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
}

async fn a_department_cannot_act_on_another_departments_part(app: TestApp) {
    let n = joint_case(&app).await;
    let c = app
        .get(
            &format!("/api/v1/cases/{n}"),
            &app.api_login("rev.yunxi.zj").await,
        )
        .await
        .json();
    let parts = active(&c);
    let zrzy = app.api_login("rev.yunxi.zrzy").await;
    let xf_part = parts.iter().find(|p| p.1 == "xf").unwrap().0;
    assert_eq!(
        cmd(
            &app,
            &zrzy,
            &n,
            json!({ "action": "complete_stage", "index": xf_part, "approved": true })
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // A department head of another department cannot decide or extend.
    let other_head = app.api_login("head.yunxi.zrzy").await;
    assert_eq!(
        cmd(
            &app,
            &other_head,
            &n,
            json!({ "action": "extend", "reason": "x" })
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // Another county's 消防 reviewer neither.
    let c2 = app.store.get_case(&n).await.unwrap().unwrap();
    assert!(c2.stages[xf_part].completed_on.is_none());
    // Each department sees its own part on the case page, not the others'.
    let page = app
        .get(
            &format!("/cases/{n}"),
            &app.page_login("rev.yunxi.zrzy").await,
        )
        .await
        .text();
    let table = page.split("办理环节").nth(1).unwrap();
    assert!(
        table.contains("规划许可核验") && !table.contains("消防安全审查意见"),
        "zrzy sees only its part"
    );
    let lead = app
        .get(
            &format!("/cases/{n}"),
            &app.page_login("rev.yunxi.zj").await,
        )
        .await
        .text();
    assert!(
        lead.split("办理环节")
            .nth(1)
            .unwrap()
            .contains("消防安全审查意见"),
        "the lead department sees every part"
    );
}

async fn any_part_denial_denies_with_every_reason(app: TestApp) {
    let n = joint_case(&app).await;
    let c = app
        .get(
            &format!("/api/v1/cases/{n}"),
            &app.api_login("rev.yunxi.zj").await,
        )
        .await
        .json();
    for (i, d) in active(&c) {
        let s = app.api_login(&format!("rev.yunxi.{d}")).await;
        let body = if d == "xf" {
            json!({ "action": "complete_stage", "index": i, "approved": false, "opinion": "疏散通道宽度不符合规范" })
        } else {
            json!({ "action": "complete_stage", "index": i, "approved": true })
        };
        ok(&app, &s, &n, body).await;
    }
    let head = app.api_login("head.yunxi.zj").await;
    assert_eq!(
        cmd(
            &app,
            &head,
            &n,
            json!({ "action": "decide", "granted": true })
        )
        .await
        .json()["code"],
        "parts_denied"
    );
    let c = ok(
        &app,
        &head,
        &n,
        json!({ "action": "decide", "granted": false, "reasons": "经联合审查" }),
    )
    .await;
    assert_eq!(c["granted"], false);
    let events = app
        .get(&format!("/api/v1/cases/{n}/events"), &head)
        .await
        .json();
    let decided = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"]["type"] == "decided")
        .unwrap();
    let reasons = decided["kind"]["reasons"].as_str().unwrap();
    assert!(
        reasons.contains("经联合审查") && reasons.contains("疏散通道宽度不符合规范"),
        "{reasons}"
    );
}

/// 低保 filed by a village agent: its 代办委托书 (flagged in the catalog as the agent's
/// authorization, though its name has no 授权委托) becomes mandatory, and the township cannot
/// accept the case until it is on file; at a window the same material stays conditional.
async fn a_proxy_filing_waits_for_the_applicants_authorization(app: TestApp) {
    let agent = app.api_login(AGENT_VILLAGE_A).await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &agent,
            &json!({ "item_code": ITEM_DIBAO, "applicant": person("王福根") }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    let n = c["filing"]["number"].as_str().unwrap().to_string();
    let materials = c["materials"].as_array().unwrap().clone();
    let letter = materials
        .iter()
        .position(|m| m["name"] == "村(社区)代办委托书")
        .expect("the 低保 item names its own authorization");
    assert_eq!(
        materials[letter]["mandatory"], true,
        "{}",
        materials[letter]
    );
    let clerk = app.api_login(CLERK_TOWNSHIP_A).await;
    for i in (0..materials.len()).filter(|&i| i != letter) {
        ok(
            &app,
            &clerk,
            &n,
            json!({ "action": "mark_material", "index": i, "status": "received" }),
        )
        .await;
    }
    let refused = cmd(&app, &clerk, &n, json!({ "action": "accept" })).await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "{}",
        refused.text()
    );
    assert_eq!(refused.json()["code"], "material_missing");
    assert!(
        refused.text().contains("村(社区)代办委托书"),
        "{}",
        refused.text()
    );
    ok(
        &app,
        &clerk,
        &n,
        json!({ "action": "mark_material", "index": letter, "status": "received" }),
    )
    .await;
    let c = ok(&app, &clerk, &n, json!({ "action": "accept" })).await;
    assert_eq!(c["state"], "in_review");
    // At the window the applicant comes in person: the letter is not asked for.
    let r = app
        .post_json(
            "/api/v1/cases",
            &clerk,
            &json!({ "item_code": ITEM_DIBAO, "applicant": person("王福根") }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let at_window = r.json();
    assert_eq!(at_window["materials"][letter]["mandatory"], false);
}

async fn homestead_goes_village_township_county_and_back(app: TestApp) {
    let agent = app.api_login(AGENT_VILLAGE_A).await;
    // Not every item can be filed by proxy, and the refusal says where to go.
    let r = app
        .post_json(
            "/api/v1/cases",
            &agent,
            &json!({ "item_code": ITEM_FOOD_LICENSE, "applicant": person("王福根") }),
        )
        .await;
    assert_eq!(r.json()["code"], "no_proxy");
    let r = app
        .post_json(
            "/api/v1/cases",
            &agent,
            &json!({ "item_code": ITEM_ZHAIJIDI, "applicant": person("王福根") }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    let n = c["filing"]["number"].as_str().unwrap().to_string();
    assert_eq!(c["filing"]["channel"], "proxy");
    assert_eq!(
        c["filing"]["place"], TOWNSHIP_A,
        "the township center accepts it"
    );
    assert_eq!(c["filing"]["decide_place"], COUNTY, "the county decides");
    assert_eq!(c["filing"]["applicant_region"], VILLAGE_A);
    assert!(n.starts_with(TOWNSHIP_A));
    // The agent uploads the signed authorization.
    let auth_idx = c["materials"]
        .as_array()
        .unwrap()
        .iter()
        .position(|m| m["name"].as_str().unwrap().contains("授权委托"))
        .unwrap();
    let up = app
        .request(
            Method::POST,
            &format!("/api/v1/cases/{n}/materials/{auth_idx}"),
            &agent,
            Some("application/pdf"),
            b"%PDF-1.4 signed".to_vec(),
            true,
        )
        .await;
    assert_eq!(up.status, StatusCode::OK, "{}", up.text());
    // Township window accepts; the first review is due in 20 working days (art. 43).
    let clerk = app.api_login(CLERK_TOWNSHIP_A).await;
    for i in 0..c["materials"].as_array().unwrap().len() {
        ok(
            &app,
            &clerk,
            &n,
            json!({ "action": "mark_material", "index": i, "status": "received" }),
        )
        .await;
    }
    let c = ok(&app, &clerk, &n, json!({ "action": "accept" })).await;
    // 20 working days (03-30) by art. 43, capped by the case's promise of 18 (03-26).
    assert_eq!(c["deadlines"]["first_review_due"], "2026-03-26");
    assert_eq!(c["fee_due_fen"], 0, "proxy filing costs nothing");
    // The county cannot do the township's first review.
    let county_rev = app.api_login("rev.yunxi.nync").await;
    assert_eq!(
        cmd(
            &app,
            &county_rev,
            &n,
            json!({ "action": "complete_stage", "index": 0, "approved": true })
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let t_nync = app.api_login("rev.shiqiao.nync").await;
    let t_zrzy = app.api_login("rev.shiqiao.zrzy").await;
    ok(&app, &t_nync, &n, json!({ "action": "complete_stage", "index": 0, "approved": true, "opinion": "村民小组公示无异议" })).await;
    // Not forwarded before the first review is done.
    assert_eq!(
        cmd(&app, &clerk, &n, json!({ "action": "forward" }))
            .await
            .json()["code"],
        "first_review_pending"
    );
    // …and not offered on the page until it can succeed (issue 19, finding 10).
    let clerk_page = app.page_login(CLERK_TOWNSHIP_A).await;
    let offers_forward = |page: &str| page.contains(r#"name="action" value="forward""#);
    let page = app.get(&format!("/cases/{n}"), &clerk_page).await.text();
    assert!(
        !offers_forward(&page),
        "转报 offered before the first review is done"
    );
    ok(
        &app,
        &t_nync,
        &n,
        json!({ "action": "complete_stage", "index": 1, "approved": true }),
    )
    .await;
    ok(
        &app,
        &t_zrzy,
        &n,
        json!({ "action": "complete_stage", "index": 2, "approved": true }),
    )
    .await;
    let c = app.get(&format!("/api/v1/cases/{n}"), &clerk).await.json();
    assert!(
        active(&c).is_empty(),
        "the county stage waits for the forwarding"
    );
    let page = app.get(&format!("/cases/{n}"), &clerk_page).await.text();
    assert!(
        offers_forward(&page),
        "转报 offered once the first review is done"
    );
    let c = ok(&app, &clerk, &n, json!({ "action": "forward" })).await;
    assert_eq!(active(&c), vec![(3, "nync".to_string())]);
    assert_eq!(c["filing"]["number"], n.as_str(), "one number, one history");
    // Both levels see it.
    let county_clerk_view = app
        .get("/api/v1/cases?queue=review", &county_rev)
        .await
        .json();
    assert!(county_clerk_view
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["number"] == n.as_str()));
    let sup_t = app.api_login(SUP_TOWNSHIP_A).await;
    assert_eq!(
        app.get(&format!("/api/v1/cases/{n}"), &sup_t).await.status,
        StatusCode::OK
    );
    // Another township's supervisor is told no more than about a missing case.
    let sup_b = app.api_login(SUP_TOWNSHIP_B).await;
    assert_eq!(
        app.get(&format!("/api/v1/cases/{n}"), &sup_b).await.status,
        StatusCode::NOT_FOUND
    );
    ok(
        &app,
        &county_rev,
        &n,
        json!({ "action": "complete_stage", "index": 3, "approved": true }),
    )
    .await;
    // A township head cannot decide what the county decides.
    let t_head = app.api_login(HEAD_TOWNSHIP_A).await;
    assert_eq!(
        cmd(
            &app,
            &t_head,
            &n,
            json!({ "action": "decide", "granted": true })
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let c = ok(
        &app,
        &app.api_login("head.yunxi.nync").await,
        &n,
        json!({ "action": "decide", "granted": true, "licence_no": "ZJD-2026-0001" }),
    )
    .await;
    assert_eq!(c["state"], "decided");
    // Back at the village: the agent hands the result over and records the receipt.
    let c = ok(
        &app,
        &agent,
        &n,
        json!({ "action": "deliver", "method": "agent", "recipient": "王福根" }),
    )
    .await;
    assert_eq!(c["state"], "delivered");
    ok(&app, &clerk, &n, json!({ "action": "complete" })).await;
    let ledger = app.get("/api/v1/cases?queue=mine", &agent).await.json();
    let row = ledger
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["number"] == n.as_str())
        .expect("the agent's ledger lists it");
    assert_eq!(row["state"], "completed");
    let page = app
        .get(
            &format!("/cases/{n}/documents/receipt"),
            &app.page_login(AGENT_VILLAGE_A).await,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("送达回证") && page.text().contains("代办员转交"));
    let agent_msgs = app.get("/api/v1/messages", &agent).await.json();
    assert!(agent_msgs.as_array().unwrap().iter().any(
        |m| m["case_number"] == n.as_str() && m["text"].as_str().unwrap().contains("准予许可")
    ));
}

async fn a_center_transfers_a_case_it_cannot_handle(app: TestApp) {
    let t = app.api_login(CLERK_TOWNSHIP_A).await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &t,
            &json!({ "item_code": ITEM_GETIHU, "applicant": person("郑立新") }),
        )
        .await;
    let n = r.json()["filing"]["number"].as_str().unwrap().to_string();
    assert_eq!(
        cmd(&app, &t, &n, json!({ "action": "forward", "reason": "" }))
            .await
            .json()["code"],
        "reason_required"
    );
    let c = ok(
        &app,
        &t,
        &n,
        json!({ "action": "forward", "reason": "涉及跨乡镇经营场所,需县级办理" }),
    )
    .await;
    assert_eq!(c["filing"]["place"], COUNTY);
    let county = app.api_login(CLERK_COUNTY).await;
    let q = app
        .get("/api/v1/cases?queue=prereview", &county)
        .await
        .json();
    assert!(
        q.as_array()
            .unwrap()
            .iter()
            .any(|r| r["number"] == n.as_str()),
        "the receiving center has it in its queue"
    );
    let mine = app.get("/api/v1/cases?queue=all", &t).await.json();
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .any(|r| r["number"] == n.as_str()),
        "the sending township still sees it"
    );
    let ev = app
        .get(&format!("/api/v1/cases/{n}/events"), &county)
        .await
        .json();
    assert!(
        ev.as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"]["type"] == "transferred"),
        "with the full history"
    );
    // The township can no longer act on it.
    assert_eq!(
        cmd(&app, &t, &n, json!({ "action": "refuse", "reasons": "x" }))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// A reviewer's queue page holds the cases with their department's part running, read on past the
/// cases that are not theirs: with one row per page, 自然资源 (done with the first two cases)
/// gets the third case on its first page, not an empty page.
async fn a_reviewers_page_is_filled_from_further_down_the_list(app: TestApp) {
    let cases = [
        joint_case(&app).await,
        joint_case(&app).await,
        joint_case(&app).await,
    ];
    let zrzy = app.api_login("rev.yunxi.zrzy").await;
    for n in &cases[..2] {
        let c = app.get(&format!("/api/v1/cases/{n}"), &zrzy).await.json();
        let part = active(&c)
            .into_iter()
            .find(|(_, d)| d == "zrzy")
            .expect("自然资源's part is running")
            .0;
        ok(
            &app,
            &zrzy,
            n,
            json!({ "action": "complete_stage", "index": part, "approved": true }),
        )
        .await;
    }
    let numbers = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["number"].as_str().unwrap().to_string())
            .collect()
    };
    let all = app.get("/api/v1/cases?queue=review", &zrzy).await;
    assert_eq!(numbers(&all.json()), vec![cases[2].clone()]);
    let first = app.get("/api/v1/cases?queue=review&limit=1", &zrzy).await;
    assert_eq!(
        numbers(&first.json()),
        vec![cases[2].clone()],
        "filled from the third row"
    );
    // The next page goes on after it: nothing more for 自然资源.
    let after = first
        .headers
        .get("x-next-after")
        .expect("a full page says where the next one starts")
        .to_str()
        .unwrap()
        .to_string();
    let next = app
        .get(
            &format!("/api/v1/cases?queue=review&limit=1&after={after}"),
            &zrzy,
        )
        .await;
    assert_eq!(numbers(&next.json()), Vec::<String>::new());
    // 消防 still has all three, one per page, in list order.
    let xf = app.api_login("rev.yunxi.xf").await;
    let mut seen = vec![];
    let mut url = "/api/v1/cases?queue=review&limit=1".to_string();
    loop {
        let r = app.get(&url, &xf).await;
        seen.extend(numbers(&r.json()));
        match r.headers.get("x-next-after") {
            Some(a) => {
                url = format!(
                    "/api/v1/cases?queue=review&limit=1&after={}",
                    a.to_str().unwrap()
                )
            }
            None => break,
        }
    }
    assert_eq!(seen, cases.to_vec());
}
