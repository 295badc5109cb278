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
    let mut probes: Vec<Command> = vec![
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
            paper_no: None,
        },
        Command::Deliver {
            method: DeliveryMethod::Window,
            recipient: "x".into(),
        },
        Command::Complete,
        Command::Withdraw { reason: "x".into() },
        Command::Terminate { reason: "x".into() },
    ];
    // A refund is offered only while a receipt has money left on it.
    if let Some(r) = c.receipts.iter().find(|r| r.refundable_fen() > 0) {
        probes.push(Command::Refund {
            amount_fen: 1,
            reason: "x".into(),
            receipt_no: r.receipt_no.clone(),
        });
    }
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
                | CaseError::NoHigherLevel
                // 转报 waits for the first review: nothing on the form can make it succeed.
                | CaseError::FirstReviewPending(_),
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

#[derive(serde::Deserialize, Default)]
pub struct CaseQuery {
    /// The action just done (the page says so once, after the redirect).
    #[serde(default)]
    done: String,
}

pub async fn case_page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(number): Path<String>,
    axum::extract::Query(q): axum::extract::Query<CaseQuery>,
) -> PageResult {
    let number = crate::ids::case_number(&number)?;
    let done = action_label(&q.done).map(|l| format!("已完成:{l}"));
    render_case(&state, &u, &number, None, done, StatusCode::OK).await
}

/// The name of a case page action, for the notice after it is done; `None` for anything else, so
/// the query never puts arbitrary text on the page.
pub(super) fn action_label(action: &str) -> Option<&'static str> {
    Some(match action {
        "submit" => "提交申请",
        "resubmit" => "补正后重新提交",
        "mark_material" | "mark_materials" => "核验材料",
        "request_correction" => "一次性告知补正",
        "accept" => "受理",
        "handle_immediately" => "当场办结",
        "refuse" => "不予受理",
        "complete_stage" => "完成审查环节",
        "suspend" => "进入特别程序",
        "forward" => "转办/报送上级",
        "resume" => "结束特别程序",
        "extend" => "批准延期",
        "decide" => "作出决定",
        "assess_fees" => "核定收费",
        "record_payment" => "收费",
        "refund" => "退费",
        "deliver" => "送达",
        "complete" => "办结",
        "withdraw" => "撤回申请",
        "terminate" => "终止办理",
        "upload" => "上传材料",
        _ => return None,
    })
}

/// An action form that failed: its action, the field the failure concerns (if one), the message,
/// and what was typed, so the page comes back with the form as it was sent (issue 19, finding 7).
pub(super) struct Failed {
    pub action: String,
    pub field: Option<String>,
    pub message: String,
    pub values: std::collections::HashMap<String, String>,
}

/// What a control of an action form shows: the value typed into it when that form failed, and
/// whether the failure concerns it.
struct Fill<'a>(Option<&'a Failed>);

impl Fill<'_> {
    fn failed(&self, action: &str) -> Option<&Failed> {
        self.0.filter(|f| f.action == action)
    }
    fn typed(&self, action: &str, name: &str) -> Option<&str> {
        self.failed(action)
            .and_then(|f| f.values.get(name))
            .map(String::as_str)
    }
    fn invalid(&self, action: &str, name: &str) -> Option<&str> {
        self.failed(action)
            .filter(|f| f.field.as_deref() == Some(name))
            .map(|f| f.message.as_str())
    }
    /// The label and the control, tied by id; a failure of this field marks it and says why
    /// beside it (`aria-invalid`, `aria-describedby`).
    fn field(
        &self,
        action: &str,
        name: &str,
        label: &str,
        control: impl Fn(&str, bool, Option<String>) -> Markup,
    ) -> Markup {
        let id = format!("{action}-{name}");
        let err = self.invalid(action, name);
        let described = err.map(|_| format!("{id}-err"));
        html! {
            label for=(id) { (label) }
            (control(&id, err.is_some(), described.clone()))
            @if let (Some(e), Some(d)) = (err, &described) { p.field-err id=(d) { (e) } }
        }
    }
    fn text(&self, action: &str, name: &str, label: &str, default: &str, required: bool) -> Markup {
        let value = self.typed(action, name).unwrap_or(default).to_string();
        self.field(action, name, label, |id, bad, d| html! {
            input type="text" id=(id) name=(name) value=(value) required[required] aria-invalid=[bad.then_some("true")] aria-describedby=[d];
        })
    }
    fn area(&self, action: &str, name: &str, label: &str, required: bool) -> Markup {
        let value = self.typed(action, name).unwrap_or("").to_string();
        self.field(action, name, label, |id, bad, d| html! {
            textarea id=(id) name=(name) required[required] aria-invalid=[bad.then_some("true")] aria-describedby=[d] { (value) }
        })
    }
    fn number(
        &self,
        action: &str,
        name: &str,
        label: &str,
        default: &str,
        min: i64,
        max: Option<i64>,
    ) -> Markup {
        let value = self.typed(action, name).unwrap_or(default).to_string();
        self.field(action, name, label, |id, bad, d| html! {
            input type="number" id=(id) name=(name) value=(value) min=(min) max=[max] aria-invalid=[bad.then_some("true")] aria-describedby=[d];
        })
    }
    fn select(
        &self,
        action: &str,
        name: &str,
        label: &str,
        options: &[(String, String)],
        default: &str,
    ) -> Markup {
        let chosen = self.typed(action, name).unwrap_or(default).to_string();
        self.field(action, name, label, |id, bad, d| html! {
            select id=(id) name=(name) aria-invalid=[bad.then_some("true")] aria-describedby=[d] {
                @for (v, l) in options { option value=(v) selected[*v == chosen] { (l) } }
            }
        })
    }
}

fn opts(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .collect()
}

pub(super) async fn render_case(
    state: &AppState,
    u: &Authed,
    number: &domain::CaseNumber,
    failed: Option<Failed>,
    done: Option<String>,
    status: StatusCode,
) -> PageResult {
    let fill = Fill(failed.as_ref());
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
        // The failure of this form, said in it (the values typed are back in its controls).
        let failure = fill.failed(action).filter(|f| {
            f.field.is_none() || !f.values.contains_key(f.field.as_deref().unwrap_or(""))
        });
        html! {
            form.card.stack method="post" action={ "/cases/" (f.number) "/act" } id={ "act-" (action) } {
                (csrf) input type="hidden" name="action" value=(action);
                h3 { (label) }
                @if let Some(fl) = failure { p.field-err role="alert" { (fl.message) } }
                (fields)
                (fill.text(action, "comment", "备注", "", false))
                div.actions { button type="submit" { (label) } }
            }
        }
    };
    let body = html! {
        p.no-print { a href="/cases" { "← 办件工作台" } }
        h1 { (f.item.name) }
        @if let Some(d) = &done { div.notice.good role="status" { (d) } }
        @if let Some(e) = &failed { div.notice.bad role="alert" { (e.message) " " a href={ "#act-" (e.action) } { "查看表单" } } }
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
            @if !c.receipts.is_empty() {
                table {
                    caption { "收费票据" }
                    thead { tr { th scope="col" { "票据号" } th scope="col" { "纸质票据号" } th scope="col" { "金额(元)" } th scope="col" { "方式" } th scope="col" { "已退(元)" } } }
                    tbody { @for r in &c.receipts { tr {
                        td { (r.receipt_no) } td { (r.paper_no.as_deref().unwrap_or("—")) }
                        td { (format_yuan(r.amount_fen)) } td { (r.method.label()) }
                        td { (format_yuan(r.refunded_fen)) }
                    } } }
                }
            }
        }
        h2 { "文书" }
        p.no-print { @for (k, label) in crate::pages::documents::available(c) { a.tag href={ "/cases/" (f.number) "/documents/" (k) } target="_blank" { (label) } } }
        @if !actions.is_empty() {
            h2.no-print { "可执行的操作" }
            div.grid.no-print {
                @if has("submit") { (act("submit", "提交申请", html! {})) }
                @if has("resubmit") { (act("resubmit", "补正后重新提交", html! {})) }
                @if has("mark_material") {
                    (act("mark_materials", "核验全部材料", html! {
                        p.hint { "逐项选择后一次提交;只记录有变化的材料。" }
                        @for (i, m) in c.materials.iter().enumerate() {
                            fieldset.material {
                                legend { (i + 1) ". " (m.name) @if m.mandatory { " (必需)" } }
                                (fill.select("mark_materials", &format!("status_{i}"), "结果", &opts(&[("pending", "未收到"), ("received", "合格,已收取"), ("defective", "有问题")]), <&str>::from(m.status)))
                                (fill.text("mark_materials", &format!("reason_{i}"), "问题说明", &m.reason, false))
                            }
                        }
                    }))
                    (act("mark_material", "核验材料", html! {
                        (fill.select("mark_material", "index", "材料", &c.materials.iter().enumerate().map(|(i, m)| (i.to_string(), format!("{}. {}", i + 1, m.name))).collect::<Vec<_>>(), "0"))
                        (fill.select("mark_material", "status", "结果", &opts(&[("received", "合格,已收取"), ("defective", "有问题")]), "received"))
                        (fill.text("mark_material", "reason", "问题说明", "", false))
                    }))
                }
                @if has("request_correction") { (act("request_correction", "一次性告知补正", html! { p.hint { "将列出所有标记为有问题或未提交的必需材料。" } })) }
                @if has("accept") { (act("accept", "受理", html! {})) }
                @if has("handle_immediately") { (act("handle_immediately", "当场办结(即办件)", fill.text("handle_immediately", "licence_no", "证照编号(可空)", "", false))) }
                @if has("refuse") { (act("refuse", "不予受理", fill.area("refuse", "reasons", "理由", true))) }
                @if has("complete_stage") {
                    (act("complete_stage", "完成审查环节", html! {
                        (fill.select("complete_stage", "index", "环节", &my_stages.iter().map(|i| (i.to_string(), c.stages[*i].name.clone())).collect::<Vec<_>>(), ""))
                        (fill.select("complete_stage", "approved", "意见", &opts(&[("true", "同意"), ("false", "不同意")]), "true"))
                        (fill.area("complete_stage", "opinion", "审查意见", false))
                    }))
                }
                @if has("suspend") {
                    (act("suspend", "进入特别程序", html! {
                        (fill.select("suspend", "procedure", "程序", &SpecialProcedure::ALL.iter().map(|p| (p.as_str().to_string(), p.label().to_string())).collect::<Vec<_>>(), ""))
                        (fill.number("suspend", "expected_days", "预计工作日", "5", 1, None))
                        (fill.area("suspend", "reason", "理由(将书面告知申请人)", true))
                    }))
                }
                @if has("forward") {
                    @if c.state == CaseState::Submitted {
                        (act("forward", "转办至上级服务中心", fill.area("forward", "reason", "转办理由", true)))
                    } @else {
                        (act("forward", "初审完成,报送上级决定", html! { p.hint { @if c.filing.item.wording().is_licensing() { "行政许可法第四十三条:" } "下级初审后报送上级决定,办件编号和全部记录随件移送。" } }))
                    }
                }
                @if has("resume") { (act("resume", "结束特别程序", html! {})) }
                @if has("extend") { (act("extend", "批准延期", fill.area("extend", "reason", "延期理由(将告知申请人)", true))) }
                @if has("decide") {
                    (act("decide", "作出决定", html! {
                        (fill.select("decide", "granted", "决定", &opts(&[("true", c.filing.item.wording().decision_short(true)), ("false", c.filing.item.wording().decision_short(false))]), "true"))
                        (fill.text("decide", "licence_no", "证照编号", "", false))
                        (fill.area("decide", "reasons", &format!("理由({}时必填)", c.filing.item.wording().decision_short(false)), false))
                    }))
                }
                @if has("assess_fees") {
                    (act("assess_fees", "核定收费", html! {
                        @for (i, fee) in c.filing.item.fees.iter().enumerate() {
                            (fill.number("assess_fees", &format!("fee_qty_{i}"), &format!("{}({} 元)数量", fee.name, format_yuan(fee.amount_fen)), "0", 0, Some(10000)))
                        }
                    }))
                }
                @if has("record_payment") {
                    (act("record_payment", "收费", html! {
                        (fill.text("record_payment", "amount", "金额(元)", &format_yuan(c.fee_outstanding()), true))
                        (fill.select("record_payment", "method", "方式", &PaymentMethod::ALL.iter().map(|m| (m.as_str().to_string(), m.label().to_string())).collect::<Vec<_>>(), "cash"))
                        (fill.text("record_payment", "paper_no", "纸质票据号(如有)", "", false))
                        p.hint { "电子票据号由系统按本中心顺序开具。" }
                    }))
                }
                @if has("refund") {
                    (act("refund", "退费", html! {
                        (fill.select("refund", "receipt_no", "原票据", &c.receipts.iter().filter(|r| r.refundable_fen() > 0).map(|r| (r.receipt_no.clone(), format!("{}(可退 {} 元)", r.receipt_no, format_yuan(r.refundable_fen())))).collect::<Vec<_>>(), ""))
                        (fill.text("refund", "amount", "退费金额(元)", "", true))
                        (fill.area("refund", "reason", "退费原因", true))
                    }))
                }
                @if has("deliver") {
                    (act("deliver", "送达", html! {
                        (fill.select("deliver", "method", "方式", &opts(&[("window", "窗口领取"), ("post", "邮寄"), ("electronic", "电子送达"), ("agent", "代办员转交")]), "window"))
                        (fill.text("deliver", "recipient", "签收人", &f.applicant.name, false))
                    }))
                }
                @if has("complete") { (act("complete", "办结", html! {})) }
                @if has("withdraw") { (act("withdraw", "撤回申请", fill.text("withdraw", "reason", "原因", "", false))) }
                @if has("terminate") { (act("terminate", "终止办理", fill.area("terminate", "reason", "理由", true))) }
            }
        }
        @if matches!(c.state, CaseState::Draft | CaseState::Submitted | CaseState::CorrectionRequested) && (Some(u.user.id) == f.applicant.user_id || Some(u.user.id) == f.agent_user_id || u.grants().iter().any(|g| g.role == Role::WindowClerk)) {
            form.card.stack.no-print method="post" action={ "/cases/" (f.number) "/upload?_csrf=" (u.session.csrf_token) } enctype="multipart/form-data" id="act-upload" {
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
                    tbody { @for v in viols { tr { td { (v.rule.label()) } td { (v.rule.severity().label()) } td { (v.detail) } } } } }
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
            E::PaymentRecorded { amount_fen, receipt_no, paper_no, method } => { p { (format_yuan(*amount_fen)) " 元(" (method.label()) "),票据号 " (receipt_no) @if let Some(p) = paper_no { ",纸质票据号 " (p) } } }
            E::Refunded { amount_fen, reason, receipt_no } => { p { (format_yuan(*amount_fen)) " 元" @if !receipt_no.is_empty() { "(原票据号 " (receipt_no) ")" } ":" (reason) } }
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
