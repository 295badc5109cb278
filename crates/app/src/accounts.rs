//! Accounts: passwords (argon2id, hashed off the async workers), their strength rule, sign-in with
//! lockout (each consecutive failure answered more slowly, `lock_after` failures lock the account
//! for `lock_minutes`, unknown names cost the same time as known ones), and session tokens (random
//! 256-bit, only their SHA-256 stored).

use crate::{Error, Result, Services};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::Duration;
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

/// Password rules for new accounts: at least 8 characters with letters and digits.
pub fn check_password_strength(password: &str) -> Result<()> {
    let ok = password.chars().count() >= 8
        && password.chars().any(|c| c.is_ascii_alphabetic())
        && password.chars().any(|c| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(Error::bad_field(
            "weak_password",
            "password",
            "密码至少8位,且须同时包含字母和数字",
        ))
    }
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

/// Checks credentials with lockout: each consecutive failure is answered more slowly, and
/// `lock_after` failures lock the account for `lock_minutes`.
pub async fn sign_in(state: &Services, username: &str, password: &str) -> Result<SignedIn> {
    let now = state.clock.now();
    let cfg = &state.config;
    let invalid = || Error::Unauthenticated {
        code: "invalid_credentials",
        message: "用户名或密码错误".into(),
    };
    use crate::audit::{record, Actor};
    use domain::audit::{AuditAction, Outcome};
    let Some(user) = state.store.find_user(username.trim()).await? else {
        // Same cost as a real check, so response time does not reveal which names exist.
        let _ = verify_password_off_runtime(password, DUMMY_HASH).await;
        record(
            state,
            Actor::Named(username.trim()),
            AuditAction::SignIn,
            "",
            Outcome::Failure,
            "账户不存在",
        )
        .await?;
        delay(cfg.login_delay_ms).await;
        return Err(invalid());
    };
    let object = format!("user:{}", user.id);
    if let Some(until) = user.locked_until {
        if until > now {
            record(
                state,
                Actor::User(&user),
                AuditAction::SignIn,
                &object,
                Outcome::Failure,
                "账户锁定中",
            )
            .await?;
            let mins = (until - now).num_minutes() + 1;
            return Err(Error::Locked {
                message: format!("登录失败次数过多,账户已锁定,请{mins}分钟后再试"),
                retry_after_s: (until - now).num_seconds().max(1),
            });
        }
    }
    if !user.active || !verify_password_off_runtime(password, &user.password_hash).await {
        let next_count = user.failed_logins + 1;
        let lock =
            (next_count >= cfg.lock_after).then(|| now + Duration::minutes(cfg.lock_minutes));
        let count = state.store.record_login_failure(user.id, lock).await?;
        record(
            state,
            Actor::User(&user),
            AuditAction::SignIn,
            &object,
            Outcome::Failure,
            if user.active {
                "密码错误"
            } else {
                "账户已停用"
            },
        )
        .await?;
        if lock.is_some() {
            record(
                state,
                Actor::User(&user),
                AuditAction::AccountLocked,
                &object,
                Outcome::Success,
                format!("连续失败 {count} 次,锁定 {} 分钟", cfg.lock_minutes),
            )
            .await?;
        }
        delay(cfg.login_delay_ms.saturating_mul(count.min(8) as u64)).await;
        if lock.is_some() {
            return Err(Error::Locked {
                message: format!("登录失败次数过多,账户已锁定{}分钟", cfg.lock_minutes),
                retry_after_s: cfg.lock_minutes * 60,
            });
        }
        return Err(invalid());
    }
    if user.failed_logins > 0 || user.locked_until.is_some() {
        state.store.clear_login_failures(user.id).await?;
    }
    let token = random_token();
    let session = Session {
        token_hash: token_hash(&token),
        user_id: user.id,
        csrf_token: random_token(),
        created_at: now,
        expires_at: now + Duration::hours(cfg.session_hours),
    };
    state.store.create_session(&session).await?;
    record(
        state,
        Actor::User(&user),
        AuditAction::SignIn,
        &object,
        Outcome::Success,
        "",
    )
    .await?;
    Ok(SignedIn {
        token,
        session,
        user,
    })
}

/// The signed-in user behind a session cookie's token: none when the session is unknown or
/// expired, or its user is gone or deactivated.
pub async fn session_user(state: &Services, token: &str) -> Result<Option<(Session, User)>> {
    let now = state.clock.now();
    let Some(session) = state.store.get_session(&token_hash(token), now).await? else {
        return Ok(None);
    };
    let Some(user) = state.store.get_user(session.user_id).await? else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
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
    if let Err(Error::BadRequest { code, message, .. }) = check_password_strength(&r.password) {
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
        Err(store::StoreError::Conflict { code, message }) => Err(Error::Validation(
            ValidationErrors::single("username", code, message),
        )),
        Err(e) => Err(e.into()),
    }
}
