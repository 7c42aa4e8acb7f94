//! Step five: the catalog, the schema after the last migration, folded from every
//! statement in order as PostgreSQL would have it, with what the server would
//! reject given the earlier migrations.
//!
//! [`Folder`] holds the state of the fold: the catalog so far ([`model`], the stable
//! JSON interface of `pgstrata schema --json`), the session's search path, and what
//! the fold could not follow ([`Uncertain`]). [`Folder::apply`] folds one statement
//! (one module per kind of statement under `apply/`) and returns the [`Problem`]s
//! the server would raise; the `catalog` rule reports them.

mod apply;
mod deparse;
mod extensions;
mod fold;
mod function_bodies;
mod model;
mod name_index;
mod names;
mod naming;
mod problem;
mod types;
mod uncertainty;
mod walk;

pub use deparse::normalized as normalized_expression;
pub use fold::Folder;
pub use model::*;
pub use name_index::RelationKind;
pub use names::quote_ident;
pub use problem::{closest, edit_distance, Anchor, ObjectKind, Problem, ProblemKind};

#[cfg(test)]
mod tests;
