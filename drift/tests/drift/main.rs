//! The drift check against a real server: no difference where the migrations built the
//! database (every corpus set, the seeds, the example, and each at an earlier version),
//! exactly the right differences after each of many hand changes, and what a check
//! costs on a large schema.

mod changes;
mod cost;
mod reconcile;
mod support;
mod zero_drift;
