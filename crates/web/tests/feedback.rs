//! HTTP tests of ratings (好差评), follow-ups and appeals, complaints, the kiosk and the monthly
//! statistics, on SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::{hidden_value, Session, TestApp};
use demo::*;
use domain::feedback::{ComplaintStatus, FollowUpStatus, RatingChannel};
use serde_json::{json, Value};

both_backends!(
    rating_once_per_channel,
    bad_rating_follow_up_to_closed_then_appeal,
    complaints_anonymous_and_named_answered,
    overdue_complaint_is_reported,
    kiosk_works_without_javascript,
    statistics_for_a_fixture,
);

fn person_id() -> String {
    domain::identity::complete_resident_id("33992119850312262").unwrap()
}

/// Files a case at a window and marks every material received; returns (number, query code).
async fn window_case(app: &TestApp, item: &str, clerk: &Session) -> (String, String) {
    let r = app
        .post_json(
            "/api/v1/cases",
            clerk,
            &json!({ "item_code": item, "applicant": { "kind": "person", "name": "周小燕", "id_number": person_id(), "phone": "13905781001" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    let n = c["filing"]["number"].as_str().unwrap().to_string();
    let code = c["filing"]["query_code"].as_str().unwrap().to_string();
    for i in 0..c["materials"].as_array().unwrap().len() {
        common::ok(
            app,
            clerk,
            &n,
            json!({ "action": "mark_material", "index": i, "status": "received" }),
        )
        .await;
    }
    (n, code)
}

/// A 个体工商户 case accepted at 石桥镇 and completed on the spot; it is decided in the county's
/// name (云溪县, 市场监管), which answers for it.
async fn completed_case(app: &TestApp) -> (String, String) {
    let clerk = app.api_login(CLERK_TOWNSHIP_A).await;
    let (n, code) = window_case(app, ITEM_GETIHU, &clerk).await;
    let c = common::ok(
        app,
        &clerk,
        &n,
        json!({ "action": "handle_immediately", "licence_no": "92339921MA2C2AM2X" }),
    )
    .await;
    assert_eq!(c["state"], "completed");
    (n, code)
}

/// Opens a public form as an anonymous visitor: the double-submit cookie and the form's token.
async fn anon_form(app: &TestApp, path: &str) -> (Session, String) {
    let r = app.get(path, &Session::default()).await;
    assert!(r.status.is_success(), "{path}: {} {}", r.status, r.text());
    let cookie = r
        .set_cookie("yz_csrf")
        .expect("anonymous forms set a CSRF cookie");
    let token = hidden_value(&r.text(), "_csrf").expect("the form carries the CSRF token");
    (
        Session {
            cookie: Some(cookie),
            csrf: token,
        },
        r.text(),
    )
}

async fn rate(app: &TestApp, n: &str, code: &str, channel: &str, level: &str) -> common::Resp {
    // Any anonymous form gives the visitor a double-submit token (a case not completed has no
    // rating form to take it from).
    let (s, _) = anon_form(app, "/complaints/new").await;
    app.post_form(
        "/rate",
        &s,
        &[
            ("number", n),
            ("code", code),
            ("channel", channel),
            ("level", level),
            ("comment", "等候时间太长"),
        ],
        true,
    )
    .await
}

async fn rating_once_per_channel(app: TestApp) {
    let clerk = app.api_login(CLERK_TOWNSHIP_A).await;
    let (open, open_code) = window_case(&app, ITEM_GETIHU, &clerk).await;
    let r = rate(&app, &open, &open_code, "online", "satisfied").await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "not completed yet: {}",
        r.text()
    );
    assert!(r.text().contains("办结后才能评价"));

    let (n, code) = completed_case(&app).await;
    let lookup = app
        .get(
            &format!("/lookup?number={n}&code={code}"),
            &Session::default(),
        )
        .await;
    assert!(
        lookup.text().contains(&format!(
            "/rate?channel=online&amp;number={n}&amp;code={code}"
        )),
        "the lookup of a completed case offers the rating"
    );
    let open_lookup = app
        .get(
            &format!("/lookup?number={open}&code={open_code}"),
            &Session::default(),
        )
        .await;
    assert!(!open_lookup.text().contains("/rate?"));
    let page = app
        .get(
            &format!("/rate?number={n}&code={code}&channel=online"),
            &Session::default(),
        )
        .await;
    assert!(page.text().contains("非常不满意") && page.text().contains("提交评价"));
    let r = rate(&app, &n, &code, "online", "satisfied").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("感谢您的评价"));
    assert!(
        !r.text().contains("回访整改,办理期限"),
        "a good rating opens no follow-up"
    );

    let again = rate(&app, &n, &code, "online", "very_satisfied").await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    assert!(
        again
            .text()
            .contains("本办件已通过“网上评价”评价过,每个渠道只能评价一次"),
        "{}",
        again.text()
    );
    let shown = app
        .get(
            &format!("/rate?number={n}&code={code}&channel=online"),
            &Session::default(),
        )
        .await;
    assert!(shown.text().contains("您已通过“网上评价”评价") && !shown.text().contains("提交评价"));

    // Another channel is another rating.
    let tablet = rate(&app, &n, &code, "window_tablet", "very_satisfied").await;
    assert_eq!(tablet.status, StatusCode::OK, "{}", tablet.text());
    let stored = app.store.ratings_for_case(&n).await.unwrap();
    let chans: Vec<_> = stored.iter().map(|r| r.channel).collect();
    assert_eq!(chans, [RatingChannel::Online, RatingChannel::WindowTablet]);
    assert_eq!(stored[0].level.score(), 4);
    assert!(app.store.follow_ups_for_case(&n).await.unwrap().is_empty());

    // The query code is the key; the CSRF token is required.
    let (s, _) = anon_form(
        &app,
        &format!("/rate?number={n}&code={code}&channel=sms_link"),
    )
    .await;
    let wrong = app
        .post_form(
            "/rate",
            &s,
            &[
                ("number", &n),
                ("code", "WRONG1"),
                ("channel", "sms_link"),
                ("level", "basic"),
            ],
            true,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert!(wrong.text().contains("查询码不正确"), "{}", wrong.text());
    let forged = app
        .post_form(
            "/rate",
            &s,
            &[
                ("number", &n),
                ("code", &code),
                ("channel", "sms_link"),
                ("level", "basic"),
            ],
            false,
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.store.ratings_for_case(&n).await.unwrap().len(), 2);
}

async fn act(app: &TestApp, s: &Session, id: i64, fields: &[(&str, &str)]) -> common::Resp {
    app.post_form(&format!("/feedback/follow-ups/{id}/act"), s, fields, true)
        .await
}

async fn bad_rating_follow_up_to_closed_then_appeal(app: TestApp) {
    let (n, code) = completed_case(&app).await;
    // Monday 2026-03-02: 5 working days (the default) → Monday 2026-03-09.
    let r = rate(&app, &n, &code, "online", "very_dissatisfied").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("2026-03-09"), "{}", r.text());
    let fus = app.store.follow_ups_for_case(&n).await.unwrap();
    assert_eq!(fus.len(), 1);
    let f = &fus[0];
    assert_eq!(f.due.to_string(), "2026-03-09");
    assert_eq!(f.unit.as_str(), COUNTY, "the deciding place answers for it");

    // Administrators shorten the limit; the next bad rating gets 3 working days.
    let admin = app.page_login(ADMIN).await;
    let saved = app
        .post_form(
            "/feedback/settings",
            &admin,
            &[("follow_up_days", "3"), ("answer_days", "15")],
            true,
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let clerk_page = app.page_login(CLERK_COUNTY_SCJG).await;
    let denied = app
        .post_form(
            "/feedback/settings",
            &clerk_page,
            &[("follow_up_days", "9"), ("answer_days", "15")],
            true,
        )
        .await;
    assert_eq!(
        denied.status,
        StatusCode::FORBIDDEN,
        "only administrators set limits"
    );
    rate(&app, &n, &code, "sms_link", "dissatisfied").await;
    let fus = app.store.follow_ups_for_case(&n).await.unwrap();
    assert_eq!(fus[1].due.to_string(), "2026-03-05");
    let id = f.id;

    // The unit's queue lists it; another township's staff may not see it.
    let queue = app.get("/feedback", &clerk_page).await;
    assert!(
        queue.text().contains(&format!("/feedback/follow-ups/{id}")),
        "{}",
        queue.text()
    );
    let other = app.page_login(CLERK_TOWNSHIP_B).await;
    assert_eq!(
        app.get(&format!("/feedback/follow-ups/{id}"), &other)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(!app
        .get("/feedback", &other)
        .await
        .text()
        .contains(&format!("/feedback/follow-ups/{id}")));

    // Steps in order only.
    let early = act(
        &app,
        &clerk_page,
        id,
        &[("action", "report_back"), ("text", "已处理")],
    )
    .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text());
    for (action, text) in [
        ("contact", "已电话联系申请人"),
        ("verify", "核实:窗口排队超过40分钟"),
        ("rectify", "增开午间窗口"),
        ("report_back", "已向申请人反馈整改情况:增开午间窗口"),
    ] {
        let r = act(&app, &clerk_page, id, &[("action", action), ("text", text)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}: {}", r.text());
    }
    let closed = app.store.get_follow_up(id).await.unwrap().unwrap();
    assert_eq!(closed.status, FollowUpStatus::Closed);
    assert_eq!(closed.history.len(), 5);

    // The applicant sees the report (without staff names) and appeals once.
    let (s, page) = anon_form(&app, &format!("/rate?number={n}&code={code}")).await;
    assert!(
        page.contains("增开午间窗口") && page.contains("申请复核"),
        "{page}"
    );
    let staff = app
        .store
        .find_user(CLERK_TOWNSHIP_A)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !page.contains(&staff.display_name),
        "staff names stay internal"
    );
    let id_s = id.to_string();
    let appeal = app
        .post_form(
            "/rate/appeal",
            &s,
            &[
                ("number", &n),
                ("code", &code),
                ("follow_up", &id_s),
                ("text", "窗口仍然只有一个"),
            ],
            true,
        )
        .await;
    assert_eq!(appeal.status, StatusCode::SEE_OTHER, "{}", appeal.text());
    assert_eq!(
        app.store.get_follow_up(id).await.unwrap().unwrap().status,
        FollowUpStatus::Appealed
    );
    let twice = app
        .post_form(
            "/rate/appeal",
            &s,
            &[
                ("number", &n),
                ("code", &code),
                ("follow_up", &id_s),
                ("text", "再次申诉"),
            ],
            true,
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);

    // The unit does not review its own handling; the supervisor reopens it with a fresh period.
    let own = act(
        &app,
        &clerk_page,
        id,
        &[
            ("action", "review_appeal"),
            ("upheld", "false"),
            ("text", "x"),
        ],
    )
    .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    let sup = app.page_login(SUP_COUNTY).await;
    let reviewed = act(
        &app,
        &sup,
        id,
        &[
            ("action", "review_appeal"),
            ("upheld", "false"),
            ("text", "整改不到位,重新整改"),
        ],
    )
    .await;
    assert_eq!(
        reviewed.status,
        StatusCode::SEE_OTHER,
        "{}",
        reviewed.text()
    );
    let reopened = app.store.get_follow_up(id).await.unwrap().unwrap();
    assert_eq!(reopened.status, FollowUpStatus::Open);
    assert!(reopened.appealed);
    assert_eq!(
        reopened.due.to_string(),
        "2026-03-09",
        "as long as the first period, from today"
    );
}

/// Posts the public complaint form as an anonymous visitor.
async fn complain(app: &TestApp, fields: &[(&str, &str)]) -> common::Resp {
    let (s, _) = anon_form(app, "/complaints/new").await;
    app.post_form("/complaints/new", &s, fields, true).await
}

/// The follow code shown after filing.
fn code_in(html: &str) -> String {
    let key = "<strong class=\"code\">";
    let start = html.find(key).expect("the page shows the follow code") + key.len();
    html[start..start + 10].to_string()
}

async fn complaints_anonymous_and_named_answered(app: TestApp) {
    let (n, _) = completed_case(&app).await;
    let anon = complain(
        &app,
        &[
            ("kind", "report"),
            ("subject", "window"),
            ("place", TOWNSHIP_A),
            ("subject_ref", "3号窗口"),
            ("body", "窗口人员索要好处费"),
        ],
    )
    .await;
    assert_eq!(anon.status, StatusCode::CREATED, "{}", anon.text());
    let anon_code = code_in(&anon.text());
    let stored = app.store.find_complaint(&anon_code).await.unwrap().unwrap();
    assert!(stored.complainant.is_none(), "举报 may be anonymous");
    assert_eq!(
        stored.unit.as_str(),
        COUNTY,
        "a report about a township window's staff goes to the county, not the township"
    );

    let nameless = complain(
        &app,
        &[
            ("kind", "complaint"),
            ("subject", "case"),
            ("case", &n),
            ("body", "办理太慢"),
        ],
    )
    .await;
    assert_eq!(nameless.status, StatusCode::BAD_REQUEST);
    assert!(nameless.text().contains("须留下姓名和联系电话"));

    let named = complain(
        &app,
        &[
            ("kind", "complaint"),
            ("subject", "case"),
            ("case", &n),
            ("body", "窗口未一次性告知所需材料"),
            ("name", "周小燕"),
            ("phone", "13905781001"),
        ],
    )
    .await;
    assert_eq!(named.status, StatusCode::CREATED, "{}", named.text());
    let code = code_in(&named.text());
    let k = app.store.find_complaint(&code).await.unwrap().unwrap();
    assert_eq!(k.case_number.as_deref(), Some(n.as_str()));
    assert_eq!(
        k.unit.as_str(),
        COUNTY,
        "routed to the case's deciding place"
    );
    assert_eq!(
        k.accept_due.to_string(),
        "2026-03-09",
        "5 working days to accept"
    );

    // The units and their supervisor see them; another township does not.
    let clerk = app.page_login(CLERK_COUNTY_SCJG).await;
    let queue = app.get("/feedback", &clerk).await.text();
    assert!(
        queue.contains(&format!("/feedback/complaints/{}", k.id))
            && queue.contains(&format!("/feedback/complaints/{}", stored.id))
    );
    let sup = app.page_login(SUP_COUNTY).await;
    assert!(app
        .get("/feedback", &sup)
        .await
        .text()
        .contains(&format!("/feedback/complaints/{}", k.id)));
    let other = app.page_login(CLERK_TOWNSHIP_B).await;
    assert_eq!(
        app.get(&format!("/feedback/complaints/{}", k.id), &other)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_form(
            &format!("/feedback/complaints/{}/act", k.id),
            &sup,
            &[("action", "accept")],
            true
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "the supervisor oversees, the unit handles"
    );

    let act = |id: i64, action: &'static str, text: &'static str| {
        let clerk = clerk.clone();
        let app = &app;
        async move {
            app.post_form(
                &format!("/feedback/complaints/{id}/act"),
                &clerk,
                &[("action", action), ("text", text)],
                true,
            )
            .await
        }
    };
    let early = act(k.id, "answer", "已答复").await;
    assert_eq!(
        early.status,
        StatusCode::CONFLICT,
        "answer only after acceptance"
    );
    assert_eq!(act(k.id, "accept", "").await.status, StatusCode::SEE_OTHER);
    let accepted = app.store.get_complaint(k.id).await.unwrap().unwrap();
    assert_eq!(accepted.status, ComplaintStatus::Accepted);
    assert_eq!(
        accepted.answer_due.unwrap().to_string(),
        "2026-03-23",
        "15 working days after acceptance"
    );
    assert_eq!(
        act(
            k.id,
            "answer",
            "经核实,已对窗口人员批评教育,并完善一次性告知单"
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let no_reason = act(stored.id, "decline", "").await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        act(stored.id, "decline", "反映内容无具体时间地点,无法核查")
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // The complainant follows it with the code.
    let seen = app
        .get(
            &format!("/complaints/lookup?code={}", code.to_lowercase()),
            &Session::default(),
        )
        .await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(
        seen.text().contains("已答复") && seen.text().contains("已对窗口人员批评教育"),
        "{}",
        seen.text()
    );
    let api = app
        .get(
            &format!("/api/v1/feedback/complaints?code={code}"),
            &Session::default(),
        )
        .await
        .json();
    assert_eq!(api["status"], "answered");
    let declined = app
        .get(
            &format!("/complaints/lookup?code={anon_code}"),
            &Session::default(),
        )
        .await
        .text();
    assert!(declined.contains("不予受理") && declined.contains("无法核查"));
    assert_eq!(
        app.get("/complaints/lookup?code=NOSUCHCODE", &Session::default())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn overdue_complaint_is_reported(app: TestApp) {
    let filed = complain(
        &app,
        &[
            ("kind", "petition"),
            ("subject", "department"),
            ("place", TOWNSHIP_A),
            ("subject_ref", "市场监管所"),
            ("body", "多次反映无人处理"),
            ("name", "周小燕"),
            ("phone", "13905781001"),
        ],
    )
    .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text());
    let k = app
        .store
        .find_complaint(&code_in(&filed.text()))
        .await
        .unwrap()
        .unwrap();
    let sup = app.api_login(SUP_TOWNSHIP_A).await;
    assert_eq!(
        app.get("/api/v1/feedback/overdue", &sup).await.json()["complaints"],
        json!([]),
        "on time so far"
    );
    // Due 2026-03-09; on Tuesday 2026-03-10 it is one working day late.
    app.clock.advance(chrono::Duration::days(8));
    // Sessions last hours: sign in again on the new day.
    let sup = app.api_login(SUP_TOWNSHIP_A).await;
    let overdue = || async { app.get("/api/v1/feedback/overdue", &sup).await.json() };
    let today = app.state.clock.today();
    let cal = app.state.calendar();
    let d = k.deadline(today, &cal).unwrap();
    assert!(d.is_overdue() && d.days_late == 1, "{d:?}");
    let list = overdue().await;
    assert_eq!(list["complaints"][0]["id"], k.id, "{list}");
    assert_eq!(list["complaints"][0]["deadline"]["kind"], "accept");
    assert_eq!(list["complaints"][0]["deadline"]["days_late"], 1);
    let page = app
        .get("/feedback", &app.page_login(SUP_TOWNSHIP_A).await)
        .await
        .text();
    assert!(page.contains("超期1个工作日"), "the queue marks it");
    // Overdue complaints are supervision warnings on the live monitor.
    let monitor = app
        .get("/supervision", &app.page_login(SUP_TOWNSHIP_A).await)
        .await
        .text();
    assert!(
        monitor.contains("投诉逾期未处理 1") && monitor.contains(&k.code),
        "monitor warns"
    );
    // The city above is told; the sibling township is not.
    let city = app.api_login(SUP_CITY).await;
    assert_eq!(
        app.get("/api/v1/feedback/overdue", &city).await.json()["complaints"][0]["id"],
        k.id
    );
    let sibling = app.api_login(SUP_TOWNSHIP_B).await;
    assert_eq!(
        app.get("/api/v1/feedback/overdue", &sibling).await.json()["complaints"],
        json!([])
    );
    let applicant = app.api_login(CITIZEN).await;
    assert_eq!(
        app.get("/api/v1/feedback/overdue", &applicant).await.status,
        StatusCode::FORBIDDEN
    );
    // Accepted late, the answer deadline starts today and is not overdue.
    let clerk = app.page_login(CLERK_TOWNSHIP_A).await;
    app.post_form(
        &format!("/feedback/complaints/{}/act", k.id),
        &clerk,
        &[("action", "accept")],
        true,
    )
    .await;
    assert_eq!(overdue().await["complaints"], json!([]));
}

async fn kiosk_works_without_javascript(app: TestApp) {
    let home = app.get("/kiosk", &Session::default()).await;
    assert_eq!(home.status, StatusCode::OK);
    let h = home.text();
    assert!(
        h.contains("action=\"/kiosk/search\"") && h.contains("type=\"search\" name=\"q\""),
        "search box"
    );
    assert!(h.contains("action=\"/kiosk/lookup\""), "case lookup");
    assert!(h.contains("/kiosk/theme?name=建房"), "browse by theme");
    assert!(!h.contains("<script"), "the start page needs no JavaScript");
    assert!(
        h.contains("min-height:72px"),
        "touch targets of at least 64px"
    );

    let zhaijidi = app
        .store
        .get_published(ITEM_ZHAIJIDI)
        .await
        .unwrap()
        .unwrap();
    let found = app
        .get("/kiosk/search?q=jf", &Session::default())
        .await
        .text();
    assert!(
        found.contains(&zhaijidi.name),
        "pinyin initials find 宅基地建房: {found}"
    );
    assert!(
        found.contains("http-equiv=\"refresh\" content=\"90;url=/kiosk\""),
        "back to the start without JavaScript"
    );
    let theme = app
        .get("/kiosk/theme?name=%E5%BB%BA%E6%88%BF", &Session::default())
        .await
        .text();
    assert!(theme.contains(&format!("/kiosk/items/{ITEM_ZHAIJIDI}")));
    let guide = app
        .get(
            &format!("/kiosk/items/{ITEM_ZHAIJIDI}"),
            &Session::default(),
        )
        .await;
    assert_eq!(guide.status, StatusCode::OK);
    assert!(guide
        .text()
        .contains(&format!("/kiosk/items/{ITEM_ZHAIJIDI}/print")));
    assert!(
        app.get(
            &format!("/kiosk/items/{ITEM_ZHAIJIDI}/print"),
            &Session::default()
        )
        .await
        .text()
        .contains("data-autoprint"),
        "printed at once by /static/app.js (no inline script)"
    );

    let (n, code) = completed_case(&app).await;
    let looked = app
        .get(
            &format!("/kiosk/lookup?number={n}&code={code}"),
            &Session::default(),
        )
        .await;
    assert_eq!(looked.status, StatusCode::OK);
    assert!(looked.text().contains("办结") && looked.text().contains("channel=window_tablet"));
    // Nothing on the terminal leads out of kiosk mode: no online filing (a sign-in on a public
    // terminal), no portal lists, no sign-in; rating from the terminal stays in kiosk mode.
    let rate = app
        .get(
            &format!("/rate?channel=window_tablet&number={n}&code={code}"),
            &Session::default(),
        )
        .await;
    assert_eq!(rate.status, StatusCode::OK);
    let guide = app
        .get(&format!("/kiosk/items/{ITEM_GETIHU}"), &Session::default())
        .await
        .text();
    for (page, html) in [
        ("home", h.clone()),
        ("search", found.clone()),
        ("theme", theme.clone()),
        ("guide", guide),
        ("lookup", looked.text()),
        ("rate", rate.text()),
    ] {
        for href in html
            .split("href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
        {
            assert!(
                href.starts_with("/kiosk")
                    || href.starts_with("/static/")
                    || href.starts_with("/rate?channel=window_tablet"),
                "{page}: {href} leads out of kiosk mode"
            );
        }
        assert!(!html.contains("在线申报"), "{page} offers online filing");
    }
    assert_eq!(
        app.get(
            &format!("/kiosk/lookup?number={n}&code=BAD"),
            &Session::default()
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

async fn statistics_for_a_fixture(app: TestApp) {
    // Two 个体工商户 cases completed at 石桥镇 and one food licence received at the county.
    completed_case(&app).await;
    completed_case(&app).await;
    let county = app.api_login("clerk.yunxi.scjg").await;
    window_case(&app, ITEM_FOOD_LICENSE, &county).await;

    let s = app
        .get(
            "/api/v1/feedback/statistics?month=2026-03",
            &Session::default(),
        )
        .await
        .json();
    assert_eq!(s["total"]["received"], 3, "{s}");
    assert_eq!(s["total"]["completed"], 2);
    assert_eq!(s["total"]["on_time"], 2);
    let place = |key: &str| {
        s["by_place"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(place(TOWNSHIP_A)["received"], 2);
    assert_eq!(place(TOWNSHIP_A)["completed"], 2);
    assert_eq!(place(COUNTY)["received"], 1);
    assert_eq!(place(COUNTY)["completed"], 0);
    let depts: u64 = s["by_department"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["received"].as_u64().unwrap())
        .sum();
    assert_eq!(depts, 3, "every case in one department row");

    let page = app
        .get("/statistics?month=2026-03", &Session::default())
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let t = page.text();
    assert!(t.contains("<svg") && t.contains("各部门收件与办结"));
    assert!(
        t.contains("<tr data-key=\"all\"><th scope=\"row\">合计</th><td>3</td><td>2</td><td>2</td><td>100.0%</td></tr>"),
        "{t}"
    );
    let feb = app
        .get(
            "/api/v1/feedback/statistics?month=2026-02",
            &Session::default(),
        )
        .await
        .json();
    assert_eq!(feb["total"]["received"], 0);
    // A month already over is counted once and kept; the current one is counted on every visit.
    let first_of = |m: u32| chrono::NaiveDate::from_ymd_opt(2026, m, 1).unwrap();
    let cached = |m: u32| {
        app.state
            .caches
            .past_months
            .read()
            .unwrap()
            .contains_key(&first_of(m))
    };
    assert!(cached(2), "February is over");
    assert!(!cached(3), "March is the current month");
    assert_eq!(
        app.get("/statistics?month=2026-13", &Session::default())
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}
