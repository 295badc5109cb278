//! People and their roles. Creating accounts and granting roles follows `domain::access::may_grant`.

use super::ApiJson;
use crate::auth::{self, ApiUser, Authed};
use crate::error::{ApiResult, AppError, AppResult};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use domain::access::{may_grant, Action, Grant, Role};
use domain::{RegionCode, ValidationErrors};
use serde::Deserialize;
use store::{NewUser, User};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{id}", get(one))
        .route("/users/{id}/grants", put(set_grants))
        .route("/users/{id}/active", put(set_active))
}

#[derive(Deserialize, Clone)]
pub struct GrantInput {
    pub role: String,
    pub region_code: String,
    #[serde(default)]
    pub department_id: Option<i64>,
}

#[derive(Deserialize, Clone)]
pub struct CreateUser {
    pub username: String,
    pub display_name: String,
    #[serde(default)]
    pub phone: String,
    pub password: String,
    pub home_region: String,
    pub grants: Vec<GrantInput>,
}

async fn list(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult<Json<Vec<User>>> {
    let scope = u.scope(Action::ReadUsers);
    Ok(Json(state.store.list_users(&scope).await?))
}

async fn one(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<User>> {
    let user = state
        .store
        .get_user(id)
        .await?
        .ok_or(AppError::NotFound("用户"))?;
    u.authorize(Action::ReadUsers, &user.home_region)?;
    Ok(Json(user))
}

/// Resolves grant inputs into grants the caller may give, with field errors.
async fn resolve_grants(
    state: &AppState,
    u: &Authed,
    inputs: &[GrantInput],
    e: &mut ValidationErrors,
) -> AppResult<Vec<Grant>> {
    let mut grants = vec![];
    for (i, g) in inputs.iter().enumerate() {
        let Some(role) = Role::parse(&g.role) else {
            e.push(format!("grants[{i}].role"), "invalid_role", "角色无效");
            continue;
        };
        let Ok(code) = RegionCode::parse(&g.region_code) else {
            e.push(
                format!("grants[{i}].region_code"),
                "invalid_region_code",
                "区划代码无效",
            );
            continue;
        };
        let Some(region) = state.store.get_region(&code).await? else {
            e.push(
                format!("grants[{i}].region_code"),
                "region_not_found",
                "区划不存在",
            );
            continue;
        };
        if !may_grant(u.grants(), role, &code) {
            return Err(AppError::Forbidden);
        }
        if let Some(d) = g.department_id {
            match state.store.get_department(d).await? {
                Some(dep)
                    if region.code.contains(region.level, &dep.region_code)
                        || dep
                            .region_code
                            .contains(dep.region_code.implied_level(), &region.code) => {}
                _ => e.push(
                    format!("grants[{i}].department_id"),
                    "invalid_department",
                    "部门不存在或不在该区划",
                ),
            }
        }
        grants.push(Grant {
            role,
            region_code: code,
            region_level: region.level,
            department_id: g.department_id,
        });
    }
    if inputs.is_empty() {
        e.push("grants", "required", "至少授予一个角色");
    }
    Ok(grants)
}

pub async fn create_user_checked(state: &AppState, u: &Authed, b: &CreateUser) -> AppResult<User> {
    if !(u.can_anywhere(Action::ManageUsers) || u.can_anywhere(Action::ManageStaff)) {
        return Err(AppError::Forbidden);
    }
    let mut e = ValidationErrors::default();
    let username = b.username.trim();
    if !(3..=32).contains(&username.len())
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        e.push(
            "username",
            "invalid_username",
            "用户名为3-32位字母、数字、“.”、“_”或“-”",
        );
    }
    if b.display_name.trim().is_empty() {
        e.push("display_name", "required", "姓名不能为空");
    }
    let phone = b.phone.trim();
    let mobile =
        phone.len() == 11 && phone.starts_with('1') && phone.chars().all(|c| c.is_ascii_digit());
    if !phone.is_empty() && !mobile {
        e.push("phone", "invalid_phone", "手机号应为11位数字");
    }
    if let Err(AppError::BadRequest { code, message, .. }) =
        auth::check_password_strength(&b.password)
    {
        e.push("password", code, message);
    }
    let home = match RegionCode::parse(&b.home_region) {
        Ok(c) => Some(c),
        Err(_) => {
            e.push("home_region", "invalid_region_code", "所属区划代码无效");
            None
        }
    };
    let grants = resolve_grants(state, u, &b.grants, &mut e).await?;
    if let Some(h) = &home {
        let allowed = u.authorize(Action::ManageUsers, h).is_ok()
            || u.authorize(Action::ManageStaff, h).is_ok();
        if !allowed {
            return Err(AppError::Forbidden);
        }
        if state.store.get_region(h).await?.is_none() {
            e.push("home_region", "region_not_found", "所属区划不存在");
        }
    }
    e.into_result(())?;
    let id = state
        .store
        .create_user(&NewUser {
            username: username.to_string(),
            display_name: b.display_name.trim().to_string(),
            phone: phone.to_string(),
            home_region: home.expect("validated above"),
            password_hash: auth::hash_password_off_runtime(&b.password).await?,
            grants,
        })
        .await?;
    state
        .store
        .get_user(id)
        .await?
        .ok_or(AppError::NotFound("用户"))
}

async fn create(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    Ok((
        StatusCode::CREATED,
        Json(create_user_checked(&state, &u, &b).await?),
    ))
}

async fn set_grants(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<Vec<GrantInput>>,
) -> ApiResult<Json<User>> {
    let target = state
        .store
        .get_user(id)
        .await?
        .ok_or(AppError::NotFound("用户"))?;
    // Changing someone's roles requires being allowed to grant every role they hold now, too.
    for g in &target.grants {
        if !may_grant(u.grants(), g.role, &g.region_code) {
            return Err(AppError::Forbidden.into());
        }
    }
    let mut e = ValidationErrors::default();
    let grants = resolve_grants(&state, &u, &b, &mut e).await?;
    e.into_result(())?;
    state.store.set_grants(id, &grants).await?;
    state.store.delete_user_sessions(id).await?;
    Ok(Json(
        state
            .store
            .get_user(id)
            .await?
            .ok_or(AppError::NotFound("用户"))?,
    ))
}

#[derive(Deserialize)]
struct Active {
    active: bool,
}

async fn set_active(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<Active>,
) -> ApiResult<Json<User>> {
    let target = state
        .store
        .get_user(id)
        .await?
        .ok_or(AppError::NotFound("用户"))?;
    for g in &target.grants {
        if !may_grant(u.grants(), g.role, &g.region_code) {
            return Err(AppError::Forbidden.into());
        }
    }
    if target.id == u.user.id {
        return Err(AppError::bad("cannot_deactivate_self", "不能停用自己的账户").into());
    }
    state.store.set_active(id, b.active).await?;
    if !b.active {
        state.store.delete_user_sessions(id).await?;
    }
    Ok(Json(
        state
            .store
            .get_user(id)
            .await?
            .ok_or(AppError::NotFound("用户"))?,
    ))
}
