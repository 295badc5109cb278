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
use crate::case::{local_date, verify_chain, Case, CaseEvent, CaseState, EventKind, ItemTerms};
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

/// Whether two states of a case have the same deadline periods: everything [`periods`] reads
/// (the item's rule is fixed by its filing). When true, its deadline rows and warnings are the
/// same on every day, so a command that left them alone needs no supervision write.
pub fn same_deadline_inputs(a: &Case, b: &Case) -> bool {
    let stages = |c: &Case| {
        c.stages
            .iter()
            .map(|s| (s.is_active(), s.started_on, s.due, s.limit_days))
            .collect::<Vec<_>>()
    };
    a.state == b.state
        && a.received_on == b.received_on
        && a.accepted_on == b.accepted_on
        && a.decided_on == b.decided_on
        && a.deadlines == b.deadlines
        && a.suspended_days == b.suspended_days
        && a.granted == b.granted
        && stages(a) == stages(b)
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
/// day it was first raised, as a check at the start of every day and after every event would have
/// raised them. Between two events only time moves, and a deadline's warning only grows with time
/// (none → yellow → red), so the first day of each colour is found by bisection, not day by day.
pub fn warnings_raised(
    events: &[CaseEvent],
    rules: &[WarningRule],
    until: NaiveDate,
    cal: &WorkingCalendar,
) -> Vec<(NaiveDate, Warning)> {
    let mut out: Vec<(NaiveDate, Warning)> = Vec::new();
    let Some(first) = events.first() else {
        return out;
    };
    let Some(mut case) = Case::replay(std::slice::from_ref(first)) else {
        return out;
    };
    let rule = rule_for(&case.filing.item, rules);
    let mut seen = BTreeSet::new();
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            case.apply(e);
        }
        // This state holds from its event's day to the next event's day (checked at the start of
        // that day, before the event), the last one until `until`.
        let from = local_date(e.at);
        let to = events
            .get(i + 1)
            .map(|n| local_date(n.at))
            .unwrap_or(until)
            .max(from);
        for (kind, p) in periods(&case, cal) {
            let at = |day: NaiveDate| warn(kind, &p, &rule, day, cal);
            let Some(last) = at(to) else {
                continue;
            };
            // The first day with a warning.
            let (mut lo, mut hi) = (from, to);
            while lo < hi {
                let mid = lo + chrono::Days::new(((hi - lo).num_days() / 2) as u64);
                if at(mid).is_some() {
                    hi = mid;
                } else {
                    lo = mid.succ_opt().unwrap_or(mid);
                }
            }
            let mut raised = vec![];
            if let Some(w) = at(lo) {
                if w.colour == Colour::Yellow && last.colour == Colour::Red {
                    // Red from the day after the due date.
                    let red = p.due.succ_opt().unwrap_or(p.due).max(from);
                    raised.push((red, last.clone()));
                    if let Some(r) = at(red) {
                        raised[0].1 = r;
                    }
                }
                raised.insert(0, (lo, w));
            }
            for (day, w) in raised {
                if seen.insert((w.kind, w.colour)) {
                    out.push((day, w));
                }
            }
        }
    }
    out.sort_by_key(|(day, w)| (*day, w.kind, w.colour));
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
            let n = before.review_stage_count();
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

/// A unit's outcomes added up: all scoring needs, so a store can add them up where the rows are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub cases: u32,
    pub on_time: u32,
    pub early: u32,
    pub overdue: u32,
    pub warnings: u32,
    pub violations: u32,
    pub complaints: u32,
    pub working_days: u64,
    /// Cases rated, and the sum of their ratings (each case's own rating, 1..=5).
    pub rated: u32,
    pub satisfaction: u64,
}

impl Totals {
    /// One case's contribution.
    pub fn of(o: &CaseOutcome) -> Totals {
        let rating = o.satisfaction.map(|s| u64::from(s.clamp(1, 5)));
        Totals {
            cases: 1,
            on_time: o.on_time as u32,
            early: o.early as u32,
            overdue: o.overdue as u32,
            warnings: o.warnings,
            violations: o.violations,
            complaints: o.complaints,
            working_days: u64::from(o.working_days),
            rated: rating.is_some() as u32,
            satisfaction: rating.unwrap_or(0),
        }
    }

    pub fn add(&mut self, o: &Totals) {
        self.cases = self.cases.saturating_add(o.cases);
        self.on_time = self.on_time.saturating_add(o.on_time);
        self.early = self.early.saturating_add(o.early);
        self.overdue = self.overdue.saturating_add(o.overdue);
        self.warnings = self.warnings.saturating_add(o.warnings);
        self.violations = self.violations.saturating_add(o.violations);
        self.complaints = self.complaints.saturating_add(o.complaints);
        self.working_days = self.working_days.saturating_add(o.working_days);
        self.rated = self.rated.saturating_add(o.rated);
        self.satisfaction = self.satisfaction.saturating_add(o.satisfaction);
    }
}

/// Groups outcomes by unit, scores each unit (formula on [`Weights`]) and ranks them: highest score
/// first, ties in unit name order.
pub fn evaluate(outcomes: &[CaseOutcome], weights: &Weights) -> Vec<Score> {
    let mut by_unit: BTreeMap<String, Totals> = BTreeMap::new();
    for o in outcomes {
        by_unit
            .entry(o.unit.clone())
            .or_default()
            .add(&Totals::of(o));
    }
    evaluate_totals(by_unit, weights)
}

/// [`evaluate`] on totals already added up by unit.
pub fn evaluate_totals(
    units: impl IntoIterator<Item = (String, Totals)>,
    weights: &Weights,
) -> Vec<Score> {
    let mut scores: Vec<Score> = units
        .into_iter()
        .filter(|(_, t)| t.cases > 0)
        .map(|(unit, t)| score_unit(&unit, &t, weights))
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

fn score_unit(unit: &str, t: &Totals, wt: &Weights) -> Score {
    let n = t.cases;
    let nf = f64::from(n.max(1));
    let (on_time, early, overdue) = (t.on_time, t.early, t.overdue);
    let (warnings, violations, complaints) = (t.warnings, t.violations, t.complaints);
    let on_time_rate = f64::from(on_time) / nf;
    let early_rate = f64::from(early) / nf;
    let mean_working_days = t.working_days as f64 / nf;
    let mean_satisfaction = (t.rated > 0).then(|| t.satisfaction as f64 / f64::from(t.rated));

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
        rated: t.rated,
        mean_satisfaction,
        complaints,
        score,
    }
}

#[cfg(test)]
mod tests {
    //! Unit tests on a plain Monday–Friday calendar (no holidays), in March 2026:
    //! Mon 03-02 … Fri 03-06, Mon 03-09 … Fri 03-13, Mon 03-16, Mon 03-23, Mon 03-30.
    //!
    //! The standard case: filed and accepted Mon 03-02 (correction window to 03-09; promised due
    //! 03-16 = 10 working days; statutory due 03-30 = 20), stages 受理审查 (1 day, due 03-03) →
    //! 现场核查 (3 days) → 审核决定 → 制证.

    use super::*;
    use crate::case::*;
    use crate::catalog::{Fee, Stage};
    use crate::region::{Level, RegionCode};
    use chrono::{DateTime, Utc};

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
        Command::RecordPayment {
            amount_fen,
            method: PaymentMethod::Cash,
            receipt_no: "票1".into(),
        }
    }
    fn payment(amount_fen: i64) -> EventKind {
        EventKind::PaymentRecorded {
            amount_fen,
            method: PaymentMethod::Cash,
            receipt_no: "票1".into(),
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

    // -----------------------------------------------------------------------------------------
    // Warnings
    // -----------------------------------------------------------------------------------------

    fn rule(scope: RuleScope, days: Option<u32>, pct: Option<u32>) -> WarningRule {
        WarningRule {
            scope,
            yellow_days_left: days,
            yellow_percent_used: pct,
        }
    }

    #[test]
    fn the_most_specific_rule_wins() {
        let all = rule(RuleScope::All, Some(1), None);
        let kind = rule(RuleScope::ItemKind(ItemKind::Promised), Some(3), None);
        let other_kind = rule(RuleScope::ItemKind(ItemKind::Joint), Some(4), None);
        let this = rule(RuleScope::Item("P1".into()), Some(5), None);
        let other_item = rule(RuleScope::Item("X9".into()), Some(6), None);
        let it = item();
        assert_eq!(rule_for(&it, std::slice::from_ref(&all)), all);
        assert_eq!(
            rule_for(&it, &[kind.clone(), all.clone(), other_kind.clone()]),
            kind
        );
        assert_eq!(
            rule_for(
                &it,
                &[all.clone(), this.clone(), kind.clone(), other_item.clone()]
            ),
            this
        );
        // Nothing matching: the default (≤ 2 days left or ≥ 80% used).
        assert_eq!(
            rule_for(&it, &[other_kind, other_item]),
            WarningRule::default()
        );
        assert_eq!(rule_for(&it, &[]).yellow_days_left, Some(2));
        assert_eq!(rule_for(&it, &[]).yellow_percent_used, Some(80));
        // Equally specific: the first listed.
        let all2 = rule(RuleScope::All, Some(7), None);
        assert_eq!(rule_for(&it, &[all.clone(), all2]), all);
    }

    #[test]
    fn rule_validation() {
        assert!(WarningRule::default().validate().is_ok());
        assert!(rule(RuleScope::All, None, Some(101)).validate().is_err());
        assert!(rule(RuleScope::Item(" ".into()), None, None)
            .validate()
            .is_err());
    }

    #[test]
    fn a_one_day_stage_is_yellow_from_its_start_then_red_the_day_after() {
        let l = accepted(item(), d(3, 2));
        let w = l.warnings(d(3, 2));
        assert_eq!(
            w,
            vec![Warning {
                kind: WarningKind::StageDeadline { index: 0 },
                colour: Colour::Yellow,
                due: d(3, 3),
                days_left: 1,
                percent_used: 0,
            }]
        );
        let w = l.warnings(d(3, 4));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].colour, Colour::Red);
        assert_eq!(w[0].days_left, -1);
        assert_eq!(w[0].percent_used, 200);
    }

    #[test]
    fn case_deadline_yellow_by_days_left_then_due_day_then_red() {
        let mut l = accepted(item(), d(3, 2));
        l.run(complete(0), &reviewer(), d(3, 3))
            .run(complete(1), &reviewer(), d(3, 5));
        let case_w = |today| {
            l.warnings(today)
                .into_iter()
                .find(|w| w.kind == WarningKind::CaseDeadline)
        };
        // Wed 03-11: 7 of 10 days used, 3 left → nothing.
        assert_eq!(case_w(d(3, 11)), None);
        // Thu 03-12: 8 used (80%), 2 left → yellow.
        let w = case_w(d(3, 12)).expect("yellow");
        assert_eq!(
            (w.colour, w.days_left, w.percent_used),
            (Colour::Yellow, 2, 80)
        );
        // The due day itself: yellow, 0 left, 100%.
        let w = case_w(d(3, 16)).expect("yellow");
        assert_eq!(
            (w.colour, w.days_left, w.percent_used),
            (Colour::Yellow, 0, 100)
        );
        // The day after: red.
        let w = case_w(d(3, 17)).expect("red");
        assert_eq!(
            (w.colour, w.days_left, w.percent_used),
            (Colour::Red, -1, 110)
        );
        assert_eq!(w.due, d(3, 16));
    }

    #[test]
    fn percent_and_days_thresholds_each_on_their_own() {
        // Statutory: 20 days from 03-02, due 03-30.
        let l = reviewed(item());
        let stat = |r: &WarningRule, today| {
            warnings(&l.case(), std::slice::from_ref(r), today, &cal())
                .into_iter()
                .find(|w| w.kind == WarningKind::StatutoryDeadline)
        };
        let pct = rule(RuleScope::All, None, Some(80));
        let days = rule(RuleScope::All, Some(2), None);
        // Mon 03-23: 15 of 20 used (75%), 5 left.
        assert_eq!(stat(&pct, d(3, 23)), None);
        // Tue 03-24: 16 used (80%), 4 left: yellow by percent only.
        assert_eq!(stat(&pct, d(3, 24)).map(|w| w.percent_used), Some(80));
        assert_eq!(stat(&days, d(3, 24)), None);
        // Thu 03-26: 2 left.
        assert_eq!(stat(&days, d(3, 26)).map(|w| w.days_left), Some(2));
        // Neither threshold: only red.
        let none = rule(RuleScope::All, None, None);
        assert_eq!(stat(&none, d(3, 30)), None);
        assert_eq!(stat(&none, d(3, 31)).map(|w| w.colour), Some(Colour::Red));
    }

    #[test]
    fn overdue_on_a_weekend_is_red_with_zero_working_days_left() {
        // 现场核查 started 03-03, due Fri 03-06; Sat 03-07.
        let mut l = accepted(item(), d(3, 2));
        l.run(complete(0), &reviewer(), d(3, 3));
        let w = l.warnings(d(3, 7));
        let s = w
            .iter()
            .find(|w| w.kind == WarningKind::StageDeadline { index: 1 })
            .expect("stage warning");
        assert_eq!((s.colour, s.days_left), (Colour::Red, 0));
    }

    #[test]
    fn a_suspended_case_raises_no_time_warnings() {
        let mut l = accepted(item(), d(3, 2));
        l.run(suspend(), &reviewer(), d(3, 10));
        for today in [d(3, 10), d(3, 16), d(3, 31), d(6, 30)] {
            assert_eq!(l.warnings(today), vec![]);
        }
    }

    #[test]
    fn suspended_days_are_not_counted_after_resumption() {
        let mut l = reviewed(item());
        l.run(suspend(), &reviewer(), d(3, 10))
            .run(Command::Resume, &reviewer(), d(3, 17));
        let c = l.case();
        // Suspended 03-10 → 03-17: 5 working days; the promised due moves 03-16 → 03-23.
        assert_eq!(c.suspended_days, 5);
        assert_eq!(c.deadlines.promised_due, Some(d(3, 23)));
        let p = periods(&c, &cal())
            .into_iter()
            .find(|(k, _)| *k == WarningKind::CaseDeadline)
            .expect("case period")
            .1;
        assert_eq!(p.length(&cal()), 10);
        // 03-17: 11 working days since acceptance, 5 of them suspended → 6 of 10.
        assert_eq!(p.percent_used(d(3, 17), &cal()), 60);
        assert!(!l
            .warnings(d(3, 17))
            .iter()
            .any(|w| w.kind == WarningKind::CaseDeadline));
        // 03-19: 8 of 10 used → yellow.
        assert!(l
            .warnings(d(3, 19))
            .iter()
            .any(|w| w.kind == WarningKind::CaseDeadline && w.percent_used == 80));
    }

    #[test]
    fn a_stage_running_through_a_suspension_does_not_count_it() {
        // 现场核查 started 03-03 due 03-06; suspended 03-04 → resumed 03-11 (5 days): due 03-13.
        let mut l = accepted(item(), d(3, 2));
        l.run(complete(0), &reviewer(), d(3, 3))
            .run(suspend(), &reviewer(), d(3, 4))
            .run(Command::Resume, &reviewer(), d(3, 11));
        let (_, p) = periods(&l.case(), &cal())
            .into_iter()
            .find(|(k, _)| *k == WarningKind::StageDeadline { index: 1 })
            .expect("stage period");
        assert_eq!((p.due, p.not_counted, p.length(&cal())), (d(3, 13), 5, 3));
        // 03-11: 6 working days since its start, 5 suspended → 1 of 3 (33%), 2 left → yellow.
        assert_eq!(p.percent_used(d(3, 11), &cal()), 33);
    }

    #[test]
    fn correction_window_warnings_while_submitted_only() {
        let mut l = Log::file(item(), d(3, 2));
        // Window due 03-09. 03-04: 3 left, 40%.
        assert_eq!(l.warnings(d(3, 4)), vec![]);
        let w = l.warnings(d(3, 5));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].kind, WarningKind::CorrectionDeadline);
        assert_eq!(
            (w[0].colour, w[0].days_left, w[0].percent_used),
            (Colour::Yellow, 2, 60)
        );
        assert_eq!(l.warnings(d(3, 10))[0].colour, Colour::Red);
        // Waiting for the applicant: nothing on the center's clock.
        l.run(
            Command::RequestCorrection { defects: vec![] },
            &clerk(),
            d(3, 3),
        );
        assert_eq!(l.warnings(d(3, 30)), vec![]);
    }

    #[test]
    fn delivery_warnings_for_a_grant_not_a_denial() {
        let mut l = reviewed(item());
        l.run(grant(), &head(), d(3, 6));
        // Due 03-20. 03-17: 7 of 10, 3 left.
        assert_eq!(l.warnings(d(3, 17)), vec![]);
        let w = l.warnings(d(3, 18));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].kind, WarningKind::DeliveryDeadline);
        assert_eq!((w[0].days_left, w[0].percent_used), (2, 80));
        assert_eq!(l.warnings(d(3, 23))[0].colour, Colour::Red);

        let mut denied = reviewed(item());
        denied.run(
            Command::Decide {
                granted: false,
                reasons: "不符合条件".into(),
                licence_no: None,
            },
            &head(),
            d(3, 6),
        );
        assert_eq!(denied.warnings(d(4, 30)), vec![]);
    }

    #[test]
    fn closed_cases_raise_nothing() {
        let l = completed(item());
        assert_eq!(l.warnings(d(12, 31)), vec![]);
    }

    #[test]
    fn an_empty_period_is_fully_used_on_its_due_day() {
        let p = Period {
            start: d(3, 2),
            due: d(3, 2),
            not_counted: 0,
        };
        assert_eq!(p.percent_used(d(3, 1), &cal()), 0);
        assert_eq!(p.percent_used(d(3, 2), &cal()), 100);
        let r = WarningRule {
            yellow_days_left: None,
            ..WarningRule::default()
        };
        let w = warn(WarningKind::CaseDeadline, &p, &r, d(3, 2), &cal()).expect("yellow");
        assert_eq!(w.colour, Colour::Yellow);
    }

    #[test]
    fn worst_colour_and_keys() {
        let l = accepted(item(), d(3, 2));
        assert_eq!(worst(&l.warnings(d(3, 2))), Some(Colour::Yellow));
        assert_eq!(worst(&l.warnings(d(3, 17))), Some(Colour::Red));
        assert_eq!(worst(&[]), None);
        assert_eq!(
            WarningKind::StageDeadline { index: 2 }.key(),
            "stage_deadline:2"
        );
        assert_eq!(WarningKind::CaseDeadline.key(), "case_deadline");
        assert_eq!(
            WarningKind::StageDeadline { index: 0 }.label(),
            "第1环节办理时限"
        );
        assert_eq!(Colour::Red.label(), "红色预警");
    }

    #[test]
    fn warnings_raised_over_a_life_once_per_deadline_and_colour() {
        // Stage 0 due 03-03 completed 03-04 (yellow 03-02, red 03-04); stage 1 due 03-09 done 03-05.
        let mut l = accepted(item(), d(3, 2));
        l.run(complete(0), &reviewer(), d(3, 4))
            .run(complete(1), &reviewer(), d(3, 5));
        let raised = warnings_raised(&l.ev, &[], d(3, 5), &cal());
        let got: Vec<(NaiveDate, WarningKind, Colour)> = raised
            .iter()
            .map(|(on, w)| (*on, w.kind, w.colour))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    d(3, 2),
                    WarningKind::StageDeadline { index: 0 },
                    Colour::Yellow
                ),
                (
                    d(3, 4),
                    WarningKind::StageDeadline { index: 0 },
                    Colour::Red
                ),
                // Stage 1 started 03-04 (due 03-09): 2 left on 03-05.
                (
                    d(3, 5),
                    WarningKind::StageDeadline { index: 1 },
                    Colour::Yellow
                ),
            ]
        );
        assert_eq!(warnings_raised(&[], &[], d(3, 5), &cal()), vec![]);
    }

    // -----------------------------------------------------------------------------------------
    // Violations: one test that creates each, one that does not
    // -----------------------------------------------------------------------------------------

    use ViolationRule as R;

    #[test]
    fn a_clean_case_has_no_violations() {
        let l = completed(item());
        assert_eq!(l.violations(d(12, 31)), vec![]);
        let mut f = reviewed(single_fee_item());
        f.run(pay(1500), &clerk(), d(3, 5))
            .run(grant(), &head(), d(3, 6))
            .run(deliver(), &clerk(), d(3, 9))
            .run(Command::Complete, &clerk(), d(3, 9));
        assert_eq!(f.violations(d(12, 31)), vec![]);
    }

    #[test]
    fn rules_have_unique_stable_codes_and_chinese_texts() {
        let codes: BTreeSet<&str> = R::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), R::ALL.len());
        for r in R::ALL {
            assert!(r
                .code()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_'));
            assert_eq!(R::parse(r.code()), Some(r));
            assert!(!r.label().is_empty() && !r.label().is_ascii());
            assert!(!r.description().is_empty() && !r.description().is_ascii());
            let json = serde_json::to_string(&r).expect("serializes");
            assert_eq!(json, format!("\"{}\"", r.code()));
        }
        assert_eq!(R::parse("nope"), None);
        assert_eq!(R::LogTampered.severity(), Severity::High);
        assert_eq!(Severity::Medium.label(), "一般");
    }

    #[test]
    fn accepted_with_a_mandatory_material_missing() {
        // Only 身份证 received; the machine refuses to accept, so the acceptance is forged.
        let mut l = Log::file(item(), d(3, 2));
        l.run(mark(0), &clerk(), d(3, 2)).forge(
            clerk_ref(),
            EventKind::Accepted {
                accepted_on: d(3, 2),
                by_system: false,
                statutory_due: d(3, 30),
                promised_due: d(3, 16),
                started: vec![(0, d(3, 3))],
                fee_total_fen: 0,
            },
            d(3, 2),
        );
        let v = l.found(R::AcceptedMaterialMissing, d(3, 2));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].seq, Some(l.last_seq()));
        assert!(v[0].detail.contains("申请表"));
        assert!(!v[0].detail.contains("居民身份证"));
    }

    #[test]
    fn accepted_with_the_mandatory_materials_is_fine() {
        // The optional 户口簿 is still pending.
        let l = accepted(item(), d(3, 2));
        assert!(!l.has(R::AcceptedMaterialMissing, d(3, 2)));
        // Acceptance by operation of law is not the window accepting an incomplete file.
        let mut auto = Log::file(item(), d(3, 2));
        auto.run(Command::AutoAccept, &Actor::system(), d(3, 10));
        assert!(!auto.has(R::AcceptedMaterialMissing, d(3, 10)));
    }

    #[test]
    fn a_repeat_correction_notice() {
        let mut l = Log::file(item(), d(3, 2));
        l.run(
            Command::RequestCorrection { defects: vec![] },
            &clerk(),
            d(3, 3),
        )
        .run(Command::Resubmit, &clerk(), d(3, 5))
        .run(
            Command::RequestCorrection { defects: vec![] },
            &clerk(),
            d(3, 6),
        );
        let v = l.found(R::RepeatCorrectionNotice, d(3, 6));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].seq, Some(l.last_seq()));
        assert!(v[0].detail.contains("第2次"));

        // A legacy log without the `repeat` flag: the second notice still shows.
        let mut legacy = Log::file(item(), d(3, 2));
        let notice = |repeat| EventKind::CorrectionRequested {
            defects: vec![Defect {
                material: "申请表".into(),
                reason: "未提交".into(),
            }],
            repeat,
            late: false,
        };
        legacy
            .forge(clerk_ref(), notice(false), d(3, 3))
            .run(Command::Resubmit, &clerk(), d(3, 5))
            .forge(clerk_ref(), notice(false), d(3, 6));
        assert_eq!(legacy.found(R::RepeatCorrectionNotice, d(3, 6)).len(), 1);
    }

    #[test]
    fn a_single_correction_notice_is_fine() {
        let mut l = Log::file(item(), d(3, 2));
        l.run(
            Command::RequestCorrection { defects: vec![] },
            &clerk(),
            d(3, 3),
        )
        .run(Command::Resubmit, &clerk(), d(3, 5));
        assert!(!l.has(R::RepeatCorrectionNotice, d(3, 5)));
        assert_eq!(l.violations(d(3, 5)), vec![]);
    }

    #[test]
    fn a_correction_notice_after_five_working_days() {
        // Received 03-02: the window ends 03-09; the notice on 03-10.
        let mut l = Log::file(item(), d(3, 2));
        l.run(
            Command::RequestCorrection { defects: vec![] },
            &clerk(),
            d(3, 10),
        );
        assert!(matches!(
            l.ev.last().map(|e| &e.kind),
            Some(EventKind::CorrectionRequested { late: true, .. })
        ));
        let v = l.found(R::LateCorrectionNotice, d(3, 10));
        assert_eq!(v.len(), 1);
        assert!(v[0].detail.contains("超过1个工作日"), "{}", v[0].detail);
    }

    #[test]
    fn a_correction_notice_on_the_last_day_is_fine() {
        let mut l = Log::file(item(), d(3, 2));
        l.run(
            Command::RequestCorrection { defects: vec![] },
            &clerk(),
            d(3, 9),
        );
        assert!(!l.has(R::LateCorrectionNotice, d(3, 9)));
    }

    #[test]
    fn refusal_or_denial_without_reasons() {
        let mut refused = Log::file(item(), d(3, 2));
        refused.forge(
            clerk_ref(),
            EventKind::Refused {
                reasons: "  ".into(),
            },
            d(3, 3),
        );
        let v = refused.found(R::MissingReasons, d(3, 3));
        assert_eq!(v.len(), 1);
        assert!(v[0].detail.contains("不予受理"));

        let mut denied = reviewed(item());
        denied.forge(head_ref(), decided(false, "", d(3, 6)), d(3, 6));
        let v = denied.found(R::MissingReasons, d(3, 6));
        assert_eq!(v.len(), 1);
        assert!(v[0].detail.contains("不予许可"));
    }

    #[test]
    fn refusal_or_denial_with_reasons_is_fine() {
        let mut refused = Log::file(item(), d(3, 2));
        refused.run(
            Command::Refuse {
                reasons: "不属于本机关职权范围".into(),
            },
            &clerk(),
            d(3, 3),
        );
        assert!(!refused.has(R::MissingReasons, d(3, 3)));
        let mut denied = reviewed(item());
        denied.run(
            Command::Decide {
                granted: false,
                reasons: "不符合条件".into(),
                licence_no: None,
            },
            &head(),
            d(3, 6),
        );
        assert!(!denied.has(R::MissingReasons, d(3, 6)));
        // A grant needs no reasons.
        assert!(!completed(item()).has(R::MissingReasons, d(3, 9)));
    }

    #[test]
    fn a_fee_above_the_standard() {
        // Assessed 10.00 (工本费 once), 15.00 collected: forged, the machine refuses it.
        let mut l = reviewed(fee_item());
        l.run(
            Command::AssessFees {
                lines: vec![(0, 1)],
            },
            &clerk(),
            d(3, 5),
        )
        .forge(clerk_ref(), payment(1500), d(3, 5));
        let v = l.found(R::FeeAboveStandard, d(3, 5));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].seq, Some(l.last_seq()));
        assert!(v[0].detail.contains("超收5.00元"), "{}", v[0].detail);

        // An assessment above its own lines' standards.
        let mut a = reviewed(fee_item());
        a.forge(
            clerk_ref(),
            EventKind::FeesAssessed {
                lines: vec![(0, 1)],
                total_fen: 3000,
            },
            d(3, 5),
        );
        assert_eq!(a.found(R::FeeAboveStandard, d(3, 5)).len(), 1);
        // A line naming no standard.
        let mut b = reviewed(fee_item());
        b.forge(
            clerk_ref(),
            EventKind::FeesAssessed {
                lines: vec![(7, 1)],
                total_fen: 100,
            },
            d(3, 5),
        );
        assert_eq!(b.found(R::FeeAboveStandard, d(3, 5)).len(), 1);
        // Paid before any assessment, above every standard once (15.00).
        let mut c = reviewed(fee_item());
        c.forge(clerk_ref(), payment(2000), d(3, 5));
        assert_eq!(c.found(R::FeeAboveStandard, d(3, 5)).len(), 1);
    }

    #[test]
    fn fees_within_the_standard_are_fine() {
        let mut l = reviewed(fee_item());
        l.run(
            Command::AssessFees {
                lines: vec![(0, 2), (1, 1)],
            },
            &clerk(),
            d(3, 5),
        )
        .run(pay(1000), &clerk(), d(3, 5))
        .run(pay(1500), &clerk(), d(3, 5));
        assert!(!l.has(R::FeeAboveStandard, d(3, 5)));
        // Paid, refunded, paid again: the net never exceeds the assessment.
        l.run(
            Command::Refund {
                amount_fen: 500,
                reason: "多收".into(),
            },
            &clerk(),
            d(3, 5),
        )
        .run(pay(500), &clerk(), d(3, 5));
        assert_eq!(l.violations(d(3, 5)), vec![]);
    }

    #[test]
    fn a_fee_for_a_free_item() {
        let mut l = reviewed(item());
        l.forge(clerk_ref(), payment(1000), d(3, 5));
        let v = l.violations(d(3, 5));
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].rule, R::FeeForFreeItem);
        let mut a = reviewed(item());
        a.forge(
            clerk_ref(),
            EventKind::FeesAssessed {
                lines: vec![],
                total_fen: 500,
            },
            d(3, 5),
        );
        assert_eq!(a.found(R::FeeForFreeItem, d(3, 5)).len(), 1);
    }

    #[test]
    fn a_free_item_without_fees_is_fine() {
        let l = completed(item());
        assert!(!l.has(R::FeeForFreeItem, d(3, 9)));
        // A zero assessment on a free item charges nothing.
        let mut a = reviewed(item());
        a.forge(
            clerk_ref(),
            EventKind::FeesAssessed {
                lines: vec![],
                total_fen: 0,
            },
            d(3, 5),
        );
        assert!(!a.has(R::FeeForFreeItem, d(3, 5)));
    }

    #[test]
    fn a_decision_without_the_review_stages() {
        // 现场核查 never done.
        let mut l = accepted(item(), d(3, 2));
        l.run(complete(0), &reviewer(), d(3, 3)).forge(
            head_ref(),
            decided(true, "", d(3, 4)),
            d(3, 4),
        );
        let v = l.found(R::DecisionWithoutReview, d(3, 4));
        assert_eq!(v.len(), 1);
        assert!(v[0].detail.contains("现场核查"));
        assert!(!v[0].detail.contains("受理审查"));
        // Decided without even being accepted.
        let mut n = Log::file(item(), d(3, 2));
        n.forge(head_ref(), decided(true, "", d(3, 3)), d(3, 3));
        let v = n.found(R::DecisionWithoutReview, d(3, 3));
        assert_eq!(v.len(), 1);
        assert!(v[0].detail.contains("未经受理"));
    }

    #[test]
    fn a_decision_after_review_is_fine() {
        let l = completed(item());
        assert!(!l.has(R::DecisionWithoutReview, d(3, 9)));
        // An immediate item's only stage is the decision itself.
        let mut i = Log::file(immediate_item(), d(3, 2));
        i.run(mark(0), &clerk(), d(3, 2))
            .run(mark(1), &clerk(), d(3, 2))
            .run(
                Command::HandleImmediately { licence_no: None },
                &clerk(),
                d(3, 2),
            );
        assert_eq!(i.violations(d(3, 2)), vec![]);
    }

    #[test]
    fn a_change_after_completion() {
        let mut l = completed(item());
        l.forge(clerk_ref(), payment(100), d(3, 10));
        let v = l.found(R::ChangeAfterCompletion, d(3, 10));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].seq, Some(l.last_seq()));
        assert!(v[0].detail.contains("办结"), "{}", v[0].detail);
        // After a refusal too.
        let mut r = Log::file(item(), d(3, 2));
        r.run(
            Command::Refuse {
                reasons: "不属于本机关职权范围".into(),
            },
            &clerk(),
            d(3, 3),
        )
        .forge(
            clerk_ref(),
            EventKind::Withdrawn {
                reason: String::new(),
            },
            d(3, 4),
        );
        assert_eq!(r.found(R::ChangeAfterCompletion, d(3, 4)).len(), 1);
    }

    #[test]
    fn completion_as_the_last_event_is_fine() {
        let l = completed(item());
        assert!(!l.has(R::ChangeAfterCompletion, d(3, 9)));
        // Every command on a closed case is refused by the machine, so nothing follows.
        let mut l = l;
        assert!(l.try_run(pay(100), &clerk(), d(3, 10)).is_err());
        assert!(!l.has(R::ChangeAfterCompletion, d(3, 10)));
    }

    #[test]
    fn a_suspension_without_written_notice() {
        let mut l = accepted(item(), d(3, 2));
        l.forge(
            who("李审批", Some(Role::Reviewer), TA),
            EventKind::Suspended {
                procedure: SpecialProcedure::Testing,
                reason: String::new(),
                expected_days: 0,
                on: d(3, 3),
            },
            d(3, 3),
        );
        let v = l.found(R::SuspensionWithoutNotice, d(3, 3));
        assert_eq!(v.len(), 1);
        assert!(v[0].detail.contains("理由和所需时间"), "{}", v[0].detail);
        let mut m = accepted(item(), d(3, 2));
        m.forge(
            who("李审批", Some(Role::Reviewer), TA),
            EventKind::Suspended {
                procedure: SpecialProcedure::Testing,
                reason: "检测".into(),
                expected_days: 0,
                on: d(3, 3),
            },
            d(3, 3),
        );
        assert_eq!(m.found(R::SuspensionWithoutNotice, d(3, 3)).len(), 1);
    }

    #[test]
    fn a_suspension_with_notice_is_fine() {
        let mut l = accepted(item(), d(3, 2));
        l.run(suspend(), &reviewer(), d(3, 3));
        assert!(!l.has(R::SuspensionWithoutNotice, d(3, 3)));
    }

    #[test]
    fn an_overdue_stage_completed_late_or_still_running() {
        // 受理审查 due 03-03, completed 03-05.
        let mut l = accepted(item(), d(3, 2));
        l.run(complete(0), &reviewer(), d(3, 5));
        let v = l.found(R::StageOverdue, d(3, 5));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].seq, Some(l.last_seq()));
        assert!(v[0].detail.contains("受理审查") && v[0].detail.contains("超过2个工作日"));
        // 现场核查 started 03-05, due 03-10; still running on 03-11.
        let v = l.found(R::StageOverdue, d(3, 11));
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].seq, None);
        assert!(v[1].detail.contains("现场核查"));
    }

    #[test]
    fn a_stage_within_its_limit_is_fine() {
        let mut l = accepted(item(), d(3, 2));
        l.run(complete(0), &reviewer(), d(3, 3));
        // 现场核查 due 03-06: on the due day, not yet overdue.
        assert!(!l.has(R::StageOverdue, d(3, 6)));
        // Suspended before its due: the clock stopped, however late today is.
        l.run(suspend(), &reviewer(), d(3, 5));
        assert!(!l.has(R::StageOverdue, d(6, 30)));
        // A closed case is judged as of its end.
        let mut t = accepted(item(), d(3, 2));
        t.run(
            Command::Terminate {
                reason: "申请人死亡".into(),
            },
            &head(),
            d(3, 3),
        );
        assert!(!t.has(R::StageOverdue, d(6, 30)));
    }

    #[test]
    fn a_decision_by_someone_not_allowed_to_decide() {
        let mut l = reviewed(item());
        l.forge(
            who("李审批", Some(Role::Reviewer), TA),
            decided(true, "", d(3, 6)),
            d(3, 6),
        );
        let v = l.found(R::UnauthorisedDecision, d(3, 6));
        assert_eq!(v.len(), 1);
        assert!(v[0].detail.contains("李审批"));
        // A department head of another place.
        let mut far = reviewed(item());
        far.forge(
            who("周科长", Some(Role::DepartmentHead), TB),
            decided(true, "", d(3, 6)),
            d(3, 6),
        );
        assert_eq!(far.found(R::UnauthorisedDecision, d(3, 6)).len(), 1);
        // A window clerk deciding a non-immediate item; the system.
        for by in [clerk_ref(), ActorRef::system()] {
            let mut c = reviewed(item());
            c.forge(by, decided(true, "", d(3, 6)), d(3, 6));
            assert_eq!(c.found(R::UnauthorisedDecision, d(3, 6)).len(), 1);
        }
    }

    #[test]
    fn a_decision_by_the_department_head_or_an_immediate_window_is_fine() {
        assert!(!completed(item()).has(R::UnauthorisedDecision, d(3, 9)));
        let mut i = Log::file(immediate_item(), d(3, 2));
        i.run(mark(0), &clerk(), d(3, 2))
            .run(mark(1), &clerk(), d(3, 2))
            .run(
                Command::HandleImmediately { licence_no: None },
                &clerk(),
                d(3, 2),
            );
        assert!(!i.has(R::UnauthorisedDecision, d(3, 2)));
    }

    #[test]
    fn the_statutory_deadline_exceeded() {
        // Due 03-30. Undecided on 03-31: shown as of today.
        let mut l = reviewed(item());
        let v = l.found(R::StatutoryDeadlineExceeded, d(3, 31));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].seq, None);
        // Decided 04-01: shown by the decision.
        l.run(grant(), &head(), d(4, 1));
        let v = l.found(R::StatutoryDeadlineExceeded, d(4, 1));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].seq, Some(l.last_seq()));
        assert!(v[0].detail.contains("超过2个工作日"), "{}", v[0].detail);
    }

    #[test]
    fn a_decision_on_the_statutory_due_day_is_fine() {
        let mut l = reviewed(item());
        assert!(!l.has(R::StatutoryDeadlineExceeded, d(3, 30)));
        l.run(grant(), &head(), d(3, 30));
        assert!(!l.has(R::StatutoryDeadlineExceeded, d(4, 30)));
        // Suspended before the due: no time runs.
        let mut s = reviewed(item());
        s.run(suspend(), &reviewer(), d(3, 20));
        assert!(!s.has(R::StatutoryDeadlineExceeded, d(6, 30)));
    }

    #[test]
    fn the_delivery_deadline_exceeded() {
        // Granted 03-06: due 03-20. Undelivered on 03-23, then delivered 03-24.
        let mut l = reviewed(item());
        l.run(grant(), &head(), d(3, 6));
        let v = l.found(R::DeliveryDeadlineExceeded, d(3, 23));
        assert_eq!((v.len(), v[0].seq), (1, None));
        l.run(deliver(), &clerk(), d(3, 24));
        let v = l.found(R::DeliveryDeadlineExceeded, d(3, 24));
        assert_eq!((v.len(), v[0].seq), (1, Some(l.last_seq())));
    }

    #[test]
    fn delivery_on_time_is_fine() {
        let mut l = reviewed(item());
        l.run(grant(), &head(), d(3, 6));
        assert!(!l.has(R::DeliveryDeadlineExceeded, d(3, 20)));
        l.run(deliver(), &clerk(), d(3, 20));
        assert!(!l.has(R::DeliveryDeadlineExceeded, d(4, 30)));
    }

    #[test]
    fn accepted_by_the_system_under_article_32() {
        let mut l = Log::file(item(), d(3, 2));
        l.run(Command::AutoAccept, &Actor::system(), d(3, 10));
        let v = l.found(R::AcceptedBySystem, d(3, 10));
        assert_eq!(v.len(), 1);
        assert!(v[0].detail.contains("2026-03-09"), "{}", v[0].detail);
    }

    #[test]
    fn accepted_by_the_window_is_fine() {
        assert!(!accepted(item(), d(3, 2)).has(R::AcceptedBySystem, d(3, 2)));
    }

    #[test]
    fn an_extension_after_the_deadline_passed() {
        let mut l = reviewed(item());
        l.run(extend(), &head(), d(3, 31));
        let v = l.found(R::ExtendedAfterDeadline, d(3, 31));
        assert_eq!(v.len(), 1);
        assert!(v[0].detail.contains("2026-03-30"));
        // Still flagged as undecided past the original deadline? No: the extension moved it.
        assert!(!l
            .found(R::StatutoryDeadlineExceeded, d(3, 31))
            .iter()
            .any(|v| v.seq.is_none()));
    }

    #[test]
    fn an_extension_before_the_deadline_is_fine() {
        let mut l = reviewed(item());
        l.run(extend(), &head(), d(3, 30));
        assert!(!l.has(R::ExtendedAfterDeadline, d(3, 30)));
        assert_eq!(l.violations(d(3, 30)), vec![]);
    }

    #[test]
    fn an_improper_extension() {
        let ext = |reason: &str| EventKind::Extended {
            days: 10,
            reason: reason.into(),
            statutory_due: d(4, 13),
            promised_due: d(3, 30),
        };
        let mut l = reviewed(item());
        l.forge(who("李审批", Some(Role::Reviewer), TA), ext(""), d(3, 10));
        let v = l.found(R::ImproperExtension, d(3, 10));
        assert_eq!(v.len(), 1);
        assert!(v[0].detail.contains("非部门负责人") && v[0].detail.contains("未说明"));
        // A second extension, even by the head with a reason.
        let mut twice = reviewed(item());
        twice
            .run(extend(), &head(), d(3, 10))
            .forge(head_ref(), ext("再延"), d(3, 11));
        let v = twice.found(R::ImproperExtension, d(3, 11));
        assert_eq!(v.len(), 1);
        assert!(v[0].detail.contains("重复延期"));
    }

    #[test]
    fn an_extension_by_the_head_with_a_reason_is_fine() {
        let mut l = reviewed(item());
        l.run(extend(), &head(), d(3, 10));
        assert!(!l.has(R::ImproperExtension, d(3, 10)));
    }

    #[test]
    fn delivered_with_the_fee_unpaid() {
        let mut l = reviewed(single_fee_item());
        l.run(grant(), &head(), d(3, 6)).forge(
            clerk_ref(),
            EventKind::Delivered {
                method: DeliveryMethod::Window,
                recipient: "张三".into(),
                on: d(3, 9),
                completes: vec![3],
            },
            d(3, 9),
        );
        let v = l.found(R::DeliveredFeeUnpaid, d(3, 9));
        assert_eq!(v.len(), 1);
        assert!(v[0].detail.contains("15.00"));
    }

    #[test]
    fn delivered_after_payment_is_fine() {
        let mut l = reviewed(single_fee_item());
        l.run(grant(), &head(), d(3, 6))
            .run(pay(1500), &clerk(), d(3, 9))
            .run(deliver(), &clerk(), d(3, 9));
        assert!(!l.has(R::DeliveredFeeUnpaid, d(3, 9)));
        // A denial owes no delivery fee check.
        let mut n = reviewed(single_fee_item());
        n.run(
            Command::Decide {
                granted: false,
                reasons: "不符合条件".into(),
                licence_no: None,
            },
            &head(),
            d(3, 6),
        )
        .run(deliver(), &clerk(), d(3, 9));
        assert!(!n.has(R::DeliveredFeeUnpaid, d(3, 9)));
    }

    #[test]
    fn a_tampered_log() {
        let mut l = completed(item());
        l.ev[3].comment.push_str("(改)");
        let v = l.found(R::LogTampered, d(3, 9));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].seq, Some(4));
    }

    #[test]
    fn an_intact_log_is_fine() {
        assert!(!completed(item()).has(R::LogTampered, d(3, 9)));
    }

    #[test]
    fn violations_are_sorted_by_event_then_today() {
        // Late stage 0 (by event), then stage 1 and the statutory deadline as of today.
        let mut l = accepted(item(), d(3, 2));
        l.run(complete(0), &reviewer(), d(3, 5));
        let v = l.violations(d(4, 1));
        let got: Vec<(Option<u32>, R)> = v.iter().map(|v| (v.seq, v.rule)).collect();
        assert_eq!(
            got,
            vec![
                (Some(l.last_seq()), R::StageOverdue),
                (None, R::StageOverdue),
                (None, R::StatutoryDeadlineExceeded),
            ]
        );
    }

    // -----------------------------------------------------------------------------------------
    // Performance evaluation
    // -----------------------------------------------------------------------------------------

    #[test]
    fn outcome_of_a_completed_case() {
        let l = completed(item());
        let o = outcome(&l.case(), &l.ev, &cal()).expect("completed");
        assert_eq!(
            o,
            CaseOutcome {
                unit: format!("{TA}/{MZ}"),
                // Completed 03-09, promised 03-16.
                on_time: true,
                early: true,
                // 03-02 → 03-09.
                working_days: 5,
                overdue: false,
                // 受理审查 (1 day) and 现场核查 (≤ 2 days left on 03-05) turned yellow.
                warnings: 2,
                violations: 0,
                satisfaction: None,
                complaints: 0,
            }
        );
        // With a rule that only warns when overdue: none.
        let only_red = [rule(RuleScope::All, None, None)];
        let o = outcome_with(&l.case(), &l.ev, &only_red, &cal()).expect("completed");
        assert_eq!(o.warnings, 0);
    }

    #[test]
    fn outcome_of_a_late_case_without_suspended_days() {
        // Suspended 03-10 → 03-17 (5 days): promised 03-23, statutory 04-06.
        // Decided 04-07 (late), delivered and completed 04-08.
        let mut l = reviewed(item());
        l.run(suspend(), &reviewer(), d(3, 10))
            .run(Command::Resume, &reviewer(), d(3, 17))
            .run(grant(), &head(), d(4, 7))
            .run(deliver(), &clerk(), d(4, 8))
            .run(Command::Complete, &clerk(), d(4, 8));
        let o = outcome(&l.case(), &l.ev, &cal()).expect("completed");
        assert!(!o.on_time && !o.early && o.overdue);
        // 03-02 → 04-08 is 27 working days, 5 suspended.
        assert_eq!(o.working_days, 22);
        assert_eq!(o.violations, 1); // statutory_deadline_exceeded
                                     // Case and statutory deadlines went yellow and red; stages 0 and 1 yellow.
        assert_eq!(o.warnings, 6);
    }

    #[test]
    fn no_outcome_for_open_or_refused_cases() {
        let l = reviewed(item());
        assert_eq!(outcome(&l.case(), &l.ev, &cal()), None);
        let mut r = Log::file(item(), d(3, 2));
        r.run(
            Command::Refuse {
                reasons: "不属于本机关职权范围".into(),
            },
            &clerk(),
            d(3, 3),
        );
        assert_eq!(outcome(&r.case(), &r.ev, &cal()), None);
    }

    #[allow(clippy::too_many_arguments)]
    fn oc(
        unit: &str,
        on_time: bool,
        early: bool,
        working_days: u32,
        overdue: bool,
        warnings: u32,
        violations: u32,
        satisfaction: Option<u8>,
        complaints: u32,
    ) -> CaseOutcome {
        CaseOutcome {
            unit: unit.into(),
            on_time,
            early,
            working_days,
            overdue,
            warnings,
            violations,
            satisfaction,
            complaints,
        }
    }

    #[test]
    fn evaluation_matches_a_hand_computed_fixture() {
        const A: &str = "甲镇民政";
        const B: &str = "乙镇住建";
        let outcomes = vec![
            //  unit on_time early days overdue warn viol sat   complaints
            oc(A, true, true, 5, false, 0, 0, Some(5), 0),
            oc(B, true, true, 2, false, 0, 0, Some(5), 0),
            oc(A, true, false, 10, false, 1, 0, Some(4), 0),
            oc(A, false, false, 14, true, 2, 1, Some(2), 1),
            oc(B, true, true, 4, false, 1, 0, Some(5), 0),
            oc(A, true, true, 3, false, 0, 0, None, 0),
            oc(B, true, false, 6, false, 0, 0, Some(3), 0),
        ];
        let s = evaluate(&outcomes, &Weights::default());
        // Default weights: on_time 40, early 10, speed 20, satisfaction 30 (Σ 100), reference 20
        // days; penalties: overdue 20, warning 2, violation 10, complaint 10.
        //
        // 乙镇住建: 3 cases, 3 on time → 1.0; 2 early → 2/3; mean days (2+4+6)/3 = 4;
        //   speed 1 − 4/20 = 0.8; ratings 5,5,3 → 13/3, (13/3 − 1)/4 = 5/6;
        //   base = 40·1 + 10·2/3 + 20·0.8 + 30·5/6 = 40 + 6.667 + 16 + 25 = 87.667;
        //   penalty = 2·1 / 3 = 0.667; score = 87.00.
        // 甲镇民政: 4 cases, 3 on time → 0.75; 2 early → 0.5; mean days (5+10+14+3)/4 = 8;
        //   speed 1 − 8/20 = 0.6; ratings 5,4,2 (one unrated) → 11/3, (11/3 − 1)/4 = 2/3;
        //   base = 40·0.75 + 10·0.5 + 20·0.6 + 30·2/3 = 30 + 5 + 12 + 20 = 67;
        //   penalty = (20·1 + 2·3 + 10·1 + 10·1) / 4 = 46/4 = 11.5; score = 55.50.
        assert_eq!(s.len(), 2);
        let (b, a) = (&s[0], &s[1]);
        assert_eq!((b.unit.as_str(), b.rank, b.score), (B, 1, 87.0));
        assert_eq!((a.unit.as_str(), a.rank, a.score), (A, 2, 55.5));
        assert_eq!((b.cases, b.on_time, b.early, b.overdue), (3, 3, 2, 0));
        assert_eq!(
            (b.warnings, b.violations, b.complaints, b.rated),
            (1, 0, 0, 3)
        );
        assert_eq!(b.on_time_rate, 1.0);
        assert!((b.early_rate - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(b.mean_working_days, 4.0);
        assert!((b.mean_satisfaction.unwrap() - 13.0 / 3.0).abs() < 1e-9);
        assert_eq!((a.cases, a.on_time, a.early, a.overdue), (4, 3, 2, 1));
        assert_eq!(
            (a.warnings, a.violations, a.complaints, a.rated),
            (3, 1, 1, 3)
        );
        assert_eq!((a.on_time_rate, a.early_rate), (0.75, 0.5));
        assert_eq!(a.mean_working_days, 8.0);
        assert!((a.mean_satisfaction.unwrap() - 11.0 / 3.0).abs() < 1e-9);

        // Administrators weigh only punctuality, with no penalties:
        // 甲 100·0.75 = 75, 乙 100·1 = 100.
        let w = Weights {
            on_time: 1.0,
            early: 0.0,
            speed: 0.0,
            satisfaction: 0.0,
            overdue_penalty: 0.0,
            warning_penalty: 0.0,
            violation_penalty: 0.0,
            complaint_penalty: 0.0,
            ..Weights::default()
        };
        let s = evaluate(&outcomes, &w);
        assert_eq!((s[0].unit.as_str(), s[0].score), (B, 100.0));
        assert_eq!((s[1].unit.as_str(), s[1].score), (A, 75.0));
    }

    #[test]
    fn unrated_units_are_scored_without_satisfaction_and_ties_rank_by_name() {
        // Both: on time, not early, 10 days → base = (40·1 + 10·0 + 20·0.5) / 70 · 100 = 71.43.
        let outcomes = vec![
            oc("乙", true, false, 10, false, 0, 0, None, 0),
            oc("甲", true, false, 10, false, 0, 0, None, 0),
            oc("丙", false, false, 30, true, 50, 50, Some(1), 50),
        ];
        let s = evaluate(&outcomes, &Weights::default());
        let got: Vec<(&str, u32, f64)> = s
            .iter()
            .map(|s| (s.unit.as_str(), s.rank, s.score))
            .collect();
        // "乙" (U+4E59) sorts before "甲" (U+7532); 丙 clamps at 0.
        assert_eq!(
            got,
            vec![("乙", 1, 71.43), ("甲", 1, 71.43), ("丙", 3, 0.0)]
        );
        assert_eq!(evaluate(&[], &Weights::default()), vec![]);
    }

    #[test]
    fn weights_validation_and_degenerate_weights() {
        assert!(Weights::default().validate().is_ok());
        let bad = Weights {
            on_time: -1.0,
            speed: f64::NAN,
            ..Weights::default()
        };
        let e = bad.validate().expect_err("invalid");
        assert_eq!(e.errors.len(), 2);
        // All weights zero: 100 minus penalties.
        let zero = Weights {
            on_time: 0.0,
            early: 0.0,
            speed: 0.0,
            satisfaction: 0.0,
            reference_days: 0.0,
            ..Weights::default()
        };
        let s = evaluate(&[oc("甲", false, false, 9, false, 1, 0, None, 0)], &zero);
        assert_eq!(s[0].score, 98.0);
    }
}

/// One deadline of an open case with the dates its warnings start, so a scan can find what is
/// yellow or red today with an index range (`yellow_from <= today`) instead of reading every case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineRow {
    pub case_number: String,
    /// `WarningKind::key()`, unique within the case.
    pub key: String,
    pub label: String,
    pub due: NaiveDate,
    /// First day the rule makes it yellow; `red_from` when the rule never warns yellow.
    pub yellow_from: NaiveDate,
    /// First day it is red: the day after the due date.
    pub red_from: NaiveDate,
}

impl DeadlineRow {
    /// The colour of this deadline on `day` while the case stands still: what [`warnings`] says for
    /// it, read from the row's dates alone. The scan raises warnings this way, in the database,
    /// without loading cases; a property test holds the two to agree on every day.
    pub fn colour_on(&self, day: NaiveDate) -> Option<Colour> {
        if day >= self.red_from {
            Some(Colour::Red)
        } else if day >= self.yellow_from {
            Some(Colour::Yellow)
        } else {
            None
        }
    }
}

/// The deadline rows of a case under the rules: recomputed whenever the case changes (and for every
/// open case when the rules or the calendar change).
pub fn deadline_rows(
    case: &Case,
    rules: &[WarningRule],
    cal: &WorkingCalendar,
) -> Vec<DeadlineRow> {
    let rule = rule_for(&case.filing.item, rules);
    periods(case, cal)
        .into_iter()
        .map(|(kind, p)| {
            let red_from = p.due.succ_opt().unwrap_or(p.due);
            // Walk forward from the start to the first day the rule warns; periods are short. A
            // rule without yellow thresholds never warns before the red day.
            let mut d = p.start;
            let yellow_from = loop {
                if d >= red_from || warn(kind, &p, &rule, d, cal).is_some() {
                    break d.min(red_from);
                }
                d = d.succ_opt().unwrap_or(red_from);
            };
            DeadlineRow {
                case_number: case.filing.number.clone(),
                key: kind.key(),
                label: kind.label(),
                due: p.due,
                yellow_from,
                red_from,
            }
        })
        .collect()
}

#[cfg(test)]
mod deadline_row_tests {
    use super::*;

    #[test]
    fn rows_agree_with_warnings_on_every_day() {
        // The row's dates must say exactly what `warnings` says on each day of the period.
        let cal = WorkingCalendar::default();
        let start = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let p = Period {
            start,
            due: cal.add_working_days(start, 10),
            not_counted: 0,
        };
        let rule = WarningRule::default();
        let kind = WarningKind::CaseDeadline;
        let mut d = start;
        let mut yellow = None;
        while d <= p.due {
            if warn(kind, &p, &rule, d, &cal).is_some() && yellow.is_none() {
                yellow = Some(d);
            }
            d = d.succ_opt().unwrap();
        }
        let yellow = yellow.unwrap();
        // 80% of 10 working days is day 8: 2026-03-12; or ≤ 2 days left: 03-12 as well.
        assert_eq!(yellow, NaiveDate::from_ymd_opt(2026, 3, 12).unwrap());
        assert!(warn(kind, &p, &rule, yellow.pred_opt().unwrap(), &cal).is_none());
    }
}
