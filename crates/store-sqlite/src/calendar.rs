//! Working calendar, local closures, settings and the schema description.

use crate::{
    conversion, day_text, missing_ref, parse_code, parse_day, scope_condition, Db, SqliteStore,
};
use async_trait::async_trait;
use chrono::{Datelike, NaiveDate};
use domain::access::Scope;
use domain::calendar::{CalendarDay, DayKind};
use domain::region::{Level, RegionCode};
use rusqlite::{params, params_from_iter, OptionalExtension, Row};
use std::collections::BTreeSet;
use store::{CalendarStore, Closure, MetaStore, Result, SchemaDescription, SealStep, StoreError};

fn day_row(r: &Row<'_>) -> rusqlite::Result<CalendarDay> {
    let kind: String = r.get(1)?;
    Ok(CalendarDay {
        date: parse_day(&r.get::<_, String>(0)?)?,
        kind: DayKind::parse(&kind)
            .ok_or_else(|| conversion(format!("unknown day kind {kind}")))?,
        name: r.get(2)?,
    })
}

fn closure_row(r: &Row<'_>) -> rusqlite::Result<Closure> {
    Ok(Closure {
        region_code: parse_code(&r.get::<_, String>(0)?)?,
        date: parse_day(&r.get::<_, String>(1)?)?,
        reason: r.get(2)?,
    })
}

#[async_trait]
impl CalendarStore for SqliteStore {
    async fn replace_calendar_years(&self, days: &[CalendarDay]) -> Result<()> {
        let years: BTreeSet<i32> = days.iter().map(|d| d.date.year()).collect();
        let rows: Vec<(String, &'static str, String)> = days
            .iter()
            .map(|d| (day_text(d.date), d.kind.as_str(), d.name.clone()))
            .collect();
        self.write(move |tx| {
            let mut delete = tx
                .prepare_cached("DELETE FROM calendar_days WHERE date >= ?1 AND date < ?2")
                .db()?;
            for y in years {
                delete
                    .execute(params![
                        format!("{y:04}-01-01"),
                        format!("{:04}-01-01", y + 1)
                    ])
                    .db()?;
            }
            // A date listed twice keeps its last line rather than failing the whole load.
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO calendar_days (date, kind, name) VALUES (?1, ?2, ?3)
                     ON CONFLICT (date) DO UPDATE SET kind = excluded.kind, name = excluded.name",
                )
                .db()?;
            for (date, kind, name) in &rows {
                insert.execute(params![date, kind, name]).db()?;
            }
            Ok(())
        })
        .await
    }

    async fn list_calendar_days(&self) -> Result<Vec<CalendarDay>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached("SELECT date, kind, name FROM calendar_days ORDER BY date")
                .db()?;
            let rows = st.query_map([], day_row).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn add_closure(&self, closure: &Closure) -> Result<()> {
        let (code, date, reason) = (
            closure.region_code.to_string(),
            day_text(closure.date),
            closure.reason.clone(),
        );
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO closures (region_code, date, reason) VALUES (?1, ?2, ?3)
                 ON CONFLICT (region_code, date) DO UPDATE SET reason = excluded.reason",
            )
            .db()?
            .execute(params![code, date, reason])
            .map_err(missing_ref("region"))?;
            Ok(())
        })
        .await
    }

    async fn delete_closure(&self, region: &RegionCode, date: NaiveDate) -> Result<()> {
        let (code, date) = (region.to_string(), day_text(date));
        self.write(move |tx| {
            tx.prepare_cached("DELETE FROM closures WHERE region_code = ?1 AND date = ?2")
                .db()?
                .execute(params![code, date])
                .db()?;
            Ok(())
        })
        .await
    }

    async fn closures_affecting(&self, region: &RegionCode) -> Result<Vec<Closure>> {
        // The region and its ancestors follow from the code itself (prefix rule), so this is one
        // indexed lookup of at most four codes; siblings never match.
        let own = region.implied_level();
        let mut codes: Vec<String> = Level::ALL
            .into_iter()
            .filter(|l| *l <= own)
            .map(|l| region.ancestor(l).to_string())
            .collect();
        while codes.len() < 4 {
            codes.push(region.to_string());
        }
        self.read(move |c| {
            let mut st = c
                .prepare_cached(
                    "SELECT region_code, date, reason FROM closures
                     WHERE region_code IN (?1, ?2, ?3, ?4) ORDER BY date, region_code",
                )
                .db()?;
            let rows = st.query_map(params_from_iter(codes), closure_row).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    async fn list_closures(&self, scope: &Scope) -> Result<Vec<Closure>> {
        let scope = scope.clone();
        self.read(move |c| {
            let mut p = Vec::new();
            let cond = scope_condition("region_code", &scope, &mut p);
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT region_code, date, reason FROM closures WHERE {cond} ORDER BY date, region_code"
                ))
                .db()?;
            let rows = st.query_map(params_from_iter(p), closure_row).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }
}

#[async_trait]
impl MetaStore for SqliteStore {
    async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        let key = key.to_string();
        self.read(move |c| {
            c.prepare_cached("SELECT value FROM settings WHERE key = ?1")
                .db()?
                .query_row([key], |r| r.get(0))
                .optional()
                .db()
        })
        .await
    }

    async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        let (key, value) = (key.to_string(), value.to_string());
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .db()?
            .execute(params![key, value])
            .db()?;
            Ok(())
        })
        .await
    }

    async fn describe_schema(&self) -> Result<SchemaDescription> {
        self.read(crate::schema::describe).await
    }

    async fn cache_versions(&self) -> Result<Vec<(String, i64)>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached("SELECT name, version FROM cache_versions ORDER BY name")
                .db()?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).db()?;
            rows.collect::<rusqlite::Result<_>>().db()
        })
        .await
    }

    fn backend_name(&self) -> &'static str {
        "sqlite"
    }

    fn vault(&self) -> &store::vault::Vault {
        SqliteStore::vault(self)
    }

    async fn seal_personal_data(&self, after: Option<&str>, cases: u32) -> Result<SealStep> {
        let vault = self.vault().clone();
        let after = after.map(str::to_string);
        self.write(move |tx| crate::personal::seal_step(tx, &vault, after.as_deref(), cases))
            .await
    }

    async fn scrub_after_sealing(&self) -> Result<()> {
        let path = self.inner.path.clone();
        tokio::task::spawn_blocking(move || crate::personal::scrub(&path))
            .await
            .map_err(|e| StoreError::Backend(format!("scrub: {e}")))?
    }
}
