//! How long free text may be: one rule for every field people type, so a name of a million
//! characters is refused where it arrives (a field error in Chinese) and never stored or shown.
//! Lengths are counted in characters (a Chinese character is one), after trimming.

use crate::case::Command;
use crate::ValidationErrors;

/// Names: an applicant, a person, a region, a place, a material.
pub const NAME: usize = 100;
/// Addresses and other one-line values (a licence number, a receipt number, a recipient).
pub const LINE: usize = 200;
/// Comments, reasons, opinions, complaints, a form's answers.
pub const TEXT: usize = 2000;
/// Long texts written by staff: a service guide's sections.
pub const LONG_TEXT: usize = 20000;

/// Adds a `too_long` error for `field` when `value` is longer than `max` characters.
pub fn check(errors: &mut ValidationErrors, field: &str, value: &str, max: usize) {
    let n = value.trim().chars().count();
    if n > max {
        errors.push(field, "too_long", format!("不能超过{max}个字(现为{n}个字)"));
    }
}

/// Every string in a filing's form answers (`form.<key>`), at most [`TEXT`] each; keys as names.
pub fn check_form(errors: &mut ValidationErrors, form: &serde_json::Value) {
    fn walk(errors: &mut ValidationErrors, path: &str, v: &serde_json::Value) {
        match v {
            serde_json::Value::String(s) => check(errors, path, s, TEXT),
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(errors, &format!("{path}[{i}]"), x);
                }
            }
            serde_json::Value::Object(o) => {
                for (k, x) in o {
                    if k.chars().count() > NAME {
                        errors.push(path, "too_long", format!("字段名不能超过{NAME}个字"));
                    } else {
                        walk(errors, &format!("{path}.{k}"), x);
                    }
                }
            }
            _ => {}
        }
    }
    walk(errors, "form", form);
}

/// A case command's text fields and the comment that goes with it.
pub fn check_command(cmd: &Command, comment: &str) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::default();
    check(&mut e, "comment", comment, TEXT);
    match cmd {
        Command::UpdateDraft { applicant, form } => {
            check(&mut e, "applicant.name", &applicant.name, NAME);
            check_form(&mut e, form);
        }
        Command::MarkMaterial { reason, .. }
        | Command::Forward { reason }
        | Command::Suspend { reason, .. }
        | Command::Extend { reason }
        | Command::Withdraw { reason }
        | Command::Terminate { reason } => check(&mut e, "reason", reason, TEXT),
        Command::Refund {
            reason, receipt_no, ..
        } => {
            check(&mut e, "reason", reason, TEXT);
            check(&mut e, "receipt_no", receipt_no, LINE);
        }
        Command::Refuse { reasons } => check(&mut e, "reasons", reasons, TEXT),
        Command::CompleteStage { opinion, .. } => check(&mut e, "opinion", opinion, TEXT),
        Command::RequestCorrection { defects } => {
            for (i, d) in defects.iter().enumerate() {
                check(&mut e, &format!("defects[{i}].material"), &d.material, NAME);
                check(&mut e, &format!("defects[{i}].reason"), &d.reason, TEXT);
            }
        }
        Command::Decide {
            reasons,
            licence_no,
            ..
        } => {
            check(&mut e, "reasons", reasons, TEXT);
            check(
                &mut e,
                "licence_no",
                licence_no.as_deref().unwrap_or(""),
                LINE,
            );
        }
        Command::HandleImmediately { licence_no } => {
            check(
                &mut e,
                "licence_no",
                licence_no.as_deref().unwrap_or(""),
                LINE,
            );
        }
        Command::RecordPayment { paper_no, .. } => {
            check(&mut e, "paper_no", paper_no.as_deref().unwrap_or(""), LINE)
        }
        Command::Deliver { recipient, .. } => check(&mut e, "recipient", recipient, LINE),
        Command::UploadMaterial { sha256, .. } => check(&mut e, "sha256", sha256, 64),
        Command::Submit
        | Command::Resubmit
        | Command::Accept
        | Command::AutoAccept
        | Command::Resume
        | Command::AssessFees { .. }
        | Command::Complete => {}
    }
    e.into_result(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        let mut e = ValidationErrors::default();
        check(&mut e, "name", &"张".repeat(NAME), NAME);
        assert!(e.is_empty());
        check(&mut e, "name", &"张".repeat(NAME + 1), NAME);
        assert_eq!(e.errors[0].code, "too_long");
        assert_eq!(e.errors[0].field, "name");
    }

    #[test]
    fn a_long_reason_or_form_answer_is_a_field_error() {
        let cmd = Command::Terminate {
            reason: "x".repeat(TEXT + 1),
        };
        let e = check_command(&cmd, "").unwrap_err();
        assert_eq!(e.errors[0].field, "reason");
        let mut e = ValidationErrors::default();
        check_form(
            &mut e,
            &serde_json::json!({"address": "路".repeat(TEXT + 1), "ok": "好"}),
        );
        assert_eq!(e.errors.len(), 1);
        assert_eq!(e.errors[0].field, "form.address");
    }
}
