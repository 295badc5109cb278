//! Signed checkpoints of the record (issue 16, part 2): public by design — a root is only useful
//! if people outside the platform can keep it — and sealed on demand by an administrator or a
//! supervisor.

use super::ApiPath;
use crate::auth::ApiUser;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use app::checkpoints::Export;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::record::Checkpoint;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(seal))
        .routes(routes!(latest))
        .routes(routes!(export))
        .routes(routes!(one))
        .routes(routes!(proof))
}

/// 办件封存证明:该办件日志在某检查点树中的审计路径(RFC 6962),持有树根者可自行核对
#[utoipa::path(get, path = "/checkpoints/{seq}/proof/{number}", tag = "记录", operation_id = "inclusion_proof",
    params(("seq" = u64, Path, description = "检查点编号"), ("number" = String, Path, description = "办件编号")),
    responses((status = 200, description = "封存证明", body = app::checkpoints::InclusionProof)))]
async fn proof(
    State(state): State<AppState>,
    ApiPath((seq, number)): ApiPath<(String, String)>,
) -> ApiResult<Json<app::checkpoints::InclusionProof>> {
    let seq: u64 = seq.parse().map_err(|_| AppError::NotFound("检查点"))?;
    let number =
        domain::case::CaseNumber::parse(&number).map_err(|_| AppError::NotFound("办件"))?;
    Ok(Json(
        app::checkpoints::proof(&state, seq, number.as_str()).await?,
    ))
}

/// 最新检查点(签名的树根,公开)
#[utoipa::path(get, path = "/checkpoints/latest", tag = "记录", operation_id = "latest_checkpoint",
    responses((status = 200, description = "最新检查点", body = Checkpoint)))]
async fn latest(State(state): State<AppState>) -> ApiResult<Json<Checkpoint>> {
    Ok(Json(app::checkpoints::latest(&state).await?))
}

/// 按编号查看检查点
#[utoipa::path(get, path = "/checkpoints/{seq}", tag = "记录", operation_id = "checkpoint",
    params(("seq" = u64, Path, description = "检查点编号,自 1 起")),
    responses((status = 200, description = "检查点", body = Checkpoint)))]
async fn one(
    State(state): State<AppState>,
    ApiPath(seq): ApiPath<String>,
) -> ApiResult<Json<Checkpoint>> {
    // Anything but a number names no checkpoint.
    let seq: u64 = seq.parse().map_err(|_| AppError::NotFound("检查点"))?;
    Ok(Json(app::checkpoints::get(&state, seq).await?))
}

/// 导出全部检查点及验证公钥(供外部保存,`yizhan verify --checkpoints` 使用)
#[utoipa::path(get, path = "/checkpoints/export", tag = "记录", operation_id = "export_checkpoints",
    responses((status = 200, description = "检查点文件", body = Export)))]
async fn export(State(state): State<AppState>) -> ApiResult<Json<Export>> {
    Ok(Json(app::checkpoints::export_all(&state).await?))
}

/// 立即生成检查点(管理员或督查人员)
#[utoipa::path(post, path = "/checkpoints", tag = "记录", operation_id = "seal_checkpoint",
    security(("session" = [], "csrf" = [])),
    responses((status = 201, description = "已生成的检查点", body = Checkpoint)))]
async fn seal(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<(StatusCode, Json<Checkpoint>)> {
    Ok((
        StatusCode::CREATED,
        Json(app::checkpoints::seal_now(&state, &u).await?),
    ))
}
