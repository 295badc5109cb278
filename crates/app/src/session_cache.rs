//! Signed-in sessions kept in memory (issue 18, part 1): a request of a signed-in user is
//! answered without reading its session, user and grants again while none of them changed.
//!
//! A cached session is used only while every account change this process made and every one
//! another server made is known to have happened before it was read: the store counts its own
//! changes as they commit (`UserStore::accounts_version`), and the `accounts` row of
//! `cache_versions` (triggers; NOTIFY on PostgreSQL, polled every second as the fallback) tells of
//! the others' (`Services::refresh_caches` moves `remote`). Any change forgets every session —
//! account changes are rare beside requests. An entry is also used only until the session's
//! activity is due to be recorded again, so idle and absolute ends are still decided on a row at
//! most `TOUCH_EVERY` old.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use store::{Session, User};

/// How many sessions a process keeps: more than the staff signed in at once in a city; past it the
/// whole set starts again (each comes back on its next request).
pub const CAPACITY: usize = 20_000;

#[derive(Default)]
pub struct SessionCache {
    /// Moved by `Services::refresh_caches` when another process changed accounts.
    remote: AtomicU64,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// The (local, remote) versions the entries were read under.
    at: (u64, u64),
    entries: HashMap<String, (Session, User)>,
}

/// The versions noted before a database read, so what the read found is kept only if nothing
/// changed meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions(u64, u64);

impl SessionCache {
    pub fn versions(&self, store: &dyn store::Store) -> Versions {
        Versions(
            store.accounts_version(),
            self.remote.load(Ordering::Acquire),
        )
    }

    /// Another server or process changed accounts.
    pub fn changed_elsewhere(&self) {
        self.remote.fetch_add(1, Ordering::AcqRel);
    }

    /// The session of `token_hash` as read at `now`'s versions, if it is kept.
    pub fn get(&self, token_hash: &str, now: Versions) -> Option<(Session, User)> {
        let mut inner = self.inner.lock().expect("session cache lock");
        if inner.at != (now.0, now.1) {
            inner.entries.clear();
            inner.at = (now.0, now.1);
            return None;
        }
        inner.entries.get(token_hash).cloned()
    }

    /// Keeps a session read under `read_at`, unless accounts changed since.
    pub fn keep(&self, read_at: Versions, now: Versions, session: &Session, user: &User) {
        if read_at != now {
            return;
        }
        let mut inner = self.inner.lock().expect("session cache lock");
        if inner.at != (now.0, now.1) {
            inner.entries.clear();
            inner.at = (now.0, now.1);
        }
        if inner.entries.len() >= CAPACITY && !inner.entries.contains_key(&session.token_hash) {
            inner.entries.clear();
        }
        inner
            .entries
            .insert(session.token_hash.clone(), (session.clone(), user.clone()));
    }

    /// How many sessions are kept (for tests and the metrics page).
    pub fn len(&self) -> usize {
        self.inner.lock().expect("session cache lock").entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
