//! What each way of walking a statement's parse tree costs, over the same statements:
//! pg_query's `nodes()` (the catalog's walk of the relations and functions a query
//! uses) and the statement's JSON form walked in full (the `non-idempotent` rule's
//! walk, the only one that sees every field). Each is timed over every statement of
//! the corpus and set beside the raw parse of the same texts.

use super::{measure_all, ms};
use serde_json::Value;
use std::hint::black_box;
use std::path::Path;

/// Prints the two walks' cost for the migrations in `dir`.
pub fn cost(dir: &Path, runs: usize) -> Result<(), String> {
    let discovery = pgstrata_analyzer::discover::discover(dir, "migrations");
    let texts: Vec<String> = discovery
        .migrations
        .iter()
        .map(|m| std::fs::read_to_string(&m.up.path).map_err(|e| format!("{}: {e}", m.up.display)))
        .collect::<Result<_, _>>()?;
    let trees: Vec<pg_query::protobuf::ParseResult> = texts
        .iter()
        .map(|t| pg_query::parse(t, 0).map(|r| r.protobuf))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("pg_query::parse rejected the corpus: {e}"))?;
    let statements: Vec<&pg_query::protobuf::Node> = trees
        .iter()
        .flat_map(|tree| tree.stmts.iter())
        .filter_map(|raw| raw.stmt.as_deref())
        .collect();

    let timings = measure_all(
        runs,
        &mut [
            &mut || {
                for text in &texts {
                    black_box(pg_query::parse(text, 0).ok());
                }
            },
            &mut || {
                for statement in &statements {
                    black_box(statement.node.as_ref().map(|node| node.nodes().len()));
                }
            },
            &mut || {
                for statement in &statements {
                    let json = serde_json::to_value(statement).unwrap_or(Value::Null);
                    black_box(count_objects(&json));
                }
            },
        ],
    );
    let raw = timings[0].median;
    println!(
        "walking every statement's tree ({} statements); median of {runs}, share of the raw parse",
        statements.len()
    );
    for (name, timing) in [
        ("raw pg_query::parse", &timings[0]),
        ("pg_query nodes()", &timings[1]),
        ("JSON form, walked in full", &timings[2]),
    ] {
        println!(
            "  {name:<28} {:>8.1} ms  {:>5.0}%",
            ms(timing.median),
            100.0 * timing.median.as_secs_f64() / raw.as_secs_f64()
        );
    }
    Ok(())
}

/// Every object in the JSON form: the walk the rule does, without its question.
fn count_objects(value: &Value) -> usize {
    let mut count = 0;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                count += 1;
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    count
}
