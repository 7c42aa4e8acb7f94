//! Expressions back to SQL text (defaults, checks, index expressions, predicates),
//! through libpg_query's deparser, and a normal form for comparing an expression
//! written in a migration with the one PostgreSQL stores (`pg_get_expr`).
//!
//! `pg_query::deparse` panics on a statement kind its C deparser does not know; an
//! expression is therefore always wrapped in a `SELECT` (a kind it knows), and the
//! call is guarded: the analyzer must never panic.

use pg_query::protobuf::{
    a_const, AArrayExpr, AConst, AExpr, AExprKind, LimitOption, Node, ResTarget, SelectStmt,
    SetOperation, String as PgString,
};
use pg_query::NodeEnum;

/// The SQL text of an expression node, or `None` when it cannot be deparsed.
pub fn expression(node: &Node) -> Option<String> {
    let select = select_of(node.clone());
    let text = guarded_deparse(&select)?;
    text.strip_prefix("SELECT ").map(str::to_string)
}

/// A `SELECT <expr>` statement around an expression.
fn select_of(node: Node) -> NodeEnum {
    NodeEnum::SelectStmt(Box::new(SelectStmt {
        target_list: vec![Node {
            node: Some(NodeEnum::ResTarget(Box::new(ResTarget {
                val: Some(Box::new(node)),
                ..ResTarget::default()
            }))),
        }],
        // libpg_query asserts (and aborts, in debug builds) on enum values it does
        // not know, so the defaults (0) must be replaced by real values.
        op: SetOperation::SetopNone as i32,
        limit_option: LimitOption::Default as i32,
        ..SelectStmt::default()
    }))
}

fn guarded_deparse(statement: &NodeEnum) -> Option<String> {
    std::panic::catch_unwind(|| statement.deparse(pg_query::DeparseOptions::default()))
        .ok()?
        .ok()
}

/// The expression of `SELECT <expr>` parsed from `text`.
fn parse_expression(text: &str) -> Option<Node> {
    let tree = crate::parse::ffi_parse(&format!("SELECT {text}")).ok()?;
    let statement = tree.stmts.into_iter().next()?.stmt?.node?;
    let NodeEnum::SelectStmt(select) = statement else {
        return None;
    };
    let target = select.target_list.into_iter().next()?.node?;
    let NodeEnum::ResTarget(target) = target else {
        return None;
    };
    target.val.map(|v| *v)
}

/// A normal form of an expression's text for comparing a migration's expression with
/// PostgreSQL's stored one: parsed and deparsed again, with every cast removed
/// (PostgreSQL adds implicit ones: `'x'::text`), every constant written as a string
/// (`-1` and `'-1'::integer` agree), `IN (...)` as `= ANY (ARRAY[...])`, `LIKE` as
/// `~~`, and `pg_catalog.`/`public.` dropped from function names. `None` when the text
/// does not parse.
pub fn normalized(text: &str) -> Option<String> {
    let mut node = parse_expression(text)?;
    normalize(&mut node);
    expression(&node)
}

fn normalize(node: &mut Node) {
    // A cast is replaced by what it casts, repeatedly (`'1'::text::int`).
    while let Some(NodeEnum::TypeCast(cast)) = &mut node.node {
        let Some(inner) = cast.arg.take() else { break };
        *node = *inner;
    }
    let Some(kind) = &mut node.node else { return };
    match kind {
        NodeEnum::AConst(constant) => stringify(constant),
        NodeEnum::AExpr(expr) => {
            rewrite_operator(expr);
            boxed(&mut expr.lexpr);
            boxed(&mut expr.rexpr);
        }
        NodeEnum::BoolExpr(expr) => list(&mut expr.args),
        NodeEnum::FuncCall(call) => {
            if call.funcname.len() == 2 {
                let schema = match call.funcname.first().and_then(|n| n.node.as_ref()) {
                    Some(NodeEnum::String(s)) => s.sval.as_str(),
                    _ => "",
                };
                if schema == "pg_catalog" || schema == "public" {
                    call.funcname.remove(0);
                }
            }
            list(&mut call.args);
            list(&mut call.agg_order);
            boxed(&mut call.agg_filter);
        }
        NodeEnum::List(items) => list(&mut items.items),
        NodeEnum::AArrayExpr(array) => list(&mut array.elements),
        NodeEnum::RowExpr(row) => list(&mut row.args),
        NodeEnum::CoalesceExpr(expr) => list(&mut expr.args),
        NodeEnum::MinMaxExpr(expr) => list(&mut expr.args),
        NodeEnum::NullTest(test) => boxed(&mut test.arg),
        NodeEnum::BooleanTest(test) => boxed(&mut test.arg),
        NodeEnum::CaseExpr(case) => {
            boxed(&mut case.arg);
            list(&mut case.args);
            boxed(&mut case.defresult);
        }
        NodeEnum::CaseWhen(when) => {
            boxed(&mut when.expr);
            boxed(&mut when.result);
        }
        NodeEnum::CollateClause(collate) => boxed(&mut collate.arg),
        NodeEnum::NamedArgExpr(arg) => boxed(&mut arg.arg),
        NodeEnum::AIndirection(indirection) => boxed(&mut indirection.arg),
        NodeEnum::SortBy(sort) => boxed(&mut sort.node),
        _ => {}
    }
}

fn boxed(node: &mut Option<Box<Node>>) {
    if let Some(node) = node {
        normalize(node);
    }
}

fn list(nodes: &mut [Node]) {
    nodes.iter_mut().for_each(normalize);
}

/// Numbers, booleans and strings all as strings: a typed constant prints as a string
/// with a cast, which the normal form drops.
fn stringify(constant: &mut AConst) {
    let text = match &constant.val {
        Some(a_const::Val::Ival(i)) => i.ival.to_string(),
        Some(a_const::Val::Fval(f)) => f.fval.clone(),
        Some(a_const::Val::Boolval(b)) => b.boolval.to_string(),
        Some(a_const::Val::Bsval(b)) => b.bsval.clone(),
        _ => return,
    };
    constant.val = Some(a_const::Val::Sval(PgString { sval: text }));
}

/// `IN (...)` and `LIKE` the way PostgreSQL stores them.
fn rewrite_operator(expr: &mut AExpr) {
    let kind = AExprKind::try_from(expr.kind).unwrap_or(AExprKind::Undefined);
    let operator = |name: &str| {
        vec![Node {
            node: Some(NodeEnum::String(PgString {
                sval: name.to_string(),
            })),
        }]
    };
    match kind {
        AExprKind::AexprIn => {
            let negated = matches!(expr.name.first().and_then(|n| n.node.as_ref()),
                Some(NodeEnum::String(s)) if s.sval == "<>");
            let elements = match expr.rexpr.as_deref().and_then(|r| r.node.as_ref()) {
                Some(NodeEnum::List(list)) => list.items.clone(),
                _ => return,
            };
            expr.kind = if negated {
                AExprKind::AexprOpAll as i32
            } else {
                AExprKind::AexprOpAny as i32
            };
            expr.rexpr = Some(Box::new(Node {
                node: Some(NodeEnum::AArrayExpr(AArrayExpr {
                    elements,
                    ..AArrayExpr::default()
                })),
            }));
        }
        AExprKind::AexprLike | AExprKind::AexprIlike => {
            let negated = matches!(expr.name.first().and_then(|n| n.node.as_ref()),
                Some(NodeEnum::String(s)) if s.sval.starts_with('!'));
            let name = match (kind == AExprKind::AexprIlike, negated) {
                (false, false) => "~~",
                (false, true) => "!~~",
                (true, false) => "~~*",
                (true, true) => "!~~*",
            };
            expr.kind = AExprKind::AexprOp as i32;
            expr.name = operator(name);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> Option<String> {
        expression(&parse_expression(text)?)
    }

    #[test]
    fn expressions_deparse() {
        assert_eq!(round_trip("now()").as_deref(), Some("now()"));
        assert_eq!(round_trip("'x'::text").as_deref(), Some("'x'::text"));
        assert_eq!(
            round_trip("CURRENT_TIMESTAMP").as_deref(),
            Some("current_timestamp")
        );
        assert_eq!(round_trip("1 + 2").as_deref(), Some("1 + 2"));
    }

    #[test]
    fn the_normal_form_ignores_what_postgres_adds() {
        let same = |written: &str, stored: &str| {
            assert_eq!(
                normalized(written),
                normalized(stored),
                "{written} / {stored}"
            );
        };
        same("'x'", "'x'::text");
        same("-1", "'-1'::integer");
        same("0", "0");
        same("nextval('t_id_seq')", "nextval('t_id_seq'::regclass)");
        same(
            "status IN ('a', 'b')",
            "(status = ANY (ARRAY['a'::text, 'b'::text]))",
        );
        same("name LIKE 'a%'", "((name)::text ~~ 'a%'::text)");
        same("lower(email)", "lower((email)::text)");
        same("pg_catalog.lower(email)", "lower(email)");
        same("'{}'::jsonb", "'{}'::jsonb");
        same("false", "false");
        assert_ne!(normalized("a + 1"), normalized("a - 1"));
        assert_eq!(normalized("not sql ("), None);
    }
}
