//! One's own sessions (issue 17, part 5): the list (when opened, last active, from where — the
//! address partly masked), ending one, ending all ("sign out everywhere").

use crate::audit::{record, Actor};
use crate::{Error, Result, Services};
use chrono::{DateTime, Utc};
use domain::audit::{AuditAction, Outcome};
use sha2::{Digest, Sha256};
use store::{Session, User};

/// A session as its owner sees it. `id` names it for ending it; it is derived from the token's
/// hash, and neither reveals nor leads to the token.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The source address, partly masked (`10.1.*.*`).
    pub source: String,
    /// The session this request came with.
    pub current: bool,
}

fn public_id(s: &Session) -> String {
    hex::encode(&Sha256::digest(format!("session:{}", s.token_hash))[..8])
}

/// The user's sessions that have not ended, newest first.
pub async fn list(state: &Services, u: &User, current: &Session) -> Result<Vec<SessionView>> {
    let timeouts = state.config.session_timeouts();
    let staff = u.grants.iter().any(|g| g.role.is_staff());
    let now = state.clock.now();
    Ok(state
        .store
        .user_sessions(u.id, now)
        .await?
        .into_iter()
        // Idle ones have ended, though their rows go only when next presented or purged.
        .filter(|s| timeouts.live(staff, s.last_seen_at, now))
        .map(|s| SessionView {
            id: public_id(&s),
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
            source: domain::sign_in::mask_source(&s.source),
            current: s.token_hash == current.token_hash,
        })
        .collect())
}

/// Ends one of the user's own sessions by its id.
pub async fn end(state: &Services, u: &User, id: &str) -> Result<()> {
    let now = state.clock.now();
    let target = state
        .store
        .user_sessions(u.id, now)
        .await?
        .into_iter()
        .find(|s| public_id(s) == id)
        .ok_or(Error::NotFound("会话"))?;
    state.store.delete_session(&target.token_hash).await?;
    record(
        state,
        Actor::User(u),
        AuditAction::SessionsEnded,
        format!("user:{}", u.id),
        Outcome::Success,
        format!(
            "结束一个会话(来源 {})",
            domain::sign_in::mask_source(&target.source)
        ),
    )
    .await?;
    Ok(())
}

/// Ends every session of the user, this one included ("sign out everywhere").
pub async fn end_everywhere(state: &Services, u: &User) -> Result<()> {
    let n = state
        .store
        .user_sessions(u.id, state.clock.now())
        .await?
        .len();
    state.store.delete_user_sessions(u.id).await?;
    record(
        state,
        Actor::User(u),
        AuditAction::SessionsEnded,
        format!("user:{}", u.id),
        Outcome::Success,
        format!("在所有设备上退出,结束 {n} 个会话"),
    )
    .await?;
    Ok(())
}
