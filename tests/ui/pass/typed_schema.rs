#![deny(warnings)]

mod db {
    pgstrata::migrations!("tests/ui/fixtures/typed");
}

use db::schema::{accounts, Plan};
use pgstrata::types::chrono::{DateTime, Utc};

fn main() {
    // Required columns are values; defaulted and nullable ones are `Option`.
    let insert = accounts::Insert {
        email: "ada@example.com".to_string(),
        plan: Plan::Team,
        id: None,
        nickname: None,
        created_at: None,
        settings: Some(pgstrata::types::serde_json::json!({ "theme": "dark" })),
    };
    let (sql, params) = insert.to_sql();
    assert_eq!(
        sql,
        "INSERT INTO \"public\".\"accounts\" (\"email\", \"plan\", \"settings\") VALUES ($1, $2, $3)"
    );
    assert_eq!(params.len(), 3);
    assert_eq!(accounts::QUALIFIED, "\"public\".\"accounts\"");
    assert_eq!(accounts::columns::EMAIL, "email");
    assert_eq!(Plan::ALL, &[Plan::Free, Plan::Team, Plan::Enterprise]);
    assert_eq!(Plan::from_label("team"), Some(Plan::Team));
    assert_eq!(Plan::Enterprise.to_string(), "enterprise");
    // A `tsvector` column has no Rust type: it is not in `Row`, and the docs say so.
    assert!(!accounts::Row::SELECT.contains("search"));
    assert!(accounts::COLUMNS.contains(&"search"));
    // Row fields have the mapped types.
    fn fields(row: accounts::Row) -> (i64, String, Plan, Option<String>, DateTime<Utc>) {
        (row.id, row.email, row.plan, row.nickname, row.created_at)
    }
    let _ = fields;
}
