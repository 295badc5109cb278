//! The case state machine (§3), review and decision: stages and parallel groups, decision and
//! delivery, the documents a case produces, withdrawal, termination and final states, and who
//! may act where.
//!
//! Each test here fails when its rule is removed from `decide`. Helpers are in `common`.

mod common;

use common::*;
use yizhan_domain::access::Role;
use yizhan_domain::case::*;
use yizhan_domain::region::Level;

// ---------------------------------------------------------------------------------------------
// Review, decision, delivery
// ---------------------------------------------------------------------------------------------

#[test]
fn decision_refused_while_review_stages_are_pending() {
    let mut ev = accepted(promised_item(), ymd(2025, 9, 26));
    assert_eq!(
        err(&mut ev, grant(), &head(), at(2025, 9, 29)),
        CaseError::StagesPending("受理审查、现场核查".into())
    );
    complete(0, MZ, &mut ev, at(2025, 9, 29));
    assert_eq!(
        err(&mut ev, grant(), &head(), at(2025, 9, 29)),
        CaseError::StagesPending("现场核查".into())
    );
    complete(1, MZ, &mut ev, at(2025, 9, 30));
    // The 决定 stage is never started by the review: the decision closes it.
    let c = case_of(&ev);
    assert_eq!(c.stages[2].started_on, None);
    assert_eq!(c.active_stages(), Vec::<usize>::new());
    let c = ok(&mut ev, grant(), &head(), at(2025, 9, 30));
    assert_eq!(c.state, CaseState::Decided);
    assert_eq!(c.granted, Some(true));
    assert_eq!(c.licence_no.as_deref(), Some("MZ-2025-001"));
    assert_eq!(c.stages[2].completed_on, Some(ymd(2025, 9, 30)));
    assert_eq!(c.stages[3].completed_on, None);
    // Delivery closes 制证; then the clerk completes the case.
    let c = ok(&mut ev, deliver(), &clerk(), at(2025, 10, 9));
    assert_eq!(c.state, CaseState::Delivered);
    assert_eq!(c.stages[3].completed_on, Some(ymd(2025, 10, 9)));
    let c = ok(&mut ev, Command::Complete, &clerk(), at(2025, 10, 9));
    assert_eq!(c.state, CaseState::Completed);
    assert_eq!(c.completed_on, Some(ymd(2025, 10, 9)));
    assert_eq!(verify_chain(&ev), Ok(()));
}

#[test]
fn denial_needs_reasons_and_has_no_delivery_deadline() {
    let mut ev = accepted(promised_item(), ymd(2025, 9, 26));
    complete(0, MZ, &mut ev, at(2025, 9, 29));
    complete(1, MZ, &mut ev, at(2025, 9, 30));
    let bare = Command::Decide {
        granted: false,
        reasons: "  ".into(),
        licence_no: None,
    };
    assert_eq!(
        err(&mut ev, bare, &head(), at(2025, 9, 30)),
        CaseError::ReasonRequired("不予许可的理由")
    );
    let deny = Command::Decide {
        granted: false,
        reasons: "不符合法定条件;可依法申请行政复议或提起行政诉讼".into(),
        licence_no: Some("X".into()),
    };
    let c = ok(&mut ev, deny, &head(), at(2025, 9, 30));
    assert_eq!(c.granted, Some(false));
    assert_eq!(c.licence_no, None);
    assert_eq!(c.deadlines.delivery_due, None);
}

#[test]
fn a_stage_not_approved_needs_an_opinion() {
    let mut ev = accepted(promised_item(), ymd(2025, 9, 26));
    let no = Command::CompleteStage {
        index: 0,
        approved: false,
        opinion: " ".into(),
    };
    assert_eq!(
        err(&mut ev, no, &reviewer(MZ), at(2025, 9, 29)),
        CaseError::ReasonRequired("不同意的理由")
    );
    // A stage that has not started cannot be completed.
    let later = Command::CompleteStage {
        index: 1,
        approved: true,
        opinion: String::new(),
    };
    assert_eq!(
        err(&mut ev, later, &reviewer(MZ), at(2025, 9, 29)),
        CaseError::NoSuchStage
    );
}

#[test]
fn parallel_group_starts_together_and_the_next_step_waits_for_all_of_it() {
    let mut ev = accepted(joint_item(), ymd(2025, 9, 26));
    assert_eq!(case_of(&ev).active_stages(), vec![0]);
    let c = complete(0, MZ, &mut ev, at(2025, 9, 29));
    // Both stages of group 1 started on 09-29 with their own dues (5: 09-30, 10-09, 10-10,
    // 10-11, 10-13).
    assert_eq!(c.active_stages(), vec![1, 2]);
    for i in [1, 2] {
        assert_eq!(c.stages[i].started_on, Some(ymd(2025, 9, 29)));
        assert_eq!(c.stages[i].due, Some(ymd(2025, 10, 13)));
    }
    // A reviewer of another department may not complete a stage that is not theirs.
    let fire = Command::CompleteStage {
        index: 2,
        approved: true,
        opinion: String::new(),
    };
    assert_eq!(
        err(&mut ev, fire.clone(), &reviewer(ZJ), at(2025, 10, 9)),
        CaseError::NotAllowed("完成审查环节")
    );
    assert_eq!(
        err(&mut ev, fire.clone(), &reviewer(MZ), at(2025, 10, 9)),
        CaseError::NotAllowed("完成审查环节")
    );
    let c = ok(&mut ev, fire, &reviewer(XF), at(2025, 10, 9));
    // One of the group is done: 联合会签 waits for the other, which keeps running as it was.
    assert_eq!(c.active_stages(), vec![1]);
    assert_eq!(
        (c.stages[1].started_on, c.stages[1].due),
        (Some(ymd(2025, 9, 29)), Some(ymd(2025, 10, 13)))
    );
    assert_eq!(c.stages[3].started_on, None);
    assert_eq!(
        err(&mut ev, grant(), &head(), at(2025, 10, 9)),
        CaseError::StagesPending("住建现场核查、联合会签".into())
    );
    let c = complete(1, ZJ, &mut ev, at(2025, 10, 10));
    assert_eq!(c.active_stages(), vec![3]);
    assert_eq!(c.stages[3].started_on, Some(ymd(2025, 10, 10)));
    assert_eq!(
        err(&mut ev, grant(), &head(), at(2025, 10, 10)),
        CaseError::StagesPending("联合会签".into())
    );
    complete(3, MZ, &mut ev, at(2025, 10, 13));
    let c = ok(&mut ev, grant(), &head(), at(2025, 10, 13));
    assert_eq!(c.state, CaseState::Decided);
}

// ---------------------------------------------------------------------------------------------
// Withdrawal, termination, final states
// ---------------------------------------------------------------------------------------------

#[test]
fn withdrawal_by_the_applicant() {
    let mut ev = accepted(promised_item(), ymd(2025, 9, 26));
    assert_eq!(
        err(
            &mut ev,
            Command::Withdraw {
                reason: "不再需要".into()
            },
            &stranger(),
            at(2025, 9, 29)
        ),
        CaseError::NotAllowed("撤回")
    );
    assert_eq!(
        err(
            &mut ev,
            Command::Withdraw {
                reason: "不再需要".into()
            },
            &reviewer(MZ),
            at(2025, 9, 29)
        ),
        CaseError::NotAllowed("撤回")
    );
    let c = ok(
        &mut ev,
        Command::Withdraw {
            reason: "不再需要".into(),
        },
        &applicant(),
        at(2025, 9, 29),
    );
    assert_eq!(c.state, CaseState::Withdrawn);
    assert_eq!(c.completed_on, Some(ymd(2025, 9, 29)));
    assert_eq!(ev.last().unwrap().actor.role, Some(Role::Applicant));

    // Not once decided.
    let mut ev = accepted(promised_item(), ymd(2025, 9, 26));
    complete(0, MZ, &mut ev, at(2025, 9, 29));
    complete(1, MZ, &mut ev, at(2025, 9, 29));
    ok(&mut ev, grant(), &head(), at(2025, 9, 30));
    assert!(matches!(
        err(
            &mut ev,
            Command::Withdraw {
                reason: String::new()
            },
            &applicant(),
            at(2025, 9, 30)
        ),
        CaseError::WrongState { .. }
    ));
}

#[test]
fn termination_by_the_department_head() {
    let mut ev = accepted(promised_item(), ymd(2025, 9, 26));
    let stop = || Command::Terminate {
        reason: "申请人死亡".into(),
    };
    for who in [clerk(), reviewer(MZ), other_head(), far_head(), applicant()] {
        assert_eq!(
            err(&mut ev, stop(), &who, at(2025, 9, 29)),
            CaseError::NotAllowed("终止"),
            "{}",
            who.name
        );
    }
    assert_eq!(
        err(
            &mut ev,
            Command::Terminate { reason: "".into() },
            &head(),
            at(2025, 9, 29)
        ),
        CaseError::ReasonRequired("终止理由")
    );
    let c = ok(&mut ev, stop(), &head(), at(2025, 9, 29));
    assert_eq!(c.state, CaseState::Terminated);
}

#[test]
fn nothing_changes_a_final_case() {
    let mut finals = vec![];
    // Completed (immediate and normal), refused, withdrawn, terminated.
    let mut ev = file(immediate_item(), Channel::Window, at(2025, 9, 26));
    receive_mandatory(&mut ev, at(2025, 9, 26));
    ok(
        &mut ev,
        Command::HandleImmediately { licence_no: None },
        &clerk(),
        at(2025, 9, 26),
    );
    finals.push(ev);
    let mut ev = accepted(fee_item(), ymd(2025, 9, 26));
    ok(&mut ev, assess_all(), &clerk(), at(2025, 9, 26));
    ok(&mut ev, pay(1500), &clerk(), at(2025, 9, 26));
    complete(0, MZ, &mut ev, at(2025, 9, 29));
    complete(1, MZ, &mut ev, at(2025, 9, 29));
    ok(&mut ev, grant(), &head(), at(2025, 9, 30));
    ok(&mut ev, deliver(), &clerk(), at(2025, 9, 30));
    ok(&mut ev, Command::Complete, &clerk(), at(2025, 9, 30));
    finals.push(ev);
    let mut ev = file(promised_item(), Channel::Window, at(2025, 9, 26));
    ok(
        &mut ev,
        Command::Refuse {
            reasons: "不属于受理范围".into(),
        },
        &clerk(),
        at(2025, 9, 26),
    );
    finals.push(ev);
    let mut ev = file(promised_item(), Channel::Online, at(2025, 9, 26));
    ok(
        &mut ev,
        Command::Withdraw {
            reason: String::new(),
        },
        &applicant(),
        at(2025, 9, 26),
    );
    finals.push(ev);
    let mut ev = accepted(single_fee_item(), ymd(2025, 9, 26));
    ok(&mut ev, pay(500), &clerk(), at(2025, 9, 26));
    ok(&mut ev, suspend(), &reviewer(MZ), at(2025, 9, 29));
    ok(
        &mut ev,
        Command::Terminate {
            reason: "申请人主体资格消灭".into(),
        },
        &head(),
        at(2025, 9, 30),
    );
    finals.push(ev);

    let states: Vec<CaseState> = finals.iter().map(|e| case_of(e).state).collect();
    assert_eq!(
        states,
        [
            CaseState::Completed,
            CaseState::Completed,
            CaseState::Refused,
            CaseState::Withdrawn,
            CaseState::Terminated
        ]
    );
    for mut ev in finals {
        let before = case_of(&ev);
        for cmd in every_command() {
            for who in every_actor() {
                for day in [at(2025, 9, 30), at(2025, 12, 31)] {
                    let e = err(&mut ev, cmd.clone(), &who, day);
                    assert!(
                        matches!(e, CaseError::WrongState { .. }),
                        "{} by {} on a {:?} case: {e:?}",
                        cmd.name(),
                        who.name,
                        before.state
                    );
                }
            }
        }
        assert_eq!(case_of(&ev), before);
    }
}

// ---------------------------------------------------------------------------------------------
// Who may act where
// ---------------------------------------------------------------------------------------------

#[test]
fn wrong_role_wrong_place_wrong_department_are_not_allowed() {
    let mut ev = file(promised_item(), Channel::Window, at(2025, 9, 26));
    // Window work: only a clerk of the accepting township.
    for who in [outsider(), reviewer(MZ), head(), applicant(), system()] {
        assert_eq!(
            err(
                &mut ev,
                mark(0, MaterialStatus::Received, ""),
                &who,
                at(2025, 9, 26)
            ),
            CaseError::NotAllowed("核验材料"),
            "{}",
            who.name
        );
    }
    receive_mandatory(&mut ev, at(2025, 9, 26));
    for who in [
        outsider(),
        reviewer(MZ),
        head(),
        applicant(),
        stranger(),
        system(),
    ] {
        assert_eq!(
            err(&mut ev, Command::Accept, &who, at(2025, 9, 26)),
            CaseError::NotAllowed("受理"),
            "{}",
            who.name
        );
        assert_eq!(
            err(
                &mut ev,
                Command::RequestCorrection { defects: vec![] },
                &who,
                at(2025, 9, 26)
            ),
            CaseError::NotAllowed("发出补正通知"),
            "{}",
            who.name
        );
    }
    ok(&mut ev, Command::Accept, &clerk(), at(2025, 9, 26));

    // Review: a reviewer (or head) of the stage's department at the place.
    let first = Command::CompleteStage {
        index: 0,
        approved: true,
        opinion: String::new(),
    };
    let far_reviewer = person(
        3999,
        "乙镇审批",
        vec![role(Role::Reviewer, TOWNSHIP_B, Level::Township, Some(MZ))],
    );
    for who in [
        clerk(),
        outsider(),
        reviewer(ZJ),
        reviewer(XF),
        far_reviewer,
        other_head(),
        applicant(),
        system(),
    ] {
        assert_eq!(
            err(&mut ev, first.clone(), &who, at(2025, 9, 29)),
            CaseError::NotAllowed("完成审查环节"),
            "{}",
            who.name
        );
    }
    complete(0, MZ, &mut ev, at(2025, 9, 29));
    ok(
        &mut ev,
        Command::CompleteStage {
            index: 1,
            approved: true,
            opinion: String::new(),
        },
        &head(),
        at(2025, 9, 29),
    );

    // Decision: the head of the item's department at the deciding place.
    for who in [
        clerk(),
        reviewer(MZ),
        other_head(),
        far_head(),
        applicant(),
        system(),
    ] {
        assert_eq!(
            err(&mut ev, grant(), &who, at(2025, 9, 30)),
            CaseError::NotAllowed("作出决定"),
            "{}",
            who.name
        );
    }
    ok(&mut ev, grant(), &head(), at(2025, 9, 30));
    // Delivery: a clerk of the place (or the applicant's village agent), nobody else.
    for who in [outsider(), head(), reviewer(MZ), applicant(), system()] {
        assert_eq!(
            err(&mut ev, deliver(), &who, at(2025, 10, 9)),
            CaseError::NotAllowed("送达"),
            "{}",
            who.name
        );
    }
    let agent = person(
        5001,
        "村代办员",
        vec![role(Role::VillageAgent, VILLAGE_A, Level::Village, None)],
    );
    ok(&mut ev, deliver(), &agent, at(2025, 10, 9));
}

#[test]
fn a_departmental_role_without_a_department_is_not_a_wildcard() {
    let mut ev = accepted(promised_item(), ymd(2025, 9, 26));
    let vague_reviewer = person(
        3998,
        "无部门审批",
        vec![role(Role::Reviewer, TOWNSHIP_A, Level::Township, None)],
    );
    let vague_head = person(
        4998,
        "无部门负责人",
        vec![role(
            Role::DepartmentHead,
            TOWNSHIP_A,
            Level::Township,
            None,
        )],
    );
    let first = Command::CompleteStage {
        index: 0,
        approved: true,
        opinion: String::new(),
    };
    assert_eq!(
        err(&mut ev, first, &vague_reviewer, at(2025, 9, 29)),
        CaseError::NotAllowed("完成审查环节")
    );
    assert_eq!(
        err(&mut ev, extend(), &vague_head, at(2025, 9, 29)),
        CaseError::NotAllowed("延期")
    );
}

#[test]
fn a_county_clerk_covers_its_townships() {
    // Roles are scoped to a subtree: a clerk of the county above 甲镇 may act there.
    let county_clerk = person(
        2999,
        "区窗口",
        vec![role(Role::WindowClerk, "330102000000", Level::County, None)],
    );
    let mut ev = file(promised_item(), Channel::Window, at(2025, 9, 26));
    ok(
        &mut ev,
        mark(0, MaterialStatus::Received, ""),
        &county_clerk,
        at(2025, 9, 26),
    );
}

/// The documents a case has produced follow its events, each dated by the event that issued it.
#[test]
fn documents_appear_as_their_events_happen_and_carry_their_dates() {
    use yizhan_domain::notices::{document_date, documents};
    let keys = |c: &Case| documents(c).iter().map(|(k, _)| *k).collect::<Vec<_>>();
    let day = ymd(2025, 3, 3);
    let filed = file(promised_item(), Channel::Window, on(day));
    let c = case_of(&filed);
    assert_eq!(keys(&c), ["slip"]);
    assert_eq!(document_date(&c, &filed, "slip"), c.received_on);

    let mut ev = accepted(promised_item(), day);
    let c = case_of(&ev);
    assert_eq!(keys(&c), ["slip", "acceptance"]);
    assert_eq!(document_date(&c, &ev, "acceptance"), Some(day));

    let later = ymd(2025, 3, 5);
    let c = ok(&mut ev, extend(), &head(), on(later));
    assert!(keys(&c).contains(&"extension"));
    assert_eq!(document_date(&c, &ev, "extension"), Some(later));
    assert!(
        !keys(&c).contains(&"decision"),
        "no decision before one is made"
    );
}
