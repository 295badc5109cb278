//! The write plan's supervision half: what a transition moves in `outcome_days`, `case_deadlines`
//! and `warnings`. As for the case row's followers, the decision is made here once, without I/O,
//! from the rows as they stand before (read by the backend in its transaction) and as the command
//! leaves them; each backend only executes the result with its own statements.

use crate::{OutcomeRecord, WarningRecord};
use chrono::NaiveDate;
use domain::region::RegionCode;
use domain::supervision::DeadlineRow;
use std::collections::{BTreeMap, BTreeSet};

/// The `outcome_days` row an outcome is added up in (a backend may spread it over shards).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutcomeDayKey {
    pub completed_on: NaiveDate,
    pub place: RegionCode,
    pub decide_place: RegionCode,
    pub department: String,
    pub accepted_by: String,
    pub decided_by: String,
}

impl OutcomeDayKey {
    pub fn of(o: &OutcomeRecord) -> OutcomeDayKey {
        OutcomeDayKey {
            completed_on: o.completed_on,
            place: o.place.clone(),
            decide_place: o.decide_place.clone(),
            department: o.department.clone(),
            accepted_by: o.accepted_by.clone(),
            decided_by: o.decided_by.clone(),
        }
    }
}

/// What replacing a case's outcome `before` (`None`: it had none) by `after` (`None`: removed)
/// adds to each `outcome_days` row (figures in `OutcomeRecord::day_figures` order), in key order,
/// rows that would not change left out: a re-recorded identical outcome moves nothing.
pub fn outcome_moves(
    before: Option<&OutcomeRecord>,
    after: Option<&OutcomeRecord>,
) -> Vec<(OutcomeDayKey, [i64; 7])> {
    let mut rows: BTreeMap<OutcomeDayKey, [i64; 7]> = BTreeMap::new();
    for (o, sign) in before
        .map(|o| (o, -1))
        .into_iter()
        .chain(after.map(|o| (o, 1)))
    {
        let row = rows.entry(OutcomeDayKey::of(o)).or_insert([0; 7]);
        for (t, f) in row.iter_mut().zip(o.day_figures()) {
            *t += sign * f;
        }
    }
    rows.into_iter()
        .filter(|(_, f)| f.iter().any(|v| *v != 0))
        .collect()
}

/// How a case's deadline rows change: the keys to delete (gone, or changed and re-inserted) and
/// the rows to insert (new or changed). Unchanged rows are not touched, so a command that leaves
/// the deadlines alone (most of them) writes nothing here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeadlineDiff {
    pub delete: Vec<String>,
    pub insert: Vec<DeadlineRow>,
}

impl DeadlineDiff {
    pub fn is_empty(&self) -> bool {
        self.delete.is_empty() && self.insert.is_empty()
    }
}

/// The change from the stored rows `before` to `after` (both of one case; keys unique).
pub fn deadline_diff(before: &[DeadlineRow], after: &[DeadlineRow]) -> DeadlineDiff {
    let old: BTreeMap<&str, &DeadlineRow> = before.iter().map(|r| (r.key.as_str(), r)).collect();
    let new: BTreeMap<&str, &DeadlineRow> = after.iter().map(|r| (r.key.as_str(), r)).collect();
    let delete = old
        .iter()
        .filter(|(k, r)| new.get(*k) != Some(*r))
        .map(|(k, _)| k.to_string())
        .collect();
    let insert = new
        .iter()
        .filter(|(k, r)| old.get(*k) != Some(*r))
        .map(|(_, r)| (*r).clone())
        .collect();
    DeadlineDiff { delete, insert }
}

/// How a case's open warnings change: the (key, colour) pairs to clear and the warnings to raise.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WarningDiff {
    pub clear: Vec<(String, String)>,
    pub raise: Vec<WarningRecord>,
}

/// From the pairs open before to the warnings that should be open after: clear what is no longer
/// wanted, raise what is not open yet, leave the rest (an open warning keeps its raised time).
pub fn warning_diff(open_before: &[(String, String)], open_after: &[WarningRecord]) -> WarningDiff {
    let wanted: BTreeSet<(&str, &str)> = open_after
        .iter()
        .map(|w| (w.key.as_str(), w.colour.as_str()))
        .collect();
    let open: BTreeSet<(&str, &str)> = open_before
        .iter()
        .map(|(k, c)| (k.as_str(), c.as_str()))
        .collect();
    WarningDiff {
        clear: open
            .iter()
            .filter(|p| !wanted.contains(*p))
            .map(|(k, c)| (k.to_string(), c.to_string()))
            .collect(),
        raise: open_after
            .iter()
            .filter(|w| !open.contains(&(w.key.as_str(), w.colour.as_str())))
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap() + chrono::Days::new(u64::from(n))
    }

    fn outcome() -> impl Strategy<Value = OutcomeRecord> {
        (
            0u32..3,
            0usize..2,
            0usize..2,
            any::<[bool; 3]>(),
            0u32..30,
            0u32..3,
            0u32..2,
        )
            .prop_map(|(d, place, who, [on_time, early, overdue], wd, w, v)| {
                OutcomeRecord {
                    case_number: "C1".into(),
                    completed_on: day(d),
                    place: RegionCode::parse(["339921102000", "339921103000"][place]).unwrap(),
                    decide_place: RegionCode::parse("339921000000").unwrap(),
                    department: "scjg".into(),
                    accepted_by: ["a", "b"][who].into(),
                    decided_by: "d".into(),
                    on_time,
                    early,
                    working_days: wd,
                    overdue,
                    warnings: w,
                    violations: v,
                }
            })
    }

    fn deadline_row() -> impl Strategy<Value = DeadlineRow> {
        (0usize..4, 0u32..3, 0u32..20, 0u32..3).prop_map(|(k, l, due, warn)| DeadlineRow {
            case_number: "C1".into(),
            key: ["correction", "statutory", "promised", "delivery"][k].into(),
            label: ["补正", "法定", "承诺"][l as usize].into(),
            due: day(due),
            yellow_from: day(due.saturating_sub(warn)),
            red_from: day(due + 1),
        })
    }

    fn rows() -> impl Strategy<Value = Vec<DeadlineRow>> {
        proptest::collection::vec(deadline_row(), 0..5).prop_map(|mut v| {
            // Keys are unique within a case.
            let mut seen = BTreeSet::new();
            v.retain(|r| seen.insert(r.key.clone()));
            v
        })
    }

    fn pair() -> impl Strategy<Value = (String, String)> {
        (0usize..4, 0usize..2).prop_map(|(k, c)| {
            (
                ["correction", "statutory", "promised", "delivery"][k].to_string(),
                ["yellow", "red"][c].to_string(),
            )
        })
    }

    fn warning((key, colour): (String, String)) -> WarningRecord {
        WarningRecord {
            id: 0,
            case_number: "C1".into(),
            key,
            colour,
            label: "期限".into(),
            place: RegionCode::parse("339921102000").unwrap(),
            decide_place: RegionCode::parse("339921000000").unwrap(),
            department: "scjg".into(),
            due: day(5),
            raised_at: Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap(),
            cleared_at: None,
        }
    }

    /// The day table of a set of outcomes, from scratch.
    fn table<'a>(os: impl Iterator<Item = &'a OutcomeRecord>) -> BTreeMap<OutcomeDayKey, [i64; 7]> {
        let mut t: BTreeMap<OutcomeDayKey, [i64; 7]> = BTreeMap::new();
        for o in os {
            let row = t.entry(OutcomeDayKey::of(o)).or_insert([0; 7]);
            for (a, b) in row.iter_mut().zip(o.day_figures()) {
                *a += b;
            }
        }
        t
    }

    proptest! {
        /// Other cases' outcomes plus this one's `before`, moved as planned, equal the table
        /// worked out from the others plus `after`; and no move is all zeros.
        #[test]
        fn outcome_moves_keep_the_day_table_equal_to_the_outcomes(
            others in proptest::collection::vec(outcome(), 0..4),
            before in proptest::option::of(outcome()),
            after in proptest::option::of(outcome()),
        ) {
            let mut t = table(others.iter().chain(before.iter()));
            let moves = outcome_moves(before.as_ref(), after.as_ref());
            prop_assert!(moves.windows(2).all(|w| w[0].0 < w[1].0), "key order");
            for (k, f) in &moves {
                prop_assert!(f.iter().any(|v| *v != 0));
                let row = t.entry(k.clone()).or_insert([0; 7]);
                for (a, b) in row.iter_mut().zip(f) {
                    *a += b;
                }
            }
            t.retain(|_, f| f.iter().any(|v| *v != 0));
            let mut want = table(others.iter().chain(after.iter()));
            want.retain(|_, f| f.iter().any(|v| *v != 0));
            prop_assert_eq!(t, want);
            if before == after {
                prop_assert!(moves.is_empty());
            }
        }

        /// Deleting and inserting as the diff says turns `before` into `after`, touching only keys
        /// whose row changed.
        #[test]
        fn the_deadline_diff_turns_before_into_after_and_touches_only_changes(
            before in rows(),
            after in rows(),
        ) {
            let d = deadline_diff(&before, &after);
            let mut stored: BTreeMap<String, DeadlineRow> =
                before.iter().map(|r| (r.key.clone(), r.clone())).collect();
            for k in &d.delete {
                prop_assert!(stored.remove(k).is_some(), "deletes only stored keys");
            }
            for r in &d.insert {
                prop_assert!(stored.insert(r.key.clone(), r.clone()).is_none(), "inserts a free key");
            }
            let want: BTreeMap<String, DeadlineRow> =
                after.iter().map(|r| (r.key.clone(), r.clone())).collect();
            prop_assert_eq!(&stored, &want);
            for r in &before {
                if after.contains(r) {
                    prop_assert!(!d.delete.contains(&r.key), "an unchanged row stays");
                }
            }
            prop_assert_eq!(d.is_empty(), {
                let mut a = before.clone();
                let mut b = after.clone();
                a.sort_by(|x, y| x.key.cmp(&y.key));
                b.sort_by(|x, y| x.key.cmp(&y.key));
                a == b
            });
        }

        /// Clearing and raising as the diff says leaves exactly the wanted warnings open, and
        /// never clears and raises the same one.
        #[test]
        fn the_warning_diff_leaves_exactly_the_wanted_warnings_open(
            before in proptest::collection::btree_set(pair(), 0..6),
            after in proptest::collection::btree_set(pair(), 0..6),
        ) {
            let before: Vec<(String, String)> = before.into_iter().collect();
            let wanted: Vec<WarningRecord> = after.iter().cloned().map(warning).collect();
            let d = warning_diff(&before, &wanted);
            let mut open: BTreeSet<(String, String)> = before.iter().cloned().collect();
            for p in &d.clear {
                prop_assert!(open.remove(p), "clears only open warnings");
            }
            for w in &d.raise {
                prop_assert!(open.insert((w.key.clone(), w.colour.clone())), "raises only new ones");
            }
            prop_assert_eq!(open, after);
        }
    }
}
