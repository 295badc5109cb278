//! Evaluation and complaints (好差评, 投诉, 信访, 举报), §9.
//!
//! - A completed case may be rated once per channel (online, window tablet, SMS link). The two
//!   lowest levels open a follow-up (整改回访) for the handling unit, due in working days that
//!   administrators set: contact → verify → rectify → report back, then closed. After closure the
//!   applicant may appeal once (申诉复核); a supervisor upholds the handling or reopens it.
//! - A complaint, petition or report names a case, a window, a person or a department, is routed to
//!   the responsible unit (a region, seen by that unit and the supervisors above it), must be
//!   accepted or declined within [`ACCEPT_LIMIT_DAYS`] working days and answered within the
//!   administrators' limit after acceptance. The complainant follows it with a random code.
//!
//! Everything here is pure: the caller passes today's date, the calendar and any random code.

use crate::calendar::WorkingCalendar;
use crate::case::{Case, CaseState};
use crate::region::RegionCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Default working days for a follow-up of a bad rating (administrators may change it).
pub const DEFAULT_FOLLOW_UP_DAYS: u32 = 5;
/// Working days to accept or decline a complaint.
pub const ACCEPT_LIMIT_DAYS: u32 = 5;
/// Default working days to answer an accepted complaint (administrators may change it).
pub const DEFAULT_ANSWER_DAYS: u32 = 15;
/// Longest a comment, complaint text or reply may be, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

// ---------------------------------------------------------------------------------------------
// Ratings
// ---------------------------------------------------------------------------------------------

/// The five levels of 好差评, best first.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RatingLevel {
    VerySatisfied,
    Satisfied,
    Basic,
    Dissatisfied,
    VeryDissatisfied,
}

impl RatingLevel {
    pub const ALL: [RatingLevel; 5] = [
        RatingLevel::VerySatisfied,
        RatingLevel::Satisfied,
        RatingLevel::Basic,
        RatingLevel::Dissatisfied,
        RatingLevel::VeryDissatisfied,
    ];
    pub fn label(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "非常满意",
            RatingLevel::Satisfied => "满意",
            RatingLevel::Basic => "基本满意",
            RatingLevel::Dissatisfied => "不满意",
            RatingLevel::VeryDissatisfied => "非常不满意",
        }
    }
    /// Score for evaluation: 5 (非常满意) down to 1 (非常不满意), as `supervision::CaseOutcome` uses.
    pub fn score(self) -> u8 {
        6 - self.gb_code()
    }
    /// The code of GB/T 39046 (政务服务评价): 1 = 非常满意 … 5 = 非常不满意.
    pub fn gb_code(self) -> u8 {
        match self {
            RatingLevel::VerySatisfied => 1,
            RatingLevel::Satisfied => 2,
            RatingLevel::Basic => 3,
            RatingLevel::Dissatisfied => 4,
            RatingLevel::VeryDissatisfied => 5,
        }
    }
    pub fn from_score(score: u8) -> Option<RatingLevel> {
        (1..=5)
            .contains(&score)
            .then(|| RatingLevel::ALL[usize::from(5 - score)])
    }
    /// Its word: the serde spelling (strum).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    /// The stored code, the label or the score as text.
    pub fn parse(s: &str) -> Option<RatingLevel> {
        let s = s.trim();
        RatingLevel::ALL
            .into_iter()
            .find(|l| l.as_str() == s || l.label() == s)
            .or_else(|| s.parse().ok().and_then(RatingLevel::from_score))
    }
    /// 不满意 and 非常不满意 (差评) open a follow-up.
    pub fn opens_follow_up(self) -> bool {
        matches!(
            self,
            RatingLevel::Dissatisfied | RatingLevel::VeryDissatisfied
        )
    }
}

/// Where a rating was given. One rating per case per channel.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RatingChannel {
    /// 网上评价 (the portal)
    Online,
    /// 窗口评价器 (the tablet at the window)
    WindowTablet,
    /// 短信评价 (the link in the completion SMS)
    SmsLink,
}

impl RatingChannel {
    pub const ALL: [RatingChannel; 3] = [
        RatingChannel::Online,
        RatingChannel::WindowTablet,
        RatingChannel::SmsLink,
    ];
    /// Its word: the serde spelling (strum).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<RatingChannel> {
        RatingChannel::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
    }
    pub fn label(self) -> &'static str {
        match self {
            RatingChannel::Online => "网上评价",
            RatingChannel::WindowTablet => "窗口评价器",
            RatingChannel::SmsLink => "短信评价",
        }
    }
}

/// One rating of a completed case. The unit is where the case was decided, with the item's
/// department: that is who answers a bad rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub id: i64,
    pub case_number: String,
    pub channel: RatingChannel,
    pub level: RatingLevel,
    pub comment: String,
    pub rated_at: DateTime<Utc>,
    pub unit: RegionCode,
    pub department: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedbackError {
    #[error("办件尚未办结,办结后才能评价")]
    NotCompleted,
    #[error("本办件已通过“{0}”评价过,每个渠道只能评价一次")]
    AlreadyRated(&'static str),
    #[error("当前状态“{state}”下不能{action}")]
    WrongState {
        state: &'static str,
        action: &'static str,
    },
    #[error("请填写{0}")]
    Required(&'static str),
    #[error("{0}不能超过2000字")]
    TooLong(&'static str),
    #[error("已申诉过一次,不能再次申诉")]
    AlreadyAppealed,
    #[error("举报以外的投诉和信访须留下姓名和联系电话")]
    NameRequired,
    #[error("联系电话应为11位手机号")]
    BadPhone,
}

impl FeedbackError {
    pub fn code(&self) -> &'static str {
        match self {
            FeedbackError::NotCompleted => "not_completed",
            FeedbackError::AlreadyRated(_) => "already_rated",
            FeedbackError::WrongState { .. } => "wrong_state",
            FeedbackError::Required(_) => "required",
            FeedbackError::TooLong(_) => "too_long",
            FeedbackError::AlreadyAppealed => "already_appealed",
            FeedbackError::NameRequired => "name_required",
            FeedbackError::BadPhone => "bad_phone",
        }
    }
}

fn check_text(text: &str, what: &'static str, required: bool) -> Result<String, FeedbackError> {
    let t = text.trim();
    if required && t.is_empty() {
        return Err(FeedbackError::Required(what));
    }
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(FeedbackError::TooLong(what));
    }
    Ok(t.to_string())
}

/// A new rating of `case` on `channel`, refused unless the case is completed and not yet rated on
/// that channel (`existing` are the case's ratings so far). The store's unique key enforces the
/// same rule under races.
pub fn rate(
    case: &Case,
    existing: &[Rating],
    channel: RatingChannel,
    level: RatingLevel,
    comment: &str,
    at: DateTime<Utc>,
) -> Result<Rating, FeedbackError> {
    if case.state != CaseState::Completed {
        return Err(FeedbackError::NotCompleted);
    }
    if existing.iter().any(|r| r.channel == channel) {
        return Err(FeedbackError::AlreadyRated(channel.label()));
    }
    Ok(Rating {
        id: 0,
        case_number: case.filing.number.clone(),
        channel,
        level,
        comment: check_text(comment, "评价意见", false)?,
        rated_at: at,
        unit: case.filing.decide_place.clone(),
        department: case.filing.item.department.clone(),
    })
}

// ---------------------------------------------------------------------------------------------
// Follow-ups of bad ratings (差评整改)
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Complaints, petitions and reports (投诉, 信访, 举报)
// ---------------------------------------------------------------------------------------------

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
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ComplaintKind {
    /// 投诉
    Complaint,
    /// 信访
    Petition,
    /// 举报 (may be anonymous)
    Report,
}

impl ComplaintKind {
    pub const ALL: [ComplaintKind; 3] = [
        ComplaintKind::Complaint,
        ComplaintKind::Petition,
        ComplaintKind::Report,
    ];
    /// Its word: the serde spelling (strum).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<ComplaintKind> {
        ComplaintKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim() || k.label() == s.trim())
    }
    pub fn label(self) -> &'static str {
        match self {
            ComplaintKind::Complaint => "投诉",
            ComplaintKind::Petition => "信访",
            ComplaintKind::Report => "举报",
        }
    }
    pub fn may_be_anonymous(self) -> bool {
        self == ComplaintKind::Report
    }
}

/// What a complaint is about.
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
pub enum ComplaintSubject {
    Case,
    Window,
    Person,
    Department,
}

impl ComplaintSubject {
    pub const ALL: [ComplaintSubject; 4] = [
        ComplaintSubject::Case,
        ComplaintSubject::Window,
        ComplaintSubject::Person,
        ComplaintSubject::Department,
    ];
    /// Its word: the serde spelling (strum).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<ComplaintSubject> {
        ComplaintSubject::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
    }
    pub fn label(self) -> &'static str {
        match self {
            ComplaintSubject::Case => "办件",
            ComplaintSubject::Window => "窗口",
            ComplaintSubject::Person => "工作人员",
            ComplaintSubject::Department => "部门",
        }
    }
}

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
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ComplaintStatus {
    /// 待受理
    Received,
    /// 已受理, being handled
    Accepted,
    /// 不予受理 (with the reason)
    Declined,
    /// 已答复
    Answered,
}

impl ComplaintStatus {
    pub const ALL: [ComplaintStatus; 4] = [
        ComplaintStatus::Received,
        ComplaintStatus::Accepted,
        ComplaintStatus::Declined,
        ComplaintStatus::Answered,
    ];
    /// Its word: the serde spelling (strum).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<ComplaintStatus> {
        s.parse().ok()
    }
    pub fn label(self) -> &'static str {
        match self {
            ComplaintStatus::Received => "待受理",
            ComplaintStatus::Accepted => "已受理,办理中",
            ComplaintStatus::Declined => "不予受理",
            ComplaintStatus::Answered => "已答复",
        }
    }
    pub fn is_open(self) -> bool {
        matches!(self, ComplaintStatus::Received | ComplaintStatus::Accepted)
    }
}

/// Who complains; `None` on an anonymous report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complainant {
    pub name: String,
    pub phone: String,
}

/// What the public form submits, after routing: the caller resolves `unit` (the case's deciding
/// place for a case, else the place the complainant chose).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintInput {
    pub kind: ComplaintKind,
    pub subject: ComplaintSubject,
    /// The case number, window, person or department named.
    pub subject_ref: String,
    pub case_number: Option<String>,
    pub unit: RegionCode,
    pub department: Option<String>,
    pub body: String,
    pub complainant: Option<Complainant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    pub id: i64,
    /// The random code the complainant follows it with.
    pub code: String,
    pub kind: ComplaintKind,
    pub subject: ComplaintSubject,
    pub subject_ref: String,
    pub case_number: Option<String>,
    /// The responsible unit: it handles; supervisors whose subtree holds it oversee.
    pub unit: RegionCode,
    pub department: Option<String>,
    pub body: String,
    pub complainant: Option<Complainant>,
    pub filed_at: DateTime<Utc>,
    pub filed_on: NaiveDate,
    pub accept_due: NaiveDate,
    /// The administrators' answer limit when filed, in working days after acceptance.
    pub answer_days: u32,
    pub accepted_on: Option<NaiveDate>,
    pub answer_due: Option<NaiveDate>,
    pub status: ComplaintStatus,
    /// The decline reason or the answer, shown to the complainant.
    pub reply: String,
    pub history: Vec<Entry>,
    pub version: u32,
}

/// What the unit does to a complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ComplaintAction {
    Accept { text: String },
    Decline { reason: String },
    Answer { text: String },
}

impl ComplaintAction {
    pub fn name(&self) -> &'static str {
        match self {
            ComplaintAction::Accept { .. } => "accept",
            ComplaintAction::Decline { .. } => "decline",
            ComplaintAction::Answer { .. } => "answer",
        }
    }
    pub fn label(&self) -> &'static str {
        match self {
            ComplaintAction::Accept { .. } => "受理",
            ComplaintAction::Decline { .. } => "不予受理",
            ComplaintAction::Answer { .. } => "答复",
        }
    }
}

/// Which deadline of a complaint runs now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintDeadlineKind {
    /// Accept or decline (5 working days after filing).
    Accept,
    /// Answer (the administrators' limit after acceptance).
    Answer,
}

impl ComplaintDeadlineKind {
    pub fn label(self) -> &'static str {
        match self {
            ComplaintDeadlineKind::Accept => "受理时限",
            ComplaintDeadlineKind::Answer => "答复时限",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ComplaintDeadline {
    pub kind: ComplaintDeadlineKind,
    pub start: NaiveDate,
    pub due: NaiveDate,
    /// Working days past `due` as of the day asked (0 when not late).
    pub days_late: i64,
}

impl ComplaintDeadline {
    pub fn is_overdue(&self) -> bool {
        self.days_late > 0
    }
}

/// A new complaint filed at `at` (local day `today`), with its follow code and the answer limit in
/// force. Anonymity is allowed for 举报 only; otherwise a name and a mobile number are needed.
pub fn file_complaint(
    input: ComplaintInput,
    code: String,
    answer_days: u32,
    at: DateTime<Utc>,
    today: NaiveDate,
    cal: &WorkingCalendar,
) -> Result<Complaint, FeedbackError> {
    let body = check_text(&input.body, "反映内容", true)?;
    let subject_ref = check_text(&input.subject_ref, "反映对象", true)?;
    let complainant = match input.complainant {
        Some(c) if !(c.name.trim().is_empty() && c.phone.trim().is_empty()) => {
            let name = c.name.trim().to_string();
            let phone = c.phone.trim().to_string();
            if name.is_empty() && !input.kind.may_be_anonymous() {
                return Err(FeedbackError::NameRequired);
            }
            if !crate::identity::valid_mobile(&phone) {
                return Err(FeedbackError::BadPhone);
            }
            Some(Complainant { name, phone })
        }
        _ if input.kind.may_be_anonymous() => None,
        _ => return Err(FeedbackError::NameRequired),
    };
    Ok(Complaint {
        id: 0,
        code,
        kind: input.kind,
        subject: input.subject,
        subject_ref,
        case_number: input.case_number,
        unit: input.unit,
        department: input.department,
        body,
        complainant,
        filed_at: at,
        filed_on: today,
        accept_due: cal.add_working_days(today, ACCEPT_LIMIT_DAYS),
        answer_days,
        accepted_on: None,
        answer_due: None,
        status: ComplaintStatus::Received,
        reply: String::new(),
        history: vec![Entry {
            at,
            actor: "系统".into(),
            action: "filed".into(),
            text: format!("收到{},转办理单位", input.kind.label()),
        }],
        version: 1,
    })
}

impl Complaint {
    /// Applies the unit's `action` on `today`: the next state, or why not. The version moves on.
    pub fn apply(
        &self,
        action: &ComplaintAction,
        actor: &str,
        at: DateTime<Utc>,
        today: NaiveDate,
        cal: &WorkingCalendar,
    ) -> Result<Complaint, FeedbackError> {
        use ComplaintAction as A;
        use ComplaintStatus as S;
        let mut next = self.clone();
        let text = match (self.status, action) {
            (S::Received, A::Accept { text }) => {
                next.status = S::Accepted;
                next.accepted_on = Some(today);
                next.answer_due = Some(cal.add_working_days(today, self.answer_days));
                check_text(text, "受理意见", false)?
            }
            (S::Received, A::Decline { reason }) => {
                let reason = check_text(reason, "不予受理理由", true)?;
                next.status = S::Declined;
                next.reply = reason.clone();
                reason
            }
            (S::Accepted, A::Answer { text }) => {
                let text = check_text(text, "答复内容", true)?;
                next.status = S::Answered;
                next.reply = text.clone();
                text
            }
            _ => {
                return Err(FeedbackError::WrongState {
                    state: self.status.label(),
                    action: action.label(),
                })
            }
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

    /// The deadline running on `today` (accept while received, answer while accepted), with how many
    /// working days it is late; `None` once declined or answered. Supervision raises a warning for
    /// every complaint whose deadline is overdue.
    pub fn deadline(&self, today: NaiveDate, cal: &WorkingCalendar) -> Option<ComplaintDeadline> {
        let (kind, start, due) = match self.status {
            ComplaintStatus::Received => (
                ComplaintDeadlineKind::Accept,
                self.filed_on,
                self.accept_due,
            ),
            ComplaintStatus::Accepted => (
                ComplaintDeadlineKind::Answer,
                self.accepted_on.unwrap_or(self.filed_on),
                self.answer_due?,
            ),
            ComplaintStatus::Declined | ComplaintStatus::Answered => return None,
        };
        let days_late = if today > due {
            cal.working_days_between(due, today).max(1)
        } else {
            0
        };
        Some(ComplaintDeadline {
            kind,
            start,
            due,
            days_late,
        })
    }
}

/// The complaints whose running deadline is overdue on `today`, most late first: the complaint
/// warnings of supervision.
pub fn overdue_complaints<'a>(
    complaints: &'a [Complaint],
    today: NaiveDate,
    cal: &WorkingCalendar,
) -> Vec<(&'a Complaint, ComplaintDeadline)> {
    let mut out: Vec<_> = complaints
        .iter()
        .filter_map(|c| c.deadline(today, cal).map(|d| (c, d)))
        .filter(|(_, d)| d.is_overdue())
        .collect();
    out.sort_by(|a, b| b.1.days_late.cmp(&a.1.days_late).then(a.0.id.cmp(&b.0.id)));
    out
}

/// Characters of follow codes: no 0/O, 1/I/L, so a code read over the phone is not misheard.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 10;

/// A follow code from random bytes (the caller brings the randomness).
pub fn follow_code(random: &[u8; CODE_LEN]) -> String {
    random
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
        .collect()
}

/// Normalizes a typed follow code: trimmed, upper case, spaces and dashes dropped.
pub fn normalize_code(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{CalendarDay, DayKind};
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()
    }
    /// 2026 清明: 4-4..4-6 off (Sat–Mon).
    fn cal() -> WorkingCalendar {
        WorkingCalendar::new(
            ["2026-04-04", "2026-04-05", "2026-04-06"].map(|x| CalendarDay {
                date: d(x),
                kind: DayKind::Holiday,
                name: "清明节".into(),
            }),
        )
    }
    fn unit() -> RegionCode {
        RegionCode::parse("339921102000").unwrap()
    }
    fn rating(level: RatingLevel) -> Rating {
        Rating {
            id: 7,
            case_number: "N1".into(),
            channel: RatingChannel::Online,
            level,
            comment: String::new(),
            rated_at: at(),
            unit: unit(),
            department: "scjg".into(),
        }
    }

    #[test]
    fn levels_scores_and_codes() {
        assert_eq!(RatingLevel::VerySatisfied.gb_code(), 1);
        assert_eq!(RatingLevel::VeryDissatisfied.gb_code(), 5);
        assert_eq!(RatingLevel::VerySatisfied.score(), 5);
        assert_eq!(RatingLevel::VeryDissatisfied.score(), 1);
        for l in RatingLevel::ALL {
            assert_eq!(RatingLevel::from_score(l.score()), Some(l));
            assert_eq!(RatingLevel::parse(l.as_str()), Some(l));
            assert_eq!(RatingLevel::parse(l.label()), Some(l));
        }
        assert_eq!(RatingLevel::from_score(0), None);
        assert_eq!(RatingLevel::from_score(6), None);
        let bad: Vec<_> = RatingLevel::ALL
            .into_iter()
            .filter(|l| l.opens_follow_up())
            .collect();
        assert_eq!(
            bad,
            [RatingLevel::Dissatisfied, RatingLevel::VeryDissatisfied]
        );
        for c in RatingChannel::ALL {
            assert_eq!(RatingChannel::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn follow_up_only_for_the_two_lowest_with_working_day_deadline() {
        assert!(open_follow_up(&rating(RatingLevel::Basic), d("2026-03-30"), 5, &cal()).is_none());
        // Monday 3-30 + 5 working days, skipping 清明 (4-4..4-6): 3-31, 4-1, 4-2, 4-3, 4-7.
        let f = open_follow_up(
            &rating(RatingLevel::Dissatisfied),
            d("2026-03-30"),
            5,
            &cal(),
        )
        .unwrap();
        assert_eq!(f.due, d("2026-04-07"));
        assert_eq!(f.status, FollowUpStatus::Open);
        assert_eq!(f.rating_id, 7);
        let f8 = open_follow_up(
            &rating(RatingLevel::VeryDissatisfied),
            d("2026-03-30"),
            8,
            &cal(),
        )
        .unwrap();
        assert_eq!(f8.due, d("2026-04-10"), "administrators' length is used");
    }

    #[test]
    fn follow_up_steps_in_order_then_appeal_once() {
        let c = cal();
        let today = d("2026-03-30");
        let f = open_follow_up(&rating(RatingLevel::Dissatisfied), today, 5, &c).unwrap();
        let t = |s: &str| s.to_string();
        // Out of order is refused with the state named.
        let e = f
            .apply(
                &FollowUpAction::Rectify { text: t("x") },
                "u",
                at(),
                today,
                &c,
            )
            .unwrap_err();
        assert!(matches!(e, FeedbackError::WrongState { .. }), "{e}");
        assert_eq!(
            f.apply(
                &FollowUpAction::Contact { text: t(" ") },
                "u",
                at(),
                today,
                &c
            ),
            Err(FeedbackError::Required("办理情况"))
        );
        let steps = [
            FollowUpAction::Contact {
                text: t("电话联系"),
            },
            FollowUpAction::Verify { text: t("属实") },
            FollowUpAction::Rectify {
                text: t("已培训")
            },
            FollowUpAction::ReportBack {
                text: t("已向申请人反馈"),
            },
        ];
        let mut cur = f.clone();
        for s in &steps {
            cur = cur.apply(s, "u", at(), today, &c).unwrap();
        }
        assert_eq!(cur.status, FollowUpStatus::Closed);
        assert_eq!(cur.report, "已向申请人反馈");
        assert_eq!(cur.version, 5);
        assert_eq!(cur.history.len(), 5);
        // Closed is not overdue however late.
        assert_eq!(cur.overdue_days(d("2026-05-01"), &c), None);
        let appealed = cur
            .apply(
                &FollowUpAction::Appeal {
                    text: t("没有整改"),
                },
                "申请人",
                at(),
                today,
                &c,
            )
            .unwrap();
        assert_eq!(appealed.status, FollowUpStatus::Appealed);
        // Reopened with a fresh period of the same length (5 working days).
        let later = d("2026-04-13");
        let reopened = appealed
            .apply(
                &FollowUpAction::ReviewAppeal {
                    upheld: false,
                    text: t("重新整改"),
                },
                "监察",
                at(),
                later,
                &c,
            )
            .unwrap();
        assert_eq!(reopened.status, FollowUpStatus::Open);
        assert_eq!(reopened.due, d("2026-04-20"));
        assert!(reopened.report.is_empty());
        let mut again = reopened;
        for s in &steps {
            again = again.apply(s, "u", at(), later, &c).unwrap();
        }
        assert_eq!(
            again.apply(
                &FollowUpAction::Appeal {
                    text: t("再申诉")
                },
                "申请人",
                at(),
                later,
                &c
            ),
            Err(FeedbackError::AlreadyAppealed)
        );
        // Upheld closes it.
        let upheld = appealed
            .apply(
                &FollowUpAction::ReviewAppeal {
                    upheld: true,
                    text: t("维持"),
                },
                "监察",
                at(),
                later,
                &c,
            )
            .unwrap();
        assert_eq!(upheld.status, FollowUpStatus::Closed);
    }

    #[test]
    fn follow_up_overdue_counts_working_days() {
        let c = cal();
        let f = open_follow_up(&rating(RatingLevel::Dissatisfied), d("2026-03-30"), 5, &c).unwrap();
        assert_eq!(
            f.overdue_days(d("2026-04-07"), &c),
            None,
            "due day is on time"
        );
        assert_eq!(f.overdue_days(d("2026-04-08"), &c), Some(1));
    }

    fn input(kind: ComplaintKind, who: Option<Complainant>) -> ComplaintInput {
        ComplaintInput {
            kind,
            subject: ComplaintSubject::Window,
            subject_ref: "3号窗口".into(),
            case_number: None,
            unit: unit(),
            department: None,
            body: "窗口人员态度差".into(),
            complainant: who,
        }
    }
    fn named() -> Option<Complainant> {
        Some(Complainant {
            name: "周小燕".into(),
            phone: "13905781001".into(),
        })
    }

    #[test]
    fn anonymity_only_for_reports() {
        let c = cal();
        let day = d("2026-03-02");
        let code = || "ABCDEFGH23".to_string();
        assert!(file_complaint(
            input(ComplaintKind::Report, None),
            code(),
            15,
            at(),
            day,
            &c
        )
        .unwrap()
        .complainant
        .is_none());
        for k in [ComplaintKind::Complaint, ComplaintKind::Petition] {
            assert_eq!(
                file_complaint(input(k, None), code(), 15, at(), day, &c),
                Err(FeedbackError::NameRequired)
            );
        }
        let bad_phone = Some(Complainant {
            name: "周".into(),
            phone: "123".into(),
        });
        assert_eq!(
            file_complaint(
                input(ComplaintKind::Complaint, bad_phone),
                code(),
                15,
                at(),
                day,
                &c
            ),
            Err(FeedbackError::BadPhone)
        );
        let mut empty = input(ComplaintKind::Complaint, named());
        empty.body = "  ".into();
        assert_eq!(
            file_complaint(empty, code(), 15, at(), day, &c),
            Err(FeedbackError::Required("反映内容"))
        );
    }

    #[test]
    fn complaint_accept_answer_and_deadlines() {
        let c = cal();
        let filed = d("2026-03-30");
        let k = file_complaint(
            input(ComplaintKind::Complaint, named()),
            "X".into(),
            15,
            at(),
            filed,
            &c,
        )
        .unwrap();
        // 5 working days across 清明.
        assert_eq!(k.accept_due, d("2026-04-07"));
        let dl = k.deadline(d("2026-04-07"), &c).unwrap();
        assert_eq!(dl.kind, ComplaintDeadlineKind::Accept);
        assert!(!dl.is_overdue());
        let late = k.deadline(d("2026-04-09"), &c).unwrap();
        assert_eq!(late.days_late, 2);
        assert!(matches!(
            k.apply(
                &ComplaintAction::Answer { text: "x".into() },
                "u",
                at(),
                filed,
                &c
            ),
            Err(FeedbackError::WrongState { .. })
        ));
        assert_eq!(
            k.apply(
                &ComplaintAction::Decline { reason: "".into() },
                "u",
                at(),
                filed,
                &c
            ),
            Err(FeedbackError::Required("不予受理理由"))
        );
        let acc = k
            .apply(
                &ComplaintAction::Accept {
                    text: String::new(),
                },
                "u",
                at(),
                d("2026-04-01"),
                &c,
            )
            .unwrap();
        assert_eq!(acc.status, ComplaintStatus::Accepted);
        // 4-1 + 15 working days: 4-2, 4-3, 4-7..4-10 (4), 4-13..4-17 (5), 4-20..4-23 (4) = 15 → 4-23.
        assert_eq!(acc.answer_due, Some(d("2026-04-23")));
        let dl = acc.deadline(d("2026-04-24"), &c).unwrap();
        assert_eq!(dl.kind, ComplaintDeadlineKind::Answer);
        assert_eq!(dl.days_late, 1);
        let ans = acc
            .apply(
                &ComplaintAction::Answer {
                    text: "已约谈".into(),
                },
                "u",
                at(),
                d("2026-04-24"),
                &c,
            )
            .unwrap();
        assert_eq!(ans.status, ComplaintStatus::Answered);
        assert_eq!(ans.reply, "已约谈");
        assert_eq!(
            ans.deadline(d("2026-06-01"), &c),
            None,
            "answered: nothing runs"
        );
        assert_eq!(ans.version, 3);
        let dec = k
            .apply(
                &ComplaintAction::Decline {
                    reason: "不属于本单位职责".into(),
                },
                "u",
                at(),
                filed,
                &c,
            )
            .unwrap();
        assert_eq!(dec.status, ComplaintStatus::Declined);
        assert_eq!(dec.reply, "不属于本单位职责");
    }

    #[test]
    fn overdue_list_is_sorted_and_excludes_on_time() {
        let c = cal();
        let mk = |id: i64, filed: &str| {
            let mut k = file_complaint(
                input(ComplaintKind::Report, None),
                format!("C{id}"),
                15,
                at(),
                d(filed),
                &c,
            )
            .unwrap();
            k.id = id;
            k
        };
        let ks = vec![
            mk(1, "2026-03-02"),
            mk(2, "2026-03-09"),
            mk(3, "2026-03-16"),
        ];
        // Due: 3-9, 3-16, 3-23. On 3-17: #1 is 6 days late, #2 one day, #3 on time.
        let over = overdue_complaints(&ks, d("2026-03-17"), &c);
        let ids: Vec<i64> = over.iter().map(|(k, _)| k.id).collect();
        assert_eq!(ids, [1, 2]);
        assert_eq!(over[0].1.days_late, 6);
    }

    #[test]
    fn codes() {
        let code = follow_code(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 255]);
        assert_eq!(code.len(), CODE_LEN);
        assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert_eq!(normalize_code(" ab-cd 23 "), "ABCD23");
    }
}
