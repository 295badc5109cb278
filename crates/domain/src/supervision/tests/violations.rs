use super::*;

// -----------------------------------------------------------------------------------------
// Violations: one test that creates each, one that does not
// -----------------------------------------------------------------------------------------

use ViolationRule as R;

#[test]
fn a_clean_case_has_no_violations() {
    let l = completed(item());
    assert_eq!(l.violations(d(12, 31)), vec![]);
    let mut f = reviewed(single_fee_item());
    f.run(pay(1500), &clerk(), d(3, 5))
        .run(grant(), &head(), d(3, 6))
        .run(deliver(), &clerk(), d(3, 9))
        .run(Command::Complete, &clerk(), d(3, 9));
    assert_eq!(f.violations(d(12, 31)), vec![]);
}

#[test]
fn rules_have_unique_stable_codes_and_chinese_texts() {
    let codes: BTreeSet<&str> = R::ALL.iter().map(|r| r.code()).collect();
    assert_eq!(codes.len(), R::ALL.len());
    for r in R::ALL {
        assert!(r
            .code()
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_'));
        assert_eq!(R::parse(r.code()), Some(r));
        assert!(!r.label().is_empty() && !r.label().is_ascii());
        assert!(!r.description().is_empty() && !r.description().is_ascii());
        let json = serde_json::to_string(&r).expect("serializes");
        assert_eq!(json, format!("\"{}\"", r.code()));
    }
    assert_eq!(R::parse("nope"), None);
    assert_eq!(R::LogTampered.severity(), Severity::High);
    assert_eq!(Severity::Medium.label(), "一般");
}

#[test]
fn accepted_with_a_mandatory_material_missing() {
    // Only 身份证 received; the machine refuses to accept, so the acceptance is forged.
    let mut l = Log::file(item(), d(3, 2));
    l.run(mark(0), &clerk(), d(3, 2)).forge(
        clerk_ref(),
        EventKind::Accepted {
            accepted_on: d(3, 2),
            by_system: false,
            statutory_due: d(3, 30),
            promised_due: d(3, 16),
            started: vec![(0, d(3, 3))],
            fee_total_fen: 0,
        },
        d(3, 2),
    );
    let v = l.found(R::AcceptedMaterialMissing, d(3, 2));
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].seq, Some(l.last_seq()));
    assert!(v[0].detail.contains("申请表"));
    assert!(!v[0].detail.contains("居民身份证"));
}

#[test]
fn accepted_with_the_mandatory_materials_is_fine() {
    // The optional 户口簿 is still pending.
    let l = accepted(item(), d(3, 2));
    assert!(!l.has(R::AcceptedMaterialMissing, d(3, 2)));
    // Acceptance by operation of law is not the window accepting an incomplete file.
    let mut auto = Log::file(item(), d(3, 2));
    auto.run(Command::AutoAccept, &Actor::system(), d(3, 10));
    assert!(!auto.has(R::AcceptedMaterialMissing, d(3, 10)));
}

#[test]
fn a_repeat_correction_notice() {
    let mut l = Log::file(item(), d(3, 2));
    l.run(
        Command::RequestCorrection { defects: vec![] },
        &clerk(),
        d(3, 3),
    )
    .run(Command::Resubmit, &clerk(), d(3, 5))
    .run(
        Command::RequestCorrection { defects: vec![] },
        &clerk(),
        d(3, 6),
    );
    let v = l.found(R::RepeatCorrectionNotice, d(3, 6));
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].seq, Some(l.last_seq()));
    assert!(v[0].detail.contains("第2次"));

    // A legacy log without the `repeat` flag: the second notice still shows.
    let mut legacy = Log::file(item(), d(3, 2));
    let notice = |repeat| EventKind::CorrectionRequested {
        defects: vec![Defect {
            material: "申请表".into(),
            reason: "未提交".into(),
        }],
        repeat,
        late: false,
    };
    legacy
        .forge(clerk_ref(), notice(false), d(3, 3))
        .run(Command::Resubmit, &clerk(), d(3, 5))
        .forge(clerk_ref(), notice(false), d(3, 6));
    assert_eq!(legacy.found(R::RepeatCorrectionNotice, d(3, 6)).len(), 1);
}

#[test]
fn a_single_correction_notice_is_fine() {
    let mut l = Log::file(item(), d(3, 2));
    l.run(
        Command::RequestCorrection { defects: vec![] },
        &clerk(),
        d(3, 3),
    )
    .run(Command::Resubmit, &clerk(), d(3, 5));
    assert!(!l.has(R::RepeatCorrectionNotice, d(3, 5)));
    assert_eq!(l.violations(d(3, 5)), vec![]);
}

#[test]
fn a_correction_notice_after_five_working_days() {
    // Received 03-02: the window ends 03-09; the notice on 03-10.
    let mut l = Log::file(item(), d(3, 2));
    l.run(
        Command::RequestCorrection { defects: vec![] },
        &clerk(),
        d(3, 10),
    );
    assert!(matches!(
        l.ev.last().map(|e| &e.kind),
        Some(EventKind::CorrectionRequested { late: true, .. })
    ));
    let v = l.found(R::LateCorrectionNotice, d(3, 10));
    assert_eq!(v.len(), 1);
    assert!(v[0].detail.contains("超过1个工作日"), "{}", v[0].detail);
}

#[test]
fn a_correction_notice_on_the_last_day_is_fine() {
    let mut l = Log::file(item(), d(3, 2));
    l.run(
        Command::RequestCorrection { defects: vec![] },
        &clerk(),
        d(3, 9),
    );
    assert!(!l.has(R::LateCorrectionNotice, d(3, 9)));
}

#[test]
fn refusal_or_denial_without_reasons() {
    let mut refused = Log::file(item(), d(3, 2));
    refused.forge(
        clerk_ref(),
        EventKind::Refused {
            reasons: "  ".into(),
        },
        d(3, 3),
    );
    let v = refused.found(R::MissingReasons, d(3, 3));
    assert_eq!(v.len(), 1);
    assert!(v[0].detail.contains("不予受理"));

    let mut denied = reviewed(item());
    denied.forge(head_ref(), decided(false, "", d(3, 6)), d(3, 6));
    let v = denied.found(R::MissingReasons, d(3, 6));
    assert_eq!(v.len(), 1);
    assert!(v[0].detail.contains("不予许可"));
}

#[test]
fn refusal_or_denial_with_reasons_is_fine() {
    let mut refused = Log::file(item(), d(3, 2));
    refused.run(
        Command::Refuse {
            reasons: "不属于本机关职权范围".into(),
        },
        &clerk(),
        d(3, 3),
    );
    assert!(!refused.has(R::MissingReasons, d(3, 3)));
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
    assert!(!denied.has(R::MissingReasons, d(3, 6)));
    // A grant needs no reasons.
    assert!(!completed(item()).has(R::MissingReasons, d(3, 9)));
}

#[test]
fn a_fee_above_the_standard() {
    // Assessed 10.00 (工本费 once), 15.00 collected: forged, the machine refuses it.
    let mut l = reviewed(fee_item());
    l.run(
        Command::AssessFees {
            lines: vec![(0, 1)],
        },
        &clerk(),
        d(3, 5),
    )
    .forge(clerk_ref(), payment(1500), d(3, 5));
    let v = l.found(R::FeeAboveStandard, d(3, 5));
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].seq, Some(l.last_seq()));
    assert!(v[0].detail.contains("超收5.00元"), "{}", v[0].detail);

    // An assessment above its own lines' standards.
    let mut a = reviewed(fee_item());
    a.forge(
        clerk_ref(),
        EventKind::FeesAssessed {
            lines: vec![(0, 1)],
            total_fen: 3000,
        },
        d(3, 5),
    );
    assert_eq!(a.found(R::FeeAboveStandard, d(3, 5)).len(), 1);
    // A line naming no standard.
    let mut b = reviewed(fee_item());
    b.forge(
        clerk_ref(),
        EventKind::FeesAssessed {
            lines: vec![(7, 1)],
            total_fen: 100,
        },
        d(3, 5),
    );
    assert_eq!(b.found(R::FeeAboveStandard, d(3, 5)).len(), 1);
    // Paid before any assessment, above every standard once (15.00).
    let mut c = reviewed(fee_item());
    c.forge(clerk_ref(), payment(2000), d(3, 5));
    assert_eq!(c.found(R::FeeAboveStandard, d(3, 5)).len(), 1);
}

#[test]
fn fees_within_the_standard_are_fine() {
    let mut l = reviewed(fee_item());
    l.run(
        Command::AssessFees {
            lines: vec![(0, 2), (1, 1)],
        },
        &clerk(),
        d(3, 5),
    )
    .run(pay(1000), &clerk(), d(3, 5))
    .run(pay(1500), &clerk(), d(3, 5));
    assert!(!l.has(R::FeeAboveStandard, d(3, 5)));
    // Paid, refunded, paid again: the net never exceeds the assessment.
    let receipt_no = l.case().receipts[1].receipt_no.clone();
    l.run(
        Command::Refund {
            amount_fen: 500,
            reason: "多收".into(),
            receipt_no,
        },
        &clerk(),
        d(3, 5),
    )
    .run(pay(500), &clerk(), d(3, 5));
    assert_eq!(l.violations(d(3, 5)), vec![]);
}

#[test]
fn a_fee_for_a_free_item() {
    let mut l = reviewed(item());
    l.forge(clerk_ref(), payment(1000), d(3, 5));
    let v = l.violations(d(3, 5));
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].rule, R::FeeForFreeItem);
    let mut a = reviewed(item());
    a.forge(
        clerk_ref(),
        EventKind::FeesAssessed {
            lines: vec![],
            total_fen: 500,
        },
        d(3, 5),
    );
    assert_eq!(a.found(R::FeeForFreeItem, d(3, 5)).len(), 1);
}

#[test]
fn a_free_item_without_fees_is_fine() {
    let l = completed(item());
    assert!(!l.has(R::FeeForFreeItem, d(3, 9)));
    // A zero assessment on a free item charges nothing.
    let mut a = reviewed(item());
    a.forge(
        clerk_ref(),
        EventKind::FeesAssessed {
            lines: vec![],
            total_fen: 0,
        },
        d(3, 5),
    );
    assert!(!a.has(R::FeeForFreeItem, d(3, 5)));
}

#[test]
fn a_decision_without_the_review_stages() {
    // 现场核查 never done.
    let mut l = accepted(item(), d(3, 2));
    l.run(complete(0), &reviewer(), d(3, 3))
        .forge(head_ref(), decided(true, "", d(3, 4)), d(3, 4));
    let v = l.found(R::DecisionWithoutReview, d(3, 4));
    assert_eq!(v.len(), 1);
    assert!(v[0].detail.contains("现场核查"));
    assert!(!v[0].detail.contains("受理审查"));
    // Decided without even being accepted.
    let mut n = Log::file(item(), d(3, 2));
    n.forge(head_ref(), decided(true, "", d(3, 3)), d(3, 3));
    let v = n.found(R::DecisionWithoutReview, d(3, 3));
    assert_eq!(v.len(), 1);
    assert!(v[0].detail.contains("未经受理"));
}

#[test]
fn a_decision_after_review_is_fine() {
    let l = completed(item());
    assert!(!l.has(R::DecisionWithoutReview, d(3, 9)));
    // An immediate item's only stage is the decision itself.
    let mut i = Log::file(immediate_item(), d(3, 2));
    i.run(mark(0), &clerk(), d(3, 2))
        .run(mark(1), &clerk(), d(3, 2))
        .run(
            Command::HandleImmediately { licence_no: None },
            &clerk(),
            d(3, 2),
        );
    assert_eq!(i.violations(d(3, 2)), vec![]);
}

#[test]
fn a_change_after_completion() {
    let mut l = completed(item());
    l.forge(clerk_ref(), payment(100), d(3, 10));
    let v = l.found(R::ChangeAfterCompletion, d(3, 10));
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].seq, Some(l.last_seq()));
    assert!(v[0].detail.contains("办结"), "{}", v[0].detail);
    // After a refusal too.
    let mut r = Log::file(item(), d(3, 2));
    r.run(
        Command::Refuse {
            reasons: "不属于本机关职权范围".into(),
        },
        &clerk(),
        d(3, 3),
    )
    .forge(
        clerk_ref(),
        EventKind::Withdrawn {
            reason: String::new(),
        },
        d(3, 4),
    );
    assert_eq!(r.found(R::ChangeAfterCompletion, d(3, 4)).len(), 1);
}

#[test]
fn completion_as_the_last_event_is_fine() {
    let l = completed(item());
    assert!(!l.has(R::ChangeAfterCompletion, d(3, 9)));
    // Every command on a closed case is refused by the machine, so nothing follows.
    let mut l = l;
    assert!(l.try_run(pay(100), &clerk(), d(3, 10)).is_err());
    assert!(!l.has(R::ChangeAfterCompletion, d(3, 10)));
}

#[test]
fn a_suspension_without_written_notice() {
    let mut l = accepted(item(), d(3, 2));
    l.forge(
        who("李审批", Some(Role::Reviewer), TA),
        EventKind::Suspended {
            procedure: SpecialProcedure::Testing,
            reason: String::new(),
            expected_days: 0,
            on: d(3, 3),
        },
        d(3, 3),
    );
    let v = l.found(R::SuspensionWithoutNotice, d(3, 3));
    assert_eq!(v.len(), 1);
    assert!(v[0].detail.contains("理由和所需时间"), "{}", v[0].detail);
    let mut m = accepted(item(), d(3, 2));
    m.forge(
        who("李审批", Some(Role::Reviewer), TA),
        EventKind::Suspended {
            procedure: SpecialProcedure::Testing,
            reason: "检测".into(),
            expected_days: 0,
            on: d(3, 3),
        },
        d(3, 3),
    );
    assert_eq!(m.found(R::SuspensionWithoutNotice, d(3, 3)).len(), 1);
}

#[test]
fn a_suspension_with_notice_is_fine() {
    let mut l = accepted(item(), d(3, 2));
    l.run(suspend(), &reviewer(), d(3, 3));
    assert!(!l.has(R::SuspensionWithoutNotice, d(3, 3)));
}

#[test]
fn an_overdue_stage_completed_late_or_still_running() {
    // 受理审查 due 03-03, completed 03-05.
    let mut l = accepted(item(), d(3, 2));
    l.run(complete(0), &reviewer(), d(3, 5));
    let v = l.found(R::StageOverdue, d(3, 5));
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].seq, Some(l.last_seq()));
    assert!(v[0].detail.contains("受理审查") && v[0].detail.contains("超过2个工作日"));
    // 现场核查 started 03-05, due 03-10; still running on 03-11.
    let v = l.found(R::StageOverdue, d(3, 11));
    assert_eq!(v.len(), 2);
    assert_eq!(v[1].seq, None);
    assert!(v[1].detail.contains("现场核查"));
}

#[test]
fn a_stage_within_its_limit_is_fine() {
    let mut l = accepted(item(), d(3, 2));
    l.run(complete(0), &reviewer(), d(3, 3));
    // 现场核查 due 03-06: on the due day, not yet overdue.
    assert!(!l.has(R::StageOverdue, d(3, 6)));
    // Suspended before its due: the clock stopped, however late today is.
    l.run(suspend(), &reviewer(), d(3, 5));
    assert!(!l.has(R::StageOverdue, d(6, 30)));
    // A closed case is judged as of its end.
    let mut t = accepted(item(), d(3, 2));
    t.run(
        Command::Terminate {
            reason: "申请人死亡".into(),
        },
        &head(),
        d(3, 3),
    );
    assert!(!t.has(R::StageOverdue, d(6, 30)));
}

#[test]
fn a_decision_by_someone_not_allowed_to_decide() {
    let mut l = reviewed(item());
    l.forge(
        who("李审批", Some(Role::Reviewer), TA),
        decided(true, "", d(3, 6)),
        d(3, 6),
    );
    let v = l.found(R::UnauthorisedDecision, d(3, 6));
    assert_eq!(v.len(), 1);
    assert!(v[0].detail.contains("李审批"));
    // A department head of another place.
    let mut far = reviewed(item());
    far.forge(
        who("周科长", Some(Role::DepartmentHead), TB),
        decided(true, "", d(3, 6)),
        d(3, 6),
    );
    assert_eq!(far.found(R::UnauthorisedDecision, d(3, 6)).len(), 1);
    // A window clerk deciding a non-immediate item; the system.
    for by in [clerk_ref(), ActorRef::system()] {
        let mut c = reviewed(item());
        c.forge(by, decided(true, "", d(3, 6)), d(3, 6));
        assert_eq!(c.found(R::UnauthorisedDecision, d(3, 6)).len(), 1);
    }
}

#[test]
fn a_decision_by_the_department_head_or_an_immediate_window_is_fine() {
    assert!(!completed(item()).has(R::UnauthorisedDecision, d(3, 9)));
    let mut i = Log::file(immediate_item(), d(3, 2));
    i.run(mark(0), &clerk(), d(3, 2))
        .run(mark(1), &clerk(), d(3, 2))
        .run(
            Command::HandleImmediately { licence_no: None },
            &clerk(),
            d(3, 2),
        );
    assert!(!i.has(R::UnauthorisedDecision, d(3, 2)));
}

#[test]
fn the_statutory_deadline_exceeded() {
    // Due 03-30. Undecided on 03-31: shown as of today.
    let mut l = reviewed(item());
    let v = l.found(R::StatutoryDeadlineExceeded, d(3, 31));
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].seq, None);
    // Decided 04-01: shown by the decision.
    l.run(grant(), &head(), d(4, 1));
    let v = l.found(R::StatutoryDeadlineExceeded, d(4, 1));
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].seq, Some(l.last_seq()));
    assert!(v[0].detail.contains("超过2个工作日"), "{}", v[0].detail);
}

#[test]
fn a_decision_on_the_statutory_due_day_is_fine() {
    let mut l = reviewed(item());
    assert!(!l.has(R::StatutoryDeadlineExceeded, d(3, 30)));
    l.run(grant(), &head(), d(3, 30));
    assert!(!l.has(R::StatutoryDeadlineExceeded, d(4, 30)));
    // Suspended before the due: no time runs.
    let mut s = reviewed(item());
    s.run(suspend(), &reviewer(), d(3, 20));
    assert!(!s.has(R::StatutoryDeadlineExceeded, d(6, 30)));
}

#[test]
fn the_delivery_deadline_exceeded() {
    // Granted 03-06: due 03-20. Undelivered on 03-23, then delivered 03-24.
    let mut l = reviewed(item());
    l.run(grant(), &head(), d(3, 6));
    let v = l.found(R::DeliveryDeadlineExceeded, d(3, 23));
    assert_eq!((v.len(), v[0].seq), (1, None));
    l.run(deliver(), &clerk(), d(3, 24));
    let v = l.found(R::DeliveryDeadlineExceeded, d(3, 24));
    assert_eq!((v.len(), v[0].seq), (1, Some(l.last_seq())));
}

#[test]
fn delivery_on_time_is_fine() {
    let mut l = reviewed(item());
    l.run(grant(), &head(), d(3, 6));
    assert!(!l.has(R::DeliveryDeadlineExceeded, d(3, 20)));
    l.run(deliver(), &clerk(), d(3, 20));
    assert!(!l.has(R::DeliveryDeadlineExceeded, d(4, 30)));
}

#[test]
fn accepted_by_the_system_under_article_32() {
    let mut l = Log::file(item(), d(3, 2));
    l.run(Command::AutoAccept, &Actor::system(), d(3, 10));
    let v = l.found(R::AcceptedBySystem, d(3, 10));
    assert_eq!(v.len(), 1);
    assert!(v[0].detail.contains("2026-03-09"), "{}", v[0].detail);
}

#[test]
fn accepted_by_the_window_is_fine() {
    assert!(!accepted(item(), d(3, 2)).has(R::AcceptedBySystem, d(3, 2)));
}

#[test]
fn an_extension_after_the_deadline_passed() {
    let mut l = reviewed(item());
    l.run(extend(), &head(), d(3, 31));
    let v = l.found(R::ExtendedAfterDeadline, d(3, 31));
    assert_eq!(v.len(), 1);
    assert!(v[0].detail.contains("2026-03-30"));
    // Still flagged as undecided past the original deadline? No: the extension moved it.
    assert!(!l
        .found(R::StatutoryDeadlineExceeded, d(3, 31))
        .iter()
        .any(|v| v.seq.is_none()));
}

#[test]
fn an_extension_before_the_deadline_is_fine() {
    let mut l = reviewed(item());
    l.run(extend(), &head(), d(3, 30));
    assert!(!l.has(R::ExtendedAfterDeadline, d(3, 30)));
    assert_eq!(l.violations(d(3, 30)), vec![]);
}

#[test]
fn an_improper_extension() {
    let ext = |reason: &str| EventKind::Extended {
        days: 10,
        reason: reason.into(),
        statutory_due: d(4, 13),
        promised_due: d(3, 30),
    };
    let mut l = reviewed(item());
    l.forge(who("李审批", Some(Role::Reviewer), TA), ext(""), d(3, 10));
    let v = l.found(R::ImproperExtension, d(3, 10));
    assert_eq!(v.len(), 1);
    assert!(v[0].detail.contains("非部门负责人") && v[0].detail.contains("未说明"));
    // A second extension, even by the head with a reason.
    let mut twice = reviewed(item());
    twice
        .run(extend(), &head(), d(3, 10))
        .forge(head_ref(), ext("再延"), d(3, 11));
    let v = twice.found(R::ImproperExtension, d(3, 11));
    assert_eq!(v.len(), 1);
    assert!(v[0].detail.contains("重复延期"));
}

/// art. 42 para. 2: a joint item's extension approved by a department head is improper; by the
/// government head, fine.
#[test]
fn a_joint_items_extension_is_the_government_heads() {
    let ext = EventKind::Extended {
        days: 15,
        reason: "需联合踏勘".into(),
        statutory_due: d(4, 20),
        promised_due: d(4, 6),
    };
    let joint = || ItemTerms {
        kind: crate::catalog::ItemKind::Joint,
        ..item()
    };
    let mut by_head = reviewed(joint());
    by_head.forge(head_ref(), ext.clone(), d(3, 10));
    let v = by_head.found(R::ImproperExtension, d(3, 10));
    assert_eq!(v.len(), 1);
    assert!(v[0].detail.contains("而非政府负责人"), "{}", v[0].detail);
    let mut by_government = reviewed(joint());
    by_government.forge(
        who("孙副镇长", Some(Role::GovernmentHead), TA),
        ext,
        d(3, 10),
    );
    assert!(!by_government.has(R::ImproperExtension, d(3, 10)));
}

#[test]
fn an_extension_by_the_head_with_a_reason_is_fine() {
    let mut l = reviewed(item());
    l.run(extend(), &head(), d(3, 10));
    assert!(!l.has(R::ImproperExtension, d(3, 10)));
}

#[test]
fn delivered_with_the_fee_unpaid() {
    let mut l = reviewed(single_fee_item());
    l.run(grant(), &head(), d(3, 6)).forge(
        clerk_ref(),
        EventKind::Delivered {
            method: DeliveryMethod::Window,
            recipient: "张三".into(),
            on: d(3, 9),
            completes: vec![3],
        },
        d(3, 9),
    );
    let v = l.found(R::DeliveredFeeUnpaid, d(3, 9));
    assert_eq!(v.len(), 1);
    assert!(v[0].detail.contains("15.00"));
}

#[test]
fn delivered_after_payment_is_fine() {
    let mut l = reviewed(single_fee_item());
    l.run(grant(), &head(), d(3, 6))
        .run(pay(1500), &clerk(), d(3, 9))
        .run(deliver(), &clerk(), d(3, 9));
    assert!(!l.has(R::DeliveredFeeUnpaid, d(3, 9)));
    // A denial owes no delivery fee check.
    let mut n = reviewed(single_fee_item());
    n.run(
        Command::Decide {
            granted: false,
            reasons: "不符合条件".into(),
            licence_no: None,
        },
        &head(),
        d(3, 6),
    )
    .run(deliver(), &clerk(), d(3, 9));
    assert!(!n.has(R::DeliveredFeeUnpaid, d(3, 9)));
}

#[test]
fn a_tampered_log() {
    let mut l = completed(item());
    l.ev[3].comment.push_str("(改)");
    let v = l.found(R::LogTampered, d(3, 9));
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].seq, Some(4));
}

#[test]
fn an_intact_log_is_fine() {
    assert!(!completed(item()).has(R::LogTampered, d(3, 9)));
}

#[test]
fn violations_are_sorted_by_event_then_today() {
    // Late stage 0 (by event), then stage 1 and the statutory deadline as of today.
    let mut l = accepted(item(), d(3, 2));
    l.run(complete(0), &reviewer(), d(3, 5));
    let v = l.violations(d(4, 1));
    let got: Vec<(Option<u32>, R)> = v.iter().map(|v| (v.seq, v.rule)).collect();
    assert_eq!(
        got,
        vec![
            (Some(l.last_seq()), R::StageOverdue),
            (None, R::StageOverdue),
            (None, R::StatutoryDeadlineExceeded),
        ]
    );
}

/// What is found as each event is recorded (`violations_of_new_events`, stored for the subtree's
/// list) is exactly what the whole log shows at its events.
#[test]
fn violations_found_as_events_come_are_those_of_the_log() {
    let ext = |reason: &str| EventKind::Extended {
        days: 10,
        reason: reason.into(),
        statutory_due: d(4, 13),
        promised_due: d(3, 30),
    };
    let mut l = reviewed(fee_item());
    l.forge(who("李审批", Some(Role::Reviewer), TA), ext(""), d(3, 10))
        .forge(head_ref(), ext("再延"), d(3, 11))
        .forge(clerk_ref(), payment(999_999), d(3, 12));
    let whole: Vec<Violation> = l
        .violations(d(3, 12))
        .into_iter()
        .filter(|v| v.seq.is_some())
        .collect();
    assert!(whole.len() >= 3, "{whole:?}");
    let mut found = vec![];
    for i in 1..l.ev.len() {
        let before = Case::replay(&l.ev[..i]).unwrap();
        let after = Case::replay(&l.ev[..=i]).unwrap();
        found.extend(violations_of_new_events(
            &before,
            &after,
            &l.ev[i..=i],
            &cal(),
        ));
        // Several at once: the same as one by one.
        if i + 2 <= l.ev.len() {
            let two = Case::replay(&l.ev[..i + 2]).unwrap();
            let pair = violations_of_new_events(&before, &two, &l.ev[i..i + 2], &cal());
            let mut singly = violations_of_new_events(&before, &after, &l.ev[i..=i], &cal());
            singly.extend(violations_of_new_events(
                &after,
                &two,
                &l.ev[i + 1..i + 2],
                &cal(),
            ));
            assert_eq!(pair, singly);
        }
    }
    found.sort_by_key(|v| (v.seq, v.rule));
    assert_eq!(found, whole);
}
