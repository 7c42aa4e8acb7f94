//! What the typed `schema` module holds, decided from the catalog before any Rust is
//! written: the Rust names of schemas, tables, views, enums, labels and columns, each
//! column's Rust type (or why it has none), and which columns an `Insert` requires.
//! [`crate::emit`] only writes it out.

mod names;
mod relations;
mod types;

use names::{ident, pascal_case, snake_case, Unique};
pub use types::DomainFacts;

use pgstrata_analyzer::catalog::Catalog;
use std::collections::{BTreeMap, HashMap};

use crate::features::Clients;
use crate::Features;

/// The `schema` module of a catalog.
#[derive(Debug, Clone)]
pub struct Schema {
    /// The clients `Row` reads and `Insert` writes through.
    pub clients: Clients,
    /// `public`'s items, at the top of `schema` (there even when it has none).
    pub public: Namespace,
    /// Every other schema with an enum, a table or a view, by SQL name.
    pub others: Vec<Namespace>,
}

/// The items of one PostgreSQL schema: enums, then tables, then views, each in the
/// catalog's order.
#[derive(Debug, Clone, Default)]
pub struct Namespace {
    pub schema: String,
    /// The module a schema other than `public` gets, as Rust source.
    pub module: String,
    pub enums: Vec<Enum>,
    pub relations: Vec<Relation>,
}

/// A PostgreSQL enum as a Rust enum.
#[derive(Debug, Clone)]
pub struct Enum {
    pub schema: String,
    pub name: String,
    /// The type's name, as Rust source, unique among its schema's types.
    pub rust: String,
    /// The labels in their sort order.
    pub variants: Vec<Variant>,
    /// From `COMMENT ON TYPE`.
    pub comment: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub label: String,
    /// The variant's name, as Rust source.
    pub rust: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    Table,
    View,
    MaterializedView,
}

impl RelationKind {
    /// How the docs name it.
    pub fn noun(self) -> &'static str {
        match self {
            RelationKind::Table => "table",
            RelationKind::View => "view",
            RelationKind::MaterializedView => "materialized view",
        }
    }
}

/// A table or view: a module with its names, `Row` and, for tables, `Insert`.
#[derive(Debug, Clone)]
pub struct Relation {
    pub kind: RelationKind,
    pub schema: String,
    pub name: String,
    /// From `COMMENT ON TABLE` (or `VIEW`).
    pub comment: Option<String>,
    /// Its module, as Rust source, unique in its schema.
    pub module: String,
    /// How deep the module sits under `schema`: 1 in `public`, 2 in another schema.
    pub depth: usize,
    /// Every column, in order.
    pub fields: Vec<Field>,
    /// What a new row needs; `None` for views.
    pub insert: Option<Insert>,
}

/// A column as the generated code sees it.
#[derive(Debug, Clone)]
pub struct Field {
    pub sql: String,
    /// The field's identifier, as Rust source.
    pub rust: String,
    /// The constant naming the column in the `columns` module, as Rust source.
    pub constant: String,
    /// The field's type, as Rust source; `None` when the column has no mapping.
    pub ty: Option<String>,
    /// Whether the type is `Copy` (a copy needs no `.clone()`, which clippy flags).
    pub copy: bool,
    /// Set when the column's type is a domain.
    pub domain: Option<DomainFacts>,
    /// Why the column has no Rust type.
    pub why_unmapped: Option<String>,
    /// Whether a read may give NULL (a view's columns always may).
    pub nullable: bool,
    /// From `COMMENT ON COLUMN`, with the column's name.
    pub doc: Option<String>,
}

/// What a new row of a table needs.
#[derive(Debug, Clone)]
pub enum Insert {
    /// A column that must be given has no Rust type: no `Insert` can be built.
    Unavailable { reason: String },
    /// The columns an insert may give: the required ones first, then the optional
    /// ones, each in the table's order. Columns the server fills (identity `ALWAYS`,
    /// generated) and unmapped columns it can leave out are not in it.
    Columns(Vec<InsertColumn>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsertColumn {
    /// The column's index in [`Relation::fields`].
    pub field: usize,
    pub presence: Presence,
}

/// How an `Insert` holds a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// `T`: no default, no NULL.
    Required,
    /// `Option<T>`: `None` leaves the column to its default, or NULL.
    Optional,
    /// `Option<Option<T>>` for a nullable column with a default: `None` for the
    /// default, `Some(None)` for NULL.
    DefaultOrNull,
}

impl Schema {
    pub fn new(catalog: &Catalog, features: Features) -> Schema {
        let mut names = RustNames::new(catalog);
        let mut by_schema: BTreeMap<&str, Namespace> = BTreeMap::new();
        let namespace = |schema: &str, names: &RustNames| -> Namespace {
            Namespace {
                schema: schema.to_string(),
                module: names.schema_module(schema),
                ..Namespace::default()
            }
        };
        for e in &catalog.enums {
            let rust = names.enum_name(&e.schema, &e.name);
            let mut unique = Unique::pascal();
            let variants = e
                .labels
                .iter()
                .map(|label| Variant {
                    label: label.clone(),
                    rust: ident(&unique.take(pascal_case(label))),
                })
                .collect();
            by_schema
                .entry(e.schema.as_str())
                .or_insert_with(|| namespace(&e.schema, &names))
                .enums
                .push(Enum {
                    schema: e.schema.clone(),
                    name: e.name.clone(),
                    rust,
                    variants,
                    comment: e.comment.clone(),
                });
        }
        for table in &catalog.tables {
            let module = names.take_module(&table.schema, &table.name);
            let relation = relations::table(catalog, &names, table, module, features);
            by_schema
                .entry(table.schema.as_str())
                .or_insert_with(|| namespace(&table.schema, &names))
                .relations
                .push(relation);
        }
        for view in &catalog.views {
            let module = names.take_module(&view.schema, &view.name);
            let relation = relations::view(catalog, &names, view, module, features);
            by_schema
                .entry(view.schema.as_str())
                .or_insert_with(|| namespace(&view.schema, &names))
                .relations
                .push(relation);
        }
        let public = by_schema
            .remove("public")
            .unwrap_or_else(|| namespace("public", &names));
        Schema {
            clients: features.clients(),
            public,
            others: by_schema.into_values().collect(),
        }
    }
}

/// How deep a relation's module sits under `schema`.
fn depth(schema: &str) -> usize {
    if schema == "public" {
        1
    } else {
        2
    }
}

/// The Rust names of what has one per schema: the schemas' modules and the enums,
/// each unique where it is declared.
pub(crate) struct RustNames {
    /// Module names, beside `public`'s tables and views (which take what is left).
    modules: BTreeMap<String, Unique>,
    schema_modules: HashMap<String, String>,
    enums: HashMap<(String, String), String>,
}

impl RustNames {
    fn new(catalog: &Catalog) -> Self {
        let mut modules: BTreeMap<String, Unique> = BTreeMap::new();
        let public = modules.entry("public".to_string()).or_default();
        let mut schemas: Vec<&String> = (catalog.enums.iter().map(|e| &e.schema))
            .chain(catalog.tables.iter().map(|t| &t.schema))
            .chain(catalog.views.iter().map(|v| &v.schema))
            .filter(|s| *s != "public")
            .collect();
        // A schema named as its module would be (`audit`) keeps that name before one
        // that only meets it there (`"Audit"`).
        schemas.sort_by_key(|s| (snake_case(s) != **s, *s));
        schemas.dedup();
        let schema_modules = schemas
            .into_iter()
            .map(|s| (s.clone(), public.take(snake_case(s))))
            .collect();
        // Enums share a module's type namespace with the table modules' own types,
        // which `use super::*` would otherwise shadow them with.
        let mut types: HashMap<&str, Unique> = HashMap::new();
        let mut enums = HashMap::new();
        for e in &catalog.enums {
            let unique = types.entry(e.schema.as_str()).or_insert_with(|| {
                let mut unique = Unique::pascal();
                for taken in ["Row", "Insert", "NoInsert"] {
                    unique.reserve(taken.to_string());
                }
                unique
            });
            let name = unique.take(pascal_case(&e.name));
            enums.insert((e.schema.clone(), e.name.clone()), name);
        }
        RustNames {
            modules,
            schema_modules,
            enums,
        }
    }

    /// The module of a table or view, unique in its schema.
    fn take_module(&mut self, schema: &str, name: &str) -> String {
        self.modules
            .entry(schema.to_string())
            .or_default()
            .take(snake_case(name))
    }

    fn schema_module(&self, schema: &str) -> String {
        match self.schema_modules.get(schema) {
            Some(module) => ident(module),
            None => ident(&snake_case(schema)),
        }
    }

    fn enum_name(&self, schema: &str, name: &str) -> String {
        let rust = self
            .enums
            .get(&(schema.to_string(), name.to_string()))
            .cloned()
            .unwrap_or_else(|| pascal_case(name));
        ident(&rust)
    }

    /// The path of an enum relative to the `schema` module, as Rust source.
    pub fn enum_path(&self, schema: &str, name: &str) -> String {
        let name = self.enum_name(schema, name);
        if schema == "public" {
            name
        } else {
            format!("{}::{name}", self.schema_module(schema))
        }
    }
}
