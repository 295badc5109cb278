//! Shared helpers of the case suites (`case_*.rs`): the real 2025/2026 holiday schedule, places,
//! items, filings and actors, and running commands on a case the way the store does (decide, seal,
//! apply).
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use std::sync::OnceLock;
use yizhan_domain::access::Role;
use yizhan_domain::calendar::{parse_holiday_csv, WorkingCalendar};
use yizhan_domain::case::*;
use yizhan_domain::catalog::{Fee, ItemKind, Stage};
use yizhan_domain::region::{Level, RegionCode};

pub const REAL_CSV: &str = include_str!("../../../../data/cn-holidays.csv");

pub fn cal() -> &'static WorkingCalendar {
    static CAL: OnceLock<WorkingCalendar> = OnceLock::new();
    CAL.get_or_init(|| {
        WorkingCalendar::new(parse_holiday_csv(REAL_CSV).expect("official schedule parses"))
    })
}

pub fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// 10:00 in Asia/Shanghai on that day.
pub fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    on(ymd(y, m, d))
}

pub fn on(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(2, 0, 0).expect("valid time").and_utc()
}

// ---------------------------------------------------------------------------------------------
// Places, items, filings, actors
// ---------------------------------------------------------------------------------------------

/// 某区 (county) → 甲镇 (township A, the accepting and deciding place) → 甲村 (village);
/// 乙镇 (township B) is a neighbour.
pub const TOWNSHIP_A: &str = "330102001000";
pub const TOWNSHIP_B: &str = "330102002000";
pub const VILLAGE_A: &str = "330102001001";
/// Department codes: 民政 (the item's department), 住建, 消防.
pub const MZ: &str = "MZ";
pub const ZJ: &str = "ZJ";
pub const XF: &str = "XF";
pub const APPLICANT_ID: i64 = 1001;

pub fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).expect("valid region code")
}

pub fn stage(name: &str, department: &str, limit_days: u32, parallel_group: Option<u32>) -> Stage {
    Stage {
        name: name.into(),
        department: department.into(),
        limit_days,
        parallel_group,
    }
}

pub fn terms(
    code: &str,
    kind: ItemKind,
    statutory: u32,
    promised: u32,
    stages: Vec<Stage>,
    fees: Vec<Fee>,
) -> ItemTerms {
    ItemTerms {
        code: code.into(),
        version: 1,
        name: format!("测试事项{code}"),
        kind,
        department: MZ.into(),
        statutory_limit_days: statutory,
        promised_limit_days: promised,
        stages,
        materials: vec![
            ("居民身份证".into(), true),
            ("申请表".into(), true),
            ("户口簿".into(), false),
        ],
        fees,
        result_name: "许可证".into(),
        item_type: None,
        legal_basis: String::new(),
    }
}

/// 承诺件: 受理审查 → 现场核查 → 审核决定 → 制证, promised 10 working days.
pub fn promised_item() -> ItemTerms {
    terms(
        "P1",
        ItemKind::Promised,
        20,
        10,
        vec![
            stage("受理审查", MZ, 1, None),
            stage("现场核查", MZ, 3, None),
            stage("审核决定", MZ, 2, None),
            stage("制证", MZ, 1, None),
        ],
        vec![],
    )
}

/// 联办件: 受理审查 → (住建现场核查 ∥ 消防核查) → 联合会签 → 审核决定 → 制证, promised 30.
pub fn joint_item() -> ItemTerms {
    terms(
        "J1",
        ItemKind::Joint,
        45,
        30,
        vec![
            stage("受理审查", MZ, 1, None),
            stage("住建现场核查", ZJ, 5, Some(1)),
            stage("消防核查", XF, 5, Some(1)),
            stage("联合会签", MZ, 2, None),
            stage("审核决定", MZ, 2, None),
            stage("制证", MZ, 1, None),
        ],
        vec![],
    )
}

/// 即办件, free.
pub fn immediate_item() -> ItemTerms {
    terms(
        "I1",
        ItemKind::Immediate,
        0,
        0,
        vec![stage("当场审核决定", MZ, 0, None)],
        vec![],
    )
}

/// 即办件 with a fee.
pub fn immediate_fee_item() -> ItemTerms {
    terms(
        "I2",
        ItemKind::Immediate,
        0,
        0,
        vec![stage("当场审核决定", MZ, 0, None)],
        fees(),
    )
}

pub fn fees() -> Vec<Fee> {
    vec![
        Fee {
            name: "工本费".into(),
            amount_fen: 1000,
            basis: "价格主管部门批复".into(),
        },
        Fee {
            name: "证书费".into(),
            amount_fen: 500,
            basis: "价格主管部门批复".into(),
        },
    ]
}

/// 承诺件 with two fee standards (10.00 + 5.00 元): the window assesses which apply.
pub fn fee_item() -> ItemTerms {
    ItemTerms {
        code: "F1".into(),
        fees: fees(),
        ..promised_item()
    }
}

/// 承诺件 with a single fee standard of 15.00 元, known at acceptance.
pub fn single_fee_item() -> ItemTerms {
    ItemTerms {
        code: "F2".into(),
        fees: vec![Fee {
            name: "登记费".into(),
            amount_fen: 1500,
            basis: "收费标准".into(),
        }],
        ..promised_item()
    }
}

/// Both standards of `fees()` once: 15.00 元.
pub fn assess_all() -> Command {
    Command::AssessFees {
        lines: vec![(0, 1), (1, 1)],
    }
}

pub fn filing(item: ItemTerms, channel: Channel) -> Filing {
    Filing {
        number: format!("{TOWNSHIP_A}-20250926-{}", item.code),
        query_code: "Q7K2M9".into(),
        channel,
        applicant: Applicant {
            kind: ApplicantKind::Person,
            name: "张三".into(),
            id_number: "330102199001011234".into(),
            phone: "13800000000".into(),
            user_id: Some(APPLICANT_ID),
        },
        item,
        place: region(TOWNSHIP_A),
        decide_place: region(TOWNSHIP_A),
        applicant_region: region(VILLAGE_A),
        agent_user_id: None,
        form: serde_json::json!({}),
        suite: Default::default(),
    }
}

pub fn role(role: Role, code: &str, level: Level, department: Option<&str>) -> ActorRole {
    ActorRole {
        role,
        region: region(code),
        level,
        department: department.map(str::to_string),
    }
}

pub fn person(user_id: i64, name: &str, roles: Vec<ActorRole>) -> Actor {
    Actor {
        user_id: Some(user_id),
        name: name.into(),
        roles,
        system: false,
    }
}

pub fn applicant() -> Actor {
    person(
        APPLICANT_ID,
        "张三",
        vec![role(Role::Applicant, VILLAGE_A, Level::Village, None)],
    )
}

/// Another citizen: not the applicant of any case here.
pub fn stranger() -> Actor {
    person(
        1002,
        "李四",
        vec![role(Role::Applicant, VILLAGE_A, Level::Village, None)],
    )
}

/// 窗口人员 of 甲镇, the accepting place.
pub fn clerk() -> Actor {
    person(
        2001,
        "王窗口",
        vec![role(Role::WindowClerk, TOWNSHIP_A, Level::Township, None)],
    )
}

/// 窗口人员 of 乙镇: another township.
pub fn outsider() -> Actor {
    person(
        2002,
        "赵窗口",
        vec![role(Role::WindowClerk, TOWNSHIP_B, Level::Township, None)],
    )
}

/// 审批人员 of a department at 甲镇.
pub fn reviewer(dept: &str) -> Actor {
    let id = match dept {
        MZ => 3001,
        ZJ => 3002,
        _ => 3003,
    };
    person(
        id,
        &format!("审批{dept}"),
        vec![role(
            Role::Reviewer,
            TOWNSHIP_A,
            Level::Township,
            Some(dept),
        )],
    )
}

/// 部门负责人 of the item's department (民政) at the deciding place.
/// The township's head of government (分管副镇长): approves a joint item's extension.
pub fn government_head() -> Actor {
    person(
        4101,
        "孙副镇长",
        vec![role(
            Role::GovernmentHead,
            TOWNSHIP_A,
            Level::Township,
            None,
        )],
    )
}

pub fn head() -> Actor {
    person(
        4001,
        "钱科长",
        vec![role(
            Role::DepartmentHead,
            TOWNSHIP_A,
            Level::Township,
            Some(MZ),
        )],
    )
}

/// 部门负责人 of another department at the same place.
pub fn other_head() -> Actor {
    person(
        4002,
        "孙科长",
        vec![role(
            Role::DepartmentHead,
            TOWNSHIP_A,
            Level::Township,
            Some(ZJ),
        )],
    )
}

/// 部门负责人 of the item's department, but at another township.
pub fn far_head() -> Actor {
    person(
        4003,
        "周科长",
        vec![role(
            Role::DepartmentHead,
            TOWNSHIP_B,
            Level::Township,
            Some(MZ),
        )],
    )
}

pub fn system() -> Actor {
    Actor::system()
}

// ---------------------------------------------------------------------------------------------
// Running commands
// ---------------------------------------------------------------------------------------------

/// Opens a case (window filings are received on the spot) and seals its first events.
pub fn file(item: ItemTerms, channel: Channel, when: DateTime<Utc>) -> Vec<CaseEvent> {
    let f = filing(item, channel);
    let who = ActorRef {
        user_id: Some(APPLICANT_ID),
        name: "张三".into(),
        role: Some(Role::Applicant),
        place: None,
    };
    let number = f.number.clone();
    seal(
        Suite::Intl,
        &number,
        0,
        GENESIS_HASH,
        when,
        &who,
        "filed",
        &[],
        open(f, when, cal()),
    )
}

pub fn case_of(events: &[CaseEvent]) -> Case {
    Case::replay(events).expect("a filed case")
}

/// Decides `cmd` on the case the events make, seals the new events and applies them.
pub fn run(
    case_events: &mut Vec<CaseEvent>,
    cmd: Command,
    actor: &Actor,
    when: DateTime<Utc>,
) -> Result<Case, CaseError> {
    let mut case = case_of(case_events);
    let d = decide(&case, &cmd, actor, when, cal())?;
    let sealed = seal(
        Suite::Intl,
        &case.filing.number,
        case.version,
        &case.last_hash,
        when,
        &d.actor,
        cmd.name(),
        &[],
        d.events,
    );
    for e in &sealed {
        case.apply(e);
    }
    case_events.extend(sealed);
    Ok(case)
}

/// Like `run`, but the command must succeed.
pub fn ok(events: &mut Vec<CaseEvent>, cmd: Command, actor: &Actor, when: DateTime<Utc>) -> Case {
    let name = cmd.name();
    run(events, cmd, actor, when).unwrap_or_else(|e| panic!("{name} should succeed: {e:?}"))
}

/// Like `run`, but the command must fail; the log must not change.
pub fn err(
    events: &mut Vec<CaseEvent>,
    cmd: Command,
    actor: &Actor,
    when: DateTime<Utc>,
) -> CaseError {
    let before = events.len();
    let name = cmd.name();
    let e = run(events, cmd, actor, when)
        .err()
        .unwrap_or_else(|| panic!("{name} should be refused"));
    assert_eq!(events.len(), before, "a refused command appends nothing");
    e
}

pub fn mark(index: usize, status: MaterialStatus, reason: &str) -> Command {
    Command::MarkMaterial {
        index,
        status,
        reason: reason.into(),
    }
}

/// The clerk checks the mandatory materials (身份证, 申请表) as received.
pub fn receive_mandatory(events: &mut Vec<CaseEvent>, when: DateTime<Utc>) {
    for i in 0..2 {
        ok(
            events,
            mark(i, MaterialStatus::Received, ""),
            &clerk(),
            when,
        );
    }
}

/// A window filing on `day`, materials checked and accepted the same day.
pub fn accepted(item: ItemTerms, day: NaiveDate) -> Vec<CaseEvent> {
    let mut ev = file(item, Channel::Window, on(day));
    receive_mandatory(&mut ev, on(day));
    ok(&mut ev, Command::Accept, &clerk(), on(day));
    ev
}

pub fn complete(
    index: usize,
    dept: &str,
    events: &mut Vec<CaseEvent>,
    when: DateTime<Utc>,
) -> Case {
    ok(
        events,
        Command::CompleteStage {
            index,
            approved: true,
            opinion: "同意".into(),
        },
        &reviewer(dept),
        when,
    )
}

pub fn grant() -> Command {
    Command::Decide {
        granted: true,
        reasons: String::new(),
        licence_no: Some("MZ-2025-001".into()),
    }
}

pub fn deliver() -> Command {
    Command::Deliver {
        method: DeliveryMethod::Window,
        recipient: "张三".into(),
    }
}

pub fn suspend() -> Command {
    Command::Suspend {
        procedure: SpecialProcedure::ExpertReview,
        reason: "需组织专家评审".into(),
        expected_days: 10,
    }
}

pub fn extend() -> Command {
    Command::Extend {
        reason: "情况复杂,需进一步核查".into(),
    }
}

/// A payment with the next receipt number (the platform issues each once).
pub fn pay(amount_fen: i64) -> Command {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Command::RecordPayment {
        amount_fen,
        method: PaymentMethod::Cash,
        receipt_no: format!("票{n:06}"),
        paper_no: None,
    }
}

/// A refund from the receipt numbered `receipt_no`.
pub fn refund_from(receipt_no: &str, amount_fen: i64, reason: &str) -> Command {
    Command::Refund {
        amount_fen,
        reason: reason.into(),
        receipt_no: receipt_no.into(),
    }
}

pub fn last_kind(events: &[CaseEvent]) -> &EventKind {
    &events.last().expect("an event").kind
}

// ---------------------------------------------------------------------------------------------
// Every command and every actor
// ---------------------------------------------------------------------------------------------

/// Every command, with arguments that would be valid somewhere.
pub fn every_command() -> Vec<Command> {
    vec![
        Command::UpdateDraft {
            applicant: Applicant {
                kind: ApplicantKind::Person,
                name: "张三".into(),
                id_number: "1".into(),
                phone: "1".into(),
                user_id: Some(APPLICANT_ID),
            },
            form: serde_json::json!({}),
        },
        Command::Submit,
        Command::UploadMaterial {
            index: 0,
            sha256: "ab".into(),
        },
        mark(0, MaterialStatus::Received, ""),
        Command::RequestCorrection {
            defects: vec![Defect {
                material: "申请表".into(),
                reason: "缺".into(),
            }],
        },
        Command::Resubmit,
        Command::Refuse {
            reasons: "理由".into(),
        },
        Command::Accept,
        Command::AutoAccept,
        Command::CompleteStage {
            index: 0,
            approved: true,
            opinion: "同意".into(),
        },
        suspend(),
        Command::Resume,
        extend(),
        grant(),
        assess_all(),
        pay(100),
        Command::Refund {
            amount_fen: 1,
            reason: "退".into(),
            receipt_no: "票000001".into(),
        },
        deliver(),
        Command::Complete,
        Command::Withdraw {
            reason: "撤".into(),
        },
        Command::Terminate {
            reason: "终止".into(),
        },
        Command::HandleImmediately { licence_no: None },
    ]
}

pub fn every_actor() -> Vec<Actor> {
    vec![
        applicant(),
        stranger(),
        clerk(),
        outsider(),
        reviewer(MZ),
        reviewer(ZJ),
        reviewer(XF),
        head(),
        other_head(),
        far_head(),
        system(),
    ]
}
