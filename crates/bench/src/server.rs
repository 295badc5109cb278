//! The server under test as a child process, and scratch PostgreSQL databases.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub child: Child,
}

/// Where and how to start `yizhan`.
#[derive(Clone)]
pub struct ServerSpec {
    pub bin: PathBuf,
    pub data_dir: PathBuf,
    pub database: String,
}

impl ServerSpec {
    fn command(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--database")
            .arg(&self.database)
            // The demo notifier logs every SMS at info: under load that is the bench measuring
            // stderr. Warnings and errors still show.
            .env("RUST_LOG", "warn");
        c
    }

    /// Runs a one-shot subcommand (`demo`, `verify`, …) to completion.
    pub fn run(&self, args: &[&str]) -> Result<String> {
        let out = self
            .command()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("cannot run {}", self.bin.display()))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if !out.status.success() {
            bail!("yizhan {} failed: {text}", args.join(" "));
        }
        Ok(text)
    }

    /// Starts `serve` on a free port and waits until /healthz answers.
    pub async fn start(&self, port: u16) -> Result<Server> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data_dir.join("server.log"))?;
        let child = self
            .command()
            .args([
                "serve",
                "--insecure-cookies",
                "--bind",
                &format!("127.0.0.1:{port}"),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", self.bin.display()))?;
        let mut s = Server { child };
        let started = Instant::now();
        loop {
            if let Some(st) = s.child.try_wait()? {
                bail!(
                    "server exited at start ({st}); see {}",
                    self.data_dir.join("server.log").display()
                );
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(s);
            }
            if started.elapsed() > Duration::from_secs(120) {
                s.kill();
                bail!("server did not listen within 120 s");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: the crash. No chance to flush or close anything.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGINT: the server's graceful shutdown (ctrl-c), so it closes the database cleanly.
    pub fn stop(&mut self) {
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGINT);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
    }

    /// Peak resident set (VmHWM) in MiB.
    pub fn peak_rss_mb(&self) -> Option<f64> {
        proc_status_kb(self.pid(), "VmHWM:").map(|kb| kb as f64 / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        }
    }
}

fn proc_status_kb(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// A port the kernel just handed out and released: free unless something races us for it.
pub fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// A uniquely named PostgreSQL database on the server of `url`, dropped when this is dropped.
pub struct ScratchDb {
    pub url: String,
    admin_url: String,
    pub name: String,
    /// Left in place when dropped (`--keep`), for `--reuse-database`.
    pub keep: bool,
}

impl ScratchDb {
    pub fn create(url: &str, prefix: &str) -> Result<ScratchDb> {
        let (base, _db) = url
            .rsplit_once('/')
            .context("database URL must end with /DBNAME")?;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis();
        let name = format!("{prefix}_{}_{stamp}", std::process::id());
        let admin_url = format!("{base}/postgres");
        psql(&admin_url, &format!("CREATE DATABASE {name}"))?;
        Ok(ScratchDb {
            url: format!("{base}/{name}"),
            admin_url,
            name,
            keep: false,
        })
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("database kept: {}", self.url);
            return;
        }
        if let Err(e) = psql(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        ) {
            eprintln!("warning: could not drop {}: {e}", self.name);
        }
    }
}

pub fn psql(url: &str, sql: &str) -> Result<String> {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-qtAc", sql])
        .output()
        .context("psql not found")?;
    if !out.status.success() {
        bail!("psql: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The `yizhan` binary next to this one (same profile), unless given.
pub fn default_server_bin() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("yizhan")))
        .unwrap_or_else(|| Path::new("target/release/yizhan").to_path_buf())
}
