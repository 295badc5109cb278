//! Accounts: passwords (argon2id, hashed off the async workers), sign-in with the counters of
//! `domain::sign_in` (an account locks for the source its failures came from; a source that fails
//! across accounts is stopped; unknown names count, answer and cost the same as known ones), and
//! session tokens (random 256-bit, only their SHA-256 stored) with an idle timeout and an absolute
//! end. Changing and resetting passwords is `passwords`, one's sessions `sessions`.

use crate::{Error, Result, Services};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::Duration;
use domain::sign_in::{self as rules, Limit, Verdict};
use domain::ValidationErrors;
use rand::RngCore;
use sha2::{Digest, Sha256};
use store::{Session, User};

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2: {e}")))
}

/// At most one argon2 computation per core at a time: each takes ~19 MiB and tens of milliseconds
/// on purpose, so a flood of sign-ins must queue here rather than start hundreds of blocking threads.
fn argon2_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}

/// [`hash_password`] on a blocking thread: argon2 takes tens of milliseconds of CPU on purpose,
/// which must not stall the async workers serving other requests.
pub async fn hash_password_off_runtime(password: &str) -> Result<String> {
    let _permit = argon2_permits()
        .acquire()
        .await
        .map_err(|e| Error::Internal(format!("argon2 permits: {e}")))?;
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| Error::Internal(format!("argon2 task: {e}")))?
}

/// [`verify_password`] on a blocking thread (see [`hash_password_off_runtime`]).
pub async fn verify_password_off_runtime(password: &str, hash: &str) -> bool {
    let Ok(_permit) = argon2_permits().acquire().await else {
        return false;
    };
    let (password, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// The password rule (`domain::password`) for a new password of `username`, as a field error.
pub fn check_password(password: &str, username: &str) -> Result<()> {
    domain::password::check(password, username)
        .map_err(|p| Error::bad_field(p.code(), "password", p.message()))
}

pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Outcome of a successful sign-in: the cookie token (shown once) and the session.
pub struct SignedIn {
    pub token: String,
    pub session: Session,
    pub user: User,
}

/// The two counters of an attempt, source first: a source that is stopped counts nothing
/// against the account.
fn counters(state: &Services, username: &str, source: &str) -> [(String, Limit, &'static str); 2] {
    let cfg = &state.config;
    [
        (
            rules::source_key(source),
            cfg.limit(cfg.source_lock_after),
            "来源地址",
        ),
        (
            rules::account_key(username, source),
            cfg.account_limit(),
            "账户(本来源)",
        ),
    ]
}

/// Checks credentials. Each attempt is first counted (one atomic step per counter, see
/// `domain::sign_in`); only an attempt within both limits checks a password, so parallel guesses
/// check no more than `lock_after` passwords. Unknown names go the same way, checking a dummy hash.
pub async fn sign_in(state: &Services, username: &str, password: &str) -> Result<SignedIn> {
    use crate::audit::{record, Actor};
    use domain::audit::{AuditAction, Outcome};
    let now = state.clock.now();
    let cfg = &state.config;
    let source = crate::audit::source();
    let name = username.trim();
    let user = state.store.find_user(name).await?;
    let actor = || match &user {
        Some(u) => Actor::User(u),
        None => Actor::Named(name),
    };
    let object = user
        .as_ref()
        .map(|u| format!("user:{}", u.id))
        .unwrap_or_default();
    let mut locking = vec![];
    let mut failures = 0;
    for (key, limit, what) in counters(state, name, &source) {
        let count = state.store.count_attempt(&key, &limit, now).await?;
        if rules::lifted_lapsed_lock(&count, now) {
            record(
                state,
                actor(),
                AuditAction::AccountUnlocked,
                &object,
                Outcome::Success,
                format!("{what}锁定期满,自动解除"),
            )
            .await?;
        }
        match rules::verdict(&count, &limit, now) {
            Verdict::Refused { until } => {
                record(
                    state,
                    actor(),
                    AuditAction::SignIn,
                    &object,
                    Outcome::Failure,
                    format!("{what}锁定中,未校验密码"),
                )
                .await?;
                return Err(locked(until - now));
            }
            Verdict::Check { locks_now } => {
                if locks_now {
                    locking.push((what, limit.max_failures));
                }
                failures = count.failures;
            }
        }
    }
    // The same work for every name: a real hash, or the dummy for a name without an account.
    let hash = user
        .as_ref()
        .map_or(DUMMY_HASH, |u| u.password_hash.as_str());
    let verified = verify_password_off_runtime(password, hash).await;
    let refusal = match &user {
        None => Some("账户不存在"),
        Some(u) if !u.active => Some("账户已停用"),
        Some(_) if !verified => Some("密码错误"),
        Some(_) => None,
    };
    if let Some(reason) = refusal {
        record(
            state,
            actor(),
            AuditAction::SignIn,
            &object,
            Outcome::Failure,
            reason,
        )
        .await?;
        for (what, n) in &locking {
            record(
                state,
                actor(),
                AuditAction::AccountLocked,
                &object,
                Outcome::Success,
                format!("{what}连续失败 {n} 次,锁定 {} 分钟", cfg.lock_minutes),
            )
            .await?;
        }
        delay(cfg.login_delay_ms.saturating_mul(failures.min(8) as u64)).await;
        if !locking.is_empty() {
            return Err(locked(Duration::minutes(cfg.lock_minutes)));
        }
        return Err(Error::Unauthenticated {
            code: "invalid_credentials",
            message: "用户名或密码错误".into(),
        });
    }
    let user = user.expect("refused above when absent");
    // A success forgets this account's failures from this source, and takes this attempt back
    // from the source's count (which is of failures: an office behind one address signs in all
    // morning), leaving its earlier failures there (one good password buys a sprayer nothing).
    let [(source_key, source_limit, _), (account_key, _, _)] = counters(state, name, &source);
    state
        .store
        .release_attempt(&source_key, &source_limit, now)
        .await?;
    state.store.clear_attempts(&account_key).await?;
    let change_due = password_change_due(state, &user).await?;
    let second_factor_due = crate::second_factor::due_at_sign_in(state, &user).await?;
    let token = random_token();
    let session = Session {
        token_hash: token_hash(&token),
        user_id: user.id,
        csrf_token: random_token(),
        created_at: now,
        expires_at: now + Duration::hours(cfg.session_hours),
        last_seen_at: now,
        source,
        password_change_due: change_due.is_some(),
        second_factor_due,
    };
    state.store.create_session(&session).await?;
    record(
        state,
        Actor::User(&user),
        AuditAction::SignIn,
        &object,
        Outcome::Success,
        [
            second_factor_due.then_some("密码正确,待双因素认证"),
            change_due.map(|r| r.message()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(";"),
    )
    .await?;
    Ok(SignedIn {
        token,
        session,
        user,
    })
}

fn locked(left: Duration) -> Error {
    let mins = left.num_minutes() + 1;
    Error::Locked {
        message: format!("登录失败次数过多,已暂时锁定,请{mins}分钟后再试"),
        retry_after_s: left.num_seconds().max(1),
    }
}

/// Why the user must change their password before anything else, if they must.
pub async fn password_change_due(
    state: &Services,
    user: &User,
) -> Result<Option<domain::password::ChangeReason>> {
    let st = state
        .store
        .password_state(user.id)
        .await?
        .ok_or(Error::NotFound("用户"))?;
    Ok(domain::password::change_due(
        st.must_change,
        user.grants.iter().any(|g| g.role.is_staff()),
        st.changed_at.unwrap_or(user.created_at),
        state.config.password_expiry_days,
        state.clock.now(),
    ))
}

/// The signed-in user behind a session cookie's token: none when the session is unknown, past its
/// end or idle too long (then it is ended), or its user is gone or deactivated. Activity is
/// recorded at most once a minute. Answered from memory while no account changed and activity is
/// not yet due to be recorded (`session_cache`).
pub async fn session_user(state: &Services, token: &str) -> Result<Option<(Session, User)>> {
    let now = state.clock.now();
    let hash = token_hash(token);
    let cache = &state.caches.sessions;
    let read_at = cache.versions(state.store.as_ref());
    if let Some((session, user)) = cache.get(&hash, read_at) {
        if session.expires_at > now
            && now - session.last_seen_at < rules::TOUCH_EVERY
            && state.config.session_timeouts().live(
                user.grants.iter().any(|g| g.role.is_staff()),
                session.last_seen_at,
                now,
            )
        {
            return Ok(Some((session, user)));
        }
    }
    let Some(mut session) = state.store.get_session(&hash, now).await? else {
        return Ok(None);
    };
    let Some(user) = state.store.get_user(session.user_id).await? else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    let staff = user.grants.iter().any(|g| g.role.is_staff());
    if !state
        .config
        .session_timeouts()
        .live(staff, session.last_seen_at, now)
    {
        state.store.delete_session(&session.token_hash).await?;
        return Ok(None);
    }
    if now - session.last_seen_at >= rules::TOUCH_EVERY {
        state.store.touch_session(&session.token_hash, now).await?;
        session.last_seen_at = now;
    }
    cache.keep(
        read_at,
        cache.versions(state.store.as_ref()),
        &session,
        &user,
    );
    Ok(Some((session, user)))
}

/// Ends a session (the cookie's token no longer signs anyone in).
pub async fn sign_out(state: &Services, u: &User, session: &Session) -> Result<()> {
    state.store.delete_session(&session.token_hash).await?;
    crate::audit::record(
        state,
        crate::audit::Actor::User(u),
        domain::audit::AuditAction::SignOut,
        format!("user:{}", u.id),
        domain::audit::Outcome::Success,
        "",
    )
    .await?;
    Ok(())
}

/// The regions the registration form offers as a home: counties and below (a city is no home).
pub async fn home_regions(state: &Services) -> Result<Vec<domain::region::Region>> {
    Ok(state
        .store
        .list_regions(&domain::Scope::All)
        .await?
        .into_iter()
        .filter(|r| r.level >= domain::Level::County)
        .collect())
}

async fn delay(ms: u64) {
    if ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

/// An argon2 hash of a random string, used to spend equal time on unknown usernames.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0mFJ3d8B2l8W4cL9iVJbTtqBP0t5xK1d4z7n7k2o0qY";

/// What a citizen gives to open an applicant account (网上申请人注册).
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub username: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub password: String,
    /// The region the applicant lives in (village or community code).
    pub region: String,
}

/// Opens an applicant account in the person's home region. Every problem is reported at once,
/// field by field (`Error::Validation`), a taken username among them. Returns the account's id.
pub async fn register(state: &Services, r: &Registration) -> Result<i64> {
    let mut e = match domain::identity::check_applicant(
        domain::case::ApplicantKind::Person,
        &r.name,
        &r.id_number,
        &r.phone,
    ) {
        Ok(()) => ValidationErrors::default(),
        Err(v) => v,
    };
    if let Err(Error::BadRequest { code, message, .. }) = check_password(&r.password, &r.username) {
        e.push("password", code, message);
    }
    let username = r.username.trim();
    if !domain::identity::valid_username(username) {
        e.push(
            "username",
            "invalid_username",
            domain::identity::USERNAME_RULE,
        );
    }
    let region = match domain::RegionCode::parse(&r.region) {
        Ok(code) => state.store.get_region(&code).await?,
        Err(_) => None,
    };
    let Some(region) = region else {
        e.push("region", "region_not_found", "请选择居住地");
        return Err(Error::Validation(e));
    };
    e.into_result(())?;
    let new = store::NewUser {
        username: username.to_string(),
        display_name: r.name.trim().to_string(),
        phone: r.phone.trim().to_string(),
        home_region: region.code.clone(),
        password_hash: hash_password_off_runtime(&r.password).await?,
        grants: vec![domain::Grant {
            role: domain::Role::Applicant,
            region_code: region.code.clone(),
            region_level: region.level,
            department_id: None,
        }],
        // One account per person (issue 17, part 13): the store refuses a number already
        // registered, by its blind index.
        id_number: Some(domain::identity::normalize_id_number(&r.id_number)),
    };
    match state.store.create_user(&new).await {
        Ok(id) => {
            crate::audit::record(
                state,
                crate::audit::Actor::Named(username),
                domain::audit::AuditAction::UserCreated,
                format!("user:{id}"),
                domain::audit::Outcome::Success,
                "申请人自助注册",
            )
            .await?;
            Ok(id)
        }
        Err(store::StoreError::Conflict { code, message }) => {
            let field = if code == "id_number_taken" {
                "id_number"
            } else {
                "username"
            };
            Err(Error::Validation(ValidationErrors::single(
                field, code, message,
            )))
        }
        Err(e) => Err(e.into()),
    }
}
