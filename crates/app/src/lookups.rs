//! Lookups: a case as the public sees it by its query code, and names of departments as seen from
//! a region.

use crate::{Error, Result, Services};
use domain::case::CaseState;
use domain::{CaseNumber, Scope};
use serde::Serialize;
use std::collections::HashMap;

/// Department code → name, preferring the department of the item's own region.
pub async fn department_names(state: &Services) -> Result<HashMap<String, String>, Error> {
    let mut out = HashMap::new();
    let mut depts = state.store.list_departments(&Scope::All).await?;
    // Shorter (higher-level) region codes first so county names replace city names only when present.
    depts.sort_by(|a, b| a.region_code.cmp(&b.region_code));
    for d in depts {
        out.entry(d.code.clone()).or_insert(d.name.clone());
    }
    Ok(out)
}

/// Department code → name as seen from `region`: the department of that code in the region itself
/// or its nearest ancestor (a county case is handled by the county's bureau, not the city's).
pub async fn department_names_for(
    state: &Services,
    region: &domain::RegionCode,
) -> Result<HashMap<String, String>, Error> {
    let depts = state.store.list_departments(&Scope::All).await?;
    let mut best: HashMap<String, (usize, String)> = HashMap::new();
    for d in depts {
        let level = d.region_code.implied_level();
        if !d.region_code.contains(level, region) {
            continue;
        }
        let depth = level.prefix_len();
        let e = best.entry(d.code.clone()).or_insert((0, d.name.clone()));
        if depth >= e.0 {
            *e = (depth, d.name.clone());
        }
    }
    let mut out = department_names(state).await?;
    out.extend(best.into_iter().map(|(k, (_, v))| (k, v)));
    Ok(out)
}

/// The name of a region's service place, or the region's code when it has none (or it cannot be
/// read: a name is a label, never a reason to fail the page that shows it).
pub async fn place_name(state: &Services, code: &domain::RegionCode) -> String {
    match state.store.get_place(code).await {
        Ok(Some(p)) => p.name,
        _ => code.to_string(),
    }
}

/// What the public sees of a case: no personal data.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicCase {
    pub number: String,
    pub item_name: String,
    pub state: CaseState,
    pub state_label: &'static str,
    pub applicant: String,
    pub due: Option<chrono::NaiveDate>,
    pub next_step: String,
    pub timeline: Vec<(chrono::DateTime<chrono::Utc>, String)>,
}

/// The one answer to a number and query code that do not belong together, whichever is wrong: a
/// lookup tells nothing about which numbers exist.
pub fn lookup_failed() -> Error {
    Error::NoMatch {
        code: "lookup_failed",
        message: "办件编号或查询码不正确".into(),
    }
}

pub async fn public_view(state: &Services, number: &CaseNumber, code: &str) -> Result<PublicCase> {
    let c = crate::feedback::case_by_code(state, number, code).await?;
    let events = state.store.case_events(&c.filing.number).await?;
    let wording = c.filing.item.wording();
    Ok(PublicCase {
        number: c.filing.number.clone(),
        item_name: c.filing.item.name.clone(),
        state: c.state,
        state_label: c.state.label(),
        applicant: domain::identity::mask_name(&c.filing.applicant.name),
        due: c.current_deadline(),
        next_step: domain::notices::next_step_for_applicant(&c),
        timeline: events
            .iter()
            .filter(|e| {
                !matches!(
                    e.kind,
                    domain::case::EventKind::MaterialUploaded { .. }
                        | domain::case::EventKind::DraftUpdated { .. }
                        | domain::case::EventKind::MaterialMarked { .. }
                )
            })
            .map(|e| (e.at, e.kind.label(&wording)))
            .collect(),
    })
}
