//! Driving the sans-IO check over a `postgres` connection, the sets it is tried on, and
//! a compact form of a difference for tables of expectations.

use pgstrata_analyzer::catalog::Catalog;
use pgstrata_drift::{Change, Check, Difference, Drift, Options, Rows};
use pgstrata_testkit::corpora::{self, migrations_dir, needs_sqlx_table};
use postgres::{GenericClient, SimpleQueryMessage};
use std::path::{Path, PathBuf};

/// A check run to its end: what it found and how many queries it sent.
pub struct Checked {
    pub drift: Drift,
    pub round_trips: usize,
}

/// Runs the check over `client`, one simple query per round trip.
pub fn check<C: GenericClient>(client: &mut C, expected: Catalog, options: Options) -> Checked {
    let mut check = Check::new(expected, options);
    let mut round_trips = 0;
    while let Some(sql) = check.next_query() {
        round_trips += 1;
        let messages = client.simple_query(&sql).unwrap_or_else(|e| {
            let reason = e.as_db_error().map_or(e.to_string(), ToString::to_string);
            panic!("the check's query failed: {reason}\n{sql}")
        });
        let rows: Rows = messages
            .iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                ),
                _ => None,
            })
            .collect();
        check
            .take_rows(rows)
            .unwrap_or_else(|e| panic!("the check cannot read its rows: {e}"));
    }
    Checked {
        drift: check.finish(),
        round_trips,
    }
}

/// `- kind object`, `+ kind object`, `~ kind object property: expected => actual`,
/// with `on table` for what is on a relation but is not a column.
pub fn compact(d: &Difference) -> String {
    let on = match (&d.table, d.kind) {
        (Some(table), kind) if kind != pgstrata_drift::ObjectKind::Column => {
            format!(" on {table}")
        }
        _ => String::new(),
    };
    let what = format!("{} {}{on}", d.kind.as_str(), d.object);
    match &d.change {
        Change::Missing => format!("- {what}"),
        Change::Extra => format!("+ {what}"),
        Change::Different {
            property,
            expected,
            actual,
        } => format!("~ {what} {property}: {expected} => {actual}"),
    }
}

/// One migration history the check is tried on.
pub struct Set {
    pub name: String,
    pub dir: PathBuf,
    pub display: String,
    /// It expects sqlx's bookkeeping table before its first migration.
    pub sqlx_table: bool,
}

/// The example's migrations, the four seeds, the catalog's own fixtures and every
/// corpus set that is there.
pub fn sets() -> Vec<Set> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut sets = Vec::new();
    for display in [
        "migrations",
        "tests/fixtures/neuroagent",
        "tests/fixtures/agent_prompt_train",
        "tests/fixtures/live_conversational_threads",
        "tests/fixtures/chat",
        "tests/fixtures/catalog_forms",
        "tests/fixtures/typed_forms",
    ] {
        sets.push(Set {
            name: display.rsplit('/').next().unwrap_or(display).to_string(),
            dir: root.join(display),
            display: display.to_string(),
            sqlx_table: false,
        });
    }
    for set in corpora::sets() {
        let (dir, display) = migrations_dir(&set);
        sets.push(Set {
            name: corpora::name(&set),
            dir,
            display,
            sqlx_table: needs_sqlx_table(&set),
        });
    }
    sets
}
