//! Two `yizhan serve` processes on one PostgreSQL database (issue 15, part 6): an administrator adds
//! a closure on one; the other, which cached the calendar at start, reloads it (NOTIFY, or its
//! one-second poll) and the next case accepted there is due a working day later.
//!
//! Skipped with a note when no PostgreSQL can be had (`yizhan_test_pg`); CI requires it.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A Monday, 10:00 in Shanghai: both servers run as of it (time still passing).
const NOW: &str = "2026-03-02T02:00:00Z";
const CLERK: &str = "clerk.yunxi.scjg";

struct Server {
    child: Child,
    base: String,
    /// Every line the server logs, as it logs it.
    log: mpsc::Receiver<String>,
    /// Its data folder, removed after it stops.
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a server on `database` with a data directory of its own; the key ring is shared, as
/// servers of one database must share it to read each other's sealed personal data.
fn start(database: &str, keys: &std::path::Path, demo: bool) -> Server {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yizhan"));
    cmd.env("YIZHAN_SIGNING_KEY", keys);
    cmd.arg("--database")
        .arg(database)
        .arg("--data-dir")
        .arg(data.path())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("YIZHAN_NOW", NOW)
        // Two servers sharing a database is the point here, not the administrator's second
        // factor (its own tests); the setting turns it off, as a deployment may for a role.
        .env("YIZHAN_SECOND_FACTOR_ROLES", "")
        .env("RUST_LOG", "info")
        .env_remove("YIZHAN_CONFIG")
        .env_remove("YIZHAN_PUBLIC_URL")
        .env_remove("YIZHAN_LOG_FORMAT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if demo {
        cmd.arg("--demo");
    }
    let mut child = cmd.spawn().expect("start yizhan serve");
    let (log_tx, log) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = log_tx.send(line);
        }
    });
    let (url_tx, url_rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(i) = line.find("http://") {
                let url = line[i..]
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_string();
                let _ = url_tx.send(url.trim_end_matches('/').to_string());
            }
        }
    });
    // Loading the demo city on PostgreSQL in a debug build takes a while.
    let base = url_rx
        .recv_timeout(Duration::from_secs(240))
        .expect("the server printed its address");
    Server {
        child,
        base,
        log,
        _data: data,
    }
}

struct Reply {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            panic!(
                "not JSON ({}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// One HTTP/1.1 request on its own connection.
fn http(
    base: &str,
    method: &str,
    path: &str,
    session: Option<&Session>,
    body: Option<&Value>,
) -> Reply {
    let host = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).unwrap();
    let body = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(s) = session {
        req.push_str(&format!(
            "Cookie: {}\r\nX-CSRF-Token: {}\r\n",
            s.cookie, s.csrf
        ));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(&body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a reply");
    let headers = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    let status = headers.split(' ').nth(1).unwrap().parse().unwrap();
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&b[..line_end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[line_end + 2..line_end + 2 + size]);
        b = &b[line_end + 2 + size + 2..];
    }
}

struct Session {
    cookie: String,
    csrf: String,
}

fn login(base: &str, username: &str) -> Session {
    let r = http(
        base,
        "POST",
        "/api/v1/session",
        None,
        Some(&json!({ "username": username, "password": demo::DEMO_PASSWORD })),
    );
    assert_eq!(r.status, 200, "login {username}");
    let cookie = r
        .headers
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            (name.eq_ignore_ascii_case("set-cookie") && value.trim().starts_with("yz_session="))
                .then(|| value.trim().split(';').next().unwrap().to_string())
        })
        .expect("a session cookie");
    Session {
        cookie,
        csrf: r.json()["csrf_token"].as_str().unwrap().to_string(),
    }
}

fn command(base: &str, s: &Session, number: &str, command: Value) -> Value {
    let r = http(
        base,
        "POST",
        &format!("/api/v1/cases/{number}/commands"),
        Some(s),
        Some(&json!({ "command": command })),
    );
    assert_eq!(
        r.status,
        200,
        "{command}: {}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()
}

/// Files a food licence at the county window, marks every material received, accepts it, and
/// returns its promised due date.
fn accept_a_case(base: &str, clerk: &Session) -> String {
    let id = domain::identity::complete_resident_id("33992119850312262").unwrap();
    let r = http(
        base,
        "POST",
        "/api/v1/cases",
        Some(clerk),
        Some(&json!({
            "item_code": demo::ITEM_FOOD_LICENSE,
            "applicant": { "kind": "person", "name": "周小燕", "id_number": id, "phone": "13905781001" }
        })),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let c = r.json();
    let n = c["filing"]["number"].as_str().unwrap().to_string();
    for i in 0..c["materials"].as_array().unwrap().len() {
        command(
            base,
            clerk,
            &n,
            json!({ "action": "mark_material", "index": i, "status": "received" }),
        );
    }
    let c = command(base, clerk, &n, json!({ "action": "accept" }));
    c["deadlines"]["promised_due"].as_str().unwrap().to_string()
}

#[test]
fn a_closure_added_on_one_server_moves_the_next_deadline_on_the_other() {
    let Some(url) = yizhan_test_pg::url() else {
        return;
    };
    let schema = format!(
        "yz_two_servers_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let admin_sql = |sql: String| {
        rt.block_on(async {
            let (c, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            let conn = tokio::spawn(conn);
            c.batch_execute(&sql).await.expect(&sql);
            drop(c);
            let _ = conn.await;
        })
    };
    admin_sql(format!("CREATE SCHEMA {schema}"));
    let sep = if url.contains('?') { '&' } else { '?' };
    let database = format!("{url}{sep}options=-c%20search_path%3D{schema}");

    let keys = tempfile::tempdir().unwrap();
    let ring = keys.path().join("record-keys.json");
    let a = start(&database, &ring, true);
    let b = start(&database, &ring, false);

    let clerk = login(&b.base, CLERK);
    // 2 March + 10 working days, no holiday between.
    assert_eq!(accept_a_case(&b.base, &clerk), "2026-03-16");

    let admin = login(&a.base, demo::ADMIN);
    let r = http(
        &a.base,
        "POST",
        "/api/v1/calendar/closures",
        Some(&admin),
        Some(&json!({ "region_code": demo::COUNTY, "date": "2026-03-05", "reason": "停电检修" })),
    );
    assert!(
        (200..300).contains(&r.status),
        "{}",
        String::from_utf8_lossy(&r.body)
    );

    // Server b says when it reloaded; the bound only guards a broken watcher.
    let reloaded = std::iter::from_fn(|| b.log.recv_timeout(Duration::from_secs(10)).ok())
        .find(|l| l.contains("caches reloaded") && l.contains("closures"));
    assert!(reloaded.is_some(), "server b never reloaded its caches");
    assert_eq!(
        accept_a_case(&b.base, &clerk),
        "2026-03-17",
        "the closure on Thursday counts on the other server"
    );

    drop(a);
    drop(b);
    admin_sql(format!("DROP SCHEMA {schema} CASCADE"));
}
