//! Sign-in counters, password state, SMS reset codes and a user's sessions. Each write is one job
//! of the writer thread, so a count is read and moved by one statement no other write interleaves.

use crate::users::{session_row, SESSION_COLS};
use crate::{missing_ref, parse_ts, ts, Db, SqliteStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::sign_in::{Count, Limit};
use rusqlite::{params, OptionalExtension};
use store::credentials::{
    count_attempt_sql, release_attempt_sql, CredentialStore, PasswordState, ResetCode, SecondFactor,
};
use store::{Result, Session, StoreError};

#[async_trait]
impl CredentialStore for SqliteStore {
    async fn count_attempt(&self, key: &str, limit: &Limit, now: DateTime<Utc>) -> Result<Count> {
        let key = key.to_string();
        let (max, cutoff, lock) = (
            limit.max_failures,
            ts(now - limit.window),
            ts(now + limit.lock),
        );
        let now = ts(now);
        self.write(move |tx| {
            let (failures, locked): (u32, Option<String>) = tx
                .prepare_cached(&count_attempt_sql(["?1", "?2", "?3", "?4", "?5"]))
                .db()?
                .query_row(params![key, max, now, cutoff, lock], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .db()?;
            Ok(Count {
                failures,
                locked_until: locked.as_deref().map(parse_ts).transpose().db()?,
            })
        })
        .await
    }

    async fn clear_attempts(&self, key: &str) -> Result<()> {
        let key = key.to_string();
        self.write(move |tx| {
            tx.prepare_cached("DELETE FROM sign_in_throttles WHERE key = ?1")
                .db()?
                .execute([key])
                .db()?;
            Ok(())
        })
        .await
    }

    async fn clear_attempts_with_prefix(&self, prefix: &str) -> Result<u64> {
        let prefix = prefix.to_string();
        self.write(move |tx| {
            // substr, not LIKE: `_` and `%` in a username are not wildcards.
            let n = tx
                .prepare_cached(
                    "DELETE FROM sign_in_throttles WHERE substr(key, 1, length(?1)) = ?1",
                )
                .db()?
                .execute([prefix])
                .db()?;
            Ok(n as u64)
        })
        .await
    }

    async fn release_attempt(&self, key: &str, limit: &Limit, now: DateTime<Utc>) -> Result<()> {
        let (key, max, now) = (key.to_string(), limit.max_failures, ts(now));
        self.write(move |tx| {
            tx.prepare_cached(&release_attempt_sql(["?1", "?2", "?3"]))
                .db()?
                .execute(params![key, max, now])
                .db()?;
            Ok(())
        })
        .await
    }

    async fn purge_attempts(&self, before: DateTime<Utc>) -> Result<u64> {
        let before = ts(before);
        self.write(move |tx| {
            let n = tx
                .prepare_cached(
                    "DELETE FROM sign_in_throttles
                     WHERE since < ?1 AND (locked_until IS NULL OR locked_until < ?1)",
                )
                .db()?
                .execute([before])
                .db()?;
            Ok(n as u64)
        })
        .await
    }

    async fn password_state(&self, user_id: i64) -> Result<Option<PasswordState>> {
        self.read(move |c| {
            c.prepare_cached(
                "SELECT password_changed_at, must_change_password FROM users WHERE id = ?1",
            )
            .db()?
            .query_row([user_id], |r| {
                let changed: Option<String> = r.get(0)?;
                Ok(PasswordState {
                    changed_at: changed.as_deref().map(parse_ts).transpose()?,
                    must_change: r.get(1)?,
                })
            })
            .optional()
            .db()
        })
        .await
    }

    async fn update_password(
        &self,
        user_id: i64,
        password_hash: &str,
        changed_at: DateTime<Utc>,
        must_change: bool,
    ) -> Result<()> {
        let _changed = self.inner.accounts.bump_on_drop();
        let (hash, at) = (password_hash.to_string(), ts(changed_at));
        self.write(move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE users SET password_hash = ?2, password_changed_at = ?3,
                                      must_change_password = ?4
                     WHERE id = ?1",
                )
                .db()?
                .execute(params![user_id, hash, at, must_change])
                .db()?;
            one(n)
        })
        .await
    }

    async fn require_password_change(&self, user_id: i64) -> Result<()> {
        let _changed = self.inner.accounts.bump_on_drop();
        self.write(move |tx| {
            let n = tx
                .prepare_cached("UPDATE users SET must_change_password = 1 WHERE id = ?1")
                .db()?
                .execute([user_id])
                .db()?;
            one(n)
        })
        .await
    }

    async fn put_reset_code(&self, code: &ResetCode) -> Result<()> {
        let c = code.clone();
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO password_resets (user_id, code_hash, created_at, expires_at, tries, used)
                 VALUES (?1, ?2, ?3, ?4, 0, 0)
                 ON CONFLICT (user_id) DO UPDATE SET code_hash = excluded.code_hash,
                   created_at = excluded.created_at, expires_at = excluded.expires_at,
                   tries = 0, used = 0",
            )
            .db()?
            .execute(params![
                c.user_id,
                c.code_hash,
                ts(c.created_at),
                ts(c.expires_at)
            ])
            .map_err(missing_ref("user"))?;
            Ok(())
        })
        .await
    }

    async fn try_reset_code(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
        max_tries: u32,
    ) -> Result<Option<String>> {
        let now = ts(now);
        self.write(move |tx| {
            tx.prepare_cached(
                "UPDATE password_resets SET tries = tries + 1
                 WHERE user_id = ?1 AND used = 0 AND expires_at > ?2 AND tries < ?3
                 RETURNING code_hash",
            )
            .db()?
            .query_row(params![user_id, now, max_tries], |r| r.get(0))
            .optional()
            .db()
        })
        .await
    }

    async fn use_reset_code(&self, user_id: i64, code_hash: &str) -> Result<bool> {
        let hash = code_hash.to_string();
        self.write(move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE password_resets SET used = 1
                     WHERE user_id = ?1 AND code_hash = ?2 AND used = 0",
                )
                .db()?
                .execute(params![user_id, hash])
                .db()?;
            Ok(n == 1)
        })
        .await
    }

    async fn user_sessions(&self, user_id: i64, now: DateTime<Utc>) -> Result<Vec<Session>> {
        let now = ts(now);
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {SESSION_COLS} FROM sessions WHERE user_id = ?1 AND expires_at > ?2
                 ORDER BY created_at DESC, token_hash"
            ))
            .db()?
            .query_map(params![user_id, now], session_row)
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()
        })
        .await
    }

    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        let (token, now) = (token_hash.to_string(), ts(now));
        self.write(move |tx| {
            tx.prepare_cached("UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1")
                .db()?
                .execute(params![token, now])
                .db()?;
            Ok(())
        })
        .await
    }

    async fn second_factor(&self, user_id: i64) -> Result<Option<SecondFactor>> {
        let row: Option<(String, String, Option<String>, Option<i64>)> = self
            .read(move |c| {
                c.prepare_cached(
                    "SELECT secret, created_at, confirmed_at, last_step
                     FROM second_factors WHERE user_id = ?1",
                )
                .db()?
                .query_row([user_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()
                .db()
            })
            .await?;
        let Some((secret, created, confirmed, last_step)) = row else {
            return Ok(None);
        };
        let secret = self
            .vault()
            .open_totp_secret(&secret)
            .map_err(StoreError::Backend)?;
        Ok(Some(SecondFactor {
            secret,
            created_at: parse_ts(&created).db()?,
            confirmed_at: confirmed.as_deref().map(parse_ts).transpose().db()?,
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
        let now = ts(now);
        self.write(move |tx| {
            let n = tx
                .prepare_cached(
                    "INSERT INTO second_factors (user_id, secret, created_at)
                     VALUES (?1, ?2, ?3)
                     ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret,
                       created_at = excluded.created_at
                     WHERE second_factors.confirmed_at IS NULL",
                )
                .db()?
                .execute(params![user_id, sealed, now])
                .map_err(missing_ref("user"))?;
            Ok(n == 1)
        })
        .await
    }

    async fn confirm_second_factor(
        &self,
        user_id: i64,
        begun_at: DateTime<Utc>,
        step: u64,
        recovery_keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let (begun, now, keys) = (ts(begun_at), ts(now), recovery_keys.to_vec());
        self.write(move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE second_factors SET confirmed_at = ?3, last_step = ?4
                     WHERE user_id = ?1 AND created_at = ?2 AND confirmed_at IS NULL",
                )
                .db()?
                .execute(params![user_id, begun, now, step as i64])
                .db()?;
            if n == 1 {
                put_recovery_keys(tx, user_id, &keys, &now)?;
            }
            Ok(n == 1)
        })
        .await
    }

    async fn use_second_factor_step(&self, user_id: i64, step: u64) -> Result<bool> {
        self.write(move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE second_factors SET last_step = ?2
                     WHERE user_id = ?1 AND confirmed_at IS NOT NULL
                       AND (last_step IS NULL OR last_step < ?2)",
                )
                .db()?
                .execute(params![user_id, step as i64])
                .db()?;
            Ok(n == 1)
        })
        .await
    }

    async fn use_recovery_code(&self, user_id: i64, key: &str, now: DateTime<Utc>) -> Result<bool> {
        let (key, now) = (key.to_string(), ts(now));
        self.write(move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE recovery_codes SET used_at = ?3
                     WHERE user_id = ?1 AND code_key = ?2 AND used_at IS NULL",
                )
                .db()?
                .execute(params![user_id, key, now])
                .db()?;
            Ok(n == 1)
        })
        .await
    }

    async fn recovery_codes_left(&self, user_id: i64) -> Result<u32> {
        self.read(move |c| {
            c.prepare_cached(
                "SELECT count(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL",
            )
            .db()?
            .query_row([user_id], |r| r.get(0))
            .db()
        })
        .await
    }

    async fn replace_recovery_codes(
        &self,
        user_id: i64,
        recovery_keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (keys, now) = (recovery_keys.to_vec(), ts(now));
        self.write(move |tx| put_recovery_keys(tx, user_id, &keys, &now))
            .await
    }

    async fn remove_second_factor(&self, user_id: i64) -> Result<bool> {
        self.write(move |tx| {
            tx.prepare_cached("DELETE FROM recovery_codes WHERE user_id = ?1")
                .db()?
                .execute([user_id])
                .db()?;
            let n = tx
                .prepare_cached("DELETE FROM second_factors WHERE user_id = ?1")
                .db()?
                .execute([user_id])
                .db()?;
            Ok(n == 1)
        })
        .await
    }
}

/// Makes `keys` the user's only recovery codes.
fn put_recovery_keys(
    tx: &rusqlite::Transaction<'_>,
    user_id: i64,
    keys: &[String],
    now: &str,
) -> Result<()> {
    tx.prepare_cached("DELETE FROM recovery_codes WHERE user_id = ?1")
        .db()?
        .execute([user_id])
        .db()?;
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO recovery_codes (user_id, code_key, created_at) VALUES (?1, ?2, ?3)",
        )
        .db()?;
    for k in keys {
        insert
            .execute(params![user_id, k, now])
            .map_err(missing_ref("user"))?;
    }
    Ok(())
}

fn one(changed: usize) -> Result<()> {
    if changed == 0 {
        Err(StoreError::NotFound("user"))
    } else {
        Ok(())
    }
}
