//! Complaints: the public form, filing, the lookup by follow code, and their JSON.

use super::*;

pub async fn complaint_form(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(f): Query<ComplaintForm>,
) -> PageResult {
    complaint_form_render(&state, u.as_ref(), &f, None, StatusCode::OK).await
}

async fn complaint_form_render(
    state: &AppState,
    u: Option<&Authed>,
    f: &ComplaintForm,
    error: Option<&AppError>,
    status: StatusCode,
) -> PageResult {
    let app::feedback::ComplaintTargets {
        places,
        departments,
    } = app::feedback::complaint_targets(state).await?;
    let (token, cookie) = form_token(state, u);
    let kind = ComplaintKind::parse(&f.kind).unwrap_or(ComplaintKind::Complaint);
    let subject = ComplaintSubject::parse(&f.subject).unwrap_or(if f.case.is_empty() {
        ComplaintSubject::Window
    } else {
        ComplaintSubject::Case
    });
    let body = html! {
        h1 { "投诉、信访、举报" }
        p.hint { "反映的问题将转责任单位办理:收到后" (fb::ACCEPT_LIMIT_DAYS) "个工作日内决定是否受理,受理后在规定时限内答复。提交后请记下查询码,凭查询码查看办理结果。" }
        @if let Some(e) = error { div.notice.bad role="alert" { (e.user_message()) } }
        form.card.stack method="post" action="/complaints/new" {
            input type="hidden" name=(CSRF_FIELD) value=(token);
            fieldset {
                legend { "类别" }
                @for k in ComplaintKind::ALL {
                    label for={ "kind-" (k.as_str()) } {
                        input type="radio" name="kind" id={ "kind-" (k.as_str()) } value=(k.as_str()) checked[k == kind];
                        " " (k.label()) @if k.may_be_anonymous() { "(可匿名)" }
                    }
                }
            }
            label for="subject" { "反映对象" }
            select #subject name="subject" {
                @for s in ComplaintSubject::ALL { option value=(s.as_str()) selected[s == subject] { (s.label()) } }
            }
            label for="case" { "办件编号(反映办件时填写)" }
            input #case type="text" name="case" value=(f.case) inputmode="numeric";
            label for="place" { "责任场所(反映窗口、人员、部门时选择)" }
            select #place name="place" {
                option value="" { "请选择" }
                @for p in &places { option value=(p.region_code) selected[f.place == p.region_code.as_str()] { (p.name) } }
            }
            label for="subject_ref" { "窗口、人员或部门名称" }
            input #subject_ref type="text" name="subject_ref" value=(f.subject_ref);
            label for="department" { "涉及部门(选填)" }
            select #department name="department" {
                option value="" { "不确定" }
                @for (code, name) in &departments { option value=(code) selected[f.department == *code] { (name) } }
            }
            label for="body" { "反映内容" }
            textarea #body name="body" required maxlength="2000" { (f.body) }
            label for="name" { "姓名(举报可不填)" }
            input #name type="text" name="name" value=(f.name) autocomplete="name";
            label for="phone" { "手机号(举报可不填)" }
            input #phone type="tel" name="phone" value=(f.phone) autocomplete="tel";
            div.actions { button type="submit" { "提交" } }
        }
        p { a href="/complaints/lookup" { "已提交?凭查询码查看办理结果" } }
    };
    Ok(with_cookie(status, cookie, layout("我要投诉", u, body)))
}

pub async fn complaint_submit(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Form(f): Form<ComplaintForm>,
) -> PageResult {
    let k = match file(&state, &f).await {
        Ok(k) => k,
        Err(e @ (AppError::BadRequest { .. } | AppError::Validation(_))) => {
            return complaint_form_render(&state, u.as_ref(), &f, Some(&e), e.status()).await
        }
        Err(e) => return Err(PageError(e)),
    };
    let unit = place_name(&state, &k.unit).await;
    let body = html! {
        h1 { "已收到您的" (k.kind.label()) }
        div.notice.ok role="status" {
            p { "查询码:" strong.code { (k.code) } }
            p { "请记下查询码,凭查询码查看办理进度和答复。" }
        }
        table.kv {
            tr { th { "责任单位" } td { (unit) } }
            tr { th { "受理期限" } td { (k.accept_due) } }
        }
        p { a href={ "/complaints/lookup?code=" (k.code) } { "查看办理进度" } }
    };
    Ok((StatusCode::CREATED, layout("已提交", u.as_ref(), body)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeQuery {
    code: String,
}

pub async fn complaint_lookup(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<CodeQuery>,
) -> PageResult {
    let found = if fb::normalize_code(&q.code).is_empty() {
        None
    } else {
        match app::feedback::complaint_by_code(&state, &q.code).await {
            Ok(k) => Some(Some(k)),
            Err(AppError::NotFound(_)) => Some(None),
            Err(e) => return Err(PageError(e)),
        }
    };
    let unit = match &found {
        Some(Some(k)) => place_name(&state, &k.unit).await,
        _ => String::new(),
    };
    let status = match found {
        Some(None) => StatusCode::NOT_FOUND,
        _ => StatusCode::OK,
    };
    let body = html! {
        h1 { "投诉办理查询" }
        form.card.stack method="get" action="/complaints/lookup" {
            label for="code" { "查询码" }
            input #code type="text" name="code" value=(q.code) required autocomplete="off";
            div.actions { button type="submit" { "查询" } }
        }
        @match &found {
            Some(Some(k)) => {
                div.card {
                    table.kv {
                        tr { th { "类别" } td { (k.kind.label()) } }
                        tr { th { "反映对象" } td { (k.subject.label()) ":" (k.subject_ref) } }
                        tr { th { "责任单位" } td { (unit) } }
                        tr { th { "提交时间" } td { (local(k.filed_at)) } }
                        tr { th { "状态" } td { strong { (k.status.label()) } } }
                        @if let Some(d) = k.answer_due { tr { th { "答复期限" } td { (d) } } }
                        @if !k.reply.is_empty() {
                            tr { th { @if k.status == fb::ComplaintStatus::Declined { "不予受理理由" } @else { "答复" } } td.reply { (k.reply) } }
                        }
                    }
                    (history(&k.history, true))
                }
            }
            Some(None) => { div.notice.bad role="alert" { "查询码不正确" } }
            None => {}
        }
    };
    Ok((status, layout("投诉办理查询", u.as_ref(), body)).into_response())
}
