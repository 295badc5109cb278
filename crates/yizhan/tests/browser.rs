//! End-to-end test in a real browser: the `yizhan` binary with demo data, driven through
//! chromedriver + headless Debian Chromium. Signs in, opens the catalog and a full guide,
//! signs out, and saves screenshots to `target/screenshots/` for a human to look at.
//!
//! Without chromedriver the test is skipped, unless `YIZHAN_REQUIRE_BROWSER=1` (CI), where it fails.

use anyhow::{ensure, Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const PACKAGES_HINT: &str = "apt-get install chromium chromium-driver";
/// Generous: a cold Chromium start on a loaded 2-core CI machine can take several seconds.
const STARTUP: Duration = Duration::from_secs(60);
const WAIT: Duration = Duration::from_secs(30);

/// Kills the whole process group on drop, so a failing assertion never leaves a server,
/// chromedriver or Chromium (a child of chromedriver, same group) running.
struct ProcessGroup {
    child: Child,
}

impl ProcessGroup {
    /// Spawns `cmd` as the leader of a new process group.
    fn spawn(mut cmd: Command, what: &str) -> Result<Self> {
        cmd.process_group(0);
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start {what}"))?;
        Ok(Self { child })
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        // Negative pid = the group; std has no group kill, so ask kill(1).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Reads the child's stdout on a thread until `want` matches a line, returning that line;
/// keeps draining afterwards so later prints never hit a closed pipe.
fn wait_for_line(
    child: &mut Child,
    what: &str,
    want: impl Fn(&str) -> bool + Send + 'static,
) -> Result<String> {
    let stdout = child.stdout.take().context("stdout not piped")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.is_some() && want(&line) {
                let _ = tx.take().expect("checked").send(line);
            }
        }
    });
    rx.recv_timeout(STARTUP)
        .with_context(|| format!("{what} did not report that it started within {STARTUP:?}"))
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// `target/` of this build, found from the test binary's sibling so CARGO_TARGET_DIR is honoured.
fn screenshot_dir() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_yizhan"));
    bin.parent()
        .and_then(Path::parent)
        .map(|t| t.join("screenshots"))
        .unwrap_or_else(|| "target/screenshots".into())
}

#[tokio::test]
async fn browser_journey() -> Result<()> {
    let required = std::env::var("YIZHAN_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let chromium = std::env::var_os("YIZHAN_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/chromium".into());
    let chromedriver = on_path("chromedriver");
    let missing = match &chromedriver {
        None => Some("chromedriver".to_string()),
        Some(_) if !chromium.is_file() => Some(chromium.display().to_string()),
        Some(_) => None,
    };
    if let Some(missing) = missing {
        ensure!(
            !required,
            "YIZHAN_REQUIRE_BROWSER=1 but {missing} is not installed ({PACKAGES_HINT})"
        );
        println!("browser test skipped: {missing} not found ({PACKAGES_HINT})");
        return Ok(());
    }
    let chromedriver = chromedriver.expect("checked above");
    let started = Instant::now();
    let tmp = tempfile::tempdir()?;

    // The server, on a port the OS picks; its first stdout line names the real address.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yizhan"));
    cmd.arg("--data-dir")
        .arg(tmp.path().join("data"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        // Only the SQLite default here; the env of a developer or CI must not redirect it.
        .env_remove("YIZHAN_DATABASE_URL")
        .env_remove("YIZHAN_INSECURE_COOKIES")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let mut server = ProcessGroup::spawn(cmd, "yizhan")?;
    let first = wait_for_line(&mut server.child, "yizhan", |l| l.contains("http://"))?;
    let base = first
        .split_whitespace()
        .find_map(|w| {
            w.find("http://")
                .map(|i| w[i..].trim_end_matches('/').to_string())
        })
        .context("no URL in the first line")?;
    ensure!(!base.ends_with(":0"), "server printed port 0: {first}");

    // chromedriver; it announces readiness on stdout.
    let port = free_port()?;
    let mut cmd = Command::new(&chromedriver);
    cmd.arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let mut driver = ProcessGroup::spawn(cmd, "chromedriver")?;
    wait_for_line(&mut driver.child, "chromedriver", |l| {
        l.contains("started successfully")
    })?;

    let profile = tmp.path().join("chrome-profile");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run",
                // Phones overlay their scrollbars; a classic one would eat 15 px of the 390.
                "--hide-scrollbars", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    // Plain HTTP connector: both ends are on 127.0.0.1, no TLS stack needed.
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .context("cannot open a chromedriver session")?;

    let result = journey(&client, &base).await;
    // Close the session even after a failure, so Chromium exits cleanly before the group kill.
    let _ = client.close().await;
    drop(driver);
    drop(server);
    result?;
    println!(
        "browser journey took {:.1?}; screenshots in {}",
        started.elapsed(),
        screenshot_dir().display()
    );
    Ok(())
}

async fn journey(c: &Client, base: &str) -> Result<()> {
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
    wait(Locator::XPath("//main//button[normalize-space()='登录']"))
        .await?
        .click()
        .await?;
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

/// Sizes the window so the *viewport* is `w`×`h`: headless Chromium's window still counts
/// some browser chrome (about 140 px of height), which would cut off screenshots.
async fn set_viewport(c: &Client, w: u32, h: u32) -> Result<()> {
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
async fn screenshot(c: &Client, dir: &Path, name: &str, full_width: Option<u32>) -> Result<()> {
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
