//! End-to-end test in a real browser: the `yizhan` binary with demo data, driven through
//! chromedriver + headless Debian Chromium. Signs in, opens the catalog and a full guide,
//! signs out, and saves screenshots to `target/screenshots/` for a human to look at.
//!
//! A second test walks a case through its whole life (issue 3), signing in as each person; a
//! third takes a villager's homestead application from the village through the township's first
//! review to the county's decision and back to the village (issue 4). A fourth moves the clock
//! by restarting the server with a later `YIZHAN_NOW` and watches a case turn yellow then red on
//! the supervisor's live monitor, with an order and the ranking of township centers (issue 5); a
//! fifth is the citizen's portal on a phone: search, guide, apply, lookup, a bad rating followed up
//! to closed, a complaint answered, and the kiosk (issue 6).
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
/// How long a server may take to shut down gracefully before it is killed.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

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
/// keeps draining afterwards so later prints never hit a closed pipe. The receiver gets a message
/// when the output ends, i.e. when the process has exited.
fn wait_for_line(
    child: &mut Child,
    what: &str,
    want: impl Fn(&str) -> bool + Send + 'static,
) -> Result<(String, mpsc::Receiver<()>)> {
    let stdout = child.stdout.take().context("stdout not piped")?;
    let (tx, rx) = mpsc::channel();
    let (eof_tx, eof_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.is_some() && want(&line) {
                let _ = tx.take().expect("checked").send(line);
            }
        }
        let _ = eof_tx.send(());
    });
    let line = rx
        .recv_timeout(STARTUP)
        .with_context(|| format!("{what} did not report that it started within {STARTUP:?}"))?;
    Ok((line, eof_rx))
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

/// A running `yizhan serve --demo` on a data folder, and the signal that it has exited.
struct Server {
    group: ProcessGroup,
    exited: mpsc::Receiver<()>,
}

impl Server {
    /// Starts the server on a port the OS picks, as of `now` (YIZHAN_NOW) when given; returns it
    /// with its base URL, read from its first stdout line.
    fn start(data_dir: &Path, now: Option<&str>) -> Result<(Self, String)> {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_yizhan"));
        cmd.arg("--data-dir")
            .arg(data_dir)
            .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
            // Only the SQLite default here; the env of a developer or CI must not redirect it.
            .env_remove("YIZHAN_DATABASE_URL")
            .env_remove("YIZHAN_INSECURE_COOKIES")
            .env_remove("YIZHAN_NOW")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        if let Some(now) = now {
            cmd.env("YIZHAN_NOW", now);
        }
        let mut group = ProcessGroup::spawn(cmd, "yizhan")?;
        let (first, exited) = wait_for_line(&mut group.child, "yizhan", |l| l.contains("http://"))?;
        let base = first
            .split_whitespace()
            .find_map(|w| {
                w.find("http://")
                    .map(|i| w[i..].trim_end_matches('/').to_string())
            })
            .context("no URL in the first line")?;
        ensure!(!base.ends_with(":0"), "server printed port 0: {first}");
        Ok((Self { group, exited }, base))
    }

    /// Stops it as Ctrl-C would (graceful shutdown), waiting a little for it to exit; killed if
    /// it lingers (an open Server-Sent Events response holds a graceful shutdown).
    fn stop(self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.group.child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        if self.exited.recv_timeout(SHUTDOWN_GRACE).is_err() {
            println!("the server did not exit within {SHUTDOWN_GRACE:?} of Ctrl-C; killed");
        }
    }
}

/// Chromium's options for a session with its own profile folder.
fn chrome_caps(chromium: &Path, profile: &Path) -> serde_json::Map<String, serde_json::Value> {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
                // Phones overlay their scrollbars; a classic one would eat 15 px of the 390.
                "--hide-scrollbars", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    caps
}

/// A running server with demo data, chromedriver and a Chromium session on it. Dropping it
/// kills both process groups; call [`Harness::close`] first so Chromium exits cleanly.
struct Harness {
    client: Client,
    base: String,
    started: Instant,
    driver_url: String,
    chromium: PathBuf,
    // Field order is drop order: chromedriver (and its Chromium) before the server.
    _driver: ProcessGroup,
    server: Option<Server>,
    _tmp: tempfile::TempDir,
}

impl Harness {
    /// Starts everything, or returns `None` (test skipped) when no browser is installed.
    async fn start() -> Result<Option<Self>> {
        Self::start_at(None).await
    }

    /// Like [`Harness::start`], with the server running as of `now` (RFC 3339) when given.
    async fn start_at(now: Option<&str>) -> Result<Option<Self>> {
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
            return Ok(None);
        }
        let chromedriver = chromedriver.expect("checked above");
        let started = Instant::now();
        let tmp = tempfile::tempdir()?;

        let (server, base) = Server::start(&tmp.path().join("data"), now)?;

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

        let driver_url = format!("http://127.0.0.1:{port}");
        let client = connect(&driver_url, &chromium, &tmp.path().join("chrome-profile")).await?;
        Ok(Some(Self {
            client,
            base,
            started,
            driver_url,
            chromium,
            _driver: driver,
            server: Some(server),
            _tmp: tmp,
        }))
    }

    /// Stops the server and starts it again on the same data folder as of `now` (RFC 3339): the
    /// clock moves, the start-up warning scan runs. The base URL changes (a new port).
    fn restart_at(&mut self, now: &str) -> Result<()> {
        let t = Instant::now();
        if let Some(old) = self.server.take() {
            old.stop();
        }
        println!("server stopped in {:.1?}", t.elapsed());
        let (server, base) = Server::start(&self._tmp.path().join("data"), Some(now))?;
        self.server = Some(server);
        self.base = base;
        println!("server restarted as of {now} in {:.1?}", t.elapsed());
        Ok(())
    }

    /// A second, independent Chromium session (its own profile and cookies) on the same driver.
    async fn second_client(&self) -> Result<Client> {
        connect(
            &self.driver_url,
            &self.chromium,
            &self._tmp.path().join("chrome-profile-2"),
        )
        .await
    }

    /// Ends the browser session (even after a failed journey), then the processes.
    async fn close(self, what: &str) {
        let Self {
            client, started, ..
        } = self;
        let _ = client.close().await;
        println!(
            "{what} took {:.1?}; screenshots in {}",
            started.elapsed(),
            screenshot_dir().display()
        );
    }
}

/// Opens a chromedriver session with its own Chromium profile.
async fn connect(driver_url: &str, chromium: &Path, profile: &Path) -> Result<Client> {
    // Plain HTTP connector: both ends are on 127.0.0.1, no TLS stack needed.
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(chrome_caps(chromium, profile))
        .connect(driver_url)
        .await
        .context("cannot open a chromedriver session")
}

#[tokio::test]
async fn browser_journey() -> Result<()> {
    let Some(h) = Harness::start().await? else {
        return Ok(());
    };
    let result = journey(&h.client, &h.base).await;
    h.close("browser journey").await;
    result
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

/// Issue 3's main journey, every step through the real pages: an enterprise applies online for
/// 食品经营许可, the window clerk asks for a one-time correction, the applicant resubmits, the
/// clerk accepts (acceptance notice with QR code), the reviewer completes the review stages, the
/// department head grants, the clerk delivers and completes, and anyone can follow it in /lookup.
#[tokio::test]
async fn case_journey() -> Result<()> {
    let Some(h) = Harness::start().await? else {
        return Ok(());
    };
    let result = case_steps(&h.client, &h.base).await;
    h.close("case journey").await;
    result
}

const CITIZEN: &str = "enterprise1";
const CLERK: &str = "clerk.yunxi.scjg";
const REVIEWER: &str = "rev.yunxi.scjg";
const HEAD: &str = "head.yunxi.scjg";

async fn case_steps(c: &Client, base: &str) -> Result<()> {
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots)?;
    let shot = |name: &'static str| {
        let shots = shots.clone();
        async move { screenshot(c, &shots, &format!("journey-{name}"), Some(1280)).await }
    };
    set_viewport(c, 1280, 900).await?;

    // 1. The enterprise applies online: the filing form, preselected by ?item_code=.
    sign_in(c, base, CITIZEN).await?;
    c.goto(&format!(
        "{base}/cases/new?item_code={}",
        demo::ITEM_FOOD_LICENSE
    ))
    .await?;
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
        item.as_deref() == Some(demo::ITEM_FOOD_LICENSE),
        "the form did not preselect the item of ?item_code=, has {item:?}"
    );
    let credit =
        domain::identity::complete_credit_code("91339921MA2C0TP7K").context("demo credit code")?;
    c.find(Locator::Css("#kind"))
        .await?
        .select_by_value("enterprise")
        .await?;
    fill(c, "#name", "云溪县绿源茶业有限公司").await?;
    fill(c, "#id_number", &credit).await?;
    fill(c, "#phone", "13905712026").await?;
    shot("apply").await?;
    click_and_load(
        c,
        Locator::XPath("//main//form//button[normalize-space()='保存草稿']"),
    )
    .await?;
    no_error(c, "保存草稿").await?;
    expect_state(c, "草稿").await?;

    // 2. Submit from the case page; note the number and the query code it shows.
    act(c, "submit", &[]).await?;
    expect_state(c, "已申报待预审").await?;
    let number = kv(c, "办件编号").await?;
    let code = kv(c, "查询码").await?;
    ensure!(
        !number.is_empty() && !code.is_empty(),
        "case page lacks the number ({number:?}) or the query code ({code:?})"
    );
    let case_path = format!("/cases/{number}");
    ensure!(
        c.current_url().await?.path() == case_path,
        "after submitting the page is not {case_path}"
    );
    shot("submitted").await?;
    sign_out(c).await?;

    // 3. The clerk opens it from the 待预审 queue, finds material 1 defective and sends the
    //    one-time correction notice.
    sign_in(c, base, CLERK).await?;
    c.goto(&format!("{base}/cases?q=prereview")).await?;
    let link = wait(c, Locator::LinkText(&number))
        .await
        .context("the new case is not in the clerk's 待预审 queue")?;
    shot("clerk-queue").await?;
    link.click().await?;
    wait(
        c,
        Locator::Css("form:has(input[name=action][value=mark_material])"),
    )
    .await?;
    expect_state(c, "已申报待预审").await?;
    let reason = "申请书缺法定代表人签字,请签字后重新提交";
    act(
        c,
        "mark_material",
        &[("index", "0"), ("status", "defective"), ("reason", reason)],
    )
    .await?;
    let status = material_status(c, 0).await?;
    ensure!(
        status.contains("有问题") && status.contains(reason),
        "material 1 after marking it defective shows {status:?}"
    );
    act(c, "request_correction", &[]).await?;
    expect_state(c, "待补正").await?;
    sign_out(c).await?;

    // 4. The applicant sees the notice among 我的办件's messages and on the case page, and
    //    resubmits.
    sign_in(c, base, CITIZEN).await?;
    c.goto(&format!("{base}/cases")).await?;
    wait(
        c,
        Locator::XPath("//main//h1[normalize-space()='我的办件']"),
    )
    .await?;
    let messages = c
        .find_all(Locator::XPath(&format!(
            "//main//h2[.='办件消息']/following-sibling::ul[1]/li[a[.='{number}']]"
        )))
        .await?;
    let mut texts = vec![];
    for m in &messages {
        texts.push(m.text().await?);
    }
    ensure!(
        texts.iter().any(|t| t.contains("补正")),
        "我的办件 has no correction message for {number}; its messages: {texts:?}"
    );
    c.goto(&format!("{base}{case_path}")).await?;
    expect_state(c, "待补正").await?;
    let timeline = timeline_text(c).await?;
    ensure!(
        timeline.contains("发出补正材料通知") && timeline.contains(reason),
        "the applicant's case page does not show the correction notice with its reason: {timeline}"
    );
    shot("correction").await?;
    act(c, "resubmit", &[]).await?;
    expect_state(c, "已申报待预审").await?;
    sign_out(c).await?;

    // 5. The clerk marks every material received and accepts; the acceptance notice shows the
    //    number, the query code and a QR code.
    sign_in(c, base, CLERK).await?;
    c.goto(&format!("{base}{case_path}")).await?;
    let options = c
        .find_all(Locator::Css(
            "form:has(input[name=action][value=mark_material]) select[name=index] option",
        ))
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
            "material {} after marking it received shows {status:?}",
            n + 1
        );
    }
    act(c, "accept", &[]).await?;
    expect_state(c, "审查中").await?;
    shot("accepted").await?;
    c.goto(&format!("{base}{case_path}/documents/acceptance"))
        .await?;
    let sheet = wait(c, Locator::Css("section.sheet")).await?;
    let text = sheet.text().await?;
    for want in ["受理通知书", number.as_str(), code.as_str()] {
        ensure!(
            text.contains(want),
            "the acceptance notice lacks {want:?}: {text}"
        );
    }
    sheet
        .find(Locator::Css(".qr svg"))
        .await
        .context("the acceptance notice has no <svg> QR code")?;
    screenshot(c, &shots, "journey-acceptance-notice", Some(1280)).await?;
    sign_out_from(c, base).await?;

    // 6. The reviewer completes every running review stage until none is left.
    sign_in(c, base, REVIEWER).await?;
    c.goto(&format!("{base}{case_path}")).await?;
    expect_state(c, "审查中").await?;
    let form = "form:has(input[name=action][value=complete_stage])";
    let mut completed = 0;
    while !c.find_all(Locator::Css(form)).await?.is_empty() {
        ensure!(completed < 12, "review stages never run out");
        act(
            c,
            "complete_stage",
            &[("approved", "true"), ("opinion", "材料齐全,符合条件")],
        )
        .await?;
        completed += 1;
    }
    ensure!(completed > 0, "the reviewer was offered no review stage");
    println!("the reviewer completed {completed} review stages");
    shot("reviewed").await?;
    sign_out(c).await?;

    // 7. The department head grants the licence.
    sign_in(c, base, HEAD).await?;
    c.goto(&format!("{base}{case_path}")).await?;
    act(
        c,
        "decide",
        &[("granted", "true"), ("licence_no", "JY13399210026001")],
    )
    .await?;
    expect_state(c, "已决定待送达").await?;
    sign_out(c).await?;

    // 8. The clerk delivers at the window and completes the case.
    sign_in(c, base, CLERK).await?;
    c.goto(&format!("{base}{case_path}")).await?;
    act(c, "deliver", &[("method", "window")]).await?;
    expect_state(c, "已送达").await?;
    act(c, "complete", &[]).await?;
    expect_state(c, "办结").await?;
    shot("completed").await?;
    sign_out(c).await?;

    // 9. Anyone follows it with the number and the query code.
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
    // In this order; each label is the first timeline line containing it after the previous.
    let mut from = 0;
    for want in [
        "提交申请",
        "补正材料通知",
        "补正后重新提交",
        "受理",
        "准予许可决定",
        "送达",
        "办结",
    ] {
        let at = steps[from..]
            .iter()
            .position(|s| s.contains(want))
            .with_context(|| format!("/lookup's timeline lacks {want:?} in order: {steps:?}"))?;
        from += at + 1;
    }
    shot("lookup").await?;
    set_viewport(c, 390, 844).await?;
    screenshot(c, &shots, "journey-lookup-phone", Some(390)).await?;
    Ok(())
}

async fn wait(c: &Client, loc: Locator<'_>) -> Result<fantoccini::elements::Element> {
    c.wait()
        .at_most(WAIT)
        .for_element(loc)
        .await
        .with_context(|| format!("waiting for {loc:?}"))
}

/// The text of the first node at `xpath` once there is one, read inside the page in one step:
/// the live monitor replaces its region whenever the server reports a change (SSE), so an
/// element found by one WebDriver call can be gone ("stale") by the next.
async fn live_text(c: &Client, xpath: &str) -> Result<String> {
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

async fn fill(c: &Client, css: &str, value: &str) -> Result<()> {
    let el = wait(c, Locator::Css(css)).await?;
    el.clear().await?;
    el.send_keys(value).await?;
    Ok(())
}

/// Clicks something that loads a new page, and waits until the new page is there: the old
/// `<body>` is tagged first, so a body without the tag is the new page.
async fn click_and_load(c: &Client, loc: Locator<'_>) -> Result<()> {
    let el = wait(c, loc).await?;
    c.execute("document.body.dataset.stale = '1'", vec![])
        .await?;
    el.click().await?;
    wait(c, Locator::Css("body:not([data-stale])")).await?;
    Ok(())
}

/// Fails with the page's error notice, if it shows one.
async fn no_error(c: &Client, what: &str) -> Result<()> {
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
async fn act(c: &Client, action: &str, fields: &[(&str, &str)]) -> Result<()> {
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
async fn kv(c: &Client, field: &str) -> Result<String> {
    let td = wait(
        c,
        Locator::XPath(&format!(
            "//main//table[contains(@class,'kv')]//th[.='{field}']/following-sibling::td"
        )),
    )
    .await?;
    Ok(td.text().await?.trim().to_string())
}

async fn expect_state(c: &Client, label: &str) -> Result<()> {
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
async fn material_status(c: &Client, i: usize) -> Result<String> {
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

async fn timeline_text(c: &Client) -> Result<String> {
    Ok(wait(c, Locator::Css("main ol.timeline"))
        .await?
        .text()
        .await?)
}

async fn sign_in(c: &Client, base: &str, user: &str) -> Result<()> {
    c.goto(&format!("{base}/login")).await?;
    fill(c, "#username", user).await?;
    fill(c, "#password", "yizhan2026").await?;
    click_and_load(
        c,
        Locator::XPath("//main//button[normalize-space()='登录']"),
    )
    .await?;
    wait(
        c,
        Locator::XPath("//header//button[normalize-space()='退出']"),
    )
    .await
    .with_context(|| format!("{user} could not sign in"))?;
    Ok(())
}

/// Signs out with the header's button on the current page.
async fn sign_out(c: &Client) -> Result<()> {
    click_and_load(
        c,
        Locator::XPath("//header//button[normalize-space()='退出']"),
    )
    .await?;
    wait(c, Locator::XPath("//header//a[@href='/login']")).await?;
    Ok(())
}

/// Signs out from a page without the site header (a printable document).
async fn sign_out_from(c: &Client, base: &str) -> Result<()> {
    c.goto(&format!("{base}/cases")).await?;
    sign_out(c).await
}

/// Issue 4's homestead journey (农村宅基地建房审批) through the real pages: the village agent files
/// for a villager and uploads the signed authorization; the township window accepts; the
/// township's 农业农村 and 自然资源 reviewers do the first review (art. 43); the township forwards;
/// the county reviews and its department head grants; the agent hands the result over at the
/// village; the township completes; the agent's ledger and the public lookup show it all.
#[tokio::test]
async fn homestead_journey() -> Result<()> {
    let Some(h) = Harness::start().await? else {
        return Ok(());
    };
    let result = homestead_steps(&h.client, &h.base).await;
    h.close("homestead journey").await;
    result
}

const VILLAGE_AGENT: &str = demo::AGENT_VILLAGE_A;
const TOWNSHIP_CLERK: &str = demo::CLERK_TOWNSHIP_A;
const TOWNSHIP_NYNC: &str = "rev.shiqiao.nync";
const TOWNSHIP_ZRZY: &str = "rev.shiqiao.zrzy";
const COUNTY_NYNC: &str = "rev.yunxi.nync";
const COUNTY_HEAD: &str = "head.yunxi.nync";
const VILLAGER_NAME: &str = "王福根";

async fn homestead_steps(c: &Client, base: &str) -> Result<()> {
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
        "作出准予许可决定",
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
async fn complete_my_stages(c: &Client, opinion: &str) -> Result<Vec<String>> {
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

async fn main_text(c: &Client) -> Result<String> {
    Ok(wait(c, Locator::Css("main")).await?.text().await?)
}

/// Issue 5's "done when" on the demo data, the clock moved by restarting the server on the same
/// data folder with a later `YIZHAN_NOW` (the warning scan runs at start-up): a food licence
/// accepted on Monday 2026-03-02 (promised by 03-16) turns yellow on the county supervisor's live
/// monitor on 03-13, which updates over SSE without a reload when a clerk files another case;
/// red on 03-17; the supervisor issues an order (督办单), the county center's manager replies, the
/// supervisor reads the reply and closes it, and ranks the township centers by score.
#[tokio::test]
async fn supervision_journey() -> Result<()> {
    let Some(mut h) = Harness::start_at(Some(MARCH_2)).await? else {
        return Ok(());
    };
    let result = supervision_steps(&mut h).await;
    h.close("supervision journey").await;
    result
}

const MARCH_2: &str = "2026-03-02T02:00:00Z";
const MARCH_13: &str = "2026-03-13T02:00:00Z";
const MARCH_17: &str = "2026-03-17T02:00:00Z";
const SUPERVISOR: &str = demo::SUP_COUNTY;
const CENTER_MANAGER: &str = demo::MGR_COUNTY;

async fn supervision_steps(h: &mut Harness) -> Result<()> {
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
async fn walk_in(c: &Client, base: &str, item: &str, name: &str, id17: &str) -> Result<String> {
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
async fn receive_all_and(c: &Client, action: &str) -> Result<()> {
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
async fn order_act(c: &Client, action: &str, text: &str) -> Result<()> {
    let form = format!("form:has(input[name=action][value={action}])");
    fill(c, &format!("{form} textarea[name=text]"), text)
        .await
        .with_context(|| format!("the order page offers no {action} form"))?;
    click_and_load(c, Locator::Css(&format!("{form} button[type=submit]"))).await?;
    no_error(c, action).await
}

/// Issue 6's "done when" on a phone-sized window (390×844): a citizen finds 农村宅基地建房审批 by
/// typing jf and 建房, reads the full guide and applies online (search → guide → apply, signing
/// in on the way); follows the demo homestead case with the query code the village agent hands
/// out; rates a completed case 不满意, which the deciding unit follows up to closed in /feedback;
/// files a complaint that the unit accepts and answers, and reads the answer with the complaint's
/// code. Last, the hall kiosk's search. Staff work at a desktop size.
#[tokio::test]
async fn portal_journey() -> Result<()> {
    let Some(h) = Harness::start().await? else {
        return Ok(());
    };
    let result = portal_steps(&h.client, &h.base).await;
    h.close("portal journey").await;
    result
}

const HOMESTEAD: &str = "农村宅基地建房审批";

async fn portal_steps(c: &Client, base: &str) -> Result<()> {
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
async fn result_names(c: &Client) -> Result<Vec<String>> {
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
async fn page_overflow(c: &Client) -> Result<i64> {
    let v = c
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await?;
    Ok(v.as_i64().unwrap_or(0))
}

/// The public lookup (/lookup) with a case number and its query code.
async fn lookup(c: &Client, base: &str, number: &str, code: &str) -> Result<()> {
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

async fn lookup_field(c: &Client, field: &str) -> Result<String> {
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
