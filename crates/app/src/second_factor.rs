//! 双因素认证 (issue 17, part 3; GB/T 22239-2019 8.1.4.1 d): an authenticator app (TOTP) bound to
//! the account, with ten single-use recovery codes for a lost phone. Accounts holding a role of
//! `second_factor_roles` must present a code after their password, and enrol one at their first
//! sign-in if they have none; anyone else may enrol too, and is then asked for it as well.
//!
//! A session is opened by the password with `second_factor_due` set, and can do nothing but present
//! the code (or enrol); the code opens a new session in its place (a new token: a privilege change
//! never keeps the token that was issued before it). Codes are counted before they are checked,
//! like passwords (`domain::sign_in`), a code's step is used once (`use_second_factor_step`), and
//! every enrolment, code, removal and reset is in the audit log. The rules are
//! `domain::second_factor`; the secret is stored sealed and the recovery codes as keyed hashes.

use crate::accounts::{random_token, token_hash, SignedIn};
use crate::audit::{record, Actor};
use crate::{Error, Result, Services};
use chrono::{DateTime, Utc};
use domain::audit::{AuditAction, Outcome};
use domain::second_factor::{self as rules, CodeRefused};
use domain::sign_in::{self as limits, Verdict};
use domain::ValidationErrors;
use rand::RngCore;
use store::credentials::SecondFactor;
use store::{Session, User};

/// What a session whose password was right must still do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// Present a code from the authenticator (or a recovery code).
    Verify,
    /// Bind an authenticator first (the role requires one and the account has none).
    Enrol,
}

/// One's second factor as the account page shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Status {
    /// An authenticator is bound (its enrolment was confirmed by a code).
    pub enrolled: bool,
    /// The account's roles require one (it cannot be turned off).
    pub required: bool,
    pub enrolled_at: Option<DateTime<Utc>>,
    /// Unused recovery codes.
    pub recovery_codes_left: u32,
}

/// A started enrolment: what the authenticator app is given (a QR code of `otpauth_url`, or the
/// secret typed in).
#[derive(Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    /// The secret in base32, as authenticator apps take it by hand.
    pub secret: String,
    /// `otpauth://totp/…`, what the QR code holds.
    pub otpauth_url: String,
}

/// What proves the second factor: a code from the authenticator, or one of the recovery codes.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct Proof {
    /// The 6 digits the authenticator shows.
    #[serde(default)]
    #[schema(max_length = 16)]
    pub code: String,
    /// A recovery code (`abcde-fghij`), when the authenticator is not at hand.
    #[serde(default)]
    #[schema(max_length = 32)]
    pub recovery_code: String,
}

/// Whether the account's roles require a second factor.
pub fn required(state: &Services, u: &User) -> bool {
    rules::required(&u.grants, &state.config.second_factor_roles)
}

fn confirmed(sf: &Option<SecondFactor>) -> Option<&SecondFactor> {
    sf.as_ref().filter(|s| s.confirmed_at.is_some())
}

/// Whether a sign-in by password leaves the second factor to come: the role requires it, or the
/// account has bound one.
pub async fn due_at_sign_in(state: &Services, u: &User) -> Result<bool> {
    Ok(required(state, u) || confirmed(&state.store.second_factor(u.id).await?).is_some())
}

/// What the session must still do, if anything.
pub async fn due(state: &Services, u: &User, session: &Session) -> Result<Option<Due>> {
    if !session.second_factor_due {
        return Ok(None);
    }
    Ok(Some(
        match confirmed(&state.store.second_factor(u.id).await?) {
            Some(_) => Due::Verify,
            None => Due::Enrol,
        },
    ))
}

pub async fn status(state: &Services, u: &User) -> Result<Status> {
    let sf = state.store.second_factor(u.id).await?;
    let enrolled_at = confirmed(&sf).and_then(|s| s.confirmed_at);
    Ok(Status {
        enrolled: enrolled_at.is_some(),
        required: required(state, u),
        enrolled_at,
        recovery_codes_left: match enrolled_at {
            Some(_) => state.store.recovery_codes_left(u.id).await?,
            None => 0,
        },
    })
}

fn already_enrolled() -> Error {
    Error::bad(
        "second_factor_enrolled",
        "已绑定身份验证器;如需更换,请先停用后重新绑定",
    )
}

/// Starts binding an authenticator, or shows the one being bound: a page reloaded after the QR
/// code was scanned must show the same secret, so a pending one is kept until confirmed.
pub async fn begin(state: &Services, u: &User) -> Result<Enrolment> {
    let sf = state.store.second_factor(u.id).await?;
    let secret = match sf {
        Some(s) if s.confirmed_at.is_some() => return Err(already_enrolled()),
        Some(s) => s.secret,
        None => {
            let mut secret = vec![0u8; rules::SECRET_BYTES];
            rand::thread_rng().fill_bytes(&mut secret);
            if !state
                .store
                .begin_second_factor(u.id, &secret, state.clock.now())
                .await?
            {
                // Confirmed in another tab since the read above.
                return Err(already_enrolled());
            }
            secret
        }
    };
    Ok(Enrolment {
        secret: rules::secret_text(&secret),
        otpauth_url: rules::otpauth_url(&secret, ISSUER, &u.username),
    })
}

/// The name authenticator apps show above the code.
pub const ISSUER: &str = "一站政务服务";

/// Ten new recovery codes: the codes (shown once) and their keys (stored).
fn new_recovery_codes(state: &Services, user_id: i64) -> (Vec<String>, Vec<String>) {
    let vault = state.store.vault();
    (0..rules::RECOVERY_CODES)
        .map(|_| {
            let mut random = [0u8; 7];
            rand::thread_rng().fill_bytes(&mut random);
            let code = rules::recovery_code(random);
            let key = vault.recovery_code_key(user_id, &code);
            (code, key)
        })
        .unzip()
}

fn unix(t: DateTime<Utc>) -> u64 {
    t.timestamp().max(0) as u64
}

/// Counts an attempt at the account's second factor before anything is checked (parallel guesses
/// cannot share a count); refused while locked.
async fn count(state: &Services, u: &User) -> Result<String> {
    let now = state.clock.now();
    let key = limits::second_factor_key(&u.username);
    let l = state.config.account_limit();
    let c = state.store.count_attempt(&key, &l, now).await?;
    if let Verdict::Refused { until } = limits::verdict(&c, &l, now) {
        let left = until - now;
        record(
            state,
            Actor::User(u),
            AuditAction::SecondFactorVerified,
            format!("user:{}", u.id),
            Outcome::Failure,
            "验证码错误次数过多,锁定中,未校验",
        )
        .await?;
        return Err(Error::Locked {
            message: format!(
                "验证码错误次数过多,已暂时锁定,请{}分钟后再试",
                left.num_minutes() + 1
            ),
            retry_after_s: left.num_seconds().max(1),
        });
    }
    Ok(key)
}

/// How a proof was accepted (for the audit log).
enum Accepted {
    Code,
    Recovery { left: u32 },
}

/// Checks a proof against the bound authenticator, counted first. A code's step is used up; a
/// recovery code is used up. A refusal is audited and answers with the field it concerns.
async fn check(state: &Services, u: &User, proof: &Proof, why: &str) -> Result<Accepted> {
    let object = format!("user:{}", u.id);
    let sf = state.store.second_factor(u.id).await?;
    let Some(sf) = confirmed(&sf) else {
        return Err(Error::bad(
            "second_factor_not_enrolled",
            "尚未绑定身份验证器",
        ));
    };
    let key = count(state, u).await?;
    let now = state.clock.now();
    let outcome: std::result::Result<Accepted, (&str, &str, String)> =
        if !proof.recovery_code.trim().is_empty() {
            let used = match rules::normalize_recovery_code(&proof.recovery_code) {
                Some(code) => {
                    let k = state.store.vault().recovery_code_key(u.id, &code);
                    state.store.use_recovery_code(u.id, &k, now).await?
                }
                None => false,
            };
            if used {
                Ok(Accepted::Recovery {
                    left: state.store.recovery_codes_left(u.id).await?,
                })
            } else {
                Err((
                    "recovery_code",
                    "invalid_recovery_code",
                    "恢复码不正确或已使用".to_string(),
                ))
            }
        } else {
            match rules::verify(&sf.secret, &proof.code, unix(now), sf.last_step) {
                Ok(step) if state.store.use_second_factor_step(u.id, step).await? => {
                    Ok(Accepted::Code)
                }
                // Another request used this step between the read and now.
                Ok(_) => Err((
                    "code",
                    CodeRefused::Replayed.code(),
                    CodeRefused::Replayed.to_string(),
                )),
                Err(e) => Err(("code", e.code(), e.to_string())),
            }
        };
    match outcome {
        Ok(a) => {
            state.store.clear_attempts(&key).await?;
            Ok(a)
        }
        Err((field, code, message)) => {
            record(
                state,
                Actor::User(u),
                AuditAction::SecondFactorVerified,
                &object,
                Outcome::Failure,
                format!("{why}:{code}"),
            )
            .await?;
            Err(Error::Validation(ValidationErrors::single(
                field, code, message,
            )))
        }
    }
}

/// A new session in place of `old`, with the second factor done (the password change, if due,
/// still to come).
async fn upgrade(state: &Services, u: &User, old: &Session) -> Result<SignedIn> {
    let now = state.clock.now();
    let token = random_token();
    let session = Session {
        token_hash: token_hash(&token),
        user_id: u.id,
        csrf_token: random_token(),
        created_at: now,
        // The sign-in's lifetime, not a new one.
        expires_at: old.expires_at,
        last_seen_at: now,
        source: old.source.clone(),
        password_change_due: old.password_change_due,
        second_factor_due: false,
    };
    state.store.create_session(&session).await?;
    state.store.delete_session(&old.token_hash).await?;
    Ok(SignedIn {
        token,
        session,
        user: u.clone(),
    })
}

/// The second step of a sign-in: a code (or a recovery code) for a session that is due one.
/// Answers with the session that replaces it.
pub async fn verify(
    state: &Services,
    u: &User,
    session: &Session,
    proof: &Proof,
) -> Result<SignedIn> {
    if !session.second_factor_due {
        return Err(Error::bad(
            "second_factor_not_due",
            "本次登录已完成双因素认证",
        ));
    }
    let how = check(state, u, proof, "登录").await?;
    let signed = upgrade(state, u, session).await?;
    record(
        state,
        Actor::User(u),
        AuditAction::SecondFactorVerified,
        format!("user:{}", u.id),
        Outcome::Success,
        match how {
            Accepted::Code => "登录:身份验证器验证码".to_string(),
            Accepted::Recovery { left } => format!("登录:使用恢复码,剩余 {left} 个"),
        },
    )
    .await?;
    Ok(signed)
}

/// Confirms the authenticator being bound with its first code: the binding holds from now, ten
/// recovery codes are issued (returned: shown once), and a session that was due its second factor
/// is replaced by one that is not (returned when it was).
pub async fn confirm(
    state: &Services,
    u: &User,
    session: &Session,
    code: &str,
) -> Result<(Vec<String>, Option<SignedIn>)> {
    let sf = state.store.second_factor(u.id).await?;
    let pending = match sf {
        Some(s) if s.confirmed_at.is_some() => return Err(already_enrolled()),
        Some(s) => s,
        None => {
            return Err(Error::bad(
                "second_factor_not_begun",
                "请先打开绑定页面,扫描二维码",
            ))
        }
    };
    let key = count(state, u).await?;
    let now = state.clock.now();
    let step = match rules::verify(&pending.secret, code, unix(now), None) {
        Ok(step) => step,
        Err(e) => {
            record(
                state,
                Actor::User(u),
                AuditAction::SecondFactorEnrolled,
                format!("user:{}", u.id),
                Outcome::Failure,
                e.code(),
            )
            .await?;
            return Err(Error::Validation(ValidationErrors::single(
                "code",
                e.code(),
                e.to_string(),
            )));
        }
    };
    let (codes, keys) = new_recovery_codes(state, u.id);
    if !state
        .store
        .confirm_second_factor(u.id, pending.created_at, step, &keys, now)
        .await?
    {
        return Err(Error::bad(
            "second_factor_changed",
            "绑定已在其他页面更新,请刷新后用新的二维码重试",
        ));
    }
    state.store.clear_attempts(&key).await?;
    let signed = match session.second_factor_due {
        true => Some(upgrade(state, u, session).await?),
        false => None,
    };
    record(
        state,
        Actor::User(u),
        AuditAction::SecondFactorEnrolled,
        format!("user:{}", u.id),
        Outcome::Success,
        format!("绑定身份验证器,发放 {} 个恢复码", codes.len()),
    )
    .await?;
    Ok((codes, signed))
}

/// Ten new recovery codes in place of the old ones, for a proof of the authenticator.
pub async fn new_recovery_codes_for(
    state: &Services,
    u: &User,
    proof: &Proof,
) -> Result<Vec<String>> {
    check(state, u, proof, "重新生成恢复码").await?;
    let (codes, keys) = new_recovery_codes(state, u.id);
    state
        .store
        .replace_recovery_codes(u.id, &keys, state.clock.now())
        .await?;
    record(
        state,
        Actor::User(u),
        AuditAction::RecoveryCodesIssued,
        format!("user:{}", u.id),
        Outcome::Success,
        format!("重新生成 {} 个恢复码,原恢复码作废", codes.len()),
    )
    .await?;
    Ok(codes)
}

/// Unbinds one's own authenticator (with a proof of it); not for an account whose role requires
/// one (the security administrator resets a lost one instead).
pub async fn remove(state: &Services, u: &User, proof: &Proof) -> Result<()> {
    if required(state, u) {
        return Err(Error::bad(
            "second_factor_required",
            "您的角色要求双因素认证,不能停用;更换手机请联系安全管理员重置",
        ));
    }
    check(state, u, proof, "停用").await?;
    state.store.remove_second_factor(u.id).await?;
    record(
        state,
        Actor::User(u),
        AuditAction::SecondFactorRemoved,
        format!("user:{}", u.id),
        Outcome::Success,
        "本人停用身份验证器",
    )
    .await?;
    Ok(())
}

/// The security administrator unbinds someone's authenticator (a lost phone, used-up recovery
/// codes): their sessions end, and their next sign-in binds a new one. Not their own (三员分立:
/// another security administrator does that).
pub async fn reset_by_admin(state: &Services, admin: &User, id: i64) -> Result<()> {
    let target = crate::passwords::credentials_target(
        state,
        admin,
        id,
        "不能重置自己的双因素认证,请联系另一位安全管理员",
    )
    .await?;
    let removed = state.store.remove_second_factor(id).await?;
    state.store.delete_user_sessions(id).await?;
    record(
        state,
        Actor::User(admin),
        AuditAction::SecondFactorRemoved,
        format!("user:{id}"),
        Outcome::Success,
        format!(
            "安全管理员重置 {} 的双因素认证{},其会话全部结束,下次登录须重新绑定",
            target.username,
            if removed { "" } else { "(原未绑定)" }
        ),
    )
    .await?;
    Ok(())
}
