//! Steps the journeys share: finding, filling, acting, signing in and out, screenshots.

use crate::*;

/// The county window clerk of market supervision (市场监管), in several journeys.
pub(crate) const CLERK: &str = "clerk.yunxi.scjg";

/// Sizes the window so the *viewport* is `w`×`h`: headless Chromium's window still counts
/// some browser chrome (about 140 px of height), which would cut off screenshots.
pub(crate) async fn set_viewport(c: &Client, w: u32, h: u32) -> Result<()> {
    c.set_window_size(w, h).await?;
    let inner = c
        .execute("return [window.innerWidth, window.innerHeight]", vec![])
        .await?;
    let (iw, ih) = (
        inner[0].as_u64().unwrap_or(w.into()) as u32,
        inner[1].as_u64().unwrap_or(h.into()) as u32,
    );
    if (iw, ih) != (w, h) {
        c.set_window_size(w + w.saturating_sub(iw), h + h.saturating_sub(ih))
            .await?;
    }
    Ok(())
}

/// Saves a PNG. With `full_width`, first makes the viewport as tall as the page (capped) so
/// the screenshot shows the whole page, not only the first screen.
pub(crate) async fn screenshot(
    c: &Client,
    dir: &Path,
    name: &str,
    full_width: Option<u32>,
) -> Result<()> {
    if let Some(w) = full_width {
        // Set the width first: it reflows the page and so changes its height.
        set_viewport(c, w, 900).await?;
        let h = c
            .execute("return document.documentElement.scrollHeight", vec![])
            .await?;
        set_viewport(c, w, h.as_u64().unwrap_or(900).clamp(600, 8000) as u32).await?;
    }
    let png = c.screenshot().await?;
    std::fs::write(dir.join(format!("{name}.png")), png)?;
    Ok(())
}

/// Prints the page to PDF as Chromium's print dialog would by default (A4, 1 cm margins unless
/// the page's `@page` sets its own), keeps it as `name.pdf` and answers its number of pages.
pub(crate) async fn print_pdf(c: &Client, dir: &Path, name: &str) -> Result<usize> {
    let config = fantoccini::wd::PrintConfiguration::builder()
        .build()
        .map_err(|e| anyhow::anyhow!("print configuration: {e:?}"))?;
    let pdf = c.print(config).await?;
    std::fs::write(dir.join(format!("{name}.pdf")), &pdf)?;
    Ok(pdf_pages(&pdf))
}

/// Pages of a PDF as Chromium writes it: one `/Type /Page` dictionary per page (the page tree is
/// `/Type /Pages`).
pub(crate) fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Type /Page")
        .filter(|(i, m)| !text[i + m.len()..].starts_with('s'))
        .count()
}

pub(crate) async fn wait(c: &Client, loc: Locator<'_>) -> Result<fantoccini::elements::Element> {
    c.wait()
        .at_most(WAIT)
        .for_element(loc)
        .await
        .with_context(|| format!("waiting for {loc:?}"))
}

/// The text of the first node at `xpath` once there is one, read inside the page in one step:
/// the live monitor replaces its region whenever the server reports a change (SSE), so an
/// element found by one WebDriver call can be gone ("stale") by the next.
pub(crate) async fn live_text(c: &Client, xpath: &str) -> Result<String> {
    wait(c, Locator::XPath(xpath)).await?;
    let text = c
        .execute(
            "const n = document.evaluate(arguments[0], document, null, \
             XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue; \
             return n ? n.innerText : null;",
            vec![serde_json::Value::String(xpath.to_string())],
        )
        .await?;
    text.as_str()
        .map(str::to_string)
        .with_context(|| format!("{xpath} is gone"))
}

pub(crate) async fn fill(c: &Client, css: &str, value: &str) -> Result<()> {
    let el = wait(c, Locator::Css(css)).await?;
    el.clear().await?;
    el.send_keys(value).await?;
    Ok(())
}

/// Clicks something that loads a new page, and waits until the new page is there: the old
/// `<body>` is tagged first, so a body without the tag is the new page.
pub(crate) async fn click_and_load(c: &Client, loc: Locator<'_>) -> Result<()> {
    let el = wait(c, loc).await?;
    c.execute("document.body.dataset.stale = '1'", vec![])
        .await?;
    el.click().await?;
    wait(c, Locator::Css("body:not([data-stale])")).await?;
    Ok(())
}

/// Fails with the page's error notice, if it shows one.
pub(crate) async fn no_error(c: &Client, what: &str) -> Result<()> {
    if let Some(e) = c.find_all(Locator::Css("main .notice.bad")).await?.first() {
        anyhow::bail!(
            "{what} on {} was refused: {}",
            c.current_url().await?,
            e.text().await?
        );
    }
    Ok(())
}

/// Submits the case page's action form whose hidden `action` input is `action`, after setting
/// its `fields` (selects by value, text inputs and textareas by typing).
pub(crate) async fn act(c: &Client, action: &str, fields: &[(&str, &str)]) -> Result<()> {
    let form_css = format!("form:has(input[name=action][value={action}])");
    let form = wait(c, Locator::Css(&form_css))
        .await
        .with_context(|| format!("the case page offers no {action} form"))?;
    for (name, value) in fields {
        let el = form
            .find(Locator::Css(&format!("[name={name}]")))
            .await
            .with_context(|| format!("the {action} form has no field {name}"))?;
        if el.tag_name().await? == "select" {
            el.select_by_value(value).await?;
        } else {
            el.clear().await?;
            el.send_keys(value).await?;
        }
    }
    click_and_load(c, Locator::Css(&format!("{form_css} button[type=submit]"))).await?;
    no_error(c, action).await
}

/// A value of the case page's summary table (办件编号, 查询码, 状态 …).
pub(crate) async fn kv(c: &Client, field: &str) -> Result<String> {
    let td = wait(
        c,
        Locator::XPath(&format!(
            "//main//table[contains(@class,'kv')]//th[.='{field}']/following-sibling::td"
        )),
    )
    .await?;
    Ok(td.text().await?.trim().to_string())
}

pub(crate) async fn expect_state(c: &Client, label: &str) -> Result<()> {
    let state = wait(
        c,
        Locator::XPath(
            "//main//table[contains(@class,'kv')]//th[.='状态']/following-sibling::td/strong",
        ),
    )
    .await?
    .text()
    .await?;
    ensure!(
        state == label,
        "case state is {state:?}, expected {label:?} (at {})",
        c.current_url().await?
    );
    Ok(())
}

/// The 状态 cell of the `i`-th (0-based) row of the materials table.
pub(crate) async fn material_status(c: &Client, i: usize) -> Result<String> {
    let td = wait(
        c,
        Locator::XPath(&format!(
            "//main//h2[.='申请材料']/following::table[1]/tbody/tr[{}]/td[4]",
            i + 1
        )),
    )
    .await?;
    Ok(td.text().await?.trim().to_string())
}

pub(crate) async fn timeline_text(c: &Client) -> Result<String> {
    Ok(wait(c, Locator::Css("main ol.timeline"))
        .await?
        .text()
        .await?)
}

pub(crate) async fn sign_in(c: &Client, base: &str, user: &str) -> Result<()> {
    c.goto(&format!("{base}/login")).await?;
    fill(c, "#username", user).await?;
    fill(c, "#password", "yizhan2026").await?;
    click_and_load(
        c,
        Locator::XPath("//main//button[normalize-space()='登录']"),
    )
    .await?;
    match c.current_url().await?.path() {
        "/account/second-factor" => bind_authenticator(c, base, user).await?,
        "/login/second-factor" => second_factor_by_recovery_code(c, base, user).await?,
        _ => {}
    }
    wait(
        c,
        Locator::XPath("//header//button[normalize-space()='退出']"),
    )
    .await
    .with_context(|| format!("{user} could not sign in"))?;
    Ok(())
}

/// What a person keeps of a bound authenticator: the secret in the app, the last step used, and
/// the recovery codes on paper.
#[derive(Clone, Debug)]
pub(crate) struct Phone {
    pub(crate) secret: Vec<u8>,
    pub(crate) last_step: Option<u64>,
    pub(crate) recovery_codes: Vec<String>,
}

/// Each server's clock offset (seconds ahead of this machine's) and the phones bound on it, by
/// base URL: journeys run in parallel, each against its own server.
type Registry = std::collections::HashMap<String, (i64, std::collections::HashMap<String, Phone>)>;

fn registry() -> &'static std::sync::Mutex<Registry> {
    static R: std::sync::OnceLock<std::sync::Mutex<Registry>> = std::sync::OnceLock::new();
    R.get_or_init(Default::default)
}

pub(crate) fn set_clock_offset(base: &str, offset: i64) {
    registry()
        .lock()
        .unwrap()
        .entry(base.to_string())
        .or_default()
        .0 = offset;
}

/// A restarted server keeps its accounts: their phones follow it to its new address.
pub(crate) fn phones_moved(old: &str, new: &str) {
    let mut r = registry().lock().unwrap();
    let phones = r.remove(old).map(|(_, p)| p).unwrap_or_default();
    r.entry(new.to_string()).or_default().1 = phones;
}

/// The server's time, as unix seconds.
pub(crate) fn server_unix(base: &str) -> u64 {
    let offset = registry().lock().unwrap().get(base).map_or(0, |e| e.0);
    (chrono::Utc::now().timestamp() + offset).max(0) as u64
}

pub(crate) fn phone(base: &str, user: &str) -> Option<Phone> {
    registry().lock().unwrap().get(base)?.1.get(user).cloned()
}

fn keep_phone(base: &str, user: &str, p: Phone) {
    registry()
        .lock()
        .unwrap()
        .entry(base.to_string())
        .or_default()
        .1
        .insert(user.to_string(), p);
}

/// On the binding page: reads the secret as a person would type it into an app, enters the app's
/// code, and keeps the recovery codes the next page shows once.
pub(crate) async fn bind_authenticator(c: &Client, base: &str, user: &str) -> Result<()> {
    let shown = wait(c, Locator::Css("main code.secret"))
        .await?
        .text()
        .await?;
    let secret = domain::second_factor::secret_from_text(&shown)
        .with_context(|| format!("the binding page shows no secret: {shown:?}"))?;
    // The step of the server's now: right whether this machine's estimate is a little ahead
    // or behind (a code is good a step either way).
    let step = server_unix(base) / domain::second_factor::STEP_SECONDS;
    let code = domain::second_factor::code_at(&secret, step * domain::second_factor::STEP_SECONDS);
    fill(c, "#code", &code).await?;
    click_and_load(
        c,
        Locator::XPath("//main//button[normalize-space()='完成绑定']"),
    )
    .await?;
    no_error(c, "binding an authenticator").await?;
    let mut recovery_codes = vec![];
    for el in c
        .find_all(Locator::Css("main ol.recovery-codes code"))
        .await?
    {
        recovery_codes.push(el.text().await?);
    }
    ensure!(
        recovery_codes.len() == domain::second_factor::RECOVERY_CODES,
        "{} recovery codes shown",
        recovery_codes.len()
    );
    keep_phone(
        base,
        user,
        Phone {
            secret,
            last_step: Some(step),
            recovery_codes,
        },
    );
    click_and_load(c, Locator::LinkText("我已保存,继续")).await
}

/// On the second-factor page: a recovery code (a code of the app would need the clock to move on
/// past the step used at binding, and a journey does not wait).
pub(crate) async fn second_factor_by_recovery_code(
    c: &Client,
    base: &str,
    user: &str,
) -> Result<()> {
    let mut p = phone(base, user).with_context(|| format!("{user} has no phone bound here"))?;
    let code = p.recovery_codes.pop().context("recovery codes used up")?;
    keep_phone(base, user, p);
    open_recovery_form(c).await?;
    fill(c, "#recovery_code", &code).await?;
    click_and_load(
        c,
        Locator::XPath("//main//button[normalize-space()='使用恢复码']"),
    )
    .await?;
    no_error(c, "a recovery code").await
}

/// Opens the "use a recovery code" disclosure.
async fn open_recovery_form(c: &Client) -> Result<()> {
    wait(c, Locator::Css("main details summary"))
        .await?
        .click()
        .await?;
    Ok(())
}

/// Signs out with the header's button on the current page.
pub(crate) async fn sign_out(c: &Client) -> Result<()> {
    click_and_load(
        c,
        Locator::XPath("//header//button[normalize-space()='退出']"),
    )
    .await?;
    wait(c, Locator::XPath("//header//a[@href='/login']")).await?;
    Ok(())
}

/// Signs out from a page without the site header (a printable document).
pub(crate) async fn sign_out_from(c: &Client, base: &str) -> Result<()> {
    c.goto(&format!("{base}/cases")).await?;
    sign_out(c).await
}

pub(crate) async fn main_text(c: &Client) -> Result<String> {
    Ok(wait(c, Locator::Css("main")).await?.text().await?)
}
