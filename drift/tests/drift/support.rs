//! Driving the sans-IO check over a `postgres` connection, the sets it is tried on, and
//! a compact form of a difference for tables of expectations.

use pgstrata_analyzer::catalog::Catalog;
use pgstrata_drift::{Change, Check, Difference, Drift, Options, Rows};
use postgres::{GenericClient, SimpleQueryMessage};

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
