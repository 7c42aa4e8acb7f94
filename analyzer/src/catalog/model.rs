//! The schema after the last migration, as PostgreSQL would have it. Serialised as is
//! by `pgstrata schema --json`: the field names below are a stable interface (new
//! fields may be added; none is renamed or removed without a major version).

use serde::Serialize;

/// Every object the migrations created, in creation order within each list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Catalog {
    pub schemas: Vec<String>,
    pub extensions: Vec<Extension>,
    pub tables: Vec<Table>,
    pub views: Vec<View>,
    pub enums: Vec<Enum>,
    pub domains: Vec<Domain>,
    pub composite_types: Vec<CompositeType>,
    pub sequences: Vec<Sequence>,
    pub functions: Vec<Function>,
    pub triggers: Vec<Trigger>,
    /// What the catalog could not follow (dynamic SQL, an unknown extension's objects):
    /// names in here are never the subject of an error.
    pub uncertain: Vec<Uncertain>,
}

/// A schema-qualified name, with the schema always filled in (`public` by default).
#[derive(Debug, Clone, Eq, PartialOrd, Ord, Serialize)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

/// Names first: most objects share a schema, so names tell them apart sooner.
impl PartialEq for QualifiedName {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.schema == other.schema
    }
}

impl std::hash::Hash for QualifiedName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.schema.hash(state);
        self.name.hash(state);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extension {
    pub name: String,
    pub schema: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    Table,
    Partitioned,
    Foreign,
    Unlogged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub schema: String,
    pub name: String,
    pub kind: TableKind,
    pub columns: Vec<Column>,
    pub primary_key: Option<Key>,
    pub unique: Vec<Key>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<Check>,
    pub indexes: Vec<Index>,
    /// `INHERITS (...)` parents and the parent of a partition.
    pub inherits: Vec<QualifiedName>,
    pub partition_of: Option<QualifiedName>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub name: String,
    /// The type as PostgreSQL's `format_type` prints it: `integer`,
    /// `character varying(255)`, `timestamp with time zone`, `text[]`, `mood`
    /// (qualified only outside `public`/`pg_catalog`: `auth.role`).
    #[serde(rename = "type")]
    pub type_name: String,
    /// The type's own name and schema without modifiers or array bounds, for code
    /// generation (`varchar`, `int4`, `timestamptz`, or the user type's name).
    pub base_type: QualifiedName,
    pub array_dimensions: u32,
    pub nullable: bool,
    /// The default as written in the migration (deparsed), `None` when there is none.
    pub default: Option<String>,
    /// `always` or `by default` for identity columns.
    pub identity: Option<String>,
    /// The expression of a `GENERATED ALWAYS AS (...) STORED` column.
    pub generated: Option<String>,
    /// `serial`, `bigserial` or `smallserial` when declared that way.
    pub serial: Option<String>,
    pub comment: Option<String>,
}

/// A primary key or unique constraint (or a unique index used as one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Key {
    pub name: String,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub references: QualifiedName,
    pub referenced_columns: Vec<String>,
    /// `no action`, `restrict`, `cascade`, `set null`, `set default`.
    pub on_delete: String,
    pub on_update: String,
    /// `DEFERRABLE`, and `INITIALLY DEFERRED` with it.
    #[serde(skip_serializing_if = "is_false")]
    pub deferrable: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub initially_deferred: bool,
    /// Added `NOT VALID` and not validated since.
    #[serde(skip_serializing_if = "is_false")]
    pub not_valid: bool,
    /// From `COMMENT ON CONSTRAINT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub expression: String,
    /// Added `NOT VALID` and not validated since.
    #[serde(skip_serializing_if = "is_false")]
    pub not_valid: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    /// Column names; an expression is given as its deparsed text.
    pub columns: Vec<String>,
    pub method: String,
    pub predicate: Option<String>,
    /// The whole `CREATE INDEX` statement, deparsed (for DDL: operator classes,
    /// orderings, `INCLUDE`, storage options); `None` for a constraint's index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct View {
    pub schema: String,
    pub name: String,
    pub materialized: bool,
    /// The `CREATE VIEW` or `CREATE MATERIALIZED VIEW` statement, deparsed (`None`
    /// when it could not be).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// The search path its query's names were looked up in, when not PostgreSQL's
    /// default (`SET search_path`, a `CREATE SCHEMA`'s elements).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub search_path: Vec<String>,
    /// Output columns in order; `type_name` is empty where it cannot be derived.
    pub columns: Vec<ViewColumn>,
    pub indexes: Vec<Index>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViewColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    pub base_type: Option<QualifiedName>,
    pub array_dimensions: u32,
    /// From `COMMENT ON COLUMN`.
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enum {
    pub schema: String,
    pub name: String,
    /// In PostgreSQL's sort order (after every `ADD VALUE ... BEFORE/AFTER`).
    pub labels: Vec<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Domain {
    pub schema: String,
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub base_type: QualifiedName,
    pub array_dimensions: u32,
    pub not_null: bool,
    pub default: Option<String>,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompositeType {
    pub schema: String,
    pub name: String,
    pub attributes: Vec<Column>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sequence {
    pub schema: String,
    pub name: String,
    /// The column that owns it (`serial`, identity, `OWNED BY`).
    pub owned_by: Option<String>,
    /// The `CREATE SEQUENCE` statement, deparsed without `OWNED BY`, for one the
    /// migrations created themselves (`None` for a serial or identity column's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Function {
    pub schema: String,
    pub name: String,
    /// Argument types as written, for telling overloads apart.
    pub arguments: Vec<String>,
    pub returns: Option<String>,
    pub language: String,
    pub procedure: bool,
    /// The `CREATE OR REPLACE FUNCTION` (or `PROCEDURE`) statement, deparsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trigger {
    pub name: String,
    pub table: QualifiedName,
    pub function: QualifiedName,
    /// The `CREATE TRIGGER` statement, deparsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
}

/// Something the catalog could not follow, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Uncertain {
    /// `table`, `type`, `schema`, ... or `*` when anything may have changed.
    pub kind: String,
    /// The object's name, or `*`.
    pub name: String,
    pub reason: String,
}

fn is_false(value: &bool) -> bool {
    !*value
}
