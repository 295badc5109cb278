//! 身份鉴别 (GB/T 22239-2019 8.1.4.1 b): how failed sign-ins are counted and when they lock, how
//! long a session lives, and how a source address is shown.
//!
//! Failures are counted per *key*, each an independent counter that the store moves in one atomic
//! step before any password is checked ([`Count`]): an attempt is counted first, and only an
//! attempt whose count is within the limit may check a password. So however many guesses arrive
//! at once, at most `max_failures` passwords are checked before the lock. Two keys are counted for
//! each attempt:
//! - the account tried *from this source* ([`account_key`]): a flood from one address locks the
//!   account for that address only, so nobody can lock the administrator out from elsewhere;
//! - the source over every account ([`source_key`]): one address guessing across many accounts
//!   (password spraying) is throttled as a whole.
//!
//! Keys name the username as typed, whether or not such an account exists: unknown names count and
//! lock exactly like known ones, so the answers reveal nothing about which accounts exist.

use chrono::{DateTime, Duration, Utc};

/// When a counter locks: `max_failures` within `window` lock it for `lock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max_failures: u32,
    pub window: Duration,
    pub lock: Duration,
}

/// A counter after the store counted one more attempt: `failures` includes it (and, once locked,
/// the refused attempts too); `locked_until` is the lock after it. A lock that has lapsed stays
/// there, in the past, until the count starts again for another reason, so the first count after
/// a lapse can tell the lock was lifted ([`lifted_lapsed_lock`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub failures: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

/// What to do with the attempt just counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password. `locks_now`: this is the last check allowed; if it fails too the
    /// counter stays locked (it already is, for the attempts after it).
    Check { locks_now: bool },
    /// Do not check anything: the counter is locked until then.
    Refused { until: DateTime<Utc> },
}

/// The verdict for a counted attempt. The store has already set the lock when the count reached
/// the limit; this only reads the count.
pub fn verdict(count: &Count, limit: &Limit, now: DateTime<Utc>) -> Verdict {
    match count.locked_until {
        Some(until) if until > now && count.failures > limit.max_failures => {
            Verdict::Refused { until }
        }
        _ => Verdict::Check {
            locks_now: count.failures == limit.max_failures,
        },
    }
}

/// Whether this count lifted a lock that had lapsed (an unlock, for the audit log): the count
/// started again while the lapsed lock is still recorded.
pub fn lifted_lapsed_lock(count: &Count, now: DateTime<Utc>) -> bool {
    count.failures == 1 && count.locked_until.is_some_and(|l| l <= now)
}

/// The name as typed, normalized the way accounts are looked up, and bounded.
fn normalized(username: &str) -> String {
    username.trim().to_lowercase().chars().take(64).collect()
}

/// The counter of one account (existing or not) tried from one source.
pub fn account_key(username: &str, source: &str) -> String {
    format!("{}{source}", account_keys_prefix(username))
}

/// What the counters of one account from every source begin with (an unlock lifts them all).
pub fn account_keys_prefix(username: &str) -> String {
    format!("account:{}|", normalized(username))
}

/// The counter of second-factor codes tried for one account, from any source (a code is 6 digits:
/// guesses must be few wherever they come from). It begins like the account's other counters, so
/// an unlock lifts it too.
pub fn second_factor_key(username: &str) -> String {
    format!("{}second-factor", account_keys_prefix(username))
}

/// The counter of one source over every account.
pub fn source_key(source: &str) -> String {
    format!("source:{source}")
}

/// The counter of SMS reset codes asked for one account (existing or not).
pub fn reset_account_key(username: &str) -> String {
    format!("reset:{}", normalized(username))
}

/// The counter of SMS reset codes asked from one source.
pub fn reset_source_key(source: &str) -> String {
    format!("reset-source:{source}")
}

/// How long sessions live without activity and at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimeouts {
    pub staff_idle: Duration,
    pub applicant_idle: Duration,
}

impl SessionTimeouts {
    /// Whether a session last seen at `last_seen` is still live at `now` (its absolute end is the
    /// session's own `expires_at`, checked by the store).
    pub fn live(&self, staff: bool, last_seen: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        let idle = if staff {
            self.staff_idle
        } else {
            self.applicant_idle
        };
        now - last_seen < idle
    }
}

/// Sessions record activity at most this often: a request a minute is enough to know the session
/// is in use, and the database is spared a write per request.
pub const TOUCH_EVERY: Duration = Duration::minutes(1);

/// A source address as a session list shows it: `10.1.2.3` → `10.1.*.*`, an IPv6 address to its
/// first two groups; anything else (未知, 本机) as is.
pub fn mask_source(source: &str) -> String {
    match source.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => {
            let o = v4.octets();
            format!("{}.{}.*.*", o[0], o[1])
        }
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:*", s[0], s[1])
        }
        Err(_) => source.to_string(),
    }
}

/// An SMS reset code lives this long, allows this many wrong tries, and a new one may be asked
/// for only after the resend interval.
pub const RESET_CODE_LIFETIME: Duration = Duration::minutes(10);
pub const RESET_CODE_TRIES: u32 = 5;
pub const RESET_RESEND_AFTER: Duration = Duration::seconds(60);

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64) -> DateTime<Utc> {
        "2026-03-02T02:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::minutes(min)
    }

    #[test]
    fn only_counts_within_the_limit_check_a_password() {
        let limit = Limit {
            max_failures: 3,
            window: Duration::minutes(15),
            lock: Duration::minutes(15),
        };
        let c = |failures, locked_until| Count {
            failures,
            locked_until,
        };
        assert_eq!(
            verdict(&c(1, None), &limit, at(0)),
            Verdict::Check { locks_now: false }
        );
        // The third is checked and locks; the fourth, at the same instant, is refused.
        assert_eq!(
            verdict(&c(3, Some(at(15))), &limit, at(0)),
            Verdict::Check { locks_now: true }
        );
        assert_eq!(
            verdict(&c(4, Some(at(15))), &limit, at(0)),
            Verdict::Refused { until: at(15) }
        );
    }

    #[test]
    fn keys_name_the_account_as_typed_and_the_source() {
        assert_eq!(account_key(" Admin ", "10.0.0.1"), "account:admin|10.0.0.1");
        assert_eq!(account_key("nobody", "10.0.0.1"), "account:nobody|10.0.0.1");
        assert_ne!(
            account_key("admin", "10.0.0.1"),
            account_key("admin", "10.0.0.2")
        );
        assert_eq!(source_key("10.0.0.1"), "source:10.0.0.1");
    }

    #[test]
    fn idle_sessions_end_sooner_for_staff() {
        let t = SessionTimeouts {
            staff_idle: Duration::minutes(30),
            applicant_idle: Duration::minutes(120),
        };
        assert!(t.live(true, at(0), at(29)));
        assert!(!t.live(true, at(0), at(30)));
        assert!(t.live(false, at(0), at(119)));
    }

    #[test]
    fn sources_are_masked_to_their_network() {
        assert_eq!(mask_source("192.168.10.23"), "192.168.*.*");
        assert_eq!(mask_source("2001:db8::1"), "2001:db8:*");
        assert_eq!(mask_source("未知"), "未知");
    }

    #[test]
    fn a_lapsed_lock_is_lifted_by_the_next_count() {
        let c = Count {
            failures: 1,
            locked_until: Some(at(-1)),
        };
        assert!(lifted_lapsed_lock(&c, at(0)));
        assert!(!lifted_lapsed_lock(&Count { failures: 2, ..c }, at(0)));
        assert!(!lifted_lapsed_lock(
            &Count {
                locked_until: None,
                ..c
            },
            at(0)
        ));
    }
}
