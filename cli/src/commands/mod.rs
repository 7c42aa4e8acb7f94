pub mod check;
pub mod rules;
pub mod schema;
