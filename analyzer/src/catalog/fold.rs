//! The fold's state: the catalog so far, the session's search path, what is
//! uncertain, and the lookups every statement needs (relations, types, schemas).

use super::extensions;
use super::model::*;
use super::names::{SearchPath, WrittenName, INFORMATION_SCHEMA, PG_CATALOG, PUBLIC};
use super::problem::Problem;
use super::types::{self, ColumnType, WrittenType};
use super::uncertainty::{Subject, Uncertainty};
use std::collections::HashMap;

/// The schema of temporary objects.
pub const PG_TEMP: &str = "pg_temp";

/// Folds statements, in order, into a [`Catalog`].
#[derive(Debug, Clone)]
pub struct Folder {
    pub(super) catalog: Catalog,
    pub(super) search_path: SearchPath,
    pub(super) uncertainty: Uncertainty,
    /// Temporary tables: they resolve but are not part of the schema.
    pub(super) temp_tables: Vec<Table>,
    /// The relations each view reads, for `DROP ... CASCADE`.
    pub(super) view_sources: HashMap<QualifiedName, Vec<QualifiedName>>,
    /// Types the model has no list for: ranges, base types, shell types.
    pub(super) other_types: Vec<QualifiedName>,
    /// Functions and procedures whose bodies change the schema (DDL or dynamic SQL):
    /// calling one makes everything uncertain.
    pub(super) schema_changing_functions: Vec<QualifiedName>,
    pub(super) file: FileState,
    /// Problems of the statement being applied.
    pub(super) problems: Vec<Problem>,
}

/// What lasts until the end of the current migration file.
#[derive(Debug, Clone, Default)]
pub(super) struct FileState {
    /// The path when the file started: `SET [LOCAL] search_path` lasts for the file.
    pub path_at_start: SearchPath,
    /// Whether the file runs in one transaction (`SET LOCAL` is a no-op otherwise).
    pub transactional: bool,
}

impl Default for Folder {
    fn default() -> Self {
        Self::new()
    }
}

/// What a relation name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    Table,
    View,
    MaterializedView,
    Sequence,
    Index,
    CompositeType,
    /// Created by an extension the catalog knows by name only.
    Extension,
    /// In `pg_catalog` or `information_schema`.
    System,
    /// A migration tool's own table (`_sqlx_migrations`), created outside the
    /// migrations: it exists, its shape is uncertain.
    External,
    Temporary,
}

impl RelationKind {
    pub fn word(self) -> &'static str {
        match self {
            RelationKind::Table | RelationKind::Temporary => "table",
            RelationKind::View => "view",
            RelationKind::MaterializedView => "materialized view",
            RelationKind::Sequence => "sequence",
            RelationKind::Index => "index",
            RelationKind::CompositeType => "composite type",
            RelationKind::Extension | RelationKind::System | RelationKind::External => "relation",
        }
    }

    /// Whether it has columns that queries can read.
    pub fn has_columns(self) -> bool {
        !matches!(self, RelationKind::Sequence | RelationKind::Index)
    }
}

/// What a type name refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeFound {
    Found(ColumnType),
    /// Not found, and nothing uncertain could have created it.
    Unknown {
        name: WrittenName,
        location: i32,
    },
    /// Not found, but uncertainty covers it (or it cannot be resolved statically).
    Uncertain(ColumnType),
}

impl Folder {
    pub fn new() -> Self {
        Self {
            catalog: Catalog {
                schemas: vec![PUBLIC.to_string()],
                ..Catalog::default()
            },
            search_path: SearchPath::default(),
            uncertainty: Uncertainty::default(),
            temp_tables: Vec::new(),
            view_sources: HashMap::new(),
            other_types: Vec::new(),
            schema_changing_functions: Vec::new(),
            file: FileState {
                transactional: true,
                ..FileState::default()
            },
            problems: Vec::new(),
        }
    }

    /// The catalog so far, with what is uncertain.
    pub fn catalog(&self) -> Catalog {
        let mut catalog = self.catalog.clone();
        catalog.uncertain = self.uncertainty.record().to_vec();
        catalog
    }

    /// The final catalog.
    pub fn into_catalog(self) -> Catalog {
        let mut catalog = self.catalog;
        catalog.uncertain = self.uncertainty.record().to_vec();
        catalog
    }

    /// A migration file starts; `transactional` is its transaction mode.
    pub fn begin_file(&mut self, transactional: bool) {
        self.file = FileState {
            path_at_start: self.search_path.clone(),
            transactional,
        };
    }

    /// The file ends: its `SET search_path` ends with it.
    pub fn end_file(&mut self) {
        self.search_path = self.file.path_at_start.clone();
    }

    /// Records a problem unless uncertainty covers its subject.
    pub(super) fn report(&mut self, problem: Problem, subject: Subject<'_>) {
        if !self.uncertainty.covers(subject) {
            self.problems.push(problem);
        }
    }

    /// Reports a problem about a name as written, resolved along the search path.
    pub(super) fn report_about(&mut self, problem: Problem, name: &WrittenName) {
        let path = self.lookup_path();
        let subject = match &name.schema {
            Some(schema) => Subject::Object(schema, &name.name),
            None => Subject::Searched(&name.name, &path),
        };
        if !self.uncertainty.covers(subject) {
            self.problems.push(problem);
        }
    }

    /// Takes the problems of the statement just applied.
    pub(super) fn take_problems(&mut self) -> Vec<Problem> {
        std::mem::take(&mut self.problems)
    }

    // --- schemas -------------------------------------------------------------

    pub fn schema_exists(&self, schema: &str) -> bool {
        schema == PG_CATALOG
            || schema == INFORMATION_SCHEMA
            || schema == PG_TEMP
            || self.catalog.schemas.iter().any(|s| s == schema)
    }

    /// The schemas an unqualified name is looked up in, in order.
    pub fn lookup_path(&self) -> Vec<String> {
        self.search_path
            .lookup_order()
            .filter(|s| self.schema_exists(s))
            .map(str::to_string)
            .collect()
    }

    /// The schema a new object goes to: the one written, else the first existing
    /// schema of the search path. `None` when the written schema does not exist.
    pub fn creation_schema(&self, name: &WrittenName) -> Option<String> {
        match &name.schema {
            Some(schema) => self.schema_exists(schema).then(|| schema.clone()),
            None => self
                .search_path
                .creation_schema(|s| self.schema_exists(s))
                .map(str::to_string)
                // No schema on the path exists: PostgreSQL refuses to create; keep
                // folding into `public` so later statements still resolve.
                .or_else(|| Some(PUBLIC.to_string())),
        }
    }

    // --- relations -----------------------------------------------------------

    /// What `schema.name` is in the relation namespace, if anything.
    pub fn relation_at(&self, schema: &str, name: &str) -> Option<RelationKind> {
        if schema == PG_CATALOG || schema == INFORMATION_SCHEMA {
            return Some(RelationKind::System);
        }
        if schema == PG_TEMP {
            return self
                .temp_tables
                .iter()
                .any(|t| t.name == name)
                .then_some(RelationKind::Temporary);
        }
        let c = &self.catalog;
        if c.tables
            .iter()
            .any(|t| t.schema == schema && t.name == name)
        {
            return Some(RelationKind::Table);
        }
        if let Some(view) = c
            .views
            .iter()
            .find(|v| v.schema == schema && v.name == name)
        {
            return Some(if view.materialized {
                RelationKind::MaterializedView
            } else {
                RelationKind::View
            });
        }
        if c.sequences
            .iter()
            .any(|s| s.schema == schema && s.name == name)
        {
            return Some(RelationKind::Sequence);
        }
        if c.composite_types
            .iter()
            .any(|t| t.schema == schema && t.name == name)
        {
            return Some(RelationKind::CompositeType);
        }
        let in_table = c
            .tables
            .iter()
            .filter(|t| t.schema == schema)
            .any(|t| t.indexes.iter().any(|i| i.name == name));
        let in_view = c
            .views
            .iter()
            .filter(|v| v.schema == schema)
            .any(|v| v.indexes.iter().any(|i| i.name == name));
        if in_table || in_view {
            return Some(RelationKind::Index);
        }
        let from_extension = c
            .extensions
            .iter()
            .filter(|e| e.schema == schema)
            .any(|e| extensions::known(&e.name).is_some_and(|k| k.has_relation(name)));
        from_extension.then_some(RelationKind::Extension)
    }

    /// Resolves a relation name as written: its place and kind.
    pub fn find_relation(&self, name: &WrittenName) -> Option<(QualifiedName, RelationKind)> {
        if let Some(schema) = &name.schema {
            return self
                .relation_at(schema, &name.name)
                .map(|kind| (QualifiedName::new(schema, &name.name), kind));
        }
        if let Some(kind) = self.relation_at(PG_TEMP, &name.name) {
            return Some((QualifiedName::new(PG_TEMP, &name.name), kind));
        }
        for schema in self.search_path.lookup_order() {
            if schema == PG_CATALOG {
                continue;
            }
            if let Some(kind) = self.relation_at(schema, &name.name) {
                return Some((QualifiedName::new(schema, &name.name), kind));
            }
        }
        // System catalogs and views: `pg_class`, `pg_stat_activity`, ...
        if name.name.starts_with("pg_") {
            return Some((
                QualifiedName::new(PG_CATALOG, &name.name),
                RelationKind::System,
            ));
        }
        None
    }

    /// The names of relations in scope of an unqualified lookup, for "did you mean".
    pub fn relation_names_in_scope(&self, name: &WrittenName) -> Vec<String> {
        let schemas: Vec<String> = match &name.schema {
            Some(schema) => vec![schema.clone()],
            None => self.lookup_path(),
        };
        let c = &self.catalog;
        let in_scope = |schema: &str| schemas.iter().any(|s| s == schema);
        c.tables
            .iter()
            .filter(|t| in_scope(&t.schema))
            .map(|t| t.name.clone())
            .chain(
                c.views
                    .iter()
                    .filter(|v| in_scope(&v.schema))
                    .map(|v| v.name.clone()),
            )
            .chain(
                c.sequences
                    .iter()
                    .filter(|s| in_scope(&s.schema))
                    .map(|s| s.name.clone()),
            )
            .collect()
    }

    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        if name.schema == PG_TEMP {
            return self.temp_tables.iter().find(|t| t.name == name.name);
        }
        self.catalog
            .tables
            .iter()
            .find(|t| t.schema == name.schema && t.name == name.name)
    }

    pub fn table_mut(&mut self, name: &QualifiedName) -> Option<&mut Table> {
        if name.schema == PG_TEMP {
            return self.temp_tables.iter_mut().find(|t| t.name == name.name);
        }
        self.catalog
            .tables
            .iter_mut()
            .find(|t| t.schema == name.schema && t.name == name.name)
    }

    pub fn view(&self, name: &QualifiedName) -> Option<&View> {
        self.catalog
            .views
            .iter()
            .find(|v| v.schema == name.schema && v.name == name.name)
    }

    pub fn view_mut(&mut self, name: &QualifiedName) -> Option<&mut View> {
        self.catalog
            .views
            .iter_mut()
            .find(|v| v.schema == name.schema && v.name == name.name)
    }

    /// The column names of a relation with columns, when its shape is known.
    pub fn relation_columns(
        &self,
        name: &QualifiedName,
    ) -> Option<Vec<(String, Option<ColumnType>)>> {
        if let Some(table) = self.table(name) {
            return Some(
                table
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), Some(column_type_of(c))))
                    .collect(),
            );
        }
        if let Some(view) = self.view(name) {
            return Some(
                view.columns
                    .iter()
                    .map(|c| {
                        let t = match (&c.type_name, &c.base_type) {
                            (Some(format), Some(base)) => Some(ColumnType {
                                format: format.clone(),
                                base: base.clone(),
                                array_dimensions: c.array_dimensions,
                                serial: None,
                            }),
                            _ => None,
                        };
                        (c.name.clone(), t)
                    })
                    .collect(),
            );
        }
        let composite = self
            .catalog
            .composite_types
            .iter()
            .find(|t| t.schema == name.schema && t.name == name.name)?;
        Some(
            composite
                .attributes
                .iter()
                .map(|c| (c.name.clone(), Some(column_type_of(c))))
                .collect(),
        )
    }

    /// Whether uncertainty covers this relation's shape.
    pub fn shape_uncertain(&self, name: &QualifiedName) -> bool {
        !self.uncertainty.shape_known(name)
    }

    // --- types ---------------------------------------------------------------

    /// Whether a type called `schema.name` exists (user, extension, row type).
    pub fn type_at(&self, schema: &str, name: &str) -> bool {
        let c = &self.catalog;
        let here = |s: &str, n: &str| s == schema && n == name;
        c.enums.iter().any(|e| here(&e.schema, &e.name))
            || c.domains.iter().any(|d| here(&d.schema, &d.name))
            || c.composite_types.iter().any(|t| here(&t.schema, &t.name))
            || c.tables.iter().any(|t| here(&t.schema, &t.name))
            || c.views.iter().any(|v| here(&v.schema, &v.name))
            || c.sequences.iter().any(|s| here(&s.schema, &s.name))
            || self.other_types.iter().any(|t| here(&t.schema, &t.name))
            || c.extensions
                .iter()
                .filter(|e| e.schema == schema)
                .any(|e| extensions::known(&e.name).is_some_and(|k| k.has_type(name)))
    }

    /// Resolves a type written in a migration.
    pub fn resolve_type(
        &self,
        type_name: &pg_query::protobuf::TypeName,
        in_column: bool,
    ) -> TypeFound {
        match types::written(type_name, in_column) {
            WrittenType::Builtin(t) => TypeFound::Found(t),
            WrittenType::Unresolvable => TypeFound::Uncertain(unresolved_type()),
            WrittenType::Named {
                schema,
                name,
                array_dimensions,
            } => {
                let written = WrittenName {
                    schema: schema.clone(),
                    name: name.clone(),
                };
                let found = match &schema {
                    Some(schema) => self
                        .type_at(schema, &name)
                        .then(|| QualifiedName::new(schema, &name)),
                    None => self
                        .search_path
                        .lookup_order()
                        .find(|s| self.type_at(s, &name))
                        .map(|s| QualifiedName::new(s, &name)),
                };
                match found {
                    Some(base) => TypeFound::Found(types::user_type(&base, array_dimensions)),
                    None => {
                        let path = self.lookup_path();
                        let subject = match &schema {
                            Some(s) => Subject::Object(s, &name),
                            None => Subject::Searched(&name, &path),
                        };
                        if self.uncertainty.covers(subject) {
                            let schema = schema.unwrap_or_else(|| {
                                path.iter()
                                    .find(|s| *s != PG_CATALOG)
                                    .cloned()
                                    .unwrap_or_else(|| PUBLIC.to_string())
                            });
                            TypeFound::Uncertain(types::user_type(
                                &QualifiedName::new(&schema, &name),
                                array_dimensions,
                            ))
                        } else {
                            TypeFound::Unknown {
                                name: written,
                                location: type_name.location,
                            }
                        }
                    }
                }
            }
        }
    }

    /// The type names in scope, for "did you mean".
    pub fn type_names_in_scope(&self) -> Vec<String> {
        let path = self.lookup_path();
        let c = &self.catalog;
        let in_scope = |schema: &str| path.iter().any(|s| s == schema);
        let mut names: Vec<String> = c
            .enums
            .iter()
            .filter(|e| in_scope(&e.schema))
            .map(|e| e.name.clone())
            .chain(
                c.domains
                    .iter()
                    .filter(|d| in_scope(&d.schema))
                    .map(|d| d.name.clone()),
            )
            .chain(
                c.composite_types
                    .iter()
                    .filter(|t| in_scope(&t.schema))
                    .map(|t| t.name.clone()),
            )
            .collect();
        names.extend(
            [
                "integer",
                "bigint",
                "smallint",
                "text",
                "varchar",
                "boolean",
                "uuid",
                "jsonb",
                "json",
                "timestamptz",
                "timestamp",
                "date",
                "numeric",
                "bytea",
                "real",
                "inet",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        names
    }
}

/// A column's type as a [`ColumnType`].
pub fn column_type_of(column: &Column) -> ColumnType {
    ColumnType {
        format: column.type_name.clone(),
        base: column.base_type.clone(),
        array_dimensions: column.array_dimensions,
        serial: None,
    }
}

/// A placeholder for a type the catalog cannot resolve statically.
fn unresolved_type() -> ColumnType {
    ColumnType {
        format: String::new(),
        base: QualifiedName::new("", ""),
        array_dimensions: 0,
        serial: None,
    }
}
