//! 人员与权限 (issue 19, finding 9): the people of the caller's subtrees, searched by name and
//! filtered by region, role and department, a page at a time; an account's own page to edit its
//! name, phone and home region, switch it on or off and (the security administrator) change its
//! roles, each grant with its department.

use super::{csrf_input, field_errors, layout, PageResult};
use crate::auth::{Authed, PageUser};
use crate::error::AppError;
use crate::forms::UserForm;
use crate::pages::Form;
use crate::state::AppState;
use app::users::{GrantInput, ProfileInput, UserPage, UserQuery};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::access::{may_grant, Action, Role};
use domain::region::{Department, Region};
use domain::{FieldError, RegionCode};
use maud::html;
use serde::Deserialize;
use std::collections::HashMap;

/// The query string of a search, for the page links (values are percent-encoded).
fn query_string(q: &UserQuery) -> String {
    let enc = super::query_value;
    format!(
        "text={}&region={}&role={}&department={}",
        enc(q.text.trim()),
        enc(q.region.trim()),
        enc(q.role.trim()),
        enc(q.department.trim())
    )
}

fn region_name(regions: &[Region], c: &RegionCode) -> String {
    regions
        .iter()
        .find(|r| &r.code == c)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| c.to_string())
}

/// A department as people know it: its region's name and its own.
fn department_label(regions: &[Region], d: &Department) -> String {
    format!("{} {}", region_name(regions, &d.region_code), d.name)
}

/// The roles the caller may give somewhere in their subtrees.
fn grantable(u: &Authed) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| {
            u.grants()
                .iter()
                .any(|g| may_grant(u.grants(), *r, &g.region_code))
        })
        .collect()
}

fn may_create(u: &Authed) -> bool {
    [
        Action::ManageUsers,
        Action::ManageStaff,
        Action::ManageGrants,
    ]
    .iter()
    .any(|a| u.can_anywhere(*a))
}

pub async fn users(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<UserQuery>,
) -> PageResult {
    users_page(&state, &u, &q, &UserForm::default(), &[]).await
}

async fn users_page(
    state: &AppState,
    u: &Authed,
    q: &UserQuery,
    form: &UserForm,
    errs: &[FieldError],
) -> PageResult {
    let p: UserPage = app::users::search(state, u, q).await?;
    let regions = &p.regions;
    let dept_of = |id: i64| p.departments.iter().find(|d| d.id == id);
    let status = if errs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let qs = query_string(q);
    let can_reset = u.can_anywhere(Action::ManageCredentials);
    let body = html! {
        h1 { "人员与权限" }
        form.card method="get" action="/admin/users" aria-label="查找人员" {
            div.grid {
                div { label for="text" { "用户名或姓名" } input #text type="search" name="text" value=(q.text) maxlength="64"; }
                div { label for="f-region" { "所属区划" }
                    select #f-region name="region" {
                        option value="" { "全部" }
                        @for r in regions { option value=(r.code) selected[q.region == r.code.as_str()] { (r.name) } }
                    }
                }
                div { label for="f-role" { "角色" }
                    select #f-role name="role" {
                        option value="" { "全部" }
                        @for r in Role::ALL { option value=(r.as_str()) selected[q.role == r.as_str()] { (r.label()) } }
                    }
                }
                div { label for="f-department" { "部门" }
                    select #f-department name="department" {
                        option value="" { "全部" }
                        @for d in &p.departments { option value=(d.id) selected[q.department == d.id.to_string()] { (department_label(regions, d)) } }
                    }
                }
            }
            p.actions { button type="submit" { "查询" } " " a.button.secondary href="/admin/users" { "清除条件" } }
        }
        p.summary { "共 " (p.total) " 人,第 " (p.page) "/" (p.pages) " 页" }
        div.table-wrap { table {
            thead { tr { th scope="col" { "用户名" } th scope="col" { "姓名" } th scope="col" { "所属区划" } th scope="col" { "角色与范围" } th scope="col" { "状态" } @if can_reset { th scope="col" { "登录与安全" } } } }
            tbody { @for x in &p.rows { tr {
                td { a href={ "/admin/users/" (x.id) } { (x.username) } }
                td { (x.display_name) }
                td { (region_name(regions, &x.home_region)) }
                td { @for g in &x.grants {
                    span.tag { (g.role.label()) "@" (region_name(regions, &g.region_code))
                        @if let Some(d) = g.department_id.and_then(dept_of) { "·" (d.name) } }
                } }
                td { @if !x.active { "已停用" } @else if x.locked_until.is_some() { "已锁定" } @else { "正常" } }
                // The security administrator's everyday tasks, one click from the list.
                @if can_reset { td { @if x.id != u.user.id {
                    a href=(format!("/admin/users/{}/password", x.id)) { "重置密码" }
                    form.inline method="post" action=(format!("/admin/users/{}/unlock", x.id)) {
                        (csrf_input(u)) button.secondary type="submit" { "解除锁定" }
                    }
                    form.inline method="post" action=(format!("/admin/users/{}/second-factor/reset", x.id)) {
                        (csrf_input(u)) button.secondary type="submit" { "重置双因素认证" }
                    }
                } } }
            } } }
        } }
        nav.pager aria-label="分页" {
            @if p.page > 1 { a href={ "/admin/users?" (qs) "&page=" (p.page - 1) } { "上一页" } }
            @if p.page < p.pages { a href={ "/admin/users?" (qs) "&page=" (p.page + 1) } { "下一页" } }
        }
        @if may_create(u) {
            h2 #new { "新增人员" }
            @if !errs.is_empty() { div.notice.bad role="alert" { "请修改标出的内容。" } }
            form.stack method="post" action="/admin/users" {
                (csrf_input(u))
                label for="username" { "用户名" } input #username type="text" name="username" value=(form.username) required autocomplete="off"; (field_errors(errs, "username"))
                label for="display_name" { "姓名" } input #display_name type="text" name="display_name" value=(form.display_name) required; (field_errors(errs, "display_name"))
                label for="phone" { "手机号" } input #phone type="tel" name="phone" value=(form.phone); (field_errors(errs, "phone"))
                label for="password" { "初始密码" } input #password type="password" name="password" autocomplete="new-password" required; (field_errors(errs, "password"))
                label for="role" { "角色" }
                select #role name="role" { @for r in grantable(u) { option value=(r.as_str()) selected[form.role == r.as_str()] { (r.label()) } } }
                (field_errors(errs, "role"))
                label for="region" { "管辖区划" }
                select #region name="region" { @for r in regions { option value=(r.code) selected[form.region == r.code.as_str()] { (r.name) } } }
                (field_errors(errs, "region"))
                label for="department" { "部门(审批人员、部门负责人及部门窗口须选)" }
                select #department name="department" {
                    option value="" { "无(综合窗口、中心、监察等)" }
                    @for d in &p.departments { option value=(d.id) selected[form.department == d.id.to_string()] { (department_label(regions, d)) } }
                }
                (field_errors(errs, "department"))
                (field_errors(errs, "grants"))
                div.actions { button type="submit" { "创建" } }
            }
        }
    };
    Ok((status, layout("人员与权限", Some(u), body)).into_response())
}

/// A failure of a use case as field errors for the form it came from (`field` names the field
/// when the error has none of its own).
fn as_field_errors(e: AppError, field: &str) -> Result<Vec<FieldError>, AppError> {
    match e {
        AppError::Validation(v) => Ok(v.errors),
        AppError::BadRequest {
            code,
            message,
            field: f,
        } => Ok(vec![FieldError::new(
            f.unwrap_or(field.into()),
            code,
            message,
        )]),
        AppError::Conflict { code, message } => Ok(vec![FieldError::new(field, code, message)]),
        e => Err(e),
    }
}

/// The create form's errors on its own fields: a grant's role, region and department are the
/// form's role, region and department.
fn create_errors(errs: Vec<FieldError>) -> Vec<FieldError> {
    errs.into_iter()
        .map(|mut e| {
            e.field = match e.field.as_str() {
                "grants[0].role" => "role".into(),
                "grants[0].region_code" | "home_region" => "region".into(),
                "grants[0].department_id" => "department".into(),
                other => other.to_string(),
            };
            e
        })
        .collect()
}

pub async fn create_user(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(f): Form<UserForm>,
) -> PageResult {
    match crate::api::users::create_user_checked(&state, &u, &f.clone().into_request()).await {
        Ok(x) => Ok(Redirect::to(&format!("/admin/users/{}?done=created", x.id)).into_response()),
        Err(e) => {
            let errs = create_errors(as_field_errors(e, "username")?);
            users_page(&state, &u, &UserQuery::default(), &f, &errs).await
        }
    }
}

// ---------- one account ----------

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    done: String,
}

/// The grant rows of the editor: the account's grants, then `blank` empty rows to add one.
struct GrantRow {
    role: String,
    region: String,
    department: String,
}

pub async fn user_page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Query(d): Query<Done>,
) -> PageResult {
    user_view(&state, &u, id, &d.done, None, &[], StatusCode::OK).await
}

/// What the account page shows: the account, and the form that failed (with what was typed).
#[allow(clippy::too_many_arguments)]
async fn user_view(
    state: &AppState,
    u: &Authed,
    id: i64,
    done: &str,
    typed: Option<&HashMap<String, String>>,
    errs: &[FieldError],
    status: StatusCode,
) -> PageResult {
    let x = app::users::get(state, u, id).await?;
    let p = app::users::search(state, u, &UserQuery::default()).await?;
    let regions = &p.regions;
    let typed_or = |k: &str, v: &str| -> String {
        typed
            .and_then(|t| t.get(k))
            .cloned()
            .unwrap_or_else(|| v.to_string())
    };
    let can_edit = may_create(u);
    let can_grant = u.can_anywhere(Action::ManageGrants);
    let mut rows: Vec<GrantRow> = match typed.filter(|t| t.contains_key("role_0")) {
        Some(t) => (0..)
            .map_while(|i| {
                t.get(&format!("role_{i}")).map(|role| GrantRow {
                    role: role.clone(),
                    region: t.get(&format!("region_{i}")).cloned().unwrap_or_default(),
                    department: t
                        .get(&format!("department_{i}"))
                        .cloned()
                        .unwrap_or_default(),
                })
            })
            .collect(),
        None => x
            .grants
            .iter()
            .map(|g| GrantRow {
                role: g.role.as_str().into(),
                region: g.region_code.to_string(),
                department: g.department_id.map(|d| d.to_string()).unwrap_or_default(),
            })
            .collect(),
    };
    rows.push(GrantRow {
        role: String::new(),
        region: String::new(),
        department: String::new(),
    });
    let notice = match done {
        "created" => Some("账户已创建。"),
        "profile" => Some("账户信息已保存。"),
        "active" => Some(if x.active {
            "账户已启用。"
        } else {
            "账户已停用,其会话已全部结束。"
        }),
        "grants" => Some("角色授权已保存,其会话已全部结束,新授权立即生效。"),
        _ => None,
    };
    let body = html! {
        p { a href="/admin/users" { "← 人员与权限" } }
        h1 { (x.display_name) " (" (x.username) ")" }
        @if let Some(n) = notice { div.notice.ok role="status" { (n) } }
        @if !errs.is_empty() { div.notice.bad role="alert" { "请修改标出的内容。" } }
        table.kv {
            tr { th { "状态" } td { @if !x.active { "已停用" } @else if x.locked_until.is_some() { "已锁定" } @else { "正常" } } }
            tr { th { "所属区划" } td { (region_name(regions, &x.home_region)) } }
            tr { th { "开户时间" } td { (domain::time::minute(x.created_at)) } }
        }
        @if can_edit {
            h2 { "账户信息" }
            form.stack method="post" action={ "/admin/users/" (x.id) } {
                (csrf_input(u))
                label for="display_name" { "姓名" }
                input #display_name type="text" name="display_name" value=(typed_or("display_name", &x.display_name)) required aria-invalid=[errs.iter().any(|e| e.field == "display_name").then_some("true")];
                (field_errors(errs, "display_name"))
                label for="phone" { "手机号" }
                input #phone type="tel" name="phone" value=(typed_or("phone", &x.phone)) aria-invalid=[errs.iter().any(|e| e.field == "phone").then_some("true")];
                (field_errors(errs, "phone"))
                label for="home_region" { "所属区划" }
                @let home = typed_or("home_region", x.home_region.as_str());
                select #home_region name="home_region" {
                    @for r in regions { option value=(r.code) selected[home == r.code.as_str()] { (r.name) } }
                }
                (field_errors(errs, "home_region"))
                div.actions { button type="submit" { "保存" } }
            }
            @if x.id != u.user.id {
                form.inline method="post" action={ "/admin/users/" (x.id) "/active" } {
                    (csrf_input(u))
                    input type="hidden" name="active" value=(if x.active { "false" } else { "true" });
                    button.secondary type="submit" { @if x.active { "停用账户" } @else { "启用账户" } }
                }
                (field_errors(errs, "active"))
            }
        }
        @if u.can_anywhere(Action::ManageCredentials) && x.id != u.user.id {
            h2 { "登录与安全" }
            p.actions {
                a.button.secondary href=(format!("/admin/users/{}/password", x.id)) { "重置密码" }
                " "
                form.inline method="post" action=(format!("/admin/users/{}/unlock", x.id)) {
                    (csrf_input(u)) button.secondary type="submit" { "解除锁定" }
                }
                " "
                form.inline method="post" action=(format!("/admin/users/{}/second-factor/reset", x.id)) {
                    (csrf_input(u)) button.secondary type="submit" { "重置双因素认证" }
                }
            }
        }
        h2 { "角色与范围" }
        @if can_grant {
            p.hint { "逐行设置角色、管辖区划和部门;角色留空的行不保存。保存后该人员须重新登录。" }
            form.stack method="post" action={ "/admin/users/" (x.id) "/grants" } {
                (csrf_input(u))
                @for (i, g) in rows.iter().enumerate() {
                    fieldset.grant {
                        legend { @if g.role.is_empty() { "新增授权" } @else { "授权 " (i + 1) } }
                        div.grid {
                            div { label for={ "role_" (i) } { "角色" }
                                select id={ "role_" (i) } name={ "role_" (i) } {
                                    option value="" { "(不授予)" }
                                    @for r in Role::ALL { option value=(r.as_str()) selected[g.role == r.as_str()] { (r.label()) } }
                                }
                            }
                            div { label for={ "region_" (i) } { "管辖区划" }
                                select id={ "region_" (i) } name={ "region_" (i) } {
                                    @for r in regions { option value=(r.code) selected[g.region == r.code.as_str()] { (r.name) } }
                                }
                            }
                            div { label for={ "department_" (i) } { "部门" }
                                select id={ "department_" (i) } name={ "department_" (i) } {
                                    option value="" { "无" }
                                    @for d in &p.departments { option value=(d.id) selected[g.department == d.id.to_string()] { (department_label(regions, d)) } }
                                }
                            }
                        }
                        (field_errors(errs, &format!("grants[{i}]")))
                    }
                }
                (field_errors(errs, "grants"))
                div.actions { button type="submit" { "保存授权" } }
            }
        } @else {
            ul { @for g in &x.grants { li { (g.role.label()) "@" (region_name(regions, &g.region_code))
                @if let Some(d) = g.department_id.and_then(|id| p.departments.iter().find(|d| d.id == id)) { "·" (d.name) } } } }
            p.hint { "角色变更由安全管理员办理(三员分立)。" }
        }
    };
    Ok((status, layout(&x.display_name, Some(u), body)).into_response())
}

/// The account page again after a refused form: what was typed, the errors beside their fields.
async fn refused(
    state: &AppState,
    u: &Authed,
    id: i64,
    typed: Option<&HashMap<String, String>>,
    errs: &[FieldError],
) -> PageResult {
    user_view(
        state,
        u,
        id,
        "",
        typed,
        errs,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn save_profile(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = ProfileInput {
        display_name: get("display_name"),
        phone: get("phone"),
        home_region: get("home_region"),
    };
    match app::users::update_profile(&state, &u, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/users/{id}?done=profile")).into_response()),
        Err(e) => {
            refused(
                &state,
                &u,
                id,
                Some(&f),
                &as_field_errors(e, "display_name")?,
            )
            .await
        }
    }
}

pub async fn save_active(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let active = f.get("active").map(String::as_str) == Some("true");
    match app::users::set_active(&state, &u, id, active).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/users/{id}?done=active")).into_response()),
        Err(e) => refused(&state, &u, id, None, &as_field_errors(e, "active")?).await,
    }
}

pub async fn save_grants(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    // Rows whose role is left empty are not grants: the blank row, or one being removed.
    let rows: Vec<(usize, GrantInput)> = (0..)
        .map_while(|i| f.get(&format!("role_{i}")).map(|role| (i, role)))
        .filter(|(_, role)| !role.trim().is_empty())
        .map(|(i, role)| {
            let input = GrantInput {
                role: role.trim().to_string(),
                region_code: f.get(&format!("region_{i}")).cloned().unwrap_or_default(),
                department_id: f
                    .get(&format!("department_{i}"))
                    .and_then(|d| d.trim().parse().ok()),
            };
            (i, input)
        })
        .collect();
    let inputs: Vec<GrantInput> = rows.iter().map(|(_, g)| g.clone()).collect();
    match app::users::set_grants(&state, &u, id, &inputs).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/users/{id}?done=grants")).into_response()),
        Err(e) => {
            // An error about the k-th grant is shown at the row it came from.
            let errs = as_field_errors(e, "grants")?
                .into_iter()
                .map(|mut e| {
                    for (k, (row, _)) in rows.iter().enumerate() {
                        let from = format!("grants[{k}]");
                        if let Some(rest) = e.field.strip_prefix(&from) {
                            e.field = format!("grants[{row}]{rest}");
                            break;
                        }
                    }
                    e
                })
                .collect::<Vec<_>>();
            refused(&state, &u, id, Some(&f), &errs).await
        }
    }
}
