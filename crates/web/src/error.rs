//! One error type for the HTTP layer and its single mapping to responses. Expected failures carry
//! a stable English code and a Chinese message; unexpected ones are logged and shown opaquely.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::access::Denied;
use domain::{FieldError, ValidationErrors};
use serde::Serialize;
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Validation(ValidationErrors),
    #[error("{message}")]
    BadRequest {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    #[error("请先登录")]
    NotSignedIn,
    #[error("无权执行此操作")]
    Forbidden,
    #[error("{0}不存在")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{message}")]
    Locked { message: String, retry_after_s: i64 },
    #[error("CSRF 校验失败,请刷新页面后重试")]
    Csrf,
    #[error("internal error: {0}")]
    Internal(String),
}

#[derive(Serialize)]
pub struct ErrorBody<'a> {
    pub code: &'a str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl AppError {
    pub fn bad(code: &'static str, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            code,
            message: message.into(),
            field: None,
        }
    }
    pub fn bad_field(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            code,
            message: message.into(),
            field: Some(field.to_string()),
        }
    }
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::NotSignedIn => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    pub fn code(&self) -> &str {
        match self {
            AppError::Validation(_) => "validation_failed",
            AppError::BadRequest { code, .. } | AppError::Conflict { code, .. } => code,
            AppError::NotSignedIn => "not_signed_in",
            AppError::Forbidden => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Locked { .. } => "account_locked",
            AppError::Csrf => "csrf_failed",
            AppError::Internal(_) => "internal_error",
        }
    }
    /// The message shown to users; internal details never leak.
    pub fn user_message(&self) -> String {
        match self {
            AppError::Internal(_) => "服务器内部错误,请稍后重试".to_string(),
            AppError::Validation(v) => format!("提交的内容有{}处需要修改", v.errors.len()),
            other => other.to_string(),
        }
    }
    pub fn body(&self) -> ErrorBody<'_> {
        let (field, errors) = match self {
            AppError::Validation(v) => {
                (v.errors.first().map(|e| e.field.clone()), v.errors.clone())
            }
            AppError::BadRequest { field, .. } => (field.clone(), vec![]),
            _ => (None, vec![]),
        };
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

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let mut resp = (self.status(), axum::Json(self.body())).into_response();
        if let AppError::Locked { retry_after_s, .. } = &self {
            if let Ok(v) = retry_after_s.to_string().parse() {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Conflict { code, message } => AppError::Conflict { code, message },
            StoreError::Invalid(v) => AppError::Validation(v),
            StoreError::Backend(detail) => AppError::Internal(detail),
        }
    }
}

impl From<ValidationErrors> for AppError {
    fn from(v: ValidationErrors) -> Self {
        AppError::Validation(v)
    }
}

impl From<Denied> for AppError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::NotSignedIn => AppError::NotSignedIn,
            Denied::Forbidden => AppError::Forbidden,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
