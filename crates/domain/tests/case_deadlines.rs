//! The case state machine (§3), deadlines on the real 2025/2026 holiday schedule: hand computed
//! deadlines across 国庆 2025, extensions (art. 42 / 44), and special procedures that stop the
//! clock (art. 45).
//!
//! Each test here fails when its rule is removed from `decide`. Helpers are in `common`.

mod common;

use common::*;
use yizhan_domain::case::*;

// ---------------------------------------------------------------------------------------------
// art. 42 / 44 deadlines on the real schedule
// ---------------------------------------------------------------------------------------------

#[test]
fn deadlines_across_national_day_2025() {
    // 2025 schedule around 国庆节、中秋节: days off Wed 10-01 .. Wed 10-08; make-up working days
    // Sun 09-28 and Sat 10-11.
    //
    // Accepted Fri 2025-09-26. Working days after it:
    //   09-28 (Sun, 调休) 1, 09-29 2, 09-30 3, [10-01..10-08 off], 10-09 4, 10-10 5,
    //   10-11 (Sat, 调休) 6, 10-13..10-17 7..11, 10-20..10-24 12..16, 10-27 17, 10-28 18,
    //   10-29 19, 10-30 20.
    // → art. 42 statutory due (20) = 2025-10-30; promised due (item: 10) = 2025-10-16;
    //   first stage 受理审查 (1) due = Sun 2025-09-28.
    let ev = accepted(promised_item(), ymd(2025, 9, 26));
    let c = case_of(&ev);
    assert_eq!(c.deadlines.statutory_due, Some(ymd(2025, 10, 30)));
    assert_eq!(c.deadlines.promised_due, Some(ymd(2025, 10, 16)));
    assert_eq!(c.stages[0].due, Some(ymd(2025, 9, 28)));
    assert_eq!(c.stages[0].started_on, Some(ymd(2025, 9, 26)));

    // Joint item (45): continuing, 10-31 21, 11-03..07 22..26, 11-10..14 27..31,
    // 11-17..21 32..36, 11-24..28 37..41, 12-01 42, 12-02 43, 12-03 44, 12-04 45 → 2025-12-04.
    // Its promised 30 → 11-13.
    let ev = accepted(joint_item(), ymd(2025, 9, 26));
    let c = case_of(&ev);
    assert_eq!(c.deadlines.statutory_due, Some(ymd(2025, 12, 4)));
    assert_eq!(c.deadlines.promised_due, Some(ymd(2025, 11, 13)));

    // art. 44: stages done, decision on Tue 09-30; ten working days after it:
    //   10-09 1, 10-10 2, 10-11 (Sat, 调休) 3, 10-13..17 4..8, 10-20 9, 10-21 10 → 2025-10-21.
    let mut ev = accepted(promised_item(), ymd(2025, 9, 26));
    complete(0, MZ, &mut ev, at(2025, 9, 28));
    // 现场核查 (3) started Sun 09-28: 09-29, 09-30, 10-09 → due 2025-10-09.
    assert_eq!(case_of(&ev).stages[1].due, Some(ymd(2025, 10, 9)));
    complete(1, MZ, &mut ev, at(2025, 9, 29));
    let c = ok(&mut ev, grant(), &head(), at(2025, 9, 30));
    assert_eq!(c.deadlines.delivery_due, Some(ymd(2025, 10, 21)));
    assert_eq!(c.decided_on, Some(ymd(2025, 9, 30)));
}

#[test]
fn promised_due_is_the_items_promised_limit() {
    for (promised, due) in [
        (1, ymd(2025, 9, 28)),
        (5, ymd(2025, 10, 10)),
        (20, ymd(2025, 10, 30)),
    ] {
        let item = ItemTerms {
            promised_limit_days: promised,
            ..promised_item()
        };
        let c = case_of(&accepted(item, ymd(2025, 9, 26)));
        assert_eq!(c.deadlines.promised_due, Some(due), "promised {promised}");
        assert_eq!(c.deadlines.statutory_due, Some(ymd(2025, 10, 30)));
    }
}

#[test]
fn statutory_due_follows_the_items_limit_else_the_law() {
    // Item without its own limit: the law's 20 (joint 45) working days, see above.
    let c = case_of(&accepted(
        ItemTerms {
            statutory_limit_days: 0,
            ..promised_item()
        },
        ymd(2025, 9, 26),
    ));
    assert_eq!(c.deadlines.statutory_due, Some(ymd(2025, 10, 30)));
    let c = case_of(&accepted(
        ItemTerms {
            statutory_limit_days: 0,
            ..joint_item()
        },
        ymd(2025, 9, 26),
    ));
    assert_eq!(c.deadlines.statutory_due, Some(ymd(2025, 12, 4)));
    // Item whose own law sets 15: 10-09 4 … 10-17 11, 10-20..24 12..16 → 15 = 2025-10-23.
    // A promised limit above it is held to it.
    let c = case_of(&accepted(
        ItemTerms {
            statutory_limit_days: 15,
            promised_limit_days: 18,
            ..promised_item()
        },
        ymd(2025, 9, 26),
    ));
    assert_eq!(c.deadlines.statutory_due, Some(ymd(2025, 10, 23)));
    assert_eq!(c.deadlines.promised_due, Some(ymd(2025, 10, 23)));
}

#[test]
fn one_extension_by_the_department_head_with_a_reason() {
    let mut ev = accepted(promised_item(), ymd(2025, 9, 26));
    let day = at(2025, 10, 13);
    // Not by a reviewer, a clerk, a head of another department or of another place.
    for who in [reviewer(MZ), clerk(), other_head(), far_head(), applicant()] {
        assert_eq!(
            err(&mut ev, extend(), &who, day),
            CaseError::NotAllowed("延期"),
            "{}",
            who.name
        );
    }
    assert_eq!(
        err(&mut ev, Command::Extend { reason: "".into() }, &head(), day),
        CaseError::ReasonRequired("延期理由")
    );
    // +10 working days: statutory 10-30 → 10-31 1, 11-03..07 2..6, 11-10..13 7..10 = 2025-11-13;
    // promised 10-16 → 10-17 1, 10-20..24 2..6, 10-27..30 7..10 = 2025-10-30.
    let c = ok(&mut ev, extend(), &head(), day);
    assert!(c.extended);
    assert_eq!(c.deadlines.statutory_due, Some(ymd(2025, 11, 13)));
    assert_eq!(c.deadlines.promised_due, Some(ymd(2025, 10, 30)));
    assert!(matches!(
        last_kind(&ev),
        EventKind::Extended { days: 10, .. }
    ));
    assert_eq!(
        err(&mut ev, extend(), &head(), at(2025, 10, 14)),
        CaseError::AlreadyExtended
    );
}

/// art. 42 para. 2: a joint item's extension is 15 days, approved by the head of the people's
/// government at the level — not a department head; a government head does not extend a single
/// department's item.
#[test]
fn joint_extension_is_fifteen_days() {
    let mut ev = accepted(joint_item(), ymd(2025, 9, 26));
    assert_eq!(
        err(&mut ev, extend(), &head(), at(2025, 10, 13)),
        CaseError::GovernmentHeadRequired
    );
    assert_eq!(
        err(&mut ev, extend(), &clerk(), at(2025, 10, 13)),
        CaseError::NotAllowed("延期")
    );
    // 12-04 + 15: 12-05 1, 12-08..12 2..6, 12-15..19 7..11, 12-22..25 12..15 → 2025-12-25;
    // promised 11-13 + 15: 11-14 1, 11-17..21 2..6, 11-24..28 7..11, 12-01..04 12..15 → 12-04.
    let c = ok(&mut ev, extend(), &government_head(), at(2025, 10, 13));
    assert_eq!(c.deadlines.statutory_due, Some(ymd(2025, 12, 25)));
    assert_eq!(c.deadlines.promised_due, Some(ymd(2025, 12, 4)));
    assert!(matches!(
        last_kind(&ev),
        EventKind::Extended { days: 15, .. }
    ));
    assert_eq!(
        err(&mut ev, extend(), &government_head(), at(2025, 10, 14)),
        CaseError::AlreadyExtended
    );
    let mut single = accepted(promised_item(), ymd(2025, 9, 26));
    assert_eq!(
        err(&mut single, extend(), &government_head(), at(2025, 10, 13)),
        CaseError::NotAllowed("延期")
    );
}

// ---------------------------------------------------------------------------------------------
// art. 45: special procedures stop the clock
// ---------------------------------------------------------------------------------------------

#[test]
fn suspension_stops_the_clock_and_resumption_moves_every_open_deadline() {
    let mut ev = accepted(promised_item(), ymd(2025, 9, 26));
    complete(0, MZ, &mut ev, at(2025, 9, 29));
    // 现场核查 (3) started Mon 09-29: 09-30, 10-09, 10-10 → due 2025-10-10.
    assert_eq!(case_of(&ev).stages[1].due, Some(ymd(2025, 10, 10)));

    // The written notice: a reason and how long.
    let no_reason = Command::Suspend {
        procedure: SpecialProcedure::Testing,
        reason: " ".into(),
        expected_days: 5,
    };
    assert_eq!(
        err(&mut ev, no_reason, &reviewer(MZ), at(2025, 9, 29)),
        CaseError::ReasonRequired("进入特别程序的理由")
    );
    let no_duration = Command::Suspend {
        procedure: SpecialProcedure::Testing,
        reason: "送检".into(),
        expected_days: 0,
    };
    assert!(matches!(
        err(&mut ev, no_duration, &reviewer(MZ), at(2025, 9, 29)),
        CaseError::ReasonRequired(_)
    ));
    assert_eq!(
        err(&mut ev, suspend(), &clerk(), at(2025, 9, 29)),
        CaseError::NotAllowed("进入特别程序")
    );

    let c = ok(&mut ev, suspend(), &reviewer(MZ), at(2025, 9, 29));
    assert_eq!(c.state, CaseState::Suspended);
    assert_eq!(c.suspension, Some((SpecialProcedure::ExpertReview, 10)));
    // Nothing is decided while suspended.
    assert!(matches!(
        err(&mut ev, grant(), &head(), at(2025, 10, 9)),
        CaseError::WrongState { .. }
    ));
    assert!(matches!(
        err(
            &mut ev,
            Command::CompleteStage {
                index: 1,
                approved: true,
                opinion: String::new()
            },
            &reviewer(MZ),
            at(2025, 10, 9)
        ),
        CaseError::WrongState { .. }
    ));
    assert!(matches!(
        err(&mut ev, suspend(), &reviewer(MZ), at(2025, 10, 9)),
        CaseError::WrongState { .. }
    ));

    // Resumed Mon 10-13: working days spent suspended, (09-29, 10-13]: 09-30, 10-09, 10-10,
    // 10-11 (调休), 10-13 = 5. Every open deadline moves by 5 working days:
    //   statutory 10-30 → 10-31, 11-03, 11-04, 11-05, 11-06 = 2025-11-06;
    //   promised 10-16 → 10-17, 10-20, 10-21, 10-22, 10-23 = 2025-10-23;
    //   现场核查 10-10 → 10-11, 10-13, 10-14, 10-15, 10-16 = 2025-10-16.
    assert_eq!(
        err(&mut ev, Command::Resume, &clerk(), at(2025, 10, 13)),
        CaseError::NotAllowed("结束特别程序")
    );
    let c = ok(&mut ev, Command::Resume, &reviewer(MZ), at(2025, 10, 13));
    assert_eq!(c.state, CaseState::InReview);
    assert_eq!(c.suspended_days, 5);
    assert!(matches!(
        last_kind(&ev),
        EventKind::Resumed { shift_days: 5, .. }
    ));
    assert_eq!(c.deadlines.statutory_due, Some(ymd(2025, 11, 6)));
    assert_eq!(c.deadlines.promised_due, Some(ymd(2025, 10, 23)));
    assert_eq!(c.stages[1].due, Some(ymd(2025, 10, 16)));
    // Completed stages keep their dates.
    assert_eq!(c.stages[0].due, Some(ymd(2025, 9, 28)));
}

#[test]
fn extension_during_suspension_is_moved_on_resumption() {
    let mut ev = accepted(promised_item(), ymd(2025, 9, 26));
    ok(&mut ev, suspend(), &head(), at(2025, 9, 29));
    // 10-30 + 10 = 11-13 (see above), then +5 on resumption: 11-14, 11-17..20 = 2025-11-20.
    ok(&mut ev, extend(), &head(), at(2025, 10, 9));
    let c = ok(&mut ev, Command::Resume, &head(), at(2025, 10, 13));
    assert_eq!(c.deadlines.statutory_due, Some(ymd(2025, 11, 20)));
    assert!(c.extended);
}
