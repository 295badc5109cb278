//! The case list at any size: one ordered index range per (subtree, state), merged.
//!
//! A subtree of regions is a range of codes, and a range of `(place_region, due)` is not in due
//! order, so "the first page of my subtree by due date" used to sort every case of the subtree.
//! Instead each case keeps one `case_scopes` row per code prefix it is reachable under (the empty
//! prefix for "everywhere", then city, county, township, village prefixes of its accepting place,
//! deciding place and applicant's region) carrying its state and due date; a list reads, for each
//! scope root and each state, the index range `(prefix, state)` in `(sort_due, number)` order, and
//! merges those few ordered streams here. A page reads about `limit` rows however many cases the
//! subtree holds, and `after` continues from the last row (keyset paging).

use crate::{CaseFilter, CaseSummary};
use chrono::NaiveDate;
use domain::access::Scope;
use domain::case::CaseState;
use domain::region::{Level, RegionCode};
use std::collections::VecDeque;

/// `via` bit: the prefix covers the accepting or the deciding place (the case is handled there).
pub const VIA_HANDLED: i64 = 1;
/// `via` bit: the prefix covers the applicant's own region (the case was filed from there).
pub const VIA_FILED: i64 = 2;

/// Cases without a due date sort after every dated one; stored as this date so one index order
/// (and one keyset comparison) covers both.
pub fn sort_last() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// Before every stored key: the start of the first page.
pub fn sort_first() -> ListKey {
    ListKey {
        due: NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN),
        number: String::new(),
    }
}

/// A position in the list order: `(due or sort_last, number)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ListKey {
    pub due: NaiveDate,
    pub number: String,
}

impl ListKey {
    pub fn of(s: &CaseSummary) -> ListKey {
        ListKey {
            due: s.due.unwrap_or_else(sort_last),
            number: s.number.clone(),
        }
    }
    /// `2026-12-01.NUMBER`, or `-.NUMBER` past the dated cases: the `after` of the next page.
    pub fn encode(&self) -> String {
        if self.due == sort_last() {
            format!("-.{}", self.number)
        } else {
            format!("{}.{}", self.due, self.number)
        }
    }
    pub fn decode(s: &str) -> Option<ListKey> {
        let (due, number) = s.split_once('.')?;
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let due = if due == "-" {
            sort_last()
        } else {
            NaiveDate::parse_from_str(due, "%Y-%m-%d").ok()?
        };
        Some(ListKey {
            due,
            number: number.to_string(),
        })
    }
}

/// The prefixes a case is reachable under and how: one row each in `case_scopes`.
pub fn scope_rows(
    place: &RegionCode,
    decide: &RegionCode,
    applicant: &RegionCode,
) -> Vec<(String, i64)> {
    let mut rows: Vec<(String, i64)> = vec![];
    let mut add = |code: &RegionCode, via: i64| {
        let prefixes = std::iter::once(String::new()).chain(
            Level::ALL
                .into_iter()
                .filter(|l| *l <= code.implied_level())
                .map(|l| code.prefix(l).to_string()),
        );
        for p in prefixes {
            match rows.iter_mut().find(|(q, _)| *q == p) {
                Some((_, v)) => *v |= via,
                None => rows.push((p, via)),
            }
        }
    };
    add(place, VIA_HANDLED);
    add(decide, VIA_HANDLED);
    add(applicant, VIA_FILED);
    rows.sort();
    rows
}

/// One ordered stream to read: a prefix, a state and the `via` bits a row must have one of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    pub prefix: String,
    pub state: CaseState,
    pub via: i64,
}

/// The streams a scoped filter reads, or `None` when the filter has no scope (lists by applicant or
/// agent account, or by state alone, which their own indexes serve).
pub fn streams(filter: &CaseFilter) -> Option<Vec<Stream>> {
    let (scope, via) = match (&filter.place_scope, &filter.applicant_scope) {
        (Some(s), _) if filter.with_filed_from => (s, VIA_HANDLED | VIA_FILED),
        (Some(s), _) => (s, VIA_HANDLED),
        (None, Some(s)) => (s, VIA_FILED),
        (None, None) => return None,
    };
    let prefixes: Vec<String> = match scope {
        Scope::All => vec![String::new()],
        Scope::Within(roots) => {
            let mut p: Vec<String> = roots
                .iter()
                .map(|(r, l)| r.prefix(*l).to_string())
                .collect();
            p.sort();
            p.dedup();
            p
        }
    };
    let states: Vec<CaseState> = if filter.states.is_empty() {
        CaseState::ALL.to_vec()
    } else {
        let mut s = filter.states.clone();
        s.sort_by_key(|x| x.as_str());
        s.dedup();
        s
    };
    Some(
        prefixes
            .iter()
            .flat_map(|p| {
                states.iter().map(move |s| Stream {
                    prefix: p.clone(),
                    state: *s,
                    via,
                })
            })
            .collect(),
    )
}

struct Cursor {
    buf: VecDeque<CaseSummary>,
    last: ListKey,
    exhausted: bool,
    batch: u32,
}

/// A read the merge needs before it can go on: up to `limit` rows of stream `index` after `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Want {
    pub index: usize,
    pub after: ListKey,
    pub limit: u32,
}

/// A k-way merge of ordered streams that asks for rows lazily: `wants` says which streams must be
/// read (each backend reads them its own way, PostgreSQL all in one round), `feed` hands the rows
/// over, and the merge emits a row only once every stream that could hold a smaller one has shown
/// its next row. Rows of one case met in two streams (two scope roots) are emitted once.
pub struct Merge {
    cursors: Vec<Cursor>,
    out: Vec<CaseSummary>,
    limit: usize,
    max_batch: u32,
}

impl Merge {
    pub fn new(streams: usize, after: Option<ListKey>, limit: Option<u32>) -> Merge {
        let limit = limit.map_or(usize::MAX, |l| l as usize);
        let max_batch = limit.clamp(1, 2_000) as u32;
        // Enough per stream that an even spread fills the page in one round.
        let first = (limit.min(2_000) / streams.max(1) + 2).min(max_batch as usize) as u32;
        let after = after.unwrap_or_else(sort_first);
        Merge {
            cursors: (0..streams)
                .map(|_| Cursor {
                    buf: VecDeque::new(),
                    last: after.clone(),
                    exhausted: false,
                    batch: first.max(1),
                })
                .collect(),
            out: vec![],
            limit,
            max_batch,
        }
    }

    /// Emits rows as far as the buffered ones allow, then lists the reads needed to go further;
    /// an empty list means the page is complete.
    pub fn wants(&mut self) -> Vec<Want> {
        loop {
            if self.out.len() >= self.limit {
                return vec![];
            }
            let dry: Vec<Want> = self
                .cursors
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.exhausted && c.buf.is_empty())
                .map(|(i, c)| Want {
                    index: i,
                    after: c.last.clone(),
                    limit: c.batch,
                })
                .collect();
            if !dry.is_empty() {
                return dry;
            }
            let Some(i) = self
                .cursors
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.buf.front().map(|r| (ListKey::of(r), i)))
                .min()
                .map(|(_, i)| i)
            else {
                return vec![];
            };
            let Some(row) = self.cursors[i].buf.pop_front() else {
                return vec![];
            };
            if self.out.last().is_none_or(|l| l.number != row.number) {
                self.out.push(row);
            }
        }
    }

    /// The rows read for a `Want`, in stream order.
    pub fn feed(&mut self, want: &Want, rows: Vec<CaseSummary>) {
        let c = &mut self.cursors[want.index];
        c.exhausted = rows.len() < want.limit as usize;
        if let Some(r) = rows.last() {
            c.last = ListKey::of(r);
        }
        c.buf.extend(rows);
        c.batch = (c.batch.saturating_mul(2)).min(self.max_batch);
    }

    pub fn finish(self) -> Vec<CaseSummary> {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn rows_cover_every_prefix_once_with_how() {
        let rows = scope_rows(
            &code("330102001000"),
            &code("330102000000"),
            &code("330102001003"),
        );
        assert_eq!(
            rows,
            vec![
                (String::new(), 3),
                ("3301".into(), 3),
                ("330102".into(), 3),
                ("330102001".into(), 3),
                ("330102001003".into(), 2),
            ]
        );
        // Filed from another county: that county's prefixes are reached only as the applicant's.
        let rows = scope_rows(
            &code("330102000000"),
            &code("330102000000"),
            &code("330103002001"),
        );
        assert!(rows.contains(&("330103".into(), VIA_FILED)));
        assert!(rows.contains(&("330102".into(), VIA_HANDLED)));
        assert!(
            !rows.iter().any(|(p, _)| p == "330102000"),
            "no prefix below a county code's own level"
        );
    }

    #[test]
    fn keys_round_trip_and_reject_junk() {
        let k = ListKey {
            due: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            number: "33010220261201000001".into(),
        };
        assert_eq!(ListKey::decode(&k.encode()), Some(k));
        let undated = ListKey {
            due: sort_last(),
            number: "X1".into(),
        };
        assert_eq!(undated.encode(), "-.X1");
        assert_eq!(ListKey::decode("-.X1"), Some(undated));
        for bad in ["", "2026-12-01", "2026-13-01.X", "-.", "-.a b", "x.1"] {
            assert_eq!(ListKey::decode(bad), None, "{bad}");
        }
    }

    fn summary(number: String, due: Option<NaiveDate>) -> CaseSummary {
        let r = code("330102000000");
        let t = Utc.timestamp_opt(0, 0).unwrap();
        CaseSummary {
            number,
            item_code: String::new(),
            item_name: String::new(),
            department: String::new(),
            applicant_name: String::new(),
            state: CaseState::InReview,
            place: r.clone(),
            decide_place: r.clone(),
            applicant_region: r,
            applicant_user_id: None,
            agent_user_id: None,
            due,
            created_at: t,
            updated_at: t,
            version: 1,
        }
    }

    /// Drives a merge over in-memory streams the way a backend does.
    fn run(
        streams: &[Vec<CaseSummary>],
        after: Option<ListKey>,
        limit: Option<u32>,
    ) -> (Vec<CaseSummary>, usize) {
        let mut m = Merge::new(streams.len(), after, limit);
        let mut read = 0;
        loop {
            let wants = m.wants();
            if wants.is_empty() {
                break;
            }
            for w in wants {
                let rows: Vec<CaseSummary> = streams[w.index]
                    .iter()
                    .filter(|r| ListKey::of(r) > w.after)
                    .take(w.limit as usize)
                    .cloned()
                    .collect();
                read += rows.len();
                m.feed(&w, rows);
            }
        }
        (m.finish(), read)
    }

    proptest! {
        /// The merge equals sorting everything, deduplicated, from `after`, cut at `limit`; and it
        /// never reads much more than the page.
        #[test]
        fn merge_equals_sorting_everything(
            raw in prop::collection::vec(
                prop::collection::vec((prop::option::of(0u32..40), 0u32..300), 0..60), 1..8),
            after_at in prop::option::of((prop::option::of(0u32..40), 0u32..300)),
            limit in prop::option::of(1u32..50),
        ) {
            let day = |d: Option<u32>| d.map(|d| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(i64::from(d)));
            // A case (number) has one due date wherever it appears, as in the store.
            let due_of = |n: u32| if n.is_multiple_of(7) { None } else { day(Some(n % 40)) };
            let streams: Vec<Vec<CaseSummary>> = raw
                .iter()
                .map(|s| {
                    let mut v: Vec<CaseSummary> = s
                        .iter()
                        .map(|(_, n)| summary(format!("N{n:04}"), due_of(*n)))
                        .collect();
                    v.sort_by_key(ListKey::of);
                    v.dedup_by(|a, b| a.number == b.number);
                    v
                })
                .collect();
            let after = after_at.map(|(_, n)| ListKey::of(&summary(format!("N{n:04}"), due_of(n))));
            let mut expected: Vec<CaseSummary> = streams.iter().flatten().cloned().collect();
            expected.sort_by_key(ListKey::of);
            expected.dedup_by(|a, b| a.number == b.number);
            expected.retain(|r| after.as_ref().is_none_or(|a| ListKey::of(r) > *a));
            if let Some(l) = limit {
                expected.truncate(l as usize);
            }
            let (got, read) = run(&streams, after, limit);
            prop_assert_eq!(&got, &expected);
            if let Some(l) = limit {
                // Each stream reads at most its first batch plus doublings up to what it gave.
                prop_assert!(read <= streams.len() * (l as usize + 2) * 2 + 2 * l as usize, "read {}", read);
            }
        }
    }
}

/// A `LIKE` pattern (with `ESCAPE '\\'`) matching text that contains `text` literally.
pub fn contains_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod pattern_tests {
    #[test]
    fn wildcards_are_taken_literally() {
        assert_eq!(super::contains_pattern("张_%\\"), "%张\\_\\%\\\\%");
    }
}
