//! The catalog: public reading, drafts, publishing, and spreadsheet import/export.

use super::{ApiJson, ApiQuery};
use crate::auth::{ApiUser, Authed, MaybeUser};
use crate::error::{ApiResult, AppError, AppResult};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use catalog_io::{Format, ImportErrors};
use domain::access::Action;
use domain::catalog::{CatalogItem, ItemStatus};
use domain::Scope;
use serde::Deserialize;
use store::{ImportSummary, ItemFilter};

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
    let filter = if q.status == "all" {
        let u = u.ok_or(AppError::NotSignedIn)?;
        ItemFilter {
            scope: Some(u.scope(Action::ManageCatalog)),
            ..Default::default()
        }
    } else {
        ItemFilter {
            statuses: vec![ItemStatus::Published],
            ..Default::default()
        }
    };
    Ok(Json(state.store.list_items(&filter).await?))
}

async fn published(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<CatalogItem>> {
    Ok(Json(
        state
            .store
            .get_published(&code)
            .await?
            .ok_or(AppError::NotFound("事项"))?,
    ))
}

/// Drafts are visible only to those who manage the item; published and superseded versions to all.
fn visible(item: &CatalogItem, u: Option<&Authed>) -> bool {
    item.status != ItemStatus::Draft
        || u.is_some_and(|u| {
            u.authorize(Action::ManageCatalog, &item.region_code)
                .is_ok()
        })
}

async fn versions(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<CatalogItem>>> {
    let all = state.store.list_versions(&code).await?;
    let shown: Vec<CatalogItem> = all.into_iter().filter(|i| visible(i, u.as_ref())).collect();
    if shown.is_empty() {
        return Err(AppError::NotFound("事项").into());
    }
    Ok(Json(shown))
}

async fn version(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Path((code, v)): Path<(String, u32)>,
) -> ApiResult<Json<CatalogItem>> {
    let item = state
        .store
        .get_item(&code, v)
        .await?
        .filter(|i| visible(i, u.as_ref()))
        .ok_or(AppError::NotFound("事项"))?;
    Ok(Json(item))
}

/// Saves a draft the caller may manage. `is_new` refuses codes already in use.
pub async fn save_draft_checked(
    state: &AppState,
    u: &Authed,
    item: &CatalogItem,
    is_new: bool,
) -> AppResult<()> {
    u.authorize(Action::ManageCatalog, &item.region_code)?;
    if item.status != ItemStatus::Draft {
        return Err(AppError::bad_field(
            "must_be_draft",
            "status",
            "只能保存草稿,发布请使用发布操作",
        ));
    }
    item.validate()?;
    if state.store.get_region(&item.region_code).await?.is_none() {
        return Err(AppError::Validation(domain::ValidationErrors::single(
            "region_code",
            "region_not_found",
            "所属区划不存在",
        )));
    }
    let versions = state.store.list_versions(&item.code).await?;
    if is_new && !versions.is_empty() {
        return Err(AppError::Conflict {
            code: "code_taken",
            message: format!("事项编码 {} 已被使用", item.code),
        });
    }
    // An existing item keeps its owner: moving it to another region needs rights on both.
    if let Some(first) = versions.first() {
        u.authorize(Action::ManageCatalog, &first.region_code)?;
    }
    state.store.save_draft(item).await?;
    Ok(())
}

async fn save(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(item): ApiJson<CatalogItem>,
) -> ApiResult<(StatusCode, Json<CatalogItem>)> {
    save_draft_checked(&state, &u, &item, false).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// The item version the caller manages (catalog managers of its region's subtree).
pub async fn load_managed(
    state: &AppState,
    u: &Authed,
    code: &str,
    version: u32,
) -> AppResult<CatalogItem> {
    let item = state
        .store
        .get_item(code, version)
        .await?
        .ok_or(AppError::NotFound("事项"))?;
    u.authorize(Action::ManageCatalog, &item.region_code)?;
    Ok(item)
}

/// Publishes a managed draft (the previous version is superseded) and refreshes the search index.
pub async fn publish_checked(
    state: &AppState,
    u: &Authed,
    code: &str,
    version: u32,
) -> AppResult<CatalogItem> {
    load_managed(state, u, code, version).await?;
    state
        .store
        .publish(code, version, state.clock.now())
        .await?;
    state.reload_search().await?;
    state
        .store
        .get_item(code, version)
        .await?
        .ok_or(AppError::NotFound("事项"))
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

/// Items a caller exports: every version within their catalog scope, or the published ones.
pub async fn items_for_export(state: &AppState, u: Option<&Authed>) -> AppResult<Vec<CatalogItem>> {
    match u.filter(|u| u.can_anywhere(Action::ManageCatalog)) {
        Some(u) => {
            let latest = state
                .store
                .list_items(&ItemFilter {
                    scope: Some(u.scope(Action::ManageCatalog)),
                    ..Default::default()
                })
                .await?;
            let mut all = vec![];
            for i in latest {
                all.extend(state.store.list_versions(&i.code).await?);
            }
            Ok(all)
        }
        None => Ok(state
            .store
            .list_items(&ItemFilter {
                statuses: vec![ItemStatus::Published],
                scope: Some(Scope::All),
                ..Default::default()
            })
            .await?),
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
    let items = items_for_export(&state, u.as_ref()).await?;
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

pub enum ImportFailure {
    File(ImportErrors),
    App(AppError),
}

impl<E: Into<AppError>> From<E> for ImportFailure {
    fn from(e: E) -> Self {
        ImportFailure::App(e.into())
    }
}

/// Parses and imports a spreadsheet, all or nothing, after checking the caller manages every item.
pub async fn import_bytes(
    state: &AppState,
    u: &Authed,
    file_name: &str,
    data: &[u8],
) -> Result<ImportSummary, ImportFailure> {
    let format = Format::from_path(std::path::Path::new(file_name)).ok_or_else(|| {
        AppError::bad_field("unknown_format", "file", "文件格式应为 .xlsx 或 .csv")
    })?;
    import_with_format(state, u, format, data).await
}

async fn import_with_format(
    state: &AppState,
    u: &Authed,
    format: Format,
    data: &[u8],
) -> Result<ImportSummary, ImportFailure> {
    let items = catalog_io::import(data, format).map_err(ImportFailure::File)?;
    let mut checked = std::collections::HashSet::new();
    for i in &items {
        u.authorize(Action::ManageCatalog, &i.region_code)?;
        // An existing item keeps its owner: a file cannot take over (or publish over) another
        // region's item by naming its own region, the same rule as saving a draft.
        if checked.insert(i.code.clone()) {
            if let Some(first) = state.store.list_versions(&i.code).await?.first() {
                u.authorize(Action::ManageCatalog, &first.region_code)?;
            }
        }
    }
    let summary = state.store.import_items(&items).await?;
    state.reload_search().await?;
    Ok(summary)
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
