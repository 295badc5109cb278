//! Lookups the pages and the use cases share: names of departments as seen from a region.

use crate::{Error, Services};
use domain::Scope;
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
