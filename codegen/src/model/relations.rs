//! Tables and views as modules: their columns as fields (names, types, NULL) and,
//! for tables, which columns an `Insert` requires.

use super::names::{constant_case, ident, snake_case, Unique};
use super::types::{map, Mapped};
use super::{depth, Field, Insert, InsertColumn, Presence, Relation, RelationKind, RustNames};
use crate::Features;
use pgstrata_analyzer::catalog::{Catalog, Column, QualifiedName, Table, View};

pub fn table(
    catalog: &Catalog,
    names: &RustNames,
    table: &Table,
    module: String,
    features: Features,
) -> Relation {
    let fields = column_fields(catalog, names, &table.columns, features);
    Relation {
        kind: RelationKind::Table,
        schema: table.schema.clone(),
        name: table.name.clone(),
        comment: table.comment.clone(),
        module: ident(&module),
        depth: depth(&table.schema),
        insert: Some(insert(table, &fields)),
        fields,
    }
}

pub fn view(
    catalog: &Catalog,
    names: &RustNames,
    view: &View,
    module: String,
    features: Features,
) -> Relation {
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
    Relation {
        kind: if view.materialized {
            RelationKind::MaterializedView
        } else {
            RelationKind::View
        },
        schema: view.schema.clone(),
        name: view.name.clone(),
        comment: view.comment.clone(),
        module: ident(&module),
        depth: depth(&view.schema),
        insert: None,
        fields,
    }
}

fn fields(
    catalog: &Catalog,
    names: &RustNames,
    columns: impl Iterator<Item = (String, Option<QualifiedName>, u32, bool, Option<String>)>,
    features: Features,
) -> Vec<Field> {
    let mut unique = Unique::default();
    let mut constants = Unique::default();
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
                constant: ident(&constants.take(constant_case(&sql))),
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

/// What a new row needs. Columns the server fills (identity `ALWAYS`, generated) are
/// not in it; columns with a default or NULL allowed are optional.
fn insert(table: &Table, fields: &[Field]) -> Insert {
    let mut required = Vec::new();
    let mut optional = Vec::new();
    for (index, (column, field)) in table.columns.iter().zip(fields).enumerate() {
        if column.generated.is_some() || column.identity.as_deref() == Some("always") {
            continue;
        }
        let server_fills = column.default.is_some()
            || column.identity.is_some()
            || column.serial.is_some()
            || field.domain.as_ref().is_some_and(|d| d.has_default);
        if field.ty.is_none() {
            if !field.nullable && !server_fills {
                let reason = format!(
                    "No `Insert`: the required column `{}` has no Rust type ({}).",
                    column.name,
                    field.why_unmapped.as_deref().unwrap_or("unmapped")
                );
                return Insert::Unavailable { reason };
            }
            continue;
        }
        let column = |presence| InsertColumn {
            field: index,
            presence,
        };
        if field.nullable && server_fills {
            optional.push(column(Presence::DefaultOrNull));
        } else if field.nullable || server_fills {
            optional.push(column(Presence::Optional));
        } else {
            required.push(column(Presence::Required));
        }
    }
    required.extend(optional);
    Insert::Columns(required)
}
