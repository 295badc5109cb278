//! The fee ledger (收费台账) and void receipt numbers (issue 19, finding 6).

use super::*;
use crate::{FeeEntry, FeeKind, VoidReceipt};

/// A payment line of case `number`'s event `seq`.
pub fn payment_line(number: &str, seq: u32, receipt_no: &str, paper: Option<&str>) -> FeeEntry {
    FeeEntry {
        case_number: number.to_string(),
        seq,
        center: code(TOWN),
        day: date("2026-03-02"),
        at: at("2026-03-02T02:00:00Z"),
        kind: FeeKind::Payment,
        receipt_no: receipt_no.to_string(),
        paper_no: paper.map(str::to_string),
        amount_fen: 1500,
        method: "cash".to_string(),
        item_code: "330100-XK-001".to_string(),
        item_name: "食品经营许可".to_string(),
        department: "scjg".to_string(),
        recorded_by: "窗口甲".to_string(),
        reason: String::new(),
    }
}

/// Ledger lines are written with their transition and read back by center and day; a paper
/// receipt number already recorded fails the whole transition (`paper_receipt_taken`); the
/// counter's value is read without moving it; void numbers keep their first reason.
pub async fn fee_ledger_lines_and_void_receipts<S: Store + ?Sized>(store: &S) {
    let mut numbers = vec![];
    for (i, t) in ["2026-03-02T01:00:00Z", "2026-03-02T01:10:00Z"]
        .iter()
        .enumerate()
    {
        let n = format!("330102001000-20260302-000{}", i + 1);
        let (case, events) = filed_case(&window_case(&n, TOWN, t));
        store.create_case(&case, &events).await.unwrap();
        numbers.push((case, events));
    }
    let (case, events) = &numbers[0];
    let n = case.filing.number.to_string();
    let (v2, e2) = next_events(case, events, "2026-03-02T02:00:00Z", vec![mark(0)]);
    let paid = payment_line(&n, e2[0].seq, "PJ3301020010002026000001", Some("P-0007"));
    let refund = FeeEntry {
        seq: e2[0].seq,
        kind: FeeKind::Refund,
        paper_no: None,
        amount_fen: 500,
        reason: "多收".to_string(),
        at: at("2026-03-02T02:00:01Z"),
        ..paid.clone()
    };
    let effects = SideEffects {
        fees: vec![paid.clone()],
        ..SideEffects::default()
    };
    store
        .commit_transition(&v2, case.version, &e2, &effects)
        .await
        .unwrap();
    let log = store.case_events(&n).await.unwrap();
    let (v3, e3) = next_events(&v2, &log, "2026-03-02T02:00:01Z", vec![mark(1)]);
    let refund = FeeEntry {
        seq: e3[0].seq,
        ..refund
    };
    store
        .commit_transition(
            &v3,
            v2.version,
            &e3,
            &SideEffects {
                fees: vec![refund.clone()],
                ..SideEffects::default()
            },
        )
        .await
        .unwrap();
    let town = code(TOWN);
    let day = date("2026-03-02");
    assert_eq!(
        store.fee_entries(&town, day, day).await.unwrap(),
        vec![paid.clone(), refund.clone()],
        "in time order, as written"
    );
    assert!(store
        .fee_entries(&town, date("2026-03-03"), date("2026-03-31"))
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .fee_entries(&code(SIBLING_TOWN), day, day)
        .await
        .unwrap()
        .is_empty());

    // Another case's payment with the same paper receipt number: refused, and nothing of its
    // transition stays.
    let (other, other_events) = &numbers[1];
    let m = other.filing.number.to_string();
    let (w2, f2) = next_events(other, other_events, "2026-03-02T03:00:00Z", vec![mark(0)]);
    let twice = SideEffects {
        fees: vec![payment_line(
            &m,
            f2[0].seq,
            "PJ3301020010002026000002",
            Some("P-0007"),
        )],
        ..SideEffects::default()
    };
    assert_conflict(
        store
            .commit_transition(&w2, other.version, &f2, &twice)
            .await,
        "paper_receipt_taken",
    );
    assert_eq!(
        store.get_case(&m).await.unwrap().unwrap().version,
        other.version
    );
    assert_eq!(store.fee_entries(&town, day, day).await.unwrap().len(), 2);
    // Without a paper number (or with another) it goes through.
    let once = SideEffects {
        fees: vec![payment_line(
            &m,
            f2[0].seq,
            "PJ3301020010002026000002",
            None,
        )],
        ..SideEffects::default()
    };
    store
        .commit_transition(&w2, other.version, &f2, &once)
        .await
        .unwrap();
    assert_eq!(store.fee_entries(&town, day, day).await.unwrap().len(), 3);

    // The counter's value, read without moving it.
    assert_eq!(store.counter_value("receipt", "x2026").await.unwrap(), 0);
    store.next_counter("receipt", "x2026").await.unwrap();
    store.next_counter("receipt", "x2026").await.unwrap();
    assert_eq!(store.counter_value("receipt", "x2026").await.unwrap(), 2);
    assert_eq!(store.counter_value("receipt", "x2027").await.unwrap(), 0);

    // Void numbers: by center and prefix; the first reason stays.
    let void = |no: &str, reason: &str| VoidReceipt {
        receipt_no: no.to_string(),
        center: town.clone(),
        reason: reason.to_string(),
        at: at("2026-03-02T04:00:00Z"),
    };
    store
        .void_receipt(&void("PJ3301020010002026000003", "收费未记录"))
        .await
        .unwrap();
    store
        .void_receipt(&void("PJ3301020010002026000003", "另一理由"))
        .await
        .unwrap();
    store
        .void_receipt(&void("PJ3301020010002025000009", "去年"))
        .await
        .unwrap();
    assert_eq!(
        store
            .void_receipts(&town, "PJ3301020010002026")
            .await
            .unwrap(),
        vec![void("PJ3301020010002026000003", "收费未记录")]
    );
    assert!(store
        .void_receipts(&code(SIBLING_TOWN), "PJ3301020010002026")
        .await
        .unwrap()
        .is_empty());
}
