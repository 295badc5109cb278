//! The clock moved: a case turns yellow then red on the live monitor, an order, a ranking (issue 5).

use crate::*;

/// Issue 5's "done when" on the demo data, the clock moved by restarting the server on the same
/// data folder with a later `YIZHAN_NOW` (the warning scan runs at start-up): a food licence
/// accepted on Monday 2026-03-02 (promised by 03-16) turns yellow on the county supervisor's live
/// monitor on 03-13, which updates over SSE without a reload when a clerk files another case;
/// red on 03-17; the supervisor issues an order (督办单), the county center's manager replies, the
/// supervisor reads the reply and closes it, and ranks the township centers by score.
#[tokio::test]
pub(crate) async fn supervision_journey() -> Result<()> {
    let Some(mut h) = Harness::start_at(Some(MARCH_2)).await? else {
        return Ok(());
    };
    let result = supervision_steps(&mut h).await;
    h.close("supervision journey").await;
    result
}

pub(crate) const MARCH_2: &str = "2026-03-02T02:00:00Z";
pub(crate) const MARCH_13: &str = "2026-03-13T02:00:00Z";
pub(crate) const MARCH_17: &str = "2026-03-17T02:00:00Z";
pub(crate) const SUPERVISOR: &str = demo::SUP_COUNTY;
pub(crate) const CENTER_MANAGER: &str = demo::MGR_COUNTY;

pub(crate) async fn supervision_steps(h: &mut Harness) -> Result<()> {
    let c = h.client.clone();
    let c = &c;
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots)?;
    let shot = |name: &'static str| {
        let shots = shots.clone();
        async move { screenshot(c, &shots, &format!("supervision-{name}"), Some(1280)).await }
    };
    set_viewport(c, 1280, 900).await?;

    // 1. Monday 2026-03-02: the county window files a walk-in food licence, receives every
    //    material and accepts it; promised by 03-16 (10 working days).
    let base = h.base.clone();
    sign_in(c, &base, CLERK).await?;
    let number = walk_in(
        c,
        &base,
        demo::ITEM_FOOD_LICENSE,
        "林晓峰",
        "33992119870415123",
    )
    .await?;
    receive_all_and(c, "accept").await?;
    expect_state(c, "审查中").await?;
    let due = kv(c, "承诺办结期限").await?;
    ensure!(
        due.starts_with("2026-03-16"),
        "accepted on 2026-03-02, the case should be promised by 2026-03-16: {due:?}"
    );
    shot("accepted").await?;
    sign_out(c).await?;

    // 2. Friday 03-13, two working days left: yellow on the supervisor's live monitor.
    h.restart_at(MARCH_13)?;
    let base = h.base.clone();
    sign_in(c, &base, SUPERVISOR).await?;
    c.goto(&format!("{base}/supervision")).await?;
    let case_row =
        format!("//div[@id='live']//tr[td[2]/a[.='{number}'] and td[3][.='承诺办结时限']]");
    wait(c, Locator::XPath(&format!("{case_row}/td[1][.='黄色']")))
        .await
        .context("on 03-13 the case is not yellow on the live monitor")?;
    let holder = live_text(c, &format!("{case_row}/td[5]")).await?;
    ensure!(
        holder.contains("云溪县"),
        "the monitor should name who holds the case: {holder:?}"
    );
    shot("yellow").await?;

    // The page stays open; a clerk in another browser files a case: the live region's 办件总数
    // changes without a reload (Server-Sent Events).
    let total = "//div[@id='live']//p[@data-count='total']";
    let before = live_text(c, total).await?;
    let before: i64 = before.trim().parse().context("办件总数 is not a number")?;
    c.execute("window.yizhanNotReloaded = true", vec![]).await?;
    let clerk = h.second_client().await?;
    let filed = async {
        set_viewport(&clerk, 1280, 900).await?;
        sign_in(&clerk, &base, CLERK).await?;
        walk_in(
            &clerk,
            &base,
            demo::ITEM_FOOD_LICENSE,
            "郑秀云",
            "33992119910203224",
        )
        .await
    }
    .await;
    let _ = clerk.close().await;
    let second = filed?;
    println!("the second browser filed {second}");
    let after = live_text(c, &format!("{total}[normalize-space() != '{before}']"))
        .await
        .context("the live monitor's 办件总数 did not change after a clerk filed a case")?;
    ensure!(
        after.trim() == (before + 1).to_string(),
        "办件总数 went from {before} to {after}, expected one more"
    );
    let kept = c
        .execute("return window.yizhanNotReloaded === true", vec![])
        .await?;
    ensure!(
        kept == serde_json::Value::Bool(true),
        "the monitor page was reloaded instead of updated in place"
    );
    shot("live-update").await?;
    sign_out(c).await?;

    // 3. Tuesday 03-17, past the promised date: red.
    h.restart_at(MARCH_17)?;
    let base = h.base.clone();
    sign_in(c, &base, SUPERVISOR).await?;
    c.goto(&format!("{base}/supervision")).await?;
    wait(c, Locator::XPath(&format!("{case_row}/td[1][.='红色']")))
        .await
        .context("on 03-17 the case is not red on the live monitor")?;
    ensure!(
        c.find_all(Locator::XPath(&format!("{case_row}/td[1][.='黄色']")))
            .await?
            .is_empty(),
        "the case is both yellow and red for its promised deadline"
    );
    shot("red").await?;

    // 4. The supervisor issues an order about it (督办单).
    click_and_load(
        c,
        Locator::XPath("//main//nav//a[normalize-space()='督办单']"),
    )
    .await?;
    let subject = "承诺办结期限已过";
    fill(c, "#case_number", &number).await?;
    fill(c, "#subject", subject).await?;
    fill(
        c,
        "#body",
        "该食品经营许可已超过承诺期限,请说明原因并尽快办结",
    )
    .await?;
    fill(c, "#days", "2").await?;
    shot("order-form").await?;
    click_and_load(
        c,
        Locator::XPath("//main//form//button[normalize-space()='发出']"),
    )
    .await?;
    no_error(c, "发出督办单").await?;
    let order_path = c.current_url().await?.path().to_string();
    ensure!(
        order_path.starts_with("/supervision/orders/"),
        "issuing an order landed on {order_path}"
    );
    let order_id = order_path
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    ensure!(kv(c, "状态").await? == "待回复");
    ensure!(kv(c, "办件").await? == number);
    let reply_due = kv(c, "回复期限").await?;
    ensure!(
        reply_due == "2026-03-19",
        "2 working days from Tuesday 03-17 is 03-19, the order says {reply_due:?}"
    );
    sign_out(c).await?;

    // 5. The county center's manager finds it among the orders and replies.
    sign_in(c, &base, CENTER_MANAGER).await?;
    c.goto(&format!("{base}/supervision/orders")).await?;
    click_and_load(c, Locator::LinkText(&format!("督{order_id}")))
        .await
        .context("the county center's manager does not see the order")?;
    let reply = "已督促审查人员完成现场核查,3月18日前作出决定";
    order_act(c, "reply", reply).await?;
    ensure!(kv(c, "状态").await? == "已回复");
    sign_out(c).await?;

    // 6. The supervisor sees the reply and closes the order.
    sign_in(c, &base, SUPERVISOR).await?;
    c.goto(&format!("{base}/supervision/orders")).await?;
    let listed = wait(
        c,
        Locator::XPath(&format!("//main//tr[td[1]/a[.='督{order_id}']]/td[last()]")),
    )
    .await?
    .text()
    .await?;
    ensure!(listed == "已回复", "the order list shows {listed:?}");
    click_and_load(c, Locator::LinkText(&format!("督{order_id}"))).await?;
    ensure!(kv(c, "状态").await? == "已回复");
    let log = timeline_text(c).await?;
    ensure!(
        log.contains("回复") && log.contains(reply),
        "the order's record lacks the reply: {log}"
    );
    shot("order-replied").await?;
    order_act(c, "close", "回复属实,同意办结督办").await?;
    ensure!(kv(c, "状态").await? == "已办结");
    let log = timeline_text(c).await?;
    for want in ["发出督办", "回复", "办结督办"] {
        ensure!(log.contains(want), "the order's record lacks {want}: {log}");
    }
    shot("order-closed").await?;

    // 7. Performance evaluation by place over the period of the demo's township cases: the
    //    township centers ranked by score, the quick 城关镇 above the slow 桃源乡.
    c.goto(&format!(
        "{base}/supervision/evaluation?from=2026-01-01&to=2026-03-17&by=place"
    ))
    .await?;
    wait(c, Locator::XPath("//main//h1[.='绩效评估']")).await?;
    no_error(c, "绩效评估").await?;
    let by = c.find(Locator::Css("#by")).await?.prop("value").await?;
    ensure!(by.as_deref() == Some("place"), "评估对象 shows {by:?}");
    let mut ranking = vec![];
    for tr in c
        .find_all(Locator::XPath(
            "//main//table[thead/tr/th[.='综合得分']]/tbody/tr",
        ))
        .await?
    {
        let cells = tr.find_all(Locator::Css("td")).await?;
        ensure!(
            cells.len() == 12,
            "a ranking row with {} cells",
            cells.len()
        );
        let rank: u32 = cells[0].text().await?.trim().parse()?;
        let unit = cells[1].text().await?;
        let score: f64 = cells[11].text().await?.trim().parse()?;
        ranking.push((rank, unit, score));
    }
    println!("ranking by place: {ranking:?}");
    let rank_of = |name: &str| ranking.iter().find(|r| r.1 == name).map(|r| r.0);
    let towns = ["城关镇", "石桥镇", "龙潭镇", "桃源乡"];
    for t in towns {
        ensure!(
            rank_of(&format!("{t}便民服务中心")).is_some(),
            "the ranking lacks {t}便民服务中心: {ranking:?}"
        );
    }
    ensure!(
        ranking
            .windows(2)
            .all(|w| w[0].0 <= w[1].0 && w[0].2 >= w[1].2),
        "the ranking is not in order of score: {ranking:?}"
    );
    ensure!(
        rank_of("城关镇便民服务中心") < rank_of("桃源乡便民服务中心"),
        "城关镇 (quickest) should rank above 桃源乡 (slowest): {ranking:?}"
    );
    c.find(Locator::Css("main figure svg"))
        .await
        .context("the evaluation has no trend chart")?;
    shot("evaluation").await?;
    sign_out(c).await?;
    Ok(())
}

/// Files a walk-in case for a person at the window's registration form (the clerk is signed in);
/// returns its number, with the case page open.
pub(crate) async fn walk_in(
    c: &Client,
    base: &str,
    item: &str,
    name: &str,
    id17: &str,
) -> Result<String> {
    c.goto(&format!("{base}/cases/new")).await?;
    wait(
        c,
        Locator::XPath("//main//h1[normalize-space()='窗口收件登记']"),
    )
    .await?;
    c.find(Locator::Css("#item_code"))
        .await?
        .select_by_value(item)
        .await?;
    c.find(Locator::Css("#kind"))
        .await?
        .select_by_value("person")
        .await?;
    let id = domain::identity::complete_resident_id(id17).context("resident ID")?;
    fill(c, "#name", name).await?;
    fill(c, "#id_number", &id).await?;
    fill(c, "#phone", "13905781020").await?;
    click_and_load(
        c,
        Locator::XPath("//main//form//button[normalize-space()='登记并收取材料']"),
    )
    .await?;
    no_error(c, "窗口收件登记").await?;
    let number = kv(c, "办件编号").await?;
    ensure!(!number.is_empty(), "the registered case has no number");
    Ok(number)
}

/// Marks every material of the open case page received, then takes `action` (accept,
/// handle_immediately).
pub(crate) async fn receive_all_and(c: &Client, action: &str) -> Result<()> {
    let options = wait(
        c,
        Locator::Css("form:has(input[name=action][value=mark_material]) select[name=index]"),
    )
    .await?
    .find_all(Locator::Css("option"))
    .await?;
    let mut indices = vec![];
    for o in &options {
        indices.push(o.attr("value").await?.context("option without a value")?);
    }
    ensure!(!indices.is_empty(), "核验材料 offers no materials");
    for i in &indices {
        act(c, "mark_material", &[("index", i), ("status", "received")]).await?;
    }
    act(c, action, &[]).await
}

/// Submits the order page's form for `action` (reply, close, escalate) with its text.
pub(crate) async fn order_act(c: &Client, action: &str, text: &str) -> Result<()> {
    let form = format!("form:has(input[name=action][value={action}])");
    fill(c, &format!("{form} textarea[name=text]"), text)
        .await
        .with_context(|| format!("the order page offers no {action} form"))?;
    click_and_load(c, Locator::Css(&format!("{form} button[type=submit]"))).await?;
    no_error(c, action).await
}
