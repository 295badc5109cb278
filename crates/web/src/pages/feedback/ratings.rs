//! Ratings (好差评) and the applicant's appeal.

use super::*;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RateQuery {
    number: String,
    code: String,
    channel: String,
}

pub async fn rate_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<RateQuery>,
) -> PageResult {
    let channel = RatingChannel::parse(&q.channel).unwrap_or(RatingChannel::Online);
    if q.number.trim().is_empty() {
        let body = html! {
            h1 { "服务评价" }
            (lookup_form(&q.number, &q.code, channel))
        };
        return Ok(layout("服务评价", u.as_ref(), body).into_response());
    }
    let number = crate::ids::looked_up_number(&q.number)?;
    let c = case_by_code(&state, &number, &q.code).await?;
    rate_render(
        &state,
        u.as_ref(),
        &c,
        &q.code,
        channel,
        None,
        StatusCode::OK,
    )
    .await
}

fn lookup_form(number: &str, code: &str, channel: RatingChannel) -> Markup {
    html! {
        form.card.stack method="get" action="/rate" {
            label for="number" { "办件编号" } input #number type="text" name="number" value=(number) required inputmode="numeric";
            label for="code" { "查询码" } input #code type="text" name="code" value=(code) required autocomplete="off";
            input type="hidden" name="channel" value=(channel.as_str());
            div.actions { button type="submit" { "下一步" } }
        }
    }
}

async fn rate_render(
    state: &AppState,
    u: Option<&Authed>,
    c: &Case,
    code: &str,
    channel: RatingChannel,
    done: Option<Markup>,
    status: StatusCode,
) -> PageResult {
    let number = &c.filing.number;
    let on_kiosk = channel == RatingChannel::WindowTablet;
    let (ratings, follow_ups) = app::feedback::case_ratings(state, c).await?;
    let (token, cookie) = form_token(state, u);
    let rated_here = ratings.iter().find(|r| r.channel == channel);
    let body = html! {
        h1 { "服务评价" }
        @if let Some(d) = done { (d) }
        div.card {
            h2 { (c.filing.item.name) }
            table.kv {
                tr { th { "办件编号" } td { (number) } }
                tr { th { "申请人" } td { (domain::identity::mask_name(&c.filing.applicant.name)) } }
                tr { th { "当前状态" } td { (c.state.label()) } }
                tr { th { "评价渠道" } td { (channel.label()) } }
            }
        }
        @if c.state != CaseState::Completed {
            div.notice.warn role="status" { "办件办结后才能评价。" }
        } @else if let Some(r) = rated_here {
            div.notice.ok role="status" { "您已通过“" (channel.label()) "”评价:" strong { (r.level.label()) } "。每个渠道只能评价一次。" }
        } @else {
            form.card.stack method="post" action="/rate" {
                input type="hidden" name=(CSRF_FIELD) value=(token);
                input type="hidden" name="number" value=(number);
                input type="hidden" name="code" value=(code);
                input type="hidden" name="channel" value=(channel.as_str());
                fieldset {
                    legend { "您对本次服务的评价" }
                    @for l in RatingLevel::ALL {
                        label.rate-level for={ "level-" (l.as_str()) } {
                            input type="radio" name="level" id={ "level-" (l.as_str()) } value=(l.as_str()) required;
                            " " (l.label())
                        }
                    }
                }
                label for="comment" { "意见建议(选填)" }
                textarea #comment name="comment" maxlength="2000" {}
                p.hint { "选择“不满意”或“非常不满意”的,办理单位将在规定时限内联系您核实整改。" }
                div.actions { button type="submit" { "提交评价" } }
            }
        }
        @if !ratings.is_empty() {
            h2 { "评价记录" }
            div.table-wrap { table {
                thead { tr { th { "时间" } th { "渠道" } th { "评价" } th { "意见" } } }
                tbody { @for r in &ratings { tr { td { (local(r.rated_at)) } td { (r.channel.label()) } td { (r.level.label()) } td { (r.comment) } } } }
            } }
        }
        @for f in &follow_ups {
            div.card {
                h2 { "差评回访整改" }
                table.kv {
                    tr { th { "状态" } td { strong { (f.status.label()) } } }
                    tr { th { "办理期限" } td { (f.due) } }
                    @if !f.report.is_empty() { tr { th { "整改反馈" } td { (f.report) } } }
                }
                (history(&f.history, true))
                @if f.status == FollowUpStatus::Closed && !f.appealed {
                    form.stack method="post" action="/rate/appeal" {
                        input type="hidden" name=(CSRF_FIELD) value=(token);
                        input type="hidden" name="number" value=(number);
                        input type="hidden" name="code" value=(code);
                        input type="hidden" name="follow_up" value=(f.id);
                        label for={ "appeal-" (f.id) } { "对整改结果不满意?申请复核(申诉,仅限一次)" }
                        textarea id={ "appeal-" (f.id) } name="text" required maxlength="2000" {}
                        div.actions { button type="submit" { "提交申诉" } }
                    }
                }
            }
        }
        @if !on_kiosk { p { a href={ "/complaints/new?case=" (number) } { "对本办件有意见?我要投诉" } } }
    };
    // Rated on the self-service terminal: its page stays in kiosk mode (no site navigation, no
    // sign-in, back to the start when idle).
    let page = if on_kiosk {
        super::kiosk::kiosk_layout("服务评价", false, body)
    } else {
        layout("服务评价", u, body)
    };
    Ok(with_cookie(status, cookie, page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RateForm {
    number: String,
    code: String,
    channel: String,
    level: String,
    comment: String,
}

pub async fn rate_submit(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Form(f): Form<RateForm>,
) -> PageResult {
    let channel = RatingChannel::parse(&f.channel)
        .ok_or_else(|| AppError::bad_field("invalid_channel", "channel", "评价渠道无效"))?;
    let level = RatingLevel::parse(&f.level)
        .ok_or_else(|| AppError::bad_field("invalid_level", "level", "请选择评价等级"))?;
    let number = crate::ids::looked_up_number(&f.number)?;
    let app::feedback::Rated {
        case: c, follow_up, ..
    } = app::feedback::rate(&state, &number, &f.code, channel, level, &f.comment).await?;
    let done = html! {
        div.notice.ok role="status" {
            p { "感谢您的评价!" }
            @if let Some(fu) = &follow_up {
                p { "您的意见已转办理单位回访整改,办理期限为 " strong { (fu.due) } "。整改结果将在本页公布。" }
            }
        }
    };
    rate_render(
        &state,
        u.as_ref(),
        &c,
        &f.code,
        channel,
        Some(done),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AppealForm {
    number: String,
    code: String,
    follow_up: i64,
    text: String,
}

pub async fn appeal_submit(State(state): State<AppState>, Form(f): Form<AppealForm>) -> PageResult {
    let number = crate::ids::looked_up_number(&f.number)?;
    app::feedback::appeal(&state, &number, &f.code, f.follow_up, f.text).await?;
    let q =
        serde_urlencoded::to_string([("number", &f.number), ("code", &f.code)]).unwrap_or_default();
    Ok(Redirect::to(&format!("/rate?{q}")).into_response())
}
