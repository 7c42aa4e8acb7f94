//! Driver adapters, one per client crate, each behind its feature.

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "tokio-postgres")]
pub mod tokio_postgres;

#[cfg(any(feature = "postgres", feature = "tokio-postgres"))]
mod messages;
