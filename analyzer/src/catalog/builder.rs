//! The catalog under construction: the catalog so far, the session's search path,
//! what is uncertain, and the lookups every statement needs (relations, types,
//! schemas).

use super::extensions::{self, KnownExtension};
use super::function_bodies::FunctionBodies;
use super::identifiers::{SearchPath, WrittenName, INFORMATION_SCHEMA, PG_CATALOG, PUBLIC};
use super::model::*;
use super::name_index::{locate, NameIndex, RelationEntry, RelationKind};
use super::problem::Problem;
use super::type_names::{self, ColumnType, WrittenType};
use super::uncertainty::{Subject, Uncertainty};
use std::cell::Cell;
use std::collections::HashMap;

/// The schema of temporary objects.
pub const PG_TEMP: &str = "pg_temp";

/// The catalog under construction: folds statements, in order, into a [`Catalog`].
#[derive(Debug, Clone)]
pub struct CatalogBuilder {
    pub(super) catalog: Catalog,
    pub(super) search_path: SearchPath,
    pub(super) uncertainty: Uncertainty,
    /// Temporary tables: they resolve but are not part of the schema.
    pub(super) temp_tables: Vec<Table>,
    /// The relations each view reads, for `DROP ... CASCADE`.
    pub(super) view_sources: HashMap<QualifiedName, Vec<QualifiedName>>,
    /// Types the model has no list for: ranges, base types, shell types.
    pub(super) other_types: Vec<QualifiedName>,
    /// The bodies of functions and procedures, to tell whether calling one changes
    /// the schema (then everything is uncertain).
    pub(super) function_bodies: FunctionBodies,
    /// Whether any table has ever inherited from another (or been a partition): until
    /// one has, no table has children, and finding them needs no pass over every table.
    pub(super) inheritance_seen: bool,
    /// Where the table looked up last is in `catalog.tables`: one statement looks up
    /// its table again and again (each column, key and check), and comparing the
    /// names there is cheaper than looking them up in the name index.
    last_table: Cell<usize>,
    pub(super) file: FileState,
    /// Problems of the statement being applied.
    pub(super) problems: Vec<Problem>,
    /// Every relation, constraint and type name that may exist.
    pub(super) name_index: NameIndex,
}

/// What lasts until the end of the current migration file.
#[derive(Debug, Clone, Default)]
pub(super) struct FileState {
    /// The path when the file started: `SET [LOCAL] search_path` lasts for the file.
    pub path_at_start: SearchPath,
    /// Whether the file runs in one transaction (`SET LOCAL` is a no-op otherwise).
    pub transactional: bool,
}

impl Default for CatalogBuilder {
    fn default() -> Self {
        Self::new()
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

impl CatalogBuilder {
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
            function_bodies: FunctionBodies::default(),
            file: FileState {
                transactional: true,
                ..FileState::default()
            },
            inheritance_seen: false,
            last_table: Cell::new(0),
            problems: Vec::new(),
            name_index: NameIndex::default(),
        }
    }

    /// Rebuilds the name index from the catalog (after renames and moves).
    pub(super) fn rebuild_name_index(&mut self) {
        self.name_index = NameIndex::of(&self.catalog, &self.other_types);
    }

    /// The names the name index misses (the tests check there are none).
    #[cfg(test)]
    pub(super) fn unnoted_names(&self) -> Vec<(String, String)> {
        self.name_index.unnoted(&self.catalog, &self.other_types)
    }

    /// The catalog so far, with what is uncertain.
    pub fn catalog(&self) -> Catalog {
        let mut catalog = self.catalog.clone();
        catalog.uncertain = self.uncertainty.record().to_vec();
        catalog
    }

    /// The catalog so far without what is uncertain, borrowed: for comparing two
    /// points of a history cheaply.
    pub fn model(&self) -> &Catalog {
        &self.catalog
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
        self.created_relation_at(schema, name)
            .or_else(|| self.extension_relation(schema, name))
    }

    /// What `schema.name` is among the relations the migrations created.
    fn created_relation_at(&self, schema: &str, name: &str) -> Option<RelationKind> {
        if self.last_table_is(schema, name).is_some() {
            return Some(RelationKind::Table);
        }
        let c = &self.catalog;
        let entry = self.name_index.relation(schema, name)?;
        let here = |s: &str, n: &str| n == name && s == schema;
        // Only the list of the kind the name was last created as can hold it: a name
        // is unique among a schema's relations.
        match entry.kind {
            RelationKind::Table => self
                .table_position_in(entry, schema, name)
                .map(|_| RelationKind::Table),
            RelationKind::View | RelationKind::MaterializedView => {
                let position = locate(&c.views, &entry.position, |v| here(&v.schema, &v.name))?;
                Some(if c.views[position].materialized {
                    RelationKind::MaterializedView
                } else {
                    RelationKind::View
                })
            }
            RelationKind::Sequence => {
                locate(&c.sequences, &entry.position, |s| here(&s.schema, &s.name))
                    .map(|_| RelationKind::Sequence)
            }
            RelationKind::CompositeType => locate(&c.composite_types, &entry.position, |t| {
                here(&t.schema, &t.name)
            })
            .map(|_| RelationKind::CompositeType),
            RelationKind::Index => {
                let in_table = c
                    .tables
                    .iter()
                    .any(|t| t.schema == schema && t.indexes.iter().any(|i| i.name == name));
                let in_view = c
                    .views
                    .iter()
                    .any(|v| v.schema == schema && v.indexes.iter().any(|i| i.name == name));
                (in_table || in_view).then_some(RelationKind::Index)
            }
            _ => None,
        }
    }

    fn extension_relation(&self, schema: &str, name: &str) -> Option<RelationKind> {
        self.installed_extension_creates(schema, name, KnownExtension::has_relation)
            .then_some(RelationKind::Extension)
    }

    /// Whether a known extension installed in `schema` creates `name`, as `creates`
    /// asks of it; names no known extension creates skip the installed ones.
    fn installed_extension_creates(
        &self,
        schema: &str,
        name: &str,
        creates: fn(&KnownExtension, &str) -> bool,
    ) -> bool {
        extensions::may_create(name)
            && self
                .catalog
                .extensions
                .iter()
                .filter(|e| e.schema == schema)
                .any(|e| extensions::known(&e.name).is_some_and(|k| creates(k, name)))
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

    /// The names of relations in scope of an unqualified lookup, for "did you mean":
    /// tables, views, sequences and indexes, which share one namespace in PostgreSQL
    /// (`DROP INDEX` and `ALTER INDEX` look for an index among relations).
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
            .chain(
                c.tables
                    .iter()
                    .filter(|t| in_scope(&t.schema))
                    .flat_map(|t| &t.indexes)
                    .chain(
                        c.views
                            .iter()
                            .filter(|v| in_scope(&v.schema))
                            .flat_map(|v| &v.indexes),
                    )
                    .map(|i| i.name.clone()),
            )
            .collect()
    }

    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        if name.schema == PG_TEMP {
            return self.temp_tables.iter().find(|t| t.name == name.name);
        }
        let position = self.table_position(name)?;
        self.catalog.tables.get(position)
    }

    pub fn table_mut(&mut self, name: &QualifiedName) -> Option<&mut Table> {
        if name.schema == PG_TEMP {
            return self.temp_tables.iter_mut().find(|t| t.name == name.name);
        }
        let position = self.table_position(name)?;
        self.catalog.tables.get_mut(position)
    }

    /// Where a table is in `catalog.tables`.
    pub(super) fn table_position(&self, name: &QualifiedName) -> Option<usize> {
        self.table_position_at(&name.schema, &name.name)
    }

    /// Where the table `schema.name` is in `catalog.tables`.
    fn table_position_at(&self, schema: &str, name: &str) -> Option<usize> {
        if let Some(last) = self.last_table_is(schema, name) {
            return Some(last);
        }
        let entry = self.name_index.relation(schema, name)?;
        self.table_position_in(entry, schema, name)
    }

    /// Where the table looked up last is, if it is `schema.name`. A schema's relations
    /// have distinct names, so a table of this name is it.
    fn last_table_is(&self, schema: &str, name: &str) -> Option<usize> {
        let last = self.last_table.get();
        self.catalog
            .tables
            .get(last)
            .is_some_and(|t| t.name == name && t.schema == schema)
            .then_some(last)
    }

    /// Where the table of `entry`, the name index's entry for `schema.name`, is.
    fn table_position_in(&self, entry: &RelationEntry, schema: &str, name: &str) -> Option<usize> {
        if entry.kind != RelationKind::Table {
            return None;
        }
        let position = locate(&self.catalog.tables, &entry.position, |t| {
            t.name == name && t.schema == schema
        })?;
        self.last_table.set(position);
        Some(position)
    }

    /// Where the view or materialized view `name` is in `catalog.views`.
    fn view_position(&self, name: &QualifiedName) -> Option<usize> {
        let entry = self
            .name_index
            .relation(&name.schema, &name.name)
            .filter(|e| matches!(e.kind, RelationKind::View | RelationKind::MaterializedView))?;
        locate(&self.catalog.views, &entry.position, |v| {
            v.name == name.name && v.schema == name.schema
        })
    }

    pub fn view(&self, name: &QualifiedName) -> Option<&View> {
        let position = self.view_position(name)?;
        self.catalog.views.get(position)
    }

    pub fn view_mut(&mut self, name: &QualifiedName) -> Option<&mut View> {
        let position = self.view_position(name)?;
        self.catalog.views.get_mut(position)
    }

    /// The column names of a relation with columns (table, view, composite type),
    /// without copying them; `None` for other relations.
    pub fn column_names(&self, name: &QualifiedName) -> Option<Vec<&str>> {
        if let Some(table) = self.table(name) {
            return Some(table.columns.iter().map(|c| c.name.as_str()).collect());
        }
        if let Some(view) = self.view(name) {
            return Some(view.columns.iter().map(|c| c.name.as_str()).collect());
        }
        self.catalog
            .composite_types
            .iter()
            .find(|t| t.name == name.name && t.schema == name.schema)
            .map(|t| t.attributes.iter().map(|a| a.name.as_str()).collect())
    }

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
            .find(|t| t.name == name.name && t.schema == name.schema)?;
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
        let here = |s: &str, n: &str| n == name && s == schema;
        // Tables, views and composite types are row types: relations, which the
        // relation name index rules out cheaply.
        let relation_type = matches!(
            self.created_relation_at(schema, name),
            Some(
                RelationKind::Table
                    | RelationKind::View
                    | RelationKind::MaterializedView
                    | RelationKind::CompositeType
            )
        );
        let other_type = self.name_index.may_be_type(schema, name)
            && (c.enums.iter().any(|e| here(&e.schema, &e.name))
                || c.domains.iter().any(|d| here(&d.schema, &d.name))
                || self.other_types.iter().any(|t| here(&t.schema, &t.name)));
        relation_type
            || other_type
            || self.installed_extension_creates(schema, name, KnownExtension::has_type)
    }

    /// Resolves a type written in a migration.
    pub fn resolve_type(
        &self,
        type_name: &pg_query::protobuf::TypeName,
        in_column: bool,
    ) -> TypeFound {
        match type_names::written(type_name, in_column) {
            WrittenType::Builtin(t) => TypeFound::Found(t),
            WrittenType::Unresolvable => TypeFound::Uncertain(unresolved_type()),
            WrittenType::Named {
                schema,
                name,
                array_dimensions,
            } => {
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
                    Some(base) => TypeFound::Found(type_names::user_type(&base, array_dimensions)),
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
                            TypeFound::Uncertain(type_names::user_type(
                                &QualifiedName::new(&schema, &name),
                                array_dimensions,
                            ))
                        } else {
                            TypeFound::Unknown {
                                name: WrittenName { schema, name },
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
