//! Performance evaluation (绩效评估): what a completed case contributes, and the weighted score of
//! each unit.

use super::*;
use crate::calendar::WorkingCalendar;
use crate::case::{Case, CaseEvent, CaseState, EventKind};
use crate::error::ValidationErrors;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
