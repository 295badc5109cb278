//! Ratings (好差评): one per channel for a completed case.

use super::{check_text, FeedbackError};
use crate::case::{Case, CaseState};
use crate::region::RegionCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
