//! Electronic supervision (§10) on the real 2025/2026 holiday schedule: a hand-checked warning
//! across 国庆 2025, and property tests over random cases built by the state machine — red only for
//! deadlines already passed, yellow monotonic in time and in the thresholds, no time warnings while
//! suspended, every current warning among those raised — and over random evaluations: scores within
//! 0..=100 and a sorted ranking.

use chrono::{DateTime, Days, NaiveDate, Utc};
use proptest::prelude::*;
use std::sync::OnceLock;
use yizhan_domain::access::Role;
use yizhan_domain::calendar::{parse_holiday_csv, WorkingCalendar};
use yizhan_domain::case::*;
use yizhan_domain::catalog::{ItemKind, Stage};
use yizhan_domain::region::{Level, RegionCode};
use yizhan_domain::supervision::*;

const REAL_CSV: &str = include_str!("../../../data/cn-holidays.csv");
const TOWNSHIP: &str = "330102001000";
const VILLAGE: &str = "330102001001";
const MZ: &str = "MZ";

fn cal() -> &'static WorkingCalendar {
    static CAL: OnceLock<WorkingCalendar> = OnceLock::new();
    CAL.get_or_init(|| {
        WorkingCalendar::new(parse_holiday_csv(REAL_CSV).expect("official schedule parses"))
    })
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn at(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(2, 0, 0).expect("valid time").and_utc()
}

fn plus(day: NaiveDate, n: u32) -> NaiveDate {
    day + Days::new(n as u64)
}

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).expect("valid region")
}

/// A promised item with review stages of the given limits, then 审核决定 and 制证.
fn item(promised: u32, stage_limits: &[u32]) -> ItemTerms {
    let mut stages: Vec<Stage> = stage_limits
        .iter()
        .enumerate()
        .map(|(i, l)| Stage {
            name: format!("审查环节{}", i + 1),
            department: MZ.into(),
            limit_days: *l,
            parallel_group: None,
        })
        .collect();
    for (name, limit) in [("审核决定", 2), ("制证", 1)] {
        stages.push(Stage {
            name: name.into(),
            department: MZ.into(),
            limit_days: limit,
            parallel_group: None,
        });
    }
    ItemTerms {
        code: "P1".into(),
        version: 1,
        name: "测试事项".into(),
        kind: ItemKind::Promised,
        department: MZ.into(),
        statutory_limit_days: 20,
        promised_limit_days: promised,
        stages,
        materials: vec![("居民身份证".into(), true), ("申请表".into(), true)],
        fees: vec![],
        result_name: "许可证".into(),
        item_type: None,
        legal_basis: String::new(),
    }
}

fn filing(item: ItemTerms) -> Filing {
    Filing {
        number: format!("{TOWNSHIP}-1"),
        query_code: "Q1".into(),
        channel: Channel::Window,
        applicant: Applicant {
            kind: ApplicantKind::Person,
            name: "张三".into(),
            id_number: "330102199001011234".into(),
            phone: "13800000000".into(),
            user_id: Some(1001),
        },
        item,
        place: region(TOWNSHIP),
        decide_place: region(TOWNSHIP),
        applicant_region: region(VILLAGE),
        agent_user_id: None,
        form: serde_json::json!({}),
        suite: Default::default(),
    }
}

fn staff(id: i64, role: Role, dept: Option<&str>) -> Actor {
    Actor {
        user_id: Some(id),
        name: format!("员工{id}"),
        roles: vec![ActorRole {
            role,
            region: region(TOWNSHIP),
            level: Level::Township,
            department: dept.map(str::to_string),
        }],
        system: false,
    }
}

fn clerk() -> Actor {
    staff(2001, Role::WindowClerk, None)
}
fn reviewer() -> Actor {
    staff(3001, Role::Reviewer, Some(MZ))
}
fn head() -> Actor {
    staff(4001, Role::DepartmentHead, Some(MZ))
}

/// Runs a command if the state machine allows it; returns whether it did.
fn run(events: &mut Vec<CaseEvent>, cmd: Command, actor: &Actor, day: NaiveDate) -> bool {
    let case = Case::replay(events).expect("a filed case");
    let Ok(d) = decide(&case, &cmd, actor, at(day), cal()) else {
        return false;
    };
    let sealed = seal(
        yizhan_domain::case::Suite::Intl,
        &case.filing.number,
        case.version,
        &case.last_hash,
        at(day),
        &d.actor,
        cmd.name(),
        &[],
        d.events,
    );
    events.extend(sealed);
    true
}

/// Filed at the window and accepted on `day`.
fn accepted(item: ItemTerms, day: NaiveDate) -> Vec<CaseEvent> {
    let f = filing(item);
    let number = f.number.clone();
    let who = ActorRef {
        user_id: Some(1001),
        name: "张三".into(),
        role: Some(Role::Applicant),
        place: None,
    };
    let mut ev = seal(
        yizhan_domain::case::Suite::Intl,
        &number,
        0,
        GENESIS_HASH,
        at(day),
        &who,
        "",
        &[],
        open(f, at(day), cal()),
    );
    for index in 0..2 {
        let mark = Command::MarkMaterial {
            index,
            status: MaterialStatus::Received,
            reason: String::new(),
        };
        assert!(run(&mut ev, mark, &clerk(), day));
    }
    assert!(run(&mut ev, Command::Accept, &clerk(), day));
    ev
}

#[test]
fn a_promised_deadline_across_national_day_2025() {
    // Accepted Fri 2025-09-26, promised 10 working days: 09-28 (调休上班), 09-29, 09-30,
    // (10-01..10-08 国庆中秋), 10-09, 10-10, 10-11 (调休上班), 10-13, 10-14, 10-15, 10-16.
    let ev = accepted(item(10, &[1]), ymd(2025, 9, 26));
    let case = Case::replay(&ev).expect("case");
    assert_eq!(case.deadlines.promised_due, Some(ymd(2025, 10, 16)));
    let promised = |today| {
        warnings(&case, &[], today, cal())
            .into_iter()
            .find(|w| w.kind == WarningKind::CaseDeadline)
    };
    // In the holiday: 3 of 10 used, 7 left.
    assert_eq!(promised(ymd(2025, 10, 5)), None);
    // Mon 10-13: 7 used, 3 left.
    assert_eq!(promised(ymd(2025, 10, 13)), None);
    // Tue 10-14: 8 used (80%), 2 left.
    let w = promised(ymd(2025, 10, 14)).expect("yellow");
    assert_eq!(
        (w.colour, w.days_left, w.percent_used),
        (Colour::Yellow, 2, 80)
    );
    // Fri 10-17: red.
    assert_eq!(
        promised(ymd(2025, 10, 17)).map(|w| w.colour),
        Some(Colour::Red)
    );
}

/// A random case: accepted on a day of 2025–2026, some stages completed, perhaps suspended (and
/// resumed), perhaps extended, looked at some days later.
#[derive(Debug, Clone)]
struct Scenario {
    start: u32,
    promised: u32,
    stage_limits: Vec<u32>,
    /// Days between successive stage completions.
    completions: Vec<u32>,
    /// Days to the suspension, and to the resumption if any.
    suspension: Option<(u32, Option<u32>)>,
    extension: Option<u32>,
    /// Days from the last event to "today".
    today: u32,
    /// A second look, later.
    later: u32,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        0u32..690,
        1u32..=20,
        prop::collection::vec(0u32..=5, 1..=4),
        prop::collection::vec(0u32..=6, 0..=4),
        prop::option::of((0u32..=8, prop::option::of(0u32..=15))),
        prop::option::of(0u32..=10),
        0u32..=40,
        0u32..=30,
    )
        .prop_map(
            |(start, promised, stage_limits, completions, suspension, extension, today, later)| {
                Scenario {
                    start,
                    promised,
                    stage_limits,
                    completions,
                    suspension,
                    extension,
                    today,
                    later,
                }
            },
        )
}

/// Plays a scenario: the case, its log, and "today".
fn play(s: &Scenario) -> (Case, Vec<CaseEvent>, NaiveDate) {
    let mut day = plus(ymd(2025, 1, 1), s.start);
    let mut ev = accepted(item(s.promised, &s.stage_limits), day);
    for (i, gap) in s.completions.iter().enumerate() {
        day = plus(day, *gap);
        let cmd = Command::CompleteStage {
            index: i,
            approved: true,
            opinion: "同意".into(),
        };
        if !run(&mut ev, cmd, &reviewer(), day) {
            break;
        }
    }
    if let Some(gap) = s.extension {
        day = plus(day, gap);
        let cmd = Command::Extend {
            reason: "情况复杂".into(),
        };
        run(&mut ev, cmd, &head(), day);
    }
    if let Some((gap, resume)) = s.suspension {
        day = plus(day, gap);
        let cmd = Command::Suspend {
            procedure: SpecialProcedure::Testing,
            reason: "检测".into(),
            expected_days: 5,
        };
        if run(&mut ev, cmd, &reviewer(), day) {
            if let Some(gap) = resume {
                day = plus(day, gap);
                run(&mut ev, Command::Resume, &reviewer(), day);
            }
        }
    }
    let case = Case::replay(&ev).expect("case");
    (case, ev, plus(day, s.today))
}

fn any_rule() -> impl Strategy<Value = WarningRule> {
    (prop::option::of(0u32..=6), prop::option::of(0u32..=100)).prop_map(|(d, p)| WarningRule {
        scope: RuleScope::All,
        yellow_days_left: d,
        yellow_percent_used: p,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Red means overdue: never for a deadline today or in the future; yellow never for a past one.
    #[test]
    fn red_only_for_deadlines_already_passed(s in scenario(), rule in any_rule()) {
        let (case, _, today) = play(&s);
        for w in warnings(&case, std::slice::from_ref(&rule), today, cal()) {
            match w.colour {
                Colour::Red => {
                    prop_assert!(w.due < today, "{w:?} on {today}");
                    prop_assert!(w.days_left <= 0);
                }
                Colour::Yellow => prop_assert!(w.due >= today, "{w:?} on {today}"),
            }
        }
    }

    /// As days pass (fewer days left, more time used), a warning never goes away or turns from red
    /// back to yellow while the case stands still.
    #[test]
    fn warnings_only_grow_with_time(s in scenario(), rule in any_rule()) {
        let (case, _, today) = play(&s);
        let rules = [rule];
        let now = warnings(&case, &rules, today, cal());
        let later = warnings(&case, &rules, plus(today, s.later), cal());
        for w in &now {
            let l = later.iter().find(|l| l.kind == w.kind);
            prop_assert!(l.is_some(), "{w:?} vanished");
            let l = l.unwrap();
            prop_assert!(l.colour >= w.colour);
            prop_assert!(l.days_left <= w.days_left);
            prop_assert!(l.percent_used >= w.percent_used);
        }
    }

    /// Looser thresholds (more days left, a lower percentage) warn about at least the same deadlines.
    #[test]
    fn yellow_thresholds_are_monotonic(
        s in scenario(),
        days in 0u32..=6,
        more_days in 0u32..=6,
        pct in 0u32..=100,
        less_pct in 0u32..=100,
    ) {
        let (case, _, today) = play(&s);
        let strict = WarningRule {
            scope: RuleScope::All,
            yellow_days_left: Some(days),
            yellow_percent_used: Some(pct),
        };
        let loose = WarningRule {
            scope: RuleScope::All,
            yellow_days_left: Some(days + more_days),
            yellow_percent_used: Some(pct.saturating_sub(less_pct)),
        };
        let off = WarningRule {
            scope: RuleScope::All,
            yellow_days_left: None,
            yellow_percent_used: None,
        };
        let kinds = |r: &WarningRule| -> Vec<WarningKind> {
            warnings(&case, std::slice::from_ref(r), today, cal())
                .into_iter()
                .map(|w| w.kind)
                .collect()
        };
        let (s_k, l_k, o_k) = (kinds(&strict), kinds(&loose), kinds(&off));
        for k in &s_k {
            prop_assert!(l_k.contains(k), "{k:?} warned under {strict:?} but not {loose:?}");
        }
        for k in &o_k {
            prop_assert!(s_k.contains(k));
        }
    }

    /// The clock stops in a special procedure: no time warnings, however late.
    #[test]
    fn a_suspended_case_has_no_time_warnings(s in scenario(), rule in any_rule(), after in 0u32..400) {
        let (case, _, today) = play(&s);
        if case.state == CaseState::Suspended {
            prop_assert_eq!(warnings(&case, &[rule], plus(today, after), cal()), vec![]);
        }
    }

    /// The stored rows say exactly what the case says, on every day from its last event on: the
    /// scan raises warnings from rows alone, so any disagreement would be a wrong or missed warning.
    #[test]
    fn deadline_rows_agree_with_warnings_on_every_day(s in scenario(), rule in any_rule()) {
        let (case, events, today) = play(&s);
        let rules = [rule];
        let rows = deadline_rows(&case, &rules, cal());
        let mut keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        keys.sort();
        keys.dedup();
        prop_assert_eq!(keys.len(), rows.len(), "one row per deadline");
        let from = events.last().map(|e| local_date(e.at)).unwrap_or(today).min(today);
        for offset in 0..=(s.later + 40) {
            let day = plus(from, offset);
            let mut by_case: Vec<(String, Colour)> = warnings(&case, &rules, day, cal())
                .into_iter()
                .map(|w| (w.kind.key(), w.colour))
                .collect();
            let mut by_rows: Vec<(String, Colour)> = rows
                .iter()
                .filter_map(|r| r.colour_on(day).map(|c| (r.key.clone(), c)))
                .collect();
            by_case.sort();
            by_rows.sort();
            prop_assert_eq!(by_case, by_rows, "on {}", day);
        }
    }

    /// Between any two states of a case's life that `same_deadline_inputs` calls equal, the deadline
    /// rows and warnings are equal too (the web layer skips supervision writes on it).
    #[test]
    fn same_deadline_inputs_means_same_rows_and_warnings(s in scenario(), rule in any_rule()) {
        let (_, events, today) = play(&s);
        let rules = [rule];
        let states: Vec<Case> = (1..=events.len())
            .filter_map(|n| Case::replay(&events[..n]))
            .collect();
        for pair in states.windows(2) {
            if same_deadline_inputs(&pair[0], &pair[1]) {
                prop_assert_eq!(
                    deadline_rows(&pair[0], &rules, cal()),
                    deadline_rows(&pair[1], &rules, cal())
                );
                prop_assert_eq!(
                    warnings(&pair[0], &rules, today, cal()),
                    warnings(&pair[1], &rules, today, cal())
                );
            }
        }
    }

    /// What a case shows now was raised over its life, and on or before today.
    #[test]
    fn current_warnings_are_among_those_raised(s in scenario()) {
        let (case, events, today) = play(&s);
        let raised = warnings_raised(&events, &[], today, cal());
        for w in warnings(&case, &[], today, cal()) {
            prop_assert!(
                raised.iter().any(|(_, r)| r.kind == w.kind && r.colour == w.colour),
                "{w:?} not in {raised:?}"
            );
        }
        let mut keys: Vec<(WarningKind, Colour)> = raised.iter().map(|(_, w)| (w.kind, w.colour)).collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        prop_assert_eq!(keys.len(), n, "raised once each");
        for (day, w) in &raised {
            prop_assert!(*day <= today);
            if w.colour == Colour::Red {
                prop_assert!(*day > w.due);
            }
        }
    }
}

fn outcome_strategy() -> impl Strategy<Value = CaseOutcome> {
    (
        prop::sample::select(vec!["甲镇", "乙镇", "丙镇", "丁镇"]),
        any::<bool>(),
        any::<bool>(),
        0u32..=60,
        any::<bool>(),
        0u32..=8,
        0u32..=5,
        prop::option::of(0u8..=7),
        0u32..=3,
    )
        .prop_map(
            |(
                unit,
                on_time,
                early,
                working_days,
                overdue,
                warnings,
                violations,
                sat,
                complaints,
            )| {
                CaseOutcome {
                    unit: unit.into(),
                    on_time,
                    early: early && on_time,
                    working_days,
                    overdue: overdue && !on_time,
                    warnings,
                    violations,
                    satisfaction: sat,
                    complaints,
                }
            },
        )
}

fn weights_strategy() -> impl Strategy<Value = Weights> {
    let w = || prop_oneof![Just(0.0), 0.0f64..100.0, Just(-1.0)];
    (w(), w(), w(), w(), w(), w(), w(), w(), w()).prop_map(|(a, b, c, d, e, f, g, h, i)| Weights {
        on_time: a,
        early: b,
        speed: c,
        satisfaction: d,
        reference_days: e,
        overdue_penalty: f,
        warning_penalty: g,
        violation_penalty: h,
        complaint_penalty: i,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn scores_are_within_0_to_100_and_ranked(
        outcomes in prop::collection::vec(outcome_strategy(), 0..40),
        weights in prop_oneof![Just(Weights::default()), weights_strategy()],
    ) {
        let scores = evaluate(&outcomes, &weights);
        let units: std::collections::BTreeSet<&str> = outcomes.iter().map(|o| o.unit.as_str()).collect();
        prop_assert_eq!(scores.len(), units.len());
        prop_assert_eq!(scores.iter().map(|s| s.cases as usize).sum::<usize>(), outcomes.len());
        for s in &scores {
            prop_assert!((0.0..=100.0).contains(&s.score), "{s:?}");
            prop_assert!((0.0..=1.0).contains(&s.on_time_rate));
            prop_assert!((0.0..=1.0).contains(&s.early_rate));
            prop_assert!(s.early <= s.on_time && s.on_time <= s.cases);
            if let Some(m) = s.mean_satisfaction {
                prop_assert!((1.0..=5.0).contains(&m));
            }
        }
        for (i, pair) in scores.windows(2).enumerate() {
            let (a, b) = (&pair[0], &pair[1]);
            prop_assert!(
                a.score > b.score || (a.score == b.score && a.unit < b.unit),
                "not ranked: {a:?} before {b:?}"
            );
            if a.score == b.score {
                prop_assert_eq!(a.rank, b.rank);
            } else {
                prop_assert_eq!(b.rank as usize, i + 2);
            }
        }
        if let Some(first) = scores.first() {
            prop_assert_eq!(first.rank, 1);
        }
    }

    /// Totals added up in any grouping (as a database adds up parts of a unit under several
    /// keys, plus feedback one case at a time) score exactly as the cases one by one.
    #[test]
    fn totals_added_in_any_split_score_as_the_cases(
        outcomes in prop::collection::vec(outcome_strategy(), 0..40),
        cut in prop::collection::vec(any::<bool>(), 40),
        weights in prop_oneof![Just(Weights::default()), weights_strategy()],
    ) {
        let mut units: std::collections::BTreeMap<String, (Totals, Totals)> = Default::default();
        for (o, second) in outcomes.iter().zip(&cut) {
            let e = units.entry(o.unit.clone()).or_default();
            let part = if *second { &mut e.1 } else { &mut e.0 };
            part.add(&Totals::of(o));
        }
        let merged = units.into_iter().map(|(u, (mut a, b))| {
            a.add(&b);
            (u, a)
        });
        prop_assert_eq!(evaluate_totals(merged, &weights), evaluate(&outcomes, &weights));
    }

    /// Doing better on one case never lowers the unit's score.
    #[test]
    fn a_better_outcome_never_lowers_the_score(
        outcomes in prop::collection::vec(outcome_strategy(), 1..20),
        pick in any::<prop::sample::Index>(),
    ) {
        let i = pick.index(outcomes.len());
        let mut better = outcomes.clone();
        let o = &mut better[i];
        o.on_time = true;
        o.overdue = false;
        o.warnings = 0;
        o.violations = 0;
        o.complaints = 0;
        o.working_days /= 2;
        let unit = o.unit.clone();
        let score = |os: &[CaseOutcome]| {
            evaluate(os, &Weights::default())
                .into_iter()
                .find(|s| s.unit == unit)
                .map(|s| s.score)
                .unwrap_or(0.0)
        };
        prop_assert!(score(&better) >= score(&outcomes));
    }
}

/// The random cases reach what the properties are about: otherwise they prove little.
#[test]
fn scenarios_cover_suspension_red_and_yellow() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut suspended, mut resumed, mut red, mut yellow, mut stage, mut statutory) =
        (0, 0, 0, 0, 0, 0);
    for _ in 0..400 {
        let s = scenario()
            .new_tree(&mut runner)
            .expect("a scenario")
            .current();
        let (case, _, today) = play(&s);
        suspended += (case.state == CaseState::Suspended) as u32;
        resumed += (case.suspended_days > 0) as u32;
        for w in warnings(&case, &[], today, cal()) {
            red += (w.colour == Colour::Red) as u32;
            yellow += (w.colour == Colour::Yellow) as u32;
            stage += matches!(w.kind, WarningKind::StageDeadline { .. }) as u32;
            statutory += (w.kind == WarningKind::StatutoryDeadline) as u32;
        }
    }
    for (what, n) in [
        ("suspended", suspended),
        ("resumed", resumed),
        ("red", red),
        ("yellow", yellow),
        ("stage", stage),
        ("statutory", statutory),
    ] {
        assert!(n >= 10, "only {n} scenarios with {what}");
    }
}
