//! Sign-in counters, password state, SMS reset codes and a user's sessions. A count is one
//! statement (`INSERT … ON CONFLICT DO UPDATE … RETURNING`): PostgreSQL locks the row for the
//! update, so concurrent attempts on one key are counted one after another.

use crate::sessions::{missing_user, session_row, SESSION_COLS};
use crate::{corrupt, db, PgStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::sign_in::{Count, Limit};
use store::credentials::{
    count_attempt_sql, release_attempt_sql, CredentialStore, PasswordState, ResetCode, SecondFactor,
};
use store::{Result, Session, StoreError};

impl PgStore {
    /// Runs an UPDATE of one user; none changed is `NotFound`.
    async fn update_one_user(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<()> {
        let conn = self.conn().await?;
        let stmt = conn.prepare_cached(sql).await.map_err(db)?;
        match conn.execute(&stmt, params).await.map_err(db)? {
            0 => Err(StoreError::NotFound("user")),
            _ => Ok(()),
        }
    }
}

#[async_trait]
impl CredentialStore for PgStore {
    async fn count_attempt(&self, key: &str, limit: &Limit, now: DateTime<Utc>) -> Result<Count> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&count_attempt_sql([
                "$1::text",
                "$2::integer",
                "$3::timestamptz",
                "$4::timestamptz",
                "$5::timestamptz",
            ]))
            .await
            .map_err(db)?;
        let max = i32::try_from(limit.max_failures).unwrap_or(i32::MAX);
        let (cutoff, lock) = (now - limit.window, now + limit.lock);
        let row = conn
            .query_one(&stmt, &[&key, &max, &now, &cutoff, &lock])
            .await
            .map_err(db)?;
        let failures: i32 = row.get(0);
        Ok(Count {
            failures: u32::try_from(failures).map_err(|_| corrupt("failure count", failures))?,
            locked_until: row.get(1),
        })
    }

    async fn clear_attempts(&self, key: &str) -> Result<()> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("DELETE FROM sign_in_throttles WHERE key = $1")
            .await
            .map_err(db)?;
        conn.execute(&stmt, &[&key]).await.map_err(db)?;
        Ok(())
    }

    async fn clear_attempts_with_prefix(&self, prefix: &str) -> Result<u64> {
        let conn = self.conn().await?;
        // starts_with, not LIKE: `_` and `%` in a username are not wildcards.
        let stmt = conn
            .prepare_cached("DELETE FROM sign_in_throttles WHERE starts_with(key, $1)")
            .await
            .map_err(db)?;
        conn.execute(&stmt, &[&prefix]).await.map_err(db)
    }

    async fn release_attempt(&self, key: &str, limit: &Limit, now: DateTime<Utc>) -> Result<()> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&release_attempt_sql([
                "$1::text",
                "$2::integer",
                "$3::timestamptz",
            ]))
            .await
            .map_err(db)?;
        let max = i32::try_from(limit.max_failures).unwrap_or(i32::MAX);
        conn.execute(&stmt, &[&key, &max, &now]).await.map_err(db)?;
        Ok(())
    }

    async fn purge_attempts(&self, before: DateTime<Utc>) -> Result<u64> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "DELETE FROM sign_in_throttles
                 WHERE since < $1 AND (locked_until IS NULL OR locked_until < $1)",
            )
            .await
            .map_err(db)?;
        conn.execute(&stmt, &[&before]).await.map_err(db)
    }

    async fn password_state(&self, user_id: i64) -> Result<Option<PasswordState>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT password_changed_at, must_change_password FROM users WHERE id = $1",
            )
            .await
            .map_err(db)?;
        let row = conn.query_opt(&stmt, &[&user_id]).await.map_err(db)?;
        Ok(row.map(|r| PasswordState {
            changed_at: r.get(0),
            must_change: r.get(1),
        }))
    }

    async fn update_password(
        &self,
        user_id: i64,
        password_hash: &str,
        changed_at: DateTime<Utc>,
        must_change: bool,
    ) -> Result<()> {
        let _changed = self.accounts.bump_on_drop();
        self.update_one_user(
            "UPDATE users SET password_hash = $2, password_changed_at = $3, must_change_password = $4
             WHERE id = $1",
            &[&user_id, &password_hash, &changed_at, &must_change],
        )
        .await
    }

    async fn require_password_change(&self, user_id: i64) -> Result<()> {
        let _changed = self.accounts.bump_on_drop();
        self.update_one_user(
            "UPDATE users SET must_change_password = true WHERE id = $1",
            &[&user_id],
        )
        .await
    }

    async fn put_reset_code(&self, code: &ResetCode) -> Result<()> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO password_resets (user_id, code_hash, created_at, expires_at, tries, used)
                 VALUES ($1, $2, $3, $4, 0, false)
                 ON CONFLICT (user_id) DO UPDATE SET code_hash = excluded.code_hash,
                   created_at = excluded.created_at, expires_at = excluded.expires_at,
                   tries = 0, used = false",
            )
            .await
            .map_err(db)?;
        conn.execute(
            &stmt,
            &[
                &code.user_id,
                &code.code_hash,
                &code.created_at,
                &code.expires_at,
            ],
        )
        .await
        .map_err(missing_user)?;
        Ok(())
    }

    async fn try_reset_code(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
        max_tries: u32,
    ) -> Result<Option<String>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "UPDATE password_resets SET tries = tries + 1
                 WHERE user_id = $1 AND NOT used AND expires_at > $2 AND tries < $3
                 RETURNING code_hash",
            )
            .await
            .map_err(db)?;
        let max = i32::try_from(max_tries).unwrap_or(i32::MAX);
        let row = conn
            .query_opt(&stmt, &[&user_id, &now, &max])
            .await
            .map_err(db)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn use_reset_code(&self, user_id: i64, code_hash: &str) -> Result<bool> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "UPDATE password_resets SET used = true
                 WHERE user_id = $1 AND code_hash = $2 AND NOT used",
            )
            .await
            .map_err(db)?;
        Ok(conn
            .execute(&stmt, &[&user_id, &code_hash])
            .await
            .map_err(db)?
            == 1)
    }

    async fn user_sessions(&self, user_id: i64, now: DateTime<Utc>) -> Result<Vec<Session>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!(
                "SELECT {SESSION_COLS} FROM sessions WHERE user_id = $1 AND expires_at > $2
                 ORDER BY created_at DESC, token_hash"
            ))
            .await
            .map_err(db)?;
        let rows = conn.query(&stmt, &[&user_id, &now]).await.map_err(db)?;
        Ok(rows.iter().map(session_row).collect())
    }

    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
            .await
            .map_err(db)?;
        conn.execute(&stmt, &[&token_hash, &now])
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn second_factor(&self, user_id: i64) -> Result<Option<SecondFactor>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT secret, created_at, confirmed_at, last_step
                 FROM second_factors WHERE user_id = $1",
            )
            .await
            .map_err(db)?;
        let Some(row) = conn.query_opt(&stmt, &[&user_id]).await.map_err(db)? else {
            return Ok(None);
        };
        let secret = self
            .vault()
            .open_totp_secret(row.get(0))
            .map_err(StoreError::Backend)?;
        let last_step: Option<i64> = row.get(3);
        Ok(Some(SecondFactor {
            secret,
            created_at: row.get(1),
            confirmed_at: row.get(2),
            last_step: last_step.map(|s| s as u64),
        }))
    }

    async fn begin_second_factor(
        &self,
        user_id: i64,
        secret: &[u8],
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let sealed = self.vault().seal_totp_secret(secret);
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO second_factors (user_id, secret, created_at)
                 VALUES ($1, $2, $3)
                 ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret,
                   created_at = excluded.created_at
                 WHERE second_factors.confirmed_at IS NULL",
            )
            .await
            .map_err(db)?;
        let n = conn
            .execute(&stmt, &[&user_id, &sealed, &now])
            .await
            .map_err(missing_user)?;
        Ok(n == 1)
    }

    async fn confirm_second_factor(
        &self,
        user_id: i64,
        begun_at: DateTime<Utc>,
        step: u64,
        recovery_keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        let n = tx
            .execute(
                "UPDATE second_factors SET confirmed_at = $3, last_step = $4
                 WHERE user_id = $1 AND created_at = $2 AND confirmed_at IS NULL",
                &[&user_id, &begun_at, &now, &(step as i64)],
            )
            .await
            .map_err(db)?;
        if n != 1 {
            return Ok(false);
        }
        put_recovery_keys(&tx, user_id, recovery_keys, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn use_second_factor_step(&self, user_id: i64, step: u64) -> Result<bool> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "UPDATE second_factors SET last_step = $2
                 WHERE user_id = $1 AND confirmed_at IS NOT NULL
                   AND (last_step IS NULL OR last_step < $2)",
            )
            .await
            .map_err(db)?;
        Ok(conn
            .execute(&stmt, &[&user_id, &(step as i64)])
            .await
            .map_err(db)?
            == 1)
    }

    async fn use_recovery_code(&self, user_id: i64, key: &str, now: DateTime<Utc>) -> Result<bool> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "UPDATE recovery_codes SET used_at = $3
                 WHERE user_id = $1 AND code_key = $2 AND used_at IS NULL",
            )
            .await
            .map_err(db)?;
        Ok(conn
            .execute(&stmt, &[&user_id, &key, &now])
            .await
            .map_err(db)?
            == 1)
    }

    async fn recovery_codes_left(&self, user_id: i64) -> Result<u32> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
            )
            .await
            .map_err(db)?;
        let n: i64 = conn.query_one(&stmt, &[&user_id]).await.map_err(db)?.get(0);
        Ok(n as u32)
    }

    async fn replace_recovery_codes(
        &self,
        user_id: i64,
        recovery_keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        put_recovery_keys(&tx, user_id, recovery_keys, now).await?;
        tx.commit().await.map_err(db)
    }

    async fn remove_second_factor(&self, user_id: i64) -> Result<bool> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        tx.execute("DELETE FROM recovery_codes WHERE user_id = $1", &[&user_id])
            .await
            .map_err(db)?;
        let n = tx
            .execute("DELETE FROM second_factors WHERE user_id = $1", &[&user_id])
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(n == 1)
    }
}

/// Makes `keys` the user's only recovery codes.
async fn put_recovery_keys(
    tx: &tokio_postgres::Transaction<'_>,
    user_id: i64,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<()> {
    tx.execute("DELETE FROM recovery_codes WHERE user_id = $1", &[&user_id])
        .await
        .map_err(db)?;
    tx.execute(
        "INSERT INTO recovery_codes (user_id, code_key, created_at)
         SELECT $1, k, $3 FROM unnest($2::text[]) AS k",
        &[&user_id, &keys, &now],
    )
    .await
    .map_err(missing_user)?;
    Ok(())
}
