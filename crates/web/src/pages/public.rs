//! Public pages: home, catalog list and each item's full guide (办事指南), and sign-in.

use super::{layout, nl2br, PageResult};
use crate::auth::{self, MaybeUser, ANON_CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE};
use crate::error::AppError;
use crate::error::HttpError;
use crate::local_path::LocalPath;
use crate::pages::Form;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use domain::catalog::{format_yuan, CatalogItem, ItemKind, ItemStatus, ServiceObject};
use domain::Level;
use maud::{html, Markup};
use serde::Deserialize;
use std::collections::HashMap;

pub use app::lookups::{department_names, department_names_for};

pub async fn home(State(state): State<AppState>, MaybeUser(user): MaybeUser) -> PageResult {
    let items = app::catalog::list(&state, None, false).await?;
    let popular = app::portal::popular_items(&state, &items, 8).await?;
    let site = super::portal();
    let mut themes: Vec<String> = items
        .iter()
        .flat_map(|i| i.themes.iter().cloned())
        .collect();
    themes.sort();
    themes.dedup();
    let count = |o: ServiceObject| {
        items
            .iter()
            .filter(|i| i.service_objects.contains(&o))
            .count()
    };
    let body = html! {
        h1 { (site.site_name()) }
        p.hint { "市、县、乡镇、村四级服务网络:小事不出村,大事不出乡。" }
        form.search role="search" method="get" action="/catalog" {
            label.skip for="q" { "搜索办事事项" }
            input #q type="search" name="q" placeholder="输入事项名称,如:建房、低保、营业执照";
            button type="submit" { "搜索" }
        }
        div.grid.portal-entries {
            a.card.entry href={ "/catalog?object=" (ServiceObject::Person.as_str()) } {
                strong { "个人办事" } p.hint { "户籍、社保、民政、建房等 " (count(ServiceObject::Person)) " 项" }
            }
            a.card.entry href={ "/catalog?object=" (ServiceObject::Enterprise.as_str()) } {
                strong { "法人办事" } p.hint { "开办、许可、资质等 " (count(ServiceObject::Enterprise)) " 项" }
            }
            form.card.entry method="get" action="/lookup" aria-label="办件查询" {
                strong { "办件查询" }
                label.skip for="home-number" { "办件编号" }
                input #home-number type="text" name="number" placeholder="办件编号" inputmode="numeric" required;
                label.skip for="home-code" { "查询码" }
                input #home-code type="text" name="code" placeholder="查询码" autocomplete="off" required;
                button type="submit" { "查询" }
            }
            a.card.entry href="/rate" {
                strong { "好差评" } p.hint { "对办事服务作出评价,差评有回访、整改" }
            }
        }
        @if !popular.is_empty() {
            h2 { "热门服务" }
            ol.popular {
                @for i in &popular { li { a href={ "/catalog/" (i.code) } { (i.name) } } }
            }
        }
        h2 { "按主题办事" }
        div.grid {
            @for t in &themes {
                a.card href={ "/catalog?theme=" (t) } { strong { (t) } }
            }
        }
        h2 { "按层级办事" }
        div.grid {
            @for l in Level::ALL {
                a.card href={ "/catalog?level=" (l.as_str()) } { strong { (l.place_label()) } }
            }
        }
        p { "共有 " strong { (items.len()) } " 个事项对外公开。" a href="/catalog" { "查看全部事项" } }
    };
    Ok(layout("首页", user.as_ref(), body).into_response())
}

#[derive(Deserialize, Default, Clone)]
pub struct CatalogQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub theme: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub object: String,
}

impl CatalogQuery {
    fn matches(&self, item: &CatalogItem) -> bool {
        let q = self.q.trim();
        (q.is_empty()
            || item.name.contains(q)
            || item.code.contains(q)
            || item.themes.iter().any(|t| t.contains(q)))
            && (self.level.is_empty()
                || Level::parse(&self.level).is_some_and(|l| item.accept_levels.contains(&l)))
            && (self.theme.is_empty() || item.themes.contains(&self.theme))
            && (self.department.is_empty() || item.department == self.department)
            && (self.object.is_empty()
                || ServiceObject::parse(&self.object)
                    .is_some_and(|o| item.service_objects.contains(&o)))
    }
}

pub async fn catalog_list(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(q): Query<CatalogQuery>,
) -> PageResult {
    let items = app::catalog::list(&state, None, false).await?;
    let names = department_names(&state).await?;
    // Text queries go through the Chinese search (pinyin, synonyms, typos), in relevance order.
    let shown: Vec<&CatalogItem> = if q.q.trim().is_empty() {
        items.iter().filter(|i| q.matches(i)).collect()
    } else {
        let hits = state.search_index().search(&q.q, 100);
        let plain = CatalogQuery {
            q: String::new(),
            ..q.clone()
        };
        hits.iter()
            .filter_map(|h| items.iter().find(|i| i.code == h.code))
            .filter(|i| plain.matches(i))
            .collect()
    };
    let mut depts: Vec<&String> = items.iter().map(|i| &i.department).collect();
    depts.sort();
    depts.dedup();
    let body = html! {
        h1 { "办事指南" }
        form.card method="get" action="/catalog" aria-label="筛选事项" {
            div.grid {
                div { label for="q" { "关键词" } input #q type="search" name="q" value=(q.q); }
                div { label for="level" { "受理层级" }
                    select #level name="level" {
                        option value="" { "全部" }
                        @for l in Level::ALL { option value=(l.as_str()) selected[q.level == l.as_str()] { (l.label()) } }
                    }
                }
                div { label for="department" { "部门" }
                    select #department name="department" {
                        option value="" { "全部" }
                        @for d in &depts { option value=(d) selected[q.department == **d] { (names.get(*d).map(String::as_str).unwrap_or(d)) } }
                    }
                }
                div { label for="object" { "服务对象" }
                    select #object name="object" {
                        option value="" { "全部" }
                        option value="person" selected[q.object == "person"] { "个人" }
                        option value="enterprise" selected[q.object == "enterprise"] { "企业" }
                    }
                }
            }
            @if !q.theme.is_empty() { input type="hidden" name="theme" value=(q.theme); p { "主题:" span.tag.brand { (q.theme) } } }
            div.actions { button type="submit" { "查询" } a href="/catalog" { "清除条件" } }
        }
        p.hint { "共 " (shown.len()) " 项" }
        div.table-wrap {
            table.catalog {
                thead { tr { th { "事项名称" } th.opt { "类型" } th { "办件类型" } th.opt { "受理层级" } th { "承诺时限" } th.opt { "收费" } } }
                tbody {
                    @for i in &shown {
                        tr {
                            td { a href={ "/catalog/" (i.code) } { (i.name) } br; span.hint { (names.get(&i.department).map(String::as_str).unwrap_or(&i.department)) } }
                            td.opt { (i.item_type.label()) }
                            td { (i.kind.label()) }
                            td.opt { @for l in &i.accept_levels { span.tag { (l.label()) } } }
                            td { (limit_text(i.promised_limit_days, i.kind)) }
                            td.opt { @if i.is_free() { "不收费" } @else { "收费" } }
                        }
                    }
                }
            }
        }
    };
    Ok(layout("办事指南", user.as_ref(), body).into_response())
}

pub fn limit_text(days: u32, kind: ItemKind) -> String {
    if kind == ItemKind::Immediate || days == 0 {
        "即办".to_string()
    } else {
        format!("{days}个工作日")
    }
}

#[derive(Deserialize, Default)]
pub struct VersionQuery {
    pub version: Option<u32>,
}

pub async fn catalog_detail(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(code): Path<String>,
    Query(vq): Query<VersionQuery>,
) -> PageResult {
    let code = crate::ids::item_code(&code)?;
    let item = app::catalog::public_item(&state, &code, vq.version).await?;
    let names = department_names(&state).await?;
    let body = item_guide(&item, &names, false);
    Ok(layout(&item.name, user.as_ref(), body).into_response())
}

/// Every disclosure field of §2, in the order a citizen reads a guide.
/// An item's guide. On the self-service terminal (`kiosk`) it offers nothing that leaves kiosk
/// mode: no online filing (a sign-in on a public terminal), no link to the portal's lists, no
/// template downloads (the terminal prints the guide instead).
pub fn item_guide(item: &CatalogItem, names: &HashMap<String, String>, kiosk: bool) -> Markup {
    let dept = |c: &str| names.get(c).cloned().unwrap_or_else(|| c.to_string());
    html! {
        article.card {
            h1 { (item.name) }
            p {
                span.tag.brand { (item.item_type.label()) }
                span.tag.brand { (item.kind.label()) }
                span.tag { (item.online.label()) }
                @if item.proxy_allowed { span.tag { "可村级代办" } }
                @if item.status == ItemStatus::Superseded { span.tag { "历史版本" } }
            }
            h2 { "基本信息" }
            table.kv {
                tr { th { "事项编码" } td { (item.code) " (第" (item.version) "版)" } }
                @if !item.implementation_code.is_empty() { tr { th { "实施编码" } td { (item.implementation_code) } } }
                tr { th { "事项类型" } td { (item.item_type.label()) } }
                tr { th { "办件类型" } td { (item.kind.label()) } }
                tr { th { "承办部门" } td { (dept(&item.department)) } }
                tr { th { "受理层级" } td { @for l in &item.accept_levels { span.tag { (l.label()) } } } }
                tr { th { "决定层级" } td { (item.decide_level.label()) } }
                tr { th { "服务对象" } td { @for o in &item.service_objects { span.tag { (o.label()) } } } }
                @if !item.themes.is_empty() { tr { th { "服务主题" } td { @for t in &item.themes { span.tag { (t) } } } } }
                tr { th { "法定时限" } td { (limit_text(item.statutory_limit_days, item.kind)) } }
                tr { th { "承诺时限" } td { (limit_text(item.promised_limit_days, item.kind)) } }
                tr { th { "网办程度" } td { (item.online.label()) } }
                tr { th { "到现场次数" } td { (item.visits) " 次" } }
                @if !item.result_name.is_empty() { tr { th { "办理结果" } td { (item.result_name) } } }
            }
            h2 { "办事依据" }
            p { (nl2br(&item.legal_basis)) }
            h2 { "受理条件" }
            p { (nl2br(&item.conditions)) }
            h2 { "申请材料" }
            @if item.materials.is_empty() { p { "无需提交材料。" } } @else {
                div.table-wrap { table {
                    thead { tr { th { "序号" } th { "材料名称" } th { "形式" } th { "份数" } th { "是否必需" } th { "出具机构" } th { "样表" } th { "说明" } } }
                    tbody { @for (n, m) in item.materials.iter().enumerate() { tr {
                        td { (n + 1) } td { (m.name) } td { (m.form.label()) } td { (m.count) }
                        td { @if m.mandatory { "必需" } @else { "情形必需:" (m.condition) } }
                        td { (m.issuer) }
                        td { @if !m.template.is_empty() && kiosk { (m.template) } @else if !m.template.is_empty() { a href={ "/catalog/" (item.code) "/templates/" (n) "?version=" (item.version) } { (m.template) } } }
                        td { (m.note) }
                    } } }
                } }
            }
            h2 { "办理流程" }
            div.table-wrap { table {
                thead { tr { th { "环节" } th { "办理部门" } th { "环节时限" } th { "方式" } } }
                tbody { @for s in &item.stages { tr {
                    td { (s.name) } td { (dept(&s.department)) }
                    td { @if s.limit_days == 0 { "当场" } @else { (s.limit_days) "个工作日" } }
                    td { @if let Some(g) = s.parallel_group { "并联审批(第" (g) "组)" } @else { "依次办理" } }
                } } }
            } }
            p.hint { "各环节合计 " (item.stages_total_days()) " 个工作日(并联环节按最长计)" }
            h2 { "收费标准" }
            @if item.fees.is_empty() { p { "不收费" } } @else {
                table { thead { tr { th { "收费项目" } th { "标准(元)" } th { "收费依据" } } }
                    tbody { @for f in &item.fees { tr { td { (f.name) } td { (format_yuan(f.amount_fen)) } td { (f.basis) } } } } }
            }
            h2 { "办理地点与时间" }
            table.kv {
                tr { th { "办理地点" } td { (item.place) } }
                tr { th { "办理时间" } td { (item.hours) } }
                tr { th { "承办机构" } td { (item.responsible_unit) } }
                tr { th { "责任人" } td { (item.responsible_person) } }
                tr { th { "咨询电话" } td { (item.consult_phone) } }
                tr { th { "监督投诉电话" } td { (item.complaint_phone) } }
            }
            @if !item.faq.is_empty() { h2 { "常见问题" } p { (nl2br(&item.faq)) } }
            div.actions.no-print {
                @if !kiosk && item.status == ItemStatus::Published && item.online.may_file_online() {
                    a.button href={ "/cases/new?item_code=" (item.code) } { "在线申报" }
                }
                @if item.proxy_allowed { span.tag { "可到村(社区)便民服务室由代办员代办" } }
                @if !kiosk {
                    button type="button" data-print { "打印办事指南" }
                    a.button.secondary href="/catalog" { "返回事项列表" }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    pub next: String,
}

/// Only same-site paths may be redirected to after sign-in (`LocalPath`); anything else goes to
/// the workbench.
pub(super) fn safe_next(next: &str) -> LocalPath {
    LocalPath::parse_or(next, "/admin")
}

fn login_form(token: &str, next: &str, username: &str, error: Option<&str>) -> Markup {
    html! {
        div.card style="max-width:480px" {
            h1 { "工作人员与申请人登录" }
            @if let Some(e) = error { div.notice.bad role="alert" { (e) } }
            form.stack method="post" action="/login" {
                input type="hidden" name=(CSRF_FIELD) value=(token);
                input type="hidden" name="next" value=(next);
                label for="username" { "用户名" }
                input #username type="text" name="username" value=(username) autocomplete="username" required autofocus;
                label for="password" { "密码" }
                input #password type="password" name="password" autocomplete="current-password" required;
                div.actions { button type="submit" { "登录" } }
            }
            p { a href="/password-reset" { "忘记密码?" } }
        }
    }
}

/// Login form with a fresh double-submit CSRF cookie.
fn login_response(
    state: &AppState,
    next: &str,
    username: &str,
    error: Option<&str>,
    status: axum::http::StatusCode,
) -> Response {
    let token = auth::random_token();
    let cookie = auth::set_cookie(state, ANON_CSRF_COOKIE, &token, 3600);
    (
        status,
        [(header::SET_COOKIE, cookie)],
        layout("登录", None, login_form(&token, next, username, error)),
    )
        .into_response()
}

pub async fn login_page(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(q): Query<NextQuery>,
) -> Response {
    if user.is_some() {
        return safe_next(&q.next).redirect();
    }
    login_response(
        &state,
        safe_next(&q.next).as_str(),
        "",
        None,
        axum::http::StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub next: String,
}

pub async fn login_submit(State(state): State<AppState>, Form(f): Form<LoginForm>) -> Response {
    match auth::sign_in(&state, &f.username, &f.password).await {
        Ok(s) => {
            let cookie = auth::session_cookie(&state, &s);
            let clear = auth::set_cookie(&state, ANON_CSRF_COOKIE, "", 0);
            // Applicants have no workbench: they go home, or back to the page that asked them to
            // sign in (在线申报 on a guide).
            let next = safe_next(&f.next);
            let auditor_only = s
                .user
                .grants
                .iter()
                .all(|g| g.role == domain::Role::Auditor);
            let dest = if auditor_only && next.as_str() == "/admin" {
                // The auditor's workbench is the audit log (三员分立: nothing else is theirs).
                LocalPath::site("/admin/audit")
            } else if s.user.grants.iter().any(|g| g.role.is_staff())
                || !next.as_str().starts_with("/admin")
            {
                next
            } else {
                LocalPath::site("/")
            };
            // A second factor still to come: its page first, then on to where this was going.
            let mut resp = if s.session.second_factor_due {
                Redirect::to(&super::second_factor::with_next(
                    "/login/second-factor",
                    &dest,
                ))
                .into_response()
            } else {
                dest.redirect()
            };
            resp.headers_mut()
                .append(header::SET_COOKIE, cookie.parse().expect("cookie header"));
            resp.headers_mut()
                .append(header::SET_COOKIE, clear.parse().expect("cookie header"));
            resp
        }
        Err(e) => login_response(
            &state,
            safe_next(&f.next).as_str(),
            &f.username,
            Some(&e.user_message()),
            e.status(),
        ),
    }
}

pub async fn logout(State(state): State<AppState>, MaybeUser(user): MaybeUser) -> PageResult {
    if let Some(u) = user {
        app::accounts::sign_out(&state, &u.user, &u.session).await?;
    }
    let clear = auth::set_cookie(&state, SESSION_COOKIE, "", 0);
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/")).into_response())
}

/// A blank application form for a material with a template (样表), printable on A4: the fields every
/// such form asks for, headed with the item and the material.
pub async fn material_template(
    State(state): State<AppState>,
    Path((code, index)): Path<(String, usize)>,
    Query(vq): Query<VersionQuery>,
) -> PageResult {
    let code = crate::ids::item_code(&code)?;
    let item = app::catalog::public_item(&state, &code, vq.version).await?;
    let m = item
        .materials
        .get(index)
        .filter(|m| !m.template.is_empty())
        .ok_or(AppError::NotFound("样表"))?;
    let line = |label: &str| html! { tr { th { (label) } td style="height:12mm" {} } };
    let body = html! {
        article.card {
            h1 style="text-align:center" { (m.name) }
            p style="text-align:center" { "事项:" (item.name) "(" (item.code) ")  样表:" (m.template) }
            table.kv {
                (line("申请人(单位)名称"))
                (line("身份证号码/统一社会信用代码"))
                (line("联系电话"))
                (line("住所(地址)"))
                (line("申请事项及内容"))
                (line("附件清单"))
            }
            p { "本人(单位)承诺所填内容及所附材料真实、有效,如有虚假愿承担相应法律责任。" }
            p style="text-align:right;margin-top:16mm" { "申请人(签字或盖章):________________    日期:______年____月____日" }
            div.actions.no-print { button type="button" data-print { "打印样表" } a.button.secondary href={ "/catalog/" (item.code) } { "返回办事指南" } }
        }
    };
    Ok(layout(&m.name, None, body).into_response())
}
