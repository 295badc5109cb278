//! Pure checks of the demo data: no store needed.

use super::*;
use domain::catalog::{ItemKind, ItemStatus, ItemType};
use domain::region::construction_standard;
use domain::Level;
use std::collections::{BTreeSet, HashSet};

fn c(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

/// Fake store ids: the position of the department in `departments()`, plus one.
fn fake_ids() -> HashMap<(RegionCode, String), i64> {
    departments()
        .into_iter()
        .enumerate()
        .map(|(i, d)| ((d.region_code, d.code), i as i64 + 1))
        .collect()
}

fn published(code: &str) -> domain::CatalogItem {
    catalog()
        .into_iter()
        .find(|i| i.code == code && i.status == ItemStatus::Published)
        .unwrap_or_else(|| panic!("{code} has a published version"))
}

#[test]
fn every_region_validates_against_its_parent_and_codes_are_unique() {
    let rs = regions();
    let mut seen = HashSet::new();
    for r in &rs {
        assert!(seen.insert(r.code.clone()), "duplicate code {}", r.code);
        let parent = r
            .parent
            .as_ref()
            .map(|p| rs.iter().find(|x| &x.code == p).expect("parent listed"));
        if let Some(p) = parent {
            // Parents come first, so a store can insert in this order.
            assert!(
                rs.iter().position(|x| x.code == p.code) < rs.iter().position(|x| x.code == r.code)
            );
        }
        r.validate(parent)
            .unwrap_or_else(|e| panic!("{} {}: {e}", r.code, r.name));
    }
    let count = |l: Level| rs.iter().filter(|r| r.level == l).count();
    assert_eq!(
        (
            count(Level::City),
            count(Level::County),
            count(Level::Township),
            count(Level::Village)
        ),
        (1, 3, 12, 60)
    );
    let names: HashSet<&str> = rs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names.len(),
        rs.len(),
        "region names are unique too, so a name identifies a place"
    );
}

#[test]
fn well_known_codes_name_the_intended_regions() {
    let rs = regions();
    let get = |s: &str| {
        rs.iter()
            .find(|r| r.code == c(s))
            .unwrap_or_else(|| panic!("{s} exists"))
            .clone()
    };
    assert_eq!(get(CITY).level, Level::City);
    assert_eq!(get(COUNTY).level, Level::County);
    assert_eq!(get(OTHER_COUNTY).level, Level::County);
    let (a, b) = (get(TOWNSHIP_A), get(TOWNSHIP_B));
    assert_eq!((a.level, b.level), (Level::Township, Level::Township));
    assert_eq!(a.parent, Some(c(COUNTY)));
    assert_eq!(b.parent, Some(c(COUNTY)));
    assert_eq!(get(VILLAGE_A).parent, Some(c(TOWNSHIP_A)));
    assert_eq!(get(VILLAGE_B).parent, Some(c(TOWNSHIP_B)));
    assert!(!c(TOWNSHIP_A).contains(Level::Township, &c(VILLAGE_B)));
    assert_eq!((a.name.as_str(), b.name.as_str()), ("石桥镇", "龙潭镇"));
}

#[test]
fn departments_are_unique_and_named_by_their_region() {
    let ds = departments();
    let keys: HashSet<(RegionCode, String)> = ds
        .iter()
        .map(|d| (d.region_code.clone(), d.code.clone()))
        .collect();
    assert_eq!(keys.len(), ds.len());
    let rs = regions();
    for d in &ds {
        let r = rs
            .iter()
            .find(|r| r.code == d.region_code)
            .expect("department region exists");
        assert!(r.level != Level::Village, "villages have no departments");
        assert!(
            d.name.contains(
                r.name
                    .trim_end_matches("街道")
                    .trim_end_matches(['镇', '乡', '区'])
            ),
            "{}",
            d.name
        );
    }
    let yunxi_scjg = ds
        .iter()
        .find(|d| d.region_code == c(COUNTY) && d.code == "scjg")
        .unwrap();
    assert_eq!(yunxi_scjg.name, "云溪县市场监督管理局");
    assert!(ds.iter().any(|d| d.name == "青川市公安局清江分局"));
    assert!(ds
        .iter()
        .any(|d| d.name == "云溪县市场监督管理局石桥市场监督管理所"));
}

#[test]
fn every_region_has_one_valid_place_with_its_own_departments() {
    let ids = fake_ids();
    let lookup = |r: &RegionCode, code: &str| ids.get(&(r.clone(), code.to_string())).copied();
    let ps = places(&lookup);
    let rs = regions();
    assert_eq!(ps.len(), rs.len());
    let codes: HashSet<&RegionCode> = ps.iter().map(|p| &p.region_code).collect();
    assert_eq!(codes.len(), ps.len());
    let mut gaps = 0;
    for p in &ps {
        p.validate().unwrap_or_else(|e| panic!("{}: {e}", p.name));
        let r = rs.iter().find(|r| r.code == p.region_code).unwrap();
        assert_eq!(p.kind, domain::region::PlaceKind::for_level(r.level));
        assert!(!p.windows.is_empty() && !p.hours.is_empty() && !p.phone.is_empty());
        let own: HashSet<i64> = ids
            .iter()
            .filter(|((rc, _), _)| *rc == p.region_code)
            .map(|(_, id)| *id)
            .collect();
        for id in p
            .departments
            .iter()
            .chain(p.windows.iter().flat_map(|w| &w.departments))
        {
            assert!(
                own.contains(id),
                "{} lists a department of another region",
                p.name
            );
        }
        let keys: Vec<&str> = p.construction.iter().map(|c| c.key.as_str()).collect();
        let standard: Vec<&str> = construction_standard(p.kind)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, standard);
        gaps += usize::from(p.construction.iter().any(|c| !c.met));
    }
    assert!(
        (3..=10).contains(&gaps),
        "a few places miss construction items, most meet all ({gaps})"
    );
    let city = ps.iter().find(|p| p.region_code == c(CITY)).unwrap();
    assert!(city
        .windows
        .iter()
        .any(|w| w.name == "综合受理窗口" && w.departments.len() > 5));
}

#[test]
fn every_catalog_version_validates_and_is_unique() {
    let items = catalog();
    let mut keys = HashSet::new();
    for i in &items {
        i.validate()
            .unwrap_or_else(|e| panic!("{} v{} {}: {e}", i.code, i.version, i.name));
        assert!(
            keys.insert((i.code.clone(), i.version)),
            "duplicate {} v{}",
            i.code,
            i.version
        );
        assert!(
            !i.place.is_empty() && !i.consult_phone.is_empty() && !i.responsible_person.is_empty()
        );
        assert!(i.implementation_code.len() > 18);
    }
    let codes: BTreeSet<&str> = items.iter().map(|i| i.code.as_str()).collect();
    assert!(codes.len() >= 40, "about forty items ({})", codes.len());
    for code in &codes {
        let published = items
            .iter()
            .filter(|i| i.code == *code && i.status == ItemStatus::Published)
            .count();
        assert_eq!(published, 1, "{code} has exactly one published version");
    }
    let superseded = items
        .iter()
        .filter(|i| i.status == ItemStatus::Superseded)
        .count();
    let drafts: Vec<_> = items
        .iter()
        .filter(|i| i.status == ItemStatus::Draft)
        .collect();
    assert!(superseded >= 2);
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].code, ITEM_GETIHU);
    // A superseded version is always older than the published one (publishing order = version order).
    for s in items.iter().filter(|i| i.status == ItemStatus::Superseded) {
        assert!(published(&s.code).version > s.version);
    }
}

#[test]
fn catalog_covers_every_type_kind_and_level() {
    let items = catalog();
    for t in ItemType::ALL {
        assert!(items.iter().any(|i| i.item_type == *t), "{t:?}");
    }
    for k in ItemKind::ALL {
        assert!(items.iter().any(|i| i.kind == *k), "{k:?}");
    }
    for l in Level::ALL {
        assert!(
            items.iter().any(|i| i.accept_levels.contains(&l)),
            "accepted at {l:?}"
        );
        assert!(
            items.iter().any(|i| i.decide_level == l),
            "decided at {l:?}"
        );
    }
    assert!(
        items.iter().any(|i| !i.is_free())
            && items.iter().filter(|i| i.is_free()).count() > items.len() / 2
    );
    assert!(
        items.iter().any(|i| i.region_code == c(COUNTY)),
        "some items are owned by a county"
    );
    for theme in [
        "生育",
        "就业",
        "建房",
        "开办企业",
        "社会救助",
        "养老",
        "医疗",
        "教育",
        "婚姻",
        "户籍",
    ] {
        assert!(
            items.iter().any(|i| i.themes.iter().any(|t| t == theme)),
            "{theme}"
        );
    }
    for i in items
        .iter()
        .filter(|i| i.accept_levels.contains(&Level::Village) && i.decide_level != Level::Village)
    {
        assert!(
            i.proxy_allowed,
            "{}: village-accepted items are filed by agents",
            i.name
        );
    }
    assert!(items
        .iter()
        .any(|i| i.materials.iter().any(|m| !m.mandatory)));
}

#[test]
fn stage_and_item_departments_exist() {
    let codes: HashSet<String> = departments().into_iter().map(|d| d.code).collect();
    for i in catalog() {
        assert!(
            codes.contains(&i.department),
            "{}: {}",
            i.name,
            i.department
        );
        for s in &i.stages {
            assert!(
                codes.contains(&s.department),
                "{} / {}: {}",
                i.name,
                s.name,
                s.department
            );
        }
    }
}

#[test]
fn the_five_named_items_have_the_required_shape() {
    use Level::*;
    let g = published(ITEM_GETIHU);
    assert_eq!(
        (g.name.as_str(), g.kind),
        ("个体工商户设立登记", ItemKind::Immediate)
    );
    assert!(g.accept_levels.contains(&Township) && g.accept_levels.contains(&County));

    let f = published(ITEM_FOOD_LICENSE);
    assert_eq!(
        (f.name.as_str(), f.kind, f.statutory_limit_days),
        ("食品经营许可", ItemKind::Promised, 20)
    );
    assert!(f.promised_limit_days <= 20);

    let d = published(ITEM_DIBAO);
    assert_eq!(
        (d.name.as_str(), d.item_type, d.kind),
        ("最低生活保障申请", ItemType::Payment, ItemKind::Forwarded)
    );
    assert!(d.accept_levels.contains(&Township) && d.accept_levels.contains(&Village));
    assert_eq!(d.decide_level, County);
    assert!(d.proxy_allowed);
    assert!(d.stages.iter().any(|s| s.name.contains("初审")));

    let z = published(ITEM_ZHAIJIDI);
    assert_eq!(
        (z.name.as_str(), z.kind, z.decide_level),
        ("农村宅基地建房审批", ItemKind::Forwarded, County)
    );
    assert!(z.accept_levels.contains(&Village) && z.accept_levels.contains(&Township));
    assert!(z.proxy_allowed);
    assert!(z.stages.iter().any(|s| s.name.contains("乡镇初审")));

    let p = published(ITEM_CONSTRUCTION_PERMIT);
    assert_eq!(
        (p.kind, p.department.as_str(), p.statutory_limit_days),
        (ItemKind::Joint, "zj", 45)
    );
    let group: HashSet<&str> = p
        .stages
        .iter()
        .filter(|s| s.parallel_group == Some(1))
        .map(|s| s.department.as_str())
        .collect();
    assert!(group.contains("zrzy") && group.contains("xf"));
}

#[test]
fn usernames_are_unique_printable_and_cover_every_role_at_every_level() {
    let ids = fake_ids();
    let lookup = |r: &RegionCode, code: &str| ids.get(&(r.clone(), code.to_string())).copied();
    let us = users("HASH", &lookup);
    let names: HashSet<&str> = us.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names.len(), us.len());
    for u in &us {
        assert!(
            u.username.bytes().all(|b| b.is_ascii_graphic()),
            "{}",
            u.username
        );
        assert!(
            !u.display_name.is_ascii(),
            "{}: display names are Chinese",
            u.username
        );
        assert_eq!(u.password_hash, "HASH");
        assert_eq!(u.grants.len(), 1);
    }
    let accounts = users::accounts();
    for a in &accounts {
        if let Some(d) = a.department {
            assert!(
                lookup(&a.grant_region, d).is_some(),
                "{}: department {d} exists in its region",
                a.username
            );
        }
    }
    let has = |role: Role, region: &RegionCode| {
        us.iter()
            .any(|u| u.grants[0].role == role && &u.grants[0].region_code == region)
    };
    let rs = regions();
    for r in &rs {
        let staff: &[Role] = match r.level {
            Level::City => &[
                Role::Administrator,
                Role::SecurityAdministrator,
                Role::Auditor,
                Role::Supervisor,
                Role::CenterManager,
                Role::WindowClerk,
                Role::Reviewer,
                Role::DepartmentHead,
            ],
            Level::County | Level::Township => &[
                Role::Supervisor,
                Role::CenterManager,
                Role::WindowClerk,
                Role::Reviewer,
                Role::DepartmentHead,
            ],
            Level::Village => &[Role::VillageAgent],
        };
        for role in staff {
            assert!(has(*role, &r.code), "{role:?} at {}", r.name);
        }
    }
    let applicants: Vec<_> = us
        .iter()
        .filter(|u| u.grants[0].role == Role::Applicant)
        .collect();
    assert_eq!(applicants.len(), 3);
    assert!(applicants.iter().any(|u| u.home_region == c(VILLAGE_A)));
    // Department-limited staff at counties get a real department id.
    let clerk = us.iter().find(|u| u.username == CLERK_COUNTY_SCJG).unwrap();
    assert_eq!(clerk.grants[0].department_id, lookup(&c(COUNTY), "scjg"));
}

#[test]
fn named_usernames_hold_the_named_roles() {
    let accounts = users::accounts();
    let check = |username: &str, role: Role, region: &str| {
        let a = accounts
            .iter()
            .find(|a| a.username == username)
            .unwrap_or_else(|| panic!("{username} exists"));
        assert_eq!(
            (a.role, a.grant_region.as_str()),
            (role, region),
            "{username}"
        );
    };
    check(ADMIN, Role::Administrator, CITY);
    check(AUDITOR, Role::Auditor, CITY);
    check(SECURITY_ADMIN, Role::SecurityAdministrator, CITY);
    check(SUP_CITY, Role::Supervisor, CITY);
    check(MGR_CITY, Role::CenterManager, CITY);
    check(SUP_COUNTY, Role::Supervisor, COUNTY);
    check(MGR_COUNTY, Role::CenterManager, COUNTY);
    check(CLERK_COUNTY, Role::WindowClerk, COUNTY);
    check(CLERK_COUNTY_SCJG, Role::WindowClerk, COUNTY);
    check(REVIEWER_COUNTY_MZ, Role::Reviewer, COUNTY);
    check(HEAD_COUNTY_MZ, Role::DepartmentHead, COUNTY);
    check(SUP_TOWNSHIP_A, Role::Supervisor, TOWNSHIP_A);
    check(MGR_TOWNSHIP_A, Role::CenterManager, TOWNSHIP_A);
    check(CLERK_TOWNSHIP_A, Role::WindowClerk, TOWNSHIP_A);
    check(REVIEWER_TOWNSHIP_A, Role::Reviewer, TOWNSHIP_A);
    check(HEAD_TOWNSHIP_A, Role::DepartmentHead, TOWNSHIP_A);
    check(SUP_TOWNSHIP_B, Role::Supervisor, TOWNSHIP_B);
    check(MGR_TOWNSHIP_B, Role::CenterManager, TOWNSHIP_B);
    check(CLERK_TOWNSHIP_B, Role::WindowClerk, TOWNSHIP_B);
    check(AGENT_VILLAGE_A, Role::VillageAgent, VILLAGE_A);
    check(AGENT_VILLAGE_B, Role::VillageAgent, VILLAGE_B);
    check(CITIZEN, Role::Applicant, CITY);
    check(ENTERPRISE, Role::Applicant, CITY);
    check(VILLAGER, Role::Applicant, CITY);
}

#[test]
fn featured_logins_cover_every_role_and_exist() {
    let f = featured_logins();
    assert_eq!(
        f.len(),
        FEATURED.len(),
        "every featured username is a real account"
    );
    for role in Role::ALL {
        assert!(f.iter().any(|l| l.role == role), "{role:?}");
    }
    let names: HashSet<&str> = f.iter().map(|l| l.username.as_str()).collect();
    assert_eq!(names.len(), f.len());
    assert!(f
        .iter()
        .all(|l| !l.region_name.is_empty() && !l.display_name.is_empty()));
    assert!(f.len() < 30, "a short list");
}

#[test]
fn holidays_and_closure_are_well_formed() {
    let days = holidays().expect("the shipped schedule parses");
    let years: BTreeSet<i32> = days
        .iter()
        .map(|d| chrono::Datelike::year(&d.date))
        .collect();
    assert!(years.contains(&2025) && years.contains(&2026));
    let cl = closures();
    assert_eq!(cl.len(), 1);
    assert_eq!(cl[0].region_code, c(TOWNSHIP_A));
    let cal = domain::WorkingCalendar::new(days);
    assert!(
        cal.is_working_day(cl[0].date),
        "the closure falls on what would be a working day"
    );
}

#[test]
fn demo_password_is_the_documented_one() {
    assert_eq!(DEMO_PASSWORD, "yizhan2026");
}

/// The server may load the demo from a spawned task, so the future must be Send.
#[allow(dead_code)]
fn load_future_is_send(s: &dyn Store) {
    fn is_send<T: Send>(_: T) {}
    is_send(load(s, ""));
}
