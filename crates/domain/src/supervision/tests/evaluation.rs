use super::*;

// -----------------------------------------------------------------------------------------
// Performance evaluation
// -----------------------------------------------------------------------------------------

#[test]
fn outcome_of_a_completed_case() {
    let l = completed(item());
    let o = outcome(&l.case(), &l.ev, &cal()).expect("completed");
    assert_eq!(
        o,
        CaseOutcome {
            unit: format!("{TA}/{MZ}"),
            // Completed 03-09, promised 03-16.
            on_time: true,
            early: true,
            // 03-02 → 03-09.
            working_days: 5,
            overdue: false,
            // 受理审查 (1 day) and 现场核查 (≤ 2 days left on 03-05) turned yellow.
            warnings: 2,
            violations: 0,
            satisfaction: None,
            complaints: 0,
        }
    );
    // With a rule that only warns when overdue: none.
    let only_red = [rule(RuleScope::All, None, None)];
    let o = outcome_with(&l.case(), &l.ev, &only_red, &cal()).expect("completed");
    assert_eq!(o.warnings, 0);
}

#[test]
fn outcome_of_a_late_case_without_suspended_days() {
    // Suspended 03-10 → 03-17 (5 days): promised 03-23, statutory 04-06.
    // Decided 04-07 (late), delivered and completed 04-08.
    let mut l = reviewed(item());
    l.run(suspend(), &reviewer(), d(3, 10))
        .run(Command::Resume, &reviewer(), d(3, 17))
        .run(grant(), &head(), d(4, 7))
        .run(deliver(), &clerk(), d(4, 8))
        .run(Command::Complete, &clerk(), d(4, 8));
    let o = outcome(&l.case(), &l.ev, &cal()).expect("completed");
    assert!(!o.on_time && !o.early && o.overdue);
    // 03-02 → 04-08 is 27 working days, 5 suspended.
    assert_eq!(o.working_days, 22);
    assert_eq!(o.violations, 1); // statutory_deadline_exceeded
                                 // Case and statutory deadlines went yellow and red; stages 0 and 1 yellow.
    assert_eq!(o.warnings, 6);
}

#[test]
fn no_outcome_for_open_or_refused_cases() {
    let l = reviewed(item());
    assert_eq!(outcome(&l.case(), &l.ev, &cal()), None);
    let mut r = Log::file(item(), d(3, 2));
    r.run(
        Command::Refuse {
            reasons: "不属于本机关职权范围".into(),
        },
        &clerk(),
        d(3, 3),
    );
    assert_eq!(outcome(&r.case(), &r.ev, &cal()), None);
}

#[allow(clippy::too_many_arguments)]
fn oc(
    unit: &str,
    on_time: bool,
    early: bool,
    working_days: u32,
    overdue: bool,
    warnings: u32,
    violations: u32,
    satisfaction: Option<u8>,
    complaints: u32,
) -> CaseOutcome {
    CaseOutcome {
        unit: unit.into(),
        on_time,
        early,
        working_days,
        overdue,
        warnings,
        violations,
        satisfaction,
        complaints,
    }
}

#[test]
fn evaluation_matches_a_hand_computed_fixture() {
    const A: &str = "甲镇民政";
    const B: &str = "乙镇住建";
    let outcomes = vec![
        //  unit on_time early days overdue warn viol sat   complaints
        oc(A, true, true, 5, false, 0, 0, Some(5), 0),
        oc(B, true, true, 2, false, 0, 0, Some(5), 0),
        oc(A, true, false, 10, false, 1, 0, Some(4), 0),
        oc(A, false, false, 14, true, 2, 1, Some(2), 1),
        oc(B, true, true, 4, false, 1, 0, Some(5), 0),
        oc(A, true, true, 3, false, 0, 0, None, 0),
        oc(B, true, false, 6, false, 0, 0, Some(3), 0),
    ];
    let s = evaluate(&outcomes, &Weights::default());
    // Default weights: on_time 40, early 10, speed 20, satisfaction 30 (Σ 100), reference 20
    // days; penalties: overdue 20, warning 2, violation 10, complaint 10.
    //
    // 乙镇住建: 3 cases, 3 on time → 1.0; 2 early → 2/3; mean days (2+4+6)/3 = 4;
    //   speed 1 − 4/20 = 0.8; ratings 5,5,3 → 13/3, (13/3 − 1)/4 = 5/6;
    //   base = 40·1 + 10·2/3 + 20·0.8 + 30·5/6 = 40 + 6.667 + 16 + 25 = 87.667;
    //   penalty = 2·1 / 3 = 0.667; score = 87.00.
    // 甲镇民政: 4 cases, 3 on time → 0.75; 2 early → 0.5; mean days (5+10+14+3)/4 = 8;
    //   speed 1 − 8/20 = 0.6; ratings 5,4,2 (one unrated) → 11/3, (11/3 − 1)/4 = 2/3;
    //   base = 40·0.75 + 10·0.5 + 20·0.6 + 30·2/3 = 30 + 5 + 12 + 20 = 67;
    //   penalty = (20·1 + 2·3 + 10·1 + 10·1) / 4 = 46/4 = 11.5; score = 55.50.
    assert_eq!(s.len(), 2);
    let (b, a) = (&s[0], &s[1]);
    assert_eq!((b.unit.as_str(), b.rank, b.score), (B, 1, 87.0));
    assert_eq!((a.unit.as_str(), a.rank, a.score), (A, 2, 55.5));
    assert_eq!((b.cases, b.on_time, b.early, b.overdue), (3, 3, 2, 0));
    assert_eq!(
        (b.warnings, b.violations, b.complaints, b.rated),
        (1, 0, 0, 3)
    );
    assert_eq!(b.on_time_rate, 1.0);
    assert!((b.early_rate - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(b.mean_working_days, 4.0);
    assert!((b.mean_satisfaction.unwrap() - 13.0 / 3.0).abs() < 1e-9);
    assert_eq!((a.cases, a.on_time, a.early, a.overdue), (4, 3, 2, 1));
    assert_eq!(
        (a.warnings, a.violations, a.complaints, a.rated),
        (3, 1, 1, 3)
    );
    assert_eq!((a.on_time_rate, a.early_rate), (0.75, 0.5));
    assert_eq!(a.mean_working_days, 8.0);
    assert!((a.mean_satisfaction.unwrap() - 11.0 / 3.0).abs() < 1e-9);

    // Administrators weigh only punctuality, with no penalties:
    // 甲 100·0.75 = 75, 乙 100·1 = 100.
    let w = Weights {
        on_time: 1.0,
        early: 0.0,
        speed: 0.0,
        satisfaction: 0.0,
        overdue_penalty: 0.0,
        warning_penalty: 0.0,
        violation_penalty: 0.0,
        complaint_penalty: 0.0,
        ..Weights::default()
    };
    let s = evaluate(&outcomes, &w);
    assert_eq!((s[0].unit.as_str(), s[0].score), (B, 100.0));
    assert_eq!((s[1].unit.as_str(), s[1].score), (A, 75.0));
}

#[test]
fn unrated_units_are_scored_without_satisfaction_and_ties_rank_by_name() {
    // Both: on time, not early, 10 days → base = (40·1 + 10·0 + 20·0.5) / 70 · 100 = 71.43.
    let outcomes = vec![
        oc("乙", true, false, 10, false, 0, 0, None, 0),
        oc("甲", true, false, 10, false, 0, 0, None, 0),
        oc("丙", false, false, 30, true, 50, 50, Some(1), 50),
    ];
    let s = evaluate(&outcomes, &Weights::default());
    let got: Vec<(&str, u32, f64)> = s
        .iter()
        .map(|s| (s.unit.as_str(), s.rank, s.score))
        .collect();
    // "乙" (U+4E59) sorts before "甲" (U+7532); 丙 clamps at 0.
    assert_eq!(
        got,
        vec![("乙", 1, 71.43), ("甲", 1, 71.43), ("丙", 3, 0.0)]
    );
    assert_eq!(evaluate(&[], &Weights::default()), vec![]);
}

#[test]
fn weights_validation_and_degenerate_weights() {
    assert!(Weights::default().validate().is_ok());
    let bad = Weights {
        on_time: -1.0,
        speed: f64::NAN,
        ..Weights::default()
    };
    let e = bad.validate().expect_err("invalid");
    assert_eq!(e.errors.len(), 2);
    // All weights zero: 100 minus penalties.
    let zero = Weights {
        on_time: 0.0,
        early: 0.0,
        speed: 0.0,
        satisfaction: 0.0,
        reference_days: 0.0,
        ..Weights::default()
    };
    let s = evaluate(&[oc("甲", false, false, 9, false, 1, 0, None, 0)], &zero);
    assert_eq!(s[0].score, 98.0);
}
