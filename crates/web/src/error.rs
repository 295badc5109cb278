//! The HTTP side of the use cases' one error type (`app::Error`): its status and JSON body, mapped
//! here once for the API (pages show it as an HTML page, `pages::PageError`). Unexpected errors are
//! logged with their detail and shown opaquely.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use serde::Serialize;

/// The use cases' error, under the name the web layer has always used for it.
pub use app::Error as AppError;

/// What services and extractors return.
pub type AppResult<T> = Result<T, AppError>;

/// What API handlers return: the error answers as JSON with its status.
pub type ApiResult<T> = Result<T, ApiError>;

/// An error answered as JSON: `{code, message, field, errors}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

/// An error: a stable English `code`, a Chinese `message`, and the field(s) it concerns.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody<'a> {
    /// Stable machine-readable code, e.g. `invalid_field`.
    pub code: &'a str,
    /// 中文说明
    pub message: String,
    /// The field the error concerns, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field error, when several fields are wrong at once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The status and body of an error, for every transport that answers over HTTP.
pub trait HttpError {
    fn status(&self) -> StatusCode;
    fn body(&self) -> ErrorBody<'_>;
    /// Logs what people are not shown.
    fn log(&self);
}

impl HttpError for AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::Validation(_) | AppError::Unprocessable { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::NotSignedIn | AppError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden
            | AppError::Csrf
            | AppError::PasswordChangeRequired
            | AppError::SecondFactorRequired => StatusCode::FORBIDDEN,
            AppError::NotFound(_) | AppError::NoMatch { .. } => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn body(&self) -> ErrorBody<'_> {
        let (field, errors) = self.fields();
        ErrorBody {
            code: self.code(),
            message: self.user_message(),
            field,
            errors,
        }
    }

    fn log(&self) {
        if let AppError::Internal(detail) = self {
            tracing::error!(error = %detail, "unexpected error");
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        let mut resp = (e.status(), axum::Json(e.body())).into_response();
        if let AppError::Locked { retry_after_s, .. } = &e {
            if let Ok(v) = retry_after_s.to_string().parse() {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}
