//! The working calendar as administrators keep it: the network-wide holiday schedule.

use crate::access::Caller;
use crate::{Error, Result, Services};
use domain::access::Action;
use domain::calendar::parse_holiday_csv;
use store::User;

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
    state.reload_calendar().await?;
    Ok(days.len())
}
