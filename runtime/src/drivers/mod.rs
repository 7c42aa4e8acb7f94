//! Driver adapters, one per client crate, each behind its feature.

#[cfg(feature = "postgres")]
pub mod postgres;
