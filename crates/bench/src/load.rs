//! The load generator: clients that each run complete case lifecycles of the joint construction
//! permit at 云溪县 over the authenticated API, one request at a time, with idempotency keys.

use crate::http::{Client, Session};
use anyhow::{bail, Context, Result};
use hdrhistogram::Histogram;
use hyper::Method;
use rand::seq::SliceRandom;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

pub const PASSWORD: &str = demo::DEMO_PASSWORD;

/// The staff of the joint item: window clerk, the three departments' reviewers, the deciding head.
#[derive(Clone)]
pub struct Staff {
    pub clerk: Session,
    pub zrzy: Session,
    pub xf: Session,
    pub zj: Session,
    pub head: Session,
}

impl Staff {
    pub async fn login(c: &Client) -> Result<Staff> {
        Ok(Staff {
            clerk: c.login("clerk.yunxi.zj", PASSWORD).await?,
            zrzy: c.login("rev.yunxi.zrzy", PASSWORD).await?,
            xf: c.login("rev.yunxi.xf", PASSWORD).await?,
            zj: c.login("rev.yunxi.zj", PASSWORD).await?,
            head: c.login("head.yunxi.zj", PASSWORD).await?,
        })
    }
    fn for_department(&self, d: &str) -> Result<&Session> {
        Ok(match d {
            "zrzy" => &self.zrzy,
            "xf" => &self.xf,
            "zj" => &self.zj,
            other => bail!("no reviewer for department {other}"),
        })
    }
}

/// A transition the server acknowledged with a 2xx reply.
#[derive(Clone, Debug)]
pub struct Ack {
    pub number: String,
    pub version: u64,
    /// None for the filing (POST /cases takes no key).
    pub key: Option<String>,
}

pub struct Settings {
    pub client: Client,
    pub staff: Staff,
    pub deadline: Instant,
    /// Open-loop pacing: one permit per request, refilled at the target rate.
    pub pacer: Option<Arc<Semaphore>>,
    /// Crash mode: keep retrying through restarts instead of counting an error.
    pub retry_transport: bool,
    /// Set when the run is over: workers stop at the next lifecycle boundary or retry.
    pub stop: Arc<AtomicBool>,
    pub key_prefix: String,
}

pub struct WorkerStats {
    pub hist: Histogram<u64>,
    pub transitions: u64,
    pub cases: u64,
    pub errors: u64,
    pub first_errors: Vec<String>,
    pub acks: Vec<Ack>,
    pub retries: u64,
    pub deduplicated: u64,
    pub lost_filings: u64,
}

impl WorkerStats {
    pub fn new() -> WorkerStats {
        WorkerStats {
            hist: Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid bounds"),
            transitions: 0,
            cases: 0,
            errors: 0,
            first_errors: vec![],
            acks: vec![],
            retries: 0,
            deduplicated: 0,
            lost_filings: 0,
        }
    }
    pub fn merge(&mut self, o: WorkerStats) {
        let _ = self.hist.add(&o.hist);
        self.transitions += o.transitions;
        self.cases += o.cases;
        self.errors += o.errors;
        for e in o.first_errors {
            if self.first_errors.len() < 10 {
                self.first_errors.push(e);
            }
        }
        self.acks.extend(o.acks);
        self.retries += o.retries;
        self.deduplicated += o.deduplicated;
        self.lost_filings += o.lost_filings;
    }
}

struct Worker<'a> {
    s: &'a Settings,
    /// This worker's own connection (one request at a time on it, as wrk's).
    conn: crate::http::Conn,
    id: usize,
    seq: u64,
    st: WorkerStats,
}

fn enterprise() -> Value {
    let code = domain::identity::complete_credit_code("91339921MA2C0JP5L").unwrap_or_default();
    json!({ "kind": "enterprise", "name": "云溪县建工集团", "id_number": code, "phone": "13905781030" })
}

impl Worker<'_> {
    fn over(&self) -> bool {
        self.s.stop.load(Ordering::Relaxed) || Instant::now() >= self.s.deadline
    }

    async fn pace(&self) {
        if let Some(p) = &self.s.pacer {
            if let Ok(permit) = p.acquire().await {
                permit.forget();
            }
        }
    }

    /// Files one case at the window (submitted at once). A lost reply means the case may exist
    /// unacknowledged: it is abandoned, not retried (filing takes no key).
    async fn file(&mut self) -> Result<CaseView> {
        let body =
            json!({ "item_code": demo::ITEM_CONSTRUCTION_PERMIT, "applicant": enterprise() });
        loop {
            self.pace().await;
            let t = Instant::now();
            match self
                .conn
                .send(
                    Method::POST,
                    "/api/v1/cases",
                    Some(&self.s.staff.clerk),
                    Some(&body),
                    None,
                )
                .await
            {
                Ok(r) if r.status.is_success() => {
                    let _ = self.st.hist.record(t.elapsed().as_micros().max(1) as u64);
                    self.st.transitions += 1;
                    let c = CaseView::of(&r)?;
                    self.st.acks.push(Ack {
                        number: c.filing.number.clone(),
                        version: c.version,
                        key: None,
                    });
                    return Ok(c);
                }
                Ok(r) => bail!("file: {} {}", r.status, r.text()),
                Err(e) if self.s.retry_transport && !self.over() => {
                    self.st.lost_filings += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One command with a fresh idempotency key; after a lost reply the same key is sent again.
    async fn command(
        &mut self,
        who: &Session,
        number: &str,
        command: Value,
    ) -> Result<CommandView> {
        self.seq += 1;
        let key = format!("{}-{}-{}", self.s.key_prefix, self.id, self.seq);
        let path = format!("/api/v1/cases/{number}/commands");
        let body = json!({ "command": command });
        let mut attempt = 0u32;
        loop {
            self.pace().await;
            // Was the lost attempt applied after all (an event carries its key)? Then this retry
            // must be a replay. The log is the API's record of keys; the case reply has none.
            let applied_before = if attempt > 0 {
                match self
                    .conn
                    .get(&format!("/api/v1/cases/{number}/events"), Some(who))
                    .await
                {
                    Ok(r) if r.status.is_success() => {
                        let events = r.json();
                        let events = events.as_array().cloned().unwrap_or_default();
                        Some((
                            events
                                .iter()
                                .any(|e| e["idempotency_key"].as_str() == Some(key.as_str())),
                            events
                                .iter()
                                .filter_map(|e| e["seq"].as_u64())
                                .max()
                                .unwrap_or(0),
                        ))
                    }
                    Ok(_) => None,
                    Err(_) => {
                        if self.over() {
                            bail!("stopped while retrying");
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                }
            } else {
                None
            };
            let t = Instant::now();
            match self
                .conn
                .send(Method::POST, &path, Some(who), Some(&body), Some(&key))
                .await
            {
                Ok(r) if r.status.is_success() => {
                    if attempt == 0 {
                        let _ = self.st.hist.record(t.elapsed().as_micros().max(1) as u64);
                    }
                    let c = CommandView::of(&r)?;
                    let version = c.version;
                    if let Some((true, v_before)) = applied_before {
                        if version != v_before {
                            bail!("retry of {key} on {number} applied again: version {v_before} → {version}");
                        }
                        self.st.deduplicated += 1;
                    }
                    self.st.transitions += 1;
                    self.st.acks.push(Ack {
                        number: number.into(),
                        version,
                        key: Some(key),
                    });
                    return Ok(c);
                }
                Ok(r) => bail!("{command} on {number}: {} {}", r.status, r.text()),
                Err(e) if self.s.retry_transport => {
                    if self.over() && attempt > 200 {
                        return Err(e);
                    }
                    attempt += 1;
                    self.st.retries += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// submit → materials received → accept → the parallel department reviews → decision →
    /// delivery → completion.
    async fn lifecycle(&mut self) -> Result<()> {
        let staff = self.s.staff.clone();
        let c = self.file().await?;
        let number = c.filing.number.clone();
        let materials = c.materials.len();
        for i in 0..materials {
            self.command(
                &staff.clerk,
                &number,
                json!({ "action": "mark_material", "index": i, "status": "received" }),
            )
            .await?;
        }
        let mut c = self
            .command(&staff.clerk, &number, json!({ "action": "accept" }))
            .await?;
        // The running stages: the parallel group first, then the decision and the certificate.
        let mut guard = 0;
        while c.state == "in_review" {
            guard += 1;
            if guard > 10 {
                bail!("{number}: stages do not finish: {:?}", c.running_stages);
            }
            let mut active = active_stages(&c);
            if active.is_empty() {
                // No department stage running: what is left is the decision.
                active.push((0, String::new(), true));
            }
            // The departments work in parallel; their replies reach the case in any order.
            active.shuffle(&mut rand::thread_rng());
            for (i, dept, decision) in active {
                let cmd = if decision {
                    json!({ "action": "decide", "granted": true, "licence_no": format!("B{number}") })
                } else {
                    json!({ "action": "complete_stage", "index": i, "approved": true })
                };
                let who = if decision {
                    &staff.head
                } else {
                    staff.for_department(&dept)?
                };
                c = self.command(who, &number, cmd).await?;
                if decision {
                    break;
                }
            }
        }
        if c.state != "decided" {
            bail!("{number}: expected decided, got {}", c.state);
        }
        self.command(
            &staff.clerk,
            &number,
            json!({ "action": "deliver", "method": "window", "recipient": "张工" }),
        )
        .await?;
        let c = self
            .command(&staff.clerk, &number, json!({ "action": "complete" }))
            .await?;
        if c.state != "completed" {
            bail!("{number}: expected completed, got {}", c.state);
        }
        Ok(())
    }
}

/// The fields of the filing reply (the whole case) the load drives by, read straight from the
/// bytes: a parse into a `serde_json::Value` of the whole ~4 kB case cost the client 86–99 µs a
/// transition (issue 18), on the same two cores as the server it measures.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct CaseView {
    version: u64,
    filing: FilingView,
    #[serde(default)]
    materials: Vec<serde::de::IgnoredAny>,
}

#[derive(Debug, serde::Deserialize)]
struct FilingView {
    number: String,
}

impl CaseView {
    fn of(r: &crate::http::Reply) -> Result<CaseView> {
        serde_json::from_slice(&r.body).with_context(|| format!("not a case: {}", r.text()))
    }
}

/// A command's compact reply (the API's default): state, version and the running stages.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct CommandView {
    version: u64,
    state: String,
    #[serde(default)]
    running_stages: Vec<StageView>,
}

#[derive(Debug, serde::Deserialize)]
struct StageView {
    index: usize,
    name: String,
    department: String,
}

impl CommandView {
    fn of(r: &crate::http::Reply) -> Result<CommandView> {
        serde_json::from_slice(&r.body)
            .with_context(|| format!("not a command reply: {}", r.text()))
    }
}

/// Running stages as (index, department, is the decision stage).
fn active_stages(c: &CommandView) -> Vec<(usize, String, bool)> {
    c.running_stages
        .iter()
        .map(|s| (s.index, s.department.clone(), s.name.contains("决定")))
        .collect()
}

/// Runs `clients` workers until the deadline (or `stop`) and merges what they saw.
pub async fn run(settings: Arc<Settings>, clients: usize) -> WorkerStats {
    let mut tasks = tokio::task::JoinSet::new();
    for id in 0..clients {
        let s = settings.clone();
        tasks.spawn(async move {
            let mut w = Worker {
                s: &s,
                conn: s.client.connection(),
                id,
                seq: 0,
                st: WorkerStats::new(),
            };
            while !w.over() {
                match w.lifecycle().await {
                    Ok(()) => w.st.cases += 1,
                    Err(e) => {
                        if w.over() && w.s.retry_transport {
                            break;
                        }
                        w.st.errors += 1;
                        if w.st.first_errors.len() < 3 {
                            w.st.first_errors.push(format!("{e:#}"));
                        }
                        // Do not spin on a persistent error.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
            w.st
        });
    }
    let mut all = WorkerStats::new();
    while let Some(r) = tasks.join_next().await {
        if let Ok(st) = r {
            all.merge(st);
        }
    }
    all
}

/// Refills `sem` at `rate` permits per second until `stop`.
pub fn spawn_pacer(rate: f64, stop: Arc<AtomicBool>) -> Arc<Semaphore> {
    let sem = Arc::new(Semaphore::new(0));
    let s = sem.clone();
    tokio::spawn(async move {
        let start = Instant::now();
        let mut given = 0f64;
        let mut tick = tokio::time::interval(Duration::from_millis(1));
        while !stop.load(Ordering::Relaxed) {
            tick.tick().await;
            let due = start.elapsed().as_secs_f64() * rate;
            let n = (due - given).floor();
            if n >= 1.0 {
                // Cap the backlog: a stalled server must not be flooded afterwards.
                s.add_permits((n as usize).min(1000));
                given += n;
            }
        }
        s.close();
    });
    sem
}
