//! Historical cases written straight through the store: real events sealed by `domain::case`
//! (the same decide/seal path the server uses), stored with `import_cases` a hundred at a time
//! (one writer job or one transaction each), several batches in flight.

use anyhow::{anyhow, Context, Result};
use app::Services as AppState;
use chrono::{Duration, TimeZone, Utc};
use domain::case::{
    self, Actor, Applicant, ApplicantKind, Case, CaseEvent, Channel, Command, Filing, ItemTerms,
};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub struct Generated {
    pub cases: u64,
    pub open: u64,
    pub seconds: f64,
}

struct Ctx {
    state: AppState,
    item: domain::catalog::CatalogItem,
    cal: domain::calendar::WorkingCalendar,
    clerk: Actor,
    reviewers: Vec<(String, Actor)>,
    head: Actor,
    rules: Vec<domain::supervision::WarningRule>,
    /// Share of the cases left open (accepted, in review): the supervision scan's work.
    open_every: u64,
    /// How many cases the whole run generates (spread over the year in number order).
    n: u64,
}

async fn actor(state: &AppState, username: &str) -> Result<Actor> {
    let u = state
        .store
        .find_user(username)
        .await?
        .ok_or_else(|| anyhow!("demo user {username} missing"))?;
    app::cases::actor_for_user(state, &u)
        .await
        .map_err(|e| anyhow!("{e}"))
}

/// Generates `n` cases of the joint item at 云溪县 over the past year; one in `open_every` stays
/// in review (with its deadline rows, so the warning scan sees it), the rest complete.
pub async fn generate(
    state: AppState,
    n: u64,
    open_every: u64,
    workers: usize,
) -> Result<Generated> {
    let item = state
        .store
        .get_published(demo::ITEM_CONSTRUCTION_PERMIT)
        .await?
        .context("demo item missing: load the demo first")?;
    let place = domain::RegionCode::parse(demo::COUNTY).map_err(|e| anyhow!("{e}"))?;
    let cal = state
        .calendar_for(&place)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let mut reviewers = vec![];
    for d in ["zrzy", "xf", "zj"] {
        reviewers.push((
            d.to_string(),
            actor(&state, &format!("rev.yunxi.{d}")).await?,
        ));
    }
    let ctx = Arc::new(Ctx {
        clerk: actor(&state, "clerk.yunxi.zj").await?,
        head: actor(&state, "head.yunxi.zj").await?,
        rules: app::supervision::rules(&state)
            .await
            .map_err(|e| anyhow!("{e}"))?,
        reviewers,
        item,
        cal: (*cal).clone(),
        state,
        open_every: open_every.max(1),
        n: n.max(1),
    });
    let bar = ProgressBar::new(n);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("historical cases");
    let next = Arc::new(AtomicU64::new(0));
    let opened = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers.max(1) {
        let (ctx, next, bar, opened) = (ctx.clone(), next.clone(), bar.clone(), opened.clone());
        tasks.spawn(async move {
            loop {
                let first = next.fetch_add(BATCH, Ordering::Relaxed);
                if first >= n {
                    return Ok::<(), anyhow::Error>(());
                }
                let last = (first + BATCH).min(n);
                let mut batch = Vec::with_capacity((last - first) as usize);
                for i in first..last {
                    let (case, open) = one(&ctx, i)?;
                    if open {
                        opened.fetch_add(1, Ordering::Relaxed);
                    }
                    batch.push(case);
                }
                ctx.state.store.import_cases(&batch).await?;
                bar.inc(last - first);
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    bar.finish();
    Ok(Generated {
        cases: n,
        open: opened.load(Ordering::Relaxed),
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn step(
    c: &mut Case,
    events: &mut Vec<CaseEvent>,
    actor: &Actor,
    cmd: Command,
    at: chrono::DateTime<Utc>,
    cal: &domain::calendar::WorkingCalendar,
) -> Result<()> {
    let d = case::decide(c, &cmd, actor, at, cal).map_err(|e| anyhow!("{cmd:?}: {e}"))?;
    let sealed = case::seal(
        case::Suite::Intl,
        &c.filing.number,
        c.version,
        &c.last_hash,
        at,
        &d.actor,
        "",
        &[],
        d.events,
    );
    for e in &sealed {
        c.apply(e);
    }
    events.extend(sealed);
    Ok(())
}

/// Cases per `import_cases` call: one writer job (SQLite) or one transaction (PostgreSQL) each.
const BATCH: u64 = 100;

/// Builds case `i`; true when it is left open.
fn one(ctx: &Ctx, i: u64) -> Result<(store::ImportedCase, bool)> {
    // Day 365..=1 back, so numbers never meet the live run's (today's) numbers; the sequence
    // within a day follows from i, from 50000 up so the demo's own cases (low sequences) are
    // never met either: unique without a counter round trip, up to 10,000,000 cases. Completed
    // cases come in number order (oldest day first, i's of one day together), as a city's history
    // did: every index keyed by the number grows at its end instead of at random places.
    // Open cases were filed in the last 60 days (a long-open case is the exception), so the scan
    // sees a realistic mix: not yet warned, yellow, red. Their sequences start at 80000 so they
    // never meet a completed case's (below 80000 up to 10,000,000 cases over the year).
    let open = i.is_multiple_of(ctx.open_every);
    let (days_back, seq) = if open {
        let j = i / ctx.open_every;
        (1 + (j % 60) as i64, 80_000 + j / 60)
    } else {
        let day = i * 365 / ctx.n;
        let first_of_day = (day * ctx.n).div_ceil(365);
        (365 - day as i64, 50_000 + (i - first_of_day))
    };
    let base = Utc::now().date_naive() - Duration::days(days_back);
    let at = Utc.from_utc_datetime(&base.and_hms_opt(1, 30, 0).unwrap_or_default())
        + Duration::seconds((i % 20_000) as i64);
    let place = domain::RegionCode::parse(demo::COUNTY).map_err(|e| anyhow!("{e}"))?;
    let number = case::CaseNumber::compose(&place, case::local_date(at), seq).to_string();
    let item = &ctx.item;
    let filing = Filing {
        number: number.clone(),
        // Nine characters: the server's own codes have eight, so they can never collide.
        query_code: format!("H{i:08}"),
        channel: Channel::Window,
        applicant: Applicant {
            kind: ApplicantKind::Enterprise,
            name: format!("历史企业{}", i % 1000),
            id_number: domain::identity::complete_credit_code("91339921MA2C0JP5L")
                .unwrap_or_default(),
            phone: "13905781030".into(),
            user_id: None,
        },
        item: ItemTerms::of(item),
        decide_place: place.ancestor(item.decide_level.min(place.implied_level())),
        place: place.clone(),
        applicant_region: place.clone(),
        agent_user_id: None,
        form: json!({}),
        suite: Default::default(),
    };
    let cal = &ctx.cal;
    let who = case::ActorRef {
        user_id: ctx.clerk.user_id,
        name: ctx.clerk.name.clone(),
        role: ctx.clerk.roles.first().map(|r| r.role),
        place: Some(place.clone()),
    };
    let kinds = case::open(filing, at, cal);
    let mut events = case::seal(
        case::Suite::Intl,
        &number,
        0,
        case::GENESIS_HASH,
        at,
        &who,
        "",
        &[],
        kinds,
    );
    let mut c = Case::replay(&events).context("open starts with Filed")?;
    let mut t = at;
    for m in 0..c.materials.len() {
        t += Duration::minutes(1);
        let cmd = Command::MarkMaterial {
            index: m,
            status: case::MaterialStatus::Received,
            reason: String::new(),
        };
        step(&mut c, &mut events, &ctx.clerk, cmd, t, cal)?;
    }
    step(&mut c, &mut events, &ctx.clerk, Command::Accept, t, cal)?;
    if !open {
        let mut guard = 0;
        while c.state == case::CaseState::InReview && guard < 10 {
            guard += 1;
            t += Duration::hours(2);
            let active = c.active_stages();
            // No department stage running: what is left is the decision (and its certificate).
            if active
                .first()
                .is_none_or(|&i| c.stages[i].name.contains("决定"))
            {
                let cmd = Command::Decide {
                    granted: true,
                    reasons: String::new(),
                    licence_no: Some(format!("H{number}")),
                };
                step(&mut c, &mut events, &ctx.head, cmd, t, cal)?;
                break;
            }
            for idx in active {
                let dept = c.stages[idx].department.clone();
                let (_, a) = ctx
                    .reviewers
                    .iter()
                    .find(|(d, _)| *d == dept)
                    .context("reviewer")?;
                let cmd = Command::CompleteStage {
                    index: idx,
                    approved: true,
                    opinion: String::new(),
                };
                step(&mut c, &mut events, a, cmd, t, cal)?;
            }
        }
        t += Duration::hours(1);
        let cmd = Command::Deliver {
            method: case::DeliveryMethod::Window,
            recipient: "历史".into(),
        };
        step(&mut c, &mut events, &ctx.clerk, cmd, t, cal)?;
        step(&mut c, &mut events, &ctx.clerk, Command::Complete, t, cal)?;
    }
    // One write per case. An open case gets its deadline rows but no warnings: raising them is
    // the benchmark's full scan's work.
    let outcome = if open {
        None
    } else {
        app::supervision::outcome_record(&ctx.state, &c, &events, &ctx.rules)
    };
    let effects = store::SideEffects {
        outcome,
        supervision: open.then(|| store::SupervisionChange {
            rows: domain::supervision::deadline_rows(&c, &ctx.rules, cal),
            open: vec![],
            at: t,
        }),
        ..Default::default()
    };
    Ok((
        store::ImportedCase {
            case: c,
            events,
            effects,
        },
        open,
    ))
}
