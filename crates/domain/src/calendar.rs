//! Working-day calendar (工作日历, §4): Monday–Friday, minus public holidays, plus make-up working
//! days (调休上班), minus a region's local closures. Deadlines count from the working day after the
//! triggering event (行政许可法 art. 82 counts in working days).
//!
//! Hand-written because no crate carries China's yearly schedule as data with make-up days.

use crate::error::ValidationErrors;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound::{Excluded, Included};

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
pub enum DayKind {
    /// A day off (法定节假日, including weekend days inside a holiday block).
    Holiday,
    /// A make-up working day on a weekend (调休上班).
    Workday,
}

impl DayKind {
    /// Its word: the serde spelling (strum).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<DayKind> {
        match s.trim() {
            "holiday" | "休" | "放假" => Some(DayKind::Holiday),
            "workday" | "班" | "上班" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// One line of the official schedule: a date that differs from the Mon–Fri rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

/// A deadline and whether it was computed across a year with no loaded schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Deadline {
    pub date: NaiveDate,
    /// Years crossed that have no official schedule loaded: the date assumes plain Mon–Fri there
    /// and administrators should load that year.
    pub unscheduled_years: Vec<i32>,
}

impl Deadline {
    pub fn is_provisional(&self) -> bool {
        !self.unscheduled_years.is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    days: BTreeMap<NaiveDate, DayKind>,
    /// Years whose official schedule has been loaded.
    years: BTreeSet<i32>,
}

/// Guard against unbounded loops on absurd input (e.g. a calendar of only holidays): the most
/// consecutive non-working days scanned before giving up. It bounds a run of days off, not the
/// length of a count, so long counts stay exact.
const MAX_SCAN_DAYS: u64 = 366 * 50;

impl WorkingCalendar {
    /// A calendar from the official schedule lines; each year that has a line counts as loaded.
    pub fn new(days: impl IntoIterator<Item = CalendarDay>) -> Self {
        let mut cal = WorkingCalendar::default();
        for d in days {
            cal.years.insert(d.date.year());
            cal.days.insert(d.date, d.kind);
        }
        cal
    }

    /// Adds a region's local closures (e.g. a township center closed for a flood) as days off.
    pub fn with_closures(&self, closures: impl IntoIterator<Item = NaiveDate>) -> Self {
        let mut cal = self.clone();
        for d in closures {
            cal.days.insert(d, DayKind::Holiday);
        }
        cal
    }

    pub fn loaded_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn is_year_loaded(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.days.get(&d) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The `n`-th working day after `from` (`from` itself is never counted; `n == 0` gives `from`).
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        self.deadline(from, n).date
    }

    /// Like `add_working_days`, also telling which crossed years had no schedule loaded.
    pub fn deadline(&self, from: NaiveDate, n: u32) -> Deadline {
        let mut d = from;
        let mut left = n;
        let mut unscheduled = BTreeSet::new();
        // Consecutive non-working days scanned since the last working day.
        let mut idle = 0u64;
        while left > 0 {
            d = match d.checked_add_days(Days::new(1)) {
                Some(x) => x,
                None => break,
            };
            if !self.years.contains(&d.year()) {
                unscheduled.insert(d.year());
            }
            if self.is_working_day(d) {
                left -= 1;
                idle = 0;
            } else {
                idle += 1;
                if idle > MAX_SCAN_DAYS {
                    break;
                }
            }
        }
        Deadline {
            date: d,
            unscheduled_years: unscheduled.into_iter().collect(),
        }
    }

    /// Working days in `(from, to]`: how many working days after `from` it takes to reach `to`.
    /// Negative when `to` is before `from`. Inverts `add_working_days` on working days.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        // Mon–Fri counted by arithmetic, then only the schedule's exceptions inside the range:
        // O(log n + exceptions) instead of a map lookup per day (supervision calls this for every
        // day of every period it looks at).
        let mut n = weekdays_in(from, to);
        for (d, kind) in self.days.range((Excluded(from), Included(to))) {
            match (kind, is_weekend(*d)) {
                (DayKind::Holiday, false) => n -= 1,
                (DayKind::Workday, true) => n += 1,
                _ => {}
            }
        }
        n
    }

    /// Working days left until `deadline` as seen on `today`: 0 on the day itself, negative when late.
    pub fn working_days_left(&self, today: NaiveDate, deadline: NaiveDate) -> i64 {
        self.working_days_between(today, deadline)
    }

    /// The first working day on or after `d`.
    pub fn next_working_day_from(&self, d: NaiveDate) -> NaiveDate {
        let mut x = d;
        for _ in 0..MAX_SCAN_DAYS {
            if self.is_working_day(x) {
                return x;
            }
            x = x.succ_opt().unwrap_or(x);
        }
        x
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Monday–Friday days in `(from, to]` (`from <= to`).
fn weekdays_in(from: NaiveDate, to: NaiveDate) -> i64 {
    let days = (to - from).num_days();
    let mut n = days / 7 * 5;
    // The remainder is under a week: count it day by day.
    let mut d = from + Days::new((days / 7 * 7) as u64);
    while d < to {
        d = d.succ_opt().unwrap_or(to);
        if !is_weekend(d) {
            n += 1;
        }
    }
    n
}

/// Parses the schedule format of `data/cn-holidays.csv`: `date,kind,name`, `#` comments, a header.
/// Reports every bad line (1-based line numbers) and returns nothing when any line is bad.
pub fn parse_holiday_csv(text: &str) -> Result<Vec<CalendarDay>, ValidationErrors> {
    let mut out = Vec::new();
    let mut errs = ValidationErrors::default();
    let mut seen = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        // Strip a BOM first: it is not whitespace, so `trim` alone would keep any indentation
        // after it (e.g. "\u{feff}  date,kind,name").
        let line = raw.trim_start_matches('\u{feff}').trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("date,") {
            continue;
        }
        let cols: Vec<&str> = line.splitn(3, ',').map(str::trim).collect();
        let field = |c: &str| format!("第{line_no}行.{c}");
        let date = match NaiveDate::parse_from_str(cols[0], "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errs.push(
                    field("date"),
                    "invalid_date",
                    format!("第{line_no}行:日期“{}”应为YYYY-MM-DD", cols[0]),
                );
                None
            }
        };
        let kind = match cols.get(1).and_then(|k| DayKind::parse(k)) {
            Some(k) => Some(k),
            None => {
                errs.push(
                    field("kind"),
                    "invalid_kind",
                    format!("第{line_no}行:类型应为holiday或workday"),
                );
                None
            }
        };
        if let (Some(date), Some(kind)) = (date, kind) {
            if let Some(prev) = seen.insert(date, line_no) {
                errs.push(
                    field("date"),
                    "duplicate_date",
                    format!("第{line_no}行:日期{date}与第{prev}行重复"),
                );
            }
            out.push(CalendarDay {
                date,
                kind,
                name: cols.get(2).unwrap_or(&"").to_string(),
            });
        }
    }
    errs.into_result(out)
}

/// Writes days back in the same format.
pub fn to_holiday_csv(days: &[CalendarDay]) -> String {
    let mut s = String::from("date,kind,name\n");
    for d in days {
        s.push_str(&format!(
            "{},{},{}\n",
            d.date.format("%Y-%m-%d"),
            d.kind.as_str(),
            d.name
        ));
    }
    s
}
