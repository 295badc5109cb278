//! The catalog: public reading, drafts, publishing, and spreadsheet import/export.

use super::{ApiJson, ApiQuery};
use crate::auth::{ApiUser, MaybeUser};
use crate::error::{ApiResult, AppError, AppResult};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use catalog_io::Format;
use domain::catalog::CatalogItem;
use serde::Deserialize;

use app::catalog;
pub use app::catalog::{
    import_bytes, import_with_format, items_for_export, load_managed, publish_checked,
    save_draft_checked, ImportFailure,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/catalog", get(list).post(save))
        .route("/catalog/export", get(export))
        .route(
            "/catalog/import",
            post(import).layer(DefaultBodyLimit::max(20 * 1024 * 1024)),
        )
        .route("/catalog/{code}", get(published))
        .route("/catalog/{code}/versions", get(versions))
        .route("/catalog/{code}/versions/{version}", get(version))
        .route("/catalog/{code}/versions/{version}/publish", post(publish))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    /// `published` (default, public) or `all` (drafts too, within the caller's catalog scope).
    #[serde(default)]
    status: String,
}

async fn list(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<CatalogItem>>> {
    Ok(Json(
        catalog::list(&state, u.as_deref(), q.status == "all").await?,
    ))
}

async fn published(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<CatalogItem>> {
    Ok(Json(catalog::published(&state, &code).await?))
}

async fn versions(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<CatalogItem>>> {
    Ok(Json(catalog::versions(&state, u.as_deref(), &code).await?))
}

async fn version(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Path((code, v)): Path<(String, u32)>,
) -> ApiResult<Json<CatalogItem>> {
    Ok(Json(
        catalog::version(&state, u.as_deref(), &code, v).await?,
    ))
}

async fn save(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(item): ApiJson<CatalogItem>,
) -> ApiResult<(StatusCode, Json<CatalogItem>)> {
    save_draft_checked(&state, &u, &item, false).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

async fn publish(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path((code, v)): Path<(String, u32)>,
) -> ApiResult<Json<CatalogItem>> {
    Ok(Json(publish_checked(&state, &u, &code, v).await?))
}

#[derive(Deserialize, Default)]
struct FormatQuery {
    #[serde(default)]
    format: String,
}

fn parse_format(s: &str, file_name: &str) -> AppResult<Format> {
    match s {
        "xlsx" => Ok(Format::Xlsx),
        "csv" => Ok(Format::Csv),
        "" => Format::from_path(std::path::Path::new(file_name)).ok_or_else(|| {
            AppError::bad_field("unknown_format", "format", "文件格式应为 .xlsx 或 .csv")
        }),
        _ => Err(AppError::bad_field(
            "unknown_format",
            "format",
            "文件格式应为 xlsx 或 csv",
        )),
    }
}

async fn export(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> ApiResult<Response> {
    let format = parse_format(
        if q.format.is_empty() {
            "xlsx"
        } else {
            &q.format
        },
        "",
    )?;
    let items = items_for_export(&state, u.as_deref()).await?;
    let bytes =
        catalog_io::export(&items, format).map_err(|e| AppError::Internal(e.to_string()))?;
    let name = format!("catalog.{}", format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn import(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<FormatQuery>,
    body: Bytes,
) -> ApiResult<Response> {
    let format = parse_format(&q.format, "")?;
    match import_with_format(&state, &u, format, &body).await {
        Ok(summary) => Ok(Json(summary).into_response()),
        Err(ImportFailure::App(e)) => Err((e).into()),
        Err(ImportFailure::File(errs)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({
                "code": "import_failed",
                "message": format!("文件有{}处错误,未导入任何内容", errs.errors.len()),
                "cells": errs.errors.iter().map(|e| serde_json::json!({
                    "sheet": e.sheet, "row": e.row, "column": e.column, "header": e.header, "code": e.code, "message": e.message
                })).collect::<Vec<_>>(),
            })),
        )
            .into_response()),
    }
}
