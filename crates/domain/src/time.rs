//! China time, in one place: instants are kept in UTC; the dates deadlines live on and the clock
//! times people read are Asia/Shanghai's, UTC+8 all year (China has kept no daylight saving since
//! 1991), so a fixed offset is exact and needs no time-zone database.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// UTC+8.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The instant as a China clock reading.
pub fn local(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&china())
}

/// The date of the instant in China.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    local(at).date_naive()
}

/// The instant a China day begins (00:00 UTC+8).
pub fn start_of_local_day(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_local_timezone(china())
        .single()
        .expect("a fixed offset has one reading")
        .with_timezone(&Utc)
}

/// `2026-03-02 10:00`, as the pages show a moment.
pub fn minute(at: DateTime<Utc>) -> String {
    local(at).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_china_date_turns_at_16_00_utc() {
        let before = Utc.with_ymd_and_hms(2026, 3, 1, 15, 59, 59).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 3, 1, 16, 0, 0).unwrap();
        assert_eq!(local_date(before).to_string(), "2026-03-01");
        assert_eq!(local_date(after).to_string(), "2026-03-02");
        assert_eq!(minute(after), "2026-03-02 00:00");
        assert_eq!(start_of_local_day(local_date(after)), after);
    }
}
