//! Shared application state: the store, the working calendar, the clock and settings.

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
        (self.now() + chrono::Duration::hours(8)).date_naive()
    }
}

pub struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
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
pub struct Config {
    /// Marks cookies `Secure`. Browsers accept Secure cookies on http://localhost; turn it off only
    /// for a plain-HTTP intranet deployment behind no TLS.
    pub cookie_secure: bool,
    pub session_hours: i64,
    /// Base delay after a failed login; it grows with each consecutive failure.
    pub login_delay_ms: u64,
    /// Consecutive failures that lock an account, and for how long.
    pub lock_after: u32,
    pub lock_minutes: i64,
    pub data_dir: PathBuf,
    /// Address shown in printed documents and QR codes.
    pub public_url: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            cookie_secure: true,
            session_hours: 12,
            login_delay_ms: 300,
            lock_after: 5,
            lock_minutes: 15,
            data_dir: PathBuf::from("yizhan-data"),
            public_url: "http://127.0.0.1:8080".to_string(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub calendar: Arc<RwLock<WorkingCalendar>>,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    pub notifier: Arc<dyn crate::cases::Notifier>,
}

impl AppState {
    /// Builds the state and loads the calendar from the store.
    pub async fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: Config,
    ) -> Result<Self, store::StoreError> {
        let state = AppState {
            store,
            calendar: Arc::new(RwLock::new(WorkingCalendar::default())),
            clock,
            config: Arc::new(config),
            notifier: Arc::new(crate::cases::LogNotifier),
        };
        state.reload_calendar().await?;
        Ok(state)
    }

    pub async fn reload_calendar(&self) -> Result<(), store::StoreError> {
        let days = self.store.list_calendar_days().await?;
        *self.calendar.write().expect("calendar lock") = WorkingCalendar::new(days);
        Ok(())
    }

    pub fn calendar(&self) -> WorkingCalendar {
        self.calendar.read().expect("calendar lock").clone()
    }

    /// The calendar a region works by: the network's schedule plus closures of it and its ancestors.
    pub async fn calendar_for(
        &self,
        region: &RegionCode,
    ) -> Result<WorkingCalendar, store::StoreError> {
        let closures = self.store.closures_affecting(region).await?;
        Ok(self
            .calendar()
            .with_closures(closures.into_iter().map(|c| c.date)))
    }
}
