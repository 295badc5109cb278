//! 安全审计 over the API: the auditor searches and exports the audit log; nobody else reads it.

use super::ApiQuery;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::state::AppState;
use app::audit::Search;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::audit::AuditEntry;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(export))
}

/// 查询审计日志(仅审计管理员)
#[utoipa::path(get, path = "/audit", tag = "记录", operation_id = "audit_log",
    params(Search),
    security(("session" = [])),
    responses((status = 200, description = "按编号顺序的审计记录", body = Vec<AuditEntry>)))]
async fn search(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<Search>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    Ok(Json(app::audit::search(&state, &u, &q).await?))
}

/// 导出审计日志为 Excel(仅审计管理员;导出本身记入审计日志)
#[utoipa::path(get, path = "/audit/export", tag = "记录", operation_id = "export_audit_log",
    params(Search),
    security(("session" = [])),
    responses((status = 200, description = "审计记录(作为附件下载)",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
async fn export(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<Search>,
) -> ApiResult<Response> {
    let bytes = app::audit::export_xlsx(&state, &u, &q).await?;
    Ok(xlsx(bytes))
}

/// An Excel attachment.
pub fn xlsx(bytes: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response()
}
