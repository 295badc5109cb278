//! The working calendar: schedule import, closures, and deadline arithmetic.

use super::{ApiJson, ApiQuery};
use crate::auth::ApiUser;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use domain::calendar::Deadline;
use domain::RegionCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::model::{CalendarImported, CalendarView, ClosureDoc};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(days))
        .routes(routes!(import).layer(crate::limits::staff_form()))
        .routes(routes!(closures, add_closure))
        .routes(routes!(add_working_days))
}

/// 节假日与调休安排
///
/// The schedule is public information (the State Council publishes it).
#[utoipa::path(get, path = "/calendar", tag = "日历", operation_id = "calendar",
    responses((status = 200, description = "已载入的年份与每一个特殊日", body = CalendarView)))]
async fn days(State(state): State<AppState>) -> ApiResult<Json<CalendarView>> {
    let days = app::calendar::days(&state).await?;
    Ok(Json(CalendarView {
        loaded_years: state.calendar().loaded_years().collect(),
        days,
    }))
}

pub use app::calendar::import_csv;

#[derive(Deserialize, ToSchema)]
struct ImportBody {
    /// `date,kind,name` 每行一天;所含年份整体替换
    csv: String,
}

/// 导入节假日安排(CSV 文本,所含年份整体替换)
#[utoipa::path(post, path = "/calendar/import", tag = "日历", operation_id = "import_calendar",
    request_body = ImportBody,
    security(("session" = [], "csrf" = [])),
    responses((status = 200, description = "已导入", body = CalendarImported)))]
async fn import(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<ImportBody>,
) -> ApiResult<Json<CalendarImported>> {
    let imported = import_csv(&state, &u, &b.csv).await?;
    Ok(Json(CalendarImported {
        imported,
        loaded_years: state.calendar().loaded_years().collect(),
    }))
}

/// 管辖范围内的闭馆日
#[utoipa::path(get, path = "/calendar/closures", tag = "日历", operation_id = "list_closures",
    security(("session" = [])),
    responses((status = 200, description = "闭馆日", body = Vec<ClosureDoc>)))]
async fn closures(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Vec<ClosureDoc>>> {
    let rows = app::calendar::closures(&state, &u).await?;
    Ok(Json(rows.into_iter().map(ClosureDoc::from).collect()))
}

/// 新增区域闭馆日
#[utoipa::path(post, path = "/calendar/closures", tag = "日历", operation_id = "add_closure",
    request_body = ClosureDoc,
    security(("session" = [], "csrf" = [])),
    responses((status = 201, description = "已新增", body = ClosureDoc)))]
async fn add_closure(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(c): ApiJson<ClosureDoc>,
) -> ApiResult<(StatusCode, Json<ClosureDoc>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            app::calendar::add_closure(&state, &u, c.into())
                .await?
                .into(),
        ),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AddQuery {
    /// 起算日期 YYYY-MM-DD
    #[param(value_type = String, format = Date, example = "2025-09-30")]
    date: String,
    /// 工作日数(0–3650)
    #[param(maximum = 3650)]
    n: u32,
    /// 区划代码:给出时计入该区划及上级的闭馆日
    #[serde(default)]
    #[param(pattern = "^[0-9]{6}([0-9]{3}){0,2}$")]
    region: Option<String>,
}

/// 期限计算:date 之后第 n 个工作日(region 可选,计入闭馆日)
///
/// Public, like the schedule.
#[utoipa::path(get, path = "/calendar/add-working-days", tag = "日历", operation_id = "add_working_days",
    params(AddQuery),
    responses((status = 200, description = "期限", body = Deadline)))]
async fn add_working_days(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<AddQuery>,
) -> ApiResult<Json<Deadline>> {
    let date = NaiveDate::parse_from_str(q.date.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::bad_field("invalid_date", "date", "日期格式应为YYYY-MM-DD"))?;
    if q.n > 3650 {
        return Err(AppError::bad_field("out_of_range", "n", "工作日数不能超过3650").into());
    }
    let cal = match &q.region {
        Some(r) => {
            state
                .calendar_for(&RegionCode::parse(r).map_err(AppError::from)?)
                .await?
        }
        None => std::sync::Arc::new(state.calendar()),
    };
    Ok(Json(cal.deadline(date, q.n)))
}
