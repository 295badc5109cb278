//! The case state machine (§3), fees: assessment by the window from the item's standards,
//! payment in full before delivery and never above the standard.
//!
//! Each test here fails when its rule is removed from `decide`. Helpers are in `common`.

mod common;

use common::*;
use yizhan_domain::case::*;

// ---------------------------------------------------------------------------------------------
// Fees
// ---------------------------------------------------------------------------------------------

#[test]
fn fees_are_paid_in_full_before_delivery_and_never_above_the_standard() {
    let mut ev = accepted(single_fee_item(), ymd(2025, 9, 26));
    // One standard: the fee is set at acceptance.
    let c = case_of(&ev);
    assert_eq!(c.fee_due_fen, 1500);
    assert_eq!(
        err(&mut ev, pay(0), &clerk(), at(2025, 9, 26)),
        CaseError::InvalidAmount
    );
    assert!(matches!(
        err(&mut ev, pay(1600), &clerk(), at(2025, 9, 26)),
        CaseError::FeeAboveStandard { .. }
    ));
    assert_eq!(
        err(&mut ev, pay(1000), &outsider(), at(2025, 9, 26)),
        CaseError::NotAllowed("收费")
    );
    let no_receipt = Command::RecordPayment {
        amount_fen: 1000,
        method: PaymentMethod::Card,
        receipt_no: " ".into(),
        paper_no: None,
    };
    assert_eq!(
        err(&mut ev, no_receipt, &clerk(), at(2025, 9, 26)),
        CaseError::ReasonRequired("票据号")
    );
    let c = ok(&mut ev, pay(1000), &clerk(), at(2025, 9, 26));
    assert_eq!(c.fee_outstanding(), 500);
    // 10.00 paid: 6.00 more would exceed the standard.
    assert!(matches!(
        err(&mut ev, pay(600), &clerk(), at(2025, 9, 26)),
        CaseError::FeeAboveStandard { .. }
    ));

    complete(0, MZ, &mut ev, at(2025, 9, 29));
    complete(1, MZ, &mut ev, at(2025, 9, 30));
    ok(&mut ev, grant(), &head(), at(2025, 9, 30));
    assert_eq!(
        err(&mut ev, deliver(), &clerk(), at(2025, 10, 9)),
        CaseError::FeeUnpaid {
            due: "15.00".into(),
            paid: "10.00".into()
        }
    );

    // Refunds: never more than what was paid and not refunded.
    let no = case_of(&ev).receipts[0].receipt_no.clone();
    let refund = |amount_fen| refund_from(&no, amount_fen, "多收退还");
    assert_eq!(
        err(&mut ev, refund(1001), &clerk(), at(2025, 10, 9)),
        CaseError::RefundTooLarge
    );
    assert_eq!(
        err(
            &mut ev,
            refund_from(&no, 100, ""),
            &clerk(),
            at(2025, 10, 9)
        ),
        CaseError::ReasonRequired("退费原因")
    );
    let c = ok(&mut ev, refund(400), &clerk(), at(2025, 10, 9));
    assert_eq!(
        (c.paid_fen, c.refunded_fen, c.fee_outstanding()),
        (1000, 400, 900)
    );
    assert_eq!(
        err(&mut ev, refund(601), &clerk(), at(2025, 10, 9)),
        CaseError::RefundTooLarge
    );
    ok(&mut ev, pay(900), &clerk(), at(2025, 10, 9));
    assert!(matches!(
        err(&mut ev, pay(1), &clerk(), at(2025, 10, 9)),
        CaseError::FeeAboveStandard { .. }
    ));
    let c = ok(&mut ev, deliver(), &clerk(), at(2025, 10, 9));
    assert_eq!(c.state, CaseState::Delivered);
}

#[test]
fn payment_for_a_free_item_is_refused() {
    let mut ev = accepted(promised_item(), ymd(2025, 9, 26));
    assert_eq!(
        err(&mut ev, pay(100), &clerk(), at(2025, 9, 26)),
        CaseError::FeeForFreeItem
    );
    assert_eq!(
        err(
            &mut ev,
            Command::Refund {
                amount_fen: 100,
                reason: "误收".into(),
                receipt_no: "票000001".into(),
            },
            &clerk(),
            at(2025, 9, 26)
        ),
        CaseError::RefundTooLarge
    );
}

#[test]
fn no_fee_before_acceptance() {
    let mut ev = file(single_fee_item(), Channel::Window, at(2025, 9, 26));
    assert!(matches!(
        err(&mut ev, pay(1500), &clerk(), at(2025, 9, 26)),
        CaseError::WrongState { .. }
    ));
    assert!(matches!(
        err(&mut ev, assess_all(), &clerk(), at(2025, 9, 26)),
        CaseError::WrongState { .. }
    ));
}

#[test]
fn fees_of_several_standards_are_assessed_by_the_window_from_the_standards() {
    let mut ev = accepted(fee_item(), ymd(2025, 9, 26));
    // Several standards: nothing is due until the window assesses which apply.
    assert_eq!(case_of(&ev).fee_due_fen, 0);
    assert_eq!(
        err(&mut ev, assess_all(), &outsider(), at(2025, 9, 26)),
        CaseError::NotAllowed("核定收费")
    );
    assert_eq!(
        err(
            &mut ev,
            Command::AssessFees {
                lines: vec![(2, 1)]
            },
            &clerk(),
            at(2025, 9, 26)
        ),
        CaseError::InvalidAmount
    );
    assert_eq!(
        err(
            &mut ev,
            Command::AssessFees {
                lines: vec![(0, 0)]
            },
            &clerk(),
            at(2025, 9, 26)
        ),
        CaseError::InvalidAmount
    );
    // 工本费 × 2 = 20.00 元.
    let c = ok(
        &mut ev,
        Command::AssessFees {
            lines: vec![(0, 2)],
        },
        &clerk(),
        at(2025, 9, 26),
    );
    assert_eq!(c.fee_due_fen, 2000);
    ok(&mut ev, pay(2000), &clerk(), at(2025, 9, 26));
    // Lowering the assessment below what was paid needs a refund first.
    assert_eq!(
        err(&mut ev, assess_all(), &clerk(), at(2025, 9, 26)),
        CaseError::RefundTooLarge
    );
    let no = case_of(&ev).receipts[0].receipt_no.clone();
    ok(
        &mut ev,
        refund_from(&no, 500, "多收"),
        &clerk(),
        at(2025, 9, 26),
    );
    let c = ok(&mut ev, assess_all(), &clerk(), at(2025, 9, 26));
    assert_eq!((c.fee_due_fen, c.fee_outstanding()), (1500, 0));
    // A free item has nothing to assess.
    let mut ev = accepted(promised_item(), ymd(2025, 9, 26));
    assert_eq!(
        err(&mut ev, assess_all(), &clerk(), at(2025, 9, 26)),
        CaseError::FeeForFreeItem
    );
}

/// A refund names one of the case's receipts and returns no more than is left on it; a paper
/// receipt number is recorded once per case; the platform's receipt number is never reused.
#[test]
fn refunds_name_a_receipt_of_the_case_and_stay_within_it() {
    let mut ev = accepted(single_fee_item(), ymd(2025, 9, 26));
    let c = ok(&mut ev, pay(600), &clerk(), at(2025, 9, 26));
    let first = c.receipts[0].receipt_no.clone();
    let with_paper = |amount_fen, paper: &str| Command::RecordPayment {
        amount_fen,
        method: PaymentMethod::Card,
        receipt_no: format!("PJ-{amount_fen}"),
        paper_no: Some(paper.into()),
    };
    let c = ok(
        &mut ev,
        with_paper(500, " 0012345 "),
        &clerk(),
        at(2025, 9, 26),
    );
    assert_eq!(c.receipts.len(), 2);
    assert_eq!(c.receipts[1].paper_no.as_deref(), Some("0012345"));
    assert_eq!(
        err(
            &mut ev,
            with_paper(400, "0012345"),
            &clerk(),
            at(2025, 9, 26)
        ),
        CaseError::PaperReceiptTaken("0012345".into())
    );
    let reused = Command::RecordPayment {
        amount_fen: 100,
        method: PaymentMethod::Cash,
        receipt_no: first.clone(),
        paper_no: None,
    };
    assert_eq!(
        err(&mut ev, reused, &clerk(), at(2025, 9, 26)),
        CaseError::ReceiptReused(first.clone())
    );
    // Not a receipt of this case; none named at all.
    let stranger = Command::Refund {
        amount_fen: 100,
        reason: "多收".into(),
        receipt_no: "PJ-其他办件".into(),
    };
    assert_eq!(
        err(&mut ev, stranger, &clerk(), at(2025, 9, 26)),
        CaseError::UnknownReceipt("PJ-其他办件".into())
    );
    let unnamed = Command::Refund {
        amount_fen: 100,
        reason: "多收".into(),
        receipt_no: " ".into(),
    };
    assert_eq!(
        err(&mut ev, unnamed, &clerk(), at(2025, 9, 26)),
        CaseError::ReasonRequired("原票据号")
    );
    // 11.00 paid in all, but the first receipt holds only 6.00.
    assert_eq!(
        err(
            &mut ev,
            refund_from(&first, 700, "多收"),
            &clerk(),
            at(2025, 9, 26)
        ),
        CaseError::RefundAboveReceipt("6.00".into())
    );
    let c = ok(
        &mut ev,
        refund_from(&first, 600, "多收"),
        &clerk(),
        at(2025, 9, 26),
    );
    assert_eq!(
        (
            c.receipts[0].refundable_fen(),
            c.receipts[1].refundable_fen()
        ),
        (0, 500)
    );
    assert_eq!(
        err(
            &mut ev,
            refund_from(&first, 1, "多收"),
            &clerk(),
            at(2025, 9, 26)
        ),
        CaseError::RefundAboveReceipt("0.00".into())
    );
    let c = ok(
        &mut ev,
        refund_from("PJ-500", 200, "多收"),
        &clerk(),
        at(2025, 9, 26),
    );
    assert_eq!((c.paid_fen, c.refunded_fen), (1100, 800));
    // The fold is the log: the replayed case carries the same receipts.
    assert_eq!(Case::replay(&ev).unwrap().receipts, c.receipts);
}
