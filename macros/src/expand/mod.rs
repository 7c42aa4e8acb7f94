pub mod migrations;
mod schema;
mod tokens;
