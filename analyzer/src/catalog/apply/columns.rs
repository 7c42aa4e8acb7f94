//! Column definitions (`CREATE TABLE`, `ADD COLUMN`, composite type attributes):
//! type, nullability, default, identity, generated expression and serial, with the
//! sequence that serial and identity columns own.

use super::super::builder::{CatalogBuilder, TypeFound};
use super::super::chosen_names;
use super::super::deparse;
use super::super::identifiers::quote_ident;
use super::super::model::{Column, QualifiedName, Sequence};
use super::super::name_index::RelationKind;
use super::super::problem::{Anchor, ObjectKind, Problem};
use super::super::walk::is_null_constant;
use pg_query::protobuf::{ColumnDef, ConstrType, Constraint};
use pg_query::NodeEnum;
use std::borrow::Cow;

/// A column definition read, with the constraints written on it that act on the
/// table (checks, keys, foreign keys).
pub(in crate::catalog) struct ColumnSpec<'a> {
    pub column: Column,
    /// With the attributes that follow a constraint (`DEFERRABLE`, `INITIALLY
    /// DEFERRED`) folded into it, as PostgreSQL's parser does.
    pub constraints: Vec<Cow<'a, Constraint>>,
    /// `serial` or identity: the column owns a sequence.
    pub owns_sequence: bool,
}

impl CatalogBuilder {
    /// Reads a column definition; reports an unknown type.
    pub(in crate::catalog) fn column_spec<'a>(&mut self, def: &'a ColumnDef) -> ColumnSpec<'a> {
        let column_type = match def.type_name.as_ref() {
            Some(type_name) => match self.resolve_type(type_name, true) {
                TypeFound::Found(t) | TypeFound::Uncertain(t) => t,
                TypeFound::Unknown { name, location } => {
                    let candidates = self.type_names_in_scope();
                    let problem =
                        Problem::unknown(ObjectKind::Type, name.display(), Anchor::at(location))
                            .suggest(candidates.iter().map(String::as_str));
                    self.report_about(problem, &name);
                    super::super::type_names::user_type(
                        &QualifiedName::new(name.schema.as_deref().unwrap_or("public"), &name.name),
                        0,
                    )
                }
            },
            // A partition's or typed table's `col WITH OPTIONS`: the type comes from
            // the parent.
            None => super::super::type_names::ColumnType {
                format: String::new(),
                base: QualifiedName::new("", ""),
                array_dimensions: 0,
                serial: None,
            },
        };
        let mut column = Column {
            name: def.colname.clone(),
            type_name: column_type.format,
            base_type: column_type.base,
            array_dimensions: column_type.array_dimensions,
            nullable: !def.is_not_null,
            default: None,
            identity: None,
            generated: None,
            serial: column_type.serial.map(str::to_string),
            comment: None,
        };
        let mut owns_sequence = column.serial.is_some();
        if owns_sequence {
            column.nullable = false;
        }
        let keeps_null = self.keeps_null_default(&column);
        let default_of = |expression: &pg_query::protobuf::Node| {
            if is_null_constant(expression) && !keeps_null {
                None
            } else {
                deparse::expression(expression)
            }
        };
        if let Some(default) = def.raw_default.as_deref() {
            column.default = default_of(default);
        }
        let mut constraints = Vec::new();
        for node in &def.constraints {
            let Some(NodeEnum::Constraint(constraint)) = &node.node else {
                continue;
            };
            match ConstrType::try_from(constraint.contype).unwrap_or(ConstrType::Undefined) {
                ConstrType::ConstrNotnull => column.nullable = false,
                ConstrType::ConstrNull => column.nullable = true,
                ConstrType::ConstrDefault => {
                    column.default = constraint.raw_expr.as_deref().and_then(default_of);
                }
                ConstrType::ConstrIdentity => {
                    column.identity = Some(identity_word(&constraint.generated_when).to_string());
                    column.nullable = false;
                    owns_sequence = true;
                }
                ConstrType::ConstrGenerated => {
                    column.generated = constraint.raw_expr.as_deref().and_then(deparse::expression);
                }
                ConstrType::ConstrPrimary => {
                    column.nullable = false;
                    constraints.push(Cow::Borrowed(constraint.as_ref()));
                }
                ConstrType::ConstrCheck
                | ConstrType::ConstrUnique
                | ConstrType::ConstrForeign
                | ConstrType::ConstrExclusion => {
                    constraints.push(Cow::Borrowed(constraint.as_ref()))
                }
                ConstrType::ConstrAttrDeferrable => {
                    if let Some(last) = constraints.last_mut() {
                        last.to_mut().deferrable = true;
                    }
                }
                ConstrType::ConstrAttrNotDeferrable => {
                    if let Some(last) = constraints.last_mut() {
                        last.to_mut().deferrable = false;
                    }
                }
                ConstrType::ConstrAttrDeferred => {
                    if let Some(last) = constraints.last_mut() {
                        let last = last.to_mut();
                        last.initdeferred = true;
                        last.deferrable = true;
                    }
                }
                ConstrType::ConstrAttrImmediate => {
                    if let Some(last) = constraints.last_mut() {
                        last.to_mut().initdeferred = false;
                    }
                }
                _ => {}
            }
        }
        ColumnSpec {
            column,
            constraints,
            owns_sequence,
        }
    }

    /// Whether PostgreSQL keeps `DEFAULT NULL` on this column: it drops a bare NULL
    /// constant, but a NULL coerced to a type with modifiers (`varchar(10)`) or to a
    /// domain is an expression, and stays.
    pub(in crate::catalog) fn keeps_null_default(&self, column: &Column) -> bool {
        column.type_name.contains('(')
            || self
                .catalog
                .domains
                .iter()
                .any(|d| d.name == column.base_type.name && d.schema == column.base_type.schema)
    }

    /// Creates the sequence a serial or identity column owns, named as PostgreSQL
    /// names it (`table_column_seq`), and gives a serial column its default.
    pub(in crate::catalog) fn create_owned_sequence(
        &mut self,
        table: &QualifiedName,
        column: &mut Column,
    ) {
        let name = chosen_names::choose(&table.name, Some(&column.name), "seq", |n| {
            self.relation_at(&table.schema, n).is_some()
        });
        let sequence = QualifiedName::new(&table.schema, &name);
        if column.serial.is_some() {
            column.default = Some(format!(
                "nextval({}::regclass)",
                regclass_literal(&sequence)
            ));
        }
        self.name_index
            .note_relation(&table.schema, &name, RelationKind::Sequence);
        self.catalog.sequences.push(Sequence {
            schema: table.schema.clone(),
            name,
            owned_by: Some(owner(table, &column.name)),
            definition: None,
        });
    }
}

/// `schema.table.column`, the form of `Sequence::owned_by`.
pub(in crate::catalog) fn owner(table: &QualifiedName, column: &str) -> String {
    format!("{}.{}.{}", table.schema, table.name, column)
}

/// A relation name as a `regclass` literal prints: `'seq'`, `'auth.seq'`, `'"Seq"'`.
pub(in crate::catalog) fn regclass_literal(name: &QualifiedName) -> String {
    let text = if name.schema == "public" {
        quote_ident(&name.name)
    } else {
        name.display()
    };
    format!("'{}'", text.replace('\'', "''"))
}

fn identity_word(generated_when: &str) -> &'static str {
    if generated_when == "a" {
        "always"
    } else {
        "by default"
    }
}
