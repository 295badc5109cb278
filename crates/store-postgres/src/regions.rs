//! Regions: the four-level tree, keyed by 12-digit codes.

use crate::query::Query;
use crate::{corrupt, db, violated, PgStore};
use async_trait::async_trait;
use domain::access::Scope;
use domain::region::{Level, Region, RegionCode};
use store::{RegionStore, Result, StoreError};
use tokio_postgres::error::SqlState;
use tokio_postgres::Row;

const COLUMNS: &str = "code, name, level, parent_code";

pub(crate) fn region_code(s: String) -> Result<RegionCode> {
    RegionCode::parse(&s).map_err(|_| corrupt("region code", s))
}

fn region_from_row(row: &Row) -> Result<Region> {
    let level: i32 = row.get("level");
    Ok(Region {
        code: region_code(row.get("code"))?,
        name: row.get("name"),
        level: Level::from_i32(level).ok_or_else(|| corrupt("region level", level))?,
        parent: row
            .get::<_, Option<String>>("parent_code")
            .map(region_code)
            .transpose()?,
    })
}

#[async_trait]
impl RegionStore for PgStore {
    async fn put_region(&self, region: &Region) -> Result<()> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO regions (code, name, level, parent_code) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (code) DO UPDATE
                 SET name = EXCLUDED.name, level = EXCLUDED.level, parent_code = EXCLUDED.parent_code",
            )
            .await
            .map_err(db)?;
        let parent = region.parent.as_ref().map(|p| p.as_str());
        conn.execute(
            &stmt,
            &[
                &region.code.as_str(),
                &region.name,
                &region.level.as_i32(),
                &parent,
            ],
        )
        .await
        .map_err(|e| match violated(&e, &SqlState::FOREIGN_KEY_VIOLATION) {
            Some(_) => StoreError::NotFound("parent region"),
            None => db(e),
        })?;
        Ok(())
    }

    async fn get_region(&self, code: &RegionCode) -> Result<Option<Region>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM regions WHERE code = $1"))
            .await
            .map_err(db)?;
        conn.query_opt(&stmt, &[&code.as_str()])
            .await
            .map_err(db)?
            .as_ref()
            .map(region_from_row)
            .transpose()
    }

    async fn list_regions(&self, scope: &Scope) -> Result<Vec<Region>> {
        let mut q = Query::new(&format!("SELECT {COLUMNS} FROM regions WHERE "));
        q.scope("code", scope).push(" ORDER BY code");
        let conn = self.conn().await?;
        let rows = q.run(&conn).await?;
        rows.iter().map(region_from_row).collect()
    }

    async fn children(&self, code: &RegionCode) -> Result<Vec<Region>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM regions WHERE parent_code = $1 ORDER BY code"
            ))
            .await
            .map_err(db)?;
        let rows = conn.query(&stmt, &[&code.as_str()]).await.map_err(db)?;
        rows.iter().map(region_from_row).collect()
    }
}
