//! The working calendar as administrators keep it: the network-wide holiday schedule and the
//! local closures (a place closed for a day) that deadlines of its subtree skip.

use crate::access::Caller;
use crate::{Error, Result, Services};
use domain::access::Action;
use domain::calendar::parse_holiday_csv;
use domain::calendar::CalendarDay;
use store::{Closure, User};

/// Every special day of the loaded schedule (holidays and swapped working days); public, as the
/// State Council publishes it.
pub async fn days(state: &Services) -> Result<Vec<CalendarDay>> {
    Ok(state.store.list_calendar_days().await?)
}

/// The local closures in the caller's subtrees.
pub async fn closures(state: &Services, u: &User) -> Result<Vec<Closure>> {
    Ok(state
        .store
        .list_closures(&u.scope(Action::ReadCalendar))
        .await?)
}

/// The calendar page: the schedule and the caller's closures, for those who may read a calendar
/// somewhere (the API's lists answer anyone).
pub async fn overview(state: &Services, u: &User) -> Result<(Vec<CalendarDay>, Vec<Closure>)> {
    if !u.can_anywhere(Action::ReadCalendar) {
        return Err(Error::Forbidden);
    }
    Ok((days(state).await?, closures(state, u).await?))
}

/// Imports schedule text in the `cn-holidays.csv` format; the years it contains are replaced.
pub async fn import_csv(state: &Services, u: &User, csv: &str) -> Result<usize> {
    // The schedule applies network-wide, so only an administrator of the whole network may load it.
    let roots = u.scope(Action::ManageCalendar);
    let network_wide = match &roots {
        domain::Scope::All => true,
        domain::Scope::Within(r) => r.iter().any(|(_, l)| *l == domain::Level::City),
    };
    if !network_wide {
        return Err(Error::Forbidden);
    }
    let days = parse_holiday_csv(csv)?;
    if days.is_empty() {
        return Err(Error::Validation(domain::ValidationErrors::single(
            "csv",
            "empty",
            "没有可导入的日期",
        )));
    }
    state.store.replace_calendar_years(&days).await?;
    let mut years: Vec<i32> = days
        .iter()
        .map(|d| chrono::Datelike::year(&d.date))
        .collect();
    years.dedup();
    crate::audit::by_user(
        state,
        u,
        domain::audit::AuditAction::CalendarImported,
        "calendar",
        format!("{} 天,年份 {years:?}", days.len()),
    )
    .await?;
    // Through the versions the change just bumped, under the one refresh lock.
    state.refresh_caches().await?;
    Ok(days.len())
}

/// Closes a region's places (and its subtree's) on a day; deadlines computed afterwards skip it,
/// here at once and on other servers through the cache versions.
pub async fn add_closure(state: &Services, u: &User, c: Closure) -> Result<Closure> {
    u.authorize(Action::ManageCalendar, &c.region_code)?;
    if c.reason.trim().is_empty() {
        return Err(Error::bad_field("required", "reason", "请填写闭馆原因"));
    }
    state
        .store
        .get_region(&c.region_code)
        .await?
        .ok_or(Error::NotFound("区划"))?;
    let c = Closure {
        reason: c.reason.trim().to_string(),
        ..c
    };
    state.store.add_closure(&c).await?;
    state.refresh_caches().await?;
    Ok(c)
}
