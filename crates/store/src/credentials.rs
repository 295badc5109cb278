//! Sign-in counters, password state, SMS reset codes and a user's sessions (issue 17). The rules
//! (what counts, when a lock applies, when a password must change) are `domain::sign_in` and
//! `domain::password`; this is what the backends keep for them.

use crate::{Result, Session};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::sign_in::{Count, Limit};

/// What is known of a user's password besides its hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordState {
    /// When it was last set; `None` for a password set before this was recorded (then the
    /// account's creation time stands for it).
    pub changed_at: Option<DateTime<Utc>>,
    /// Set by an administrator (a new account, a reset): to be changed at the next sign-in.
    pub must_change: bool,
}

/// An SMS code that lets an applicant set a new password; only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetCode {
    pub user_id: i64,
    pub code_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A user's authenticator (TOTP, `domain::second_factor`): pending until a first code confirms it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecondFactor {
    /// The shared secret, opened (it is stored sealed: `store::vault`).
    pub secret: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The TOTP step of the last code accepted: no code of this step or before is taken again.
    pub last_step: Option<u64>,
}

impl std::fmt::Debug for SecondFactor {
    // The secret never goes into a log line or a panic message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondFactor")
            .field("created_at", &self.created_at)
            .field("confirmed_at", &self.confirmed_at)
            .field("last_step", &self.last_step)
            .finish_non_exhaustive()
    }
}

#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// Counts one attempt against `key` in one atomic step — no two attempts can read the same
    /// count — and returns the count after it (see `domain::sign_in`): a lock that has lapsed, or
    /// a window that has passed, starts the count again at 1 (the lapsed lock stays recorded, in
    /// the past; a passed window clears it); reaching `limit.max_failures` sets the lock to
    /// `now + limit.lock`; attempts while locked are counted too (and so exceed the limit).
    async fn count_attempt(&self, key: &str, limit: &Limit, now: DateTime<Utc>) -> Result<Count>;
    /// Forgets a key's count (a successful sign-in with it).
    async fn clear_attempts(&self, key: &str) -> Result<()>;
    /// Forgets every counter whose key begins with `prefix` (an administrator lifts an account's
    /// lock from every source); returns how many went.
    async fn clear_attempts_with_prefix(&self, prefix: &str) -> Result<u64>;
    /// Takes back one counted attempt that turned out well (a successful sign-in, on a counter
    /// that only failures should fill); a lock this leaves below the limit is lifted.
    async fn release_attempt(&self, key: &str, limit: &Limit, now: DateTime<Utc>) -> Result<()>;
    /// Removes counters that started before `before` and hold no lock after it (the hourly job:
    /// every name typed at the sign-in form leaves a row). Returns how many went.
    async fn purge_attempts(&self, before: DateTime<Utc>) -> Result<u64>;

    async fn password_state(&self, user_id: i64) -> Result<Option<PasswordState>>;
    /// Sets a new password hash, when it was set, and whether it must be changed at next sign-in.
    async fn update_password(
        &self,
        user_id: i64,
        password_hash: &str,
        changed_at: DateTime<Utc>,
        must_change: bool,
    ) -> Result<()>;
    /// Marks the password for change at the next sign-in (an account an administrator created).
    async fn require_password_change(&self, user_id: i64) -> Result<()>;

    /// Stores a user's reset code, replacing any earlier one.
    async fn put_reset_code(&self, code: &ResetCode) -> Result<()>;
    /// Spends one try of the user's reset code, atomically: its hash when it is unused, unexpired
    /// at `now` and had fewer than `max_tries` tries; `None` otherwise.
    async fn try_reset_code(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
        max_tries: u32,
    ) -> Result<Option<String>>;
    /// Uses up the reset code with this hash; false when it was already used (single use) or is
    /// not the user's current one.
    async fn use_reset_code(&self, user_id: i64, code_hash: &str) -> Result<bool>;

    /// A user's sessions that have not reached their end at `now`, newest first.
    async fn user_sessions(&self, user_id: i64, now: DateTime<Utc>) -> Result<Vec<Session>>;
    /// Records activity on a session.
    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()>;

    /// The user's authenticator, pending or confirmed.
    async fn second_factor(&self, user_id: i64) -> Result<Option<SecondFactor>>;
    /// Starts an enrolment with `secret`, replacing a pending one; a confirmed authenticator is
    /// left as it is (false then).
    async fn begin_second_factor(
        &self,
        user_id: i64,
        secret: &[u8],
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Confirms the pending enrolment begun at `begun_at` (not one begun since, in another tab)
    /// with the step of its first code, and makes `recovery_keys` the user's recovery codes, in
    /// one transaction. False when there is no such pending enrolment.
    async fn confirm_second_factor(
        &self,
        user_id: i64,
        begun_at: DateTime<Utc>,
        step: u64,
        recovery_keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Records that a code of `step` was used, atomically: false when a code of this step or a
    /// later one was used first (a replay, or the same code sent twice at once).
    async fn use_second_factor_step(&self, user_id: i64, step: u64) -> Result<bool>;
    /// Uses up one of the user's recovery codes (by its key): false when it is not theirs or was
    /// used.
    async fn use_recovery_code(&self, user_id: i64, key: &str, now: DateTime<Utc>) -> Result<bool>;
    /// How many of the user's recovery codes are unused.
    async fn recovery_codes_left(&self, user_id: i64) -> Result<u32>;
    /// Replaces every recovery code of the user (the old ones stop working).
    async fn replace_recovery_codes(
        &self,
        user_id: i64,
        recovery_keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Removes the user's authenticator and recovery codes; false when there was none.
    async fn remove_second_factor(&self, user_id: i64) -> Result<bool>;
}

/// The one statement that counts an attempt ([`CredentialStore::count_attempt`]), for both
/// backends: `p` names their placeholders for the key, the limit, now, the start of the window
/// (`now - limit.window`) and the lock's end (`now + limit.lock`). Every `SET` reads the row as it
/// was, so the three columns move together.
pub fn count_attempt_sql(p: [&str; 5]) -> String {
    let [key, limit, now, cutoff, lock] = p;
    // A lock still in force; a lapsed lock that this count set; a window that has passed.
    let locked = format!("t.locked_until > {now}");
    let lapsed = "t.locked_until > t.since";
    let stale = format!("t.since <= {cutoff}");
    format!(
        "INSERT INTO sign_in_throttles AS t (key, failures, since, locked_until)
         VALUES ({key}, 1, {now}, CASE WHEN 1 >= {limit} THEN {lock} END)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN {locked} THEN t.failures + 1
                           WHEN {lapsed} OR {stale} THEN 1
                           ELSE t.failures + 1 END,
           since = CASE WHEN {locked} THEN t.since
                        WHEN {lapsed} OR {stale} THEN {now}
                        ELSE t.since END,
           locked_until = CASE WHEN {locked} THEN t.locked_until
                               WHEN 1 >= {limit} AND ({lapsed} OR {stale}) THEN {lock}
                               WHEN {lapsed} THEN t.locked_until
                               WHEN {stale} THEN NULL
                               WHEN t.failures + 1 >= {limit} THEN {lock}
                               ELSE t.locked_until END
         RETURNING failures, locked_until"
    )
}

/// The statement of [`CredentialStore::release_attempt`]; `p` names the placeholders for the key,
/// the limit and now.
pub fn release_attempt_sql(p: [&str; 3]) -> String {
    let [key, limit, now] = p;
    format!(
        "UPDATE sign_in_throttles SET
           failures = failures - 1,
           locked_until = CASE WHEN failures - 1 < {limit} AND locked_until > {now} THEN NULL
                               ELSE locked_until END
         WHERE key = {key} AND failures > 0"
    )
}
