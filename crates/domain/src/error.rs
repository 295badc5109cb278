//! Field-level validation errors: a stable English code for machines, a Chinese message for people.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Path of the offending field, e.g. `promised_limit_days` or `materials[2].name`.
    pub field: String,
    /// Stable machine code, e.g. `promised_exceeds_statutory`.
    pub code: String,
    /// Human message in Chinese.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            code: code.to_string(),
            message: message.into(),
        }
    }
}

/// Every problem found in one input, so a form or a file can be fixed in one pass (一次性告知).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", .errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct ValidationErrors {
    pub errors: Vec<FieldError>,
}

impl ValidationErrors {
    pub fn push(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
    pub fn single(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        let mut e = ValidationErrors::default();
        e.push(field, code, message);
        e
    }
    /// The same errors said of `field`: a form may name a value its own way (`case_number` for
    /// what a case number's parse calls `number`).
    pub fn for_field(mut self, field: &str) -> Self {
        for e in &mut self.errors {
            e.field = field.to_string();
        }
        self
    }
    /// `Ok(v)` when nothing was pushed.
    pub fn into_result<T>(self, v: T) -> Result<T, ValidationErrors> {
        if self.errors.is_empty() {
            Ok(v)
        } else {
            Err(self)
        }
    }
}
