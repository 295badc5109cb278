//! The calendar and closures, settings, cache versions and the schema description.

use super::*;

// ---------------------------------------------------------------------------------------------
// Calendar, settings, schema

pub(crate) fn day(d: &str, kind: DayKind, name: &str) -> CalendarDay {
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

pub(crate) fn closure(region_code: &str, d: &str, reason: &str) -> Closure {
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
