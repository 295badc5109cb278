//! Roles of §1, each granted on a region subtree, and the one permission check every handler uses.

use crate::region::{Level, RegionCode};
use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    /// 申请人
    Applicant,
    /// 村代办员
    VillageAgent,
    /// 窗口人员
    WindowClerk,
    /// 审批人员
    Reviewer,
    /// 部门负责人
    DepartmentHead,
    /// 政府负责人: the head (or deputy in charge, 分管负责人) of the people's government at the
    /// level, who approves a joint item's extension (行政许可法 art. 42 para. 2).
    GovernmentHead,
    /// 中心管理员
    CenterManager,
    /// 监察人员
    Supervisor,
    /// 系统管理员: users, regions, catalog, settings — everything but security and the audit log.
    Administrator,
    /// 审计管理员: reads the audit log, and nothing else (三员分立).
    Auditor,
    /// 安全管理员: role changes, password resets of staff (三员分立).
    SecurityAdministrator,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::Applicant,
        Role::VillageAgent,
        Role::WindowClerk,
        Role::Reviewer,
        Role::DepartmentHead,
        Role::GovernmentHead,
        Role::CenterManager,
        Role::Supervisor,
        Role::Administrator,
        Role::Auditor,
        Role::SecurityAdministrator,
    ];
    /// The three administrators of 三员分立 (GB/T 22239-2019 8.1.4.2): no account holds two.
    pub const ADMINISTRATORS: [Role; 3] = [
        Role::Administrator,
        Role::SecurityAdministrator,
        Role::Auditor,
    ];
    /// Its word: the serde spelling (strum).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s || r.label() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Role::Applicant => "申请人",
            Role::VillageAgent => "村代办员",
            Role::WindowClerk => "窗口人员",
            Role::Reviewer => "审批人员",
            Role::DepartmentHead => "部门负责人",
            Role::GovernmentHead => "政府负责人",
            Role::CenterManager => "中心管理员",
            Role::Supervisor => "监察人员",
            Role::Administrator => "系统管理员",
            Role::Auditor => "审计管理员",
            Role::SecurityAdministrator => "安全管理员",
        }
    }
    /// What this role may do inside its subtree.
    pub fn allows(self, action: Action) -> bool {
        use Action::*;
        match self {
            // Everything but security and the audit log: whoever administers is what they watch.
            Role::Administrator => !matches!(action, ReadAudit | ManageGrants | ManageCredentials),
            Role::SecurityAdministrator => matches!(
                action,
                ReadRegions | ReadUsers | ManageGrants | ManageCredentials
            ),
            Role::Auditor => action == ReadAudit,
            Role::Supervisor => matches!(
                action,
                ReadRegions
                    | ReadUsers
                    | ReadCatalog
                    | ReadPlaces
                    | ReadCalendar
                    | Supervise
                    | ReadFees
                    | ReadCases
            ),
            Role::CenterManager => matches!(
                action,
                ReadRegions
                    | ReadUsers
                    | ReadCatalog
                    | ReadPlaces
                    | ReadCalendar
                    | ManagePlaces
                    | ManageCatalog
                    | ManageStaff
                    | ReadFees
                    | ReadCases
            ),
            // The window takes the money: its clerks read their center's fee ledger.
            Role::WindowClerk => matches!(
                action,
                ReadRegions
                    | ReadCatalog
                    | ReadPlaces
                    | ReadCalendar
                    | HandleCases
                    | ReadFees
                    | ReadCases
            ),
            Role::DepartmentHead | Role::Reviewer | Role::GovernmentHead => {
                matches!(
                    action,
                    ReadRegions | ReadCatalog | ReadPlaces | ReadCalendar | HandleCases | ReadCases
                )
            }
            Role::VillageAgent => matches!(
                action,
                ReadRegions | ReadCatalog | ReadPlaces | ReadCalendar | FileCases
            ),
            Role::Applicant => matches!(action, FileCases),
        }
    }
    /// Staff roles reach the administration workbench; applicants do not.
    pub fn is_staff(self) -> bool {
        self != Role::Applicant
    }
    /// One of the three administrators of 三员分立.
    pub fn is_administrator(self) -> bool {
        Role::ADMINISTRATORS.contains(&self)
    }
}

/// Two administrator roles asked of one account (三员分立): the rule of [`separated`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}与{}不能由同一账户兼任(三员分立)", .0.label(), .1.label())]
pub struct RolesNotSeparable(pub Role, pub Role);

impl RolesNotSeparable {
    pub fn code(&self) -> &'static str {
        "roles_not_separable"
    }
}

/// 三员分立: the grants of one account hold at most one of the three administrator roles (the
/// same one on several regions is fine). Checked wherever grants are given — at creation and at a
/// change.
pub fn separated(grants: &[Grant]) -> Result<(), RolesNotSeparable> {
    let mut held = grants
        .iter()
        .map(|g| g.role)
        .filter(|r| r.is_administrator());
    let Some(first) = held.next() else {
        return Ok(());
    };
    match held.find(|r| *r != first) {
        Some(second) => Err(RolesNotSeparable(first, second)),
        None => Ok(()),
    }
}

/// Things a handler may ask to do. Each handler names one and the target region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    ReadRegions,
    ManageRegions,
    ReadPlaces,
    ManagePlaces,
    ReadUsers,
    /// Create staff accounts and grant roles below the manager's own.
    ManageStaff,
    /// Create any account with any role but the administrators' (system administrators).
    ManageUsers,
    /// Change an account's roles, grant the administrators' (security administrators).
    ManageGrants,
    /// Reset someone else's password, lift their sign-in lock (security administrators).
    ManageCredentials,
    ReadCatalog,
    ManageCatalog,
    ReadCalendar,
    ManageCalendar,
    HandleCases,
    FileCases,
    Supervise,
    /// Read and export the audit log (auditors only).
    ReadAudit,
    /// Read a center's fee ledger, daily receipt report and reconciliation (收费日报).
    ReadFees,
    /// Read the cases of the subtree (the window's queues, a case's page): whoever handles or
    /// supervises them, and the center manager who answers for them (issue 19, finding 9).
    ReadCases,
}

impl Action {
    pub const ALL: [Action; 19] = [
        Action::ReadRegions,
        Action::ManageRegions,
        Action::ReadPlaces,
        Action::ManagePlaces,
        Action::ReadUsers,
        Action::ManageStaff,
        Action::ManageUsers,
        Action::ManageGrants,
        Action::ManageCredentials,
        Action::ReadCatalog,
        Action::ManageCatalog,
        Action::ReadCalendar,
        Action::ManageCalendar,
        Action::HandleCases,
        Action::FileCases,
        Action::Supervise,
        Action::ReadAudit,
        Action::ReadFees,
        Action::ReadCases,
    ];
}

/// One role held on one region subtree (optionally limited to one department).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Grant {
    pub role: Role,
    pub region_code: RegionCode,
    pub region_level: Level,
    #[serde(default)]
    pub department_id: Option<i64>,
}

impl Grant {
    pub fn covers(&self, region: &RegionCode) -> bool {
        self.region_code.contains(self.region_level, region)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("请先登录")]
    NotSignedIn,
    #[error("无权执行此操作")]
    Forbidden,
}

impl Denied {
    pub fn code(&self) -> &'static str {
        match self {
            Denied::NotSignedIn => "not_signed_in",
            Denied::Forbidden => "forbidden",
        }
    }
}

/// The single permission check: some grant allows `action` and covers `target`.
pub fn authorize(grants: &[Grant], action: Action, target: &RegionCode) -> Result<(), Denied> {
    if grants
        .iter()
        .any(|g| g.role.allows(action) && g.covers(target))
    {
        Ok(())
    } else {
        Err(Denied::Forbidden)
    }
}

/// The roots of the subtrees on which `action` is allowed: list queries are limited to these.
pub fn scopes(grants: &[Grant], action: Action) -> Vec<(RegionCode, Level)> {
    let mut out: Vec<(RegionCode, Level)> = grants
        .iter()
        .filter(|g| g.role.allows(action))
        .map(|g| (g.region_code.clone(), g.region_level))
        .collect();
    out.sort();
    out.dedup();
    // Drop scopes already inside a wider one, so queries don't repeat rows.
    let all = out.clone();
    out.retain(|(c, l)| {
        !all.iter()
            .any(|(c2, l2)| (c2, l2) != (c, l) && c2.contains(*l2, c) && l2 < l)
    });
    out
}

/// May the holder of `grants` grant `role` on `target`? Security administrators may grant anything
/// inside their subtree; system administrators anything but the three administrator roles (三员分立:
/// the one who runs the system does not choose who watches it); center managers staff roles below
/// themselves inside theirs.
pub fn may_grant(grants: &[Grant], role: Role, target: &RegionCode) -> bool {
    grants.iter().any(|g| {
        g.covers(target)
            && match g.role {
                Role::SecurityAdministrator => true,
                Role::Administrator => !role.is_administrator(),
                Role::CenterManager => matches!(
                    role,
                    Role::WindowClerk | Role::Reviewer | Role::DepartmentHead | Role::VillageAgent
                ),
                _ => false,
            }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(role: Role, code: &str, level: Level) -> Grant {
        Grant {
            role,
            region_code: RegionCode::parse(code).unwrap(),
            region_level: level,
            department_id: None,
        }
    }
    fn c(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn township_staff_stay_in_their_township() {
        let grants = [g(Role::CenterManager, "330102001000", Level::Township)];
        assert!(authorize(&grants, Action::ManagePlaces, &c("330102001000")).is_ok());
        assert!(authorize(&grants, Action::ManagePlaces, &c("330102001003")).is_ok());
        assert_eq!(
            authorize(&grants, Action::ManagePlaces, &c("330102002000")),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            authorize(&grants, Action::ManagePlaces, &c("330102000000")),
            Err(Denied::Forbidden)
        );
    }

    #[test]
    fn roles_are_limited_to_their_actions() {
        let sup = [g(Role::Supervisor, "330100000000", Level::City)];
        assert!(authorize(&sup, Action::Supervise, &c("330102001001")).is_ok());
        assert!(authorize(&sup, Action::ManageCatalog, &c("330102001001")).is_err());
        let app = [g(Role::Applicant, "330100000000", Level::City)];
        assert!(authorize(&app, Action::ReadUsers, &c("330100000000")).is_err());
        assert!(authorize(&[], Action::ReadCatalog, &c("330100000000")).is_err());
    }

    #[test]
    fn every_role_but_admin_lacks_manage_users() {
        for r in Role::ALL {
            assert_eq!(
                r.allows(Action::ManageUsers),
                r == Role::Administrator,
                "{r:?}"
            );
        }
    }

    /// The permission matrix of the three administrators (三员分立): each is allowed exactly its
    /// own actions, and no action is allowed to two of them but the reading of regions and users;
    /// each must present a second factor.
    #[test]
    fn permission_matrix_of_the_three_administrators() {
        use Action::*;
        let security = [ReadRegions, ReadUsers, ManageGrants, ManageCredentials];
        for role in Role::ADMINISTRATORS {
            // Each must present a second factor by default (GB/T 22239-2019 8.1.4.1 d).
            assert!(
                crate::second_factor::required(
                    &[g(role, "330100000000", Level::City)],
                    &crate::second_factor::DEFAULT_ROLES
                ),
                "{role:?}"
            );
            for action in Action::ALL {
                let expected = match role {
                    Role::Administrator => {
                        !matches!(action, ReadAudit | ManageGrants | ManageCredentials)
                    }
                    Role::SecurityAdministrator => security.contains(&action),
                    Role::Auditor => action == ReadAudit,
                    _ => unreachable!(),
                };
                assert_eq!(role.allows(action), expected, "{role:?} {action:?}");
            }
        }
        for action in [ReadAudit, ManageGrants, ManageCredentials] {
            let holders: Vec<Role> = Role::ALL.into_iter().filter(|r| r.allows(action)).collect();
            assert_eq!(
                holders.len(),
                1,
                "{action:?} belongs to one role: {holders:?}"
            );
        }
    }

    #[test]
    fn no_account_holds_two_administrator_roles() {
        let city = "330100000000";
        let town = "330102001000";
        assert!(separated(&[g(Role::Administrator, city, Level::City)]).is_ok());
        // The same administrator role on two regions, or beside an ordinary role, is fine.
        assert!(separated(&[
            g(Role::Auditor, city, Level::City),
            g(Role::Auditor, town, Level::Township),
            g(Role::Supervisor, city, Level::City),
        ])
        .is_ok());
        for (a, b) in [
            (Role::Administrator, Role::SecurityAdministrator),
            (Role::Administrator, Role::Auditor),
            (Role::SecurityAdministrator, Role::Auditor),
        ] {
            let e = separated(&[
                g(a, city, Level::City),
                g(Role::WindowClerk, town, Level::Township),
                g(b, town, Level::Township),
            ])
            .unwrap_err();
            assert_eq!(e, RolesNotSeparable(a, b));
            assert_eq!(e.code(), "roles_not_separable");
            assert!(e.to_string().contains("三员分立"), "{e}");
        }
    }

    #[test]
    fn only_the_security_administrator_grants_administrator_roles() {
        let city = c("330100000000");
        let admin = [g(Role::Administrator, "330100000000", Level::City)];
        let security = [g(Role::SecurityAdministrator, "330100000000", Level::City)];
        for role in Role::ADMINISTRATORS {
            assert!(!may_grant(&admin, role, &city), "{role:?}");
            assert!(may_grant(&security, role, &city), "{role:?}");
        }
        assert!(may_grant(&admin, Role::Supervisor, &city));
        let auditor = [g(Role::Auditor, "330100000000", Level::City)];
        assert!(!may_grant(&auditor, Role::WindowClerk, &city));
    }

    #[test]
    fn scopes_drop_nested_roots() {
        let grants = [
            g(Role::Supervisor, "330102000000", Level::County),
            g(Role::Supervisor, "330102001000", Level::Township),
            g(Role::Supervisor, "330105001000", Level::Township),
        ];
        let s = scopes(&grants, Action::Supervise);
        assert_eq!(s.len(), 2);
        assert!(s.contains(&(c("330102000000"), Level::County)));
    }

    #[test]
    fn managers_grant_only_staff_roles_in_their_subtree() {
        let m = [g(Role::CenterManager, "330102001000", Level::Township)];
        assert!(may_grant(&m, Role::WindowClerk, &c("330102001000")));
        assert!(!may_grant(&m, Role::Administrator, &c("330102001000")));
        assert!(!may_grant(&m, Role::WindowClerk, &c("330102002000")));
    }
}

/// Which regions a query may return: everything (public data) or the union of some subtrees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    All,
    Within(Vec<(RegionCode, Level)>),
}

impl Scope {
    pub fn of(grants: &[Grant], action: Action) -> Scope {
        Scope::Within(scopes(grants, action))
    }
    pub fn contains(&self, code: &RegionCode) -> bool {
        match self {
            Scope::All => true,
            Scope::Within(roots) => roots.iter().any(|(r, l)| r.contains(*l, code)),
        }
    }
    /// Half-open ranges `[lo, hi)` of 12-digit codes covering the scope, for index range scans.
    /// `None` means unbounded (all). An empty vector means nothing is visible.
    pub fn code_ranges(&self) -> Option<Vec<(String, String)>> {
        match self {
            Scope::All => None,
            Scope::Within(roots) => Some(
                roots
                    .iter()
                    .map(|(r, l)| {
                        let p = r.prefix(*l);
                        let lo = format!("{p:0<12}");
                        // Incrementing the numeric prefix gives the first code past the subtree.
                        let next: u64 = p.parse::<u64>().unwrap_or(0) + 1;
                        let hi = format!("{:0<12}", format!("{next:0width$}", width = p.len()));
                        (lo, hi)
                    })
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod scope_tests {
    use super::*;

    #[test]
    fn ranges_cover_exactly_the_subtree() {
        let town = RegionCode::parse("330102001000").unwrap();
        let s = Scope::Within(vec![(town, Level::Township)]);
        let r = s.code_ranges().unwrap();
        assert_eq!(
            r,
            vec![("330102001000".to_string(), "330102002000".to_string())]
        );
        let in_range = |c: &str| r.iter().any(|(lo, hi)| c >= lo.as_str() && c < hi.as_str());
        assert!(in_range("330102001999"));
        assert!(!in_range("330102002000"));
        assert!(!in_range("330102000000"));
        assert!(s.contains(&RegionCode::parse("330102001005").unwrap()));
        assert_eq!(Scope::All.code_ranges(), None);
    }

    #[test]
    fn county_range_ends_at_the_next_county() {
        let c = RegionCode::parse("330199000000").unwrap();
        let r = Scope::Within(vec![(c, Level::County)])
            .code_ranges()
            .unwrap();
        assert_eq!(
            r[0],
            ("330199000000".to_string(), "330200000000".to_string())
        );
    }
}
