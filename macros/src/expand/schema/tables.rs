//! One module per table or view: its names, `Row` (read by column name from a
//! `postgres::Row`) and, for tables, `Insert` (required columns as values, defaulted or
//! nullable ones as `Option`). Written as Rust source text: see `schema/mod.rs`.

use super::names::{constant_case, doc, ident, literal, snake_case, Unique};
use super::types::{map, DomainFacts, Features, Mapped};
use super::RustNames;
use pgstrata_analyzer::catalog::{Catalog, Column, QualifiedName, Table, View};
use std::fmt::Write as _;

/// A column as the generated code sees it.
struct Field {
    sql: String,
    /// The field's identifier, as Rust source.
    rust: String,
    /// The field's type, as Rust source; `None` when the column has no mapping.
    ty: Option<String>,
    /// Whether the type is `Copy` (a copy needs no `.clone()`, which clippy flags).
    copy: bool,
    /// Set when the column's type is a domain.
    domain: Option<DomainFacts>,
    why_unmapped: Option<String>,
    nullable: bool,
    /// From `COMMENT ON COLUMN`.
    doc: Option<String>,
}

fn fields(
    catalog: &Catalog,
    names: &RustNames,
    columns: impl Iterator<Item = (String, Option<QualifiedName>, u32, bool, Option<String>)>,
    features: Features,
) -> Vec<Field> {
    let mut unique = Unique::default();
    columns
        .map(|(sql, base, dims, nullable, comment)| {
            let (mapped, domain) = match &base {
                Some(base) => map(catalog, names, base, dims, features),
                None => (
                    Mapped::Unmapped("its type could not be derived".into()),
                    None,
                ),
            };
            let (ty, copy, why_unmapped) = match mapped {
                Mapped::Type { rust, copy } => (Some(rust), copy, None),
                Mapped::Unmapped(why) => (None, false, Some(why)),
            };
            // A field named after its column needs no doc that repeats the name.
            let doc = comment.map(|c| format!("`{sql}`: {c}"));
            Field {
                rust: ident(&unique.take(snake_case(&sql))),
                sql,
                ty,
                copy,
                domain,
                why_unmapped,
                nullable,
                doc,
            }
        })
        .collect()
}

fn column_fields(
    catalog: &Catalog,
    names: &RustNames,
    columns: &[Column],
    features: Features,
) -> Vec<Field> {
    let mut fields = fields(
        catalog,
        names,
        columns.iter().map(|c| {
            (
                c.name.clone(),
                Some(c.base_type.clone()),
                c.array_dimensions,
                c.nullable,
                c.comment.clone(),
            )
        }),
        features,
    );
    // A domain NOT NULL refuses NULL in a table's column that PostgreSQL calls
    // nullable (a view's column can still be NULL, from an outer join).
    for f in &mut fields {
        if f.domain.as_ref().is_some_and(|d| d.not_null) {
            f.nullable = false;
        }
    }
    fields
}

/// A struct field for `f` of type `ty`, with the column's comment as its doc.
fn field_line(out: &mut String, f: &Field, ty: &str) {
    let doc = f.doc.as_deref().map(|t| format!("{} ", doc(t)));
    let _ = writeln!(out, "    {}pub {}: {ty},", doc.unwrap_or_default(), f.rust);
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `use super::*` as many times as the module is deep, so enums resolve by name, and
/// pgstrata's helpers as `__p` (no table, column or enum name can start with `__`).
fn imports(depth: usize) -> String {
    let supers = vec!["super"; depth].join("::");
    let mut out = format!(
        "#[allow(unused_imports)] use {supers}::*;\n#[allow(unused_imports)] use ::pgstrata::__private as __p;\n"
    );
    if depth == 2 {
        out.push_str("#[allow(unused_imports)] use super::*;\n");
    }
    out
}

/// The names shared by tables and views, and `Row`.
fn names_and_row(
    out: &mut String,
    schema: &str,
    name: &str,
    fields: &[Field],
    kind: &str,
    postgres: bool,
) {
    let qualified = format!("{}.{}", quoted(schema), quoted(name));
    let all_columns: Vec<String> = fields.iter().map(|f| literal(&f.sql)).collect();
    let mapped: Vec<&Field> = fields.iter().filter(|f| f.ty.is_some()).collect();
    let select = mapped
        .iter()
        .map(|f| quoted(&f.sql))
        .collect::<Vec<_>>()
        .join(", ");
    // A select list cannot be empty; `NULL` reads nothing into an empty `Row`.
    let select = if select.is_empty() {
        "NULL".to_string()
    } else {
        select
    };
    let left_out: Vec<String> = fields
        .iter()
        .filter_map(|f| {
            f.why_unmapped
                .as_ref()
                .map(|why| format!("`{}` is left out: {why}.", f.sql))
        })
        .collect();
    let row_doc = if left_out.is_empty() {
        format!("A row of `{schema}.{name}`, read by column name.")
    } else {
        format!(
            "A row of `{schema}.{name}`, read by column name. {}",
            left_out.join(" ")
        )
    };
    let _ = write!(
        out,
        "{what}\npub const SCHEMA: &str = {schema_literal};\n\
         /// Its name.\npub const NAME: &str = {name_literal};\n\
         /// Its schema-qualified, quoted name, for SQL.\npub const QUALIFIED: &str = {qualified};\n\
         /// Every column, in order.\npub const COLUMNS: &[&str] = &[{all_columns}];\n\n\
         /// The columns' names.\npub mod columns {{\n",
        what = doc(&format!("The {kind}'s schema.")),
        schema_literal = literal(schema),
        name_literal = literal(name),
        qualified = literal(&qualified),
        all_columns = all_columns.join(", "),
    );
    let mut constants = Unique::default();
    for f in fields {
        let _ = writeln!(
            out,
            "    pub const {}: &str = {};",
            ident(&constants.take(constant_case(&f.sql))),
            literal(&f.sql)
        );
    }
    let _ = write!(
        out,
        "}}\n\n{}\n#[derive(Debug, Clone, PartialEq)]\npub struct Row {{\n",
        doc(&row_doc)
    );
    for f in &mapped {
        let ty = f.ty.as_deref().unwrap_or_default();
        if f.nullable {
            field_line(out, f, &format!("::core::option::Option<{ty}>"));
        } else {
            field_line(out, f, ty);
        }
    }
    let _ = write!(
        out,
        "}}\n\nimpl Row {{\n    /// The columns `Row` reads, quoted, for a `SELECT` list.\n    \
         pub const SELECT: &'static str = {};\n}}\n",
        literal(&select)
    );
    // Reading needs the `postgres` client, behind pgstrata's `postgres` feature.
    if postgres {
        out.push_str(
            "\nimpl Row {\n    /// Reads the columns by name from a row that has them.\n    \
             pub fn from_row(row: &__p::postgres::Row) -> \
             ::core::result::Result<Self, __p::postgres::Error> {\n        \
             ::core::result::Result::Ok(Self {\n",
        );
        for f in &mapped {
            let _ = writeln!(
                out,
                "            {}: row.try_get({})?,",
                f.rust,
                literal(&f.sql)
            );
        }
        out.push_str(
            "        })\n    }\n}\n\n\
             impl ::core::convert::TryFrom<&__p::postgres::Row> for Row {\n    \
             type Error = __p::postgres::Error;\n\n    \
             fn try_from(row: &__p::postgres::Row) -> \
             ::core::result::Result<Self, Self::Error> {\n        Self::from_row(row)\n    }\n}\n",
        );
    }
}

pub fn table(
    out: &mut String,
    catalog: &Catalog,
    names: &RustNames,
    table: &Table,
    module: &str,
    depth: usize,
    features: Features,
) {
    let fields = column_fields(catalog, names, &table.columns, features);
    let module_doc = match &table.comment {
        Some(c) => format!("Table `{}.{}`: {c}", table.schema, table.name),
        None => format!("Table `{}.{}`.", table.schema, table.name),
    };
    let _ = write!(
        out,
        "{}\npub mod {} {{\n{}",
        doc(&module_doc),
        ident(module),
        imports(depth)
    );
    names_and_row(
        out,
        &table.schema,
        &table.name,
        &fields,
        "table",
        features.postgres,
    );
    insert(out, table, &fields, features.postgres);
    out.push_str("}\n");
}

pub fn view(
    out: &mut String,
    catalog: &Catalog,
    names: &RustNames,
    view: &View,
    module: &str,
    depth: usize,
    features: Features,
) {
    let fields = fields(
        catalog,
        names,
        view.columns.iter().map(|c| {
            (
                c.name.clone(),
                c.base_type.clone(),
                c.array_dimensions,
                true,
                c.comment.clone(),
            )
        }),
        features,
    );
    let kind = if view.materialized {
        "materialized view"
    } else {
        "view"
    };
    let module_doc = match &view.comment {
        Some(c) => format!("The {kind} `{}.{}`: {c}", view.schema, view.name),
        None => format!(
            "The {kind} `{}.{}` (a view's columns may be NULL: they are `Option`).",
            view.schema, view.name
        ),
    };
    let _ = write!(
        out,
        "{}\npub mod {} {{\n{}",
        doc(&module_doc),
        ident(module),
        imports(depth)
    );
    names_and_row(
        out,
        &view.schema,
        &view.name,
        &fields,
        kind,
        features.postgres,
    );
    out.push_str("}\n");
}

/// `Insert`: what a new row needs. Columns the server fills (identity `ALWAYS`,
/// generated) are not in it; columns with a default or NULL allowed are `Option`
/// (`None` leaves them to the server).
fn insert(out: &mut String, table: &Table, fields: &[Field], postgres: bool) {
    let mut required = Vec::new();
    let mut optional = Vec::new();
    for (column, field) in table.columns.iter().zip(fields) {
        if column.generated.is_some() || column.identity.as_deref() == Some("always") {
            continue;
        }
        let server_fills = column.default.is_some()
            || column.identity.is_some()
            || column.serial.is_some()
            || field.domain.as_ref().is_some_and(|d| d.has_default);
        let Some(ty) = &field.ty else {
            if !field.nullable && !server_fills {
                let why = format!(
                    "No `Insert`: the required column `{}` has no Rust type ({}).",
                    column.name,
                    field.why_unmapped.as_deref().unwrap_or("unmapped")
                );
                let _ = writeln!(out, "{}\npub enum NoInsert {{}}", doc(&why));
                return;
            }
            continue;
        };
        if field.nullable && server_fills {
            // Three states: the default (`None`), NULL (`Some(None)`), a value.
            optional.push((field, format!("::core::option::Option<{ty}>"), true));
        } else if field.nullable || server_fills {
            optional.push((field, ty.clone(), false));
        } else {
            required.push((field, ty.clone()));
        }
    }
    let qualified = literal(&format!(
        "{}.{}",
        quoted(&table.schema),
        quoted(&table.name)
    ));

    // Copying a stored row: each column the row has goes in as it is, a NULL as an
    // explicit NULL where the column has a default (`Some(None)`).
    out.push_str(
        "\nimpl ::core::convert::From<&Row> for Insert {\n    \
         /// The insert that stores this row again (in another database, say).\n    \
         fn from(row: &Row) -> Self {\n        Self {\n",
    );
    // `row.x` where the type is `Copy`, `row.x.clone()` where it is not.
    let value = |f: &Field| {
        if f.copy {
            format!("row.{}", f.rust)
        } else {
            format!("row.{}.clone()", f.rust)
        }
    };
    for (f, _) in &required {
        let _ = writeln!(out, "            {}: {},", f.rust, value(f));
    }
    for (f, _, three_states) in &optional {
        // A nullable column without a default: `None` is NULL either way.
        if f.nullable && !three_states {
            let _ = writeln!(out, "            {}: {},", f.rust, value(f));
        } else {
            let _ = writeln!(
                out,
                "            {}: ::core::option::Option::Some({}),",
                f.rust,
                value(f)
            );
        }
    }
    out.push_str(
        "        }\n    }\n}\n\n\
         /// A new row: required columns as values, the rest as `Option` (`None` leaves\n\
         /// the column to its default, or NULL). A nullable column with a default is\n\
         /// `Option<Option<T>>`: `None` for the default, `Some(None)` for NULL.\n\
         #[derive(Debug, Clone, PartialEq)]\npub struct Insert {\n",
    );
    for (f, ty) in &required {
        field_line(out, f, ty);
    }
    for (f, ty, _) in &optional {
        field_line(out, f, &format!("::core::option::Option<{ty}>"));
    }
    let _ = write!(
        out,
        "}}\n\nimpl Insert {{\n    \
         /// The statement and its parameters: the required columns and the optional\n    \
         /// ones that are `Some`.\n    \
         pub fn to_sql(&self) -> (::std::string::String, ::std::vec::Vec<__p::Param<'_>>) {{\n        \
         __p::insert_sql({qualified}, &["
    );
    let required_fields = required.iter().map(|(f, _)| (*f, "required"));
    let optional_fields = optional.iter().map(|(f, _, _)| (*f, "optional"));
    for (f, helper) in required_fields.chain(optional_fields) {
        let column = literal(&quoted(&f.sql));
        let _ = match &f.domain {
            None => write!(out, "__p::{helper}({column}, &self.{}), ", f.rust),
            Some(domain) => write!(
                out,
                "__p::{helper}_as({column}, {}, &self.{}), ",
                literal(&domain.parameter_cast),
                f.rust
            ),
        };
    }
    out.push_str("])\n    }\n}\n");
    // Writing needs the `postgres` client, behind pgstrata's `postgres` feature.
    if postgres {
        out.push_str(
            "\nimpl Insert {\n    \
             /// Inserts the row; returns the number of rows inserted.\n    \
             pub fn execute(&self, client: &mut impl __p::postgres::GenericClient) \
             -> ::core::result::Result<u64, __p::postgres::Error> {\n        \
             __p::execute_insert(client, self.to_sql())\n    }\n\n    \
             /// Inserts the row and reads it back as the server stored it (defaults filled in).\n    \
             pub fn returning(&self, client: &mut impl __p::postgres::GenericClient) \
             -> ::core::result::Result<Row, __p::postgres::Error> {\n        \
             __p::insert_returning(client, self.to_sql(), Row::SELECT, Row::from_row)\n    }\n}\n",
        );
    }
}
