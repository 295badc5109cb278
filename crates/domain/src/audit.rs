//! 安全审计 (issue 16, part 4): one append-only, hash-chained log of security-relevant actions —
//! who, from where, did what to what, and whether it succeeded. Its head is sealed in every
//! checkpoint like a case's log.

use chrono::{DateTime, SecondsFormat, Utc};
use crypto::{Hash32, Suite};
use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AuditAction {
    SignIn,
    SignOut,
    AccountLocked,
    AccountUnlocked,
    PasswordChanged,
    PasswordReset,
    PasswordResetCodeSent,
    SessionsEnded,
    UserCreated,
    UserActivated,
    UserDeactivated,
    GrantsChanged,
    /// A user's name, phone or home region changed (the people page's edit).
    UserUpdated,
    SettingsChanged,
    CatalogPublished,
    CalendarImported,
    PersonalDataExported,
    PersonalDataRevealed,
    VerifyRun,
    CheckpointSealed,
    SigningKeyRotated,
    AuditPruned,
    PersonalDataSealed,
    SecondFactorEnrolled,
    SecondFactorVerified,
    SecondFactorRemoved,
    RecoveryCodesIssued,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::SignIn => "登录",
            AuditAction::SignOut => "退出登录",
            AuditAction::AccountLocked => "账户锁定",
            AuditAction::AccountUnlocked => "解除锁定",
            AuditAction::PasswordChanged => "修改密码",
            AuditAction::PasswordReset => "重置密码",
            AuditAction::PasswordResetCodeSent => "发送密码重置验证码",
            AuditAction::SessionsEnded => "结束会话",
            AuditAction::UserCreated => "创建账户",
            AuditAction::UserActivated => "启用账户",
            AuditAction::UserDeactivated => "停用账户",
            AuditAction::GrantsChanged => "变更角色授权",
            AuditAction::UserUpdated => "修改账户信息",
            AuditAction::SettingsChanged => "修改设置或规则",
            AuditAction::CatalogPublished => "发布事项",
            AuditAction::CalendarImported => "导入工作日历",
            AuditAction::PersonalDataExported => "导出个人信息",
            AuditAction::PersonalDataRevealed => "查看完整个人信息",
            AuditAction::VerifyRun => "记录完整性校验",
            AuditAction::CheckpointSealed => "生成检查点",
            AuditAction::SigningKeyRotated => "更换签名密钥",
            AuditAction::AuditPruned => "清理过期审计记录",
            AuditAction::PersonalDataSealed => "个人信息加密存储",
            AuditAction::SecondFactorEnrolled => "启用双因素认证",
            AuditAction::SecondFactorVerified => "双因素认证",
            AuditAction::SecondFactorRemoved => "停用双因素认证",
            AuditAction::RecoveryCodesIssued => "生成恢复码",
        }
    }
    pub fn all() -> impl Iterator<Item = AuditAction> {
        <AuditAction as strum::IntoEnumIterator>::iter()
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Success => "成功",
            Outcome::Failure => "失败",
        }
    }
}

/// An entry before it is chained: what the caller says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub at: DateTime<Utc>,
    /// The account acting, if one is known (a failed sign-in names the account tried).
    pub actor_id: Option<i64>,
    /// Its username, or what acted without one ("系统", "命令行", the name tried at sign-in).
    pub actor: String,
    /// The client's address, or "本机" for the command line and the server's own jobs.
    pub source: String,
    pub action: AuditAction,
    /// What was acted on: a user id, a setting's key, an item code, a file.
    pub object: String,
    pub outcome: Outcome,
    /// Anything else worth keeping (never a password, token or full ID number).
    pub detail: String,
}

/// A chained entry: `hash` is the suite's hash over the previous entry's hash and this entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub source: String,
    pub action: AuditAction,
    pub object: String,
    pub outcome: Outcome,
    pub detail: String,
    #[serde(with = "crypto::hex_serde::hash32")]
    #[schema(value_type = String)]
    pub hash: Hash32,
}

/// The hash before the first entry.
pub const AUDIT_GENESIS: Hash32 = [0; 32];

impl NewAuditEntry {
    /// Chains the entry after `prev` as number `seq`.
    pub fn chain(self, suite: Suite, seq: u64, prev: &Hash32) -> AuditEntry {
        let mut e = AuditEntry {
            seq,
            at: self.at,
            actor_id: self.actor_id,
            actor: self.actor,
            source: self.source,
            action: self.action,
            object: self.object,
            outcome: self.outcome,
            detail: self.detail,
            hash: [0; 32],
        };
        e.hash = e.compute_hash(suite, prev);
        e
    }
}

impl AuditEntry {
    /// The suite's hash over `prev` and the entry's canonical JSON (every field but the hash).
    pub fn compute_hash(&self, suite: Suite, prev: &Hash32) -> Hash32 {
        let body = serde_json::json!({
            "seq": self.seq,
            "at": self.at.to_rfc3339_opts(SecondsFormat::Micros, true),
            "actor_id": self.actor_id,
            "actor": self.actor,
            "source": self.source,
            "action": self.action,
            "object": self.object,
            "outcome": self.outcome,
            "detail": self.detail,
        });
        let json = serde_json::to_vec(&body).expect("an audit entry serializes");
        suite.digest(&[prev, &json])
    }
}

/// Checks a run of entries that follows `prev` (the genesis, or the last pruned entry's hash):
/// numbers consecutive from `first_seq`, each hash right. Returns the first bad seq.
pub fn verify_audit_chain(
    suite: Suite,
    first_seq: u64,
    prev: &Hash32,
    entries: &[AuditEntry],
) -> Result<(), u64> {
    let mut prev = *prev;
    for (i, e) in entries.iter().enumerate() {
        if e.seq != first_seq + i as u64 || e.compute_hash(suite, &prev) != e.hash {
            return Err(e.seq);
        }
        prev = e.hash;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: AuditAction, detail: &str) -> NewAuditEntry {
        NewAuditEntry {
            at: "2026-12-07T01:00:00Z".parse().unwrap(),
            actor_id: Some(1),
            actor: "admin".into(),
            source: "10.0.0.8".into(),
            action,
            object: "user:7".into(),
            outcome: Outcome::Success,
            detail: detail.into(),
        }
    }

    #[test]
    fn a_chain_checks_and_any_change_breaks_it_there() {
        for suite in [Suite::Intl, Suite::Gm] {
            let a = entry(AuditAction::SignIn, "").chain(suite, 1, &AUDIT_GENESIS);
            let b = entry(AuditAction::GrantsChanged, "窗口人员").chain(suite, 2, &a.hash);
            let c = entry(AuditAction::SignOut, "").chain(suite, 3, &b.hash);
            let log = vec![a, b, c];
            assert_eq!(verify_audit_chain(suite, 1, &AUDIT_GENESIS, &log), Ok(()));
            // From a pruned start: the last pruned hash is the link.
            assert_eq!(
                verify_audit_chain(suite, 2, &log[0].hash, &log[1..]),
                Ok(())
            );
            let mut edited = log.clone();
            edited[1].detail = "系统管理员".into();
            assert_eq!(
                verify_audit_chain(suite, 1, &AUDIT_GENESIS, &edited),
                Err(2)
            );
            let mut edited = log.clone();
            edited[1].outcome = Outcome::Failure;
            assert_eq!(
                verify_audit_chain(suite, 1, &AUDIT_GENESIS, &edited),
                Err(2)
            );
            let dropped = vec![log[0].clone(), log[2].clone()];
            assert_eq!(
                verify_audit_chain(suite, 1, &AUDIT_GENESIS, &dropped),
                Err(3)
            );
        }
    }

    #[test]
    fn every_action_has_a_word_and_a_label() {
        for a in AuditAction::all() {
            assert_eq!(a.as_str().parse::<AuditAction>(), Ok(a));
            assert!(!a.label().is_empty());
        }
    }
}
