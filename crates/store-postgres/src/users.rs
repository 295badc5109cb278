//! User accounts and their grants.

use crate::query::Query;
use crate::regions::region_code;
use crate::{conflict, corrupt, db, violated, PgStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use domain::access::{Grant, Role, Scope};
use domain::region::{Level, RegionCode};
use std::collections::HashMap;
use store::vault::{Field, Vault};
use store::{NewUser, Result, StoreError, User, UserStore};
use tokio_postgres::error::SqlState;
use tokio_postgres::Row;

const USER_COLUMNS: &str =
    "id, username, display_name, phone, home_region, password_hash, active, failed_logins, locked_until, created_at, id_number";

/// A user row without its grants; the phone, stored sealed (`store::vault`), opened.
fn user_from_row(vault: &Vault, row: &Row) -> Result<User> {
    let failed: i32 = row.get("failed_logins");
    Ok(User {
        id: row.get("id"),
        username: row.get("username"),
        display_name: row.get("display_name"),
        phone: vault
            .open_text(Field::UserPhone, row.get("phone"))
            .map_err(StoreError::Backend)?,
        home_region: region_code(row.get("home_region"))?,
        password_hash: row.get("password_hash"),
        active: row.get("active"),
        failed_logins: u32::try_from(failed).map_err(|_| corrupt("failed login count", failed))?,
        locked_until: row.get("locked_until"),
        created_at: row.get("created_at"),
        grants: Vec::new(),
        id_number: row
            .get::<_, Option<&str>>("id_number")
            .map(|id| vault.open_text(Field::UserIdNumber, id))
            .transpose()
            .map_err(StoreError::Backend)?,
    })
}

fn grant_from_row(row: &Row) -> Result<Grant> {
    let role: String = row.get("role");
    let level: i32 = row.get("region_level");
    Ok(Grant {
        role: Role::parse(&role).ok_or_else(|| corrupt("role", role))?,
        region_code: region_code(row.get("region_code"))?,
        region_level: Level::from_i32(level).ok_or_else(|| corrupt("grant level", level))?,
        department_id: row.get("department_id"),
    })
}

/// A foreign key failed: `what` (a region or a department) does not exist.
fn missing(what: &'static str) -> impl Fn(tokio_postgres::Error) -> StoreError {
    move |e| match violated(&e, &SqlState::FOREIGN_KEY_VIOLATION) {
        Some(_) => StoreError::NotFound(what),
        None => db(e),
    }
}

async fn insert_grants(client: &impl GenericClient, user_id: i64, grants: &[Grant]) -> Result<()> {
    let stmt = client
        .prepare_cached(
            "INSERT INTO user_grants (user_id, role, region_code, region_level, department_id)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .await
        .map_err(db)?;
    // One row at a time keeps the ids, and so the listed order, in the order given.
    for g in grants {
        client
            .execute(
                &stmt,
                &[
                    &user_id,
                    &g.role.as_str(),
                    &g.region_code.as_str(),
                    &g.region_level.as_i32(),
                    &g.department_id,
                ],
            )
            .await
            .map_err(missing("grant region or department"))?;
    }
    Ok(())
}

impl PgStore {
    /// Fills in the grants of `users` with one query.
    async fn attach_grants(&self, client: &impl GenericClient, users: &mut [User]) -> Result<()> {
        if users.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
        let stmt = client
            .prepare_cached(
                "SELECT user_id, role, region_code, region_level, department_id FROM user_grants
                 WHERE user_id = ANY($1) ORDER BY user_id, id",
            )
            .await
            .map_err(db)?;
        let mut by_user: HashMap<i64, Vec<Grant>> = HashMap::new();
        for row in client.query(&stmt, &[&ids]).await.map_err(db)? {
            by_user
                .entry(row.get("user_id"))
                .or_default()
                .push(grant_from_row(&row)?);
        }
        for u in users {
            u.grants = by_user.remove(&u.id).unwrap_or_default();
        }
        Ok(())
    }

    async fn user_where(
        &self,
        condition: &str,
        param: &(dyn tokio_postgres::types::ToSql + Sync),
    ) -> Result<Option<User>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE {condition}"
            ))
            .await
            .map_err(db)?;
        let Some(row) = conn.query_opt(&stmt, &[param]).await.map_err(db)? else {
            return Ok(None);
        };
        let mut users = [user_from_row(self.vault(), &row)?];
        self.attach_grants(&conn, &mut users).await?;
        let [user] = users;
        Ok(Some(user))
    }

    /// Runs a one-row update of a user; no row means no such user.
    async fn update_user(
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
impl UserStore for PgStore {
    fn accounts_version(&self) -> u64 {
        self.accounts.get()
    }

    async fn create_user(&self, user: &NewUser) -> Result<i64> {
        let _changed = self.accounts.bump_on_drop();
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        let stmt = tx
            .prepare_cached(
                "INSERT INTO users (username, display_name, phone, home_region, password_hash,
                                    active, failed_logins, locked_until, created_at, id_number,
                                    id_key)
                 VALUES ($1, $2, $3, $4, $5, TRUE, 0, NULL, $6, $7, $8) RETURNING id",
            )
            .await
            .map_err(db)?;
        let row = tx
            .query_one(
                &stmt,
                &[
                    &user.username,
                    &user.display_name,
                    &self.vault().seal_text(Field::UserPhone, &user.phone),
                    &user.home_region.as_str(),
                    &user.password_hash,
                    &Utc::now(),
                    &user
                        .id_number
                        .as_deref()
                        .map(|id| self.vault().seal_text(Field::UserIdNumber, id)),
                    &user.id_number.as_deref().map(|id| self.vault().id_key(id)),
                ],
            )
            .await
            .map_err(|e| match violated(&e, &SqlState::UNIQUE_VIOLATION) {
                Some(c) if c == "users_id_key_uq" => store::id_number_taken(),
                Some(_) => conflict(
                    "username_taken",
                    format!("用户名“{}”已被使用", user.username),
                ),
                None => missing("home region")(e),
            })?;
        let id: i64 = row.get(0);
        insert_grants(&tx, id, &user.grants).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn get_user(&self, id: i64) -> Result<Option<User>> {
        self.user_where("id = $1", &id).await
    }

    async fn find_user(&self, username: &str) -> Result<Option<User>> {
        self.user_where("username = $1", &username).await
    }

    async fn list_users(&self, scope: &Scope) -> Result<Vec<User>> {
        let mut q = Query::new(&format!("SELECT {USER_COLUMNS} FROM users WHERE "));
        q.scope("home_region", scope).push(" ORDER BY username");
        let conn = self.conn().await?;
        let rows = q.run(&conn).await?;
        let mut users = rows
            .iter()
            .map(|r| user_from_row(self.vault(), r))
            .collect::<Result<Vec<_>>>()?;
        self.attach_grants(&conn, &mut users).await?;
        Ok(users)
    }

    async fn set_grants(&self, user_id: i64, grants: &[Grant]) -> Result<()> {
        let _changed = self.accounts.bump_on_drop();
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        // Locking the user row serializes concurrent grant changes of one user.
        if tx
            .query_opt("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", &[&user_id])
            .await
            .map_err(db)?
            .is_none()
        {
            return Err(StoreError::NotFound("user"));
        }
        tx.execute("DELETE FROM user_grants WHERE user_id = $1", &[&user_id])
            .await
            .map_err(db)?;
        insert_grants(&tx, user_id, grants).await?;
        tx.commit().await.map_err(db)
    }

    async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<()> {
        let _changed = self.accounts.bump_on_drop();
        self.update_user(
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            &[&user_id, &password_hash],
        )
        .await
    }

    async fn set_active(&self, user_id: i64, active: bool) -> Result<()> {
        let _changed = self.accounts.bump_on_drop();
        self.update_user(
            "UPDATE users SET active = $2 WHERE id = $1",
            &[&user_id, &active],
        )
        .await
    }

    async fn update_profile(
        &self,
        user_id: i64,
        display_name: &str,
        phone: &str,
        home_region: &RegionCode,
    ) -> Result<()> {
        let _changed = self.accounts.bump_on_drop();
        let phone = self.vault().seal_text(Field::UserPhone, phone);
        self.update_user(
            "UPDATE users SET display_name = $2, phone = $3, home_region = $4 WHERE id = $1",
            &[&user_id, &display_name, &phone, &home_region.as_str()],
        )
        .await
    }

    async fn record_login_failure(
        &self,
        user_id: i64,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<u32> {
        let _changed = self.accounts.bump_on_drop();
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                // Failing never unlocks: without a new lock the existing one stays.
                "UPDATE users SET failed_logins = failed_logins + 1, locked_until = COALESCE($2, locked_until)
                 WHERE id = $1 RETURNING failed_logins",
            )
            .await
            .map_err(db)?;
        let row = conn
            .query_opt(&stmt, &[&user_id, &locked_until])
            .await
            .map_err(db)?;
        let failed: i32 = row.ok_or(StoreError::NotFound("user"))?.get(0);
        u32::try_from(failed).map_err(|_| corrupt("failed login count", failed))
    }

    async fn clear_login_failures(&self, user_id: i64) -> Result<()> {
        let _changed = self.accounts.bump_on_drop();
        self.update_user(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
            &[&user_id],
        )
        .await
    }
}
