//! Small typed walks over expression trees: the columns an expression reads, and the
//! name PostgreSQL gives an output column (`FigureColname`).

use super::identifiers;
use pg_query::protobuf::{Node, SqlValueFunctionOp, SubLinkType};
use pg_query::NodeEnum;

/// A column reference: its name parts (`t.col` → `["t", "col"]`; `*` is `"*"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnReference {
    pub fields: Vec<String>,
    pub location: i32,
}

/// The column references of an expression, outside subqueries.
pub fn column_references(node: &Node) -> Vec<ColumnReference> {
    let mut found = Vec::new();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        let Some(kind) = &node.node else { continue };
        match kind {
            NodeEnum::ColumnRef(reference) => found.push(ColumnReference {
                fields: reference
                    .fields
                    .iter()
                    .map(|f| match &f.node {
                        Some(NodeEnum::String(s)) => s.sval.clone(),
                        _ => "*".to_string(),
                    })
                    .collect(),
                location: reference.location,
            }),
            NodeEnum::AExpr(e) => push_boxed(&mut stack, [&e.lexpr, &e.rexpr]),
            NodeEnum::BoolExpr(e) => stack.extend(&e.args),
            NodeEnum::FuncCall(f) => {
                stack.extend(&f.args);
                stack.extend(&f.agg_order);
                push_boxed(&mut stack, [&f.agg_filter]);
            }
            NodeEnum::TypeCast(c) => push_boxed(&mut stack, [&c.arg]),
            NodeEnum::CollateClause(c) => push_boxed(&mut stack, [&c.arg]),
            NodeEnum::NullTest(t) => push_boxed(&mut stack, [&t.arg]),
            NodeEnum::BooleanTest(t) => push_boxed(&mut stack, [&t.arg]),
            NodeEnum::CaseExpr(c) => {
                push_boxed(&mut stack, [&c.arg, &c.defresult]);
                stack.extend(&c.args);
            }
            NodeEnum::CaseWhen(w) => push_boxed(&mut stack, [&w.expr, &w.result]),
            NodeEnum::CoalesceExpr(c) => stack.extend(&c.args),
            NodeEnum::MinMaxExpr(m) => stack.extend(&m.args),
            NodeEnum::AArrayExpr(a) => stack.extend(&a.elements),
            NodeEnum::RowExpr(r) => stack.extend(&r.args),
            NodeEnum::List(l) => stack.extend(&l.items),
            NodeEnum::AIndirection(i) => push_boxed(&mut stack, [&i.arg]),
            NodeEnum::NamedArgExpr(a) => push_boxed(&mut stack, [&a.arg]),
            NodeEnum::SortBy(s) => push_boxed(&mut stack, [&s.node]),
            NodeEnum::SubLink(s) => push_boxed(&mut stack, [&s.testexpr]),
            _ => {}
        }
    }
    found
}

fn push_boxed<'a, const N: usize>(stack: &mut Vec<&'a Node>, nodes: [&'a Option<Box<Node>>; N]) {
    stack.extend(nodes.into_iter().flatten().map(|b| &**b));
}

/// `FigureColname`: the name of an output column written without `AS`, with its
/// strength (2 for a real name, 1 for a fallback such as a type name or `case`).
pub fn figure_colname(node: &Node) -> (String, u8) {
    figure(node).unwrap_or_else(|| ("?column?".to_string(), 0))
}

fn figure(node: &Node) -> Option<(String, u8)> {
    let strong = |s: &str| Some((s.to_string(), 2));
    match node.node.as_ref()? {
        NodeEnum::ColumnRef(reference) => match reference.fields.last()?.node.as_ref()? {
            NodeEnum::String(s) => strong(&s.sval),
            _ => None,
        },
        NodeEnum::AIndirection(indirection) => {
            match indirection.indirection.last().and_then(|n| n.node.as_ref()) {
                Some(NodeEnum::String(s)) => strong(&s.sval),
                _ => figure(indirection.arg.as_deref()?),
            }
        }
        NodeEnum::FuncCall(call) => identifiers::strings(&call.funcname).pop().map(|n| (n, 2)),
        NodeEnum::AExpr(expr) => (expr.kind == pg_query::protobuf::AExprKind::AexprNullif as i32)
            .then(|| ("nullif".to_string(), 2)),
        NodeEnum::TypeCast(cast) => {
            let inner = cast.arg.as_deref().and_then(figure);
            match inner {
                Some((name, strength)) if strength > 1 => Some((name, strength)),
                _ => cast
                    .type_name
                    .as_ref()
                    .and_then(|t| identifiers::strings(&t.names).pop())
                    .map(|n| (n, 1))
                    .or(inner),
            }
        }
        NodeEnum::CollateClause(collate) => figure(collate.arg.as_deref()?),
        NodeEnum::GroupingFunc(_) => strong("grouping"),
        NodeEnum::SubLink(link) => match SubLinkType::try_from(link.sub_link_type).ok()? {
            SubLinkType::ExistsSublink => strong("exists"),
            SubLinkType::ArraySublink => strong("array"),
            SubLinkType::ExprSublink | SubLinkType::MultiexprSublink => {
                let Some(NodeEnum::SelectStmt(select)) =
                    link.subselect.as_deref().and_then(|s| s.node.as_ref())
                else {
                    return None;
                };
                match select.target_list.first()?.node.as_ref()? {
                    NodeEnum::ResTarget(target) if !target.name.is_empty() => strong(&target.name),
                    NodeEnum::ResTarget(target) => figure(target.val.as_deref()?),
                    _ => None,
                }
            }
            _ => None,
        },
        NodeEnum::CaseExpr(case) => match case.defresult.as_deref().and_then(figure) {
            Some((name, strength)) if strength > 1 => Some((name, strength)),
            _ => Some(("case".to_string(), 1)),
        },
        NodeEnum::AArrayExpr(_) => Some(("array".to_string(), 1)),
        NodeEnum::RowExpr(_) => Some(("row".to_string(), 1)),
        NodeEnum::CoalesceExpr(_) => strong("coalesce"),
        NodeEnum::MinMaxExpr(expr) => {
            if expr.op == pg_query::protobuf::MinMaxOp::IsGreatest as i32 {
                strong("greatest")
            } else {
                strong("least")
            }
        }
        NodeEnum::SqlvalueFunction(function) => {
            let name = match SqlValueFunctionOp::try_from(function.op).ok()? {
                SqlValueFunctionOp::SvfopCurrentDate => "current_date",
                SqlValueFunctionOp::SvfopCurrentTime | SqlValueFunctionOp::SvfopCurrentTimeN => {
                    "current_time"
                }
                SqlValueFunctionOp::SvfopCurrentTimestamp
                | SqlValueFunctionOp::SvfopCurrentTimestampN => "current_timestamp",
                SqlValueFunctionOp::SvfopLocaltime | SqlValueFunctionOp::SvfopLocaltimeN => {
                    "localtime"
                }
                SqlValueFunctionOp::SvfopLocaltimestamp
                | SqlValueFunctionOp::SvfopLocaltimestampN => "localtimestamp",
                SqlValueFunctionOp::SvfopCurrentRole => "current_role",
                SqlValueFunctionOp::SvfopCurrentUser => "current_user",
                SqlValueFunctionOp::SvfopUser => "user",
                SqlValueFunctionOp::SvfopSessionUser => "session_user",
                SqlValueFunctionOp::SvfopCurrentCatalog => "current_catalog",
                SqlValueFunctionOp::SvfopCurrentSchema => "current_schema",
                _ => return None,
            };
            strong(name)
        }
        _ => None,
    }
}

/// Whether an expression is a NULL constant, cast or not (`NULL`, `NULL::text`).
pub fn is_null_constant(node: &Node) -> bool {
    match &node.node {
        Some(NodeEnum::AConst(c)) => c.isnull,
        Some(NodeEnum::TypeCast(cast)) => cast.arg.as_deref().is_some_and(is_null_constant),
        _ => false,
    }
}

/// Where an identifier occurs in SQL text as a whole word (outside string literals),
/// written plainly or quoted: byte ranges.
fn identifier_occurrences(text: &str, identifier: &str) -> Vec<std::ops::Range<usize>> {
    let quoted = identifiers::quote_ident(identifier);
    let forms: Vec<String> = if quoted == identifier {
        vec![identifier.to_string(), format!("\"{identifier}\"")]
    } else {
        vec![quoted]
    };
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80;
    let mut found = Vec::new();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\'' {
            in_string = !in_string;
            i += 1;
            continue;
        }
        if !in_string && (i == 0 || !is_word(bytes[i - 1])) {
            if let Some(form) = forms.iter().find(|f| bytes[i..].starts_with(f.as_bytes())) {
                let end = i + form.len();
                let whole = form.ends_with('"') || end >= bytes.len() || !is_word(bytes[end]);
                if whole {
                    found.push(i..end);
                    i = end;
                    continue;
                }
            }
        }
        i += 1;
    }
    found
}

/// Whether SQL text (a deparsed expression) mentions a column.
pub fn mentions(text: &str, column: &str) -> bool {
    // Text without the name in it mentions it in neither form (but the quoted form of
    // a name with `"` doubles it), and most texts are checked for columns they lack.
    if !column.contains('"') && !text.contains(column) {
        return false;
    }
    !identifier_occurrences(text, column).is_empty()
}

/// SQL text with a column renamed (`ALTER TABLE ... RENAME COLUMN`).
pub fn rename_in(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for range in identifier_occurrences(text, from) {
        out.push_str(&text[last..range.start]);
        out.push_str(&identifiers::quote_ident(to));
        last = range.end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(sql: &str) -> Vec<Node> {
        let tree = pg_query::parse(sql, 0).unwrap();
        let Some(NodeEnum::SelectStmt(select)) = tree.protobuf.stmts[0]
            .stmt
            .as_ref()
            .and_then(|s| s.node.clone())
        else {
            panic!("not a SELECT")
        };
        select
            .target_list
            .into_iter()
            .map(|t| match t.node {
                Some(NodeEnum::ResTarget(r)) => *r.val.unwrap(),
                _ => panic!("not a target"),
            })
            .collect()
    }

    #[test]
    fn output_columns_are_named_like_postgres() {
        let names: Vec<String> = targets(
            "SELECT t.a, count(*), b::text, 1, 'x'::varchar, CASE WHEN a THEN 1 END, \
             coalesce(a, b), now(), CURRENT_TIMESTAMP, (SELECT max(x) FROM y), \
             EXISTS (SELECT 1), ARRAY[1], a + 1",
        )
        .iter()
        .map(|n| figure_colname(n).0)
        .collect();
        assert_eq!(
            names,
            [
                "a",
                "count",
                "b",
                "?column?",
                "varchar",
                "case",
                "coalesce",
                "now",
                "current_timestamp",
                "max",
                "exists",
                "array",
                "?column?"
            ]
        );
    }

    #[test]
    fn identifiers_are_found_as_whole_words_outside_strings() {
        assert!(mentions("lower(email)", "email"));
        assert!(!mentions("lower(emails)", "email"));
        assert!(!mentions("x = 'email'", "email"));
        assert!(mentions("\"userId\" > 0", "userId"));
        assert!(mentions("\"a\"\"b\" > 0", "a\"b"));
        assert!(!mentions("ab > 0", "a\"b"));
        assert_eq!(rename_in("a + ab + 'a'", "a", "b"), "b + ab + 'a'");
        assert_eq!(rename_in("a > 0", "a", "Big"), "\"Big\" > 0");
    }

    #[test]
    fn column_references_are_found() {
        let expr = &targets("SELECT lower(a) || t.b || coalesce(c, 'x')")[0];
        let fields: Vec<Vec<String>> = column_references(expr)
            .into_iter()
            .map(|r| r.fields)
            .collect();
        assert_eq!(fields, [vec!["c"], vec!["t", "b"], vec!["a"]]);
        assert!(is_null_constant(&targets("SELECT NULL::text")[0]));
        assert!(!is_null_constant(&targets("SELECT 'x'")[0]));
    }
}
