//! Deadline rows: the dates each open deadline turns yellow and red, so a scan finds today's
//! warnings with an index range instead of reading every case.

use super::*;
use crate::calendar::WorkingCalendar;
use crate::case::Case;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One deadline of an open case with the dates its warnings start, so a scan can find what is
/// yellow or red today with an index range (`yellow_from <= today`) instead of reading every case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineRow {
    pub case_number: String,
    /// `WarningKind::key()`, unique within the case.
    pub key: String,
    pub label: String,
    pub due: NaiveDate,
    /// First day the rule makes it yellow; `red_from` when the rule never warns yellow.
    pub yellow_from: NaiveDate,
    /// First day it is red: the day after the due date.
    pub red_from: NaiveDate,
}

impl DeadlineRow {
    /// The colour of this deadline on `day` while the case stands still: what [`warnings`] says for
    /// it, read from the row's dates alone. The scan raises warnings this way, in the database,
    /// without loading cases; a property test holds the two to agree on every day.
    pub fn colour_on(&self, day: NaiveDate) -> Option<Colour> {
        if day >= self.red_from {
            Some(Colour::Red)
        } else if day >= self.yellow_from {
            Some(Colour::Yellow)
        } else {
            None
        }
    }
}

/// The deadline rows of a case under the rules: recomputed whenever the case changes (and for every
/// open case when the rules or the calendar change).
pub fn deadline_rows(
    case: &Case,
    rules: &[WarningRule],
    cal: &WorkingCalendar,
) -> Vec<DeadlineRow> {
    let rule = rule_for(&case.filing.item, rules);
    periods(case, cal)
        .into_iter()
        .map(|(kind, p)| {
            let red_from = p.due.succ_opt().unwrap_or(p.due);
            // Walk forward from the start to the first day the rule warns; periods are short. A
            // rule without yellow thresholds never warns before the red day.
            let mut d = p.start;
            let yellow_from = loop {
                if d >= red_from || warn(kind, &p, &rule, d, cal).is_some() {
                    break d.min(red_from);
                }
                d = d.succ_opt().unwrap_or(red_from);
            };
            DeadlineRow {
                case_number: case.filing.number.clone(),
                key: kind.key(),
                label: kind.label(),
                due: p.due,
                yellow_from,
                red_from,
            }
        })
        .collect()
}

#[cfg(test)]
mod deadline_row_tests {
    use super::*;

    #[test]
    fn rows_agree_with_warnings_on_every_day() {
        // The row's dates must say exactly what `warnings` says on each day of the period.
        let cal = WorkingCalendar::default();
        let start = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let p = Period {
            start,
            due: cal.add_working_days(start, 10),
            not_counted: 0,
        };
        let rule = WarningRule::default();
        let kind = WarningKind::CaseDeadline;
        let mut d = start;
        let mut yellow = None;
        while d <= p.due {
            if warn(kind, &p, &rule, d, &cal).is_some() && yellow.is_none() {
                yellow = Some(d);
            }
            d = d.succ_opt().unwrap();
        }
        let yellow = yellow.unwrap();
        // 80% of 10 working days is day 8: 2026-03-12; or ≤ 2 days left: 03-12 as well.
        assert_eq!(yellow, NaiveDate::from_ymd_opt(2026, 3, 12).unwrap());
        assert!(warn(kind, &p, &rule, yellow.pred_opt().unwrap(), &cal).is_none());
    }
}
