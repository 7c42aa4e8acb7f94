//! Views and materialized views, with their output columns: names as PostgreSQL
//! gives them (`FigureColname`, `*` expanded, aliases), and types where they can be
//! derived (columns of the relations read, casts, constants, common functions).

use super::super::builder::{CatalogBuilder, TypeFound};
use super::super::deparse;
use super::super::identifiers::{self, WrittenName};
use super::super::model::{Column, QualifiedName, View, ViewColumn};
use super::super::name_index::RelationKind;
use super::super::type_names::{self, ColumnType};
use super::super::walk;
use pg_query::protobuf::{
    a_const, AExprKind, IntoClause, Node, SelectStmt, SetOperation, SubLinkType, ViewStmt,
};
use pg_query::NodeEnum;
use std::rc::Rc;

/// An output column: its name and, when known, its type.
pub(in crate::catalog) type OutputColumn = (String, Option<ColumnType>);

/// The columns of a `FROM` item or a `WITH` query, shared between the scope, `*`
/// and the queries that read it instead of copied to each.
type SharedColumns = Rc<Vec<OutputColumn>>;

/// One item of a `FROM` list, as column references see it.
struct ScopeItem {
    /// The name it is referred to by (alias, or the relation's name).
    name: String,
    /// Its columns, `None` when unknown.
    columns: Option<SharedColumns>,
}

/// A `WITH` query, by name.
struct Cte {
    name: String,
    columns: Option<SharedColumns>,
}

impl CatalogBuilder {
    pub(super) fn create_view(&mut self, stmt: &ViewStmt) {
        let Some(relation) = &stmt.view else { return };
        if relation.relpersistence == "t" {
            return;
        }
        let Some((name, anchor)) = self.new_relation_name(relation) else {
            return;
        };
        let query = stmt.query.as_deref().and_then(|q| q.node.as_ref());
        let replacing = stmt.replace && self.view(&name).is_some_and(|v| !v.materialized);
        if !replacing && !self.claim_relation_name(&name, false, anchor) {
            return;
        }
        if let Some(query) = query {
            self.require_query_relations(query);
        }
        let aliases = identifiers::strings(&stmt.aliases);
        let columns = self.view_columns(&name, query, &aliases);
        let sources = query.map(|q| self.query_sources(q)).unwrap_or_default();
        self.view_sources.insert(name.clone(), sources);
        let mut creating = stmt.clone();
        creating.replace = false;
        let definition = deparse::statement(NodeEnum::ViewStmt(Box::new(creating)));
        let search_path = self.view_search_path();
        if replacing {
            if let Some(view) = self.view_mut(&name) {
                view.definition = definition;
                view.search_path = search_path;
                // `OR REPLACE` keeps the columns it had, in order (it may only add at
                // the end), and with them their comments.
                let mut columns = columns;
                for (new, old) in columns.iter_mut().zip(&mut view.columns) {
                    new.comment = old.comment.take();
                }
                view.columns = columns;
            }
            return;
        }
        self.name_index
            .note_relation(&name.schema, &name.name, RelationKind::View);
        self.catalog.views.push(View {
            schema: name.schema,
            name: name.name,
            materialized: false,
            definition,
            search_path,
            columns,
            indexes: Vec::new(),
            comment: None,
        });
    }

    pub(super) fn create_materialized_view(
        &mut self,
        into: &IntoClause,
        query: Option<&NodeEnum>,
        if_not_exists: bool,
        definition: Option<String>,
    ) {
        let Some(relation) = &into.rel else { return };
        let Some((name, anchor)) = self.new_relation_name(relation) else {
            return;
        };
        if !self.claim_relation_name(&name, if_not_exists, anchor) {
            return;
        }
        if let Some(query) = query {
            self.require_query_relations(query);
        }
        let aliases = identifiers::strings(&into.col_names);
        let columns = self.view_columns(&name, query, &aliases);
        let sources = query.map(|q| self.query_sources(q)).unwrap_or_default();
        self.view_sources.insert(name.clone(), sources);
        self.name_index
            .note_relation(&name.schema, &name.name, RelationKind::MaterializedView);
        self.catalog.views.push(View {
            schema: name.schema,
            name: name.name,
            materialized: true,
            definition,
            search_path: self.view_search_path(),
            columns,
            indexes: Vec::new(),
            comment: None,
        });
    }

    /// The search path a view's query is read with, when not the default.
    fn view_search_path(&self) -> Vec<String> {
        let path = self.search_path.schemas();
        if path == super::super::identifiers::SearchPath::default().schemas() {
            Vec::new()
        } else {
            path.to_vec()
        }
    }

    /// A view's columns; a view whose columns cannot be derived is uncertain.
    fn view_columns(
        &mut self,
        name: &QualifiedName,
        query: Option<&NodeEnum>,
        aliases: &[String],
    ) -> Vec<ViewColumn> {
        let Some(derived) = query.and_then(|q| self.query_columns(q)) else {
            self.uncertainty.object(
                "view",
                name,
                "a view whose columns the catalog cannot derive".to_string(),
            );
            return aliases
                .iter()
                .map(|a| ViewColumn {
                    name: a.clone(),
                    type_name: None,
                    base_type: None,
                    array_dimensions: 0,
                    comment: None,
                })
                .collect();
        };
        derived
            .into_iter()
            .enumerate()
            .map(|(i, (column, t))| {
                let array_dimensions = t.as_ref().map_or(0, |t| t.array_dimensions);
                let (type_name, base_type) = t.map(|t| (t.format, t.base)).unzip();
                ViewColumn {
                    name: aliases.get(i).cloned().unwrap_or(column),
                    type_name,
                    base_type,
                    array_dimensions,
                    comment: None,
                }
            })
            .collect()
    }

    /// The output columns of a query, or `None` when they cannot be derived.
    pub(in crate::catalog) fn query_columns(&self, query: &NodeEnum) -> Option<Vec<OutputColumn>> {
        match query {
            NodeEnum::SelectStmt(select) => self.select_columns(select, &[]),
            _ => None,
        }
    }

    fn select_columns(&self, select: &SelectStmt, outer_ctes: &[Cte]) -> Option<Vec<OutputColumn>> {
        let mut ctes: Vec<Cte> = Vec::new();
        if let Some(with) = &select.with_clause {
            for cte in &with.ctes {
                let Some(NodeEnum::CommonTableExpr(cte)) = &cte.node else {
                    continue;
                };
                let visible: Vec<Cte> = outer_ctes
                    .iter()
                    .map(|c| Cte {
                        name: c.name.clone(),
                        columns: c.columns.clone(),
                    })
                    .chain(ctes.iter().map(|c| Cte {
                        name: c.name.clone(),
                        columns: c.columns.clone(),
                    }))
                    .collect();
                let mut columns = match cte.ctequery.as_deref().and_then(|q| q.node.as_ref()) {
                    Some(NodeEnum::SelectStmt(inner)) => {
                        self.select_columns(inner, &visible).map(Rc::new)
                    }
                    _ => None,
                };
                rename_columns(&mut columns, &cte.aliascolnames);
                ctes.push(Cte {
                    name: cte.ctename.clone(),
                    columns,
                });
            }
        }
        let all_ctes: Vec<Cte> = outer_ctes
            .iter()
            .map(|c| Cte {
                name: c.name.clone(),
                columns: c.columns.clone(),
            })
            .chain(ctes)
            .collect();

        if select.op != SetOperation::SetopNone as i32
            && select.op != SetOperation::Undefined as i32
        {
            let left = self.select_columns(select.larg.as_deref()?, &all_ctes)?;
            let right = select
                .rarg
                .as_deref()
                .and_then(|r| self.select_columns(r, &all_ctes));
            return Some(
                left.into_iter()
                    .enumerate()
                    .map(|(i, (name, t))| {
                        let agrees = right
                            .as_ref()
                            .and_then(|r| r.get(i))
                            .is_some_and(|(_, rt)| rt == &t);
                        (name, t.filter(|_| agrees))
                    })
                    .collect(),
            );
        }
        if let Some(first) = select.values_lists.first() {
            let Some(NodeEnum::List(row)) = &first.node else {
                return None;
            };
            return Some(
                row.items
                    .iter()
                    .enumerate()
                    .map(|(i, value)| {
                        (format!("column{}", i + 1), self.expression_type(value, &[]))
                    })
                    .collect(),
            );
        }

        let mut scope = Vec::new();
        let mut star_order: Vec<Option<SharedColumns>> = Vec::new();
        for item in &select.from_clause {
            star_order.push(self.scope_item(item, &all_ctes, &mut scope));
        }
        let mut columns = Vec::new();
        for target in &select.target_list {
            let Some(NodeEnum::ResTarget(target)) = &target.node else {
                return None;
            };
            let value = target.val.as_deref()?;
            if let Some(NodeEnum::ColumnRef(reference)) = &value.node {
                let is_star = matches!(
                    reference.fields.last().and_then(|f| f.node.as_ref()),
                    Some(NodeEnum::AStar(_))
                );
                if is_star {
                    let qualifier = identifiers::strings(&reference.fields).pop();
                    match qualifier {
                        None => {
                            for item in &star_order {
                                columns.extend(item.as_deref()?.iter().cloned());
                            }
                        }
                        Some(qualifier) => {
                            let item = scope.iter().find(|i: &&ScopeItem| i.name == qualifier)?;
                            columns.extend(item.columns.as_deref()?.iter().cloned());
                        }
                    }
                    continue;
                }
            }
            let name = if target.name.is_empty() {
                walk::figure_colname(value).0
            } else {
                target.name.clone()
            };
            columns.push((name, self.expression_type(value, &scope)));
        }
        Some(columns)
    }

    /// Adds a `FROM` item's names to `scope` and returns its columns as `*` expands
    /// them (`None` when unknown).
    fn scope_item(
        &self,
        item: &Node,
        ctes: &[Cte],
        scope: &mut Vec<ScopeItem>,
    ) -> Option<SharedColumns> {
        match item.node.as_ref()? {
            NodeEnum::RangeVar(range) => {
                let cte = ctes
                    .iter()
                    .rev()
                    .find(|c| range.schemaname.is_empty() && c.name == range.relname);
                let mut columns = match cte {
                    Some(cte) => cte.columns.clone(),
                    None => self
                        .find_relation(&WrittenName::of_range_var(range))
                        .filter(|(name, _)| !self.shape_uncertain(name))
                        .and_then(|(name, _)| self.relation_columns(&name))
                        .map(Rc::new),
                };
                let mut name = range.relname.clone();
                if let Some(alias) = &range.alias {
                    name = alias.aliasname.clone();
                    rename_columns(&mut columns, &alias.colnames);
                }
                scope.push(ScopeItem {
                    name,
                    columns: columns.clone(),
                });
                columns
            }
            NodeEnum::RangeSubselect(subselect) => {
                let mut columns = match subselect.subquery.as_deref().and_then(|q| q.node.as_ref())
                {
                    Some(NodeEnum::SelectStmt(select)) => {
                        self.select_columns(select, ctes).map(Rc::new)
                    }
                    _ => None,
                };
                let alias = subselect.alias.as_ref();
                if let Some(alias) = alias {
                    rename_columns(&mut columns, &alias.colnames);
                }
                scope.push(ScopeItem {
                    name: alias.map(|a| a.aliasname.clone()).unwrap_or_default(),
                    columns: columns.clone(),
                });
                columns
            }
            NodeEnum::JoinExpr(join) => {
                let left = self.scope_item(join.larg.as_deref()?, ctes, scope);
                let right = self.scope_item(join.rarg.as_deref()?, ctes, scope);
                let using = identifiers::strings(&join.using_clause);
                let (left, right) = (left?, right?);
                let using: Vec<String> = if join.is_natural {
                    left.iter()
                        .filter(|(l, _)| right.iter().any(|(r, _)| r == l))
                        .map(|(l, _)| l.clone())
                        .collect()
                } else {
                    using
                };
                let mut columns: Vec<OutputColumn> = using
                    .iter()
                    .filter_map(|u| left.iter().find(|(l, _)| l == u).cloned())
                    .collect();
                columns.extend(left.iter().filter(|(l, _)| !using.contains(l)).cloned());
                columns.extend(right.iter().filter(|(r, _)| !using.contains(r)).cloned());
                let columns = Rc::new(columns);
                if let Some(alias) = &join.alias {
                    scope.push(ScopeItem {
                        name: alias.aliasname.clone(),
                        columns: Some(columns.clone()),
                    });
                }
                Some(columns)
            }
            NodeEnum::RangeFunction(function) => {
                let alias = function.alias.as_ref();
                let columns = alias.filter(|a| !a.colnames.is_empty()).map(|a| {
                    Rc::new(
                        identifiers::strings(&a.colnames)
                            .into_iter()
                            .map(|n| (n, None))
                            .collect(),
                    )
                });
                scope.push(ScopeItem {
                    name: alias.map(|a| a.aliasname.clone()).unwrap_or_default(),
                    columns: columns.clone(),
                });
                columns
            }
            _ => None,
        }
    }

    /// The type of an expression, where it can be derived.
    fn expression_type(&self, node: &Node, scope: &[ScopeItem]) -> Option<ColumnType> {
        match node.node.as_ref()? {
            NodeEnum::ColumnRef(reference) => {
                let fields = identifiers::strings(&reference.fields);
                match fields.as_slice() {
                    [column] => scope
                        .iter()
                        .filter_map(|i| i.columns.as_ref())
                        .find_map(|cs| cs.iter().find(|(n, _)| n == column))
                        .and_then(|(_, t)| t.clone()),
                    [.., item, column] => scope
                        .iter()
                        .find(|i| &i.name == item)
                        .and_then(|i| i.columns.as_ref())
                        .and_then(|cs| cs.iter().find(|(n, _)| n == column))
                        .and_then(|(_, t)| t.clone()),
                    [] => None,
                }
            }
            NodeEnum::TypeCast(cast) => match self.resolve_type(cast.type_name.as_ref()?, false) {
                TypeFound::Found(t) => Some(t),
                _ => None,
            },
            NodeEnum::AConst(constant) => {
                let name = match &constant.val {
                    Some(a_const::Val::Ival(_)) => "int4",
                    Some(a_const::Val::Fval(_)) => "numeric",
                    Some(a_const::Val::Boolval(_)) => "bool",
                    Some(a_const::Val::Sval(_)) | None => "text",
                    Some(a_const::Val::Bsval(_)) => "bit",
                };
                type_names::builtin(name)
            }
            NodeEnum::BoolExpr(_) | NodeEnum::NullTest(_) | NodeEnum::BooleanTest(_) => {
                type_names::builtin("bool")
            }
            NodeEnum::SubLink(link) => match SubLinkType::try_from(link.sub_link_type).ok()? {
                SubLinkType::ExistsSublink | SubLinkType::AnySublink | SubLinkType::AllSublink => {
                    type_names::builtin("bool")
                }
                SubLinkType::ExprSublink | SubLinkType::ArraySublink => {
                    let Some(NodeEnum::SelectStmt(select)) =
                        link.subselect.as_deref().and_then(|s| s.node.as_ref())
                    else {
                        return None;
                    };
                    let (_, t) = self.select_columns(select, &[])?.into_iter().next()?;
                    let t = t?;
                    if link.sub_link_type == SubLinkType::ArraySublink as i32 {
                        Some(type_names::array_of(&t))
                    } else {
                        Some(t)
                    }
                }
                _ => None,
            },
            NodeEnum::CoalesceExpr(e) => e.args.iter().find_map(|a| self.expression_type(a, scope)),
            NodeEnum::MinMaxExpr(e) => e.args.iter().find_map(|a| self.expression_type(a, scope)),
            NodeEnum::CaseExpr(case) => case
                .args
                .iter()
                .filter_map(|w| match &w.node {
                    Some(NodeEnum::CaseWhen(w)) => w.result.as_deref(),
                    _ => None,
                })
                .chain(case.defresult.as_deref())
                .filter(|r| !walk::is_null_constant(r))
                .find_map(|r| self.expression_type(r, scope)),
            NodeEnum::AArrayExpr(array) => array
                .elements
                .iter()
                .find_map(|e| self.expression_type(e, scope))
                .map(|t| type_names::array_of(&t)),
            NodeEnum::SqlvalueFunction(f) => {
                use pg_query::protobuf::SqlValueFunctionOp as Op;
                match Op::try_from(f.op).ok()? {
                    Op::SvfopCurrentDate => type_names::builtin("date"),
                    Op::SvfopCurrentTime | Op::SvfopCurrentTimeN => type_names::builtin("timetz"),
                    Op::SvfopCurrentTimestamp | Op::SvfopCurrentTimestampN => {
                        type_names::builtin("timestamptz")
                    }
                    Op::SvfopLocaltime | Op::SvfopLocaltimeN => type_names::builtin("time"),
                    Op::SvfopLocaltimestamp | Op::SvfopLocaltimestampN => {
                        type_names::builtin("timestamp")
                    }
                    _ => type_names::builtin("name"),
                }
            }
            NodeEnum::AExpr(expr) => self.operator_type(expr, scope),
            NodeEnum::FuncCall(call) => self.function_type(call, scope),
            _ => None,
        }
    }

    fn operator_type(
        &self,
        expr: &pg_query::protobuf::AExpr,
        scope: &[ScopeItem],
    ) -> Option<ColumnType> {
        let kind = AExprKind::try_from(expr.kind).ok()?;
        let left = || {
            expr.lexpr
                .as_deref()
                .and_then(|l| self.expression_type(l, scope))
        };
        let right = || {
            expr.rexpr
                .as_deref()
                .and_then(|r| self.expression_type(r, scope))
        };
        match kind {
            AExprKind::AexprOp => {}
            AExprKind::AexprNullif => return left(),
            _ => return type_names::builtin("bool"),
        }
        let operator = identifiers::strings(&expr.name).pop()?;
        match operator.as_str() {
            "=" | "<>" | "<" | ">" | "<=" | ">=" | "~~" | "!~~" | "~~*" | "!~~*" | "~" | "~*"
            | "!~" | "!~*" | "@>" | "<@" | "&&" | "?" | "?|" | "?&" | "@@" => {
                type_names::builtin("bool")
            }
            "->>" | "#>>" => type_names::builtin("text"),
            "->" | "#>" | "#-" => left(),
            "||" => {
                let left = left();
                if left
                    .as_ref()
                    .is_some_and(|t| t.array_dimensions > 0 || t.base.name == "jsonb")
                {
                    left
                } else {
                    type_names::builtin("text")
                }
            }
            "+" | "-" | "*" | "/" | "%" => arithmetic_type(&operator, left()?, right()?),
            _ => None,
        }
    }

    /// A function's result type: without modifiers, as PostgreSQL's functions return.
    fn function_type(
        &self,
        call: &pg_query::protobuf::FuncCall,
        scope: &[ScopeItem],
    ) -> Option<ColumnType> {
        self.function_result(call, scope).map(without_modifiers)
    }

    fn function_result(
        &self,
        call: &pg_query::protobuf::FuncCall,
        scope: &[ScopeItem],
    ) -> Option<ColumnType> {
        let name = identifiers::strings(&call.funcname).pop()?;
        let first = || {
            call.args
                .first()
                .and_then(|a| self.expression_type(a, scope))
        };
        let builtin = |name: &str| type_names::builtin(name);
        match name.as_str() {
            "count" | "row_number" | "rank" | "dense_rank" => builtin("int8"),
            "sum" => {
                let arg = first()?;
                match arg.base.name.as_str() {
                    "int2" | "int4" => builtin("int8"),
                    "int8" | "numeric" => builtin("numeric"),
                    _ => Some(arg),
                }
            }
            "avg" => match first()?.base.name.as_str() {
                "float4" | "float8" => builtin("float8"),
                "interval" => builtin("interval"),
                _ => builtin("numeric"),
            },
            "min" | "max" | "abs" | "any_value" | "first_value" | "last_value" | "lag" | "lead" => {
                first()
            }
            "array_agg" => first()
                .filter(|t| t.array_dimensions == 0)
                .map(|t| type_names::array_of(&t)),
            "now"
            | "statement_timestamp"
            | "clock_timestamp"
            | "transaction_timestamp"
            | "to_timestamp" => builtin("timestamptz"),
            "date" => builtin("date"),
            "lower" | "upper" | "trim" | "btrim" | "ltrim" | "rtrim" | "concat" | "concat_ws"
            | "replace" | "substring" | "substr" | "left" | "right" | "md5" | "format"
            | "to_char" | "initcap" | "lpad" | "rpad" | "repeat" | "regexp_replace"
            | "split_part" | "translate" | "string_agg" => builtin("text"),
            "length" | "char_length" | "octet_length" | "strpos" | "position" | "array_length"
            | "cardinality" | "jsonb_array_length" | "json_array_length" => builtin("int4"),
            "bool_and" | "bool_or" | "every" => builtin("bool"),
            "gen_random_uuid" | "uuid_generate_v4" | "uuid_generate_v1" => builtin("uuid"),
            "json_agg" | "json_build_object" | "json_build_array" | "to_json"
            | "json_object_agg" => builtin("json"),
            "jsonb_agg" | "jsonb_build_object" | "jsonb_build_array" | "to_jsonb"
            | "jsonb_object_agg" | "jsonb_set" | "jsonb_strip_nulls" => builtin("jsonb"),
            "date_part" => builtin("float8"),
            "extract" => builtin("numeric"),
            "age" => builtin("interval"),
            "to_tsvector" | "setweight" => builtin("tsvector"),
            "date_trunc" => call
                .args
                .get(1)
                .and_then(|a| self.expression_type(a, scope)),
            _ => None,
        }
    }
}

/// The type without modifiers (`numeric(10,2)` → `numeric`).
fn without_modifiers(t: ColumnType) -> ColumnType {
    if t.base.schema != identifiers::PG_CATALOG {
        return t;
    }
    match type_names::builtin(&t.base.name) {
        Some(plain) if t.array_dimensions > 0 => type_names::array_of(&plain),
        Some(plain) => plain,
        None => t,
    }
}

/// The result of `+ - * / %` on two types: numbers promote (`integer * numeric` is
/// `numeric`), dates and times follow PostgreSQL's operators.
fn arithmetic_type(operator: &str, left: ColumnType, right: ColumnType) -> Option<ColumnType> {
    const NUMBERS: &[&str] = &["int2", "int4", "int8", "numeric", "float4", "float8"];
    let rank = |t: &ColumnType| {
        (t.array_dimensions == 0)
            .then(|| NUMBERS.iter().position(|n| *n == t.base.name))
            .flatten()
    };
    if let (Some(l), Some(r)) = (rank(&left), rank(&right)) {
        let name = NUMBERS.get(l.max(r)).copied()?;
        return type_names::builtin(name);
    }
    let (l, r) = (left.base.name.as_str(), right.base.name.as_str());
    let name = match (l, operator, r) {
        ("date", "+" | "-", "int2" | "int4") => "date",
        ("date", "-", "date") => "int4",
        ("date", "+" | "-", "interval") => "timestamp",
        ("timestamp" | "timestamptz", "+" | "-", "interval") => l,
        ("interval", "+", "timestamp" | "timestamptz") => r,
        ("timestamp", "-", "timestamp") | ("timestamptz", "-", "timestamptz") => "interval",
        ("interval", "+" | "-", "interval") => "interval",
        ("interval", "*" | "/", _) | (_, "*", "interval") => "interval",
        _ => return None,
    };
    type_names::builtin(name)
}

/// Renames the first columns after an alias's column list (copying columns shared
/// with another item first).
fn rename_columns(columns: &mut Option<SharedColumns>, aliases: &[Node]) {
    if aliases.is_empty() {
        return;
    }
    if let Some(columns) = columns {
        let columns = Rc::make_mut(columns);
        for (column, alias) in columns.iter_mut().zip(identifiers::strings(aliases)) {
            column.0 = alias;
        }
    }
}

/// A table column made from a derived output column (`CREATE TABLE AS`).
pub(in crate::catalog) fn column_of(name: String, column_type: Option<ColumnType>) -> Column {
    let (type_name, base_type, array_dimensions) = match column_type {
        Some(t) => (t.format, t.base, t.array_dimensions),
        None => (String::new(), QualifiedName::new("", ""), 0),
    };
    Column {
        name,
        type_name,
        base_type,
        array_dimensions,
        nullable: true,
        default: None,
        identity: None,
        generated: None,
        serial: None,
        comment: None,
    }
}
