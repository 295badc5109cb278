//! Regions, service places and departments.

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiResult, AppError, AppResult};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use domain::access::Action;
use domain::region::{Department, Region, ServicePlace};
use domain::RegionCode;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/regions", get(list).post(create))
        .route("/regions/{code}", get(one))
        .route("/places", get(list_places))
        .route("/places/{code}", get(get_place).put(put_place))
        .route(
            "/departments",
            get(list_departments).post(create_department),
        )
}

fn code(s: &str) -> AppResult<RegionCode> {
    RegionCode::parse(s).map_err(AppError::from)
}

async fn list(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult<Json<Vec<Region>>> {
    Ok(Json(
        state
            .store
            .list_regions(&u.scope(Action::ReadRegions))
            .await?,
    ))
}

async fn one(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(c): Path<String>,
) -> ApiResult<Json<Region>> {
    let c = code(&c)?;
    u.authorize(Action::ReadRegions, &c)?;
    Ok(Json(
        state
            .store
            .get_region(&c)
            .await?
            .ok_or(AppError::NotFound("区划"))?,
    ))
}

#[derive(Deserialize)]
struct NewRegion {
    code: String,
    name: String,
    parent: Option<String>,
}

async fn create(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewRegion>,
) -> ApiResult<(axum::http::StatusCode, Json<Region>)> {
    let c = code(&b.code)?;
    let parent = match &b.parent {
        Some(p) => {
            let p = code(p)?;
            Some(state.store.get_region(&p).await?.ok_or_else(|| {
                AppError::bad_field("parent_not_found", "parent", "上级区划不存在")
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
            .ok_or_else(|| AppError::bad_field("no_child_level", "parent", "村级区划没有下级"))?,
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
        return Err((AppError::Conflict {
            code: "region_exists",
            message: "该区划代码已存在".into(),
        })
        .into());
    }
    state.store.put_region(&r).await?;
    Ok((axum::http::StatusCode::CREATED, Json(r)))
}

async fn list_places(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Vec<ServicePlace>>> {
    Ok(Json(
        state
            .store
            .list_places(&u.scope(Action::ReadPlaces))
            .await?,
    ))
}

async fn get_place(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(c): Path<String>,
) -> ApiResult<Json<ServicePlace>> {
    let c = code(&c)?;
    u.authorize(Action::ReadPlaces, &c)?;
    Ok(Json(
        state
            .store
            .get_place(&c)
            .await?
            .ok_or(AppError::NotFound("服务场所"))?,
    ))
}

async fn put_place(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(c): Path<String>,
    ApiJson(mut p): ApiJson<ServicePlace>,
) -> ApiResult<Json<ServicePlace>> {
    let c = code(&c)?;
    u.authorize(Action::ManagePlaces, &c)?;
    let region = state
        .store
        .get_region(&c)
        .await?
        .ok_or(AppError::NotFound("区划"))?;
    p.region_code = region.code;
    p.validate()?;
    state.store.put_place(&p).await?;
    Ok(Json(p))
}

async fn list_departments(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Vec<Department>>> {
    Ok(Json(
        state
            .store
            .list_departments(&u.scope(Action::ReadPlaces))
            .await?,
    ))
}

#[derive(Deserialize)]
struct NewDepartment {
    region_code: String,
    code: String,
    name: String,
}

async fn create_department(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewDepartment>,
) -> ApiResult<(axum::http::StatusCode, Json<Department>)> {
    let c = code(&b.region_code)?;
    u.authorize(Action::ManagePlaces, &c)?;
    state
        .store
        .get_region(&c)
        .await?
        .ok_or(AppError::NotFound("区划"))?;
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
    Ok((
        axum::http::StatusCode::CREATED,
        Json(Department {
            id,
            region_code: c,
            code: b.code.trim().into(),
            name: b.name.trim().into(),
        }),
    ))
}
