//! The drift check: what a live database has, compared with the schema its applied
//! migrations build, and a draft migration that reconciles the two.
//!
//! The check does no I/O of its own ("sans-IO"): [`Check`] hands out SQL to run as one
//! simple query and takes the text rows back, so the sync and the async runner drive
//! the same code over their own connections.
//!
//! [`draft`] writes the migration that brings a drifted database back to what the
//! migrations build, and [`squash`] the one migration that builds the whole schema
//! from an empty database; [`ddl`] is the SQL for each kind of object they share.

pub mod ddl;
mod difference;
mod draft;
mod squash;

pub use difference::{Change, Difference, ObjectKind};
pub use draft::draft;
pub use squash::squash;

/// Text rows as the runner's drivers return them: one `Vec` per row, `None` for NULL.
/// With several statements in one query string, the rows of all of them, in order.
pub type Rows = Vec<Vec<Option<String>>>;
