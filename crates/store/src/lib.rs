//! Storage traits, one per aggregate, implemented by `store-sqlite` and `store-postgres`.
//! The conformance suite in [`conformance`] is written once and run against both backends.

pub mod codec;
/// Compiled only for tests and for crates that ask for it (`features = ["conformance"]`, the
/// backends' dev-dependencies), so the production binary does not carry the suite.
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
pub mod credentials;
pub mod listing;
pub mod migrations;
pub mod record;
pub mod stored;
pub mod vault;
pub mod write_plan;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Grant, Scope};
use domain::calendar::CalendarDay;
use domain::catalog::{CatalogItem, ItemStatus};
use domain::region::{Department, Region, RegionCode, ServicePlace};
use domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// An expected conflict (a unique key, a published version) with a Chinese message.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// Anything unexpected from the engine; logged, shown to users as an opaque 500.
    #[error("storage backend error: {0}")]
    Backend(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A user account. Staff and applicants alike; roles come from `grants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub phone: String,
    /// The region the account belongs to; list views of users are scoped by it.
    pub home_region: RegionCode,
    #[serde(skip_serializing)]
    pub password_hash: String,
    pub active: bool,
    pub failed_logins: u32,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub grants: Vec<Grant>,
    /// The ID number (or credit code) an applicant registered with; `None` for staff. Stored sealed,
    /// unique among accounts by its blind index.
    #[serde(skip_serializing)]
    pub id_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub phone: String,
    pub home_region: RegionCode,
    pub password_hash: String,
    pub grants: Vec<Grant>,
    /// An applicant's ID number (or credit code), normalised; one account per number.
    pub id_number: Option<String>,
}

/// The `Conflict` of an ID number that already has an account.
pub fn id_number_taken() -> StoreError {
    StoreError::Conflict {
        code: "id_number_taken",
        message: "该证件号码已注册账户,请用原账户登录或找回密码".into(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie token (hex); the token itself is never stored.
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    /// The absolute end; the idle timeout is counted from `last_seen_at`.
    pub expires_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The client's address at sign-in.
    pub source: String,
    /// The password must be changed before anything else is done with this session.
    pub password_change_due: bool,
    /// The password was right but the second factor is still to come (`domain::second_factor`):
    /// until it is, the session may do nothing but present it, or enrol one.
    pub second_factor_due: bool,
}

/// A local closure of one region's places (the region and its subtree are closed that day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    pub region_code: RegionCode,
    pub date: NaiveDate,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemFilter {
    /// Only these statuses (empty = any).
    pub statuses: Vec<ItemStatus>,
    /// Only items owned inside this scope.
    pub scope: Option<Scope>,
    /// Only this handling department code.
    pub department: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Tables, columns, indexes and constraints of a database, by name only, so the two
/// backends' migrations can be compared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SchemaDescription {
    /// table → column names
    pub tables: BTreeMap<String, BTreeSet<String>>,
    /// index names (explicitly created ones; engine-internal ones excluded)
    pub indexes: BTreeSet<String>,
    /// `table.kind(columns)`, e.g. `users.unique(username)`, `places.fk(region_code)`
    pub constraints: BTreeSet<String>,
}

#[async_trait]
pub trait RegionStore: Send + Sync {
    /// Inserts or replaces a region (validation of the tree is the caller's, via `Region::validate`).
    async fn put_region(&self, region: &Region) -> Result<()>;
    async fn get_region(&self, code: &RegionCode) -> Result<Option<Region>>;
    /// Regions inside `scope`, ordered by code.
    async fn list_regions(&self, scope: &Scope) -> Result<Vec<Region>>;
    async fn children(&self, code: &RegionCode) -> Result<Vec<Region>>;
}

#[async_trait]
pub trait PlaceStore: Send + Sync {
    /// Inserts or replaces the place of `place.region_code` (one per region). The region must exist.
    async fn put_place(&self, place: &ServicePlace) -> Result<()>;
    async fn get_place(&self, region: &RegionCode) -> Result<Option<ServicePlace>>;
    async fn list_places(&self, scope: &Scope) -> Result<Vec<ServicePlace>>;
    /// Creates a department; `(region_code, code)` is unique. Returns its id.
    async fn create_department(&self, region: &RegionCode, code: &str, name: &str) -> Result<i64>;
    async fn get_department(&self, id: i64) -> Result<Option<Department>>;
    async fn list_departments(&self, scope: &Scope) -> Result<Vec<Department>>;
}

/// Counts the changes this store handle made to accounts (users, their grants, sessions ended), so
/// a process can cache signed-in sessions and drop them the moment one changes: the count moves
/// after the change commits and before the call that made it returns. Other servers learn of the
/// change through the `accounts` row of `cache_versions` (triggers of migration 0023).
#[derive(Debug, Default, Clone)]
pub struct AccountsVersion(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl AccountsVersion {
    pub fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Moves the count when the guard drops — at the end of the changing call, after its commit,
    /// on every path out of it (an error too: a commit whose outcome is unknown may have landed).
    pub fn bump_on_drop(&self) -> AccountsChange<'_> {
        AccountsChange(self)
    }
}

pub struct AccountsChange<'a>(&'a AccountsVersion);

impl Drop for AccountsChange<'_> {
    fn drop(&mut self) {
        self.0 .0.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// How many account changes this handle has made (see [`AccountsVersion`]); a session
    /// cached under another count is stale. Creating a session and recording activity do not count:
    /// neither can make a cached session wrong.
    fn accounts_version(&self) -> u64;
    /// Creates a user; a taken username is `Conflict { code: "username_taken" }`.
    async fn create_user(&self, user: &NewUser) -> Result<i64>;
    async fn get_user(&self, id: i64) -> Result<Option<User>>;
    async fn find_user(&self, username: &str) -> Result<Option<User>>;
    /// Users whose home region is inside `scope`, ordered by username.
    async fn list_users(&self, scope: &Scope) -> Result<Vec<User>>;
    async fn set_grants(&self, user_id: i64, grants: &[Grant]) -> Result<()>;
    async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<()>;
    async fn set_active(&self, user_id: i64, active: bool) -> Result<()>;
    /// Changes a user's name, phone and home region (the people page's edit).
    async fn update_profile(
        &self,
        user_id: i64,
        display_name: &str,
        phone: &str,
        home_region: &RegionCode,
    ) -> Result<()>;
    /// Records a failed login; returns the new consecutive failure count.
    async fn record_login_failure(
        &self,
        user_id: i64,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<u32>;
    /// Clears failures and lock after a successful login.
    async fn clear_login_failures(&self, user_id: i64) -> Result<()>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn create_session(&self, session: &Session) -> Result<()>;
    /// A session that exists and has not expired at `now`.
    async fn get_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// Deletes every session of a user (password change, deactivation).
    async fn delete_user_sessions(&self, user_id: i64) -> Result<()>;
    async fn purge_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64>;
}

#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Saves a draft version. Inserting a new `(code, version)` or replacing an existing draft is
    /// allowed; changing a published or superseded version is `Conflict { code: "version_frozen" }`.
    /// The item must already be valid (`CatalogItem::validate`).
    async fn save_draft(&self, item: &CatalogItem) -> Result<()>;
    /// Publishes a draft version; the previously published version becomes superseded, in one
    /// transaction. Publishing a non-draft is `Conflict { code: "not_a_draft" }`.
    async fn publish(&self, code: &str, version: u32, at: DateTime<Utc>) -> Result<()>;
    async fn get_item(&self, code: &str, version: u32) -> Result<Option<CatalogItem>>;
    /// The published version of `code`, if any.
    async fn get_published(&self, code: &str) -> Result<Option<CatalogItem>>;
    /// Every version of one item, oldest first.
    async fn list_versions(&self, code: &str) -> Result<Vec<CatalogItem>>;
    /// Latest version of each item matching the filter (by status), ordered by code.
    async fn list_items(&self, filter: &ItemFilter) -> Result<Vec<CatalogItem>>;
    /// Imports versions as given, all or nothing: new `(code, version)` rows are inserted; an
    /// identical existing row is unchanged; a differing draft is replaced; a differing published or
    /// superseded version fails the whole import with `Conflict { code: "version_frozen" }`. When an
    /// imported version is published, any other published version of that code becomes superseded.
    async fn import_items(&self, items: &[CatalogItem]) -> Result<ImportSummary>;
}

#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Loads schedule lines: every year present in `days` is replaced by exactly those lines.
    async fn replace_calendar_years(&self, days: &[CalendarDay]) -> Result<()>;
    async fn list_calendar_days(&self) -> Result<Vec<CalendarDay>>;
    async fn add_closure(&self, closure: &Closure) -> Result<()>;
    async fn delete_closure(&self, region: &RegionCode, date: NaiveDate) -> Result<()>;
    /// Closures whose region is `region` or one of its ancestors (they close its places too).
    async fn closures_affecting(&self, region: &RegionCode) -> Result<Vec<Closure>>;
    async fn list_closures(&self, scope: &Scope) -> Result<Vec<Closure>>;
}

/// What one [`MetaStore::seal_personal_data`] step did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SealStep {
    /// Rows sealed or indexed.
    pub rows: u64,
    /// The last case of the step, to continue after; `None` when no case was left.
    pub last_case: Option<String>,
}

#[async_trait]
pub trait MetaStore: Send + Sync {
    async fn get_setting(&self, key: &str) -> Result<Option<String>>;
    async fn set_setting(&self, key: &str, value: &str) -> Result<()>;
    async fn describe_schema(&self) -> Result<SchemaDescription>;
    /// Name of the engine for logs and the about page: "sqlite" or "postgres".
    fn backend_name(&self) -> &'static str;
    /// The keys this store seals personal data with (`vault`).
    fn vault(&self) -> &vault::Vault;
    /// One step of sealing what was written before personal data was encrypted (issue 16, part 6):
    /// the snapshots and event bodies of up to `cases` cases numbered after `after`, each case put
    /// in the applicant index, and on the first step (`after` = `None`) users' and complainants'
    /// phones. Bodies keep their JSON, so no hash changes; the append-only guard on the event log
    /// is lifted only inside this step's transaction. Sealed rows are passed over, so a step run
    /// twice changes nothing the second time.
    async fn seal_personal_data(&self, after: Option<&str>, cases: u32) -> Result<SealStep>;
    /// After sealing: rewrites the tables so the clear values they held are gone from the files
    /// too, not only from the rows (SQLite keeps freed cells and old WAL frames, PostgreSQL dead
    /// row versions, until something overwrites them). Runs once per database, at start.
    async fn scrub_after_sealing(&self) -> Result<()>;
    /// The version of each table servers keep in memory (`calendar`, `closures`, `catalog`,
    /// `departments`, `setting:<key>`), bumped in the same transaction as any change to it. A name
    /// never changed yet is absent. Servers compare it with what they loaded (see the web layer's
    /// cache watcher), so a change made by another server or process reaches them.
    async fn cache_versions(&self) -> Result<Vec<(String, i64)>>;
    /// A stream of names from `cache_versions` as changes commit, where the engine can push them
    /// (PostgreSQL `LISTEN`); `None` where it cannot, and polling `cache_versions` is all there is.
    /// The stream ends when its connection is lost; the caller may ask again.
    async fn cache_changes(&self) -> Result<Option<tokio::sync::mpsc::Receiver<String>>> {
        Ok(None)
    }
}

/// A row of the case list: what queues, lookups and supervision need without the whole case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSummary {
    pub number: String,
    pub item_code: String,
    pub item_name: String,
    pub department: String,
    pub applicant_name: String,
    pub state: domain::case::CaseState,
    pub place: RegionCode,
    pub decide_place: RegionCode,
    pub applicant_region: RegionCode,
    pub applicant_user_id: Option<i64>,
    pub agent_user_id: Option<i64>,
    /// The deadline that matters in the current state (`Case::current_deadline`).
    pub due: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u32,
}

impl CaseSummary {
    pub fn of(case: &domain::case::Case, updated_at: DateTime<Utc>) -> CaseSummary {
        let f = &case.filing;
        CaseSummary {
            number: f.number.clone(),
            item_code: f.item.code.clone(),
            item_name: f.item.name.clone(),
            department: f.item.department.clone(),
            applicant_name: f.applicant.name.clone(),
            state: case.state,
            place: f.place.clone(),
            decide_place: f.decide_place.clone(),
            applicant_region: f.applicant_region.clone(),
            applicant_user_id: f.applicant.user_id,
            agent_user_id: f.agent_user_id,
            due: case.current_deadline(),
            created_at: case.created_at,
            updated_at,
            version: case.version,
        }
    }
}

/// Which cases a list returns. Every set field narrows the result; lists are ordered by `due`
/// (earliest first, cases without a due date last), then by number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Cases whose accepting place OR deciding place is inside this scope.
    pub place_scope: Option<Scope>,
    /// With `place_scope`: also the cases filed from inside it (the applicant lives there) that
    /// are handled elsewhere (转办, 上报), so a unit keeps sight of its own people's cases.
    pub with_filed_from: bool,
    /// Cases whose applicant lives inside this scope.
    pub applicant_scope: Option<Scope>,
    pub states: Vec<domain::case::CaseState>,
    pub applicant_user_id: Option<i64>,
    pub agent_user_id: Option<i64>,
    /// Only cases of items handled by this department code.
    pub department: Option<String>,
    /// Only cases whose number, applicant's name or item's name contains this text (the
    /// workbench's search).
    pub text: Option<String>,
    pub limit: Option<u32>,
    /// Keyset paging: only the cases after this position in the list order (the last row of the
    /// previous page, `listing::ListKey::of`).
    pub after: Option<listing::ListKey>,
}

/// An applicant notice (办件消息): every change the applicant should know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: i64,
    pub user_id: Option<i64>,
    pub case_number: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// Which disclosed results to list: those whose item name, licence number or case number contains
/// `text` (all when empty), after `after` — the (decision date, case number) of the previous
/// page's last row — at most `limit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultQuery {
    pub text: String,
    pub after: Option<(NaiveDate, String)>,
    pub limit: u32,
}

impl ResultQuery {
    /// The newest `limit`.
    pub fn latest(limit: u32) -> ResultQuery {
        ResultQuery {
            limit,
            ..Default::default()
        }
    }

    /// `text` as a LIKE pattern, its wildcards escaped with `\`.
    pub fn like_pattern(&self) -> String {
        listing::contains_pattern(self.text.trim())
    }
}

/// A published result (结果公开): personal data already masked by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedResult {
    pub case_number: String,
    pub item_name: String,
    pub applicant_masked: String,
    pub decided_on: NaiveDate,
    pub licence_no: String,
    pub place: RegionCode,
}

#[async_trait]
pub trait CaseStore: Send + Sync {
    /// The next value of a named counter within a scope, starting at 1; unique under concurrent
    /// callers on every backend (case numbers, receipt numbers, licence numbers).
    async fn next_counter(&self, name: &str, scope: &str) -> Result<i64>;
    /// Violations found in the period, newest first (then by case and event), as the query says.
    async fn list_violations(&self, q: &ViolationQuery) -> Result<Vec<ViolationRecord>>;
    /// How many cases were filed of each item (by code), most first, then by code; at most
    /// `limit` (the portal's 热门服务). A whole-table count: callers cache it.
    async fn item_filing_counts(&self, limit: u32) -> Result<Vec<(String, i64)>>;
    /// The current value of a named counter in a scope (0 when nothing was issued).
    async fn counter_value(&self, name: &str, scope: &str) -> Result<i64>;
    /// A center's fee ledger from day `from` to day `until` (inclusive), in time order.
    async fn fee_entries(
        &self,
        center: &RegionCode,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<FeeEntry>>;
    /// Records that a receipt number was taken but its payment not recorded. Append-only; a
    /// number voided twice keeps its first reason.
    async fn void_receipt(&self, void: &VoidReceipt) -> Result<()>;
    /// The receipt numbers a center voided whose number begins with `prefix` (a year's numbers).
    async fn void_receipts(&self, center: &RegionCode, prefix: &str) -> Result<Vec<VoidReceipt>>;
    /// Stores a new case: its first events and its snapshot, in one transaction. A taken number or
    /// query code is `Conflict { code: "case_exists" }`.
    async fn create_case(
        &self,
        case: &domain::case::Case,
        events: &[domain::case::CaseEvent],
    ) -> Result<()>;
    /// Appends events and replaces the snapshot in one transaction, only if the stored case is still
    /// at `expected_version`; otherwise `Conflict { code: "stale_case" }` and nothing changes.
    /// Events are never updated or deleted: the trait has no way to.
    async fn append_events(
        &self,
        case: &domain::case::Case,
        expected_version: u32,
        events: &[domain::case::CaseEvent],
    ) -> Result<()>;
    /// `append_events` and everything the command writes besides (notices, the disclosed result,
    /// deadline rows, warnings) in one transaction: a crash leaves all of it or none, and on SQLite
    /// it is one job for the writer. `expected_version` 0 creates the case (as `create_case`).
    /// Returns how many warnings were newly raised.
    async fn commit_transition(
        &self,
        case: &domain::case::Case,
        expected_version: u32,
        events: &[domain::case::CaseEvent],
        effects: &SideEffects,
    ) -> Result<u64>;
    /// Stores many new cases, each as `commit_transition` with version 0 would, in one
    /// transaction: all of them or none (a taken number fails the whole batch). For bringing in a
    /// history — a previous system's cases, the benchmark's city — at bulk speed.
    async fn import_cases(&self, cases: &[ImportedCase]) -> Result<()>;
    async fn get_case(&self, number: &str) -> Result<Option<domain::case::Case>>;
    /// The idempotency key `key` as case `number` took it (`case_keys`), if it did.
    async fn idempotency_key(
        &self,
        number: &str,
        key: &str,
    ) -> Result<Option<domain::case::IdempotencyKey>>;
    /// The cases whose applicant has this ID number (or credit code), newest first, found by its
    /// blind index (`vault::Vault::id_key`); at most `limit`.
    async fn cases_by_id_number(&self, id_number: &str, limit: u32) -> Result<Vec<CaseSummary>>;
    /// The case whose number and query code both match (public lookup).
    async fn find_case_by_query_code(
        &self,
        number: &str,
        query_code: &str,
    ) -> Result<Option<domain::case::Case>>;
    /// The whole log of a case, in sequence order.
    async fn case_events(&self, number: &str) -> Result<Vec<domain::case::CaseEvent>>;
    async fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<CaseSummary>>;
    /// Case numbers in order, after `after` (exclusive), at most `limit`: for verification sweeps.
    async fn case_numbers(&self, after: Option<&str>, limit: u32) -> Result<Vec<String>>;
    /// Stores a message (its `id` is ignored) and returns the new id. The case must exist.
    async fn add_message(&self, message: &Message) -> Result<i64>;
    /// Newest first.
    async fn messages_for_user(&self, user_id: i64) -> Result<Vec<Message>>;
    /// Newest first.
    async fn messages_for_case(&self, number: &str) -> Result<Vec<Message>>;
    /// Inserts or replaces the published result of a case (which must exist).
    async fn publish_result(&self, result: &PublishedResult) -> Result<()>;
    /// Newest first (by decision date, then case number), as `q` selects and pages them.
    async fn list_results(&self, q: &ResultQuery) -> Result<Vec<PublishedResult>>;
    /// The public monthly figures over `from..until` (until exclusive), per accepting place and
    /// department: cases received (by date of receipt), completed (by date of completion) and of
    /// those completed by the promised date. Index ranges of the period, never every case.
    async fn period_figures(&self, from: NaiveDate, until: NaiveDate) -> Result<Vec<PeriodFigure>>;
}

/// One row of `period_figures`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodFigure {
    pub place: RegionCode,
    pub department: String,
    pub received: u32,
    pub completed: u32,
    pub on_time: u32,
}

/// A warning raised by supervision (预警), kept until its deadline no longer applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningRecord {
    pub id: i64,
    pub case_number: String,
    /// `WarningKind::key()` of the deadline.
    pub key: String,
    /// "yellow" or "red".
    pub colour: String,
    pub label: String,
    /// Accepting and deciding places of the case, for scoping.
    pub place: RegionCode,
    pub decide_place: RegionCode,
    pub department: String,
    pub due: NaiveDate,
    pub raised_at: DateTime<Utc>,
    pub cleared_at: Option<DateTime<Utc>>,
}

/// How the dashboard groups cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountBy {
    State,
    /// Accepting place (region code).
    Place,
    Department,
}

pub use domain::orders::OrderStatus;

/// One step in a supervision order's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEntry {
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub actor: String,
    /// issued | replied | closed | escalated | reopened
    pub action: String,
    pub text: String,
}

/// A case brought in whole (`CaseStore::import_cases`): its snapshot, its log from the first event,
/// and what its commands wrote besides.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedCase {
    pub case: domain::case::Case,
    pub events: Vec<domain::case::CaseEvent>,
    pub effects: SideEffects,
}

/// What a command writes besides its events and snapshot, committed with them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SideEffects {
    /// Applicant notices (`id` ignored).
    pub messages: Vec<Message>,
    /// A grant's result for public disclosure.
    pub result: Option<PublishedResult>,
    /// The case's deadline rows and open warnings after the command; `None` when neither changed.
    pub supervision: Option<SupervisionChange>,
    /// The case's evaluation figures, written when it completes.
    pub outcome: Option<OutcomeRecord>,
    /// Payments and refunds the events record, for the center's fee ledger (收费台账).
    pub fees: Vec<FeeEntry>,
    /// The violations the events show (`domain::supervision::violations_of_new_events`).
    pub violations: Vec<ViolationRecord>,
}

/// A violation found in a case's log as the event that shows it was recorded (纠错), kept so
/// supervision lists them across a subtree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationRecord {
    pub case_number: String,
    /// The event that shows it.
    pub seq: u32,
    /// `ViolationRule::as_str`.
    pub rule: String,
    /// The local day of that event.
    pub found_on: NaiveDate,
    pub place: RegionCode,
    pub decide_place: RegionCode,
    pub department: String,
    pub item_name: String,
    pub detail: String,
}

/// Which violations to list: those whose case's accepting or deciding place is in `scope`, found
/// from `from` to `until` (inclusive), of one rule or all, newest first, at most `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViolationQuery {
    pub scope: Scope,
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub rule: Option<String>,
    pub limit: u32,
}

/// Whether a fee ledger line takes money in or gives it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    /// 收费, under the receipt issued for it.
    Payment,
    /// 退费, from the receipt it names.
    Refund,
}

impl FeeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FeeKind::Payment => "payment",
            FeeKind::Refund => "refund",
        }
    }

    pub fn parse(s: &str) -> Option<FeeKind> {
        match s {
            "payment" => Some(FeeKind::Payment),
            "refund" => Some(FeeKind::Refund),
            _ => None,
        }
    }
}

/// One line of a center's fee ledger (收费台账): the payment or refund of event `seq` of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeEntry {
    pub case_number: String,
    pub seq: u32,
    /// The center that took the money: the case's place.
    pub center: RegionCode,
    /// The local day the event happened (the report's day).
    pub day: NaiveDate,
    pub at: DateTime<Utc>,
    pub kind: FeeKind,
    /// A payment's own receipt; for a refund, the receipt it returns money from.
    pub receipt_no: String,
    /// 纸质票据号 recorded beside a payment's receipt.
    pub paper_no: Option<String>,
    pub amount_fen: i64,
    /// The payment method (`PaymentMethod::as_str`); a refund goes back the way it came.
    pub method: String,
    pub item_code: String,
    pub item_name: String,
    pub department: String,
    /// Who recorded it (收费人, 退费人).
    pub recorded_by: String,
    /// Why a refund was made (empty for payments).
    pub reason: String,
}

/// A receipt number taken from the counter whose payment was then not recorded (作废).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoidReceipt {
    pub receipt_no: String,
    pub center: RegionCode,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A completed case's evaluation figures (绩效评估), fixed when it completes under the rules and
/// calendar then in force, so an evaluation over a period reads one small row per case completed
/// in it instead of every case and its log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeRecord {
    pub case_number: String,
    pub completed_on: NaiveDate,
    pub place: RegionCode,
    pub decide_place: RegionCode,
    /// The item's department code.
    pub department: String,
    /// Who accepted the case at the window (受理人), and who decided it.
    pub accepted_by: String,
    pub decided_by: String,
    pub on_time: bool,
    pub early: bool,
    pub working_days: u32,
    pub overdue: bool,
    pub warnings: u32,
    pub violations: u32,
}

impl OutcomeRecord {
    /// What the outcome adds to its `outcome_days` row, in the table's column order: cases, on
    /// time, early, overdue, warnings, violations, working days.
    pub fn day_figures(&self) -> [i64; 7] {
        [
            1,
            i64::from(self.on_time),
            i64::from(self.early),
            i64::from(self.overdue),
            i64::from(self.warnings),
            i64::from(self.violations),
            i64::from(self.working_days),
        ]
    }
}

/// How [`SupervisionStore::outcome_totals`] groups a period's outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeKey {
    /// By deciding place and the item's department.
    DecideDepartment,
    /// By accepting place.
    Place,
    /// By accepting place and who accepted (受理人).
    Window,
    /// By who decided.
    Staff,
    /// By completion date (`YYYY-MM-DD`).
    Day,
}

/// A period's outcomes added up for one group. `region` and `who` name the group as its
/// [`OutcomeKey`] says (the one a key does not use is empty). Ratings and complaints are not in
/// `totals` (see [`OutcomeFeedback`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeGroup {
    pub region: String,
    pub who: String,
    pub totals: domain::supervision::Totals,
}

/// Citizens' feedback on the cases completed in a period: every rating, and complaint counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutcomeFeedback {
    /// (case number, rating level) for every rating of those cases.
    pub ratings: Vec<(String, domain::feedback::RatingLevel)>,
    /// (case number, complaints about it), cases without complaints left out.
    pub complaints: Vec<(String, u32)>,
    /// The outcomes of the cases rated or complained about, by case number, so a caller that
    /// reads totals can add their feedback to the right group.
    pub cases: Vec<OutcomeRecord>,
}

/// A case's supervision state after a command.
#[derive(Debug, Clone, PartialEq)]
pub struct SupervisionChange {
    /// Replace every deadline row of the case (see `replace_deadline_rows`).
    pub rows: Vec<domain::supervision::DeadlineRow>,
    /// The warnings open after the change: the case's other open warnings are cleared at `at`, and
    /// these raised unless already open (`id` and `cleared_at` ignored).
    pub open: Vec<WarningRecord>,
    pub at: DateTime<Utc>,
}

/// What one warning scan changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ScanCounts {
    pub raised: u64,
    pub cleared: u64,
}

/// The earliest day a scan window may start: before any case could exist.
pub const SCAN_FROM_START: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// A supervision order (督办单) about a case or a unit, with a reply deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisionOrder {
    pub id: i64,
    pub case_number: Option<String>,
    /// The unit that must reply: its region, and its department when the order names one.
    pub unit: RegionCode,
    pub department: Option<String>,
    pub subject: String,
    pub body: String,
    /// Region of the supervisor who issued (or last escalated) it.
    pub issued_in: RegionCode,
    pub issued_by: i64,
    pub issued_at: DateTime<Utc>,
    pub reply_due: NaiveDate,
    pub status: OrderStatus,
    pub history: Vec<OrderEntry>,
    pub version: u32,
}

#[async_trait]
pub trait SupervisionStore: Send + Sync {
    /// Replaces every deadline row of a case (an empty slice removes them: the case no longer waits).
    /// The case must exist; its places are copied from its row.
    async fn replace_deadline_rows(
        &self,
        case_number: &str,
        rows: &[domain::supervision::DeadlineRow],
    ) -> Result<()>;
    /// Rows whose `yellow_from` is on or before `day`, for cases whose place or deciding place is in
    /// `scope`, ordered by due date: an index range, never a scan of all cases.
    async fn deadline_rows_due(
        &self,
        day: NaiveDate,
        scope: &Scope,
        limit: u32,
    ) -> Result<Vec<domain::supervision::DeadlineRow>>;
    /// The warning scan, in one transaction and without loading a case: raises the warning of every
    /// deadline row whose colour changed on a day in `from..=until` (`from` `None`: every row up to
    /// `until`), in its colour on `today` (red when `red_from <= today`, else yellow), and clears the
    /// yellow warnings that those turning red replace. `until` is capped at `today`. Rows changed by
    /// a case are raised when the case changes, so after the first scan only the days since the last
    /// one need reading; a long window can be scanned in slices, one transaction each.
    /// Exactly once across processes (the open-warning unique index).
    async fn scan_warnings(
        &self,
        from: Option<NaiveDate>,
        until: NaiveDate,
        today: NaiveDate,
        at: DateTime<Utc>,
    ) -> Result<ScanCounts>;
    /// Raises a warning unless the same (case, key, colour) is already open: exactly once even when
    /// several processes race. Returns whether this call raised it. The record's `id` and
    /// `cleared_at` are ignored; the case must exist (else `NotFound("case")`).
    async fn raise_warning(&self, warning: &WarningRecord) -> Result<bool>;
    /// Clears the open warnings of a case whose (key, colour) is not in `keep`; returns how many.
    async fn clear_warnings_except(
        &self,
        case_number: &str,
        keep: &[(String, String)],
        at: DateTime<Utc>,
    ) -> Result<u64>;
    /// Open (or all) warnings of cases in `scope`, red first then by due date (then case and key).
    async fn list_warnings(
        &self,
        scope: &Scope,
        open_only: bool,
        limit: u32,
    ) -> Result<Vec<WarningRecord>>;
    /// Open warnings of cases accepted in `scope` by colour: (red, yellow), from counts kept as
    /// warnings are raised and cleared (like case counts, by the accepting place).
    async fn count_warnings(&self, scope: &Scope) -> Result<(i64, i64)>;
    /// Open warnings of one case, red first then by due date and key.
    async fn case_warnings(&self, case_number: &str) -> Result<Vec<WarningRecord>>;
    /// Case counts in `scope` grouped by `by` (state code, place code or department code), from
    /// counts kept up to date on every write: reading them never scans the cases. The scope applies
    /// to the accepting place (the counts are kept per accepting place); groups are ordered by key
    /// and groups with no cases are left out.
    async fn count_cases(&self, scope: &Scope, by: CountBy) -> Result<Vec<(String, i64)>>;
    /// A named lease for singleton work (the warning scan): granted when free, expired or already
    /// held by `holder`; refused while another holder's lease runs. A lease runs until `until`
    /// (exclusive): at `now == until` it has expired.
    async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool>;
    /// Stores a new order (its `id` is ignored) and returns the new id. A named case must exist.
    async fn create_order(&self, order: &SupervisionOrder) -> Result<i64>;
    async fn get_order(&self, id: i64) -> Result<Option<SupervisionOrder>>;
    /// Orders whose unit or issuing region is in `scope`, newest first.
    async fn list_orders(&self, scope: &Scope) -> Result<Vec<SupervisionOrder>>;
    /// Saves a changed order if it is still at `expected_version` (else `Conflict { code: "stale_order" }`).
    /// `order.version` must be `expected_version + 1` (else `Invalid`), so every save moves it on.
    async fn save_order(&self, order: &SupervisionOrder, expected_version: u32) -> Result<()>;
    /// Outcomes of the cases completed in `from..=to` whose accepting or deciding place is in
    /// `scope`, by completion date then case number: an index range of the period, never every
    /// completed case.
    async fn outcomes(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<OutcomeRecord>>;
    /// `outcomes(scope, from, to)` added up by `key` where the rows are (one pass over the
    /// period's index range; memory by groups, not cases), ordered by (region, who).
    async fn outcome_totals(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
        key: OutcomeKey,
    ) -> Result<Vec<OutcomeGroup>>;
    /// Ratings and complaint counts of the cases `outcomes(scope, from, to)` returns.
    async fn outcome_feedback(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<OutcomeFeedback>;
    /// Inserts or replaces a case's outcome (the case must exist).
    async fn put_outcome(&self, outcome: &OutcomeRecord) -> Result<()>;
    /// Completed cases with no outcome yet (written before outcomes were kept), up to `limit`.
    async fn completed_without_outcome(&self, limit: u32) -> Result<Vec<String>>;
}

#[async_trait]
pub trait FeedbackStore: Send + Sync {
    /// Stores a rating and, for a bad one, the follow-up it opens, in one transaction; returns their
    /// ids (`follow_up.rating_id` is set to the new rating's). A second rating of the same case on
    /// the same channel is `Conflict { code: "already_rated" }` and stores nothing. The case must
    /// exist (else `NotFound("case")`). The records' `id`s are ignored.
    async fn add_rating(
        &self,
        rating: &domain::feedback::Rating,
        follow_up: Option<&domain::feedback::FollowUp>,
    ) -> Result<(i64, Option<i64>)>;
    /// Ratings of one case, oldest first.
    async fn ratings_for_case(&self, case_number: &str) -> Result<Vec<domain::feedback::Rating>>;
    /// Ratings whose unit is in `scope`, newest first, at most `limit`.
    async fn list_ratings(
        &self,
        scope: &Scope,
        limit: u32,
    ) -> Result<Vec<domain::feedback::Rating>>;
    async fn get_follow_up(&self, id: i64) -> Result<Option<domain::feedback::FollowUp>>;
    /// Follow-ups of one case, oldest first.
    async fn follow_ups_for_case(
        &self,
        case_number: &str,
    ) -> Result<Vec<domain::feedback::FollowUp>>;
    /// Follow-ups whose unit is in `scope` (only those not closed when `open_only`), by due date.
    async fn list_follow_ups(
        &self,
        scope: &Scope,
        open_only: bool,
    ) -> Result<Vec<domain::feedback::FollowUp>>;
    /// Saves a changed follow-up if it is still at `expected_version` (else
    /// `Conflict { code: "stale_feedback" }`); its version must be `expected_version + 1`.
    async fn save_follow_up(
        &self,
        follow_up: &domain::feedback::FollowUp,
        expected_version: u32,
    ) -> Result<()>;
    /// Stores a new complaint (its `id` is ignored) and returns the new id. A taken follow code is
    /// `Conflict { code: "complaint_code_taken" }`; a named case must exist.
    async fn create_complaint(&self, complaint: &domain::feedback::Complaint) -> Result<i64>;
    async fn get_complaint(&self, id: i64) -> Result<Option<domain::feedback::Complaint>>;
    /// The complaint with this follow code (the complainant's lookup).
    async fn find_complaint(&self, code: &str) -> Result<Option<domain::feedback::Complaint>>;
    /// Complaints whose responsible unit is in `scope` (only received or accepted ones when
    /// `open_only`), newest first.
    async fn list_complaints(
        &self,
        scope: &Scope,
        open_only: bool,
    ) -> Result<Vec<domain::feedback::Complaint>>;
    /// Complaints naming one case, oldest first.
    async fn complaints_for_case(
        &self,
        case_number: &str,
    ) -> Result<Vec<domain::feedback::Complaint>>;
    /// Saves a changed complaint if it is still at `expected_version` (else
    /// `Conflict { code: "stale_feedback" }`); its version must be `expected_version + 1`.
    async fn save_complaint(
        &self,
        complaint: &domain::feedback::Complaint,
        expected_version: u32,
    ) -> Result<()>;
}

/// Everything the platform stores. Both backends implement every part.
pub trait Store:
    RegionStore
    + PlaceStore
    + UserStore
    + SessionStore
    + CatalogStore
    + CalendarStore
    + MetaStore
    + CaseStore
    + SupervisionStore
    + FeedbackStore
    + record::RecordStore
    + credentials::CredentialStore
{
}
impl<
        T: RegionStore
            + PlaceStore
            + UserStore
            + SessionStore
            + CatalogStore
            + CalendarStore
            + MetaStore
            + CaseStore
            + SupervisionStore
            + FeedbackStore
            + record::RecordStore
            + credentials::CredentialStore,
    > Store for T
{
}

/// Checks, before any storage work, that `events` continue `case` from `after_version`: same case
/// number, consecutive seqs, each linked to the previous hash and carrying its own correct hash,
/// and ending exactly at the case's version and last hash. A store never writes a broken chain;
/// the link to the stored event at `after_version` is the backend's to check in its transaction.
pub fn check_new_events(
    case: &domain::case::Case,
    after_version: u32,
    events: &[domain::case::CaseEvent],
) -> Result<()> {
    let number = &case.filing.number;
    let broken = |why: String| {
        StoreError::Invalid(ValidationErrors::single(
            "events",
            "broken_chain",
            format!("办件 {number} 的新事件不连续:{why}"),
        ))
    };
    let Some(first) = events.first() else {
        return Err(broken("没有事件".to_string()));
    };
    if after_version == 0 && first.prev_hash != domain::case::GENESIS_HASH {
        return Err(broken("首个事件未接在创世哈希之后".to_string()));
    }
    let mut prev = &first.prev_hash;
    for (i, e) in events.iter().enumerate() {
        let seq = after_version as usize + 1 + i;
        if &e.case_number != number {
            return Err(broken(format!(
                "第{}个事件属于办件 {}",
                e.seq, e.case_number
            )));
        }
        if e.seq as usize != seq
            || &e.prev_hash != prev
            || e.compute_hash(case.filing.suite) != e.hash
        {
            return Err(broken(format!("第{}个事件序号或哈希不符", e.seq)));
        }
        prev = &e.hash;
    }
    if case.version as usize != after_version as usize + events.len() || prev != &case.last_hash {
        return Err(broken(format!(
            "办件版本 {} 与最后一个事件不符",
            case.version
        )));
    }
    Ok(())
}

/// The `Conflict` of a case changed by someone else since it was read.
pub fn stale_case(number: &str, expected: u32, stored: u32) -> StoreError {
    StoreError::Conflict {
        code: "stale_case",
        message: format!(
            "办件 {number} 已被他人更新(现为第{stored}版,您读取的是第{expected}版),请刷新后重试"
        ),
    }
}

/// The `Conflict` of an idempotency key a case has already taken (`case_keys`): the command is a
/// retry of one applied, or the key was reused for another request; the caller looks it up.
pub fn idempotency_key_taken(number: &str) -> StoreError {
    StoreError::Conflict {
        code: "idempotency_key_taken",
        message: format!("办件 {number} 已执行过使用此幂等键的操作"),
    }
}

/// A row of `case_keys`: an idempotency key a case took, with the request hash it came with and
/// the first event it produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    pub key: String,
    pub request_hash: Option<String>,
    pub seq: u32,
    /// Carried over from a snapshot written before `case_keys` (its `recent_keys`): inserted only
    /// if absent, never a conflict.
    pub carried: bool,
}

/// The key rows a write of `events` to `case` adds: each new key once (at its first event), and
/// the keys an older snapshot still carries, so they keep answering retries once it is rewritten.
pub fn key_rows(case: &domain::case::Case, events: &[domain::case::CaseEvent]) -> Vec<KeyRow> {
    let mut rows: Vec<KeyRow> = case
        .recent_keys
        .iter()
        .map(|k| KeyRow {
            key: k.key.clone(),
            request_hash: k.request_hash.clone(),
            seq: 0,
            carried: true,
        })
        .collect();
    for e in events {
        if let Some(k) = &e.idempotency_key {
            if !rows.iter().any(|r| !r.carried && &r.key == k) {
                rows.push(KeyRow {
                    key: k.clone(),
                    request_hash: e.request_hash.clone(),
                    seq: e.seq,
                    carried: false,
                });
            }
        }
    }
    rows
}

/// The `Conflict` of a case number or query code already taken.
pub fn case_exists(number: &str) -> StoreError {
    StoreError::Conflict {
        code: "case_exists",
        message: format!("办件编号 {number} 或其查询码已被使用"),
    }
}

/// The `Conflict` of a supervision order changed by someone else since it was read.
pub fn stale_order(id: i64, expected: u32, stored: u32) -> StoreError {
    StoreError::Conflict {
        code: "stale_order",
        message: format!(
            "督办单 {id} 已被他人更新(现为第{stored}版,您读取的是第{expected}版),请刷新后重试"
        ),
    }
}

/// Checks, before any storage work, that a saved order moves its version on by exactly one.
pub fn check_order_version(order: &SupervisionOrder, expected_version: u32) -> Result<()> {
    if order.version != expected_version.wrapping_add(1) {
        return Err(StoreError::Invalid(ValidationErrors::single(
            "version",
            "order_version",
            format!(
                "督办单 {} 的新版本应为第{}版,而不是第{}版",
                order.id,
                expected_version.wrapping_add(1),
                order.version
            ),
        )));
    }
    Ok(())
}

/// Checks that deadline rows all belong to the case they are stored under.
pub fn check_deadline_rows(
    case_number: &str,
    rows: &[domain::supervision::DeadlineRow],
) -> Result<()> {
    if let Some(r) = rows.iter().find(|r| r.case_number != case_number) {
        return Err(StoreError::Invalid(ValidationErrors::single(
            "rows",
            "wrong_case",
            format!("期限行属于办件 {},不属于办件 {case_number}", r.case_number),
        )));
    }
    Ok(())
}

/// Checks that everything committed with a transition is about that case.
pub fn check_side_effects(case_number: &str, effects: &SideEffects) -> Result<()> {
    let wrong = effects
        .messages
        .iter()
        .map(|m| m.case_number.as_str())
        .chain(effects.result.iter().map(|r| r.case_number.as_str()))
        .chain(effects.outcome.iter().map(|o| o.case_number.as_str()))
        .chain(effects.fees.iter().map(|f| f.case_number.as_str()))
        .chain(effects.violations.iter().map(|v| v.case_number.as_str()))
        .chain(
            effects
                .supervision
                .iter()
                .flat_map(|sv| sv.open.iter().map(|w| w.case_number.as_str())),
        )
        .find(|n| *n != case_number);
    if let Some(n) = wrong {
        return Err(StoreError::Invalid(ValidationErrors::single(
            "effects",
            "wrong_case",
            format!("附带写入属于办件 {n},不属于办件 {case_number}"),
        )));
    }
    if let Some(sv) = &effects.supervision {
        check_deadline_rows(case_number, &sv.rows)?;
    }
    Ok(())
}

/// The `Conflict` of a paper receipt number already in the fee ledger.
pub fn paper_receipt_taken(paper: &str) -> StoreError {
    StoreError::Conflict {
        code: "paper_receipt_taken",
        message: format!("纸质票据号“{paper}”已登记"),
    }
}

/// The `Conflict` of a second rating of a case on one channel.
pub fn already_rated(channel: domain::feedback::RatingChannel) -> StoreError {
    StoreError::Conflict {
        code: "already_rated",
        message: format!(
            "本办件已通过“{}”评价过,每个渠道只能评价一次",
            channel.label()
        ),
    }
}

/// The `Conflict` of a complaint follow code already in use.
pub fn complaint_code_taken() -> StoreError {
    StoreError::Conflict {
        code: "complaint_code_taken",
        message: "查询码已被使用,请重试".to_string(),
    }
}

/// The `Conflict` of a follow-up or complaint changed by someone else since it was read.
pub fn stale_feedback(what: &str, id: i64, expected: u32, stored: u32) -> StoreError {
    StoreError::Conflict {
        code: "stale_feedback",
        message: format!(
            "{what} {id} 已被他人更新(现为第{stored}版,您读取的是第{expected}版),请刷新后重试"
        ),
    }
}

/// Checks, before any storage work, that a saved follow-up or complaint moves its version on by one.
pub fn check_feedback_version(what: &str, id: i64, version: u32, expected: u32) -> Result<()> {
    if version != expected.wrapping_add(1) {
        return Err(StoreError::Invalid(ValidationErrors::single(
            "version",
            "feedback_version",
            format!(
                "{what} {id} 的新版本应为第{}版,而不是第{version}版",
                expected.wrapping_add(1)
            ),
        )));
    }
    Ok(())
}
