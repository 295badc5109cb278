//! What applicants and staff do with feedback: rate a case (opening a follow-up when the rating is
//! poor), appeal a follow-up's result, and act on follow-ups and complaints. Each loads the record,
//! checks who may act, applies `domain::feedback`'s typed action and saves it against its version.

use super::FOLLOW_UP_DAYS_SETTING;
use super::{
    case_by_code, load_complaint, load_follow_up, may_handle, may_supervise, setting_days,
};
use crate::{Error, Result, Services};
use domain::case::{Case, CaseNumber};
use domain::feedback::{
    self as fb, Complaint, ComplaintAction, FollowUp, FollowUpAction, Rating, RatingChannel,
    RatingLevel,
};
use store::User;

/// A rating as recorded, with the follow-up it opened (a poor rating is followed up).
pub struct Rated {
    pub case: Case,
    pub rating: Rating,
    pub follow_up: Option<FollowUp>,
}

/// The applicant (proved by the case's query code) rates the case once per channel.
pub async fn rate(
    state: &Services,
    number: &CaseNumber,
    code: &str,
    channel: RatingChannel,
    level: RatingLevel,
    comment: &str,
) -> Result<Rated> {
    let case = case_by_code(state, number, code).await?;
    let existing = state.store.ratings_for_case(&case.filing.number).await?;
    let rating = fb::rate(&case, &existing, channel, level, comment, state.clock.now())?;
    let days = setting_days(state, FOLLOW_UP_DAYS_SETTING, fb::DEFAULT_FOLLOW_UP_DAYS).await?;
    let cal = state.calendar_for(&rating.unit).await?;
    let follow_up = fb::open_follow_up(&rating, state.clock.today(), days, &cal);
    state.store.add_rating(&rating, follow_up.as_ref()).await?;
    Ok(Rated {
        case,
        rating,
        follow_up,
    })
}

/// The applicant appeals a follow-up's result (once); the supervisor then reviews it.
pub async fn appeal(
    state: &Services,
    number: &CaseNumber,
    code: &str,
    follow_up: i64,
    text: String,
) -> Result<FollowUp> {
    let case = case_by_code(state, number, code).await?;
    let fu = state
        .store
        .get_follow_up(follow_up)
        .await?
        .filter(|x| x.case_number == case.filing.number)
        .ok_or(Error::NotFound("回访整改单"))?;
    let next = fu.apply(
        &FollowUpAction::Appeal { text },
        "申请人",
        state.clock.now(),
        state.clock.today(),
        &*state.calendar_for(&fu.unit).await?,
    )?;
    state.store.save_follow_up(&next, fu.version).await?;
    Ok(next)
}

/// The responsible unit works a follow-up, or the supervisor reviews an appeal.
pub async fn act_on_follow_up(
    state: &Services,
    u: &User,
    id: i64,
    action: &FollowUpAction,
) -> Result<FollowUp> {
    let f = load_follow_up(state, u, id).await?;
    let allowed = if action.by_supervisor() {
        may_supervise(u, &f.unit)
    } else {
        may_handle(u, &f.unit)
    };
    if !allowed {
        return Err(Error::Forbidden);
    }
    let next = f.apply(
        action,
        &u.display_name,
        state.clock.now(),
        state.clock.today(),
        &*state.calendar_for(&f.unit).await?,
    )?;
    state.store.save_follow_up(&next, f.version).await?;
    Ok(next)
}

/// The responsible unit accepts, declines or answers a complaint.
pub async fn act_on_complaint(
    state: &Services,
    u: &User,
    id: i64,
    action: &ComplaintAction,
) -> Result<Complaint> {
    let k = load_complaint(state, u, id).await?;
    if !may_handle(u, &k.unit) {
        return Err(Error::Forbidden);
    }
    let next = k.apply(
        action,
        &u.display_name,
        state.clock.now(),
        state.clock.today(),
        &*state.calendar_for(&k.unit).await?,
    )?;
    state.store.save_complaint(&next, k.version).await?;
    Ok(next)
}
