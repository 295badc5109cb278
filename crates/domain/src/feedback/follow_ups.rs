//! Follow-ups of bad ratings (差评整改): contact → verify → rectify → report back, then closed;
//! one appeal (申诉复核) after closure.

use super::{check_text, FeedbackError, Rating, RatingLevel};
use crate::calendar::WorkingCalendar;
use crate::region::RegionCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FollowUpStatus {
    /// 待回访: the unit must contact the applicant.
    Open,
    /// 已联系
    Contacted,
    /// 已核实
    Verified,
    /// 已整改
    Rectified,
    /// 已办结 (reported back to the applicant)
    Closed,
    /// 申诉复核中
    Appealed,
}

impl FollowUpStatus {
    pub const ALL: [FollowUpStatus; 6] = [
        FollowUpStatus::Open,
        FollowUpStatus::Contacted,
        FollowUpStatus::Verified,
        FollowUpStatus::Rectified,
        FollowUpStatus::Closed,
        FollowUpStatus::Appealed,
    ];
    /// Its word: the serde spelling (strum).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<FollowUpStatus> {
        s.parse().ok()
    }
    pub fn label(self) -> &'static str {
        match self {
            FollowUpStatus::Open => "待联系",
            FollowUpStatus::Contacted => "已联系待核实",
            FollowUpStatus::Verified => "已核实待整改",
            FollowUpStatus::Rectified => "已整改待反馈",
            FollowUpStatus::Closed => "已办结",
            FollowUpStatus::Appealed => "申诉复核中",
        }
    }
    /// Statuses in which the unit still owes work against the deadline.
    pub fn is_open(self) -> bool {
        !matches!(self, FollowUpStatus::Closed)
    }
}

/// One step in a follow-up's or a complaint's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub at: DateTime<Utc>,
    /// Shown to the public only as a role ("办理单位", "申请人"): staff names stay internal.
    pub actor: String,
    pub action: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub id: i64,
    pub rating_id: i64,
    pub case_number: String,
    pub level: RatingLevel,
    pub unit: RegionCode,
    pub department: String,
    pub opened_on: NaiveDate,
    pub due: NaiveDate,
    pub status: FollowUpStatus,
    /// The applicant has used the one appeal.
    pub appealed: bool,
    /// What the unit reported back (整改反馈), shown to the applicant.
    pub report: String,
    pub history: Vec<Entry>,
    pub version: u32,
}

/// What someone does to a follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum FollowUpAction {
    /// The unit contacted the applicant (联系).
    Contact { text: String },
    /// The unit verified the facts (核实).
    Verify { text: String },
    /// The unit rectified (整改).
    Rectify { text: String },
    /// The unit reported back to the applicant (反馈), which closes the follow-up.
    ReportBack { text: String },
    /// The applicant appeals a closed follow-up (申诉复核), once.
    Appeal { text: String },
    /// A supervisor decides an appeal: upheld closes it again; otherwise it reopens with a new
    /// deadline of the same length.
    ReviewAppeal { upheld: bool, text: String },
}

impl FollowUpAction {
    pub fn name(&self) -> &'static str {
        match self {
            FollowUpAction::Contact { .. } => "contact",
            FollowUpAction::Verify { .. } => "verify",
            FollowUpAction::Rectify { .. } => "rectify",
            FollowUpAction::ReportBack { .. } => "report_back",
            FollowUpAction::Appeal { .. } => "appeal",
            FollowUpAction::ReviewAppeal { .. } => "review_appeal",
        }
    }
    pub fn label(&self) -> &'static str {
        match self {
            FollowUpAction::Contact { .. } => "联系申请人",
            FollowUpAction::Verify { .. } => "核实情况",
            FollowUpAction::Rectify { .. } => "整改",
            FollowUpAction::ReportBack { .. } => "反馈结果",
            FollowUpAction::Appeal { .. } => "申诉复核",
            FollowUpAction::ReviewAppeal { upheld: true, .. } => "复核维持",
            FollowUpAction::ReviewAppeal { upheld: false, .. } => "复核重新整改",
        }
    }
    /// Whether the applicant (not the unit or a supervisor) takes this action.
    pub fn by_applicant(&self) -> bool {
        matches!(self, FollowUpAction::Appeal { .. })
    }
    /// Whether only a supervisor may take it (the unit does not review its own handling).
    pub fn by_supervisor(&self) -> bool {
        matches!(self, FollowUpAction::ReviewAppeal { .. })
    }
}

/// The follow-up a bad rating opens, due `days` working days after `today`; `None` for other levels.
pub fn open_follow_up(
    rating: &Rating,
    today: NaiveDate,
    days: u32,
    cal: &WorkingCalendar,
) -> Option<FollowUp> {
    if !rating.level.opens_follow_up() {
        return None;
    }
    Some(FollowUp {
        id: 0,
        rating_id: rating.id,
        case_number: rating.case_number.clone(),
        level: rating.level,
        unit: rating.unit.clone(),
        department: rating.department.clone(),
        opened_on: today,
        due: cal.add_working_days(today, days),
        status: FollowUpStatus::Open,
        appealed: false,
        report: String::new(),
        history: vec![Entry {
            at: rating.rated_at,
            actor: "系统".into(),
            action: "opened".into(),
            text: format!("差评“{}”,转办理单位回访整改", rating.level.label()),
        }],
        version: 1,
    })
}

impl FollowUp {
    /// Applies `action` by `actor` on `today`: the next state, or why not. The version moves on.
    pub fn apply(
        &self,
        action: &FollowUpAction,
        actor: &str,
        at: DateTime<Utc>,
        today: NaiveDate,
        cal: &WorkingCalendar,
    ) -> Result<FollowUp, FeedbackError> {
        use FollowUpAction as A;
        use FollowUpStatus as S;
        let wrong = || FeedbackError::WrongState {
            state: self.status.label(),
            action: action.label(),
        };
        let mut next = self.clone();
        let text = match action {
            A::Contact { text } | A::Verify { text } | A::Rectify { text } => {
                check_text(text, "办理情况", true)?
            }
            A::ReportBack { text } => check_text(text, "反馈内容", true)?,
            A::Appeal { text } => check_text(text, "申诉理由", true)?,
            A::ReviewAppeal { text, .. } => check_text(text, "复核意见", true)?,
        };
        next.status = match (self.status, action) {
            (S::Open, A::Contact { .. }) => S::Contacted,
            (S::Contacted, A::Verify { .. }) => S::Verified,
            (S::Verified, A::Rectify { .. }) => S::Rectified,
            (S::Rectified, A::ReportBack { .. }) => {
                next.report = text.clone();
                S::Closed
            }
            (S::Closed, A::Appeal { .. }) => {
                if self.appealed {
                    return Err(FeedbackError::AlreadyAppealed);
                }
                next.appealed = true;
                S::Appealed
            }
            (S::Appealed, A::ReviewAppeal { upheld: true, .. }) => S::Closed,
            (S::Appealed, A::ReviewAppeal { upheld: false, .. }) => {
                // Reopened: the unit gets a fresh period as long as the first one.
                let days = cal.working_days_between(self.opened_on, self.due).max(1);
                next.opened_on = today;
                next.due = cal.add_working_days(today, u32::try_from(days).unwrap_or(1));
                next.report.clear();
                S::Open
            }
            _ => return Err(wrong()),
        };
        next.history.push(Entry {
            at,
            actor: actor.to_string(),
            action: action.name().to_string(),
            text,
        });
        next.version = self.version + 1;
        Ok(next)
    }

    /// Working days late on `today` (positive), or `None` when not open or not yet late.
    pub fn overdue_days(&self, today: NaiveDate, cal: &WorkingCalendar) -> Option<i64> {
        // An appeal waits on the supervisor, not the unit.
        if !self.status.is_open() || self.status == FollowUpStatus::Appealed || today <= self.due {
            return None;
        }
        Some(cal.working_days_between(self.due, today))
    }
}
