//! Demo data of yizhan: the fictional 青川市 (3 counties, 12 townships, 60 villages), its
//! departments and service places, about forty published catalog items, an account for every role
//! at every level, and the official holiday schedule. Everything is written through the
//! [`store::Store`] traits, so it works the same on every backend.

mod catalog;
mod regions;
mod users;

pub use catalog::{
    catalog, ITEM_CONSTRUCTION_PERMIT, ITEM_DIBAO, ITEM_FOOD_LICENSE, ITEM_GETIHU, ITEM_ZHAIJIDI,
};
pub use regions::{departments, places, regions};
pub use users::{applicant_id_number, users};

use chrono::{DateTime, NaiveDate, Utc};
use domain::calendar::{parse_holiday_csv, CalendarDay};
use domain::{Region, RegionCode, Role};
use std::collections::HashMap;
use store::{Closure, Store, StoreError};

/// The one password of every demo account.
pub const DEMO_PASSWORD: &str = "yizhan2026";
/// Setting that marks the demo as loaded, so loading is done once.
pub const LOADED_SETTING: &str = "demo_loaded";

/// 青川市
pub const CITY: &str = "339900000000";
/// 云溪县, a rural county.
pub const COUNTY: &str = "339921000000";
/// 石桥镇 in 云溪县.
pub const TOWNSHIP_A: &str = "339921102000";
/// 龙潭镇, sibling of [`TOWNSHIP_A`] in 云溪县.
pub const TOWNSHIP_B: &str = "339921103000";
/// 桥头村 of [`TOWNSHIP_A`].
pub const VILLAGE_A: &str = "339921102201";
/// 潭头村 of [`TOWNSHIP_B`].
pub const VILLAGE_B: &str = "339921103201";
/// A second county (清江区), for cross-county checks.
pub const OTHER_COUNTY: &str = "339902000000";

pub const ADMIN: &str = "admin";
/// The city's 审计管理员, the one account that reads the audit log.
pub const AUDITOR: &str = "audit.city";
/// The city's 安全管理员: role changes and staff password resets (三员分立).
pub const SECURITY_ADMIN: &str = "sec.city";
pub const SUP_CITY: &str = "sup.city";
pub const MGR_CITY: &str = "mgr.city";
pub const SUP_COUNTY: &str = "sup.yunxi";
pub const MGR_COUNTY: &str = "mgr.yunxi";
/// 云溪县's head of government in charge (分管副县长): approves joint items' extensions.
pub const GOV_COUNTY: &str = "gov.yunxi";
/// General clerk of the 云溪县 center (综合受理窗口, no department).
pub const CLERK_COUNTY: &str = "clerk.yunxi";
/// Clerk of the 云溪县 市场监管窗口 (department scjg).
pub const CLERK_COUNTY_SCJG: &str = "clerk.yunxi.scjg";
/// Reviewer and head of 云溪县民政局, who decide 低保 forwarded by townships.
pub const REVIEWER_COUNTY_MZ: &str = "rev.yunxi.mz";
pub const HEAD_COUNTY_MZ: &str = "head.yunxi.mz";
pub const SUP_TOWNSHIP_A: &str = "sup.shiqiao";
pub const MGR_TOWNSHIP_A: &str = "mgr.shiqiao";
pub const CLERK_TOWNSHIP_A: &str = "clerk.shiqiao";
pub const REVIEWER_TOWNSHIP_A: &str = "rev.shiqiao";
pub const HEAD_TOWNSHIP_A: &str = "head.shiqiao";
pub const SUP_TOWNSHIP_B: &str = "sup.longtan";
pub const MGR_TOWNSHIP_B: &str = "mgr.longtan";
pub const CLERK_TOWNSHIP_B: &str = "clerk.longtan";
/// Village agent of [`VILLAGE_A`].
pub const AGENT_VILLAGE_A: &str = "agent.qiaotou";
/// Village agent of [`VILLAGE_B`].
pub const AGENT_VILLAGE_B: &str = "agent.tantou";
pub const CITIZEN: &str = "citizen1";
pub const ENTERPRISE: &str = "enterprise1";
/// An applicant living in [`VILLAGE_A`].
pub const VILLAGER: &str = "villager1";

/// The local closure loaded with the demo: [`TOWNSHIP_A`]'s center closes for flood control.
pub const CLOSURE_REGION: &str = TOWNSHIP_A;
pub const CLOSURE_DATE: &str = "2026-07-15";

/// The official schedule shipped with the platform.
const HOLIDAY_CSV: &str = include_str!("../../../data/cn-holidays.csv");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub username: String,
    pub role: Role,
    pub region_name: String,
    pub display_name: String,
}

/// Accounts worth printing after loading: one per role at each level.
const FEATURED: &[&str] = &[
    ADMIN,
    SECURITY_ADMIN,
    AUDITOR,
    SUP_CITY,
    SUP_COUNTY,
    SUP_TOWNSHIP_A,
    MGR_CITY,
    MGR_COUNTY,
    MGR_TOWNSHIP_A,
    "clerk.city",
    CLERK_COUNTY_SCJG,
    CLERK_TOWNSHIP_A,
    "rev.city.scjg",
    REVIEWER_COUNTY_MZ,
    REVIEWER_TOWNSHIP_A,
    "head.city.scjg",
    HEAD_COUNTY_MZ,
    HEAD_TOWNSHIP_A,
    GOV_COUNTY,
    AGENT_VILLAGE_A,
    CITIZEN,
    ENTERPRISE,
    VILLAGER,
];

/// The accounts to print after loading (a short list: one per role at each level, not all of them).
pub fn featured_logins() -> Vec<DemoLogin> {
    let all = users::accounts();
    FEATURED
        .iter()
        .filter_map(|u| all.iter().find(|a| a.username == *u))
        .map(|a| DemoLogin {
            username: a.username.clone(),
            role: a.role,
            region_name: a.home_name.clone(),
            display_name: a.display_name.clone(),
        })
        .collect()
}

/// The holiday schedule of `data/cn-holidays.csv`.
pub fn holidays() -> Result<Vec<CalendarDay>, domain::ValidationErrors> {
    parse_holiday_csv(HOLIDAY_CSV)
}

/// The local closure loaded with the demo.
pub fn closures() -> Vec<Closure> {
    vec![Closure {
        region_code: RegionCode::parse(CLOSURE_REGION).expect("constant code"),
        date: NaiveDate::parse_from_str(CLOSURE_DATE, "%Y-%m-%d").expect("constant date"),
        reason: "防汛应急响应,石桥镇便民服务中心暂停对外办公(村代办员照常受理)".into(),
    }]
}

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(1, 0, 0))
        .expect("constant timestamp")
        .and_utc()
}

/// Loads the demo once: does nothing and returns Ok(false) if the setting "demo_loaded" is set.
pub async fn load(store: &dyn Store, password_hash: &str) -> Result<bool, StoreError> {
    if store.get_setting(LOADED_SETTING).await?.is_some() {
        return Ok(false);
    }
    // The demo city's portal (`app::portal`, setting `portal`): its name and footer. The filing
    // numbers are made up and say so.
    store
        .set_setting(
            "portal",
            r#"{"city":"青川市","host_unit":"青川市人民政府办公室(演示)","icp":"演示ICP备00000000号","site_code":"3399000001","hotline":"12345"}"#,
        )
        .await?;
    let regions = regions();
    let by_code: HashMap<&RegionCode, &Region> = regions.iter().map(|r| (&r.code, r)).collect();
    for r in &regions {
        r.validate(r.parent.as_ref().and_then(|p| by_code.get(p).copied()))?;
        store.put_region(r).await?;
    }

    let mut dept_ids: HashMap<(RegionCode, String), i64> = HashMap::new();
    for d in departments() {
        let id = store
            .create_department(&d.region_code, &d.code, &d.name)
            .await?;
        dept_ids.insert((d.region_code, d.code), id);
    }
    let lookup = |r: &RegionCode, c: &str| dept_ids.get(&(r.clone(), c.to_string())).copied();

    // Built before the loop: a `&dyn Fn` held across an await would make this future !Send.
    let places = places(&lookup);
    for p in places {
        p.validate()?;
        store.put_place(&p).await?;
    }

    // Older versions were published in 2025 and replaced at the start of 2026; publishing in
    // version order lets the store mark the older ones superseded itself.
    for item in catalog() {
        let draft = domain::CatalogItem {
            status: domain::catalog::ItemStatus::Draft,
            ..item.clone()
        };
        store.save_draft(&draft).await?;
        if item.status != domain::catalog::ItemStatus::Draft {
            let when = if item.version == 1 {
                at(2025, 3, 3)
            } else {
                at(2026, 1, 5)
            };
            store.publish(&item.code, item.version, when).await?;
        }
    }

    let users = users(password_hash, &lookup);
    for u in users {
        store.create_user(&u).await?;
    }

    store.replace_calendar_years(&holidays()?).await?;
    for c in closures() {
        store.add_closure(&c).await?;
    }

    store
        .set_setting(LOADED_SETTING, &Utc::now().to_rfc3339())
        .await?;
    Ok(true)
}

#[cfg(test)]
mod tests;
