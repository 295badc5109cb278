//! The first look: sign in, the catalog and a full guide, sign out, with screenshots.

use crate::*;

#[tokio::test]
pub(crate) async fn browser_journey() -> Result<()> {
    let Some(h) = Harness::start().await? else {
        return Ok(());
    };
    let result = journey(&h.client, &h.base).await;
    h.close("browser journey").await;
    result
}

pub(crate) async fn journey(c: &Client, base: &str) -> Result<()> {
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots)?;
    let wait = |loc| async move {
        c.wait()
            .at_most(WAIT)
            .for_element(loc)
            .await
            .with_context(|| format!("waiting for {loc:?}"))
    };

    set_viewport(c, 1280, 900).await?;

    // Sign in as the city administrator.
    c.goto(&format!("{base}/login")).await?;
    wait(Locator::Id("username"))
        .await?
        .send_keys("admin")
        .await?;
    wait(Locator::Id("password"))
        .await?
        .send_keys("yizhan2026")
        .await?;
    screenshot(c, &shots, "login", None).await?;
    click_and_load(
        c,
        Locator::XPath("//main//button[normalize-space()='登录']"),
    )
    .await?;
    // The administrator's role requires a second factor: the first sign-in binds one.
    let path = c.current_url().await?.path().to_string();
    ensure!(
        path == "/account/second-factor",
        "after the password landed on {path}, expected the binding page"
    );
    wait(Locator::Css("main .qr-enrol svg")).await?;
    screenshot(c, &shots, "second-factor-bind", Some(1280)).await?;
    bind_authenticator(c, base, "admin").await?;
    let h1 = wait(Locator::XPath("//main//h1[normalize-space()='工作台']")).await?;
    ensure!(h1.text().await? == "工作台");
    let path = c.current_url().await?.path().to_string();
    ensure!(
        path == "/admin",
        "after sign-in landed on {path}, expected /admin"
    );
    screenshot(c, &shots, "admin", Some(1280)).await?;

    // The catalog, then the guide of 农村宅基地建房审批.
    c.goto(&format!("{base}/catalog")).await?;
    let link = wait(Locator::LinkText("农村宅基地建房审批")).await?;
    screenshot(c, &shots, "catalog", Some(1280)).await?;
    link.click().await?;
    wait(Locator::XPath(
        "//article/h1[normalize-space()='农村宅基地建房审批']",
    ))
    .await?;
    let path = c.current_url().await?.path().to_string();
    ensure!(
        path == format!("/catalog/{}", demo::ITEM_ZHAIJIDI),
        "guide at unexpected path {path}"
    );
    let mut headings = vec![];
    for h in c.find_all(Locator::Css("article h2")).await? {
        headings.push(h.text().await?);
    }
    for want in ["办事依据", "受理条件", "申请材料", "办理流程", "收费标准"] {
        ensure!(
            headings.iter().any(|h| h == want),
            "guide lacks the heading {want}; has {headings:?}"
        );
    }
    let mut fields = vec![];
    for th in c.find_all(Locator::Css("article table.kv th")).await? {
        fields.push(th.text().await?);
    }
    for want in ["承诺时限", "法定时限"] {
        ensure!(
            fields.iter().any(|f| f == want),
            "guide lacks the field {want}; has {fields:?}"
        );
    }
    screenshot(c, &shots, "guide", Some(1280)).await?;

    // The same guide on a phone-sized window: what a villager sees, then the whole page.
    set_viewport(c, 390, 844).await?;
    screenshot(c, &shots, "guide-phone", None).await?;
    c.execute(
        "document.evaluate(\"//h2[.='申请材料']\", document).iterateNext().scrollIntoView()",
        vec![],
    )
    .await?;
    screenshot(c, &shots, "guide-phone-materials", None).await?;
    screenshot(c, &shots, "guide-phone-full", Some(390)).await?;
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await?;
    println!("phone layout: page is {overflow} px wider than the window");
    set_viewport(c, 1280, 900).await?;

    // Sign out: the header offers 登录 again and /admin no longer opens.
    wait(Locator::XPath("//header//button[normalize-space()='退出']"))
        .await?
        .click()
        .await?;
    wait(Locator::XPath("//header//a[@href='/login']")).await?;
    c.goto(&format!("{base}/admin")).await?;
    wait(Locator::Id("password"))
        .await
        .context("/admin after sign-out should ask for a sign-in")?;
    Ok(())
}
