//! The sync `postgres` crate: `simple_query` over the simple query protocol. Its calls
//! complete before they return, so the future handed to the runner is already ready.

use std::future::{ready, Future};

use postgres::Client;

use super::messages::{driver_error, rows};
use crate::driver::{BlockingDriver, Driver, DriverError, Rows};
use crate::error::Error;
use crate::history::HistoryRecord;
use crate::runner::{Report, Resolution, Resolved, Runner};
use crate::status::Status;
use crate::target::Target;

impl Driver for Client {
    fn simple(&mut self, sql: &str) -> impl Future<Output = Result<Rows, DriverError>> + Send {
        ready(self.simple_query(sql).map_err(driver_error).and_then(rows))
    }

    /// Only a panic drops a sync run midway; the statements run before it unwinds on.
    fn abandon(&mut self, sql: &str) {
        let _ = self.simple_query(sql);
    }
}

impl BlockingDriver for Client {}

impl Runner {
    /// Applies what is pending over a `postgres::Client`.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # static MIGRATIONS: &[pgstrata_runtime::Migration] = &[];
    /// let mut client = postgres::Client::connect("host=127.0.0.1 user=postgres", postgres::NoTls)?;
    /// let report = pgstrata_runtime::Runner::new(MIGRATIONS).run(&mut client)?;
    /// for m in &report.applied {
    ///     println!("{} {} {:?}", m.version, m.name, m.duration);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn run(&self, client: &mut Client) -> Result<Report, Error> {
        self.run_with(client)
    }

    /// Applies what is pending up to `to` ([`Runner::up_with`]).
    pub fn up(&self, client: &mut Client, to: Target) -> Result<Report, Error> {
        self.up_with(client, to)
    }

    /// Reverts applied migrations down to `to` ([`Runner::down_with`]).
    pub fn down(&self, client: &mut Client, to: Target) -> Result<Report, Error> {
        self.down_with(client, to)
    }

    /// Every migration's state ([`Runner::status_with`]).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # static MIGRATIONS: &[pgstrata_runtime::Migration] = &[];
    /// # let mut client = postgres::Client::connect("host=127.0.0.1 user=postgres", postgres::NoTls)?;
    /// let status = pgstrata_runtime::Runner::new(MIGRATIONS).status(&mut client)?;
    /// print!("{status}");
    /// if !status.is_up_to_date() {
    ///     std::process::exit(3);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn status(&self, client: &mut Client) -> Result<Status, Error> {
        self.status_with(client)
    }

    /// The history table's records ([`Runner::history_with`]).
    pub fn history(&self, client: &mut Client) -> Result<Vec<HistoryRecord>, Error> {
        self.history_with(client)
    }

    /// Records migrations up to `to` as applied without running them
    /// ([`Runner::baseline_with`]).
    pub fn baseline(&self, client: &mut Client, to: Target) -> Result<Report, Error> {
        self.baseline_with(client, to)
    }

    /// Settles one migration by hand ([`Runner::resolve_with`]).
    pub fn resolve(
        &self,
        client: &mut Client,
        version: i64,
        resolution: Resolution,
    ) -> Result<Resolved, Error> {
        self.resolve_with(client, version, resolution)
    }

    /// The live schema against the one the applied migrations build
    /// ([`Runner::drift_with`]; feature `drift`).
    #[cfg(feature = "drift")]
    pub fn drift(&self, client: &mut Client) -> Result<crate::DriftReport, Error> {
        self.drift_with(client)
    }

    /// A baseline recorded only when the live schema is the one the migrations up to
    /// `to` build ([`Runner::baseline_verified_with`]; feature `drift`).
    #[cfg(feature = "drift")]
    pub fn baseline_verified(&self, client: &mut Client, to: Target) -> Result<Report, Error> {
        self.baseline_verified_with(client, to)
    }
}
