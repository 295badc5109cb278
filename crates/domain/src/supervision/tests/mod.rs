//! Unit tests on a plain Monday–Friday calendar (no holidays), in March 2026:
//! Mon 03-02 … Fri 03-06, Mon 03-09 … Fri 03-13, Mon 03-16, Mon 03-23, Mon 03-30.
//!
//! The standard case: filed and accepted Mon 03-02 (correction window to 03-09; promised due
//! 03-16 = 10 working days; statutory due 03-30 = 20), stages 受理审查 (1 day, due 03-03) →
//! 现场核查 (3 days) → 审核决定 → 制证.

use super::*;
use crate::access::Role;
use crate::calendar::WorkingCalendar;
use crate::case::*;
use crate::catalog::ItemKind;
use crate::catalog::{Fee, Stage};
use crate::region::{Level, RegionCode};
use chrono::NaiveDate;
use chrono::{DateTime, Utc};
#[allow(unused_imports)]
use std::collections::{BTreeMap, BTreeSet};

const TA: &str = "330102001000";
const TB: &str = "330102002000";
const VA: &str = "330102001001";
const MZ: &str = "MZ";

fn cal() -> WorkingCalendar {
    WorkingCalendar::default()
}

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).expect("valid date")
}

/// 10:00 Asia/Shanghai.
fn at(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(2, 0, 0).expect("valid time").and_utc()
}

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).expect("valid region")
}

fn stage(name: &str, limit_days: u32) -> Stage {
    Stage {
        name: name.into(),
        department: MZ.into(),
        limit_days,
        parallel_group: None,
    }
}

/// 承诺件, free: promised 10, statutory 20.
fn item() -> ItemTerms {
    ItemTerms {
        code: "P1".into(),
        version: 1,
        name: "测试事项".into(),
        kind: ItemKind::Promised,
        department: MZ.into(),
        statutory_limit_days: 20,
        promised_limit_days: 10,
        stages: vec![
            stage("受理审查", 1),
            stage("现场核查", 3),
            stage("审核决定", 2),
            stage("制证", 1),
        ],
        materials: vec![
            ("居民身份证".into(), true),
            ("申请表".into(), true),
            ("户口簿".into(), false),
        ],
        fees: vec![],
        result_name: "许可证".into(),
        item_type: None,
        legal_basis: String::new(),
    }
}

/// Two fee standards (10.00 + 5.00 元): the window assesses which apply.
fn fee_item() -> ItemTerms {
    ItemTerms {
        code: "F1".into(),
        fees: vec![
            Fee {
                name: "工本费".into(),
                amount_fen: 1000,
                basis: "批复".into(),
            },
            Fee {
                name: "证书费".into(),
                amount_fen: 500,
                basis: "批复".into(),
            },
        ],
        ..item()
    }
}

/// One fee standard of 15.00 元, due from acceptance.
fn single_fee_item() -> ItemTerms {
    ItemTerms {
        code: "F2".into(),
        fees: vec![Fee {
            name: "登记费".into(),
            amount_fen: 1500,
            basis: "批复".into(),
        }],
        ..item()
    }
}

fn immediate_item() -> ItemTerms {
    ItemTerms {
        code: "I1".into(),
        kind: ItemKind::Immediate,
        statutory_limit_days: 0,
        promised_limit_days: 0,
        stages: vec![stage("当场审核决定", 0)],
        ..item()
    }
}

fn filing(item: ItemTerms) -> Filing {
    Filing {
        number: format!("{TA}-20260302-{}", item.code),
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
        place: region(TA),
        decide_place: region(TA),
        applicant_region: region(VA),
        agent_user_id: None,
        form: serde_json::json!({}),
        suite: Default::default(),
    }
}

fn actor(id: i64, name: &str, role: Role, place: &str, dept: Option<&str>) -> Actor {
    Actor {
        user_id: Some(id),
        name: name.into(),
        roles: vec![ActorRole {
            role,
            region: region(place),
            level: Level::Township,
            department: dept.map(str::to_string),
        }],
        system: false,
    }
}

fn clerk() -> Actor {
    actor(2001, "王窗口", Role::WindowClerk, TA, None)
}
fn reviewer() -> Actor {
    actor(3001, "李审批", Role::Reviewer, TA, Some(MZ))
}
fn head() -> Actor {
    actor(4001, "钱科长", Role::DepartmentHead, TA, Some(MZ))
}

/// Who is recorded on a forged event.
fn who(name: &str, role: Option<Role>, place: &str) -> ActorRef {
    ActorRef {
        user_id: Some(9),
        name: name.into(),
        role,
        place: Some(region(place)),
    }
}
fn head_ref() -> ActorRef {
    who("钱科长", Some(Role::DepartmentHead), TA)
}
fn clerk_ref() -> ActorRef {
    who("王窗口", Some(Role::WindowClerk), TA)
}

/// A case log built by the state machine, or forged with `seal` where the machine refuses.
struct Log {
    ev: Vec<CaseEvent>,
}

impl Log {
    /// Filed at the window on `day` (materials received on the spot).
    fn file(item: ItemTerms, day: NaiveDate) -> Log {
        let f = filing(item);
        let number = f.number.clone();
        let ev = seal(
            crate::case::Suite::Intl,
            &number,
            0,
            GENESIS_HASH,
            at(day),
            &who("张三", Some(Role::Applicant), VA),
            "",
            &[],
            open(f, at(day), &cal()),
        );
        Log { ev }
    }
    fn case(&self) -> Case {
        Case::replay(&self.ev).expect("a filed case")
    }
    fn try_run(&mut self, cmd: Command, a: &Actor, day: NaiveDate) -> Result<(), CaseError> {
        let case = self.case();
        let dec = decide(&case, &cmd, a, at(day), &cal())?;
        let sealed = seal(
            crate::case::Suite::Intl,
            &case.filing.number,
            case.version,
            &case.last_hash,
            at(day),
            &dec.actor,
            cmd.name(),
            &[],
            dec.events,
        );
        self.ev.extend(sealed);
        Ok(())
    }
    fn run(&mut self, cmd: Command, a: &Actor, day: NaiveDate) -> &mut Self {
        let name = cmd.name();
        self.try_run(cmd, a, day)
            .unwrap_or_else(|e| panic!("{name} should succeed: {e:?}"));
        self
    }
    /// Appends an event the state machine would refuse (a tampered or legacy log).
    fn forge(&mut self, by: ActorRef, kind: EventKind, day: NaiveDate) -> &mut Self {
        let case = self.case();
        let sealed = seal(
            crate::case::Suite::Intl,
            &case.filing.number,
            case.version,
            &case.last_hash,
            at(day),
            &by,
            "",
            &[],
            vec![kind],
        );
        self.ev.extend(sealed);
        self
    }
    fn violations(&self, today: NaiveDate) -> Vec<Violation> {
        violations(&self.case(), &self.ev, today, &cal())
    }
    fn found(&self, rule: ViolationRule, today: NaiveDate) -> Vec<Violation> {
        self.violations(today)
            .into_iter()
            .filter(|v| v.rule == rule)
            .collect()
    }
    fn has(&self, rule: ViolationRule, today: NaiveDate) -> bool {
        !self.found(rule, today).is_empty()
    }
    fn last_seq(&self) -> u32 {
        self.ev.last().expect("an event").seq
    }
    fn warnings(&self, today: NaiveDate) -> Vec<Warning> {
        warnings(&self.case(), &[], today, &cal())
    }
}

fn mark(index: usize) -> Command {
    Command::MarkMaterial {
        index,
        status: MaterialStatus::Received,
        reason: String::new(),
    }
}
fn complete(index: usize) -> Command {
    Command::CompleteStage {
        index,
        approved: true,
        opinion: "同意".into(),
    }
}
fn grant() -> Command {
    Command::Decide {
        granted: true,
        reasons: String::new(),
        licence_no: Some("MZ-1".into()),
    }
}
fn deliver() -> Command {
    Command::Deliver {
        method: DeliveryMethod::Window,
        recipient: "张三".into(),
    }
}
fn suspend() -> Command {
    Command::Suspend {
        procedure: SpecialProcedure::ExpertReview,
        reason: "需组织专家评审".into(),
        expected_days: 10,
    }
}
fn extend() -> Command {
    Command::Extend {
        reason: "情况复杂".into(),
    }
}
fn pay(amount_fen: i64) -> Command {
    // Each payment its own number, as the platform issues them.
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Command::RecordPayment {
        amount_fen,
        method: PaymentMethod::Cash,
        receipt_no: format!("票{n}"),
        paper_no: None,
    }
}
fn payment(amount_fen: i64) -> EventKind {
    EventKind::PaymentRecorded {
        amount_fen,
        method: PaymentMethod::Cash,
        receipt_no: "票1".into(),
        paper_no: None,
    }
}
fn decided(granted: bool, reasons: &str, on: NaiveDate) -> EventKind {
    EventKind::Decided {
        granted,
        reasons: reasons.into(),
        licence_no: None,
        on,
        delivery_due: granted.then(|| cal().add_working_days(on, DELIVERY_LIMIT_DAYS)),
        completes: vec![2],
    }
}

/// Filed and accepted on `day` with the mandatory materials received.
fn accepted(item: ItemTerms, day: NaiveDate) -> Log {
    let mut l = Log::file(item, day);
    l.run(mark(0), &clerk(), day)
        .run(mark(1), &clerk(), day)
        .run(Command::Accept, &clerk(), day);
    l
}

/// Accepted 03-02, 受理审查 done 03-03 (its due), 现场核查 done 03-05 (due 03-06).
fn reviewed(item: ItemTerms) -> Log {
    let mut l = accepted(item, d(3, 2));
    l.run(complete(0), &reviewer(), d(3, 3))
        .run(complete(1), &reviewer(), d(3, 5));
    l
}

/// Reviewed, granted 03-06 (delivery due 03-20), delivered and completed 03-09.
fn completed(item: ItemTerms) -> Log {
    let mut l = reviewed(item);
    l.run(grant(), &head(), d(3, 6))
        .run(deliver(), &clerk(), d(3, 9))
        .run(Command::Complete, &clerk(), d(3, 9));
    l
}

fn rule(scope: RuleScope, days: Option<u32>, pct: Option<u32>) -> WarningRule {
    WarningRule {
        scope,
        yellow_days_left: days,
        yellow_percent_used: pct,
    }
}

mod evaluation;
mod violations;
mod warnings;
