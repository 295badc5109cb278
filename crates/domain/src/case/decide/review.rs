//! Deciding the commands of review: stages, special procedures, extension and the decision.

use super::*;
use CaseState as S;

/// 完成审查环节: `Command::CompleteStage`.
pub(super) fn complete_stage(
    cx: &Ctx<'_>,
    index: usize,
    approved: bool,
    opinion: &str,
) -> Result<Decision, CaseError> {
    let case = cx.case;
    let today = cx.today;
    let cal = cx.cal;
    let actor = cx.actor;
    let cmd = cx.cmd;
    if case.state != S::InReview {
        return Err(cx.wrong());
    }
    let stage = case
        .stages
        .get(index)
        .filter(|s| s.is_active())
        .ok_or(CaseError::NoSuchStage)?;
    let at = case.stage_place(index);
    let a = cx.as_staff(
        &[Role::Reviewer, Role::DepartmentHead],
        at,
        Some(&stage.department),
    )?;
    // In a two-level case each level does its own stages: a county reviewer's subtree
    // covers the township, but the township's first review (初审) is the township's.
    if case.is_two_level()
        && !actor.roles.iter().any(|r| {
            matches!(r.role, Role::Reviewer | Role::DepartmentHead)
                && r.level == at.implied_level()
                && r.region.contains(r.level, at)
                && r.department.as_deref() == Some(stage.department.as_str())
        })
    {
        return Err(CaseError::NotAllowed(cmd.verb()));
    }
    if !approved {
        need_reason(opinion, "不同意的理由")?;
    }
    let started = case
        .next_step(&[index])
        .into_iter()
        .map(|i| {
            (
                i,
                cal.add_working_days(today, case.stages[i].limit_days.max(1)),
            )
        })
        .collect();
    one(
        a,
        EventKind::StageCompleted {
            index,
            approved,
            opinion: opinion.trim().to_string(),
            on: today,
            started,
        },
    )
}

/// 进入特别程序: `Command::Suspend`.
pub(super) fn suspend(
    cx: &Ctx<'_>,
    procedure: SpecialProcedure,
    reason: &str,
    expected_days: u32,
) -> Result<Decision, CaseError> {
    let case = cx.case;
    let f = cx.f;
    let today = cx.today;
    if case.state != S::InReview {
        return Err(cx.wrong());
    }
    let a = cx
        .as_staff(
            &[Role::Reviewer, Role::DepartmentHead],
            &f.decide_place,
            None,
        )
        .or_else(|_| cx.as_staff(&[Role::Reviewer, Role::DepartmentHead], &f.place, None))?;
    need_reason(reason, "进入特别程序的理由")?;
    if expected_days == 0 {
        return Err(CaseError::ReasonRequired("特别程序的预计时长"));
    }
    one(
        a,
        EventKind::Suspended {
            procedure,
            reason: reason.trim().to_string(),
            expected_days,
            on: today,
        },
    )
}

/// 结束特别程序: `Command::Resume`.
pub(super) fn resume(cx: &Ctx<'_>) -> Result<Decision, CaseError> {
    let case = cx.case;
    let f = cx.f;
    let today = cx.today;
    let cal = cx.cal;
    if case.state != S::Suspended {
        return Err(cx.wrong());
    }
    let a = cx
        .as_staff(
            &[Role::Reviewer, Role::DepartmentHead],
            &f.decide_place,
            None,
        )
        .or_else(|_| cx.as_staff(&[Role::Reviewer, Role::DepartmentHead], &f.place, None))?;
    let from = case.suspended_on.unwrap_or(today);
    let shift = cal.working_days_between(from, today).max(0) as u32;
    let mv = |d: Option<NaiveDate>| d.map(|d| cal.add_working_days(d, shift));
    let deadlines = Deadlines {
        correction_due: mv(case.deadlines.correction_due),
        statutory_due: mv(case.deadlines.statutory_due),
        promised_due: mv(case.deadlines.promised_due),
        delivery_due: mv(case.deadlines.delivery_due),
        first_review_due: mv(case.deadlines.first_review_due),
    };
    let stage_dues = case
        .stages
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_active())
        .filter_map(|(i, s)| s.due.map(|d| (i, cal.add_working_days(d, shift))))
        .collect();
    one(
        a,
        EventKind::Resumed {
            on: today,
            shift_days: shift,
            deadlines,
            stage_dues,
        },
    )
}

/// 延期: `Command::Extend`.
pub(super) fn extend(cx: &Ctx<'_>, reason: &str) -> Result<Decision, CaseError> {
    let case = cx.case;
    let f = cx.f;
    let cal = cx.cal;
    // art. 42: the head of the deciding body approves; for a joint item, the head of the people's
    // government at that level (para. 2). A department head asking for one is told so.
    let approver = f.item.extension_approver();
    let department = (approver == Role::DepartmentHead).then_some(f.item.department.as_str());
    let a = match cx.as_staff(&[approver], &f.decide_place, department) {
        Ok(a) => a,
        Err(_) if approver == Role::GovernmentHead && cx.head().is_ok() => {
            return Err(CaseError::GovernmentHeadRequired)
        }
        Err(e) => return Err(e),
    };
    if !matches!(case.state, S::InReview | S::Suspended) {
        return Err(cx.wrong());
    }
    if case.extended {
        return Err(CaseError::AlreadyExtended);
    }
    need_reason(reason, "延期理由")?;
    let days = f.item.extension_days();
    let (Some(s), Some(p)) = (case.deadlines.statutory_due, case.deadlines.promised_due) else {
        return Err(cx.wrong());
    };
    one(
        a,
        EventKind::Extended {
            days,
            reason: reason.trim().to_string(),
            statutory_due: cal.add_working_days(s, days),
            promised_due: cal.add_working_days(p, days),
        },
    )
}

/// 作出决定: `Command::Decide`.
pub(super) fn decide(
    cx: &Ctx<'_>,
    granted: bool,
    reasons: &str,
    licence_no: Option<&str>,
) -> Result<Decision, CaseError> {
    let case = cx.case;
    let today = cx.today;
    let cal = cx.cal;
    let a = cx.head()?;
    if case.state != S::InReview {
        return Err(cx.wrong());
    }
    let pending = case.review_stages_pending();
    if !pending.is_empty() {
        return Err(CaseError::StagesPending(pending.join("、")));
    }
    // A joint decision waits for every part; any part's denial denies, with every
    // department's reasons combined into the one result.
    let denials: Vec<String> = case
        .stages
        .iter()
        .filter(|s| s.approved == Some(false))
        .map(|s| format!("{}:{}", s.name, s.opinion))
        .collect();
    if granted && !denials.is_empty() {
        return Err(CaseError::PartsDenied);
    }
    let reasons = if granted || denials.is_empty() {
        reasons.trim().to_string()
    } else {
        let own = reasons.trim();
        let mut all = denials.join(";");
        if !own.is_empty() {
            all = format!("{own};{all}");
        }
        all
    };
    if !granted {
        need_reason(&reasons, "不予许可的理由")?;
    }
    let completes = after_decision(&case.stages).into_iter().collect();
    let delivery_due = granted.then(|| cal.add_working_days(today, DELIVERY_LIMIT_DAYS));
    let licence = if granted {
        licence_no
            .map(str::to_owned)
            .filter(|l| !l.trim().is_empty())
    } else {
        None
    };
    one(
        a,
        EventKind::Decided {
            granted,
            reasons,
            licence_no: licence,
            on: today,
            delivery_due,
            completes,
        },
    )
}
