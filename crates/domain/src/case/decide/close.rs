//! Deciding the commands after the decision: fees, payment, delivery, completion, and the ends
//! a case can come to early (withdrawal, termination) or at once (immediate handling).

use super::*;
use CaseState as S;

/// 核定收费: `Command::AssessFees`.
pub(super) fn assess_fees(cx: &Ctx<'_>, lines: &[(usize, u32)]) -> Result<Decision, CaseError> {
    let case = cx.case;
    let f = cx.f;
    let a = cx.window()?;
    if !matches!(case.state, S::InReview | S::Suspended | S::Decided) {
        return Err(cx.wrong());
    }
    if f.item.fees.is_empty() {
        return Err(CaseError::FeeForFreeItem);
    }
    let mut total: i64 = 0;
    for (i, qty) in lines {
        let fee = f.item.fees.get(*i).ok_or(CaseError::InvalidAmount)?;
        if *qty == 0 || *qty > 10_000 {
            return Err(CaseError::InvalidAmount);
        }
        total += fee.amount_fen * *qty as i64;
    }
    if total < case.paid_fen - case.refunded_fen {
        // Lowering below what was paid needs a refund first.
        return Err(CaseError::RefundTooLarge);
    }
    one(
        a,
        EventKind::FeesAssessed {
            lines: lines.to_owned(),
            total_fen: total,
        },
    )
}

/// 收费: `Command::RecordPayment`.
pub(super) fn record_payment(
    cx: &Ctx<'_>,
    amount_fen: i64,
    method: PaymentMethod,
    receipt_no: &str,
    paper_no: Option<&str>,
) -> Result<Decision, CaseError> {
    let case = cx.case;
    let f = cx.f;
    let a = cx.window()?;
    if !matches!(case.state, S::InReview | S::Suspended | S::Decided) {
        return Err(cx.wrong());
    }
    if amount_fen <= 0 {
        return Err(CaseError::InvalidAmount);
    }
    if f.item.fees.is_empty() {
        return Err(CaseError::FeeForFreeItem);
    }
    if amount_fen > case.fee_outstanding() {
        return Err(CaseError::FeeAboveStandard {
            due: crate::catalog::format_yuan(case.fee_due_fen),
            paid: crate::catalog::format_yuan(case.paid_fen - case.refunded_fen),
            amount: crate::catalog::format_yuan(amount_fen),
        });
    }
    need_reason(receipt_no, "票据号")?;
    if case.receipts.iter().any(|r| r.receipt_no == receipt_no) {
        // The platform issues each number once; a repeat is a fault, not a second payment.
        return Err(CaseError::ReceiptReused(receipt_no.to_owned()));
    }
    let paper_no = paper_no.map(str::trim).filter(|p| !p.is_empty());
    if let Some(p) = paper_no {
        if case
            .receipts
            .iter()
            .any(|r| r.paper_no.as_deref() == Some(p))
        {
            return Err(CaseError::PaperReceiptTaken(p.to_owned()));
        }
    }
    one(
        a,
        EventKind::PaymentRecorded {
            amount_fen,
            method,
            receipt_no: receipt_no.to_owned(),
            paper_no: paper_no.map(str::to_owned),
        },
    )
}

/// 退费: `Command::Refund`.
pub(super) fn refund(
    cx: &Ctx<'_>,
    amount_fen: i64,
    reason: &str,
    receipt_no: &str,
) -> Result<Decision, CaseError> {
    let case = cx.case;
    let a = cx.window()?;
    if amount_fen <= 0 {
        return Err(CaseError::InvalidAmount);
    }
    if amount_fen > case.paid_fen - case.refunded_fen {
        return Err(CaseError::RefundTooLarge);
    }
    // A refund returns money from one receipt of this case, never more than is left on it.
    let receipt_no = receipt_no.trim();
    need_reason(receipt_no, "原票据号")?;
    let paid = case
        .receipts
        .iter()
        .find(|r| r.receipt_no == receipt_no)
        .ok_or_else(|| CaseError::UnknownReceipt(receipt_no.to_owned()))?;
    if amount_fen > paid.refundable_fen() {
        return Err(CaseError::RefundAboveReceipt(crate::catalog::format_yuan(
            paid.refundable_fen(),
        )));
    }
    need_reason(reason, "退费原因")?;
    one(
        a,
        EventKind::Refunded {
            amount_fen,
            reason: reason.trim().to_string(),
            receipt_no: receipt_no.to_owned(),
        },
    )
}

/// 送达: `Command::Deliver`.
pub(super) fn deliver(
    cx: &Ctx<'_>,
    method: DeliveryMethod,
    recipient: &str,
) -> Result<Decision, CaseError> {
    let case = cx.case;
    let f = cx.f;
    let today = cx.today;
    let a = cx
        .window()
        .or_else(|_| cx.as_staff(&[Role::VillageAgent], &f.applicant_region, None))?;
    if case.state != S::Decided {
        return Err(cx.wrong());
    }
    if case.granted == Some(true) && case.fee_outstanding() > 0 {
        return Err(CaseError::FeeUnpaid {
            due: crate::catalog::format_yuan(case.fee_due_fen),
            paid: crate::catalog::format_yuan(case.paid_fen - case.refunded_fen),
        });
    }
    need_reason(recipient, "签收人")?;
    let from = after_decision(&case.stages)
        .map(|i| i + 1)
        .unwrap_or(case.stages.len());
    let completes = (from..case.stages.len())
        .filter(|i| case.stages[*i].completed_on.is_none())
        .collect();
    one(
        a,
        EventKind::Delivered {
            method,
            recipient: recipient.trim().to_string(),
            on: today,
            completes,
        },
    )
}

/// 办结: `Command::Complete`.
pub(super) fn complete(cx: &Ctx<'_>) -> Result<Decision, CaseError> {
    let case = cx.case;
    let today = cx.today;
    let a = cx.window()?;
    if case.state != S::Delivered {
        return Err(cx.wrong());
    }
    one(a, EventKind::Completed { on: today })
}

/// 撤回: `Command::Withdraw`.
pub(super) fn withdraw(cx: &Ctx<'_>, reason: &str) -> Result<Decision, CaseError> {
    let case = cx.case;
    // The applicant withdraws; at a window the clerk records a written withdrawal.
    let a = cx.as_applicant().or_else(|_| cx.window())?;
    if !matches!(
        case.state,
        S::Draft | S::Submitted | S::CorrectionRequested | S::InReview | S::Suspended
    ) {
        return Err(cx.wrong());
    }
    one(
        a,
        EventKind::Withdrawn {
            reason: reason.trim().to_string(),
        },
    )
}

/// 终止: `Command::Terminate`.
pub(super) fn terminate(cx: &Ctx<'_>, reason: &str) -> Result<Decision, CaseError> {
    let case = cx.case;
    let a = cx.head()?;
    if matches!(case.state, S::Draft | S::Delivered) {
        return Err(cx.wrong());
    }
    need_reason(reason, "终止理由")?;
    one(
        a,
        EventKind::Terminated {
            reason: reason.trim().to_string(),
        },
    )
}

/// 当场办结: `Command::HandleImmediately`.
pub(super) fn handle_immediately(
    cx: &Ctx<'_>,
    licence_no: Option<&str>,
) -> Result<Decision, CaseError> {
    let case = cx.case;
    let f = cx.f;
    let today = cx.today;
    let cal = cx.cal;
    let a = cx.window()?;
    if case.state != S::Submitted {
        return Err(cx.wrong());
    }
    if f.item.kind != ItemKind::Immediate {
        return Err(CaseError::NotImmediate);
    }
    let missing = case.missing_materials();
    if !missing.is_empty() {
        return Err(CaseError::MaterialMissing(missing.join("、")));
    }
    if f.item.fee_total() > 0 {
        // A fee is collected before the result is handed over; immediate items with fees
        // go through the normal path.
        return Err(CaseError::FeeUnpaid {
            due: crate::catalog::format_yuan(f.item.fee_total()),
            paid: "0.00".into(),
        });
    }
    let all: Vec<usize> = (0..case.stages.len()).collect();
    // Due on the spot; on a day off (weekend service) that is the next working day.
    let due = cal.next_working_day_from(today);
    Ok(Decision {
        actor: a,
        events: vec![
            EventKind::Accepted {
                accepted_on: today,
                by_system: false,
                statutory_due: due,
                promised_due: due,
                started: all.iter().map(|i| (*i, due)).collect(),
                fee_total_fen: 0,
            },
            EventKind::Decided {
                granted: true,
                reasons: String::new(),
                licence_no: licence_no.map(str::to_owned),
                on: today,
                delivery_due: Some(due),
                completes: all,
            },
            EventKind::Delivered {
                method: DeliveryMethod::Window,
                recipient: f.applicant.name.clone(),
                on: today,
                completes: vec![],
            },
            EventKind::Completed { on: today },
        ],
    })
}
