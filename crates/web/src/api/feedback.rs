//! Feedback over the API: a complaint's progress by its follow code, the overdue list for
//! supervisors, and the monthly statistics (the pages are in `pages::feedback`).

use super::ApiQuery;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::state::AppState;
use app::feedback::{Overdue, PublicComplaint, Statistics};
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(complaint_progress))
        .routes(routes!(overdue))
        .routes(routes!(statistics))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CodeQuery {
    /// 投诉时给出的查询码
    code: String,
}

/// 投诉、信访、举报的办理进度(凭查询码,不含个人信息)
#[utoipa::path(get, path = "/feedback/complaints", tag = "评价与投诉", operation_id = "complaint_progress",
    params(CodeQuery),
    responses((status = 200, description = "办理进度", body = PublicComplaint)))]
async fn complaint_progress(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<CodeQuery>,
) -> ApiResult<Json<PublicComplaint>> {
    Ok(Json(
        app::feedback::public_complaint(&state, &q.code).await?,
    ))
}

/// 管辖范围内逾期的投诉与回访
#[utoipa::path(get, path = "/feedback/overdue", tag = "评价与投诉", operation_id = "overdue",
    security(("session" = [])),
    responses((status = 200, description = "逾期清单", body = Overdue)))]
async fn overdue(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult<Json<Overdue>> {
    Ok(Json(app::feedback::overdue(&state, &u).await?))
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
struct MonthQuery {
    /// 月份 YYYY-MM,默认本月
    #[param(pattern = "^([0-9]{4}-(0[1-9]|1[0-2]))?$")]
    month: String,
}

/// 月度统计:收件、办结、按时办结,按部门与场所
#[utoipa::path(get, path = "/feedback/statistics", tag = "评价与投诉", operation_id = "statistics",
    params(MonthQuery),
    responses((status = 200, description = "该月的数字", body = Statistics)))]
async fn statistics(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> ApiResult<Json<Statistics>> {
    Ok(Json(app::feedback::statistics(&state, &q.month).await?))
}
