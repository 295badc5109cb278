//! Monthly statistics: the published figures as a page and as JSON.

use super::*;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MonthQuery {
    month: String,
}

fn rate_text(r: &StatRow) -> String {
    r.on_time_rate()
        .map(|p| format!("{p:.1}%"))
        .unwrap_or_else(|| "—".into())
}

/// Grouped horizontal bars (received, completed) per row, as inline SVG: no script, prints well.
fn bar_chart(title: &str, rows: &[StatRow]) -> Markup {
    let max = rows
        .iter()
        .map(|r| r.received.max(r.completed))
        .max()
        .unwrap_or(0)
        .max(1);
    let (label_w, bar_w, row_h) = (180u32, 460u32, 44u32);
    let height = 30 + row_h * rows.len() as u32;
    let len = |n: u32| n * bar_w / max;
    html! {
        figure {
            svg role="img" aria-label=(title) viewBox={ "0 0 " (label_w + bar_w + 60) " " (height) } width="100%" style="max-width:720px" {
                title { (title) }
                rect x=(label_w) y="4" width="14" height="12" fill="#0b57d0" {}
                text x=(label_w + 20) y="15" font-size="13" { "收件" }
                rect x=(label_w + 80) y="4" width="14" height="12" fill="#1e7b3a" {}
                text x=(label_w + 100) y="15" font-size="13" { "办结" }
                @for (i, r) in rows.iter().enumerate() {
                    @let y = 26 + row_h * i as u32;
                    text x=(label_w - 8) y=(y + 22) font-size="14" text-anchor="end" { (r.name) }
                    rect x=(label_w) y=(y + 4) width=(len(r.received)) height="16" fill="#0b57d0" {}
                    text x=(label_w + len(r.received) + 6) y=(y + 17) font-size="13" { (r.received) }
                    rect x=(label_w) y=(y + 22) width=(len(r.completed)) height="16" fill="#1e7b3a" {}
                    text x=(label_w + len(r.completed) + 6) y=(y + 35) font-size="13" { (r.completed) }
                }
            }
            figcaption.hint { (title) }
        }
    }
}

fn stat_table(caption: &str, first: &str, rows: &[StatRow], total: &StatRow) -> Markup {
    html! {
        div.table-wrap { table.stats {
            caption { (caption) }
            thead { tr { th scope="col" { (first) } th scope="col" { "收件" } th scope="col" { "办结" } th scope="col" { "按时办结" } th scope="col" { "按时办结率" } } }
            tbody {
                @for r in rows {
                    tr data-key=(r.key) { th scope="row" { (r.name) } td { (r.received) } td { (r.completed) } td { (r.on_time) } td { (rate_text(r)) } }
                }
            }
            tfoot { tr data-key="all" { th scope="row" { "合计" } td { (total.received) } td { (total.completed) } td { (total.on_time) } td { (rate_text(total)) } } }
        } }
    }
}

pub async fn statistics_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<MonthQuery>,
) -> PageResult {
    let s = statistics(&state, &q.month).await?;
    let body = html! {
        h1 { "办件统计 " (s.month) }
        form.card method="get" action="/statistics" {
            label for="month" { "月份" }
            input #month type="month" name="month" value=(s.month);
            div.actions { button type="submit" { "查看" } }
        }
        p { "本月收件 " strong { (s.total.received) } " 件,办结 " strong { (s.total.completed) } " 件,按时办结率 " strong { (rate_text(&s.total)) } "。" }
        h2 { "按部门" }
        (bar_chart("各部门收件与办结", &s.by_department))
        (stat_table("各部门办件统计", "部门", &s.by_department, &s.total))
        h2 { "按服务场所" }
        (bar_chart("各服务场所收件与办结", &s.by_place))
        (stat_table("各服务场所办件统计", "服务场所", &s.by_place, &s.total))
        p.hint { "收件按收件日期、办结按办结日期统计;按时办结指在承诺时限内办结。" }
    };
    Ok(layout("办件统计", u.as_ref(), body).into_response())
}
