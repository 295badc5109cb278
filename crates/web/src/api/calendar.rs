//! The working calendar: schedule import, closures, and deadline arithmetic.

use super::{ApiJson, ApiQuery};
use crate::auth::ApiUser;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use domain::access::Action;
use domain::calendar::{CalendarDay, Deadline};
use domain::RegionCode;
use serde::{Deserialize, Serialize};
use store::Closure;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(days))
        .route("/calendar/import", post(import))
        .route("/calendar/closures", get(closures).post(add_closure))
        .route("/calendar/add-working-days", get(add_working_days))
}

#[derive(Serialize)]
struct CalendarView {
    loaded_years: Vec<i32>,
    days: Vec<CalendarDay>,
}

/// The schedule is public information (the State Council publishes it).
async fn days(State(state): State<AppState>) -> ApiResult<Json<CalendarView>> {
    let days = state.store.list_calendar_days().await?;
    Ok(Json(CalendarView {
        loaded_years: state.calendar().loaded_years().collect(),
        days,
    }))
}

pub use app::calendar::import_csv;

#[derive(Deserialize)]
struct ImportBody {
    csv: String,
}

async fn import(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<ImportBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let n = import_csv(&state, &u, &b.csv).await?;
    Ok(Json(
        serde_json::json!({ "imported": n, "loaded_years": state.calendar().loaded_years().collect::<Vec<_>>() }),
    ))
}

async fn closures(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Vec<Closure>>> {
    Ok(Json(
        state
            .store
            .list_closures(&u.scope(Action::ReadCalendar))
            .await?,
    ))
}

async fn add_closure(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(c): ApiJson<Closure>,
) -> ApiResult<(StatusCode, Json<Closure>)> {
    Ok((
        StatusCode::CREATED,
        Json(app::calendar::add_closure(&state, &u, c).await?),
    ))
}

#[derive(Deserialize)]
struct AddQuery {
    date: String,
    n: u32,
    #[serde(default)]
    region: Option<String>,
}

/// `GET /calendar/add-working-days?date=2025-09-30&n=5[&region=…]` — public, like the schedule.
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
