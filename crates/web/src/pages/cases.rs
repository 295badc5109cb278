//! Case pages: work queues, filing at a window or village room, online application, the case page
//! with only the actions this user may take now, public lookup, results and registration.

use super::{csrf_input, layout, PageError, PageResult};
use crate::api::cases::{public_view, queue};
use crate::auth::{Authed, MaybeUser, PageUser};
use crate::cases::{self, ApplicantInput, FileRequest};
use crate::error::AppError;
use crate::error::HttpError;
use crate::state::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use chrono::NaiveDate;
use domain::access::{Action, Role};
use domain::case::{
    self as dc, ApplicantKind, Case, CaseError, CaseState, Command, DeliveryMethod, MaterialStatus,
    PaymentMethod, SpecialProcedure,
};
use domain::catalog::{format_yuan, parse_yuan, ItemStatus};
use domain::identity::{mask_id, mask_phone};
use maud::{html, Markup};
use serde::Deserialize;
use std::collections::HashMap;
use store::ItemFilter;

use domain::time::minute as local;

/// "剩3个工作日" / "今日到期" / "超期2个工作日", with the class the row is highlighted by.
pub fn remaining(state: &AppState, due: Option<NaiveDate>) -> (String, &'static str) {
    let Some(due) = due else {
        return (String::new(), "");
    };
    let left = state.calendar().working_days_left(state.clock.today(), due);
    match left {
        l if l < 0 => (format!("超期{}个工作日", -l), "overdue"),
        0 => ("今日到期".into(), "near"),
        l if l <= 2 => (format!("剩{l}个工作日"), "near"),
        l => (format!("剩{l}个工作日"), ""),
    }
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    q: String,
    /// Where the page starts (the previous page's "下一页" link).
    #[serde(default)]
    after: Option<String>,
}

/// Rows per page of a work queue.
const QUEUE_PAGE: u32 = 100;

pub async fn workbench(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<QueueQuery>,
) -> PageResult {
    let staff = u.can_anywhere(Action::HandleCases) || u.can_anywhere(Action::Supervise);
    let tabs: Vec<(&str, &str)> = if staff {
        vec![
            ("prereview", "待预审"),
            ("review", "待审查"),
            ("decide", "待决定"),
            ("deliver", "待送达"),
            ("all", "全部"),
        ]
    } else {
        vec![(
            "mine",
            if u.grants().iter().any(|g| g.role == Role::VillageAgent) {
                "代办台账"
            } else {
                "我的办件"
            },
        )]
    };
    let current = if tabs.iter().any(|(k, _)| *k == q.q) {
        q.q.clone()
    } else {
        tabs[0].0.to_string()
    };
    let page = crate::api::cases::Page::parse(q.after.as_deref(), None, QUEUE_PAGE)?;
    let first_page = page.after.is_none();
    let crate::api::cases::QueuePage { rows, next } = queue(&state, &u, &current, &page).await?;
    let messages = if staff {
        vec![]
    } else {
        state.store.messages_for_user(u.user.id).await?
    };
    let can_file = u
        .grants()
        .iter()
        .any(|g| matches!(g.role, Role::WindowClerk | Role::VillageAgent));
    let body = html! {
        h1 { @if staff { "办件工作台" } @else if u.grants().iter().any(|g| g.role == Role::VillageAgent) { "代办台账" } @else { "我的办件" } }
        div.actions {
            @if can_file { a.button href="/cases/new" { @if u.grants().iter().any(|g| g.role == Role::VillageAgent) { "代办登记" } @else { "窗口收件登记" } } }
            @if !staff { a.button href="/catalog" { "在线申报" } }
        }
        nav.tabs aria-label="队列" {
            @for (k, label) in &tabs { a.tab.current[*k == current] href={ "/cases?q=" (k) } { (label) } }
        }
        @if rows.is_empty() { p.hint { "暂无办件。" } } @else {
            div.table-wrap { table {
                thead { tr { th { "办件编号" } th { "事项" } th { "申请人" } th { "状态" } th { "期限" } th { "剩余" } } }
                tbody { @for r in &rows {
                    @let (left, class) = remaining(&state, r.due);
                    tr class=(class) {
                        td { a.num href={ "/cases/" (r.number) } { (r.number) } }
                        td { (r.item_name) }
                        td { @if staff { (r.applicant_name) } @else { (domain::identity::mask_name(&r.applicant_name)) } }
                        td { (r.state.label()) }
                        td { @if let Some(d) = r.due { (d) } }
                        td { (left) }
                    }
                } }
            } }
        }
        @if !first_page || next.is_some() {
            nav.pager aria-label="翻页" {
                @if !first_page { a.button href={ "/cases?q=" (current) } { "第一页" } }
                @if let Some(n) = &next { a.button href={ "/cases?q=" (current) "&after=" (n.encode()) } { "下一页" } }
            }
        }
        @if !messages.is_empty() {
            h2 { "办件消息" }
            ul { @for m in messages.iter().rev().take(30) { li { span.hint { (local(m.created_at)) " " } a href={ "/cases/" (m.case_number) } { (m.case_number) } ":" (m.text) } } }
        }
    };
    Ok(layout("办件", Some(&u), body).into_response())
}

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

async fn file_page(
    state: &AppState,
    u: &Authed,
    f: &FileForm,
    errs: &[domain::FieldError],
) -> PageResult {
    let items = state
        .store
        .list_items(&ItemFilter {
            statuses: vec![ItemStatus::Published],
            ..Default::default()
        })
        .await?;
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
            (super::field_errors(errs, "item_code"))
            label for="kind" { "申请人类型" }
            select #kind name="kind" {
                option value="person" selected[f.kind != "enterprise"] { "个人" }
                option value="enterprise" selected[f.kind == "enterprise"] { "企业" }
            }
            label for="name" { "申请人姓名或企业名称" } input #name type="text" name="name" value=(f.name) required;
            (super::field_errors(errs, "applicant.name"))
            label for="id_number" { "身份证号码或统一社会信用代码" } input #id_number type="text" name="id_number" value=(f.id_number) required autocomplete="off";
            (super::field_errors(errs, "applicant.id_number"))
            label for="phone" { "手机号" } input #phone type="tel" name="phone" value=(f.phone) required;
            (super::field_errors(errs, "applicant.phone"))
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

/// The actions offered on a case page: a command is offered when the domain would accept this
/// actor for it in this state (it may still refuse for content, e.g. missing materials).
fn offered(c: &Case, actor: &dc::Actor, state: &AppState) -> Vec<&'static str> {
    let cal = state.calendar();
    let now = state.clock.now();
    let probes: Vec<Command> = vec![
        Command::Submit,
        Command::Resubmit,
        Command::MarkMaterial {
            index: 0,
            status: MaterialStatus::Received,
            reason: String::new(),
        },
        Command::RequestCorrection {
            defects: vec![dc::Defect {
                material: "x".into(),
                reason: "x".into(),
            }],
        },
        Command::Refuse {
            reasons: "x".into(),
        },
        Command::Accept,
        Command::HandleImmediately { licence_no: None },
        Command::Forward { reason: "x".into() },
        Command::Suspend {
            procedure: SpecialProcedure::Testing,
            reason: "x".into(),
            expected_days: 1,
        },
        Command::Resume,
        Command::Extend { reason: "x".into() },
        Command::Decide {
            granted: false,
            reasons: "x".into(),
            licence_no: None,
        },
        Command::AssessFees {
            lines: vec![(0, 1)],
        },
        Command::RecordPayment {
            amount_fen: 1,
            method: PaymentMethod::Cash,
            receipt_no: "x".into(),
        },
        Command::Deliver {
            method: DeliveryMethod::Window,
            recipient: "x".into(),
        },
        Command::Complete,
        Command::Withdraw { reason: "x".into() },
        Command::Terminate { reason: "x".into() },
    ];
    let mut out: Vec<&'static str> = probes
        .iter()
        .filter(|cmd| match dc::decide(c, cmd, actor, now, &cal) {
            Ok(_) => true,
            Err(
                CaseError::NotAllowed(_)
                | CaseError::WrongState { .. }
                | CaseError::UseImmediate
                | CaseError::NotImmediate
                | CaseError::NoSuchMaterial
                | CaseError::FeeForFreeItem
                | CaseError::NoHigherLevel,
            ) => false,
            Err(_) => true,
        })
        .map(|c| c.name())
        .collect();
    for i in c.active_stages() {
        let probe = Command::CompleteStage {
            index: i,
            approved: true,
            opinion: String::new(),
        };
        if dc::decide(c, &probe, actor, now, &cal).is_ok() {
            out.push("complete_stage");
            break;
        }
    }
    out
}

pub async fn case_page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(number): Path<String>,
) -> PageResult {
    render_case(&state, &u, &number, None, StatusCode::OK).await
}

async fn render_case(
    state: &AppState,
    u: &Authed,
    number: &str,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let c = cases::load_visible(state, u, number).await?;
    let events = state.store.case_events(number).await?;
    let actor = cases::actor_for(state, u).await?;
    let actions = offered(&c, &actor, state);
    // The stages this user may complete now (a joint item's other parts are not offered).
    let my_stages: Vec<usize> = c
        .active_stages()
        .into_iter()
        .filter(|i| {
            let probe = Command::CompleteStage {
                index: *i,
                approved: true,
                opinion: String::new(),
            };
            dc::decide(&c, &probe, &actor, state.clock.now(), &state.calendar()).is_ok()
        })
        .collect();
    let has = |a: &str| actions.contains(&a);
    let f = &c.filing;
    let place_names = (
        place_name(state, &f.place).await,
        place_name(state, &f.decide_place).await,
    );
    // Supervisors see the case's warnings and the violations found in its log.
    let oversight = if u.authorize(Action::Supervise, &f.place).is_ok()
        || u.authorize(Action::Supervise, &f.decide_place).is_ok()
    {
        let cal = state.calendar_for(&f.place).await?;
        let viols = domain::supervision::violations(&c, &events, state.clock.today(), &cal);
        Some((state.store.case_warnings(&f.number).await?, viols))
    } else {
        None
    };
    // A stage is named by the department of the level that does it: a forwarded case's first
    // review belongs to the township's departments, the rest to the deciding level's.
    let names = (
        super::public::department_names_for(state, &f.place).await?,
        super::public::department_names_for(state, &f.decide_place).await?,
    );
    let dept = |i: usize| {
        let names = if *c.stage_place(i) == f.place {
            &names.0
        } else {
            &names.1
        };
        let code = &c.stages[i].department;
        names.get(code).cloned().unwrap_or_else(|| code.to_string())
    };
    let (left, class) = remaining(state, c.current_deadline());
    // Each department of a joint item sees its own part (and the shared materials); the lead
    // department, the window and supervisors see every part.
    let my_depts: Vec<String> = actor
        .roles
        .iter()
        .filter(|r| matches!(r.role, Role::Reviewer | Role::DepartmentHead))
        .filter_map(|r| r.department.clone())
        .collect();
    let sees_all = actor
        .roles
        .iter()
        .any(|r| !matches!(r.role, Role::Reviewer | Role::DepartmentHead))
        || my_depts.contains(&f.item.department);
    let only_own_part = !sees_all && !my_depts.is_empty();
    // Which parts hold the case up: running stages, overdue first.
    let mut holding: Vec<(String, String, String, &str)> = c
        .active_stages()
        .into_iter()
        .map(|i| {
            let s = &c.stages[i];
            let (l, cls) = remaining(state, s.due);
            (s.name.clone(), dept(i), l, cls)
        })
        .collect();
    holding.sort_by_key(|h| match h.3 {
        "overdue" => 0,
        "near" => 1,
        _ => 2,
    });
    let csrf = csrf_input(u);
    let act = |action: &str, label: &str, fields: Markup| -> Markup {
        html! {
            form.card.stack method="post" action={ "/cases/" (f.number) "/act" } {
                (csrf) input type="hidden" name="action" value=(action);
                h3 { (label) }
                (fields)
                label { "备注" } input type="text" name="comment";
                div.actions { button type="submit" { (label) } }
            }
        }
    };
    let body = html! {
        p.no-print { a href="/cases" { "← 办件工作台" } }
        h1 { (f.item.name) }
        @if let Some(e) = &error { div.notice.bad role="alert" { (e) } }
        div.card {
            table.kv {
                tr { th { "办件编号" } td { span.num { (f.number) } } }
                tr { th { "查询码" } td { strong { (f.query_code) } } }
                tr { th { "状态" } td { strong { (c.state.label()) } @if !left.is_empty() { " " span class={ "tag " (class) } { (left) } } } }
                tr { th { "申报方式" } td { (f.channel.label()) } }
                // Staff at the window hand the applicant the tablet; applicants rate online.
                @if c.state == CaseState::Completed { tr { th { "服务评价" } td { a href={ "/rate?channel=" (if u.is_staff() { "window_tablet" } else { "online" }) "&number=" (f.number) "&code=" (f.query_code) } { "评价" } } } }
                tr { th { "申请人" } td { (f.applicant.name) "(" (mask_id(&f.applicant.id_number)) ",电话 " (mask_phone(&f.applicant.phone)) ")" } }
                tr { th { "事项版本" } td { a href={ "/catalog/" (f.item.code) "?version=" (f.item.version) } { (f.item.code) " 第" (f.item.version) "版" } " · " (f.item.kind.label()) } }
                tr { th { "受理地" } td { (place_names.0) " " span.hint { (f.place) } } }
                @if f.decide_place != f.place { tr { th { "决定地" } td { (place_names.1) " " span.hint { (f.decide_place) } } } }
            }
        }
        h2 { "期限" }
        table.kv {
            @if let Some(d) = c.received_on { tr { th { "收件日期" } td { (d) } } }
            @if let Some(d) = c.deadlines.correction_due { tr { th { "补正告知期限" } td { (d) " (行政许可法第32条,5个工作日)" } } }
            @if let Some(d) = c.accepted_on { tr { th { "受理日期" } td { (d) } } }
            @if let Some(d) = c.deadlines.promised_due { tr { th { "承诺办结期限" } td { (d) @if matches!(c.state, CaseState::InReview | CaseState::Suspended) { " " span.hint { (remaining(state, Some(d)).0) } } } } }
            @if let Some(d) = c.deadlines.statutory_due { tr { th { "法定办结期限" } td { (d) @if c.extended { " (已延期)" } } } }
            @if let Some(d) = c.deadlines.delivery_due { tr { th { "送达期限" } td { (d) " (第44条,10个工作日)" } } }
            @if c.suspended_days > 0 { tr { th { "特别程序" } td { "已扣除" (c.suspended_days) "个工作日" } } }
        }
        h2 { "申请材料" }
        div.table-wrap { table {
            thead { tr { th { "序号" } th { "材料" } th { "必需" } th { "状态" } th { "文件" } } }
            tbody { @for (i, m) in c.materials.iter().enumerate() { tr {
                td { (i + 1) } td { (m.name) } td { @if m.mandatory { "是" } @else { "否" } }
                td { @match m.status { MaterialStatus::Received => { "已收取" }, MaterialStatus::Defective => { span.err { "有问题:" (m.reason) } }, MaterialStatus::Pending => { "待收" } } }
                td { @for h in &m.files { a href={ "/cases/" (f.number) "/files/" (h) } { (&h[..8]) } " " } }
            } } }
        } }
        @if !holding.is_empty() {
            div.notice.warn role="status" {
                strong { "当前等待:" }
                @for (name, d, left, _) in &holding { span.tag { (name) " · " (d) @if !left.is_empty() { " · " (left) } } }
            }
        }
        @if let Some(d) = c.deadlines.first_review_due { @if c.forwarded_on.is_none() && c.state == CaseState::InReview {
            p { "本级初审期限:" (d) "(第四十三条,20个工作日)" }
        } }
        @if !c.stages.is_empty() {
            h2 { "办理环节" }
            @if only_own_part { p.hint { "联办件:仅显示本部门负责的环节,共享材料见上。" } }
            div.table-wrap { table {
                thead { tr { th { "环节" } th { "部门" } th { "开始" } th { "期限" } th { "完成" } th { "意见" } } }
                tbody { @for (i, s) in c.stages.iter().enumerate().filter(|(_, s)| !only_own_part || my_depts.contains(&s.department)) {
                    @let (sl, sc) = if s.is_active() { remaining(state, s.due) } else { (String::new(), "") };
                    tr class=(sc) {
                        td { (s.name) @if let Some(g) = s.parallel_group { " " span.tag { "并联" (g) } } }
                        td { (dept(i)) }
                        td { @if let Some(d) = s.started_on { (d) } }
                        td { @if let Some(d) = s.due { (d) " " (sl) } }
                        td { @if let Some(d) = s.completed_on { (d) } }
                        td { @if let Some(a) = s.approved { @if a { "同意" } @else { "不同意" } } " " (s.opinion) " " span.hint { (s.by) } }
                    }
                } }
            } }
        }
        h2 { "收费" }
        @if c.filing.item.fees.is_empty() { p { "本事项不收费" } } @else {
            p { "应缴 " (format_yuan(c.fee_due_fen)) " 元,已缴 " (format_yuan(c.paid_fen)) " 元" @if c.refunded_fen > 0 { ",已退 " (format_yuan(c.refunded_fen)) " 元" } }
            ul { @for fee in &c.filing.item.fees { li { (fee.name) ":" (format_yuan(fee.amount_fen)) " 元(" (fee.basis) ")" } } }
        }
        h2 { "文书" }
        p.no-print { @for (k, label) in crate::pages::documents::available(&c) { a.tag href={ "/cases/" (f.number) "/documents/" (k) } target="_blank" { (label) } } }
        @if !actions.is_empty() {
            h2.no-print { "可执行的操作" }
            div.grid.no-print {
                @if has("submit") { (act("submit", "提交申请", html! {})) }
                @if has("resubmit") { (act("resubmit", "补正后重新提交", html! {})) }
                @if has("mark_material") {
                    (act("mark_material", "核验材料", html! {
                        label { "材料" } select name="index" { @for (i, m) in c.materials.iter().enumerate() { option value=(i) { (i + 1) ". " (m.name) } } }
                        label { "结果" } select name="status" { option value="received" { "合格,已收取" } option value="defective" { "有问题" } }
                        label { "问题说明" } input type="text" name="reason";
                    }))
                }
                @if has("request_correction") { (act("request_correction", "一次性告知补正", html! { p.hint { "将列出所有标记为有问题或未提交的必需材料。" } })) }
                @if has("accept") { (act("accept", "受理", html! {})) }
                @if has("handle_immediately") { (act("handle_immediately", "当场办结(即办件)", html! { label { "证照编号(可空)" } input type="text" name="licence_no"; })) }
                @if has("refuse") { (act("refuse", "不予受理", html! { label { "理由" } textarea name="reasons" required {} })) }
                @if has("complete_stage") {
                    (act("complete_stage", "完成审查环节", html! {
                        label { "环节" } select name="index" { @for i in my_stages.iter().copied() { option value=(i) { (c.stages[i].name) } } }
                        label { "意见" } select name="approved" { option value="true" { "同意" } option value="false" { "不同意" } }
                        label { "审查意见" } textarea name="opinion" {}
                    }))
                }
                @if has("suspend") {
                    (act("suspend", "进入特别程序", html! {
                        label { "程序" } select name="procedure" { @for p in SpecialProcedure::ALL { option value=(p.as_str()) { (p.label()) } } }
                        label { "预计工作日" } input type="number" name="expected_days" min="1" value="5";
                        label { "理由(将书面告知申请人)" } textarea name="reason" required {}
                    }))
                }
                @if has("forward") {
                    @if c.state == CaseState::Submitted {
                        (act("forward", "转办至上级服务中心", html! { label { "转办理由" } textarea name="reason" required {} }))
                    } @else {
                        (act("forward", "初审完成,报送上级决定", html! { p.hint { "行政许可法第四十三条:下级初审后报送上级决定,办件编号和全部记录随件移送。" } }))
                    }
                }
                @if has("resume") { (act("resume", "结束特别程序", html! {})) }
                @if has("extend") { (act("extend", "批准延期", html! { label { "延期理由(将告知申请人)" } textarea name="reason" required {} })) }
                @if has("decide") {
                    (act("decide", "作出决定", html! {
                        label { "决定" } select name="granted" { option value="true" { "准予许可" } option value="false" { "不予许可" } }
                        label { "证照编号" } input type="text" name="licence_no";
                        label { "理由(不予许可时必填)" } textarea name="reasons" {}
                    }))
                }
                @if has("assess_fees") {
                    (act("assess_fees", "核定收费", html! {
                        @for (i, fee) in c.filing.item.fees.iter().enumerate() {
                            label { (fee.name) "(" (format_yuan(fee.amount_fen)) " 元)数量" } input type="number" min="0" max="10000" name={ "fee_qty_" (i) } value="0";
                        }
                    }))
                }
                @if has("record_payment") {
                    (act("record_payment", "收费", html! {
                        label { "金额(元)" } input type="text" name="amount" value=(format_yuan(c.fee_outstanding())) inputmode="decimal";
                        label { "方式" } select name="method" { option value="cash" { "现金" } option value="card" { "刷卡" } option value="online" { "网上支付" } }
                    }))
                }
                @if has("deliver") {
                    (act("deliver", "送达", html! {
                        label { "方式" } select name="method" { option value="window" { "窗口领取" } option value="post" { "邮寄" } option value="electronic" { "电子送达" } option value="agent" { "代办员转交" } }
                        label { "签收人" } input type="text" name="recipient" value=(f.applicant.name);
                    }))
                }
                @if has("complete") { (act("complete", "办结", html! {})) }
                @if has("withdraw") { (act("withdraw", "撤回申请", html! { label { "原因" } input type="text" name="reason"; })) }
                @if has("terminate") { (act("terminate", "终止办理", html! { label { "理由" } textarea name="reason" required {} })) }
            }
        }
        @if matches!(c.state, CaseState::Draft | CaseState::Submitted | CaseState::CorrectionRequested) && (Some(u.user.id) == f.applicant.user_id || Some(u.user.id) == f.agent_user_id || u.grants().iter().any(|g| g.role == Role::WindowClerk)) {
            form.card.stack.no-print method="post" action={ "/cases/" (f.number) "/upload?_csrf=" (u.session.csrf_token) } enctype="multipart/form-data" {
                h3 { "上传材料" }
                label for="midx" { "材料" } select #midx name="index" { @for (i, m) in c.materials.iter().enumerate() { option value=(i) { (i + 1) ". " (m.name) } } }
                label for="mfile" { "文件(PDF、PNG、JPEG,不超过10MB)" } input #mfile type="file" name="file" accept=".pdf,.png,.jpg,.jpeg" required;
                div.actions { button type="submit" { "上传" } }
            }
        }
        @if let Some((warns, viols)) = &oversight {
            h2 { "电子监察" }
            @if warns.is_empty() && viols.is_empty() { p.hint { "无预警,无违规。" } }
            @for w in warns { p { span class={ "tag " (if w.colour == "red" { "overdue" } else { "near" }) } { @if w.colour == "red" { "红色预警" } @else { "黄色预警" } } " " (w.label) ",期限 " (w.due) } }
            @if !viols.is_empty() {
                table { thead { tr { th { "规则" } th { "严重程度" } th { "说明" } } }
                    tbody { @for v in viols { tr { td { (v.rule.label()) br; span.hint { (v.rule.code()) } } td { (v.rule.severity().label()) } td { (v.detail) } } } } }
            }
            div.actions.no-print { a.button.secondary href="/supervision/orders" { "督办" } }
        }
        h2 { "办理过程" }
        ol.timeline {
            @for e in &events {
                li {
                    span.hint { (local(e.at)) " · " (e.actor.name) @if let Some(r) = e.actor.role { "(" (r.label()) ")" } }
                    br; strong { (e.kind.label()) }
                    @if !e.comment.is_empty() { " — " (e.comment) }
                    (event_detail(&e.kind))
                }
            }
        }
    };
    Ok((status, layout(&format!("办件 {}", f.number), Some(u), body)).into_response())
}

/// The name of a region's service place, or the code when it has none.
async fn place_name(state: &AppState, code: &domain::RegionCode) -> String {
    match state.store.get_place(code).await {
        Ok(Some(p)) => p.name,
        _ => code.to_string(),
    }
}

fn event_detail(k: &dc::EventKind) -> Markup {
    use dc::EventKind as E;
    html! {
        @match k {
            E::CorrectionRequested { defects, repeat, late } => {
                ul { @for d in defects { li { (d.material) ":" (d.reason) } } }
                @if *repeat { span.tag.overdue { "再次补正" } } @if *late { span.tag.overdue { "超过5个工作日告知" } }
            }
            E::Refused { reasons } | E::Decided { reasons, .. } if !reasons.is_empty() => { p { "理由:" (reasons) } }
            E::Suspended { reason, expected_days, .. } => { p { "理由:" (reason) ",预计" (expected_days) "个工作日" } }
            E::Extended { reason, promised_due, .. } => { p { "理由:" (reason) ",承诺期限延至" (promised_due) } }
            E::Accepted { promised_due, statutory_due, .. } => { p { "承诺期限 " (promised_due) ",法定期限 " (statutory_due) } }
            E::StageCompleted { opinion, .. } if !opinion.is_empty() => { p { (opinion) } }
            E::PaymentRecorded { amount_fen, receipt_no, .. } => { p { (format_yuan(*amount_fen)) " 元,票据号 " (receipt_no) } }
            E::Refunded { amount_fen, reason } => { p { (format_yuan(*amount_fen)) " 元:" (reason) } }
            E::MaterialMarked { reason, .. } if !reason.is_empty() => { p { (reason) } }
            _ => {}
        }
    }
}

/// One of an enum's words (its JSON spelling), or a field error naming the field: an unknown word is
/// refused, never read as a default.
fn choice<T: std::str::FromStr>(word: &str, field: &str, message: &str) -> Result<T, AppError> {
    word.parse()
        .map_err(|_| AppError::bad_field("invalid_choice", field, message))
}

/// Builds a command from the action form's fields.
fn command_from(
    fields: &HashMap<String, String>,
    c: &Case,
    receipt: impl FnOnce() -> String,
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
            receipt_no: receipt(),
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

pub use app::cases::next_receipt;

pub async fn case_act(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(number): Path<String>,
    Form(fields): Form<HashMap<String, String>>,
) -> PageResult {
    let c = cases::load_visible(&state, &u, &number).await?;
    let receipt = if fields.get("action").map(String::as_str) == Some("record_payment") {
        next_receipt(&state, &c.filing.place).await?
    } else {
        String::new()
    };
    let outcome = match command_from(&fields, &c, || receipt) {
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
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{number}")).into_response()),
        Err(
            e @ (AppError::BadRequest { .. } | AppError::Conflict { .. } | AppError::Validation(_)),
        ) => {
            let status = e.status();
            render_case(&state, &u, &number, Some(e.user_message()), status).await
        }
        Err(e) => Err(PageError(e)),
    }
}

pub async fn case_upload(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(number): Path<String>,
    mut mp: Multipart,
) -> PageResult {
    cases::load_visible(&state, &u, &number).await?;
    let (mut index, mut data) = (None, None);
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| AppError::bad("invalid_upload", format!("上传失败:{e}")))?
    {
        match field.name() {
            Some("index") => {
                index = field
                    .text()
                    .await
                    .ok()
                    .and_then(|t| t.trim().parse::<usize>().ok())
            }
            Some("file") => {
                data = Some(field.bytes().await.map_err(|_| {
                    AppError::bad_field("file_too_large", "file", "文件不能超过10MB")
                })?)
            }
            _ => {}
        }
    }
    let index = index.ok_or_else(|| AppError::bad_field("invalid_index", "index", "请选择材料"))?;
    let data = data.ok_or_else(|| AppError::bad_field("file_required", "file", "请选择文件"))?;
    let result = async {
        let (sha, _) = crate::files::store_upload(&state, &data).await?;
        let actor = cases::actor_for(&state, &u).await?;
        cases::execute(
            &state,
            &actor,
            &number,
            &Command::UploadMaterial {
                index,
                sha256: sha.clone(),
            },
            "",
            &[sha],
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{number}")).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict { .. })) => {
            render_case(&state, &u, &number, Some(e.user_message()), e.status()).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn case_file(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path((number, hash)): Path<(String, String)>,
) -> PageResult {
    let c = cases::load_visible(&state, &u, &number).await?;
    if !c.materials.iter().any(|m| m.files.contains(&hash)) {
        return Err(AppError::NotFound("文件").into());
    }
    let (bytes, ct) = crate::files::read(&state, &hash).await?;
    Ok(([(header::CONTENT_TYPE, ct)], bytes).into_response())
}

#[derive(Deserialize, Default)]
pub struct LookupForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    code: String,
}

pub async fn lookup(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<LookupForm>,
) -> PageResult {
    let result = if q.number.trim().is_empty() {
        None
    } else {
        Some(public_view(&state, &q.number, &q.code).await)
    };
    let status = match &result {
        Some(Err(e)) => e.status(),
        _ => StatusCode::OK,
    };
    let body = html! {
        h1 { "办件查询" }
        form.card.stack method="get" action="/lookup" {
            label for="number" { "办件编号" } input #number type="text" name="number" value=(q.number) required inputmode="numeric";
            label for="code" { "查询码" } input #code type="text" name="code" value=(q.code) required autocomplete="off";
            div.actions { button type="submit" { "查询" } }
        }
        @match &result {
            Some(Ok(p)) => {
                div.card {
                    h2 { (p.item_name) }
                    table.kv {
                        tr { th { "办件编号" } td { span.num { (p.number) } } }
                        tr { th { "申请人" } td { (p.applicant) } }
                        tr { th { "当前状态" } td { strong { (p.state_label) } } }
                        @if let Some(d) = p.due { tr { th { "期限" } td { (d) } } }
                        tr { th { "下一步" } td { (p.next_step) } }
                        @if p.state == CaseState::Completed { tr { th { "服务评价" } td { a href={ "/rate?channel=online&number=" (p.number) "&code=" (q.code) } { "评价" } } } }
                    }
                    h3 { "办理过程" }
                    ol.timeline { @for (at, label) in &p.timeline { li { span.hint { (local(*at)) } " " (label) } } }
                }
            }
            Some(Err(e)) => { div.notice.bad role="alert" { (e.user_message()) } }
            None => {}
        }
    };
    Ok((status, layout("办件查询", u.as_ref(), body)).into_response())
}

pub async fn results(State(state): State<AppState>, MaybeUser(u): MaybeUser) -> PageResult {
    let rows = state.store.list_results(200).await?;
    let body = html! {
        h1 { "办理结果公开" }
        p.hint { "个人信息已按规定脱敏。" }
        div.table-wrap { table {
            thead { tr { th { "决定日期" } th { "事项" } th { "申请人" } th { "证照编号" } th { "办件编号" } } }
            tbody { @for r in &rows { tr { td { (r.decided_on) } td { (r.item_name) } td { (r.applicant_masked) } td { (r.licence_no) } td { (r.case_number) } } } }
        } }
    };
    Ok(layout("结果公开", u.as_ref(), body).into_response())
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RegisterForm {
    username: String,
    name: String,
    id_number: String,
    phone: String,
    password: String,
    region: String,
}

pub async fn register_page(State(state): State<AppState>, MaybeUser(u): MaybeUser) -> PageResult {
    register_render(&state, u.as_ref(), &RegisterForm::default(), &[]).await
}

async fn register_render(
    state: &AppState,
    u: Option<&Authed>,
    f: &RegisterForm,
    errs: &[domain::FieldError],
) -> PageResult {
    let regions = state.store.list_regions(&domain::Scope::All).await?;
    let token = crate::auth::random_token();
    let cookie = crate::auth::set_cookie(state, crate::auth::ANON_CSRF_COOKIE, &token, 3600);
    let status = if errs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = html! {
        h1 { "申请人注册" }
        form.stack.card method="post" action="/register" {
            input type="hidden" name="_csrf" value=(token);
            label for="username" { "用户名(字母、数字)" } input #username type="text" name="username" value=(f.username) required autocomplete="username"; (super::field_errors(errs, "username"))
            label for="name" { "姓名" } input #name type="text" name="name" value=(f.name) required; (super::field_errors(errs, "applicant.name"))
            label for="id_number" { "身份证号码" } input #id_number type="text" name="id_number" value=(f.id_number) required autocomplete="off"; (super::field_errors(errs, "applicant.id_number"))
            label for="phone" { "手机号" } input #phone type="tel" name="phone" value=(f.phone) required; (super::field_errors(errs, "applicant.phone"))
            label for="region" { "居住地(村、社区)" }
            select #region name="region" { @for r in regions.iter().filter(|r| r.level >= domain::Level::County) { option value=(r.code) selected[f.region == r.code.as_str()] { (r.name) " " (r.code) } } }
            label for="password" { "密码(至少8位,含字母和数字)" } input #password type="password" name="password" required autocomplete="new-password"; (super::field_errors(errs, "password"))
            div.actions { button type="submit" { "注册" } }
        }
    };
    Ok((
        status,
        [(header::SET_COOKIE, cookie)],
        layout("注册", u, body),
    )
        .into_response())
}

pub async fn register_submit(
    State(state): State<AppState>,
    Form(f): Form<RegisterForm>,
) -> PageResult {
    let registration = app::accounts::Registration {
        username: f.username.clone(),
        name: f.name.clone(),
        id_number: f.id_number.clone(),
        phone: f.phone.clone(),
        password: f.password.clone(),
        region: f.region.clone(),
    };
    match app::accounts::register(&state, &registration).await {
        Ok(_) => Ok(Redirect::to("/login?next=/cases").into_response()),
        Err(AppError::Validation(v)) => register_render(&state, None, &f, &v.errors).await,
        Err(e) => Err(PageError(e)),
    }
}
