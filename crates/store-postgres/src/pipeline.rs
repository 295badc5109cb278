//! Statements sent together (issue 18, part 5): tokio-postgres pipelines the requests of futures
//! polled at once, so a transaction's writes cost one round trip instead of one each. Each
//! statement is prepared when it is added (cached per connection: no round trip after the first
//! use), so the executes go out in exactly the order they were added — shared rows (counts,
//! receipt days, outcome days) are added last and in a fixed order, as every writer takes them.

use crate::db;
use deadpool_postgres::GenericClient;
use std::future::Future;
use std::pin::Pin;
use store::{Result, StoreError};
use tokio_postgres::types::ToSql;

/// A parameter owned by the pipeline until its statement is sent.
pub(crate) type Param = Box<dyn ToSql + Sync + Send>;

type Step<'a> = Pin<Box<dyn Future<Output = Result<u64>> + Send + 'a>>;

/// How a failed statement is reported (the default: a backend error).
pub(crate) type OnError = Box<dyn Fn(tokio_postgres::Error) -> StoreError + Send + Sync>;

pub(crate) struct Pipeline<'a, C: GenericClient> {
    client: &'a C,
    steps: Vec<Step<'a>>,
}

impl<'a, C: GenericClient> Pipeline<'a, C> {
    pub(crate) fn new(client: &'a C) -> Self {
        Pipeline {
            client,
            steps: vec![],
        }
    }

    /// Adds a statement; returns its index among the counts [`Pipeline::run`] returns.
    pub(crate) async fn add(&mut self, sql: &str, params: Vec<Param>) -> Result<usize> {
        self.add_or(sql, params, Box::new(db)).await
    }

    /// [`Pipeline::add`] with its own error mapping (a unique key, a missing case).
    pub(crate) async fn add_or(
        &mut self,
        sql: &str,
        params: Vec<Param>,
        on_error: OnError,
    ) -> Result<usize> {
        let stmt = self.client.prepare_cached(sql).await.map_err(db)?;
        let client = self.client;
        self.steps.push(Box::pin(async move {
            let refs: Vec<&(dyn ToSql + Sync)> = params
                .iter()
                .map(|p| p.as_ref() as &(dyn ToSql + Sync))
                .collect();
            client.execute(&stmt, &refs).await.map_err(on_error)
        }));
        Ok(self.steps.len() - 1)
    }

    /// Sends every statement at once and waits for all; the rows each touched, in order. The first
    /// statement to fail is the error (those after it fail only because the transaction did).
    pub(crate) async fn run(self) -> Result<Vec<u64>> {
        futures_util::future::try_join_all(self.steps).await
    }
}

/// Boxes parameters for [`Pipeline::add`].
#[macro_export]
macro_rules! params {
    ($($p:expr),* $(,)?) => {
        vec![$(Box::new($p) as $crate::pipeline::Param),*]
    };
}
