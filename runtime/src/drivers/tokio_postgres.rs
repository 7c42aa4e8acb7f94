//! The async `tokio-postgres` crate (feature `tokio-postgres`): every operation as an
//! `_async` method taking `&tokio_postgres::Client`, which a pooled connection
//! (deadpool-postgres, bb8-postgres) dereferences to.
//!
//! Nothing here blocks a thread: queries and the pauses between tries of the migration
//! lock are awaited (`tokio::time::sleep`, so the runtime needs its timer, as
//! `#[tokio::main]` enables). A run dropped midway queues its cleanup on the
//! connection (see [`Driver::abandon`]).

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};
use std::time::Duration;

use tokio_postgres::Client;

use super::messages::{driver_error, rows};
use crate::driver::{Driver, DriverError, Rows};
use crate::error::Error;
use crate::history::HistoryRecord;
use crate::plan::Plan;
use crate::runner::{Report, Resolution, Resolved, Runner};
use crate::status::Status;
use crate::target::Target;

/// A shared client: tokio-postgres pipelines the queries of a `&Client`.
struct Shared<'c>(&'c Client);

impl Driver for Shared<'_> {
    fn simple(&mut self, sql: &str) -> impl Future<Output = Result<Rows, DriverError>> + Send {
        let client = self.0;
        async move { rows(client.simple_query(sql).await.map_err(driver_error)?) }
    }

    fn sleep(&mut self, duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }

    /// tokio-postgres hands a query to its connection task when its future is first
    /// polled, before any response is awaited (its own `Transaction` queues `ROLLBACK`
    /// from `Drop` the same way): polled once here, the query is queued; the stream of
    /// its responses is dropped, so they are discarded.
    fn abandon(&mut self, sql: &str) {
        let queued = pin!(self.0.simple_query_raw(sql));
        let _ = queued.poll(&mut Context::from_waker(Waker::noop()));
    }
}

impl Runner {
    /// Applies what is pending up to the runner's [`Runner::target`] over a
    /// `tokio_postgres::Client` ([`Runner::run_with_async`]).
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// # static MIGRATIONS: &[pgstrata_runtime::Migration] = &[];
    /// let (client, connection) =
    ///     tokio_postgres::connect("host=127.0.0.1 user=postgres", tokio_postgres::NoTls).await?;
    /// tokio::spawn(connection);
    /// let report = pgstrata_runtime::Runner::new(MIGRATIONS).run_async(&client).await?;
    /// for m in &report.applied {
    ///     println!("{} {} {:?}", m.version, m.name, m.duration);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn run_async(&self, client: &Client) -> Result<Report, Error> {
        self.run_with_async(&mut Shared(client)).await
    }

    /// Applies what is pending up to `to` ([`Runner::up_with`]).
    pub async fn up_async(&self, client: &Client, to: Target) -> Result<Report, Error> {
        self.up_with_async(&mut Shared(client), to).await
    }

    /// Reverts applied migrations down to `to` ([`Runner::down_with`]).
    pub async fn down_async(&self, client: &Client, to: Target) -> Result<Report, Error> {
        self.down_with_async(&mut Shared(client), to).await
    }

    /// Every migration's state ([`Runner::status_with`]).
    pub async fn status_async(&self, client: &Client) -> Result<Status, Error> {
        self.status_with_async(&mut Shared(client)).await
    }

    /// The history table's records ([`Runner::history_with`]).
    pub async fn history_async(&self, client: &Client) -> Result<Vec<HistoryRecord>, Error> {
        self.history_with_async(&mut Shared(client)).await
    }

    /// What a run would apply ([`Runner::plan_with`]).
    pub async fn plan_async(&self, client: &Client) -> Result<Plan, Error> {
        self.plan_with_async(&mut Shared(client)).await
    }

    /// Records migrations up to `to` as applied without running them
    /// ([`Runner::baseline_with`]).
    pub async fn baseline_async(&self, client: &Client, to: Target) -> Result<Report, Error> {
        self.baseline_with_async(&mut Shared(client), to).await
    }

    /// Settles one migration by hand ([`Runner::resolve_with`]).
    pub async fn resolve_async(
        &self,
        client: &Client,
        version: i64,
        resolution: Resolution,
    ) -> Result<Resolved, Error> {
        self.resolve_with_async(&mut Shared(client), version, resolution)
            .await
    }

    /// The live schema against the one the applied migrations build
    /// ([`Runner::drift_with`]; feature `drift`).
    #[cfg(feature = "drift")]
    pub async fn drift_async(&self, client: &Client) -> Result<crate::DriftReport, Error> {
        self.drift_with_async(&mut Shared(client)).await
    }

    /// A baseline recorded only when the live schema is the one the migrations up to
    /// `to` build ([`Runner::baseline_verified_with`]; feature `drift`).
    #[cfg(feature = "drift")]
    pub async fn baseline_verified_async(
        &self,
        client: &Client,
        to: Target,
    ) -> Result<Report, Error> {
        self.baseline_verified_with_async(&mut Shared(client), to)
            .await
    }
}
