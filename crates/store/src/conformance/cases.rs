//! Cases: counters, the snapshot and its log, transitions, imports, lists, figures, messages and results.

use super::*;

// ---------------------------------------------------------------------------------------------
// Cases

/// The item terms a fixture case is filed under.
pub fn terms(department: &str) -> ItemTerms {
    ItemTerms {
        code: "330100-XK-001".to_string(),
        version: 1,
        name: "食品经营许可".to_string(),
        kind: ItemKind::Promised,
        department: department.to_string(),
        statutory_limit_days: 20,
        promised_limit_days: 10,
        stages: vec![
            Stage {
                name: "审查".to_string(),
                department: department.to_string(),
                limit_days: 5,
                parallel_group: None,
            },
            Stage {
                name: "决定".to_string(),
                department: department.to_string(),
                limit_days: 2,
                parallel_group: None,
            },
        ],
        materials: vec![
            ("申请书".to_string(), true),
            ("授权委托书".to_string(), false),
        ],
        fees: vec![],
        result_name: "食品经营许可证".to_string(),
    }
}

/// Where, by whom and through which channel a fixture case is filed.
pub struct CaseFixture<'a> {
    pub number: &'a str,
    pub place: &'a str,
    pub decide_place: &'a str,
    pub applicant_region: &'a str,
    pub department: &'a str,
    pub channel: Channel,
    pub applicant_user_id: Option<i64>,
    pub agent_user_id: Option<i64>,
    pub at: &'a str,
}

pub fn clerk(place: &str) -> ActorRef {
    ActorRef {
        user_id: Some(3),
        name: "窗口人员甲".to_string(),
        role: Some(Role::WindowClerk),
        place: Some(code(place)),
    }
}

/// A case as `open` files it: the sealed events and the case they replay to.
pub fn filed_case(f: &CaseFixture<'_>) -> (Case, Vec<CaseEvent>) {
    let filing = Filing {
        number: f.number.to_string(),
        query_code: format!("Q{}", f.number),
        channel: f.channel,
        applicant: Applicant {
            kind: ApplicantKind::Person,
            name: format!("申请人{}", f.number),
            id_number: "330102199001011234".to_string(),
            phone: "13800000000".to_string(),
            user_id: f.applicant_user_id,
        },
        item: terms(f.department),
        place: code(f.place),
        decide_place: code(f.decide_place),
        applicant_region: code(f.applicant_region),
        agent_user_id: f.agent_user_id,
        // Several keys, a float, a null and non-ASCII text: what a round trip through a JSON
        // column must keep for the hashes to verify.
        form: serde_json::json!({"经营场所": "清波街 1 号", "面积": 35.5, "z": [1, 2], "a": null}),
    };
    let at = at(f.at);
    let kinds = case::open(filing, at, &WorkingCalendar::default());
    let events = case::seal(
        f.number,
        0,
        case::GENESIS_HASH,
        at,
        &clerk(f.place),
        "",
        &[],
        kinds,
    );
    let case = Case::replay(&events).expect("fixture case replays");
    (case, events)
}

/// Seals `kinds` after `case`'s last event; returns the new events and the case they make.
pub fn next_events(
    case: &Case,
    log: &[CaseEvent],
    at_: &str,
    kinds: Vec<EventKind>,
) -> (Case, Vec<CaseEvent>) {
    let new = case::seal(
        &case.filing.number,
        case.version,
        &case.last_hash,
        at(at_),
        &clerk(case.filing.place.as_str()),
        "核验",
        &["a".repeat(64)],
        kinds,
    );
    let all: Vec<CaseEvent> = log.iter().chain(new.iter()).cloned().collect();
    (Case::replay(&all).expect("replays"), new)
}

/// `case` transferred (转办) from its place to `to` at `at_`, stored; returns it after the move.
pub(crate) async fn transfer<S: CaseStore + ?Sized>(
    store: &S,
    case: &Case,
    to: &str,
    at_: &str,
) -> Case {
    let log = store.case_events(&case.filing.number).await.unwrap();
    let (moved, ev) = next_events(
        case,
        &log,
        at_,
        vec![EventKind::Transferred {
            from: case.filing.place.clone(),
            to: code(to),
            reason: "本级无权办理".to_string(),
        }],
    );
    store
        .append_events(&moved, case.version, &ev)
        .await
        .unwrap();
    moved
}

pub fn window_case<'a>(number: &'a str, place: &'a str, at: &'a str) -> CaseFixture<'a> {
    CaseFixture {
        number,
        place,
        decide_place: place,
        applicant_region: VILLAGE,
        department: "scjg",
        channel: Channel::Window,
        applicant_user_id: None,
        agent_user_id: None,
        at,
    }
}

pub(crate) fn mark(index: usize) -> EventKind {
    EventKind::MaterialMarked {
        index,
        status: MaterialStatus::Received,
        reason: String::new(),
    }
}

pub async fn counters_count_from_one<S: CaseStore + ?Sized>(store: &S) {
    for expected in 1..=3 {
        assert_eq!(
            store
                .next_counter("case", "330102001000-20260302")
                .await
                .unwrap(),
            expected
        );
    }
    // Each (name, scope) counts on its own.
    assert_eq!(
        store
            .next_counter("case", "330102001000-20260303")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .next_counter("receipt", "330102001000-20260302")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .next_counter("case", "330102001000-20260302")
            .await
            .unwrap(),
        4
    );
}

pub async fn counters_unique_under_concurrency<S: CaseStore + Clone + 'static>(store: &S) {
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let s = store.clone();
            tokio::spawn(async move { s.next_counter("licence", "330102").await })
        })
        .collect();
    let mut got = Vec::new();
    for t in tasks {
        got.push(t.await.expect("task").expect("next_counter"));
    }
    got.sort_unstable();
    assert_eq!(
        got,
        (1..=50).collect::<Vec<i64>>(),
        "50 callers, 50 distinct values"
    );
    assert_eq!(store.next_counter("licence", "330102").await.unwrap(), 51);
}

pub async fn case_round_trip<S: CaseStore + ?Sized>(store: &S) {
    let (case, events) = filed_case(&window_case(
        "330102001000-20260302-0001",
        TOWN,
        "2026-03-02T01:00:00.123456Z",
    ));
    assert_eq!(case.state, CaseState::Submitted);
    assert_eq!(store.get_case(&case.filing.number).await.unwrap(), None);
    store.create_case(&case, &events).await.unwrap();

    assert_eq!(
        store.get_case(&case.filing.number).await.unwrap(),
        Some(case.clone())
    );
    assert_eq!(
        store.case_events(&case.filing.number).await.unwrap(),
        events
    );
    assert_eq!(store.case_events("no-such-case").await.unwrap(), vec![]);

    let n = &case.filing.number;
    assert_eq!(
        store
            .find_case_by_query_code(n, &case.filing.query_code)
            .await
            .unwrap(),
        Some(case.clone())
    );
    assert_eq!(
        store.find_case_by_query_code(n, "WRONG").await.unwrap(),
        None
    );
    assert_eq!(
        store
            .find_case_by_query_code("330102001000-20260302-0002", &case.filing.query_code)
            .await
            .unwrap(),
        None,
        "the query code opens only its own case"
    );

    // A taken number, or a taken query code under another number.
    assert_conflict(store.create_case(&case, &events).await, "case_exists");
    let (mut other, _) = filed_case(&window_case(
        "330102001000-20260302-0009",
        TOWN,
        "2026-03-02T02:00:00Z",
    ));
    other.filing.query_code = case.filing.query_code.clone();
    let kinds = vec![EventKind::Filed {
        filing: other.filing.clone(),
    }];
    let ev = case::seal(
        &other.filing.number,
        0,
        case::GENESIS_HASH,
        at("2026-03-02T02:00:00Z"),
        &clerk(TOWN),
        "",
        &[],
        kinds,
    );
    let other = Case::replay(&ev).unwrap();
    assert_conflict(store.create_case(&other, &ev).await, "case_exists");
    assert_eq!(store.get_case(&other.filing.number).await.unwrap(), None);

    // Events that do not make the case are refused before anything is written.
    let (third, ev3) = filed_case(&window_case(
        "330102001000-20260302-0003",
        TOWN,
        "2026-03-02T03:00:00Z",
    ));
    match store.create_case(&third, &ev3[..1]).await {
        Err(StoreError::Invalid(_)) => {}
        other => panic!("expected Invalid for a case ahead of its events, got {other:?}"),
    }
    let mut forged = ev3.clone();
    forged[1].comment = "改过".to_string();
    assert!(matches!(
        store.create_case(&third, &forged).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.get_case(&third.filing.number).await.unwrap(), None);
}

pub async fn case_append_checks_version<S: CaseStore + ?Sized>(store: &S) {
    let (case, events) = filed_case(&window_case(
        "330102001000-20260302-0001",
        TOWN,
        "2026-03-02T01:00:00Z",
    ));
    store.create_case(&case, &events).await.unwrap();
    let n = case.filing.number.clone();

    let (v3, e3) = next_events(&case, &events, "2026-03-02T02:00:00Z", vec![mark(0)]);
    store.append_events(&v3, case.version, &e3).await.unwrap();
    assert_eq!(store.get_case(&n).await.unwrap(), Some(v3.clone()));

    // A second writer still holding version 2 loses, and changes nothing.
    let (stale, e_stale) = next_events(&case, &events, "2026-03-02T02:30:00Z", vec![mark(1)]);
    assert_conflict(
        store.append_events(&stale, case.version, &e_stale).await,
        "stale_case",
    );
    assert_eq!(store.get_case(&n).await.unwrap(), Some(v3.clone()));
    let log = store.case_events(&n).await.unwrap();
    assert_eq!(log.len(), 3);

    // Two events at once; the log is the chain and replays to the stored case.
    let (v5, e5) = next_events(&v3, &log, "2026-03-02T03:00:00Z", vec![mark(1), mark(0)]);
    store.append_events(&v5, v3.version, &e5).await.unwrap();
    let log = store.case_events(&n).await.unwrap();
    assert_eq!(
        log.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(case::verify_chain(&log), Ok(()));
    assert_eq!(Case::replay(&log), Some(v5.clone()));
    assert_eq!(store.get_case(&n).await.unwrap(), Some(v5.clone()));

    // An unknown case is not found; events not following the stated version are invalid.
    let (ghost, ghost_events) = filed_case(&window_case(
        "330102001000-20260302-0077",
        TOWN,
        "2026-03-02T01:00:00Z",
    ));
    let (g3, ge3) = next_events(&ghost, &ghost_events, "2026-03-02T02:00:00Z", vec![mark(0)]);
    assert_not_found(store.append_events(&g3, 2, &ge3).await);
    let (v6, e6) = next_events(&v5, &log, "2026-03-02T04:00:00Z", vec![mark(0)]);
    assert!(matches!(
        store.append_events(&v6, 4, &e6).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.append_events(&v5, 5, &[]).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.case_events(&n).await.unwrap().len(), 5);
}

/// Imported cases are stored as a filing commit stores them (snapshot, log, side effects, counts,
/// list rows); a batch with one taken number stores nothing.
pub async fn case_import_all_or_nothing<S: Store + ?Sized>(store: &S) {
    use crate::{CountBy, ImportedCase};
    let numbers = [
        "330102001000-20260302-0101",
        "330102001000-20260302-0102",
        "330102001000-20260302-0103",
    ];
    let batch: Vec<ImportedCase> = numbers
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (case, events) = filed_case(&window_case(n, TOWN, "2026-03-02T01:00:00Z"));
            let message = |text: &str, user: Option<i64>| Message {
                id: 0,
                user_id: user,
                case_number: n.to_string(),
                text: text.to_string(),
                created_at: at("2026-03-02T02:00:00Z"),
            };
            let effects = SideEffects {
                outcome: (i == 0).then(|| outcome_of(n, TOWN, TOWN, "2026-03-02", true)),
                result: (i == 0).then(|| PublishedResult {
                    case_number: n.to_string(),
                    item_name: case.filing.item.name.clone(),
                    applicant_masked: "张*".to_string(),
                    decided_on: date("2026-03-02"),
                    licence_no: format!("JY{i}"),
                    place: case.filing.place.clone(),
                }),
                supervision: (i == 1).then(|| SupervisionChange {
                    rows: vec![
                        deadline(n, "case", "2026-03-16", "2026-03-02"),
                        deadline(n, "stage:0", "2026-03-09", "2026-03-05"),
                    ],
                    open: vec![warning_of(
                        &case,
                        "case",
                        "yellow",
                        "2026-03-16",
                        "2026-03-02T02:00:00Z",
                    )],
                    at: at("2026-03-02T02:00:00Z"),
                }),
                messages: match i {
                    0 => vec![message("办结", Some(7)), message("请取证", None)],
                    2 => vec![message("已受理", Some(8))],
                    _ => vec![],
                },
            };
            ImportedCase {
                case,
                events,
                effects,
            }
        })
        .collect();
    store.import_cases(&batch).await.unwrap();
    for c in &batch {
        let n = &c.case.filing.number;
        assert_eq!(store.get_case(n).await.unwrap().as_ref(), Some(&c.case));
        assert_eq!(store.case_events(n).await.unwrap(), c.events);
    }
    assert_eq!(
        store
            .outcomes(&Scope::All, date("2026-03-01"), date("2026-03-31"))
            .await
            .unwrap(),
        vec![batch[0].effects.outcome.clone().unwrap()]
    );
    assert_eq!(
        cases_by_place(store, &Scope::All, date("2026-03-01"), date("2026-03-31")).await,
        vec![(TOWN.to_string(), 1)],
        "an imported outcome is in the evaluation totals"
    );
    let due = store
        .deadline_rows_due(date("2026-03-31"), &Scope::All, 10)
        .await
        .unwrap();
    let mut due_keys = keys_of(&due);
    due_keys.sort();
    assert_eq!(
        due_keys,
        vec![pair(numbers[1], "case"), pair(numbers[1], "stage:0")],
        "deadline rows come with their case"
    );
    let rows = &batch[1].effects.supervision.as_ref().unwrap().rows;
    for r in rows {
        assert!(due.contains(r), "{r:?} stored as given: {due:?}");
    }
    let warned = store.case_warnings(numbers[1]).await.unwrap();
    assert_eq!(warned.len(), 1, "{warned:?}");
    let expected = &batch[1].effects.supervision.as_ref().unwrap().open[0];
    assert_eq!(
        WarningRecord {
            id: 0,
            ..warned[0].clone()
        },
        *expected
    );
    assert_eq!(
        store.count_warnings(&Scope::All).await.unwrap(),
        (0, 1),
        "the imported warning is counted (red, yellow)"
    );
    for (i, n) in numbers.iter().enumerate() {
        let mut got: Vec<(Option<i64>, String)> = store
            .messages_for_case(n)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.user_id, m.text))
            .collect();
        got.sort();
        let mut want: Vec<(Option<i64>, String)> = batch[i]
            .effects
            .messages
            .iter()
            .map(|m| (m.user_id, m.text.clone()))
            .collect();
        want.sort();
        assert_eq!(got, want, "messages of {n}");
    }
    assert_eq!(
        store.list_results(10).await.unwrap(),
        vec![batch[0].effects.result.clone().unwrap()]
    );
    let counted: i64 = store
        .count_cases(&Scope::All, CountBy::State)
        .await
        .unwrap()
        .iter()
        .map(|(_, n)| *n)
        .sum();
    assert_eq!(counted, 3, "imported cases are counted");
    let listed = store
        .list_cases(&CaseFilter {
            place_scope: Some(subtree(TOWN)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 3, "imported cases are listed: {listed:?}");

    // One taken number in a batch: none of it is stored.
    let (fresh, fresh_events) = filed_case(&window_case(
        "330102001000-20260302-0104",
        TOWN,
        "2026-03-02T01:00:00Z",
    ));
    let again = vec![
        ImportedCase {
            case: fresh,
            events: fresh_events,
            effects: SideEffects::default(),
        },
        batch[2].clone(),
    ];
    assert_conflict(store.import_cases(&again).await, "case_exists");
    assert_eq!(
        store.get_case("330102001000-20260302-0104").await.unwrap(),
        None
    );
    // One number twice in a batch: refused too.
    let twice = vec![again[0].clone(), again[0].clone()];
    assert_conflict(store.import_cases(&twice).await, "case_exists");
    assert_eq!(
        store.get_case("330102001000-20260302-0104").await.unwrap(),
        None
    );
    store.import_cases(&[]).await.unwrap();
}

pub async fn case_transition_commits_side_effects_together<S: Store + ?Sized>(store: &S) {
    let (case, events) = filed_case(&window_case(
        "330102001000-20260302-0001",
        TOWN,
        "2026-03-02T01:00:00Z",
    ));
    store.create_case(&case, &events).await.unwrap();
    let n = case.filing.number.clone();
    let message = |text: &str| Message {
        id: 0,
        user_id: Some(7),
        case_number: n.clone(),
        text: text.to_string(),
        created_at: at("2026-03-02T02:00:00Z"),
    };
    let result = PublishedResult {
        case_number: n.clone(),
        item_name: case.filing.item.name.clone(),
        applicant_masked: "张*".to_string(),
        decided_on: date("2026-03-02"),
        licence_no: "JY1".to_string(),
        place: case.filing.place.clone(),
    };
    let yellow = warning_of(
        &case,
        "case",
        "yellow",
        "2026-03-16",
        "2026-03-02T02:00:00Z",
    );
    let outcome = outcome_of(&n, TOWN, TOWN, "2026-03-02", true);
    let effects = SideEffects {
        messages: vec![message("已受理"), message("请注意期限")],
        result: Some(result.clone()),
        supervision: Some(SupervisionChange {
            rows: vec![deadline(&n, "case", "2026-03-16", "2026-03-02")],
            open: vec![yellow.clone()],
            at: at("2026-03-02T02:00:00Z"),
        }),
        outcome: Some(outcome.clone()),
    };
    let (v3, e3) = next_events(&case, &events, "2026-03-02T02:00:00Z", vec![mark(0)]);
    assert_eq!(
        store
            .commit_transition(&v3, case.version, &e3, &effects)
            .await
            .unwrap(),
        1,
        "one warning raised"
    );
    assert_eq!(store.get_case(&n).await.unwrap(), Some(v3.clone()));
    let mut texts: Vec<String> = store
        .messages_for_case(&n)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.text)
        .collect();
    texts.sort();
    assert_eq!(texts, vec!["已受理".to_string(), "请注意期限".to_string()]);
    assert_eq!(store.list_results(10).await.unwrap(), vec![result.clone()]);
    let outcomes_of_march = || async {
        store
            .outcomes(&Scope::All, date("2026-03-01"), date("2026-03-31"))
            .await
            .unwrap()
    };
    assert_eq!(outcomes_of_march().await, vec![outcome.clone()]);
    assert_eq!(
        keys_of(
            &store
                .deadline_rows_due(date("2026-03-02"), &Scope::All, 10)
                .await
                .unwrap()
        ),
        vec![pair(&n, "case")]
    );
    assert_eq!(open_colours(store, &n).await, vec![pair("case", "yellow")]);

    // A stale writer changes nothing, side effects included.
    let (stale, e_stale) = next_events(&case, &events, "2026-03-02T03:00:00Z", vec![mark(1)]);
    let other = SideEffects {
        messages: vec![message("不应写入")],
        ..SideEffects::default()
    };
    assert_conflict(
        store
            .commit_transition(&stale, case.version, &e_stale, &other)
            .await,
        "stale_case",
    );
    assert_eq!(store.messages_for_case(&n).await.unwrap().len(), 2);

    // A side effect that fails inside the transaction (a colour the schema refuses) undoes the
    // events too: all or nothing.
    let log = store.case_events(&n).await.unwrap();
    let (v4, e4) = next_events(&v3, &log, "2026-03-03T02:00:00Z", vec![mark(1)]);
    let bad = SideEffects {
        messages: vec![message("也不应写入")],
        outcome: Some(OutcomeRecord {
            violations: 9,
            ..outcome.clone()
        }),
        supervision: Some(SupervisionChange {
            rows: vec![],
            open: vec![WarningRecord {
                colour: "purple".to_string(),
                ..yellow.clone()
            }],
            at: at("2026-03-03T02:00:00Z"),
        }),
        ..SideEffects::default()
    };
    assert!(store
        .commit_transition(&v4, v3.version, &e4, &bad)
        .await
        .is_err());
    assert_eq!(store.get_case(&n).await.unwrap(), Some(v3.clone()));
    assert_eq!(store.case_events(&n).await.unwrap().len(), 3);
    assert_eq!(store.messages_for_case(&n).await.unwrap().len(), 2);
    assert_eq!(open_colours(store, &n).await, vec![pair("case", "yellow")]);
    assert_eq!(outcomes_of_march().await, vec![outcome.clone()]);

    // Effects about another case are refused before anything is written.
    let mut foreign = message("别的办件");
    foreign.case_number = "330102001000-20260302-0999".to_string();
    assert!(matches!(
        store
            .commit_transition(
                &v4,
                v3.version,
                &e4,
                &SideEffects {
                    messages: vec![foreign],
                    ..SideEffects::default()
                }
            )
            .await,
        Err(StoreError::Invalid(_))
    ));

    // Red replaces yellow; no supervision change leaves rows and warnings alone.
    let red = warning_of(&case, "case", "red", "2026-03-16", "2026-03-17T02:00:00Z");
    let to_red = SideEffects {
        supervision: Some(SupervisionChange {
            rows: vec![deadline(&n, "case", "2026-03-16", "2026-03-02")],
            open: vec![red],
            at: at("2026-03-17T02:00:00Z"),
        }),
        ..SideEffects::default()
    };
    assert_eq!(
        store
            .commit_transition(&v4, v3.version, &e4, &to_red)
            .await
            .unwrap(),
        1
    );
    assert_eq!(open_colours(store, &n).await, vec![pair("case", "red")]);
    let log = store.case_events(&n).await.unwrap();
    let (v5, e5) = next_events(&v4, &log, "2026-03-17T03:00:00Z", vec![mark(0)]);
    assert_eq!(
        store
            .commit_transition(&v5, v4.version, &e5, &SideEffects::default())
            .await
            .unwrap(),
        0
    );
    assert_eq!(open_colours(store, &n).await, vec![pair("case", "red")]);
    assert_eq!(store.get_case(&n).await.unwrap(), Some(v5));
    assert_eq!(
        case::verify_chain(&store.case_events(&n).await.unwrap()),
        Ok(())
    );

    // Version 0 files a new case with its effects; filing the same number again changes nothing.
    let (filed, filed_events) = filed_case(&window_case(
        "330102001000-20260302-0002",
        TOWN,
        "2026-03-02T05:00:00Z",
    ));
    let n2 = filed.filing.number.clone();
    let notice = SideEffects {
        messages: vec![Message {
            case_number: n2.clone(),
            ..message("已收到")
        }],
        supervision: Some(SupervisionChange {
            rows: vec![deadline(&n2, "correction", "2026-03-09", "2026-03-05")],
            open: vec![],
            at: at("2026-03-02T05:00:00Z"),
        }),
        ..SideEffects::default()
    };
    assert_eq!(
        store
            .commit_transition(&filed, 0, &filed_events, &notice)
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.get_case(&n2).await.unwrap(), Some(filed.clone()));
    assert_eq!(store.messages_for_case(&n2).await.unwrap().len(), 1);
    assert_conflict(
        store
            .commit_transition(&filed, 0, &filed_events, &notice)
            .await,
        "case_exists",
    );
    assert_eq!(store.messages_for_case(&n2).await.unwrap().len(), 1);
}

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
    assert_eq!(store.list_results(10).await.unwrap(), vec![]);
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
        store.list_results(10).await.unwrap(),
        vec![rc.clone(), ra.clone()]
    );
    assert_eq!(store.list_results(1).await.unwrap(), vec![rc.clone()]);

    // Publishing again replaces the case's result.
    let ra2 = PublishedResult {
        licence_no: "JY1-更正".to_string(),
        ..ra
    };
    store.publish_result(&ra2).await.unwrap();
    assert_eq!(store.list_results(10).await.unwrap(), vec![rc, ra2]);

    let mut ghost = result(&cases[1], "2026-03-11", "JY3");
    ghost.case_number = "no-such-case".to_string();
    assert_not_found(store.publish_result(&ghost).await);
}
