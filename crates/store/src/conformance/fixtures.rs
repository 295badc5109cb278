//! Fixtures: the test tree, users, items, and small assertions every story uses.

use super::*;

// ---------------------------------------------------------------------------------------------
// Fixtures

/// The test tree: city 330100 › counties 330102, 330105 › townships 330102001, 330102002,
/// 330105001 › villages 330102001001, 330102001999, 330102002001.
pub const CITY: &str = "330100000000";
pub const COUNTY: &str = "330102000000";
pub const OTHER_COUNTY: &str = "330105000000";
pub const TOWN: &str = "330102001000";
pub const SIBLING_TOWN: &str = "330102002000";
pub const FAR_TOWN: &str = "330105001000";
pub const VILLAGE: &str = "330102001001";
/// The last-numbered village of `TOWN`, on the edge of its code range.
pub const EDGE_VILLAGE: &str = "330102001999";
pub const SIBLING_VILLAGE: &str = "330102002001";

pub fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).expect("valid fixture code")
}

/// A region whose level is implied by its code.
pub fn region(c: &str, name: &str, parent: Option<&str>) -> Region {
    let code = code(c);
    Region {
        level: code.implied_level(),
        code,
        name: name.to_string(),
        parent: parent.map(self::code),
    }
}

pub fn tree() -> Vec<Region> {
    vec![
        region(CITY, "杭州市", None),
        region(COUNTY, "上城区", Some(CITY)),
        region(OTHER_COUNTY, "拱墅区", Some(CITY)),
        region(TOWN, "清波街道", Some(COUNTY)),
        region(SIBLING_TOWN, "湖滨街道", Some(COUNTY)),
        region(FAR_TOWN, "米市巷街道", Some(OTHER_COUNTY)),
        region(VILLAGE, "清波门社区", Some(TOWN)),
        region(EDGE_VILLAGE, "劳动路社区", Some(TOWN)),
        region(SIBLING_VILLAGE, "东坡路社区", Some(SIBLING_TOWN)),
    ]
}

/// Puts the whole test tree, parents first.
pub async fn seed_regions<S: Store + ?Sized>(store: &S) {
    for r in tree() {
        store.put_region(&r).await.expect("put fixture region");
    }
}

/// The subtree rooted at `c` (level implied by the code).
pub fn subtree(c: &str) -> Scope {
    let code = code(c);
    Scope::Within(vec![(code.clone(), code.implied_level())])
}

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("fixture instant")
        .with_timezone(&Utc)
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("fixture date")
}

pub fn grant(role: Role, c: &str) -> Grant {
    let region_code = code(c);
    Grant {
        role,
        region_level: region_code.implied_level(),
        region_code,
        department_id: None,
    }
}

pub fn new_user(username: &str, home: &str) -> NewUser {
    NewUser {
        username: username.to_string(),
        display_name: format!("{username} 的名字"),
        phone: "13800000000".to_string(),
        home_region: code(home),
        password_hash: format!("$argon2id$v=19$fixture-{username}"),
        grants: vec![grant(Role::WindowClerk, home)],
        id_number: None,
    }
}

/// A valid promised item owned by `region` and handled by `department`, with every list filled so
/// a round trip checks them all.
pub fn item(code_: &str, version: u32, region: &str, department: &str) -> CatalogItem {
    CatalogItem {
        code: code_.to_string(),
        version,
        status: ItemStatus::Draft,
        implementation_code: format!("11330100MB0000000X-{code_}-{version}"),
        name: format!("食品经营许可 {code_}"),
        item_type: ItemType::Licensing,
        kind: ItemKind::Promised,
        region_code: code(region),
        department: department.to_string(),
        accept_levels: vec![Level::County, Level::Township],
        decide_level: Level::County,
        legal_basis: "《中华人民共和国食品安全法》第三十五条".to_string(),
        conditions: "有与经营的食品品种、数量相适应的经营场所".to_string(),
        materials: vec![
            Material {
                name: "食品经营许可申请书".to_string(),
                form: MaterialForm::Original,
                count: 1,
                mandatory: true,
                condition: String::new(),
                issuer: "申请人".to_string(),
                template: "申请书.docx".to_string(),
                note: String::new(),
                agent_authorization: false,
            },
            Material {
                name: "授权委托书".to_string(),
                form: MaterialForm::OriginalAndCopy,
                count: 2,
                mandatory: false,
                condition: "委托办理的".to_string(),
                issuer: String::new(),
                template: String::new(),
                note: "受托人身份证同时提供".to_string(),
                agent_authorization: true,
            },
        ],
        stages: vec![
            Stage {
                name: "受理".to_string(),
                department: department.to_string(),
                limit_days: 1,
                parallel_group: None,
            },
            Stage {
                name: "现场核查".to_string(),
                department: department.to_string(),
                limit_days: 3,
                parallel_group: Some(1),
            },
            Stage {
                name: "材料审查".to_string(),
                department: department.to_string(),
                limit_days: 4,
                parallel_group: Some(1),
            },
            Stage {
                name: "决定".to_string(),
                department: department.to_string(),
                limit_days: 2,
                parallel_group: None,
            },
        ],
        statutory_limit_days: 20,
        promised_limit_days: 10,
        fees: vec![Fee {
            name: "工本费".to_string(),
            amount_fen: 1050,
            basis: "浙价费〔2020〕1号".to_string(),
        }],
        place: "区行政服务中心二楼".to_string(),
        hours: "周一至周五 9:00-17:00".to_string(),
        responsible_unit: "区市场监督管理局".to_string(),
        responsible_person: "王科长".to_string(),
        consult_phone: "0571-12345678".to_string(),
        complaint_phone: "12345".to_string(),
        online: OnlineLevel::OnlinePrereview,
        visits: 1,
        service_objects: vec![ServiceObject::Person, ServiceObject::Enterprise],
        themes: vec!["开办企业".to_string(), "餐饮".to_string()],
        proxy_allowed: true,
        result_name: "食品经营许可证".to_string(),
        faq: "问：需要几次到现场？答：一次。".to_string(),
    }
}

pub(crate) fn with_status(mut i: CatalogItem, status: ItemStatus) -> CatalogItem {
    i.status = status;
    i
}

pub(crate) fn codes_of(regions: &[Region]) -> Vec<&str> {
    regions.iter().map(|r| r.code.as_str()).collect()
}

pub(crate) fn keys(items: &[CatalogItem]) -> Vec<(String, u32)> {
    items.iter().map(|i| (i.code.clone(), i.version)).collect()
}

pub(crate) fn key(c: &str, v: u32) -> (String, u32) {
    (c.to_string(), v)
}

#[track_caller]
pub(crate) fn assert_conflict<T: std::fmt::Debug>(r: crate::Result<T>, expected: &str) {
    match r {
        Err(StoreError::Conflict { code, message }) => {
            assert_eq!(code, expected, "conflict code");
            assert!(
                !message.is_empty(),
                "a conflict carries a message for people"
            );
        }
        other => panic!("expected Conflict {{ code: {expected:?} }}, got {other:?}"),
    }
}

#[track_caller]
pub(crate) fn assert_not_found<T: std::fmt::Debug>(r: crate::Result<T>) {
    match r {
        Err(StoreError::NotFound(_)) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}
