//! `ALTER TABLE` and its subcommands (columns, defaults, nullability, types,
//! identity, generated expressions, constraints, inheritance, partitions), and
//! `ALTER TYPE ... ADD/DROP/ALTER ATTRIBUTE` of composite types.

use super::super::builder::{CatalogBuilder, TypeFound};
use super::super::deparse;
use super::super::identifiers::{quote_ident, WrittenName};
use super::super::model::{Column, QualifiedName, TableKind};
use super::super::name_index::RelationKind;
use super::super::problem::{Anchor, ObjectKind, Problem};
use super::super::uncertainty::Subject;
use super::super::walk;
use super::columns::ColumnSpec;
use pg_query::protobuf::{
    AlterTableCmd, AlterTableStmt, AlterTableType, ConstrType, DropBehavior, ObjectType,
};
use pg_query::NodeEnum;
use std::borrow::Cow;

impl CatalogBuilder {
    pub(super) fn alter_table(&mut self, stmt: &AlterTableStmt) {
        let Some(relation) = &stmt.relation else {
            return;
        };
        if stmt.objtype == ObjectType::ObjectType as i32 {
            self.alter_composite_type(stmt);
            return;
        }
        let written = WrittenName::of_range_var(relation);
        let (table, kind) = match self.find_relation(&written) {
            Some(found) => found,
            None if stmt.missing_ok => return,
            None => {
                self.require_written_relation(&written, Anchor::at(relation.location));
                return;
            }
        };
        if matches!(kind, RelationKind::View | RelationKind::MaterializedView) {
            self.alter_view_columns(&table, &stmt.cmds);
            return;
        }
        if !matches!(kind, RelationKind::Table | RelationKind::Temporary) {
            return;
        }
        for cmd in &stmt.cmds {
            if let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node {
                self.alter_table_cmd(&table, cmd, relation.inh);
                if relation.inh {
                    self.recurse_to_children(&table, cmd);
                }
            }
        }
    }

    /// `ALTER [MATERIALIZED] VIEW ... ALTER COLUMN`: the column must exist. What it
    /// changes (a default for inserts through the view, statistics, storage) is not in
    /// the catalog's model of a view.
    fn alter_view_columns(&mut self, view: &QualifiedName, cmds: &[pg_query::protobuf::Node]) {
        if self.shape_uncertain(view) {
            return;
        }
        for cmd in cmds {
            let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node else {
                continue;
            };
            let names_a_column = matches!(
                AlterTableType::try_from(cmd.subtype),
                Ok(AlterTableType::AtColumnDefault
                    | AlterTableType::AtSetStatistics
                    | AlterTableType::AtSetOptions
                    | AlterTableType::AtResetOptions
                    | AlterTableType::AtSetStorage
                    | AlterTableType::AtSetCompression)
            );
            if names_a_column && !cmd.name.is_empty() {
                let anchor = Anchor::Name(cmd.name.clone());
                self.require_columns(view, std::slice::from_ref(&cmd.name), &anchor);
            }
        }
    }

    /// What an `ALTER TABLE` without `ONLY` also does to the inheriting tables and
    /// partitions: defaults, nullability, inheritable checks, foreign keys of a
    /// partitioned table, and dropping them.
    fn recurse_to_children(&mut self, table: &QualifiedName, cmd: &AlterTableCmd) {
        let children = self.children_of(table);
        if children.is_empty() {
            return;
        }
        let Some(parent) = self.table(table).cloned() else {
            return;
        };
        let parent_column = parent.columns.iter().find(|c| c.name == cmd.name).cloned();
        let subtype = AlterTableType::try_from(cmd.subtype).unwrap_or(AlterTableType::Undefined);
        let def = cmd.def.as_deref().and_then(|d| d.node.as_ref());
        if subtype == AlterTableType::AtAddConstraint {
            // A check or foreign key copied to children keeps its name, in their
            // schemas.
            let copied: Vec<&str> = parent
                .checks
                .last()
                .map(|c| c.name.as_str())
                .into_iter()
                .chain(parent.foreign_keys.last().map(|k| k.name.as_str()))
                .collect();
            for child in &children {
                for name in &copied {
                    self.name_index.note_constraint(&child.schema, name);
                }
            }
        }
        for child in children {
            let Some(t) = self.table_mut(&child) else {
                continue;
            };
            match subtype {
                AlterTableType::AtColumnDefault
                | AlterTableType::AtDropNotNull
                | AlterTableType::AtSetNotNull => {
                    let (Some(from), Some(to)) = (
                        parent_column.as_ref(),
                        t.columns.iter_mut().find(|c| c.name == cmd.name),
                    ) else {
                        continue;
                    };
                    match subtype {
                        AlterTableType::AtColumnDefault => to.default = from.default.clone(),
                        _ => to.nullable = from.nullable,
                    }
                }
                AlterTableType::AtAddConstraint => {
                    let Some(NodeEnum::Constraint(constraint)) = def else {
                        continue;
                    };
                    let kind =
                        ConstrType::try_from(constraint.contype).unwrap_or(ConstrType::Undefined);
                    if kind == ConstrType::ConstrCheck && !constraint.is_no_inherit {
                        if let Some(check) = parent.checks.last() {
                            if !t.checks.iter().any(|c| c.name == check.name) {
                                t.checks.push(check.clone());
                            }
                        }
                    }
                    if kind == ConstrType::ConstrForeign && parent.kind == TableKind::Partitioned {
                        if let Some(key) = parent.foreign_keys.last() {
                            if !t.foreign_keys.iter().any(|k| k.name == key.name) {
                                t.foreign_keys.push(key.clone());
                            }
                        }
                    }
                }
                AlterTableType::AtDropConstraint => {
                    t.checks.retain(|c| c.name != cmd.name);
                    if parent.kind == TableKind::Partitioned {
                        t.foreign_keys.retain(|k| k.name != cmd.name);
                    }
                }
                _ => {}
            }
        }
    }

    fn alter_table_cmd(&mut self, table: &QualifiedName, cmd: &AlterTableCmd, recurse: bool) {
        let def = cmd.def.as_deref().and_then(|d| d.node.as_ref());
        let subtype = AlterTableType::try_from(cmd.subtype).unwrap_or(AlterTableType::Undefined);
        let cascade = cmd.behavior == DropBehavior::DropCascade as i32;
        match subtype {
            AlterTableType::AtAddColumn => {
                if let Some(NodeEnum::ColumnDef(def)) = def {
                    self.add_column(table, def, cmd.missing_ok, recurse);
                }
            }
            AlterTableType::AtColumnDefault => {
                let keeps_null = self
                    .table(table)
                    .and_then(|t| t.columns.iter().find(|c| c.name == cmd.name))
                    .is_some_and(|c| self.keeps_null_default(c));
                let default = cmd
                    .def
                    .as_deref()
                    .filter(|d| keeps_null || !walk::is_null_constant(d))
                    .and_then(deparse::expression);
                self.with_column(table, &cmd.name, |c| c.default = default);
            }
            AlterTableType::AtDropNotNull => {
                self.with_column(table, &cmd.name, |c| c.nullable = true)
            }
            AlterTableType::AtSetNotNull => {
                self.with_column(table, &cmd.name, |c| c.nullable = false)
            }
            AlterTableType::AtSetExpression => {
                let expression = cmd.def.as_deref().and_then(deparse::expression);
                self.with_column(table, &cmd.name, |c| c.generated = expression);
            }
            AlterTableType::AtDropExpression => {
                let exists = self.column_exists(table, &cmd.name);
                if exists || !cmd.missing_ok {
                    self.with_column(table, &cmd.name, |c| c.generated = None);
                }
            }
            AlterTableType::AtSetStatistics
            | AlterTableType::AtSetOptions
            | AlterTableType::AtResetOptions
            | AlterTableType::AtSetStorage
            | AlterTableType::AtSetCompression
            | AlterTableType::AtAlterColumnGenericOptions
                if !cmd.name.is_empty() =>
            {
                self.with_column(table, &cmd.name, |_| {});
            }
            AlterTableType::AtDropColumn => {
                if self.column_exists(table, &cmd.name) {
                    self.drop_column(table, &cmd.name, cascade);
                } else if !cmd.missing_ok {
                    self.with_column(table, &cmd.name, |_| {});
                }
            }
            AlterTableType::AtAddConstraint | AlterTableType::AtAddIndexConstraint => {
                if let Some(NodeEnum::Constraint(constraint)) = def {
                    let not_null = constraint.contype == ConstrType::ConstrNotnull as i32;
                    if not_null {
                        for column in super::super::identifiers::strings(&constraint.keys) {
                            self.with_column(table, &column, |c| c.nullable = false);
                        }
                    } else {
                        self.add_constraint(table, constraint, None);
                    }
                }
            }
            AlterTableType::AtAlterConstraint | AlterTableType::AtValidateConstraint => {
                let name = match def {
                    Some(NodeEnum::AtalterConstraint(alter)) => alter.conname.clone(),
                    _ => cmd.name.clone(),
                };
                self.require_constraint(table, &name);
                let validate = cmd.subtype == AlterTableType::AtValidateConstraint as i32;
                let deferral = match def {
                    Some(NodeEnum::AtalterConstraint(alter)) if alter.alter_deferrability => {
                        Some((alter.deferrable, alter.initdeferred))
                    }
                    _ => None,
                };
                if let Some(t) = self.table_mut(table) {
                    for key in t.foreign_keys.iter_mut().filter(|k| k.name == name) {
                        if validate {
                            key.not_valid = false;
                        }
                        if let Some((deferrable, initially_deferred)) = deferral {
                            key.deferrable = deferrable;
                            key.initially_deferred = initially_deferred;
                        }
                    }
                    for check in t.checks.iter_mut().filter(|c| c.name == name && validate) {
                        check.not_valid = false;
                    }
                }
            }
            AlterTableType::AtDropConstraint => {
                if self.table_has_constraint(table, &cmd.name) {
                    self.drop_constraint(table, &cmd.name, cascade);
                } else if !cmd.missing_ok {
                    self.require_constraint(table, &cmd.name);
                }
            }
            AlterTableType::AtAlterColumnType => {
                if let Some(NodeEnum::ColumnDef(def)) = def {
                    self.alter_column_type(table, &cmd.name, def);
                }
            }
            AlterTableType::AtSetLogged | AlterTableType::AtSetUnLogged => {
                let logged = subtype == AlterTableType::AtSetLogged;
                if let Some(t) = self.table_mut(table) {
                    match (t.kind, logged) {
                        (TableKind::Unlogged, true) => t.kind = TableKind::Table,
                        (TableKind::Table, false) => t.kind = TableKind::Unlogged,
                        _ => {}
                    }
                }
            }
            AlterTableType::AtAddInherit => {
                if let Some(NodeEnum::RangeVar(parent)) = def {
                    if let Some((parent, _)) = self.require_relation(parent) {
                        // PostgreSQL refuses a cycle; the fold must not build one.
                        let cycle = &parent == table || self.children_of(table).contains(&parent);
                        if let Some(t) = self.table_mut(table).filter(|_| !cycle) {
                            t.inherits.push(parent);
                            self.inheritance_seen = true;
                        }
                    }
                }
            }
            AlterTableType::AtDropInherit => {
                if let Some(NodeEnum::RangeVar(parent)) = def {
                    if let Some((parent, _)) = self.require_relation(parent) {
                        if let Some(t) = self.table_mut(table) {
                            t.inherits.retain(|p| p != &parent);
                        }
                    }
                }
            }
            AlterTableType::AtAttachPartition => {
                if let Some(NodeEnum::PartitionCmd(partition)) = def {
                    if let Some(name) = &partition.name {
                        if let Some((partition, _)) = self.require_relation(name) {
                            self.attach_partition(table, &partition);
                        }
                    }
                }
            }
            AlterTableType::AtDetachPartition | AlterTableType::AtDetachPartitionFinalize => {
                if let Some(NodeEnum::PartitionCmd(partition)) = def {
                    if let Some(name) = &partition.name {
                        if let Some((partition, _)) = self.require_relation(name) {
                            if let Some(t) = self.table_mut(&partition) {
                                t.partition_of = None;
                                t.inherits.retain(|p| p != table);
                            }
                        }
                    }
                }
            }
            AlterTableType::AtAddIdentity => {
                let generated_when = match def {
                    Some(NodeEnum::Constraint(c)) => c.generated_when.clone(),
                    _ => String::new(),
                };
                let word = if generated_when == "a" {
                    "always"
                } else {
                    "by default"
                };
                if self.column_exists(table, &cmd.name) {
                    self.with_column(table, &cmd.name, |c| {
                        c.identity = Some(word.to_string());
                        c.nullable = false;
                    });
                    self.create_identity_sequence(table, &cmd.name);
                } else {
                    self.with_column(table, &cmd.name, |_| {});
                }
            }
            AlterTableType::AtSetIdentity => {
                let generated = identity_option(def);
                self.with_column(table, &cmd.name, |c| {
                    if let Some(word) = generated {
                        c.identity = Some(word.to_string());
                    }
                });
            }
            AlterTableType::AtDropIdentity => {
                let is_identity = self.table(table).is_some_and(|t| {
                    t.columns
                        .iter()
                        .any(|c| c.name == cmd.name && c.identity.is_some())
                });
                if is_identity {
                    self.with_column(table, &cmd.name, |c| c.identity = None);
                    let owner = super::columns::owner(table, &cmd.name);
                    self.catalog
                        .sequences
                        .retain(|s| s.owned_by.as_deref() != Some(owner.as_str()));
                } else if !cmd.missing_ok {
                    self.with_column(table, &cmd.name, |_| {});
                }
            }
            _ => {}
        }
    }

    /// `ADD COLUMN [IF NOT EXISTS]`, to the table and (unless `ONLY`) its children.
    pub(super) fn add_column(
        &mut self,
        table: &QualifiedName,
        def: &pg_query::protobuf::ColumnDef,
        if_not_exists: bool,
        recurse: bool,
    ) {
        if self.column_exists(table, &def.colname) {
            if !if_not_exists {
                let problem = Problem::duplicate(
                    ObjectKind::Column,
                    quote_ident(&def.colname),
                    Anchor::at(def.location),
                )
                .context(format!("of relation `{}`", quote_ident(&table.name)));
                self.report(problem, Subject::Object(&table.schema, &table.name));
            }
            return;
        }
        let ColumnSpec {
            mut column,
            constraints,
            owns_sequence,
        } = self.column_spec(def);
        if owns_sequence {
            self.create_owned_sequence(table, &mut column);
        }
        // Most tables have no children: the column is copied only for those that do.
        let children = if recurse {
            self.children_of(table)
        } else {
            Vec::new()
        };
        let inherited = (!children.is_empty()).then(|| Column {
            identity: None,
            serial: None,
            comment: None,
            ..column.clone()
        });
        if let Some(t) = self.table_mut(table) {
            t.columns.push(column);
        }
        let pending: Vec<(Cow<pg_query::protobuf::Constraint>, Option<String>)> = constraints
            .into_iter()
            .map(|c| (c, Some(def.colname.clone())))
            .collect();
        self.add_pending_constraints(table, &pending);
        let Some(inherited) = inherited else {
            return;
        };
        for child in children {
            if !self.column_exists(&child, &inherited.name) {
                if let Some(t) = self.table_mut(&child) {
                    t.columns.push(inherited.clone());
                }
            }
        }
    }

    /// Tables that inherit from `table` (partitions included), recursively.
    pub(super) fn children_of(&self, table: &QualifiedName) -> Vec<QualifiedName> {
        let mut found: Vec<QualifiedName> = Vec::new();
        if !self.inheritance_seen {
            return found;
        }
        let mut queue = vec![table.clone()];
        while let Some(parent) = queue.pop() {
            for t in self
                .catalog
                .tables
                .iter()
                .filter(|t| t.inherits.contains(&parent))
            {
                let is_it = |n: &QualifiedName| n.name == t.name && n.schema == t.schema;
                if !is_it(table) && !found.iter().any(is_it) {
                    let name = QualifiedName::new(&t.schema, &t.name);
                    found.push(name.clone());
                    queue.push(name);
                }
            }
        }
        found
    }

    pub(super) fn column_exists(&self, table: &QualifiedName, column: &str) -> bool {
        self.table(table)
            .is_some_and(|t| t.columns.iter().any(|c| c.name == column))
    }

    /// Applies `change` to a column, or reports that it does not exist.
    pub(super) fn with_column(
        &mut self,
        table: &QualifiedName,
        column: &str,
        change: impl FnOnce(&mut Column),
    ) {
        if let Some(c) = self
            .table_mut(table)
            .and_then(|t| t.columns.iter_mut().find(|c| c.name == column))
        {
            change(c);
            return;
        }
        let known: Vec<String> = self
            .table(table)
            .map(|t| t.columns.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default();
        self.report_unknown_column(table, column, &known, Anchor::Name(column.to_string()));
    }

    /// Whether `table` has the constraint `name`; reports it as unknown when not.
    pub(super) fn require_constraint(&mut self, table: &QualifiedName, name: &str) -> bool {
        if self.table_has_constraint(table, name) {
            return true;
        }
        let known: Vec<String> = self
            .table(table)
            .map(|t| {
                super::super::name_index::constraint_names(t)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let problem = Problem::unknown(
            ObjectKind::Constraint,
            quote_ident(name),
            Anchor::Name(name.to_string()),
        )
        .context(format!("of relation `{}`", quote_ident(&table.name)))
        .suggest(known.iter().map(String::as_str));
        self.report(problem, Subject::Object(&table.schema, &table.name));
        false
    }

    /// Drops a column with what depends on it: indexes and constraints that use it,
    /// the sequence it owns, and (with `CASCADE`) foreign keys that reference it.
    pub(super) fn drop_column(&mut self, table: &QualifiedName, column: &str, cascade: bool) {
        let owner = super::columns::owner(table, column);
        self.catalog
            .sequences
            .retain(|s| s.owned_by.as_deref() != Some(owner.as_str()));
        let views: Vec<QualifiedName> = self.views_reading(table);
        if let Some(t) = self.table_mut(table) {
            t.columns.retain(|c| c.name != column);
            t.indexes.retain(|i| {
                !i.columns
                    .iter()
                    .any(|c| c == column || walk::mentions(c, column))
                    && !i
                        .predicate
                        .as_deref()
                        .is_some_and(|p| walk::mentions(p, column))
            });
            if t.primary_key
                .as_ref()
                .is_some_and(|k| k.columns.iter().any(|c| c == column))
            {
                t.primary_key = None;
            }
            t.unique.retain(|k| !k.columns.iter().any(|c| c == column));
            t.foreign_keys
                .retain(|k| !k.columns.iter().any(|c| c == column));
            t.checks.retain(|c| !walk::mentions(&c.expression, column));
        }
        for other in self.catalog.tables.iter_mut() {
            other.foreign_keys.retain(|k| {
                !(k.references == *table && k.referenced_columns.iter().any(|c| c == column))
            });
        }
        if cascade {
            for view in views {
                self.uncertainty.object(
                    "view",
                    &view,
                    format!(
                        "reads `{}`, from which a column was dropped with CASCADE",
                        table.name
                    ),
                );
            }
        }
        for child in self.children_of(table) {
            if let Some(t) = self.table_mut(&child) {
                t.columns.retain(|c| c.name != column);
            }
        }
    }

    /// The views that read `relation`.
    pub(super) fn views_reading(&self, relation: &QualifiedName) -> Vec<QualifiedName> {
        self.view_sources
            .iter()
            .filter(|(_, sources)| sources.contains(relation))
            .map(|(view, _)| view.clone())
            .collect()
    }

    /// Drops a constraint (and the index behind a key); with `CASCADE`, the foreign
    /// keys that depend on a dropped key.
    pub(super) fn drop_constraint(&mut self, table: &QualifiedName, name: &str, cascade: bool) {
        let Some(t) = self.table_mut(table) else {
            return;
        };
        let mut dropped_key = None;
        if t.primary_key.as_ref().is_some_and(|k| k.name == name) {
            dropped_key = t.primary_key.take();
        }
        if let Some(position) = t.unique.iter().position(|k| k.name == name) {
            dropped_key = Some(t.unique.remove(position));
        }
        if dropped_key.is_some() {
            t.indexes.retain(|i| i.name != name);
        }
        t.foreign_keys.retain(|k| k.name != name);
        t.checks.retain(|c| c.name != name);
        if let (Some(key), true) = (dropped_key, cascade) {
            for other in self.catalog.tables.iter_mut() {
                other.foreign_keys.retain(|k| {
                    !(k.references == *table
                        && k.referenced_columns.len() == key.columns.len()
                        && k.referenced_columns.iter().all(|c| key.columns.contains(c)))
                });
            }
        }
    }

    fn alter_column_type(
        &mut self,
        table: &QualifiedName,
        column: &str,
        def: &pg_query::protobuf::ColumnDef,
    ) {
        let Some(type_name) = &def.type_name else {
            return;
        };
        let resolved = match self.resolve_type(type_name, false) {
            TypeFound::Found(t) | TypeFound::Uncertain(t) => t,
            TypeFound::Unknown { name, location } => {
                let candidates = self.type_names_in_scope();
                let problem =
                    Problem::unknown(ObjectKind::Type, name.display(), Anchor::at(location))
                        .suggest(candidates.iter().map(String::as_str));
                self.report_about(problem, &name);
                return;
            }
        };
        // PostgreSQL rebuilds the table's indexes from their definitions: a key that
        // casts the column to its new type is then no cast at all, and the index is on
        // the column itself (`date(date)` once `date` is a `date`).
        let casts = [resolved.format.clone(), resolved.base.name.clone()];
        if let Some(t) = self.table_mut(table) {
            for key in t.indexes.iter_mut().flat_map(|i| i.columns.iter_mut()) {
                if casts.iter().any(|to| is_cast_of_column(key, column, to)) {
                    *key = column.to_string();
                }
            }
        }
        self.with_column(table, column, |c| {
            // PostgreSQL keeps the default it had, a string constant of the old type
            // now cast to the new one: it prints as `'...'::old_type`.
            if c.type_name != resolved.format {
                if let Some(default) = &mut c.default {
                    if is_string_literal(default) {
                        *default = format!("{default}::{}", c.type_name);
                    }
                }
            }
            c.type_name = resolved.format;
            c.base_type = resolved.base;
            c.array_dimensions = resolved.array_dimensions;
        });
        for child in self.children_of(table) {
            let resolved = match self.resolve_type(type_name, false) {
                TypeFound::Found(t) | TypeFound::Uncertain(t) => t,
                TypeFound::Unknown { .. } => continue,
            };
            if let Some(c) = self
                .table_mut(&child)
                .and_then(|t| t.columns.iter_mut().find(|c| c.name == column))
            {
                c.type_name = resolved.format;
                c.base_type = resolved.base;
                c.array_dimensions = resolved.array_dimensions;
            }
        }
    }

    fn create_identity_sequence(&mut self, table: &QualifiedName, column: &str) {
        let Some(mut copy) = self
            .table(table)
            .and_then(|t| t.columns.iter().find(|c| c.name == column))
            .cloned()
        else {
            return;
        };
        self.create_owned_sequence(table, &mut copy);
    }

    /// `ATTACH PARTITION`: the partition gets the parent's indexes it lacks.
    fn attach_partition(&mut self, parent: &QualifiedName, partition: &QualifiedName) {
        // PostgreSQL refuses a cycle; the fold must not build one.
        if partition == parent || self.children_of(partition).contains(parent) {
            return;
        }
        if let Some(t) = self.table_mut(partition) {
            t.partition_of = Some(parent.clone());
            if !t.inherits.contains(parent) {
                t.inherits.push(parent.clone());
            }
            self.inheritance_seen = true;
        }
        let Some(parent_table) = self.table(parent) else {
            return;
        };
        let indexes = parent_table.indexes.clone();
        let primary = parent_table.primary_key.clone();
        let unique = parent_table.unique.clone();
        let foreign_keys = parent_table.foreign_keys.clone();
        for key in &foreign_keys {
            self.name_index
                .note_constraint(&partition.schema, &key.name);
        }
        for index in indexes {
            let equivalent = self.table(partition).is_some_and(|t| {
                t.indexes.iter().any(|i| {
                    i.columns == index.columns
                        && i.unique == index.unique
                        && i.method == index.method
                        && i.predicate == index.predicate
                })
            });
            if equivalent {
                continue;
            }
            let constraint = if primary.as_ref().is_some_and(|k| k.name == index.name) {
                Some(true)
            } else if unique.iter().any(|k| k.name == index.name) {
                Some(false)
            } else {
                None
            };
            self.clone_index(partition, &index, constraint);
        }
        if let Some(t) = self.table_mut(partition) {
            for key in foreign_keys {
                if !t.foreign_keys.iter().any(|k| k.name == key.name) {
                    t.foreign_keys.push(key);
                }
            }
        }
    }

    /// `ALTER TYPE composite ADD/DROP/ALTER ATTRIBUTE`.
    fn alter_composite_type(&mut self, stmt: &AlterTableStmt) {
        let Some(relation) = &stmt.relation else {
            return;
        };
        let written = WrittenName::of_range_var(relation);
        let Some((name, RelationKind::CompositeType)) = self.find_relation(&written) else {
            if !stmt.missing_ok {
                let problem = Problem::unknown(
                    ObjectKind::Type,
                    written.display(),
                    Anchor::at(relation.location),
                );
                self.report_about(problem, &written);
            }
            return;
        };
        for cmd in &stmt.cmds {
            let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node else {
                continue;
            };
            let def = cmd.def.as_deref().and_then(|d| d.node.as_ref());
            match AlterTableType::try_from(cmd.subtype).unwrap_or(AlterTableType::Undefined) {
                AlterTableType::AtAddColumn => {
                    if let Some(NodeEnum::ColumnDef(def)) = def {
                        let spec = self.column_spec(def);
                        if let Some(t) = self.composite_mut(&name) {
                            t.attributes.push(spec.column);
                        }
                    }
                }
                AlterTableType::AtDropColumn => {
                    if let Some(t) = self.composite_mut(&name) {
                        t.attributes.retain(|a| a.name != cmd.name);
                    }
                }
                AlterTableType::AtAlterColumnType => {
                    if let Some(NodeEnum::ColumnDef(def)) = def {
                        let spec = self.column_spec(def);
                        if let Some(a) = self
                            .composite_mut(&name)
                            .and_then(|t| t.attributes.iter_mut().find(|a| a.name == cmd.name))
                        {
                            a.type_name = spec.column.type_name;
                            a.base_type = spec.column.base_type;
                            a.array_dimensions = spec.column.array_dimensions;
                        }
                    }
                }
                _ => {}
            }
        }
    }

    pub(super) fn composite_mut(
        &mut self,
        name: &QualifiedName,
    ) -> Option<&mut super::super::model::CompositeType> {
        self.catalog
            .composite_types
            .iter_mut()
            .find(|t| t.name == name.name && t.schema == name.schema)
    }
}

/// `SET GENERATED ALWAYS | BY DEFAULT` among `ALTER COLUMN ... SET` identity options.
fn identity_option(def: Option<&NodeEnum>) -> Option<&'static str> {
    let Some(NodeEnum::List(options)) = def else {
        return None;
    };
    options.items.iter().find_map(|o| match &o.node {
        Some(NodeEnum::DefElem(d)) if d.defname == "generated" => {
            match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
                Some(NodeEnum::Integer(i)) if i.ival == i32::from(b'a') => Some("always"),
                Some(NodeEnum::Integer(_)) => Some("by default"),
                _ => None,
            }
        }
        _ => None,
    })
}

/// Whether an index key (its deparsed text) is `column` cast to the type `to`, in
/// the function form `to(column)` or the cast form `column::to`.
fn is_cast_of_column(key: &str, column: &str, to: &str) -> bool {
    let Some(key) = crate::catalog::normalized_expression(key) else {
        return false;
    };
    let column = crate::catalog::quote_ident(column);
    [format!("{to}({column})"), format!("{column}::{to}")]
        .iter()
        .filter_map(|cast| crate::catalog::normalized_expression(cast))
        .any(|cast| cast == key)
}

/// Whether a deparsed default is one string constant without a cast: `'1970-01-01'`.
fn is_string_literal(text: &str) -> bool {
    text.len() >= 2
        && text.starts_with('\'')
        && text.ends_with('\'')
        && !text[1..text.len() - 1].replace("''", "").contains('\'')
}
