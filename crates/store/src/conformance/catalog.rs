//! The catalog: drafts, publishing, versions, lists and imports.

use super::*;

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
