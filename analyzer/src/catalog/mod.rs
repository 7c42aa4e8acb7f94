//! Step five: the catalog, the schema after the last migration, folded from every
//! statement in order.

mod model;

pub use model::*;
