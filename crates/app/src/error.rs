//! The one error type of the use cases. Expected failures carry a stable English code and a Chinese
//! message (and the field they concern, when there is one); unexpected ones carry the detail for the
//! log and are shown to people only as an opaque "server error". Transports map it once: HTTP status
//! and JSON body in `web::error`, an HTML page in `web::pages`.

use domain::access::Denied;
use domain::case::CaseError;
use domain::feedback::FeedbackError;
use domain::{FieldError, ValidationErrors};
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks domain rules, field by field.
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
    /// Credentials that prove nothing: a wrong password, an unknown user.
    #[error("{message}")]
    Unauthenticated { code: &'static str, message: String },
    #[error("无权执行此操作")]
    Forbidden,
    #[error("{0}不存在")]
    NotFound(&'static str),
    /// Nothing matches what was asked for, said in the asker's terms (a number and code that do
    /// not belong together).
    #[error("{message}")]
    NoMatch { code: &'static str, message: String },
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Well-formed input that cannot be carried out as sent (422), with its own code.
    #[error("{message}")]
    Unprocessable {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    #[error("{message}")]
    Locked { message: String, retry_after_s: i64 },
    /// The session may do nothing but change the password (set by an administrator, or expired).
    #[error("请先修改密码")]
    PasswordChangeRequired,
    /// The session may do nothing but present its second factor (or bind one).
    #[error("请先完成双因素认证")]
    SecondFactorRequired,
    /// A write that did not carry the session's anti-forgery token (raised by transports).
    #[error("CSRF 校验失败,请刷新页面后重试")]
    Csrf,
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn bad(code: &'static str, message: impl Into<String>) -> Self {
        Error::BadRequest {
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn bad_field(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        Error::BadRequest {
            code,
            message: message.into(),
            field: Some(field.to_string()),
        }
    }

    /// The stable English code clients branch on.
    pub fn code(&self) -> &str {
        match self {
            Error::Validation(_) => "validation_failed",
            Error::BadRequest { code, .. }
            | Error::Conflict { code, .. }
            | Error::Unprocessable { code, .. }
            | Error::Unauthenticated { code, .. }
            | Error::NoMatch { code, .. } => code,
            Error::NotSignedIn => "not_signed_in",
            Error::Forbidden => "forbidden",
            Error::NotFound(_) => "not_found",
            Error::Locked { .. } => "account_locked",
            Error::PasswordChangeRequired => "password_change_required",
            Error::SecondFactorRequired => "second_factor_required",
            Error::Csrf => "csrf_failed",
            Error::Internal(_) => "internal_error",
        }
    }

    /// The message shown to people; internal details never leak.
    pub fn user_message(&self) -> String {
        match self {
            Error::Internal(_) => "服务器内部错误,请稍后重试".to_string(),
            Error::Validation(v) => format!("提交的内容有{}处需要修改", v.errors.len()),
            other => other.to_string(),
        }
    }

    /// The field the failure concerns first, and every field's message.
    pub fn fields(&self) -> (Option<String>, Vec<FieldError>) {
        match self {
            Error::Validation(v) => (v.errors.first().map(|e| e.field.clone()), v.errors.clone()),
            Error::BadRequest { field, .. } | Error::Unprocessable { field, .. } => {
                (field.clone(), vec![])
            }
            _ => (None, vec![]),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Error::NotFound(what),
            // The same answer as the case's own check (`CaseError::PaperReceiptTaken`), at the
            // field it is about.
            StoreError::Conflict {
                code: "paper_receipt_taken",
                message,
            } => Error::BadRequest {
                code: "paper_receipt_taken",
                message,
                field: Some("paper_no".into()),
            },
            StoreError::Conflict { code, message } => Error::Conflict { code, message },
            StoreError::Invalid(v) => Error::Validation(v),
            StoreError::Backend(detail) => Error::Internal(detail),
        }
    }
}

impl From<ValidationErrors> for Error {
    fn from(v: ValidationErrors) -> Self {
        Error::Validation(v)
    }
}

impl From<Denied> for Error {
    fn from(d: Denied) -> Self {
        match d {
            Denied::NotSignedIn => Error::NotSignedIn,
            Denied::Forbidden => Error::Forbidden,
        }
    }
}

impl From<CaseError> for Error {
    fn from(e: CaseError) -> Self {
        let message = e.to_string();
        match e {
            CaseError::NotAllowed(_) => Error::Forbidden,
            CaseError::WrongState { .. } => Error::Conflict {
                code: "wrong_state",
                message,
            },
            other => Error::BadRequest {
                code: other.code(),
                message,
                field: other.field().map(str::to_string),
            },
        }
    }
}

impl From<FeedbackError> for Error {
    fn from(e: FeedbackError) -> Self {
        match e {
            FeedbackError::NotCompleted
            | FeedbackError::AlreadyRated(_)
            | FeedbackError::WrongState { .. }
            | FeedbackError::AlreadyAppealed => Error::Conflict {
                code: e.code(),
                message: e.to_string(),
            },
            other => Error::bad(other.code(), other.to_string()),
        }
    }
}
