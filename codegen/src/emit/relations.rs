//! One module per table or view: its names, `Row` (read by column name from a
//! `postgres::Row`) and, for tables, `Insert` (required columns as values, defaulted or
//! nullable ones as `Option`).

use super::{doc, literal};
use crate::features::Clients;
use crate::model::{Field, Insert, Presence, Relation, RelationKind};
use std::fmt::Write as _;

/// A table's or view's module.
pub fn relation(out: &mut String, relation: &Relation, clients: Clients) {
    let module_doc = match (relation.kind, &relation.comment) {
        (RelationKind::Table, Some(c)) => {
            format!("Table `{}.{}`: {c}", relation.schema, relation.name)
        }
        (RelationKind::Table, None) => format!("Table `{}.{}`.", relation.schema, relation.name),
        (kind, Some(c)) => format!(
            "The {} `{}.{}`: {c}",
            kind.noun(),
            relation.schema,
            relation.name
        ),
        (kind, None) => format!(
            "The {} `{}.{}` (a view's columns may be NULL: they are `Option`).",
            kind.noun(),
            relation.schema,
            relation.name
        ),
    };
    let _ = write!(
        out,
        "{}\npub mod {} {{\n{}",
        doc(&module_doc),
        relation.module,
        imports(relation.depth)
    );
    names_and_row(out, relation, clients.any());
    match &relation.insert {
        Some(Insert::Unavailable { reason }) => {
            let _ = writeln!(out, "{}\npub enum NoInsert {{}}", doc(reason));
        }
        Some(Insert::Columns(columns)) => {
            let columns: Vec<(&Field, Presence)> = columns
                .iter()
                .map(|c| (&relation.fields[c.field], c.presence))
                .collect();
            insert(out, relation, &columns, clients);
        }
        None => {}
    }
    out.push_str("}\n");
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
fn names_and_row(out: &mut String, relation: &Relation, reads: bool) {
    let (schema, name, fields) = (&relation.schema, &relation.name, &relation.fields);
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
        what = doc(&format!("The {}'s schema.", relation.kind.noun())),
        schema_literal = literal(schema),
        name_literal = literal(name),
        qualified = literal(&qualified),
        all_columns = all_columns.join(", "),
    );
    for f in fields {
        let _ = writeln!(
            out,
            "    pub const {}: &str = {};",
            f.constant,
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
    // Reading needs a client's `Row`, behind pgstrata's `postgres` or `tokio-postgres`
    // feature (both clients share the type).
    if reads {
        out.push_str(
            "\nimpl Row {\n    /// Reads the columns by name from a row that has them.\n    \
             pub fn from_row(row: &__p::Row) -> \
             ::core::result::Result<Self, __p::ClientError> {\n        \
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
             impl ::core::convert::TryFrom<&__p::Row> for Row {\n    \
             type Error = __p::ClientError;\n\n    \
             fn try_from(row: &__p::Row) -> \
             ::core::result::Result<Self, Self::Error> {\n        Self::from_row(row)\n    }\n}\n",
        );
    }
}

/// `Insert`, over `columns` (required first): required columns as values, the rest as
/// `Option` (`None` leaves them to the server).
fn insert(out: &mut String, table: &Relation, columns: &[(&Field, Presence)], clients: Clients) {
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
    for (f, presence) in columns {
        // A required column, or a nullable one without a default (`None` is NULL
        // either way), goes in as it is.
        if *presence == Presence::Required || (f.nullable && *presence == Presence::Optional) {
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
    for (f, presence) in columns {
        let ty = f.ty.as_deref().unwrap_or_default();
        let ty = match presence {
            Presence::Required => ty.to_string(),
            Presence::Optional => format!("::core::option::Option<{ty}>"),
            Presence::DefaultOrNull => {
                format!("::core::option::Option<::core::option::Option<{ty}>>")
            }
        };
        field_line(out, f, &ty);
    }
    let _ = write!(
        out,
        "}}\n\nimpl Insert {{\n    \
         /// The statement and its parameters: the required columns and the optional\n    \
         /// ones that are `Some`.\n    \
         pub fn to_sql(&self) -> (::std::string::String, ::std::vec::Vec<__p::Param<'_>>) {{\n        \
         __p::insert_sql({qualified}, &["
    );
    for (f, presence) in columns {
        let helper = match presence {
            Presence::Required => "required",
            Presence::Optional | Presence::DefaultOrNull => "optional",
        };
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
    // Writing needs a client, behind pgstrata's `postgres` or `tokio-postgres` feature.
    if clients.postgres {
        out.push_str(
            "\nimpl Insert {\n    \
             /// Inserts the row; returns the number of rows inserted.\n    \
             pub fn execute(&self, client: &mut impl __p::postgres::GenericClient) \
             -> ::core::result::Result<u64, __p::ClientError> {\n        \
             __p::execute_insert(client, self.to_sql())\n    }\n\n    \
             /// Inserts the row and reads it back as the server stored it (defaults filled in).\n    \
             pub fn returning(&self, client: &mut impl __p::postgres::GenericClient) \
             -> ::core::result::Result<Row, __p::ClientError> {\n        \
             __p::insert_returning(client, self.to_sql(), Row::SELECT, Row::from_row)\n    }\n}\n",
        );
    }
    if clients.tokio_postgres {
        out.push_str(
            "\nimpl Insert {\n    \
             /// Inserts the row through `tokio-postgres`; returns the number of rows inserted.\n    \
             pub async fn execute_async(&self, client: &impl __p::tokio_postgres::GenericClient) \
             -> ::core::result::Result<u64, __p::ClientError> {\n        \
             __p::execute_insert_async(client, self.to_sql()).await\n    }\n\n    \
             /// Inserts the row through `tokio-postgres` and reads it back as the server\n    \
             /// stored it (defaults filled in).\n    \
             pub async fn returning_async(&self, client: &impl __p::tokio_postgres::GenericClient) \
             -> ::core::result::Result<Row, __p::ClientError> {\n        \
             __p::insert_returning_async(client, self.to_sql(), Row::SELECT, Row::from_row).await\n    }\n}\n",
        );
    }
}
