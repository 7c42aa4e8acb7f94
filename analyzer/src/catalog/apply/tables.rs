//! `CREATE TABLE` in all its forms: columns and constraints, `LIKE`, `INHERITS`,
//! `PARTITION OF`, `OF type`, partitioned and unlogged tables; `CREATE TABLE ... AS`
//! and `SELECT ... INTO`.

use super::super::builder::{CatalogBuilder, PG_TEMP};
use super::super::chosen_names;
use super::super::identifiers::quote_ident;
use super::super::model::{Check, Column, Index, QualifiedName, Table, TableKind};
use super::super::name_index::RelationKind;
use super::super::problem::{Anchor, ObjectKind, Problem};
use super::super::uncertainty::Subject;
use super::columns::ColumnSpec;
use pg_query::protobuf::{
    ConstrType, Constraint, CreateStmt, CreateTableAsStmt, IntoClause, ObjectType, RangeVar,
    SelectStmt, TableLikeClause,
};
use pg_query::NodeEnum;
use std::borrow::Cow;

/// `CREATE TABLE ... (LIKE src INCLUDING ...)` options (`TableLikeOption` bits).
const LIKE_COMMENTS: u32 = 1 << 0;
const LIKE_CONSTRAINTS: u32 = 1 << 2;
const LIKE_DEFAULTS: u32 = 1 << 3;
const LIKE_GENERATED: u32 = 1 << 4;
const LIKE_IDENTITY: u32 = 1 << 5;
const LIKE_INDEXES: u32 = 1 << 6;

/// What a `LIKE` clause brings besides columns, applied once the table exists.
struct LikeExtras {
    source: QualifiedName,
    checks: Vec<Check>,
    indexes: Vec<(Index, Option<bool>)>,
}

impl CatalogBuilder {
    pub(super) fn create_table(&mut self, stmt: &CreateStmt, foreign: bool) {
        let Some(relation) = &stmt.relation else {
            return;
        };
        let Some(name) = self.claim_new_relation(relation, stmt.if_not_exists) else {
            return;
        };
        let temporary = relation.relpersistence == "t";
        let schema = name.schema.clone();
        let kind = if foreign {
            TableKind::Foreign
        } else if stmt.partspec.is_some() {
            TableKind::Partitioned
        } else if relation.relpersistence == "u" {
            TableKind::Unlogged
        } else {
            TableKind::Table
        };
        let mut table = Table {
            schema: schema.clone(),
            name: relation.relname.clone(),
            kind,
            columns: Vec::with_capacity(stmt.table_elts.len()),
            primary_key: None,
            unique: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            indexes: Vec::new(),
            inherits: Vec::new(),
            partition_of: None,
            comment: None,
        };
        let mut inherited_checks = Vec::new();
        for parent in &stmt.inh_relations {
            let Some(NodeEnum::RangeVar(parent)) = &parent.node else {
                continue;
            };
            let Some((parent_name, parent_kind)) = self.require_relation(parent) else {
                continue;
            };
            if !matches!(parent_kind, RelationKind::Table | RelationKind::Temporary) {
                continue;
            }
            if let Some(parent_table) = self.table(&parent_name) {
                for column in &parent_table.columns {
                    merge_column(&mut table.columns, inherited(column));
                }
                inherited_checks.extend(parent_table.checks.iter().cloned());
            }
            if self.shape_uncertain(&parent_name) {
                self.uncertainty.object(
                    "table",
                    &name,
                    format!(
                        "inherits from `{}`, whose shape is uncertain",
                        parent_name.name
                    ),
                );
            }
            if stmt.partbound.is_some() {
                table.partition_of = Some(parent_name.clone());
            }
            table.inherits.push(parent_name);
            self.inheritance_seen = true;
        }
        if let Some(of_type) = &stmt.of_typename {
            self.typed_table_columns(of_type, &name, &mut table.columns);
        }

        let mut pending: Vec<(Cow<Constraint>, Option<String>)> = Vec::new();
        let mut owners: Vec<String> = Vec::new();
        let mut own_columns: Vec<String> = Vec::new();
        let mut likes = Vec::new();
        for element in &stmt.table_elts {
            match &element.node {
                Some(NodeEnum::ColumnDef(def)) => {
                    let ColumnSpec {
                        column,
                        constraints,
                        owns_sequence,
                    } = self.column_spec(def);
                    if own_columns.contains(&column.name) {
                        let problem = Problem::duplicate(
                            ObjectKind::Column,
                            quote_ident(&column.name),
                            Anchor::at(def.location),
                        )
                        .context(format!("in table `{}`", quote_ident(&name.name)));
                        self.report(problem, Subject::Object(&name.schema, &name.name));
                        continue;
                    }
                    own_columns.push(column.name.clone());
                    let has_type = def.type_name.is_some();
                    if !has_type && !table.columns.iter().any(|c| c.name == column.name) {
                        // `col WITH OPTIONS` names a column the parent or type lacks.
                        let known: Vec<String> =
                            table.columns.iter().map(|c| c.name.clone()).collect();
                        let problem = Problem::unknown(
                            ObjectKind::Column,
                            quote_ident(&column.name),
                            Anchor::at(def.location),
                        )
                        .suggest(known.iter().map(String::as_str));
                        self.report(problem, Subject::Object(&name.schema, &name.name));
                        continue;
                    }
                    if owns_sequence {
                        owners.push(column.name.clone());
                    }
                    pending.extend(
                        constraints
                            .into_iter()
                            .map(|c| (c, Some(column.name.clone()))),
                    );
                    merge_column(&mut table.columns, column);
                }
                Some(NodeEnum::Constraint(constraint)) => {
                    pending.push((Cow::Borrowed(constraint.as_ref()), None))
                }
                Some(NodeEnum::TableLikeClause(like)) => {
                    if let Some(extras) =
                        self.like_clause(like, &name, &mut table.columns, &mut owners)
                    {
                        likes.push(extras);
                    }
                }
                _ => {}
            }
        }
        for check in &inherited_checks {
            self.name_index.note_constraint(&name.schema, &check.name);
        }
        table.checks = inherited_checks;

        for column_name in &owners {
            if let Some(position) = table.columns.iter().position(|c| &c.name == column_name) {
                let mut column = table.columns.remove(position);
                self.create_owned_sequence(&name, &mut column);
                table.columns.insert(position, column);
            }
        }
        if temporary {
            self.temp_tables.push(table);
        } else {
            self.name_index
                .note_relation(&name.schema, &name.name, RelationKind::Table);
            self.catalog.tables.push(table);
        }
        self.add_pending_constraints(&name, &pending);
        for extras in likes {
            self.apply_like_extras(&name, extras);
        }
        if let Some(parent) = self.table(&name).and_then(|t| t.partition_of.clone()) {
            self.clone_partition_parent(&parent, &name);
        }
    }

    /// The name a relation created as `relation` takes (`pg_temp` for a temporary one,
    /// otherwise its schema or the first in the search path), once claimed; `None`
    /// when the statement creates nothing (a missing schema or a taken name, reported,
    /// or `IF NOT EXISTS` of an existing one).
    fn claim_new_relation(
        &mut self,
        relation: &RangeVar,
        if_not_exists: bool,
    ) -> Option<QualifiedName> {
        let (name, anchor) = if relation.relpersistence == "t" {
            let name = QualifiedName::new(PG_TEMP, &relation.relname);
            (name, Anchor::at(relation.location))
        } else {
            self.new_relation_name(relation)?
        };
        self.claim_relation_name(&name, if_not_exists, anchor)
            .then_some(name)
    }

    /// Checks that `name` is free in the relation and type namespaces; `false` when
    /// the statement must not create it (it exists: an error unless `IF NOT EXISTS`).
    pub(super) fn claim_relation_name(
        &mut self,
        name: &QualifiedName,
        if_not_exists: bool,
        anchor: Anchor,
    ) -> bool {
        let taken = self.relation_at(&name.schema, &name.name).is_some()
            || (name.schema != PG_TEMP && self.type_at(&name.schema, &name.name));
        if !taken {
            return true;
        }
        if !if_not_exists {
            let problem = Problem::duplicate(ObjectKind::Relation, quote_ident(&name.name), anchor);
            self.report(problem, Subject::Object(&name.schema, &name.name));
        }
        false
    }

    /// Adds a table's constraints in PostgreSQL's order: checks, the primary key,
    /// unique and exclusion constraints (an unnamed one that repeats an earlier key
    /// is dropped, as PostgreSQL does), then foreign keys.
    pub(super) fn add_pending_constraints(
        &mut self,
        table: &QualifiedName,
        pending: &[(Cow<Constraint>, Option<String>)],
    ) {
        let of_type = |wanted: &[ConstrType]| {
            pending
                .iter()
                .filter(move |(c, _)| {
                    wanted
                        .contains(&ConstrType::try_from(c.contype).unwrap_or(ConstrType::Undefined))
                })
                .collect::<Vec<_>>()
        };
        for (constraint, column) in of_type(&[ConstrType::ConstrCheck]) {
            self.add_constraint(table, constraint, column.as_deref());
        }
        let mut keys_seen: Vec<Vec<String>> = Vec::new();
        let primary = of_type(&[ConstrType::ConstrPrimary]);
        let others = of_type(&[ConstrType::ConstrUnique, ConstrType::ConstrExclusion]);
        for (constraint, column) in primary.into_iter().chain(others) {
            let columns = key_columns(constraint, column.as_deref());
            let is_unique = constraint.contype != ConstrType::ConstrExclusion as i32;
            if is_unique && constraint.conname.is_empty() && keys_seen.contains(&columns) {
                continue;
            }
            if is_unique {
                keys_seen.push(columns);
            }
            self.add_constraint(table, constraint, column.as_deref());
        }
        for (constraint, column) in of_type(&[ConstrType::ConstrForeign]) {
            self.add_constraint(table, constraint, column.as_deref());
        }
    }

    /// The attributes of `OF type` as columns.
    fn typed_table_columns(
        &mut self,
        of_type: &pg_query::protobuf::TypeName,
        table: &QualifiedName,
        columns: &mut Vec<Column>,
    ) {
        let found = match self.resolve_type(of_type, false) {
            super::super::builder::TypeFound::Found(t) => t.base,
            super::super::builder::TypeFound::Uncertain(_) => {
                self.uncertainty.object(
                    "table",
                    table,
                    "typed by a composite type the catalog cannot see".to_string(),
                );
                return;
            }
            super::super::builder::TypeFound::Unknown { name, location } => {
                let problem =
                    Problem::unknown(ObjectKind::Type, name.display(), Anchor::at(location));
                self.report_about(problem, &name);
                return;
            }
        };
        if let Some(composite) = self
            .catalog
            .composite_types
            .iter()
            .find(|t| t.name == found.name && t.schema == found.schema)
        {
            for attribute in &composite.attributes {
                columns.push(Column {
                    comment: None,
                    ..attribute.clone()
                });
            }
        }
    }

    /// `LIKE source [INCLUDING ...]`: copies the columns now and returns what is
    /// added once the table exists.
    fn like_clause(
        &mut self,
        like: &TableLikeClause,
        table: &QualifiedName,
        columns: &mut Vec<Column>,
        owners: &mut Vec<String>,
    ) -> Option<LikeExtras> {
        let relation = like.relation.as_ref()?;
        let (source, _) = self.require_relation(relation)?;
        if self.shape_uncertain(&source) {
            self.uncertainty.object(
                "table",
                table,
                format!(
                    "copies the columns of `{}`, whose shape is uncertain",
                    source.name
                ),
            );
        }
        let options = like.options;
        let (source_columns, checks, indexes) = match self.table(&source) {
            Some(t) => (
                t.columns.clone(),
                t.checks.clone(),
                t.indexes
                    .iter()
                    .map(|i| {
                        let constraint = if t.primary_key.as_ref().is_some_and(|k| k.name == i.name)
                        {
                            Some(true)
                        } else if t.unique.iter().any(|k| k.name == i.name) {
                            Some(false)
                        } else {
                            None
                        };
                        (i.clone(), constraint)
                    })
                    .collect(),
            ),
            None => {
                let derived = self.relation_columns(&source).unwrap_or_default();
                let columns = derived
                    .into_iter()
                    .map(|(name, t)| super::views::column_of(name, t))
                    .collect();
                (columns, Vec::new(), Vec::new())
            }
        };
        for column in source_columns {
            let copied = Column {
                default: column.default.filter(|_| options & LIKE_DEFAULTS != 0),
                identity: column.identity.filter(|_| options & LIKE_IDENTITY != 0),
                generated: column.generated.filter(|_| options & LIKE_GENERATED != 0),
                comment: column.comment.filter(|_| options & LIKE_COMMENTS != 0),
                serial: None,
                ..column
            };
            if copied.identity.is_some() {
                owners.push(copied.name.clone());
            }
            merge_column(columns, copied);
        }
        Some(LikeExtras {
            source,
            checks: if options & LIKE_CONSTRAINTS != 0 {
                checks
            } else {
                Vec::new()
            },
            indexes: if options & LIKE_INDEXES != 0 {
                indexes
            } else {
                Vec::new()
            },
        })
    }

    /// Copies a `LIKE` source's checks (same names) and indexes (new names).
    fn apply_like_extras(&mut self, table: &QualifiedName, extras: LikeExtras) {
        for check in &extras.checks {
            self.name_index.note_constraint(&table.schema, &check.name);
        }
        let _ = &extras.source;
        if let Some(t) = self.table_mut(table) {
            t.checks.extend(extras.checks);
        }
        for (index, constraint) in extras.indexes {
            self.clone_index(table, &index, constraint);
        }
    }

    /// Creates `index` (of another table) on `table` with the name PostgreSQL
    /// chooses; `constraint` is `Some(primary)` for a key's index.
    pub(super) fn clone_index(
        &mut self,
        table: &QualifiedName,
        index: &Index,
        constraint: Option<bool>,
    ) {
        let column_names = chosen_names::index_column_names(
            &index
                .columns
                .iter()
                .map(|c| super::indexes::column_name_of_text(c))
                .collect::<Vec<_>>(),
        );
        let addition = chosen_names::columns_addition(&column_names);
        let name = match constraint {
            Some(true) => self.choose_index_name(table, None, "pkey", true),
            Some(false) => self.choose_index_name(table, Some(&addition), "key", true),
            None => self.choose_index_name(table, Some(&addition), "idx", false),
        };
        self.name_index
            .note_relation(&table.schema, &name, RelationKind::Index);
        if constraint.is_some() {
            self.name_index.note_constraint(&table.schema, &name);
        }
        let Some(t) = self.table_mut(table) else {
            return;
        };
        let copy = Index {
            name: name.clone(),
            ..index.clone()
        };
        match constraint {
            Some(true) => {
                for column in t.columns.iter_mut() {
                    if index.columns.contains(&column.name) {
                        column.nullable = false;
                    }
                }
                t.primary_key = Some(super::super::model::Key {
                    name,
                    columns: index.columns.clone(),
                });
            }
            Some(false) => t.unique.push(super::super::model::Key {
                name,
                columns: index.columns.clone(),
            }),
            None => {}
        }

        t.indexes.push(copy);
    }

    /// A new partition gets its parent's indexes (named for it), keys and foreign
    /// keys.
    pub(super) fn clone_partition_parent(
        &mut self,
        parent: &QualifiedName,
        partition: &QualifiedName,
    ) {
        let Some(parent_table) = self.table(parent) else {
            return;
        };
        let indexes: Vec<(Index, Option<bool>)> = parent_table
            .indexes
            .iter()
            .map(|i| {
                let constraint = if parent_table
                    .primary_key
                    .as_ref()
                    .is_some_and(|k| k.name == i.name)
                {
                    Some(true)
                } else if parent_table.unique.iter().any(|k| k.name == i.name) {
                    Some(false)
                } else {
                    None
                };
                (i.clone(), constraint)
            })
            .collect();
        let foreign_keys = parent_table.foreign_keys.clone();
        for (index, constraint) in indexes {
            self.clone_index(partition, &index, constraint);
        }
        for key in &foreign_keys {
            self.name_index
                .note_constraint(&partition.schema, &key.name);
        }
        if let Some(t) = self.table_mut(partition) {
            for key in foreign_keys {
                if !t.foreign_keys.iter().any(|k| k.name == key.name) {
                    t.foreign_keys.push(key);
                }
            }
        }
    }

    pub(super) fn create_table_as(&mut self, stmt: &CreateTableAsStmt) {
        let Some(into) = stmt.into.as_deref() else {
            return;
        };
        let query = stmt.query.as_deref().and_then(|q| q.node.as_ref());
        if stmt.objtype == ObjectType::ObjectMatview as i32 {
            let mut creating = stmt.clone();
            creating.if_not_exists = false;
            let definition =
                super::super::deparse::statement(NodeEnum::CreateTableAsStmt(Box::new(creating)));
            self.create_materialized_view(into, query, stmt.if_not_exists, definition);
        } else {
            self.table_from_query(into, query, stmt.if_not_exists);
        }
    }

    pub(super) fn select_into(&mut self, select: &SelectStmt) {
        let Some(into) = select.into_clause.as_deref() else {
            return;
        };
        let mut query = select.clone();
        query.into_clause = None;
        let node = NodeEnum::SelectStmt(Box::new(query));
        self.table_from_query(into, Some(&node), false);
    }

    /// A table whose columns are a query's output columns.
    fn table_from_query(
        &mut self,
        into: &IntoClause,
        query: Option<&NodeEnum>,
        if_not_exists: bool,
    ) {
        let Some(relation) = &into.rel else { return };
        let Some(name) = self.claim_new_relation(relation, if_not_exists) else {
            return;
        };
        let temporary = relation.relpersistence == "t";
        let derived = query.and_then(|q| self.query_columns(q));
        let aliases = super::super::identifiers::strings(&into.col_names);
        let columns: Vec<Column> = match derived {
            Some(derived) => derived
                .into_iter()
                .enumerate()
                .map(|(i, (name, t))| {
                    let name = aliases.get(i).cloned().unwrap_or(name);
                    super::views::column_of(name, t)
                })
                .collect(),
            None => Vec::new(),
        };
        if columns.is_empty() || columns.iter().any(|c| c.type_name.is_empty()) {
            self.uncertainty.object(
                "table",
                &name,
                "created from a query whose columns the catalog cannot derive".to_string(),
            );
        }
        let table = Table {
            schema: name.schema.clone(),
            name: relation.relname.clone(),
            kind: if relation.relpersistence == "u" {
                TableKind::Unlogged
            } else {
                TableKind::Table
            },
            columns,
            primary_key: None,
            unique: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            indexes: Vec::new(),
            inherits: Vec::new(),
            partition_of: None,
            comment: None,
        };
        if temporary {
            self.temp_tables.push(table);
        } else {
            self.name_index
                .note_relation(&name.schema, &name.name, RelationKind::Table);
            self.catalog.tables.push(table);
        }
    }
}

/// A parent's column as a child inherits it: no identity, no comment.
fn inherited(column: &Column) -> Column {
    Column {
        identity: None,
        serial: None,
        comment: None,
        ..column.clone()
    }
}

/// Adds `column`, or merges it into a column of the same name (inherited or from
/// `LIKE`): NOT NULL from either, the new default and type where given.
fn merge_column(columns: &mut Vec<Column>, column: Column) {
    match columns.iter_mut().find(|c| c.name == column.name) {
        Some(existing) => {
            existing.nullable = existing.nullable && column.nullable;
            if column.default.is_some() {
                existing.default = column.default;
            }
            if column.generated.is_some() {
                existing.generated = column.generated;
            }
            if column.identity.is_some() {
                existing.identity = column.identity;
            }
            if !column.type_name.is_empty() {
                existing.type_name = column.type_name;
                existing.base_type = column.base_type;
                existing.array_dimensions = column.array_dimensions;
                existing.serial = column.serial;
            }
        }
        None => columns.push(column),
    }
}

/// The columns of a key constraint, for spotting repeats.
fn key_columns(constraint: &Constraint, column: Option<&str>) -> Vec<String> {
    let mut columns = super::super::identifiers::strings(&constraint.keys);
    if columns.is_empty() {
        columns.extend(column.map(str::to_string));
    }
    columns
}
