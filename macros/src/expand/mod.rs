mod embedded;
pub mod migrations;
mod schema;
