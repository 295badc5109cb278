//! Sign-in counters, password state, reset codes, a user's sessions.

use super::network::session;
use super::{at, code, new_user, seed_regions, StoreError, TOWN, VILLAGE};
use crate::credentials::ResetCode;
use crate::Store;
use chrono::Duration;
use domain::sign_in::{verdict, Count, Limit, Verdict};

fn limit(max: u32) -> Limit {
    Limit {
        max_failures: max,
        window: Duration::minutes(15),
        lock: Duration::minutes(15),
    }
}

pub async fn attempts_count_lock_and_start_again<S: Store + ?Sized>(store: &S) {
    let t0 = at("2026-03-02T08:00:00Z");
    let l = limit(3);
    let lock = Some(t0 + Duration::minutes(15));
    let mut counts = vec![];
    for _ in 0..5 {
        counts.push(store.count_attempt("k", &l, t0).await.unwrap());
    }
    let c = |failures, locked_until| Count {
        failures,
        locked_until,
    };
    // The third sets the lock; the fourth and fifth are counted while locked.
    assert_eq!(
        counts,
        vec![c(1, None), c(2, None), c(3, lock), c(4, lock), c(5, lock)]
    );
    // Another key is its own counter.
    assert_eq!(
        store.count_attempt("other", &l, t0).await.unwrap(),
        c(1, None)
    );
    // The lock lapses: the count starts again and still shows the lapsed lock, once.
    let later = t0 + Duration::minutes(16);
    assert_eq!(
        store.count_attempt("k", &l, later).await.unwrap(),
        c(1, lock)
    );
    assert_eq!(
        store.count_attempt("k", &l, later).await.unwrap(),
        c(2, lock)
    );
    // A window that has passed starts again and forgets the old lock.
    let much_later = later + Duration::minutes(20);
    assert_eq!(
        store.count_attempt("k", &l, much_later).await.unwrap(),
        c(1, None)
    );
    // Clearing forgets the count.
    store.clear_attempts("k").await.unwrap();
    assert_eq!(
        store.count_attempt("k", &l, much_later).await.unwrap(),
        c(1, None)
    );
    // Clearing by prefix forgets exactly the keys that begin with it (`_` is no wildcard).
    for key in [
        "account:a_b|1",
        "account:a_b|2",
        "account:axb|1",
        "account:a_bc|1",
    ] {
        store.count_attempt(key, &l, much_later).await.unwrap();
    }
    assert_eq!(
        store
            .clear_attempts_with_prefix("account:a_b|")
            .await
            .unwrap(),
        2
    );
    for key in ["account:axb|1", "account:a_bc|1"] {
        assert_eq!(
            store.count_attempt(key, &l, much_later).await.unwrap(),
            c(2, None),
            "{key} kept"
        );
    }
    assert_eq!(
        store
            .count_attempt("account:a_b|1", &l, much_later)
            .await
            .unwrap(),
        c(1, None)
    );
    assert_eq!(
        store.clear_attempts_with_prefix("account:").await.unwrap(),
        3
    );
    // A limit of one locks at the first count.
    assert_eq!(
        store.count_attempt("one", &limit(1), t0).await.unwrap(),
        c(1, lock)
    );
    // The purge keeps counters still locked or started since.
    assert_eq!(
        store
            .purge_attempts(t0 + Duration::minutes(1))
            .await
            .unwrap(),
        1,
        "other"
    );
    assert_eq!(
        store
            .purge_attempts(much_later + Duration::minutes(1))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store.count_attempt("k", &l, much_later).await.unwrap(),
        c(1, None),
        "purged"
    );
}

pub async fn parallel_attempts_never_share_a_count<S: Store + ?Sized>(store: &S) {
    let t0 = at("2026-03-02T08:00:00Z");
    let l = limit(3);
    let n = || store.count_attempt("race", &l, t0);
    let all = tokio::join!(n(), n(), n(), n(), n(), n(), n(), n());
    let all = [all.0, all.1, all.2, all.3, all.4, all.5, all.6, all.7];
    let mut failures: Vec<u32> = all.iter().map(|c| c.as_ref().unwrap().failures).collect();
    failures.sort();
    assert_eq!(failures, (1..=8).collect::<Vec<_>>());
    let checks = all
        .iter()
        .filter(|c| matches!(verdict(c.as_ref().unwrap(), &l, t0), Verdict::Check { .. }))
        .count();
    assert_eq!(checks, 3);
}

pub async fn password_state_and_reset_codes<S: Store + ?Sized>(store: &S) {
    seed_regions(store).await;
    let id = store.create_user(&new_user("clerk", TOWN)).await.unwrap();
    let s = store.password_state(id).await.unwrap().unwrap();
    assert_eq!((s.changed_at, s.must_change), (None, false));
    store.require_password_change(id).await.unwrap();
    assert!(store.password_state(id).await.unwrap().unwrap().must_change);
    let t0 = at("2026-03-02T08:00:00Z");
    store
        .update_password(id, "$argon2id$new", t0, false)
        .await
        .unwrap();
    let s = store.password_state(id).await.unwrap().unwrap();
    assert_eq!((s.changed_at, s.must_change), (Some(t0), false));
    assert_eq!(
        store.get_user(id).await.unwrap().unwrap().password_hash,
        "$argon2id$new"
    );
    assert!(store.password_state(id + 1000).await.unwrap().is_none());
    assert!(store
        .update_password(id + 1000, "x", t0, false)
        .await
        .is_err());

    // A code allows a few tries until it expires, and is used once.
    let code = |hash: &str| ResetCode {
        user_id: id,
        code_hash: hash.to_string(),
        created_at: t0,
        expires_at: t0 + Duration::minutes(10),
    };
    store.put_reset_code(&code("h1")).await.unwrap();
    for _ in 0..2 {
        assert_eq!(
            store.try_reset_code(id, t0, 2).await.unwrap().as_deref(),
            Some("h1")
        );
    }
    assert_eq!(
        store.try_reset_code(id, t0, 2).await.unwrap(),
        None,
        "no tries left"
    );
    // A new code replaces it, with fresh tries.
    store.put_reset_code(&code("h2")).await.unwrap();
    assert_eq!(
        store.try_reset_code(id, t0, 2).await.unwrap().as_deref(),
        Some("h2")
    );
    assert!(
        !store.use_reset_code(id, "h1").await.unwrap(),
        "not the current code"
    );
    assert!(store.use_reset_code(id, "h2").await.unwrap());
    assert!(!store.use_reset_code(id, "h2").await.unwrap(), "single use");
    assert_eq!(store.try_reset_code(id, t0, 2).await.unwrap(), None);
    store.put_reset_code(&code("h3")).await.unwrap();
    assert_eq!(
        store
            .try_reset_code(id, t0 + Duration::minutes(10), 2)
            .await
            .unwrap(),
        None,
        "expired"
    );
}

pub async fn sessions_listed_and_touched<S: Store + ?Sized>(store: &S) {
    seed_regions(store).await;
    let uid = store.create_user(&new_user("clerk", TOWN)).await.unwrap();
    let other = store.create_user(&new_user("other", TOWN)).await.unwrap();
    let t0 = at("2026-03-02T08:00:00Z");
    let a = session("a1", uid, t0, 60);
    let b = session("b2", uid, t0 + Duration::minutes(5), 60);
    let gone = session("c3", uid, t0 - Duration::minutes(120), 60);
    for s in [&a, &b, &gone, &session("d4", other, t0, 60)] {
        store.create_session(s).await.unwrap();
    }
    let mine = store
        .user_sessions(uid, t0 + Duration::minutes(10))
        .await
        .unwrap();
    assert_eq!(mine, vec![b.clone(), a.clone()], "live ones, newest first");
    let seen = t0 + Duration::minutes(7);
    store.touch_session(&a.token_hash, seen).await.unwrap();
    let a_now = store
        .get_session(&a.token_hash, seen)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a_now.last_seen_at, seen);
    assert_eq!(a_now.source, "10.0.0.8");
}

pub async fn second_factor_enrolment_steps_and_recovery_codes<S: Store + ?Sized>(store: &S) {
    seed_regions(store).await;
    let id = store.create_user(&new_user("sup", TOWN)).await.unwrap();
    let other = store.create_user(&new_user("other", TOWN)).await.unwrap();
    let t0 = at("2026-03-02T08:00:00Z");
    assert!(store.second_factor(id).await.unwrap().is_none());
    assert!(store
        .begin_second_factor(id, b"first-secret", t0)
        .await
        .unwrap());
    // A second start (another tab) replaces the pending secret.
    let t1 = t0 + Duration::minutes(1);
    assert!(store
        .begin_second_factor(id, b"second-secret", t1)
        .await
        .unwrap());
    let pending = store.second_factor(id).await.unwrap().unwrap();
    assert_eq!(pending.secret, b"second-secret");
    assert_eq!((pending.created_at, pending.confirmed_at), (t1, None));
    // Steps are not taken before it is confirmed.
    assert!(!store.use_second_factor_step(id, 5).await.unwrap());
    let keys: Vec<String> = (0..10).map(|i| format!("key-{i}")).collect();
    assert!(
        !store
            .confirm_second_factor(id, t0, 100, &keys, t1)
            .await
            .unwrap(),
        "the enrolment begun at t0 was replaced"
    );
    assert!(store
        .confirm_second_factor(id, t1, 100, &keys, t1)
        .await
        .unwrap());
    assert!(!store
        .confirm_second_factor(id, t1, 101, &keys, t1)
        .await
        .unwrap());
    let sf = store.second_factor(id).await.unwrap().unwrap();
    assert_eq!((sf.confirmed_at, sf.last_step), (Some(t1), Some(100)));
    // A confirmed authenticator is not replaced by a new start.
    assert!(!store.begin_second_factor(id, b"thief", t1).await.unwrap());
    assert_eq!(
        store.second_factor(id).await.unwrap().unwrap().secret,
        b"second-secret"
    );
    // Each step once, only forwards.
    assert!(!store.use_second_factor_step(id, 100).await.unwrap());
    assert!(!store.use_second_factor_step(id, 99).await.unwrap());
    assert!(store.use_second_factor_step(id, 101).await.unwrap());
    assert!(!store.use_second_factor_step(id, 101).await.unwrap());
    // Recovery codes: each once, only the owner's.
    assert_eq!(store.recovery_codes_left(id).await.unwrap(), 10);
    assert!(!store.use_recovery_code(other, "key-3", t1).await.unwrap());
    assert!(store.use_recovery_code(id, "key-3", t1).await.unwrap());
    assert!(!store.use_recovery_code(id, "key-3", t1).await.unwrap());
    assert!(!store.use_recovery_code(id, "nope", t1).await.unwrap());
    assert_eq!(store.recovery_codes_left(id).await.unwrap(), 9);
    let fresh: Vec<String> = (0..10).map(|i| format!("new-{i}")).collect();
    store.replace_recovery_codes(id, &fresh, t1).await.unwrap();
    assert_eq!(store.recovery_codes_left(id).await.unwrap(), 10);
    assert!(
        !store.use_recovery_code(id, "key-4", t1).await.unwrap(),
        "old codes are gone"
    );
    assert!(store.use_recovery_code(id, "new-4", t1).await.unwrap());
    // Removal takes the codes along; a new enrolment can start.
    assert!(store.remove_second_factor(id).await.unwrap());
    assert!(!store.remove_second_factor(id).await.unwrap());
    assert!(store.second_factor(id).await.unwrap().is_none());
    assert_eq!(store.recovery_codes_left(id).await.unwrap(), 0);
    assert!(store.begin_second_factor(id, b"again", t1).await.unwrap());
    // Sessions carry whether the second factor is still due.
    let mut s = super::network::session("sf1", id, t0, 60);
    s.second_factor_due = true;
    store.create_session(&s).await.unwrap();
    assert!(
        store
            .get_session(&s.token_hash, t0)
            .await
            .unwrap()
            .unwrap()
            .second_factor_due
    );
}

/// Every change that can make a cached session wrong — a user's row, their grants, a session
/// ended — moves this handle's accounts count before the call returns and the `accounts` cache
/// version with the commit (issue 18, part 1); opening a session and recording activity move
/// neither, so sign-ins and busy users do not empty every server's session cache.
pub async fn account_changes_move_the_accounts_versions<S: Store + ?Sized>(store: &S) {
    async fn accounts<S: Store + ?Sized>(store: &S) -> (u64, Option<i64>) {
        let v = store.cache_versions().await.unwrap();
        (
            store.accounts_version(),
            v.into_iter().find(|(n, _)| n == "accounts").map(|(_, v)| v),
        )
    }
    /// Runs one change and checks that both counts moved.
    macro_rules! moves {
        ($what:literal, $change:expr) => {{
            let before = accounts(store).await;
            $change;
            let after = accounts(store).await;
            assert!(after.0 > before.0, "{}: this handle's count", $what);
            assert!(
                after.1.is_some() && after.1 != before.1,
                "{}: the accounts version ({before:?} → {after:?})",
                $what
            );
        }};
    }
    seed_regions(store).await;
    let t0 = at("2026-03-02T08:00:00Z");
    moves!("create", {
        store.create_user(&new_user("clerk", TOWN)).await.unwrap()
    });
    let uid = store.find_user("clerk").await.unwrap().unwrap().id;
    let s = session("a1", uid, t0, 60);
    let before = accounts(store).await;
    store.create_session(&s).await.unwrap();
    store
        .touch_session(&s.token_hash, t0 + Duration::minutes(2))
        .await
        .unwrap();
    store.get_session(&s.token_hash, t0).await.unwrap();
    store.get_user(uid).await.unwrap();
    assert_eq!(accounts(store).await, before, "open, touch and reads");
    moves!("grants", {
        store
            .set_grants(
                uid,
                &[super::grant(domain::access::Role::WindowClerk, TOWN)],
            )
            .await
            .unwrap()
    });
    moves!("password", store.set_password(uid, "h2").await.unwrap());
    moves!(
        "password change",
        store.update_password(uid, "h3", t0, false).await.unwrap()
    );
    moves!(
        "must change",
        store.require_password_change(uid).await.unwrap()
    );
    moves!("deactivate", store.set_active(uid, false).await.unwrap());
    moves!(
        "profile",
        store
            .update_profile(uid, "张 三", "13900000001", &code(VILLAGE))
            .await
            .unwrap()
    );
    let edited = store.get_user(uid).await.unwrap().unwrap();
    assert_eq!(
        (
            edited.display_name.as_str(),
            edited.phone.as_str(),
            edited.home_region.as_str()
        ),
        ("张 三", "13900000001", VILLAGE),
        "the profile as edited, the phone opened again"
    );
    assert!(matches!(
        store.update_profile(uid + 1000, "x", "", &code(TOWN)).await,
        Err(StoreError::NotFound(_))
    ));
    moves!("failure", {
        store.record_login_failure(uid, None).await.unwrap();
    });
    moves!(
        "failures cleared",
        store.clear_login_failures(uid).await.unwrap()
    );
    moves!(
        "sign out",
        store.delete_session(&s.token_hash).await.unwrap()
    );
    store
        .create_session(&session("b2", uid, t0, 60))
        .await
        .unwrap();
    moves!(
        "sign out everywhere",
        store.delete_user_sessions(uid).await.unwrap()
    );
    store
        .create_session(&session("c3", uid, t0, 60))
        .await
        .unwrap();
    moves!("purge", {
        assert_eq!(
            store
                .purge_expired_sessions(t0 + Duration::hours(2))
                .await
                .unwrap(),
            1
        );
    });
}
