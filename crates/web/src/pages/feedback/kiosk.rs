//! Kiosk (触摸屏): large touch targets, no JavaScript needed, back to the start when idle.

use super::*;

/// The kiosk's own large-type style, inlined into its pages (a kiosk keeps no cache).
const KIOSK_CSS: &str = include_str!("../../../static/kiosk.css");

/// The kiosk frame. Pages other than the start return to it after [`KIOSK_IDLE_SECONDS`]: a meta
/// refresh inside `noscript` does it without JavaScript; with JavaScript a small script does it
/// instead, restarting the count on every touch so a reader is not cut off.
pub(super) fn kiosk_layout(title: &str, home: bool, body: Markup) -> Markup {
    let idle = KIOSK_IDLE_SECONDS;
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " - 一站 自助服务" }
                @if !home {
                    noscript { meta http-equiv="refresh" content={ (idle) ";url=/kiosk" }; }
                }
                link rel="stylesheet" href="/static/app.css";
                style { (PreEscaped(KIOSK_CSS)) }
            }
            body.kiosk data-idle-ms=[(!home).then_some(idle * 1000)] data-idle-home="/kiosk" {
                header.kbar {
                    h1 { (title) }
                    @if !home { a.kbtn.light href="/kiosk" { "返回首页" } }
                }
                main id="main" { (body) }
                // The start page needs no script; the others return to it when idle.
                @if !home { script src="/static/app.js" {} }
            }
        }
    }
}

fn kiosk_search_form(q: &str) -> Markup {
    html! {
        form.ksearch method="get" action="/kiosk/search" role="search" {
            label.visually-hidden for="kq" style="position:absolute;left:-9999px" { "搜索事项" }
            input #kq type="search" name="q" value=(q) placeholder="输入事项名称、拼音或首字母,如:建房、jf" autocomplete="off";
            button type="submit" { "搜索" }
        }
    }
}

async fn published(state: &AppState) -> AppResult<Vec<domain::CatalogItem>> {
    app::catalog::list(state, None, false).await
}

pub async fn kiosk_home(State(state): State<AppState>) -> PageResult {
    let items = published(&state).await?;
    let mut themes: Vec<&String> = items.iter().flat_map(|i| i.themes.iter()).collect();
    themes.sort();
    themes.dedup();
    let body = html! {
        (kiosk_search_form(""))
        h2 { "按主题办事" }
        div.ktiles {
            @for t in &themes { a.kbtn href={ "/kiosk/theme?name=" (t) } { (t) } }
        }
        h2 { "办件查询" }
        form.card method="get" action="/kiosk/lookup" {
            label for="number" { "办件编号" }
            input #number type="text" name="number" inputmode="numeric" required;
            label for="code" { "查询码" }
            input #code type="text" name="code" required autocomplete="off";
            div.actions { button type="submit" { "查询" } }
        }
        div.ktiles {
            a.kbtn.light href="/kiosk/theme" { "全部事项" }
        }
    };
    Ok(kiosk_layout("自助服务", true, body).into_response())
}

fn kiosk_item_list(items: &[&domain::CatalogItem]) -> Markup {
    html! {
        div.klist {
            @for i in items { a.kbtn href={ "/kiosk/items/" (i.code) } { (i.name) } }
            @if items.is_empty() { p { "没有找到相关事项,请换个说法试试。" } }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct KioskQuery {
    q: String,
    name: String,
}

pub async fn kiosk_search(
    State(state): State<AppState>,
    Query(q): Query<KioskQuery>,
) -> PageResult {
    let items = published(&state).await?;
    let hits = state.search_index().search(&q.q, 20);
    let shown: Vec<&domain::CatalogItem> = hits
        .iter()
        .filter_map(|h| items.iter().find(|i| i.code == h.code))
        .collect();
    let body = html! {
        (kiosk_search_form(&q.q))
        p { "找到 " (shown.len()) " 项" }
        (kiosk_item_list(&shown))
    };
    Ok(kiosk_layout("搜索事项", false, body).into_response())
}

pub async fn kiosk_theme(State(state): State<AppState>, Query(q): Query<KioskQuery>) -> PageResult {
    let items = published(&state).await?;
    let shown: Vec<&domain::CatalogItem> = items
        .iter()
        .filter(|i| q.name.is_empty() || i.themes.contains(&q.name))
        .collect();
    let title = if q.name.is_empty() {
        "全部事项".to_string()
    } else {
        q.name.clone()
    };
    let body = kiosk_item_list(&shown);
    Ok(kiosk_layout(&title, false, body).into_response())
}

async fn kiosk_guide(state: &AppState, code: &str) -> AppResult<(domain::CatalogItem, Markup)> {
    let item = app::catalog::published(state, &crate::ids::item_code(code)?).await?;
    let names = crate::pages::public::department_names(state).await?;
    let guide = crate::pages::public::item_guide(&item, &names, true);
    Ok((item, guide))
}

pub async fn kiosk_item(State(state): State<AppState>, Path(code): Path<String>) -> PageResult {
    let (item, guide) = kiosk_guide(&state, &code).await?;
    let body = html! {
        div.actions.noprint {
            a.kbtn href={ "/kiosk/items/" (item.code) "/print" } { "打印指南" }
        }
        (guide)
    };
    Ok(kiosk_layout(&item.name, false, body).into_response())
}

/// The guide alone, printed at once when JavaScript runs (kiosk browsers have no print menu).
pub async fn kiosk_print(State(state): State<AppState>, Path(code): Path<String>) -> PageResult {
    let (item, guide) = kiosk_guide(&state, &code).await?;
    let body = html! {
        p.noprint { "正在打印……如未自动打印,请到服务窗口索取纸质指南。" }
        div data-autoprint {}
        (guide)
    };
    Ok(kiosk_layout(&item.name, false, body).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct KioskLookup {
    number: String,
    code: String,
}

pub async fn kiosk_lookup(
    State(state): State<AppState>,
    Query(q): Query<KioskLookup>,
) -> PageResult {
    let found = match crate::ids::looked_up_number(&q.number) {
        Ok(number) => crate::api::cases::public_view(&state, &number, &q.code).await,
        Err(e) => Err(e),
    };
    let status = match &found {
        Err(e) => e.status(),
        Ok(_) => StatusCode::OK,
    };
    let body = html! {
        @match &found {
            Ok(p) => {
                div.card {
                    h2 { (p.item_name) }
                    table.kv {
                        tr { th { "办件编号" } td { (p.number) } }
                        tr { th { "当前状态" } td { strong { (p.state_label) } } }
                        @if let Some(d) = p.due { tr { th { "期限" } td { (d) } } }
                        tr { th { "下一步" } td { (p.next_step) } }
                    }
                    ol.timeline { @for (at, label) in &p.timeline { li { span.hint { (local(*at)) } " " (label) } } }
                }
                @if p.state == CaseState::Completed {
                    a.kbtn href={ "/rate?channel=window_tablet&number=" (p.number) "&code=" (q.code) } { "评价本次服务" }
                }
            }
            Err(e) => { div.notice.bad role="alert" { (e.user_message()) } a.kbtn href="/kiosk" { "重新查询" } }
        }
    };
    Ok((status, kiosk_layout("办件查询", false, body)).into_response())
}
