//! Filing a case at a window or by a village agent: the form and its submission.

use super::{csrf_input, layout, PageResult};
use crate::auth::{Authed, PageUser};
use crate::cases::{self, ApplicantInput, FileRequest};
use crate::error::AppError;
use crate::pages::Form;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::access::Role;
use domain::case::ApplicantKind;
use maud::html;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct FileForm {
    item_code: String,
    kind: String,
    name: String,
    id_number: String,
    phone: String,
    applicant_region: String,
}

pub async fn new_case(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(mut f): Query<FileForm>,
) -> PageResult {
    // An applicant applies as themself: name and phone come from the account.
    if !u.is_staff() {
        if f.name.is_empty() {
            f.name = u.user.display_name.clone();
        }
        if f.phone.is_empty() {
            f.phone = u.user.phone.clone();
        }
    }
    file_page(&state, &u, &f, &[]).await
}

pub(super) async fn file_page(
    state: &AppState,
    u: &Authed,
    f: &FileForm,
    errs: &[domain::FieldError],
) -> PageResult {
    let items = app::catalog::list(state, None, false).await?;
    let agent = u.grants().iter().any(|g| g.role == Role::VillageAgent);
    let online = !u.is_staff();
    let items: Vec<_> = items
        .into_iter()
        .filter(|i| !agent || i.proxy_allowed)
        .collect();
    let status = if errs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = if online {
        "在线申报"
    } else if agent {
        "村代办登记"
    } else {
        "窗口收件登记"
    };
    let body = html! {
        h1 { (title) }
        @if !errs.is_empty() { div.notice.bad role="alert" { ul { @for e in errs { li { (e.message) } } } } }
        form.stack.card method="post" action="/cases/new" {
            (csrf_input(u))
            label for="item_code" { "办理事项" }
            select #item_code name="item_code" required {
                @for i in &items { option value=(i.code) selected[f.item_code == i.code] { (i.name) "(" (i.kind.label()) ")" } }
            }
            (crate::pages::field_errors(errs, "item_code"))
            label for="kind" { "申请人类型" }
            select #kind name="kind" {
                option value="person" selected[f.kind != "enterprise"] { "个人" }
                option value="enterprise" selected[f.kind == "enterprise"] { "企业" }
            }
            label for="name" { "申请人姓名或企业名称" } input #name type="text" name="name" value=(f.name) required;
            (crate::pages::field_errors(errs, "applicant.name"))
            label for="id_number" { "身份证号码或统一社会信用代码" } input #id_number type="text" name="id_number" value=(f.id_number) required autocomplete="off";
            (crate::pages::field_errors(errs, "applicant.id_number"))
            label for="phone" { "手机号" } input #phone type="tel" name="phone" value=(f.phone) required;
            (crate::pages::field_errors(errs, "applicant.phone"))
            @if !online && !agent {
                label for="applicant_region" { "申请人所在村(社区)区划代码(可空)" } input #applicant_region type="text" name="applicant_region" value=(f.applicant_region) inputmode="numeric";
            }
            div.actions { button type="submit" { @if online { "保存草稿" } @else { "登记并收取材料" } } }
        }
    };
    Ok((status, layout(title, Some(u), body)).into_response())
}

pub async fn file_submit(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(f): Form<FileForm>,
) -> PageResult {
    let req = FileRequest {
        item_code: f.item_code.clone(),
        applicant: ApplicantInput {
            kind: if f.kind == "enterprise" {
                ApplicantKind::Enterprise
            } else {
                ApplicantKind::Person
            },
            name: f.name.clone(),
            id_number: f.id_number.clone(),
            phone: f.phone.clone(),
        },
        applicant_region: Some(f.applicant_region.clone()).filter(|s| !s.trim().is_empty()),
        form: serde_json::Value::Null,
    };
    match cases::file_case(&state, &u, &req).await {
        Ok(c) => Ok(Redirect::to(&format!("/cases/{}", c.filing.number)).into_response()),
        Err(AppError::Validation(v)) => file_page(&state, &u, &f, &v.errors).await,
        Err(AppError::BadRequest {
            code,
            message,
            field,
        }) => {
            file_page(
                &state,
                &u,
                &f,
                &[domain::FieldError::new(
                    field.unwrap_or_default(),
                    code,
                    message,
                )],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
