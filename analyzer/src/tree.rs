//! Generic questions about a parse tree, answered over its JSON form (pg_query's
//! nodes derive `Serialize`): the only walk that sees every field of every node, where
//! pg_query's `nodes()` skips `VALUES` lists, `ON CONFLICT` and `MERGE` clauses,
//! subscripts and collations, and a hand-written match would miss the kinds it forgot.

use serde::Serialize;
use serde_json::Value;

/// The tree (a node, or a list of them) as JSON; `Value::Null` if it cannot be
/// serialised.
pub fn json<T: Serialize + ?Sized>(tree: &T) -> Value {
    serde_json::to_value(tree).unwrap_or(Value::Null)
}

/// Every object under `value` (itself included) that holds `key`, with that key's value.
pub fn find_all<'a>(value: &'a Value, key: &str) -> Vec<&'a Value> {
    let mut found = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(hit) = map.get(key) {
                    found.push(hit);
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found
}

/// The `sval`s of a name list (`[{"node":{"String":{"sval":"x"}}}, ...]`).
pub fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|n| n.pointer("/node/String/sval").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The functions called anywhere under `value`, by their last name (`nextval`).
pub fn called_functions(value: &Value) -> Vec<String> {
    find_all(value, "FuncCall")
        .into_iter()
        .filter_map(|call| names(call.get("funcname")?).pop())
        .collect()
}

/// Whether `nextval` is called: every run takes a new value from the sequence.
pub fn calls_nextval(value: &Value) -> bool {
    called_functions(value).iter().any(|f| f == "nextval")
}

/// Whether `value` holds an `EXISTS (...)` or `NOT EXISTS (...)` subquery.
pub fn has_exists_subquery(value: &Value) -> bool {
    const EXISTS_SUBLINK: i64 = 1;
    find_all(value, "SubLink")
        .into_iter()
        .any(|l| l.get("sub_link_type").and_then(Value::as_i64) == Some(EXISTS_SUBLINK))
}
