//! Loads the demo into a fresh SQLite store through the traits, and checks it loads once.

use domain::access::Scope;
use domain::catalog::ItemStatus;
use domain::RegionCode;
use store::{
    CalendarStore, CatalogStore, ItemFilter, MetaStore, PlaceStore, RegionStore, Store, UserStore,
};
use store_sqlite::SqliteStore;

fn c(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

struct Counts {
    regions: usize,
    places: usize,
    departments: usize,
    users: usize,
    items: usize,
    calendar_days: usize,
    closures: usize,
}

async fn counts(s: &dyn Store) -> Counts {
    Counts {
        regions: s.list_regions(&Scope::All).await.unwrap().len(),
        places: s.list_places(&Scope::All).await.unwrap().len(),
        departments: s.list_departments(&Scope::All).await.unwrap().len(),
        users: s.list_users(&Scope::All).await.unwrap().len(),
        items: s.list_items(&ItemFilter::default()).await.unwrap().len(),
        calendar_days: s.list_calendar_days().await.unwrap().len(),
        closures: s.list_closures(&Scope::All).await.unwrap().len(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loads_into_sqlite_once() {
    let store = SqliteStore::open_in_memory_for_tests().unwrap();
    // A stand-in hash: the demo never hashes, it stores what it is given.
    assert!(
        yizhan_demo::load(&store, "$argon2id$v=19$m=19456,t=2,p=1$stand-in")
            .await
            .unwrap()
    );

    let n = counts(&store).await;
    let codes: std::collections::BTreeSet<String> =
        yizhan_demo::catalog().into_iter().map(|i| i.code).collect();
    let users = yizhan_demo::users("x", &|_, _| None);
    assert_eq!(n.regions, 76);
    assert_eq!(n.places, 76);
    assert_eq!(n.departments, yizhan_demo::departments().len());
    assert_eq!(n.users, users.len());
    assert_eq!(n.items, codes.len());
    assert_eq!(n.calendar_days, yizhan_demo::holidays().unwrap().len());
    assert_eq!(n.closures, 1);

    // Versioning went through save_draft + publish, so the store marked old versions itself.
    let food = store
        .list_versions(yizhan_demo::ITEM_FOOD_LICENSE)
        .await
        .unwrap();
    let statuses: Vec<(u32, ItemStatus)> = food.iter().map(|i| (i.version, i.status)).collect();
    assert_eq!(
        statuses,
        vec![(1, ItemStatus::Superseded), (2, ItemStatus::Published)]
    );
    assert_eq!(
        store
            .get_published(yizhan_demo::ITEM_GETIHU)
            .await
            .unwrap()
            .unwrap()
            .version,
        1
    );
    assert_eq!(
        store
            .get_item(yizhan_demo::ITEM_GETIHU, 2)
            .await
            .unwrap()
            .unwrap()
            .status,
        ItemStatus::Draft
    );
    let published = store
        .list_items(&ItemFilter {
            statuses: vec![ItemStatus::Published],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(published.len(), codes.len());

    // Department ids in grants and places are the store's.
    let clerk = store
        .find_user(yizhan_demo::CLERK_COUNTY_SCJG)
        .await
        .unwrap()
        .unwrap();
    let dept = store
        .get_department(clerk.grants[0].department_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (dept.code.as_str(), &dept.region_code),
        ("scjg", &c(yizhan_demo::COUNTY))
    );
    let mgr = store
        .find_user(yizhan_demo::MGR_TOWNSHIP_A)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mgr.grants[0].region_code, c(yizhan_demo::TOWNSHIP_A));
    let place = store
        .get_place(&c(yizhan_demo::TOWNSHIP_A))
        .await
        .unwrap()
        .unwrap();
    for id in &place.departments {
        let d = store.get_department(*id).await.unwrap().unwrap();
        assert_eq!(d.region_code, c(yizhan_demo::TOWNSHIP_A));
    }
    assert_eq!(
        store
            .children(&c(yizhan_demo::TOWNSHIP_A))
            .await
            .unwrap()
            .len(),
        5
    );

    // The closure reaches the township's villages and not its neighbour's.
    assert_eq!(
        store
            .closures_affecting(&c(yizhan_demo::VILLAGE_A))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store
        .closures_affecting(&c(yizhan_demo::VILLAGE_B))
        .await
        .unwrap()
        .is_empty());

    // Loading again is a no-op.
    assert!(store
        .get_setting(yizhan_demo::LOADED_SETTING)
        .await
        .unwrap()
        .is_some());
    assert!(!yizhan_demo::load(&store, "other").await.unwrap());
    let again = counts(&store).await;
    assert_eq!(
        (
            again.regions,
            again.places,
            again.departments,
            again.users,
            again.items,
            again.calendar_days,
            again.closures
        ),
        (
            n.regions,
            n.places,
            n.departments,
            n.users,
            n.items,
            n.calendar_days,
            n.closures
        )
    );
    let admin = store.find_user(yizhan_demo::ADMIN).await.unwrap().unwrap();
    assert!(
        admin.password_hash.contains("stand-in"),
        "the second load changed nothing"
    );
}
