//! A driver that cuts its own connection off at a chosen statement, for the tests that
//! prove a run (`kill_resume`) or a down (`down_reliability`) can be resumed after a
//! kill anywhere.

use pgstrata::{BlockingDriver, Driver, DriverError, Rows};
use std::future::{ready, Future};
use std::task::{Context, Poll, Waker};

/// Forwards to a client, and terminates that client's backend when the statement
/// `target` is about to be sent (or was just sent).
pub struct KillAt<'a> {
    inner: &'a mut postgres::Client,
    killer: postgres::Client,
    pid: i32,
    target: String,
    after: bool,
    /// Whether the statement was sent and the backend terminated.
    pub fired: bool,
}

impl<'a> KillAt<'a> {
    /// Kills `inner`'s backend, through `killer`, just before `target` (trimmed) is
    /// sent, or just after it when `after`.
    pub fn new(
        inner: &'a mut postgres::Client,
        killer: postgres::Client,
        target: &str,
        after: bool,
    ) -> KillAt<'a> {
        let pid: i32 = inner
            .query_one("SELECT pg_backend_pid()", &[])
            .expect("read the runner's backend pid")
            .get(0);
        KillAt {
            inner,
            killer,
            pid,
            target: target.trim().to_string(),
            after,
            fired: false,
        }
    }

    fn kill(&mut self) {
        self.fired = true;
        self.killer
            .execute("SELECT pg_terminate_backend($1)", &[&self.pid])
            .expect("terminate the runner's backend");
    }
}

impl Driver for KillAt<'_> {
    fn simple(&mut self, sql: &str) -> impl Future<Output = Result<Rows, DriverError>> + Send {
        let hit = !self.fired && sql.trim() == self.target;
        if hit && !self.after {
            self.kill();
        }
        // The postgres driver does its work when called and returns a ready future.
        let result = {
            let mut future = std::pin::pin!(self.inner.simple(sql));
            match future
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
            {
                Poll::Ready(result) => result,
                Poll::Pending => Err(DriverError::new(
                    "the sync driver returned a pending future",
                )),
            }
        };
        if hit && self.after {
            self.kill();
        }
        ready(result)
    }
}

impl BlockingDriver for KillAt<'_> {}
