//! Login sessions, stored by the hash of their cookie token.

use crate::{db, violated, PgStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use store::{Result, Session, SessionStore, StoreError};
use tokio_postgres::error::SqlState;

#[async_trait]
impl SessionStore for PgStore {
    async fn create_session(&self, session: &Session) -> Result<()> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
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
            ],
        )
        .await
        .map_err(|e| match violated(&e, &SqlState::FOREIGN_KEY_VIOLATION) {
            Some(_) => StoreError::NotFound("user"),
            None => db(e),
        })?;
        Ok(())
    }

    async fn get_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT token_hash, user_id, csrf_token, created_at, expires_at FROM sessions
                 WHERE token_hash = $1 AND expires_at > $2",
            )
            .await
            .map_err(db)?;
        let row = conn
            .query_opt(&stmt, &[&token_hash, &now])
            .await
            .map_err(db)?;
        Ok(row.map(|r| Session {
            token_hash: r.get("token_hash"),
            user_id: r.get("user_id"),
            csrf_token: r.get("csrf_token"),
            created_at: r.get("created_at"),
            expires_at: r.get("expires_at"),
        }))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("DELETE FROM sessions WHERE token_hash = $1")
            .await
            .map_err(db)?;
        conn.execute(&stmt, &[&token_hash]).await.map_err(db)?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user_id: i64) -> Result<()> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("DELETE FROM sessions WHERE user_id = $1")
            .await
            .map_err(db)?;
        conn.execute(&stmt, &[&user_id]).await.map_err(db)?;
        Ok(())
    }

    async fn purge_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("DELETE FROM sessions WHERE expires_at <= $1")
            .await
            .map_err(db)?;
        conn.execute(&stmt, &[&now]).await.map_err(db)
    }
}
