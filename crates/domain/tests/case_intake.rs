//! The case state machine (§3), intake: correction notices and acceptance as of receipt (art. 32),
//! acceptance and refusal, online drafts, and immediate items (即办件).
//!
//! Each test here fails when its rule is removed from `decide`. Helpers are in `common`.

mod common;

use common::*;
use yizhan_domain::case::*;

// ---------------------------------------------------------------------------------------------
// art. 32: correction notice within 5 working days, else accepted as of receipt
// ---------------------------------------------------------------------------------------------

#[test]
fn auto_acceptance_only_after_five_working_days_as_of_receipt_by_the_system() {
    // Received Fri 2025-09-26. Five working days after it: Sun 09-28 (调休上班) 1, 09-29 2,
    // 09-30 3, (10-01..10-08 国庆中秋) 10-09 4, 10-10 5 → the correction window ends 2025-10-10.
    let mut ev = file(promised_item(), Channel::Window, at(2025, 9, 26));
    assert_eq!(
        case_of(&ev).deadlines.correction_due,
        Some(ymd(2025, 10, 10))
    );
    assert_eq!(case_of(&ev).received_on, Some(ymd(2025, 9, 26)));

    // Before the limit (the last day of the window included): refused.
    for day in [
        at(2025, 9, 26),
        at(2025, 9, 30),
        at(2025, 10, 8),
        at(2025, 10, 10),
    ] {
        assert!(matches!(
            err(&mut ev, Command::AutoAccept, &system(), day),
            CaseError::WrongState { .. }
        ));
    }
    // Only the system may; a clerk or the head may not, even after the limit.
    for who in [clerk(), head(), applicant()] {
        assert_eq!(
            err(&mut ev, Command::AutoAccept, &who, at(2025, 10, 11)),
            CaseError::NotAllowed("自动受理")
        );
    }

    // Sat 2025-10-11 is a make-up working day and after the window: accepted as of receipt.
    let c = ok(&mut ev, Command::AutoAccept, &system(), at(2025, 10, 11));
    assert_eq!(c.state, CaseState::InReview);
    assert_eq!(c.accepted_on, Some(ymd(2025, 9, 26)));
    // 20 working days from 09-26, see `deadlines_across_national_day_2025`.
    assert_eq!(c.deadlines.statutory_due, Some(ymd(2025, 10, 30)));
    assert_eq!(c.deadlines.promised_due, Some(ymd(2025, 10, 16)));
    assert_eq!(c.deadlines.correction_due, None);
    let last = ev.last().unwrap();
    assert_eq!(last.actor, ActorRef::system());
    assert!(
        matches!(last.kind, EventKind::Accepted { by_system: true, accepted_on, .. } if accepted_on == ymd(2025, 9, 26))
    );
    // The first stage started on the acceptance date.
    assert_eq!(c.stages[0].started_on, Some(ymd(2025, 9, 26)));
    // Missing materials do not prevent acceptance by operation of law.
    assert!(!c.missing_materials().is_empty());
}

#[test]
fn auto_acceptance_refused_once_a_correction_notice_was_given_and_counts_from_resubmission() {
    let mut ev = file(promised_item(), Channel::Window, at(2025, 9, 26));
    ok(
        &mut ev,
        Command::RequestCorrection { defects: vec![] },
        &clerk(),
        at(2025, 9, 29),
    );
    assert!(matches!(
        err(&mut ev, Command::AutoAccept, &system(), at(2025, 10, 13)),
        CaseError::WrongState { .. }
    ));

    // Resubmitted Mon 2025-10-13: the window runs 10-14, 15, 16, 17, 20 → ends 2025-10-20.
    let c = ok(&mut ev, Command::Resubmit, &applicant(), at(2025, 10, 13));
    assert_eq!(c.deadlines.correction_due, Some(ymd(2025, 10, 20)));
    assert!(matches!(
        err(&mut ev, Command::AutoAccept, &system(), at(2025, 10, 20)),
        CaseError::WrongState { .. }
    ));
    let c = ok(&mut ev, Command::AutoAccept, &system(), at(2025, 10, 21));
    // As of the resubmission. 20 working days after 10-13: 10-14..17 (4), 10-20..24 (9),
    // 10-27..31 (14), 11-03..07 (19), 11-10 (20).
    assert_eq!(c.accepted_on, Some(ymd(2025, 10, 13)));
    assert_eq!(c.deadlines.statutory_due, Some(ymd(2025, 11, 10)));
}

#[test]
fn correction_notice_lists_every_defective_and_missing_material_at_once() {
    let mut ev = file(promised_item(), Channel::Window, at(2025, 9, 26));
    // 身份证 defective, 申请表 (mandatory) not received, 户口簿 (optional) not received.
    ok(
        &mut ev,
        mark(0, MaterialStatus::Defective, "已过有效期"),
        &clerk(),
        at(2025, 9, 26),
    );
    // A defect needs its reason.
    assert_eq!(
        err(
            &mut ev,
            mark(1, MaterialStatus::Defective, " "),
            &clerk(),
            at(2025, 9, 26)
        ),
        CaseError::ReasonRequired("材料问题说明")
    );

    let c = ok(
        &mut ev,
        Command::RequestCorrection { defects: vec![] },
        &clerk(),
        at(2025, 9, 26),
    );
    assert_eq!(c.state, CaseState::CorrectionRequested);
    assert_eq!(c.correction_notices, 1);
    let EventKind::CorrectionRequested {
        defects,
        repeat,
        late,
    } = last_kind(&ev)
    else {
        panic!("a notice")
    };
    assert_eq!(
        defects,
        &vec![
            Defect {
                material: "居民身份证".into(),
                reason: "已过有效期".into()
            },
            Defect {
                material: "申请表".into(),
                reason: "未提交".into()
            },
        ]
    );
    assert!(!repeat && !late);
}

#[test]
fn correction_notice_given_explicitly_still_names_every_known_defect() {
    let mut ev = file(promised_item(), Channel::Window, at(2025, 9, 26));
    ok(
        &mut ev,
        mark(0, MaterialStatus::Defective, "复印件不清晰"),
        &clerk(),
        at(2025, 9, 26),
    );
    // The clerk writes one line of their own (about the form) and forgets the marked defects.
    let own = Defect {
        material: "申请表".into(),
        reason: "签名缺失".into(),
    };
    ok(
        &mut ev,
        Command::RequestCorrection {
            defects: vec![own.clone()],
        },
        &clerk(),
        at(2025, 9, 26),
    );
    let EventKind::CorrectionRequested { defects, .. } = last_kind(&ev) else {
        panic!("a notice")
    };
    assert!(defects.contains(&own));
    assert!(
        defects.contains(&Defect {
            material: "居民身份证".into(),
            reason: "复印件不清晰".into()
        }),
        "{defects:?}"
    );
    // 申请表 is named once, with the clerk's reason.
    assert_eq!(defects.iter().filter(|d| d.material == "申请表").count(), 1);
}

#[test]
fn correction_notice_without_defects_is_refused() {
    let mut ev = file(promised_item(), Channel::Window, at(2025, 9, 26));
    receive_mandatory(&mut ev, at(2025, 9, 26));
    // Every mandatory material received and none defective: nothing to list (the optional
    // 户口簿 is not a defect).
    assert_eq!(
        err(
            &mut ev,
            Command::RequestCorrection { defects: vec![] },
            &clerk(),
            at(2025, 9, 26)
        ),
        CaseError::NoDefects
    );
    // A line without a reason is no notice either.
    let blank = Defect {
        material: "申请表".into(),
        reason: "  ".into(),
    };
    assert_eq!(
        err(
            &mut ev,
            Command::RequestCorrection {
                defects: vec![blank]
            },
            &clerk(),
            at(2025, 9, 26)
        ),
        CaseError::NoDefects
    );
}

#[test]
fn second_notice_is_allowed_but_marked_repeat_and_late_notice_is_marked_late() {
    let mut ev = file(promised_item(), Channel::Window, at(2025, 9, 26));
    // On the last day of the window (2025-10-10): in time.
    ok(
        &mut ev,
        Command::RequestCorrection { defects: vec![] },
        &clerk(),
        at(2025, 10, 10),
    );
    assert!(matches!(
        last_kind(&ev),
        EventKind::CorrectionRequested {
            repeat: false,
            late: false,
            ..
        }
    ));
    ok(&mut ev, Command::Resubmit, &applicant(), at(2025, 10, 13));
    // The resubmission restarts the window (ends 2025-10-20): a second notice on 10-14 is in
    // time but is a repeat.
    let c = ok(
        &mut ev,
        Command::RequestCorrection { defects: vec![] },
        &clerk(),
        at(2025, 10, 14),
    );
    assert_eq!(c.correction_notices, 2);
    assert!(matches!(
        last_kind(&ev),
        EventKind::CorrectionRequested {
            repeat: true,
            late: false,
            ..
        }
    ));
    assert!(last_kind(&ev)
        .label(&c.filing.item.wording())
        .contains("再次补正"));

    // A first notice after the window (Sat 2025-10-11, make-up working day) is late.
    let mut ev = file(promised_item(), Channel::Window, at(2025, 9, 26));
    ok(
        &mut ev,
        Command::RequestCorrection { defects: vec![] },
        &clerk(),
        at(2025, 10, 11),
    );
    assert!(matches!(
        last_kind(&ev),
        EventKind::CorrectionRequested {
            repeat: false,
            late: true,
            ..
        }
    ));
}

// ---------------------------------------------------------------------------------------------
// Acceptance
// ---------------------------------------------------------------------------------------------

#[test]
fn acceptance_refused_while_a_mandatory_material_is_not_received() {
    let mut ev = file(promised_item(), Channel::Window, at(2025, 9, 26));
    ok(
        &mut ev,
        mark(0, MaterialStatus::Received, ""),
        &clerk(),
        at(2025, 9, 26),
    );
    assert_eq!(
        err(&mut ev, Command::Accept, &clerk(), at(2025, 9, 26)),
        CaseError::MaterialMissing("申请表".into())
    );
    ok(
        &mut ev,
        mark(1, MaterialStatus::Defective, "未签字"),
        &clerk(),
        at(2025, 9, 26),
    );
    assert_eq!(
        err(&mut ev, Command::Accept, &clerk(), at(2025, 9, 26)),
        CaseError::MaterialMissing("申请表".into())
    );
    ok(
        &mut ev,
        mark(1, MaterialStatus::Received, ""),
        &clerk(),
        at(2025, 9, 26),
    );
    // The optional 户口簿 is not needed.
    let c = ok(&mut ev, Command::Accept, &clerk(), at(2025, 9, 26));
    assert_eq!(c.state, CaseState::InReview);
    assert_eq!(c.accepted_on, Some(ymd(2025, 9, 26)));
    assert!(matches!(
        last_kind(&ev),
        EventKind::Accepted {
            by_system: false,
            ..
        }
    ));
}

#[test]
fn refusal_needs_reasons_and_is_final() {
    let mut ev = file(promised_item(), Channel::Window, at(2025, 9, 26));
    assert_eq!(
        err(
            &mut ev,
            Command::Refuse {
                reasons: " ".into()
            },
            &clerk(),
            at(2025, 9, 26)
        ),
        CaseError::ReasonRequired("不予受理的理由")
    );
    assert_eq!(
        err(
            &mut ev,
            Command::Refuse {
                reasons: "不属于本机关职权范围".into()
            },
            &outsider(),
            at(2025, 9, 26)
        ),
        CaseError::NotAllowed("不予受理")
    );
    let c = ok(
        &mut ev,
        Command::Refuse {
            reasons: "不属于本机关职权范围".into(),
        },
        &clerk(),
        at(2025, 9, 26),
    );
    assert_eq!(c.state, CaseState::Refused);
    assert!(c.state.is_final());
}

#[test]
fn online_draft_is_submitted_by_the_applicant_only() {
    let mut ev = file(promised_item(), Channel::Online, at(2025, 9, 26));
    assert_eq!(case_of(&ev).state, CaseState::Draft);
    assert_eq!(case_of(&ev).deadlines.correction_due, None);
    // No clock runs on a draft.
    assert!(matches!(
        err(&mut ev, Command::AutoAccept, &system(), at(2025, 12, 1)),
        CaseError::WrongState { .. }
    ));
    assert_eq!(
        err(&mut ev, Command::Submit, &stranger(), at(2025, 9, 27)),
        CaseError::NotAllowed("提交")
    );
    assert_eq!(
        err(&mut ev, Command::Submit, &clerk(), at(2025, 9, 27)),
        CaseError::NotAllowed("提交")
    );
    // Nothing is received that was not sent: the mandatory materials are uploaded first, and the
    // refusal names each one still missing.
    assert_eq!(
        err(&mut ev, Command::Submit, &applicant(), at(2025, 9, 27)),
        CaseError::MaterialNotUploaded("居民身份证、申请表".into())
    );
    upload(&mut ev, 0, at(2025, 9, 27));
    assert_eq!(
        err(&mut ev, Command::Submit, &applicant(), at(2025, 9, 27)),
        CaseError::MaterialNotUploaded("申请表".into())
    );
    upload(&mut ev, 1, at(2025, 9, 27));
    // Submitted on Sat 09-27: the window still counts from the working day after.
    let c = ok(&mut ev, Command::Submit, &applicant(), at(2025, 9, 27));
    assert_eq!(c.state, CaseState::Submitted);
    assert_eq!(c.deadlines.correction_due, Some(ymd(2025, 10, 10)));
}

// ---------------------------------------------------------------------------------------------
// Immediate items (即办件)
// ---------------------------------------------------------------------------------------------

#[test]
fn immediate_item_is_accepted_and_completed_in_one_step() {
    let mut ev = file(immediate_item(), Channel::Window, at(2025, 9, 26));
    // Materials first.
    assert_eq!(
        err(
            &mut ev,
            Command::HandleImmediately { licence_no: None },
            &clerk(),
            at(2025, 9, 26)
        ),
        CaseError::MaterialMissing("居民身份证、申请表".into())
    );
    receive_mandatory(&mut ev, at(2025, 9, 26));
    // Not through the normal acceptance.
    assert_eq!(
        err(&mut ev, Command::Accept, &clerk(), at(2025, 9, 26)),
        CaseError::UseImmediate
    );
    assert_eq!(
        err(
            &mut ev,
            Command::HandleImmediately { licence_no: None },
            &outsider(),
            at(2025, 9, 26)
        ),
        CaseError::NotAllowed("当场办结")
    );
    let before = ev.len();
    let c = ok(
        &mut ev,
        Command::HandleImmediately {
            licence_no: Some("JB-1".into()),
        },
        &clerk(),
        at(2025, 9, 26),
    );
    let names: Vec<&str> = ev[before..].iter().map(|e| e.kind.name()).collect();
    assert_eq!(names, ["accepted", "decided", "delivered", "completed"]);
    assert_eq!(c.state, CaseState::Completed);
    assert_eq!(c.accepted_on, Some(ymd(2025, 9, 26)));
    assert_eq!(c.completed_on, Some(ymd(2025, 9, 26)));
    assert_eq!(c.granted, Some(true));
    assert_eq!(c.licence_no.as_deref(), Some("JB-1"));
    assert!(c
        .stages
        .iter()
        .all(|s| s.completed_on == Some(ymd(2025, 9, 26))));
    assert_eq!(verify_chain(&ev), Ok(()));
}

#[test]
fn normal_item_cannot_be_handled_immediately() {
    let mut ev = file(promised_item(), Channel::Window, at(2025, 9, 26));
    receive_mandatory(&mut ev, at(2025, 9, 26));
    assert_eq!(
        err(
            &mut ev,
            Command::HandleImmediately { licence_no: None },
            &clerk(),
            at(2025, 9, 26)
        ),
        CaseError::NotImmediate
    );
    let mut ev = file(joint_item(), Channel::Window, at(2025, 9, 26));
    receive_mandatory(&mut ev, at(2025, 9, 26));
    assert_eq!(
        err(
            &mut ev,
            Command::HandleImmediately { licence_no: None },
            &clerk(),
            at(2025, 9, 26)
        ),
        CaseError::NotImmediate
    );
}

#[test]
fn immediate_item_handled_on_a_weekend_has_working_day_deadlines() {
    // Sat 2025-09-27 (周末不打烊): the item is completed on the spot; its deadlines still fall
    // on a working day (Sun 09-28 is a make-up working day).
    let mut ev = file(immediate_item(), Channel::Window, at(2025, 9, 27));
    receive_mandatory(&mut ev, at(2025, 9, 27));
    let c = ok(
        &mut ev,
        Command::HandleImmediately { licence_no: None },
        &clerk(),
        at(2025, 9, 27),
    );
    assert_eq!(c.state, CaseState::Completed);
    assert_eq!(c.completed_on, Some(ymd(2025, 9, 27)));
    for d in [
        c.deadlines.statutory_due,
        c.deadlines.promised_due,
        c.deadlines.delivery_due,
    ] {
        assert_eq!(d, Some(ymd(2025, 9, 28)));
    }
}

#[test]
fn immediate_item_with_a_fee_goes_through_the_normal_path() {
    let mut ev = file(immediate_fee_item(), Channel::Window, at(2025, 9, 26));
    receive_mandatory(&mut ev, at(2025, 9, 26));
    // No fee can be taken before acceptance, so it cannot be completed on the spot ...
    assert!(matches!(
        err(
            &mut ev,
            Command::HandleImmediately { licence_no: None },
            &clerk(),
            at(2025, 9, 26)
        ),
        CaseError::FeeUnpaid { .. }
    ));
    // ... and must not be stuck: it is accepted normally, paid, decided and delivered.
    ok(&mut ev, Command::Accept, &clerk(), at(2025, 9, 26));
    let c = ok(&mut ev, assess_all(), &clerk(), at(2025, 9, 26));
    assert_eq!(c.fee_due_fen, 1500);
    ok(&mut ev, pay(1500), &clerk(), at(2025, 9, 26));
    ok(&mut ev, grant(), &head(), at(2025, 9, 26));
    let c = ok(&mut ev, deliver(), &clerk(), at(2025, 9, 26));
    assert_eq!(c.state, CaseState::Delivered);
}

fn upload(ev: &mut Vec<CaseEvent>, index: usize, when: chrono::DateTime<chrono::Utc>) {
    ok(
        ev,
        Command::UploadMaterial {
            index,
            sha256: format!("{index:064x}"),
        },
        &applicant(),
        when,
    );
}

#[test]
fn window_only_items_are_not_filed_online() {
    use yizhan_domain::catalog::OnlineLevel;
    assert!(!OnlineLevel::WindowOnly.may_file_online());
    assert!(OnlineLevel::FullOnline.may_file_online());
    assert!(OnlineLevel::OnlinePrereview.may_file_online());
}
