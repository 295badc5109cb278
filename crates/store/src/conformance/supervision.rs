//! Supervision: deadline rows, warnings and the scan, counts, outcomes, the lease and orders.

use super::*;

// ---------------------------------------------------------------------------------------------
// Supervision

/// A deadline row of a fixture case.
pub fn deadline(number: &str, key: &str, due: &str, yellow_from: &str) -> DeadlineRow {
    let due = date(due);
    DeadlineRow {
        case_number: number.to_string(),
        key: key.to_string(),
        label: format!("{key} 期限"),
        due,
        yellow_from: date(yellow_from),
        red_from: due.succ_opt().expect("a day after"),
    }
}

/// A warning about `case` as the scan raises it (id and cleared_at are the store's).
pub fn warning_of(case: &Case, key: &str, colour: &str, due: &str, raised: &str) -> WarningRecord {
    WarningRecord {
        id: 0,
        case_number: case.filing.number.clone(),
        key: key.to_string(),
        colour: colour.to_string(),
        label: format!("{key} {colour}"),
        place: case.filing.place.clone(),
        decide_place: case.filing.decide_place.clone(),
        department: case.filing.item.department.clone(),
        due: date(due),
        raised_at: at(raised),
        cleared_at: None,
    }
}

pub(crate) fn keys_of(rows: &[DeadlineRow]) -> Vec<(String, String)> {
    rows.iter()
        .map(|r| (r.case_number.clone(), r.key.clone()))
        .collect()
}

pub(crate) fn pair(number: &str, key: &str) -> (String, String) {
    (number.to_string(), key.to_string())
}

pub async fn supervision_deadline_rows<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let [a, b, c] = [0, 1, 2].map(|i| cases[i].filing.number.as_str());
    let a_rows = vec![
        deadline(a, "case", "2026-03-16", "2026-03-12"),
        deadline(a, "correction", "2026-03-09", "2026-03-06"),
    ];
    store.replace_deadline_rows(a, &a_rows).await.unwrap();
    store
        .replace_deadline_rows(b, &[deadline(b, "case", "2026-03-10", "2026-03-05")])
        .await
        .unwrap();
    store
        .replace_deadline_rows(c, &[deadline(c, "stage:0", "2026-03-05", "2026-03-04")])
        .await
        .unwrap();
    let due = |day: &'static str, scope: Scope, limit: u32| async move {
        store
            .deadline_rows_due(date(day), &scope, limit)
            .await
            .unwrap()
    };

    // Township: `c` by its deciding place, `a`'s correction row; not the sibling township's `b`,
    // not `a`'s case row (yellow only from the 12th). Ordered by due date.
    let town = due("2026-03-06", subtree(TOWN), 100).await;
    assert_eq!(
        keys_of(&town),
        vec![pair(c, "stage:0"), pair(a, "correction")]
    );
    assert_eq!(town[1], a_rows[1], "a row round-trips");
    assert_eq!(
        keys_of(&due("2026-03-06", Scope::All, 100).await),
        vec![pair(c, "stage:0"), pair(a, "correction"), pair(b, "case")]
    );
    assert_eq!(
        keys_of(&due("2026-03-06", subtree(SIBLING_TOWN), 100).await),
        vec![pair(b, "case")]
    );
    assert_eq!(
        keys_of(&due("2026-03-06", Scope::All, 1).await),
        vec![pair(c, "stage:0")]
    );
    assert_eq!(
        keys_of(&due("2026-03-05", subtree(SIBLING_TOWN), 100).await),
        vec![pair(b, "case")],
        "yellow_from on the day itself counts"
    );
    assert!(due("2026-03-04", subtree(SIBLING_TOWN), 100)
        .await
        .is_empty());
    assert!(due("2026-03-30", Scope::Within(vec![]), 100)
        .await
        .is_empty());

    // Replacing drops the rows not given again.
    store
        .replace_deadline_rows(a, &[deadline(a, "case", "2026-03-17", "2026-03-13")])
        .await
        .unwrap();
    let later = due("2026-03-20", subtree(TOWN), 100).await;
    assert_eq!(keys_of(&later), vec![pair(c, "stage:0"), pair(a, "case")]);
    assert_eq!(later[1].due, date("2026-03-17"));
    store.replace_deadline_rows(a, &[]).await.unwrap();
    assert_eq!(
        keys_of(&due("2026-03-20", subtree(TOWN), 100).await),
        vec![pair(c, "stage:0")]
    );

    assert_not_found(
        store
            .replace_deadline_rows(
                "no-such-case",
                &[deadline("no-such-case", "case", "2026-03-10", "2026-03-05")],
            )
            .await,
    );
    assert!(matches!(
        store
            .replace_deadline_rows(a, &[deadline(b, "case", "2026-03-10", "2026-03-05")])
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        keys_of(&due("2026-03-20", Scope::All, 100).await),
        vec![pair(c, "stage:0"), pair(b, "case")],
        "refused replacements change nothing"
    );
}

/// The open warnings of a case as (key, colour), sorted.
pub(crate) async fn open_colours<S: Store + ?Sized>(
    store: &S,
    number: &str,
) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = store
        .case_warnings(number)
        .await
        .unwrap()
        .into_iter()
        .map(|w| (w.key, w.colour))
        .collect();
    v.sort();
    v
}

pub async fn supervision_scan_from_rows<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let [a, b, c] = [0, 1, 2].map(|i| cases[i].filing.number.as_str());
    store
        .replace_deadline_rows(
            a,
            &[
                deadline(a, "case", "2026-03-16", "2026-03-12"),
                deadline(a, "correction", "2026-03-09", "2026-03-06"),
            ],
        )
        .await
        .unwrap();
    store
        .replace_deadline_rows(b, &[deadline(b, "case", "2026-03-10", "2026-03-05")])
        .await
        .unwrap();
    store
        .replace_deadline_rows(c, &[deadline(c, "stage:0", "2026-03-05", "2026-03-04")])
        .await
        .unwrap();
    let scan = |since: Option<&'static str>, today: &'static str| async move {
        store
            .scan_warnings(
                since.map(date),
                date(today),
                date(today),
                at(&format!("{today}T00:30:00Z")),
            )
            .await
            .unwrap()
    };
    let counts = |raised, cleared| ScanCounts { raised, cleared };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(k, c)| (k.to_string(), c.to_string()))
            .collect()
    };

    // The first scan reads every row due by today: `b` and `c` are yellow on the 5th.
    assert_eq!(scan(None, "2026-03-05").await, counts(2, 0));
    assert_eq!(store.count_warnings(&Scope::All).await.unwrap(), (0, 2));
    // By accepting place: `c` was accepted at the county (decided by the township).
    assert_eq!(store.count_warnings(&subtree(TOWN)).await.unwrap(), (0, 0));
    assert_eq!(
        store.count_warnings(&subtree(COUNTY)).await.unwrap(),
        (0, 2)
    );
    assert_eq!(open_colours(store, b).await, pairs(&[("case", "yellow")]));
    assert_eq!(
        open_colours(store, c).await,
        pairs(&[("stage:0", "yellow")])
    );
    assert!(open_colours(store, a).await.is_empty(), "not yet due");
    // The warning carries what the row and the case say.
    let w = &store.case_warnings(c).await.unwrap()[0];
    assert_eq!(
        (
            w.label.as_str(),
            w.due,
            w.department.as_str(),
            &w.place,
            &w.decide_place
        ),
        (
            "stage:0 期限",
            date("2026-03-05"),
            cases[2].filing.item.department.as_str(),
            &cases[2].filing.place,
            &cases[2].filing.decide_place
        )
    );
    assert_eq!(w.raised_at, at("2026-03-05T00:30:00Z"));
    // Scanning again raises nothing: once per (case, deadline, colour).
    assert_eq!(scan(None, "2026-03-05").await, counts(0, 0));
    assert_eq!(scan(Some("2026-03-05"), "2026-03-05").await, counts(0, 0));

    // The next day: `c` turns red (replacing its yellow), `a`'s correction row turns yellow.
    assert_eq!(scan(Some("2026-03-05"), "2026-03-06").await, counts(2, 1));
    assert_eq!(open_colours(store, c).await, pairs(&[("stage:0", "red")]));
    assert_eq!(
        open_colours(store, a).await,
        pairs(&[("correction", "yellow")])
    );

    // A week later, the days since the last scan: `a`'s correction and `b` red, `a`'s case yellow.
    assert_eq!(scan(Some("2026-03-06"), "2026-03-12").await, counts(3, 2));
    assert_eq!(
        open_colours(store, a).await,
        pairs(&[("case", "yellow"), ("correction", "red")])
    );
    assert_eq!(open_colours(store, b).await, pairs(&[("case", "red")]));
    assert_eq!(scan(Some("2026-03-06"), "2026-03-12").await, counts(0, 0));

    // A window only reads the rows whose colour changes in it: `a`'s case turns red on the 17th,
    // before a window of the 18th alone (which is why callers chain windows from the last scan).
    assert_eq!(scan(Some("2026-03-18"), "2026-03-18").await, counts(0, 0));
    // A case that no longer waits has no rows, so nothing is raised for it.
    store.replace_deadline_rows(c, &[]).await.unwrap();
    store
        .clear_warnings_except(c, &[], at("2026-03-16T08:00:00Z"))
        .await
        .unwrap();
    assert_eq!(scan(None, "2026-03-17").await, counts(1, 1));
    assert_eq!(
        open_colours(store, a).await,
        pairs(&[("case", "red"), ("correction", "red")])
    );
    assert!(open_colours(store, c).await.is_empty());
    // The monitor's counts: every open warning, by colour, in the scope.
    assert_eq!(store.count_warnings(&Scope::All).await.unwrap(), (3, 0));
    assert_eq!(
        store.count_warnings(&subtree(SIBLING_TOWN)).await.unwrap(),
        (1, 0)
    );
    assert_eq!(
        store.count_warnings(&Scope::Within(vec![])).await.unwrap(),
        (0, 0)
    );
    // `since` after `today` (a clock set back) reads from `today` only.
    assert_eq!(scan(Some("2026-04-01"), "2026-03-17").await, counts(0, 0));

    // A window scanned in slices gives what one scan gives, each row in today's colour (no
    // transient yellow for a row already red today).
    store
        .replace_deadline_rows(c, &[deadline(c, "stage:1", "2026-03-20", "2026-03-18")])
        .await
        .unwrap();
    store
        .replace_deadline_rows(b, &[deadline(b, "case", "2026-03-24", "2026-03-19")])
        .await
        .unwrap();
    store
        .clear_warnings_except(b, &[], at("2026-03-18T00:00:00Z"))
        .await
        .unwrap();
    let slice = |from: &'static str, until: &'static str| async move {
        store
            .scan_warnings(
                Some(date(from)),
                date(until),
                date("2026-03-23"),
                at("2026-03-23T00:30:00Z"),
            )
            .await
            .unwrap()
    };
    // c: yellow 18th, red 21st → red today; b: yellow 19th, still yellow on the 23rd.
    assert_eq!(slice("2026-03-18", "2026-03-18").await, counts(1, 0));
    assert_eq!(open_colours(store, c).await, pairs(&[("stage:1", "red")]));
    assert_eq!(slice("2026-03-19", "2026-03-20").await, counts(1, 0));
    assert_eq!(open_colours(store, b).await, pairs(&[("case", "yellow")]));
    assert_eq!(slice("2026-03-21", "2026-03-23").await, counts(0, 0));
    assert_eq!(open_colours(store, c).await, pairs(&[("stage:1", "red")]));
    // A slice ending after today is cut at today.
    assert_eq!(
        store
            .scan_warnings(
                Some(date("2026-03-24")),
                date("2026-03-30"),
                date("2026-03-23"),
                at("2026-03-23T00:30:00Z"),
            )
            .await
            .unwrap(),
        counts(0, 0)
    );
    assert_eq!(open_colours(store, b).await, pairs(&[("case", "yellow")]));
}

pub async fn supervision_warning_raised_once<S: Store + Clone + 'static>(store: &S) {
    let (case, events) = filed_case(&window_case(
        "330102001000-20260302-0001",
        TOWN,
        "2026-03-02T01:00:00Z",
    ));
    store.create_case(&case, &events).await.unwrap();
    let yellow = warning_of(
        &case,
        "case",
        "yellow",
        "2026-03-16",
        "2026-03-12T00:00:00.123456Z",
    );
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (s, w) = (store.clone(), yellow.clone());
            tokio::spawn(async move { s.raise_warning(&w).await })
        })
        .collect();
    let mut raised = 0;
    for t in tasks {
        if t.await.expect("task").expect("raise_warning") {
            raised += 1;
        }
    }
    assert_eq!(raised, 1, "20 callers, one warning raised");
    let open = store.case_warnings(&case.filing.number).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        open[0],
        WarningRecord {
            id: open[0].id,
            ..yellow.clone()
        },
        "a warning round-trips"
    );

    // Another colour of the same deadline is another warning.
    let red = warning_of(&case, "case", "red", "2026-03-16", "2026-03-17T00:00:00Z");
    assert!(store.raise_warning(&red).await.unwrap());
    assert!(!store.raise_warning(&red).await.unwrap());
    assert_eq!(
        store
            .case_warnings(&case.filing.number)
            .await
            .unwrap()
            .len(),
        2
    );

    // Once cleared, the same warning can be raised again (the case turned yellow once more).
    let at_ = at("2026-03-18T00:00:00Z");
    let n = store
        .clear_warnings_except(&case.filing.number, &[], at_)
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert!(store
        .case_warnings(&case.filing.number)
        .await
        .unwrap()
        .is_empty());
    assert!(store.raise_warning(&yellow).await.unwrap());
    assert!(!store.raise_warning(&yellow).await.unwrap());
    let all = store.list_warnings(&Scope::All, false, 100).await.unwrap();
    assert_eq!(all.len(), 3, "cleared warnings stay as history: {all:?}");
    assert_eq!(all.iter().filter(|w| w.cleared_at == Some(at_)).count(), 2);

    let mut ghost = yellow.clone();
    ghost.case_number = "no-such-case".to_string();
    assert_not_found(store.raise_warning(&ghost).await);
}

pub async fn supervision_clear_warnings_except<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let (a, b) = (&cases[0], &cases[1]);
    let n = a.filing.number.as_str();
    for w in [
        warning_of(a, "case", "yellow", "2026-03-16", "2026-03-12T00:00:00Z"),
        warning_of(a, "stage:0", "red", "2026-03-10", "2026-03-11T00:00:00Z"),
        warning_of(
            a,
            "correction",
            "yellow",
            "2026-03-09",
            "2026-03-06T00:00:00Z",
        ),
        warning_of(b, "case", "yellow", "2026-03-16", "2026-03-12T00:00:00Z"),
    ] {
        assert!(store.raise_warning(&w).await.unwrap());
    }
    let keep = vec![
        ("case".to_string(), "yellow".to_string()),
        ("stage:0".to_string(), "red".to_string()),
        // Kept pairs without an open warning are fine.
        ("case".to_string(), "red".to_string()),
    ];
    let when = at("2026-03-13T00:00:00Z");
    assert_eq!(
        store.clear_warnings_except(n, &keep, when).await.unwrap(),
        1
    );
    let open: Vec<(String, String)> = store
        .case_warnings(n)
        .await
        .unwrap()
        .into_iter()
        .map(|w| (w.key, w.colour))
        .collect();
    assert_eq!(
        open,
        vec![pair("stage:0", "red"), pair("case", "yellow")],
        "red first"
    );
    let cleared: Vec<WarningRecord> = store
        .list_warnings(&Scope::All, false, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|w| w.cleared_at.is_some())
        .collect();
    assert_eq!(cleared.len(), 1);
    assert_eq!(
        (cleared[0].key.as_str(), cleared[0].cleared_at),
        ("correction", Some(when))
    );
    // Clearing again finds nothing more to clear; another case is never touched.
    assert_eq!(
        store.clear_warnings_except(n, &keep, when).await.unwrap(),
        0
    );
    assert_eq!(store.clear_warnings_except(n, &[], when).await.unwrap(), 2);
    assert_eq!(store.case_warnings(n).await.unwrap(), vec![]);
    assert_eq!(
        store.case_warnings(&b.filing.number).await.unwrap().len(),
        1
    );
}

pub async fn supervision_warnings_listed_red_first<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let (a, b, c) = (&cases[0], &cases[1], &cases[2]);
    let fixtures = [
        warning_of(a, "case", "yellow", "2026-03-10", "2026-03-08T00:00:00Z"),
        warning_of(a, "stage:0", "red", "2026-03-12", "2026-03-13T00:00:00Z"),
        warning_of(b, "case", "red", "2026-03-01", "2026-03-02T00:00:00Z"),
        warning_of(c, "stage:0", "yellow", "2026-03-05", "2026-03-04T00:00:00Z"),
    ];
    for w in &fixtures {
        assert!(store.raise_warning(w).await.unwrap());
    }
    let ids = |list: Vec<WarningRecord>| -> Vec<(String, String, String)> {
        list.into_iter()
            .map(|w| (w.case_number, w.key, w.colour))
            .collect()
    };
    let t = |w: &WarningRecord| (w.case_number.clone(), w.key.clone(), w.colour.clone());
    let [ay, ar, br, cy] = [0, 1, 2, 3].map(|i| t(&fixtures[i]));

    let all = store.list_warnings(&Scope::All, true, 100).await.unwrap();
    for w in &all {
        let f = fixtures
            .iter()
            .find(|f| t(f) == t(w))
            .expect("a raised warning");
        assert_eq!(
            *w,
            WarningRecord {
                id: w.id,
                ..f.clone()
            }
        );
    }
    assert_eq!(
        ids(all),
        vec![br.clone(), ar.clone(), cy.clone(), ay.clone()],
        "red first, then by due date"
    );
    assert_eq!(
        ids(store
            .list_warnings(&subtree(TOWN), true, 100)
            .await
            .unwrap()),
        vec![ar.clone(), cy.clone(), ay.clone()],
        "accepting or deciding place in the township; not the sibling township"
    );
    assert_eq!(
        ids(store
            .list_warnings(&subtree(SIBLING_TOWN), true, 100)
            .await
            .unwrap()),
        vec![br.clone()]
    );
    assert_eq!(
        ids(store.list_warnings(&Scope::All, true, 2).await.unwrap()),
        vec![br.clone(), ar.clone()]
    );
    assert!(store
        .list_warnings(&Scope::Within(vec![]), false, 100)
        .await
        .unwrap()
        .is_empty());

    // Open only leaves out what was cleared; all keeps it, in the same order.
    store
        .clear_warnings_except(&a.filing.number, &[], at("2026-03-14T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        ids(store
            .list_warnings(&subtree(TOWN), true, 100)
            .await
            .unwrap()),
        vec![cy.clone()]
    );
    assert_eq!(
        ids(store
            .list_warnings(&subtree(TOWN), false, 100)
            .await
            .unwrap()),
        vec![ar, cy, ay]
    );
}
