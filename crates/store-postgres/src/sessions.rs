//! Login sessions, stored by the hash of their cookie token.

use crate::{db, violated, PgStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use store::{Result, Session, SessionStore, StoreError};
use tokio_postgres::error::SqlState;

pub(crate) const SESSION_COLS: &str =
    "token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at, source, password_change_due, second_factor_due";

pub(crate) fn session_row(r: &tokio_postgres::Row) -> Session {
    let created_at = r.get("created_at");
    Session {
        token_hash: r.get("token_hash"),
        user_id: r.get("user_id"),
        csrf_token: r.get("csrf_token"),
        created_at,
        expires_at: r.get("expires_at"),
        // Not seen since sign-in: the sign-in was the last activity.
        last_seen_at: r
            .get::<_, Option<DateTime<Utc>>>("last_seen_at")
            .unwrap_or(created_at),
        source: r.get("source"),
        password_change_due: r.get("password_change_due"),
        second_factor_due: r.get("second_factor_due"),
    }
}

/// A foreign key to `users` failed: the user does not exist.
pub(crate) fn missing_user(e: tokio_postgres::Error) -> StoreError {
    match violated(&e, &SqlState::FOREIGN_KEY_VIOLATION) {
        Some(_) => StoreError::NotFound("user"),
        None => db(e),
    }
}

#[async_trait]
impl SessionStore for PgStore {
    async fn create_session(&self, session: &Session) -> Result<()> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at,
                                       source, password_change_due, second_factor_due)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .await
            .map_err(db)?;
        conn.execute(
            &stmt,
            &[
                &session.token_hash,
                &session.user_id,
                &session.csrf_token,
                &session.created_at,
                &session.expires_at,
                &session.source,
                &session.password_change_due,
                &session.second_factor_due,
            ],
        )
        .await
        .map_err(missing_user)?;
        Ok(())
    }

    async fn get_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!(
                "SELECT {SESSION_COLS} FROM sessions WHERE token_hash = $1 AND expires_at > $2"
            ))
            .await
            .map_err(db)?;
        let row = conn
            .query_opt(&stmt, &[&token_hash, &now])
            .await
            .map_err(db)?;
        Ok(row.as_ref().map(session_row))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let _changed = self.accounts.bump_on_drop();
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("DELETE FROM sessions WHERE token_hash = $1")
            .await
            .map_err(db)?;
        conn.execute(&stmt, &[&token_hash]).await.map_err(db)?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user_id: i64) -> Result<()> {
        let _changed = self.accounts.bump_on_drop();
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("DELETE FROM sessions WHERE user_id = $1")
            .await
            .map_err(db)?;
        conn.execute(&stmt, &[&user_id]).await.map_err(db)?;
        Ok(())
    }

    async fn purge_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        let _changed = self.accounts.bump_on_drop();
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("DELETE FROM sessions WHERE expires_at <= $1")
            .await
            .map_err(db)?;
        conn.execute(&stmt, &[&now]).await.map_err(db)
    }
}
