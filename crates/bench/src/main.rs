//! `yizhan-bench`: end-to-end load, machine limits, peers and the crash test of issue 7.
//!
//! One run: load the demo data and N historical cases into a fresh database, start the real
//! server, drive complete case lifecycles over the authenticated API with C clients, then measure
//! the read side, the supervision scan, raw SQLite, a hello-world axum server, pgbench (on
//! PostgreSQL) and SpiffWorkflow, and write a JSON report. `--crash N` instead kills the server
//! N times under load and proves nothing acknowledged was lost.

// The same allocator as the server: the harness shares the machine with it.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod dict;
mod history;
mod http;
mod limits;
mod load;
mod server;
mod table;

use anyhow::{anyhow, bail, Context, Result};
use chrono::Datelike;
use clap::{Parser, Subcommand};
use hdrhistogram::Histogram;
use rand::Rng;
use serde_json::{json, Map, Value};
use server::{ScratchDb, ServerSpec};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "yizhan-bench",
    about = "yizhan end-to-end benchmark and crash test"
)]
struct Cli {
    /// The server binary (default: `yizhan` next to this binary, i.e. the same build profile).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// `postgres://user@host/db`: a fresh database is created beside `db` and dropped after.
    /// Default: SQLite in a temporary folder.
    #[arg(long)]
    database: Option<String>,
    /// Concurrent API clients.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Seconds of full load (in --crash mode: the whole crash run).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Historical cases generated through the store before the server starts.
    #[arg(long, default_value_t = 10_000)]
    history: u64,
    /// One historical case in this many stays open (in review) for the supervision scan.
    #[arg(long, default_value_t = 10)]
    open_every: u64,
    /// The paced run's rate as a fraction of the measured peak (its p99 is `p99_paced_ms`).
    #[arg(long, default_value_t = 0.7)]
    paced_fraction: f64,
    /// Where the JSON report goes.
    #[arg(long, default_value = "target/bench-report.json")]
    report: PathBuf,
    /// Kill the server with SIGKILL at least N times under load and check nothing acknowledged
    /// was lost (default N = 10).
    #[arg(long, num_args = 0..=1, default_missing_value = "10")]
    crash: Option<u32>,
    /// Skip the machine limits and peers (raw SQLite, hello-world, pgbench, SpiffWorkflow).
    #[arg(long)]
    skip_limits: bool,
    /// The SpiffWorkflow peer script.
    #[arg(long, default_value = "bench/peers/spiff.sh")]
    peer_script: PathBuf,
    /// Seconds for each machine-limit measurement.
    #[arg(long, default_value_t = 4.0)]
    limit_seconds: f64,
    /// Keep the temporary data folder (SQLite file, server log) and the scratch PostgreSQL database.
    #[arg(long)]
    keep: bool,
    /// Measure again on the SQLite data folder a `--keep` run left (no demo load, no generation):
    /// its warnings are deleted first so the scans start from nothing raised. Kept afterwards.
    #[arg(long)]
    reuse_data: Option<PathBuf>,
    /// With `--reuse-data`: the PostgreSQL database a killed run left (its URL, database included).
    #[arg(long)]
    reuse_database: Option<String>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Internal: the minimal axum hello-world whose rate is the HTTP limit.
    #[command(hide = true)]
    HelloServer {
        #[arg(long)]
        port: u16,
    },
    /// Train the dictionaries snapshots and event bodies are compressed with (store::codec) on
    /// the demo city's cases plus generated lifecycles; writes crates/store/dict/*.zdict.
    Dict {
        /// Generated lifecycles added to the demo's cases (one in ten left open).
        #[arg(long, default_value_t = 2_000)]
        cases: u64,
        #[arg(long, default_value = "crates/store/dict")]
        out: PathBuf,
    },
    /// Print the targets-at-a-glance table (Markdown) from JSON reports, one column each.
    Table { reports: Vec<PathBuf> },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if let Some(Cmd::Table { reports }) = &cli.command {
        return table::print(reports);
    }
    if let Some(Cmd::HelloServer { port }) = cli.command {
        return rt.block_on(limits::hello_server(port));
    }
    if let Some(Cmd::Dict { cases, out }) = &cli.command {
        return rt.block_on(train_dict(&cli, *cases, out));
    }
    let ok = rt.block_on(run(cli))?;
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}

/// `yizhan-bench dict`: demo data and `cases` generated lifecycles in a scratch SQLite file, then
/// the dictionaries trained on all of it.
async fn train_dict(cli: &Cli, cases: u64, out: &Path) -> Result<()> {
    let bin = cli
        .server_bin
        .clone()
        .unwrap_or_else(server::default_server_bin);
    let data_dir = std::env::temp_dir().join(format!("yizhan-bench-dict-{}", std::process::id()));
    std::fs::create_dir_all(&data_dir)?;
    let db = data_dir.join("yizhan.db");
    let spec = ServerSpec {
        bin,
        data_dir: data_dir.clone(),
        database: format!("sqlite://{}", db.display()),
    };
    spec.run(&["demo"])?;
    let state = in_process_state(&spec.database, &data_dir, Arc::new(app::SystemClock)).await?;
    history::generate(state, cases, 10, 32).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t = dict::train(&db, out)?;
    println!(
        "trained on {} snapshots (mean {:.0} B -> {:.0} B) and {} events ({:.0} B -> {:.0} B); \
         dictionaries in {}",
        t.cases,
        t.case_json_bytes,
        t.case_packed_bytes,
        t.events,
        t.event_json_bytes,
        t.event_packed_bytes,
        out.display()
    );
    let _ = std::fs::remove_dir_all(&data_dir);
    Ok(())
}

/// The database the run uses, cleaned up when dropped.
struct Db {
    url: String,
    _scratch: Option<ScratchDb>,
}

/// Opens the run's database with the server's key ring (the one `yizhan demo` made in the same
/// data directory, or made here first), so what is written in process reads in the server.
async fn open_store(url: &str, data_dir: &Path) -> Result<Arc<dyn store::Store>> {
    let (ring, _) = app::keys::load_or_create(
        &app::keys::default_path(data_dir),
        Default::default(),
        chrono::Utc::now(),
    )?;
    let vault = app::keys::vault(ring)?;
    Ok(if url.starts_with("postgres") {
        Arc::new(store_postgres::PgStore::connect(url, vault).await?)
    } else {
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        Arc::new(store_sqlite::SqliteStore::open(path, vault)?)
    })
}

async fn in_process_state(
    url: &str,
    data_dir: &Path,
    clock: Arc<dyn app::Clock>,
) -> Result<app::Services> {
    let store = open_store(url, data_dir).await?;
    let config = app::Settings {
        data_dir: data_dir.to_path_buf(),
        ..app::Settings::default()
    };
    app::Services::new(store, clock, config)
        .await
        .map_err(|e| anyhow!("{e}"))
}

fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    if h.is_empty() {
        return 0.0;
    }
    h.value_at_quantile(q) as f64 / 1000.0
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

async fn run(cli: Cli) -> Result<bool> {
    let bin = cli
        .server_bin
        .clone()
        .unwrap_or_else(server::default_server_bin);
    if !bin.exists() {
        bail!(
            "server binary {} not found: build it (cargo build [--release] -p yizhan) or pass --server-bin",
            bin.display()
        );
    }
    let data_dir = cli.reuse_data.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("yizhan-bench-{}", std::process::id()))
    });
    std::fs::create_dir_all(&data_dir)?;
    let db = match (&cli.database, &cli.reuse_database) {
        (_, Some(u)) => Db {
            url: u.clone(),
            _scratch: None,
        },
        (Some(u), None) if u.starts_with("postgres") => {
            let mut s = ScratchDb::create(u, "yizhan_bench")?;
            s.keep = cli.keep;
            Db {
                url: s.url.clone(),
                _scratch: Some(s),
            }
        }
        (Some(u), None) => bail!("--database takes a postgres:// URL (SQLite is the default): {u}"),
        (None, None) => Db {
            url: format!("sqlite://{}", data_dir.join("yizhan.db").display()),
            _scratch: None,
        },
    };
    let backend = if db.url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    let spec = ServerSpec {
        bin: bin.clone(),
        data_dir: data_dir.clone(),
        database: db.url.clone(),
    };
    eprintln!(
        "yizhan-bench: {backend}, server {}, data {}",
        bin.display(),
        data_dir.display()
    );
    let t = Instant::now();
    if let Some(dir) = &cli.reuse_data {
        const RESET: &str = "DELETE FROM warnings; DELETE FROM warning_counts;
             DELETE FROM settings WHERE key = 'warning_scan_day';";
        let n: i64 = match &cli.reuse_database {
            Some(url) => {
                let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
                tokio::spawn(conn);
                client.batch_execute(RESET).await?;
                client
                    .query_one("SELECT COUNT(*) FROM cases", &[])
                    .await?
                    .get(0)
            }
            None => {
                let conn = rusqlite::Connection::open(dir.join("yizhan.db"))?;
                conn.execute_batch(RESET)?;
                conn.query_row("SELECT COUNT(*) FROM cases", [], |r| r.get(0))?
            }
        };
        eprintln!("reusing {} ({n} cases), warnings deleted", db.url);
        let mut report = Map::new();
        report.insert("backend".into(), json!(backend));
        report.insert("reused_cases".into(), json!(n));
        scan_run(&db.url, &data_dir, &mut report).await?;
        settle(&db.url, &data_dir)?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        load_run(&cli, &spec, &db.url, &data_dir, &mut report).await?;
        write_report(&cli.report, report)?;
        return Ok(true);
    }
    spec.run(&["demo"])?;
    eprintln!("demo data loaded in {:.1} s", t.elapsed().as_secs_f64());
    let mut report = Map::new();
    report.insert("backend".into(), json!(backend));
    report.insert("server_bin".into(), json!(bin.display().to_string()));
    report.insert("clients".into(), json!(cli.clients));
    report.insert("duration_s".into(), json!(cli.duration));
    if cli.history > 0 {
        let state = in_process_state(&db.url, &data_dir, Arc::new(app::SystemClock)).await?;
        let g = history::generate(state, cli.history, cli.open_every, 32).await?;
        eprintln!(
            "{} historical cases ({} open) in {:.1} s: {:.0}/s",
            g.cases,
            g.open,
            g.seconds,
            g.cases as f64 / g.seconds
        );
        report.insert("history_cases".into(), json!(g.cases));
        report.insert("history_open_cases".into(), json!(g.open));
        report.insert(
            "history_cases_per_s".into(),
            json!(round(g.cases as f64 / g.seconds)),
        );
        scan_run(&db.url, &data_dir, &mut report).await?;
        settle(&db.url, &data_dir)?;
        // Let the in-process store's writer and pool close before the server opens the file.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ok = match cli.crash {
        Some(n) => crash_run(&cli, &spec, n, &mut report).await?,
        None => {
            load_run(&cli, &spec, &db.url, &data_dir, &mut report).await?;
            true
        }
    };
    write_report(&cli.report, report)?;
    if cli.keep {
        println!("data kept in {}", data_dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&data_dir);
    }
    Ok(ok)
}

fn settings(
    client: &http::Client,
    staff: &load::Staff,
    seconds: f64,
    crash: bool,
) -> load::Settings {
    load::Settings {
        client: client.clone(),
        staff: staff.clone(),
        deadline: Instant::now() + Duration::from_secs_f64(seconds),
        pacer: None,
        retry_transport: crash,
        stop: Arc::new(AtomicBool::new(false)),
        key_prefix: format!("b{}", std::process::id()),
    }
}

/// GETs `path` `n` times one after another (fewer, but at least 3, once 20 s have gone: a read
/// that takes seconds is measured well enough by three); (p50, p99) in ms.
async fn read_latency(
    c: &http::Client,
    path: &str,
    s: Option<&http::Session>,
    n: usize,
) -> Result<(f64, f64, usize)> {
    let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut size = 0;
    let start = Instant::now();
    for i in 0..n {
        if i >= 3 && start.elapsed() > Duration::from_secs(20) {
            break;
        }
        let t = Instant::now();
        let r = c.get(path, s).await?;
        if !r.status.is_success() {
            bail!("GET {path}: {} {}", r.status, r.text());
        }
        h.record(t.elapsed().as_micros().max(1) as u64)?;
        size = r.body.len();
    }
    Ok((ms(&h, 0.5), ms(&h, 0.99), size))
}

/// After the bulk writes of generation and scans: checkpoint (and, on PostgreSQL, refresh the
/// planner's statistics), so the load phase measures the platform, not the write-back of gigabytes
/// the harness itself just wrote.
fn settle(url: &str, data_dir: &Path) -> Result<()> {
    let t = Instant::now();
    if url.starts_with("postgres") {
        server::psql(url, "CHECKPOINT")?;
        server::psql(url, "ANALYZE")?;
    } else {
        let conn = rusqlite::Connection::open(data_dir.join("yizhan.db"))?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    eprintln!(
        "checkpoint after the bulk writes: {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The warning scan over the generated open cases, in-process against the same database, before
/// the server starts (its own start-up scan would raise the warnings first): a full scan (no
/// record of a last scan: every deadline row due by today, as after an upgrade), the next day's
/// scan (only rows whose colour changes that day), and a full scan again with everything already
/// raised (a lost scan record). The record is then set back to today for the server.
async fn scan_run(url: &str, data_dir: &Path, report: &mut Map<String, Value>) -> Result<()> {
    let start = chrono::Utc::now();
    let state = in_process_state(url, data_dir, Arc::new(app::ManualClock::new(start))).await?;
    let day = app::supervision::SCAN_DAY_SETTING;
    for (name, clock, reset) in [
        ("supervision_scan", start, true),
        (
            "supervision_next_day_scan",
            start + chrono::Duration::days(1),
            false,
        ),
        (
            "supervision_rescan",
            start + chrono::Duration::days(1),
            true,
        ),
    ] {
        if reset {
            state.store.set_setting(day, "").await?;
        }
        let mut state = state.clone();
        state.clock = Arc::new(app::ManualClock::new(clock));
        let t = Instant::now();
        let scan = app::supervision::scan(&state, "yizhan-bench")
            .await
            .map_err(|e| anyhow!("scan: {e}"))?;
        let secs = t.elapsed().as_secs_f64();
        eprintln!(
            "{name}: {secs:.3} s, {} raised, {} cleared",
            scan.raised, scan.cleared
        );
        report.insert(format!("{name}_s"), json!((secs * 1000.0).round() / 1000.0));
        report.insert(format!("{name}_ran"), json!(scan.ran));
        report.insert(format!("{name}_raised"), json!(scan.raised));
        report.insert(format!("{name}_cleared"), json!(scan.cleared));
    }
    let today = start.date_naive().format("%Y-%m-%d").to_string();
    state.store.set_setting(day, &today).await?;
    Ok(())
}

async fn load_run(
    cli: &Cli,
    spec: &ServerSpec,
    url: &str,
    data_dir: &Path,
    report: &mut Map<String, Value>,
) -> Result<()> {
    let port = server::free_port()?;
    let mut srv = spec.start(port).await?;
    let client = http::Client::new(format!("http://127.0.0.1:{port}"), cli.clients);
    let staff = load::Staff::login(&client).await?;
    // Warm-up: the first requests pay for lazily built caches and connections.
    let warm = Arc::new(settings(&client, &staff, 1.0, false));
    load::run(warm, cli.clients.min(8)).await;

    eprintln!("full load: {} clients for {} s", cli.clients, cli.duration);
    let s = Arc::new(settings(&client, &staff, cli.duration, false));
    let started = Instant::now();
    let st = load::run(s, cli.clients).await;
    let secs = started.elapsed().as_secs_f64();
    let tps = st.transitions as f64 / secs;
    let cps = st.cases as f64 / secs;
    report.insert("transitions_per_s".into(), json!(round(tps)));
    report.insert("cases_per_s".into(), json!(round(cps)));
    report.insert(
        "transitions_per_case".into(),
        json!(if st.cases > 0 {
            round(st.transitions as f64 / st.cases as f64)
        } else {
            0.0
        }),
    );
    report.insert("p50_ms".into(), json!(round(ms(&st.hist, 0.5))));
    report.insert("p99_ms".into(), json!(round(ms(&st.hist, 0.99))));
    report.insert("max_ms".into(), json!(round(st.hist.max() as f64 / 1000.0)));
    report.insert("errors".into(), json!(st.errors));
    report.insert("first_errors".into(), json!(st.first_errors));

    if cli.paced_fraction > 0.0 && tps > 0.0 {
        let rate = tps * cli.paced_fraction;
        let secs = (cli.duration / 2.0).max(2.0);
        eprintln!(
            "paced load: {:.0} transitions/s ({}% of peak) for {secs} s",
            rate,
            cli.paced_fraction * 100.0
        );
        let mut s = settings(&client, &staff, secs, false);
        let stop = s.stop.clone();
        s.pacer = Some(load::spawn_pacer(rate, stop.clone()));
        let started = Instant::now();
        let ps = load::run(Arc::new(s), cli.clients).await;
        stop.store(true, Ordering::Relaxed);
        report.insert("paced_target_per_s".into(), json!(round(rate)));
        report.insert(
            "paced_transitions_per_s".into(),
            json!(round(
                ps.transitions as f64 / started.elapsed().as_secs_f64()
            )),
        );
        report.insert("paced_p50_ms".into(), json!(round(ms(&ps.hist, 0.5))));
        report.insert("paced_p99_ms".into(), json!(round(ms(&ps.hist, 0.99))));
        report.insert("paced_errors".into(), json!(ps.errors));
    }

    // The read side at this size, with the server otherwise idle. The first request of each page
    // meets pages the load phase pushed out of the caches (and, on PostgreSQL, its write-back):
    // reported on its own, then 200 more give the percentiles.
    let sup = client.login(demo::SUP_COUNTY, load::PASSWORD).await?;
    let list = "/api/v1/cases?queue=all";
    let (first, _, _) = read_latency(&client, list, Some(&staff.clerk), 1).await?;
    report.insert("case_list_first_ms".into(), json!(round(first)));
    let (p50, p99, size) = read_latency(&client, list, Some(&staff.clerk), 200).await?;
    report.insert("case_list_p50_ms".into(), json!(round(p50)));
    report.insert("case_list_p99_ms".into(), json!(round(p99)));
    report.insert("case_list_bytes".into(), json!(size));
    let (first, _, _) = read_latency(&client, "/supervision", Some(&sup), 1).await?;
    report.insert("dashboard_first_ms".into(), json!(round(first)));
    let (p50, p99, _) = read_latency(&client, "/supervision", Some(&sup), 200).await?;
    report.insert("dashboard_p50_ms".into(), json!(round(p50)));
    report.insert("dashboard_p99_ms".into(), json!(round(p99)));
    // Evaluation over the last 90 days (the county supervisor ranks its places), and the public
    // monthly figures of last month: both read their period, not the history.
    let today = chrono::Utc::now().date_naive();
    let eval = format!(
        "/supervision/evaluation?from={}&to={today}&by=place",
        today - chrono::Duration::days(90)
    );
    let (p50, p99, _) = read_latency(&client, &eval, Some(&sup), 20).await?;
    report.insert("evaluation_p50_ms".into(), json!(round(p50)));
    report.insert("evaluation_p99_ms".into(), json!(round(p99)));
    let last_month = (today.with_day(1).unwrap_or(today) - chrono::Duration::days(1))
        .format("%Y-%m")
        .to_string();
    // A past month is counted on its first visit and then kept; the current month is counted on
    // every visit. The first visit is reported on its own.
    let path = format!("/statistics?month={last_month}");
    let (first, _, _) = read_latency(&client, &path, None, 1).await?;
    report.insert("statistics_first_visit_ms".into(), json!(round(first)));
    let (p50, p99, _) = read_latency(&client, &path, None, 20).await?;
    report.insert("statistics_p50_ms".into(), json!(round(p50)));
    report.insert("statistics_p99_ms".into(), json!(round(p99)));
    let this_month = today.format("%Y-%m").to_string();
    let (p50, p99, _) = read_latency(
        &client,
        &format!("/statistics?month={this_month}"),
        None,
        20,
    )
    .await?;
    report.insert("statistics_current_p50_ms".into(), json!(round(p50)));
    report.insert("statistics_current_p99_ms".into(), json!(round(p99)));
    let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    for q in [
        "建房",
        "dibao",
        "jf",
        "营业执照",
        "开店",
        "施工许可",
        "宅基地见房",
    ] {
        let path = format!("/catalog?q={}", pct(q));
        for _ in 0..30 {
            let t = Instant::now();
            let r = client.get(&path, None).await?;
            if !r.status.is_success() {
                bail!("search {q}: {}", r.status);
            }
            h.record(t.elapsed().as_micros().max(1) as u64)?;
        }
    }
    report.insert("search_p50_ms".into(), json!(round(ms(&h, 0.5))));
    report.insert("search_p99_ms".into(), json!(round(ms(&h, 0.99))));

    let rss = srv.peak_rss_mb().unwrap_or(0.0);
    report.insert("peak_rss_mb".into(), json!(round(rss)));
    srv.stop();

    if cli.skip_limits {
        return Ok(());
    }
    let secs = cli.limit_seconds;
    eprintln!("machine limits: raw SQLite FULL transactions, hello-world axum ({secs} s each)");
    let raw = limits::raw_sqlite_txn_per_s(data_dir, secs)?;
    report.insert("raw_sqlite_full_txn_per_s".into(), json!(round(raw)));
    report.insert(
        "ratio_transitions_to_raw_sqlite".into(),
        json!(round(tps / raw)),
    );
    let limits::Hello {
        ours: hello,
        wrk_per_s,
        wrk_error,
    } = limits::hello_req_per_s(cli.clients, secs).await?;
    report.insert("hello_req_per_s".into(), json!(round(hello.per_s)));
    report.insert("hello_p50_ms".into(), json!(round(hello.p50_ms)));
    report.insert("hello_p99_ms".into(), json!(round(hello.p99_ms)));
    match wrk_per_s {
        Some(w) => {
            report.insert("hello_wrk_req_per_s".into(), json!(round(w)));
            report.insert(
                "ratio_client_to_wrk".into(),
                json!((hello.per_s / w * 1000.0).round() / 1000.0),
            );
        }
        None => {
            report.insert("hello_wrk_error".into(), json!(wrk_error));
        }
    }
    report.insert(
        "ratio_transitions_to_hello".into(),
        json!((tps / hello.per_s * 1000.0).round() / 1000.0),
    );
    if url.starts_with("postgres") {
        eprintln!("pgbench at 16, 32, 64 clients");
        match limits::pgbench(
            cli.database.as_deref().unwrap_or(url),
            data_dir,
            secs.ceil() as u32,
        ) {
            Ok((best, runs)) => {
                report.insert("pgbench_tps".into(), json!(round(best)));
                report.insert("pgbench_runs".into(), json!(runs));
                report.insert(
                    "ratio_transitions_to_pgbench".into(),
                    json!(round(tps / best)),
                );
            }
            Err(e) => {
                report.insert("pgbench_error".into(), json!(format!("{e:#}")));
            }
        }
    }
    eprintln!("peer: SpiffWorkflow ({})", cli.peer_script.display());
    match limits::spiff(&cli.peer_script, secs.ceil() as u32) {
        Ok(p) => {
            report.insert("spiff_processes_per_s".into(), json!(round(p)));
            report.insert("ratio_cases_to_spiff".into(), json!(round(cps / p)));
        }
        Err(e) => {
            eprintln!("peer not measured: {e:#}");
            report.insert("spiff_error".into(), json!(format!("{e:#}")));
        }
    }
    Ok(())
}

/// Percent-encodes a query value (UTF-8 bytes outside the unreserved set).
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Kills the server at random moments under load, restarts it on the same database, then checks
/// every acknowledged transition and every chain.
async fn crash_run(
    cli: &Cli,
    spec: &ServerSpec,
    kills: u32,
    report: &mut Map<String, Value>,
) -> Result<bool> {
    let port = server::free_port()?;
    let mut srv = spec.start(port).await?;
    let client = http::Client::new(format!("http://127.0.0.1:{port}"), cli.clients);
    let staff = load::Staff::login(&client).await?;
    let s = Arc::new(settings(&client, &staff, cli.duration, true));
    let stop = s.stop.clone();
    let load = tokio::spawn(load::run(s, cli.clients));
    let started = Instant::now();
    // Every kill falls inside the load: the gaps add up to less than the duration.
    let gap = cli.duration / f64::from(kills + 1);
    let mut restart_ms = vec![];
    let mut done = 0;
    let mut peak_rss: f64 = 0.0;
    while done < kills {
        let wait = gap * rand::thread_rng().gen_range(0.5..1.0);
        tokio::time::sleep(Duration::from_secs_f64(wait.max(0.2))).await;
        peak_rss = peak_rss.max(srv.peak_rss_mb().unwrap_or(0.0));
        srv.kill();
        done += 1;
        let t = Instant::now();
        srv = spec.start(port).await?;
        restart_ms.push(t.elapsed().as_millis() as u64);
        eprintln!(
            "crash {done}/{kills} at {:.1} s, back in {} ms",
            started.elapsed().as_secs_f64(),
            t.elapsed().as_millis()
        );
    }
    // Let the load run past the last restart so the last recovery is exercised too.
    let left = cli.duration - started.elapsed().as_secs_f64();
    if left > 0.0 {
        tokio::time::sleep(Duration::from_secs_f64(left)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let st = load.await?;
    peak_rss = peak_rss.max(srv.peak_rss_mb().unwrap_or(0.0));

    // Every acknowledged transition must be in the case's log.
    let mut by_case: HashMap<String, Vec<load::Ack>> = HashMap::new();
    for a in &st.acks {
        by_case.entry(a.number.clone()).or_default().push(a.clone());
    }
    let cases: Vec<(String, Vec<load::Ack>)> = by_case.into_iter().collect();
    let chunks: Vec<Vec<(String, Vec<load::Ack>)>> = cases
        .chunks(cases.len().div_ceil(8).max(1))
        .map(<[_]>::to_vec)
        .collect();
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in chunks {
        let c = client.clone();
        let who = staff.clerk.clone();
        tasks.spawn(async move {
            let mut lost = vec![];
            let mut doubled = vec![];
            for (number, acks) in chunk {
                let r = c
                    .get(&format!("/api/v1/cases/{number}/events"), Some(&who))
                    .await?;
                if !r.status.is_success() {
                    lost.push(format!("{number}: case not found ({})", r.status));
                    continue;
                }
                let events = r.json();
                let events = events.as_array().cloned().unwrap_or_default();
                let seqs: std::collections::HashSet<u64> =
                    events.iter().filter_map(|e| e["seq"].as_u64()).collect();
                let last = seqs.iter().copied().max().unwrap_or(0);
                let mut kinds_by_key: HashMap<&str, Vec<&str>> = HashMap::new();
                for e in &events {
                    if let Some(k) = e["idempotency_key"].as_str() {
                        kinds_by_key
                            .entry(k)
                            .or_default()
                            .push(e["kind"]["type"].as_str().unwrap_or(""));
                    }
                }
                for a in &acks {
                    if last < a.version || !seqs.contains(&a.version) {
                        lost.push(format!("{number} v{} (log ends at {last})", a.version));
                    } else if let Some(k) = &a.key {
                        if !kinds_by_key.contains_key(k.as_str()) {
                            lost.push(format!("{number} v{}: no event with key {k}", a.version));
                        }
                    }
                }
                for (k, kinds) in kinds_by_key {
                    let mut sorted = kinds.clone();
                    sorted.sort_unstable();
                    sorted.dedup();
                    if sorted.len() != kinds.len() {
                        doubled.push(format!("{number}: key {k} applied twice ({kinds:?})"));
                    }
                }
            }
            Ok::<_, anyhow::Error>((lost, doubled))
        });
    }
    let mut lost = vec![];
    let mut doubled = vec![];
    while let Some(r) = tasks.join_next().await {
        let (l, d) = r??;
        lost.extend(l);
        doubled.extend(d);
    }
    srv.stop();
    let verify = spec.run(&["verify"]);
    let verify_ok = verify.is_ok();
    let verify_text = match &verify {
        Ok(t) => t.trim().to_string(),
        Err(e) => format!("{e:#}"),
    };
    let cases_checked = cases.len();
    report.insert("crash_kills".into(), json!(done));
    report.insert("crash_restart_ms".into(), json!(restart_ms));
    report.insert("acknowledged_transitions".into(), json!(st.acks.len()));
    report.insert("acknowledged_cases_checked".into(), json!(cases_checked));
    report.insert("complete_cases".into(), json!(st.cases));
    report.insert("lost_acknowledged".into(), json!(lost.len()));
    report.insert(
        "lost_examples".into(),
        json!(lost.iter().take(10).collect::<Vec<_>>()),
    );
    report.insert("applied_twice".into(), json!(doubled.len()));
    report.insert(
        "applied_twice_examples".into(),
        json!(doubled.iter().take(10).collect::<Vec<_>>()),
    );
    report.insert("retries_after_lost_reply".into(), json!(st.retries));
    report.insert("retries_deduplicated".into(), json!(st.deduplicated));
    report.insert("filings_lost_in_flight".into(), json!(st.lost_filings));
    report.insert("lifecycle_errors".into(), json!(st.errors));
    report.insert("first_errors".into(), json!(st.first_errors));
    report.insert("verify_ok".into(), json!(verify_ok));
    report.insert("verify_output".into(), json!(verify_text));
    report.insert("peak_rss_mb".into(), json!(round(peak_rss)));
    let ok =
        done >= kills && lost.is_empty() && doubled.is_empty() && verify_ok && !st.acks.is_empty();
    report.insert("crash_ok".into(), json!(ok));
    Ok(ok)
}

/// Writes the JSON report and prints its summary.
fn write_report(path: &Path, report: Map<String, Value>) -> Result<()> {
    let report = Value::Object(report);
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)?;
        }
    }
    std::fs::write(path, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    print_summary(&report);
    println!("report: {}", path.display());
    Ok(())
}

fn print_summary(r: &Value) {
    let g = |k: &str| r.get(k).cloned().unwrap_or(Value::Null);
    println!("\n== yizhan-bench ({}) ==", g("backend"));
    let lines: &[(&str, &str)] = &[
        ("transitions_per_s", "durable transitions/s over HTTP"),
        ("cases_per_s", "complete cases/s"),
        ("p50_ms", "latency p50 ms (full load)"),
        ("p99_ms", "latency p99 ms (full load)"),
        ("paced_target_per_s", "paced run target/s"),
        ("paced_p99_ms", "latency p99 ms (paced)"),
        ("errors", "lifecycle errors"),
        ("case_list_first_ms", "case list first request ms"),
        ("case_list_p99_ms", "  then p99 ms (200)"),
        ("dashboard_first_ms", "dashboard first request ms"),
        ("dashboard_p99_ms", "  then p99 ms (200)"),
        ("evaluation_p99_ms", "evaluation (90 days) p99 ms"),
        (
            "statistics_first_visit_ms",
            "last month's statistics, first visit ms",
        ),
        ("statistics_p99_ms", "  then p99 ms"),
        (
            "statistics_current_p99_ms",
            "this month's statistics p99 ms",
        ),
        ("search_p99_ms", "search p99 ms"),
        ("history_open_cases", "open historical cases"),
        ("supervision_scan_s", "full warning scan s"),
        ("supervision_scan_raised", "  warnings raised"),
        ("supervision_next_day_scan_s", "next day's warning scan s"),
        ("supervision_next_day_scan_raised", "  warnings raised"),
        ("supervision_rescan_s", "full re-scan (all raised) s"),
        ("peak_rss_mb", "server peak RSS MiB"),
        ("raw_sqlite_full_txn_per_s", "raw SQLite FULL txn/s"),
        ("ratio_transitions_to_raw_sqlite", "  ratio transitions/raw"),
        ("hello_req_per_s", "axum hello-world req/s"),
        ("hello_wrk_req_per_s", "  the same driven by wrk req/s"),
        ("ratio_client_to_wrk", "  ratio harness client/wrk"),
        ("hello_wrk_error", "  wrk not run"),
        ("ratio_transitions_to_hello", "  ratio transitions/hello"),
        ("pgbench_tps", "pgbench tps (best of 16/32/64)"),
        (
            "ratio_transitions_to_pgbench",
            "  ratio transitions/pgbench",
        ),
        ("spiff_processes_per_s", "SpiffWorkflow processes/s"),
        ("ratio_cases_to_spiff", "  ratio cases/spiff"),
        ("spiff_error", "SpiffWorkflow not measured"),
        ("crash_kills", "SIGKILLs"),
        ("acknowledged_transitions", "acknowledged transitions"),
        ("lost_acknowledged", "  lost"),
        ("applied_twice", "  applied twice"),
        ("retries_after_lost_reply", "retries after lost replies"),
        ("retries_deduplicated", "  deduplicated by key"),
        ("verify_ok", "yizhan verify passed"),
    ];
    for (k, label) in lines {
        let v = g(k);
        if !v.is_null() {
            println!("{label:<36} {v}");
        }
    }
}
