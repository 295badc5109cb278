//! Regions, service places and departments over the API: transport for `app::regions`.

use super::model::{DepartmentView, RegionView};
use super::{ApiJson, ApiPath};
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::state::AppState;
use app::regions::{self, NewDepartment, NewRegion};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::region::ServicePlace;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_regions, create_region))
        .routes(routes!(get_region))
        .routes(routes!(list_places))
        .routes(routes!(get_place, put_place))
        .routes(routes!(list_departments, create_department))
}

/// 管辖范围内的区划
#[utoipa::path(get, path = "/regions", tag = "区划与场所", operation_id = "list_regions",
    security(("session" = [])),
    responses((status = 200, description = "区划列表", body = Vec<RegionView>)))]
async fn list_regions(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Vec<RegionView>>> {
    let rows = regions::list(&state, &u).await?;
    Ok(Json(rows.into_iter().map(RegionView::from).collect()))
}

/// 区划详情
#[utoipa::path(get, path = "/regions/{code}", tag = "区划与场所", operation_id = "get_region",
    params(("code" = String, Path, description = "12 位行政区划代码")),
    security(("session" = [])),
    responses((status = 200, description = "区划", body = RegionView)))]
async fn get_region(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(c): ApiPath<String>,
) -> ApiResult<Json<RegionView>> {
    Ok(Json(regions::get(&state, &u, &c).await?.into()))
}

/// 新增区划(系统管理员)
#[utoipa::path(post, path = "/regions", tag = "区划与场所", operation_id = "create_region",
    request_body = NewRegion,
    security(("session" = [], "csrf" = [])),
    responses((status = 201, description = "已新增", body = RegionView)))]
async fn create_region(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewRegion>,
) -> ApiResult<(StatusCode, Json<RegionView>)> {
    Ok((
        StatusCode::CREATED,
        Json(regions::create(&state, &u, &b).await?.into()),
    ))
}

/// 管辖范围内的服务场所
#[utoipa::path(get, path = "/places", tag = "区划与场所", operation_id = "list_places",
    security(("session" = [])),
    responses((status = 200, description = "服务场所列表", body = Vec<ServicePlace>)))]
async fn list_places(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Vec<ServicePlace>>> {
    Ok(Json(regions::list_places(&state, &u).await?))
}

/// 某区划的服务场所
#[utoipa::path(get, path = "/places/{code}", tag = "区划与场所", operation_id = "get_place",
    params(("code" = String, Path, description = "场所所在区划的代码")),
    security(("session" = [])),
    responses((status = 200, description = "服务场所", body = ServicePlace)))]
async fn get_place(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(c): ApiPath<String>,
) -> ApiResult<Json<ServicePlace>> {
    Ok(Json(regions::get_place(&state, &u, &c).await?))
}

/// 保存服务场所(中心管理员)
#[utoipa::path(put, path = "/places/{code}", tag = "区划与场所", operation_id = "put_place",
    params(("code" = String, Path, description = "场所所在区划的代码")),
    request_body = ServicePlace,
    security(("session" = [], "csrf" = [])),
    responses((status = 200, description = "已保存", body = ServicePlace)))]
async fn put_place(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(c): ApiPath<String>,
    ApiJson(p): ApiJson<ServicePlace>,
) -> ApiResult<Json<ServicePlace>> {
    Ok(Json(regions::put_place(&state, &u, &c, p).await?))
}

/// 管辖范围内的部门
#[utoipa::path(get, path = "/departments", tag = "区划与场所", operation_id = "list_departments",
    security(("session" = [])),
    responses((status = 200, description = "部门列表", body = Vec<DepartmentView>)))]
async fn list_departments(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Vec<DepartmentView>>> {
    let rows = regions::list_departments(&state, &u).await?;
    Ok(Json(rows.into_iter().map(DepartmentView::from).collect()))
}

/// 新增部门
#[utoipa::path(post, path = "/departments", tag = "区划与场所", operation_id = "create_department",
    request_body = NewDepartment,
    security(("session" = [], "csrf" = [])),
    responses((status = 201, description = "已新增", body = DepartmentView)))]
async fn create_department(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewDepartment>,
) -> ApiResult<(StatusCode, Json<DepartmentView>)> {
    Ok((
        StatusCode::CREATED,
        Json(regions::create_department(&state, &u, &b).await?.into()),
    ))
}
