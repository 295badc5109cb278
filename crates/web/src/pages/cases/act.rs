//! Acting on a case from its page: a form becomes a typed command; material uploads and files.

use super::*;
use super::{PageError, PageResult};
use crate::auth::PageUser;
use crate::cases::{self};
use crate::error::AppError;
use crate::error::HttpError;
use crate::pages::Form;
use crate::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use domain::case::{
    Case, Command, DeliveryMethod, MaterialStatus, PaymentMethod, SpecialProcedure,
};
use domain::catalog::parse_yuan;
use std::collections::HashMap;

/// One of an enum's words (its JSON spelling), or a field error naming the field: an unknown word is
/// refused, never read as a default.
pub(super) fn choice<T: std::str::FromStr>(
    word: &str,
    field: &str,
    message: &str,
) -> Result<T, AppError> {
    word.parse()
        .map_err(|_| AppError::bad_field("invalid_choice", field, message))
}

/// Builds a command from the action form's fields.
pub(super) fn command_from(
    fields: &HashMap<String, String>,
    c: &Case,
) -> Result<Command, AppError> {
    let get = |k: &str| {
        fields
            .get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let idx = |k: &str| {
        get(k)
            .parse::<usize>()
            .map_err(|_| AppError::bad_field("invalid_index", k, "请选择一项"))
    };
    let yes = |k: &str| get(k) == "true";
    Ok(match get("action").as_str() {
        "submit" => Command::Submit,
        "resubmit" => Command::Resubmit,
        "mark_material" => Command::MarkMaterial {
            index: idx("index")?,
            status: choice::<MaterialStatus>(&get("status"), "status", "请选择材料状态")?,
            reason: get("reason"),
        },
        "request_correction" => Command::RequestCorrection { defects: vec![] },
        "refuse" => Command::Refuse {
            reasons: get("reasons"),
        },
        "accept" => Command::Accept,
        "handle_immediately" => Command::HandleImmediately {
            licence_no: Some(get("licence_no")).filter(|s| !s.is_empty()),
        },
        "complete_stage" => Command::CompleteStage {
            index: idx("index")?,
            approved: yes("approved"),
            opinion: get("opinion"),
        },
        "suspend" => Command::Suspend {
            procedure: SpecialProcedure::parse(&get("procedure")).ok_or_else(|| {
                AppError::bad_field("invalid_procedure", "procedure", "请选择特别程序")
            })?,
            reason: get("reason"),
            expected_days: get("expected_days").parse().map_err(|_| {
                AppError::bad_field("invalid_number", "expected_days", "预计工作日应为正整数")
            })?,
        },
        "resume" => Command::Resume,
        "forward" => Command::Forward {
            reason: get("reason"),
        },
        "extend" => Command::Extend {
            reason: get("reason"),
        },
        "decide" => Command::Decide {
            granted: yes("granted"),
            reasons: get("reasons"),
            licence_no: Some(get("licence_no")).filter(|s| !s.is_empty()),
        },
        "assess_fees" => {
            let mut lines = vec![];
            for i in 0..c.filing.item.fees.len() {
                let q = get(&format!("fee_qty_{i}"));
                let q: u32 = if q.is_empty() {
                    0
                } else {
                    q.parse().map_err(|_| {
                        AppError::bad_field("invalid_number", "fee_qty", "数量应为非负整数")
                    })?
                };
                if q > 0 {
                    lines.push((i, q));
                }
            }
            Command::AssessFees { lines }
        }
        "record_payment" => Command::RecordPayment {
            amount_fen: parse_yuan(&get("amount")).ok_or_else(|| {
                AppError::bad_field("invalid_money", "amount", "金额应为元,最多两位小数")
            })?,
            method: choice::<PaymentMethod>(&get("method"), "method", "请选择收费方式")?,
            // Issued by the platform as the payment is recorded (`app::cases::execute_on`).
            receipt_no: String::new(),
            paper_no: Some(get("paper_no")).filter(|s| !s.is_empty()),
        },
        "refund" => Command::Refund {
            amount_fen: parse_yuan(&get("amount")).ok_or_else(|| {
                AppError::bad_field("invalid_money", "amount", "金额应为元,最多两位小数")
            })?,
            reason: get("reason"),
            receipt_no: get("receipt_no"),
        },
        "deliver" => Command::Deliver {
            method: choice::<DeliveryMethod>(&get("method"), "method", "请选择送达方式")?,
            recipient: get("recipient"),
        },
        "complete" => Command::Complete,
        "withdraw" => Command::Withdraw {
            reason: get("reason"),
        },
        "terminate" => Command::Terminate {
            reason: get("reason"),
        },
        _ => {
            return Err(AppError::bad_field(
                "invalid_action",
                "action",
                format!("未知操作(办件 {})", c.filing.number),
            ))
        }
    })
}

pub async fn case_act(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(number): Path<String>,
    Form(fields): Form<HashMap<String, String>>,
) -> PageResult {
    let number = crate::ids::case_number(&number)?;
    let c = cases::load_visible(&state, &u, &number).await?;
    let action = fields.get("action").cloned().unwrap_or_default();
    let outcome = if action == "mark_materials" {
        mark_materials(&state, &u, &number, &c, &fields).await
    } else {
        match command_from(&fields, &c) {
            Ok(cmd) => {
                let actor = cases::actor_for(&state, &u).await?;
                cases::execute(
                    &state,
                    &actor,
                    &number,
                    &cmd,
                    fields.get("comment").map(String::as_str).unwrap_or(""),
                    &[],
                )
                .await
                .map(|_| ())
            }
            Err(e) => Err(e),
        }
    };
    match outcome {
        // Said once on the page the browser comes back to.
        Ok(()) => Ok(Redirect::to(&format!("/cases/{number}?done={action}")).into_response()),
        Err(
            e @ (AppError::BadRequest { .. } | AppError::Conflict { .. } | AppError::Validation(_)),
        ) => {
            let status = e.status();
            // The page comes back with the form as it was sent, the failure beside its field.
            let failed = super::page::Failed {
                action: fields.get("action").cloned().unwrap_or_default(),
                field: e.fields().0,
                message: e.user_message(),
                values: fields,
            };
            render_case(&state, &u, &number, Some(failed), None, status).await
        }
        Err(e) => Err(PageError(e)),
    }
}

/// Every material checked in one form: one `MarkMaterial` per material whose result or note
/// changed, in order; the first refusal stops there (those before it are recorded).
async fn mark_materials(
    state: &AppState,
    u: &crate::auth::Authed,
    number: &domain::CaseNumber,
    c: &Case,
    fields: &HashMap<String, String>,
) -> Result<(), AppError> {
    let actor = cases::actor_for(state, u).await?;
    for (i, m) in c.materials.iter().enumerate() {
        let Some(word) = fields.get(&format!("status_{i}")) else {
            continue;
        };
        let status = choice::<MaterialStatus>(word, &format!("status_{i}"), "请选择材料状态")?;
        let reason = fields
            .get(&format!("reason_{i}"))
            .map(|r| r.trim().to_string())
            .unwrap_or_default();
        if status == m.status && reason == m.reason {
            continue;
        }
        let cmd = Command::MarkMaterial {
            index: i,
            status,
            reason,
        };
        let comment = fields.get("comment").map(String::as_str).unwrap_or("");
        cases::execute(state, &actor, number, &cmd, comment, &[]).await?;
    }
    Ok(())
}

fn invalid_index() -> AppError {
    AppError::bad_field("invalid_index", "index", "请选择材料")
}

pub async fn case_upload(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(number): Path<String>,
    mut mp: Multipart,
) -> PageResult {
    let number = crate::ids::case_number(&number)?;
    let c = cases::load_visible(&state, &u, &number).await?;
    // The form sends the material's index before the file: whether this user may upload it is
    // settled before the file's bytes are read, and nothing is written for a refused upload.
    let result = async {
        let mut index = None;
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|_| crate::files::too_large())?
        {
            match field.name() {
                Some("index") => {
                    let text = field.text().await.map_err(|_| invalid_index())?;
                    index = Some(text.trim().parse::<usize>().map_err(|_| invalid_index())?);
                }
                Some("file") => {
                    let index = index.ok_or_else(invalid_index)?;
                    let actor = cases::upload_allowed(&state, &u, &c, index).await?;
                    let data = field.bytes().await.map_err(|_| crate::files::too_large())?;
                    return cases::upload_material(&state, &actor, &number, index, &data).await;
                }
                _ => {}
            }
        }
        Err(AppError::bad_field("file_required", "file", "请选择文件"))
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{number}?done=upload")).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict { .. })) => {
            let failed = super::page::Failed {
                action: "upload".into(),
                field: e.fields().0,
                message: e.user_message(),
                values: Default::default(),
            };
            render_case(&state, &u, &number, Some(failed), None, e.status()).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn case_file(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path((number, hash)): Path<(String, String)>,
) -> PageResult {
    let number = crate::ids::case_number(&number)?;
    let c = cases::load_visible(&state, &u, &number).await?;
    if !c.materials.iter().any(|m| m.files.contains(&hash)) {
        return Err(AppError::NotFound("文件").into());
    }
    let (bytes, ct) = crate::files::read(&state, &hash).await?;
    Ok(([(header::CONTENT_TYPE, ct)], bytes).into_response())
}
