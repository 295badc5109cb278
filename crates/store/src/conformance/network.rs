//! Regions, places, departments, users and sessions.

use super::*;

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

pub(crate) fn place(region_code: &str, kind: PlaceKind, departments: Vec<i64>) -> ServicePlace {
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

pub(crate) fn session(
    token: &str,
    user_id: i64,
    created: DateTime<Utc>,
    ttl_minutes: i64,
) -> Session {
    Session {
        token_hash: format!("{token:0>64}"),
        user_id,
        csrf_token: format!("csrf-{token}"),
        created_at: created,
        expires_at: created + Duration::minutes(ttl_minutes),
        last_seen_at: created,
        source: "10.0.0.8".to_string(),
        password_change_due: false,
        second_factor_due: false,
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
