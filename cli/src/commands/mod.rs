pub mod check;
pub mod rules;
