//! The conformance suite: one story per storage capability, run against every backend through
//! [`conformance_tests!`](crate::conformance_tests). Each function takes a fresh, migrated, empty store.
//!
//! The stories are the behavioural contract of the traits in this crate: where a doc comment leaves
//! a choice open (ordering, upsert or conflict), the story pins it so both backends agree.

use crate::{
    listing, CaseFilter, CaseStore, CaseSummary, Closure, CountBy, ImportSummary, ItemFilter,
    Message, NewUser, OrderEntry, OrderStatus, OutcomeRecord, PeriodFigure, PublishedResult,
    ScanCounts, Session, SideEffects, Store, StoreError, SupervisionChange, SupervisionOrder,
    WarningRecord,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::access::{Grant, Role, Scope};
use domain::calendar::{CalendarDay, DayKind, WorkingCalendar};
use domain::case::{
    self, ActorRef, Applicant, ApplicantKind, Case, CaseEvent, CaseState, Channel, EventKind,
    Filing, ItemTerms, MaterialStatus,
};
use domain::catalog::{
    CatalogItem, Fee, ItemKind, ItemStatus, ItemType, Material, MaterialForm, OnlineLevel,
    ServiceObject, Stage,
};
use domain::region::{
    ConstructionCheck, Department, Level, PlaceKind, Region, RegionCode, ServicePlace,
    ServiceWindow,
};
use domain::supervision::DeadlineRow;

mod feedback;
pub use feedback::*;

/// Expands to one `#[tokio::test]` per story. `$make` is an expression whose `.await` yields a
/// fresh, migrated, empty store; it is evaluated once per test. With `optional:` it yields an
/// `Option` of one, and a story whose store is `None` (no server to test against) returns at once.
#[macro_export]
macro_rules! conformance_tests {
    (optional: $make:expr) => {
        $crate::conformance_tests!(@list [optional] $make);
    };
    ($make:expr) => {
        $crate::conformance_tests!(@list [plain] $make);
    };
    (@list [$mode:ident] $make:expr) => {
        $crate::conformance_tests!(@each [$mode] $make;
            regions_by_scope,
            region_children,
            places_round_trip,
            place_needs_region,
            departments_unique_per_region,
            users_create_and_find,
            username_taken_is_conflict,
            user_grants_round_trip,
            users_listed_by_scope,
            login_failures_and_lock,
            user_active_and_password,
            sessions_expire,
            sessions_delete_and_purge,
            catalog_draft_round_trip,
            catalog_draft_replaced,
            catalog_published_is_frozen,
            catalog_publish_supersedes,
            catalog_versions_oldest_first,
            catalog_list_items_filters,
            catalog_import_all_or_nothing,
            catalog_import_summary,
            calendar_replaces_only_given_years,
            closures_affect_subtree_not_siblings,
            settings_round_trip,
            cache_versions_follow_their_tables,
            schema_is_described,
            counters_count_from_one,
            counters_unique_under_concurrency,
            case_round_trip,
            case_append_checks_version,
            case_transition_commits_side_effects_together,
            case_import_all_or_nothing,
            cases_listed_by_filter,
            case_list_scoped_pages,
            case_period_figures,
            case_numbers_page,
            case_messages,
            case_results_published,
            supervision_deadline_rows,
            supervision_warning_raised_once,
            supervision_scan_from_rows,
            supervision_clear_warnings_except,
            supervision_warnings_listed_red_first,
            supervision_counts_follow_cases,
            supervision_lease,
            supervision_outcomes_by_period,
            supervision_orders,
            feedback_rating_once_per_channel,
            feedback_ratings_listed_by_scope,
            feedback_follow_ups_saved_by_version,
            feedback_complaints,
        );
    };
    (@each [plain] $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let store = $make.await;
                $crate::conformance::$name(&store).await;
            }
        )*
    };
    (@each [optional] $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let Some(store) = $make.await else { return };
                $crate::conformance::$name(&store).await;
            }
        )*
    };
}

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

fn with_status(mut i: CatalogItem, status: ItemStatus) -> CatalogItem {
    i.status = status;
    i
}

fn codes_of(regions: &[Region]) -> Vec<&str> {
    regions.iter().map(|r| r.code.as_str()).collect()
}

fn keys(items: &[CatalogItem]) -> Vec<(String, u32)> {
    items.iter().map(|i| (i.code.clone(), i.version)).collect()
}

fn key(c: &str, v: u32) -> (String, u32) {
    (c.to_string(), v)
}

#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(r: crate::Result<T>, expected: &str) {
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
fn assert_not_found<T: std::fmt::Debug>(r: crate::Result<T>) {
    match r {
        Err(StoreError::NotFound(_)) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Regions and places

pub async fn regions_by_scope<S: Store + ?Sized>(store: &S) {
    assert!(store.list_regions(&Scope::All).await.unwrap().is_empty());
    seed_regions(store).await;

    assert_eq!(
        store.get_region(&code(VILLAGE)).await.unwrap(),
        Some(region(VILLAGE, "清波门社区", Some(TOWN)))
    );
    assert_eq!(
        store.get_region(&code(CITY)).await.unwrap(),
        Some(region(CITY, "杭州市", None))
    );
    assert_eq!(store.get_region(&code("330199000000")).await.unwrap(), None);

    let mut all: Vec<String> = tree().into_iter().map(|r| r.code.to_string()).collect();
    all.sort();
    let listed = store.list_regions(&Scope::All).await.unwrap();
    assert_eq!(codes_of(&listed), all, "all regions, ordered by code");

    // A township sees itself and its villages, including the last code of its range, and never
    // its sibling township, the sibling's villages, or its own county.
    let town = store.list_regions(&subtree(TOWN)).await.unwrap();
    assert_eq!(codes_of(&town), vec![TOWN, VILLAGE, EDGE_VILLAGE]);

    let county = store.list_regions(&subtree(COUNTY)).await.unwrap();
    assert_eq!(
        codes_of(&county),
        vec![
            COUNTY,
            TOWN,
            VILLAGE,
            EDGE_VILLAGE,
            SIBLING_TOWN,
            SIBLING_VILLAGE
        ]
    );

    let village = store.list_regions(&subtree(VILLAGE)).await.unwrap();
    assert_eq!(codes_of(&village), vec![VILLAGE]);

    // A union of subtrees; an empty union sees nothing.
    let two = Scope::Within(vec![
        (code(SIBLING_TOWN), Level::Township),
        (code(OTHER_COUNTY), Level::County),
    ]);
    let listed = store.list_regions(&two).await.unwrap();
    assert_eq!(
        codes_of(&listed),
        vec![SIBLING_TOWN, SIBLING_VILLAGE, OTHER_COUNTY, FAR_TOWN]
    );
    assert!(store
        .list_regions(&Scope::Within(vec![]))
        .await
        .unwrap()
        .is_empty());

    // put_region replaces.
    let renamed = region(TOWN, "清波街道(新)", Some(COUNTY));
    store.put_region(&renamed).await.unwrap();
    assert_eq!(store.get_region(&code(TOWN)).await.unwrap(), Some(renamed));
    assert_eq!(
        store.list_regions(&Scope::All).await.unwrap().len(),
        tree().len()
    );
}

pub async fn region_children<S: Store + ?Sized>(store: &S) {
    seed_regions(store).await;
    assert_eq!(
        codes_of(&store.children(&code(CITY)).await.unwrap()),
        vec![COUNTY, OTHER_COUNTY]
    );
    assert_eq!(
        codes_of(&store.children(&code(COUNTY)).await.unwrap()),
        vec![TOWN, SIBLING_TOWN]
    );
    let villages = store.children(&code(TOWN)).await.unwrap();
    assert_eq!(
        villages,
        vec![
            region(VILLAGE, "清波门社区", Some(TOWN)),
            region(EDGE_VILLAGE, "劳动路社区", Some(TOWN))
        ]
    );
    assert!(store.children(&code(VILLAGE)).await.unwrap().is_empty());
    assert!(store
        .children(&code("330199000000"))
        .await
        .unwrap()
        .is_empty());
}

fn place(region_code: &str, kind: PlaceKind, departments: Vec<i64>) -> ServicePlace {
    ServicePlace {
        region_code: code(region_code),
        name: format!("{region_code} 便民服务中心"),
        kind,
        address: "解放路 1 号".to_string(),
        hours: "周一至周五 8:30-17:00".to_string(),
        phone: "0571-87000000".to_string(),
        windows: vec![
            ServiceWindow {
                number: "1".to_string(),
                name: "综合受理".to_string(),
                departments: departments.clone(),
            },
            ServiceWindow {
                number: "2".to_string(),
                name: "出件".to_string(),
                departments: vec![],
            },
        ],
        departments,
        construction: vec![
            ConstructionCheck {
                key: "premises".to_string(),
                label: "有固定场所".to_string(),
                met: true,
            },
            ConstructionCheck {
                key: "funds".to_string(),
                label: "有工作经费".to_string(),
                met: false,
            },
        ],
    }
}

pub async fn places_round_trip<S: Store + ?Sized>(store: &S) {
    seed_regions(store).await;
    let d1 = store
        .create_department(&code(TOWN), "mz", "民政办")
        .await
        .unwrap();
    let d2 = store
        .create_department(&code(TOWN), "sb", "社保所")
        .await
        .unwrap();

    assert_eq!(store.get_place(&code(TOWN)).await.unwrap(), None);
    let town = place(TOWN, PlaceKind::Center, vec![d1, d2]);
    store.put_place(&town).await.unwrap();
    assert_eq!(
        store.get_place(&code(TOWN)).await.unwrap(),
        Some(town.clone())
    );

    // One place per region: a second put replaces the first.
    let mut changed = town.clone();
    changed.name = "清波街道便民服务中心".to_string();
    changed.windows.pop();
    changed.departments = vec![d2];
    changed.construction[1].met = true;
    store.put_place(&changed).await.unwrap();
    assert_eq!(
        store.get_place(&code(TOWN)).await.unwrap(),
        Some(changed.clone())
    );

    let room = place(VILLAGE, PlaceKind::Room, vec![]);
    let sibling = place(SIBLING_TOWN, PlaceKind::Center, vec![]);
    store.put_place(&room).await.unwrap();
    store.put_place(&sibling).await.unwrap();

    let all = store.list_places(&Scope::All).await.unwrap();
    assert_eq!(
        all,
        vec![changed.clone(), room.clone(), sibling],
        "ordered by region code"
    );
    let in_town = store.list_places(&subtree(TOWN)).await.unwrap();
    assert_eq!(in_town, vec![changed, room]);
}

pub async fn place_needs_region<S: Store + ?Sized>(store: &S) {
    seed_regions(store).await;
    let orphan = place("330102009000", PlaceKind::Center, vec![]);
    assert_not_found(store.put_place(&orphan).await);
    assert_eq!(store.get_place(&code("330102009000")).await.unwrap(), None);
    assert!(store.list_places(&Scope::All).await.unwrap().is_empty());
}

pub async fn departments_unique_per_region<S: Store + ?Sized>(store: &S) {
    seed_regions(store).await;
    let a = store
        .create_department(&code(TOWN), "scjg", "市场监管所")
        .await
        .unwrap();
    assert_eq!(
        store.get_department(a).await.unwrap(),
        Some(Department {
            id: a,
            region_code: code(TOWN),
            code: "scjg".to_string(),
            name: "市场监管所".to_string()
        })
    );
    assert_conflict(
        store.create_department(&code(TOWN), "scjg", "另一个").await,
        "department_exists",
    );

    // The same code in another region is another department.
    let b = store
        .create_department(&code(SIBLING_TOWN), "scjg", "市场监管所")
        .await
        .unwrap();
    let c = store
        .create_department(&code(COUNTY), "scjg", "区市场监督管理局")
        .await
        .unwrap();
    assert!(a != b && b != c && a != c);
    assert_eq!(store.get_department(a + b + c + 1000).await.unwrap(), None);

    let in_town = store.list_departments(&subtree(TOWN)).await.unwrap();
    assert_eq!(in_town.iter().map(|d| d.id).collect::<Vec<_>>(), vec![a]);
    let in_county = store.list_departments(&subtree(COUNTY)).await.unwrap();
    assert_eq!(
        in_county.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![c, a, b],
        "ordered by region code, then code"
    );
}

// ---------------------------------------------------------------------------------------------
// Users and sessions

pub async fn users_create_and_find<S: Store + ?Sized>(store: &S) {
    seed_regions(store).await;
    let before = Utc::now() - Duration::seconds(5);
    let new = new_user("zhangsan", TOWN);
    let id = store.create_user(&new).await.unwrap();
    let after = Utc::now() + Duration::seconds(5);

    let u = store.get_user(id).await.unwrap().expect("created user");
    assert_eq!(u.id, id);
    assert_eq!(u.username, "zhangsan");
    assert_eq!(u.display_name, new.display_name);
    assert_eq!(u.phone, new.phone);
    assert_eq!(u.home_region, code(TOWN));
    assert_eq!(u.password_hash, new.password_hash);
    assert!(u.active);
    assert_eq!(u.failed_logins, 0);
    assert_eq!(u.locked_until, None);
    assert!(
        u.created_at > before && u.created_at < after,
        "created_at is now: {}",
        u.created_at
    );
    assert_eq!(u.grants, new.grants);

    assert_eq!(store.find_user("zhangsan").await.unwrap(), Some(u.clone()));
    assert_eq!(store.find_user("lisi").await.unwrap(), None);
    assert_eq!(store.get_user(id + 1000).await.unwrap(), None);

    let other = store.create_user(&new_user("lisi", VILLAGE)).await.unwrap();
    assert_ne!(other, id);
    assert_eq!(
        store.get_user(id).await.unwrap(),
        Some(u),
        "creating another user leaves the first alone"
    );
}

pub async fn username_taken_is_conflict<S: Store + ?Sized>(store: &S) {
    seed_regions(store).await;
    let id = store.create_user(&new_user("wangwu", TOWN)).await.unwrap();
    let mut again = new_user("wangwu", SIBLING_TOWN);
    again.display_name = "另一个王五".to_string();
    assert_conflict(store.create_user(&again).await, "username_taken");
    let kept = store.find_user("wangwu").await.unwrap().unwrap();
    assert_eq!((kept.id, kept.home_region), (id, code(TOWN)));
    assert_eq!(store.list_users(&Scope::All).await.unwrap().len(), 1);
}

pub async fn user_grants_round_trip<S: Store + ?Sized>(store: &S) {
    seed_regions(store).await;
    let dept = store
        .create_department(&code(COUNTY), "scjg", "区市场监督管理局")
        .await
        .unwrap();
    let id = store
        .create_user(&new_user("reviewer", COUNTY))
        .await
        .unwrap();
    let other = store
        .create_user(&new_user("bystander", COUNTY))
        .await
        .unwrap();

    let grants = vec![
        Grant {
            department_id: Some(dept),
            ..grant(Role::Reviewer, COUNTY)
        },
        grant(Role::Supervisor, TOWN),
        grant(Role::Administrator, CITY),
    ];
    store.set_grants(id, &grants).await.unwrap();
    assert_eq!(
        store.get_user(id).await.unwrap().unwrap().grants,
        grants,
        "grants keep their order"
    );
    assert_eq!(
        store.find_user("reviewer").await.unwrap().unwrap().grants,
        grants
    );

    // set_grants replaces, and touches only that user.
    let fewer = vec![grant(Role::WindowClerk, VILLAGE)];
    store.set_grants(id, &fewer).await.unwrap();
    assert_eq!(store.get_user(id).await.unwrap().unwrap().grants, fewer);
    assert_eq!(
        store.get_user(other).await.unwrap().unwrap().grants,
        vec![grant(Role::WindowClerk, COUNTY)]
    );
    store.set_grants(id, &[]).await.unwrap();
    assert!(store.get_user(id).await.unwrap().unwrap().grants.is_empty());

    assert_not_found(store.set_grants(id + other + 1000, &fewer).await);
}

pub async fn users_listed_by_scope<S: Store + ?Sized>(store: &S) {
    seed_regions(store).await;
    for (name, home) in [
        ("d_village", VILLAGE),
        ("a_town", TOWN),
        ("c_edge", EDGE_VILLAGE),
        ("b_sibling", SIBLING_TOWN),
        ("e_county", COUNTY),
        ("f_far", FAR_TOWN),
    ] {
        store.create_user(&new_user(name, home)).await.unwrap();
    }
    let names = |us: Vec<crate::User>| us.into_iter().map(|u| u.username).collect::<Vec<_>>();

    assert_eq!(
        names(store.list_users(&Scope::All).await.unwrap()),
        vec![
            "a_town",
            "b_sibling",
            "c_edge",
            "d_village",
            "e_county",
            "f_far"
        ]
    );
    assert_eq!(
        names(store.list_users(&subtree(TOWN)).await.unwrap()),
        vec!["a_town", "c_edge", "d_village"]
    );
    assert_eq!(
        names(store.list_users(&subtree(COUNTY)).await.unwrap()),
        vec!["a_town", "b_sibling", "c_edge", "d_village", "e_county"]
    );
    assert!(store
        .list_users(&Scope::Within(vec![]))
        .await
        .unwrap()
        .is_empty());
    let listed = store.list_users(&subtree(SIBLING_TOWN)).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].grants,
        vec![grant(Role::WindowClerk, SIBLING_TOWN)],
        "listed users carry their grants"
    );
}

pub async fn login_failures_and_lock<S: Store + ?Sized>(store: &S) {
    seed_regions(store).await;
    let id = store.create_user(&new_user("clerk", TOWN)).await.unwrap();
    let lock = at("2026-03-02T08:15:00Z");

    assert_eq!(store.record_login_failure(id, None).await.unwrap(), 1);
    assert_eq!(
        store.get_user(id).await.unwrap().unwrap().locked_until,
        None
    );
    assert_eq!(store.record_login_failure(id, Some(lock)).await.unwrap(), 2);
    let u = store.get_user(id).await.unwrap().unwrap();
    assert_eq!((u.failed_logins, u.locked_until), (2, Some(lock)));
    // A failure without a new lock keeps the existing one: failing never unlocks.
    assert_eq!(store.record_login_failure(id, None).await.unwrap(), 3);
    assert_eq!(
        store.get_user(id).await.unwrap().unwrap().locked_until,
        Some(lock)
    );

    store.clear_login_failures(id).await.unwrap();
    let u = store.get_user(id).await.unwrap().unwrap();
    assert_eq!((u.failed_logins, u.locked_until), (0, None));
    assert_eq!(
        store.record_login_failure(id, None).await.unwrap(),
        1,
        "counting restarts after a clear"
    );

    assert_not_found(store.record_login_failure(id + 1000, None).await);
    assert_not_found(store.clear_login_failures(id + 1000).await);
}

pub async fn user_active_and_password<S: Store + ?Sized>(store: &S) {
    seed_regions(store).await;
    let id = store
        .create_user(&new_user("manager", COUNTY))
        .await
        .unwrap();
    let other = store.create_user(&new_user("other", COUNTY)).await.unwrap();

    store.set_active(id, false).await.unwrap();
    assert!(!store.get_user(id).await.unwrap().unwrap().active);
    assert!(store.get_user(other).await.unwrap().unwrap().active);
    store.set_active(id, true).await.unwrap();
    assert!(store.get_user(id).await.unwrap().unwrap().active);

    store.set_password(id, "$argon2id$v=19$new").await.unwrap();
    assert_eq!(
        store.get_user(id).await.unwrap().unwrap().password_hash,
        "$argon2id$v=19$new"
    );
    assert_eq!(
        store.get_user(other).await.unwrap().unwrap().password_hash,
        new_user("other", COUNTY).password_hash
    );

    assert_not_found(store.set_active(id + other + 1000, false).await);
    assert_not_found(store.set_password(id + other + 1000, "x").await);
}

fn session(token: &str, user_id: i64, created: DateTime<Utc>, ttl_minutes: i64) -> Session {
    Session {
        token_hash: format!("{token:0>64}"),
        user_id,
        csrf_token: format!("csrf-{token}"),
        created_at: created,
        expires_at: created + Duration::minutes(ttl_minutes),
    }
}

pub async fn sessions_expire<S: Store + ?Sized>(store: &S) {
    seed_regions(store).await;
    let uid = store.create_user(&new_user("clerk", TOWN)).await.unwrap();
    let t0 = at("2026-03-02T08:00:00Z");
    let s = session("a1", uid, t0, 60);
    store.create_session(&s).await.unwrap();

    assert_eq!(
        store.get_session(&s.token_hash, t0).await.unwrap(),
        Some(s.clone())
    );
    assert_eq!(
        store
            .get_session(&s.token_hash, t0 + Duration::minutes(59))
            .await
            .unwrap(),
        Some(s.clone())
    );
    assert_eq!(
        store
            .get_session(&s.token_hash, s.expires_at)
            .await
            .unwrap(),
        None,
        "expired at expires_at"
    );
    assert_eq!(
        store
            .get_session(&s.token_hash, t0 + Duration::days(1))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .get_session(&format!("{:0>64}", "zz"), t0)
            .await
            .unwrap(),
        None
    );
}

pub async fn sessions_delete_and_purge<S: Store + ?Sized>(store: &S) {
    seed_regions(store).await;
    let a = store.create_user(&new_user("a", TOWN)).await.unwrap();
    let b = store.create_user(&new_user("b", TOWN)).await.unwrap();
    let t0 = at("2026-03-02T08:00:00Z");
    let a1 = session("a1", a, t0, 60);
    let a2 = session("a2", a, t0, 600);
    let b1 = session("b1", b, t0, 30);
    let b2 = session("b2", b, t0, 600);
    for s in [&a1, &a2, &b1, &b2] {
        store.create_session(s).await.unwrap();
    }

    store.delete_session(&a1.token_hash).await.unwrap();
    assert_eq!(store.get_session(&a1.token_hash, t0).await.unwrap(), None);
    assert_eq!(
        store.get_session(&a2.token_hash, t0).await.unwrap(),
        Some(a2.clone())
    );
    store.delete_session(&a1.token_hash).await.unwrap();

    store.delete_user_sessions(a).await.unwrap();
    assert_eq!(store.get_session(&a2.token_hash, t0).await.unwrap(), None);
    assert_eq!(
        store.get_session(&b1.token_hash, t0).await.unwrap(),
        Some(b1.clone()),
        "other users keep theirs"
    );

    // At t0+60min b1 (30 min) is expired and b2 (600 min) is not.
    assert_eq!(
        store
            .purge_expired_sessions(t0 + Duration::minutes(60))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.get_session(&b2.token_hash, t0).await.unwrap(),
        Some(b2.clone())
    );
    assert_eq!(
        store.get_session(&b1.token_hash, t0).await.unwrap(),
        None,
        "purged, even asked at an earlier time"
    );
    assert_eq!(
        store
            .purge_expired_sessions(t0 + Duration::minutes(60))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .purge_expired_sessions(t0 + Duration::days(1))
            .await
            .unwrap(),
        1
    );
}

// ---------------------------------------------------------------------------------------------
// Catalog

pub async fn catalog_draft_round_trip<S: Store + ?Sized>(store: &S) {
    let i = item("330102-SP-001", 1, COUNTY, "scjg");
    i.validate().expect("fixture item is valid");
    store.save_draft(&i).await.unwrap();
    assert_eq!(
        store.get_item(&i.code, 1).await.unwrap(),
        Some(i.clone()),
        "every field survives"
    );
    assert_eq!(store.get_item(&i.code, 2).await.unwrap(), None);
    assert_eq!(store.get_item("330102-SP-999", 1).await.unwrap(), None);
    assert_eq!(
        store.get_published(&i.code).await.unwrap(),
        None,
        "a draft is not published"
    );
    assert_eq!(store.list_versions(&i.code).await.unwrap(), vec![i]);
}

pub async fn catalog_draft_replaced<S: Store + ?Sized>(store: &S) {
    let i = item("330102-SP-001", 1, COUNTY, "scjg");
    store.save_draft(&i).await.unwrap();
    let mut changed = i.clone();
    changed.name = "食品经营许可(新办)".to_string();
    changed.materials.remove(1);
    changed.fees.clear();
    changed.themes = vec!["餐饮".to_string()];
    changed.stages[1].parallel_group = None;
    changed.stages.remove(2);
    store.save_draft(&changed).await.unwrap();
    assert_eq!(
        store.get_item(&i.code, 1).await.unwrap(),
        Some(changed.clone())
    );
    assert_eq!(store.list_versions(&i.code).await.unwrap(), vec![changed]);
}

pub async fn catalog_published_is_frozen<S: Store + ?Sized>(store: &S) {
    let v1 = item("330102-SP-001", 1, COUNTY, "scjg");
    store.save_draft(&v1).await.unwrap();
    store
        .publish(&v1.code, 1, at("2026-01-05T01:00:00Z"))
        .await
        .unwrap();
    let published = with_status(v1.clone(), ItemStatus::Published);

    let mut edit = v1.clone();
    edit.name = "改名".to_string();
    assert_conflict(store.save_draft(&edit).await, "version_frozen");
    assert_conflict(store.save_draft(&v1).await, "version_frozen");
    assert_eq!(
        store.get_item(&v1.code, 1).await.unwrap(),
        Some(published.clone()),
        "unchanged"
    );

    // A new version is the way to change it; publishing twice is refused.
    let v2 = item("330102-SP-001", 2, COUNTY, "scjg");
    store.save_draft(&v2).await.unwrap();
    store
        .publish(&v2.code, 2, at("2026-02-01T01:00:00Z"))
        .await
        .unwrap();
    assert_conflict(store.save_draft(&v1).await, "version_frozen");
    assert_conflict(
        store.publish(&v2.code, 2, at("2026-02-02T01:00:00Z")).await,
        "not_a_draft",
    );
    assert_conflict(
        store.publish(&v1.code, 1, at("2026-02-02T01:00:00Z")).await,
        "not_a_draft",
    );
    assert_not_found(store.publish(&v1.code, 3, at("2026-02-02T01:00:00Z")).await);
    assert_not_found(
        store
            .publish("330102-SP-404", 1, at("2026-02-02T01:00:00Z"))
            .await,
    );
    assert_eq!(
        store.get_published(&v1.code).await.unwrap(),
        Some(with_status(v2, ItemStatus::Published))
    );
}

pub async fn catalog_publish_supersedes<S: Store + ?Sized>(store: &S) {
    let c = "330102-SP-001";
    let v1 = item(c, 1, COUNTY, "scjg");
    let mut v2 = item(c, 2, COUNTY, "scjg");
    v2.promised_limit_days = 5;
    v2.stages.truncate(1);
    let other = item("330102-SP-002", 1, COUNTY, "scjg");
    store.save_draft(&v1).await.unwrap();
    store.save_draft(&other).await.unwrap();
    store
        .publish(c, 1, at("2026-01-05T01:00:00Z"))
        .await
        .unwrap();
    store
        .publish(&other.code, 1, at("2026-01-05T01:00:00Z"))
        .await
        .unwrap();
    store.save_draft(&v2).await.unwrap();

    assert_eq!(
        store.get_published(c).await.unwrap(),
        Some(with_status(v1.clone(), ItemStatus::Published))
    );
    store
        .publish(c, 2, at("2026-02-01T01:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        store.get_published(c).await.unwrap(),
        Some(with_status(v2.clone(), ItemStatus::Published))
    );
    assert_eq!(
        store.get_item(c, 1).await.unwrap(),
        Some(with_status(v1, ItemStatus::Superseded))
    );
    let statuses: Vec<ItemStatus> = store
        .list_versions(c)
        .await
        .unwrap()
        .iter()
        .map(|i| i.status)
        .collect();
    assert_eq!(
        statuses,
        vec![ItemStatus::Superseded, ItemStatus::Published]
    );
    // Another item's published version is not touched.
    assert_eq!(
        store
            .get_published(&other.code)
            .await
            .unwrap()
            .map(|i| i.status),
        Some(ItemStatus::Published)
    );
}

pub async fn catalog_versions_oldest_first<S: Store + ?Sized>(store: &S) {
    let c = "330102-SP-001";
    for v in [3, 1, 2] {
        store.save_draft(&item(c, v, COUNTY, "scjg")).await.unwrap();
    }
    store
        .save_draft(&item("330102-SP-0010", 1, COUNTY, "scjg"))
        .await
        .unwrap();
    store
        .save_draft(&item("330102-SP-00", 1, COUNTY, "scjg"))
        .await
        .unwrap();
    let versions = store.list_versions(c).await.unwrap();
    assert_eq!(
        keys(&versions),
        vec![key(c, 1), key(c, 2), key(c, 3)],
        "only this code, oldest first"
    );
    assert_eq!(versions[1], item(c, 2, COUNTY, "scjg"));
    assert!(store
        .list_versions("330102-SP-404")
        .await
        .unwrap()
        .is_empty());
}

pub async fn catalog_list_items_filters<S: Store + ?Sized>(store: &S) {
    // A: city item, v1 published and v2 draft. B: township draft. C: sibling township, published.
    // D: far township, v1 superseded by v2 published.
    let t = at("2026-01-05T01:00:00Z");
    store.save_draft(&item("A", 1, CITY, "scjg")).await.unwrap();
    store.publish("A", 1, t).await.unwrap();
    store.save_draft(&item("A", 2, CITY, "scjg")).await.unwrap();
    store.save_draft(&item("B", 1, TOWN, "mz")).await.unwrap();
    store
        .save_draft(&item("C", 1, SIBLING_TOWN, "scjg"))
        .await
        .unwrap();
    store.publish("C", 1, t).await.unwrap();
    store
        .save_draft(&item("D", 1, FAR_TOWN, "mz"))
        .await
        .unwrap();
    store.publish("D", 1, t).await.unwrap();
    store
        .save_draft(&item("D", 2, FAR_TOWN, "mz"))
        .await
        .unwrap();
    store.publish("D", 2, t).await.unwrap();

    let list =
        |statuses: Vec<ItemStatus>, scope: Option<Scope>, department: Option<&str>| ItemFilter {
            statuses,
            scope,
            department: department.map(str::to_string),
        };

    let all = store.list_items(&ItemFilter::default()).await.unwrap();
    assert_eq!(
        keys(&all),
        vec![key("A", 2), key("B", 1), key("C", 1), key("D", 2)]
    );
    assert_eq!(
        all[0],
        item("A", 2, CITY, "scjg"),
        "whole items are returned"
    );
    assert_eq!(all[3].status, ItemStatus::Published);

    let published = store
        .list_items(&list(vec![ItemStatus::Published], None, None))
        .await
        .unwrap();
    assert_eq!(
        keys(&published),
        vec![key("A", 1), key("C", 1), key("D", 2)],
        "latest published, not latest draft"
    );
    assert!(published.iter().all(|i| i.status == ItemStatus::Published));

    let drafts = store
        .list_items(&list(vec![ItemStatus::Draft], None, None))
        .await
        .unwrap();
    assert_eq!(keys(&drafts), vec![key("A", 2), key("B", 1)]);
    let superseded = store
        .list_items(&list(vec![ItemStatus::Superseded], None, None))
        .await
        .unwrap();
    assert_eq!(keys(&superseded), vec![key("D", 1)]);
    let both = store
        .list_items(&list(
            vec![ItemStatus::Published, ItemStatus::Superseded],
            None,
            None,
        ))
        .await
        .unwrap();
    assert_eq!(keys(&both), vec![key("A", 1), key("C", 1), key("D", 2)]);

    let town = store
        .list_items(&list(vec![], Some(subtree(TOWN)), None))
        .await
        .unwrap();
    assert_eq!(
        keys(&town),
        vec![key("B", 1)],
        "the sibling township's item is outside"
    );
    let county = store
        .list_items(&list(vec![], Some(subtree(COUNTY)), None))
        .await
        .unwrap();
    assert_eq!(keys(&county), vec![key("B", 1), key("C", 1)]);
    assert!(store
        .list_items(&list(vec![], Some(Scope::Within(vec![])), None))
        .await
        .unwrap()
        .is_empty());

    let scjg = store
        .list_items(&list(vec![], None, Some("scjg")))
        .await
        .unwrap();
    assert_eq!(keys(&scjg), vec![key("A", 2), key("C", 1)]);
    let narrow = store
        .list_items(&list(
            vec![ItemStatus::Published],
            Some(subtree(COUNTY)),
            Some("scjg"),
        ))
        .await
        .unwrap();
    assert_eq!(keys(&narrow), vec![key("C", 1)]);
    assert!(store
        .list_items(&list(vec![], None, Some("nobody")))
        .await
        .unwrap()
        .is_empty());
}

pub async fn catalog_import_all_or_nothing<S: Store + ?Sized>(store: &S) {
    let x = item("X", 1, COUNTY, "scjg");
    let draft = item("Y", 1, COUNTY, "scjg");
    store.save_draft(&x).await.unwrap();
    store
        .publish("X", 1, at("2026-01-05T01:00:00Z"))
        .await
        .unwrap();
    store.save_draft(&draft).await.unwrap();
    let published_x = with_status(x.clone(), ItemStatus::Published);

    let mut frozen_edit = published_x.clone();
    frozen_edit.promised_limit_days = 12;
    let mut draft_edit = draft.clone();
    draft_edit.name = "改过的草稿".to_string();
    let batch = vec![
        item("NEW", 1, COUNTY, "scjg"),
        with_status(item("NEW2", 1, TOWN, "mz"), ItemStatus::Published),
        draft_edit,
        frozen_edit,
    ];
    assert_conflict(store.import_items(&batch).await, "version_frozen");

    assert_eq!(
        store.get_item("NEW", 1).await.unwrap(),
        None,
        "nothing of a failed import lands"
    );
    assert_eq!(store.get_item("NEW2", 1).await.unwrap(), None);
    assert_eq!(store.get_item("Y", 1).await.unwrap(), Some(draft));
    assert_eq!(store.get_item("X", 1).await.unwrap(), Some(published_x));
    assert_eq!(
        store
            .list_items(&ItemFilter::default())
            .await
            .unwrap()
            .len(),
        2
    );
}

pub async fn catalog_import_summary<S: Store + ?Sized>(store: &S) {
    store
        .save_draft(&item("D", 1, COUNTY, "scjg"))
        .await
        .unwrap();
    store
        .save_draft(&item("P", 1, COUNTY, "scjg"))
        .await
        .unwrap();
    store
        .publish("P", 1, at("2026-01-05T01:00:00Z"))
        .await
        .unwrap();

    let mut d_edit = item("D", 1, COUNTY, "scjg");
    d_edit.fees.clear();
    d_edit.themes.push("就业".to_string());
    let n = item("N", 1, TOWN, "mz");
    let p2 = with_status(item("P", 2, COUNTY, "scjg"), ItemStatus::Published);
    let batch = vec![
        with_status(item("P", 1, COUNTY, "scjg"), ItemStatus::Published), // identical
        d_edit.clone(),                                                   // differing draft
        n.clone(),                                                        // new
        p2.clone(),                                                       // new, published
    ];
    let summary = store.import_items(&batch).await.unwrap();
    assert_eq!(
        summary,
        ImportSummary {
            inserted: 2,
            updated: 1,
            unchanged: 1
        }
    );

    assert_eq!(store.get_item("D", 1).await.unwrap(), Some(d_edit));
    assert_eq!(store.get_item("N", 1).await.unwrap(), Some(n));
    assert_eq!(
        store.get_published("P").await.unwrap(),
        Some(p2),
        "an imported published version is the published one"
    );
    assert_eq!(
        store.get_item("P", 1).await.unwrap().map(|i| i.status),
        Some(ItemStatus::Superseded)
    );

    // Importing what the store holds now (an export) changes nothing.
    let mut export = Vec::new();
    for c in ["D", "N", "P"] {
        export.extend(store.list_versions(c).await.unwrap());
    }
    let again = store.import_items(&export).await.unwrap();
    assert_eq!(
        again,
        ImportSummary {
            inserted: 0,
            updated: 0,
            unchanged: 4
        }
    );
    assert_eq!(
        store.import_items(&[]).await.unwrap(),
        ImportSummary::default()
    );
}

// ---------------------------------------------------------------------------------------------
// Calendar, settings, schema

fn day(d: &str, kind: DayKind, name: &str) -> CalendarDay {
    CalendarDay {
        date: date(d),
        kind,
        name: name.to_string(),
    }
}

pub async fn calendar_replaces_only_given_years<S: Store + ?Sized>(store: &S) {
    let y2025 = [
        day("2025-01-01", DayKind::Holiday, "元旦"),
        day("2025-01-26", DayKind::Workday, "春节调休"),
        day("2025-12-31", DayKind::Holiday, "测试年末"),
    ];
    let y2026 = [
        day("2026-01-01", DayKind::Holiday, "元旦"),
        day("2026-01-04", DayKind::Workday, "元旦调休"),
    ];
    let mut both: Vec<CalendarDay> = y2026.iter().chain(y2025.iter()).cloned().collect();
    store.replace_calendar_years(&both).await.unwrap();
    both.sort_by_key(|d| d.date);
    assert_eq!(
        store.list_calendar_days().await.unwrap(),
        both,
        "ordered by date"
    );

    // Reloading 2026 replaces 2026 only; 2025 stays exactly as it was.
    let new_2026 = vec![day("2026-02-17", DayKind::Holiday, "春节")];
    store.replace_calendar_years(&new_2026).await.unwrap();
    let expected: Vec<CalendarDay> = y2025.iter().chain(new_2026.iter()).cloned().collect();
    assert_eq!(store.list_calendar_days().await.unwrap(), expected);

    store.replace_calendar_years(&[]).await.unwrap();
    assert_eq!(
        store.list_calendar_days().await.unwrap(),
        expected,
        "no years given, nothing replaced"
    );
}

fn closure(region_code: &str, d: &str, reason: &str) -> Closure {
    Closure {
        region_code: code(region_code),
        date: date(d),
        reason: reason.to_string(),
    }
}

pub async fn closures_affect_subtree_not_siblings<S: Store + ?Sized>(store: &S) {
    seed_regions(store).await;
    let city = closure(CITY, "2026-03-01", "全市停电");
    let county = closure(COUNTY, "2026-03-02", "区中心搬迁");
    let town = closure(TOWN, "2026-03-03", "台风");
    let sibling = closure(SIBLING_TOWN, "2026-03-04", "装修");
    let village = closure(VILLAGE, "2026-03-05", "村委换届");
    let far = closure(OTHER_COUNTY, "2026-03-06", "演练");
    for c in [&far, &village, &sibling, &town, &county, &city] {
        store.add_closure(c).await.unwrap();
    }

    let affecting = store.closures_affecting(&code(VILLAGE)).await.unwrap();
    assert_eq!(
        affecting,
        vec![city.clone(), county.clone(), town.clone(), village.clone()],
        "ordered by date"
    );
    let affecting = store
        .closures_affecting(&code(SIBLING_VILLAGE))
        .await
        .unwrap();
    assert_eq!(
        affecting,
        vec![city.clone(), county.clone(), sibling.clone()]
    );
    let affecting = store.closures_affecting(&code(TOWN)).await.unwrap();
    assert_eq!(
        affecting,
        vec![city.clone(), county.clone(), town.clone()],
        "not its villages' closures"
    );
    assert_eq!(
        store.closures_affecting(&code(CITY)).await.unwrap(),
        vec![city.clone()]
    );

    assert_eq!(
        store.list_closures(&subtree(TOWN)).await.unwrap(),
        vec![town.clone(), village.clone()]
    );
    assert_eq!(store.list_closures(&Scope::All).await.unwrap().len(), 6);

    // Adding the same region and date again replaces the reason.
    let town_again = closure(TOWN, "2026-03-03", "台风(延长)");
    store.add_closure(&town_again).await.unwrap();
    assert_eq!(
        store.list_closures(&subtree(TOWN)).await.unwrap(),
        vec![town_again, village.clone()]
    );

    store
        .delete_closure(&code(TOWN), date("2026-03-03"))
        .await
        .unwrap();
    assert_eq!(
        store.closures_affecting(&code(VILLAGE)).await.unwrap(),
        vec![city, county, village]
    );
    store
        .delete_closure(&code(TOWN), date("2026-03-03"))
        .await
        .unwrap();
}

/// Every change to a table servers cache bumps its version in the same transaction (issue 15,
/// part 6); other tables and reads leave the versions alone.
pub async fn cache_versions_follow_their_tables<S: Store + ?Sized>(store: &S) {
    use std::collections::BTreeMap;
    async fn versions<S: Store + ?Sized>(store: &S) -> BTreeMap<String, i64> {
        store.cache_versions().await.unwrap().into_iter().collect()
    }
    /// The names whose version moved from `before` to now.
    async fn moved<S: Store + ?Sized>(store: &S, before: &BTreeMap<String, i64>) -> Vec<String> {
        versions(store)
            .await
            .into_iter()
            .filter(|(name, v)| before.get(name) != Some(v))
            .map(|(name, _)| name)
            .collect()
    }
    seed_regions(store).await;
    let v = versions(store).await;
    store
        .replace_calendar_years(&[day("2026-10-01", DayKind::Holiday, "国庆节")])
        .await
        .unwrap();
    assert_eq!(moved(store, &v).await, ["calendar"]);

    let v = versions(store).await;
    store
        .add_closure(&closure(COUNTY, "2026-03-05", "停电"))
        .await
        .unwrap();
    assert_eq!(moved(store, &v).await, ["closures"]);
    let v = versions(store).await;
    store
        .delete_closure(&code(COUNTY), date("2026-03-05"))
        .await
        .unwrap();
    assert_eq!(moved(store, &v).await, ["closures"]);

    let v = versions(store).await;
    store.set_setting("warning_rules", "[]").await.unwrap();
    store.set_setting("warning_rules", "[1]").await.unwrap();
    assert_eq!(moved(store, &v).await, ["setting:warning_rules"]);

    let v = versions(store).await;
    store
        .create_department(&code(COUNTY), "jyj", "教育局")
        .await
        .unwrap();
    assert_eq!(moved(store, &v).await, ["departments"]);

    let v = versions(store).await;
    store
        .import_items(&[item("330102-SP-777", 1, COUNTY, "jyj")])
        .await
        .unwrap();
    assert_eq!(moved(store, &v).await, ["catalog"]);

    // Reads, and tables no server caches, leave every version alone.
    let v = versions(store).await;
    store.list_calendar_days().await.unwrap();
    store.get_setting("warning_rules").await.unwrap();
    store
        .put_region(&region("330105002000", "另一镇", Some(OTHER_COUNTY)))
        .await
        .unwrap();
    assert_eq!(versions(store).await, v);
}

pub async fn settings_round_trip<S: Store + ?Sized>(store: &S) {
    assert_eq!(store.get_setting("site.name").await.unwrap(), None);
    store.set_setting("site.name", "一站").await.unwrap();
    store
        .set_setting("session.ttl_minutes", "480")
        .await
        .unwrap();
    assert_eq!(
        store.get_setting("site.name").await.unwrap().as_deref(),
        Some("一站")
    );
    store.set_setting("site.name", "杭州一站").await.unwrap();
    assert_eq!(
        store.get_setting("site.name").await.unwrap().as_deref(),
        Some("杭州一站")
    );
    assert_eq!(
        store
            .get_setting("session.ttl_minutes")
            .await
            .unwrap()
            .as_deref(),
        Some("480")
    );
    store.set_setting("empty", "").await.unwrap();
    assert_eq!(
        store.get_setting("empty").await.unwrap().as_deref(),
        Some("")
    );
}

pub async fn schema_is_described<S: Store + ?Sized>(store: &S) {
    assert!(matches!(store.backend_name(), "sqlite" | "postgres"));
    let schema = store.describe_schema().await.unwrap();
    let expected_tables = [
        "regions",
        "places",
        "departments",
        "users",
        "user_grants",
        "sessions",
        "catalog_items",
        "calendar_days",
        "closures",
        "settings",
        "cases",
        "case_events",
        "counters",
        "messages",
        "results",
        "case_deadlines",
        "warnings",
        "case_counts",
        "leases",
        "orders",
    ];
    for t in expected_tables {
        assert!(
            schema.tables.contains_key(t),
            "table {t} is described: {:?}",
            schema.tables.keys()
        );
    }
    assert!(
        !schema.tables.contains_key("schema_migrations"),
        "migration bookkeeping is not part of the schema"
    );
    let cols = |t: &str| {
        schema.tables[t]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        cols("regions"),
        vec!["code", "level", "name", "parent_code"]
    );
    assert_eq!(cols("settings"), vec!["key", "value"]);
    assert!(cols("catalog_items").contains(&"body_json"));
    assert!(cols("users").contains(&"locked_until"));

    for i in [
        "departments_region_code_uq",
        "users_username_uq",
        "catalog_items_status_code_idx",
        "sessions_user_id_idx",
        "case_deadlines_yellow_from_idx",
        "warnings_open_uq",
    ] {
        assert!(
            schema.indexes.contains(i),
            "index {i}: {:?}",
            schema.indexes
        );
    }
    assert!(
        schema.indexes.iter().all(|i| !i.starts_with("sqlite_")),
        "engine indexes excluded"
    );
    for c in [
        "regions.pk(code)",
        "regions.fk(parent_code)->regions",
        "departments.unique(region_code,code)",
        "users.unique(username)",
        "places.fk(region_code)->regions",
        "catalog_items.pk(code,version)",
        "catalog_items.check(catalog_items_status_ck)",
        "closures.pk(region_code,date)",
        "cases.pk(number)",
        "cases.unique(query_code)",
        "case_events.pk(case_number,seq)",
        "case_events.fk(case_number)->cases",
        "case_events.check(case_events_hash_length)",
        "case_events.trigger(case_events_no_update)",
        "case_events.trigger(case_events_no_delete)",
        "counters.pk(name,scope)",
        "results.pk(case_number)",
        "case_deadlines.pk(case_number,key)",
        "warnings.partial_unique(case_number,key,colour)",
        "case_counts.pk(place_region,department,state,shard)",
        "leases.pk(name)",
        "orders.fk(case_number)->cases",
    ] {
        assert!(
            schema.constraints.contains(c),
            "constraint {c}: {:?}",
            schema.constraints
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Cases

/// The item terms a fixture case is filed under.
pub fn terms(department: &str) -> ItemTerms {
    ItemTerms {
        code: "330100-XK-001".to_string(),
        version: 1,
        name: "食品经营许可".to_string(),
        kind: ItemKind::Promised,
        department: department.to_string(),
        statutory_limit_days: 20,
        promised_limit_days: 10,
        stages: vec![
            Stage {
                name: "审查".to_string(),
                department: department.to_string(),
                limit_days: 5,
                parallel_group: None,
            },
            Stage {
                name: "决定".to_string(),
                department: department.to_string(),
                limit_days: 2,
                parallel_group: None,
            },
        ],
        materials: vec![
            ("申请书".to_string(), true),
            ("授权委托书".to_string(), false),
        ],
        fees: vec![],
        result_name: "食品经营许可证".to_string(),
    }
}

/// Where, by whom and through which channel a fixture case is filed.
pub struct CaseFixture<'a> {
    pub number: &'a str,
    pub place: &'a str,
    pub decide_place: &'a str,
    pub applicant_region: &'a str,
    pub department: &'a str,
    pub channel: Channel,
    pub applicant_user_id: Option<i64>,
    pub agent_user_id: Option<i64>,
    pub at: &'a str,
}

pub fn clerk(place: &str) -> ActorRef {
    ActorRef {
        user_id: Some(3),
        name: "窗口人员甲".to_string(),
        role: Some(Role::WindowClerk),
        place: Some(code(place)),
    }
}

/// A case as `open` files it: the sealed events and the case they replay to.
pub fn filed_case(f: &CaseFixture<'_>) -> (Case, Vec<CaseEvent>) {
    let filing = Filing {
        number: f.number.to_string(),
        query_code: format!("Q{}", f.number),
        channel: f.channel,
        applicant: Applicant {
            kind: ApplicantKind::Person,
            name: format!("申请人{}", f.number),
            id_number: "330102199001011234".to_string(),
            phone: "13800000000".to_string(),
            user_id: f.applicant_user_id,
        },
        item: terms(f.department),
        place: code(f.place),
        decide_place: code(f.decide_place),
        applicant_region: code(f.applicant_region),
        agent_user_id: f.agent_user_id,
        // Several keys, a float, a null and non-ASCII text: what a round trip through a JSON
        // column must keep for the hashes to verify.
        form: serde_json::json!({"经营场所": "清波街 1 号", "面积": 35.5, "z": [1, 2], "a": null}),
    };
    let at = at(f.at);
    let kinds = case::open(filing, at, &WorkingCalendar::default());
    let events = case::seal(
        f.number,
        0,
        case::GENESIS_HASH,
        at,
        &clerk(f.place),
        "",
        &[],
        kinds,
    );
    let case = Case::replay(&events).expect("fixture case replays");
    (case, events)
}

/// Seals `kinds` after `case`'s last event; returns the new events and the case they make.
pub fn next_events(
    case: &Case,
    log: &[CaseEvent],
    at_: &str,
    kinds: Vec<EventKind>,
) -> (Case, Vec<CaseEvent>) {
    let new = case::seal(
        &case.filing.number,
        case.version,
        &case.last_hash,
        at(at_),
        &clerk(case.filing.place.as_str()),
        "核验",
        &["a".repeat(64)],
        kinds,
    );
    let all: Vec<CaseEvent> = log.iter().chain(new.iter()).cloned().collect();
    (Case::replay(&all).expect("replays"), new)
}

/// `case` transferred (转办) from its place to `to` at `at_`, stored; returns it after the move.
async fn transfer<S: CaseStore + ?Sized>(store: &S, case: &Case, to: &str, at_: &str) -> Case {
    let log = store.case_events(&case.filing.number).await.unwrap();
    let (moved, ev) = next_events(
        case,
        &log,
        at_,
        vec![EventKind::Transferred {
            from: case.filing.place.clone(),
            to: code(to),
            reason: "本级无权办理".to_string(),
        }],
    );
    store
        .append_events(&moved, case.version, &ev)
        .await
        .unwrap();
    moved
}

pub fn window_case<'a>(number: &'a str, place: &'a str, at: &'a str) -> CaseFixture<'a> {
    CaseFixture {
        number,
        place,
        decide_place: place,
        applicant_region: VILLAGE,
        department: "scjg",
        channel: Channel::Window,
        applicant_user_id: None,
        agent_user_id: None,
        at,
    }
}

fn mark(index: usize) -> EventKind {
    EventKind::MaterialMarked {
        index,
        status: MaterialStatus::Received,
        reason: String::new(),
    }
}

pub async fn counters_count_from_one<S: CaseStore + ?Sized>(store: &S) {
    for expected in 1..=3 {
        assert_eq!(
            store
                .next_counter("case", "330102001000-20260302")
                .await
                .unwrap(),
            expected
        );
    }
    // Each (name, scope) counts on its own.
    assert_eq!(
        store
            .next_counter("case", "330102001000-20260303")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .next_counter("receipt", "330102001000-20260302")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .next_counter("case", "330102001000-20260302")
            .await
            .unwrap(),
        4
    );
}

pub async fn counters_unique_under_concurrency<S: CaseStore + Clone + 'static>(store: &S) {
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let s = store.clone();
            tokio::spawn(async move { s.next_counter("licence", "330102").await })
        })
        .collect();
    let mut got = Vec::new();
    for t in tasks {
        got.push(t.await.expect("task").expect("next_counter"));
    }
    got.sort_unstable();
    assert_eq!(
        got,
        (1..=50).collect::<Vec<i64>>(),
        "50 callers, 50 distinct values"
    );
    assert_eq!(store.next_counter("licence", "330102").await.unwrap(), 51);
}

pub async fn case_round_trip<S: CaseStore + ?Sized>(store: &S) {
    let (case, events) = filed_case(&window_case(
        "330102001000-20260302-0001",
        TOWN,
        "2026-03-02T01:00:00.123456Z",
    ));
    assert_eq!(case.state, CaseState::Submitted);
    assert_eq!(store.get_case(&case.filing.number).await.unwrap(), None);
    store.create_case(&case, &events).await.unwrap();

    assert_eq!(
        store.get_case(&case.filing.number).await.unwrap(),
        Some(case.clone())
    );
    assert_eq!(
        store.case_events(&case.filing.number).await.unwrap(),
        events
    );
    assert_eq!(store.case_events("no-such-case").await.unwrap(), vec![]);

    let n = &case.filing.number;
    assert_eq!(
        store
            .find_case_by_query_code(n, &case.filing.query_code)
            .await
            .unwrap(),
        Some(case.clone())
    );
    assert_eq!(
        store.find_case_by_query_code(n, "WRONG").await.unwrap(),
        None
    );
    assert_eq!(
        store
            .find_case_by_query_code("330102001000-20260302-0002", &case.filing.query_code)
            .await
            .unwrap(),
        None,
        "the query code opens only its own case"
    );

    // A taken number, or a taken query code under another number.
    assert_conflict(store.create_case(&case, &events).await, "case_exists");
    let (mut other, _) = filed_case(&window_case(
        "330102001000-20260302-0009",
        TOWN,
        "2026-03-02T02:00:00Z",
    ));
    other.filing.query_code = case.filing.query_code.clone();
    let kinds = vec![EventKind::Filed {
        filing: other.filing.clone(),
    }];
    let ev = case::seal(
        &other.filing.number,
        0,
        case::GENESIS_HASH,
        at("2026-03-02T02:00:00Z"),
        &clerk(TOWN),
        "",
        &[],
        kinds,
    );
    let other = Case::replay(&ev).unwrap();
    assert_conflict(store.create_case(&other, &ev).await, "case_exists");
    assert_eq!(store.get_case(&other.filing.number).await.unwrap(), None);

    // Events that do not make the case are refused before anything is written.
    let (third, ev3) = filed_case(&window_case(
        "330102001000-20260302-0003",
        TOWN,
        "2026-03-02T03:00:00Z",
    ));
    match store.create_case(&third, &ev3[..1]).await {
        Err(StoreError::Invalid(_)) => {}
        other => panic!("expected Invalid for a case ahead of its events, got {other:?}"),
    }
    let mut forged = ev3.clone();
    forged[1].comment = "改过".to_string();
    assert!(matches!(
        store.create_case(&third, &forged).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.get_case(&third.filing.number).await.unwrap(), None);
}

pub async fn case_append_checks_version<S: CaseStore + ?Sized>(store: &S) {
    let (case, events) = filed_case(&window_case(
        "330102001000-20260302-0001",
        TOWN,
        "2026-03-02T01:00:00Z",
    ));
    store.create_case(&case, &events).await.unwrap();
    let n = case.filing.number.clone();

    let (v3, e3) = next_events(&case, &events, "2026-03-02T02:00:00Z", vec![mark(0)]);
    store.append_events(&v3, case.version, &e3).await.unwrap();
    assert_eq!(store.get_case(&n).await.unwrap(), Some(v3.clone()));

    // A second writer still holding version 2 loses, and changes nothing.
    let (stale, e_stale) = next_events(&case, &events, "2026-03-02T02:30:00Z", vec![mark(1)]);
    assert_conflict(
        store.append_events(&stale, case.version, &e_stale).await,
        "stale_case",
    );
    assert_eq!(store.get_case(&n).await.unwrap(), Some(v3.clone()));
    let log = store.case_events(&n).await.unwrap();
    assert_eq!(log.len(), 3);

    // Two events at once; the log is the chain and replays to the stored case.
    let (v5, e5) = next_events(&v3, &log, "2026-03-02T03:00:00Z", vec![mark(1), mark(0)]);
    store.append_events(&v5, v3.version, &e5).await.unwrap();
    let log = store.case_events(&n).await.unwrap();
    assert_eq!(
        log.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(case::verify_chain(&log), Ok(()));
    assert_eq!(Case::replay(&log), Some(v5.clone()));
    assert_eq!(store.get_case(&n).await.unwrap(), Some(v5.clone()));

    // An unknown case is not found; events not following the stated version are invalid.
    let (ghost, ghost_events) = filed_case(&window_case(
        "330102001000-20260302-0077",
        TOWN,
        "2026-03-02T01:00:00Z",
    ));
    let (g3, ge3) = next_events(&ghost, &ghost_events, "2026-03-02T02:00:00Z", vec![mark(0)]);
    assert_not_found(store.append_events(&g3, 2, &ge3).await);
    let (v6, e6) = next_events(&v5, &log, "2026-03-02T04:00:00Z", vec![mark(0)]);
    assert!(matches!(
        store.append_events(&v6, 4, &e6).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.append_events(&v5, 5, &[]).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.case_events(&n).await.unwrap().len(), 5);
}

/// Imported cases are stored as a filing commit stores them (snapshot, log, side effects, counts,
/// list rows); a batch with one taken number stores nothing.
pub async fn case_import_all_or_nothing<S: Store + ?Sized>(store: &S) {
    use crate::{CountBy, ImportedCase};
    let numbers = [
        "330102001000-20260302-0101",
        "330102001000-20260302-0102",
        "330102001000-20260302-0103",
    ];
    let batch: Vec<ImportedCase> = numbers
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (case, events) = filed_case(&window_case(n, TOWN, "2026-03-02T01:00:00Z"));
            let message = |text: &str, user: Option<i64>| Message {
                id: 0,
                user_id: user,
                case_number: n.to_string(),
                text: text.to_string(),
                created_at: at("2026-03-02T02:00:00Z"),
            };
            let effects = SideEffects {
                outcome: (i == 0).then(|| outcome_of(n, TOWN, TOWN, "2026-03-02", true)),
                result: (i == 0).then(|| PublishedResult {
                    case_number: n.to_string(),
                    item_name: case.filing.item.name.clone(),
                    applicant_masked: "张*".to_string(),
                    decided_on: date("2026-03-02"),
                    licence_no: format!("JY{i}"),
                    place: case.filing.place.clone(),
                }),
                supervision: (i == 1).then(|| SupervisionChange {
                    rows: vec![
                        deadline(n, "case", "2026-03-16", "2026-03-02"),
                        deadline(n, "stage:0", "2026-03-09", "2026-03-05"),
                    ],
                    open: vec![warning_of(
                        &case,
                        "case",
                        "yellow",
                        "2026-03-16",
                        "2026-03-02T02:00:00Z",
                    )],
                    at: at("2026-03-02T02:00:00Z"),
                }),
                messages: match i {
                    0 => vec![message("办结", Some(7)), message("请取证", None)],
                    2 => vec![message("已受理", Some(8))],
                    _ => vec![],
                },
            };
            ImportedCase {
                case,
                events,
                effects,
            }
        })
        .collect();
    store.import_cases(&batch).await.unwrap();
    for c in &batch {
        let n = &c.case.filing.number;
        assert_eq!(store.get_case(n).await.unwrap().as_ref(), Some(&c.case));
        assert_eq!(store.case_events(n).await.unwrap(), c.events);
    }
    assert_eq!(
        store
            .outcomes(&Scope::All, date("2026-03-01"), date("2026-03-31"))
            .await
            .unwrap(),
        vec![batch[0].effects.outcome.clone().unwrap()]
    );
    assert_eq!(
        cases_by_place(store, &Scope::All, date("2026-03-01"), date("2026-03-31")).await,
        vec![(TOWN.to_string(), 1)],
        "an imported outcome is in the evaluation totals"
    );
    let due = store
        .deadline_rows_due(date("2026-03-31"), &Scope::All, 10)
        .await
        .unwrap();
    let mut due_keys = keys_of(&due);
    due_keys.sort();
    assert_eq!(
        due_keys,
        vec![pair(numbers[1], "case"), pair(numbers[1], "stage:0")],
        "deadline rows come with their case"
    );
    let rows = &batch[1].effects.supervision.as_ref().unwrap().rows;
    for r in rows {
        assert!(due.contains(r), "{r:?} stored as given: {due:?}");
    }
    let warned = store.case_warnings(numbers[1]).await.unwrap();
    assert_eq!(warned.len(), 1, "{warned:?}");
    let expected = &batch[1].effects.supervision.as_ref().unwrap().open[0];
    assert_eq!(
        WarningRecord {
            id: 0,
            ..warned[0].clone()
        },
        *expected
    );
    assert_eq!(
        store.count_warnings(&Scope::All).await.unwrap(),
        (0, 1),
        "the imported warning is counted (red, yellow)"
    );
    for (i, n) in numbers.iter().enumerate() {
        let mut got: Vec<(Option<i64>, String)> = store
            .messages_for_case(n)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.user_id, m.text))
            .collect();
        got.sort();
        let mut want: Vec<(Option<i64>, String)> = batch[i]
            .effects
            .messages
            .iter()
            .map(|m| (m.user_id, m.text.clone()))
            .collect();
        want.sort();
        assert_eq!(got, want, "messages of {n}");
    }
    assert_eq!(
        store.list_results(10).await.unwrap(),
        vec![batch[0].effects.result.clone().unwrap()]
    );
    let counted: i64 = store
        .count_cases(&Scope::All, CountBy::State)
        .await
        .unwrap()
        .iter()
        .map(|(_, n)| *n)
        .sum();
    assert_eq!(counted, 3, "imported cases are counted");
    let listed = store
        .list_cases(&CaseFilter {
            place_scope: Some(subtree(TOWN)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 3, "imported cases are listed: {listed:?}");

    // One taken number in a batch: none of it is stored.
    let (fresh, fresh_events) = filed_case(&window_case(
        "330102001000-20260302-0104",
        TOWN,
        "2026-03-02T01:00:00Z",
    ));
    let again = vec![
        ImportedCase {
            case: fresh,
            events: fresh_events,
            effects: SideEffects::default(),
        },
        batch[2].clone(),
    ];
    assert_conflict(store.import_cases(&again).await, "case_exists");
    assert_eq!(
        store.get_case("330102001000-20260302-0104").await.unwrap(),
        None
    );
    // One number twice in a batch: refused too.
    let twice = vec![again[0].clone(), again[0].clone()];
    assert_conflict(store.import_cases(&twice).await, "case_exists");
    assert_eq!(
        store.get_case("330102001000-20260302-0104").await.unwrap(),
        None
    );
    store.import_cases(&[]).await.unwrap();
}

pub async fn case_transition_commits_side_effects_together<S: Store + ?Sized>(store: &S) {
    let (case, events) = filed_case(&window_case(
        "330102001000-20260302-0001",
        TOWN,
        "2026-03-02T01:00:00Z",
    ));
    store.create_case(&case, &events).await.unwrap();
    let n = case.filing.number.clone();
    let message = |text: &str| Message {
        id: 0,
        user_id: Some(7),
        case_number: n.clone(),
        text: text.to_string(),
        created_at: at("2026-03-02T02:00:00Z"),
    };
    let result = PublishedResult {
        case_number: n.clone(),
        item_name: case.filing.item.name.clone(),
        applicant_masked: "张*".to_string(),
        decided_on: date("2026-03-02"),
        licence_no: "JY1".to_string(),
        place: case.filing.place.clone(),
    };
    let yellow = warning_of(
        &case,
        "case",
        "yellow",
        "2026-03-16",
        "2026-03-02T02:00:00Z",
    );
    let outcome = outcome_of(&n, TOWN, TOWN, "2026-03-02", true);
    let effects = SideEffects {
        messages: vec![message("已受理"), message("请注意期限")],
        result: Some(result.clone()),
        supervision: Some(SupervisionChange {
            rows: vec![deadline(&n, "case", "2026-03-16", "2026-03-02")],
            open: vec![yellow.clone()],
            at: at("2026-03-02T02:00:00Z"),
        }),
        outcome: Some(outcome.clone()),
    };
    let (v3, e3) = next_events(&case, &events, "2026-03-02T02:00:00Z", vec![mark(0)]);
    assert_eq!(
        store
            .commit_transition(&v3, case.version, &e3, &effects)
            .await
            .unwrap(),
        1,
        "one warning raised"
    );
    assert_eq!(store.get_case(&n).await.unwrap(), Some(v3.clone()));
    let mut texts: Vec<String> = store
        .messages_for_case(&n)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.text)
        .collect();
    texts.sort();
    assert_eq!(texts, vec!["已受理".to_string(), "请注意期限".to_string()]);
    assert_eq!(store.list_results(10).await.unwrap(), vec![result.clone()]);
    let outcomes_of_march = || async {
        store
            .outcomes(&Scope::All, date("2026-03-01"), date("2026-03-31"))
            .await
            .unwrap()
    };
    assert_eq!(outcomes_of_march().await, vec![outcome.clone()]);
    assert_eq!(
        keys_of(
            &store
                .deadline_rows_due(date("2026-03-02"), &Scope::All, 10)
                .await
                .unwrap()
        ),
        vec![pair(&n, "case")]
    );
    assert_eq!(open_colours(store, &n).await, vec![pair("case", "yellow")]);

    // A stale writer changes nothing, side effects included.
    let (stale, e_stale) = next_events(&case, &events, "2026-03-02T03:00:00Z", vec![mark(1)]);
    let other = SideEffects {
        messages: vec![message("不应写入")],
        ..SideEffects::default()
    };
    assert_conflict(
        store
            .commit_transition(&stale, case.version, &e_stale, &other)
            .await,
        "stale_case",
    );
    assert_eq!(store.messages_for_case(&n).await.unwrap().len(), 2);

    // A side effect that fails inside the transaction (a colour the schema refuses) undoes the
    // events too: all or nothing.
    let log = store.case_events(&n).await.unwrap();
    let (v4, e4) = next_events(&v3, &log, "2026-03-03T02:00:00Z", vec![mark(1)]);
    let bad = SideEffects {
        messages: vec![message("也不应写入")],
        outcome: Some(OutcomeRecord {
            violations: 9,
            ..outcome.clone()
        }),
        supervision: Some(SupervisionChange {
            rows: vec![],
            open: vec![WarningRecord {
                colour: "purple".to_string(),
                ..yellow.clone()
            }],
            at: at("2026-03-03T02:00:00Z"),
        }),
        ..SideEffects::default()
    };
    assert!(store
        .commit_transition(&v4, v3.version, &e4, &bad)
        .await
        .is_err());
    assert_eq!(store.get_case(&n).await.unwrap(), Some(v3.clone()));
    assert_eq!(store.case_events(&n).await.unwrap().len(), 3);
    assert_eq!(store.messages_for_case(&n).await.unwrap().len(), 2);
    assert_eq!(open_colours(store, &n).await, vec![pair("case", "yellow")]);
    assert_eq!(outcomes_of_march().await, vec![outcome.clone()]);

    // Effects about another case are refused before anything is written.
    let mut foreign = message("别的办件");
    foreign.case_number = "330102001000-20260302-0999".to_string();
    assert!(matches!(
        store
            .commit_transition(
                &v4,
                v3.version,
                &e4,
                &SideEffects {
                    messages: vec![foreign],
                    ..SideEffects::default()
                }
            )
            .await,
        Err(StoreError::Invalid(_))
    ));

    // Red replaces yellow; no supervision change leaves rows and warnings alone.
    let red = warning_of(&case, "case", "red", "2026-03-16", "2026-03-17T02:00:00Z");
    let to_red = SideEffects {
        supervision: Some(SupervisionChange {
            rows: vec![deadline(&n, "case", "2026-03-16", "2026-03-02")],
            open: vec![red],
            at: at("2026-03-17T02:00:00Z"),
        }),
        ..SideEffects::default()
    };
    assert_eq!(
        store
            .commit_transition(&v4, v3.version, &e4, &to_red)
            .await
            .unwrap(),
        1
    );
    assert_eq!(open_colours(store, &n).await, vec![pair("case", "red")]);
    let log = store.case_events(&n).await.unwrap();
    let (v5, e5) = next_events(&v4, &log, "2026-03-17T03:00:00Z", vec![mark(0)]);
    assert_eq!(
        store
            .commit_transition(&v5, v4.version, &e5, &SideEffects::default())
            .await
            .unwrap(),
        0
    );
    assert_eq!(open_colours(store, &n).await, vec![pair("case", "red")]);
    assert_eq!(store.get_case(&n).await.unwrap(), Some(v5));
    assert_eq!(
        case::verify_chain(&store.case_events(&n).await.unwrap()),
        Ok(())
    );

    // Version 0 files a new case with its effects; filing the same number again changes nothing.
    let (filed, filed_events) = filed_case(&window_case(
        "330102001000-20260302-0002",
        TOWN,
        "2026-03-02T05:00:00Z",
    ));
    let n2 = filed.filing.number.clone();
    let notice = SideEffects {
        messages: vec![Message {
            case_number: n2.clone(),
            ..message("已收到")
        }],
        supervision: Some(SupervisionChange {
            rows: vec![deadline(&n2, "correction", "2026-03-09", "2026-03-05")],
            open: vec![],
            at: at("2026-03-02T05:00:00Z"),
        }),
        ..SideEffects::default()
    };
    assert_eq!(
        store
            .commit_transition(&filed, 0, &filed_events, &notice)
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.get_case(&n2).await.unwrap(), Some(filed.clone()));
    assert_eq!(store.messages_for_case(&n2).await.unwrap().len(), 1);
    assert_conflict(
        store
            .commit_transition(&filed, 0, &filed_events, &notice)
            .await,
        "case_exists",
    );
    assert_eq!(store.messages_for_case(&n2).await.unwrap().len(), 1);
}

/// Five cases across the test tree (see each line), for the list stories.
async fn seed_cases<S: CaseStore + ?Sized>(store: &S) -> Vec<Case> {
    let mut a = window_case("330102001000-20260302-0001", TOWN, "2026-03-02T01:00:00Z");
    a.applicant_region = EDGE_VILLAGE;
    // The sibling township's case: never in the township's lists.
    let mut b = window_case(
        "330102002000-20260303-0001",
        SIBLING_TOWN,
        "2026-03-03T01:00:00Z",
    );
    b.applicant_region = SIBLING_VILLAGE;
    // Accepted at the county, decided by the township: in the township's list by deciding place.
    let mut c = window_case("330102000000-20260304-0001", COUNTY, "2026-03-04T01:00:00Z");
    c.decide_place = TOWN;
    c.applicant_region = SIBLING_VILLAGE;
    c.department = "mzj";
    // An online draft of an applicant with an account: no due date, listed last.
    let mut d = window_case("330102001000-20260301-0001", TOWN, "2026-03-01T01:00:00Z");
    d.channel = Channel::Online;
    d.applicant_user_id = Some(7);
    // Filed by a village agent the same day as `a`: same due date, ordered after it by number.
    let mut e = window_case("330102001000-20260302-0002", TOWN, "2026-03-02T05:00:00Z");
    e.channel = Channel::Proxy;
    e.agent_user_id = Some(9);

    let mut out = Vec::new();
    for f in [&a, &b, &c, &d, &e] {
        let (case, events) = filed_case(f);
        store.create_case(&case, &events).await.unwrap();
        out.push((case, events));
    }
    // `c` is accepted, with a promised date before everyone's correction date.
    let (c_case, c_events) = &out[2];
    let (accepted, ev) = next_events(
        c_case,
        c_events,
        "2026-03-04T02:00:00Z",
        vec![EventKind::Accepted {
            accepted_on: date("2026-03-04"),
            by_system: false,
            statutory_due: date("2026-04-01"),
            promised_due: date("2026-03-05"),
            started: vec![(0, date("2026-03-05"))],
            fee_total_fen: 0,
        }],
    );
    store
        .append_events(&accepted, c_case.version, &ev)
        .await
        .unwrap();
    out[2].0 = accepted;
    out.into_iter().map(|(c, _)| c).collect()
}

fn numbers_of(list: &[CaseSummary]) -> Vec<&str> {
    list.iter().map(|c| c.number.as_str()).collect()
}

pub async fn cases_listed_by_filter<S: CaseStore + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let [a, b, c, d, e] = [0, 1, 2, 3, 4].map(|i| cases[i].filing.number.as_str());
    assert_eq!(cases[2].current_deadline(), Some(date("2026-03-05")));
    assert_eq!(cases[3].current_deadline(), None);
    let list = |f: CaseFilter| async move { store.list_cases(&f).await.unwrap() };

    let all = list(CaseFilter::default()).await;
    assert_eq!(
        numbers_of(&all),
        vec![c, a, e, b, d],
        "by due (none last), then number"
    );
    // Each row is the summary of its case, updated when its last event happened.
    for s in &all {
        let case = cases.iter().find(|x| x.filing.number == s.number).unwrap();
        let updated = if s.number == c {
            at("2026-03-04T02:00:00Z")
        } else {
            case.created_at
        };
        assert_eq!(*s, CaseSummary::of(case, updated));
    }

    let town = || Some(subtree(TOWN));
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                place_scope: town(),
                ..Default::default()
            })
            .await
        ),
        vec![c, a, e, d],
        "accepting or deciding place inside the township; not the sibling township"
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                place_scope: Some(subtree(SIBLING_TOWN)),
                ..Default::default()
            })
            .await
        ),
        vec![b]
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                place_scope: Some(Scope::Within(vec![])),
                ..Default::default()
            })
            .await
        ),
        Vec::<&str>::new()
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                applicant_scope: town(),
                ..Default::default()
            })
            .await
        ),
        vec![a, e, d],
        "applicants living in the township, its last village included"
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                states: vec![CaseState::InReview],
                ..Default::default()
            })
            .await
        ),
        vec![c]
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                states: vec![CaseState::Draft, CaseState::Submitted],
                ..Default::default()
            })
            .await
        ),
        vec![a, e, b, d]
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                applicant_user_id: Some(7),
                ..Default::default()
            })
            .await
        ),
        vec![d]
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                agent_user_id: Some(9),
                ..Default::default()
            })
            .await
        ),
        vec![e]
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                department: Some("mzj".to_string()),
                ..Default::default()
            })
            .await
        ),
        vec![c]
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                place_scope: town(),
                states: vec![CaseState::Submitted],
                department: Some("scjg".to_string()),
                ..Default::default()
            })
            .await
        ),
        vec![a, e],
        "every set field narrows"
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                limit: Some(2),
                ..Default::default()
            })
            .await
        ),
        vec![c, a]
    );
    assert_eq!(
        numbers_of(
            &list(CaseFilter {
                agent_user_id: Some(7),
                ..Default::default()
            })
            .await
        ),
        Vec::<&str>::new()
    );
}

/// Scoped lists (read through `case_scopes`, merged per state) equal the plain list filtered by
/// the same rules, for every kind of scope, and keyset pages join up to the whole list; a state
/// change, a new due date and a transfer move a case between lists.
pub async fn case_list_scoped_pages<S: CaseStore + ?Sized>(store: &S) {
    const FAR_VILLAGE: &str = "330105001001";
    let places = [TOWN, SIBLING_TOWN, COUNTY, FAR_TOWN];
    let applicants = [VILLAGE, EDGE_VILLAGE, SIBLING_VILLAGE, FAR_VILLAGE, VILLAGE];
    let mut cases: Vec<(Case, Vec<CaseEvent>)> = vec![];
    for i in 0..48usize {
        let place = places[i % 4];
        let decide = match i % 3 {
            0 => place,
            1 => COUNTY,
            _ => CITY,
        };
        let day = 1 + (i * 7) % 20;
        let number = format!("{place}-202603{day:02}-{i:04}");
        let at_ = format!("2026-03-{day:02}T0{}:00:00Z", 1 + i % 8);
        let f = CaseFixture {
            number: &number,
            place,
            decide_place: decide,
            applicant_region: applicants[i % 5],
            department: if i % 2 == 0 { "scjg" } else { "mzj" },
            // Every sixth is an online draft: no due date, listed after every dated case.
            channel: if i % 6 == 0 {
                Channel::Online
            } else {
                Channel::Window
            },
            applicant_user_id: (i % 6 == 0).then_some(7),
            agent_user_id: (i % 7 == 0).then_some(9),
            at: &at_,
        };
        let (case, events) = filed_case(&f);
        store.create_case(&case, &events).await.unwrap();
        cases.push((case, events));
    }
    // Some are accepted (a new state and a new due date), one is transferred to the far township.
    for i in [1usize, 5, 9, 13, 17, 21, 26, 33, 41] {
        let (c, log) = &cases[i];
        let accepted_on = c.created_at.date_naive();
        let (next, ev) = next_events(
            c,
            log,
            &format!("{}T09:00:00Z", accepted_on),
            vec![EventKind::Accepted {
                accepted_on,
                by_system: false,
                statutory_due: accepted_on + Duration::days(28),
                promised_due: accepted_on + Duration::days((i % 9) as i64),
                started: vec![(0, accepted_on + Duration::days(3))],
                fee_total_fen: 0,
            }],
        );
        store.append_events(&next, c.version, &ev).await.unwrap();
        let all: Vec<CaseEvent> = log.iter().chain(ev.iter()).cloned().collect();
        cases[i] = (next, all);
    }
    {
        let (c, log) = &cases[4];
        assert_eq!(c.filing.place, code(TOWN));
        let (next, ev) = next_events(
            c,
            log,
            "2026-03-20T09:00:00Z",
            vec![EventKind::Transferred {
                from: code(TOWN),
                to: code(FAR_TOWN),
                reason: "属地管辖".to_string(),
            }],
        );
        store.append_events(&next, c.version, &ev).await.unwrap();
        cases[4].0 = next;
    }
    let moved = cases[4].0.filing.number.clone();

    let all = store.list_cases(&CaseFilter::default()).await.unwrap();
    assert_eq!(all.len(), 48);
    let keys: Vec<listing::ListKey> = all.iter().map(listing::ListKey::of).collect();
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "plain list in list order"
    );
    assert!(all.iter().any(|s| s.state == CaseState::InReview));
    assert!(all.iter().any(|s| s.due.is_none()), "undated cases present");

    let roots = |codes: &[&str]| {
        Scope::Within(
            codes
                .iter()
                .map(|c| (code(c), code(c).implied_level()))
                .collect(),
        )
    };
    let scopes = vec![
        subtree(TOWN),
        subtree(COUNTY),
        subtree(CITY),
        subtree(FAR_TOWN),
        subtree(VILLAGE),
        Scope::All,
        roots(&[TOWN, SIBLING_TOWN]),
        roots(&[COUNTY, TOWN]),
        roots(&[SIBLING_TOWN, FAR_TOWN]),
        Scope::Within(vec![]),
    ];
    let mut filters: Vec<CaseFilter> = vec![];
    for scope in &scopes {
        for (states, department) in [
            (vec![], None),
            (vec![CaseState::InReview], None),
            (vec![CaseState::Draft, CaseState::Submitted], Some("scjg")),
            (vec![CaseState::Completed], None),
        ] {
            for with_filed_from in [false, true] {
                filters.push(CaseFilter {
                    place_scope: Some(scope.clone()),
                    with_filed_from,
                    states: states.clone(),
                    department: department.map(str::to_string),
                    ..Default::default()
                });
            }
        }
        filters.push(CaseFilter {
            applicant_scope: Some(scope.clone()),
            ..Default::default()
        });
        filters.push(CaseFilter {
            place_scope: Some(subtree(COUNTY)),
            applicant_scope: Some(scope.clone()),
            agent_user_id: Some(9),
            ..Default::default()
        });
    }
    for f in &filters {
        let expected: Vec<&str> = all
            .iter()
            .filter(|s| {
                let handled = f.place_scope.as_ref().is_none_or(|p| {
                    p.contains(&s.place)
                        || p.contains(&s.decide_place)
                        || (f.with_filed_from && p.contains(&s.applicant_region))
                });
                handled
                    && f.applicant_scope
                        .as_ref()
                        .is_none_or(|a| a.contains(&s.applicant_region))
                    && (f.states.is_empty() || f.states.contains(&s.state))
                    && f.department.as_ref().is_none_or(|d| s.department == *d)
                    && f.agent_user_id.is_none_or(|id| s.agent_user_id == Some(id))
            })
            .map(|s| s.number.as_str())
            .collect();
        let got = store.list_cases(f).await.unwrap();
        assert_eq!(numbers_of(&got), expected, "{f:?}");
        // Pages of 5 (and of 1 for a few) join up to the whole list, each row once.
        for size in [5u32, 1] {
            if size == 1 && expected.len() > 12 {
                continue;
            }
            let mut paged: Vec<String> = vec![];
            let mut after = None;
            loop {
                let page = store
                    .list_cases(&CaseFilter {
                        limit: Some(size),
                        after: after.clone(),
                        ..f.clone()
                    })
                    .await
                    .unwrap();
                assert!(page.len() <= size as usize);
                paged.extend(page.iter().map(|s| s.number.clone()));
                if page.len() < size as usize {
                    break;
                }
                after = page.last().map(listing::ListKey::of);
            }
            assert_eq!(paged, expected, "pages of {size}: {f:?}");
        }
    }
    // The transferred case left the township's list for the far township's.
    let town_list = store
        .list_cases(&CaseFilter {
            place_scope: Some(subtree(TOWN)),
            ..Default::default()
        })
        .await
        .unwrap();
    let far_list = store
        .list_cases(&CaseFilter {
            place_scope: Some(subtree(FAR_TOWN)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!numbers_of(&town_list).contains(&moved.as_str()));
    assert!(numbers_of(&far_list).contains(&moved.as_str()));
    // Plain lists page too.
    let first = store
        .list_cases(&CaseFilter {
            limit: Some(10),
            ..Default::default()
        })
        .await
        .unwrap();
    let rest = store
        .list_cases(&CaseFilter {
            after: first.last().map(listing::ListKey::of),
            ..Default::default()
        })
        .await
        .unwrap();
    let joined: Vec<&str> = numbers_of(&first)
        .into_iter()
        .chain(numbers_of(&rest))
        .collect();
    assert_eq!(joined, numbers_of(&all));
}

/// The public monthly figures: receipts by date of receipt (drafts have none), completions and
/// on-time completions from outcomes by date of completion, per accepting place and department.
pub async fn case_period_figures<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    // Received: a (03-02, town), b (03-03, sibling), c (03-04, county), e (03-02, town); d is a
    // draft. Completed: a on time in March, b late in April.
    for o in [
        outcome_of(&cases[0].filing.number, TOWN, TOWN, "2026-03-20", true),
        outcome_of(
            &cases[1].filing.number,
            SIBLING_TOWN,
            SIBLING_TOWN,
            "2026-04-01",
            false,
        ),
    ] {
        store.put_outcome(&o).await.unwrap();
    }
    let fig = |place: &str, department: &str, received, completed, on_time| PeriodFigure {
        place: code(place),
        department: department.to_string(),
        received,
        completed,
        on_time,
    };
    assert_eq!(
        store
            .period_figures(date("2026-03-01"), date("2026-04-01"))
            .await
            .unwrap(),
        vec![
            fig(COUNTY, "mzj", 1, 0, 0),
            fig(TOWN, "scjg", 2, 1, 1),
            fig(SIBLING_TOWN, "scjg", 1, 0, 0),
        ],
        "the month's end is outside it"
    );
    assert_eq!(
        store
            .period_figures(date("2026-04-01"), date("2026-05-01"))
            .await
            .unwrap(),
        vec![fig(SIBLING_TOWN, "scjg", 0, 1, 0)]
    );
    assert_eq!(
        store
            .period_figures(date("2026-03-03"), date("2026-03-04"))
            .await
            .unwrap(),
        vec![fig(SIBLING_TOWN, "scjg", 1, 0, 0)],
        "one day"
    );

    // A receipt follows its case: `e` is transferred to another town, and a case imported whole
    // is counted where it was received.
    assert_eq!(cases[4].filing.place, code(TOWN));
    transfer(store, &cases[4], FAR_TOWN, "2026-03-20T09:00:00Z").await;
    let (imported, events) = filed_case(&window_case(
        "330102001000-20260305-0101",
        SIBLING_TOWN,
        "2026-03-05T01:00:00Z",
    ));
    assert!(imported.received_on.is_some());
    store
        .import_cases(&[crate::ImportedCase {
            case: imported,
            events,
            effects: SideEffects::default(),
        }])
        .await
        .unwrap();
    assert_eq!(
        store
            .period_figures(date("2026-03-01"), date("2026-04-01"))
            .await
            .unwrap(),
        vec![
            fig(COUNTY, "mzj", 1, 0, 0),
            fig(TOWN, "scjg", 1, 1, 1),
            fig(SIBLING_TOWN, "scjg", 2, 0, 0),
            fig(FAR_TOWN, "scjg", 1, 0, 0),
        ]
    );
}

pub async fn case_numbers_page<S: CaseStore + ?Sized>(store: &S) {
    assert_eq!(
        store.case_numbers(None, 10).await.unwrap(),
        Vec::<String>::new()
    );
    let cases = seed_cases(store).await;
    let mut all: Vec<String> = cases.iter().map(|c| c.filing.number.clone()).collect();
    all.sort();
    let first = store.case_numbers(None, 2).await.unwrap();
    assert_eq!(first, all[..2].to_vec());
    let rest = store.case_numbers(Some(&first[1]), 10).await.unwrap();
    assert_eq!(rest, all[2..].to_vec());
    assert_eq!(
        store.case_numbers(Some(&all[4]), 10).await.unwrap(),
        Vec::<String>::new()
    );
}

pub async fn case_messages<S: CaseStore + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let (a, d) = (&cases[0].filing.number, &cases[3].filing.number);
    let msg = |user_id: Option<i64>, n: &str, text: &str, when: &str| Message {
        id: 0,
        user_id,
        case_number: n.to_string(),
        text: text.to_string(),
        created_at: at(when),
    };
    let m1 = msg(Some(7), d, "您的草稿已保存", "2026-03-01T01:00:00Z");
    let m2 = msg(None, a, "材料已接收", "2026-03-02T01:00:00Z");
    let m3 = msg(Some(7), a, "已受理", "2026-03-03T01:00:00Z");
    let mut ids = Vec::new();
    for m in [&m1, &m2, &m3] {
        ids.push(store.add_message(m).await.unwrap());
    }
    assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
    let with_id = |m: &Message, id: i64| Message { id, ..m.clone() };

    assert_eq!(
        store.messages_for_user(7).await.unwrap(),
        vec![with_id(&m3, ids[2]), with_id(&m1, ids[0])],
        "newest first"
    );
    assert_eq!(
        store.messages_for_case(a).await.unwrap(),
        vec![with_id(&m3, ids[2]), with_id(&m2, ids[1])]
    );
    assert_eq!(store.messages_for_user(8).await.unwrap(), vec![]);
    assert_not_found(
        store
            .add_message(&msg(Some(7), "no-such-case", "x", "2026-03-03T01:00:00Z"))
            .await,
    );
}

pub async fn case_results_published<S: CaseStore + ?Sized>(store: &S) {
    assert_eq!(store.list_results(10).await.unwrap(), vec![]);
    let cases = seed_cases(store).await;
    let result = |c: &Case, decided: &str, licence: &str| PublishedResult {
        case_number: c.filing.number.clone(),
        item_name: c.filing.item.name.clone(),
        applicant_masked: "张*".to_string(),
        decided_on: date(decided),
        licence_no: licence.to_string(),
        place: c.filing.decide_place.clone(),
    };
    let ra = result(&cases[0], "2026-03-10", "JY1");
    let rc = result(&cases[2], "2026-03-12", "JY2");
    store.publish_result(&ra).await.unwrap();
    store.publish_result(&rc).await.unwrap();
    assert_eq!(
        store.list_results(10).await.unwrap(),
        vec![rc.clone(), ra.clone()]
    );
    assert_eq!(store.list_results(1).await.unwrap(), vec![rc.clone()]);

    // Publishing again replaces the case's result.
    let ra2 = PublishedResult {
        licence_no: "JY1-更正".to_string(),
        ..ra
    };
    store.publish_result(&ra2).await.unwrap();
    assert_eq!(store.list_results(10).await.unwrap(), vec![rc, ra2]);

    let mut ghost = result(&cases[1], "2026-03-11", "JY3");
    ghost.case_number = "no-such-case".to_string();
    assert_not_found(store.publish_result(&ghost).await);
}

// ---------------------------------------------------------------------------------------------
// Supervision

/// A deadline row of a fixture case.
pub fn deadline(number: &str, key: &str, due: &str, yellow_from: &str) -> DeadlineRow {
    let due = date(due);
    DeadlineRow {
        case_number: number.to_string(),
        key: key.to_string(),
        label: format!("{key} 期限"),
        due,
        yellow_from: date(yellow_from),
        red_from: due.succ_opt().expect("a day after"),
    }
}

/// A warning about `case` as the scan raises it (id and cleared_at are the store's).
pub fn warning_of(case: &Case, key: &str, colour: &str, due: &str, raised: &str) -> WarningRecord {
    WarningRecord {
        id: 0,
        case_number: case.filing.number.clone(),
        key: key.to_string(),
        colour: colour.to_string(),
        label: format!("{key} {colour}"),
        place: case.filing.place.clone(),
        decide_place: case.filing.decide_place.clone(),
        department: case.filing.item.department.clone(),
        due: date(due),
        raised_at: at(raised),
        cleared_at: None,
    }
}

fn keys_of(rows: &[DeadlineRow]) -> Vec<(String, String)> {
    rows.iter()
        .map(|r| (r.case_number.clone(), r.key.clone()))
        .collect()
}

fn pair(number: &str, key: &str) -> (String, String) {
    (number.to_string(), key.to_string())
}

pub async fn supervision_deadline_rows<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let [a, b, c] = [0, 1, 2].map(|i| cases[i].filing.number.as_str());
    let a_rows = vec![
        deadline(a, "case", "2026-03-16", "2026-03-12"),
        deadline(a, "correction", "2026-03-09", "2026-03-06"),
    ];
    store.replace_deadline_rows(a, &a_rows).await.unwrap();
    store
        .replace_deadline_rows(b, &[deadline(b, "case", "2026-03-10", "2026-03-05")])
        .await
        .unwrap();
    store
        .replace_deadline_rows(c, &[deadline(c, "stage:0", "2026-03-05", "2026-03-04")])
        .await
        .unwrap();
    let due = |day: &'static str, scope: Scope, limit: u32| async move {
        store
            .deadline_rows_due(date(day), &scope, limit)
            .await
            .unwrap()
    };

    // Township: `c` by its deciding place, `a`'s correction row; not the sibling township's `b`,
    // not `a`'s case row (yellow only from the 12th). Ordered by due date.
    let town = due("2026-03-06", subtree(TOWN), 100).await;
    assert_eq!(
        keys_of(&town),
        vec![pair(c, "stage:0"), pair(a, "correction")]
    );
    assert_eq!(town[1], a_rows[1], "a row round-trips");
    assert_eq!(
        keys_of(&due("2026-03-06", Scope::All, 100).await),
        vec![pair(c, "stage:0"), pair(a, "correction"), pair(b, "case")]
    );
    assert_eq!(
        keys_of(&due("2026-03-06", subtree(SIBLING_TOWN), 100).await),
        vec![pair(b, "case")]
    );
    assert_eq!(
        keys_of(&due("2026-03-06", Scope::All, 1).await),
        vec![pair(c, "stage:0")]
    );
    assert_eq!(
        keys_of(&due("2026-03-05", subtree(SIBLING_TOWN), 100).await),
        vec![pair(b, "case")],
        "yellow_from on the day itself counts"
    );
    assert!(due("2026-03-04", subtree(SIBLING_TOWN), 100)
        .await
        .is_empty());
    assert!(due("2026-03-30", Scope::Within(vec![]), 100)
        .await
        .is_empty());

    // Replacing drops the rows not given again.
    store
        .replace_deadline_rows(a, &[deadline(a, "case", "2026-03-17", "2026-03-13")])
        .await
        .unwrap();
    let later = due("2026-03-20", subtree(TOWN), 100).await;
    assert_eq!(keys_of(&later), vec![pair(c, "stage:0"), pair(a, "case")]);
    assert_eq!(later[1].due, date("2026-03-17"));
    store.replace_deadline_rows(a, &[]).await.unwrap();
    assert_eq!(
        keys_of(&due("2026-03-20", subtree(TOWN), 100).await),
        vec![pair(c, "stage:0")]
    );

    assert_not_found(
        store
            .replace_deadline_rows(
                "no-such-case",
                &[deadline("no-such-case", "case", "2026-03-10", "2026-03-05")],
            )
            .await,
    );
    assert!(matches!(
        store
            .replace_deadline_rows(a, &[deadline(b, "case", "2026-03-10", "2026-03-05")])
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        keys_of(&due("2026-03-20", Scope::All, 100).await),
        vec![pair(c, "stage:0"), pair(b, "case")],
        "refused replacements change nothing"
    );
}

/// The open warnings of a case as (key, colour), sorted.
async fn open_colours<S: Store + ?Sized>(store: &S, number: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = store
        .case_warnings(number)
        .await
        .unwrap()
        .into_iter()
        .map(|w| (w.key, w.colour))
        .collect();
    v.sort();
    v
}

pub async fn supervision_scan_from_rows<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let [a, b, c] = [0, 1, 2].map(|i| cases[i].filing.number.as_str());
    store
        .replace_deadline_rows(
            a,
            &[
                deadline(a, "case", "2026-03-16", "2026-03-12"),
                deadline(a, "correction", "2026-03-09", "2026-03-06"),
            ],
        )
        .await
        .unwrap();
    store
        .replace_deadline_rows(b, &[deadline(b, "case", "2026-03-10", "2026-03-05")])
        .await
        .unwrap();
    store
        .replace_deadline_rows(c, &[deadline(c, "stage:0", "2026-03-05", "2026-03-04")])
        .await
        .unwrap();
    let scan = |since: Option<&'static str>, today: &'static str| async move {
        store
            .scan_warnings(
                since.map(date),
                date(today),
                date(today),
                at(&format!("{today}T00:30:00Z")),
            )
            .await
            .unwrap()
    };
    let counts = |raised, cleared| ScanCounts { raised, cleared };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(k, c)| (k.to_string(), c.to_string()))
            .collect()
    };

    // The first scan reads every row due by today: `b` and `c` are yellow on the 5th.
    assert_eq!(scan(None, "2026-03-05").await, counts(2, 0));
    assert_eq!(store.count_warnings(&Scope::All).await.unwrap(), (0, 2));
    // By accepting place: `c` was accepted at the county (decided by the township).
    assert_eq!(store.count_warnings(&subtree(TOWN)).await.unwrap(), (0, 0));
    assert_eq!(
        store.count_warnings(&subtree(COUNTY)).await.unwrap(),
        (0, 2)
    );
    assert_eq!(open_colours(store, b).await, pairs(&[("case", "yellow")]));
    assert_eq!(
        open_colours(store, c).await,
        pairs(&[("stage:0", "yellow")])
    );
    assert!(open_colours(store, a).await.is_empty(), "not yet due");
    // The warning carries what the row and the case say.
    let w = &store.case_warnings(c).await.unwrap()[0];
    assert_eq!(
        (
            w.label.as_str(),
            w.due,
            w.department.as_str(),
            &w.place,
            &w.decide_place
        ),
        (
            "stage:0 期限",
            date("2026-03-05"),
            cases[2].filing.item.department.as_str(),
            &cases[2].filing.place,
            &cases[2].filing.decide_place
        )
    );
    assert_eq!(w.raised_at, at("2026-03-05T00:30:00Z"));
    // Scanning again raises nothing: once per (case, deadline, colour).
    assert_eq!(scan(None, "2026-03-05").await, counts(0, 0));
    assert_eq!(scan(Some("2026-03-05"), "2026-03-05").await, counts(0, 0));

    // The next day: `c` turns red (replacing its yellow), `a`'s correction row turns yellow.
    assert_eq!(scan(Some("2026-03-05"), "2026-03-06").await, counts(2, 1));
    assert_eq!(open_colours(store, c).await, pairs(&[("stage:0", "red")]));
    assert_eq!(
        open_colours(store, a).await,
        pairs(&[("correction", "yellow")])
    );

    // A week later, the days since the last scan: `a`'s correction and `b` red, `a`'s case yellow.
    assert_eq!(scan(Some("2026-03-06"), "2026-03-12").await, counts(3, 2));
    assert_eq!(
        open_colours(store, a).await,
        pairs(&[("case", "yellow"), ("correction", "red")])
    );
    assert_eq!(open_colours(store, b).await, pairs(&[("case", "red")]));
    assert_eq!(scan(Some("2026-03-06"), "2026-03-12").await, counts(0, 0));

    // A window only reads the rows whose colour changes in it: `a`'s case turns red on the 17th,
    // before a window of the 18th alone (which is why callers chain windows from the last scan).
    assert_eq!(scan(Some("2026-03-18"), "2026-03-18").await, counts(0, 0));
    // A case that no longer waits has no rows, so nothing is raised for it.
    store.replace_deadline_rows(c, &[]).await.unwrap();
    store
        .clear_warnings_except(c, &[], at("2026-03-16T08:00:00Z"))
        .await
        .unwrap();
    assert_eq!(scan(None, "2026-03-17").await, counts(1, 1));
    assert_eq!(
        open_colours(store, a).await,
        pairs(&[("case", "red"), ("correction", "red")])
    );
    assert!(open_colours(store, c).await.is_empty());
    // The monitor's counts: every open warning, by colour, in the scope.
    assert_eq!(store.count_warnings(&Scope::All).await.unwrap(), (3, 0));
    assert_eq!(
        store.count_warnings(&subtree(SIBLING_TOWN)).await.unwrap(),
        (1, 0)
    );
    assert_eq!(
        store.count_warnings(&Scope::Within(vec![])).await.unwrap(),
        (0, 0)
    );
    // `since` after `today` (a clock set back) reads from `today` only.
    assert_eq!(scan(Some("2026-04-01"), "2026-03-17").await, counts(0, 0));

    // A window scanned in slices gives what one scan gives, each row in today's colour (no
    // transient yellow for a row already red today).
    store
        .replace_deadline_rows(c, &[deadline(c, "stage:1", "2026-03-20", "2026-03-18")])
        .await
        .unwrap();
    store
        .replace_deadline_rows(b, &[deadline(b, "case", "2026-03-24", "2026-03-19")])
        .await
        .unwrap();
    store
        .clear_warnings_except(b, &[], at("2026-03-18T00:00:00Z"))
        .await
        .unwrap();
    let slice = |from: &'static str, until: &'static str| async move {
        store
            .scan_warnings(
                Some(date(from)),
                date(until),
                date("2026-03-23"),
                at("2026-03-23T00:30:00Z"),
            )
            .await
            .unwrap()
    };
    // c: yellow 18th, red 21st → red today; b: yellow 19th, still yellow on the 23rd.
    assert_eq!(slice("2026-03-18", "2026-03-18").await, counts(1, 0));
    assert_eq!(open_colours(store, c).await, pairs(&[("stage:1", "red")]));
    assert_eq!(slice("2026-03-19", "2026-03-20").await, counts(1, 0));
    assert_eq!(open_colours(store, b).await, pairs(&[("case", "yellow")]));
    assert_eq!(slice("2026-03-21", "2026-03-23").await, counts(0, 0));
    assert_eq!(open_colours(store, c).await, pairs(&[("stage:1", "red")]));
    // A slice ending after today is cut at today.
    assert_eq!(
        store
            .scan_warnings(
                Some(date("2026-03-24")),
                date("2026-03-30"),
                date("2026-03-23"),
                at("2026-03-23T00:30:00Z"),
            )
            .await
            .unwrap(),
        counts(0, 0)
    );
    assert_eq!(open_colours(store, b).await, pairs(&[("case", "yellow")]));
}

pub async fn supervision_warning_raised_once<S: Store + Clone + 'static>(store: &S) {
    let (case, events) = filed_case(&window_case(
        "330102001000-20260302-0001",
        TOWN,
        "2026-03-02T01:00:00Z",
    ));
    store.create_case(&case, &events).await.unwrap();
    let yellow = warning_of(
        &case,
        "case",
        "yellow",
        "2026-03-16",
        "2026-03-12T00:00:00.123456Z",
    );
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (s, w) = (store.clone(), yellow.clone());
            tokio::spawn(async move { s.raise_warning(&w).await })
        })
        .collect();
    let mut raised = 0;
    for t in tasks {
        if t.await.expect("task").expect("raise_warning") {
            raised += 1;
        }
    }
    assert_eq!(raised, 1, "20 callers, one warning raised");
    let open = store.case_warnings(&case.filing.number).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        open[0],
        WarningRecord {
            id: open[0].id,
            ..yellow.clone()
        },
        "a warning round-trips"
    );

    // Another colour of the same deadline is another warning.
    let red = warning_of(&case, "case", "red", "2026-03-16", "2026-03-17T00:00:00Z");
    assert!(store.raise_warning(&red).await.unwrap());
    assert!(!store.raise_warning(&red).await.unwrap());
    assert_eq!(
        store
            .case_warnings(&case.filing.number)
            .await
            .unwrap()
            .len(),
        2
    );

    // Once cleared, the same warning can be raised again (the case turned yellow once more).
    let at_ = at("2026-03-18T00:00:00Z");
    let n = store
        .clear_warnings_except(&case.filing.number, &[], at_)
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert!(store
        .case_warnings(&case.filing.number)
        .await
        .unwrap()
        .is_empty());
    assert!(store.raise_warning(&yellow).await.unwrap());
    assert!(!store.raise_warning(&yellow).await.unwrap());
    let all = store.list_warnings(&Scope::All, false, 100).await.unwrap();
    assert_eq!(all.len(), 3, "cleared warnings stay as history: {all:?}");
    assert_eq!(all.iter().filter(|w| w.cleared_at == Some(at_)).count(), 2);

    let mut ghost = yellow.clone();
    ghost.case_number = "no-such-case".to_string();
    assert_not_found(store.raise_warning(&ghost).await);
}

pub async fn supervision_clear_warnings_except<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let (a, b) = (&cases[0], &cases[1]);
    let n = a.filing.number.as_str();
    for w in [
        warning_of(a, "case", "yellow", "2026-03-16", "2026-03-12T00:00:00Z"),
        warning_of(a, "stage:0", "red", "2026-03-10", "2026-03-11T00:00:00Z"),
        warning_of(
            a,
            "correction",
            "yellow",
            "2026-03-09",
            "2026-03-06T00:00:00Z",
        ),
        warning_of(b, "case", "yellow", "2026-03-16", "2026-03-12T00:00:00Z"),
    ] {
        assert!(store.raise_warning(&w).await.unwrap());
    }
    let keep = vec![
        ("case".to_string(), "yellow".to_string()),
        ("stage:0".to_string(), "red".to_string()),
        // Kept pairs without an open warning are fine.
        ("case".to_string(), "red".to_string()),
    ];
    let when = at("2026-03-13T00:00:00Z");
    assert_eq!(
        store.clear_warnings_except(n, &keep, when).await.unwrap(),
        1
    );
    let open: Vec<(String, String)> = store
        .case_warnings(n)
        .await
        .unwrap()
        .into_iter()
        .map(|w| (w.key, w.colour))
        .collect();
    assert_eq!(
        open,
        vec![pair("stage:0", "red"), pair("case", "yellow")],
        "red first"
    );
    let cleared: Vec<WarningRecord> = store
        .list_warnings(&Scope::All, false, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|w| w.cleared_at.is_some())
        .collect();
    assert_eq!(cleared.len(), 1);
    assert_eq!(
        (cleared[0].key.as_str(), cleared[0].cleared_at),
        ("correction", Some(when))
    );
    // Clearing again finds nothing more to clear; another case is never touched.
    assert_eq!(
        store.clear_warnings_except(n, &keep, when).await.unwrap(),
        0
    );
    assert_eq!(store.clear_warnings_except(n, &[], when).await.unwrap(), 2);
    assert_eq!(store.case_warnings(n).await.unwrap(), vec![]);
    assert_eq!(
        store.case_warnings(&b.filing.number).await.unwrap().len(),
        1
    );
}

pub async fn supervision_warnings_listed_red_first<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let (a, b, c) = (&cases[0], &cases[1], &cases[2]);
    let fixtures = [
        warning_of(a, "case", "yellow", "2026-03-10", "2026-03-08T00:00:00Z"),
        warning_of(a, "stage:0", "red", "2026-03-12", "2026-03-13T00:00:00Z"),
        warning_of(b, "case", "red", "2026-03-01", "2026-03-02T00:00:00Z"),
        warning_of(c, "stage:0", "yellow", "2026-03-05", "2026-03-04T00:00:00Z"),
    ];
    for w in &fixtures {
        assert!(store.raise_warning(w).await.unwrap());
    }
    let ids = |list: Vec<WarningRecord>| -> Vec<(String, String, String)> {
        list.into_iter()
            .map(|w| (w.case_number, w.key, w.colour))
            .collect()
    };
    let t = |w: &WarningRecord| (w.case_number.clone(), w.key.clone(), w.colour.clone());
    let [ay, ar, br, cy] = [0, 1, 2, 3].map(|i| t(&fixtures[i]));

    let all = store.list_warnings(&Scope::All, true, 100).await.unwrap();
    for w in &all {
        let f = fixtures
            .iter()
            .find(|f| t(f) == t(w))
            .expect("a raised warning");
        assert_eq!(
            *w,
            WarningRecord {
                id: w.id,
                ..f.clone()
            }
        );
    }
    assert_eq!(
        ids(all),
        vec![br.clone(), ar.clone(), cy.clone(), ay.clone()],
        "red first, then by due date"
    );
    assert_eq!(
        ids(store
            .list_warnings(&subtree(TOWN), true, 100)
            .await
            .unwrap()),
        vec![ar.clone(), cy.clone(), ay.clone()],
        "accepting or deciding place in the township; not the sibling township"
    );
    assert_eq!(
        ids(store
            .list_warnings(&subtree(SIBLING_TOWN), true, 100)
            .await
            .unwrap()),
        vec![br.clone()]
    );
    assert_eq!(
        ids(store.list_warnings(&Scope::All, true, 2).await.unwrap()),
        vec![br.clone(), ar.clone()]
    );
    assert!(store
        .list_warnings(&Scope::Within(vec![]), false, 100)
        .await
        .unwrap()
        .is_empty());

    // Open only leaves out what was cleared; all keeps it, in the same order.
    store
        .clear_warnings_except(&a.filing.number, &[], at("2026-03-14T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        ids(store
            .list_warnings(&subtree(TOWN), true, 100)
            .await
            .unwrap()),
        vec![cy.clone()]
    );
    assert_eq!(
        ids(store
            .list_warnings(&subtree(TOWN), false, 100)
            .await
            .unwrap()),
        vec![ar, cy, ay]
    );
}

/// `(key, count)` pairs from a list of cases, sorted by key: what `count_cases` must agree with.
fn expected_counts(list: &[CaseSummary], by: CountBy) -> Vec<(String, i64)> {
    let mut m: std::collections::BTreeMap<String, i64> = Default::default();
    for s in list {
        let k = match by {
            CountBy::State => s.state.as_str().to_string(),
            CountBy::Place => s.place.as_str().to_string(),
            CountBy::Department => s.department.clone(),
        };
        *m.entry(k).or_default() += 1;
    }
    m.into_iter().collect()
}

fn counts(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

/// Every grouping over all cases equals a count of `list_cases`.
async fn assert_counts_match_cases<S: Store + ?Sized>(store: &S) {
    let all = store.list_cases(&CaseFilter::default()).await.unwrap();
    for by in [CountBy::State, CountBy::Place, CountBy::Department] {
        assert_eq!(
            store.count_cases(&Scope::All, by).await.unwrap(),
            expected_counts(&all, by),
            "{by:?}"
        );
    }
}

pub async fn supervision_counts_follow_cases<S: Store + ?Sized>(store: &S) {
    assert_eq!(
        store
            .count_cases(&Scope::All, CountBy::State)
            .await
            .unwrap(),
        vec![]
    );
    let cases = seed_cases(store).await;
    let (submitted, draft, review) = (
        CaseState::Submitted.as_str(),
        CaseState::Draft.as_str(),
        CaseState::InReview.as_str(),
    );
    assert_counts_match_cases(store).await;
    assert_eq!(
        store
            .count_cases(&Scope::All, CountBy::State)
            .await
            .unwrap(),
        counts(&[(draft, 1), (review, 1), (submitted, 3)])
    );
    assert_eq!(
        store
            .count_cases(&Scope::All, CountBy::Place)
            .await
            .unwrap(),
        counts(&[(COUNTY, 1), (TOWN, 3), (SIBLING_TOWN, 1)])
    );
    assert_eq!(
        store
            .count_cases(&Scope::All, CountBy::Department)
            .await
            .unwrap(),
        counts(&[("mzj", 1), ("scjg", 4)])
    );
    // Scoped by accepting place: the township's own cases, not the sibling township's.
    assert_eq!(
        store
            .count_cases(&subtree(TOWN), CountBy::State)
            .await
            .unwrap(),
        counts(&[(draft, 1), (submitted, 2)])
    );
    assert_eq!(
        store
            .count_cases(&subtree(COUNTY), CountBy::Department)
            .await
            .unwrap(),
        counts(&[("mzj", 1), ("scjg", 4)])
    );
    assert_eq!(
        store
            .count_cases(&subtree(OTHER_COUNTY), CountBy::State)
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(
        store
            .count_cases(&Scope::Within(vec![]), CountBy::Place)
            .await
            .unwrap(),
        vec![]
    );

    // `a` is accepted, then decided: it moves from group to group.
    let a = &cases[0];
    let log = store.case_events(&a.filing.number).await.unwrap();
    let (accepted, ev) = next_events(
        a,
        &log,
        "2026-03-03T02:00:00Z",
        vec![EventKind::Accepted {
            accepted_on: date("2026-03-03"),
            by_system: false,
            statutory_due: date("2026-03-31"),
            promised_due: date("2026-03-17"),
            started: vec![(0, date("2026-03-03"))],
            fee_total_fen: 0,
        }],
    );
    store
        .append_events(&accepted, a.version, &ev)
        .await
        .unwrap();
    assert_eq!(
        store
            .count_cases(&subtree(TOWN), CountBy::State)
            .await
            .unwrap(),
        counts(&[(draft, 1), (review, 1), (submitted, 1)])
    );
    // A stale writer changes no count.
    let (stale, ev_stale) = next_events(a, &log, "2026-03-03T02:30:00Z", vec![mark(0)]);
    assert_conflict(
        store.append_events(&stale, a.version, &ev_stale).await,
        "stale_case",
    );
    let log = store.case_events(&a.filing.number).await.unwrap();
    let (decided, ev) = next_events(
        &accepted,
        &log,
        "2026-03-10T02:00:00Z",
        vec![EventKind::Decided {
            granted: true,
            reasons: String::new(),
            licence_no: Some("JY330102".to_string()),
            on: date("2026-03-10"),
            delivery_due: Some(date("2026-03-20")),
            completes: vec![1],
        }],
    );
    store
        .append_events(&decided, accepted.version, &ev)
        .await
        .unwrap();
    assert_eq!(decided.state, CaseState::Decided);
    assert_counts_match_cases(store).await;
    assert_eq!(
        store
            .count_cases(&Scope::All, CountBy::State)
            .await
            .unwrap(),
        counts(&[
            (CaseState::Decided.as_str(), 1),
            (draft, 1),
            (review, 1),
            (submitted, 2)
        ])
    );

    // `e` is transferred to the county before acceptance: it is counted at its new place.
    let e = &cases[4];
    store
        .replace_deadline_rows(
            &e.filing.number,
            &[deadline(
                &e.filing.number,
                "correction",
                "2026-03-09",
                "2026-03-06",
            )],
        )
        .await
        .unwrap();
    let moved = transfer(store, e, COUNTY, "2026-03-02T06:00:00Z").await;
    assert_eq!(moved.filing.place, code(COUNTY));
    assert_counts_match_cases(store).await;
    assert_eq!(
        store
            .count_cases(&Scope::All, CountBy::Place)
            .await
            .unwrap(),
        counts(&[(COUNTY, 2), (TOWN, 2), (SIBLING_TOWN, 1)])
    );
    // Its deadline rows moved with it.
    assert!(store
        .deadline_rows_due(date("2026-03-30"), &subtree(TOWN), 100)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .deadline_rows_due(date("2026-03-30"), &subtree(COUNTY), 100)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// An outcome fixture: figures that differ per case so a mix-up shows.
pub fn outcome_of(
    number: &str,
    place: &str,
    decide: &str,
    completed_on: &str,
    on_time: bool,
) -> OutcomeRecord {
    OutcomeRecord {
        case_number: number.to_string(),
        completed_on: date(completed_on),
        place: code(place),
        decide_place: code(decide),
        department: "scjg".to_string(),
        accepted_by: format!("受理人{}", number.len()),
        decided_by: "决定人".to_string(),
        on_time,
        early: !on_time,
        working_days: (number.len() % 7) as u32 + 1,
        overdue: !on_time,
        warnings: 2,
        violations: u32::from(!on_time),
    }
}

/// Completed cases per accepting place in the period, from the evaluation totals.
async fn cases_by_place<S: Store + ?Sized>(
    store: &S,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(String, u32)> {
    store
        .outcome_totals(scope, from, to, crate::OutcomeKey::Place)
        .await
        .unwrap()
        .into_iter()
        .map(|g| (g.region, g.totals.cases))
        .collect()
}

/// Window cases received on several days at several places, for the receipt-day backfill tests.
pub async fn seed_receipts<S: CaseStore + ?Sized>(store: &S) {
    for (i, (place, day)) in [
        (TOWN, "2026-03-02"),
        (TOWN, "2026-03-02"),
        (SIBLING_TOWN, "2026-03-02"),
        (TOWN, "2026-03-03"),
        (COUNTY, "2026-04-01"),
    ]
    .into_iter()
    .enumerate()
    {
        let number = format!("{place}-{}-{:04}", day.replace('-', ""), 300 + i);
        let (case, events) = filed_case(&window_case(&number, place, &format!("{day}T01:00:00Z")));
        store.create_case(&case, &events).await.unwrap();
    }
}

/// Outcomes of the seeded cases over two days and three places, for a test of the migration that
/// adds up `outcome_days` from the outcome rows already there.
pub async fn seed_outcomes<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    for (i, c) in cases.iter().enumerate() {
        let place = [TOWN, SIBLING_TOWN, COUNTY][i % 3];
        let day = ["2026-03-10", "2026-04-01"][i % 2];
        store
            .put_outcome(&outcome_of(&c.filing.number, place, TOWN, day, i % 2 == 0))
            .await
            .unwrap();
    }
}

/// The evaluation totals over all time by every key, everywhere.
pub async fn outcome_totals_by_every_key<S: Store + ?Sized>(
    store: &S,
) -> Vec<Vec<crate::OutcomeGroup>> {
    use crate::OutcomeKey;
    let mut all = vec![];
    for key in [
        OutcomeKey::DecideDepartment,
        OutcomeKey::Place,
        OutcomeKey::Window,
        OutcomeKey::Staff,
        OutcomeKey::Day,
    ] {
        all.push(
            store
                .outcome_totals(&Scope::All, date("2000-01-01"), date("2099-12-31"), key)
                .await
                .unwrap(),
        );
    }
    all
}

/// Outcomes are read by period and scope (accepting or deciding place), replaced by a second
/// write, joined with their cases' ratings and complaint counts; completed cases without one are
/// found for the start-up backfill.
pub async fn supervision_outcomes_by_period<S: Store + ?Sized>(store: &S) {
    use domain::feedback::{RatingChannel, RatingLevel};
    let cases = seed_cases(store).await;
    let [a, b, c, d, _e] = [0, 1, 2, 3, 4].map(|i| cases[i].filing.number.clone());
    let rows = [
        outcome_of(&a, TOWN, TOWN, "2026-03-10", true),
        outcome_of(&b, SIBLING_TOWN, SIBLING_TOWN, "2026-03-31", false),
        // Accepted at the county, decided in the township: the township's by its deciding place.
        outcome_of(&c, COUNTY, TOWN, "2026-04-01", true),
        outcome_of(&d, TOWN, TOWN, "2026-02-28", false),
    ];
    for o in &rows {
        store.put_outcome(o).await.unwrap();
    }
    let numbers = |v: Vec<OutcomeRecord>| v.into_iter().map(|o| o.case_number).collect::<Vec<_>>();
    let march = (date("2026-03-01"), date("2026-03-31"));
    assert_eq!(
        numbers(store.outcomes(&Scope::All, march.0, march.1).await.unwrap()),
        vec![a.clone(), b.clone()],
        "the period's ends are inside it"
    );
    assert_eq!(
        numbers(
            store
                .outcomes(&subtree(TOWN), date("2026-01-01"), date("2026-12-31"))
                .await
                .unwrap()
        ),
        vec![d.clone(), a.clone(), c.clone()],
        "by completion date; the deciding place counts"
    );
    assert_eq!(
        store
            .outcomes(&Scope::Within(vec![]), march.0, march.1)
            .await
            .unwrap(),
        vec![]
    );
    // A second write replaces the first.
    let fixed = OutcomeRecord {
        warnings: 7,
        ..rows[0].clone()
    };
    store.put_outcome(&fixed).await.unwrap();
    assert_eq!(
        store
            .outcomes(&subtree(TOWN), march.0, march.1)
            .await
            .unwrap(),
        vec![fixed]
    );
    assert_not_found(
        store
            .put_outcome(&outcome_of(
                "330102001000-20991231-0001",
                TOWN,
                TOWN,
                "2026-03-01",
                true,
            ))
            .await,
    );

    // Feedback: ratings of the period's cases, complaint counts.
    for (n, channel, level) in [
        (&a, RatingChannel::Online, RatingLevel::VerySatisfied),
        (&a, RatingChannel::SmsLink, RatingLevel::Basic),
        (&b, RatingChannel::Online, RatingLevel::Dissatisfied),
        (&d, RatingChannel::Online, RatingLevel::Satisfied),
    ] {
        store
            .add_rating(
                &feedback::rating(n, TOWN, channel, level, "2026-04-02T01:00:00Z"),
                None,
            )
            .await
            .unwrap();
    }
    for code_ in ["TS-1", "TS-2"] {
        store
            .create_complaint(&feedback::complaint(
                code_,
                TOWN,
                Some(&a),
                true,
                "2026-04-02T01:00:00Z",
            ))
            .await
            .unwrap();
    }
    let f = store
        .outcome_feedback(&Scope::All, march.0, march.1)
        .await
        .unwrap();
    assert_eq!(
        f.ratings,
        vec![
            (a.clone(), RatingLevel::VerySatisfied),
            (a.clone(), RatingLevel::Basic),
            (b.clone(), RatingLevel::Dissatisfied),
        ]
    );
    assert_eq!(f.complaints, vec![(a.clone(), 2)]);
    let f = store
        .outcome_feedback(&subtree(SIBLING_TOWN), march.0, march.1)
        .await
        .unwrap();
    assert_eq!(f.ratings, vec![(b.clone(), RatingLevel::Dissatisfied)]);
    assert!(f.complaints.is_empty());
    assert_eq!(
        numbers(f.cases),
        vec![b.clone()],
        "rated cases' outcomes come along"
    );
    let mut both = vec![a.clone(), b.clone()];
    both.sort();
    let f = store
        .outcome_feedback(&Scope::All, march.0, march.1)
        .await
        .unwrap();
    assert_eq!(
        numbers(f.cases),
        both,
        "rated or complained about, in the period"
    );

    // Written again under another decider and day, an outcome's figures move: the totals below
    // would count it twice, or keep an empty group, if the old ones stayed behind.
    let first = store
        .outcomes(&subtree(TOWN), march.0, march.1)
        .await
        .unwrap()
        .remove(0);
    store
        .put_outcome(&OutcomeRecord {
            decided_by: "moved.decider".into(),
            completed_on: march.1,
            ..first.clone()
        })
        .await
        .unwrap();

    // Totals by every key agree with adding up the outcomes themselves.
    use crate::{OutcomeGroup, OutcomeKey};
    let year = (date("2026-01-01"), date("2026-12-31"));
    for key in [
        OutcomeKey::DecideDepartment,
        OutcomeKey::Place,
        OutcomeKey::Window,
        OutcomeKey::Staff,
        OutcomeKey::Day,
    ] {
        for (scope, (from, to)) in [
            (Scope::All, march),
            (subtree(TOWN), year),
            (subtree(SIBLING_TOWN), year),
            (Scope::Within(vec![]), march),
        ] {
            let mut expected: std::collections::BTreeMap<(String, String), OutcomeGroup> =
                Default::default();
            for o in store.outcomes(&scope, from, to).await.unwrap() {
                let (region, who) = match key {
                    OutcomeKey::DecideDepartment => {
                        (o.decide_place.to_string(), o.department.clone())
                    }
                    OutcomeKey::Place => (o.place.to_string(), String::new()),
                    OutcomeKey::Window => (o.place.to_string(), o.accepted_by.clone()),
                    OutcomeKey::Staff => (String::new(), o.decided_by.clone()),
                    OutcomeKey::Day => (o.completed_on.to_string(), String::new()),
                };
                let g = expected
                    .entry((region.clone(), who.clone()))
                    .or_insert(OutcomeGroup {
                        region,
                        who,
                        totals: Default::default(),
                    });
                g.totals.add(&domain::supervision::Totals {
                    cases: 1,
                    on_time: o.on_time as u32,
                    early: o.early as u32,
                    overdue: o.overdue as u32,
                    warnings: o.warnings,
                    violations: o.violations,
                    working_days: u64::from(o.working_days),
                    ..Default::default()
                });
            }
            let got = store.outcome_totals(&scope, from, to, key).await.unwrap();
            assert_eq!(
                got,
                expected.into_values().collect::<Vec<_>>(),
                "{key:?} over {scope:?} {from}..{to}"
            );
        }
    }
    assert_eq!(
        cases_by_place(store, &subtree(TOWN), year.0, year.1).await,
        vec![(COUNTY.to_string(), 1), (TOWN.to_string(), 2)],
        "a county-accepted case decided in the township is in the township's scope"
    );

    // Only completed cases are backfill candidates; none of the seeds is completed.
    assert!(store
        .completed_without_outcome(10)
        .await
        .unwrap()
        .is_empty());
}

pub async fn supervision_lease<S: Store + ?Sized>(store: &S) {
    let t = |secs: i64| at("2026-03-02T00:00:00Z") + Duration::seconds(secs);
    assert!(store.try_lease("scan", "p1", t(0), t(60)).await.unwrap());
    assert!(
        !store.try_lease("scan", "p2", t(10), t(70)).await.unwrap(),
        "held by another"
    );
    assert!(
        store.try_lease("scan", "p1", t(30), t(90)).await.unwrap(),
        "the holder renews"
    );
    assert!(
        !store.try_lease("scan", "p2", t(89), t(149)).await.unwrap(),
        "the renewal runs to 90"
    );
    assert!(
        store.try_lease("scan", "p2", t(90), t(150)).await.unwrap(),
        "expired at its end"
    );
    assert!(!store.try_lease("scan", "p1", t(91), t(151)).await.unwrap());
    assert!(
        store
            .try_lease("digest", "p1", t(91), t(151))
            .await
            .unwrap(),
        "leases are per name"
    );
}

fn order_fixture(
    case: Option<&str>,
    unit: &str,
    issued_in: &str,
    issued: &str,
) -> SupervisionOrder {
    SupervisionOrder {
        id: 0,
        case_number: case.map(str::to_string),
        unit: code(unit),
        department: case.map(|_| "scjg".to_string()),
        subject: "请说明超期原因".to_string(),
        body: "该件已超承诺时限,请于期限内书面答复。".to_string(),
        issued_in: code(issued_in),
        issued_by: 42,
        issued_at: at(issued),
        reply_due: date("2026-03-20"),
        status: OrderStatus::Open,
        history: vec![OrderEntry {
            at: at(issued),
            user_id: Some(42),
            actor: "监察员甲".to_string(),
            action: "issued".to_string(),
            text: "发出督办单".to_string(),
        }],
        version: 1,
    }
}

pub async fn supervision_orders<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let a = cases[0].filing.number.as_str();
    let o1 = order_fixture(Some(a), TOWN, COUNTY, "2026-03-10T01:00:00.654321Z");
    let o2 = order_fixture(None, SIBLING_TOWN, COUNTY, "2026-03-11T01:00:00Z");
    let o3 = order_fixture(None, FAR_TOWN, OTHER_COUNTY, "2026-03-12T01:00:00Z");
    let mut ids = Vec::new();
    for o in [&o1, &o2, &o3] {
        ids.push(store.create_order(o).await.unwrap());
    }
    let with_id = |o: &SupervisionOrder, id: i64| SupervisionOrder { id, ..o.clone() };
    let (o1, o2, o3) = (
        with_id(&o1, ids[0]),
        with_id(&o2, ids[1]),
        with_id(&o3, ids[2]),
    );
    assert_eq!(store.get_order(o1.id).await.unwrap(), Some(o1.clone()));
    assert_eq!(store.get_order(-1).await.unwrap(), None);

    let list = |scope: Scope| async move {
        store
            .list_orders(&scope)
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        list(Scope::All).await,
        vec![o3.id, o2.id, o1.id],
        "newest first"
    );
    assert_eq!(
        list(subtree(TOWN)).await,
        vec![o1.id],
        "the unit's own orders"
    );
    assert_eq!(
        list(subtree(COUNTY)).await,
        vec![o2.id, o1.id],
        "issued in the county"
    );
    assert_eq!(list(subtree(SIBLING_TOWN)).await, vec![o2.id]);
    assert_eq!(list(Scope::Within(vec![])).await, Vec::<i64>::new());

    // The unit replies: the saved order is what a read returns.
    let mut replied = o1.clone();
    replied.status = OrderStatus::Replied;
    replied.history.push(OrderEntry {
        at: at("2026-03-12T03:00:00Z"),
        user_id: Some(3),
        actor: "窗口人员甲".to_string(),
        action: "replied".to_string(),
        text: "系材料补正所致,已于今日办结。".to_string(),
    });
    replied.version = 2;
    store.save_order(&replied, 1).await.unwrap();
    assert_eq!(store.get_order(o1.id).await.unwrap(), Some(replied.clone()));

    // A second writer that read version 1 loses and changes nothing.
    let mut other = o1.clone();
    other.status = OrderStatus::Closed;
    other.version = 2;
    assert_conflict(store.save_order(&other, 1).await, "stale_order");
    assert_eq!(store.get_order(o1.id).await.unwrap(), Some(replied.clone()));
    // A save must move the version on by one.
    assert!(matches!(
        store.save_order(&replied, 2).await,
        Err(StoreError::Invalid(_))
    ));
    // Escalation to the city: the order is now listed where it was escalated to.
    let mut escalated = replied.clone();
    escalated.status = OrderStatus::Escalated;
    escalated.issued_in = code(CITY);
    escalated.version = 3;
    store.save_order(&escalated, 2).await.unwrap();
    assert_eq!(store.get_order(o1.id).await.unwrap(), Some(escalated));
    assert_eq!(list(subtree(CITY)).await, vec![o3.id, o2.id, o1.id]);

    let mut ghost = o2.clone();
    ghost.id = 999_999;
    ghost.version = 2;
    assert_not_found(store.save_order(&ghost, 1).await);
    assert_not_found(
        store
            .create_order(&order_fixture(
                Some("no-such-case"),
                TOWN,
                COUNTY,
                "2026-03-10T01:00:00Z",
            ))
            .await,
    );
}
