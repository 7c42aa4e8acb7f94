//! PostgreSQL migrations that fail `cargo build` instead of a deploy.
//!
//! ```ignore
//! mod db {
//!     pgstrata::migrations!("migrations");
//! }
//!
//! let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
//! let report = db::runner().run(&mut client)?; // applies what is pending, in order
//! for m in &report.applied {
//!     println!("{} {} {:?}", m.version, m.name, m.duration);
//! }
//! ```
//!
//! At compile time `migrations!` reads every migration under the directory (relative
//! to the crate's `Cargo.toml`), parses each statement with PostgreSQL's own parser,
//! checks it, and expands to:
//!
//! - `MIGRATIONS`: every migration embedded in the binary, ordered, with its checksum
//!   and whether it runs in a transaction;
//! - `runner()`: a [`Runner`] that applies what is pending over the `postgres` crate,
//!   under an advisory lock, each migration exactly once however many replicas start.
//!
//! A problem in any file is a compile error pointing at the file, line and column.
//! Options: `migrations!("migrations", allow = ["transaction"])` allows a rule in
//! every file.
//!
//! Edits of an embedded file rebuild the crate (the macro `include_str!`s it); a *new*
//! file needs one line in `build.rs`, with no dependency:
//!
//! ```text
//! // build.rs
//! fn main() {
//!     println!("cargo:rerun-if-changed=migrations");
//! }
//! ```

pub use pgstrata_macros::migrations;
pub use pgstrata_runtime::*;

pub mod types {
    //! The type crates the generated `schema` module uses, one per feature, so code
    //! that names their types (`pgstrata::types::uuid::Uuid`) gets the same versions.

    #[cfg(feature = "chrono")]
    pub use chrono;
    #[cfg(feature = "rust_decimal")]
    pub use rust_decimal;
    #[cfg(feature = "serde_json")]
    pub use serde_json;
    #[cfg(feature = "time")]
    pub use time;
    #[cfg(feature = "uuid")]
    pub use uuid;
}

#[doc(hidden)]
pub mod __private;
