//! `DO` blocks: their PL/pgSQL is parsed (libpg_query can) and every SQL statement in
//! it judged like a top-level one, except where the block guards it: inside an `IF`
//! that checks the catalogs or `EXISTS (...)`, or inside a block whose exception
//! handler catches the error a second run raises (`duplicate_object`, `OTHERS`, ...).

use super::{guards::Dropped, verdict, Problem};
use pg_query::protobuf::DoStmt;
use pg_query::NodeEnum;
use serde_json::Value;

/// The first unguarded problem of a `DO` block's statements.
pub fn check_do(stmt: &DoStmt) -> Option<Problem> {
    let mut body = None;
    let mut language = "plpgsql".to_string();
    for arg in &stmt.args {
        let Some(NodeEnum::DefElem(def)) = &arg.node else {
            continue;
        };
        let value = match def.arg.as_deref().and_then(|a| a.node.as_ref()) {
            Some(NodeEnum::String(s)) => s.sval.clone(),
            _ => continue,
        };
        match def.defname.as_str() {
            "as" => body = Some(value),
            "language" => language = value.to_lowercase(),
            _ => {}
        }
    }
    let body = body?;
    if language != "plpgsql" {
        return Some(Problem::unverifiable(
            "DO",
            &format!("runs {language} code"),
        ));
    }
    let tree = match parse(&body) {
        Some(tree) => tree,
        None => {
            return Some(Problem::unverifiable(
                "DO",
                "holds PL/pgSQL that pgstrata cannot parse",
            ))
        }
    };
    let mut walk = Walk::default();
    walk.statements(&tree, &Guard::default());
    walk.problem.map(|p| Problem {
        message: format!("in a DO block: {}", p.message),
        words: 1,
        ..p
    })
}

/// libpg_query parses PL/pgSQL as the body of a function.
fn parse(body: &str) -> Option<Value> {
    let mut tag = "pgstrata".to_string();
    while body.contains(&format!("${tag}$")) {
        tag.push('_');
    }
    let function = format!(
        "CREATE FUNCTION pgstrata_do() RETURNS void LANGUAGE plpgsql AS ${tag}${body}${tag}$"
    );
    let tree = pg_query::parse_plpgsql(&function).ok()?;
    tree.pointer("/0/PLpgSQL_function/action").cloned()
}

/// What protects the statements being walked.
#[derive(Debug, Clone, Default)]
struct Guard {
    /// Inside an `IF` that checks whether the object exists.
    checked: bool,
    /// Conditions caught by enclosing exception handlers.
    caught: Vec<String>,
}

impl Guard {
    fn handles(&self, problem: &Problem) -> bool {
        self.checked
            || self.caught.iter().any(|c| c == "others")
            || problem
                .conditions
                .iter()
                .any(|c| self.caught.iter().any(|caught| caught == c))
    }
}

#[derive(Default)]
struct Walk {
    dropped: Dropped,
    problem: Option<Problem>,
}

impl Walk {
    /// Walks one statement or a list of them.
    fn statements(&mut self, value: &Value, guard: &Guard) {
        match value {
            Value::Array(items) => items.iter().for_each(|item| self.statements(item, guard)),
            Value::Object(map) => {
                for (kind, body) in map {
                    self.statement(kind, body, guard);
                }
            }
            _ => {}
        }
    }

    fn statement(&mut self, kind: &str, body: &Value, guard: &Guard) {
        if self.problem.is_some() {
            return;
        }
        match kind {
            "PLpgSQL_stmt_block" => {
                let mut inner = guard.clone();
                if let Some(handlers) = body.pointer("/exceptions/PLpgSQL_exception_block/exc_list")
                {
                    for condition in super::tree::find_all(handlers, "condname") {
                        if let Some(name) = condition.as_str() {
                            inner.caught.push(name.to_lowercase());
                        }
                    }
                }
                self.field(body, "body", &inner);
            }
            "PLpgSQL_stmt_if" => {
                let checks = body
                    .pointer("/cond/PLpgSQL_expr/query")
                    .and_then(Value::as_str)
                    .is_some_and(checks_existence);
                let inner = Guard {
                    checked: guard.checked || checks,
                    caught: guard.caught.clone(),
                };
                self.field(body, "then_body", &inner);
                // ELSIF and ELSE run when the check failed: the same guard holds
                // only for a plain existence check's other branch, so be strict.
                if let Some(elsifs) = body.get("elsif_list") {
                    for elsif in super::tree::find_all(elsifs, "PLpgSQL_if_elsif") {
                        self.field(elsif, "stmts", guard);
                    }
                }
                self.field(body, "else_body", guard);
            }
            "PLpgSQL_stmt_case" => {
                if let Some(whens) = body.get("case_when_list") {
                    for when in super::tree::find_all(whens, "PLpgSQL_case_when") {
                        self.field(when, "stmts", guard);
                    }
                }
                self.field(body, "else_stmts", guard);
            }
            "PLpgSQL_stmt_loop"
            | "PLpgSQL_stmt_while"
            | "PLpgSQL_stmt_fori"
            | "PLpgSQL_stmt_fors"
            | "PLpgSQL_stmt_forc"
            | "PLpgSQL_stmt_foreach_a" => self.field(body, "body", guard),
            "PLpgSQL_stmt_execsql" => {
                if let Some(sql) = body
                    .pointer("/sqlstmt/PLpgSQL_expr/query")
                    .and_then(Value::as_str)
                {
                    self.sql(sql, guard);
                }
            }
            "PLpgSQL_stmt_perform" => {
                if let Some(sql) = body
                    .pointer("/expr/PLpgSQL_expr/query")
                    .and_then(Value::as_str)
                {
                    self.sql(sql, guard);
                }
            }
            "PLpgSQL_stmt_dynexecute" | "PLpgSQL_stmt_dynfors" => {
                let query = body
                    .pointer("/query/PLpgSQL_expr/query")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                match string_literal(query) {
                    Some(sql) => self.sql(&sql, guard),
                    None => {
                        let problem =
                            Problem::unverifiable("EXECUTE", "runs SQL built at run time");
                        if !(guard.checked || guard.caught.iter().any(|c| c == "others")) {
                            self.problem = Some(problem);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn field(&mut self, value: &Value, name: &str, guard: &Guard) {
        if let Some(list) = value.get(name) {
            self.statements(list, guard);
        }
    }

    /// One SQL statement of the block, judged like a top-level statement.
    fn sql(&mut self, sql: &str, guard: &Guard) {
        let Ok(tree) = crate::parse::ffi_parse(sql) else {
            return;
        };
        for raw in &tree.stmts {
            let Some(node) = raw.stmt.as_ref().and_then(|n| n.node.as_ref()) else {
                continue;
            };
            if let Some(problem) = verdict(node, &self.dropped) {
                if !guard.handles(&problem) {
                    self.problem = Some(problem);
                    return;
                }
            }
            self.dropped.record(node);
        }
    }
}

/// A condition that asks whether something exists: `EXISTS (...)`, a look into the
/// catalogs or `information_schema`, or `to_regclass(...)`-style lookups.
fn checks_existence(condition: &str) -> bool {
    let lower = condition.to_lowercase();
    ["exists", "pg_", "information_schema", "to_reg"]
        .iter()
        .any(|k| lower.contains(k))
}

/// The text of a single-quoted SQL string literal (`'CREATE ...'`), if that is all the
/// expression is.
fn string_literal(expr: &str) -> Option<String> {
    let inner = expr.trim().strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            // Inside the literal a quote must be doubled; anything else means the
            // expression is more than one literal (`'a' || x || 'b'`).
            if chars.next() != Some('\'') {
                return None;
            }
        }
        out.push(c);
    }
    Some(out)
}
