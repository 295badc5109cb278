//! A PostgreSQL server for the PostgreSQL variants of the tests, so README's test command passes on
//! a fresh machine (issue 15, part 7).
//!
//! [`url`] answers, once per test binary:
//! 1. the configured server (`YIZHAN_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432/test`)
//!    when something answers at its address;
//! 2. otherwise, when PostgreSQL is installed (Debian puts `initdb` and `pg_ctl` under
//!    `/usr/lib/postgresql/<version>/bin`), a private throwaway cluster: a temporary directory, a
//!    free port on 127.0.0.1, trust authentication, no fsync. A watchdog process stops it and
//!    removes the directory when the test binary exits — a test binary has no hook that runs at
//!    its end, and the watchdog also covers a binary that is killed;
//! 3. otherwise `None`, after printing one line saying the PostgreSQL variants are skipped and why.
//!    With `YIZHAN_REQUIRE_PG=1` (CI) that is a panic instead: nothing is skipped there.
//!
//! initdb refuses to run as root, so as root the cluster runs as the `postgres` user (created by
//! Debian's package) or `nobody`, through `runuser`.

use std::hash::BuildHasher;
use std::io::Write;
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// The environment variable naming the test server.
pub const URL_ENV: &str = "YIZHAN_TEST_PG_URL";
/// Set to `1` to turn a skip into a failure.
pub const REQUIRE_ENV: &str = "YIZHAN_REQUIRE_PG";
const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The URL of a PostgreSQL server the tests may use, or `None` when there is none to be had (the
/// reason is printed once). Blocking; cheap after the first call.
pub fn url() -> Option<String> {
    static URL: OnceLock<Option<String>> = OnceLock::new();
    URL.get_or_init(|| match find_or_start() {
        Ok(url) => Some(url),
        Err(why) => {
            if std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1") {
                panic!("{REQUIRE_ENV}=1 but no PostgreSQL for the tests: {why}");
            }
            // Straight to the process's stderr: the test harness captures `eprintln!` of passing
            // tests, and this line must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "note: PostgreSQL variants of the tests SKIPPED — {why}. Install Debian's \
                 `postgresql` (a private cluster is then started) or set {URL_ENV}."
            );
            None
        }
    })
    .clone()
}

/// [`url`], for tests that cannot run without it: panics with the reason instead of skipping.
pub fn required_url() -> String {
    url().unwrap_or_else(|| panic!("this test needs PostgreSQL (see the skip note above)"))
}

fn find_or_start() -> Result<String, String> {
    let configured = std::env::var(URL_ENV).unwrap_or_else(|_| DEFAULT_URL.to_string());
    let Some(addr) = tcp_address(&configured)? else {
        return Ok(configured);
    };
    if answers(&addr) {
        return Ok(configured);
    }
    let Some(bin) = installed_bin_dir() else {
        return Err(format!(
            "no server answers at {addr} and PostgreSQL is not installed (no initdb under \
             /usr/lib/postgresql/*/bin or on PATH)"
        ));
    };
    start_private_cluster(&bin).map_err(|e| {
        format!(
            "no server answers at {addr}, and a private cluster from {} could not start: {e}",
            bin.display()
        )
    })
}

/// `host:port` of the URL's first TCP host; `None` for a Unix socket, which is taken as answering.
fn tcp_address(url: &str) -> Result<Option<String>, String> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| format!("{URL_ENV} is not a PostgreSQL URL: {e}"))?;
    let port = config.get_ports().first().copied().unwrap_or(5432);
    match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => Ok(Some(format!("{h}:{port}"))),
        Some(_) => Ok(None),
        None => Ok(Some(format!("127.0.0.1:{port}"))),
    }
}

fn answers(addr: &str) -> bool {
    let Ok(mut addrs) = addr.to_socket_addrs() else {
        return false;
    };
    addrs.any(|a| TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok())
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding initdb, else the folder of an `initdb`
/// on PATH.
fn installed_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .find(|p| p.join("initdb").is_file() && p.join("pg_ctl").is_file())
    })
}

fn start_private_cluster(bin: &Path) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!(
        "yizhan-test-pg-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    ));
    // A fresh folder of our own (an existing one is refused), readable by its owner only.
    std::fs::create_dir(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("chmod {}: {e}", dir.display()))?;
    }
    let data = dir.join("data");
    let run_as = unprivileged_user()?;
    // The watchdog first, so even a failed initdb or start is cleaned up.
    spawn_watchdog(bin, &data, &dir, run_as.as_deref())?;
    if let Some(user) = &run_as {
        run(Command::new("chown").arg(user).arg(&dir), "chown")?;
    }
    let as_user = |program: PathBuf| -> Command {
        match &run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(program);
                c
            }
            None => Command::new(program),
        }
    };
    // A random password (SCRAM), not trust: other local users must not get a superuser login.
    let password = format!(
        "{:x}{:x}",
        std::collections::hash_map::RandomState::new().hash_one(std::process::id()),
        std::collections::hash_map::RandomState::new().hash_one(&dir)
    );
    let pwfile = dir.join("pwfile");
    std::fs::write(&pwfile, &password).map_err(|e| format!("write the password file: {e}"))?;
    if let Some(user) = &run_as {
        run(Command::new("chown").arg(user).arg(&pwfile), "chown")?;
    }
    run(
        as_user(bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "scram-sha-256", "-E", "UTF8"])
            .args(["--locale=C.UTF-8", "--no-sync"])
            .arg(format!("--pwfile={}", pwfile.display())),
        "initdb",
    )?;
    let _ = std::fs::remove_file(&pwfile);
    let port = free_port()?;
    // Settings in the configuration file rather than on pg_ctl's command line, which goes through
    // a shell. Throwaway data: no durability needed; enough connections for parallel tests.
    let conf = format!(
        "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
         unix_socket_permissions = 0700\nfsync = off\nsynchronous_commit = off\n\
         full_page_writes = off\nmax_connections = 300\n",
        dir.display().to_string().replace('\'', "''")
    );
    std::fs::OpenOptions::new()
        .append(true)
        .open(data.join("postgresql.conf"))
        .and_then(|mut f| f.write_all(conf.as_bytes()))
        .map_err(|e| format!("write postgresql.conf: {e}"))?;
    run(
        as_user(bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .args(["-w", "-t", "60", "-l"])
            .arg(dir.join("server.log"))
            .arg("start"),
        "pg_ctl start",
    )?;
    let _ = writeln!(
        std::io::stderr(),
        "note: no PostgreSQL answered at the configured address; started a private test cluster \
         on 127.0.0.1:{port} in {} (removed when the tests end)",
        dir.display()
    );
    Ok(format!(
        "postgres://postgres:{password}@127.0.0.1:{port}/postgres"
    ))
}

/// `None` when not root; as root, the user the cluster runs as.
fn unprivileged_user() -> Result<Option<String>, String> {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| format!("id -u: {e}"))?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Ok(None);
    }
    for user in ["postgres", "nobody"] {
        let known = Command::new("id")
            .arg("-u")
            .arg(user)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if known {
            return Ok(Some(user.to_string()));
        }
    }
    Err("running as root and neither a `postgres` nor a `nobody` user exists to run initdb".into())
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("find a free port: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("find a free port: {e}"))
}

/// A detached shell that waits for this process to end, then stops the cluster and removes its
/// directory. It polls once a second: there is no portable way to wait on a non-child process.
fn spawn_watchdog(bin: &Path, data: &Path, dir: &Path, run_as: Option<&str>) -> Result<(), String> {
    // Values go in as positional arguments, never pasted into the script: a path may hold anything.
    let script = r#"while kill -0 "$1" 2>/dev/null; do sleep 1; done
if [ -n "$5" ]; then runuser -u "$5" -- "$2" -D "$3" -m immediate stop; else "$2" -D "$3" -m immediate stop; fi >/dev/null 2>&1
rm -rf "$4""#;
    use std::os::unix::process::CommandExt;
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("yizhan-test-pg-watchdog")
        .arg(std::process::id().to_string())
        .arg(bin.join("pg_ctl"))
        .arg(data)
        .arg(dir)
        .arg(run_as.unwrap_or(""))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group: a Ctrl-C to the test run must not take the watchdog with it.
        .process_group(0)
        .spawn()
        .map(drop)
        .map_err(|e| format!("start the clean-up watchdog: {e}"))
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}
