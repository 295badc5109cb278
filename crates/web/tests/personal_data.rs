//! Personal data at rest, at the window (issue 16, part 6), on SQLite and PostgreSQL: no ID number
//! is stored in clear, yet a clerk finds a person's cases by it (a keyed blind index) — by API and
//! page, posted so the number is in no URL, only among the cases the clerk may see.

mod common;

use axum::http::StatusCode;
use common::cases::*;
use common::TestApp;
use demo::*;
use serde_json::json;

both_backends!(a_clerk_finds_a_persons_cases_by_id_number);

fn numbers(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_str().unwrap().to_string())
        .collect()
}

async fn a_clerk_finds_a_persons_cases_by_id_number(app: TestApp) {
    let clerk = app.api_login(CLERK).await;
    let first = window_case(&app, FOOD, &clerk).await;
    let second = window_case(&app, FOOD, &clerk).await;
    let id = person_id();
    let lookup = "/api/v1/cases/by-id-number";

    // Typed with spaces and a lower-case check letter, as at a window; newest first.
    let typed = format!(" {} ", id.to_lowercase());
    let r = app
        .post_json(lookup, &clerk, &json!({ "id_number": typed }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let found = numbers(&r.json());
    assert_eq!(found[..2], [second.clone(), first.clone()], "{found:?}");

    // Another person's number finds none of them.
    let other = domain::identity::complete_resident_id("11010519491231002").unwrap();
    let r = app
        .post_json(lookup, &clerk, &json!({ "id_number": other }))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!numbers(&r.json()).contains(&first));

    // A clerk of another township sees only the cases they may see: not these.
    let elsewhere = app.api_login(CLERK_TOWNSHIP_B).await;
    let r = app
        .post_json(lookup, &elsewhere, &json!({ "id_number": id }))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let seen = numbers(&r.json());
    assert!(
        !seen.contains(&first) && !seen.contains(&second),
        "{seen:?}"
    );

    // An applicant may not search people by ID number.
    let citizen = app.api_login(CITIZEN).await;
    let r = app
        .post_json(lookup, &citizen, &json!({ "id_number": id }))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());

    // Nothing typed: a field error, in Chinese, with its code.
    let r = app
        .post_json(lookup, &clerk, &json!({ "id_number": "  " }))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let e = r.json();
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("invalid_id_number"), Some("id_number"))
    );

    // The page: the workbench offers the lookup as a posted form, and its answer lists the cases.
    let s = app.page_login(CLERK).await;
    let bench = app.get("/cases", &s).await.text();
    assert!(
        bench.contains(r#"method="post" action="/cases/by-id-number""#),
        "{bench}"
    );
    let r = app
        .post_form("/cases/by-id-number", &s, &[("id_number", &id)], true)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let page = r.text();
    assert!(page.contains(&first) && page.contains(&second), "{page}");
    let r = app
        .post_form("/cases/by-id-number", &s, &[("id_number", "")], true)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("请输入18位身份证号码或统一社会信用代码"));
}

mod reveal {
    use super::*;
    use store::record::AuditFilter;

    both_backends!(staff_see_masked_values_until_they_reveal_them_with_a_reason);

    async fn staff_see_masked_values_until_they_reveal_them_with_a_reason(app: TestApp) {
        let clerk = app.api_login(CLERK).await;
        let n = window_case(&app, FOOD, &clerk).await;
        let id = person_id();
        let masked = domain::identity::mask_id(&id);

        // The API shows the case and its log masked, to the clerk as to a supervisor.
        let sup = app.api_login(SUP_COUNTY).await;
        for s in [&clerk, &sup] {
            let c = app.get(&format!("/api/v1/cases/{n}"), s).await;
            assert_eq!(c.status, StatusCode::OK);
            let a = &c.json()["filing"]["applicant"];
            assert_eq!(a["id_number"], masked.as_str(), "{a}");
            assert!(a["phone"].as_str().unwrap().contains('*'), "{a}");
            let log = app
                .get(&format!("/api/v1/cases/{n}/events"), s)
                .await
                .text();
            assert!(!log.contains(&id), "the log shows the ID number: {log}");
        }

        // Revealing needs a reason; a supervisor may not reveal at all.
        let path = format!("/api/v1/cases/{n}/reveal");
        let r = app
            .post_json(&path, &clerk, &json!({ "reason": " " }))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
        assert_eq!(r.json()["field"], "reason");
        let r = app
            .post_json(&path, &sup, &json!({ "reason": "抽查" }))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .post_json(&path, &clerk, &json!({ "reason": "核验申请人身份" }))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["id_number"], id.as_str());
        assert_eq!(r.json()["phone"], "13905781001");

        // The page: the clerk is offered the reveal, the supervisor is not; revealing shows it.
        let page = app.page_login(CLERK).await;
        let case_page = app.get(&format!("/cases/{n}"), &page).await.text();
        assert!(case_page.contains("查看完整信息") && !case_page.contains(&id));
        let sup_page = app.page_login(SUP_COUNTY).await;
        assert!(!app
            .get(&format!("/cases/{n}"), &sup_page)
            .await
            .text()
            .contains("查看完整信息"));
        let r = app
            .post_form(
                &format!("/cases/{n}/reveal"),
                &page,
                &[("reason", "电话核实")],
                true,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text().contains(&id));

        // Each reveal is one audit entry, with who, which case and why; refusals reveal nothing.
        let entries = app
            .store
            .audit_entries(&AuditFilter {
                action: Some(domain::audit::AuditAction::PersonalDataRevealed),
                limit: 10,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        let seen: Vec<(&str, &str, &str)> = entries
            .iter()
            .map(|e| (e.actor.as_str(), e.object.as_str(), e.detail.as_str()))
            .collect();
        let object = format!("case:{n}");
        assert_eq!(
            seen,
            vec![
                (CLERK, object.as_str(), "核验申请人身份"),
                (CLERK, object.as_str(), "电话核实")
            ]
        );
    }
}

mod identity {
    use super::*;

    both_backends!(one_account_per_id_number_and_online_one_applies_for_oneself);

    async fn one_account_per_id_number_and_online_one_applies_for_oneself(app: TestApp) {
        let register = |username: &str, id: &str| app::accounts::Registration {
            username: username.into(),
            name: "李四".into(),
            id_number: id.into(),
            phone: "13912345678".into(),
            password: "Xinyuan-7319".into(),
            region: VILLAGE_A.into(),
        };
        let id = "110101199003074477";
        app::accounts::register(&app.state, &register("li.si", id))
            .await
            .unwrap();
        // The same number again, however typed, is refused at its field.
        match app::accounts::register(&app.state, &register("li.si2", " 110101199003074477 ")).await
        {
            Err(app::Error::Validation(v)) => assert_eq!(
                (v.errors[0].field.as_str(), v.errors[0].code.as_str()),
                ("id_number", "id_number_taken"),
                "{v:?}"
            ),
            other => panic!("{other:?}"),
        }

        // Online, the demo citizen applies for herself only.
        let citizen = app.api_login(CITIZEN).await;
        let own = demo::applicant_id_number(CITIZEN).unwrap();
        let file = |id: String| {
            json!({ "item_code": FOOD, "applicant": { "kind": "person", "name": "陈晓雨",
                "id_number": id, "phone": "13905781099" } })
        };
        let r = app
            .post_json("/api/v1/cases", &citizen, &file(person_id()))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
        assert_eq!(
            (r.json()["code"].as_str(), r.json()["field"].as_str()),
            (
                Some("applicant_not_account_holder"),
                Some("applicant.id_number")
            )
        );
        let r = app.post_json("/api/v1/cases", &citizen, &file(own)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        // The applicant sees their own numbers whole.
        let n = r.json()["filing"]["number"].as_str().unwrap().to_string();
        let c = app
            .get(&format!("/api/v1/cases/{n}"), &citizen)
            .await
            .json();
        assert_eq!(
            c["filing"]["applicant"]["id_number"],
            demo::applicant_id_number(CITIZEN).unwrap().as_str()
        );
    }
}
