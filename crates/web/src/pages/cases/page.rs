//! The case page: what the case holds, its log, and the actions offered to whoever looks.

use super::*;
use super::{csrf_input, layout, PageResult};
use crate::auth::{Authed, PageUser};
use crate::cases::{self};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::access::Role;
use domain::case::{
    self as dc, Case, CaseError, CaseState, Command, DeliveryMethod, MaterialStatus, PaymentMethod,
    SpecialProcedure,
};
use domain::catalog::format_yuan;
use domain::identity::{mask_id, mask_phone};
use domain::time::minute as local;
use maud::{html, Markup};

/// The actions offered on a case page: a command is offered when the domain would accept this
/// actor for it in this state (it may still refuse for content, e.g. missing materials).
pub(super) fn offered(c: &Case, actor: &dc::Actor, state: &AppState) -> Vec<&'static str> {
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
    let number = crate::ids::case_number(&number)?;
    render_case(&state, &u, &number, None, StatusCode::OK).await
}

pub(super) async fn render_case(
    state: &AppState,
    u: &Authed,
    number: &domain::CaseNumber,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let log = cases::case_log(state, u, number).await?;
    let (c, events) = (&log.case, &log.events);
    let actor = cases::actor_for(state, u).await?;
    let actions = offered(c, &actor, state);
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
            dc::decide(c, &probe, &actor, state.clock.now(), &state.calendar()).is_ok()
        })
        .collect();
    let has = |a: &str| actions.contains(&a);
    let f = &c.filing;
    let place_names = (
        app::lookups::place_name(state, &f.place).await,
        app::lookups::place_name(state, &f.decide_place).await,
    );
    // Supervisors see the case's warnings and the violations found in its log.
    let oversight = app::supervision::case_oversight(state, u, &log).await?;
    // A stage is named by the department of the level that does it: a forwarded case's first
    // review belongs to the township's departments, the rest to the deciding level's.
    let names = (
        crate::pages::public::department_names_for(state, &f.place).await?,
        crate::pages::public::department_names_for(state, &f.decide_place).await?,
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
    // Days left as the deadlines were set: on the accepting place's calendar, closures included.
    let cal = state.calendar_for(&f.place).await?;
    let (left, class) = remaining(state, &cal, c.current_deadline());
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
            let (l, cls) = remaining(state, &cal, s.due);
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
                tr { th { "申请人" } td {
                    (f.applicant.name) "(" (mask_id(&f.applicant.id_number)) ",电话 " (mask_phone(&f.applicant.phone)) ")"
                    @if app::personal::may_reveal(u, c) {
                        details.reveal {
                            summary { "查看完整信息" }
                            form method="post" action={ "/cases/" (f.number) "/reveal" } {
                                (csrf_input(u))
                                label for="reveal_reason" { "查看理由(记入审计日志)" }
                                input #reveal_reason type="text" name="reason" required maxlength="200" placeholder="如:核验申请人身份";
                                button type="submit" { "查看" }
                            }
                        }
                    }
                } }
                tr { th { "事项版本" } td { a href={ "/catalog/" (f.item.code) "?version=" (f.item.version) } { (f.item.code) " 第" (f.item.version) "版" } " · " (f.item.kind.label()) } }
                tr { th { "受理地" } td { (place_names.0) " " span.hint { (f.place) } } }
                @if f.decide_place != f.place { tr { th { "决定地" } td { (place_names.1) " " span.hint { (f.decide_place) } } } }
            }
        }
        h2 { "期限" }
        table.kv {
            @if let Some(d) = c.received_on { tr { th { "收件日期" } td { (d) } } }
            @if let Some(d) = c.deadlines.correction_due { tr { th { "补正告知期限" } td { (d) @if f.item.wording().is_licensing() { " (行政许可法第32条,5个工作日)" } @else { " (5个工作日)" } } } }
            @if let Some(d) = c.accepted_on { tr { th { "受理日期" } td { (d) } } }
            @if let Some(d) = c.deadlines.promised_due { tr { th { "承诺办结期限" } td { (d) @if matches!(c.state, CaseState::InReview | CaseState::Suspended) { " " span.hint { (remaining(state, &cal, Some(d)).0) } } } } }
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
                    @let (sl, sc) = if s.is_active() { remaining(state, &cal, s.due) } else { (String::new(), "") };
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
        p.no-print { @for (k, label) in crate::pages::documents::available(c) { a.tag href={ "/cases/" (f.number) "/documents/" (k) } target="_blank" { (label) } } }
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
                        (act("forward", "初审完成,报送上级决定", html! { p.hint { @if c.filing.item.wording().is_licensing() { "行政许可法第四十三条:" } "下级初审后报送上级决定,办件编号和全部记录随件移送。" } }))
                    }
                }
                @if has("resume") { (act("resume", "结束特别程序", html! {})) }
                @if has("extend") { (act("extend", "批准延期", html! { label { "延期理由(将告知申请人)" } textarea name="reason" required {} })) }
                @if has("decide") {
                    (act("decide", "作出决定", html! {
                        label { "决定" } select name="granted" { option value="true" { (c.filing.item.wording().decision_short(true)) } option value="false" { (c.filing.item.wording().decision_short(false)) } }
                        label { "证照编号" } input type="text" name="licence_no";
                        label { "理由(" (c.filing.item.wording().decision_short(false)) "时必填)" } textarea name="reasons" {}
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
            @for e in events {
                li {
                    span.hint { (local(e.at)) " · " (e.actor.name) @if let Some(r) = e.actor.role { "(" (r.label()) ")" } }
                    br; strong { (e.kind.label(&f.item.wording())) }
                    @if !e.comment.is_empty() { " — " (e.comment) }
                    (event_detail(&e.kind))
                }
            }
        }
    };
    Ok((status, layout(&format!("办件 {}", f.number), Some(u), body)).into_response())
}

pub(super) fn event_detail(k: &dc::EventKind) -> Markup {
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

#[derive(serde::Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    reason: String,
}

/// The whole ID number and phone, shown once to the member of staff who asked, with the reason
/// recorded (`app::personal::reveal`); the page is not cached (`Cache-Control: no-store`).
pub async fn reveal_page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(number): Path<String>,
    crate::pages::Form(f): crate::pages::Form<RevealForm>,
) -> PageResult {
    let number = crate::ids::case_number(&number)?;
    let r = match app::personal::reveal(&state, &u, &number, &f.reason).await {
        Ok(r) => r,
        Err(crate::error::AppError::BadRequest { message, .. }) => {
            let body = html! {
                h1 { "查看完整信息" }
                div.notice.bad role="alert" { (message) }
                p { a href={ "/cases/" (number) } { "返回办件" } }
            };
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                layout("查看完整信息", Some(&u), body),
            )
                .into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let body = html! {
        h1 { "申请人完整信息" }
        p.hint { "本次查看已记入审计日志(理由:" (f.reason.trim()) ")。" }
        table.kv {
            tr { th { "办件编号" } td { span.num { (number) } } }
            tr { th { "申请人" } td { (r.name) } }
            tr { th { "证件号码" } td { span.num { (r.id_number) } } }
            tr { th { "手机号" } td { span.num { (r.phone) } } }
        }
        p { a href={ "/cases/" (number) } { "返回办件" } }
    };
    Ok(layout("申请人完整信息", Some(&u), body).into_response())
}
