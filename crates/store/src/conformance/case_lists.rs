//! Case lists and figures: filters, scoped pages, period figures, numbers, messages and results.

use super::*;

/// Five cases across the test tree (see each line), for the list stories.
pub(crate) async fn seed_cases<S: CaseStore + ?Sized>(store: &S) -> Vec<Case> {
    let mut a = window_case("330102001000-20260302-0001", TOWN, "2026-03-02T01:00:00Z");
    a.applicant_region = EDGE_VILLAGE;
    // The sibling township's case: never in the township's lists.
    let mut b = window_case(
        "330102002000-20260303-0001",
        SIBLING_TOWN,
        "2026-03-03T01:00:00Z",
    );
    b.applicant_region = SIBLING_VILLAGE;
    // Accepted at the county, decided by the township: in the township's list by deciding place.
    let mut c = window_case("330102000000-20260304-0001", COUNTY, "2026-03-04T01:00:00Z");
    c.decide_place = TOWN;
    c.applicant_region = SIBLING_VILLAGE;
    c.department = "mzj";
    // An online draft of an applicant with an account: no due date, listed last.
    let mut d = window_case("330102001000-20260301-0001", TOWN, "2026-03-01T01:00:00Z");
    d.channel = Channel::Online;
    d.applicant_user_id = Some(7);
    // Filed by a village agent the same day as `a`: same due date, ordered after it by number.
    let mut e = window_case("330102001000-20260302-0002", TOWN, "2026-03-02T05:00:00Z");
    e.channel = Channel::Proxy;
    e.agent_user_id = Some(9);

    let mut out = Vec::new();
    for f in [&a, &b, &c, &d, &e] {
        let (case, events) = filed_case(f);
        store.create_case(&case, &events).await.unwrap();
        out.push((case, events));
    }
    // `c` is accepted, with a promised date before everyone's correction date.
    let (c_case, c_events) = &out[2];
    let (accepted, ev) = next_events(
        c_case,
        c_events,
        "2026-03-04T02:00:00Z",
        vec![EventKind::Accepted {
            accepted_on: date("2026-03-04"),
            by_system: false,
            statutory_due: date("2026-04-01"),
            promised_due: date("2026-03-05"),
            started: vec![(0, date("2026-03-05"))],
            fee_total_fen: 0,
        }],
    );
    store
        .append_events(&accepted, c_case.version, &ev)
        .await
        .unwrap();
    out[2].0 = accepted;
    out.into_iter().map(|(c, _)| c).collect()
}

pub(crate) fn numbers_of(list: &[CaseSummary]) -> Vec<&str> {
    list.iter().map(|c| c.number.as_str()).collect()
}

pub async fn cases_listed_by_filter<S: CaseStore + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let [a, b, c, d, e] = [0, 1, 2, 3, 4].map(|i| cases[i].filing.number.as_str());
    assert_eq!(cases[2].current_deadline(), Some(date("2026-03-05")));
    assert_eq!(cases[3].current_deadline(), None);
    let list = |f: CaseFilter| async move { store.list_cases(&f).await.unwrap() };

    let all = list(CaseFilter::default()).await;
    assert_eq!(
        numbers_of(&all),
        vec![c, a, e, b, d],
        "by due (none last), then number"
    );
    // Each row is the summary of its case, updated when its last event happened.
    for s in &all {
        let case = cases.iter().find(|x| x.filing.number == s.number).unwrap();
        let updated = if s.number == c {
            at("2026-03-04T02:00:00Z")
        } else {
            case.created_at
        };
        assert_eq!(*s, CaseSummary::of(case, updated));
    }

    let town = || Some(subtree(TOWN));
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                place_scope: town(),
                ..Default::default()
            })
            .await
        ),
        vec![c, a, e, d],
        "accepting or deciding place inside the township; not the sibling township"
    );
    // The workbench's search: by number, applicant or item, within the scope or without one;
    // wildcards are taken literally.
    let search = |text: &str, place_scope| CaseFilter {
        text: Some(text.to_string()),
        place_scope,
        ..Default::default()
    };
    assert_eq!(
        numbers_of(&list(search("20260302-0002", town())).await),
        vec![e]
    );
    assert_eq!(
        numbers_of(&list(search(&format!("申请人{a}"), None)).await),
        vec![a]
    );
    assert_eq!(
        numbers_of(&list(search("食品经营", town())).await),
        vec![c, a, e, d],
        "by item name"
    );
    assert!(list(search("%", None)).await.is_empty());
    assert!(list(search("_", town())).await.is_empty());
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                place_scope: Some(subtree(SIBLING_TOWN)),
                ..Default::default()
            })
            .await
        ),
        vec![b]
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                place_scope: Some(Scope::Within(vec![])),
                ..Default::default()
            })
            .await
        ),
        Vec::<&str>::new()
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                applicant_scope: town(),
                ..Default::default()
            })
            .await
        ),
        vec![a, e, d],
        "applicants living in the township, its last village included"
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                states: vec![CaseState::InReview],
                ..Default::default()
            })
            .await
        ),
        vec![c]
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                states: vec![CaseState::Draft, CaseState::Submitted],
                ..Default::default()
            })
            .await
        ),
        vec![a, e, b, d]
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                applicant_user_id: Some(7),
                ..Default::default()
            })
            .await
        ),
        vec![d]
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                agent_user_id: Some(9),
                ..Default::default()
            })
            .await
        ),
        vec![e]
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                department: Some("mzj".to_string()),
                ..Default::default()
            })
            .await
        ),
        vec![c]
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                place_scope: town(),
                states: vec![CaseState::Submitted],
                department: Some("scjg".to_string()),
                ..Default::default()
            })
            .await
        ),
        vec![a, e],
        "every set field narrows"
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                limit: Some(2),
                ..Default::default()
            })
            .await
        ),
        vec![c, a]
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                agent_user_id: Some(7),
                ..Default::default()
            })
            .await
        ),
        Vec::<&str>::new()
    );
}

/// Scoped lists (read through `case_scopes`, merged per state) equal the plain list filtered by
/// the same rules, for every kind of scope, and keyset pages join up to the whole list; a state
/// change, a new due date and a transfer move a case between lists.
pub async fn case_list_scoped_pages<S: CaseStore + ?Sized>(store: &S) {
    const FAR_VILLAGE: &str = "330105001001";
    let places = [TOWN, SIBLING_TOWN, COUNTY, FAR_TOWN];
    let applicants = [VILLAGE, EDGE_VILLAGE, SIBLING_VILLAGE, FAR_VILLAGE, VILLAGE];
    let mut cases: Vec<(Case, Vec<CaseEvent>)> = vec![];
    for i in 0..48usize {
        let place = places[i % 4];
        let decide = match i % 3 {
            0 => place,
            1 => COUNTY,
            _ => CITY,
        };
        let day = 1 + (i * 7) % 20;
        let number = format!("{place}-202603{day:02}-{i:04}");
        let at_ = format!("2026-03-{day:02}T0{}:00:00Z", 1 + i % 8);
        let f = CaseFixture {
            number: &number,
            place,
            decide_place: decide,
            applicant_region: applicants[i % 5],
            department: if i % 2 == 0 { "scjg" } else { "mzj" },
            // Every sixth is an online draft: no due date, listed after every dated case.
            channel: if i % 6 == 0 {
                Channel::Online
            } else {
                Channel::Window
            },
            applicant_user_id: (i % 6 == 0).then_some(7),
            agent_user_id: (i % 7 == 0).then_some(9),
            at: &at_,
        };
        let (case, events) = filed_case(&f);
        store.create_case(&case, &events).await.unwrap();
        cases.push((case, events));
    }
    // Some are accepted (a new state and a new due date), one is transferred to the far township.
    for i in [1usize, 5, 9, 13, 17, 21, 26, 33, 41] {
        let (c, log) = &cases[i];
        let accepted_on = c.created_at.date_naive();
        let (next, ev) = next_events(
            c,
            log,
            &format!("{}T09:00:00Z", accepted_on),
            vec![EventKind::Accepted {
                accepted_on,
                by_system: false,
                statutory_due: accepted_on + Duration::days(28),
                promised_due: accepted_on + Duration::days((i % 9) as i64),
                started: vec![(0, accepted_on + Duration::days(3))],
                fee_total_fen: 0,
            }],
        );
        store.append_events(&next, c.version, &ev).await.unwrap();
        let all: Vec<CaseEvent> = log.iter().chain(ev.iter()).cloned().collect();
        cases[i] = (next, all);
    }
    {
        let (c, log) = &cases[4];
        assert_eq!(c.filing.place, code(TOWN));
        let (next, ev) = next_events(
            c,
            log,
            "2026-03-20T09:00:00Z",
            vec![EventKind::Transferred {
                from: code(TOWN),
                to: code(FAR_TOWN),
                reason: "属地管辖".to_string(),
            }],
        );
        store.append_events(&next, c.version, &ev).await.unwrap();
        cases[4].0 = next;
    }
    let moved = cases[4].0.filing.number.clone();

    let all = store.list_cases(&CaseFilter::default()).await.unwrap();
    assert_eq!(all.len(), 48);
    let keys: Vec<listing::ListKey> = all.iter().map(listing::ListKey::of).collect();
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "plain list in list order"
    );
    assert!(all.iter().any(|s| s.state == CaseState::InReview));
    assert!(all.iter().any(|s| s.due.is_none()), "undated cases present");

    let roots = |codes: &[&str]| {
        Scope::Within(
            codes
                .iter()
                .map(|c| (code(c), code(c).implied_level()))
                .collect(),
        )
    };
    let scopes = vec![
        subtree(TOWN),
        subtree(COUNTY),
        subtree(CITY),
        subtree(FAR_TOWN),
        subtree(VILLAGE),
        Scope::All,
        roots(&[TOWN, SIBLING_TOWN]),
        roots(&[COUNTY, TOWN]),
        roots(&[SIBLING_TOWN, FAR_TOWN]),
        Scope::Within(vec![]),
    ];
    let mut filters: Vec<CaseFilter> = vec![];
    for scope in &scopes {
        for (states, department) in [
            (vec![], None),
            (vec![CaseState::InReview], None),
            (vec![CaseState::Draft, CaseState::Submitted], Some("scjg")),
            (vec![CaseState::Completed], None),
        ] {
            for with_filed_from in [false, true] {
                filters.push(CaseFilter {
                    place_scope: Some(scope.clone()),
                    with_filed_from,
                    states: states.clone(),
                    department: department.map(str::to_string),
                    ..Default::default()
                });
            }
        }
        filters.push(CaseFilter {
            applicant_scope: Some(scope.clone()),
            ..Default::default()
        });
        filters.push(CaseFilter {
            place_scope: Some(subtree(COUNTY)),
            applicant_scope: Some(scope.clone()),
            agent_user_id: Some(9),
            ..Default::default()
        });
    }
    for f in &filters {
        let expected: Vec<&str> = all
            .iter()
            .filter(|s| {
                let handled = f.place_scope.as_ref().is_none_or(|p| {
                    p.contains(&s.place)
                        || p.contains(&s.decide_place)
                        || (f.with_filed_from && p.contains(&s.applicant_region))
                });
                handled
                    && f.applicant_scope
                        .as_ref()
                        .is_none_or(|a| a.contains(&s.applicant_region))
                    && (f.states.is_empty() || f.states.contains(&s.state))
                    && f.department.as_ref().is_none_or(|d| s.department == *d)
                    && f.agent_user_id.is_none_or(|id| s.agent_user_id == Some(id))
            })
            .map(|s| s.number.as_str())
            .collect();
        let got = store.list_cases(f).await.unwrap();
        assert_eq!(numbers_of(&got), expected, "{f:?}");
        // Pages of 5 (and of 1 for a few) join up to the whole list, each row once.
        for size in [5u32, 1] {
            if size == 1 && expected.len() > 12 {
                continue;
            }
            let mut paged: Vec<String> = vec![];
            let mut after = None;
            loop {
                let page = store
                    .list_cases(&CaseFilter {
                        limit: Some(size),
                        after: after.clone(),
                        ..f.clone()
                    })
                    .await
                    .unwrap();
                assert!(page.len() <= size as usize);
                paged.extend(page.iter().map(|s| s.number.clone()));
                if page.len() < size as usize {
                    break;
                }
                after = page.last().map(listing::ListKey::of);
            }
            assert_eq!(paged, expected, "pages of {size}: {f:?}");
        }
    }
    // The transferred case left the township's list for the far township's.
    let town_list = store
        .list_cases(&CaseFilter {
            place_scope: Some(subtree(TOWN)),
            ..Default::default()
        })
        .await
        .unwrap();
    let far_list = store
        .list_cases(&CaseFilter {
            place_scope: Some(subtree(FAR_TOWN)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!numbers_of(&town_list).contains(&moved.as_str()));
    assert!(numbers_of(&far_list).contains(&moved.as_str()));
    // Plain lists page too.
    let first = store
        .list_cases(&CaseFilter {
            limit: Some(10),
            ..Default::default()
        })
        .await
        .unwrap();
    let rest = store
        .list_cases(&CaseFilter {
            after: first.last().map(listing::ListKey::of),
            ..Default::default()
        })
        .await
        .unwrap();
    let joined: Vec<&str> = numbers_of(&first)
        .into_iter()
        .chain(numbers_of(&rest))
        .collect();
    assert_eq!(joined, numbers_of(&all));
}

/// The public monthly figures: receipts by date of receipt (drafts have none), completions and
/// on-time completions from outcomes by date of completion, per accepting place and department.
pub async fn case_period_figures<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    // Received: a (03-02, town), b (03-03, sibling), c (03-04, county), e (03-02, town); d is a
    // draft. Completed: a on time in March, b late in April.
    for o in [
        outcome_of(&cases[0].filing.number, TOWN, TOWN, "2026-03-20", true),
        outcome_of(
            &cases[1].filing.number,
            SIBLING_TOWN,
            SIBLING_TOWN,
            "2026-04-01",
            false,
        ),
    ] {
        store.put_outcome(&o).await.unwrap();
    }
    let fig = |place: &str, department: &str, received, completed, on_time| PeriodFigure {
        place: code(place),
        department: department.to_string(),
        received,
        completed,
        on_time,
    };
    assert_eq!(
        store
            .period_figures(date("2026-03-01"), date("2026-04-01"))
            .await
            .unwrap(),
        vec![
            fig(COUNTY, "mzj", 1, 0, 0),
            fig(TOWN, "scjg", 2, 1, 1),
            fig(SIBLING_TOWN, "scjg", 1, 0, 0),
        ],
        "the month's end is outside it"
    );
    assert_eq!(
        store
            .period_figures(date("2026-04-01"), date("2026-05-01"))
            .await
            .unwrap(),
        vec![fig(SIBLING_TOWN, "scjg", 0, 1, 0)]
    );
    assert_eq!(
        store
            .period_figures(date("2026-03-03"), date("2026-03-04"))
            .await
            .unwrap(),
        vec![fig(SIBLING_TOWN, "scjg", 1, 0, 0)],
        "one day"
    );

    // A receipt follows its case: `e` is transferred to another town, and a case imported whole
    // is counted where it was received.
    assert_eq!(cases[4].filing.place, code(TOWN));
    transfer(store, &cases[4], FAR_TOWN, "2026-03-20T09:00:00Z").await;
    let (imported, events) = filed_case(&window_case(
        "330102001000-20260305-0101",
        SIBLING_TOWN,
        "2026-03-05T01:00:00Z",
    ));
    assert!(imported.received_on.is_some());
    store
        .import_cases(&[crate::ImportedCase {
            case: imported,
            events,
            effects: SideEffects::default(),
        }])
        .await
        .unwrap();
    assert_eq!(
        store
            .period_figures(date("2026-03-01"), date("2026-04-01"))
            .await
            .unwrap(),
        vec![
            fig(COUNTY, "mzj", 1, 0, 0),
            fig(TOWN, "scjg", 1, 1, 1),
            fig(SIBLING_TOWN, "scjg", 2, 0, 0),
            fig(FAR_TOWN, "scjg", 1, 0, 0),
        ]
    );
}

pub async fn case_numbers_page<S: CaseStore + ?Sized>(store: &S) {
    assert_eq!(
        store.case_numbers(None, 10).await.unwrap(),
        Vec::<String>::new()
    );
    let cases = seed_cases(store).await;
    let mut all: Vec<String> = cases.iter().map(|c| c.filing.number.clone()).collect();
    all.sort();
    let first = store.case_numbers(None, 2).await.unwrap();
    assert_eq!(first, all[..2].to_vec());
    let rest = store.case_numbers(Some(&first[1]), 10).await.unwrap();
    assert_eq!(rest, all[2..].to_vec());
    assert_eq!(
        store.case_numbers(Some(&all[4]), 10).await.unwrap(),
        Vec::<String>::new()
    );
}

pub async fn case_messages<S: CaseStore + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let (a, d) = (&cases[0].filing.number, &cases[3].filing.number);
    let msg = |user_id: Option<i64>, n: &str, text: &str, when: &str| Message {
        id: 0,
        user_id,
        case_number: n.to_string(),
        text: text.to_string(),
        created_at: at(when),
    };
    let m1 = msg(Some(7), d, "您的草稿已保存", "2026-03-01T01:00:00Z");
    let m2 = msg(None, a, "材料已接收", "2026-03-02T01:00:00Z");
    let m3 = msg(Some(7), a, "已受理", "2026-03-03T01:00:00Z");
    let mut ids = Vec::new();
    for m in [&m1, &m2, &m3] {
        ids.push(store.add_message(m).await.unwrap());
    }
    assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
    let with_id = |m: &Message, id: i64| Message { id, ..m.clone() };

    assert_eq!(
        store.messages_for_user(7).await.unwrap(),
        vec![with_id(&m3, ids[2]), with_id(&m1, ids[0])],
        "newest first"
    );
    assert_eq!(
        store.messages_for_case(a).await.unwrap(),
        vec![with_id(&m3, ids[2]), with_id(&m2, ids[1])]
    );
    assert_eq!(store.messages_for_user(8).await.unwrap(), vec![]);
    assert_not_found(
        store
            .add_message(&msg(Some(7), "no-such-case", "x", "2026-03-03T01:00:00Z"))
            .await,
    );
}

pub async fn case_results_published<S: CaseStore + ?Sized>(store: &S) {
    assert_eq!(
        store
            .list_results(&crate::ResultQuery::latest(10))
            .await
            .unwrap(),
        vec![]
    );
    let cases = seed_cases(store).await;
    let result = |c: &Case, decided: &str, licence: &str| PublishedResult {
        case_number: c.filing.number.clone(),
        item_name: c.filing.item.name.clone(),
        applicant_masked: "张*".to_string(),
        decided_on: date(decided),
        licence_no: licence.to_string(),
        place: c.filing.decide_place.clone(),
    };
    let ra = result(&cases[0], "2026-03-10", "JY1");
    let rc = result(&cases[2], "2026-03-12", "JY2");
    store.publish_result(&ra).await.unwrap();
    store.publish_result(&rc).await.unwrap();
    assert_eq!(
        store
            .list_results(&crate::ResultQuery::latest(10))
            .await
            .unwrap(),
        vec![rc.clone(), ra.clone()]
    );
    assert_eq!(
        store
            .list_results(&crate::ResultQuery::latest(1))
            .await
            .unwrap(),
        vec![rc.clone()]
    );

    // Publishing again replaces the case's result.
    let ra2 = PublishedResult {
        licence_no: "JY1-更正".to_string(),
        ..ra
    };
    store.publish_result(&ra2).await.unwrap();
    assert_eq!(
        store
            .list_results(&crate::ResultQuery::latest(10))
            .await
            .unwrap(),
        vec![rc.clone(), ra2.clone()]
    );
    // Paged after a row, and found by a word of the licence number, the item or the number; a
    // LIKE wildcard in the words is a character, not a wildcard.
    let page2 = crate::ResultQuery {
        after: Some((rc.decided_on, rc.case_number.clone())),
        ..crate::ResultQuery::latest(10)
    };
    assert_eq!(store.list_results(&page2).await.unwrap(), vec![ra2.clone()]);
    let find = |text: &str| crate::ResultQuery {
        text: text.to_string(),
        ..crate::ResultQuery::latest(10)
    };
    assert_eq!(
        store.list_results(&find("更正")).await.unwrap(),
        vec![ra2.clone()]
    );
    assert_eq!(
        store.list_results(&find(&rc.case_number)).await.unwrap(),
        vec![rc.clone()]
    );
    assert_eq!(store.list_results(&find("JY")).await.unwrap().len(), 2);
    assert_eq!(store.list_results(&find("JY_")).await.unwrap(), vec![]);
    assert_eq!(store.list_results(&find("%")).await.unwrap(), vec![]);

    let mut ghost = result(&cases[1], "2026-03-11", "JY3");
    ghost.case_number = "no-such-case".to_string();
    assert_not_found(store.publish_result(&ghost).await);
}

/// Cases counted by item, most filed first, then by code; at most `limit` (the portal's 热门服务).
pub async fn cases_counted_by_item<S: CaseStore + ?Sized>(store: &S) {
    assert!(store.item_filing_counts(5).await.unwrap().is_empty());
    for (i, item) in ["B-1", "A-2", "B-1", "C-3", "B-1", "A-2"]
        .iter()
        .enumerate()
    {
        let number = format!("330102001000-20260302-{:04}", i + 1);
        let (mut case, events) = filed_case(&window_case(&number, TOWN, "2026-03-02T01:00:00Z"));
        // The row's item code is the snapshot's.
        case.filing.item.code = item.to_string();
        store.create_case(&case, &events).await.unwrap();
    }
    let counts = store.item_filing_counts(5).await.unwrap();
    assert_eq!(
        counts,
        vec![
            ("B-1".to_string(), 3),
            ("A-2".to_string(), 2),
            ("C-3".to_string(), 1)
        ]
    );
    assert_eq!(store.item_filing_counts(1).await.unwrap(), counts[..1]);
}

/// Violations are written with their transition and listed by the scope of the case's places, the
/// period and the rule, newest first; a second write of the same one adds nothing.
pub async fn violations_listed_by_scope_period_and_rule<S: CaseStore + ?Sized>(store: &S) {
    use crate::{ViolationQuery, ViolationRecord};
    let mut written = vec![];
    for (i, (place, day)) in [
        (TOWN, "2026-03-02"),
        (SIBLING_TOWN, "2026-03-03"),
        (FAR_TOWN, "2026-03-04"),
    ]
    .iter()
    .enumerate()
    {
        let number = format!("{}-20260302-{:04}", place, i + 1);
        let (case, events) = filed_case(&window_case(&number, place, "2026-03-02T01:00:00Z"));
        store.create_case(&case, &events).await.unwrap();
        let (next, e) = next_events(&case, &events, "2026-03-02T02:00:00Z", vec![mark(0)]);
        let v = ViolationRecord {
            case_number: number.clone(),
            seq: e[0].seq,
            rule: if i == 1 {
                "fee_above_standard"
            } else {
                "repeat_correction_notice"
            }
            .to_string(),
            found_on: date(day),
            place: code(place),
            decide_place: code(place),
            department: "scjg".to_string(),
            item_name: "食品经营许可".to_string(),
            detail: format!("第{i}件"),
        };
        let effects = SideEffects {
            violations: vec![v.clone(), v.clone()],
            ..SideEffects::default()
        };
        store
            .commit_transition(&next, case.version, &e, &effects)
            .await
            .unwrap();
        written.push(v);
    }
    let q = |scope: Scope, rule: Option<&str>| ViolationQuery {
        scope,
        from: date("2026-03-01"),
        until: date("2026-03-31"),
        rule: rule.map(str::to_string),
        limit: 10,
    };
    let all = store.list_violations(&q(Scope::All, None)).await.unwrap();
    assert_eq!(
        all,
        vec![written[2].clone(), written[1].clone(), written[0].clone()],
        "newest first, each once"
    );
    let county = Scope::Within(vec![(code(COUNTY), Level::County)]);
    assert_eq!(
        store
            .list_violations(&q(county.clone(), None))
            .await
            .unwrap(),
        vec![written[1].clone(), written[0].clone()]
    );
    assert_eq!(
        store
            .list_violations(&q(county, Some("fee_above_standard")))
            .await
            .unwrap(),
        vec![written[1].clone()]
    );
    let march_3 = ViolationQuery {
        from: date("2026-03-03"),
        until: date("2026-03-03"),
        ..q(Scope::All, None)
    };
    assert_eq!(
        store.list_violations(&march_3).await.unwrap(),
        vec![written[1].clone()]
    );
    let one = ViolationQuery {
        limit: 1,
        ..q(Scope::All, None)
    };
    assert_eq!(store.list_violations(&one).await.unwrap().len(), 1);
}
