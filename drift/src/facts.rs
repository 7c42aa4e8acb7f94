//! Both schemas as the same list of objects, each with the properties the check
//! compares: the expected one from the analyzer's catalog, the actual one from the rows
//! of the catalog read (`query::catalog_read`).

use crate::difference::ObjectKind;
use crate::query::tag;
use crate::{DriftError, Rows};
use pgstrata_analyzer::catalog::{
    foreign_key_action, normalized_expression, Catalog, Function, Index, Key, TableKind, ViewColumn,
};
use std::collections::{BTreeMap, BTreeSet};

/// What tells two objects apart: their kind, name and the relation they are on.
pub(crate) type ObjectKey = (ObjectKind, String, Option<String>);

/// One property's value: as shown to users, and as compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Value {
    pub shown: String,
    pub compared: String,
}

impl Value {
    fn text(text: impl Into<String>) -> Value {
        let text = text.into();
        Value {
            shown: text.clone(),
            compared: text,
        }
    }

    fn optional(text: Option<&str>) -> Value {
        Value::text(text.unwrap_or(NONE))
    }

    /// An expression, compared in the analyzer's normal form.
    fn expression(text: Option<&str>) -> Value {
        Value {
            shown: text.unwrap_or(NONE).to_string(),
            compared: normal(text),
        }
    }

    /// The value of a literal (`'f'` gives `f`), when the compared form is one.
    pub fn literal(&self) -> Option<String> {
        self.compared
            .strip_prefix('\'')
            .and_then(|n| n.strip_suffix('\''))
            .filter(|inner| !inner.replace("''", "").contains('\''))
            .map(|inner| inner.replace("''", "'"))
    }
}

/// How "none" is written in a difference.
pub(crate) const NONE: &str = "-";

/// An expression in the analyzer's normal form (as written when it does not parse).
fn normal(text: Option<&str>) -> String {
    match text {
        Some(text) => normalized_expression(text).unwrap_or_else(|| format!("<raw> {text}")),
        None => NONE.to_string(),
    }
}

/// One object of either schema.
#[derive(Debug, Clone)]
pub(crate) struct Object {
    pub kind: ObjectKind,
    /// As reported: `public.users`, `public.users.email`, `public.f(integer)`.
    pub name: String,
    /// The relation an index, constraint, column or trigger is on.
    pub table: Option<String>,
    /// The schema, for all but schemas and extensions.
    pub schema: Option<String>,
    /// `schema.name` without a function's arguments: what uncertainty and the ignored
    /// relations name.
    pub qualified: String,
    /// The relation the object goes with: the one it is on, or the one whose column
    /// owns a sequence.
    pub owner: Option<String>,
    pub properties: BTreeMap<&'static str, Value>,
    /// For the database's column or domain with a literal default: the type to print
    /// it through (`query::Literal::cast`).
    pub literal_cast: Option<String>,
}

impl Object {
    fn new(kind: ObjectKind, schema: Option<&str>, name: &str) -> Object {
        let qualified = match schema {
            Some(schema) => qualified(schema, name),
            None => name.to_string(),
        };
        Object {
            kind,
            name: qualified.clone(),
            table: None,
            schema: schema.map(str::to_string),
            qualified,
            owner: None,
            properties: BTreeMap::new(),
            literal_cast: None,
        }
    }

    /// An object on a relation (a column, constraint, index or trigger).
    fn on(kind: ObjectKind, schema: &str, table: &str, name: &str) -> Object {
        let relation = qualified(schema, table);
        let mut object = Object::new(kind, Some(schema), name);
        if kind == ObjectKind::Column {
            object.name = format!("{relation}.{name}");
        }
        object.qualified = relation.clone();
        object.table = Some(relation.clone());
        object.owner = Some(relation);
        object
    }

    fn with(mut self, property: &'static str, value: Value) -> Object {
        self.properties.insert(property, value);
        self
    }

    pub fn key(&self) -> ObjectKey {
        (self.kind, self.name.clone(), self.table.clone())
    }
}

pub(crate) fn qualified(schema: &str, name: &str) -> String {
    format!("{schema}.{name}")
}

/// Objects by key (a later duplicate replaces an earlier one).
pub(crate) type Objects = BTreeMap<ObjectKey, Object>;

fn insert(objects: &mut Objects, object: Object) {
    objects.insert(object.key(), object);
}

fn table_kind(kind: TableKind) -> &'static str {
    match kind {
        TableKind::Table => "table",
        TableKind::Partitioned => "partitioned table",
        TableKind::Foreign => "foreign table",
        TableKind::Unlogged => "unlogged table",
    }
}

fn nullable(nullable: bool) -> Value {
    Value::text(if nullable { "null" } else { "not null" })
}

fn unique(unique: bool) -> Value {
    Value::text(if unique { "unique" } else { "not unique" })
}

fn list(items: &[String]) -> Value {
    Value::text(items.join(", "))
}

/// Enum labels as SQL literals: `'happy', 'sad'`.
fn labels(labels: &[String]) -> Value {
    let quoted: Vec<String> = labels
        .iter()
        .map(|l| format!("'{}'", l.replace('\'', "''")))
        .collect();
    Value::text(quoted.join(", "))
}

/// Named checks, `name: expression` joined by `; `, by name.
fn checks(mut checks: Vec<(String, String)>) -> Value {
    checks.sort();
    let shown: Vec<String> = checks.iter().map(|(n, e)| format!("{n}: {e}")).collect();
    let compared: Vec<String> = checks
        .iter()
        .map(|(n, e)| format!("{n}: {}", normal(Some(e))))
        .collect();
    if checks.is_empty() {
        return Value::text(NONE);
    }
    Value {
        shown: shown.join("; "),
        compared: compared.join("; "),
    }
}

/// Index keys: a column's name as is, an expression in its normal form.
fn index_keys(keys: &[(bool, String)]) -> Value {
    let shown: Vec<&str> = keys.iter().map(|(_, k)| k.as_str()).collect();
    let compared: Vec<String> = keys
        .iter()
        .map(|(is_column, k)| {
            if *is_column {
                k.clone()
            } else {
                normal(Some(k))
            }
        })
        .collect();
    Value {
        shown: shown.join(", "),
        compared: compared.join(", "),
    }
}

fn index(schema: &str, table: &str, index: &Index, columns: &[&str]) -> Object {
    let keys: Vec<(bool, String)> = index
        .columns
        .iter()
        .map(|k| (columns.contains(&k.as_str()), k.clone()))
        .collect();
    Object::on(ObjectKind::Index, schema, table, &index.name)
        .with("unique", unique(index.unique))
        .with("method", Value::text(&index.method))
        .with("columns", index_keys(&keys))
        .with("predicate", Value::expression(index.predicate.as_deref()))
}

fn key_constraint(schema: &str, table: &str, key: &Key, kind: &str) -> Object {
    Object::on(ObjectKind::Constraint, schema, table, &key.name)
        .with("kind", Value::text(kind))
        .with("columns", list(&key.columns))
}

fn references(schema: &str, table: &str, columns: &[String]) -> Value {
    Value::text(format!(
        "{} ({})",
        qualified(schema, table),
        columns.join(", ")
    ))
}

/// A type without its modifiers, as a function's signature has it:
/// `character varying(20)[]` gives `character varying[]`.
fn without_modifiers(type_name: &str) -> String {
    let mut out = String::with_capacity(type_name.len());
    let mut rest = type_name;
    while let Some(open) = rest.find('(') {
        let close = rest[open..].find(')').map(|c| open + c);
        match close {
            Some(close)
                if rest[open + 1..close]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ',' || c == ' ') =>
            {
                out.push_str(&rest[..open]);
                rest = &rest[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// How a difference names a catalog function: `public.f(integer, text)`, its input
/// arguments' types without modifiers, as the server's signature has them.
pub(crate) fn function_object(f: &Function) -> String {
    let arguments: Vec<String> = f.arguments.iter().map(|a| without_modifiers(a)).collect();
    function_name(&f.schema, &f.name, &arguments.join(", "))
}

fn function_name(schema: &str, name: &str, arguments: &str) -> String {
    format!("{}({arguments})", qualified(schema, name))
}

/// What the migrations build.
pub(crate) fn expected(catalog: &Catalog) -> Objects {
    let mut objects = Objects::new();
    for schema in &catalog.schemas {
        insert(&mut objects, Object::new(ObjectKind::Schema, None, schema));
    }
    for e in &catalog.extensions {
        insert(
            &mut objects,
            Object::new(ObjectKind::Extension, None, &e.name)
                .with("schema", Value::text(&e.schema)),
        );
    }
    for t in &catalog.tables {
        let (schema, name) = (t.schema.as_str(), t.name.as_str());
        insert(
            &mut objects,
            Object::new(ObjectKind::Table, Some(schema), name)
                .with("kind", Value::text(table_kind(t.kind)))
                .with("comment", Value::optional(t.comment.as_deref())),
        );
        for c in &t.columns {
            insert(
                &mut objects,
                Object::on(ObjectKind::Column, schema, name, &c.name)
                    .with("type", Value::text(&c.type_name))
                    .with("nullable", nullable(c.nullable))
                    .with("default", Value::expression(c.default.as_deref()))
                    .with("identity", Value::optional(c.identity.as_deref()))
                    .with("generated", Value::expression(c.generated.as_deref()))
                    .with("comment", Value::optional(c.comment.as_deref())),
            );
        }
        let mut key_names = BTreeSet::new();
        if let Some(k) = &t.primary_key {
            key_names.insert(k.name.as_str());
            insert(&mut objects, key_constraint(schema, name, k, "primary key"));
        }
        for k in &t.unique {
            key_names.insert(k.name.as_str());
            insert(&mut objects, key_constraint(schema, name, k, "unique"));
        }
        for k in &t.foreign_keys {
            insert(
                &mut objects,
                Object::on(ObjectKind::Constraint, schema, name, &k.name)
                    .with("kind", Value::text("foreign key"))
                    .with("columns", list(&k.columns))
                    .with(
                        "references",
                        references(
                            &k.references.schema,
                            &k.references.name,
                            &k.referenced_columns,
                        ),
                    )
                    .with("on delete", Value::text(&k.on_delete))
                    .with("on update", Value::text(&k.on_update)),
            );
        }
        for c in &t.checks {
            insert(
                &mut objects,
                Object::on(ObjectKind::Constraint, schema, name, &c.name)
                    .with("kind", Value::text("check"))
                    .with("expression", Value::expression(Some(&c.expression))),
            );
        }
        let columns: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        for i in t
            .indexes
            .iter()
            .filter(|i| !key_names.contains(i.name.as_str()))
        {
            insert(&mut objects, index(schema, name, i, &columns));
        }
    }
    for v in &catalog.views {
        let (schema, name) = (v.schema.as_str(), v.name.as_str());
        let kind = if v.materialized {
            ObjectKind::MaterializedView
        } else {
            ObjectKind::View
        };
        insert(
            &mut objects,
            Object::new(kind, Some(schema), name)
                .with("comment", Value::optional(v.comment.as_deref())),
        );
        for c in &v.columns {
            insert(&mut objects, view_column(schema, name, c));
        }
        let columns: Vec<&str> = v.columns.iter().map(|c| c.name.as_str()).collect();
        for i in &v.indexes {
            insert(&mut objects, index(schema, name, i, &columns));
        }
    }
    for e in &catalog.enums {
        insert(
            &mut objects,
            Object::new(ObjectKind::Enum, Some(&e.schema), &e.name)
                .with("labels", labels(&e.labels))
                .with("comment", Value::optional(e.comment.as_deref())),
        );
    }
    for d in &catalog.domains {
        let named: Vec<(String, String)> = d
            .checks
            .iter()
            .map(|c| (c.name.clone(), c.expression.clone()))
            .collect();
        insert(
            &mut objects,
            Object::new(ObjectKind::Domain, Some(&d.schema), &d.name)
                .with("type", Value::text(&d.type_name))
                .with("nullable", nullable(!d.not_null))
                .with("default", Value::expression(d.default.as_deref()))
                .with("checks", checks(named)),
        );
    }
    for t in &catalog.composite_types {
        let attributes: Vec<String> = t
            .attributes
            .iter()
            .map(|a| format!("{} {}", a.name, a.type_name))
            .collect();
        insert(
            &mut objects,
            Object::new(ObjectKind::CompositeType, Some(&t.schema), &t.name)
                .with("attributes", list(&attributes)),
        );
    }
    for s in &catalog.sequences {
        let mut sequence = Object::new(ObjectKind::Sequence, Some(&s.schema), &s.name)
            .with("owned by", Value::optional(s.owned_by.as_deref()));
        sequence.owner = s.owned_by.as_deref().and_then(owning_relation);
        insert(&mut objects, sequence);
    }
    for f in &catalog.functions {
        let mut function = Object::new(ObjectKind::Function, Some(&f.schema), &f.name)
            .with(
                "kind",
                Value::text(if f.procedure { "procedure" } else { "function" }),
            )
            .with("language", Value::text(&f.language));
        function.name = function_object(f);
        if let (Some(returns), false) = (&f.returns, f.procedure) {
            let returns = match returns.strip_prefix("SETOF ") {
                Some(set) => format!("SETOF {}", without_modifiers(set)),
                None => without_modifiers(returns),
            };
            function = function.with("returns", Value::text(returns));
        }
        insert(&mut objects, function);
    }
    for t in &catalog.triggers {
        insert(
            &mut objects,
            Object::on(ObjectKind::Trigger, &t.table.schema, &t.table.name, &t.name).with(
                "function",
                Value::text(qualified(&t.function.schema, &t.function.name)),
            ),
        );
    }
    objects
}

fn view_column(schema: &str, view: &str, c: &ViewColumn) -> Object {
    let mut column = Object::on(ObjectKind::Column, schema, view, &c.name)
        .with("comment", Value::optional(c.comment.as_deref()));
    // A type the catalog did not derive is not compared.
    if let Some(type_name) = &c.type_name {
        column = column.with("type", Value::text(type_name));
    }
    column
}

/// `schema.table` of an owning column written `schema.table.column`.
fn owning_relation(column: &str) -> Option<String> {
    column
        .rsplit_once('.')
        .map(|(relation, _)| relation.to_string())
}

/// A row of the catalog read, with its tag's name for errors.
struct Row<'a> {
    values: &'a [Option<String>],
}

impl<'a> Row<'a> {
    fn tag(&self) -> &'a str {
        self.values.first().and_then(|v| v.as_deref()).unwrap_or("")
    }

    fn optional(&self, i: usize) -> Result<Option<&'a str>, DriftError> {
        match self.values.get(i) {
            Some(value) => Ok(value.as_deref()),
            None => Err(DriftError::MalformedRow {
                tag: self.tag().to_string(),
                reason: format!("it has {} columns, not more than {i}", self.values.len()),
            }),
        }
    }

    fn text(&self, i: usize) -> Result<&'a str, DriftError> {
        self.optional(i)?.ok_or_else(|| DriftError::MalformedRow {
            tag: self.tag().to_string(),
            reason: format!("column {i} is NULL"),
        })
    }

    fn flag(&self, i: usize) -> Result<bool, DriftError> {
        Ok(matches!(self.text(i)?, "t" | "true"))
    }

    /// A JSON array of strings (NULL for none).
    fn strings(&self, i: usize) -> Result<Vec<String>, DriftError> {
        match self.optional(i)? {
            None => Ok(Vec::new()),
            Some(json) => serde_json::from_str(json).map_err(|e| DriftError::MalformedRow {
                tag: self.tag().to_string(),
                reason: format!("column {i} is not a list of names: {e}"),
            }),
        }
    }

    /// A JSON array of pairs of strings (NULL for none; a null in a pair is empty).
    fn pairs(&self, i: usize) -> Result<Vec<(String, String)>, DriftError> {
        match self.optional(i)? {
            None => Ok(Vec::new()),
            Some(json) => {
                let pairs: Vec<(Option<String>, Option<String>)> = serde_json::from_str(json)
                    .map_err(|e| DriftError::MalformedRow {
                        tag: self.tag().to_string(),
                        reason: format!("column {i} is not a list of pairs: {e}"),
                    })?;
                Ok(pairs
                    .into_iter()
                    .map(|(a, b)| (a.unwrap_or_default(), b.unwrap_or_default()))
                    .collect())
            }
        }
    }
}

/// What the database has, from the rows of the catalog read, and the server's
/// version number.
pub(crate) fn actual(rows: &Rows) -> Result<(Objects, u32), DriftError> {
    let mut objects = Objects::new();
    let mut server_version = 0;
    // Index keys need the relation's columns to tell a column from an expression; the
    // database's rows say which is which, so they are read as they come.
    for values in rows {
        let row = Row { values };
        match row.tag() {
            tag::CONFIG => {}
            tag::SERVER => server_version = row.text(1)?.parse().unwrap_or(0),
            tag::SCHEMA => insert(
                &mut objects,
                Object::new(ObjectKind::Schema, None, row.text(1)?),
            ),
            tag::EXTENSION => insert(
                &mut objects,
                Object::new(ObjectKind::Extension, None, row.text(1)?)
                    .with("schema", Value::text(row.text(2)?)),
            ),
            tag::RELATION => {
                let (schema, name) = (row.text(1)?, row.text(2)?);
                let comment = Value::optional(row.optional(5)?);
                let kind = match (row.text(3)?, row.text(4)?) {
                    ("v", _) => None,
                    ("m", _) => Some(None),
                    ("p", _) => Some(Some(TableKind::Partitioned)),
                    ("f", _) => Some(Some(TableKind::Foreign)),
                    (_, "u") => Some(Some(TableKind::Unlogged)),
                    _ => Some(Some(TableKind::Table)),
                };
                let object = match kind {
                    Some(Some(kind)) => Object::new(ObjectKind::Table, Some(schema), name)
                        .with("kind", Value::text(table_kind(kind))),
                    Some(None) => Object::new(ObjectKind::MaterializedView, Some(schema), name),
                    None => Object::new(ObjectKind::View, Some(schema), name),
                };
                insert(&mut objects, object.with("comment", comment));
            }
            tag::COLUMN => {
                let (schema, table, name) = (row.text(1)?, row.text(2)?, row.text(3)?);
                let stored = row.optional(6)?;
                let generated = row.optional(8)?.unwrap_or("");
                let (default, generated) = if generated.is_empty() {
                    (stored, None)
                } else {
                    (None, stored)
                };
                let identity = match row.optional(7)?.unwrap_or("") {
                    "a" => Some("always"),
                    "d" => Some("by default"),
                    _ => None,
                };
                let mut column = Object::on(ObjectKind::Column, schema, table, name)
                    .with("type", Value::text(row.text(4)?))
                    .with("nullable", nullable(!row.flag(5)?))
                    .with("default", Value::expression(default))
                    .with("identity", Value::optional(identity))
                    .with("generated", Value::expression(generated))
                    .with("comment", Value::optional(row.optional(9)?));
                column.literal_cast = row.optional(10)?.map(str::to_string);
                insert(&mut objects, column);
            }
            tag::CONSTRAINT => {
                let (schema, table, name) = (row.text(1)?, row.text(2)?, row.text(3)?);
                let columns = row.strings(5)?;
                let constraint = Object::on(ObjectKind::Constraint, schema, table, name);
                let constraint = match row.text(4)? {
                    "p" => constraint
                        .with("kind", Value::text("primary key"))
                        .with("columns", list(&columns)),
                    "u" => constraint
                        .with("kind", Value::text("unique"))
                        .with("columns", list(&columns)),
                    "f" => constraint
                        .with("kind", Value::text("foreign key"))
                        .with("columns", list(&columns))
                        .with(
                            "references",
                            references(
                                row.optional(6)?.unwrap_or_default(),
                                row.optional(7)?.unwrap_or_default(),
                                &row.strings(8)?,
                            ),
                        )
                        .with("on delete", Value::text(foreign_key_action(row.text(9)?)))
                        .with("on update", Value::text(foreign_key_action(row.text(10)?))),
                    _ => constraint
                        .with("kind", Value::text("check"))
                        .with("expression", Value::expression(row.optional(11)?)),
                };
                insert(&mut objects, constraint);
            }
            tag::INDEX => {
                let (schema, table, name) = (row.text(1)?, row.text(2)?, row.text(3)?);
                let keys: Vec<(bool, String)> = row
                    .strings(6)?
                    .into_iter()
                    .map(|k| match k.strip_prefix('c') {
                        Some(column) => (true, column.to_string()),
                        None => (false, k.get(1..).unwrap_or_default().to_string()),
                    })
                    .collect();
                insert(
                    &mut objects,
                    Object::on(ObjectKind::Index, schema, table, name)
                        .with("unique", unique(row.flag(4)?))
                        .with("method", Value::text(row.text(5)?))
                        .with("columns", index_keys(&keys))
                        .with("predicate", Value::expression(row.optional(7)?)),
                );
            }
            tag::ENUM => insert(
                &mut objects,
                Object::new(ObjectKind::Enum, Some(row.text(1)?), row.text(2)?)
                    .with("labels", labels(&row.strings(3)?))
                    .with("comment", Value::optional(row.optional(4)?)),
            ),
            tag::DOMAIN => {
                let mut domain = Object::new(ObjectKind::Domain, Some(row.text(1)?), row.text(2)?)
                    .with("type", Value::text(row.text(3)?))
                    .with("nullable", nullable(!row.flag(4)?))
                    .with("default", Value::expression(row.optional(5)?))
                    .with("checks", checks(row.pairs(6)?));
                domain.literal_cast = row.optional(7)?.map(str::to_string);
                insert(&mut objects, domain);
            }
            tag::COMPOSITE => {
                let attributes: Vec<String> = row
                    .pairs(3)?
                    .into_iter()
                    .map(|(name, type_name)| format!("{name} {type_name}"))
                    .collect();
                insert(
                    &mut objects,
                    Object::new(ObjectKind::CompositeType, Some(row.text(1)?), row.text(2)?)
                        .with("attributes", list(&attributes)),
                );
            }
            tag::SEQUENCE => {
                let owned_by = match (row.optional(3)?, row.optional(4)?, row.optional(5)?) {
                    (Some(schema), Some(table), Some(column)) => {
                        Some(format!("{}.{column}", qualified(schema, table)))
                    }
                    _ => None,
                };
                let mut sequence =
                    Object::new(ObjectKind::Sequence, Some(row.text(1)?), row.text(2)?)
                        .with("owned by", Value::optional(owned_by.as_deref()));
                sequence.owner = owned_by.as_deref().and_then(owning_relation);
                insert(&mut objects, sequence);
            }
            tag::FUNCTION => {
                let (schema, name) = (row.text(1)?, row.text(2)?);
                let procedure = row.text(4)? == "p";
                let mut function = Object::new(ObjectKind::Function, Some(schema), name)
                    .with(
                        "kind",
                        Value::text(if procedure { "procedure" } else { "function" }),
                    )
                    .with("language", Value::text(row.text(6)?));
                function.name = function_name(schema, name, row.optional(3)?.unwrap_or(""));
                if let Some(returns) = row.optional(5)? {
                    // The catalog knows that a function returns a table, not its columns.
                    let returns = if returns.starts_with("TABLE(") {
                        "TABLE"
                    } else {
                        returns
                    };
                    function = function.with("returns", Value::text(returns));
                }
                insert(&mut objects, function);
            }
            tag::TRIGGER => insert(
                &mut objects,
                Object::on(
                    ObjectKind::Trigger,
                    row.text(1)?,
                    row.text(2)?,
                    row.text(3)?,
                )
                .with(
                    "function",
                    Value::text(qualified(row.text(4)?, row.text(5)?)),
                ),
            ),
            other => {
                return Err(DriftError::MalformedRow {
                    tag: other.to_string(),
                    reason: "no statement of the catalog read returns rows tagged so".to_string(),
                })
            }
        }
    }
    Ok((objects, server_version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifiers_go_and_the_rest_stays() {
        assert_eq!(
            without_modifiers("character varying(20)[]"),
            "character varying[]"
        );
        assert_eq!(
            without_modifiers("timestamp(3) with time zone"),
            "timestamp with time zone"
        );
        assert_eq!(without_modifiers("numeric(10, 2)"), "numeric");
        assert_eq!(without_modifiers("\"odd(name\""), "\"odd(name\"");
        assert_eq!(without_modifiers("integer"), "integer");
    }

    #[test]
    fn a_literal_is_read_back_unquoted() {
        let value = Value::expression(Some("'it''s'::text"));
        assert_eq!(value.literal().as_deref(), Some("it's"));
        assert_eq!(Value::expression(Some("now()")).literal(), None);
    }
}
