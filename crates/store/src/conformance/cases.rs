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
        item_type: None,
        legal_basis: String::new(),
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
        suite: super::test_suite(),
    };
    let at = at(f.at);
    let kinds = case::open(filing, at, &WorkingCalendar::default());
    let events = case::seal(
        super::test_suite(),
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
    keyed_events(case, log, at_, kinds, None)
}

/// [`next_events`] under an idempotency key, as a keyed command seals them.
fn keyed_events(
    case: &Case,
    log: &[CaseEvent],
    at_: &str,
    kinds: Vec<EventKind>,
    key: Option<&case::IdempotencyKey>,
) -> (Case, Vec<CaseEvent>) {
    let new = case::seal_with_key(
        case.filing.suite,
        &case.filing.number,
        case.version,
        &case.last_hash,
        at(at_),
        &clerk(case.filing.place.as_str()),
        "核验",
        &["a".repeat(64)],
        kinds,
        key,
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
        super::test_suite(),
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

/// A keyed write records its key (`case_keys`) with the write; the same key again on the case
/// fails the whole write (`idempotency_key_taken`), whatever its version; keys an older snapshot
/// carried are kept when the case is next written, and the snapshot no longer carries them.
pub async fn case_idempotency_keys<S: Store + ?Sized>(store: &S) {
    let (case, events) = filed_case(&window_case(
        "330102001000-20260302-0031",
        TOWN,
        "2026-03-02T01:00:00Z",
    ));
    store.create_case(&case, &events).await.unwrap();
    let n = case.filing.number.clone();
    let key = |k: &str, h: &str| case::IdempotencyKey {
        key: k.into(),
        request_hash: Some(h.into()),
    };
    assert_eq!(store.idempotency_key(&n, "k-1").await.unwrap(), None);
    let (v3, e3) = keyed_events(
        &case,
        &events,
        "2026-03-02T02:00:00Z",
        vec![mark(0), mark(1)],
        Some(&key("k-1", "h1")),
    );
    store
        .commit_transition(&v3, case.version, &e3, &SideEffects::default())
        .await
        .unwrap();
    assert_eq!(
        store.idempotency_key(&n, "k-1").await.unwrap(),
        Some(key("k-1", "h1"))
    );
    // Not on another case.
    assert_eq!(
        store
            .idempotency_key("330102001000-20260302-0032", "k-1")
            .await
            .unwrap(),
        None
    );
    // The key again, on the case as it now is: refused, nothing written.
    let log = store.case_events(&n).await.unwrap();
    let (again, e_again) = keyed_events(
        &v3,
        &log,
        "2026-03-02T02:10:00Z",
        vec![mark(0)],
        Some(&key("k-1", "h1")),
    );
    assert_conflict(
        store
            .commit_transition(&again, v3.version, &e_again, &SideEffects::default())
            .await,
        "idempotency_key_taken",
    );
    assert_eq!(store.get_case(&n).await.unwrap(), Some(v3.clone()));
    assert_eq!(store.case_events(&n).await.unwrap().len(), log.len());
    // A snapshot from before `case_keys` carried its recent keys: the next write moves them to
    // the table (a carried key already there is no conflict) and stores the case without them.
    let (mut v4, e4) = keyed_events(
        &v3,
        &log,
        "2026-03-02T02:20:00Z",
        vec![mark(0)],
        Some(&key("k-2", "h2")),
    );
    v4.recent_keys = vec![key("old-1", "h0"), key("k-1", "h1")];
    store
        .commit_transition(&v4, v3.version, &e4, &SideEffects::default())
        .await
        .unwrap();
    assert_eq!(
        store.idempotency_key(&n, "old-1").await.unwrap(),
        Some(key("old-1", "h0"))
    );
    assert_eq!(
        store.idempotency_key(&n, "k-2").await.unwrap(),
        Some(key("k-2", "h2"))
    );
    let stored = store.get_case(&n).await.unwrap().unwrap();
    assert!(stored.recent_keys.is_empty());
    assert_eq!(stored.version, v4.version);
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
                violations: vec![],
                fees: match i {
                    2 => vec![super::payment_line(
                        n,
                        1,
                        "PJ3301020010002026000001",
                        Some("P-1"),
                    )],
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
        store
            .list_results(&crate::ResultQuery::latest(10))
            .await
            .unwrap(),
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
    let march_2 = date("2026-03-02");
    assert_eq!(
        store
            .fee_entries(&code(TOWN), march_2, march_2)
            .await
            .unwrap(),
        batch[2].effects.fees,
        "an imported payment is in the fee ledger"
    );

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
    assert_eq!(
        store
            .fee_entries(&code(TOWN), march_2, march_2)
            .await
            .unwrap()
            .len(),
        1,
        "a refused batch adds no ledger line"
    );
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
        violations: vec![],
        fees: vec![super::payment_line(&n, 2, "PJ3301020010002026000001", None)],
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
    assert_eq!(
        store
            .list_results(&crate::ResultQuery::latest(10))
            .await
            .unwrap(),
        vec![result.clone()]
    );
    let outcomes_of_march = || async {
        store
            .outcomes(&Scope::All, date("2026-03-01"), date("2026-03-31"))
            .await
            .unwrap()
    };
    assert_eq!(outcomes_of_march().await, vec![outcome.clone()]);
    let ledger = || async {
        let day = date("2026-03-02");
        store.fee_entries(&code(TOWN), day, day).await.unwrap()
    };
    assert_eq!(
        ledger().await,
        effects.fees,
        "the ledger line comes with its events"
    );
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
    assert_eq!(
        ledger().await,
        effects.fees,
        "the failed transition adds no ledger line"
    );

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

/// A person's cases are found by their ID number's blind index (issue 16, part 6), however the
/// number is typed, whichever way the case was written (filed, committed with side effects,
/// imported), newest first and at most the limit; another number finds none.
pub async fn cases_found_by_id_number<S: Store + ?Sized>(store: &S) {
    let id = "330102199001011234";
    assert_eq!(store.cases_by_id_number(id, 10).await.unwrap(), vec![]);
    let (a, a_events) = filed_case(&window_case(
        "330102001000-20260302-0201",
        TOWN,
        "2026-03-02T01:00:00Z",
    ));
    store.create_case(&a, &a_events).await.unwrap();
    let (b, b_events) = filed_case(&window_case(
        "330102001000-20260303-0202",
        TOWN,
        "2026-03-03T01:00:00Z",
    ));
    store
        .commit_transition(&b, 0, &b_events, &SideEffects::default())
        .await
        .unwrap();
    let (c, c_events) = filed_case(&window_case(
        "330102001000-20260304-0203",
        TOWN,
        "2026-03-04T01:00:00Z",
    ));
    store
        .import_cases(&[crate::ImportedCase {
            case: c.clone(),
            events: c_events,
            effects: SideEffects::default(),
        }])
        .await
        .unwrap();
    // A later event does not index the case twice.
    let (a2, a2_events) = next_events(&a, &a_events, "2026-03-05T01:00:00Z", vec![mark(0)]);
    store
        .append_events(&a2, a_events.len() as u32, &a2_events)
        .await
        .unwrap();

    let numbers =
        |found: Vec<CaseSummary>| -> Vec<String> { found.into_iter().map(|s| s.number).collect() };
    let newest_first = vec![
        c.filing.number.clone(),
        b.filing.number.clone(),
        a.filing.number.clone(),
    ];
    assert_eq!(
        numbers(store.cases_by_id_number(id, 10).await.unwrap()),
        newest_first
    );
    assert_eq!(
        numbers(
            store
                .cases_by_id_number(" 3301 0219900101 1234 ", 10)
                .await
                .unwrap()
        ),
        newest_first,
        "spaces typed into the number do not matter"
    );
    assert_eq!(
        numbers(store.cases_by_id_number(id, 2).await.unwrap()),
        newest_first[..2].to_vec()
    );
    assert_eq!(
        store
            .cases_by_id_number("33010219900101123X", 10)
            .await
            .unwrap(),
        vec![]
    );
}
