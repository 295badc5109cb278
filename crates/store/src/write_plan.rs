//! The write plan: which derived rows a change to a case row moves (issue 15, part 2).
//!
//! A case row is followed by rows kept in its transaction so reads never count or sort cases:
//! `case_counts` (cases per place, department and state, for the monitor), `receipt_days` (cases
//! received per day, place and department, for the public monthly figures), `case_scopes` (one row
//! per region prefix the case is listed under, with its state and due date, see [`crate::listing`])
//! and the places carried by its `case_deadlines` rows (for scoped warning scans). Before this
//! module, each backend worked these out for itself, and most changes had to touch both.
//!
//! Here the decision is made once, without I/O: given the followed columns as stored before the
//! change (`None` for a new case) and as they are after, [`plan`] says which count and receipt rows
//! move by how much, what happens to the list rows and whether the deadline rows move. Each backend
//! reads the "before" columns its own way (SQLite in its writer's transaction, PostgreSQL with
//! `FOR UPDATE`), executes the plan with its own statements (one shard on SQLite, sharded rows in key
//! order on PostgreSQL), and the conformance stories check the result on both. The property test
//! below checks the plan against the obvious slow answer: derive every row from the case after, and
//! compare with the rows derived from the case before, changed as the plan says.

use crate::listing;
use chrono::NaiveDate;

mod supervision;
use domain::case::CaseState;
use domain::region::RegionCode;
pub use supervision::{
    deadline_diff, outcome_moves, warning_diff, DeadlineDiff, OutcomeDayKey, WarningDiff,
};

/// The columns of a case row that derived rows follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    pub place: RegionCode,
    pub department: String,
    pub state: CaseState,
    pub decide_place: RegionCode,
    pub applicant_region: RegionCode,
    /// The deadline that matters in the current state; lists sort undated cases last.
    pub due: Option<NaiveDate>,
    /// When the case was received (counted in `receipt_days`), once it has been.
    pub received_on: Option<NaiveDate>,
}

impl Followed {
    pub fn of(s: &crate::CaseSummary, received_on: Option<NaiveDate>) -> Followed {
        Followed {
            place: s.place.clone(),
            department: s.department.clone(),
            state: s.state,
            decide_place: s.decide_place.clone(),
            applicant_region: s.applicant_region.clone(),
            due: s.due,
            received_on,
        }
    }

    /// The `case_counts` group the case is counted in.
    pub fn count_key(&self) -> CountKey {
        CountKey {
            place: self.place.clone(),
            department: self.department.clone(),
            state: self.state,
        }
    }

    /// The `receipt_days` row the case is counted in, once received.
    pub fn receipt_key(&self) -> Option<ReceiptKey> {
        self.received_on.map(|day| ReceiptKey {
            day,
            place: self.place.clone(),
            department: self.department.clone(),
        })
    }

    /// The date list rows sort by.
    pub fn sort_due(&self) -> NaiveDate {
        self.due.unwrap_or_else(listing::sort_last)
    }

    fn same_places(&self, other: &Followed) -> bool {
        self.place == other.place
            && self.decide_place == other.decide_place
            && self.applicant_region == other.applicant_region
    }
}

/// A `case_counts` group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CountKey {
    pub place: RegionCode,
    pub department: String,
    pub state: CaseState,
}

/// The order of the stored key's text, which is the order rows are locked in.
impl Ord for CountKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (&self.place, &self.department, self.state.as_str()).cmp(&(
            &other.place,
            &other.department,
            other.state.as_str(),
        ))
    }
}

impl PartialOrd for CountKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A `receipt_days` row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReceiptKey {
    pub day: NaiveDate,
    pub place: RegionCode,
    pub department: String,
}

/// What happens to the case's `case_scopes` rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeChange {
    /// Nothing they carry changed.
    Keep,
    /// The same prefixes; every row's state and sort date are set to these.
    Update {
        state: CaseState,
        sort_due: NaiveDate,
    },
    /// The places changed, or the case is new: its rows (if any) are deleted and these inserted,
    /// each `(prefix, via)` with this state and sort date.
    Replace {
        delete_old: bool,
        rows: Vec<(String, i64)>,
        state: CaseState,
        sort_due: NaiveDate,
    },
}

/// Everything a change to one case row moves besides the row itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `case_counts` changes, in key order: `-1` for the group left, `+1` for the group joined.
    pub counts: Vec<(CountKey, i64)>,
    /// `receipt_days` changes, in key order, likewise.
    pub receipts: Vec<(ReceiptKey, i64)>,
    pub scopes: ScopeChange,
    /// The case's deadline rows move to these (place, deciding place): a transfer.
    pub deadline_places: Option<(RegionCode, RegionCode)>,
}

impl Plan {
    /// Whether the change moves no derived row at all.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
            && self.receipts.is_empty()
            && self.scopes == ScopeChange::Keep
            && self.deadline_places.is_none()
    }
}

/// The derived rows a case row's change from `before` (`None`: a new case) to `after` moves.
pub fn plan(before: Option<&Followed>, after: &Followed) -> Plan {
    Plan {
        counts: moves(before.map(Followed::count_key), Some(after.count_key())),
        receipts: moves(before.and_then(Followed::receipt_key), after.receipt_key()),
        scopes: match before {
            Some(b) if b.same_places(after) => {
                if b.state == after.state && b.sort_due() == after.sort_due() {
                    ScopeChange::Keep
                } else {
                    ScopeChange::Update {
                        state: after.state,
                        sort_due: after.sort_due(),
                    }
                }
            }
            _ => ScopeChange::Replace {
                delete_old: before.is_some(),
                rows: listing::scope_rows(
                    &after.place,
                    &after.decide_place,
                    &after.applicant_region,
                ),
                state: after.state,
                sort_due: after.sort_due(),
            },
        },
        deadline_places: before
            .filter(|b| b.place != after.place || b.decide_place != after.decide_place)
            .map(|_| (after.place.clone(), after.decide_place.clone())),
    }
}

/// `-1` for the old key, `+1` for the new, nothing when they are the same; in key order, so a
/// backend that locks rows as it writes them always locks in one order.
fn moves<K: Ord>(old: Option<K>, new: Option<K>) -> Vec<(K, i64)> {
    if old == new {
        return vec![];
    }
    let mut out: Vec<(K, i64)> = old
        .map(|k| (k, -1))
        .into_iter()
        .chain(new.map(|k| (k, 1)))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// The derived rows of one case, worked out from scratch: the slow, obvious answer.
    #[derive(Debug, Clone, PartialEq, Default)]
    struct Derived {
        counts: BTreeMap<CountKey, i64>,
        receipts: BTreeMap<ReceiptKey, i64>,
        /// prefix → (via, state, sort date)
        scopes: BTreeMap<String, (i64, CaseState, NaiveDate)>,
        deadline_places: Option<(RegionCode, RegionCode)>,
    }

    fn derive(f: Option<&Followed>) -> Derived {
        let mut d = Derived::default();
        if let Some(f) = f {
            d.counts.insert(f.count_key(), 1);
            if let Some(r) = f.receipt_key() {
                d.receipts.insert(r, 1);
            }
            for (prefix, via) in listing::scope_rows(&f.place, &f.decide_place, &f.applicant_region)
            {
                d.scopes.insert(prefix, (via, f.state, f.sort_due()));
            }
            d.deadline_places = Some((f.place.clone(), f.decide_place.clone()));
        }
        d
    }

    /// What a backend does with a plan, on the model.
    fn apply(mut d: Derived, p: &Plan) -> Derived {
        for (k, n) in &p.counts {
            *d.counts.entry(k.clone()).or_insert(0) += n;
        }
        d.counts.retain(|_, n| *n != 0);
        for (k, n) in &p.receipts {
            *d.receipts.entry(k.clone()).or_insert(0) += n;
        }
        d.receipts.retain(|_, n| *n != 0);
        match &p.scopes {
            ScopeChange::Keep => {}
            ScopeChange::Update { state, sort_due } => {
                for row in d.scopes.values_mut() {
                    row.1 = *state;
                    row.2 = *sort_due;
                }
            }
            ScopeChange::Replace {
                delete_old,
                rows,
                state,
                sort_due,
            } => {
                assert_eq!(
                    *delete_old,
                    !d.scopes.is_empty(),
                    "deletes exactly when rows exist"
                );
                d.scopes.clear();
                for (prefix, via) in rows {
                    d.scopes.insert(prefix.clone(), (*via, *state, *sort_due));
                }
            }
        }
        if let Some(places) = &p.deadline_places {
            d.deadline_places = Some(places.clone());
        }
        d
    }

    const PLACES: &[&str] = &[
        "330102000000",
        "330102001000",
        "330102001001",
        "330102002000",
        "330105001000",
    ];

    fn followed() -> impl Strategy<Value = Followed> {
        let code = prop::sample::select(PLACES).prop_map(|c| RegionCode::parse(c).unwrap());
        let state = prop::sample::select(vec![
            CaseState::Submitted,
            CaseState::InReview,
            CaseState::Decided,
            CaseState::Completed,
        ]);
        let day = (0u32..4).prop_map(|d| NaiveDate::from_ymd_opt(2026, 3, 2 + d).unwrap());
        (
            code.clone(),
            prop::sample::select(vec!["scjg", "mzj"]),
            state,
            code.clone(),
            code,
            prop::option::of(day.clone()),
            prop::option::of(day),
        )
            .prop_map(
                |(place, dept, state, decide, applicant, due, received)| Followed {
                    place,
                    department: dept.to_string(),
                    state,
                    decide_place: decide,
                    applicant_region: applicant,
                    due,
                    received_on: received,
                },
            )
    }

    proptest! {
        /// Rows derived before the change, moved as planned, are the rows derived after it.
        #[test]
        fn the_plan_takes_derived_rows_from_before_to_after(
            before in prop::option::of(followed()),
            after in followed(),
        ) {
            let p = plan(before.as_ref(), &after);
            let mut want = derive(Some(&after));
            if before.is_none() {
                // A new case has no deadline rows yet: supervision writes them with its places.
                want.deadline_places = None;
            }
            prop_assert_eq!(apply(derive(before.as_ref()), &p), want);
        }

        /// No change, no derived write.
        #[test]
        fn an_unchanged_row_moves_nothing(f in followed()) {
            prop_assert!(plan(Some(&f), &f).is_empty());
        }

        /// Row changes come in key order, so concurrent writers lock rows in one order.
        #[test]
        fn moves_are_in_key_order(before in followed(), after in followed()) {
            let p = plan(Some(&before), &after);
            prop_assert!(p.counts.windows(2).all(|w| w[0].0 < w[1].0));
            prop_assert!(p.receipts.windows(2).all(|w| w[0].0 < w[1].0));
        }
    }

    #[test]
    fn a_state_change_updates_the_list_rows_in_place() {
        let before = Followed {
            place: RegionCode::parse("330102001000").unwrap(),
            department: "scjg".into(),
            state: CaseState::Submitted,
            decide_place: RegionCode::parse("330102000000").unwrap(),
            applicant_region: RegionCode::parse("330102001001").unwrap(),
            due: None,
            received_on: None,
        };
        let after = Followed {
            state: CaseState::InReview,
            due: NaiveDate::from_ymd_opt(2026, 3, 16),
            received_on: NaiveDate::from_ymd_opt(2026, 3, 2),
            ..before.clone()
        };
        let p = plan(Some(&before), &after);
        assert_eq!(
            p.scopes,
            ScopeChange::Update {
                state: CaseState::InReview,
                sort_due: NaiveDate::from_ymd_opt(2026, 3, 16).unwrap()
            }
        );
        assert_eq!(p.counts.len(), 2);
        assert_eq!(p.receipts, vec![(after.receipt_key().unwrap(), 1)]);
        assert_eq!(p.deadline_places, None);
    }
}
