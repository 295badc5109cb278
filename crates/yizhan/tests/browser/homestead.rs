//! A villager's homestead application from the village to the county and back (issue 4).

use crate::*;

/// Issue 4's homestead journey (农村宅基地建房审批) through the real pages: the village agent files
/// for a villager and uploads the signed authorization; the township window accepts; the
/// township's 农业农村 and 自然资源 reviewers do the first review (art. 43); the township forwards;
/// the county reviews and its department head grants; the agent hands the result over at the
/// village; the township completes; the agent's ledger and the public lookup show it all.
#[tokio::test]
pub(crate) async fn homestead_journey() -> Result<()> {
    let Some(h) = Harness::start().await? else {
        return Ok(());
    };
    let result = homestead_steps(&h.client, &h.base).await;
    h.close("homestead journey").await;
    result
}

pub(crate) const VILLAGE_AGENT: &str = demo::AGENT_VILLAGE_A;
pub(crate) const TOWNSHIP_CLERK: &str = demo::CLERK_TOWNSHIP_A;
pub(crate) const TOWNSHIP_NYNC: &str = "rev.shiqiao.nync";
pub(crate) const TOWNSHIP_ZRZY: &str = "rev.shiqiao.zrzy";
pub(crate) const COUNTY_NYNC: &str = "rev.yunxi.nync";
pub(crate) const COUNTY_HEAD: &str = "head.yunxi.nync";
pub(crate) const VILLAGER_NAME: &str = "王福根";

pub(crate) async fn homestead_steps(c: &Client, base: &str) -> Result<()> {
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots)?;
    let shot = |name: &'static str| {
        let shots = shots.clone();
        async move { screenshot(c, &shots, &format!("homestead-{name}"), Some(1280)).await }
    };
    set_viewport(c, 1280, 900).await?;
    let id_number =
        domain::identity::complete_resident_id("33992119620918201").context("demo resident ID")?;

    // 1. The village agent opens the ledger (代办台账) and registers the villager (代办登记).
    sign_in(c, base, VILLAGE_AGENT).await?;
    c.goto(&format!("{base}/cases")).await?;
    wait(
        c,
        Locator::XPath("//main//nav//a[contains(@class,'current') and .='代办台账']"),
    )
    .await
    .context("the village agent's workbench has no current 代办台账 tab")?;
    click_and_load(c, Locator::XPath("//main//a[normalize-space()='代办登记']")).await?;
    wait(
        c,
        Locator::XPath("//main//h1[normalize-space()='村代办登记']"),
    )
    .await?;
    c.find(Locator::Css("#item_code"))
        .await?
        .select_by_value(demo::ITEM_ZHAIJIDI)
        .await
        .context("the agent cannot choose 农村宅基地建房审批")?;
    c.find(Locator::Css("#kind"))
        .await?
        .select_by_value("person")
        .await?;
    fill(c, "#name", VILLAGER_NAME).await?;
    fill(c, "#id_number", &id_number).await?;
    fill(c, "#phone", "13905781005").await?;
    shot("file").await?;
    click_and_load(
        c,
        Locator::XPath("//main//form//button[normalize-space()='登记并收取材料']"),
    )
    .await?;
    no_error(c, "代办登记").await?;
    let number = kv(c, "办件编号").await?;
    let code = kv(c, "查询码").await?;
    ensure!(
        number.starts_with(demo::TOWNSHIP_A) && !code.is_empty(),
        "a proxy filing in 桥头村 should get a 石桥镇 number and a query code: {number:?} {code:?}"
    );
    let case_path = format!("/cases/{number}");
    ensure!(
        c.current_url().await?.path() == case_path,
        "after filing the page is not {case_path}"
    );
    ensure!(kv(c, "申报方式").await? == "村级代办");
    let applicant = kv(c, "申请人").await?;
    ensure!(
        applicant.contains(VILLAGER_NAME) && !applicant.contains(&id_number),
        "the case page should show the villager with a masked ID: {applicant:?}"
    );

    // 2. The agent uploads the signed authorization to its material.
    let dir = tempfile::tempdir()?;
    let pdf = dir.path().join("授权委托书.pdf");
    std::fs::write(
        &pdf,
        b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
    )?;
    let upload = "form[enctype='multipart/form-data']";
    let option = wait(
        c,
        Locator::XPath("//main//form//select[@id='midx']/option[contains(.,'授权委托')]"),
    )
    .await
    .context("the upload form offers no 授权委托 material")?;
    let auth_idx: usize = option
        .attr("value")
        .await?
        .context("option without a value")?
        .parse()?;
    c.find(Locator::Css("#midx"))
        .await?
        .select_by_value(&auth_idx.to_string())
        .await?;
    c.find(Locator::Css("#mfile"))
        .await?
        .send_keys(&pdf.display().to_string())
        .await?;
    click_and_load(c, Locator::Css(&format!("{upload} button[type=submit]"))).await?;
    no_error(c, "上传材料").await?;
    let files = c
        .find_all(Locator::XPath(&format!(
            "//main//h2[.='申请材料']/following::table[1]/tbody/tr[{}]/td[5]/a",
            auth_idx + 1
        )))
        .await?;
    ensure!(
        files.len() == 1,
        "the authorization row lists {} files after the upload",
        files.len()
    );
    ensure!(timeline_text(c).await?.contains("上传材料"));
    shot("filed").await?;
    sign_out(c).await?;

    // 3. The township window finds it in its 待预审 queue, marks every material received and
    //    accepts; the first review starts (art. 43, 20 working days).
    sign_in(c, base, TOWNSHIP_CLERK).await?;
    c.goto(&format!("{base}/cases?q=prereview")).await?;
    wait(c, Locator::LinkText(&number))
        .await
        .context("the proxy case is not in the township's 待预审 queue")?
        .click()
        .await?;
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
    for (n, i) in indices.iter().enumerate() {
        act(c, "mark_material", &[("index", i), ("status", "received")]).await?;
        let status = material_status(c, n).await?;
        ensure!(
            status == "已收取",
            "material {} shows {status:?} after marking it received",
            n + 1
        );
    }
    act(c, "accept", &[]).await?;
    expect_state(c, "审查中").await?;
    let page = main_text(c).await?;
    ensure!(
        page.contains("本级初审期限"),
        "the accepted case page does not show the first-review deadline"
    );
    shot("accepted").await?;
    sign_out(c).await?;

    // 4. The township's two departments do their parts of the first review.
    let mut township_stages = vec![];
    for reviewer in [TOWNSHIP_NYNC, TOWNSHIP_ZRZY] {
        sign_in(c, base, reviewer).await?;
        c.goto(&format!("{base}/cases?q=review")).await?;
        wait(c, Locator::LinkText(&number))
            .await
            .with_context(|| format!("the case is not in {reviewer}'s 待审查 queue"))?
            .click()
            .await?;
        expect_state(c, "审查中").await?;
        let done = complete_my_stages(c, "村民小组公示无异议,符合一户一宅").await?;
        ensure!(!done.is_empty(), "{reviewer} was offered no review stage");
        township_stages.extend(done);
        sign_out(c).await?;
    }
    println!("township first review: {township_stages:?}");
    ensure!(
        township_stages.iter().any(|s| s.contains("宅基地审查"))
            && township_stages.iter().any(|s| s.contains("规划审查")),
        "the township's reviewers did not do both parts of the first review: {township_stages:?}"
    );
    ensure!(
        !township_stages.iter().any(|s| s.contains("县级")),
        "a township reviewer completed a county stage: {township_stages:?}"
    );

    // 5. Before the forwarding the county has nothing to do on it.
    sign_in(c, base, COUNTY_NYNC).await?;
    c.goto(&format!("{base}{case_path}")).await?;
    wait(c, Locator::Css("main h1")).await?;
    ensure!(
        c.find_all(Locator::Css(
            "form:has(input[name=action][value=complete_stage])"
        ))
        .await?
        .is_empty(),
        "the county reviewer is offered a stage before the township forwarded the case"
    );
    sign_out(c).await?;

    // 6. The township forwards it to the county: one number, one history.
    sign_in(c, base, TOWNSHIP_CLERK).await?;
    c.goto(&format!("{base}{case_path}")).await?;
    let label = wait(
        c,
        Locator::Css("form:has(input[name=action][value=forward]) h3"),
    )
    .await
    .context("the township clerk is not offered the forwarding")?
    .text()
    .await?;
    ensure!(
        label == "初审完成,报送上级决定",
        "the forward form is labelled {label:?}"
    );
    act(c, "forward", &[]).await?;
    ensure!(
        c.current_url().await?.path() == case_path,
        "the forwarded case changed its page"
    );
    ensure!(
        timeline_text(c).await?.contains("初审完成,报送上级决定"),
        "the timeline lacks the forwarding"
    );
    sign_out(c).await?;

    // 7. The county reviewer has it in the 待审查 queue; the page names both places.
    sign_in(c, base, COUNTY_NYNC).await?;
    c.goto(&format!("{base}/cases?q=review")).await?;
    wait(c, Locator::LinkText(&number))
        .await
        .context("the forwarded case is not in the county reviewer's 待审查 queue")?
        .click()
        .await?;
    expect_state(c, "审查中").await?;
    let (accepting, deciding) = (kv(c, "受理地").await?, kv(c, "决定地").await?);
    ensure!(
        accepting.starts_with("石桥镇") && accepting.contains(demo::TOWNSHIP_A),
        "受理地 shows {accepting:?}"
    );
    ensure!(
        deciding.starts_with("云溪县") && deciding.contains(demo::COUNTY),
        "决定地 shows {deciding:?}"
    );
    // Each stage is named by the department of the level that does it: 石桥镇's 农业农村办公室
    // and the county's 石桥自然资源所 field office for the first review, the county bureau after.
    for (stage, township) in [
        ("村级审查", true),
        ("乡镇初审(宅基地审查)", true),
        ("乡镇初审(规划审查)", true),
        ("县级审批", false),
    ] {
        let dept = wait(
            c,
            Locator::XPath(&format!(
                "//main//h2[.='办理环节']/following::table[1]/tbody\
                 /tr[td[1][starts-with(normalize-space(),'{stage}')]]/td[2]"
            )),
        )
        .await
        .with_context(|| format!("办理环节 has no row {stage}"))?
        .text()
        .await?;
        ensure!(
            dept.contains("石桥") == township,
            "办理环节 names {dept:?} for {stage}, expected a department of {}",
            if township { "石桥镇" } else { "云溪县" }
        );
    }
    shot("county").await?;
    let done = complete_my_stages(c, "同意批准").await?;
    ensure!(
        done == ["县级审批"],
        "the county reviewer completed {done:?}, expected only 县级审批"
    );
    sign_out(c).await?;

    // 8. The county department head grants.
    sign_in(c, base, COUNTY_HEAD).await?;
    c.goto(&format!("{base}/cases?q=decide")).await?;
    wait(c, Locator::LinkText(&number))
        .await
        .context("the case is not in the county head's 待决定 queue")?
        .click()
        .await?;
    act(
        c,
        "decide",
        &[("granted", "true"), ("licence_no", "ZJD-339921-2026-0001")],
    )
    .await?;
    expect_state(c, "已决定待送达").await?;
    sign_out(c).await?;

    // 9. Back at the village, the agent hands the result over (代办员转交).
    sign_in(c, base, VILLAGE_AGENT).await?;
    c.goto(&format!("{base}{case_path}")).await?;
    expect_state(c, "已决定待送达").await?;
    act(
        c,
        "deliver",
        &[("method", "agent"), ("recipient", VILLAGER_NAME)],
    )
    .await?;
    expect_state(c, "已送达").await?;
    ensure!(
        timeline_text(c).await?.contains("送达(代办员转交)"),
        "the timeline lacks the agent's delivery"
    );
    sign_out(c).await?;

    // 10. The township completes it.
    sign_in(c, base, TOWNSHIP_CLERK).await?;
    c.goto(&format!("{base}{case_path}")).await?;
    act(c, "complete", &[]).await?;
    expect_state(c, "办结").await?;
    sign_out(c).await?;

    // 11. The agent's ledger lists it as 办结.
    sign_in(c, base, VILLAGE_AGENT).await?;
    c.goto(&format!("{base}/cases")).await?;
    let row = wait(
        c,
        Locator::XPath(&format!("//main//table/tbody/tr[td[1]/a[.='{number}']]")),
    )
    .await
    .context("the agent's 代办台账 does not list the case")?;
    let cells = row.find_all(Locator::Css("td")).await?;
    ensure!(cells.len() >= 4, "ledger row with {} cells", cells.len());
    let state = cells[3].text().await?;
    ensure!(state == "办结", "the ledger shows the state {state:?}");
    let who = cells[2].text().await?;
    ensure!(
        who != VILLAGER_NAME && who.starts_with('王'),
        "the ledger should mask the villager's name, shows {who:?}"
    );
    shot("ledger").await?;
    sign_out(c).await?;

    // 12. Anyone follows it with the number and the query code.
    c.goto(&format!("{base}/lookup")).await?;
    fill(c, "#number", &number).await?;
    fill(c, "#code", &code).await?;
    click_and_load(
        c,
        Locator::XPath("//main//form//button[normalize-space()='查询']"),
    )
    .await?;
    no_error(c, "查询").await?;
    let state = wait(
        c,
        Locator::XPath("//main//th[.='当前状态']/following-sibling::td"),
    )
    .await?
    .text()
    .await?;
    ensure!(state == "办结", "/lookup shows the state {state:?}");
    let mut steps = vec![];
    for li in c.find_all(Locator::Css("main ol.timeline li")).await? {
        steps.push(li.text().await?);
    }
    let mut from = 0;
    for want in [
        "创建办件(村级代办)",
        "受理",
        "本级初审开始",
        "审查环节完成(同意)",
        "初审完成,报送上级决定",
        "审查环节完成(同意)",
        "作出决定(准予许可)",
        "送达(代办员转交)",
        "办结",
    ] {
        let at = steps[from..]
            .iter()
            .position(|s| s.contains(want))
            .with_context(|| format!("/lookup's timeline lacks {want:?} in order: {steps:?}"))?;
        from += at + 1;
    }
    shot("lookup").await?;
    Ok(())
}

/// Completes, with approval, every review stage the case page offers this user, one by one;
/// returns the names of the stages completed.
pub(crate) async fn complete_my_stages(c: &Client, opinion: &str) -> Result<Vec<String>> {
    let form = "form:has(input[name=action][value=complete_stage])";
    let mut done = vec![];
    while let Some(f) = c.find_all(Locator::Css(form)).await?.into_iter().next() {
        ensure!(done.len() < 8, "review stages never run out: {done:?}");
        let stage = f
            .find(Locator::Css("select[name=index] option"))
            .await?
            .text()
            .await?;
        act(
            c,
            "complete_stage",
            &[("approved", "true"), ("opinion", opinion)],
        )
        .await?;
        done.push(stage);
    }
    Ok(done)
}
