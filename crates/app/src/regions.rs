//! The network's shape as administrators keep it: regions (the division-code tree), the service
//! place of each region, and departments. Reads are limited to the caller's subtrees; a new region
//! is managing its parent's subtree.

use crate::access::Caller;
use crate::{Error, Result, Services};
use domain::access::Action;
use domain::region::{Department, Region, ServicePlace};
use domain::{RegionCode, Scope};
use serde::Deserialize;
use store::User;

fn code(s: &str) -> Result<RegionCode> {
    RegionCode::parse(s).map_err(Error::from)
}

pub async fn list(state: &Services, u: &User) -> Result<Vec<Region>> {
    Ok(state
        .store
        .list_regions(&u.scope(Action::ReadRegions))
        .await?)
}

pub async fn get(state: &Services, u: &User, c: &str) -> Result<Region> {
    let c = code(c)?;
    u.authorize(Action::ReadRegions, &c)?;
    state
        .store
        .get_region(&c)
        .await?
        .ok_or(Error::NotFound("区划"))
}

/// The regions page: every region the caller may read and their service places. Someone who may
/// read no region at all is refused (the API's lists answer them with nothing).
pub async fn network(state: &Services, u: &User) -> Result<(Vec<Region>, Vec<ServicePlace>)> {
    if u.scope(Action::ReadRegions) == Scope::Within(vec![]) {
        return Err(Error::Forbidden);
    }
    Ok((list(state, u).await?, list_places(state, u).await?))
}

/// A region with what its page shows: its service place, the regions below it, and the
/// departments of its subtree.
pub struct RegionDetail {
    pub region: Region,
    pub place: Option<ServicePlace>,
    pub children: Vec<Region>,
    pub departments: Vec<Department>,
}

pub async fn detail(state: &Services, u: &User, c: &str) -> Result<RegionDetail> {
    let region = get(state, u, c).await?;
    let place = state.store.get_place(&region.code).await?;
    let children = state.store.children(&region.code).await?;
    let departments = state
        .store
        .list_departments(&Scope::Within(vec![(region.code.clone(), region.level)]))
        .await?;
    Ok(RegionDetail {
        region,
        place,
        children,
        departments,
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewRegion {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
}

/// Adds a region under its parent (or a city at the top).
pub async fn create(state: &Services, u: &User, b: &NewRegion) -> Result<Region> {
    let c = code(&b.code)?;
    let parent =
        match &b.parent {
            Some(p) => {
                let p = code(p)?;
                Some(state.store.get_region(&p).await?.ok_or_else(|| {
                    Error::bad_field("parent_not_found", "parent", "上级区划不存在")
                })?)
            }
            None => None,
        };
    // Creating a region is managing its parent's subtree (a new city needs a city-level admin).
    u.authorize(
        Action::ManageRegions,
        parent.as_ref().map(|p| &p.code).unwrap_or(&c),
    )?;
    let level = match &parent {
        Some(p) => p
            .level
            .child()
            .ok_or_else(|| Error::bad_field("no_child_level", "parent", "村级区划没有下级"))?,
        None => domain::Level::City,
    };
    let r = Region {
        code: c,
        name: b.name.trim().to_string(),
        level,
        parent: parent.as_ref().map(|p| p.code.clone()),
    };
    r.validate(parent.as_ref())?;
    if state.store.get_region(&r.code).await?.is_some() {
        return Err(Error::Conflict {
            code: "region_exists",
            message: "该区划代码已存在".into(),
        });
    }
    state.store.put_region(&r).await?;
    Ok(r)
}

pub async fn list_places(state: &Services, u: &User) -> Result<Vec<ServicePlace>> {
    Ok(state
        .store
        .list_places(&u.scope(Action::ReadPlaces))
        .await?)
}

pub async fn get_place(state: &Services, u: &User, c: &str) -> Result<ServicePlace> {
    let c = code(c)?;
    u.authorize(Action::ReadPlaces, &c)?;
    state
        .store
        .get_place(&c)
        .await?
        .ok_or(Error::NotFound("服务场所"))
}

/// Saves the service place of region `c` (its code is the region's, whatever the input says).
pub async fn put_place(
    state: &Services,
    u: &User,
    c: &str,
    mut p: ServicePlace,
) -> Result<ServicePlace> {
    let c = code(c)?;
    u.authorize(Action::ManagePlaces, &c)?;
    let region = state
        .store
        .get_region(&c)
        .await?
        .ok_or(Error::NotFound("区划"))?;
    p.region_code = region.code;
    p.validate()?;
    state.store.put_place(&p).await?;
    Ok(p)
}

pub async fn list_departments(state: &Services, u: &User) -> Result<Vec<Department>> {
    Ok(state
        .store
        .list_departments(&u.scope(Action::ReadPlaces))
        .await?)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewDepartment {
    pub region_code: String,
    pub code: String,
    pub name: String,
}

pub async fn create_department(
    state: &Services,
    u: &User,
    b: &NewDepartment,
) -> Result<Department> {
    let c = code(&b.region_code)?;
    u.authorize(Action::ManagePlaces, &c)?;
    state
        .store
        .get_region(&c)
        .await?
        .ok_or(Error::NotFound("区划"))?;
    let mut e = domain::ValidationErrors::default();
    if b.name.trim().is_empty() {
        e.push("name", "required", "部门名称不能为空");
    }
    if b.code.trim().is_empty()
        || !b
            .code
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
    {
        e.push("code", "invalid_code", "部门代码只能包含字母、数字和下划线");
    }
    e.into_result(())?;
    let id = state
        .store
        .create_department(&c, b.code.trim(), b.name.trim())
        .await?;
    Ok(Department {
        id,
        region_code: c,
        code: b.code.trim().into(),
        name: b.name.trim().into(),
    })
}
