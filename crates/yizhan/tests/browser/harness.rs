//! The server, chromedriver and browser a journey runs against, started and stopped together.

use crate::*;

pub(crate) const PACKAGES_HINT: &str = "apt-get install chromium chromium-driver";
/// Generous: a cold Chromium start on a loaded 2-core CI machine can take several seconds.
pub(crate) const STARTUP: Duration = Duration::from_secs(60);
pub(crate) const WAIT: Duration = Duration::from_secs(30);
/// How long a server may take to shut down gracefully before it is killed.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Kills the whole process group on drop, so a failing assertion never leaves a server,
/// chromedriver or Chromium (a child of chromedriver, same group) running.
pub(crate) struct ProcessGroup {
    child: Child,
}

impl ProcessGroup {
    /// Spawns `cmd` as the leader of a new process group.
    pub(crate) fn spawn(mut cmd: Command, what: &str) -> Result<Self> {
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

pub(crate) fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Reads the child's stdout on a thread until `want` matches a line, returning that line;
/// keeps draining afterwards so later prints never hit a closed pipe. The receiver gets a message
/// when the output ends, i.e. when the process has exited.
pub(crate) fn wait_for_line(
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

pub(crate) fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// `target/` of this build, found from the test binary's sibling so CARGO_TARGET_DIR is honoured.
pub(crate) fn screenshot_dir() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_yizhan"));
    bin.parent()
        .and_then(Path::parent)
        .map(|t| t.join("screenshots"))
        .unwrap_or_else(|| "target/screenshots".into())
}

/// A running `yizhan serve --demo` on a data folder, and the signal that it has exited.
pub(crate) struct Server {
    group: ProcessGroup,
    exited: mpsc::Receiver<()>,
}

impl Server {
    /// Starts the server on a port the OS picks, as of `now` (YIZHAN_NOW) when given; returns it
    /// with its base URL, read from its first stdout line.
    pub(crate) fn start(data_dir: &Path, now: Option<&str>) -> Result<(Self, String)> {
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
        // The server's clock as seen from here (its codes for the second factor run on it): it is
        // set while the server starts, a moment after this, so this is at most seconds ahead.
        let offset = match now {
            Some(t) => (chrono::DateTime::parse_from_rfc3339(t)?.with_timezone(&chrono::Utc)
                - chrono::Utc::now())
            .num_seconds(),
            None => 0,
        };
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
        set_clock_offset(&base, offset);
        Ok((Self { group, exited }, base))
    }

    /// Stops it as Ctrl-C would (graceful shutdown), waiting a little for it to exit; killed if
    /// it lingers (an open Server-Sent Events response holds a graceful shutdown).
    pub(crate) fn stop(self) {
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
pub(crate) fn chrome_caps(
    chromium: &Path,
    profile: &Path,
) -> serde_json::Map<String, serde_json::Value> {
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
pub(crate) struct Harness {
    pub(crate) client: Client,
    pub(crate) base: String,
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
    pub(crate) async fn start() -> Result<Option<Self>> {
        Self::start_at(None).await
    }

    /// Like [`Harness::start`], with the server running as of `now` (RFC 3339) when given.
    pub(crate) async fn start_at(now: Option<&str>) -> Result<Option<Self>> {
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
    pub(crate) fn restart_at(&mut self, now: &str) -> Result<()> {
        let t = Instant::now();
        if let Some(old) = self.server.take() {
            old.stop();
        }
        println!("server stopped in {:.1?}", t.elapsed());
        let (server, base) = Server::start(&self._tmp.path().join("data"), Some(now))?;
        self.server = Some(server);
        // The same accounts, bound to the same phones, at a new address.
        phones_moved(&self.base, &base);
        self.base = base;
        println!("server restarted as of {now} in {:.1?}", t.elapsed());
        Ok(())
    }

    /// A second, independent Chromium session (its own profile and cookies) on the same driver.
    pub(crate) async fn second_client(&self) -> Result<Client> {
        connect(
            &self.driver_url,
            &self.chromium,
            &self._tmp.path().join("chrome-profile-2"),
        )
        .await
    }

    /// Ends the browser session (even after a failed journey), then the processes.
    pub(crate) async fn close(self, what: &str) {
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
pub(crate) async fn connect(driver_url: &str, chromium: &Path, profile: &Path) -> Result<Client> {
    // Plain HTTP connector: both ends are on 127.0.0.1, no TLS stack needed.
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(chrome_caps(chromium, profile))
        .connect(driver_url)
        .await
        .context("cannot open a chromedriver session")
}
