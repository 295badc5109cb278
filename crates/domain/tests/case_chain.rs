//! The case state machine (§3), property tests over random command sequences: every reachable
//! case keeps the invariants, its log replays to the same case and its hash chain verifies, and
//! tampering with any event breaks the chain there.
//!
//! Helpers are in `common`.

mod common;

use chrono::NaiveDate;
use common::*;
use proptest::prelude::*;
use yizhan_domain::case::*;
use yizhan_domain::catalog::ItemKind;

// ---------------------------------------------------------------------------------------------
// Property tests: random command sequences
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Submit,
    Mark(usize, bool),
    Correct,
    Resubmit,
    Refuse,
    Accept,
    AutoAccept,
    /// `None`: the first active stage.
    Stage(Option<usize>, bool),
    Suspend,
    Resume,
    Extend,
    Decide(bool),
    Assess(Vec<(usize, u32)>),
    Pay(i64),
    Refund(i64),
    Deliver,
    Complete,
    Withdraw,
    Terminate,
    Immediate,
    /// The step that moves the case forward from where it is (keeps random walks going deep).
    Next,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => Just(Op::Submit),
        3 => (0usize..3, prop::bool::weighted(0.8)).prop_map(|(i, good)| Op::Mark(i, good)),
        1 => Just(Op::Correct),
        1 => Just(Op::Resubmit),
        1 => Just(Op::Refuse),
        2 => Just(Op::Accept),
        2 => Just(Op::AutoAccept),
        5 => (prop::option::weighted(0.3, 0usize..6), prop::bool::weighted(0.85)).prop_map(|(i, a)| Op::Stage(i, a)),
        2 => Just(Op::Suspend),
        2 => Just(Op::Resume),
        1 => Just(Op::Extend),
        2 => any::<bool>().prop_map(Op::Decide),
        1 => prop::collection::vec((0usize..3, 0u32..3), 0..3).prop_map(Op::Assess),
        2 => prop::sample::select(vec![500i64, 1000, 1500, 2000]).prop_map(Op::Pay),
        1 => prop::sample::select(vec![500i64, 1500]).prop_map(Op::Refund),
        2 => Just(Op::Deliver),
        1 => Just(Op::Complete),
        1 => Just(Op::Withdraw),
        1 => Just(Op::Terminate),
        1 => Just(Op::Immediate),
        6 => Just(Op::Next),
    ]
}

fn items() -> Vec<ItemTerms> {
    vec![
        promised_item(),
        joint_item(),
        immediate_item(),
        fee_item(),
        immediate_fee_item(),
        single_fee_item(),
    ]
}

/// What a diligent office would do next with the case.
fn next_op(c: &Case) -> Op {
    let immediate = c.filing.item.kind == ItemKind::Immediate && c.filing.item.fees.is_empty();
    match c.state {
        CaseState::Draft => Op::Submit,
        CaseState::CorrectionRequested => Op::Resubmit,
        CaseState::Submitted => match c
            .materials
            .iter()
            .position(|m| m.mandatory && m.status != MaterialStatus::Received)
        {
            Some(i) => Op::Mark(i, true),
            None if immediate => Op::Immediate,
            None => Op::Accept,
        },
        CaseState::InReview if !c.filing.item.fees.is_empty() && c.fee_due_fen == 0 => {
            Op::Assess(vec![(0, 1), (c.filing.item.fees.len() - 1, 1)])
        }
        CaseState::InReview if !c.active_stages().is_empty() => Op::Stage(None, true),
        CaseState::InReview | CaseState::Decided if c.fee_outstanding() > 0 => {
            Op::Pay(c.fee_outstanding())
        }
        CaseState::InReview => Op::Decide(true),
        CaseState::Suspended => Op::Resume,
        CaseState::Decided => Op::Deliver,
        _ => Op::Complete,
    }
}

/// The actor who would normally issue `op`.
fn natural_actor(op: &Op, case: &Case, stage: usize) -> Actor {
    match op {
        Op::Submit | Op::Resubmit | Op::Withdraw => applicant(),
        Op::AutoAccept => system(),
        Op::Stage(..) => reviewer(
            case.stages
                .get(stage)
                .map(|s| s.department.as_str())
                .unwrap_or(MZ),
        ),
        Op::Suspend | Op::Resume => reviewer(MZ),
        Op::Extend | Op::Decide(_) | Op::Terminate => head(),
        _ => clerk(),
    }
}

fn command(op: &Op, stage: usize, case: &Case) -> Command {
    match op {
        Op::Submit => Command::Submit,
        Op::Mark(i, good) => {
            if *good {
                mark(*i, MaterialStatus::Received, "")
            } else {
                mark(*i, MaterialStatus::Defective, "不清晰")
            }
        }
        Op::Correct => Command::RequestCorrection { defects: vec![] },
        Op::Resubmit => Command::Resubmit,
        Op::Refuse => Command::Refuse {
            reasons: "不符合受理条件".into(),
        },
        Op::Accept => Command::Accept,
        Op::AutoAccept => Command::AutoAccept,
        Op::Stage(_, approved) => Command::CompleteStage {
            index: stage,
            approved: *approved,
            opinion: "意见".into(),
        },
        Op::Suspend => suspend(),
        Op::Resume => Command::Resume,
        Op::Extend => extend(),
        Op::Decide(granted) => Command::Decide {
            granted: *granted,
            reasons: "理由".into(),
            licence_no: Some("L-1".into()),
        },
        Op::Assess(lines) => Command::AssessFees {
            lines: lines.clone(),
        },
        Op::Pay(a) => pay(*a),
        Op::Refund(a) => Command::Refund {
            amount_fen: *a,
            reason: "退费".into(),
            // From the first receipt with money left on it (none: refused, as it should be).
            receipt_no: case
                .receipts
                .iter()
                .find(|r| r.refundable_fen() > 0)
                .map(|r| r.receipt_no.clone())
                .unwrap_or_default(),
        },
        Op::Deliver => deliver(),
        Op::Complete => Command::Complete,
        Op::Withdraw => Command::Withdraw {
            reason: "撤回".into(),
        },
        Op::Terminate => Command::Terminate {
            reason: "终止".into(),
        },
        Op::Immediate => Command::HandleImmediately {
            licence_no: Some("J-1".into()),
        },
        Op::Next => unreachable!("resolved against the case first"),
    }
}

#[derive(Debug, Clone)]
struct Scenario {
    item: usize,
    online: bool,
    start: u64,
    /// (operation, actor: `None` = the natural one, else an index into `every_actor`, days forward)
    steps: Vec<(Op, Option<usize>, u64)>,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        0usize..6,
        prop::bool::weighted(0.2),
        0u64..420,
        prop::collection::vec(
            (op(), prop::option::weighted(0.3, 0usize..11), 0u64..=5),
            1..80,
        ),
    )
        .prop_map(|(item, online, start, steps)| Scenario {
            item,
            online,
            start,
            steps,
        })
}

/// Every deadline the case holds: the four case deadlines and the dues of its stages.
fn all_dues(c: &Case) -> Vec<NaiveDate> {
    let d = &c.deadlines;
    [
        d.correction_due,
        d.statutory_due,
        d.promised_due,
        d.delivery_due,
    ]
    .into_iter()
    .flatten()
    .chain(c.stages.iter().filter_map(|s| s.due))
    .collect()
}

/// The invariants every reachable case satisfies.
fn check_invariants(c: &Case, events: usize) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        c.version as usize,
        events,
        "version is the number of events"
    );
    let d = &c.deadlines;
    if let (Some(p), Some(s)) = (d.promised_due, d.statutory_due) {
        prop_assert!(p <= s, "promised {} after statutory {}", p, s);
    }
    if matches!(c.state, CaseState::InReview | CaseState::Suspended) {
        prop_assert!(
            c.accepted_on.is_some() && d.statutory_due.is_some() && d.promised_due.is_some(),
            "{:?}",
            c
        );
    }
    if c.state == CaseState::Suspended {
        prop_assert!(c.suspended_on.is_some() && c.suspension.is_some());
    }
    if matches!(c.state, CaseState::Decided | CaseState::Delivered) || c.decided_on.is_some() {
        prop_assert!(c.granted.is_some());
        let stop = c
            .stages
            .iter()
            .position(|s| s.name.contains("决定"))
            .unwrap_or(c.stages.len());
        prop_assert!(
            c.stages[..stop].iter().all(|s| s.completed_on.is_some()),
            "review stages open at decision: {:?}",
            c.stages
        );
        if c.granted == Some(true) {
            prop_assert!(d.delivery_due.is_some());
        }
    }
    prop_assert!(c.paid_fen - c.refunded_fen >= 0);
    prop_assert!(
        c.paid_fen - c.refunded_fen <= c.fee_due_fen,
        "paid {} refunded {} due {}",
        c.paid_fen,
        c.refunded_fen,
        c.fee_due_fen
    );
    prop_assert!(c.fee_due_fen == 0 || c.accepted_on.is_some());
    // A stage only runs while the case is under review.
    if !c.active_stages().is_empty() {
        prop_assert!(
            matches!(c.state, CaseState::InReview | CaseState::Suspended) || c.state.is_final()
        );
    }
    // (c) every deadline is a working day.
    for due in all_dues(c) {
        prop_assert!(
            cal().is_working_day(due),
            "deadline {} is not a working day",
            due
        );
    }
    Ok(())
}

fn play(s: &Scenario) -> Result<(Case, Vec<CaseEvent>), TestCaseError> {
    let item = items()[s.item].clone();
    let channel = if s.online {
        Channel::Online
    } else {
        Channel::Window
    };
    let mut day = ymd(2025, 1, 1) + chrono::Days::new(s.start);
    let mut events = file(item, channel, on(day));
    let mut case = Case::replay(&events).expect("filed");
    check_invariants(&case, events.len())?;
    let actors = every_actor();
    for (op, who, step) in &s.steps {
        day = day + chrono::Days::new(*step);
        let op = &match op {
            Op::Next => next_op(&case),
            other => other.clone(),
        };
        let stage = match op {
            Op::Stage(Some(i), _) => *i,
            _ => case.active_stages().first().copied().unwrap_or(0),
        };
        let actor = match who {
            None => natural_actor(op, &case, stage),
            Some(i) => actors[*i].clone(),
        };
        let cmd = command(op, stage, &case);
        let before = case.clone();
        match decide(&case, &cmd, &actor, on(day), cal()) {
            Err(_) => {}
            Ok(d) => {
                // (a) a final case never changes.
                prop_assert!(
                    !before.state.is_final(),
                    "{} changed a {:?} case",
                    cmd.name(),
                    before.state
                );
                prop_assert!(!d.events.is_empty());
                let sealed = seal(
                    Suite::Intl,
                    &case.filing.number,
                    case.version,
                    &case.last_hash,
                    on(day),
                    &d.actor,
                    cmd.name(),
                    &[],
                    d.events,
                );
                for e in &sealed {
                    case.apply(e);
                }
                events.extend(sealed);
                // A grant is delivered only when the fee is paid in full (a refund may follow).
                if let Command::Deliver { .. } = cmd {
                    prop_assert!(
                        before.granted == Some(false) || before.fee_outstanding() == 0,
                        "delivered with a fee unpaid"
                    );
                }
                // (b) suspended time is never counted.
                if let Command::Resume = cmd {
                    let (s_day, r_day) = (before.suspended_on.expect("suspended"), day);
                    let (o, n) = (&before.deadlines, &case.deadlines);
                    let pairs = [
                        (o.correction_due, n.correction_due),
                        (o.statutory_due, n.statutory_due),
                        (o.promised_due, n.promised_due),
                        (o.delivery_due, n.delivery_due),
                    ];
                    let stage_pairs = before
                        .active_stages()
                        .into_iter()
                        .map(|i| (before.stages[i].due, case.stages[i].due));
                    for (old, new) in pairs.into_iter().chain(stage_pairs) {
                        prop_assert_eq!(old.is_some(), new.is_some());
                        if let (Some(old), Some(new)) = (old, new) {
                            prop_assert_eq!(
                                cal().working_days_between(r_day, new),
                                cal().working_days_between(s_day, old),
                                "suspended {} resumed {}: {} → {}",
                                s_day,
                                r_day,
                                old,
                                new
                            );
                        }
                    }
                    prop_assert_eq!(
                        case.suspended_days,
                        before.suspended_days + cal().working_days_between(s_day, r_day) as u32
                    );
                }
            }
        }
        check_invariants(&case, events.len())?;
    }
    Ok((case, events))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    /// (a)–(c): random sequences keep every invariant; (d) the log replays to the same case,
    /// its chain verifies, and tampering any event's comment breaks the chain at that event.
    #[test]
    fn random_sequences_keep_the_invariants_and_replay(s in scenario()) {
        let (case, events) = play(&s)?;
        let replayed = Case::replay(&events);
        prop_assert_eq!(replayed.as_ref(), Some(&case));
        prop_assert_eq!(verify_chain(&events), Ok(()));
        for i in 0..events.len() {
            let mut forged = events.clone();
            forged[i].comment.push_str("(改)");
            prop_assert_eq!(verify_chain(&forged), Err(forged[i].seq));
        }
        // Dropping an event and renumbering and rehashing the rest: every event is well formed
        // on its own, but the link to the dropped one is gone.
        if events.len() > 2 {
            let i = 1 + s.start as usize % (events.len() - 2);
            let mut forged = events.clone();
            forged.remove(i);
            for e in &mut forged[i..] {
                e.seq -= 1;
                e.hash = e.compute_hash(Suite::Intl);
            }
            prop_assert_eq!(verify_chain(&forged), Err(i as u32 + 1));
        }
    }
}

/// The random walk reaches every state: otherwise the properties above prove little.
#[test]
fn random_walks_reach_every_state() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen = std::collections::BTreeSet::new();
    let mut resumed = 0;
    // Immediate items handled on the spot on a day off (weekend service).
    let mut immediate_on_day_off = 0;
    for _ in 0..600 {
        let s = scenario()
            .new_tree(&mut runner)
            .expect("a scenario")
            .current();
        let (_, events) = play(&s).expect("invariants hold");
        for e in &events {
            resumed += matches!(
                e.kind,
                EventKind::Resumed {
                    shift_days: 1..,
                    ..
                }
            ) as usize;
        }
        for w in events.windows(2) {
            let one_step = matches!(
                (&w[0].kind, &w[1].kind),
                (EventKind::Accepted { .. }, EventKind::Decided { .. })
            );
            immediate_on_day_off +=
                (one_step && !cal().is_working_day(local_date(w[0].at))) as usize;
        }
        for n in 1..=events.len() {
            seen.insert(case_of(&events[..n]).state.as_str());
        }
    }
    let all: std::collections::BTreeSet<&str> = CaseState::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(seen, all);
    assert!(resumed > 10, "only {resumed} resumptions with a shift");
    assert!(
        immediate_on_day_off > 3,
        "only {immediate_on_day_off} immediate items handled on a day off"
    );
}

/// Idempotency keys are the log's and `case_keys`', not the snapshot's: the fold leaves none, a
/// snapshot is written without them, and one written before still reads its keys (so a retry of
/// a command from just before the upgrade is recognised).
#[test]
fn snapshots_do_not_carry_idempotency_keys() {
    let mut events = file(promised_item(), Channel::Window, at(2026, 3, 2));
    let c = case_of(&events);
    let key = IdempotencyKey {
        key: "k-1".into(),
        request_hash: Some("h".into()),
    };
    let d = decide(
        &c,
        &mark(0, MaterialStatus::Received, ""),
        &clerk(),
        at(2026, 3, 2),
        cal(),
    )
    .expect("a clerk marks a material");
    let new = seal_with_key(
        c.filing.suite,
        &c.filing.number,
        c.version,
        &c.last_hash,
        at(2026, 3, 2),
        &d.actor,
        "",
        &[],
        d.events,
        Some(&key),
    );
    assert!(new
        .iter()
        .all(|e| e.idempotency_key.as_deref() == Some("k-1")));
    events.extend(new);
    let folded = case_of(&events);
    assert!(folded.recent_keys.is_empty());
    let mut json = serde_json::to_value(&folded).unwrap();
    assert!(json.get("recent_keys").is_none(), "{json}");
    json["recent_keys"] = serde_json::json!(["bare", { "key": "k-1", "request_hash": "h" }]);
    let old: Case = serde_json::from_value(json).unwrap();
    assert_eq!(
        old.recent_keys,
        vec![
            IdempotencyKey {
                key: "bare".into(),
                request_hash: None
            },
            key.clone()
        ]
    );
    assert_eq!(key.replays(&old.recent_keys[1]), Some(true));
}
