//! Complaints, petitions and reports (投诉, 信访, 举报): filing, routing, acceptance, answer and
//! deadlines, and the follow codes the complainant tracks them with.

use super::{check_text, Entry, FeedbackError, ACCEPT_LIMIT_DAYS};
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

impl ComplaintSubject {
    /// A complaint about a center's own staff (a person, a window).
    pub fn about_staff(self) -> bool {
        matches!(self, ComplaintSubject::Person | ComplaintSubject::Window)
    }
}

/// The unit that handles a complaint about `subject` at `responsible`: that unit, except that a
/// complaint about its own staff goes to the level above, so no center investigates its own people
/// (the city, having none above, keeps its own).
pub fn handling_unit(subject: ComplaintSubject, responsible: &RegionCode) -> RegionCode {
    if !subject.about_staff() {
        return responsible.clone();
    }
    match responsible.implied_level().parent() {
        Some(above) => responsible.ancestor(above),
        None => responsible.clone(),
    }
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
