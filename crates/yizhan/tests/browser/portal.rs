//! The citizen's portal on a phone: search, apply, lookup, rating, complaint, kiosk (issue 6).

use crate::supervision::{receive_all_and, walk_in};
use crate::*;

/// Issue 6's "done when" on a phone-sized window (390×844): a citizen finds 农村宅基地建房审批 by
/// typing jf and 建房, reads the full guide and applies online (search → guide → apply, signing
/// in on the way); follows the demo homestead case with the query code the village agent hands
/// out; rates a completed case 不满意, which the deciding unit follows up to closed in /feedback;
/// files a complaint that the unit accepts and answers, and reads the answer with the complaint's
/// code. Last, the hall kiosk's search. Staff work at a desktop size.
#[tokio::test]
pub(crate) async fn portal_journey() -> Result<()> {
    let Some(h) = Harness::start().await? else {
        return Ok(());
    };
    let result = portal_steps(&h.client, &h.base).await;
    h.close("portal journey").await;
    result
}

pub(crate) const HOMESTEAD: &str = "农村宅基地建房审批";

pub(crate) async fn portal_steps(c: &Client, base: &str) -> Result<()> {
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots)?;
    let phone_shot = |name: &'static str| {
        let shots = shots.clone();
        async move {
            screenshot(c, &shots, &format!("portal-{name}"), Some(390)).await?;
            set_viewport(c, 390, 844).await
        }
    };
    let desk_shot = |name: &'static str| {
        let shots = shots.clone();
        async move { screenshot(c, &shots, &format!("portal-{name}"), Some(1280)).await }
    };
    let phone = || set_viewport(c, 390, 844);
    let desk = || set_viewport(c, 1280, 900);
    let homestead_link = format!("/catalog/{}", demo::ITEM_ZHAIJIDI);

    // 1. On the phone, the catalog's keyword field: pinyin initials.
    phone().await?;
    c.goto(&format!("{base}/catalog")).await?;
    fill(c, "#q", "jf").await?;
    click_and_load(
        c,
        Locator::XPath("//main//form//button[normalize-space()='查询']"),
    )
    .await?;
    let hits = result_names(c).await?;
    println!("catalog search jf: {hits:?}");
    ensure!(
        hits.iter().any(|h| h == HOMESTEAD),
        "typing jf does not find {HOMESTEAD}: {hits:?}"
    );
    phone_shot("search-jf").await?;
    ensure!(
        page_overflow(c).await? <= 0,
        "the search results are wider than the phone"
    );

    // 2. Search 建房 from the home page's search box → guide.
    c.goto(&format!("{base}/")).await?;
    fill(c, "main form[role=search] input[name=q]", "建房").await?;
    click_and_load(
        c,
        Locator::XPath("//main//form[@role='search']//button[normalize-space()='搜索']"),
    )
    .await?;
    let hits = result_names(c).await?;
    println!("home search 建房: {hits:?}");
    ensure!(
        hits.first().map(String::as_str) == Some(HOMESTEAD),
        "{HOMESTEAD} should rank first for 建房: {hits:?}"
    );
    phone_shot("search-jianfang").await?;
    click_and_load(c, Locator::LinkText(HOMESTEAD)).await?;
    ensure!(c.current_url().await?.path() == homestead_link);
    wait(
        c,
        Locator::XPath(&format!("//article/h1[normalize-space()='{HOMESTEAD}']")),
    )
    .await?;
    let mut headings = vec![];
    for h in c.find_all(Locator::Css("article h2")).await? {
        headings.push(h.text().await?);
    }
    for want in [
        "基本信息",
        "办事依据",
        "受理条件",
        "申请材料",
        "办理流程",
        "收费标准",
        "办理地点与时间",
        "常见问题",
    ] {
        ensure!(
            headings.iter().any(|h| h == want),
            "the guide lacks {want}: {headings:?}"
        );
    }
    phone_shot("guide").await?;

    // 3. Apply: 在线申报 asks a signed-out visitor to sign in, then opens the application form
    //    for this item; the villager saves a draft.
    click_and_load(
        c,
        Locator::XPath("//article//a[normalize-space()='在线申报']"),
    )
    .await?;
    wait(c, Locator::Id("password"))
        .await
        .context("在线申报 while signed out should ask for a sign-in")?;
    fill(c, "#username", demo::VILLAGER).await?;
    fill(c, "#password", demo::DEMO_PASSWORD).await?;
    click_and_load(
        c,
        Locator::XPath("//main//button[normalize-space()='登录']"),
    )
    .await?;
    let url = c.current_url().await?;
    ensure!(
        url.path() == "/cases/new",
        "after signing in on the way to 在线申报 the villager landed on {url}"
    );
    wait(
        c,
        Locator::XPath("//main//h1[normalize-space()='在线申报']"),
    )
    .await?;
    let item = c
        .find(Locator::Css("#item_code"))
        .await?
        .prop("value")
        .await?;
    ensure!(
        item.as_deref() == Some(demo::ITEM_ZHAIJIDI),
        "the application form did not preselect {HOMESTEAD}: {item:?}"
    );
    let name = c.find(Locator::Css("#name")).await?.prop("value").await?;
    ensure!(
        name.as_deref() == Some("王福根"),
        "the form should carry the applicant's own name: {name:?}"
    );
    let id = domain::identity::complete_resident_id("33992119620918201").context("ID")?;
    fill(c, "#id_number", &id).await?;
    phone_shot("apply").await?;
    click_and_load(
        c,
        Locator::XPath("//main//form//button[normalize-space()='保存草稿']"),
    )
    .await?;
    no_error(c, "保存草稿").await?;
    expect_state(c, "草稿").await?;
    phone_shot("draft").await?;
    sign_out(c).await?;

    // 4. The village agent's ledger shows the demo homestead case with its query code (as on the
    //    slip the villager was given).
    desk().await?;
    sign_in(c, base, demo::AGENT_VILLAGE_A).await?;
    c.goto(&format!("{base}/cases")).await?;
    click_and_load(
        c,
        Locator::XPath(&format!(
            "//main//table/tbody/tr[td[2][.='{HOMESTEAD}']]/td[1]/a"
        )),
    )
    .await
    .context("the agent's ledger lacks the demo homestead case")?;
    let demo_number = kv(c, "办件编号").await?;
    let demo_code = kv(c, "查询码").await?;
    sign_out(c).await?;

    // 5. The villager follows it on the phone.
    phone().await?;
    lookup(c, base, &demo_number, &demo_code).await?;
    let state = lookup_field(c, "当前状态").await?;
    ensure!(state == "审查中", "the demo homestead case shows {state:?}");
    let next = lookup_field(c, "下一步").await?;
    ensure!(
        !next.is_empty(),
        "/lookup tells nothing about the next step"
    );
    let steps = c.find_all(Locator::Css("main ol.timeline li")).await?.len();
    ensure!(steps >= 2, "the lookup's timeline has {steps} entries");
    let page = main_text(c).await?;
    ensure!(
        !page.contains("王福根") && !page.contains("33992119620918201"),
        "the public lookup shows personal data"
    );
    phone_shot("lookup").await?;

    // 6. A case to rate: 石桥镇's window registers a 个体工商户 and handles it on the spot.
    desk().await?;
    sign_in(c, base, demo::CLERK_TOWNSHIP_A).await?;
    let number = walk_in(c, base, demo::ITEM_GETIHU, "周海燕", "33992119850312301").await?;
    let code = kv(c, "查询码").await?;
    receive_all_and(c, "handle_immediately").await?;
    expect_state(c, "办结").await?;
    sign_out(c).await?;

    // 7. The applicant looks it up on the phone, follows 评价 and rates it 不满意.
    phone().await?;
    lookup(c, base, &number, &code).await?;
    ensure!(lookup_field(c, "当前状态").await? == "办结");
    click_and_load(
        c,
        Locator::XPath("//main//th[.='服务评价']/following-sibling::td/a[.='评价']"),
    )
    .await?;
    wait(c, Locator::Css("#level-dissatisfied"))
        .await
        .context("the rating page offers no 不满意")?;
    c.find(Locator::XPath(
        "//label[contains(@class,'rate-level')][normalize-space()='不满意']",
    ))
    .await?
    .click()
    .await?;
    ensure!(
        c.find(Locator::Css("#level-dissatisfied"))
            .await?
            .is_selected()
            .await?,
        "clicking the label 不满意 did not select it"
    );
    fill(c, "#comment", "窗口排队等候一个多小时").await?;
    phone_shot("rate").await?;
    click_and_load(
        c,
        Locator::XPath("//main//form//button[normalize-space()='提交评价']"),
    )
    .await?;
    no_error(c, "提交评价").await?;
    let done = wait(c, Locator::Css("main .notice.ok"))
        .await?
        .text()
        .await?;
    ensure!(
        done.contains("感谢您的评价") && done.contains("回访整改"),
        "a 不满意 rating should be thanked and sent for follow-up: {done:?}"
    );
    phone_shot("rated").await?;

    // 8. The deciding unit (云溪县 市场监管) finds the follow-up in /feedback and works it to closed.
    desk().await?;
    sign_in(c, base, CLERK).await?;
    c.goto(&format!("{base}/feedback")).await?;
    click_and_load(
        c,
        Locator::XPath(&format!(
            "//main//h2[starts-with(.,'差评回访整改')]/following::table[1]\
             /tbody/tr[td[2][.='{number}']]/td[1]/a"
        )),
    )
    .await
    .context("the unit's /feedback queue lacks the follow-up")?;
    ensure!(kv(c, "评价").await?.starts_with("不满意"));
    desk_shot("follow-up").await?;
    for (label, next_state, text) in [
        ("联系申请人", "已联系待核实", "已电话联系申请人"),
        (
            "核实情况",
            "已核实待整改",
            "核实:当日上午窗口排队超过一小时",
        ),
        ("整改", "已整改待反馈", "高峰时段增开综合窗口"),
        (
            "向申请人反馈",
            "已办结",
            "已向申请人反馈:高峰时段增开综合窗口",
        ),
    ] {
        fill(c, "main form textarea#text", text).await?;
        click_and_load(
            c,
            Locator::XPath(&format!(
                "//main//form//button[normalize-space()='{label}']"
            )),
        )
        .await?;
        no_error(c, label).await?;
        let now = kv(c, "状态").await?;
        ensure!(now == next_state, "after {label} the follow-up is {now:?}");
    }
    desk_shot("follow-up-closed").await?;
    sign_out(c).await?;

    // 9. The applicant sees the result on the rating page and files a complaint about the case.
    phone().await?;
    c.goto(&format!("{base}/rate?number={number}&code={code}"))
        .await?;
    let card = wait(
        c,
        Locator::XPath("//main//div[contains(@class,'card')][h2[.='差评回访整改']]"),
    )
    .await?
    .text()
    .await?;
    ensure!(
        card.contains("已办结") && card.contains("高峰时段增开综合窗口"),
        "the rating page does not show the closed follow-up: {card}"
    );
    click_and_load(c, Locator::LinkText("对本办件有意见?我要投诉")).await?;
    let case_field = c.find(Locator::Css("#case")).await?.prop("value").await?;
    ensure!(
        case_field.as_deref() == Some(number.as_str()),
        "the complaint form should carry the case number: {case_field:?}"
    );
    fill(c, "#body", "窗口未一次性告知所需材料,跑了两趟").await?;
    fill(c, "#name", "周海燕").await?;
    fill(c, "#phone", "13905781020").await?;
    phone_shot("complaint").await?;
    click_and_load(
        c,
        Locator::XPath("//main//form//button[normalize-space()='提交']"),
    )
    .await?;
    no_error(c, "提交投诉").await?;
    let complaint_code = wait(c, Locator::Css("main strong.code"))
        .await
        .context("no follow code after filing the complaint")?
        .text()
        .await?;
    phone_shot("complaint-filed").await?;

    // 10. The unit accepts and answers it.
    desk().await?;
    sign_in(c, base, CLERK).await?;
    c.goto(&format!("{base}/feedback")).await?;
    click_and_load(
        c,
        Locator::XPath(&format!(
            "//main//h2[starts-with(.,'投诉')]/following::table[1]\
             /tbody/tr[td[3][contains(.,'{number}')]]/td[1]/a"
        )),
    )
    .await
    .context("the unit's /feedback queue lacks the complaint")?;
    ensure!(kv(c, "状态").await? == "待受理");
    click_and_load(
        c,
        Locator::XPath("//main//form//button[normalize-space()='受理']"),
    )
    .await?;
    no_error(c, "受理投诉").await?;
    ensure!(kv(c, "状态").await? == "已受理,办理中");
    let answer = "经核实,已对窗口人员批评教育,并完善一次性告知单";
    fill(c, "#answer-text", answer).await?;
    click_and_load(
        c,
        Locator::XPath("//main//form//button[normalize-space()='答复']"),
    )
    .await?;
    no_error(c, "答复投诉").await?;
    ensure!(kv(c, "状态").await? == "已答复");
    desk_shot("complaint-answered").await?;
    sign_out(c).await?;

    // 11. The complainant reads the answer with the code.
    phone().await?;
    c.goto(&format!("{base}/complaints/lookup")).await?;
    fill(c, "#code", &complaint_code).await?;
    click_and_load(
        c,
        Locator::XPath("//main//form//button[normalize-space()='查询']"),
    )
    .await?;
    no_error(c, "投诉办理查询").await?;
    ensure!(kv(c, "状态").await? == "已答复");
    let reply = wait(c, Locator::Css("main td.reply")).await?.text().await?;
    ensure!(reply == answer, "the complainant reads {reply:?}");
    phone_shot("complaint-reply").await?;
    ensure!(
        page_overflow(c).await? <= 0,
        "the complaint lookup is wider than the phone"
    );

    // 12. The hall kiosk: search by touch keyboard, open the guide.
    desk().await?;
    c.goto(&format!("{base}/kiosk")).await?;
    fill(c, "#kq", "建房").await?;
    desk_shot("kiosk").await?;
    click_and_load(
        c,
        Locator::XPath("//form[contains(@class,'ksearch')]//button[normalize-space()='搜索']"),
    )
    .await?;
    ensure!(c.current_url().await?.path() == "/kiosk/search");
    click_and_load(c, Locator::LinkText(HOMESTEAD))
        .await
        .context("the kiosk's search for 建房 lacks the homestead item")?;
    wait(
        c,
        Locator::XPath(&format!("//article/h1[normalize-space()='{HOMESTEAD}']")),
    )
    .await?;
    wait(c, Locator::LinkText("打印指南")).await?;
    desk_shot("kiosk-guide").await?;
    Ok(())
}

/// The item names of a catalog result list, in order.
pub(crate) async fn result_names(c: &Client) -> Result<Vec<String>> {
    let mut out = vec![];
    for a in c
        .find_all(Locator::Css("main table tbody tr td:first-child a"))
        .await?
    {
        out.push(a.text().await?);
    }
    Ok(out)
}

/// How many CSS pixels the page is wider than the window (0 when it fits).
pub(crate) async fn page_overflow(c: &Client) -> Result<i64> {
    let v = c
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await?;
    Ok(v.as_i64().unwrap_or(0))
}

/// The public lookup (/lookup) with a case number and its query code.
pub(crate) async fn lookup(c: &Client, base: &str, number: &str, code: &str) -> Result<()> {
    c.goto(&format!("{base}/lookup")).await?;
    fill(c, "#number", number).await?;
    fill(c, "#code", code).await?;
    click_and_load(
        c,
        Locator::XPath("//main//form//button[normalize-space()='查询']"),
    )
    .await?;
    no_error(c, "查询").await
}

pub(crate) async fn lookup_field(c: &Client, field: &str) -> Result<String> {
    Ok(wait(
        c,
        Locator::XPath(&format!("//main//th[.='{field}']/following-sibling::td")),
    )
    .await?
    .text()
    .await?
    .trim()
    .to_string())
}
