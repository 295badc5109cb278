//! 口令管理 (issue 17, part 2): changing one's password, an administrator's reset, and an
//! applicant's own reset by an SMS code. Every new password passes `domain::password::check`; each
//! change ends the account's sessions (a stolen session dies with the old password) and is audited.

use crate::access::Caller;
use crate::accounts::{
    hash_password_off_runtime, random_token, token_hash, verify_password_off_runtime, SignedIn,
};
use crate::audit::{record, Actor};
use crate::{Error, Result, Services};
use chrono::Duration;
use domain::access::Action;
use domain::audit::{AuditAction, Outcome};
use domain::sign_in::{self as rules, Limit, Verdict};
use domain::ValidationErrors;
use sha2::{Digest, Sha256};
use store::credentials::ResetCode;
use store::{Session, User};

/// What someone types to change their password.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

fn rule_errors(field: &str, password: &str, username: &str, e: &mut ValidationErrors) {
    if let Err(p) = domain::password::check(password, username) {
        e.push(field, p.code(), p.message());
    }
}

/// Changes the signed-in user's password. A wrong current password counts as a failed sign-in
/// from this source (so the form cannot be used to guess it). Every session of the user ends and a
/// new one is opened for this client (returned: its cookie replaces the old one).
pub async fn change(state: &Services, u: &User, c: &PasswordChange) -> Result<SignedIn> {
    let now = state.clock.now();
    let source = crate::audit::source();
    let object = format!("user:{}", u.id);
    let limit = state.config.account_limit();
    let key = rules::account_key(&u.username, &source);
    let count = state.store.count_attempt(&key, &limit, now).await?;
    if let Verdict::Refused { until } = rules::verdict(&count, &limit, now) {
        return Err(Error::Locked {
            message: "密码错误次数过多,请稍后再试".into(),
            retry_after_s: (until - now).num_seconds().max(1),
        });
    }
    let mut e = ValidationErrors::default();
    if !verify_password_off_runtime(&c.current_password, &u.password_hash).await {
        e.push("current_password", "wrong_password", "当前密码不正确");
    } else {
        state.store.clear_attempts(&key).await?;
    }
    rule_errors("new_password", &c.new_password, &u.username, &mut e);
    if e.is_empty() && c.new_password == c.current_password {
        e.push(
            "new_password",
            "password_unchanged",
            "新密码不能与当前密码相同",
        );
    }
    if !e.is_empty() {
        record(
            state,
            Actor::User(u),
            AuditAction::PasswordChanged,
            &object,
            Outcome::Failure,
            e.errors
                .iter()
                .map(|f| f.code.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )
        .await?;
        return Err(Error::Validation(e));
    }
    let hash = hash_password_off_runtime(&c.new_password).await?;
    state.store.update_password(u.id, &hash, now, false).await?;
    state.store.delete_user_sessions(u.id).await?;
    let token = random_token();
    let session = Session {
        token_hash: token_hash(&token),
        user_id: u.id,
        csrf_token: random_token(),
        created_at: now,
        expires_at: now + Duration::hours(state.config.session_hours),
        last_seen_at: now,
        source,
        password_change_due: false,
        // Only a session past its second factor reaches the change (the web layer's gate).
        second_factor_due: false,
    };
    state.store.create_session(&session).await?;
    record(
        state,
        Actor::User(u),
        AuditAction::PasswordChanged,
        &object,
        Outcome::Success,
        "其他会话已结束",
    )
    .await?;
    let user = state
        .store
        .get_user(u.id)
        .await?
        .ok_or(Error::NotFound("用户"))?;
    Ok(SignedIn {
        token,
        session,
        user,
    })
}

/// The account whose password `admin` may reset: only the security administrator's task (三员分立),
/// for someone in their subtree, never themselves (they change their own).
pub async fn reset_target(state: &Services, admin: &User, id: i64) -> Result<User> {
    credentials_target(state, admin, id, "不能重置自己的密码,请使用“修改密码”").await
}

/// The account whose credentials (password, second factor) `admin` may reset: the security
/// administrator's task (三员分立), for someone in their subtree, never themselves — `own` says
/// what to do instead.
pub(crate) async fn credentials_target(
    state: &Services,
    admin: &User,
    id: i64,
    own: &'static str,
) -> Result<User> {
    if !admin.can_anywhere(Action::ManageCredentials) {
        return Err(Error::Forbidden);
    }
    let target = crate::users::managed(state, admin, id).await?;
    if target.id == admin.id {
        return Err(Error::bad("cannot_reset_self", own));
    }
    Ok(target)
}

/// The security administrator sets a new password for someone ([`reset_target`]). The user must
/// change it at their next sign-in; their sessions end.
pub async fn reset_by_admin(state: &Services, admin: &User, id: i64, password: &str) -> Result<()> {
    let target = reset_target(state, admin, id).await?;
    let mut e = ValidationErrors::default();
    rule_errors("password", password, &target.username, &mut e);
    e.into_result(())?;
    let hash = hash_password_off_runtime(password).await?;
    let now = state.clock.now();
    state.store.update_password(id, &hash, now, true).await?;
    state.store.delete_user_sessions(id).await?;
    record(
        state,
        Actor::User(admin),
        AuditAction::PasswordReset,
        format!("user:{id}"),
        Outcome::Success,
        format!(
            "安全管理员重置 {} 的密码,须在下次登录时修改",
            target.username
        ),
    )
    .await?;
    Ok(())
}

/// The security administrator lifts an account's sign-in lock (its counters from every source;
/// the per-address counters stay: they guard the address, not the account). Audited with how many
/// sources were locked or counting.
pub async fn unlock(state: &Services, admin: &User, id: i64) -> Result<()> {
    if !admin.can_anywhere(Action::ManageCredentials) {
        return Err(Error::Forbidden);
    }
    let target = crate::users::managed(state, admin, id).await?;
    let cleared = state
        .store
        .clear_attempts_with_prefix(&rules::account_keys_prefix(&target.username))
        .await?;
    record(
        state,
        Actor::User(admin),
        AuditAction::AccountUnlocked,
        format!("user:{id}"),
        Outcome::Success,
        format!(
            "安全管理员解除 {} 的登录锁定({cleared} 个来源的计数已清除)",
            target.username
        ),
    )
    .await?;
    Ok(())
}

fn code_hash(user_id: i64, code: &str) -> String {
    hex::encode(Sha256::digest(format!("reset:{user_id}:{code}")))
}

fn applicant_only(u: &User) -> bool {
    !u.grants.is_empty() && u.grants.iter().all(|g| !g.role.is_staff())
}

/// An applicant asks for a reset code by username and phone. The answer is the same whether or
/// not they match an account (so the form tells nobody which accounts exist); when they match an
/// active applicant account, a 6-digit code goes to that phone through the `Notifier`. Limited per
/// source (10 an hour), per name (one a minute, five a day). Staff ask the security administrator.
pub async fn request_reset_code(state: &Services, username: &str, phone: &str) -> Result<()> {
    let now = state.clock.now();
    let source = crate::audit::source();
    let name = username.trim();
    let per = |max_failures, minutes| Limit {
        max_failures,
        window: Duration::minutes(minutes),
        lock: Duration::minutes(minutes),
    };
    for (key, limit) in [
        (rules::reset_source_key(&source), per(10, 60)),
        (
            format!("{}|day", rules::reset_account_key(name)),
            per(5, 24 * 60),
        ),
        (
            rules::reset_account_key(name),
            per(1, rules::RESET_RESEND_AFTER.num_minutes()),
        ),
    ] {
        let count = state.store.count_attempt(&key, &limit, now).await?;
        if let Verdict::Refused { until } = rules::verdict(&count, &limit, now) {
            let left = until - now;
            return Err(Error::Locked {
                message: format!("获取验证码过于频繁,请{}分钟后再试", left.num_minutes() + 1),
                retry_after_s: left.num_seconds().max(1),
            });
        }
    }
    let user = state.store.find_user(name).await?;
    let matched = user
        .as_ref()
        .filter(|u| u.active && applicant_only(u) && u.phone.trim() == phone.trim());
    let Some(u) = matched else {
        record(
            state,
            Actor::Named(name),
            AuditAction::PasswordResetCodeSent,
            user.as_ref()
                .map(|u| format!("user:{}", u.id))
                .unwrap_or_default(),
            Outcome::Failure,
            "用户名与手机号不匹配或非申请人账户,未发送",
        )
        .await?;
        return Ok(());
    };
    let code = format!("{:06}", rand::random::<u32>() % 1_000_000);
    state
        .store
        .put_reset_code(&ResetCode {
            user_id: u.id,
            code_hash: code_hash(u.id, &code),
            created_at: now,
            expires_at: now + rules::RESET_CODE_LIFETIME,
        })
        .await?;
    state.notifier.sms(
        &u.phone,
        &format!(
            "【一站】您的密码重置验证码为 {code},{} 分钟内有效。如非本人操作,请忽略。",
            rules::RESET_CODE_LIFETIME.num_minutes()
        ),
    );
    record(
        state,
        Actor::User(u),
        AuditAction::PasswordResetCodeSent,
        format!("user:{}", u.id),
        Outcome::Success,
        format!("发送至 {}", domain::identity::mask_phone(&u.phone)),
    )
    .await?;
    Ok(())
}

/// Sets a new password with a reset code: the code must be the account's current one, unused,
/// unexpired, within its tries; it is used up by a success. Every session of the account ends.
pub async fn reset_with_code(
    state: &Services,
    username: &str,
    code: &str,
    password: &str,
) -> Result<()> {
    let now = state.clock.now();
    let name = username.trim();
    let mut e = ValidationErrors::default();
    rule_errors("new_password", password, name, &mut e);
    e.into_result(())?;
    let invalid = || {
        Error::Validation(ValidationErrors::single(
            "code",
            "invalid_reset_code",
            "验证码错误或已失效,请重新获取",
        ))
    };
    let user = state
        .store
        .find_user(name)
        .await?
        .filter(|u| u.active && applicant_only(u));
    let Some(u) = user else {
        record(
            state,
            Actor::Named(name),
            AuditAction::PasswordReset,
            "",
            Outcome::Failure,
            "账户不存在或非申请人账户",
        )
        .await?;
        return Err(invalid());
    };
    let object = format!("user:{}", u.id);
    let stored = state
        .store
        .try_reset_code(u.id, now, rules::RESET_CODE_TRIES)
        .await?;
    let given = code_hash(u.id, code.trim());
    let used = match stored {
        Some(h) if h == given => state.store.use_reset_code(u.id, &h).await?,
        _ => false,
    };
    if !used {
        record(
            state,
            Actor::User(&u),
            AuditAction::PasswordReset,
            &object,
            Outcome::Failure,
            "验证码错误或已失效",
        )
        .await?;
        return Err(invalid());
    }
    let hash = hash_password_off_runtime(password).await?;
    state.store.update_password(u.id, &hash, now, false).await?;
    state.store.delete_user_sessions(u.id).await?;
    record(
        state,
        Actor::User(&u),
        AuditAction::PasswordReset,
        &object,
        Outcome::Success,
        "短信验证码自助重置,全部会话已结束",
    )
    .await?;
    Ok(())
}
