//! User accounts as administrators and center managers keep them: list and read within their
//! subtree, create with grants they may give, change grants (the security administrator only,
//! 三员分立), deactivate. Who may grant what is the one rule in `domain::access` (`may_grant`); that
//! no account holds two administrator roles is `domain::access::separated`.

use crate::access::Caller;
use crate::{Error, Result, Services};
use domain::access::{may_grant, Action, Grant, Role};
use domain::audit::{AuditAction, Outcome};
use domain::region::Region;
use domain::{RegionCode, Scope, ValidationErrors};
use serde::Deserialize;
use store::{NewUser, User};

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct GrantInput {
    /// The role's word, e.g. `window_clerk`.
    #[schema(value_type = domain::access::Role)]
    pub role: String,
    pub region_code: String,
    #[serde(default)]
    pub department_id: Option<i64>,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct CreateUser {
    pub username: String,
    pub display_name: String,
    #[serde(default)]
    pub phone: String,
    pub password: String,
    pub home_region: String,
    pub grants: Vec<GrantInput>,
}

/// The users the caller may read.
pub async fn list(state: &Services, u: &User) -> Result<Vec<User>> {
    Ok(state.store.list_users(&u.scope(Action::ReadUsers)).await?)
}

/// The people page: the users the caller may read and the regions of the same subtrees (to name
/// them and to choose from for a new user). Someone who may read no user is refused.
pub async fn directory(state: &Services, u: &User) -> Result<(Vec<User>, Vec<Region>)> {
    let scope = u.scope(Action::ReadUsers);
    if scope == Scope::Within(vec![]) {
        return Err(Error::Forbidden);
    }
    Ok((
        list(state, u).await?,
        state.store.list_regions(&scope).await?,
    ))
}

/// What the people page asks for: text in the username or name, a region subtree (home region),
/// a role, a department (of any grant), and the page (from 1).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserQuery {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub page: Option<u32>,
}

/// How many people a page shows.
pub const USERS_PAGE: usize = 50;

/// A page of the people the caller may read, with what the filters offer.
pub struct UserPage {
    pub rows: Vec<User>,
    /// How many match the filters in all.
    pub total: usize,
    pub page: u32,
    pub pages: u32,
    pub regions: Vec<Region>,
    pub departments: Vec<domain::region::Department>,
}

/// The people page: search and filters over the users the caller may read, a page at a time.
pub async fn search(state: &Services, u: &User, q: &UserQuery) -> Result<UserPage> {
    let (all, regions) = directory(state, u).await?;
    let departments = state
        .store
        .list_departments(&u.scope(Action::ReadUsers))
        .await?;
    let text = q.text.trim().to_lowercase();
    let region = match q.region.trim() {
        "" => None,
        c => Some(
            regions
                .iter()
                .find(|r| r.code.as_str() == c)
                .ok_or_else(|| {
                    Error::bad_field("invalid_region_code", "region", "区划不在您的管辖范围内")
                })?,
        ),
    };
    let role = match q.role.trim() {
        "" => None,
        r => Some(
            Role::parse(r).ok_or_else(|| Error::bad_field("invalid_role", "role", "角色无效"))?,
        ),
    };
    let department: Option<i64> = match q.department.trim() {
        "" => None,
        d => Some(
            d.parse()
                .map_err(|_| Error::bad_field("invalid_department", "department", "部门无效"))?,
        ),
    };
    let matching: Vec<User> = all
        .into_iter()
        .filter(|x| {
            text.is_empty()
                || x.username.to_lowercase().contains(&text)
                || x.display_name.to_lowercase().contains(&text)
        })
        .filter(|x| region.is_none_or(|r| r.code.contains(r.level, &x.home_region)))
        .filter(|x| role.is_none_or(|role| x.grants.iter().any(|g| g.role == role)))
        .filter(|x| department.is_none_or(|d| x.grants.iter().any(|g| g.department_id == Some(d))))
        .collect();
    let total = matching.len();
    let pages = total.div_ceil(USERS_PAGE).max(1) as u32;
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let rows = matching
        .into_iter()
        .skip((page as usize - 1) * USERS_PAGE)
        .take(USERS_PAGE)
        .collect();
    Ok(UserPage {
        rows,
        total,
        page,
        pages,
        regions,
        departments,
    })
}

/// One user, if the caller may read them.
pub async fn get(state: &Services, u: &User, id: i64) -> Result<User> {
    let user = state
        .store
        .get_user(id)
        .await?
        .ok_or(Error::NotFound("用户"))?;
    u.authorize(Action::ReadUsers, &user.home_region)?;
    Ok(user)
}

/// Loads a user whose every current role the caller may grant (to change them at all).
pub(crate) async fn managed(state: &Services, u: &User, id: i64) -> Result<User> {
    let target = state
        .store
        .get_user(id)
        .await?
        .ok_or(Error::NotFound("用户"))?;
    // Changing someone's roles requires being allowed to grant every role they hold now, too.
    for g in &target.grants {
        if !may_grant(u.grants(), g.role, &g.region_code) {
            return Err(Error::Forbidden);
        }
    }
    Ok(target)
}

/// Replaces a user's grants (the security administrator's task); their sessions end, so the new
/// roles apply at once.
pub async fn set_grants(
    state: &Services,
    u: &User,
    id: i64,
    inputs: &[GrantInput],
) -> Result<User> {
    if !u.can_anywhere(Action::ManageGrants) {
        return Err(Error::Forbidden);
    }
    managed(state, u, id).await?;
    let mut e = ValidationErrors::default();
    let grants = resolve_grants(state, u, inputs, &mut e).await?;
    e.into_result(())?;
    state.store.set_grants(id, &grants).await?;
    state.store.delete_user_sessions(id).await?;
    audit(
        state,
        u,
        AuditAction::GrantsChanged,
        id,
        grants_text(&grants),
    )
    .await?;
    get_any(state, id).await
}

/// The grants as the audit log keeps them: role@region[/department], comma separated.
fn grants_text(grants: &[Grant]) -> String {
    grants
        .iter()
        .map(|g| match g.department_id {
            Some(d) => format!("{}@{}/{d}", g.role.label(), g.region_code),
            None => format!("{}@{}", g.role.label(), g.region_code),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn audit(
    state: &Services,
    u: &User,
    action: AuditAction,
    id: i64,
    detail: String,
) -> Result<()> {
    crate::audit::record(
        state,
        crate::audit::Actor::User(u),
        action,
        format!("user:{id}"),
        Outcome::Success,
        detail,
    )
    .await?;
    Ok(())
}

/// The people page's edit of an account: name, phone, home region.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ProfileInput {
    pub display_name: String,
    #[serde(default)]
    pub phone: String,
    pub home_region: String,
}

/// Changes a user's name, phone and home region: whoever may open such an account (over both the
/// old and the new home region) and give every role it holds. Audited by which fields changed,
/// never their values (the phone is personal data).
pub async fn update_profile(state: &Services, u: &User, id: i64, b: &ProfileInput) -> Result<User> {
    let target = managed(state, u, id).await?;
    if !MAY_CREATE
        .iter()
        .any(|a| u.authorize(*a, &target.home_region).is_ok())
    {
        return Err(Error::Forbidden);
    }
    let mut e = ValidationErrors::default();
    let name = b.display_name.trim();
    if name.is_empty() {
        e.push("display_name", "required", "姓名不能为空");
    }
    domain::limits::check(&mut e, "display_name", name, domain::limits::NAME);
    let phone = b.phone.trim();
    if !phone.is_empty() && !domain::identity::valid_mobile(phone) {
        e.push("phone", "invalid_phone", "手机号应为11位数字");
    }
    let home = match RegionCode::parse(b.home_region.trim()) {
        Ok(c) if state.store.get_region(&c).await?.is_some() => Some(c),
        _ => {
            e.push("home_region", "region_not_found", "所属区划不存在");
            None
        }
    };
    if let Some(h) = &home {
        if !MAY_CREATE.iter().any(|a| u.authorize(*a, h).is_ok()) {
            e.push(
                "home_region",
                "region_out_of_scope",
                "所属区划不在您的管辖范围内",
            );
        }
    }
    e.into_result(())?;
    let home = home.expect("validated above");
    let mut changed = vec![];
    if name != target.display_name {
        changed.push("姓名");
    }
    if phone != target.phone {
        changed.push("手机号");
    }
    if home != target.home_region {
        changed.push("所属区划");
    }
    if changed.is_empty() {
        return Ok(target);
    }
    state.store.update_profile(id, name, phone, &home).await?;
    audit(
        state,
        u,
        AuditAction::UserUpdated,
        id,
        format!("{}:{}", target.username, changed.join("、")),
    )
    .await?;
    get_any(state, id).await
}

/// Activates or deactivates a user (never oneself); a deactivated user's sessions end.
pub async fn set_active(state: &Services, u: &User, id: i64, active: bool) -> Result<User> {
    let target = managed(state, u, id).await?;
    if target.id == u.id {
        return Err(Error::bad("cannot_deactivate_self", "不能停用自己的账户"));
    }
    state.store.set_active(id, active).await?;
    if !active {
        state.store.delete_user_sessions(id).await?;
    }
    let action = if active {
        AuditAction::UserActivated
    } else {
        AuditAction::UserDeactivated
    };
    audit(state, u, action, id, target.username.clone()).await?;
    get_any(state, id).await
}

async fn get_any(state: &Services, id: i64) -> Result<User> {
    state
        .store
        .get_user(id)
        .await?
        .ok_or(Error::NotFound("用户"))
}

/// Resolves grant inputs into grants the caller may give, with field errors.
async fn resolve_grants(
    state: &Services,
    u: &User,
    inputs: &[GrantInput],
    e: &mut ValidationErrors,
) -> Result<Vec<Grant>> {
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
            return Err(Error::Forbidden);
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
    if let Err(x) = domain::access::separated(&grants) {
        e.push("grants", x.code(), x.to_string());
    }
    Ok(grants)
}

/// The actions that let one open an account: system administrators and center managers open
/// them with the roles they may give; the security administrator opens those of administrators.
const MAY_CREATE: [Action; 3] = [
    Action::ManageUsers,
    Action::ManageStaff,
    Action::ManageGrants,
];

pub async fn create_user_checked(state: &Services, u: &User, b: &CreateUser) -> Result<User> {
    if !MAY_CREATE.iter().any(|a| u.can_anywhere(*a)) {
        return Err(Error::Forbidden);
    }
    let mut e = ValidationErrors::default();
    let username = b.username.trim();
    if !domain::identity::valid_username(username) {
        e.push(
            "username",
            "invalid_username",
            domain::identity::USERNAME_RULE,
        );
    }
    if b.display_name.trim().is_empty() {
        e.push("display_name", "required", "姓名不能为空");
    }
    domain::limits::check(
        &mut e,
        "display_name",
        &b.display_name,
        domain::limits::NAME,
    );
    let phone = b.phone.trim();
    if !phone.is_empty() && !domain::identity::valid_mobile(phone) {
        e.push("phone", "invalid_phone", "手机号应为11位数字");
    }
    if let Err(Error::BadRequest { code, message, .. }) =
        crate::accounts::check_password(&b.password, username)
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
        let allowed = MAY_CREATE.iter().any(|a| u.authorize(*a, h).is_ok());
        if !allowed {
            return Err(Error::Forbidden);
        }
        if state.store.get_region(h).await?.is_none() {
            e.push("home_region", "region_not_found", "所属区划不存在");
        }
    }
    e.into_result(())?;
    let granted = grants_text(&grants);
    let id = state
        .store
        .create_user(&NewUser {
            username: username.to_string(),
            display_name: b.display_name.trim().to_string(),
            phone: phone.to_string(),
            home_region: home.expect("validated above"),
            password_hash: crate::accounts::hash_password_off_runtime(&b.password).await?,
            grants,
            // Staff accounts carry no ID number; applicants register their own.
            id_number: None,
        })
        .await?;
    // The administrator knows the first password: the new user must replace it at first sign-in.
    state.store.require_password_change(id).await?;
    audit(
        state,
        u,
        AuditAction::UserCreated,
        id,
        format!("{username}: {granted}"),
    )
    .await?;
    state
        .store
        .get_user(id)
        .await?
        .ok_or(Error::NotFound("用户"))
}
