//! Catalog items: one row per version, the whole item as JSON, the status column authoritative.

use crate::{conversion, scope_condition, ts, Db, SqliteStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::catalog::{CatalogItem, ItemStatus};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension, Row, Transaction};
use store::{CatalogStore, ImportSummary, ItemFilter, Result, StoreError};

/// Decodes `(status, body_json)`; the column's status wins over the one inside the body, which
/// publishing and superseding do not rewrite.
fn item_row(r: &Row<'_>) -> rusqlite::Result<CatalogItem> {
    let status: String = r.get(0)?;
    let body: String = r.get(1)?;
    let mut item: CatalogItem =
        serde_json::from_str(&body).map_err(|e| conversion(e.to_string()))?;
    item.status = ItemStatus::parse(&status)
        .ok_or_else(|| conversion(format!("unknown item status {status}")))?;
    Ok(item)
}

fn load(tx: &Transaction<'_>, code: &str, version: u32) -> Result<Option<CatalogItem>> {
    tx.prepare_cached(
        "SELECT status, body_json FROM catalog_items WHERE code = ?1 AND version = ?2",
    )
    .db()?
    .query_row(params![code, version], item_row)
    .optional()
    .db()
}

/// Inserts or replaces one version with the given status.
fn put(tx: &Transaction<'_>, item: &CatalogItem, published_at: Option<&str>) -> Result<()> {
    let body = serde_json::to_string(item).map_err(|e| StoreError::Backend(e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO catalog_items (code, version, status, name, department, region_code, item_type, kind,
                                    published_at, body_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (code, version) DO UPDATE SET
           status = excluded.status, name = excluded.name, department = excluded.department,
           region_code = excluded.region_code, item_type = excluded.item_type, kind = excluded.kind,
           published_at = excluded.published_at, body_json = excluded.body_json",
    )
    .db()?
    .execute(params![
        item.code,
        item.version,
        item.status.as_str(),
        item.name,
        item.department,
        item.region_code.as_str(),
        item.item_type.as_str(),
        item.kind.as_str(),
        published_at,
        body
    ])
    .db()?;
    Ok(())
}

/// Marks the published version of `code` (other than `version`) superseded. Runs before a version
/// becomes published, since at most one may be (a partial unique index enforces it).
fn supersede(tx: &Transaction<'_>, code: &str, version: u32) -> Result<()> {
    tx.prepare_cached(
        "UPDATE catalog_items SET status = 'superseded' WHERE code = ?1 AND status = 'published' AND version <> ?2",
    )
    .db()?
    .execute(params![code, version])
    .db()?;
    Ok(())
}

fn frozen(code: &str, version: u32) -> StoreError {
    StoreError::Conflict {
        code: "version_frozen",
        message: format!("事项 {code} 第{version}版已发布或已废止,不能修改;请另存为新版本"),
    }
}

#[async_trait]
impl CatalogStore for SqliteStore {
    async fn save_draft(&self, item: &CatalogItem) -> Result<()> {
        let mut item = item.clone();
        item.status = ItemStatus::Draft;
        self.write(move |tx| {
            match load(tx, &item.code, item.version)? {
                Some(existing) if existing.status != ItemStatus::Draft => {
                    return Err(frozen(&item.code, item.version))
                }
                _ => {}
            }
            put(tx, &item, None)
        })
        .await
    }

    async fn publish(&self, code: &str, version: u32, at: DateTime<Utc>) -> Result<()> {
        let (code, at) = (code.to_string(), ts(at));
        self.write(move |tx| {
            let mut item =
                load(tx, &code, version)?.ok_or(StoreError::NotFound("catalog item version"))?;
            if item.status != ItemStatus::Draft {
                return Err(StoreError::Conflict {
                    code: "not_a_draft",
                    message: format!("事项 {code} 第{version}版不是草稿,不能发布"),
                });
            }
            supersede(tx, &code, version)?;
            item.status = ItemStatus::Published;
            put(tx, &item, Some(&at))
        })
        .await
    }

    async fn get_item(&self, code: &str, version: u32) -> Result<Option<CatalogItem>> {
        let code = code.to_string();
        self.read(move |c| {
            c.prepare_cached(
                "SELECT status, body_json FROM catalog_items WHERE code = ?1 AND version = ?2",
            )
            .db()?
            .query_row(params![code, version], item_row)
            .optional()
            .db()
        })
        .await
    }

    async fn get_published(&self, code: &str) -> Result<Option<CatalogItem>> {
        let code = code.to_string();
        self.read(move |c| {
            c.prepare_cached("SELECT status, body_json FROM catalog_items WHERE code = ?1 AND status = 'published'")
                .db()?
                .query_row([code], item_row)
                .optional()
                .db()
        })
        .await
    }

    async fn list_versions(&self, code: &str) -> Result<Vec<CatalogItem>> {
        let code = code.to_string();
        self.read(move |c| {
            let mut st = c
                .prepare_cached(
                    "SELECT status, body_json FROM catalog_items WHERE code = ?1 ORDER BY version",
                )
                .db()?;
            let rows = st.query_map([code], item_row).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn list_items(&self, filter: &ItemFilter) -> Result<Vec<CatalogItem>> {
        let filter = filter.clone();
        self.read(move |c| {
            let mut p: Vec<Value> = Vec::new();
            let mut conds: Vec<String> = Vec::new();
            if !filter.statuses.is_empty() {
                let marks = vec!["?"; filter.statuses.len()].join(", ");
                conds.push(format!("status IN ({marks})"));
                p.extend(filter.statuses.iter().map(|s| Value::Text(s.as_str().to_string())));
            }
            if let Some(scope) = &filter.scope {
                conds.push(scope_condition("region_code", scope, &mut p));
            }
            if let Some(d) = &filter.department {
                conds.push("department = ?".to_string());
                p.push(Value::Text(d.clone()));
            }
            let cond = if conds.is_empty() { "1 = 1".to_string() } else { conds.join(" AND ") };
            // Newest matching version first within each code; the first row of each code is kept,
            // and only kept rows pay for JSON decoding.
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT code, status, body_json FROM catalog_items WHERE {cond} ORDER BY code, version DESC"
                ))
                .db()?;
            let mut rows = st.query(params_from_iter(p)).db()?;
            let mut out: Vec<CatalogItem> = Vec::new();
            let mut last_code: Option<String> = None;
            while let Some(r) = rows.next().db()? {
                let code: String = r.get(0).db()?;
                if last_code.as_deref() == Some(code.as_str()) {
                    continue;
                }
                let status: String = r.get(1).db()?;
                let body: String = r.get(2).db()?;
                let mut item: CatalogItem = serde_json::from_str(&body).map_err(|e| StoreError::Backend(e.to_string()))?;
                item.status = ItemStatus::parse(&status)
                    .ok_or_else(|| StoreError::Backend(format!("unknown item status {status}")))?;
                out.push(item);
                last_code = Some(code);
            }
            Ok(out)
        })
        .await
    }

    async fn import_items(&self, items: &[CatalogItem]) -> Result<ImportSummary> {
        let items = items.to_vec();
        let now = ts(Utc::now());
        // One job, so one savepoint: any error rolls back everything this import did.
        self.write(move |tx| {
            let mut summary = ImportSummary::default();
            for item in &items {
                let published_at = (item.status == ItemStatus::Published).then_some(now.as_str());
                match load(tx, &item.code, item.version)? {
                    Some(existing) if existing == *item => {
                        summary.unchanged += 1;
                        continue;
                    }
                    Some(existing) if existing.status != ItemStatus::Draft => {
                        return Err(frozen(&item.code, item.version))
                    }
                    Some(_) => summary.updated += 1,
                    None => summary.inserted += 1,
                }
                if item.status == ItemStatus::Published {
                    supersede(tx, &item.code, item.version)?;
                }
                put(tx, item, published_at)?;
            }
            Ok(summary)
        })
        .await
    }
}
