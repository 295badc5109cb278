//! Early warnings (预警): the rules administrators set, the periods a case's deadlines run over,
//! and the colour each deadline shows on a day.

use crate::calendar::WorkingCalendar;
use crate::case::{local_date, Case, CaseEvent, CaseState, ItemTerms};
use crate::catalog::ItemKind;
use crate::error::ValidationErrors;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

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
