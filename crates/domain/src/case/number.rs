//! 办件编号: how a case is named network-wide, parsed once where it arrives as text.

use crate::error::ValidationErrors;
use crate::region::RegionCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A case number: the accepting place's division code (12 digits), the day of filing (YYYYMMDD)
/// and the place's sequence of that day (5 digits, more only past 99999), e.g.
/// `4413020010002026030200001`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^[0-9]{25,32}$", example = "4413020010002026030200001")]
pub struct CaseNumber(String);

/// Digits a case number may have: a sequence past 99999 lengthens it, and 32 is far beyond any day.
const DIGITS: std::ops::RangeInclusive<usize> = 25..=32;

impl CaseNumber {
    /// The number of the `seq`th case `place` files on `day`.
    pub fn compose(place: &RegionCode, day: NaiveDate, seq: u64) -> CaseNumber {
        CaseNumber::of_counter(&CaseNumber::counter_scope(place, day), seq)
    }

    /// The scope of the counter a place's numbers of a day are issued from.
    pub fn counter_scope(place: &RegionCode, day: NaiveDate) -> String {
        format!("{place}{}", day.format("%Y%m%d"))
    }

    /// The `seq`th number issued in a counter scope (as `verify` rebuilds every issued number).
    pub fn of_counter(scope: &str, seq: u64) -> CaseNumber {
        CaseNumber(format!("{scope}{seq:05}"))
    }

    pub fn parse(s: &str) -> Result<CaseNumber, ValidationErrors> {
        let s = s.trim();
        let well_formed = DIGITS.contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_digit())
            && NaiveDate::parse_from_str(&s[12..20], "%Y%m%d").is_ok();
        if !well_formed {
            return Err(ValidationErrors::single(
                "number",
                "invalid_case_number",
                "办件编号应为25位数字(受理地区划代码12位、日期8位、序号5位)",
            ));
        }
        Ok(CaseNumber(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl TryFrom<String> for CaseNumber {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        CaseNumber::parse(&s).map_err(|e| e.to_string())
    }
}
impl From<CaseNumber> for String {
    fn from(n: CaseNumber) -> String {
        n.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_error(s: &str) -> (String, String, String) {
        let e = CaseNumber::parse(s).unwrap_err().errors.remove(0);
        (e.field, e.code, e.message)
    }

    #[test]
    fn a_composed_number_parses_back_as_itself() {
        let place = RegionCode::parse("441302001000").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let n = CaseNumber::compose(&place, day, 1);
        assert_eq!(n.as_str(), "4413020010002026030200001");
        assert_eq!(CaseNumber::parse(n.as_str()), Ok(n.clone()));
        assert_eq!(CaseNumber::parse(" 4413020010002026030200001\n"), Ok(n));
        // Past the fifth digit of the sequence the number grows rather than wraps.
        let long = CaseNumber::compose(&place, day, 123_456);
        assert_eq!(long.as_str(), "44130200100020260302123456");
        assert!(CaseNumber::parse(long.as_str()).is_ok());
    }

    #[test]
    fn malformed_numbers_are_refused_with_a_field_message() {
        for bad in [
            "",
            "X",
            "N1",
            "441302001000202603020000",     // 24 digits
            "44130200100020260302000O1",    // a letter O
            "4413020010002026133200001",    // month 13
            "4413020010002026023000001",    // 30 February
            "441302001000-2026-0302-00001", // separators
        ] {
            let (field, code, message) = field_error(bad);
            assert_eq!(
                (field.as_str(), code.as_str()),
                ("number", "invalid_case_number"),
                "{bad:?}"
            );
            assert!(message.starts_with("办件编号应为25位数字"), "{message}");
        }
    }

    #[test]
    fn json_is_the_plain_string_and_is_checked_on_the_way_in() {
        let n = CaseNumber::parse("4413020010002026030200001").unwrap();
        let v = serde_json::to_value(&n).unwrap();
        assert_eq!(v, serde_json::json!("4413020010002026030200001"));
        assert_eq!(serde_json::from_value::<CaseNumber>(v).unwrap(), n);
        assert!(serde_json::from_value::<CaseNumber>(serde_json::json!("N1")).is_err());
    }
}
