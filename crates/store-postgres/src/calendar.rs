//! The working-day calendar: official schedule lines and local closures.

use crate::query::Query;
use crate::regions::region_code;
use crate::{corrupt, db, violated, PgStore};
use async_trait::async_trait;
use chrono::{Datelike, NaiveDate};
use domain::access::Scope;
use domain::calendar::{CalendarDay, DayKind};
use domain::region::{Level, RegionCode};
use std::collections::BTreeSet;
use store::{CalendarStore, Closure, Result, StoreError};
use tokio_postgres::error::SqlState;
use tokio_postgres::Row;

fn closure_from_row(row: &Row) -> Result<Closure> {
    Ok(Closure {
        region_code: region_code(row.get("region_code"))?,
        date: row.get("date"),
        reason: row.get("reason"),
    })
}

#[async_trait]
impl CalendarStore for PgStore {
    async fn replace_calendar_years(&self, days: &[CalendarDay]) -> Result<()> {
        let years: Vec<i32> = days
            .iter()
            .map(|d| d.date.year())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if years.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(db)?;
        tx.execute(
            "DELETE FROM calendar_days WHERE EXTRACT(YEAR FROM date)::integer = ANY($1)",
            &[&years],
        )
        .await
        .map_err(db)?;
        let insert = tx
            .prepare_cached(
                "INSERT INTO calendar_days (date, kind, name) VALUES ($1, $2, $3)
                 ON CONFLICT (date) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name",
            )
            .await
            .map_err(db)?;
        for d in days {
            tx.execute(&insert, &[&d.date, &d.kind.as_str(), &d.name])
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn list_calendar_days(&self) -> Result<Vec<CalendarDay>> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("SELECT date, kind, name FROM calendar_days ORDER BY date")
            .await
            .map_err(db)?;
        conn.query(&stmt, &[])
            .await
            .map_err(db)?
            .iter()
            .map(|row| {
                let kind: String = row.get("kind");
                Ok(CalendarDay {
                    date: row.get("date"),
                    kind: DayKind::parse(&kind)
                        .ok_or_else(|| corrupt("calendar day kind", kind))?,
                    name: row.get("name"),
                })
            })
            .collect()
    }

    async fn add_closure(&self, closure: &Closure) -> Result<()> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO closures (region_code, date, reason) VALUES ($1, $2, $3)
                 ON CONFLICT (region_code, date) DO UPDATE SET reason = EXCLUDED.reason",
            )
            .await
            .map_err(db)?;
        conn.execute(
            &stmt,
            &[
                &closure.region_code.as_str(),
                &closure.date,
                &closure.reason,
            ],
        )
        .await
        .map_err(|e| match violated(&e, &SqlState::FOREIGN_KEY_VIOLATION) {
            Some(_) => StoreError::NotFound("region"),
            None => db(e),
        })?;
        Ok(())
    }

    async fn delete_closure(&self, region: &RegionCode, date: NaiveDate) -> Result<()> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("DELETE FROM closures WHERE region_code = $1 AND date = $2")
            .await
            .map_err(db)?;
        conn.execute(&stmt, &[&region.as_str(), &date])
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn closures_affecting(&self, region: &RegionCode) -> Result<Vec<Closure>> {
        // The region and its ancestors, whose codes follow from its own.
        let own = region.implied_level();
        let codes: Vec<String> = Level::ALL
            .into_iter()
            .filter(|l| *l <= own)
            .map(|l| region.ancestor(l).to_string())
            .collect();
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT region_code, date, reason FROM closures WHERE region_code = ANY($1)
                 ORDER BY date, region_code",
            )
            .await
            .map_err(db)?;
        conn.query(&stmt, &[&codes])
            .await
            .map_err(db)?
            .iter()
            .map(closure_from_row)
            .collect()
    }

    async fn list_closures(&self, scope: &Scope) -> Result<Vec<Closure>> {
        let mut q = Query::new("SELECT region_code, date, reason FROM closures WHERE ");
        q.scope("region_code", scope)
            .push(" ORDER BY date, region_code");
        let conn = self.conn().await?;
        let rows = q.run(&conn).await?;
        rows.iter().map(closure_from_row).collect()
    }
}
