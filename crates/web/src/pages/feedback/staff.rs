//! Staff: the queue of follow-ups and complaints, their pages and actions.

use super::*;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QueueQuery {
    all: String,
}

pub async fn staff_queue(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<QueueQuery>,
) -> PageResult {
    if !u.is_staff() {
        return Err(PageError(AppError::Forbidden));
    }
    let open_only = q.all.is_empty();
    let (fus, ks) = visible(&state, &u, open_only).await?;
    let today = state.clock.today();
    // Each deadline on its unit's calendar (local closures included), as it was set.
    let cals = crate::pages::cases::calendars(
        &state,
        fus.iter()
            .map(|f| f.unit.clone())
            .chain(ks.iter().map(|k| k.unit.clone()))
            .collect(),
    )
    .await?;
    let body = html! {
        h1 { "评价与投诉" }
        nav.tabs aria-label="范围" {
            a.tab.current[open_only] href="/feedback" { "待办" }
            a.tab.current[!open_only] href="/feedback?all=1" { "全部" }
            @if is_admin(&u) { a.tab href="/feedback/settings" { "时限设置" } }
        }
        h2 { "差评回访整改(" (fus.len()) ")" }
        div.table-wrap { table {
            thead { tr { th { "编号" } th { "办件" } th { "评价" } th { "状态" } th { "期限" } } }
            tbody {
                @for f in &fus {
                    @let cal = &cals[&f.unit];
                    @let late = f.overdue_days(today, cal).is_some();
                    tr.overdue[late] {
                        td { a href={ "/feedback/follow-ups/" (f.id) } { "回访-" (f.id) } }
                        td { (f.case_number) }
                        td { (f.level.label()) }
                        td { (f.status.label()) }
                        td { (f.due) " " (days_tag(&state, cal, f.due, f.status.is_open() && f.status != FollowUpStatus::Appealed)) }
                    }
                }
            }
        } }
        h2 { "投诉、信访、举报(" (ks.len()) ")" }
        div.table-wrap { table {
            thead { tr { th { "编号" } th { "类别" } th { "反映对象" } th { "状态" } th { "当前时限" } } }
            tbody {
                @for k in &ks {
                    @let cal = &cals[&k.unit];
                    @let dl = k.deadline(today, cal);
                    tr.overdue[dl.is_some_and(|d| d.is_overdue())] {
                        td { a href={ "/feedback/complaints/" (k.id) } { (k.kind.label()) "-" (k.id) } }
                        td { (k.kind.label()) }
                        td { (k.subject.label()) ":" (k.subject_ref) }
                        td { (k.status.label()) }
                        td { @if let Some(d) = dl { (d.kind.label()) " " (d.due) " " (days_tag(&state, cal, d.due, true)) } }
                    }
                }
            }
        } }
    };
    Ok(layout("评价与投诉", Some(&u), body).into_response())
}

pub async fn follow_up_page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    let (f, rating) = app::feedback::follow_up_with_rating(&state, &u, id).await?;
    let next: Option<(&str, &str)> = match f.status {
        FollowUpStatus::Open => Some(("contact", "联系申请人")),
        FollowUpStatus::Contacted => Some(("verify", "核实情况")),
        FollowUpStatus::Verified => Some(("rectify", "整改")),
        FollowUpStatus::Rectified => Some(("report_back", "向申请人反馈")),
        _ => None,
    };
    let cal = state.calendar_for(&f.unit).await?;
    let body = html! {
        h1 { "差评回访整改 回访-" (f.id) }
        div.card {
            table.kv {
                tr { th { "办件" } td { a href={ "/cases/" (f.case_number) } { (f.case_number) } } }
                @if let Some(r) = &rating {
                    tr { th { "评价" } td { (r.level.label()) "(" (r.channel.label()) ")" } }
                    tr { th { "意见" } td { (r.comment) } }
                }
                tr { th { "状态" } td { strong { (f.status.label()) } } }
                tr { th { "期限" } td { (f.due) " " (days_tag(&state, &cal, f.due, f.status.is_open() && f.status != FollowUpStatus::Appealed)) } }
                @if f.appealed { tr { th { "申诉" } td { "申请人已申诉" } } }
            }
            (history(&f.history, false))
        }
        @if let Some((action, label)) = next {
            @if may_handle(&u, &f.unit) {
                form.card.stack method="post" action={ "/feedback/follow-ups/" (f.id) "/act" } {
                    (csrf_input(&u))
                    input type="hidden" name="action" value=(action);
                    label for="text" { (label) "情况" }
                    textarea #text name="text" required maxlength="2000" {}
                    div.actions { button type="submit" { (label) } }
                }
            }
        }
        @if f.status == FollowUpStatus::Appealed && may_supervise(&u, &f.unit) {
            form.card.stack method="post" action={ "/feedback/follow-ups/" (f.id) "/act" } {
                (csrf_input(&u))
                input type="hidden" name="action" value="review_appeal";
                label for="upheld" { "复核结论" }
                select #upheld name="upheld" {
                    option value="true" { "维持原整改结果" }
                    option value="false" { "重新整改" }
                }
                label for="review-text" { "复核意见" }
                textarea #review-text name="text" required maxlength="2000" {}
                div.actions { button type="submit" { "提交复核意见" } }
            }
        }
    };
    Ok(layout("差评回访整改", Some(&u), body).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActForm {
    action: String,
    text: String,
    upheld: String,
}

pub async fn follow_up_act(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Form(form): Form<ActForm>,
) -> PageResult {
    let text = form.text;
    let action = match form.action.as_str() {
        "contact" => FollowUpAction::Contact { text },
        "verify" => FollowUpAction::Verify { text },
        "rectify" => FollowUpAction::Rectify { text },
        "report_back" => FollowUpAction::ReportBack { text },
        "review_appeal" => FollowUpAction::ReviewAppeal {
            upheld: form.upheld != "false",
            text,
        },
        _ => return Err(PageError(AppError::bad("invalid_action", "操作无效"))),
    };
    app::feedback::act_on_follow_up(&state, &u, id, &action).await?;
    Ok(Redirect::to(&format!("/feedback/follow-ups/{id}")).into_response())
}

pub async fn complaint_page(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    let k = load_complaint(&state, &u, id).await?;
    let cal = state.calendar_for(&k.unit).await?;
    let dl = k.deadline(state.clock.today(), &cal);
    let unit = place_name(&state, &k.unit).await;
    let handle = may_handle(&u, &k.unit);
    let body = html! {
        h1 { (k.kind.label()) "-" (k.id) }
        div.card {
            table.kv {
                tr { th { "类别" } td { (k.kind.label()) } }
                tr { th { "反映对象" } td { (k.subject.label()) ":" (k.subject_ref) } }
                @if let Some(n) = &k.case_number { tr { th { "办件" } td { a href={ "/cases/" (n) } { (n) } } } }
                tr { th { "责任单位" } td { (unit) @if let Some(d) = &k.department { " " (d) } } }
                tr { th { "反映人" } td {
                    @match &k.complainant {
                        Some(p) => { (p.name) " " (p.phone) }
                        None => { "匿名" }
                    }
                } }
                tr { th { "反映内容" } td { (crate::pages::nl2br(&k.body)) } }
                tr { th { "状态" } td { strong { (k.status.label()) } } }
                tr { th { "受理期限" } td { (k.accept_due) } }
                @if let Some(d) = k.answer_due { tr { th { "答复期限" } td { (d) } } }
                @if let Some(d) = dl { tr { th { "当前时限" } td { (d.kind.label()) " " (d.due) " " (days_tag(&state, &cal, d.due, true)) } } }
                @if !k.reply.is_empty() { tr { th { "答复/理由" } td { (k.reply) } } }
            }
            (history(&k.history, false))
        }
        @if handle && k.status == fb::ComplaintStatus::Received {
            form.card.stack method="post" action={ "/feedback/complaints/" (k.id) "/act" } {
                (csrf_input(&u))
                input type="hidden" name="action" value="accept";
                label for="accept-text" { "受理意见(选填)" }
                textarea #accept-text name="text" maxlength="2000" {}
                div.actions { button type="submit" { "受理" } }
            }
            form.card.stack method="post" action={ "/feedback/complaints/" (k.id) "/act" } {
                (csrf_input(&u))
                input type="hidden" name="action" value="decline";
                label for="decline-text" { "不予受理理由" }
                textarea #decline-text name="text" required maxlength="2000" {}
                div.actions { button.secondary type="submit" { "不予受理" } }
            }
        }
        @if handle && k.status == fb::ComplaintStatus::Accepted {
            form.card.stack method="post" action={ "/feedback/complaints/" (k.id) "/act" } {
                (csrf_input(&u))
                input type="hidden" name="action" value="answer";
                label for="answer-text" { "答复内容" }
                textarea #answer-text name="text" required maxlength="2000" {}
                div.actions { button type="submit" { "答复" } }
            }
        }
    };
    Ok(layout("投诉办理", Some(&u), body).into_response())
}

pub async fn complaint_act(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Form(form): Form<ActForm>,
) -> PageResult {
    let action = match form.action.as_str() {
        "accept" => ComplaintAction::Accept { text: form.text },
        "decline" => ComplaintAction::Decline { reason: form.text },
        "answer" => ComplaintAction::Answer { text: form.text },
        _ => return Err(PageError(AppError::bad("invalid_action", "操作无效"))),
    };
    app::feedback::act_on_complaint(&state, &u, id, &action).await?;
    Ok(Redirect::to(&format!("/feedback/complaints/{id}")).into_response())
}
