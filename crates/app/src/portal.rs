//! Whose portal this is (issue 19, finding 11): the city's name, the unit that runs the site
//! (主办单位), its ICP filing number (ICP备案号) and government-site code (网站标识码), and the
//! service hotline — what a Chinese government portal shows in its header and footer. A setting
//! the system administrator edits; every page reads it from memory (reloaded when any server
//! changes it, through the `setting:portal` cache version).

use crate::access::Caller;
use crate::{Error, Result, Services};
use domain::access::Action;
use domain::audit::{AuditAction, Outcome};
use domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::User;

pub const PORTAL_SETTING: &str = "portal";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Portal {
    /// The city (or county) whose network this is, e.g. 青川市; empty: the platform's own name.
    #[serde(default)]
    pub city: String,
    /// 主办单位, e.g. 青川市人民政府办公室.
    #[serde(default)]
    pub host_unit: String,
    /// ICP备案号.
    #[serde(default)]
    pub icp: String,
    /// 网站标识码 (政府网站, 10 characters).
    #[serde(default)]
    pub site_code: String,
    /// The service hotline; empty: 12345.
    #[serde(default)]
    pub hotline: String,
}

impl Portal {
    /// The site's name as headers and titles say it.
    pub fn site_name(&self) -> String {
        match self.city.trim() {
            "" => "一站 行政服务网络".to_string(),
            city => format!("{city}政务服务网"),
        }
    }

    pub fn hotline(&self) -> &str {
        match self.hotline.trim() {
            "" => "12345",
            h => h,
        }
    }

    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        for (field, value, max) in [
            ("city", &self.city, 20),
            ("host_unit", &self.host_unit, 60),
            ("icp", &self.icp, 40),
            ("site_code", &self.site_code, 20),
            ("hotline", &self.hotline, 20),
        ] {
            domain::limits::check(&mut e, field, value, max);
        }
        if !self.site_code.trim().is_empty()
            && !self
                .site_code
                .trim()
                .chars()
                .all(|c| c.is_ascii_alphanumeric())
        {
            e.push(
                "site_code",
                "invalid_site_code",
                "网站标识码只能包含字母和数字",
            );
        }
        if !self
            .hotline
            .trim()
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-')
        {
            e.push("hotline", "invalid_phone", "服务热线只能包含数字和“-”");
        }
        e.into_result(())
    }
}

/// The portal as every page shows it, from memory (read from the store the first time).
pub async fn current(state: &Services) -> Result<Arc<Portal>> {
    let kept = state.caches.portal.read().expect("cache lock").clone();
    match kept {
        Some(p) => Ok(p),
        None => reload(state).await,
    }
}

/// Reads the setting into memory (at start, and when another server changed it).
pub async fn reload(state: &Services) -> Result<Arc<Portal>> {
    let p: Portal = match state.store.get_setting(PORTAL_SETTING).await? {
        Some(json) => serde_json::from_str(&json).unwrap_or_default(),
        None => Portal::default(),
    };
    let p = Arc::new(p);
    *state.caches.portal.write().expect("cache lock") = Some(p.clone());
    Ok(p)
}

/// Saves the portal's settings (system administrators: the site is the system's).
pub async fn save(state: &Services, u: &User, p: &Portal) -> Result<Arc<Portal>> {
    if !u.can_anywhere(Action::ManageUsers) {
        return Err(Error::Forbidden);
    }
    let p = Portal {
        city: p.city.trim().to_string(),
        host_unit: p.host_unit.trim().to_string(),
        icp: p.icp.trim().to_string(),
        site_code: p.site_code.trim().to_string(),
        hotline: p.hotline.trim().to_string(),
    };
    p.validate()?;
    let json = serde_json::to_string(&p).expect("portal serializes");
    state.store.set_setting(PORTAL_SETTING, &json).await?;
    crate::audit::record(
        state,
        crate::audit::Actor::User(u),
        AuditAction::SettingsChanged,
        format!("setting:{PORTAL_SETTING}"),
        Outcome::Success,
        "门户信息".to_string(),
    )
    .await?;
    reload(state).await
}

/// How long the counts behind 热门服务 are kept before they are counted again.
const POPULAR_FOR: std::time::Duration = std::time::Duration::from_secs(600);

/// 热门服务: of the published `items`, those filed most, at most `n`. The counts are a
/// whole-table count, so they are kept for ten minutes.
pub async fn popular_items(
    state: &Services,
    items: &[domain::catalog::CatalogItem],
    n: usize,
) -> Result<Vec<domain::catalog::CatalogItem>> {
    let cached = state
        .caches
        .popular
        .lock()
        .expect("cache lock")
        .clone()
        .filter(|(at, _)| at.elapsed() < POPULAR_FOR);
    let counts = match cached {
        Some((_, counts)) => counts,
        None => {
            let counts = Arc::new(state.store.item_filing_counts(50).await?);
            *state.caches.popular.lock().expect("cache lock") =
                Some((std::time::Instant::now(), counts.clone()));
            counts
        }
    };
    Ok(counts
        .iter()
        .filter_map(|(code, _)| items.iter().find(|i| &i.code == code).cloned())
        .take(n)
        .collect())
}
