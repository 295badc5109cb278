//! JSON API under `/api/v1`, one router per resource. Every route is registered through
//! `utoipa_axum::routes!` from its handler's `#[utoipa::path]`, so the route and its entry in
//! `openapi.json` come from one definition (issue 15, part 4).

pub mod account;
pub mod audit;
pub mod calendar;
pub mod cases;
pub mod catalog;
pub mod checkpoints;
pub mod feedback;
pub mod model;
pub mod openapi;
pub mod regions;
pub mod second_factor;
pub mod session;
pub mod users;

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::Router;
use serde::de::DeserializeOwned;
use utoipa_axum::router::OpenApiRouter;

/// The API's routes with their documentation, before the document is finished.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .merge(session::router())
        .merge(account::router())
        .merge(second_factor::router())
        .merge(regions::router())
        .merge(users::router())
        .merge(catalog::router())
        .merge(calendar::router())
        .merge(cases::router())
        .merge(checkpoints::router())
        .merge(audit::router())
        .merge(feedback::router())
        .merge(openapi::router())
}

pub fn router() -> Router<AppState> {
    let (router, _) = routes().split_for_parts();
    router.fallback(|| async { crate::error::ApiError(AppError::NotFound("接口")) })
}

/// `Json` whose rejections become our 400 with a Chinese message naming the problem.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = crate::error::ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonDataError(e)) => Err((AppError::bad(
                "invalid_field",
                format!("请求数据有误:{}", e.body_text()),
            ))
            .into()),
            Err(JsonRejection::JsonSyntaxError(_)) => {
                Err(AppError::bad("invalid_json", "请求体不是合法的 JSON").into())
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err((AppError::bad(
                "json_required",
                "请求须使用 Content-Type: application/json",
            ))
            .into()),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::bad("body_too_large", "请求体过大").into())
            }
            Err(e) => Err((AppError::bad(
                "invalid_body",
                format!("请求体无法读取:{}", e.body_text()),
            ))
            .into()),
        }
    }
}

/// `Query` whose rejections become our 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = crate::error::ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err((AppError::bad(
                "invalid_query",
                format!("查询参数有误:{}", e.body_text()),
            ))
            .into()),
            Err(e) => Err(AppError::bad("invalid_query", e.body_text()).into()),
        }
    }
}

/// `Path` whose rejections (a version that is not a number, say) become our 400 in JSON.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = crate::error::ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                Err(AppError::bad("invalid_path", format!("路径参数有误:{}", e.body_text())).into())
            }
            Err(e) => Err(AppError::bad("invalid_path", e.body_text()).into()),
        }
    }
}
