//! 双因素认证 in the browser (issue 17, part 3): the administrator binds an authenticator at the
//! first sign-in (QR code and typed secret), signs in again with a code of the app, is refused a
//! wrong one, gets in with a recovery code; the security administrator resets the binding, and the
//! next sign-in binds again — with screenshots of each page.

use crate::*;

#[tokio::test]
pub(crate) async fn second_factor_journey() -> Result<()> {
    // On the machine's own clock (no YIZHAN_NOW): codes are made from the same time the server
    // checks them against.
    let Some(h) = Harness::start().await? else {
        return Ok(());
    };
    let result = journey(&h.client, &h.base).await;
    h.close("second factor journey").await;
    result
}

async fn password(c: &Client, base: &str, user: &str) -> Result<String> {
    c.goto(&format!("{base}/login")).await?;
    fill(c, "#username", user).await?;
    fill(c, "#password", "yizhan2026").await?;
    click_and_load(
        c,
        Locator::XPath("//main//button[normalize-space()='登录']"),
    )
    .await?;
    Ok(c.current_url().await?.path().to_string())
}

async fn journey(c: &Client, base: &str) -> Result<()> {
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots)?;
    set_viewport(c, 1280, 900).await?;

    // First sign-in: the password leads to the binding page, nowhere else.
    ensure!(password(c, base, "admin").await? == "/account/second-factor");
    c.goto(&format!("{base}/admin/users")).await?;
    let path = c.current_url().await?.path().to_string();
    ensure!(
        path == "/login/second-factor" || path == "/account/second-factor",
        "a session without its second factor reached {path}"
    );
    c.goto(&format!("{base}/account/second-factor")).await?;
    bind_authenticator(c, base, "admin").await?;
    ensure!(c.current_url().await?.path() == "/admin");
    sign_out(c).await?;

    // Again: the code page; a wrong code is refused with the reason, a right one lets in.
    ensure!(password(c, base, "admin").await? == "/login/second-factor");
    screenshot(c, &shots, "second-factor-code", Some(1280)).await?;
    fill(c, "#code", "000000").await?;
    click_and_load(
        c,
        Locator::XPath("//main//button[normalize-space()='验证']"),
    )
    .await?;
    let err = wait(c, Locator::Css("main .field-err"))
        .await?
        .text()
        .await?;
    ensure!(err.contains("验证码不正确"), "a wrong code said {err:?}");
    let p = phone(base, "admin").context("bound above")?;
    let step = domain::second_factor::usable_step(server_unix(base), p.last_step)
        .context("a step is open")?;
    let code =
        domain::second_factor::code_at(&p.secret, step * domain::second_factor::STEP_SECONDS);
    fill(c, "#code", &code).await?;
    click_and_load(
        c,
        Locator::XPath("//main//button[normalize-space()='验证']"),
    )
    .await?;
    no_error(c, "a code of the app").await?;
    ensure!(c.current_url().await?.path() == "/admin");
    sign_out(c).await?;

    // A recovery code instead; the account page then shows one fewer.
    ensure!(password(c, base, "admin").await? == "/login/second-factor");
    second_factor_by_recovery_code(c, base, "admin").await?;
    c.goto(&format!("{base}/account/second-factor")).await?;
    let text = wait(c, Locator::Css("main")).await?.text().await?;
    ensure!(text.contains("已绑定身份验证器"), "{text}");
    ensure!(text.contains("9 个"), "one recovery code used: {text}");
    ensure!(
        text.contains("不能停用"),
        "the administrator's role requires it: {text}"
    );
    screenshot(c, &shots, "second-factor-status", Some(1280)).await?;
    sign_out(c).await?;

    // The security administrator resets it (a lost phone); the next sign-in binds again.
    sign_in(c, base, "sec.city").await?;
    c.goto(&format!("{base}/admin/users")).await?;
    click_and_load(
        c,
        Locator::XPath("//main//tr[td[1]='admin']//button[normalize-space()='重置双因素认证']"),
    )
    .await?;
    no_error(c, "the reset").await?;
    sign_out(c).await?;
    ensure!(
        password(c, base, "admin").await? == "/account/second-factor",
        "bind again after the reset"
    );
    Ok(())
}
