//! Service places (one per region) and departments.

use crate::query::Query;
use crate::regions::region_code;
use crate::{conflict, corrupt, db, violated, PgStore};
use async_trait::async_trait;
use domain::access::Scope;
use domain::region::{
    ConstructionCheck, Department, PlaceKind, RegionCode, ServicePlace, ServiceWindow,
};
use store::{PlaceStore, Result, StoreError};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Json;
use tokio_postgres::Row;

const PLACE_COLUMNS: &str =
    "region_code, name, kind, address, hours, phone, windows_json, departments_json, construction_json";
const DEPARTMENT_COLUMNS: &str = "id, region_code, code, name";

fn place_from_row(row: &Row) -> Result<ServicePlace> {
    let kind: String = row.get("kind");
    Ok(ServicePlace {
        region_code: region_code(row.get("region_code"))?,
        name: row.get("name"),
        kind: PlaceKind::parse(&kind).ok_or_else(|| corrupt("place kind", kind))?,
        address: row.get("address"),
        hours: row.get("hours"),
        phone: row.get("phone"),
        windows: row
            .try_get::<_, Json<Vec<ServiceWindow>>>("windows_json")
            .map_err(db)?
            .0,
        departments: row
            .try_get::<_, Json<Vec<i64>>>("departments_json")
            .map_err(db)?
            .0,
        construction: row
            .try_get::<_, Json<Vec<ConstructionCheck>>>("construction_json")
            .map_err(db)?
            .0,
    })
}

fn department_from_row(row: &Row) -> Result<Department> {
    Ok(Department {
        id: row.get("id"),
        region_code: region_code(row.get("region_code"))?,
        code: row.get("code"),
        name: row.get("name"),
    })
}

#[async_trait]
impl PlaceStore for PgStore {
    async fn put_place(&self, place: &ServicePlace) -> Result<()> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO places (region_code, name, kind, address, hours, phone,
                                     windows_json, departments_json, construction_json)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (region_code) DO UPDATE
                 SET name = EXCLUDED.name, kind = EXCLUDED.kind, address = EXCLUDED.address,
                     hours = EXCLUDED.hours, phone = EXCLUDED.phone,
                     windows_json = EXCLUDED.windows_json, departments_json = EXCLUDED.departments_json,
                     construction_json = EXCLUDED.construction_json",
            )
            .await
            .map_err(db)?;
        conn.execute(
            &stmt,
            &[
                &place.region_code.as_str(),
                &place.name,
                &place.kind.as_str(),
                &place.address,
                &place.hours,
                &place.phone,
                &Json(&place.windows),
                &Json(&place.departments),
                &Json(&place.construction),
            ],
        )
        .await
        .map_err(|e| match violated(&e, &SqlState::FOREIGN_KEY_VIOLATION) {
            Some(_) => StoreError::NotFound("region"),
            None => db(e),
        })?;
        Ok(())
    }

    async fn get_place(&self, region: &RegionCode) -> Result<Option<ServicePlace>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!(
                "SELECT {PLACE_COLUMNS} FROM places WHERE region_code = $1"
            ))
            .await
            .map_err(db)?;
        conn.query_opt(&stmt, &[&region.as_str()])
            .await
            .map_err(db)?
            .as_ref()
            .map(place_from_row)
            .transpose()
    }

    async fn list_places(&self, scope: &Scope) -> Result<Vec<ServicePlace>> {
        let mut q = Query::new(&format!("SELECT {PLACE_COLUMNS} FROM places WHERE "));
        q.scope("region_code", scope).push(" ORDER BY region_code");
        let conn = self.conn().await?;
        let rows = q.run(&conn).await?;
        rows.iter().map(place_from_row).collect()
    }

    async fn create_department(&self, region: &RegionCode, code: &str, name: &str) -> Result<i64> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("INSERT INTO departments (region_code, code, name) VALUES ($1, $2, $3) RETURNING id")
            .await
            .map_err(db)?;
        let row = conn
            .query_one(&stmt, &[&region.as_str(), &code, &name])
            .await
            .map_err(|e| {
                if violated(&e, &SqlState::UNIQUE_VIOLATION).is_some() {
                    conflict(
                        "department_exists",
                        format!("该区划下已有编码为“{code}”的部门"),
                    )
                } else if violated(&e, &SqlState::FOREIGN_KEY_VIOLATION).is_some() {
                    StoreError::NotFound("region")
                } else {
                    db(e)
                }
            })?;
        Ok(row.get(0))
    }

    async fn get_department(&self, id: i64) -> Result<Option<Department>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(&format!(
                "SELECT {DEPARTMENT_COLUMNS} FROM departments WHERE id = $1"
            ))
            .await
            .map_err(db)?;
        conn.query_opt(&stmt, &[&id])
            .await
            .map_err(db)?
            .as_ref()
            .map(department_from_row)
            .transpose()
    }

    async fn list_departments(&self, scope: &Scope) -> Result<Vec<Department>> {
        let mut q = Query::new(&format!(
            "SELECT {DEPARTMENT_COLUMNS} FROM departments WHERE "
        ));
        q.scope("region_code", scope)
            .push(" ORDER BY region_code, code");
        let conn = self.conn().await?;
        let rows = q.run(&conn).await?;
        rows.iter().map(department_from_row).collect()
    }
}
