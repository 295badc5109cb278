//! Supervision pages: live monitoring (SSE), warnings, orders (督办单), rules, evaluation.

use super::{csrf_input, layout, PageResult};
use crate::auth::{Authed, PageUser};
use crate::error::AppError;
use crate::pages::Form;
use crate::state::AppState;
use crate::supervision::{self as svc, Dashboard, EvalBy};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect};
use chrono::{Datelike, Duration, NaiveDate};
use domain::access::Action;
use domain::catalog::ItemKind;
use domain::supervision::{RuleScope, WarningRule, Weights};
use domain::{CaseNumber, Scope};
use futures_util::stream::{self, Stream, StreamExt};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;
use std::collections::HashMap;
use store::OrderStatus;

fn supervisor_scope(u: &Authed) -> Result<Scope, AppError> {
    let s = u.scope(Action::Supervise);
    if s == Scope::Within(vec![]) {
        Err(AppError::Forbidden)
    } else {
        Ok(s)
    }
}

/// Whether a supervision scope takes in a whole city (or everything).
fn covers_city(scope: &Scope) -> bool {
    match scope {
        Scope::All => true,
        Scope::Within(roots) => roots
            .iter()
            .any(|r| r.0.implied_level() == domain::Level::City),
    }
}

/// The live part of the monitoring page; re-rendered for every SSE update.
fn live_fragment(d: &Dashboard) -> Markup {
    html! {
        div.grid {
            div.card { strong { "红色预警" } p style="font-size:2rem;color:var(--bad);margin:0" data-count="red" { (d.red) } }
            div.card { strong { "黄色预警" } p style="font-size:2rem;color:var(--warn);margin:0" data-count="yellow" { (d.yellow) } }
            div.card { strong { "督办中" } p style="font-size:2rem;margin:0" { (d.open_orders) } @if d.overdue_orders > 0 { span.tag.overdue { "逾期未回复 " (d.overdue_orders) } } }
            div.card { strong { "办件总数" } p style="font-size:2rem;margin:0" data-count="total" { (d.by_state.iter().map(|x| x.2).sum::<i64>()) } }
        }
        @if !d.overdue_complaints.is_empty() {
            div.notice.bad role="alert" {
                strong { "投诉逾期未处理 " (d.overdue_complaints.len()) " 件:" }
                @for (code, unit, late) in &d.overdue_complaints { span.tag.overdue { (code) " · " (unit) " · 超期" (late) "个工作日" } }
                " " a href="/feedback" { "查看" }
            }
        }
        h2 { "红黄牌办件" }
        @if d.warnings.is_empty() { p.hint { "暂无预警。" } } @else {
            div.table-wrap { table {
                thead { tr { th { "预警" } th { "办件" } th { "期限" } th { "期限日期" } th { "承办" } } }
                tbody { @for (w, holder) in d.warnings.iter().zip(&d.holders) {
                    tr class=(if w.colour == "red" { "overdue" } else { "near" }) {
                        td { @if w.colour == "red" { "红色" } @else { "黄色" } }
                        td { a href={ "/cases/" (w.case_number) } { (w.case_number) } }
                        td { (w.label) }
                        td { (w.due) }
                        td { (holder) }
                    }
                } }
            } }
        }
        div.grid {
            div { h2 { "按状态" } table { tbody { @for (_, label, n) in &d.by_state { tr { td { (label) } td data-state=(label) { (n) } } } } } }
            div { h2 { "按层级" } table { tbody { @for (label, n) in &d.by_level { tr { td { (label) } td { (n) } } } } } }
            div { h2 { "按部门" } table { tbody { @for (_, name, n) in &d.by_department { tr { td { (name) } td { (n) } } } } } }
            div { h2 { "按受理场所" } table { tbody { @for (_, name, n) in &d.by_place { tr { td { (name) } td { (n) } } } } } }
        }
    }
}

pub async fn monitor(State(state): State<AppState>, PageUser(u): PageUser) -> PageResult {
    let scope = supervisor_scope(&u)?;
    let d = svc::dashboard(&state, &scope).await?;
    // The record's integrity concerns the whole network: the city's supervisors see its alarm.
    let alarm = if covers_city(&scope) {
        app::checkpoints::alarm(&state).await?
    } else {
        None
    };
    let body = html! {
        h1 { "实时监控" }
        @if let Some(a) = &alarm {
            div.notice.bad role="alert" #record-alarm {
                p { strong { "记录完整性告警" } "(" (domain::time::minute(a.at)) " 检查发现):" }
                ul { @for f in &a.findings { li { (f) } } }
                p.hint { "请立即组织核查,并以 yizhan verify 和外部保存的检查点确认;详见 " a href="/checkpoints" { "记录检查点" } "。" }
            }
        }
        nav.tabs {
            a.tab.current href="/supervision" { "实时监控" }
            a.tab href="/supervision/orders" { "督办单" }
            a.tab href="/supervision/violations" { "纠错" }
            a.tab href="/supervision/evaluation" { "绩效评估" }
            a.tab href="/supervision/rules" { "预警规则" }
        }
        form.actions method="post" action="/supervision/scan" { (csrf_input(&u)) button.secondary type="submit" { "立即扫描预警" } span.hint { "页面数据实时更新,无需刷新。" } }
        // Progressive enhancement (static/app.js): without JavaScript the page is complete, just
        // not live.
        div #live data-live="/supervision/live" { (live_fragment(&d)) }
    };
    Ok(layout("实时监控", Some(&u), body).into_response())
}

/// How often an open monitor is sent a fresh fragment at most: the network changes thousands of
/// times a second under load, and each fragment is a whole dashboard (issue 18: one open monitor
/// cost the write path a tenth of its throughput, four a fifth).
pub const LIVE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// A tick at once, then one after each change — but never two within `every`: the changes that
/// arrive meanwhile are taken together by the next tick. Ends when the sender is gone.
pub fn coalesced(
    rx: tokio::sync::broadcast::Receiver<u64>,
    every: std::time::Duration,
) -> impl Stream<Item = ()> {
    use tokio::sync::broadcast::error::{RecvError, TryRecvError};
    stream::unfold(
        (rx, None::<tokio::time::Instant>),
        move |(mut rx, last)| async move {
            if let Some(last) = last {
                // Wait for a change (a receiver that fell behind has missed some: one too).
                if let Err(RecvError::Closed) = rx.recv().await {
                    return None;
                }
                tokio::time::sleep_until(last + every).await;
                loop {
                    match rx.try_recv() {
                        Ok(_) | Err(TryRecvError::Lagged(_)) => continue,
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Closed) => break,
                    }
                }
            }
            Some(((), (rx, Some(tokio::time::Instant::now()))))
        },
    )
}

/// Server-Sent Events: a fresh fragment at once and after changes in the network, at most one a
/// second ([`LIVE_EVERY`]).
pub async fn live(
    State(state): State<AppState>,
    PageUser(u): PageUser,
) -> Result<Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>>, super::PageError> {
    let scope = supervisor_scope(&u)?;
    let ticks = coalesced(state.changes.subscribe(), LIVE_EVERY);
    let st = state.clone();
    let events = ticks.then(move |_| {
        let st = st.clone();
        let scope = scope.clone();
        async move {
            let html = match svc::dashboard(&st, &scope).await {
                Ok(d) => live_fragment(&d).into_string(),
                Err(e) => format!("<p class=\"err\">{}</p>", e.user_message()),
            };
            // SSE data lines cannot hold raw newlines.
            Ok(Event::default()
                .event("update")
                .data(html.replace('\n', " ")))
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

pub async fn run_scan(State(state): State<AppState>, PageUser(u): PageUser) -> PageResult {
    supervisor_scope(&u)?;
    svc::scan(&state, &state.instance).await?;
    Ok(Redirect::to("/supervision").into_response())
}

// ---------- orders ----------

fn status_label(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::Open => "待回复",
        OrderStatus::Replied => "已回复",
        OrderStatus::Closed => "已办结",
        OrderStatus::Escalated => "已提级督办",
    }
}

/// A responsible unit by name: the place, and the department when the order names one (the codes
/// only when no name is on record).
async fn unit_label(
    state: &AppState,
    unit: &domain::RegionCode,
    department: Option<&str>,
) -> Result<String, crate::error::AppError> {
    let place = app::lookups::place_name(state, unit).await;
    Ok(match department {
        Some(d) => {
            let names = app::lookups::department_names_for(state, unit).await?;
            format!("{place} {}", names.get(d).map(String::as_str).unwrap_or(d))
        }
        None => place,
    })
}

pub async fn orders(State(state): State<AppState>, PageUser(u): PageUser) -> PageResult {
    let list = crate::supervision_orders::list(&state, &u).await?;
    let mut units = std::collections::HashMap::new();
    for o in &list {
        let key = (o.unit.clone(), o.department.clone());
        if let std::collections::hash_map::Entry::Vacant(e) = units.entry(key) {
            e.insert(unit_label(&state, &o.unit, o.department.as_deref()).await?);
        }
    }
    let today = state.clock.today();
    let can_issue = u.can_anywhere(Action::Supervise);
    let body = html! {
        h1 { "督办单" }
        div.table-wrap { table {
            thead { tr { th { "编号" } th { "事由" } th { "办件" } th { "责任单位" } th { "回复期限" } th { "状态" } } }
            tbody { @for o in &list {
                tr class=(if o.status == OrderStatus::Open && o.reply_due < today { "overdue" } else { "" }) {
                    td { a href={ "/supervision/orders/" (o.id) } { "督" (o.id) } }
                    td { (o.subject) }
                    td { @if let Some(n) = &o.case_number { a href={ "/cases/" (n) } { (n) } } }
                    td { (units[&(o.unit.clone(), o.department.clone())]) }
                    td { (o.reply_due) @if o.status == OrderStatus::Open && o.reply_due < today { " " span.tag.overdue { "逾期" } } }
                    td { (status_label(o.status)) }
                }
            } }
        } }
        @if can_issue {
            form.card.stack method="post" action="/supervision/orders" {
                (csrf_input(&u))
                h2 { "发出督办单" }
                label for="case_number" { "办件编号(可空)" } input #case_number type="text" name="case_number";
                label for="unit" { "责任单位区划代码(填写办件编号时可空)" } input #unit type="text" name="unit" inputmode="numeric";
                label for="subject" { "督办事由" } input #subject type="text" name="subject" required;
                label for="body" { "督办内容" } textarea #body name="body" required {}
                label for="days" { "回复期限(工作日)" } input #days type="number" name="days" min="1" max="30" value="3";
                div.actions { button type="submit" { "发出" } }
            }
        }
    };
    Ok(layout("督办单", Some(&u), body).into_response())
}

#[derive(Deserialize)]
pub struct OrderForm {
    #[serde(default)]
    case_number: String,
    #[serde(default)]
    unit: String,
    subject: String,
    body: String,
    days: u32,
}

pub async fn issue_order(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(f): Form<OrderForm>,
) -> PageResult {
    // The case is optional; one that is given must be a case number (said of the form's field).
    let case = match f.case_number.trim() {
        "" => None,
        n => Some(CaseNumber::parse(n).map_err(|e| AppError::from(e.for_field("case_number")))?),
    };
    let id = crate::supervision_orders::issue(
        &state,
        &u,
        case.as_ref(),
        f.unit.trim(),
        &f.subject,
        &f.body,
        f.days,
    )
    .await?;
    Ok(Redirect::to(&format!("/supervision/orders/{id}")).into_response())
}

pub async fn order_page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    let o = crate::supervision_orders::load_visible(&state, &u, id).await?;
    let actor = crate::cases::actor_for(&state, &u).await?;
    let allowed: Vec<&str> = crate::supervision_orders::allowed_actions(&u, &actor, &o)
        .into_iter()
        .map(|a| a.as_str())
        .collect();
    let unit = unit_label(&state, &o.unit, o.department.as_deref()).await?;
    let body = html! {
        p { a href="/supervision/orders" { "← 督办单" } }
        h1 { "督办单 督" (o.id) ":" (o.subject) }
        table.kv {
            tr { th { "状态" } td { (status_label(o.status)) } }
            tr { th { "责任单位" } td { (unit) } }
            @if let Some(n) = &o.case_number { tr { th { "办件" } td { a href={ "/cases/" (n) } { (n) } } } }
            tr { th { "回复期限" } td { (o.reply_due) } }
            tr { th { "督办内容" } td { (o.body) } }
        }
        h2 { "记录" }
        ol.timeline { @for e in &o.history { li { span.hint { (domain::time::minute(e.at)) " · " (e.actor) } br; strong { (action_label(&e.action)) } " " (e.text) } } }
        @for a in &allowed {
            form.card.stack method="post" action={ "/supervision/orders/" (o.id) "/act" } {
                (csrf_input(&u))
                input type="hidden" name="action" value=(a);
                label { (action_label(a)) "说明" } textarea name="text" required[*a == "reply"] {}
                div.actions { button type="submit" { (action_label(a)) } }
            }
        }
    };
    Ok(layout("督办单", Some(&u), body).into_response())
}

fn action_label(a: &str) -> &'static str {
    match a {
        "issued" => "发出督办",
        "reply" | "replied" => "回复",
        "close" | "closed" => "办结督办",
        "escalate" | "escalated" => "提级督办",
        "reopen" | "reopened" => "退回重办",
        _ => "操作",
    }
}

#[derive(Deserialize)]
pub struct OrderAct {
    action: String,
    #[serde(default)]
    text: String,
}

pub async fn order_act(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Form(f): Form<OrderAct>,
) -> PageResult {
    crate::supervision_orders::act(&state, &u, id, &f.action, &f.text).await?;
    Ok(Redirect::to(&format!("/supervision/orders/{id}")).into_response())
}

// ---------- rules ----------

pub async fn rules_page(State(state): State<AppState>, PageUser(u): PageUser) -> PageResult {
    supervisor_scope(&u)?;
    let rules = svc::rules(&state).await?;
    let weights = svc::weights(&state).await?;
    let can_edit = u.can_anywhere(Action::ManageUsers);
    let text = rules
        .iter()
        .map(|r| {
            let scope = match &r.scope {
                RuleScope::All => "all".to_string(),
                RuleScope::ItemKind(k) => k.as_str().to_string(),
                RuleScope::Item(c) => c.clone(),
            };
            format!(
                "{}|{}|{}",
                scope,
                r.yellow_days_left
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                r.yellow_percent_used
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let body = html! {
        h1 { "预警规则与评估权重" }
        p.hint { "黄牌:剩余工作日不超过N天,或已用时限达到X%;红牌:超过期限。规则按“事项 > 办件类型 > 全部”取最具体的一条。" }
        @if can_edit {
            form.card.stack method="post" action="/supervision/rules" {
                (csrf_input(&u))
                label for="rules" { "预警规则(每行:范围|剩余天数|已用百分比;范围为 all、immediate/promised/joint/forwarded 或事项编码)" }
                textarea #rules name="rules" rows="6" { (text) }
                div.actions { button type="submit" { "保存规则并重算预警" } }
            }
            form.card.stack method="post" action="/supervision/weights" {
                (csrf_input(&u))
                h2 { "绩效评估权重" }
                @for (name, label, v) in [("on_time", "按时办结率", weights.on_time), ("early", "提前办结率", weights.early), ("speed", "办理速度", weights.speed), ("satisfaction", "满意度", weights.satisfaction), ("reference_days", "速度基准(工作日)", weights.reference_days), ("overdue_penalty", "超期扣分", weights.overdue_penalty), ("warning_penalty", "预警扣分", weights.warning_penalty), ("violation_penalty", "违规扣分", weights.violation_penalty), ("complaint_penalty", "投诉扣分", weights.complaint_penalty)] {
                    label for=(name) { (label) } input id=(name) type="number" step="0.1" min="0" name=(name) value=(v);
                }
                div.actions { button type="submit" { "保存权重" } }
            }
        } @else {
            pre { (text) }
        }
    };
    Ok(layout("预警规则", Some(&u), body).into_response())
}

#[derive(Deserialize)]
pub struct RulesForm {
    rules: String,
}

/// Parses `scope|days|percent` lines into rules, with the line of each problem.
pub fn parse_rules(text: &str) -> Result<Vec<WarningRule>, domain::ValidationErrors> {
    let mut e = domain::ValidationErrors::default();
    let mut out = vec![];
    for (i, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let c: Vec<&str> = line.split('|').map(str::trim).collect();
        let scope = match c[0] {
            "all" | "" => RuleScope::All,
            k => match ItemKind::parse(k) {
                Some(kind) => RuleScope::ItemKind(kind),
                None => RuleScope::Item(k.to_string()),
            },
        };
        let num = |s: Option<&&str>| -> Result<Option<u32>, ()> {
            match s.map(|x| x.trim()).filter(|x| !x.is_empty()) {
                None => Ok(None),
                Some(x) => x.parse().map(Some).map_err(|_| ()),
            }
        };
        match (num(c.get(1)), num(c.get(2))) {
            (Ok(days), Ok(pct)) => {
                let r = WarningRule {
                    scope,
                    yellow_days_left: days,
                    yellow_percent_used: pct,
                };
                if let Err(v) = r.validate() {
                    for fe in v.errors {
                        e.push(
                            format!("rules[{i}].{}", fe.field),
                            &fe.code,
                            format!("第{}行:{}", i + 1, fe.message),
                        );
                    }
                }
                out.push(r);
            }
            _ => e.push(
                format!("rules[{i}]"),
                "invalid_number",
                format!("第{}行:天数和百分比应为整数", i + 1),
            ),
        }
    }
    e.into_result(out)
}

pub async fn save_rules(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(f): Form<RulesForm>,
) -> PageResult {
    let rules = parse_rules(&f.rules)?;
    svc::save_rules(&state, &u, &rules).await?;
    Ok(Redirect::to("/supervision/rules").into_response())
}

pub async fn save_weights(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| {
        f.get(k)
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    let w = Weights {
        on_time: get("on_time"),
        early: get("early"),
        speed: get("speed"),
        satisfaction: get("satisfaction"),
        reference_days: get("reference_days"),
        overdue_penalty: get("overdue_penalty"),
        warning_penalty: get("warning_penalty"),
        violation_penalty: get("violation_penalty"),
        complaint_penalty: get("complaint_penalty"),
    };
    svc::save_weights(&state, &u, &w).await?;
    Ok(Redirect::to("/supervision/rules").into_response())
}

// ---------- evaluation ----------

#[derive(Deserialize, Default)]
pub struct EvalQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    by: String,
}

fn period(state: &AppState, q: &EvalQuery) -> Result<(NaiveDate, NaiveDate), AppError> {
    let today = state.clock.today();
    let parse = |s: &str, field: &str, default: NaiveDate| {
        if s.trim().is_empty() {
            Ok(default)
        } else {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| AppError::bad_field("invalid_date", field, "日期格式应为YYYY-MM-DD"))
        }
    };
    let from = parse(
        &q.from,
        "from",
        today.with_day(1).unwrap_or(today) - Duration::days(90),
    )?;
    let to = parse(&q.to, "to", today)?;
    Ok((from, to))
}

/// A line chart of weekly on-time rates, drawn with plotters into SVG.
pub fn trend_svg(points: &[(NaiveDate, f64)]) -> String {
    use plotters::prelude::*;
    let mut svg = String::new();
    if points.is_empty() {
        return svg;
    }
    {
        let root = SVGBackend::with_string(&mut svg, (720, 260)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let n = points.len() as i32;
        let chart = ChartBuilder::on(&root)
            .margin(16)
            .x_label_area_size(0)
            .y_label_area_size(0)
            .build_cartesian_2d(0..n.max(2) - 1, 0f64..100f64);
        if let Ok(mut chart) = chart {
            let _ = chart.draw_series(LineSeries::new(
                points.iter().enumerate().map(|(i, p)| (i as i32, p.1)),
                RGBColor(179, 38, 30).stroke_width(3),
            ));
            let _ = chart.draw_series(
                points
                    .iter()
                    .enumerate()
                    .map(|(i, p)| Circle::new((i as i32, p.1), 4, RGBColor(179, 38, 30).filled())),
            );
            for y in [0.0, 50.0, 100.0] {
                let _ = chart.draw_series(LineSeries::new(
                    [(0, y), (n.max(2) - 1, y)],
                    RGBColor(200, 200, 200),
                ));
            }
        }
        let _ = root.present();
    }
    svg
}

pub async fn evaluation_page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<EvalQuery>,
) -> PageResult {
    let scope = supervisor_scope(&u)?;
    let (from, to) = period(&state, &q)?;
    let by = EvalBy::parse(&q.by);
    let (scores, trend) = svc::evaluation(&state, &scope, from, to, by).await?;
    let by_key = match by {
        EvalBy::Department => "department",
        EvalBy::Place => "place",
        EvalBy::Window => "window",
        EvalBy::Staff => "staff",
    };
    let body = html! {
        h1 { "绩效评估" }
        form.card method="get" action="/supervision/evaluation" {
            div.grid {
                div { label for="from" { "开始" } input #from type="date" name="from" value=(from); }
                div { label for="to" { "结束" } input #to type="date" name="to" value=(to); }
                div { label for="by" { "评估对象" } select #by name="by" {
                    option value="department" selected[by == EvalBy::Department] { "部门" }
                    option value="place" selected[by == EvalBy::Place] { "服务场所" }
                    option value="window" selected[by == EvalBy::Window] { "窗口" }
                    option value="staff" selected[by == EvalBy::Staff] { "人员" }
                } }
            }
            div.actions { button type="submit" { "评估" } a.button.secondary href={ "/supervision/evaluation.xlsx?from=" (from) "&to=" (to) "&by=" (by_key) } { "导出 Excel" } }
        }
        @if scores.is_empty() { p.hint { "该期间内没有办结的办件。" } } @else {
            div.table-wrap { table {
                thead { tr { th { "排名" } th { "对象" } th { "办件数" } th { "按时办结率" } th { "提前办结率" } th { "平均工作日" } th { "超期" } th { "预警" } th { "违规" } th { "满意度" } th { "投诉" } th { "综合得分" } } }
                tbody { @for s in &scores { tr {
                    td { (s.rank) } td { (s.unit) } td { (s.cases) }
                    td { (format!("{:.1}%", s.on_time_rate * 100.0)) } td { (format!("{:.1}%", s.early_rate * 100.0)) }
                    td { (format!("{:.1}", s.mean_working_days)) } td { (s.overdue) } td { (s.warnings) } td { (s.violations) }
                    td { @if let Some(m) = s.mean_satisfaction { (format!("{m:.2}")) } @else { "—" } } td { (s.complaints) }
                    td { strong { (format!("{:.2}", s.score)) } }
                } } }
            } }
        }
        h2 { "按时办结率趋势(按周)" }
        @if trend.is_empty() { p.hint { "暂无数据" } } @else {
            figure { (PreEscaped(trend_svg(&trend))) figcaption.hint { @for (d, v) in &trend { (d) ":" (format!("{v:.0}%")) "  " } } }
        }
    };
    Ok(layout("绩效评估", Some(&u), body).into_response())
}

pub async fn evaluation_xlsx(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<EvalQuery>,
) -> PageResult {
    let scope = supervisor_scope(&u)?;
    let (from, to) = period(&state, &q)?;
    let (scores, _) = svc::evaluation(&state, &scope, from, to, EvalBy::parse(&q.by)).await?;
    let bytes = scores_xlsx(&scores).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"evaluation-{from}-{to}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The ranking as an Excel sheet.
pub fn scores_xlsx(
    scores: &[domain::supervision::Score],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("绩效评估")?;
    let heads = [
        "排名",
        "对象",
        "办件数",
        "按时办结率",
        "提前办结率",
        "平均工作日",
        "超期",
        "预警",
        "违规",
        "评价数",
        "平均满意度",
        "投诉",
        "综合得分",
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    for (r, s) in scores.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_number(r, 0, s.rank as f64)?;
        ws.write_string(r, 1, &s.unit)?;
        ws.write_number(r, 2, s.cases as f64)?;
        ws.write_number(r, 3, s.on_time_rate)?;
        ws.write_number(r, 4, s.early_rate)?;
        ws.write_number(r, 5, s.mean_working_days)?;
        ws.write_number(r, 6, s.overdue as f64)?;
        ws.write_number(r, 7, s.warnings as f64)?;
        ws.write_number(r, 8, s.violations as f64)?;
        ws.write_number(r, 9, s.rated as f64)?;
        if let Some(m) = s.mean_satisfaction {
            ws.write_number(r, 10, m)?;
        }
        ws.write_number(r, 11, s.complaints as f64)?;
        ws.write_number(r, 12, s.score)?;
    }
    wb.save_to_buffer()
}

// ---------- violations across the subtree (纠错) ----------

fn violations_query(
    f: &app::supervision::ViolationFilter,
    from: NaiveDate,
    until: NaiveDate,
) -> String {
    let enc = super::query_value;
    format!(
        "from={from}&until={until}&rule={}&unit={}",
        enc(f.rule.trim()),
        enc(f.unit.trim())
    )
}

pub async fn violations_page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(f): Query<app::supervision::ViolationFilter>,
) -> PageResult {
    let (from, until, rows) = app::supervision::violations_list(&state, &u, &f).await?;
    let units = app::regions::list_places(&state, &u).await?;
    let unit_name = |c: &domain::RegionCode| {
        units
            .iter()
            .find(|p| &p.region_code == c)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| c.to_string())
    };
    let qs = violations_query(&f, from, until);
    let body = html! {
        h1 { "纠错" }
        nav.tabs {
            a.tab href="/supervision" { "实时监控" }
            a.tab href="/supervision/orders" { "督办单" }
            a.tab.current href="/supervision/violations" { "纠错" }
            a.tab href="/supervision/evaluation" { "绩效评估" }
            a.tab href="/supervision/rules" { "预警规则" }
        }
        p.hint { "办件记录中发现的违规情形,按发现日期倒序;仍超期未办的情形见实时监控的红色预警。" }
        form.card method="get" action="/supervision/violations" aria-label="筛选纠错" {
            div.grid {
                div { label for="from" { "起始日期" } input #from type="date" name="from" value=(from); }
                div { label for="until" { "截止日期" } input #until type="date" name="until" value=(until); }
                div { label for="rule" { "规则" }
                    select #rule name="rule" {
                        option value="" { "全部" }
                        @for r in domain::supervision::ViolationRule::ALL {
                            option value=(r.code()) selected[f.rule == r.code()] { (r.label()) }
                        }
                    }
                }
                div { label for="unit" { "单位" }
                    select #unit name="unit" {
                        option value="" { "全部" }
                        @for p in &units { option value=(p.region_code) selected[f.unit == p.region_code.as_str()] { (p.name) } }
                    }
                }
            }
            p.actions {
                button type="submit" { "查询" } " "
                a.button.secondary href={ "/supervision/violations.xlsx?" (qs) } { "导出 Excel" }
            }
        }
        p.summary { "共 " (rows.len()) " 条" @if rows.len() as u32 >= app::supervision::VIOLATIONS_SHOWN { "(仅显示最新 " (app::supervision::VIOLATIONS_SHOWN) " 条,请缩小范围)" } }
        div.table-wrap { table {
            thead { tr { th scope="col" { "发现日期" } th scope="col" { "规则" } th scope="col" { "办件" } th scope="col" { "单位" } th scope="col" { "情况" } th scope="col" { "督办" } } }
            tbody { @for v in &rows {
                @let rule = domain::supervision::ViolationRule::parse(&v.rule);
                tr {
                    td { (v.found_on) }
                    td { (rule.map_or(v.rule.as_str(), |r| r.label())) @if let Some(r) = rule { " " span.tag { (r.severity().label()) } } }
                    td { a href={ "/cases/" (v.case_number) } { (v.case_number) } br; span.hint { (v.item_name) } }
                    td { (unit_name(&v.place)) }
                    td { (v.detail) }
                    td {
                        form.inline method="post" action="/supervision/orders" {
                            (csrf_input(&u))
                            input type="hidden" name="case_number" value=(v.case_number);
                            input type="hidden" name="unit" value="";
                            input type="hidden" name="subject" value={ "纠错:" (rule.map_or(v.rule.as_str(), |r| r.label())) };
                            input type="hidden" name="body" value={ (v.detail) ",请核查整改并回复。" };
                            input type="hidden" name="days" value="3";
                            button.secondary type="submit" { "发督办单" }
                        }
                    }
                }
            } }
        } }
    };
    Ok(layout("纠错", Some(&u), body).into_response())
}

pub async fn violations_xlsx(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(f): Query<app::supervision::ViolationFilter>,
) -> PageResult {
    let (_, _, rows) = app::supervision::violations_list(&state, &u, &f).await?;
    let bytes = app::supervision::violations_xlsx(&rows)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"violations.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a paused clock: a hundred changes in a burst make one tick after the first, not a
    /// hundred; a change after a quiet second makes one more; the end of the sender ends it.
    #[tokio::test(start_paused = true)]
    async fn live_ticks_are_coalesced_to_one_a_second() {
        let (tx, rx) = tokio::sync::broadcast::channel(16);
        let mut ticks = Box::pin(coalesced(rx, LIVE_EVERY));
        let t0 = tokio::time::Instant::now();
        assert_eq!(ticks.next().await, Some(()), "at once");
        assert_eq!(t0.elapsed(), std::time::Duration::ZERO);
        for i in 0..100 {
            tx.send(i).unwrap();
        }
        assert_eq!(ticks.next().await, Some(()));
        assert_eq!(t0.elapsed(), LIVE_EVERY, "not before a second has passed");
        // The burst (more than the channel holds) was taken whole: nothing is pending.
        let pending = tokio::time::timeout(LIVE_EVERY * 5, ticks.next()).await;
        assert!(pending.is_err(), "no tick without a change");
        tx.send(101).unwrap();
        assert_eq!(ticks.next().await, Some(()), "a later change");
        drop(tx);
        assert_eq!(ticks.next().await, None);
    }
}
