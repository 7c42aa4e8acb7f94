//! `DO` blocks: their PL/pgSQL is parsed (libpg_query can) and walked, one static SQL
//! statement at a time, with what protects each one: an `IF` that checks whether the
//! object exists, the conditions caught by enclosing exception handlers, and whether
//! it runs only under some condition. The one PL/pgSQL walker of the analyzer: the
//! `non-idempotent` rule judges the statements, the catalog applies them.
//! It walks JSON because libpg_query gives PL/pgSQL trees only as JSON, not as protobuf.

use crate::tree::find_all;
use pg_query::protobuf::{DoStmt, ParseResult};
use pg_query::NodeEnum;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// The code of a `DO` block.
#[derive(Debug)]
pub enum DoBody {
    /// The PL/pgSQL statement tree of the block's body.
    Plpgsql(Arc<Value>),
    /// Another language (`LANGUAGE plperl`): nothing to walk.
    OtherLanguage(String),
    /// PL/pgSQL that libpg_query cannot parse.
    Unparseable,
    /// No body at all.
    Empty,
}

/// Reads the body and language of a `DO` statement and parses PL/pgSQL.
pub fn do_body(stmt: &DoStmt) -> DoBody {
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
    let Some(body) = body else {
        return DoBody::Empty;
    };
    if language != "plpgsql" {
        return DoBody::OtherLanguage(language);
    }
    match parse_cached(body) {
        Some(tree) => DoBody::Plpgsql(tree),
        None => DoBody::Unparseable,
    }
}

/// The PL/pgSQL blocks and the SQL in them parsed while one file is checked: the
/// `non-idempotent` rule parses them on whichever thread prepares the file, and the
/// catalog, folding the file later and maybe elsewhere, reads the same trees.
#[derive(Debug, Default)]
pub struct ParseCache {
    blocks: HashMap<String, Option<Arc<Value>>>,
    sql: HashMap<String, Option<Arc<ParseResult>>>,
}

thread_local! {
    /// The cache of the file being checked on this thread, if any.
    static CACHE: RefCell<Option<ParseCache>> = const { RefCell::new(None) };
}

impl ParseCache {
    /// Runs `f` with this cache answering and collecting the parses of blocks and
    /// their SQL made on this thread, and hands it back with `f`'s result.
    pub fn scope<R>(self, f: impl FnOnce() -> R) -> (R, Self) {
        let outer = CACHE.with(|c| c.replace(Some(self)));
        let result = f();
        let cache = CACHE.with(|c| c.replace(outer)).unwrap_or_default();
        (result, cache)
    }
}

/// `parse(key)` through the installed cache's `map` (directly when none is installed).
fn cached<T>(
    key: &str,
    map: fn(&mut ParseCache) -> &mut HashMap<String, Option<Arc<T>>>,
    parse: impl FnOnce() -> Option<T>,
) -> Option<Arc<T>> {
    let hit = CACHE.with(|c| {
        c.borrow_mut()
            .as_mut()
            .map(|cache| map(cache).get(key).cloned())
    });
    match hit {
        Some(Some(tree)) => tree,
        Some(None) => {
            let tree = parse().map(Arc::new);
            CACHE.with(|c| {
                if let Some(cache) = c.borrow_mut().as_mut() {
                    map(cache).insert(key.to_string(), tree.clone());
                }
            });
            tree
        }
        None => parse().map(Arc::new),
    }
}

fn parse_cached(body: String) -> Option<Arc<Value>> {
    cached(&body, |c| &mut c.blocks, || parse(&body))
}

/// The statement tree of a PL/pgSQL function body (`CREATE FUNCTION ... AS $$...$$`).
pub fn function_body(body: &str) -> Option<Value> {
    parse(body)
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

/// PostgreSQL's parse tree of a statement found in a block (`None` when it does not
/// parse), shared through the file's [`ParseCache`].
pub fn parse_sql(sql: &str) -> Option<Arc<ParseResult>> {
    cached(sql, |c| &mut c.sql, || crate::parse::ffi_parse(sql).ok())
}

/// What encloses the statements being walked: the existence checks and exception
/// handlers that guard them, and the conditions they may run under.
#[derive(Debug, Clone, Default)]
pub struct Enclosing {
    /// Inside an `IF` that checks whether the object exists.
    pub checked: bool,
    /// Conditions caught by enclosing exception handlers, lowercased.
    pub caught: Vec<String>,
    /// Inside a branch or loop that may run zero times or several (an `IF` on
    /// something other than existence, `ELSE`, `CASE`, a loop).
    pub conditional: bool,
}

impl Enclosing {
    /// Whether an enclosing handler catches `condition` (or `OTHERS`).
    pub fn catches(&self, condition: &str) -> bool {
        self.caught.iter().any(|c| c == "others" || c == condition)
    }
}

/// What a walk does with what it finds. Returning `false` stops the walk.
pub trait Visitor {
    /// A static SQL statement (a literal `EXECUTE '...'` included).
    fn sql(&mut self, sql: &str, enclosing: &Enclosing) -> bool;
    /// `EXECUTE` of SQL built at run time.
    fn dynamic(&mut self, enclosing: &Enclosing) -> bool;
    /// A `BEGIN ... EXCEPTION ... END` block starts; `enclosing` includes its handlers.
    fn enter_handled_block(&mut self, _enclosing: &Enclosing) {}
    /// It ends.
    fn leave_handled_block(&mut self, _enclosing: &Enclosing) {}
}

/// Walks a PL/pgSQL statement tree (from [`DoBody::Plpgsql`]).
pub fn walk(tree: &Value, visitor: &mut impl Visitor) {
    Walk {
        visitor,
        stopped: false,
    }
    .statements(tree, &Enclosing::default());
}

struct Walk<'v, V: Visitor> {
    visitor: &'v mut V,
    stopped: bool,
}

/// The value at `keys` under `value`: `Value::pointer` without building and
/// unescaping a string per key (the walk looks up a path for every statement).
fn path<'v>(value: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    keys.iter().try_fold(value, |v, key| v.get(key))
}

impl<V: Visitor> Walk<'_, V> {
    /// Walks one statement or a list of them.
    fn statements(&mut self, value: &Value, enclosing: &Enclosing) {
        match value {
            Value::Array(items) => items
                .iter()
                .for_each(|item| self.statements(item, enclosing)),
            Value::Object(map) => {
                for (kind, body) in map {
                    self.statement(kind, body, enclosing);
                }
            }
            _ => {}
        }
    }

    fn statement(&mut self, kind: &str, body: &Value, enclosing: &Enclosing) {
        if self.stopped {
            return;
        }
        match kind {
            "PLpgSQL_stmt_block" => {
                let mut inner = enclosing.clone();
                let handlers = path(body, &["exceptions", "PLpgSQL_exception_block", "exc_list"]);
                if let Some(handlers) = handlers {
                    for condition in find_all(handlers, "condname") {
                        if let Some(name) = condition.as_str() {
                            inner.caught.push(name.to_lowercase());
                        }
                    }
                }
                if handlers.is_some() {
                    self.visitor.enter_handled_block(&inner);
                }
                self.field(body, "body", &inner);
                if handlers.is_some() {
                    self.visitor.leave_handled_block(&inner);
                }
            }
            "PLpgSQL_stmt_if" => {
                let checks = path(body, &["cond", "PLpgSQL_expr", "query"])
                    .and_then(Value::as_str)
                    .is_some_and(checks_existence);
                let then_enclosing = Enclosing {
                    checked: enclosing.checked || checks,
                    caught: enclosing.caught.clone(),
                    conditional: enclosing.conditional || !checks,
                };
                self.field(body, "then_body", &then_enclosing);
                // ELSIF and ELSE run when the check failed: the enclosing checks hold
                // only for a plain existence check's other branch, so be strict.
                let other = Enclosing {
                    conditional: true,
                    ..enclosing.clone()
                };
                if let Some(elsifs) = body.get("elsif_list") {
                    for elsif in find_all(elsifs, "PLpgSQL_if_elsif") {
                        self.field(elsif, "stmts", &other);
                    }
                }
                self.field(body, "else_body", &other);
            }
            "PLpgSQL_stmt_case" => {
                let other = Enclosing {
                    conditional: true,
                    ..enclosing.clone()
                };
                if let Some(whens) = body.get("case_when_list") {
                    for when in find_all(whens, "PLpgSQL_case_when") {
                        self.field(when, "stmts", &other);
                    }
                }
                self.field(body, "else_stmts", &other);
            }
            "PLpgSQL_stmt_loop"
            | "PLpgSQL_stmt_while"
            | "PLpgSQL_stmt_fori"
            | "PLpgSQL_stmt_fors"
            | "PLpgSQL_stmt_forc"
            | "PLpgSQL_stmt_foreach_a" => {
                let inner = Enclosing {
                    conditional: true,
                    ..enclosing.clone()
                };
                self.field(body, "body", &inner);
            }
            "PLpgSQL_stmt_execsql" => {
                if let Some(sql) =
                    path(body, &["sqlstmt", "PLpgSQL_expr", "query"]).and_then(Value::as_str)
                {
                    self.stopped = !self.visitor.sql(sql, enclosing);
                }
            }
            "PLpgSQL_stmt_perform" => {
                if let Some(sql) =
                    path(body, &["expr", "PLpgSQL_expr", "query"]).and_then(Value::as_str)
                {
                    self.stopped = !self.visitor.sql(sql, enclosing);
                }
            }
            "PLpgSQL_stmt_dynexecute" | "PLpgSQL_stmt_dynfors" => {
                let query = path(body, &["query", "PLpgSQL_expr", "query"])
                    .and_then(Value::as_str)
                    .unwrap_or("");
                self.stopped = !match string_literal(query) {
                    Some(sql) => self.visitor.sql(&sql, enclosing),
                    None => self.visitor.dynamic(enclosing),
                };
            }
            _ => {}
        }
    }

    fn field(&mut self, value: &Value, name: &str, enclosing: &Enclosing) {
        if let Some(list) = value.get(name) {
            self.statements(list, enclosing);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Record {
        seen: Vec<(String, bool, bool, Vec<String>)>,
        dynamic: usize,
    }

    impl Visitor for Record {
        fn sql(&mut self, sql: &str, enclosing: &Enclosing) -> bool {
            self.seen.push((
                sql.to_string(),
                enclosing.checked,
                enclosing.conditional,
                enclosing.caught.clone(),
            ));
            true
        }
        fn dynamic(&mut self, _enclosing: &Enclosing) -> bool {
            self.dynamic += 1;
            true
        }
    }

    fn walk_do(sql: &str) -> Record {
        let tree = pg_query::parse(sql, 0).unwrap();
        let Some(NodeEnum::DoStmt(stmt)) = tree.protobuf.stmts[0]
            .stmt
            .as_ref()
            .and_then(|s| s.node.clone())
        else {
            panic!("not a DO")
        };
        let DoBody::Plpgsql(body) = do_body(&stmt) else {
            panic!("not PL/pgSQL")
        };
        let mut record = Record::default();
        walk(&body, &mut record);
        record
    }

    #[test]
    fn statements_come_with_their_guards() {
        let record = walk_do(
            "DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN
                    CREATE TYPE mood AS ENUM ('a');
                END IF;
                IF current_setting('x') = 'y' THEN CREATE TABLE a (id int); END IF;
                BEGIN
                    CREATE TYPE b AS ENUM ('b');
                EXCEPTION WHEN duplicate_object THEN NULL;
                END;
                EXECUTE 'CREATE TABLE c (id int)';
                EXECUTE format('CREATE TABLE %I (id int)', 'd');
            END $$",
        );
        let summary: Vec<(bool, bool, Vec<String>)> = record
            .seen
            .iter()
            .map(|(_, checked, conditional, caught)| (*checked, *conditional, caught.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (true, false, vec![]),
                (false, true, vec![]),
                (false, false, vec!["duplicate_object".to_string()]),
                (false, false, vec![]),
            ]
        );
        assert_eq!(record.seen[3].0, "CREATE TABLE c (id int)");
        assert_eq!(record.dynamic, 1);
    }
}
