//! The service item catalog: versions, publishing, import.

use crate::query::Query;
use crate::{conflict, corrupt, db, PgStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use domain::catalog::{CatalogItem, ItemStatus};
use store::{CatalogStore, ImportSummary, ItemFilter, Result, StoreError};
use tokio_postgres::types::Json;
use tokio_postgres::Row;

const ITEM_COLUMNS: &str = "code, version, status, body_json";

fn item_from_row(row: &Row) -> Result<CatalogItem> {
    let Json(mut item) = row
        .try_get::<_, Json<CatalogItem>>("body_json")
        .map_err(db)?;
    let status: String = row.get("status");
    // The column is authoritative: publishing and superseding change only it.
    item.status = ItemStatus::parse(&status).ok_or_else(|| corrupt("item status", status))?;
    item.code = row.get("code");
    let version: i64 = row.get("version");
    item.version = u32::try_from(version).map_err(|_| corrupt("item version", version))?;
    Ok(item)
}

fn frozen(code: &str, version: u32) -> StoreError {
    conflict(
        "version_frozen",
        format!("事项 {code} 第{version}版已发布或已废止,不能修改;请另存为新版本"),
    )
}

/// Serializes the transactions that change which version of an item is published (publish,
/// import) per item code, until commit. Row locks cannot do it: a version being inserted has no row
/// yet, and two versions published at once would otherwise collide on the one-published index.
/// Keys are taken in sorted order so two imports touching the same codes cannot deadlock.
async fn lock_codes<'a>(
    tx: &impl GenericClient,
    codes: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    let mut keys: Vec<i64> = codes.into_iter().map(code_lock_key).collect();
    keys.sort_unstable();
    keys.dedup();
    // unnest yields the array in order, so the locks are taken in that order.
    tx.execute(
        "SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS t(k)",
        &[&keys],
    )
    .await
    .map_err(db)?;
    Ok(())
}

/// A stable 64-bit key (FNV-1a) for an item code; every process must compute the same one.
fn code_lock_key(code: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in "yizhan.catalog_items:".bytes().chain(code.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h as i64
}

/// Supersedes whatever version of `code` other than `version` is published.
async fn supersede_others(client: &impl GenericClient, code: &str, version: i64) -> Result<()> {
    let stmt = client
        .prepare_cached(
            "UPDATE catalog_items SET status = 'superseded'
             WHERE code = $1 AND status = 'published' AND version <> $2",
        )
        .await
        .map_err(db)?;
    client
        .execute(&stmt, &[&code, &version])
        .await
        .map_err(db)?;
    Ok(())
}

/// Writes every column of `item` (insert or full replace), with `published_at` when published.
async fn upsert_item(
    client: &impl GenericClient,
    item: &CatalogItem,
    published_at: Option<DateTime<Utc>>,
) -> Result<u64> {
    let stmt = client
        .prepare_cached(
            "INSERT INTO catalog_items (code, version, status, name, department, region_code,
                                        item_type, kind, published_at, body_json)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (code, version) DO UPDATE
             SET status = EXCLUDED.status, name = EXCLUDED.name, department = EXCLUDED.department,
                 region_code = EXCLUDED.region_code, item_type = EXCLUDED.item_type,
                 kind = EXCLUDED.kind, published_at = EXCLUDED.published_at,
                 body_json = EXCLUDED.body_json
             WHERE catalog_items.status = 'draft'",
        )
        .await
        .map_err(db)?;
    client
        .execute(
            &stmt,
            &[
                &item.code,
                &i64::from(item.version),
                &item.status.as_str(),
                &item.name,
                &item.department,
                &item.region_code.as_str(),
                &item.item_type.as_str(),
                &item.kind.as_str(),
                &published_at,
                &Json(item),
            ],
        )
        .await
        .map_err(db)
}

impl PgStore {
    async fn items_where(
        &self,
        condition: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<CatalogItem>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!(
                "SELECT {ITEM_COLUMNS} FROM catalog_items WHERE {condition}"
            ))
            .await
            .map_err(db)?;
        conn.query(&stmt, params)
            .await
            .map_err(db)?
            .iter()
            .map(item_from_row)
            .collect()
    }
}

#[async_trait]
impl CatalogStore for PgStore {
    async fn save_draft(&self, item: &CatalogItem) -> Result<()> {
        let draft = CatalogItem {
            status: ItemStatus::Draft,
            ..item.clone()
        };
        let conn = self.conn().await?;
        // One statement: the conflict clause only replaces drafts, so 0 rows means frozen.
        match upsert_item(&conn, &draft, None).await? {
            0 => Err(frozen(&item.code, item.version)),
            _ => Ok(()),
        }
    }

    async fn publish(&self, code: &str, version: u32, at: DateTime<Utc>) -> Result<()> {
        let version = i64::from(version);
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        lock_codes(&tx, [code]).await?;
        let rows = tx
            .query(
                "SELECT version, status FROM catalog_items WHERE code = $1 ORDER BY version",
                &[&code],
            )
            .await
            .map_err(db)?;
        let status: String = rows
            .iter()
            .find(|r| r.get::<_, i64>("version") == version)
            .map(|r| r.get("status"))
            .ok_or(StoreError::NotFound("catalog item version"))?;
        if status != ItemStatus::Draft.as_str() {
            return Err(conflict(
                "not_a_draft",
                format!("事项 {code} 第{version}版不是草稿,不能发布"),
            ));
        }
        supersede_others(&tx, code, version).await?;
        tx.execute(
            "UPDATE catalog_items SET status = 'published', published_at = $3 WHERE code = $1 AND version = $2",
            &[&code, &version, &at],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn get_item(&self, code: &str, version: u32) -> Result<Option<CatalogItem>> {
        Ok(self
            .items_where("code = $1 AND version = $2", &[&code, &i64::from(version)])
            .await?
            .pop())
    }

    async fn get_published(&self, code: &str) -> Result<Option<CatalogItem>> {
        Ok(self
            .items_where("code = $1 AND status = 'published'", &[&code])
            .await?
            .pop())
    }

    async fn list_versions(&self, code: &str) -> Result<Vec<CatalogItem>> {
        self.items_where("code = $1 ORDER BY version", &[&code])
            .await
    }

    async fn list_items(&self, filter: &ItemFilter) -> Result<Vec<CatalogItem>> {
        // Filters apply before picking the latest version, so "published" lists the published
        // version even when a newer draft exists.
        let mut q = Query::new(&format!(
            "SELECT DISTINCT ON (code) {ITEM_COLUMNS} FROM catalog_items WHERE "
        ));
        if !filter.statuses.is_empty() {
            let statuses: Vec<String> = filter
                .statuses
                .iter()
                .map(|s| s.as_str().to_string())
                .collect();
            let p = q.bind(statuses);
            q.push(&format!("status = ANY({p}) AND "));
        }
        if let Some(department) = &filter.department {
            let p = q.bind(department.clone());
            q.push(&format!("department = {p} AND "));
        }
        match &filter.scope {
            Some(scope) => q.scope("region_code", scope),
            None => q.push("TRUE"),
        };
        q.push(" ORDER BY code, version DESC");
        let conn = self.conn().await?;
        let rows = q.run(&conn).await?;
        rows.iter().map(item_from_row).collect()
    }

    async fn import_items(&self, items: &[CatalogItem]) -> Result<ImportSummary> {
        let mut summary = ImportSummary::default();
        if items.is_empty() {
            return Ok(summary);
        }
        let mut conn = self.conn().await?;
        // Everything in one transaction: an error returns before commit and the drop rolls back.
        let tx = conn.transaction().await.map_err(db)?;
        lock_codes(&tx, items.iter().map(|i| i.code.as_str())).await?;
        let select = tx
            .prepare_cached(&format!(
                "SELECT {ITEM_COLUMNS} FROM catalog_items WHERE code = $1 AND version = $2 FOR UPDATE"
            ))
            .await
            .map_err(db)?;
        let now = Utc::now();
        for item in items {
            let version = i64::from(item.version);
            let existing = tx
                .query_opt(&select, &[&item.code, &version])
                .await
                .map_err(db)?;
            match existing.as_ref().map(item_from_row).transpose()? {
                Some(old) if old == *item => {
                    summary.unchanged += 1;
                    continue;
                }
                Some(old) if old.status != ItemStatus::Draft => {
                    return Err(frozen(&item.code, item.version))
                }
                Some(_) => summary.updated += 1,
                None => summary.inserted += 1,
            }
            let published_at = match item.status {
                ItemStatus::Published => {
                    // Before writing this one: at most one published version per code.
                    supersede_others(&tx, &item.code, version).await?;
                    Some(now)
                }
                _ => None,
            };
            // 0 rows: a concurrent writer inserted this version, already frozen, after the lookup.
            if upsert_item(&tx, item, published_at).await? == 0 {
                return Err(frozen(&item.code, item.version));
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(summary)
    }
}
