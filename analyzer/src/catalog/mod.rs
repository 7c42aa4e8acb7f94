//! Step five: the catalog, the schema after the last migration, folded from every
//! statement in order as PostgreSQL would have it, with what the server would
//! reject given the earlier migrations.
//!
//! [`CatalogBuilder`] is the catalog under construction: the catalog so far
//! (`model`, the stable JSON interface of `pgstrata schema --json`), the session's
//! search path, and what the fold could not follow ([`Uncertain`]).
//! [`CatalogBuilder::apply`] folds one statement (one module per kind of statement
//! under `apply/`) and returns the [`Problem`]s the server would raise; the
//! `catalog` rule reports them.

mod apply;
mod builder;
mod chosen_names;
mod deparse;
mod extensions;
mod function_bodies;
mod identifiers;
mod model;
mod name_index;
mod problem;
mod type_names;
mod uncertainty;
mod walk;

pub use crate::analyze::{fold, fold_in_modes};
pub use apply::foreign_key_action;
pub use builder::CatalogBuilder;
pub use deparse::normalized as normalized_expression;
pub use identifiers::quote_ident;
pub(crate) use identifiers::strings;
pub use model::*;
pub use name_index::RelationKind;
pub use problem::{closest, edit_distance, Anchor, ObjectKind, Problem, ProblemKind};

#[cfg(test)]
mod tests;
