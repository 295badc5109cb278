//! Regions, service places and departments over the API: transport for `app::regions`.

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::state::AppState;
use app::regions::{self, NewDepartment, NewRegion};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use domain::region::{Department, Region, ServicePlace};

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

async fn list(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult<Json<Vec<Region>>> {
    Ok(Json(regions::list(&state, &u).await?))
}

async fn one(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(c): Path<String>,
) -> ApiResult<Json<Region>> {
    Ok(Json(regions::get(&state, &u, &c).await?))
}

async fn create(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewRegion>,
) -> ApiResult<(StatusCode, Json<Region>)> {
    Ok((
        StatusCode::CREATED,
        Json(regions::create(&state, &u, &b).await?),
    ))
}

async fn list_places(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Vec<ServicePlace>>> {
    Ok(Json(regions::list_places(&state, &u).await?))
}

async fn get_place(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(c): Path<String>,
) -> ApiResult<Json<ServicePlace>> {
    Ok(Json(regions::get_place(&state, &u, &c).await?))
}

async fn put_place(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(c): Path<String>,
    ApiJson(p): ApiJson<ServicePlace>,
) -> ApiResult<Json<ServicePlace>> {
    Ok(Json(regions::put_place(&state, &u, &c, p).await?))
}

async fn list_departments(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Vec<Department>>> {
    Ok(Json(regions::list_departments(&state, &u).await?))
}

async fn create_department(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewDepartment>,
) -> ApiResult<(StatusCode, Json<Department>)> {
    Ok((
        StatusCode::CREATED,
        Json(regions::create_department(&state, &u, &b).await?),
    ))
}
