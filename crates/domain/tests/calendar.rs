//! Working-day calendar (§4): property tests on the official schedule and on random synthetic
//! schedules, hand-computed table tests on the 2025 and 2026 schedules, and the CSV format.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use yizhan_domain::calendar::{
    parse_holiday_csv, to_holiday_csv, CalendarDay, DayKind, WorkingCalendar,
};

const REAL_CSV: &str = include_str!("../../../data/cn-holidays.csv");

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn real() -> WorkingCalendar {
    WorkingCalendar::new(parse_holiday_csv(REAL_CSV).expect("official schedule parses"))
}

/// 2024-01-01 ..= 2028-12-31 is 366 + 365 + 365 + 365 + 366 days.
const SPAN_DAYS: u64 = 1827;

fn base() -> NaiveDate {
    ymd(2024, 1, 1)
}

fn day(offset: u64) -> NaiveDate {
    base() + Days::new(offset)
}

fn date_2024_2028() -> impl Strategy<Value = NaiveDate> {
    (0..SPAN_DAYS).prop_map(day)
}

fn kind_of(workday: bool) -> DayKind {
    if workday {
        DayKind::Workday
    } else {
        DayKind::Holiday
    }
}

/// A random schedule: blocks of holidays / make-up days (like a festival) and scattered single
/// overrides, all in 2024–2028. Singles win over blocks, as later lines win in `WorkingCalendar::new`.
fn synthetic_schedule() -> impl Strategy<Value = BTreeMap<NaiveDate, DayKind>> {
    (
        prop::collection::vec((0..SPAN_DAYS, 1..12u64, any::<bool>()), 0..8),
        prop::collection::btree_map(0..SPAN_DAYS, any::<bool>(), 0..60),
    )
        .prop_map(|(blocks, singles)| {
            let mut m = BTreeMap::new();
            for (start, len, w) in blocks {
                for i in 0..len {
                    m.insert(day(start + i), kind_of(w));
                }
            }
            for (off, w) in singles {
                m.insert(day(off), kind_of(w));
            }
            m
        })
}

fn calendar_of(schedule: &BTreeMap<NaiveDate, DayKind>) -> WorkingCalendar {
    WorkingCalendar::new(schedule.iter().map(|(&date, &kind)| CalendarDay {
        date,
        kind,
        name: "测试".to_string(),
    }))
}

/// Either the official schedule or a random synthetic one.
fn any_calendar() -> impl Strategy<Value = WorkingCalendar> {
    prop_oneof![
        Just(real()),
        synthetic_schedule().prop_map(|s| calendar_of(&s)),
    ]
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Years of the days in `(from, to]` with no loaded schedule: what `deadline` must flag.
fn expected_unscheduled(cal: &WorkingCalendar, from: NaiveDate, to: NaiveDate) -> Vec<i32> {
    if to <= from {
        return Vec::new();
    }
    let first = from.succ_opt().unwrap().year();
    (first..=to.year())
        .filter(|y| !cal.is_year_loaded(*y))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The counting shortcut (weekdays by arithmetic, then the exceptions) equals counting the
    /// working days one by one, in both directions.
    #[test]
    fn working_days_between_equals_counting_day_by_day(
        s in synthetic_schedule(),
        a in date_2024_2028(),
        b in date_2024_2028(),
    ) {
        let cal = calendar_of(&s);
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let mut n = 0i64;
        let mut d = lo;
        while d < hi {
            d = d.succ_opt().unwrap();
            let working = match s.get(&d) {
                Some(k) => *k == DayKind::Workday,
                None => d.weekday().num_days_from_monday() < 5,
            };
            if working {
                n += 1;
            }
        }
        prop_assert_eq!(cal.working_days_between(lo, hi), n);
        prop_assert_eq!(cal.working_days_between(hi, lo), -n);
    }

    /// The calendar follows the schedule exactly: an override decides, otherwise Mon–Fri.
    #[test]
    fn is_working_day_follows_schedule(s in synthetic_schedule(), d in date_2024_2028()) {
        let cal = calendar_of(&s);
        let expected = match s.get(&d) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !is_weekend(d),
        };
        prop_assert_eq!(cal.is_working_day(d), expected);
        let years: BTreeSet<i32> = s.keys().map(|d| d.year()).collect();
        prop_assert_eq!(cal.loaded_years().collect::<BTreeSet<_>>(), years);
    }

    /// add(add(d, n), m) == add(d, n + m) for every d, working day or not: counting always starts
    /// the day after, and for n ≥ 1 the intermediate date is a working day; for n == 0 it is d.
    #[test]
    fn add_composes(cal in any_calendar(), d in date_2024_2028(), n in 0..300u32, m in 0..300u32) {
        let step = cal.add_working_days(cal.add_working_days(d, n), m);
        prop_assert_eq!(step, cal.add_working_days(d, n + m));
    }

    /// Same, with d forced onto a non-working day (weekend or holiday) of the calendar.
    #[test]
    fn add_composes_from_non_working_day(
        cal in any_calendar(), d in date_2024_2028(), n in 0..300u32, m in 0..300u32,
    ) {
        let mut x = d;
        while cal.is_working_day(x) {
            x = x.succ_opt().unwrap();
        }
        prop_assert!(!cal.is_working_day(x));
        let step = cal.add_working_days(cal.add_working_days(x, n), m);
        prop_assert_eq!(step, cal.add_working_days(x, n + m));
    }

    /// add(d, n) is exactly the n-th working day after d: a working day, after d, with n working
    /// days in (d, result] and n - 1 in (d, result - 1].
    #[test]
    fn add_is_nth_working_day_after(cal in any_calendar(), d in date_2024_2028(), n in 0..300u32) {
        let r = cal.add_working_days(d, n);
        prop_assert_eq!(cal.working_days_between(d, r), i64::from(n));
        prop_assert_eq!(cal.working_days_left(d, r), i64::from(n));
        prop_assert_eq!(cal.working_days_between(r, d), -i64::from(n));
        if n == 0 {
            prop_assert_eq!(r, d);
        } else {
            prop_assert!(r > d);
            prop_assert!(cal.is_working_day(r));
            let before = r.pred_opt().unwrap();
            prop_assert_eq!(cal.working_days_between(d, before), i64::from(n) - 1);
        }
    }

    /// Monotonic: strictly in n, weakly in d.
    #[test]
    fn add_is_monotonic(
        cal in any_calendar(), d in date_2024_2028(), gap in 0..60u64, n in 0..300u32,
    ) {
        prop_assert!(cal.add_working_days(d, n) < cal.add_working_days(d, n + 1));
        let later = d + Days::new(gap);
        prop_assert!(cal.add_working_days(d, n) <= cal.add_working_days(later, n));
    }

    /// next_working_day_from is the first working day on or after d: d itself when working,
    /// otherwise add(d, 1).
    #[test]
    fn next_working_day_from_is_first_on_or_after(cal in any_calendar(), d in date_2024_2028()) {
        let w = cal.next_working_day_from(d);
        prop_assert!(w >= d);
        prop_assert!(cal.is_working_day(w));
        prop_assert_eq!(cal.working_days_between(d, w), i64::from(w != d));
        if cal.is_working_day(d) {
            prop_assert_eq!(w, d);
        } else {
            prop_assert_eq!(w, cal.add_working_days(d, 1));
        }
    }

    /// unscheduled_years lists exactly the unloaded years of the days crossed in (d, result].
    #[test]
    fn deadline_flags_exactly_crossed_unloaded_years(
        cal in any_calendar(), d in date_2024_2028(), n in 0..300u32,
    ) {
        let dl = cal.deadline(d, n);
        prop_assert_eq!(dl.date, cal.add_working_days(d, n));
        let expected = expected_unscheduled(&cal, d, dl.date);
        prop_assert_eq!(dl.is_provisional(), !expected.is_empty());
        prop_assert_eq!(dl.unscheduled_years, expected);
    }

    /// A closure is a day off; it changes nothing else; a deadline whose span (d, result] holds
    /// the closure, on a day that was working, moves to the next working day; others stay.
    #[test]
    fn closure_shifts_deadlines_it_falls_in(
        cal in any_calendar(), d in date_2024_2028(), c in date_2024_2028(), n in 0..300u32,
    ) {
        let closed = cal.with_closures([c]);
        prop_assert!(!closed.is_working_day(c));
        for x in [c.pred_opt().unwrap(), c.succ_opt().unwrap(), d] {
            if x != c {
                prop_assert_eq!(closed.is_working_day(x), cal.is_working_day(x));
            }
        }
        prop_assert_eq!(
            closed.loaded_years().collect::<Vec<_>>(),
            cal.loaded_years().collect::<Vec<_>>()
        );
        let before = cal.add_working_days(d, n);
        let after = closed.add_working_days(d, n);
        if cal.is_working_day(c) && d < c && c <= before {
            prop_assert_eq!(after, cal.add_working_days(d, n + 1));
            prop_assert!(after > before);
        } else {
            prop_assert_eq!(after, before);
        }
    }

    /// to_holiday_csv → parse_holiday_csv gives back the same days (names may hold commas).
    #[test]
    fn csv_round_trips(
        s in prop::collection::btree_map(
            0..SPAN_DAYS,
            (any::<bool>(), "[a-z春节国庆、,中秋()]{0,10}"),
            0..40,
        ),
    ) {
        let days: Vec<CalendarDay> = s
            .into_iter()
            .map(|(off, (w, name))| CalendarDay { date: day(off), kind: kind_of(w), name })
            .collect();
        let text = to_holiday_csv(&days);
        prop_assert_eq!(parse_holiday_csv(&text).unwrap(), days);
    }
}

/// Plain Mon–Fri where nothing is loaded: every crossed year is flagged.
#[test]
fn empty_calendar_is_plain_weekdays_and_flags_everything() {
    let cal = WorkingCalendar::default();
    // 2025-05-01 is a Thursday: 05-02 Fri (1), 05-05 Mon (2). Year 2025 crossed, not loaded.
    let dl = cal.deadline(ymd(2025, 5, 1), 2);
    assert_eq!(dl.date, ymd(2025, 5, 5));
    assert_eq!(dl.unscheduled_years, vec![2025]);
    // n == 0 crosses nothing.
    assert!(!cal.deadline(ymd(2025, 5, 1), 0).is_provisional());
}

/// A long count is exact, not cut short by the guard against calendars with no working day.
#[test]
fn long_counts_are_exact() {
    let cal = real();
    for n in [5_000u32, 20_000, 40_000] {
        let d = ymd(2025, 1, 1);
        let r = cal.add_working_days(d, n);
        assert!(cal.is_working_day(r), "n = {n}");
        assert_eq!(cal.working_days_between(d, r), i64::from(n), "n = {n}");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Hand-computed cases on the official 2025 / 2026 schedule
// ---------------------------------------------------------------------------------------------
//
// Weekday anchors: 2025-01-01 is a Wednesday, 2026-01-01 a Thursday (2025 has 365 days).
// 2025: 01-24 Fri, 02-01 Sat, 04-01 Tue, 05-01 Thu, 09-01 Mon, 10-01 Wed, 11-01 Sat.
// 2026: 02-01 Sun, 03-01 Sun, 05-01 Fri, 09-01 Tue, 10-01 Thu, 12-01 Tue; 2027-01-01 Fri.

/// (from, n, expected) — each derived by hand in the comment above it.
/// A date as (year, month, day), to keep the table short.
type Ymd = (i32, u32, u32);

const CASES: &[(Ymd, u32, Ymd)] = &[
    // 春节 2025. From Fri 01-24: 01-25 Sat off; 01-26 Sun is 调休上班 → 1.
    ((2025, 1, 24), 1, (2025, 1, 26)),
    // 01-26 (1), Mon 01-27 (2).
    ((2025, 1, 24), 2, (2025, 1, 27)),
    // 01-26 (1), 01-27 (2), 01-28..02-04 off, Wed 02-05 (3), 02-06 (4), Fri 02-07 (5).
    ((2025, 1, 24), 5, (2025, 2, 7)),
    // … Sat 02-08 is 调休上班 → (6).
    ((2025, 1, 24), 6, (2025, 2, 8)),
    // … 02-08 (6), 02-10..14 (7–11), 02-17..21 (12–16), 02-24 (17), 25 (18), 26 (19), Thu 02-27 (20).
    ((2025, 1, 24), 20, (2025, 2, 27)),
    // From Mon 01-27: 01-28..02-04 all off (8 days), Wed 02-05 is the first working day.
    ((2025, 1, 27), 1, (2025, 2, 5)),
    // 劳动节 2025. From Fri 04-25: 04-26 Sat off; Sun 04-27 is 调休上班 → 1.
    ((2025, 4, 25), 1, (2025, 4, 27)),
    // 04-27 (1), Mon 04-28 (2), 04-29 (3), Wed 04-30 (4).
    ((2025, 4, 25), 4, (2025, 4, 30)),
    // … 05-01..05-05 off, Tue 05-06 (5).
    ((2025, 4, 25), 5, (2025, 5, 6)),
    // 国庆 2025. From Fri 09-26: 09-27 Sat off; Sun 09-28 is 调休上班 → 1.
    ((2025, 9, 26), 1, (2025, 9, 28)),
    // 09-28 (1), Mon 09-29 (2), Tue 09-30 (3).
    ((2025, 9, 26), 3, (2025, 9, 30)),
    // … 10-01..10-08 off, Thu 10-09 (4).
    ((2025, 9, 26), 4, (2025, 10, 9)),
    // 09-28, 29, 30 (1–3), 10-09 (4), 10-10 (5), Sat 10-11 调休上班 (6), 10-13..17 (7–11),
    // 10-20..24 (12–16), 10-27 (17), 28 (18), 29 (19), Thu 10-30 (20). Also art. 42, see below.
    ((2025, 9, 26), 20, (2025, 10, 30)),
    // 元旦 2026. From Tue 2025-12-30: Wed 12-31 (1).
    ((2025, 12, 30), 1, (2025, 12, 31)),
    // From Wed 2025-12-31: 01-01..01-03 off; Sun 01-04 is 调休上班 → 1.
    ((2025, 12, 31), 1, (2026, 1, 4)),
    // … Mon 01-05 (2).
    ((2025, 12, 31), 2, (2026, 1, 5)),
    // 春节 2026. From Fri 02-13: Sat 02-14 is 调休上班 → 1.
    ((2026, 2, 13), 1, (2026, 2, 14)),
    // … 02-15..02-23 off (9 days), Tue 02-24 (2).
    ((2026, 2, 13), 2, (2026, 2, 24)),
    // 02-24 (2), 25 (3), 26 (4), Fri 02-27 (5).
    ((2026, 2, 13), 5, (2026, 2, 27)),
    // … Sat 02-28 is 调休上班 → (6).
    ((2026, 2, 13), 6, (2026, 2, 28)),
    // … 03-01 Sun off, Mon 03-02 (7).
    ((2026, 2, 13), 7, (2026, 3, 2)),
    // … 03-02..06 (7–11), 03-09..13 (12–16), 03-16 (17), 17 (18), 18 (19), Thu 03-19 (20).
    ((2026, 2, 13), 20, (2026, 3, 19)),
    // 劳动节 2026. From Thu 04-30: 05-01..05-05 off, Wed 05-06 (1).
    ((2026, 4, 30), 1, (2026, 5, 6)),
    // 05-06 (1), 05-07 (2), Fri 05-08 (3), Sat 05-09 调休上班 (4).
    ((2026, 4, 30), 4, (2026, 5, 9)),
    // … 05-10 Sun off, Mon 05-11 (5).
    ((2026, 4, 30), 5, (2026, 5, 11)),
    // 中秋 + 国庆 2026. From Fri 09-18: 09-19 Sat off; Sun 09-20 is 调休上班 → 1.
    ((2026, 9, 18), 1, (2026, 9, 20)),
    // 09-20 (1), 09-21..24 Mon–Thu (2–5), 09-25..27 中秋 off, Mon 09-28 (6).
    ((2026, 9, 18), 6, (2026, 9, 28)),
    // 09-28 (6), 29 (7), Wed 09-30 (8), 10-01..07 off, Thu 10-08 (9), 10-09 (10),
    // Sat 10-10 调休上班 (11), 10-12..16 (12–16), 10-19 (17), 20 (18), 21 (19), Thu 10-22 (20).
    ((2026, 9, 18), 20, (2026, 10, 22)),
    // From Wed 09-30: 10-01..10-07 off, Thu 10-08 (1).
    ((2026, 9, 30), 1, (2026, 10, 8)),
    // 10-08 (1), 10-09 (2), Sat 10-10 调休上班 (3).
    ((2026, 9, 30), 3, (2026, 10, 10)),
    // Into 2027, where plain Mon–Fri is assumed: from Sun 2026-12-20: 12-21..25 (1–5),
    // 12-28..31 (6–9), Fri 2027-01-01 (10), 01-04..08 (11–15), 01-11..15 (16–20).
    ((2026, 12, 20), 20, (2027, 1, 15)),
    // From Mon 2026-03-02: 03-03..06 (1–4), 03-09..13 (5–9), 03-16..20 (10–14),
    // 03-23..27 (15–19), Mon 03-30 (20).
    ((2026, 3, 2), 20, (2026, 3, 30)),
];

fn tuple_date((y, m, d): Ymd) -> NaiveDate {
    ymd(y, m, d)
}

#[test]
fn hand_computed_deadlines() {
    let cal = real();
    for &(from, n, expected) in CASES {
        let (from, expected) = (tuple_date(from), tuple_date(expected));
        assert_eq!(
            cal.add_working_days(from, n),
            expected,
            "{from} + {n} working days"
        );
        assert_eq!(
            cal.working_days_between(from, expected),
            i64::from(n),
            "working days in ({from}, {expected}]"
        );
    }
}

#[test]
fn make_up_days_are_working_days() {
    let cal = real();
    // Every 调休上班 day of the file, each a Saturday or Sunday by the weekday calendar.
    let make_up = [
        (ymd(2025, 1, 26), Weekday::Sun),
        (ymd(2025, 2, 8), Weekday::Sat),
        (ymd(2025, 4, 27), Weekday::Sun),
        (ymd(2025, 9, 28), Weekday::Sun),
        (ymd(2025, 10, 11), Weekday::Sat),
        (ymd(2026, 1, 4), Weekday::Sun),
        (ymd(2026, 2, 14), Weekday::Sat),
        (ymd(2026, 2, 28), Weekday::Sat),
        (ymd(2026, 5, 9), Weekday::Sat),
        (ymd(2026, 9, 20), Weekday::Sun),
        (ymd(2026, 10, 10), Weekday::Sat),
    ];
    for (d, wd) in make_up {
        assert_eq!(d.weekday(), wd, "{d}");
        assert!(cal.is_working_day(d), "{d} is a make-up working day");
    }
    let in_file: Vec<NaiveDate> = parse_holiday_csv(REAL_CSV)
        .unwrap()
        .into_iter()
        .filter(|c| c.kind == DayKind::Workday)
        .map(|c| c.date)
        .collect();
    assert_eq!(in_file, make_up.map(|(d, _)| d).to_vec());
}

#[test]
fn holidays_and_plain_days() {
    let cal = real();
    // Holidays falling on weekdays: not working.
    for d in [
        ymd(2025, 1, 1),  // Wed, 元旦
        ymd(2025, 1, 28), // Tue, 春节
        ymd(2025, 2, 4),  // Tue, 春节 last day
        ymd(2025, 5, 5),  // Mon, 劳动节
        ymd(2025, 6, 2),  // Mon, 端午
        ymd(2025, 10, 8), // Wed, 国庆 last day
        ymd(2026, 1, 2),  // Fri, 元旦
        ymd(2026, 2, 23), // Mon, 春节 last day
        ymd(2026, 9, 25), // Fri, 中秋
        ymd(2026, 10, 7), // Wed, 国庆 last day
    ] {
        assert!(!is_weekend(d), "{d} is a weekday");
        assert!(!cal.is_working_day(d), "{d} is a holiday");
    }
    // Ordinary days around the blocks.
    assert!(cal.is_working_day(ymd(2025, 10, 9))); // Thu after 国庆
    assert!(cal.is_working_day(ymd(2026, 2, 24))); // Tue after 春节
    assert!(!cal.is_working_day(ymd(2025, 10, 12))); // Sun, no make-up
    assert!(!cal.is_working_day(ymd(2026, 3, 1))); // Sun, no make-up
    assert!(cal.is_working_day(ymd(2027, 1, 1))); // Fri, 2027 not loaded: plain Mon–Fri
}

#[test]
fn working_days_between_across_festivals() {
    let cal = real();
    let cases = [
        // (01-27, 02-05]: 01-28..02-04 off, 02-05 working → 1.
        (ymd(2025, 1, 27), ymd(2025, 2, 5), 1),
        // (01-27, 02-04]: all holidays → 0.
        (ymd(2025, 1, 27), ymd(2025, 2, 4), 0),
        // (09-30, 10-08]: 国庆 2025 block only → 0.
        (ymd(2025, 9, 30), ymd(2025, 10, 8), 0),
        // (09-26, 10-12]: 09-28, 29, 30, 10-09, 10, 11 → 6.
        (ymd(2025, 9, 26), ymd(2025, 10, 12), 6),
        // (2025-12-31, 2026-01-04]: 01-01..03 off, 01-04 make-up → 1.
        (ymd(2025, 12, 31), ymd(2026, 1, 4), 1),
        // (09-24, 09-28] 2026: 09-25..27 中秋 off, 09-28 working → 1.
        (ymd(2026, 9, 24), ymd(2026, 9, 28), 1),
        // Backwards: (09-30, 10-14] 2025 holds 10-09, 10, 11, 13, 14 → -5.
        (ymd(2025, 10, 14), ymd(2025, 9, 30), -5),
        // Same day → 0 (working_days_left on the due day).
        (ymd(2025, 10, 30), ymd(2025, 10, 30), 0),
    ];
    for (from, to, n) in cases {
        assert_eq!(cal.working_days_between(from, to), n, "({from}, {to}]");
    }
    // One working day late: today 10-31 (Fri) against a 10-30 due date.
    assert_eq!(
        cal.working_days_left(ymd(2025, 10, 31), ymd(2025, 10, 30)),
        -1
    );
}

/// 行政许可法 art. 32: materials received Tue 2025-09-30; correction notice within 5 working days.
/// 10-01..10-08 off; Thu 10-09 (1), Fri 10-10 (2), Sat 10-11 调休上班 (3), Sun 10-12 off,
/// Mon 10-13 (4), Tue 10-14 (5).
#[test]
fn art_32_correction_limit_over_national_day() {
    let dl = real().deadline(ymd(2025, 9, 30), 5);
    assert_eq!(dl.date, ymd(2025, 10, 14));
    assert!(!dl.is_provisional());
}

/// 行政许可法 art. 42: accepted Fri 2025-09-26, decision within 20 working days → Thu 10-30
/// (see CASES). Extension by 10 more: Fri 10-31 (1), 11-03..07 (2–6), 11-10..13 (7–10) → Thu 11-13.
#[test]
fn art_42_decision_due_over_national_day() {
    let cal = real();
    let accepted = ymd(2025, 9, 26);
    let due = cal.deadline(accepted, 20);
    assert_eq!(due.date, ymd(2025, 10, 30));
    assert!(!due.is_provisional());
    assert_eq!(cal.add_working_days(due.date, 10), ymd(2025, 11, 13));
    assert_eq!(cal.add_working_days(accepted, 30), ymd(2025, 11, 13));
}

#[test]
fn unscheduled_years_on_the_real_schedule() {
    let cal = real();
    assert_eq!(cal.loaded_years().collect::<Vec<_>>(), vec![2025, 2026]);
    // 2026-12-20 + 20 runs into 2027 (see CASES), which has no schedule.
    let dl = cal.deadline(ymd(2026, 12, 20), 20);
    assert_eq!(dl.date, ymd(2027, 1, 15));
    assert_eq!(dl.unscheduled_years, vec![2027]);
    assert!(dl.is_provisional());
    // 2026-03-02 + 20 stays inside 2026.
    let dl = cal.deadline(ymd(2026, 3, 2), 20);
    assert_eq!(dl.date, ymd(2026, 3, 30));
    assert!(dl.unscheduled_years.is_empty());
    // From Tue 2024-12-24: 12-25..27 (1–3), 12-30 (4), 12-31 (5): only 2024 crossed.
    let dl = cal.deadline(ymd(2024, 12, 24), 5);
    assert_eq!(dl.date, ymd(2024, 12, 31));
    assert_eq!(dl.unscheduled_years, vec![2024]);
    // From Wed 2025-12-31 + 1: 2026-01-04 (see CASES), inside loaded 2026 only.
    assert!(!cal.deadline(ymd(2025, 12, 31), 1).is_provisional());
    // From Thu 2026-12-31 + 1 = Fri 2027-01-01 (assumed working): flagged.
    let dl = cal.deadline(ymd(2026, 12, 31), 1);
    assert_eq!(dl.date, ymd(2027, 1, 1));
    assert_eq!(dl.unscheduled_years, vec![2027]);
}

#[test]
fn closure_on_the_real_schedule() {
    let cal = real();
    // Township closed Thu 2025-10-09 (flood): art. 32 limit from 09-30 moves from 10-14 to the
    // next working day, Wed 10-15; 10-09 is no longer a working day.
    let closed = cal.with_closures([ymd(2025, 10, 9)]);
    assert!(!closed.is_working_day(ymd(2025, 10, 9)));
    assert_eq!(
        closed.add_working_days(ymd(2025, 9, 30), 5),
        ymd(2025, 10, 15)
    );
    // A closure after the span changes nothing: closed 10-20, limit still 10-14.
    let later = cal.with_closures([ymd(2025, 10, 20)]);
    assert_eq!(
        later.add_working_days(ymd(2025, 9, 30), 5),
        ymd(2025, 10, 14)
    );
    // A closure on a make-up day removes it: 09-28 closed, so from 09-26 + 1 is Mon 09-29.
    let make_up_closed = cal.with_closures([ymd(2025, 9, 28)]);
    assert_eq!(
        make_up_closed.add_working_days(ymd(2025, 9, 26), 1),
        ymd(2025, 9, 29)
    );
    // The original calendar is untouched.
    assert!(cal.is_working_day(ymd(2025, 10, 9)));
}

// ---------------------------------------------------------------------------------------------
// 3. The CSV format
// ---------------------------------------------------------------------------------------------

#[test]
fn real_file_parses() {
    let days = parse_holiday_csv(REAL_CSV).expect("official schedule parses");
    // 75 lines: 2 comment lines, 1 header, 72 dated lines (33 for 2025, 39 for 2026).
    let dated = REAL_CSV.lines().filter(|l| l.starts_with("20")).count();
    assert_eq!(dated, 72);
    assert_eq!(days.len(), 72);
    assert_eq!(days.iter().filter(|d| d.date.year() == 2025).count(), 33);
    assert_eq!(days.iter().filter(|d| d.date.year() == 2026).count(), 39);
    assert_eq!(
        days.iter().filter(|d| d.kind == DayKind::Workday).count(),
        11
    );
    assert_eq!(
        days[0],
        CalendarDay {
            date: ymd(2025, 1, 1),
            kind: DayKind::Holiday,
            name: "元旦".into()
        }
    );
    // Names with the Chinese enumeration comma survive.
    assert!(days
        .iter()
        .any(|d| d.date == ymd(2025, 10, 1) && d.name == "国庆节、中秋节"));
    // Dates are strictly increasing: no duplicates in the official file.
    assert!(days.windows(2).all(|w| w[0].date < w[1].date));
}

#[test]
fn bad_lines_are_all_reported_with_line_numbers() {
    let text = "\
date,kind,name
2025-01-01,holiday,元旦
2025-13-01,holiday,坏日期
2025-05-01,rest,劳动节
2025-01-01,workday,重复
2025-05-02,holiday,劳动节
";
    let errs = parse_holiday_csv(text).expect_err("three bad lines").errors;
    let got: Vec<(&str, &str)> = errs
        .iter()
        .map(|e| (e.field.as_str(), e.code.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("第3行.date", "invalid_date"),
            ("第4行.kind", "invalid_kind"),
            ("第5行.date", "duplicate_date"),
        ]
    );
    assert!(
        errs[0].message.contains("2025-13-01"),
        "{}",
        errs[0].message
    );
    assert!(
        errs[2].message.contains("第2行"),
        "duplicate names the first line: {}",
        errs[2].message
    );
}

#[test]
fn missing_kind_and_bad_date_on_one_line_are_both_reported() {
    let errs = parse_holiday_csv("# c\n2025-02-30\n").unwrap_err().errors;
    let got: Vec<&str> = errs.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(got, vec!["invalid_date", "invalid_kind"]);
    assert!(errs.iter().all(|e| e.field.starts_with("第2行.")));
}

#[test]
fn bom_comments_blank_lines_and_crlf_are_tolerated() {
    let text = "\u{feff}# 2025 节选\r\ndate,kind,name\r\n\r\n   # indented comment\r\n\
                2025-01-01,holiday,元旦\r\n 2025-01-26 , 班 , 春节 \r\n2025-01-28,休,春节\r\n";
    let days = parse_holiday_csv(text).unwrap();
    assert_eq!(
        days,
        vec![
            CalendarDay {
                date: ymd(2025, 1, 1),
                kind: DayKind::Holiday,
                name: "元旦".into()
            },
            CalendarDay {
                date: ymd(2025, 1, 26),
                kind: DayKind::Workday,
                name: "春节".into()
            },
            CalendarDay {
                date: ymd(2025, 1, 28),
                kind: DayKind::Holiday,
                name: "春节".into()
            },
        ]
    );
    // A BOM directly before the header, and a BOM followed by indentation.
    for text in [
        "\u{feff}date,kind,name\n2025-01-01,holiday,元旦\n",
        "\u{feff}  date,kind,name\n2025-01-01,holiday,元旦\n",
        "\u{feff}  # comment\n2025-01-01,holiday,元旦\n",
    ] {
        let days = parse_holiday_csv(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(days.len(), 1, "{text:?}");
    }
    // Line numbers count comments and blank lines: the bad line is line 4.
    let errs = parse_holiday_csv("\u{feff}# c\n\ndate,kind,name\n2025-01-01,x,y\n")
        .unwrap_err()
        .errors;
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].field, "第4行.kind");
}

#[test]
fn real_file_round_trips() {
    let days = parse_holiday_csv(REAL_CSV).unwrap();
    let text = to_holiday_csv(&days);
    assert!(text.starts_with("date,kind,name\n"));
    assert_eq!(text.lines().count(), 73);
    assert_eq!(parse_holiday_csv(&text).unwrap(), days);
    // And the calendar built from either is the same.
    assert_eq!(
        WorkingCalendar::new(parse_holiday_csv(&text).unwrap()),
        real()
    );
}
