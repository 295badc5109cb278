//! What every use case works with (issue 15, part 1): the store, the clock, the notifier, the
//! caches (working calendars, warning rules, department codes, the search index, past months'
//! figures) kept true across servers, and the settings. Cheap to clone: everything is shared.
//! Transports hold one (`web` as its axum state, the command line, the demo loader, the bench).

use chrono::{DateTime, NaiveDate, Utc};
use domain::calendar::WorkingCalendar;
use domain::RegionCode;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use store::Store;

/// Time comes through this trait so tests and supervision can move it without sleeping.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    /// Today's date in Asia/Shanghai (UTC+8, no daylight saving), where deadlines live.
    fn today(&self) -> NaiveDate {
        domain::time::local_date(self.now())
    }
}

pub struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Real time shifted by a fixed offset: a demo or a browser test can run "as of" another day
/// (`YIZHAN_NOW`) while time still passes.
pub struct OffsetClock(pub chrono::Duration);
impl OffsetClock {
    /// A clock whose `now()` is `at` at the moment of creation.
    pub fn starting_at(at: DateTime<Utc>) -> Self {
        OffsetClock(at - Utc::now())
    }
}
impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.0
    }
}

/// A clock that tests set by hand.
pub struct ManualClock(pub RwLock<DateTime<Utc>>);
impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        ManualClock(RwLock::new(at))
    }
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.write().expect("clock lock") = at;
    }
    pub fn advance(&self, d: chrono::Duration) {
        let mut g = self.0.write().expect("clock lock");
        *g += d;
    }
}
impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.read().expect("clock lock")
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Marks cookies `Secure`. Browsers accept Secure cookies on http://localhost; turn it off only
    /// for a plain-HTTP intranet deployment behind no TLS.
    pub cookie_secure: bool,
    /// A session's absolute lifetime.
    pub session_hours: i64,
    /// Minutes without a request after which a staff member's session ends, and an applicant's.
    pub session_idle_minutes: i64,
    pub applicant_idle_minutes: i64,
    /// Base delay after a failed login; it grows with each consecutive failure.
    pub login_delay_ms: u64,
    /// Failures within `lock_minutes` that lock an account for the source they came from, and
    /// for how long (`domain::sign_in`).
    pub lock_after: u32,
    pub lock_minutes: i64,
    /// Failures within `lock_minutes` from one source over all accounts that stop that source.
    pub source_lock_after: u32,
    /// Days a staff password is good for (0: no expiry); an expired one must be changed.
    pub password_expiry_days: i64,
    /// Roles whose accounts must present a second factor at sign-in (`domain::second_factor`).
    pub second_factor_roles: Vec<domain::Role>,
    pub data_dir: PathBuf,
    /// The address people reach the platform at (no trailing slash): every QR code on an official
    /// notice and every link in a message is built on it; `https://` turns on HSTS.
    pub public_url: String,
    /// Days the audit log is kept at least (网络安全法 art. 21: six months; never less than 183).
    pub audit_retention_days: i64,
}

impl Settings {
    /// How long sessions live without activity.
    pub fn session_timeouts(&self) -> domain::sign_in::SessionTimeouts {
        domain::sign_in::SessionTimeouts {
            staff_idle: chrono::Duration::minutes(self.session_idle_minutes),
            applicant_idle: chrono::Duration::minutes(self.applicant_idle_minutes),
        }
    }

    /// The limit of an account's counters (passwords from one source, second-factor codes):
    /// `lock_after` failures within `lock_minutes` lock it for `lock_minutes`.
    pub fn account_limit(&self) -> domain::sign_in::Limit {
        self.limit(self.lock_after)
    }

    /// `max_failures` within `lock_minutes`, locking for `lock_minutes`.
    pub fn limit(&self, max_failures: u32) -> domain::sign_in::Limit {
        let window = chrono::Duration::minutes(self.lock_minutes);
        domain::sign_in::Limit {
            max_failures,
            window,
            lock: window,
        }
    }

    /// Whether people reach the platform over HTTPS (then browsers are told to stay on it).
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            cookie_secure: true,
            session_hours: 12,
            session_idle_minutes: 30,
            applicant_idle_minutes: 120,
            login_delay_ms: 300,
            lock_after: 5,
            lock_minutes: 15,
            source_lock_after: 20,
            password_expiry_days: 90,
            second_factor_roles: domain::second_factor::DEFAULT_ROLES.to_vec(),
            data_dir: PathBuf::from("yizhan-data"),
            public_url: "http://127.0.0.1:8080".to_string(),
            audit_retention_days: 183,
        }
    }
}

#[derive(Clone)]
pub struct Services {
    pub store: Arc<dyn Store>,
    pub calendar: Arc<RwLock<WorkingCalendar>>,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Settings>,
    pub notifier: Arc<dyn Notifier>,
    /// Tells live views (SSE) that cases or warnings changed.
    pub changes: tokio::sync::broadcast::Sender<u64>,
    /// Identifies this process when it takes leases.
    pub instance: String,
    /// Chinese search over the published catalog, rebuilt when the catalog or synonyms change.
    pub search: Arc<RwLock<Arc<search::SearchIndex>>>,
    /// Read-mostly data every command needs, cached so the write path does no extra reads:
    /// local closures per region, department codes by id, the warning rules.
    pub caches: Arc<Caches>,
    /// The database's crypto suite: new cases' logs are chained with its hash.
    pub suite: crypto::Suite,
    /// Signs checkpoints; the store seals personal data with the same keys (it is the store's
    /// provider: `store::vault`).
    pub crypto: Arc<dyn crypto::CryptoProvider>,
}

pub struct Caches {
    /// Each region's calendar (the schedule with its and its ancestors' closures), built once:
    /// every command and every warning computation needs one.
    pub closures: RwLock<std::collections::HashMap<RegionCode, Arc<WorkingCalendar>>>,
    pub department_codes: RwLock<std::collections::HashMap<i64, Option<String>>>,
    pub rules: RwLock<Option<Vec<domain::supervision::WarningRule>>>,
    /// The public figures of months already over, by their first day: a case is received and
    /// completed on the day it happens, so a past month's figures no longer change, and the public
    /// page does not recount a busy month on every visit.
    pub past_months:
        RwLock<std::collections::HashMap<chrono::NaiveDate, Arc<Vec<store::PeriodFigure>>>>,
    /// Cases this process last wrote, as written: the next command on the same case starts from
    /// here instead of reading and decoding the snapshot again (issue 18). Only commands use it,
    /// and the write's version check catches an entry another server or process made stale (the
    /// command then runs again on the stored case), so no reader ever sees a stale case.
    pub hot_cases: std::sync::Mutex<std::collections::HashMap<String, domain::case::Case>>,
    /// The `cache_versions` this process loaded its caches at: a version that differs means another
    /// server (or a command-line run) changed the table, and the caches built on it are reloaded.
    pub versions: tokio::sync::Mutex<std::collections::HashMap<String, i64>>,
    /// Counts refreshes that found a change (tests wait on it instead of sleeping).
    pub refreshed: tokio::sync::watch::Sender<u64>,
    /// Bumped by every [`Caches::clear`]: a reader notes it before its database read and keeps what
    /// it read only if no clear happened meanwhile, so a read that raced a change cannot put the
    /// old value back ([`Caches::keep_if_current`]).
    pub generation: std::sync::atomic::AtomicU64,
    /// Signed-in sessions with their users, while no account changed (`session_cache`).
    pub sessions: crate::session_cache::SessionCache,
    /// The portal's name and footer (`portal`), read by every page.
    pub portal: RwLock<Option<Arc<crate::portal::Portal>>>,
    /// Filings by item, with when they were counted (`portal::popular_items`).
    #[allow(clippy::type_complexity)]
    pub popular: std::sync::Mutex<Option<(std::time::Instant, Arc<Vec<(String, i64)>>)>>,
}

/// How many recently written cases a process keeps: the cases in work at once (a window's clerk
/// has one or two open; 64 load clients 64), at 10–20 kB each in memory.
pub const HOT_CASES: usize = 512;

impl Default for Caches {
    fn default() -> Self {
        Caches {
            closures: Default::default(),
            department_codes: Default::default(),
            rules: Default::default(),
            past_months: Default::default(),
            hot_cases: Default::default(),
            versions: Default::default(),
            refreshed: tokio::sync::watch::channel(0).0,
            generation: Default::default(),
            sessions: Default::default(),
            portal: Default::default(),
            popular: Default::default(),
        }
    }
}

impl Caches {
    /// The current generation, to note before reading what is to be cached.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Runs `keep` (which stores a value read at generation `read_at`) unless a clear happened since.
    pub fn keep_if_current(&self, read_at: u64, keep: impl FnOnce()) {
        if self.generation() == read_at {
            keep();
        }
    }

    /// The case as this process last wrote it, if it is among the hot ones.
    pub fn hot_case(&self, number: &str) -> Option<domain::case::Case> {
        self.hot_cases
            .lock()
            .expect("cache lock")
            .get(number)
            .cloned()
    }

    /// Remembers a case just written. Bounded: at `HOT_CASES` the whole set starts again (cases in
    /// work are written every few seconds and come straight back).
    pub fn keep_hot(&self, case: &domain::case::Case) {
        let mut hot = self.hot_cases.lock().expect("cache lock");
        if hot.len() >= HOT_CASES && !hot.contains_key(case.filing.number.as_str()) {
            hot.clear();
        }
        hot.insert(case.filing.number.as_str().to_string(), case.clone());
    }

    /// Forgets a case (its write failed: what is kept may be stale).
    pub fn forget_hot(&self, number: &str) {
        self.hot_cases.lock().expect("cache lock").remove(number);
    }

    /// Forgets everything (after the calendar, closures or rules change).
    pub fn clear(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        self.closures.write().expect("cache lock").clear();
        *self.rules.write().expect("cache lock") = None;
        self.past_months.write().expect("cache lock").clear();
    }
}

impl Services {
    /// Builds the state and loads the calendar from the store. The crypto provider is the store's
    /// (`MetaStore::vault`); one whose suite is not the database's is refused, never mixed.
    pub async fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: Settings,
    ) -> Result<Self, store::StoreError> {
        let crypto = store.vault().crypto().clone();
        let state = Services {
            store,
            calendar: Arc::new(RwLock::new(WorkingCalendar::default())),
            clock,
            config: Arc::new(config),
            notifier: Arc::new(LogNotifier),
            changes: tokio::sync::broadcast::channel(64).0,
            instance: format!("{}-{:016x}", std::process::id(), rand::random::<u64>()),
            search: Arc::new(RwLock::new(Arc::new(search::SearchIndex::build(&[], &[])))),
            caches: Arc::new(Caches::default()),
            suite: Default::default(),
            crypto,
        };
        // Versions first: a change committed while loading shows as a newer version next time.
        let versions = state.store.cache_versions().await?;
        let suite = state
            .store
            .record_suite()
            .await?
            .unwrap_or(state.crypto.suite());
        if suite != state.crypto.suite() {
            return Err(store::StoreError::Backend(
                crypto::CryptoError::SuiteMismatch {
                    found: suite,
                    configured: state.crypto.suite(),
                }
                .to_string(),
            ));
        }
        let state = Services { suite, ..state };
        state.reload_calendar().await?;
        state.reload_search().await?;
        *state.caches.versions.lock().await = versions.into_iter().collect();
        Ok(state)
    }

    /// Reloads whatever a change elsewhere made stale: compares the store's `cache_versions` with
    /// those this process loaded at and reloads the caches built on each changed table. Returns
    /// the changed names. Called every second and on every `NOTIFY` by `jobs::watch_caches`.
    pub async fn refresh_caches(&self) -> Result<Vec<String>, store::StoreError> {
        // Held throughout, so two refreshes never interleave their reloads.
        let mut seen = self.caches.versions.lock().await;
        let current = self.store.cache_versions().await?;
        let changed: Vec<String> = current
            .iter()
            .filter(|(name, v)| seen.get(name) != Some(v))
            .map(|(name, _)| name.clone())
            .collect();
        if changed.is_empty() {
            return Ok(changed);
        }
        let is = |names: &[&str]| changed.iter().any(|c| names.contains(&c.as_str()));
        let rules = format!("setting:{RULES_SETTING}");
        let synonyms = format!("setting:{SYNONYMS_SETTING}");
        if is(&["calendar", "closures"]) {
            // Clears the closures, rules and past months too.
            self.reload_calendar().await?;
        }
        if is(&[rules.as_str()]) {
            // A clear, not a reset: it also turns away a rules read that raced this change.
            self.caches.clear();
        }
        if is(&["departments"]) {
            self.caches
                .department_codes
                .write()
                .expect("cache lock")
                .clear();
        }
        if is(&["accounts"]) {
            self.caches.sessions.changed_elsewhere();
        }
        if is(&[format!("setting:{}", crate::portal::PORTAL_SETTING).as_str()]) {
            crate::portal::reload(self)
                .await
                .map_err(|e| store::StoreError::Backend(e.to_string()))?;
        }
        if is(&["catalog", synonyms.as_str()]) {
            self.reload_search().await?;
        }
        *seen = current.into_iter().collect();
        self.caches.refreshed.send_modify(|n| *n += 1);
        Ok(changed)
    }

    /// Wakes live views; nobody listening is fine.
    pub fn notify_change(&self) {
        let _ = self
            .changes
            .send(self.clock.now().timestamp_millis() as u64);
    }

    /// Administrators' synonyms for search (开店 → 个体工商户).
    pub async fn synonyms(&self) -> Result<Vec<(String, Vec<String>)>, store::StoreError> {
        Ok(match self.store.get_setting(SYNONYMS_SETTING).await? {
            Some(json) => serde_json::from_str(&json).unwrap_or_default(),
            None => default_synonyms(),
        })
    }

    pub async fn reload_search(&self) -> Result<(), store::StoreError> {
        let items = self
            .store
            .list_items(&store::ItemFilter {
                statuses: vec![domain::catalog::ItemStatus::Published],
                ..Default::default()
            })
            .await?;
        let index = search::SearchIndex::build(&items, &self.synonyms().await?);
        *self.search.write().expect("search lock") = Arc::new(index);
        Ok(())
    }

    pub fn search_index(&self) -> Arc<search::SearchIndex> {
        self.search.read().expect("search lock").clone()
    }

    /// Reads the schedule, then swaps it in and forgets what was built on the old one (in that
    /// order, so nothing can be built on the old schedule after the clear).
    pub async fn reload_calendar(&self) -> Result<(), store::StoreError> {
        let days = self.store.list_calendar_days().await?;
        *self.calendar.write().expect("calendar lock") = WorkingCalendar::new(days);
        self.caches.clear();
        Ok(())
    }

    pub fn calendar(&self) -> WorkingCalendar {
        self.calendar.read().expect("calendar lock").clone()
    }

    /// The calendar a region works by: the network's schedule plus closures of it and its ancestors.
    pub async fn calendar_for(
        &self,
        region: &RegionCode,
    ) -> Result<Arc<WorkingCalendar>, store::StoreError> {
        let cached = self
            .caches
            .closures
            .read()
            .expect("cache lock")
            .get(region)
            .cloned();
        if let Some(c) = cached {
            return Ok(c);
        }
        let read_at = self.caches.generation();
        let dates: Vec<NaiveDate> = self
            .store
            .closures_affecting(region)
            .await?
            .into_iter()
            .map(|c| c.date)
            .collect();
        let cal = Arc::new(self.calendar().with_closures(dates));
        self.caches.keep_if_current(read_at, || {
            self.caches
                .closures
                .write()
                .expect("cache lock")
                .insert(region.clone(), cal.clone());
        });
        Ok(cal)
    }
}

pub const SYNONYMS_SETTING: &str = "search_synonyms";
/// The warning rules supervisors maintain (JSON); the defaults apply until they do.
pub const RULES_SETTING: &str = "warning_rules";

/// Sends applicants their notices. The default only logs that a message went out (to a masked
/// number, without its text: notices carry query codes); a deployment plugs in its SMS gateway.
pub trait Notifier: Send + Sync {
    fn sms(&self, phone: &str, text: &str);
    fn email(&self, to: &str, subject: &str, body: &str);
}

pub struct LogNotifier;
impl Notifier for LogNotifier {
    fn sms(&self, phone: &str, text: &str) {
        tracing::info!(
            to = %domain::identity::mask_phone(phone),
            chars = text.chars().count(),
            "sms sent"
        );
    }
    fn email(&self, to: &str, _subject: &str, _body: &str) {
        tracing::info!(to = %domain::identity::mask_email(to), "email sent");
    }
}

/// Common everyday words for items, until administrators maintain their own.
pub fn default_synonyms() -> Vec<(String, Vec<String>)> {
    [
        ("开店", vec!["个体工商户", "营业执照"]),
        ("低保", vec!["最低生活保障"]),
        ("盖房", vec!["建房", "宅基地"]),
        ("生孩子", vec!["生育"]),
        ("上户口", vec!["户口", "户籍"]),
        ("结婚", vec!["婚姻登记"]),
        ("开饭店", vec!["食品经营许可"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect()
}
