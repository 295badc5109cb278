//! The record in the browser (issue 16): an administrator seals a checkpoint, anyone reads and
//! prints its root on the public page (on a phone too), and the auditor reads the audit log that
//! recorded both — with screenshots for a human to look at.

use crate::*;

#[tokio::test]
pub(crate) async fn record_journey() -> Result<()> {
    let Some(h) = Harness::start().await? else {
        return Ok(());
    };
    let result = journey(&h.client, &h.base).await;
    h.close("record journey").await;
    result
}

async fn journey(c: &Client, base: &str) -> Result<()> {
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots)?;
    set_viewport(c, 1280, 900).await?;

    // The administrator seals one now, through the API with the page's session and CSRF token.
    sign_in(c, base, "admin").await?;
    let status = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const t = document.querySelector('input[name=_csrf]').value;
             fetch('/api/v1/checkpoints', { method: 'POST',
                 headers: { 'X-CSRF-Token': t, 'Content-Type': 'application/json' }, body: '{}' })
               .then(r => r.json().then(j => done([r.status, j.seq])))
               .catch(e => done([0, String(e)]));",
            vec![],
        )
        .await?;
    ensure!(status[0] == 201, "sealing answered {status:?}");
    let seq = status[1].as_u64().context("the checkpoint's number")?;
    sign_out(c).await?;

    // Anyone: the public page shows the latest checkpoint with its root and the keys.
    c.goto(&format!("{base}/checkpoints")).await?;
    let h2 = wait(c, Locator::Css("#latest")).await?.text().await?;
    // The server also seals one when it starts, so the latest is ours or a later one.
    let shown: u64 = h2
        .split(['第', '号'])
        .nth(1)
        .and_then(|n| n.trim().parse().ok())
        .with_context(|| format!("no number in {h2:?}"))?;
    ensure!(shown >= seq, "latest checkpoint {shown}, sealed {seq}");
    let text = main_text(c).await?;
    for want in [
        "根哈希",
        "签名密钥",
        "验证公钥",
        "最近的检查点",
        "下载全部检查点",
    ] {
        ensure!(text.contains(want), "the page lacks {want}");
    }
    screenshot(c, &shots, "checkpoints", Some(1280)).await?;
    set_viewport(c, 390, 844).await?;
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await?;
    ensure!(
        overflow.as_i64() == Some(0),
        "the checkpoints page scrolls sideways on a phone by {overflow}"
    );
    screenshot(c, &shots, "checkpoints-phone", Some(390)).await?;
    set_viewport(c, 1280, 900).await?;

    // The auditor: the sign-ins and the seal are in the log.
    sign_in(c, base, "audit.city").await?;
    let landed = c.current_url().await?.path().to_string();
    ensure!(landed == "/admin/audit", "the auditor landed on {landed}");
    let links = c
        .execute(
            "return Array.from(document.querySelectorAll('header nav a')).map(a => a.getAttribute('href'))",
            vec![],
        )
        .await?;
    let links: Vec<String> = serde_json::from_value(links)?;
    ensure!(
        links.iter().any(|l| l == "/admin/audit")
            && !links
                .iter()
                .any(|l| l == "/admin" || l == "/cases" || l == "/feedback"),
        "the auditor is offered pages that are not theirs: {links:?}"
    );
    c.goto(&format!("{base}/admin/audit?actor=admin")).await?;
    wait(
        c,
        Locator::XPath("//main//h1[normalize-space()='审计日志']"),
    )
    .await?;
    let text = main_text(c).await?;
    for want in ["登录", "生成检查点", "退出登录"] {
        ensure!(text.contains(want), "the audit log lacks {want}: {text}");
    }
    screenshot(c, &shots, "audit-log", Some(1280)).await?;
    sign_out(c).await?;
    Ok(())
}
