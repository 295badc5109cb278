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
//!
//! One file per part: `ratings` (评价), `follow_ups` (差评整改回访) and `complaints` (投诉, 信访,
//! 举报, with their follow codes).

mod complaints;
mod follow_ups;
mod ratings;
pub use complaints::*;
pub use follow_ups::*;
pub use ratings::*;

/// Default working days for a follow-up of a bad rating (administrators may change it).
pub const DEFAULT_FOLLOW_UP_DAYS: u32 = 5;
/// Working days to accept or decline a complaint.
pub const ACCEPT_LIMIT_DAYS: u32 = 5;
/// Default working days to answer an accepted complaint (administrators may change it).
pub const DEFAULT_ANSWER_DAYS: u32 = 15;
/// Longest a comment, complaint text or reply may be, in characters.
pub const MAX_TEXT_CHARS: usize = crate::limits::TEXT;

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

#[cfg(test)]
mod tests;
