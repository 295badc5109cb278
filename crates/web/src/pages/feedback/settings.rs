//! Settings administrators change: working days for follow-ups and complaint answers.

use super::*;

pub async fn settings_page(State(state): State<AppState>, PageUser(u): PageUser) -> PageResult {
    if !is_admin(&u) {
        return Err(PageError(AppError::Forbidden));
    }
    let fdays = setting_days(&state, FOLLOW_UP_DAYS_SETTING, fb::DEFAULT_FOLLOW_UP_DAYS).await?;
    let adays = setting_days(&state, ANSWER_DAYS_SETTING, fb::DEFAULT_ANSWER_DAYS).await?;
    let body = html! {
        h1 { "评价与投诉时限" }
        form.card.stack method="post" action="/feedback/settings" {
            (csrf_input(&u))
            label for="follow_up_days" { "差评回访整改时限(工作日)" }
            input #follow_up_days type="number" name="follow_up_days" min="1" max="60" value=(fdays) required;
            label for="answer_days" { "投诉答复时限(受理后工作日)" }
            input #answer_days type="number" name="answer_days" min="1" max="60" value=(adays) required;
            p.hint { "投诉须在收到后" (fb::ACCEPT_LIMIT_DAYS) "个工作日内决定是否受理。" }
            div.actions { button type="submit" { "保存" } }
        }
    };
    Ok(layout("时限设置", Some(&u), body).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    follow_up_days: String,
    answer_days: String,
}

pub async fn settings_save(
    State(state): State<AppState>,
    PageUser(u): PageUser,
    Form(f): Form<SettingsForm>,
) -> PageResult {
    app::feedback::save_time_limits(&state, &u, &f.follow_up_days, &f.answer_days).await?;
    Ok(Redirect::to("/feedback/settings").into_response())
}
