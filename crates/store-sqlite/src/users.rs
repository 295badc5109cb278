//! Users, their grants, and sessions.

use crate::{
    conversion, is_unique_violation, missing_ref, parse_code, parse_ts, scope_condition, ts, Db,
    SqliteStore,
};
use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use domain::access::{Grant, Role, Scope};
use domain::region::{Level, RegionCode};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, Transaction};
use store::vault::{Field, Vault};
use store::{NewUser, Result, Session, SessionStore, StoreError, User, UserStore};

/// A user as read, with the phone opened (it is stored sealed: `store::vault`).
fn opened(vault: &Vault, mut u: User) -> Result<User> {
    u.phone = vault
        .open_text(Field::UserPhone, &u.phone)
        .map_err(StoreError::Backend)?;
    u.id_number = u
        .id_number
        .map(|id| vault.open_text(Field::UserIdNumber, &id))
        .transpose()
        .map_err(StoreError::Backend)?;
    Ok(u)
}

const USER_COLS: &str =
    "id, username, display_name, phone, home_region, password_hash, active, failed_logins, locked_until, created_at, id_number";

/// A user row without its grants, which come from a second query.
fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    let locked: Option<String> = r.get(8)?;
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        phone: r.get(3)?,
        home_region: parse_code(&r.get::<_, String>(4)?)?,
        password_hash: r.get(5)?,
        active: r.get(6)?,
        failed_logins: r.get(7)?,
        locked_until: locked.as_deref().map(parse_ts).transpose()?,
        created_at: parse_ts(&r.get::<_, String>(9)?)?,
        grants: Vec::new(),
        id_number: r.get(10)?,
    })
}

fn grant_row(r: &Row<'_>) -> rusqlite::Result<Grant> {
    let role: String = r.get(0)?;
    let level: i32 = r.get(2)?;
    Ok(Grant {
        role: Role::parse(&role).ok_or_else(|| conversion(format!("unknown role {role}")))?,
        region_code: parse_code(&r.get::<_, String>(1)?)?,
        region_level: Level::from_i32(level)
            .ok_or_else(|| conversion(format!("unknown level {level}")))?,
        department_id: r.get(3)?,
    })
}

fn load_grants(c: &Connection, user: &mut User) -> Result<()> {
    let mut st = c
        .prepare_cached("SELECT role, region_code, region_level, department_id FROM user_grants WHERE user_id = ?1 ORDER BY id")
        .db()?;
    user.grants = st
        .query_map([user.id], grant_row)
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    Ok(())
}

fn load_user(c: &Connection, filter: &str, key: rusqlite::types::Value) -> Result<Option<User>> {
    let mut user = c
        .prepare_cached(&format!(
            "SELECT {USER_COLS} FROM users WHERE {filter} = ?1"
        ))
        .db()?
        .query_row([key], user_row)
        .optional()
        .db()?;
    if let Some(u) = user.as_mut() {
        load_grants(c, u)?;
    }
    Ok(user)
}

fn insert_grants(tx: &Transaction<'_>, user_id: i64, grants: &[Grant]) -> Result<()> {
    let mut st = tx
        .prepare_cached(
            "INSERT INTO user_grants (user_id, role, region_code, region_level, department_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .db()?;
    for g in grants {
        st.execute(params![
            user_id,
            g.role.as_str(),
            g.region_code.as_str(),
            g.region_level.as_i32(),
            g.department_id
        ])
        .map_err(missing_ref("grant region or department"))?;
    }
    Ok(())
}

/// Fails with `NotFound` when an UPDATE or DELETE by user id touched nothing.
fn one_user(changed: usize) -> Result<()> {
    if changed == 0 {
        Err(StoreError::NotFound("user"))
    } else {
        Ok(())
    }
}

fn user_exists(tx: &Transaction<'_>, id: i64) -> Result<()> {
    let found: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)")
        .db()?
        .query_row([id], |r| r.get(0))
        .db()?;
    one_user(found as usize)
}

#[async_trait]
impl UserStore for SqliteStore {
    fn accounts_version(&self) -> u64 {
        self.inner.accounts.get()
    }

    async fn create_user(&self, user: &NewUser) -> Result<i64> {
        let _changed = self.inner.accounts.bump_on_drop();
        let mut u = user.clone();
        u.phone = self.vault().seal_text(Field::UserPhone, &u.phone);
        let id_key = u.id_number.as_deref().map(|id| self.vault().id_key(id));
        let sealed_id = u
            .id_number
            .as_deref()
            .map(|id| self.vault().seal_text(Field::UserIdNumber, id));
        // Microseconds, the precision both backends keep, so the value reads back unchanged.
        let created_at = ts(Utc::now().trunc_subsecs(6));
        self.write(move |tx| {
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO users (username, display_name, phone, home_region, password_hash,
                                        active, failed_logins, locked_until, created_at,
                                        id_number, id_key)
                     VALUES (?1, ?2, ?3, ?4, ?5, 1, 0, NULL, ?6, ?7, ?8)",
                )
                .db()?
                .execute(params![
                    u.username,
                    u.display_name,
                    u.phone,
                    u.home_region.as_str(),
                    u.password_hash,
                    created_at,
                    sealed_id,
                    id_key
                ]);
            match inserted {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) && e.to_string().contains("id_key") => {
                    return Err(store::id_number_taken())
                }
                Err(e) if is_unique_violation(&e) => {
                    return Err(StoreError::Conflict {
                        code: "username_taken",
                        message: format!("用户名“{}”已被使用", u.username),
                    })
                }
                Err(e) => return Err(missing_ref("home region")(e)),
            }
            let id = tx.last_insert_rowid();
            insert_grants(tx, id, &u.grants)?;
            Ok(id)
        })
        .await
    }

    async fn get_user(&self, id: i64) -> Result<Option<User>> {
        let user = self
            .read_now(move |c| load_user(c, "id", id.into()))
            .await?;
        user.map(|u| opened(self.vault(), u)).transpose()
    }

    async fn find_user(&self, username: &str) -> Result<Option<User>> {
        let username = username.to_string();
        let user = self
            .read(move |c| load_user(c, "username", username.into()))
            .await?;
        user.map(|u| opened(self.vault(), u)).transpose()
    }

    async fn list_users(&self, scope: &Scope) -> Result<Vec<User>> {
        let scope = scope.clone();
        self.read(move |c| {
            let mut p = Vec::new();
            let cond = scope_condition("home_region", &scope, &mut p);
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {USER_COLS} FROM users WHERE {cond} ORDER BY username"
                ))
                .db()?;
            let mut users: Vec<User> = st
                .query_map(params_from_iter(p), user_row)
                .db()?
                .collect::<rusqlite::Result<_>>()
                .db()?;
            for u in &mut users {
                load_grants(c, u)?;
            }
            Ok(users)
        })
        .await?
        .into_iter()
        .map(|u| opened(self.vault(), u))
        .collect()
    }

    async fn set_grants(&self, user_id: i64, grants: &[Grant]) -> Result<()> {
        let _changed = self.inner.accounts.bump_on_drop();
        let grants = grants.to_vec();
        self.write(move |tx| {
            user_exists(tx, user_id)?;
            tx.prepare_cached("DELETE FROM user_grants WHERE user_id = ?1")
                .db()?
                .execute([user_id])
                .db()?;
            insert_grants(tx, user_id, &grants)
        })
        .await
    }

    async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<()> {
        let _changed = self.inner.accounts.bump_on_drop();
        let hash = password_hash.to_string();
        self.write(move |tx| {
            let n = tx
                .prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1")
                .db()?
                .execute(params![user_id, hash])
                .db()?;
            one_user(n)
        })
        .await
    }

    async fn set_active(&self, user_id: i64, active: bool) -> Result<()> {
        let _changed = self.inner.accounts.bump_on_drop();
        self.write(move |tx| {
            let n = tx
                .prepare_cached("UPDATE users SET active = ?2 WHERE id = ?1")
                .db()?
                .execute(params![user_id, active])
                .db()?;
            one_user(n)
        })
        .await
    }

    async fn update_profile(
        &self,
        user_id: i64,
        display_name: &str,
        phone: &str,
        home_region: &RegionCode,
    ) -> Result<()> {
        let _changed = self.inner.accounts.bump_on_drop();
        let (name, region) = (display_name.to_string(), home_region.as_str().to_string());
        let phone = self.vault().seal_text(Field::UserPhone, phone);
        self.write(move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE users SET display_name = ?2, phone = ?3, home_region = ?4 WHERE id = ?1",
                )
                .db()?
                .execute(params![user_id, name, phone, region])
                .db()?;
            one_user(n)
        })
        .await
    }

    async fn record_login_failure(
        &self,
        user_id: i64,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<u32> {
        let _changed = self.inner.accounts.bump_on_drop();
        let locked = locked_until.map(ts);
        self.write(move |tx| {
            // COALESCE: a failure without a new lock keeps the current one; failing never unlocks.
            tx.prepare_cached(
                "UPDATE users SET failed_logins = failed_logins + 1, locked_until = COALESCE(?2, locked_until)
                 WHERE id = ?1 RETURNING failed_logins",
            )
            .db()?
            .query_row(params![user_id, locked], |r| r.get(0))
            .optional()
            .db()?
            .ok_or(StoreError::NotFound("user"))
        })
        .await
    }

    async fn clear_login_failures(&self, user_id: i64) -> Result<()> {
        let _changed = self.inner.accounts.bump_on_drop();
        self.write(move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?1",
                )
                .db()?
                .execute([user_id])
                .db()?;
            one_user(n)
        })
        .await
    }
}

pub(crate) const SESSION_COLS: &str =
    "token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at, source, password_change_due, second_factor_due";

pub(crate) fn session_row(r: &Row<'_>) -> rusqlite::Result<Session> {
    let created_at = parse_ts(&r.get::<_, String>(3)?)?;
    let last_seen: Option<String> = r.get(5)?;
    Ok(Session {
        token_hash: r.get(0)?,
        user_id: r.get(1)?,
        csrf_token: r.get(2)?,
        created_at,
        expires_at: parse_ts(&r.get::<_, String>(4)?)?,
        // Not seen since sign-in: the sign-in was the last activity.
        last_seen_at: last_seen
            .as_deref()
            .map(parse_ts)
            .transpose()?
            .unwrap_or(created_at),
        source: r.get(6)?,
        password_change_due: r.get(7)?,
        second_factor_due: r.get(8)?,
    })
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn create_session(&self, session: &Session) -> Result<()> {
        let s = session.clone();
        let (created, expires) = (ts(s.created_at), ts(s.expires_at));
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, source,
                                       password_change_due, second_factor_due)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .db()?
            .execute(params![
                s.token_hash,
                s.user_id,
                s.csrf_token,
                created,
                expires,
                s.source,
                s.password_change_due,
                s.second_factor_due
            ])
            .map_err(missing_ref("user"))?;
            Ok(())
        })
        .await
    }

    async fn get_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
        let (token, now) = (token_hash.to_string(), ts(now));
        self.read_now(move |c| {
            c.prepare_cached(&format!(
                "SELECT {SESSION_COLS} FROM sessions WHERE token_hash = ?1 AND expires_at > ?2"
            ))
            .db()?
            .query_row(params![token, now], session_row)
            .optional()
            .db()
        })
        .await
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let _changed = self.inner.accounts.bump_on_drop();
        let token = token_hash.to_string();
        self.write(move |tx| {
            tx.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")
                .db()?
                .execute([token])
                .db()?;
            Ok(())
        })
        .await
    }

    async fn delete_user_sessions(&self, user_id: i64) -> Result<()> {
        let _changed = self.inner.accounts.bump_on_drop();
        self.write(move |tx| {
            tx.prepare_cached("DELETE FROM sessions WHERE user_id = ?1")
                .db()?
                .execute([user_id])
                .db()?;
            Ok(())
        })
        .await
    }

    async fn purge_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        let _changed = self.inner.accounts.bump_on_drop();
        let now = ts(now);
        self.write(move |tx| {
            let n = tx
                .prepare_cached("DELETE FROM sessions WHERE expires_at <= ?1")
                .db()?
                .execute([now])
                .db()?;
            Ok(n as u64)
        })
        .await
    }
}
