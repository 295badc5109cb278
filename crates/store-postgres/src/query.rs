//! A small builder for queries whose WHERE clause depends on the caller (scopes, filters).

use crate::db;
use deadpool_postgres::GenericClient;
use domain::access::Scope;
use store::Result;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

/// SQL text plus its numbered parameters.
pub(crate) struct Query {
    sql: String,
    params: Vec<Box<dyn ToSql + Sync + Send>>,
}

impl Query {
    pub(crate) fn new(sql: &str) -> Query {
        Query {
            sql: sql.to_string(),
            params: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Adds a parameter and returns its placeholder (`$n`).
    pub(crate) fn bind<T: ToSql + Sync + Send + 'static>(&mut self, value: T) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    /// Appends a condition limiting `column` to `scope`: one half-open code range per subtree root,
    /// which the code indexes answer with range scans. An empty scope matches nothing.
    pub(crate) fn scope(&mut self, column: &str, scope: &Scope) -> &mut Self {
        match scope.code_ranges() {
            None => self.push("TRUE"),
            Some(ranges) if ranges.is_empty() => self.push("FALSE"),
            Some(ranges) => {
                let parts: Vec<String> = ranges
                    .into_iter()
                    .map(|(lo, hi)| {
                        let lo = self.bind(lo);
                        let hi = self.bind(hi);
                        format!("({column} >= {lo} AND {column} < {hi})")
                    })
                    .collect();
                let cond = format!("({})", parts.join(" OR "));
                self.push(&cond)
            }
        }
    }

    #[cfg(test)]
    fn sql(&self) -> &str {
        &self.sql
    }

    /// Runs the query as a cached prepared statement: a scope's shape (how many subtree roots)
    /// varies little, so the per-connection cache stays small and saves a round trip per call.
    pub(crate) async fn run(&self, client: &impl GenericClient) -> Result<Vec<Row>> {
        let stmt = client.prepare_cached(&self.sql).await.map_err(db)?;
        client.query(&stmt, &self.params()).await.map_err(db)
    }

    pub(crate) fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::region::{Level, RegionCode};

    #[test]
    fn scope_becomes_numbered_ranges() {
        let town = RegionCode::parse("330102001000").unwrap();
        let county = RegionCode::parse("330105").unwrap();
        let mut q = Query::new("SELECT 1 FROM regions WHERE ");
        let p = q.bind(1_i32);
        q.push(&format!("level = {p} AND "));
        q.scope(
            "code",
            &Scope::Within(vec![(town, Level::Township), (county, Level::County)]),
        );
        assert_eq!(
            q.sql(),
            "SELECT 1 FROM regions WHERE level = $1 AND ((code >= $2 AND code < $3) OR (code >= $4 AND code < $5))"
        );
        assert_eq!(q.params().len(), 5);
    }

    #[test]
    fn all_and_nothing() {
        let mut q = Query::new("");
        q.scope("code", &Scope::All);
        assert_eq!(q.sql(), "TRUE");
        let mut q = Query::new("");
        q.scope("code", &Scope::Within(vec![]));
        assert_eq!(q.sql(), "FALSE");
    }
}
