//! The staff workbench: regions and places, people, catalog, working calendar.
//! Every handler authorizes through `Authed::authorize` / `Authed::scope` before touching data.

use super::{csrf_input, field_errors, layout, public::item_guide, PageError, PageResult};
use crate::auth::{Authed, PageUser};
use crate::error::AppError;
use crate::forms::{self, ItemForm, PlaceForm, RegionForm};
use crate::ids;
use crate::pages::Form;
use crate::state::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use domain::access::Action;
use domain::calendar::DayKind;
use domain::catalog::ItemStatus;
use domain::region::{construction_standard, ServicePlace};
use domain::{FieldError, RegionCode, Scope};
use maud::{html, Markup};
use serde::Deserialize;
use store::Closure;

fn page(title: &str, u: &Authed, body: Markup) -> Response {
    layout(title, Some(u), body).into_response()
}

fn forbid_unless_staff(u: &Authed) -> Result<(), PageError> {
    if u.is_staff() {
        Ok(())
    } else {
        Err(PageError(AppError::Forbidden))
    }
}

pub async fn index(State(state): State<AppState>, PageUser(u): PageUser) -> PageResult {
    forbid_unless_staff(&u)?;
    let today = state.clock.today();
    let cal = state.calendar();
    let missing: Vec<i32> = [today.year(), today.year() + 1]
        .into_iter()
        .filter(|y| !cal.is_year_loaded(*y))
        .collect();
    // The orders this user follows or answers: those still waiting for the unit's reply.
    let orders = app::supervision_orders::list(&state, &u).await?;
    let waiting_orders: Vec<_> = orders
        .iter()
        .filter(|o| o.status == store::OrderStatus::Open)
        .collect();
    let waiting = waiting_orders.len();
    let late = waiting_orders
        .iter()
        .filter(|o| o.reply_due < today)
        .count();
    let body = html! {
        h1 { "工作台" }
        @if u.can_anywhere(Action::ManageCalendar) || u.can_anywhere(Action::ReadCalendar) {
            @for y in &missing {
                div.notice.warn role="status" {
                    strong { (y) "年的节假日安排尚未导入。" }
                    " 跨入该年的期限暂按周一至周五计算并标记为“待核”。"
                    @if u.can_anywhere(Action::ManageCalendar) { a href="/admin/calendar" { "去导入" } }
                }
            }
        }
        div.card {
            h2 { "我的角色" }
            table { thead { tr { th { "角色" } th { "管辖范围" } } }
                tbody { @for g in u.grants() { tr { td { (g.role.label()) } td { (g.region_code) " · " (g.region_level.label()) } } } } }
        }
        @if u.can_anywhere(Action::ReadCases) || !orders.is_empty() {
            h2 { "待办" }
            div.grid {
                @if u.can_anywhere(Action::ReadCases) { a.card href="/cases" { strong { "办件工作台" } p.hint { "本辖区办件:待预审、待审查、待决定、待送达" } } }
                a.card href="/supervision/orders" {
                    strong { "督办单" }
                    p.hint {
                        @if waiting == 0 { "暂无待回复的督办单" } @else { (waiting) " 件待回复" }
                        @if late > 0 { "," span.err { (late) " 件已逾期" } }
                    }
                }
                @if u.can_anywhere(Action::ReadFees) { a.card href="/fees" { strong { "收费日报" } p.hint { "当日票据、汇总与对账" } } }
            }
        }
        div.grid {
            @if u.can_anywhere(Action::ReadRegions) { a.card href="/admin/regions" { strong { "区划与服务场所" } p.hint { "四级网络、中心与服务室、窗口、进驻部门" } } }
            @if u.can_anywhere(Action::ReadUsers) { a.card href="/admin/users" { strong { "人员与权限" } p.hint { "账户、角色与管辖范围" } } }
            @if u.can_anywhere(Action::ManageCatalog) { a.card href="/admin/catalog" { strong { "事项目录" } p.hint { "事项版本、发布、Excel 导入导出" } } }
            @if u.can_anywhere(Action::ReadCalendar) { a.card href="/admin/calendar" { strong { "工作日历" } p.hint { "节假日、调休、闭馆与期限计算" } } }
            @if u.can_anywhere(Action::ManageUsers) { a.card href="/admin/portal" { strong { "门户信息" } p.hint { "城市名称、主办单位、备案号与服务热线" } } }
        }
    };
    Ok(page("工作台", &u, body))
}

// ---------- regions and places ----------

pub async fn regions(State(state): State<AppState>, PageUser(u): PageUser) -> PageResult {
    let (regions, places) = app::regions::network(&state, &u).await?;
    let has_place = |c: &RegionCode| places.iter().any(|p| &p.region_code == c);
    let body = html! {
        h1 { "区划与服务场所" }
        p.hint { "仅显示您管辖范围内的区划。" }
        div.table-wrap { table {
            thead { tr { th { "区划代码" } th { "名称" } th { "层级" } th { "服务场所" } } }
            tbody { @for r in &regions { tr {
                td { (r.code) }
                td { span style={ "padding-left:" ((r.level.as_i32() - 1) * 24) "px" } { a href={ "/admin/regions/" (r.code) } { (r.name) } } }
                td { (r.level.label()) }
                td { @if has_place(&r.code) { "已建" } @else { span.err { "未建" } } }
            } } }
        } }
    };
    Ok(page("区划与服务场所", &u, body))
}

pub async fn region_detail(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(code): Path<String>,
) -> PageResult {
    let d = app::regions::detail(&state, &u, &code).await?;
    Ok(page(&d.region.name, &u, region_body(&u, &d, &[], &[])))
}

fn region_body(
    u: &Authed,
    d: &app::regions::RegionDetail,
    place_errs: &[FieldError],
    child_errs: &[FieldError],
) -> Markup {
    let app::regions::RegionDetail {
        region,
        place,
        children,
        departments: depts,
    } = d;
    let own_depts: Vec<_> = depts
        .iter()
        .filter(|d| d.region_code == region.code)
        .collect();
    let can_edit_place = u.authorize(Action::ManagePlaces, &region.code).is_ok();
    let can_add_region =
        u.authorize(Action::ManageRegions, &region.code).is_ok() && region.level.child().is_some();
    let dept_name = |id: &i64| {
        depts
            .iter()
            .find(|d| d.id == *id)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| format!("#{id}"))
    };
    let p = place.clone().unwrap_or_else(|| ServicePlace {
        region_code: region.code.clone(),
        name: format!(
            "{}{}",
            region.name,
            region.level.place_label().trim_start_matches(['市', '县'])
        ),
        kind: domain::region::PlaceKind::for_level(region.level),
        address: String::new(),
        hours: String::new(),
        phone: String::new(),
        windows: vec![],
        departments: vec![],
        construction: vec![],
    });
    html! {
        h1 { (region.name) " " span.hint { (region.code) " · " (region.level.label()) } }
        @if let Some(parent) = &region.parent { p { "上级:" a href={ "/admin/regions/" (parent) } { (parent) } } }
        h2 { "服务场所" }
        @match &place {
            Some(pl) => {
                table.kv {
                    tr { th { "名称" } td { (pl.name) } }
                    tr { th { "类型" } td { @if pl.kind == domain::region::PlaceKind::Center { "服务中心" } @else { "服务室" } } }
                    tr { th { "地址" } td { (pl.address) } }
                    tr { th { "办公时间" } td { (pl.hours) } }
                    tr { th { "电话" } td { (pl.phone) } }
                    tr { th { "窗口" } td { @for w in &pl.windows { span.tag { (w.number) " " (w.name) } } } }
                    tr { th { "进驻部门" } td { @for d in &pl.departments { span.tag { (dept_name(d)) } } } }
                    tr { th { "建设标准" } td { @for c in &pl.construction { span.tag { @if c.met { "✔ " } @else { "✘ " } (c.label) } } } }
                }
            }
            None => { p.err { "该区划尚未建立服务场所。" } }
        }
        @if can_edit_place {
            details open[!place_errs.is_empty() || place.is_none()] {
                summary { "编辑服务场所" }
                form.stack method="post" action={ "/admin/regions/" (region.code) "/place" } {
                    (csrf_input(u))
                    label for="name" { "场所名称" } input #name type="text" name="name" value=(p.name) required; (field_errors(place_errs, "name"))
                    label for="address" { "地址" } input #address type="text" name="address" value=(p.address); (field_errors(place_errs, "address"))
                    label for="hours" { "办公时间" } input #hours type="text" name="hours" value=(p.hours);
                    label for="phone" { "电话" } input #phone type="tel" name="phone" value=(p.phone); (field_errors(place_errs, "phone"))
                    label for="windows" { "窗口(每行一个:编号|名称)" }
                    textarea #windows name="windows" { (p.windows.iter().map(|w| format!("{}|{}", w.number, w.name)).collect::<Vec<_>>().join("\n")) }
                    (field_errors(place_errs, "windows"))
                    fieldset { legend { "进驻部门" }
                        @for d in depts { label style="font-weight:normal" { input type="checkbox" name="departments" value=(d.id) checked[p.departments.contains(&d.id)]; " " (d.name) } }
                    }
                    fieldset { legend { "建设标准(" @if region.level == domain::Level::Village { "七有" } @else { "四有" } ")" }
                        @for (key, label) in construction_standard(p.kind) {
                            label style="font-weight:normal" { input type="checkbox" name="construction" value=(key) checked[p.construction.iter().any(|c| c.key == key && c.met)]; " " (label) }
                        }
                    }
                    div.actions { button type="submit" { "保存" } }
                }
            }
        }
        @if !own_depts.is_empty() {
            h2 { "本级部门" }
            ul { @for d in &own_depts { li { (d.name) " " span.hint { (d.code) } } } }
        }
        h2 { "下级区划" }
        @if children.is_empty() { p.hint { "无" } }
        ul { @for c in children { li { a href={ "/admin/regions/" (c.code) } { (c.name) } " " span.hint { (c.code) } } } }
        @if can_add_region {
            details open[!child_errs.is_empty()] {
                summary { "新增下级区划" }
                form.stack method="post" action={ "/admin/regions/" (region.code) "/children" } {
                    (csrf_input(u))
                    label for="ccode" { "区划代码(12位)" } input #ccode type="text" name="code" inputmode="numeric" required; (field_errors(child_errs, "code"))
                    label for="cname" { "名称" } input #cname type="text" name="name" required; (field_errors(child_errs, "name"))
                    (field_errors(child_errs, "parent"))
                    div.actions { button type="submit" { "新增" } }
                }
            }
        }
    }
}

pub async fn save_place(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(code): Path<String>,
    body: axum::body::Bytes,
) -> PageResult {
    let code = RegionCode::parse(&code).map_err(AppError::from)?;
    u.authorize(Action::ManagePlaces, &code)?;
    let region = app::regions::get(&state, &u, code.as_str()).await?;
    let form = PlaceForm::parse(&body)?;
    match form.into_place(&region) {
        Ok(place) => {
            app::regions::put_place(&state, &u, code.as_str(), place).await?;
            Ok(Redirect::to(&format!("/admin/regions/{code}")).into_response())
        }
        Err(errs) => {
            let d = app::regions::detail(&state, &u, code.as_str()).await?;
            let body = region_body(&u, &d, &errs.errors, &[]);
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                layout(&region.name, Some(&u), body),
            )
                .into_response())
        }
    }
}

pub async fn add_child_region(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(code): Path<String>,
    Form(f): Form<RegionForm>,
) -> PageResult {
    let parent_code = RegionCode::parse(&code).map_err(AppError::from)?;
    u.authorize(Action::ManageRegions, &parent_code)?;
    let parent = app::regions::get(&state, &u, parent_code.as_str()).await?;
    let created = match forms::child_region(&parent, &f) {
        Ok(child) => {
            let new = app::regions::NewRegion {
                code: child.code.to_string(),
                name: child.name,
                parent: Some(parent_code.to_string()),
            };
            app::regions::create(&state, &u, &new).await
        }
        Err(errs) => Err(AppError::Validation(errs)),
    };
    let (status, errs) = match created {
        Ok(child) => {
            return Ok(Redirect::to(&format!("/admin/regions/{}", child.code)).into_response())
        }
        Err(AppError::Conflict { code, message }) => (
            axum::http::StatusCode::CONFLICT,
            vec![FieldError::new("code", code, message)],
        ),
        Err(AppError::Validation(v)) => (axum::http::StatusCode::UNPROCESSABLE_ENTITY, v.errors),
        Err(e) => return Err(e.into()),
    };
    let d = app::regions::detail(&state, &u, parent_code.as_str()).await?;
    let body = region_body(&u, &d, &[], &errs);
    Ok((status, layout(&parent.name, Some(&u), body)).into_response())
}

// ---------- users: see `people` ----------

// ---------- catalog ----------

pub async fn catalog(State(state): State<AppState>, PageUser(u): PageUser) -> PageResult {
    catalog_page(&state, &u, None).await
}

async fn catalog_page(state: &AppState, u: &Authed, import_result: Option<Markup>) -> PageResult {
    let items = app::catalog::managed_items(state, u).await?;
    let synonyms = state.synonyms().await?;
    let body = html! {
        h1 { "事项目录管理" }
        @if let Some(r) = import_result { (r) }
        div.actions {
            a.button href="/admin/catalog/new" { "新建事项" }
            a.button.secondary href="/api/v1/catalog/export?format=xlsx" { "导出 Excel" }
            a.button.secondary href="/api/v1/catalog/export?format=csv" { "导出 CSV" }
        }
        @if u.can_anywhere(Action::ManageUsers) {
            form.card.stack method="post" action="/admin/catalog/synonyms" {
                (csrf_input(u))
                h2 { "搜索同义词" }
                p.hint { "每行一组:群众常说的词=事项用语(多个用、分隔),如 开店=个体工商户、营业执照。" }
                label for="synonyms" { "同义词" }
                textarea #synonyms name="synonyms" rows="6" { (synonyms.iter().map(|(k, v)| format!("{k}={}", v.join("、"))).collect::<Vec<_>>().join("\n")) }
                div.actions { button type="submit" { "保存同义词" } }
            }
        }
        form.card method="post" action={ "/admin/catalog/import?_csrf=" (u.session.csrf_token) } enctype="multipart/form-data" {
            h2 { "导入事项(Excel 或 CSV)" }
            p.hint { "文件有任何错误时不导入任何内容,并逐条列出出错的工作表、行和列。已发布版本不可修改,修改请使用新版本号。" }
            label for="file" { "选择文件" } input #file type="file" name="file" accept=".xlsx,.csv" required;
            div.actions { button type="submit" { "导入" } }
        }
        div.table-wrap { table {
            thead { tr { th { "编码" } th { "名称" } th { "最新版本" } th { "状态" } th { "办件类型" } } }
            tbody { @for i in &items { tr {
                td { (i.code) } td { a href={ "/admin/catalog/" (i.code) "/" (i.version) } { (i.name) } }
                td { (i.version) } td { (i.status.label()) } td { (i.kind.label()) }
            } } }
        } }
    };
    Ok(page("事项目录管理", u, body))
}

pub async fn catalog_import(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    mut mp: Multipart,
) -> PageResult {
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| AppError::bad("invalid_upload", format!("上传失败:{e}")))?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("").to_string();
            let data = field
                .bytes()
                .await
                .map_err(|e| AppError::bad("invalid_upload", format!("上传失败:{e}")))?;
            file = Some((name, data.to_vec()));
        }
    }
    let (name, data) =
        file.ok_or_else(|| AppError::bad_field("file_required", "file", "请选择要导入的文件"))?;
    let result = match crate::api::catalog::import_bytes(&state, &u, &name, &data).await {
        Ok(s) => {
            html! { div.notice.ok role="status" { "导入成功:新增 " (s.inserted) " 条,更新 " (s.updated) " 条,未变 " (s.unchanged) " 条。" } }
        }
        Err(crate::api::catalog::ImportFailure::File(errs)) => html! {
            div.notice.bad role="alert" {
                p { strong { "文件有 " (errs.errors.len()) " 处错误,未导入任何内容:" } }
                table { thead { tr { th { "工作表" } th { "行" } th { "列" } th { "问题" } } }
                    tbody { @for e in &errs.errors { tr { td { (e.sheet) } td { (e.row) } td { (e.column) " " (e.header) } td { (e.message) } } } } }
            }
        },
        Err(crate::api::catalog::ImportFailure::App(e)) => {
            html! { div.notice.bad role="alert" { (e.user_message()) } }
        }
    };
    catalog_page(&state, &u, Some(result)).await
}

#[derive(Deserialize)]
pub struct ItemPath {
    code: String,
    version: u32,
}

pub async fn item_view(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(p): Path<ItemPath>,
) -> PageResult {
    let code = ids::item_code(&p.code)?;
    let (item, versions) =
        app::catalog::load_managed_with_versions(&state, &u, &code, p.version).await?;
    let names = super::public::department_names(&state).await?;
    let body = html! {
        p { a href="/admin/catalog" { "← 事项目录" } }
        div.card {
            h2 { "版本" }
            p { @for v in &versions {
                a.tag.brand[v.version == item.version] href={ "/admin/catalog/" (v.code) "/" (v.version) } { "第" (v.version) "版 · " (v.status.label()) }
            } }
            div.actions {
                @if item.status == ItemStatus::Draft {
                    a.button.secondary href={ "/admin/catalog/" (item.code) "/" (item.version) "/edit" } { "编辑草稿" }
                    form method="post" action={ "/admin/catalog/" (item.code) "/" (item.version) "/publish" } {
                        (csrf_input(&u)) button type="submit" { "发布此版本" }
                    }
                } @else if !versions.iter().any(|v| v.status == ItemStatus::Draft) {
                    form method="post" action={ "/admin/catalog/" (item.code) "/" (item.version) "/new-version" } {
                        (csrf_input(&u)) button type="submit" { "基于此版本新建草稿" }
                    }
                }
            }
        }
        (item_guide(&item, &names, false))
    };
    Ok(page(&item.name, &u, body))
}

pub async fn item_publish(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(p): Path<ItemPath>,
) -> PageResult {
    let code = ids::item_code(&p.code)?;
    crate::api::catalog::publish_checked(&state, &u, &code, p.version).await?;
    Ok(Redirect::to(&format!("/admin/catalog/{code}/{}", p.version)).into_response())
}

pub async fn item_new_version(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(p): Path<ItemPath>,
) -> PageResult {
    let code = ids::item_code(&p.code)?;
    let draft = app::catalog::new_draft_from(&state, &u, &code, p.version).await?;
    Ok(Redirect::to(&format!(
        "/admin/catalog/{}/{}/edit",
        draft.code, draft.version
    ))
    .into_response())
}

pub async fn item_new(State(state): State<AppState>, PageUser(u): PageUser) -> PageResult {
    if !u.can_anywhere(Action::ManageCatalog) {
        return Err(AppError::Forbidden.into());
    }
    let region = u.scope(Action::ManageCatalog);
    let default_region = match &region {
        Scope::Within(v) => v.first().map(|(c, _)| c.to_string()).unwrap_or_default(),
        Scope::All => String::new(),
    };
    let form = ItemForm {
        region_code: default_region,
        version: "1".into(),
        ..ItemForm::default()
    };
    Ok(item_form_page(&state, &u, &form, &[], true).await?)
}

pub async fn item_edit(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(p): Path<ItemPath>,
) -> PageResult {
    let code = ids::item_code(&p.code)?;
    let item = crate::api::catalog::load_managed(&state, &u, &code, p.version).await?;
    if item.status != ItemStatus::Draft {
        return Err(AppError::Conflict {
            code: "version_frozen",
            message: "已发布的版本不可修改,请新建版本".into(),
        }
        .into());
    }
    Ok(item_form_page(&state, &u, &ItemForm::from_item(&item), &[], false).await?)
}

async fn item_form_page(
    _state: &AppState,
    u: &Authed,
    f: &ItemForm,
    errs: &[FieldError],
    is_new: bool,
) -> Result<Response, AppError> {
    let status = if errs.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = html! {
        h1 { @if is_new { "新建事项" } @else { "编辑草稿:" (f.name) } }
        @if !errs.is_empty() {
            div.notice.bad role="alert" { p { "有 " (errs.len()) " 处需要修改:" } ul { @for e in errs { li { (e.message) } } } }
        }
        (forms::item_form_fields(u, f, errs, is_new))
    };
    Ok((status, layout("事项编辑", Some(u), body)).into_response())
}

pub async fn item_save(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(f): Form<ItemForm>,
) -> PageResult {
    let is_new = f.is_new == "1";
    let item = match f.to_item() {
        Ok(i) => i,
        Err(errs) => return Ok(item_form_page(&state, &u, &f, &errs.errors, is_new).await?),
    };
    match crate::api::catalog::save_draft_checked(&state, &u, &item, is_new).await {
        Ok(()) => Ok(
            Redirect::to(&format!("/admin/catalog/{}/{}", item.code, item.version)).into_response(),
        ),
        Err(AppError::Validation(v)) => {
            Ok(item_form_page(&state, &u, &f, &v.errors, is_new).await?)
        }
        Err(AppError::Conflict { code, message }) => Ok(item_form_page(
            &state,
            &u,
            &f,
            &[FieldError::new("code", code, message)],
            is_new,
        )
        .await?),
        Err(e) => Err(e.into()),
    }
}

// ---------- calendar ----------

#[derive(Deserialize, Default)]
pub struct CalcQuery {
    #[serde(default)]
    date: String,
    #[serde(default)]
    days: String,
}

pub async fn calendar(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<CalcQuery>,
) -> PageResult {
    calendar_page(&state, &u, &q, None, None).await
}

/// A closure form that failed: what was typed, and why.
type FailedClosure<'a> = (&'a ClosureForm, &'a [FieldError]);

async fn calendar_page(
    state: &AppState,
    u: &Authed,
    q: &CalcQuery,
    message: Option<Markup>,
    failed: Option<FailedClosure<'_>>,
) -> PageResult {
    let (days, closures) = app::calendar::overview(state, u).await?;
    let cal = state.calendar();
    let today = state.clock.today();
    let years: Vec<i32> = cal.loaded_years().collect();
    let can_manage = u.can_anywhere(Action::ManageCalendar);
    let calc = match (
        NaiveDate::parse_from_str(q.date.trim(), "%Y-%m-%d"),
        q.days.trim().parse::<u32>(),
    ) {
        (Ok(d), Ok(n)) if n <= 3650 => Some((d, n, cal.deadline(d, n))),
        _ => None,
    };
    let body = html! {
        h1 { "工作日历" }
        @if let Some(m) = message { (m) }
        @for y in [today.year(), today.year() + 1] {
            @if !cal.is_year_loaded(y) { div.notice.warn role="status" { strong { (y) "年的节假日安排尚未导入" } ",该年的期限暂按周一至周五计算并标记为“待核”。" } }
        }
        p { "已导入年份:" @for y in &years { span.tag { (y) } } }
        div.card {
            h2 { "期限计算" }
            form method="get" action="/admin/calendar" {
                div.grid {
                    div { label for="date" { "起算日期(当日不计)" } input #date type="date" name="date" value=(q.date); }
                    div { label for="days" { "工作日数" } input #days type="number" min="0" max="3650" name="days" value=(q.days); }
                }
                div.actions { button type="submit" { "计算" } }
            }
            @if let Some((d, n, dl)) = &calc {
                p.notice.ok { (d) " 起 " (n) " 个工作日后为 " strong { (dl.date) } " (" (weekday(dl.date)) ")"
                    @if dl.is_provisional() { span.err { " 待核:" @for y in &dl.unscheduled_years { (y) "年 " } "的安排未导入" } } }
            }
        }
        @if can_manage {
            form.card.stack method="post" action="/admin/calendar/import" {
                (csrf_input(u))
                h2 { "导入节假日安排" }
                p.hint { "格式:date,kind,name,每行一天;kind 为 holiday(放假)或 workday(调休上班)。导入的年份整体替换。" }
                label for="csv" { "粘贴 CSV 内容" }
                textarea #csv name="csv" rows="8" placeholder="date,kind,name\n2027-01-01,holiday,元旦" {}
                div.actions { button type="submit" { "导入" } }
            }
            form.card.stack method="post" action="/admin/calendar/closures" {
                (csrf_input(u))
                h2 { "新增区域闭馆日" }
                @let (typed, errs) = failed.unwrap_or((&EMPTY_CLOSURE, &[]));
                @let bad = |f: &str| errs.iter().any(|e| e.field == f).then_some("true");
                @if !errs.is_empty() { div.notice.bad role="alert" { "请修改标出的内容。" } }
                label for="cregion" { "区划代码" } input #cregion type="text" name="region" inputmode="numeric" required value=(typed.region) aria-invalid=[bad("region")];
                (field_errors(errs, "region"))
                label for="cdate" { "日期" } input #cdate type="date" name="date" required value=(typed.date) aria-invalid=[bad("date")];
                (field_errors(errs, "date"))
                label for="creason" { "原因" } input #creason type="text" name="reason" required value=(typed.reason) aria-invalid=[bad("reason")];
                (field_errors(errs, "reason"))
                div.actions { button type="submit" { "保存" } }
            }
        }
        h2 { "区域闭馆日" }
        @if closures.is_empty() { p.hint { "无" } } @else {
            table { thead { tr { th { "区划" } th { "日期" } th { "原因" } } }
                tbody { @for c in &closures { tr { td { (c.region_code) } td { (c.date) } td { (c.reason) } } } } }
        }
        h2 { "节假日与调休" }
        div.table-wrap { table {
            thead { tr { th { "日期" } th { "星期" } th { "类型" } th { "名称" } } }
            tbody { @for d in &days { tr {
                td { (d.date) } td { (weekday(d.date)) }
                td { @if d.kind == DayKind::Holiday { "放假" } @else { strong { "调休上班" } } }
                td { (d.name) }
            } } }
        } }
    };
    Ok(page("工作日历", u, body))
}

pub fn weekday(d: NaiveDate) -> &'static str {
    [
        "星期一",
        "星期二",
        "星期三",
        "星期四",
        "星期五",
        "星期六",
        "星期日",
    ][d.weekday().num_days_from_monday() as usize]
}

#[derive(Deserialize)]
pub struct CsvForm {
    csv: String,
}

pub async fn calendar_import(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(f): Form<CsvForm>,
) -> PageResult {
    let msg = match crate::api::calendar::import_csv(&state, &u, &f.csv).await {
        Ok(n) => html! { div.notice.ok role="status" { "已导入 " (n) " 天。" } },
        Err(AppError::Validation(v)) => {
            html! { div.notice.bad role="alert" { p { "未导入,请修改:" } ul { @for e in &v.errors { li { (e.message) } } } } }
        }
        Err(e) => return Err(e.into()),
    };
    calendar_page(&state, &u, &CalcQuery::default(), Some(msg), None).await
}

#[derive(Deserialize)]
pub struct ClosureForm {
    #[serde(default)]
    region: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    reason: String,
}

static EMPTY_CLOSURE: ClosureForm = ClosureForm {
    region: String::new(),
    date: String::new(),
    reason: String::new(),
};

pub async fn add_closure(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(f): Form<ClosureForm>,
) -> PageResult {
    let added = async {
        let region = RegionCode::parse(f.region.trim()).map_err(|_| {
            AppError::bad_field("invalid_region_code", "region", "区划代码应为12位数字")
        })?;
        let date = NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d")
            .map_err(|_| AppError::bad_field("invalid_date", "date", "日期格式应为YYYY-MM-DD"))?;
        let closure = Closure {
            region_code: region,
            date,
            reason: f.reason.clone(),
        };
        app::calendar::add_closure(&state, &u, closure).await
    }
    .await;
    match added {
        Ok(_) => Ok(Redirect::to("/admin/calendar").into_response()),
        // The page again, the form as it was typed and the reason beside its field.
        Err(AppError::Validation(v)) => closure_failed(&state, &u, &f, &v.errors).await,
        Err(AppError::BadRequest {
            code,
            message,
            field,
        }) => {
            let errs = [FieldError::new(
                field.unwrap_or("reason".into()),
                code,
                message,
            )];
            closure_failed(&state, &u, &f, &errs).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn closure_failed(
    state: &AppState,
    u: &Authed,
    f: &ClosureForm,
    errs: &[FieldError],
) -> PageResult {
    let page = calendar_page(state, u, &CalcQuery::default(), None, Some((f, errs))).await?;
    let mut page = page.into_response();
    *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(page)
}

#[derive(Deserialize)]
pub struct SynonymsForm {
    synonyms: String,
}

/// Parses `word=term、term` lines.
pub fn parse_synonyms(text: &str) -> Result<Vec<(String, Vec<String>)>, domain::ValidationErrors> {
    let mut e = domain::ValidationErrors::default();
    let mut out = vec![];
    for (i, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        match line.split_once(['=', '=']) {
            Some((k, v)) if !k.trim().is_empty() => {
                let terms: Vec<String> = v
                    .split(['、', ',', ','])
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(String::from)
                    .collect();
                if terms.is_empty() {
                    e.push(
                        format!("synonyms[{i}]"),
                        "required",
                        format!("第{}行:“=”后应写事项用语", i + 1),
                    );
                } else {
                    out.push((k.trim().to_string(), terms));
                }
            }
            _ => e.push(
                format!("synonyms[{i}]"),
                "invalid_line",
                format!("第{}行应为“词=事项用语”", i + 1),
            ),
        }
    }
    e.into_result(out)
}

// ---------- the portal ----------

#[derive(Deserialize, Default)]
pub struct Saved {
    #[serde(default)]
    saved: String,
}

pub async fn portal_page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<Saved>,
) -> PageResult {
    if !u.can_anywhere(Action::ManageUsers) {
        return Err(PageError(AppError::Forbidden));
    }
    let p = app::portal::current(&state).await?;
    portal_form(&u, &p, &[], !q.saved.is_empty())
}

fn portal_form(
    u: &Authed,
    p: &app::portal::Portal,
    errs: &[FieldError],
    saved: bool,
) -> PageResult {
    let field = |name: &str, label: &str, value: &str, hint: &str| {
        let bad = errs.iter().any(|e| e.field == name);
        html! {
            label for=(name) { (label) }
            input id=(name) type="text" name=(name) value=(value) aria-invalid=[bad.then_some("true")] aria-describedby=[(!hint.is_empty()).then(|| format!("{name}-hint"))];
            @if !hint.is_empty() { p.hint id={ (name) "-hint" } { (hint) } }
            (field_errors(errs, name))
        }
    };
    let body = html! {
        h1 { "门户信息" }
        p.hint { "显示在每个页面的页头和页脚。" }
        @if saved { div.notice.ok role="status" { "已保存。" } }
        @if !errs.is_empty() { div.notice.bad role="alert" { "请修改标出的内容。" } }
        form.stack method="post" action="/admin/portal" {
            (csrf_input(u))
            (field("city", "城市名称", &p.city, "如:青川市;页头显示为“青川市政务服务网”"))
            (field("host_unit", "主办单位", &p.host_unit, ""))
            (field("icp", "ICP备案号", &p.icp, ""))
            (field("site_code", "网站标识码", &p.site_code, "政府网站标识码,字母和数字"))
            (field("hotline", "服务热线", &p.hotline, "留空为 12345"))
            div.actions { button type="submit" { "保存" } }
        }
    };
    let status = if errs.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, layout("门户信息", Some(u), body)).into_response())
}

pub async fn save_portal(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(p): Form<app::portal::Portal>,
) -> PageResult {
    match app::portal::save(&state, &u, &p).await {
        // Shown again on a new request, whose frame already says the new names.
        Ok(_) => Ok(Redirect::to("/admin/portal?saved=1").into_response()),
        Err(AppError::Validation(v)) => portal_form(&u, &p, &v.errors, false),
        Err(e) => Err(e.into()),
    }
}

pub async fn save_synonyms(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(f): Form<SynonymsForm>,
) -> PageResult {
    let list = parse_synonyms(&f.synonyms)?;
    app::catalog::save_synonyms(&state, &u, &list).await?;
    Ok(Redirect::to("/admin/catalog").into_response())
}
