//! Violations (纠错): rule breaks detected from a case's event log, and from where an open case
//! stands today.

use crate::access::Role;
use crate::calendar::WorkingCalendar;
use crate::case::{local_date, verify_chain, Case, CaseEvent, CaseState, EventKind, ItemTerms};
use crate::catalog::ItemKind;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

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
                e.kind.label(&item.wording())
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
            let approver = item.extension_approver();
            if e.actor.role != Some(approver) {
                why.push(format!("由{}批准,而非{}", e.actor.name, approver.label()));
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

/// The violations the new events of one command show, `before` being the case before them: what
/// [`violations`] finds at those events, found as they are recorded, so supervision can list them
/// across a subtree without reading every log.
pub fn violations_of_new_events(
    before: &Case,
    after: &Case,
    events: &[CaseEvent],
    cal: &WorkingCalendar,
) -> Vec<Violation> {
    let mut out = Vec::new();
    // Most commands append one event: `before` and `after` are then all it needs (no fold, no
    // clone on the write path).
    if let [e] = events {
        check_event(before, after, e, cal, &mut out);
        return out;
    }
    let mut cur = before.clone();
    for e in events {
        let b = cur.clone();
        cur.apply(e);
        check_event(&b, &cur, e, cal, &mut out);
    }
    out
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
