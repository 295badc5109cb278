//! Deciding the commands up to acceptance: drafts, submission, materials, correction, refusal,
//! acceptance and forwarding.

use super::*;
use CaseState as S;

/// 修改草稿: `Command::UpdateDraft`.
pub(super) fn update_draft(
    cx: &Ctx<'_>,
    applicant: &Applicant,
    form: &serde_json::Value,
) -> Result<Decision, CaseError> {
    let case = cx.case;
    let a = cx.as_applicant()?;
    if case.state != S::Draft {
        return Err(cx.wrong());
    }
    one(
        a,
        EventKind::DraftUpdated {
            applicant: applicant.clone(),
            form: form.clone(),
        },
    )
}

/// 提交: `Command::Submit`.
pub(super) fn submit(cx: &Ctx<'_>) -> Result<Decision, CaseError> {
    let case = cx.case;
    let today = cx.today;
    let cal = cx.cal;
    let a = cx.as_applicant()?;
    if case.state != S::Draft {
        return Err(cx.wrong());
    }
    // Nothing is "received" that was not sent: every mandatory material is uploaded first.
    let missing = case.materials_not_provided();
    if !missing.is_empty() {
        return Err(CaseError::MaterialNotUploaded(missing.join("、")));
    }
    one(
        a,
        EventKind::Submitted {
            received_on: today,
            correction_due: cal.add_working_days(today, CORRECTION_LIMIT_DAYS),
        },
    )
}

/// 上传材料: `Command::UploadMaterial`.
pub(super) fn upload_material(
    cx: &Ctx<'_>,
    index: usize,
    sha256: &str,
) -> Result<Decision, CaseError> {
    let case = cx.case;
    let a = cx.as_applicant().or_else(|_| cx.window())?;
    if !matches!(case.state, S::Draft | S::Submitted | S::CorrectionRequested) {
        return Err(cx.wrong());
    }
    if index >= case.materials.len() {
        return Err(CaseError::NoSuchMaterial);
    }
    one(
        a,
        EventKind::MaterialUploaded {
            index,
            sha256: sha256.to_owned(),
        },
    )
}

/// 核验材料: `Command::MarkMaterial`.
pub(super) fn mark_material(
    cx: &Ctx<'_>,
    index: usize,
    status: MaterialStatus,
    reason: &str,
) -> Result<Decision, CaseError> {
    let case = cx.case;
    let a = cx.window()?;
    if case.state != S::Submitted {
        return Err(cx.wrong());
    }
    if index >= case.materials.len() {
        return Err(CaseError::NoSuchMaterial);
    }
    if status == MaterialStatus::Defective {
        need_reason(reason, "材料问题说明")?;
    }
    one(
        a,
        EventKind::MaterialMarked {
            index,
            status,
            reason: reason.trim().to_string(),
        },
    )
}

/// 发出补正通知: `Command::RequestCorrection`.
pub(super) fn request_correction(cx: &Ctx<'_>, defects: &[Defect]) -> Result<Decision, CaseError> {
    let case = cx.case;
    let today = cx.today;
    let a = cx.window()?;
    if case.state != S::Submitted {
        return Err(cx.wrong());
    }
    // 一次性告知: the notice names every known problem, whatever the clerk wrote by hand.
    let known = case
        .materials
        .iter()
        .filter(|m| {
            m.status == MaterialStatus::Defective
                || (m.mandatory && m.status == MaterialStatus::Pending)
        })
        .map(|m| Defect {
            material: m.name.clone(),
            reason: if m.status == MaterialStatus::Defective {
                m.reason.clone()
            } else {
                "未提交".into()
            },
        });
    let mut defects = defects.to_owned();
    for k in known {
        if !defects.iter().any(|d| d.material == k.material) {
            defects.push(k);
        }
    }
    if defects.is_empty()
        || defects
            .iter()
            .any(|d| d.material.trim().is_empty() || d.reason.trim().is_empty())
    {
        return Err(CaseError::NoDefects);
    }
    let late = case.deadlines.correction_due.is_some_and(|d| today > d);
    one(
        a,
        EventKind::CorrectionRequested {
            defects,
            repeat: case.correction_notices > 0,
            late,
        },
    )
}

/// 重新提交: `Command::Resubmit`.
pub(super) fn resubmit(cx: &Ctx<'_>) -> Result<Decision, CaseError> {
    let case = cx.case;
    let today = cx.today;
    let cal = cx.cal;
    let a = cx.as_applicant().or_else(|_| cx.window())?;
    if case.state != S::CorrectionRequested {
        return Err(cx.wrong());
    }
    one(
        a,
        EventKind::Resubmitted {
            received_on: today,
            correction_due: cal.add_working_days(today, CORRECTION_LIMIT_DAYS),
        },
    )
}

/// 不予受理: `Command::Refuse`.
pub(super) fn refuse(cx: &Ctx<'_>, reasons: &str) -> Result<Decision, CaseError> {
    let case = cx.case;
    let a = cx.window()?;
    if !matches!(case.state, S::Submitted | S::CorrectionRequested) {
        return Err(cx.wrong());
    }
    need_reason(reasons, "不予受理的理由")?;
    one(
        a,
        EventKind::Refused {
            reasons: reasons.trim().to_string(),
        },
    )
}

/// 受理: `Command::Accept` (and `AutoAccept`, the same path for the system).
pub(super) fn accept(cx: &Ctx<'_>) -> Result<Decision, CaseError> {
    let case = cx.case;
    let f = cx.f;
    let today = cx.today;
    let cal = cx.cal;
    let actor = cx.actor;
    let cmd = cx.cmd;
    let (a, by_system, accepted_on) = if matches!(cmd, Command::AutoAccept) {
        if !actor.system {
            return Err(CaseError::NotAllowed(cmd.verb()));
        }
        // art. 32: only once the correction window has passed, and as of the day of receipt.
        match (case.state, case.deadlines.correction_due, case.received_on) {
            (S::Submitted, Some(due), Some(received)) if today > due => {
                (ActorRef::system(), true, received)
            }
            _ => return Err(cx.wrong()),
        }
    } else {
        let a = cx.window()?;
        if case.state != S::Submitted {
            return Err(cx.wrong());
        }
        // Immediate items with a fee cannot be handled on the spot (no fee before acceptance).
        if f.item.kind == ItemKind::Immediate && f.item.fee_total() == 0 {
            return Err(CaseError::UseImmediate);
        }
        let missing = case.missing_materials();
        if !missing.is_empty() {
            return Err(CaseError::MaterialMissing(missing.join("、")));
        }
        (a, false, today)
    };
    let statutory_due = cal.add_working_days(accepted_on, f.item.statutory_days());
    let promised_due = cal.add_working_days(
        accepted_on,
        f.item.promised_limit_days.clamp(1, f.item.statutory_days()),
    );
    let started = case
        .next_step(&[])
        .into_iter()
        .map(|i| {
            (
                i,
                cal.add_working_days(accepted_on, case.stages[i].limit_days.max(1)),
            )
        })
        .collect();
    // With one standard the fee is known; with several, the window assesses which apply.
    let fee_total_fen = if f.item.fees.len() == 1 {
        f.item.fees[0].amount_fen
    } else {
        0
    };
    // A leading stage that *is* the acceptance (named …受理) is closed by accepting.
    let closes_first = !by_system
        && case
            .stages
            .first()
            .is_some_and(|s| s.name.ends_with("受理"));
    let started: Vec<(usize, NaiveDate)> = if closes_first {
        vec![(0, accepted_on)]
    } else {
        started
    };
    let mut events = vec![EventKind::Accepted {
        accepted_on,
        by_system,
        statutory_due,
        promised_due,
        started,
        fee_total_fen,
    }];
    if closes_first {
        let next = case
            .next_step(&[0])
            .into_iter()
            .map(|i| {
                (
                    i,
                    cal.add_working_days(accepted_on, case.stages[i].limit_days.max(1)),
                )
            })
            .collect();
        events.push(EventKind::StageCompleted {
            index: 0,
            approved: true,
            opinion: "材料齐全,予以受理".into(),
            on: accepted_on,
            started: next,
        });
    }
    if case.is_two_level() {
        // The law allows the lower level 20 working days, but never past the promise made
        // for the whole case.
        events.push(EventKind::FirstReviewStarted {
            due: cal
                .add_working_days(accepted_on, FIRST_REVIEW_DAYS)
                .min(promised_due),
        });
    }
    Ok(Decision { events, actor: a })
}

/// 转办或报送上级: `Command::Forward`.
pub(super) fn forward(cx: &Ctx<'_>, reason: &str) -> Result<Decision, CaseError> {
    let case = cx.case;
    let f = cx.f;
    let today = cx.today;
    let cal = cx.cal;
    match case.state {
        // 转办 before acceptance: to the center one level up, which takes it into its queue.
        S::Submitted => {
            let a = cx.window()?;
            need_reason(reason, "转办理由")?;
            let level = f.place.implied_level();
            let up = match level {
                crate::region::Level::City => return Err(CaseError::NoHigherLevel),
                crate::region::Level::County => crate::region::Level::City,
                crate::region::Level::Township => crate::region::Level::County,
                crate::region::Level::Village => crate::region::Level::Township,
            };
            one(
                a,
                EventKind::Transferred {
                    from: f.place.clone(),
                    to: f.place.ancestor(up),
                    reason: reason.trim().to_string(),
                },
            )
        }
        // 转报 after the first review (art. 43).
        S::InReview if case.is_two_level() && case.forwarded_on.is_none() => {
            let a = cx.as_staff(&[Role::WindowClerk, Role::DepartmentHead], &f.place, None)?;
            let pending: Vec<String> = case.stages[..case.place_stage_count()]
                .iter()
                .filter(|s| s.completed_on.is_none())
                .map(|s| s.name.clone())
                .collect();
            if !pending.is_empty() {
                return Err(CaseError::FirstReviewPending(pending.join("、")));
            }
            let mut after = case.clone();
            after.forwarded_on = Some(today);
            let started = after
                .next_step(&[])
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
                EventKind::Forwarded {
                    on: today,
                    to: f.decide_place.clone(),
                    started,
                },
            )
        }
        _ => Err(cx.wrong()),
    }
}
