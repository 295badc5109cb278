//! Electronic supervision (电子监察, §10), the pure part: early warnings (预警) from a case's
//! deadlines, violations (纠错) detected from a case's event log, and performance evaluation
//! (绩效评估) of the units that handle cases.
//!
//! Everything here is a function of the case, its log, the day and the working calendar. Storing
//! warnings (raised exactly once), supervision orders (督办单) and live monitoring build on it.
//!
//! Time is counted in working days (art. 82) with [`WorkingCalendar`]: "days left" is
//! [`WorkingCalendar::working_days_left`] (0 on the due day itself), and a deadline is overdue from the
//! day after its due date. Time spent in a special procedure (art. 45) is not counted.

use crate::access::Role;
use crate::calendar::WorkingCalendar;
use crate::case::{
    is_decision_stage, local_date, verify_chain, Case, CaseEvent, CaseState, EventKind, ItemTerms,
};
use crate::catalog::ItemKind;
use crate::error::ValidationErrors;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------------------------------------
// Warnings (预警)
// ---------------------------------------------------------------------------------------------

/// Which cases a warning rule applies to. The most specific matching rule wins:
/// `Item` over `ItemKind` over `All`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "scope", content = "value", rename_all = "snake_case")]
pub enum RuleScope {
    All,
    ItemKind(ItemKind),
    /// A catalog item, by its code (every version).
    Item(String),
}

impl RuleScope {
    pub fn matches(&self, item: &ItemTerms) -> bool {
        match self {
            RuleScope::All => true,
            RuleScope::ItemKind(k) => *k == item.kind,
            RuleScope::Item(code) => *code == item.code,
        }
    }
    /// Higher is more specific.
    pub fn specificity(&self) -> u8 {
        match self {
            RuleScope::All => 0,
            RuleScope::ItemKind(_) => 1,
            RuleScope::Item(_) => 2,
        }
    }
}

/// When a deadline turns yellow, set by administrators. Red is not configurable: a deadline is red
/// once it has passed. A deadline is yellow when either threshold is reached; `None` turns that
/// threshold off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningRule {
    pub scope: RuleScope,
    /// Yellow at this many working days left or fewer (0 = on the due day).
    pub yellow_days_left: Option<u32>,
    /// Yellow once this percentage of the period's working days is used.
    pub yellow_percent_used: Option<u32>,
}

/// Default thresholds: yellow at ≤ 2 working days left or ≥ 80% of the time used.
pub const DEFAULT_YELLOW_DAYS_LEFT: u32 = 2;
pub const DEFAULT_YELLOW_PERCENT_USED: u32 = 80;

impl Default for WarningRule {
    fn default() -> Self {
        WarningRule {
            scope: RuleScope::All,
            yellow_days_left: Some(DEFAULT_YELLOW_DAYS_LEFT),
            yellow_percent_used: Some(DEFAULT_YELLOW_PERCENT_USED),
        }
    }
}

impl WarningRule {
    /// Rejects thresholds that make no sense (a percentage above 100 would never fire early).
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.yellow_percent_used.is_some_and(|p| p > 100) {
            e.push(
                "yellow_percent_used",
                "percent_out_of_range",
                "已用时限比例应在0到100之间",
            );
        }
        if let RuleScope::Item(code) = &self.scope {
            if code.trim().is_empty() {
                e.push("scope", "item_code_required", "请填写事项编码");
            }
        }
        e.into_result(())
    }
}

/// The rule that applies to an item: the most specific matching one; among equally specific rules
/// the first listed; the default rule when none matches.
pub fn rule_for(item: &ItemTerms, rules: &[WarningRule]) -> WarningRule {
    let mut best: Option<&WarningRule> = None;
    for r in rules.iter().filter(|r| r.scope.matches(item)) {
        if best.is_none_or(|b| r.scope.specificity() > b.scope.specificity()) {
            best = Some(r);
        }
    }
    best.cloned().unwrap_or_default()
}

/// Which deadline a warning is about.
///
/// Extension point: complaint handling deadlines (§9) will add a variant (e.g.
/// `ComplaintDeadline { id }`) and call [`warn`] with their own [`Period`]; nothing else changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WarningKind {
    /// art. 32: the correction-notice window after receipt.
    CorrectionDeadline,
    /// The promised limit (承诺时限).
    CaseDeadline,
    /// The statutory limit (法定时限, art. 42).
    StatutoryDeadline,
    /// A running review stage (index into the case's stages).
    StageDeadline { index: usize },
    /// art. 44: delivery of a granted licence.
    DeliveryDeadline,
}

impl WarningKind {
    pub fn code(&self) -> &'static str {
        match self {
            WarningKind::CorrectionDeadline => "correction_deadline",
            WarningKind::CaseDeadline => "case_deadline",
            WarningKind::StatutoryDeadline => "statutory_deadline",
            WarningKind::StageDeadline { .. } => "stage_deadline",
            WarningKind::DeliveryDeadline => "delivery_deadline",
        }
    }
    /// A stable key, unique per case: e.g. `stage_deadline:2`. With the colour it identifies a
    /// warning raised once.
    pub fn key(&self) -> String {
        match self {
            WarningKind::StageDeadline { index } => format!("stage_deadline:{index}"),
            k => k.code().to_string(),
        }
    }
    pub fn label(&self) -> String {
        match self {
            WarningKind::CorrectionDeadline => "补正告知时限".into(),
            WarningKind::CaseDeadline => "承诺办结时限".into(),
            WarningKind::StatutoryDeadline => "法定办理时限".into(),
            WarningKind::StageDeadline { index } => format!("第{}环节办理时限", index + 1),
            WarningKind::DeliveryDeadline => "送达时限".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    /// 黄色预警: near the limit.
    Yellow,
    /// 红色预警: overdue.
    Red,
}

impl Colour {
    pub fn as_str(self) -> &'static str {
        match self {
            Colour::Yellow => "yellow",
            Colour::Red => "red",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Colour::Yellow => "黄色预警",
            Colour::Red => "红色预警",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub kind: WarningKind,
    pub colour: Colour,
    pub due: NaiveDate,
    /// Working days left (0 on the due day, negative once late).
    pub days_left: i64,
    /// Working days used since the period began, as a percentage of its length (above 100 when late).
    pub percent_used: u32,
}

/// The worst colour among warnings, for a case's badge.
pub fn worst(warnings: &[Warning]) -> Option<Colour> {
    warnings.iter().map(|w| w.colour).max()
}

/// A period measured by a deadline: it starts on `start` and ends on `due`; `not_counted` working
/// days inside it were spent in a special procedure (art. 45: the deadline was moved by as many).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: NaiveDate,
    pub due: NaiveDate,
    pub not_counted: u32,
}

impl Period {
    /// Working days of the period, without the uncounted ones.
    pub fn length(&self, cal: &WorkingCalendar) -> i64 {
        (cal.working_days_between(self.start, self.due) - self.not_counted as i64).max(0)
    }
    /// Working days used as of `today`, without the uncounted ones.
    pub fn elapsed(&self, today: NaiveDate, cal: &WorkingCalendar) -> i64 {
        (cal.working_days_between(self.start, today) - self.not_counted as i64).max(0)
    }
    /// `elapsed / length` in percent, rounded down; a period of no working days is 100% used from
    /// its due date on.
    pub fn percent_used(&self, today: NaiveDate, cal: &WorkingCalendar) -> u32 {
        let len = self.length(cal);
        if len == 0 {
            return if today >= self.due { 100 } else { 0 };
        }
        let pct = self.elapsed(today, cal) * 100 / len;
        u32::try_from(pct).unwrap_or(u32::MAX)
    }
}

/// The warning one period raises under a rule on `today`, if any: red once `today` is after the due
/// date, yellow when a threshold of the rule is reached, nothing otherwise.
pub fn warn(
    kind: WarningKind,
    period: &Period,
    rule: &WarningRule,
    today: NaiveDate,
    cal: &WorkingCalendar,
) -> Option<Warning> {
    let days_left = cal.working_days_left(today, period.due);
    let percent_used = period.percent_used(today, cal);
    let colour = if today > period.due {
        Colour::Red
    } else if rule.yellow_days_left.is_some_and(|n| days_left <= n as i64)
        || rule.yellow_percent_used.is_some_and(|p| percent_used >= p)
    {
        Colour::Yellow
    } else {
        return None;
    };
    Some(Warning {
        kind,
        colour,
        due: period.due,
        days_left,
        percent_used,
    })
}

/// The deadlines a case is measured by right now, with their periods:
/// - submitted (已申报): the art. 32 correction-notice window;
/// - in review: the promised and statutory deadlines and every running stage;
/// - decided with a grant: the art. 44 delivery deadline;
/// - nothing otherwise (a suspended case's clock is stopped; correction and final states wait on
///   nobody in the center).
pub fn periods(case: &Case, cal: &WorkingCalendar) -> Vec<(WarningKind, Period)> {
    let mut out = Vec::new();
    let period = |start: Option<NaiveDate>, due: Option<NaiveDate>, not_counted: u32| {
        Some(Period {
            start: start?,
            due: due?,
            not_counted,
        })
    };
    match case.state {
        CaseState::Submitted => {
            if let Some(p) = period(case.received_on, case.deadlines.correction_due, 0) {
                out.push((WarningKind::CorrectionDeadline, p));
            }
        }
        CaseState::InReview => {
            let d = &case.deadlines;
            if let Some(p) = period(case.accepted_on, d.promised_due, case.suspended_days) {
                out.push((WarningKind::CaseDeadline, p));
            }
            if let Some(p) = period(case.accepted_on, d.statutory_due, case.suspended_days) {
                out.push((WarningKind::StatutoryDeadline, p));
            }
            for (index, s) in case.stages.iter().enumerate() {
                if !s.is_active() {
                    continue;
                }
                if let (Some(start), Some(due)) = (s.started_on, s.due) {
                    // The stage was due `limit` (at least 1) working days after its start, then moved
                    // by any suspension while it ran: the difference was not counted.
                    let nominal = s.limit_days.max(1) as i64;
                    let shift = (cal.working_days_between(start, due) - nominal).max(0);
                    out.push((
                        WarningKind::StageDeadline { index },
                        Period {
                            start,
                            due,
                            not_counted: u32::try_from(shift).unwrap_or(0),
                        },
                    ));
                }
            }
        }
        CaseState::Decided if case.granted == Some(true) => {
            if let Some(p) = period(case.decided_on, case.deadlines.delivery_due, 0) {
                out.push((WarningKind::DeliveryDeadline, p));
            }
        }
        _ => {}
    }
    out
}

/// The warnings a case raises on `today` under the administrators' rules (see [`periods`] for
/// which deadlines count in which state; a suspended case raises none, its clock being stopped).
pub fn warnings(
    case: &Case,
    rules: &[WarningRule],
    today: NaiveDate,
    cal: &WorkingCalendar,
) -> Vec<Warning> {
    let rule = rule_for(&case.filing.item, rules);
    periods(case, cal)
        .into_iter()
        .filter_map(|(kind, p)| warn(kind, &p, &rule, today, cal))
        .collect()
}

/// Every warning a case raised over its life up to `until`, once per deadline and colour, with the
/// day it was first raised. Checked at each event (on the state before it, on the event's day) and on
/// `until`: between events only time moves, and warnings only grow with time, so nothing raised on a
/// day in between is missed.
pub fn warnings_raised(
    events: &[CaseEvent],
    rules: &[WarningRule],
    until: NaiveDate,
    cal: &WorkingCalendar,
) -> Vec<(NaiveDate, Warning)> {
    let mut out = Vec::new();
    let Some(mut case) = Case::replay(events.get(..1).unwrap_or_default()) else {
        return out;
    };
    let mut seen = BTreeSet::new();
    let mut check = |case: &Case, day: NaiveDate, out: &mut Vec<(NaiveDate, Warning)>| {
        for w in warnings(case, rules, day, cal) {
            if seen.insert((w.kind, w.colour)) {
                out.push((day, w));
            }
        }
    };
    for e in &events[1..] {
        check(&case, local_date(e.at), &mut out);
        case.apply(e);
    }
    check(&case, until, &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// Violations (纠错)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Severity::Low => "轻微",
            Severity::Medium => "一般",
            Severity::High => "严重",
        }
    }
}

/// A named supervision rule checked against a case's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationRule {
    /// Accepted while a mandatory material was not received.
    AcceptedMaterialMissing,
    /// A second (or later) correction notice: the first should have named everything (一次性告知).
    RepeatCorrectionNotice,
    /// A correction notice after the art. 32 window of 5 working days.
    LateCorrectionNotice,
    /// Refusal (不予受理) or denial (不予许可) without written reasons.
    MissingReasons,
    /// Fees assessed or collected above the standard.
    FeeAboveStandard,
    /// Any fee assessed or collected for a free item.
    FeeForFreeItem,
    /// A decision before the item's review stages were completed (or without acceptance).
    DecisionWithoutReview,
    /// Any event after completion, refusal, withdrawal or termination.
    ChangeAfterCompletion,
    /// A special procedure without written notice: no reason or no expected duration.
    SuspensionWithoutNotice,
    /// A stage completed after its due date, or still running past it.
    StageOverdue,
    /// A decision by someone not allowed to decide.
    UnauthorisedDecision,
    /// Decided after the statutory deadline, or still undecided past it.
    StatutoryDeadlineExceeded,
    /// A grant delivered after the art. 44 deadline, or still undelivered past it.
    DeliveryDeadlineExceeded,
    /// Accepted by the system under art. 32: the window did not pre-review in time.
    AcceptedBySystem,
    /// An extension granted after the deadline it extends had already passed.
    ExtendedAfterDeadline,
    /// An extension not approved by the department head, without a reason, or a second one.
    ImproperExtension,
    /// A granted licence delivered while fees were still owed.
    DeliveredFeeUnpaid,
    /// The log's hash chain does not verify: an event was altered, removed or inserted.
    LogTampered,
}

impl ViolationRule {
    pub const ALL: [ViolationRule; 18] = [
        ViolationRule::AcceptedMaterialMissing,
        ViolationRule::RepeatCorrectionNotice,
        ViolationRule::LateCorrectionNotice,
        ViolationRule::MissingReasons,
        ViolationRule::FeeAboveStandard,
        ViolationRule::FeeForFreeItem,
        ViolationRule::DecisionWithoutReview,
        ViolationRule::ChangeAfterCompletion,
        ViolationRule::SuspensionWithoutNotice,
        ViolationRule::StageOverdue,
        ViolationRule::UnauthorisedDecision,
        ViolationRule::StatutoryDeadlineExceeded,
        ViolationRule::DeliveryDeadlineExceeded,
        ViolationRule::AcceptedBySystem,
        ViolationRule::ExtendedAfterDeadline,
        ViolationRule::ImproperExtension,
        ViolationRule::DeliveredFeeUnpaid,
        ViolationRule::LogTampered,
    ];

    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            ViolationRule::AcceptedMaterialMissing => "accepted_material_missing",
            ViolationRule::RepeatCorrectionNotice => "repeat_correction_notice",
            ViolationRule::LateCorrectionNotice => "late_correction_notice",
            ViolationRule::MissingReasons => "missing_reasons",
            ViolationRule::FeeAboveStandard => "fee_above_standard",
            ViolationRule::FeeForFreeItem => "fee_for_free_item",
            ViolationRule::DecisionWithoutReview => "decision_without_review",
            ViolationRule::ChangeAfterCompletion => "change_after_completion",
            ViolationRule::SuspensionWithoutNotice => "suspension_without_notice",
            ViolationRule::StageOverdue => "stage_overdue",
            ViolationRule::UnauthorisedDecision => "unauthorised_decision",
            ViolationRule::StatutoryDeadlineExceeded => "statutory_deadline_exceeded",
            ViolationRule::DeliveryDeadlineExceeded => "delivery_deadline_exceeded",
            ViolationRule::AcceptedBySystem => "accepted_by_system",
            ViolationRule::ExtendedAfterDeadline => "extended_after_deadline",
            ViolationRule::ImproperExtension => "improper_extension",
            ViolationRule::DeliveredFeeUnpaid => "delivered_fee_unpaid",
            ViolationRule::LogTampered => "log_tampered",
        }
    }

    pub fn parse(code: &str) -> Option<ViolationRule> {
        ViolationRule::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn severity(self) -> Severity {
        use ViolationRule as R;
        match self {
            R::AcceptedMaterialMissing
            | R::MissingReasons
            | R::FeeAboveStandard
            | R::FeeForFreeItem
            | R::DecisionWithoutReview
            | R::ChangeAfterCompletion
            | R::UnauthorisedDecision
            | R::StatutoryDeadlineExceeded
            | R::LogTampered => Severity::High,
            R::RepeatCorrectionNotice
            | R::LateCorrectionNotice
            | R::SuspensionWithoutNotice
            | R::DeliveryDeadlineExceeded
            | R::AcceptedBySystem
            | R::ExtendedAfterDeadline
            | R::ImproperExtension => Severity::Medium,
            R::StageOverdue | R::DeliveredFeeUnpaid => Severity::Low,
        }
    }

    /// Short Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            ViolationRule::AcceptedMaterialMissing => "必需材料不全即受理",
            ViolationRule::RepeatCorrectionNotice => "多次补正",
            ViolationRule::LateCorrectionNotice => "超期告知补正",
            ViolationRule::MissingReasons => "不予受理或不予许可未说明理由",
            ViolationRule::FeeAboveStandard => "超标准收费",
            ViolationRule::FeeForFreeItem => "免费事项收费",
            ViolationRule::DecisionWithoutReview => "未经审查即作出决定",
            ViolationRule::ChangeAfterCompletion => "办结后变更",
            ViolationRule::SuspensionWithoutNotice => "特别程序未书面告知",
            ViolationRule::StageOverdue => "环节超期",
            ViolationRule::UnauthorisedDecision => "无权作出决定",
            ViolationRule::StatutoryDeadlineExceeded => "超法定时限",
            ViolationRule::DeliveryDeadlineExceeded => "超期送达",
            ViolationRule::AcceptedBySystem => "逾期未预审视为受理",
            ViolationRule::ExtendedAfterDeadline => "超期后延期",
            ViolationRule::ImproperExtension => "违规延期",
            ViolationRule::DeliveredFeeUnpaid => "未缴费即发证",
            ViolationRule::LogTampered => "办件记录被篡改",
        }
    }

    /// Plain Chinese description of what the rule checks and why it matters.
    pub fn description(self) -> &'static str {
        match self {
            ViolationRule::AcceptedMaterialMissing => {
                "受理时仍有必需申请材料未收取或不合格。材料齐全、符合法定形式方可受理。"
            }
            ViolationRule::RepeatCorrectionNotice => {
                "对同一申请发出第二次及以后的补正通知。补正内容应当一次性告知申请人。"
            }
            ViolationRule::LateCorrectionNotice => {
                "收到申请材料五个工作日后才告知补正(《行政许可法》第三十二条)。"
            }
            ViolationRule::MissingReasons => {
                "作出不予受理或不予许可决定时未书面说明理由。申请人有权知道理由及救济途径。"
            }
            ViolationRule::FeeAboveStandard => {
                "核定或收取的费用超过收费标准,或累计收费超过核定金额。"
            }
            ViolationRule::FeeForFreeItem => "对不收费的事项核定或收取了费用。",
            ViolationRule::DecisionWithoutReview => {
                "事项规定的审查环节尚未全部完成(或未经受理)即作出许可决定。"
            }
            ViolationRule::ChangeAfterCompletion => {
                "办件已办结、不予受理、撤回或终止后,记录中仍出现新的操作。"
            }
            ViolationRule::SuspensionWithoutNotice => {
                "进入听证、检验检测、鉴定、专家评审等特别程序时,未书面告知申请人理由和所需时间。"
            }
            ViolationRule::StageOverdue => "审查环节超过该环节的办理时限才完成,或至今仍未完成。",
            ViolationRule::UnauthorisedDecision => {
                "许可决定不是由有权决定的人员(决定机关的部门负责人;即办件为窗口人员)作出。"
            }
            ViolationRule::StatutoryDeadlineExceeded => {
                "超过法定办理时限(含依法延长的期限)才作出决定,或至今仍未作出决定。"
            }
            ViolationRule::DeliveryDeadlineExceeded => {
                "准予许可后超过十个工作日才颁发、送达许可证件(《行政许可法》第四十四条),或至今仍未送达。"
            }
            ViolationRule::AcceptedBySystem => {
                "窗口收到材料后五个工作日内未预审也未告知补正,依法自收到材料之日起视为受理。"
            }
            ViolationRule::ExtendedAfterDeadline => "法定办理期限已届满后才批准延期。",
            ViolationRule::ImproperExtension => {
                "延期未经本部门负责人批准、未说明理由,或同一办件重复延期。"
            }
            ViolationRule::DeliveredFeeUnpaid => "准予许可的证件在费用未缴清时即已送达。",
            ViolationRule::LogTampered => {
                "办件记录的哈希链校验不通过:有记录被修改、删除或插入。"
            }
        }
    }
}

/// One violation found in a case's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub rule: ViolationRule,
    /// The event that shows it; `None` when it shows in the case as of today (e.g. still overdue).
    pub seq: Option<u32>,
    /// What happened, in Chinese.
    pub detail: String,
}

impl Violation {
    fn new(rule: ViolationRule, seq: Option<u32>, detail: String) -> Violation {
        Violation { rule, seq, detail }
    }
}

/// Index of the decision (决定) stage: the review stages are the ones before it (all when none).
fn review_stage_count(case: &Case) -> usize {
    case.filing
        .item
        .stages
        .iter()
        .position(is_decision_stage)
        .unwrap_or(case.stages.len())
        .min(case.stages.len())
}

fn yuan(fen: i64) -> String {
    crate::catalog::format_yuan(fen)
}

/// Sum of the standards for assessed lines, or `None` when a line names no standard.
fn standard_total(item: &ItemTerms, lines: &[(usize, u32)]) -> Option<i64> {
    lines.iter().try_fold(0i64, |acc, (i, qty)| {
        item.fees
            .get(*i)
            .map(|f| acc.saturating_add(f.amount_fen.saturating_mul(*qty as i64)))
    })
}

/// May this actor make the decision on this case? The department head at the deciding place; for an
/// immediate item (即办件) also the window clerk at the accepting place, who decides on the spot.
fn may_decide(case: &Case, e: &CaseEvent) -> bool {
    let f = &case.filing;
    let at = |place: &crate::region::RegionCode| e.actor.place.as_ref().is_none_or(|p| p == place);
    match e.actor.role {
        Some(Role::DepartmentHead) => at(&f.decide_place),
        Some(Role::WindowClerk) => f.item.kind == ItemKind::Immediate && at(&f.place),
        _ => false,
    }
}

/// Checks one event against the case as it stood just before it (`before`) and just after (`after`).
fn check_event(
    before: &Case,
    after: &Case,
    e: &CaseEvent,
    cal: &WorkingCalendar,
    out: &mut Vec<Violation>,
) {
    use ViolationRule as R;
    let seq = Some(e.seq);
    let day = local_date(e.at);
    let item = &before.filing.item;
    let mut push = |rule: R, detail: String| out.push(Violation::new(rule, seq, detail));

    if before.state.is_final() {
        push(
            R::ChangeAfterCompletion,
            format!(
                "办件已{}{},之后仍记录了“{}”",
                before.state.label(),
                before
                    .completed_on
                    .map(|d| format!("({d})"))
                    .unwrap_or_default(),
                e.kind.label()
            ),
        );
    }

    match &e.kind {
        EventKind::Accepted { by_system, .. } => {
            let missing = before.missing_materials();
            if !by_system && !missing.is_empty() {
                push(
                    R::AcceptedMaterialMissing,
                    format!("受理时必需材料未收齐:{}", missing.join("、")),
                );
            }
            if *by_system {
                push(
                    R::AcceptedBySystem,
                    format!(
                        "{}收到材料,补正告知期限{}届满仍未预审,由系统视为受理",
                        before
                            .received_on
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                        before
                            .deadlines
                            .correction_due
                            .map(|d| d.to_string())
                            .unwrap_or_default()
                    ),
                );
            }
        }
        EventKind::CorrectionRequested { repeat, late, .. } => {
            if *repeat || before.correction_notices > 0 {
                push(
                    R::RepeatCorrectionNotice,
                    format!("第{}次发出补正通知", before.correction_notices + 1),
                );
            }
            let due = before.deadlines.correction_due;
            if *late || due.is_some_and(|d| day > d) {
                let detail = match due {
                    Some(d) => format!(
                        "补正告知期限为{d},{day}才告知补正,超过{}个工作日",
                        cal.working_days_between(d, day).max(0)
                    ),
                    None => format!("{day}告知补正,已超过收到材料后五个工作日"),
                };
                push(R::LateCorrectionNotice, detail);
            }
        }
        EventKind::Refused { reasons } if reasons.trim().is_empty() => {
            push(R::MissingReasons, "不予受理未说明理由".into());
        }
        EventKind::Decided {
            granted,
            reasons,
            on,
            ..
        } => {
            if !granted && reasons.trim().is_empty() {
                push(R::MissingReasons, "不予许可未说明理由".into());
            }
            let n = review_stage_count(before);
            let pending: Vec<&str> = before.stages[..n]
                .iter()
                .filter(|s| s.completed_on.is_none())
                .map(|s| s.name.as_str())
                .collect();
            if before.accepted_on.is_none() {
                push(R::DecisionWithoutReview, "未经受理即作出决定".into());
            } else if !pending.is_empty() {
                push(
                    R::DecisionWithoutReview,
                    format!("审查环节未完成即作出决定:{}", pending.join("、")),
                );
            }
            if !may_decide(before, e) {
                let role = e.actor.role.map(|r| r.label()).unwrap_or("系统");
                push(
                    R::UnauthorisedDecision,
                    format!("决定由{}({role})作出,其无权作出本事项的决定", e.actor.name),
                );
            }
            if let Some(d) = before.deadlines.statutory_due.filter(|d| on > d) {
                push(
                    R::StatutoryDeadlineExceeded,
                    format!(
                        "法定期限{d},{on}才作出决定,超过{}个工作日",
                        cal.working_days_between(d, *on).max(0)
                    ),
                );
            }
        }
        EventKind::Suspended {
            reason,
            expected_days,
            ..
        } => {
            let mut lacks = vec![];
            if reason.trim().is_empty() {
                lacks.push("理由");
            }
            if *expected_days == 0 {
                lacks.push("所需时间");
            }
            if !lacks.is_empty() {
                push(
                    R::SuspensionWithoutNotice,
                    format!("进入特别程序未书面告知{}", lacks.join("和")),
                );
            }
        }
        EventKind::Extended { reason, .. } => {
            if let Some(d) = before.deadlines.statutory_due.filter(|d| day > *d) {
                push(
                    R::ExtendedAfterDeadline,
                    format!("法定期限{d}已届满,{day}才批准延期"),
                );
            }
            let mut why = vec![];
            if e.actor.role != Some(Role::DepartmentHead) {
                why.push(format!("由{}批准,而非部门负责人", e.actor.name));
            }
            if reason.trim().is_empty() {
                why.push("未说明延期理由".into());
            }
            if before.extended {
                why.push("重复延期".into());
            }
            if !why.is_empty() {
                push(R::ImproperExtension, why.join(";"));
            }
        }
        EventKind::FeesAssessed { lines, total_fen } => {
            if item.fees.is_empty() {
                if *total_fen > 0 {
                    push(
                        R::FeeForFreeItem,
                        format!("本事项不收费,却核定收费{}元", yuan(*total_fen)),
                    );
                }
            } else {
                match standard_total(item, lines) {
                    Some(std) if *total_fen <= std => {}
                    Some(std) => push(
                        R::FeeAboveStandard,
                        format!("核定收费{}元,按标准应为{}元", yuan(*total_fen), yuan(std)),
                    ),
                    None => push(
                        R::FeeAboveStandard,
                        format!("核定收费{}元,含收费标准之外的项目", yuan(*total_fen)),
                    ),
                }
            }
        }
        EventKind::PaymentRecorded { amount_fen, .. } => {
            if item.fees.is_empty() {
                push(
                    R::FeeForFreeItem,
                    format!("本事项不收费,却收取{}元", yuan(*amount_fen)),
                );
            } else {
                // The assessed total; before any assessment, each standard once.
                let due = if before.fee_due_fen > 0 {
                    before.fee_due_fen
                } else {
                    item.fee_total()
                };
                let net = after.paid_fen - after.refunded_fen;
                if net > due {
                    push(
                        R::FeeAboveStandard,
                        format!(
                            "应收{}元,累计实收{}元,超收{}元",
                            yuan(due),
                            yuan(net),
                            yuan(net - due)
                        ),
                    );
                }
            }
        }
        EventKind::Delivered { on, .. } => {
            if let Some(d) = before.deadlines.delivery_due.filter(|d| on > d) {
                push(
                    R::DeliveryDeadlineExceeded,
                    format!(
                        "送达期限{d},{on}才送达,超过{}个工作日",
                        cal.working_days_between(d, *on).max(0)
                    ),
                );
            }
            if before.granted == Some(true) && before.fee_outstanding() > 0 {
                push(
                    R::DeliveredFeeUnpaid,
                    format!(
                        "送达时尚欠费用{}元(应收{}元)",
                        yuan(before.fee_outstanding()),
                        yuan(before.fee_due_fen)
                    ),
                );
            }
        }
        _ => {}
    }

    // Stages this event completed: late when completed after their due date.
    for (i, (b, a)) in before.stages.iter().zip(&after.stages).enumerate() {
        if let (None, Some(done), Some(due)) = (b.completed_on, a.completed_on, b.due) {
            if done > due {
                push(
                    R::StageOverdue,
                    format!(
                        "第{}环节“{}”期限{due},{done}才完成,超过{}个工作日",
                        i + 1,
                        a.name,
                        cal.working_days_between(due, done).max(0)
                    ),
                );
            }
        }
    }
}

/// Checks on the case as it stands: what is still overdue as of `today` (as of the suspension day for
/// a suspended case, whose clock is stopped; as of its end for a closed one).
fn check_now(case: &Case, today: NaiveDate, cal: &WorkingCalendar, out: &mut Vec<Violation>) {
    use ViolationRule as R;
    let as_of = match case.state {
        CaseState::Suspended => case.suspended_on.unwrap_or(today),
        s if s.is_final() => case.completed_on.unwrap_or(today),
        _ => today,
    };
    for (i, s) in case.stages.iter().enumerate() {
        if let (true, Some(due)) = (s.is_active(), s.due) {
            if as_of > due {
                out.push(Violation::new(
                    R::StageOverdue,
                    None,
                    format!(
                        "第{}环节“{}”期限{due},截至{as_of}仍未完成,已超过{}个工作日",
                        i + 1,
                        s.name,
                        cal.working_days_between(due, as_of).max(0)
                    ),
                ));
            }
        }
    }
    if matches!(case.state, CaseState::InReview | CaseState::Suspended) {
        if let Some(d) = case.deadlines.statutory_due.filter(|d| as_of > *d) {
            out.push(Violation::new(
                R::StatutoryDeadlineExceeded,
                None,
                format!(
                    "法定期限{d},截至{as_of}仍未作出决定,已超过{}个工作日",
                    cal.working_days_between(d, as_of).max(0)
                ),
            ));
        }
    }
    if case.state == CaseState::Decided {
        if let Some(d) = case.deadlines.delivery_due.filter(|d| as_of > *d) {
            out.push(Violation::new(
                R::DeliveryDeadlineExceeded,
                None,
                format!(
                    "送达期限{d},截至{as_of}仍未送达,已超过{}个工作日",
                    cal.working_days_between(d, as_of).max(0)
                ),
            ));
        }
    }
}

/// The violations shown by a case's log (`events`, in order) and by the case as it stands on `today`
/// (`case`, normally the replay of `events`). Each names the event that shows it, or none for what is
/// overdue as of today. Sorted by event (those of today last), then by rule.
pub fn violations(
    case: &Case,
    events: &[CaseEvent],
    today: NaiveDate,
    cal: &WorkingCalendar,
) -> Vec<Violation> {
    let mut out = Vec::new();
    if let Err(seq) = verify_chain(events) {
        out.push(Violation::new(
            ViolationRule::LogTampered,
            Some(seq),
            format!("第{seq}条记录起哈希链校验不通过"),
        ));
    }
    if let Some(mut cur) = Case::replay(events.get(..1).unwrap_or_default()) {
        for e in &events[1..] {
            let before = cur.clone();
            cur.apply(e);
            check_event(&before, &cur, e, cal, &mut out);
        }
    }
    check_now(case, today, cal, &mut out);
    out.sort_by_key(|v| (v.seq.is_none(), v.seq, v.rule));
    out
}

// ---------------------------------------------------------------------------------------------
// Performance evaluation (绩效评估)
// ---------------------------------------------------------------------------------------------

/// What one completed case contributes to its unit's evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseOutcome {
    /// The unit evaluated. [`outcome`] sets the deciding place and the item's department
    /// (`330102001000/MZ`); to evaluate windows, staff or places, the caller sets its own key.
    pub unit: String,
    /// Completed (办结) on or before the promised date (承诺办结时限, after lawful extensions and
    /// special procedures).
    pub on_time: bool,
    /// Completed before the promised date.
    pub early: bool,
    /// Working days from acceptance to completion, without time in special procedures.
    pub working_days: u32,
    /// A legal deadline was missed: decided after the statutory deadline or delivered after the
    /// art. 44 deadline.
    pub overdue: bool,
    /// Warnings raised over the case's life (each deadline and colour once).
    pub warnings: u32,
    /// Violations found in its log.
    pub violations: u32,
    /// 好差评 on a 1 (非常不满意) to 5 (非常满意) scale; `None` when not rated.
    pub satisfaction: Option<u8>,
    pub complaints: u32,
}

/// The outcome of a completed case under the default warning rule; `None` for a case not completed
/// (refused, withdrawn and terminated cases are not evaluated). Ratings and complaints are not in
/// the case log: they come out as `None` and 0 for the caller to fill in.
pub fn outcome(case: &Case, events: &[CaseEvent], cal: &WorkingCalendar) -> Option<CaseOutcome> {
    outcome_with(case, events, &[], cal)
}

/// Like [`outcome`], counting warnings under the administrators' rules.
pub fn outcome_with(
    case: &Case,
    events: &[CaseEvent],
    rules: &[WarningRule],
    cal: &WorkingCalendar,
) -> Option<CaseOutcome> {
    if case.state != CaseState::Completed {
        return None;
    }
    let completed = case.completed_on?;
    let d = &case.deadlines;
    let on_time = d.promised_due.is_none_or(|p| completed <= p);
    let early = d.promised_due.is_some_and(|p| completed < p);
    let start = case.accepted_on.or(case.received_on).unwrap_or(completed);
    let working_days = (cal.working_days_between(start, completed) - case.suspended_days as i64)
        .max(0)
        .try_into()
        .unwrap_or(u32::MAX);
    let decided_late = matches!((case.decided_on, d.statutory_due), (Some(x), Some(s)) if x > s);
    let delivered_late = d.delivery_due.is_some_and(|due| {
        events.iter().any(|e| match e.kind {
            EventKind::Delivered { on, .. } => on > due,
            _ => false,
        })
    });
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Some(CaseOutcome {
        unit: format!(
            "{}/{}",
            case.filing.decide_place, case.filing.item.department
        ),
        on_time,
        early,
        working_days,
        overdue: decided_late || delivered_late,
        warnings: count(warnings_raised(events, rules, completed, cal).len()),
        violations: count(violations(case, events, completed, cal).len()),
        satisfaction: None,
        complaints: 0,
    })
}

/// Weights set by administrators. The score of a unit is
///
/// ```text
/// base    = 100 × Σ wᵢ·sᵢ / Σ wᵢ      over the components with a weight (100 when no weight is set)
///   s_on_time      = on-time rate                         (0..1)
///   s_early        = early-completion rate                (0..1)
///   s_speed        = max(0, 1 − mean working days / reference_days)
///   s_satisfaction = (mean rating − 1) / 4                (left out, weight and all, when no case
///                                                          of the unit was rated)
/// penalty = (overdue_penalty·overdue + warning_penalty·warnings
///            + violation_penalty·violations + complaint_penalty·complaints) / cases handled
/// score   = clamp(base − penalty, 0, 100), rounded to 2 decimals
/// ```
///
/// Penalties are points per occurrence per case handled, so a unit is not punished for handling
/// more cases. Negative or non-finite weights count as 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub on_time: f64,
    pub early: f64,
    pub speed: f64,
    pub satisfaction: f64,
    /// Mean working days that score 0 for speed (e.g. the statutory 20).
    pub reference_days: f64,
    pub overdue_penalty: f64,
    pub warning_penalty: f64,
    pub violation_penalty: f64,
    pub complaint_penalty: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            on_time: 40.0,
            early: 10.0,
            speed: 20.0,
            satisfaction: 30.0,
            reference_days: 20.0,
            overdue_penalty: 20.0,
            warning_penalty: 2.0,
            violation_penalty: 10.0,
            complaint_penalty: 10.0,
        }
    }
}

impl Weights {
    fn fields(&self) -> [(&'static str, f64); 9] {
        [
            ("on_time", self.on_time),
            ("early", self.early),
            ("speed", self.speed),
            ("satisfaction", self.satisfaction),
            ("reference_days", self.reference_days),
            ("overdue_penalty", self.overdue_penalty),
            ("warning_penalty", self.warning_penalty),
            ("violation_penalty", self.violation_penalty),
            ("complaint_penalty", self.complaint_penalty),
        ]
    }
    /// Every weight must be a finite number ≥ 0.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        for (name, v) in self.fields() {
            if !v.is_finite() || v < 0.0 {
                e.push(name, "invalid_weight", "权重应为不小于0的数");
            }
        }
        e.into_result(())
    }
}

/// A weight as used: negative and non-finite values count as 0.
fn w(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        x
    } else {
        0.0
    }
}

/// A unit's figures and score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub unit: String,
    /// 1-based; equal scores share a rank (1, 1, 3).
    pub rank: u32,
    pub cases: u32,
    pub on_time: u32,
    pub early: u32,
    /// 0..=1
    pub on_time_rate: f64,
    /// 0..=1
    pub early_rate: f64,
    pub mean_working_days: f64,
    pub overdue: u32,
    pub warnings: u32,
    pub violations: u32,
    /// Cases rated, and their mean rating (1..=5).
    pub rated: u32,
    pub mean_satisfaction: Option<f64>,
    pub complaints: u32,
    /// 0..=100, see [`Weights`].
    pub score: f64,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Groups outcomes by unit, scores each unit (formula on [`Weights`]) and ranks them: highest score
/// first, ties in unit name order.
pub fn evaluate(outcomes: &[CaseOutcome], weights: &Weights) -> Vec<Score> {
    let mut by_unit: BTreeMap<&str, Vec<&CaseOutcome>> = BTreeMap::new();
    for o in outcomes {
        by_unit.entry(o.unit.as_str()).or_default().push(o);
    }
    let mut scores: Vec<Score> = by_unit
        .into_iter()
        .map(|(unit, os)| score_unit(unit, &os, weights))
        .collect();
    scores.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.unit.cmp(&b.unit))
    });
    for i in 0..scores.len() {
        scores[i].rank = if i > 0 && scores[i].score == scores[i - 1].score {
            scores[i - 1].rank
        } else {
            i as u32 + 1
        };
    }
    scores
}

fn score_unit(unit: &str, os: &[&CaseOutcome], wt: &Weights) -> Score {
    let n = os.len() as u32;
    let nf = f64::from(n.max(1));
    let sum = |f: fn(&CaseOutcome) -> u32| os.iter().map(|o| f(o)).fold(0u32, u32::saturating_add);
    let on_time = sum(|o| o.on_time as u32);
    let early = sum(|o| o.early as u32);
    let overdue = sum(|o| o.overdue as u32);
    let warnings = sum(|o| o.warnings);
    let violations = sum(|o| o.violations);
    let complaints = sum(|o| o.complaints);
    let days: f64 = os.iter().map(|o| f64::from(o.working_days)).sum();
    let ratings: Vec<f64> = os
        .iter()
        .filter_map(|o| o.satisfaction)
        .map(|s| f64::from(s.clamp(1, 5)))
        .collect();
    let on_time_rate = f64::from(on_time) / nf;
    let early_rate = f64::from(early) / nf;
    let mean_working_days = days / nf;
    let mean_satisfaction =
        (!ratings.is_empty()).then(|| ratings.iter().sum::<f64>() / ratings.len() as f64);

    let mut parts = vec![(w(wt.on_time), on_time_rate), (w(wt.early), early_rate)];
    if w(wt.reference_days) > 0.0 {
        parts.push((
            w(wt.speed),
            (1.0 - mean_working_days / wt.reference_days).max(0.0),
        ));
    }
    if let Some(m) = mean_satisfaction {
        parts.push((w(wt.satisfaction), (m - 1.0) / 4.0));
    }
    let total: f64 = parts.iter().map(|(w, _)| w).sum();
    let base = if total > 0.0 {
        100.0 * parts.iter().map(|(w, s)| w * s).sum::<f64>() / total
    } else {
        100.0
    };
    let penalty = (w(wt.overdue_penalty) * f64::from(overdue)
        + w(wt.warning_penalty) * f64::from(warnings)
        + w(wt.violation_penalty) * f64::from(violations)
        + w(wt.complaint_penalty) * f64::from(complaints))
        / nf;
    let score = round2((base - penalty).clamp(0.0, 100.0));
    Score {
        unit: unit.to_string(),
        rank: 0,
        cases: n,
        on_time,
        early,
        on_time_rate,
        early_rate,
        mean_working_days,
        overdue,
        warnings,
        violations,
        rated: ratings.len() as u32,
        mean_satisfaction,
        complaints,
        score,
    }
}
