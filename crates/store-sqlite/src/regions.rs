//! Regions, service places and departments.

use crate::{
    backend, conversion, is_unique_violation, missing_ref, parse_code, scope_condition, Db,
    SqliteStore,
};
use async_trait::async_trait;
use domain::access::Scope;
use domain::region::{Department, Level, PlaceKind, Region, RegionCode, ServicePlace};
use rusqlite::{params, params_from_iter, OptionalExtension, Row};
use store::{PlaceStore, RegionStore, Result, StoreError};

const REGION_COLS: &str = "code, name, level, parent_code";

fn region_row(r: &Row<'_>) -> rusqlite::Result<Region> {
    let level: i32 = r.get(2)?;
    let parent: Option<String> = r.get(3)?;
    Ok(Region {
        code: parse_code(&r.get::<_, String>(0)?)?,
        name: r.get(1)?,
        level: Level::from_i32(level)
            .ok_or_else(|| conversion(format!("unknown region level {level}")))?,
        parent: parent.as_deref().map(parse_code).transpose()?,
    })
}

const PLACE_COLS: &str =
    "region_code, name, kind, address, hours, phone, windows_json, departments_json, construction_json";

fn json<T: serde::de::DeserializeOwned>(r: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let s: String = r.get(idx)?;
    serde_json::from_str(&s).map_err(|e| conversion(e.to_string()))
}

fn place_row(r: &Row<'_>) -> rusqlite::Result<ServicePlace> {
    let kind: String = r.get(2)?;
    Ok(ServicePlace {
        region_code: parse_code(&r.get::<_, String>(0)?)?,
        name: r.get(1)?,
        kind: PlaceKind::parse(&kind)
            .ok_or_else(|| conversion(format!("unknown place kind {kind}")))?,
        address: r.get(3)?,
        hours: r.get(4)?,
        phone: r.get(5)?,
        windows: json(r, 6)?,
        departments: json(r, 7)?,
        construction: json(r, 8)?,
    })
}

fn department_row(r: &Row<'_>) -> rusqlite::Result<Department> {
    Ok(Department {
        id: r.get(0)?,
        region_code: parse_code(&r.get::<_, String>(1)?)?,
        code: r.get(2)?,
        name: r.get(3)?,
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(e.to_string()))
}

#[async_trait]
impl RegionStore for SqliteStore {
    async fn put_region(&self, region: &Region) -> Result<()> {
        let r = region.clone();
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO regions (code, name, level, parent_code) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (code) DO UPDATE SET
                   name = excluded.name, level = excluded.level, parent_code = excluded.parent_code",
            )
            .db()?
            .execute(params![r.code.as_str(), r.name, r.level.as_i32(), r.parent.as_ref().map(|p| p.as_str())])
            .map_err(missing_ref("parent region"))?;
            Ok(())
        })
        .await
    }

    async fn get_region(&self, code: &RegionCode) -> Result<Option<Region>> {
        let code = code.to_string();
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {REGION_COLS} FROM regions WHERE code = ?1"
            ))
            .db()?
            .query_row([code], region_row)
            .optional()
            .db()
        })
        .await
    }

    async fn list_regions(&self, scope: &Scope) -> Result<Vec<Region>> {
        let scope = scope.clone();
        self.read(move |c| {
            let mut p = Vec::new();
            let cond = scope_condition("code", &scope, &mut p);
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {REGION_COLS} FROM regions WHERE {cond} ORDER BY code"
                ))
                .db()?;
            let rows = st.query_map(params_from_iter(p), region_row).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn children(&self, code: &RegionCode) -> Result<Vec<Region>> {
        let code = code.to_string();
        self.read(move |c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {REGION_COLS} FROM regions WHERE parent_code = ?1 ORDER BY code"
                ))
                .db()?;
            let rows = st.query_map([code], region_row).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }
}

#[async_trait]
impl PlaceStore for SqliteStore {
    async fn put_place(&self, place: &ServicePlace) -> Result<()> {
        let p = place.clone();
        // Serialized before the job: the writer thread does only database work.
        let windows = to_json(&p.windows)?;
        let departments = to_json(&p.departments)?;
        let construction = to_json(&p.construction)?;
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO places (region_code, name, kind, address, hours, phone,
                                     windows_json, departments_json, construction_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (region_code) DO UPDATE SET
                   name = excluded.name, kind = excluded.kind, address = excluded.address,
                   hours = excluded.hours, phone = excluded.phone, windows_json = excluded.windows_json,
                   departments_json = excluded.departments_json, construction_json = excluded.construction_json",
            )
            .db()?
            .execute(params![
                p.region_code.as_str(),
                p.name,
                p.kind.as_str(),
                p.address,
                p.hours,
                p.phone,
                windows,
                departments,
                construction
            ])
            .map_err(missing_ref("region"))?;
            Ok(())
        })
        .await
    }

    async fn get_place(&self, region: &RegionCode) -> Result<Option<ServicePlace>> {
        let code = region.to_string();
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {PLACE_COLS} FROM places WHERE region_code = ?1"
            ))
            .db()?
            .query_row([code], place_row)
            .optional()
            .db()
        })
        .await
    }

    async fn list_places(&self, scope: &Scope) -> Result<Vec<ServicePlace>> {
        let scope = scope.clone();
        self.read(move |c| {
            let mut p = Vec::new();
            let cond = scope_condition("region_code", &scope, &mut p);
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {PLACE_COLS} FROM places WHERE {cond} ORDER BY region_code"
                ))
                .db()?;
            let rows = st.query_map(params_from_iter(p), place_row).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn create_department(&self, region: &RegionCode, code: &str, name: &str) -> Result<i64> {
        let (region, code, name) = (region.to_string(), code.to_string(), name.to_string());
        self.write(move |tx| {
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO departments (region_code, code, name) VALUES (?1, ?2, ?3)",
                )
                .db()?
                .execute(params![region, code, name]);
            match inserted {
                Ok(_) => Ok(tx.last_insert_rowid()),
                Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict {
                    code: "department_exists",
                    message: format!("该区划下已有编码为“{code}”的部门"),
                }),
                Err(e) => Err(missing_ref("region")(e)),
            }
        })
        .await
    }

    async fn get_department(&self, id: i64) -> Result<Option<Department>> {
        self.read(move |c| {
            c.prepare_cached("SELECT id, region_code, code, name FROM departments WHERE id = ?1")
                .db()?
                .query_row([id], department_row)
                .optional()
                .db()
        })
        .await
    }

    async fn list_departments(&self, scope: &Scope) -> Result<Vec<Department>> {
        let scope = scope.clone();
        self.read(move |c| {
            let mut p = Vec::new();
            let cond = scope_condition("region_code", &scope, &mut p);
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT id, region_code, code, name FROM departments WHERE {cond} ORDER BY region_code, code"
                ))
                .db()?;
            let rows = st.query_map(params_from_iter(p), department_row).db()?;
            rows.collect::<rusqlite::Result<_>>().map_err(backend)
        })
        .await
    }
}
