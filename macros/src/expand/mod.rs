pub mod migrations;
mod tokens;
