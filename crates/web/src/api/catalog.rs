//! The catalog: public reading, drafts, publishing, and spreadsheet import/export.

use super::{ApiJson, ApiPath, ApiQuery};
use crate::auth::{ApiUser, MaybeUser};
use crate::error::{ApiResult, AppError};
use crate::ids;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use catalog_io::Format;
use domain::catalog::CatalogItem;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::model::{CellErrorReply, ImportRefused, ImportReport};

use app::catalog;
pub use app::catalog::{
    import_bytes, import_with_format, items_for_export, load_managed, publish_checked,
    save_draft_checked, ImportFailure,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_items, save_draft).layer(crate::limits::staff_form()))
        .routes(routes!(export))
        .routes(routes!(import).layer(crate::limits::upload()))
        .routes(routes!(published))
        .routes(routes!(versions))
        .routes(routes!(version))
        .routes(routes!(publish))
}

/// Which versions a list holds.
#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "lowercase")]
enum ListStatus {
    /// 已发布(公开)
    #[default]
    Published,
    /// 含草稿,限管理范围
    All,
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `published`(默认,公开)或 `all`(含草稿,限管理范围)
    #[serde(default)]
    #[param(inline)]
    status: ListStatus,
}

/// 已发布事项(status=all 时含草稿,限管理范围)
#[utoipa::path(get, path = "/catalog", tag = "事项目录", operation_id = "list_items",
    params(ListQuery),
    security((), ("session" = [])),
    responses((status = 200, description = "事项列表", body = Vec<CatalogItem>)))]
async fn list_items(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<CatalogItem>>> {
    Ok(Json(
        catalog::list(&state, u.as_deref(), q.status == ListStatus::All).await?,
    ))
}

/// 事项的现行发布版本
#[utoipa::path(get, path = "/catalog/{code}", tag = "事项目录", operation_id = "published_item",
    params(("code" = String, Path, description = "事项基本编码")),
    responses((status = 200, description = "现行版本", body = CatalogItem)))]
async fn published(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<CatalogItem>> {
    let code = ids::item_code(&code)?;
    Ok(Json(catalog::published(&state, &code).await?))
}

/// 事项的所有可见版本
#[utoipa::path(get, path = "/catalog/{code}/versions", tag = "事项目录", operation_id = "item_versions",
    params(("code" = String, Path, description = "事项基本编码")),
    security((), ("session" = [])),
    responses((status = 200, description = "各版本,草稿仅管理范围内可见", body = Vec<CatalogItem>)))]
async fn versions(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<Vec<CatalogItem>>> {
    let code = ids::item_code(&code)?;
    Ok(Json(catalog::versions(&state, u.as_deref(), &code).await?))
}

/// 事项的某一版本
#[utoipa::path(get, path = "/catalog/{code}/versions/{version}", tag = "事项目录", operation_id = "item_version",
    params(("code" = String, Path, description = "事项基本编码"), ("version" = u32, Path, description = "版本号")),
    security((), ("session" = [])),
    responses((status = 200, description = "该版本", body = CatalogItem)))]
async fn version(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    ApiPath((code, v)): ApiPath<(String, u32)>,
) -> ApiResult<Json<CatalogItem>> {
    let code = ids::item_code(&code)?;
    Ok(Json(
        catalog::version(&state, u.as_deref(), &code, v).await?,
    ))
}

/// 保存事项草稿
#[utoipa::path(post, path = "/catalog", tag = "事项目录", operation_id = "save_draft",
    request_body = CatalogItem,
    security(("session" = [], "csrf" = [])),
    responses((status = 201, description = "草稿已保存", body = CatalogItem)))]
async fn save_draft(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(item): ApiJson<CatalogItem>,
) -> ApiResult<(StatusCode, Json<CatalogItem>)> {
    save_draft_checked(&state, &u, &item, false).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// 发布草稿版本,原发布版本转为已废止
#[utoipa::path(post, path = "/catalog/{code}/versions/{version}/publish", tag = "事项目录", operation_id = "publish_item",
    params(("code" = String, Path, description = "事项基本编码"), ("version" = u32, Path, description = "草稿版本号")),
    security(("session" = [], "csrf" = [])),
    responses((status = 200, description = "已发布", body = CatalogItem)))]
async fn publish(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath((code, v)): ApiPath<(String, u32)>,
) -> ApiResult<Json<CatalogItem>> {
    let code = ids::item_code(&code)?;
    Ok(Json(publish_checked(&state, &u, &code, v).await?))
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
struct FormatQuery {
    /// `xlsx` 或 `csv`(导出默认 xlsx;导入必填)
    #[serde(default)]
    #[param(inline)]
    format: Option<Format>,
}

/// 导出事项目录(format=xlsx|csv)
#[utoipa::path(get, path = "/catalog/export", tag = "事项目录", operation_id = "export_catalog",
    params(FormatQuery),
    security((), ("session" = [])),
    responses((status = 200, description = "事项目录文件(作为附件下载)",
        content(
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "text/csv; charset=utf-8"),
        ))))]
async fn export(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> ApiResult<Response> {
    let format = q.format.unwrap_or(Format::Xlsx);
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

/// 导入事项目录(format=xlsx|csv,请求体为文件内容,全部成功或全部不导入)
#[utoipa::path(post, path = "/catalog/import", tag = "事项目录", operation_id = "import_catalog",
    params(FormatQuery),
    request_body(description = "Excel 或 CSV 文件内容(≤20MB)", content(
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (String = "text/csv"),
        (Vec<u8> = "application/octet-stream"),
    )),
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已导入", body = ImportReport),
        (status = 413, description = "文件超过 20MB"),
        (status = 422, description = "文件有错误,未导入任何内容;cells 逐格列出", body = ImportRefused),
    ))]
async fn import(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<FormatQuery>,
    body: Bytes,
) -> ApiResult<Response> {
    let format = q.format.ok_or_else(|| {
        AppError::bad_field(
            "unknown_format",
            "format",
            "请用 format=xlsx 或 csv 指明文件格式",
        )
    })?;
    match import_with_format(&state, &u, format, &body).await {
        Ok(summary) => Ok(Json(ImportReport::from(summary)).into_response()),
        Err(ImportFailure::App(e)) => Err((e).into()),
        Err(ImportFailure::File(errs)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(ImportRefused {
                code: "import_failed".into(),
                message: format!("文件有{}处错误,未导入任何内容", errs.errors.len()),
                cells: errs
                    .errors
                    .into_iter()
                    .map(|e| CellErrorReply {
                        sheet: e.sheet,
                        row: e.row,
                        column: e.column,
                        header: e.header,
                        code: e.code,
                        message: e.message,
                    })
                    .collect(),
            }),
        )
            .into_response()),
    }
}
