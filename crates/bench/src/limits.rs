//! The machine's limits and the peers, measured in the same run: raw durable SQLite transactions,
//! a hello-world axum server under the same load generator, pgbench, SpiffWorkflow.

use crate::http::Client;
use anyhow::{bail, Context, Result};
use hdrhistogram::Histogram;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// One connection, WAL, synchronous=FULL, one single-row INSERT per transaction (autocommit).
pub fn raw_sqlite_txn_per_s(dir: &Path, seconds: f64) -> Result<f64> {
    let path = dir.join("raw.db");
    let _ = std::fs::remove_file(&path);
    let db = rusqlite::Connection::open(&path)?;
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "FULL")?;
    db.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")?;
    let mut st = db.prepare("INSERT INTO t (v) VALUES (?1)")?;
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        st.execute(["0123456789abcdef0123456789abcdef"])?;
        n += 1;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    drop(st);
    drop(db);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("raw.db{suffix}")));
    }
    Ok(rate)
}

/// The hello-world server: `yizhan-bench hello-server --port P` runs this in its own process,
/// like the real server, so both are measured the same way.
pub async fn hello_server(port: u16) -> Result<()> {
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
    let l = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(l, app).await?;
    Ok(())
}

pub struct Rate {
    pub per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// The hello-world server driven by this harness's client and, in the same run, by `wrk` (Debian's
/// load generator, written in C): how close the two are says what the client itself costs.
pub struct Hello {
    pub ours: Rate,
    /// `None` when `wrk` is not installed (the reason in `wrk_error`).
    pub wrk_per_s: Option<f64>,
    pub wrk_error: Option<String>,
}

/// `clients` connections each issuing GET `path` back to back for `seconds`.
pub async fn get_rate(client: &Client, path: &str, clients: usize, seconds: f64) -> Result<Rate> {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let mut c = client.connection();
        let p = path.to_string();
        tasks.spawn(async move {
            let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("bounds");
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                match c.get(&p, None).await {
                    Ok(r) if r.status.is_success() => {
                        let _ = h.record(t.elapsed().as_micros().max(1) as u64);
                    }
                    _ => errors += 1,
                }
            }
            (h, errors)
        });
    }
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut errors = 0;
    while let Some(r) = tasks.join_next().await {
        let (h, e) = r?;
        all.add(&h)?;
        errors += e;
    }
    if all.is_empty() {
        bail!("no successful request to {path} ({errors} errors)");
    }
    Ok(Rate {
        per_s: all.len() as f64 / start.elapsed().as_secs_f64(),
        p50_ms: all.value_at_quantile(0.5) as f64 / 1000.0,
        p99_ms: all.value_at_quantile(0.99) as f64 / 1000.0,
    })
}

pub async fn hello_req_per_s(clients: usize, seconds: f64) -> Result<Hello> {
    let port = crate::server::free_port()?;
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .args(["hello-server", "--port", &port.to_string()])
        .spawn()?;
    let mut ready = false;
    for _ in 0..250 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let result = if ready {
        let c = Client::new(format!("http://127.0.0.1:{port}"), clients);
        match get_rate(&c, "/", clients, seconds).await {
            Ok(ours) => {
                let (wrk_per_s, wrk_error) = match wrk(port, clients, seconds) {
                    Ok(r) => (Some(r), None),
                    Err(e) => (None, Some(format!("{e:#}"))),
                };
                Ok(Hello {
                    ours,
                    wrk_per_s,
                    wrk_error,
                })
            }
            Err(e) => Err(e),
        }
    } else {
        Err(anyhow::anyhow!("hello server did not start"))
    };
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// Requests/s `wrk` reaches on `GET /` with `clients` connections over two threads.
fn wrk(port: u16, clients: usize, seconds: f64) -> Result<f64> {
    let out = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{clients}"),
            &format!("-d{}s", seconds.ceil() as u64),
            &format!("http://127.0.0.1:{port}/"),
        ])
        .output()
        .map_err(|e| anyhow::anyhow!("wrk not run ({e}); apt-get install wrk"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no Requests/sec in wrk's output: {text}"))
}

/// pgbench's best rate over 16, 32 and 64 clients with a script of the write path's shape:
/// read the case FOR UPDATE, insert the event, update the case, in one transaction.
pub fn pgbench(url: &str, dir: &Path, seconds: u32) -> Result<(f64, Vec<(u32, f64)>)> {
    let db = crate::server::ScratchDb::create(url, "yizhan_pgbench")?;
    crate::server::psql(
        &db.url,
        "CREATE TABLE cases (id int PRIMARY KEY, version int NOT NULL, last_hash text NOT NULL);
         CREATE TABLE events (case_id int NOT NULL, seq int NOT NULL, hash text NOT NULL, body text NOT NULL,
                              PRIMARY KEY (case_id, seq));
         INSERT INTO cases SELECT g, 0, md5(g::text) FROM generate_series(1, 100000) g;",
    )?;
    // Separately: psql -c runs several statements as one transaction, and VACUUM refuses that.
    crate::server::psql(&db.url, "VACUUM ANALYZE")?;
    let script = dir.join("pgbench-transition.sql");
    std::fs::write(
        &script,
        "\\set id random(1, 100000)\n\
         BEGIN;\n\
         SELECT version, last_hash FROM cases WHERE id = :id FOR UPDATE;\n\
         INSERT INTO events (case_id, seq, hash, body) SELECT :id, version + 1, md5(last_hash), '{\"type\":\"stage_completed\",\"index\":1,\"approved\":true}' FROM cases WHERE id = :id;\n\
         UPDATE cases SET version = version + 1, last_hash = md5(last_hash) WHERE id = :id;\n\
         END;\n",
    )?;
    let mut runs = vec![];
    for clients in [16u32, 32, 64] {
        let out = Command::new("pgbench")
            .args([
                "-n",
                "-c",
                &clients.to_string(),
                "-j",
                "2",
                "-T",
                &seconds.to_string(),
                "-f",
            ])
            .arg(&script)
            .arg(&db.url)
            .output()
            .context("pgbench not found")?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            bail!("pgbench: {}{}", text, String::from_utf8_lossy(&out.stderr));
        }
        let tps = text
            .lines()
            .find(|l| l.starts_with("tps = "))
            .and_then(|l| l.split_whitespace().nth(2))
            .and_then(|v| v.parse::<f64>().ok())
            .context("no tps in pgbench output")?;
        runs.push((clients, tps));
    }
    let best = runs.iter().map(|r| r.1).fold(0.0, f64::max);
    Ok((best, runs))
}

/// Runs bench/peers/spiff.sh; Err with the reason when Python or pip cannot provide it.
pub fn spiff(script: &Path, seconds: u32) -> Result<f64> {
    let out = Command::new("bash")
        .arg(script)
        .arg(seconds.to_string())
        .output()
        .with_context(|| format!("cannot run {}", script.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "{} exited with {}: {}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    text.lines()
        .filter_map(|l| l.strip_prefix("processes_per_s="))
        .next_back()
        .and_then(|v| v.trim().parse().ok())
        .context("no processes_per_s in the peer's output")
}
