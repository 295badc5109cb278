//! Electronic supervision services (电子监察, §10): keeping each case's deadline rows and warnings
//! current, the warning scan (leased, so one process runs it at a time, and each warning is raised
//! exactly once), dashboards, orders and evaluation. Rules come from `domain::supervision`.

use crate::error::{Error, Result};
use crate::services::Services;
use chrono::{Duration, NaiveDate};
use domain::case::{Case, CaseState};
use domain::supervision::{self as sv, WarningRule, Weights};
use domain::Scope;
use serde::Serialize;
use std::collections::HashMap;
use store::{CaseFilter, CountBy, OutcomeKey, WarningRecord};

pub use crate::services::RULES_SETTING;
pub const WEIGHTS_SETTING: &str = "evaluation_weights";

pub async fn rules(state: &Services) -> Result<Vec<WarningRule>> {
    if let Some(r) = state.caches.rules.read().expect("cache lock").clone() {
        return Ok(r);
    }
    let read_at = state.caches.generation();
    let r: Vec<WarningRule> = match state.store.get_setting(RULES_SETTING).await? {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| Error::Internal(format!("warning rules: {e}")))?,
        None => vec![WarningRule::default()],
    };
    state.caches.keep_if_current(read_at, || {
        *state.caches.rules.write().expect("cache lock") = Some(r.clone());
    });
    Ok(r)
}

/// The supervision change a command makes, for [`store::CaseStore::commit_transition`]: `None`
/// when the case's deadline rows and today's warnings are what they were. Most commands (a
/// material checked, a fee recorded) change neither, and then nothing supervision-side is written.
pub async fn change_if_changed(
    state: &Services,
    before: Option<&Case>,
    after: &Case,
    rules: &[WarningRule],
) -> Result<Option<store::SupervisionChange>> {
    if let Some(b) = before {
        // Rows carry the case's places, so a transfer rewrites them even with equal dates.
        let same_place = b.filing.place == after.filing.place
            && b.filing.decide_place == after.filing.decide_place;
        if same_place && sv::same_deadline_inputs(b, after) {
            return Ok(None);
        }
    }
    Ok(Some(current_supervision(state, after, rules).await?))
}

/// A case's deadline rows and the warnings open on it today, as records to store.
async fn current_supervision(
    state: &Services,
    case: &Case,
    rules: &[WarningRule],
) -> Result<store::SupervisionChange> {
    let cal = state.calendar_for(&case.filing.place).await?;
    let now = state.clock.now();
    Ok(store::SupervisionChange {
        rows: sv::deadline_rows(case, rules, &cal),
        open: sv::warnings(case, rules, state.clock.today(), &cal)
            .iter()
            .map(|w| record(case, w, now))
            .collect(),
        at: now,
    })
}

pub async fn weights(state: &Services) -> Result<Weights> {
    Ok(match state.store.get_setting(WEIGHTS_SETTING).await? {
        Some(json) => {
            serde_json::from_str(&json).map_err(|e| Error::Internal(format!("weights: {e}")))?
        }
        None => Weights::default(),
    })
}

fn record(case: &Case, w: &sv::Warning, at: chrono::DateTime<chrono::Utc>) -> WarningRecord {
    WarningRecord {
        id: 0,
        case_number: case.filing.number.clone(),
        key: w.kind.key(),
        colour: w.colour.as_str().to_string(),
        label: w.kind.label(),
        place: case.filing.place.clone(),
        decide_place: case.filing.decide_place.clone(),
        department: case.filing.item.department.clone(),
        due: w.due,
        raised_at: at,
        cleared_at: None,
    }
}

/// What a supervisor sees on a case page: its open warnings and the violations found in its log.
/// `None` for anyone who supervises neither its accepting nor its deciding place.
pub async fn case_oversight(
    state: &Services,
    u: &store::User,
    log: &crate::cases::CaseLog,
) -> Result<Option<(Vec<WarningRecord>, Vec<sv::Violation>)>> {
    use crate::access::Caller;
    let f = &log.case.filing;
    if u.authorize(domain::access::Action::Supervise, &f.place)
        .is_err()
        && u.authorize(domain::access::Action::Supervise, &f.decide_place)
            .is_err()
    {
        return Ok(None);
    }
    let cal = state.calendar_for(&f.place).await?;
    let violations = sv::violations(&log.case, &log.events, state.clock.today(), &cal);
    Ok(Some((
        state.store.case_warnings(&f.number).await?,
        violations,
    )))
}

/// Recomputes a case's deadline rows and warnings (every open case after the rules change).
/// Returns how many warnings this call raised.
pub async fn refresh_case(state: &Services, case: &Case, rules: &[WarningRule]) -> Result<usize> {
    let sv = current_supervision(state, case, rules).await?;
    let number = &case.filing.number;
    let keep: Vec<(String, String)> = sv
        .open
        .iter()
        .map(|w| (w.key.clone(), w.colour.clone()))
        .collect();
    // Independent writes (rows, clearing what no longer applies, raising what does) go to the
    // writer together so they share a commit; raising and clearing commute because `keep` is
    // exactly what is raised.
    let (replaced, cleared, raised) = tokio::join!(
        state.store.replace_deadline_rows(number, &sv.rows),
        state.store.clear_warnings_except(number, &keep, sv.at),
        futures_util::future::try_join_all(sv.open.iter().map(|r| state.store.raise_warning(r)))
    );
    replaced?;
    cleared?;
    let raised = raised?.into_iter().filter(|r| *r).count();
    if raised > 0 {
        state.notify_change();
    }
    Ok(raised)
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct ScanReport {
    /// False when another process holds the scan lease.
    pub ran: bool,
    /// The first day of the window read (None: the first scan, every row due by today).
    pub since: Option<NaiveDate>,
    pub today: Option<NaiveDate>,
    pub raised: u64,
    pub cleared: u64,
}

/// Days before today scanned one transaction each (older changes in one).
const SCAN_SLICED_DAYS: i64 = 62;

/// The setting holding the last day a scan covered, where the next window starts.
pub const SCAN_DAY_SETTING: &str = "warning_scan_day";

/// The warning scan: run at start-up, at the start of each working day and on demand. Warnings
/// are raised from deadline rows alone, in the database (`scan_warnings`): only the rows whose
/// colour changes on a day since the last scan are read (two index ranges), never every case.
pub async fn scan(state: &Services, holder: &str) -> Result<ScanReport> {
    let now = state.clock.now();
    // A short lease: a process killed mid-scan blocks others for two minutes at most.
    if !state
        .store
        .try_lease("warning_scan", holder, now, now + Duration::minutes(2))
        .await?
    {
        return Ok(ScanReport::default());
    }
    let today = state.clock.today();
    // The window starts at the last scanned day (read again: a case changed late that day is
    // covered twice, harmlessly); a clock set back, or no record, means a full scan.
    let since = state
        .store
        .get_setting(SCAN_DAY_SETTING)
        .await?
        .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
        .filter(|d| *d <= today);
    // One transaction per day of the window (everything older than the window of recent days in
    // one), renewing the lease between them: a first scan over a large network then never holds
    // the SQLite writer, or the warning rows, for more than a day's worth of changes at a time.
    let recent = today - Duration::days(SCAN_SLICED_DAYS);
    let mut slices: Vec<(Option<NaiveDate>, NaiveDate)> = vec![];
    let mut day = match since {
        Some(s) if s >= recent => s,
        _ => {
            slices.push((since, recent - Duration::days(1)));
            recent
        }
    };
    while day <= today {
        slices.push((Some(day), day));
        day += Duration::days(1);
    }
    let mut counts = store::ScanCounts::default();
    let mut renewed = std::time::Instant::now();
    for (from, until) in slices {
        let c = state.store.scan_warnings(from, until, today, now).await?;
        counts.raised += c.raised;
        counts.cleared += c.cleared;
        if renewed.elapsed() > std::time::Duration::from_secs(30) {
            renewed = std::time::Instant::now();
            let held = state
                .store
                .try_lease(
                    "warning_scan",
                    holder,
                    state.clock.now(),
                    state.clock.now() + Duration::minutes(2),
                )
                .await?;
            if !held {
                // This process stalled past its lease and another took over: that one scans the
                // rest (from the same recorded day), so the record is left alone here.
                if counts.raised + counts.cleared > 0 {
                    state.notify_change();
                }
                return Ok(ScanReport {
                    ran: true,
                    since,
                    today: Some(today),
                    raised: counts.raised,
                    cleared: counts.cleared,
                });
            }
        }
    }
    state
        .store
        .set_setting(SCAN_DAY_SETTING, &today.format("%Y-%m-%d").to_string())
        .await?;
    if counts.raised + counts.cleared > 0 {
        state.notify_change();
    }
    // Release early so the next scan (or another process) need not wait out the lease.
    state
        .store
        .try_lease("warning_scan", holder, now, now)
        .await?;
    Ok(ScanReport {
        ran: true,
        since,
        today: Some(today),
        raised: counts.raised,
        cleared: counts.cleared,
    })
}

/// Recomputes every open case (after the rules change).
pub async fn rebuild(state: &Services) -> Result<usize> {
    rebuild_in_pages(state, REBUILD_PAGE).await
}

/// The states whose cases `rebuild` recomputes: those with running deadlines.
pub const SUPERVISED_STATES: [CaseState; 5] = [
    CaseState::Submitted,
    CaseState::InReview,
    CaseState::Suspended,
    CaseState::Decided,
    CaseState::CorrectionRequested,
];

/// Open cases read per page by `rebuild`, and refreshed concurrently so their writes share commits.
const REBUILD_PAGE: u32 = 1_000;
const REBUILD_IN_FLIGHT: usize = 32;

/// `rebuild`, reading the open cases `page` at a time in list order (index ranges of
/// `case_scopes`, keyset-paged): memory stays that of one page however many cases are open.
/// A refresh changes deadline rows and warnings only, never a case's list position.
pub async fn rebuild_in_pages(state: &Services, page: u32) -> Result<usize> {
    use futures_util::TryStreamExt;
    let rules = rules(state).await?;
    let mut after = None;
    let mut n = 0;
    loop {
        let open = state
            .store
            .list_cases(&CaseFilter {
                place_scope: Some(Scope::All),
                states: SUPERVISED_STATES.to_vec(),
                limit: Some(page.max(1)),
                after,
                ..Default::default()
            })
            .await?;
        let rules = &rules;
        futures_util::stream::iter(open.iter().map(Ok::<_, Error>))
            .try_for_each_concurrent(REBUILD_IN_FLIGHT, |s| async move {
                if let Some(c) = state.store.get_case(&s.number).await? {
                    refresh_case(state, &c, rules).await?;
                }
                Ok(())
            })
            .await?;
        n += open.len();
        if open.len() < page.max(1) as usize {
            return Ok(n);
        }
        after = open.last().map(store::listing::ListKey::of);
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub by_state: Vec<(String, String, i64)>,
    pub by_level: Vec<(String, i64)>,
    pub by_place: Vec<(String, String, i64)>,
    pub by_department: Vec<(String, String, i64)>,
    pub red: i64,
    pub yellow: i64,
    pub warnings: Vec<WarningRecord>,
    /// Who holds each warned case: "云溪县行政服务中心 · 云溪县市场监督管理局".
    pub holders: Vec<String>,
    pub open_orders: usize,
    /// Complaints past their accept or answer deadline (complaint warnings).
    pub overdue_complaints: Vec<(String, String, i64)>,
    pub overdue_orders: usize,
}

/// Live monitoring figures for a scope, from maintained counts and open warnings.
pub async fn dashboard(state: &Services, scope: &Scope) -> Result<Dashboard> {
    let by_state_raw = state.store.count_cases(scope, CountBy::State).await?;
    let by_place_raw = state.store.count_cases(scope, CountBy::Place).await?;
    let by_dept_raw = state.store.count_cases(scope, CountBy::Department).await?;
    let warnings = state.store.list_warnings(scope, true, 200).await?;
    // Counted in the database: the list above is only the first 200.
    let (red, yellow) = state.store.count_warnings(scope).await?;
    let places = state.store.list_places(scope).await?;
    // Department names as seen from the supervisor's own region (the county's bureaus for a county).
    let names = match scope {
        Scope::Within(roots) if roots.len() == 1 => {
            crate::lookups::department_names_for(state, &roots[0].0).await?
        }
        _ => crate::lookups::department_names(state).await?,
    };
    let mut by_level: Vec<(String, i64)> = domain::Level::ALL
        .iter()
        .map(|l| (l.label().to_string(), 0))
        .collect();
    for (code, n) in &by_place_raw {
        if let Ok(c) = domain::RegionCode::parse(code) {
            let i = c.implied_level() as usize - 1;
            by_level[i].1 += n;
        }
    }
    let place_name = |code: &str| {
        places
            .iter()
            .find(|p| p.region_code.as_str() == code)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let mut holders = Vec::with_capacity(warnings.len());
    let mut by_place: std::collections::HashMap<
        domain::RegionCode,
        std::collections::HashMap<String, String>,
    > = Default::default();
    for w in &warnings {
        if !by_place.contains_key(&w.decide_place) {
            let names = crate::lookups::department_names_for(state, &w.decide_place).await?;
            by_place.insert(w.decide_place.clone(), names);
        }
        let depts = &by_place[&w.decide_place];
        let place = places
            .iter()
            .find(|p| p.region_code == w.decide_place)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| w.decide_place.to_string());
        holders.push(format!(
            "{} · {}",
            place,
            depts
                .get(&w.department)
                .cloned()
                .unwrap_or_else(|| w.department.clone())
        ));
    }
    let orders = state.store.list_orders(scope).await?;
    let complaints = state.store.list_complaints(scope, true).await?;
    let cal = state.calendar();
    let overdue_complaints =
        domain::feedback::overdue_complaints(&complaints, state.clock.today(), &cal)
            .into_iter()
            .map(|(c, d)| (c.code.clone(), c.unit.to_string(), d.days_late))
            .collect();
    let today = state.clock.today();
    Ok(Dashboard {
        by_state: by_state_raw
            .iter()
            .map(|(k, n)| {
                (
                    k.clone(),
                    CaseState::parse(k)
                        .map(|s| s.label().to_string())
                        .unwrap_or_else(|| k.clone()),
                    *n,
                )
            })
            .collect(),
        by_level,
        by_place: by_place_raw
            .iter()
            .map(|(k, n)| (k.clone(), place_name(k), *n))
            .collect(),
        by_department: by_dept_raw
            .iter()
            .map(|(k, n)| {
                (
                    k.clone(),
                    names.get(k).cloned().unwrap_or_else(|| k.clone()),
                    *n,
                )
            })
            .collect(),
        red,
        yellow,
        open_orders: orders
            .iter()
            .filter(|o| matches!(o.status, store::OrderStatus::Open))
            .count(),
        overdue_orders: orders
            .iter()
            .filter(|o| matches!(o.status, store::OrderStatus::Open) && o.reply_due < today)
            .count(),
        warnings,
        holders,
        overdue_complaints,
    })
}

/// The unit key an outcome is grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalBy {
    Department,
    Place,
    /// The window that accepted the case (its clerk at its place).
    Window,
    Staff,
}

impl EvalBy {
    pub fn parse(s: &str) -> EvalBy {
        match s {
            "place" => EvalBy::Place,
            "staff" => EvalBy::Staff,
            "window" => EvalBy::Window,
            _ => EvalBy::Department,
        }
    }
}

/// The evaluation figures of a completed case under `rules` and the calendar (None if the case
/// is not completed): written once, when it completes, and read by every evaluation after.
pub fn outcome_record(
    state: &Services,
    c: &domain::case::Case,
    events: &[domain::case::CaseEvent],
    rules: &[sv::WarningRule],
) -> Option<store::OutcomeRecord> {
    let o = sv::outcome_with(c, events, rules, &state.calendar())?;
    let actor = |pick: fn(&domain::case::EventKind) -> bool, last: bool| {
        let mut it = events.iter().filter(|e| pick(&e.kind));
        let e = if last { it.next_back() } else { it.next() };
        e.map_or_else(|| "未知".to_string(), |e| e.actor.name.clone())
    };
    Some(store::OutcomeRecord {
        case_number: c.filing.number.clone(),
        completed_on: c.completed_on?,
        place: c.filing.place.clone(),
        decide_place: c.filing.decide_place.clone(),
        department: c.filing.item.department.clone(),
        accepted_by: actor(
            |k| matches!(k, domain::case::EventKind::Accepted { .. }),
            false,
        ),
        decided_by: actor(
            |k| matches!(k, domain::case::EventKind::Decided { .. }),
            true,
        ),
        on_time: o.on_time,
        early: o.early,
        working_days: o.working_days,
        overdue: o.overdue,
        warnings: o.warnings,
        violations: o.violations,
    })
}

/// Gives every completed case stored before outcomes were kept its outcome, once: a setting
/// records that it ran, so later start-ups do not look again. Returns how many were written.
pub async fn backfill_outcomes(state: &Services) -> Result<usize> {
    const DONE: &str = "outcomes_backfilled";
    if state.store.get_setting(DONE).await?.is_some() {
        return Ok(0);
    }
    let rules = rules(state).await?;
    let mut n = 0;
    loop {
        let batch = state.store.completed_without_outcome(500).await?;
        if batch.is_empty() {
            break;
        }
        for number in batch {
            let Some(c) = state.store.get_case(&number).await? else {
                continue;
            };
            let events = state.store.case_events(&number).await?;
            let Some(o) = outcome_record(state, &c, &events, &rules) else {
                // Completed without a completion date: nothing to evaluate, and it must not be
                // offered again.
                return Err(Error::Internal(format!(
                    "completed case {number} has no completion date"
                )));
            };
            state.store.put_outcome(&o).await?;
            n += 1;
        }
    }
    state.store.set_setting(DONE, "1").await?;
    // Past months' public figures count completions from outcomes.
    state
        .caches
        .past_months
        .write()
        .expect("cache lock")
        .clear();
    Ok(n)
}

/// Evaluation over the cases completed in a period in a scope, from their outcomes (one row per
/// case, fixed at completion) and their ratings and complaints: three reads however long the
/// history.
pub async fn evaluation(
    state: &Services,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
    by: EvalBy,
) -> Result<(Vec<sv::Score>, Vec<(NaiveDate, f64)>)> {
    if from > to {
        return Err(Error::bad_field(
            "invalid_period",
            "from",
            "开始日期不能晚于结束日期",
        ));
    }
    let weights = weights(state).await?;
    let key = match by {
        EvalBy::Department => OutcomeKey::DecideDepartment,
        EvalBy::Place => OutcomeKey::Place,
        EvalBy::Window => OutcomeKey::Window,
        EvalBy::Staff => OutcomeKey::Staff,
    };
    // Totals come added up from the database (memory by unit, not by case); only the rated and
    // complained-about cases come one by one, to add their feedback to their unit.
    let groups = state.store.outcome_totals(scope, from, to, key).await?;
    let days = state
        .store
        .outcome_totals(scope, from, to, OutcomeKey::Day)
        .await?;
    let feedback = state.store.outcome_feedback(scope, from, to).await?;
    let mut labels = UnitLabels::new(state, by).await?;
    let mut units: std::collections::BTreeMap<String, sv::Totals> = Default::default();
    for g in &groups {
        let unit = labels.label(&g.region, &g.who).await?;
        units.entry(unit).or_default().add(&g.totals);
    }
    let mut ratings: HashMap<&str, (u32, u32)> = HashMap::new();
    for (n, level) in &feedback.ratings {
        let e = ratings.entry(n.as_str()).or_default();
        e.0 += level.score() as u32;
        e.1 += 1;
    }
    let complaints: HashMap<&str, u32> = feedback
        .complaints
        .iter()
        .map(|(n, k)| (n.as_str(), *k))
        .collect();
    for r in &feedback.cases {
        let (region, who) = match key {
            OutcomeKey::DecideDepartment => (r.decide_place.as_str(), r.department.as_str()),
            OutcomeKey::Place => (r.place.as_str(), ""),
            OutcomeKey::Window => (r.place.as_str(), r.accepted_by.as_str()),
            _ => ("", r.decided_by.as_str()),
        };
        let unit = labels.label(region, who).await?;
        // The case's own rating is the mean of its ratings (online, window, SMS), rounded.
        let rating = ratings
            .get(r.case_number.as_str())
            .map(|(sum, n)| u64::from(((*sum as f64 / *n as f64).round() as u8).clamp(1, 5)));
        let t = sv::Totals {
            rated: rating.is_some() as u32,
            satisfaction: rating.unwrap_or(0),
            complaints: complaints.get(r.case_number.as_str()).copied().unwrap_or(0),
            ..Default::default()
        };
        units.entry(unit).or_default().add(&t);
    }
    // Weekly on-time rate for the trend chart.
    let mut trend: std::collections::BTreeMap<NaiveDate, (u32, u32)> = Default::default();
    for d in &days {
        let Ok(day) = NaiveDate::parse_from_str(&d.region, "%Y-%m-%d") else {
            continue;
        };
        let e = trend
            .entry(day - Duration::days(day.weekday_index()))
            .or_default();
        e.0 += d.totals.cases;
        e.1 += d.totals.on_time;
    }
    let trend = trend
        .into_iter()
        .map(|(d, (n, ok))| (d, ok as f64 * 100.0 / n.max(1) as f64))
        .collect();
    Ok((sv::evaluate_totals(units, &weights), trend))
}

/// Names the evaluated units as the pages show them, loading each place's department names once.
struct UnitLabels<'a> {
    state: &'a Services,
    by: EvalBy,
    names: HashMap<String, String>,
    places: Vec<domain::region::ServicePlace>,
    local: HashMap<domain::RegionCode, HashMap<String, String>>,
}

impl<'a> UnitLabels<'a> {
    async fn new(state: &'a Services, by: EvalBy) -> Result<UnitLabels<'a>> {
        Ok(UnitLabels {
            state,
            by,
            names: crate::lookups::department_names(state).await?,
            places: state.store.list_places(&Scope::All).await?,
            local: HashMap::new(),
        })
    }

    fn place_name(&self, code: &str) -> String {
        self.places
            .iter()
            .find(|p| p.region_code.as_str() == code)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| code.to_string())
    }

    /// The unit of `region` and `who` as [`OutcomeKey`] for `self.by` names them.
    async fn label(&mut self, region: &str, who: &str) -> Result<String> {
        Ok(match self.by {
            EvalBy::Department => {
                // The department of that place: a county case is the county bureau's.
                let dept = match domain::RegionCode::parse(region) {
                    Ok(code) => {
                        if !self.local.contains_key(&code) {
                            let local =
                                crate::lookups::department_names_for(self.state, &code).await?;
                            self.local.insert(code.clone(), local);
                        }
                        self.local[&code].get(who).cloned()
                    }
                    Err(_) => None,
                }
                .or_else(|| self.names.get(who).cloned())
                .unwrap_or_else(|| who.to_string());
                let place = self
                    .places
                    .iter()
                    .find(|p| p.region_code.as_str() == region)
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                format!("{place} {dept}")
            }
            EvalBy::Place => self.place_name(region),
            EvalBy::Window => format!("{} 窗口({})", self.place_name(region), who),
            EvalBy::Staff => who.to_string(),
        })
    }
}

trait WeekdayIndex {
    fn weekday_index(&self) -> i64;
}
impl WeekdayIndex for NaiveDate {
    fn weekday_index(&self) -> i64 {
        use chrono::Datelike;
        self.weekday().num_days_from_monday() as i64
    }
}

/// An administrator replaces the warning rules; every open case's deadline rows are rebuilt under
/// them (within the rebuild's own paging) and live views are woken.
pub async fn save_rules(state: &Services, u: &store::User, rules: &[WarningRule]) -> Result<usize> {
    use crate::access::Caller;
    if !u.can_anywhere(domain::access::Action::ManageUsers) {
        return Err(Error::Forbidden);
    }
    for r in rules {
        r.validate()?;
    }
    let json = serde_json::to_string(rules).map_err(|e| Error::Internal(e.to_string()))?;
    state.store.set_setting(RULES_SETTING, &json).await?;
    crate::audit::by_user(
        state,
        u,
        domain::audit::AuditAction::SettingsChanged,
        format!("setting:{RULES_SETTING}"),
        format!("预警规则 {} 条", rules.len()),
    )
    .await?;
    state.refresh_caches().await?;
    let rebuilt = rebuild(state).await?;
    state.notify_change();
    Ok(rebuilt)
}

/// An administrator replaces the evaluation weights (checked: each in range, not all zero).
pub async fn save_weights(state: &Services, u: &store::User, w: &Weights) -> Result<()> {
    use crate::access::Caller;
    if !u.can_anywhere(domain::access::Action::ManageUsers) {
        return Err(Error::Forbidden);
    }
    w.validate()?;
    let json = serde_json::to_string(w).map_err(|e| Error::Internal(e.to_string()))?;
    state.store.set_setting(WEIGHTS_SETTING, &json).await?;
    crate::audit::by_user(
        state,
        u,
        domain::audit::AuditAction::SettingsChanged,
        format!("setting:{WEIGHTS_SETTING}"),
        json,
    )
    .await?;
    Ok(())
}

/// The violations a command's new events show, as rows for the subtree's list (纠错).
pub fn violation_rows(
    before: &Case,
    after: &Case,
    events: &[domain::case::CaseEvent],
    cal: &domain::calendar::WorkingCalendar,
) -> Vec<store::ViolationRecord> {
    let f = &before.filing;
    sv::violations_of_new_events(before, after, events, cal)
        .into_iter()
        .filter_map(|v| {
            let e = events.iter().find(|e| Some(e.seq) == v.seq)?;
            Some(store::ViolationRecord {
                case_number: f.number.to_string(),
                seq: e.seq,
                rule: v.rule.code().to_string(),
                found_on: domain::time::local_date(e.at),
                place: f.place.clone(),
                decide_place: f.decide_place.clone(),
                department: f.item.department.clone(),
                item_name: f.item.name.clone(),
                detail: v.detail,
            })
        })
        .collect()
}

/// What the violations list asks: a period, one rule or all, a unit (a region of the caller's
/// subtrees) or all of them.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ViolationFilter {
    #[serde(default)]
    pub from: Option<NaiveDate>,
    #[serde(default)]
    pub until: Option<NaiveDate>,
    #[serde(default)]
    pub rule: String,
    #[serde(default)]
    pub unit: String,
}

/// How many violations the list shows at most.
pub const VIOLATIONS_SHOWN: u32 = 500;

/// Violations across the caller's supervised subtrees (纠错 list), newest first; the period is
/// the last 30 days unless given.
pub async fn violations_list(
    state: &Services,
    u: &store::User,
    f: &ViolationFilter,
) -> Result<(NaiveDate, NaiveDate, Vec<store::ViolationRecord>)> {
    use crate::access::Caller;
    use domain::access::Action;
    if !u.can_anywhere(Action::Supervise) {
        return Err(Error::Forbidden);
    }
    let until = f.until.unwrap_or_else(|| state.clock.today());
    let from = f.from.unwrap_or(until - Duration::days(30));
    if from > until {
        return Err(Error::bad_field(
            "invalid_period",
            "from",
            "起始日期不能晚于截止日期",
        ));
    }
    let rule = match f.rule.trim() {
        "" => None,
        r => Some(
            sv::ViolationRule::parse(r)
                .ok_or_else(|| Error::bad_field("invalid_rule", "rule", "纠错规则无效"))?
                .code()
                .to_string(),
        ),
    };
    let scope = match f.unit.trim() {
        "" => u.scope(Action::Supervise),
        c => {
            let code = domain::RegionCode::parse(c)
                .map_err(|_| Error::bad_field("invalid_region_code", "unit", "区划代码无效"))?;
            u.authorize(Action::Supervise, &code)?;
            Scope::Within(vec![(code.clone(), code.implied_level())])
        }
    };
    let rows = state
        .store
        .list_violations(&store::ViolationQuery {
            scope,
            from,
            until,
            rule,
            limit: VIOLATIONS_SHOWN,
        })
        .await?;
    Ok((from, until, rows))
}

/// The list as an Excel workbook.
pub fn violations_xlsx(rows: &[store::ViolationRecord]) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let xl = |e: rust_xlsxwriter::XlsxError| Error::Internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet().set_name("纠错").map_err(xl)?;
    for (i, h) in [
        "发现日期",
        "规则",
        "严重程度",
        "办件",
        "事项",
        "受理地",
        "决定地",
        "部门",
        "情况",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, i as u16, *h, &bold)
            .map_err(xl)?;
    }
    for (i, v) in rows.iter().enumerate() {
        let r = 1 + i as u32;
        let rule = sv::ViolationRule::parse(&v.rule);
        ws.write_string(r, 0, v.found_on.to_string()).map_err(xl)?;
        ws.write_string(r, 1, rule.map_or(v.rule.as_str(), |x| x.label()))
            .map_err(xl)?;
        ws.write_string(r, 2, rule.map_or("", |x| x.severity().label()))
            .map_err(xl)?;
        ws.write_string(r, 3, &v.case_number).map_err(xl)?;
        ws.write_string(r, 4, &v.item_name).map_err(xl)?;
        ws.write_string(r, 5, v.place.as_str()).map_err(xl)?;
        ws.write_string(r, 6, v.decide_place.as_str()).map_err(xl)?;
        ws.write_string(r, 7, &v.department).map_err(xl)?;
        ws.write_string(r, 8, &v.detail).map_err(xl)?;
    }
    wb.save_to_buffer().map_err(xl)
}
