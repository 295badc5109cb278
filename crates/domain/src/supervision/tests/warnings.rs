use super::*;

// -----------------------------------------------------------------------------------------
// Warnings
// -----------------------------------------------------------------------------------------

#[test]
fn the_most_specific_rule_wins() {
    let all = rule(RuleScope::All, Some(1), None);
    let kind = rule(RuleScope::ItemKind(ItemKind::Promised), Some(3), None);
    let other_kind = rule(RuleScope::ItemKind(ItemKind::Joint), Some(4), None);
    let this = rule(RuleScope::Item("P1".into()), Some(5), None);
    let other_item = rule(RuleScope::Item("X9".into()), Some(6), None);
    let it = item();
    assert_eq!(rule_for(&it, std::slice::from_ref(&all)), all);
    assert_eq!(
        rule_for(&it, &[kind.clone(), all.clone(), other_kind.clone()]),
        kind
    );
    assert_eq!(
        rule_for(
            &it,
            &[all.clone(), this.clone(), kind.clone(), other_item.clone()]
        ),
        this
    );
    // Nothing matching: the default (≤ 2 days left or ≥ 80% used).
    assert_eq!(
        rule_for(&it, &[other_kind, other_item]),
        WarningRule::default()
    );
    assert_eq!(rule_for(&it, &[]).yellow_days_left, Some(2));
    assert_eq!(rule_for(&it, &[]).yellow_percent_used, Some(80));
    // Equally specific: the first listed.
    let all2 = rule(RuleScope::All, Some(7), None);
    assert_eq!(rule_for(&it, &[all.clone(), all2]), all);
}

#[test]
fn rule_validation() {
    assert!(WarningRule::default().validate().is_ok());
    assert!(rule(RuleScope::All, None, Some(101)).validate().is_err());
    assert!(rule(RuleScope::Item(" ".into()), None, None)
        .validate()
        .is_err());
}

#[test]
fn a_one_day_stage_is_yellow_from_its_start_then_red_the_day_after() {
    let l = accepted(item(), d(3, 2));
    let w = l.warnings(d(3, 2));
    assert_eq!(
        w,
        vec![Warning {
            kind: WarningKind::StageDeadline { index: 0 },
            colour: Colour::Yellow,
            due: d(3, 3),
            days_left: 1,
            percent_used: 0,
        }]
    );
    let w = l.warnings(d(3, 4));
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].colour, Colour::Red);
    assert_eq!(w[0].days_left, -1);
    assert_eq!(w[0].percent_used, 200);
}

#[test]
fn case_deadline_yellow_by_days_left_then_due_day_then_red() {
    let mut l = accepted(item(), d(3, 2));
    l.run(complete(0), &reviewer(), d(3, 3))
        .run(complete(1), &reviewer(), d(3, 5));
    let case_w = |today| {
        l.warnings(today)
            .into_iter()
            .find(|w| w.kind == WarningKind::CaseDeadline)
    };
    // Wed 03-11: 7 of 10 days used, 3 left → nothing.
    assert_eq!(case_w(d(3, 11)), None);
    // Thu 03-12: 8 used (80%), 2 left → yellow.
    let w = case_w(d(3, 12)).expect("yellow");
    assert_eq!(
        (w.colour, w.days_left, w.percent_used),
        (Colour::Yellow, 2, 80)
    );
    // The due day itself: yellow, 0 left, 100%.
    let w = case_w(d(3, 16)).expect("yellow");
    assert_eq!(
        (w.colour, w.days_left, w.percent_used),
        (Colour::Yellow, 0, 100)
    );
    // The day after: red.
    let w = case_w(d(3, 17)).expect("red");
    assert_eq!(
        (w.colour, w.days_left, w.percent_used),
        (Colour::Red, -1, 110)
    );
    assert_eq!(w.due, d(3, 16));
}

#[test]
fn percent_and_days_thresholds_each_on_their_own() {
    // Statutory: 20 days from 03-02, due 03-30.
    let l = reviewed(item());
    let stat = |r: &WarningRule, today| {
        warnings(&l.case(), std::slice::from_ref(r), today, &cal())
            .into_iter()
            .find(|w| w.kind == WarningKind::StatutoryDeadline)
    };
    let pct = rule(RuleScope::All, None, Some(80));
    let days = rule(RuleScope::All, Some(2), None);
    // Mon 03-23: 15 of 20 used (75%), 5 left.
    assert_eq!(stat(&pct, d(3, 23)), None);
    // Tue 03-24: 16 used (80%), 4 left: yellow by percent only.
    assert_eq!(stat(&pct, d(3, 24)).map(|w| w.percent_used), Some(80));
    assert_eq!(stat(&days, d(3, 24)), None);
    // Thu 03-26: 2 left.
    assert_eq!(stat(&days, d(3, 26)).map(|w| w.days_left), Some(2));
    // Neither threshold: only red.
    let none = rule(RuleScope::All, None, None);
    assert_eq!(stat(&none, d(3, 30)), None);
    assert_eq!(stat(&none, d(3, 31)).map(|w| w.colour), Some(Colour::Red));
}

#[test]
fn overdue_on_a_weekend_is_red_with_zero_working_days_left() {
    // 现场核查 started 03-03, due Fri 03-06; Sat 03-07.
    let mut l = accepted(item(), d(3, 2));
    l.run(complete(0), &reviewer(), d(3, 3));
    let w = l.warnings(d(3, 7));
    let s = w
        .iter()
        .find(|w| w.kind == WarningKind::StageDeadline { index: 1 })
        .expect("stage warning");
    assert_eq!((s.colour, s.days_left), (Colour::Red, 0));
}

#[test]
fn a_suspended_case_raises_no_time_warnings() {
    let mut l = accepted(item(), d(3, 2));
    l.run(suspend(), &reviewer(), d(3, 10));
    for today in [d(3, 10), d(3, 16), d(3, 31), d(6, 30)] {
        assert_eq!(l.warnings(today), vec![]);
    }
}

#[test]
fn suspended_days_are_not_counted_after_resumption() {
    let mut l = reviewed(item());
    l.run(suspend(), &reviewer(), d(3, 10))
        .run(Command::Resume, &reviewer(), d(3, 17));
    let c = l.case();
    // Suspended 03-10 → 03-17: 5 working days; the promised due moves 03-16 → 03-23.
    assert_eq!(c.suspended_days, 5);
    assert_eq!(c.deadlines.promised_due, Some(d(3, 23)));
    let p = periods(&c, &cal())
        .into_iter()
        .find(|(k, _)| *k == WarningKind::CaseDeadline)
        .expect("case period")
        .1;
    assert_eq!(p.length(&cal()), 10);
    // 03-17: 11 working days since acceptance, 5 of them suspended → 6 of 10.
    assert_eq!(p.percent_used(d(3, 17), &cal()), 60);
    assert!(!l
        .warnings(d(3, 17))
        .iter()
        .any(|w| w.kind == WarningKind::CaseDeadline));
    // 03-19: 8 of 10 used → yellow.
    assert!(l
        .warnings(d(3, 19))
        .iter()
        .any(|w| w.kind == WarningKind::CaseDeadline && w.percent_used == 80));
}

#[test]
fn a_stage_running_through_a_suspension_does_not_count_it() {
    // 现场核查 started 03-03 due 03-06; suspended 03-04 → resumed 03-11 (5 days): due 03-13.
    let mut l = accepted(item(), d(3, 2));
    l.run(complete(0), &reviewer(), d(3, 3))
        .run(suspend(), &reviewer(), d(3, 4))
        .run(Command::Resume, &reviewer(), d(3, 11));
    let (_, p) = periods(&l.case(), &cal())
        .into_iter()
        .find(|(k, _)| *k == WarningKind::StageDeadline { index: 1 })
        .expect("stage period");
    assert_eq!((p.due, p.not_counted, p.length(&cal())), (d(3, 13), 5, 3));
    // 03-11: 6 working days since its start, 5 suspended → 1 of 3 (33%), 2 left → yellow.
    assert_eq!(p.percent_used(d(3, 11), &cal()), 33);
}

#[test]
fn correction_window_warnings_while_submitted_only() {
    let mut l = Log::file(item(), d(3, 2));
    // Window due 03-09. 03-04: 3 left, 40%.
    assert_eq!(l.warnings(d(3, 4)), vec![]);
    let w = l.warnings(d(3, 5));
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].kind, WarningKind::CorrectionDeadline);
    assert_eq!(
        (w[0].colour, w[0].days_left, w[0].percent_used),
        (Colour::Yellow, 2, 60)
    );
    assert_eq!(l.warnings(d(3, 10))[0].colour, Colour::Red);
    // Waiting for the applicant: nothing on the center's clock.
    l.run(
        Command::RequestCorrection { defects: vec![] },
        &clerk(),
        d(3, 3),
    );
    assert_eq!(l.warnings(d(3, 30)), vec![]);
}

#[test]
fn delivery_warnings_for_a_grant_not_a_denial() {
    let mut l = reviewed(item());
    l.run(grant(), &head(), d(3, 6));
    // Due 03-20. 03-17: 7 of 10, 3 left.
    assert_eq!(l.warnings(d(3, 17)), vec![]);
    let w = l.warnings(d(3, 18));
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].kind, WarningKind::DeliveryDeadline);
    assert_eq!((w[0].days_left, w[0].percent_used), (2, 80));
    assert_eq!(l.warnings(d(3, 23))[0].colour, Colour::Red);

    let mut denied = reviewed(item());
    denied.run(
        Command::Decide {
            granted: false,
            reasons: "不符合条件".into(),
            licence_no: None,
        },
        &head(),
        d(3, 6),
    );
    assert_eq!(denied.warnings(d(4, 30)), vec![]);
}

#[test]
fn closed_cases_raise_nothing() {
    let l = completed(item());
    assert_eq!(l.warnings(d(12, 31)), vec![]);
}

#[test]
fn an_empty_period_is_fully_used_on_its_due_day() {
    let p = Period {
        start: d(3, 2),
        due: d(3, 2),
        not_counted: 0,
    };
    assert_eq!(p.percent_used(d(3, 1), &cal()), 0);
    assert_eq!(p.percent_used(d(3, 2), &cal()), 100);
    let r = WarningRule {
        yellow_days_left: None,
        ..WarningRule::default()
    };
    let w = warn(WarningKind::CaseDeadline, &p, &r, d(3, 2), &cal()).expect("yellow");
    assert_eq!(w.colour, Colour::Yellow);
}

#[test]
fn worst_colour_and_keys() {
    let l = accepted(item(), d(3, 2));
    assert_eq!(worst(&l.warnings(d(3, 2))), Some(Colour::Yellow));
    assert_eq!(worst(&l.warnings(d(3, 17))), Some(Colour::Red));
    assert_eq!(worst(&[]), None);
    assert_eq!(
        WarningKind::StageDeadline { index: 2 }.key(),
        "stage_deadline:2"
    );
    assert_eq!(WarningKind::CaseDeadline.key(), "case_deadline");
    assert_eq!(
        WarningKind::StageDeadline { index: 0 }.label(),
        "第1环节办理时限"
    );
    assert_eq!(Colour::Red.label(), "红色预警");
}

#[test]
fn warnings_raised_over_a_life_once_per_deadline_and_colour() {
    // Stage 0 due 03-03 completed 03-04 (yellow 03-02, red 03-04); stage 1 due 03-09 done 03-05.
    let mut l = accepted(item(), d(3, 2));
    l.run(complete(0), &reviewer(), d(3, 4))
        .run(complete(1), &reviewer(), d(3, 5));
    let raised = warnings_raised(&l.ev, &[], d(3, 5), &cal());
    let got: Vec<(NaiveDate, WarningKind, Colour)> = raised
        .iter()
        .map(|(on, w)| (*on, w.kind, w.colour))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                d(3, 2),
                WarningKind::StageDeadline { index: 0 },
                Colour::Yellow
            ),
            (
                d(3, 4),
                WarningKind::StageDeadline { index: 0 },
                Colour::Red
            ),
            // Stage 1 started 03-04 (due 03-09): 2 left on 03-05.
            (
                d(3, 5),
                WarningKind::StageDeadline { index: 1 },
                Colour::Yellow
            ),
        ]
    );
    assert_eq!(warnings_raised(&[], &[], d(3, 5), &cal()), vec![]);
}
