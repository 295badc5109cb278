//! Supervision counts, outcomes by period, the scan lease and orders.

use super::*;

/// `(key, count)` pairs from a list of cases, sorted by key: what `count_cases` must agree with.
pub(crate) fn expected_counts(list: &[CaseSummary], by: CountBy) -> Vec<(String, i64)> {
    let mut m: std::collections::BTreeMap<String, i64> = Default::default();
    for s in list {
        let k = match by {
            CountBy::State => s.state.as_str().to_string(),
            CountBy::Place => s.place.as_str().to_string(),
            CountBy::Department => s.department.clone(),
        };
        *m.entry(k).or_default() += 1;
    }
    m.into_iter().collect()
}

pub(crate) fn counts(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

/// Every grouping over all cases equals a count of `list_cases`.
pub(crate) async fn assert_counts_match_cases<S: Store + ?Sized>(store: &S) {
    let all = store.list_cases(&CaseFilter::default()).await.unwrap();
    for by in [CountBy::State, CountBy::Place, CountBy::Department] {
        assert_eq!(
            store.count_cases(&Scope::All, by).await.unwrap(),
            expected_counts(&all, by),
            "{by:?}"
        );
    }
}

pub async fn supervision_counts_follow_cases<S: Store + ?Sized>(store: &S) {
    assert_eq!(
        store
            .count_cases(&Scope::All, CountBy::State)
            .await
            .unwrap(),
        vec![]
    );
    let cases = seed_cases(store).await;
    let (submitted, draft, review) = (
        CaseState::Submitted.as_str(),
        CaseState::Draft.as_str(),
        CaseState::InReview.as_str(),
    );
    assert_counts_match_cases(store).await;
    assert_eq!(
        store
            .count_cases(&Scope::All, CountBy::State)
            .await
            .unwrap(),
        counts(&[(draft, 1), (review, 1), (submitted, 3)])
    );
    assert_eq!(
        store
            .count_cases(&Scope::All, CountBy::Place)
            .await
            .unwrap(),
        counts(&[(COUNTY, 1), (TOWN, 3), (SIBLING_TOWN, 1)])
    );
    assert_eq!(
        store
            .count_cases(&Scope::All, CountBy::Department)
            .await
            .unwrap(),
        counts(&[("mzj", 1), ("scjg", 4)])
    );
    // Scoped by accepting place: the township's own cases, not the sibling township's.
    assert_eq!(
        store
            .count_cases(&subtree(TOWN), CountBy::State)
            .await
            .unwrap(),
        counts(&[(draft, 1), (submitted, 2)])
    );
    assert_eq!(
        store
            .count_cases(&subtree(COUNTY), CountBy::Department)
            .await
            .unwrap(),
        counts(&[("mzj", 1), ("scjg", 4)])
    );
    assert_eq!(
        store
            .count_cases(&subtree(OTHER_COUNTY), CountBy::State)
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(
        store
            .count_cases(&Scope::Within(vec![]), CountBy::Place)
            .await
            .unwrap(),
        vec![]
    );

    // `a` is accepted, then decided: it moves from group to group.
    let a = &cases[0];
    let log = store.case_events(&a.filing.number).await.unwrap();
    let (accepted, ev) = next_events(
        a,
        &log,
        "2026-03-03T02:00:00Z",
        vec![EventKind::Accepted {
            accepted_on: date("2026-03-03"),
            by_system: false,
            statutory_due: date("2026-03-31"),
            promised_due: date("2026-03-17"),
            started: vec![(0, date("2026-03-03"))],
            fee_total_fen: 0,
        }],
    );
    store
        .append_events(&accepted, a.version, &ev)
        .await
        .unwrap();
    assert_eq!(
        store
            .count_cases(&subtree(TOWN), CountBy::State)
            .await
            .unwrap(),
        counts(&[(draft, 1), (review, 1), (submitted, 1)])
    );
    // A stale writer changes no count.
    let (stale, ev_stale) = next_events(a, &log, "2026-03-03T02:30:00Z", vec![mark(0)]);
    assert_conflict(
        store.append_events(&stale, a.version, &ev_stale).await,
        "stale_case",
    );
    let log = store.case_events(&a.filing.number).await.unwrap();
    let (decided, ev) = next_events(
        &accepted,
        &log,
        "2026-03-10T02:00:00Z",
        vec![EventKind::Decided {
            granted: true,
            reasons: String::new(),
            licence_no: Some("JY330102".to_string()),
            on: date("2026-03-10"),
            delivery_due: Some(date("2026-03-20")),
            completes: vec![1],
        }],
    );
    store
        .append_events(&decided, accepted.version, &ev)
        .await
        .unwrap();
    assert_eq!(decided.state, CaseState::Decided);
    assert_counts_match_cases(store).await;
    assert_eq!(
        store
            .count_cases(&Scope::All, CountBy::State)
            .await
            .unwrap(),
        counts(&[
            (CaseState::Decided.as_str(), 1),
            (draft, 1),
            (review, 1),
            (submitted, 2)
        ])
    );

    // `e` is transferred to the county before acceptance: it is counted at its new place.
    let e = &cases[4];
    store
        .replace_deadline_rows(
            &e.filing.number,
            &[deadline(
                &e.filing.number,
                "correction",
                "2026-03-09",
                "2026-03-06",
            )],
        )
        .await
        .unwrap();
    let moved = transfer(store, e, COUNTY, "2026-03-02T06:00:00Z").await;
    assert_eq!(moved.filing.place, code(COUNTY));
    assert_counts_match_cases(store).await;
    assert_eq!(
        store
            .count_cases(&Scope::All, CountBy::Place)
            .await
            .unwrap(),
        counts(&[(COUNTY, 2), (TOWN, 2), (SIBLING_TOWN, 1)])
    );
    // Its deadline rows moved with it.
    assert!(store
        .deadline_rows_due(date("2026-03-30"), &subtree(TOWN), 100)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .deadline_rows_due(date("2026-03-30"), &subtree(COUNTY), 100)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// An outcome fixture: figures that differ per case so a mix-up shows.
pub fn outcome_of(
    number: &str,
    place: &str,
    decide: &str,
    completed_on: &str,
    on_time: bool,
) -> OutcomeRecord {
    OutcomeRecord {
        case_number: number.to_string(),
        completed_on: date(completed_on),
        place: code(place),
        decide_place: code(decide),
        department: "scjg".to_string(),
        accepted_by: format!("受理人{}", number.len()),
        decided_by: "决定人".to_string(),
        on_time,
        early: !on_time,
        working_days: (number.len() % 7) as u32 + 1,
        overdue: !on_time,
        warnings: 2,
        violations: u32::from(!on_time),
    }
}

/// Completed cases per accepting place in the period, from the evaluation totals.
pub(crate) async fn cases_by_place<S: Store + ?Sized>(
    store: &S,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(String, u32)> {
    store
        .outcome_totals(scope, from, to, crate::OutcomeKey::Place)
        .await
        .unwrap()
        .into_iter()
        .map(|g| (g.region, g.totals.cases))
        .collect()
}

/// Window cases received on several days at several places, for the receipt-day backfill tests.
pub async fn seed_receipts<S: CaseStore + ?Sized>(store: &S) {
    for (i, (place, day)) in [
        (TOWN, "2026-03-02"),
        (TOWN, "2026-03-02"),
        (SIBLING_TOWN, "2026-03-02"),
        (TOWN, "2026-03-03"),
        (COUNTY, "2026-04-01"),
    ]
    .into_iter()
    .enumerate()
    {
        let number = format!("{place}-{}-{:04}", day.replace('-', ""), 300 + i);
        let (case, events) = filed_case(&window_case(&number, place, &format!("{day}T01:00:00Z")));
        store.create_case(&case, &events).await.unwrap();
    }
}

/// Outcomes of the seeded cases over two days and three places, for a test of the migration that
/// adds up `outcome_days` from the outcome rows already there.
pub async fn seed_outcomes<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    for (i, c) in cases.iter().enumerate() {
        let place = [TOWN, SIBLING_TOWN, COUNTY][i % 3];
        let day = ["2026-03-10", "2026-04-01"][i % 2];
        store
            .put_outcome(&outcome_of(&c.filing.number, place, TOWN, day, i % 2 == 0))
            .await
            .unwrap();
    }
}

/// The evaluation totals over all time by every key, everywhere.
pub async fn outcome_totals_by_every_key<S: Store + ?Sized>(
    store: &S,
) -> Vec<Vec<crate::OutcomeGroup>> {
    use crate::OutcomeKey;
    let mut all = vec![];
    for key in [
        OutcomeKey::DecideDepartment,
        OutcomeKey::Place,
        OutcomeKey::Window,
        OutcomeKey::Staff,
        OutcomeKey::Day,
    ] {
        all.push(
            store
                .outcome_totals(&Scope::All, date("2000-01-01"), date("2099-12-31"), key)
                .await
                .unwrap(),
        );
    }
    all
}

/// Outcomes are read by period and scope (accepting or deciding place), replaced by a second
/// write, joined with their cases' ratings and complaint counts; completed cases without one are
/// found for the start-up backfill.
pub async fn supervision_outcomes_by_period<S: Store + ?Sized>(store: &S) {
    use domain::feedback::{RatingChannel, RatingLevel};
    let cases = seed_cases(store).await;
    let [a, b, c, d, _e] = [0, 1, 2, 3, 4].map(|i| cases[i].filing.number.clone());
    let rows = [
        outcome_of(&a, TOWN, TOWN, "2026-03-10", true),
        outcome_of(&b, SIBLING_TOWN, SIBLING_TOWN, "2026-03-31", false),
        // Accepted at the county, decided in the township: the township's by its deciding place.
        outcome_of(&c, COUNTY, TOWN, "2026-04-01", true),
        outcome_of(&d, TOWN, TOWN, "2026-02-28", false),
    ];
    for o in &rows {
        store.put_outcome(o).await.unwrap();
    }
    let numbers = |v: Vec<OutcomeRecord>| v.into_iter().map(|o| o.case_number).collect::<Vec<_>>();
    let march = (date("2026-03-01"), date("2026-03-31"));
    assert_eq!(
        numbers(store.outcomes(&Scope::All, march.0, march.1).await.unwrap()),
        vec![a.clone(), b.clone()],
        "the period's ends are inside it"
    );
    assert_eq!(
        numbers(
            store
                .outcomes(&subtree(TOWN), date("2026-01-01"), date("2026-12-31"))
                .await
                .unwrap()
        ),
        vec![d.clone(), a.clone(), c.clone()],
        "by completion date; the deciding place counts"
    );
    assert_eq!(
        store
            .outcomes(&Scope::Within(vec![]), march.0, march.1)
            .await
            .unwrap(),
        vec![]
    );
    // A second write replaces the first.
    let fixed = OutcomeRecord {
        warnings: 7,
        ..rows[0].clone()
    };
    store.put_outcome(&fixed).await.unwrap();
    assert_eq!(
        store
            .outcomes(&subtree(TOWN), march.0, march.1)
            .await
            .unwrap(),
        vec![fixed]
    );
    assert_not_found(
        store
            .put_outcome(&outcome_of(
                "330102001000-20991231-0001",
                TOWN,
                TOWN,
                "2026-03-01",
                true,
            ))
            .await,
    );

    // Feedback: ratings of the period's cases, complaint counts.
    for (n, channel, level) in [
        (&a, RatingChannel::Online, RatingLevel::VerySatisfied),
        (&a, RatingChannel::SmsLink, RatingLevel::Basic),
        (&b, RatingChannel::Online, RatingLevel::Dissatisfied),
        (&d, RatingChannel::Online, RatingLevel::Satisfied),
    ] {
        store
            .add_rating(
                &feedback::rating(n, TOWN, channel, level, "2026-04-02T01:00:00Z"),
                None,
            )
            .await
            .unwrap();
    }
    for code_ in ["TS-1", "TS-2"] {
        store
            .create_complaint(&feedback::complaint(
                code_,
                TOWN,
                Some(&a),
                true,
                "2026-04-02T01:00:00Z",
            ))
            .await
            .unwrap();
    }
    let f = store
        .outcome_feedback(&Scope::All, march.0, march.1)
        .await
        .unwrap();
    assert_eq!(
        f.ratings,
        vec![
            (a.clone(), RatingLevel::VerySatisfied),
            (a.clone(), RatingLevel::Basic),
            (b.clone(), RatingLevel::Dissatisfied),
        ]
    );
    assert_eq!(f.complaints, vec![(a.clone(), 2)]);
    let f = store
        .outcome_feedback(&subtree(SIBLING_TOWN), march.0, march.1)
        .await
        .unwrap();
    assert_eq!(f.ratings, vec![(b.clone(), RatingLevel::Dissatisfied)]);
    assert!(f.complaints.is_empty());
    assert_eq!(
        numbers(f.cases),
        vec![b.clone()],
        "rated cases' outcomes come along"
    );
    let mut both = vec![a.clone(), b.clone()];
    both.sort();
    let f = store
        .outcome_feedback(&Scope::All, march.0, march.1)
        .await
        .unwrap();
    assert_eq!(
        numbers(f.cases),
        both,
        "rated or complained about, in the period"
    );

    // Written again under another decider and day, an outcome's figures move: the totals below
    // would count it twice, or keep an empty group, if the old ones stayed behind.
    let first = store
        .outcomes(&subtree(TOWN), march.0, march.1)
        .await
        .unwrap()
        .remove(0);
    store
        .put_outcome(&OutcomeRecord {
            decided_by: "moved.decider".into(),
            completed_on: march.1,
            ..first.clone()
        })
        .await
        .unwrap();

    // Totals by every key agree with adding up the outcomes themselves.
    use crate::{OutcomeGroup, OutcomeKey};
    let year = (date("2026-01-01"), date("2026-12-31"));
    for key in [
        OutcomeKey::DecideDepartment,
        OutcomeKey::Place,
        OutcomeKey::Window,
        OutcomeKey::Staff,
        OutcomeKey::Day,
    ] {
        for (scope, (from, to)) in [
            (Scope::All, march),
            (subtree(TOWN), year),
            (subtree(SIBLING_TOWN), year),
            (Scope::Within(vec![]), march),
        ] {
            let mut expected: std::collections::BTreeMap<(String, String), OutcomeGroup> =
                Default::default();
            for o in store.outcomes(&scope, from, to).await.unwrap() {
                let (region, who) = match key {
                    OutcomeKey::DecideDepartment => {
                        (o.decide_place.to_string(), o.department.clone())
                    }
                    OutcomeKey::Place => (o.place.to_string(), String::new()),
                    OutcomeKey::Window => (o.place.to_string(), o.accepted_by.clone()),
                    OutcomeKey::Staff => (String::new(), o.decided_by.clone()),
                    OutcomeKey::Day => (o.completed_on.to_string(), String::new()),
                };
                let g = expected
                    .entry((region.clone(), who.clone()))
                    .or_insert(OutcomeGroup {
                        region,
                        who,
                        totals: Default::default(),
                    });
                g.totals.add(&domain::supervision::Totals {
                    cases: 1,
                    on_time: o.on_time as u32,
                    early: o.early as u32,
                    overdue: o.overdue as u32,
                    warnings: o.warnings,
                    violations: o.violations,
                    working_days: u64::from(o.working_days),
                    ..Default::default()
                });
            }
            let got = store.outcome_totals(&scope, from, to, key).await.unwrap();
            assert_eq!(
                got,
                expected.into_values().collect::<Vec<_>>(),
                "{key:?} over {scope:?} {from}..{to}"
            );
        }
    }
    assert_eq!(
        cases_by_place(store, &subtree(TOWN), year.0, year.1).await,
        vec![(COUNTY.to_string(), 1), (TOWN.to_string(), 2)],
        "a county-accepted case decided in the township is in the township's scope"
    );

    // Only completed cases are backfill candidates; none of the seeds is completed.
    assert!(store
        .completed_without_outcome(10)
        .await
        .unwrap()
        .is_empty());
}

pub async fn supervision_lease<S: Store + ?Sized>(store: &S) {
    let t = |secs: i64| at("2026-03-02T00:00:00Z") + Duration::seconds(secs);
    assert!(store.try_lease("scan", "p1", t(0), t(60)).await.unwrap());
    assert!(
        !store.try_lease("scan", "p2", t(10), t(70)).await.unwrap(),
        "held by another"
    );
    assert!(
        store.try_lease("scan", "p1", t(30), t(90)).await.unwrap(),
        "the holder renews"
    );
    assert!(
        !store.try_lease("scan", "p2", t(89), t(149)).await.unwrap(),
        "the renewal runs to 90"
    );
    assert!(
        store.try_lease("scan", "p2", t(90), t(150)).await.unwrap(),
        "expired at its end"
    );
    assert!(!store.try_lease("scan", "p1", t(91), t(151)).await.unwrap());
    assert!(
        store
            .try_lease("digest", "p1", t(91), t(151))
            .await
            .unwrap(),
        "leases are per name"
    );
}

pub(crate) fn order_fixture(
    case: Option<&str>,
    unit: &str,
    issued_in: &str,
    issued: &str,
) -> SupervisionOrder {
    SupervisionOrder {
        id: 0,
        case_number: case.map(str::to_string),
        unit: code(unit),
        department: case.map(|_| "scjg".to_string()),
        subject: "请说明超期原因".to_string(),
        body: "该件已超承诺时限,请于期限内书面答复。".to_string(),
        issued_in: code(issued_in),
        issued_by: 42,
        issued_at: at(issued),
        reply_due: date("2026-03-20"),
        status: OrderStatus::Open,
        history: vec![OrderEntry {
            at: at(issued),
            user_id: Some(42),
            actor: "监察员甲".to_string(),
            action: "issued".to_string(),
            text: "发出督办单".to_string(),
        }],
        version: 1,
    }
}

pub async fn supervision_orders<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let a = cases[0].filing.number.as_str();
    let o1 = order_fixture(Some(a), TOWN, COUNTY, "2026-03-10T01:00:00.654321Z");
    let o2 = order_fixture(None, SIBLING_TOWN, COUNTY, "2026-03-11T01:00:00Z");
    let o3 = order_fixture(None, FAR_TOWN, OTHER_COUNTY, "2026-03-12T01:00:00Z");
    let mut ids = Vec::new();
    for o in [&o1, &o2, &o3] {
        ids.push(store.create_order(o).await.unwrap());
    }
    let with_id = |o: &SupervisionOrder, id: i64| SupervisionOrder { id, ..o.clone() };
    let (o1, o2, o3) = (
        with_id(&o1, ids[0]),
        with_id(&o2, ids[1]),
        with_id(&o3, ids[2]),
    );
    assert_eq!(store.get_order(o1.id).await.unwrap(), Some(o1.clone()));
    assert_eq!(store.get_order(-1).await.unwrap(), None);

    let list = |scope: Scope| async move {
        store
            .list_orders(&scope)
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        list(Scope::All).await,
        vec![o3.id, o2.id, o1.id],
        "newest first"
    );
    assert_eq!(
        list(subtree(TOWN)).await,
        vec![o1.id],
        "the unit's own orders"
    );
    assert_eq!(
        list(subtree(COUNTY)).await,
        vec![o2.id, o1.id],
        "issued in the county"
    );
    assert_eq!(list(subtree(SIBLING_TOWN)).await, vec![o2.id]);
    assert_eq!(list(Scope::Within(vec![])).await, Vec::<i64>::new());

    // The unit replies: the saved order is what a read returns.
    let mut replied = o1.clone();
    replied.status = OrderStatus::Replied;
    replied.history.push(OrderEntry {
        at: at("2026-03-12T03:00:00Z"),
        user_id: Some(3),
        actor: "窗口人员甲".to_string(),
        action: "replied".to_string(),
        text: "系材料补正所致,已于今日办结。".to_string(),
    });
    replied.version = 2;
    store.save_order(&replied, 1).await.unwrap();
    assert_eq!(store.get_order(o1.id).await.unwrap(), Some(replied.clone()));

    // A second writer that read version 1 loses and changes nothing.
    let mut other = o1.clone();
    other.status = OrderStatus::Closed;
    other.version = 2;
    assert_conflict(store.save_order(&other, 1).await, "stale_order");
    assert_eq!(store.get_order(o1.id).await.unwrap(), Some(replied.clone()));
    // A save must move the version on by one.
    assert!(matches!(
        store.save_order(&replied, 2).await,
        Err(StoreError::Invalid(_))
    ));
    // Escalation to the city: the order is now listed where it was escalated to.
    let mut escalated = replied.clone();
    escalated.status = OrderStatus::Escalated;
    escalated.issued_in = code(CITY);
    escalated.version = 3;
    store.save_order(&escalated, 2).await.unwrap();
    assert_eq!(store.get_order(o1.id).await.unwrap(), Some(escalated));
    assert_eq!(list(subtree(CITY)).await, vec![o3.id, o2.id, o1.id]);

    let mut ghost = o2.clone();
    ghost.id = 999_999;
    ghost.version = 2;
    assert_not_found(store.save_order(&ghost, 1).await);
    assert_not_found(
        store
            .create_order(&order_fixture(
                Some("no-such-case"),
                TOWN,
                COUNTY,
                "2026-03-10T01:00:00Z",
            ))
            .await,
    );
}
