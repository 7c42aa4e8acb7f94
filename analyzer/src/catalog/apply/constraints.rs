//! Table constraints, from `CREATE TABLE` and `ALTER TABLE ... ADD`: checks, primary
//! keys, unique and exclusion constraints (with the index behind them) and foreign
//! keys, named as PostgreSQL names them when the migration does not.

use super::super::builder::CatalogBuilder;
use super::super::chosen_names;
use super::super::deparse;
use super::super::identifiers::{self, quote_ident, WrittenName};
use super::super::model::{Check, ForeignKey, Index, Key, QualifiedName, Table};
use super::super::name_index::{constraint_names, RelationKind};
use super::super::problem::{Anchor, ObjectKind, Problem, ProblemKind};
use super::super::uncertainty::Subject;
use super::super::walk;
use pg_query::protobuf::{ConstrType, Constraint};
use pg_query::NodeEnum;

impl CatalogBuilder {
    /// Adds a constraint to `table`; `column` is set for a column constraint.
    pub(in crate::catalog) fn add_constraint(
        &mut self,
        table: &QualifiedName,
        constraint: &Constraint,
        column: Option<&str>,
    ) {
        let anchor = Anchor::at(constraint.location);
        if !constraint.conname.is_empty() && self.table_has_constraint(table, &constraint.conname) {
            let problem = Problem::duplicate(
                ObjectKind::Constraint,
                quote_ident(&constraint.conname),
                anchor,
            )
            .context(format!("for table `{}`", quote_ident(&table.name)));
            self.report(problem, Subject::Object(&table.schema, &table.name));
            return;
        }
        match ConstrType::try_from(constraint.contype).unwrap_or(ConstrType::Undefined) {
            ConstrType::ConstrCheck => self.add_check(table, constraint, anchor),
            ConstrType::ConstrPrimary | ConstrType::ConstrUnique => {
                self.add_key(table, constraint, column, anchor)
            }
            ConstrType::ConstrExclusion => self.add_exclusion(table, constraint),
            ConstrType::ConstrForeign => self.add_foreign_key(table, constraint, column, anchor),
            _ => {}
        }
    }

    /// Whether `table` has a constraint called `name`.
    pub(in crate::catalog) fn table_has_constraint(
        &self,
        table: &QualifiedName,
        name: &str,
    ) -> bool {
        self.table(table)
            .is_some_and(|t| constraint_names(t).any(|n| n == name))
    }

    /// Whether any constraint of `schema` is called `name` (`ConstraintNameExists`).
    pub(in crate::catalog) fn constraint_name_taken(&self, schema: &str, name: &str) -> bool {
        if !self.name_index.may_be_constraint(schema, name) {
            return false;
        }
        // Names first: schemas are mostly alike and dearer to compare.
        self.catalog
            .tables
            .iter()
            .any(|t| constraint_names(t).any(|n| n == name) && t.schema == schema)
            || self
                .catalog
                .domains
                .iter()
                .any(|d| d.checks.iter().any(|c| c.name == name) && d.schema == schema)
    }

    fn add_check(&mut self, table: &QualifiedName, constraint: &Constraint, anchor: Anchor) {
        let Some(expression) = constraint.raw_expr.as_deref() else {
            return;
        };
        let columns = self.check_columns(table, expression, anchor);
        let name = if constraint.conname.is_empty() {
            let single = match columns.as_slice() {
                [only] => Some(only.as_str()),
                _ => None,
            };
            chosen_names::choose(&table.name, single, "check", |n| {
                self.constraint_name_taken(&table.schema, n)
            })
        } else {
            constraint.conname.clone()
        };
        let check = Check {
            name,
            expression: deparse::expression(expression).unwrap_or_default(),
            not_valid: constraint.skip_validation,
        };
        self.name_index.note_constraint(&table.schema, &check.name);
        if let Some(t) = self.table_mut(table) {
            t.checks.push(check);
        }
    }

    /// The table's columns an expression reads, reporting the ones it does not have.
    pub(in crate::catalog) fn check_columns(
        &mut self,
        table: &QualifiedName,
        expression: &pg_query::protobuf::Node,
        anchor: Anchor,
    ) -> Vec<String> {
        let mut read: Vec<String> = Vec::new();
        let mut missing: Vec<(String, Anchor)> = Vec::new();
        {
            let Some(known) = self.column_names(table) else {
                return read;
            };
            for reference in walk::column_references(expression) {
                let name = match reference.fields.as_slice() {
                    [name] => name,
                    [qualifier, name] if *qualifier == table.name => name,
                    _ => continue,
                };
                if !known.contains(&name.as_str()) {
                    let at = if reference.location >= 0 {
                        Anchor::at(reference.location)
                    } else {
                        anchor.clone()
                    };
                    missing.push((name.clone(), at));
                } else if !read.contains(name) {
                    read.push(name.clone());
                }
            }
        }
        self.report_missing_columns(table, missing);
        read
    }

    /// Reports columns a statement names that `table` lacks.
    pub(in crate::catalog) fn report_missing_columns(
        &mut self,
        table: &QualifiedName,
        missing: Vec<(String, Anchor)>,
    ) {
        if missing.is_empty() {
            return;
        }
        let known: Vec<String> = self
            .column_names(table)
            .unwrap_or_default()
            .into_iter()
            .map(str::to_string)
            .collect();
        for (name, at) in missing {
            self.report_unknown_column(table, &name, &known, at);
        }
    }

    pub(in crate::catalog) fn report_unknown_column(
        &mut self,
        table: &QualifiedName,
        column: &str,
        known: &[String],
        anchor: Anchor,
    ) {
        let problem = Problem::unknown(ObjectKind::Column, quote_ident(column), anchor)
            .context(format!("of relation `{}`", quote_ident(&table.name)))
            .suggest(known.iter().map(String::as_str));
        self.report(problem, Subject::Object(&table.schema, &table.name));
    }

    /// Reports the columns of `names` that `table` does not have; `false` if any.
    pub(in crate::catalog) fn require_columns(
        &mut self,
        table: &QualifiedName,
        names: &[String],
        anchor: &Anchor,
    ) -> bool {
        let missing: Vec<&String> = match self.column_names(table) {
            Some(known) => names
                .iter()
                .filter(|n| !known.contains(&n.as_str()))
                .collect(),
            None => return true,
        };
        if missing.is_empty() {
            return true;
        }
        let known: Vec<String> = self
            .column_names(table)
            .unwrap_or_default()
            .into_iter()
            .map(str::to_string)
            .collect();
        for name in missing {
            let at = match anchor {
                Anchor::Statement => Anchor::Name(name.clone()),
                other => other.clone(),
            };
            self.report_unknown_column(table, name, &known, at);
        }
        false
    }

    fn add_key(
        &mut self,
        table: &QualifiedName,
        constraint: &Constraint,
        column: Option<&str>,
        anchor: Anchor,
    ) {
        let primary = constraint.contype == ConstrType::ConstrPrimary as i32;
        if !constraint.indexname.is_empty() {
            self.add_key_using_index(table, constraint, primary, anchor);
            return;
        }
        let columns = match column {
            Some(column) if constraint.keys.is_empty() => vec![column.to_string()],
            _ => identifiers::strings(&constraint.keys),
        };
        if !self.require_columns(table, &columns, &anchor) {
            return;
        }
        let name = if !constraint.conname.is_empty() {
            if self
                .relation_at(&table.schema, &constraint.conname)
                .is_some()
            {
                let problem = Problem::duplicate(
                    ObjectKind::Relation,
                    quote_ident(&constraint.conname),
                    anchor,
                );
                self.report(problem, Subject::Object(&table.schema, &constraint.conname));
                return;
            }
            constraint.conname.clone()
        } else if primary {
            self.choose_index_name(table, None, "pkey", true)
        } else {
            let addition = chosen_names::columns_addition(&columns);
            self.choose_index_name(table, Some(&addition), "key", true)
        };
        let index = Index {
            name: name.clone(),
            unique: true,
            columns: columns.clone(),
            method: "btree".to_string(),
            predicate: None,
            definition: None,
        };
        let key = Key { name, columns };
        self.attach_key(table, key, index, primary, true);
    }

    /// `ADD CONSTRAINT c PRIMARY KEY USING INDEX i`: the index becomes the
    /// constraint's, renamed to the constraint's name.
    fn add_key_using_index(
        &mut self,
        table: &QualifiedName,
        constraint: &Constraint,
        primary: bool,
        anchor: Anchor,
    ) {
        let has_index = self
            .table(table)
            .is_some_and(|t| t.indexes.iter().any(|i| i.name == constraint.indexname));
        if !has_index {
            let problem = Problem::unknown(
                ObjectKind::Index,
                quote_ident(&constraint.indexname),
                Anchor::Name(constraint.indexname.clone()),
            )
            .context(format!("on table `{}`", quote_ident(&table.name)));
            let _ = anchor;
            self.report(problem, Subject::Object(&table.schema, &table.name));
            return;
        }
        let Some(t) = self.table_mut(table) else {
            return;
        };
        let Some(position) = t
            .indexes
            .iter()
            .position(|i| i.name == constraint.indexname)
        else {
            return;
        };
        let mut index = t.indexes.remove(position);
        if !constraint.conname.is_empty() {
            index.name = constraint.conname.clone();
        }
        let index_name = index.name.clone();
        index.unique = true;
        let key = Key {
            name: index.name.clone(),
            columns: index.columns.clone(),
        };
        self.name_index
            .note_relation(&table.schema, &index_name, RelationKind::Index);
        self.attach_key(table, key, index, primary, false);
    }

    /// Records a key and its index; `propagate` creates the index on partitions.
    fn attach_key(
        &mut self,
        table: &QualifiedName,
        key: Key,
        index: Index,
        primary: bool,
        propagate: bool,
    ) {
        self.name_index.note_constraint(&table.schema, &key.name);
        if self.table_position(table).is_none() {
            return;
        }
        self.name_index
            .note_relation(&table.schema, &index.name, RelationKind::Index);
        // The index moves into the table; partitions need a copy to name theirs after.
        let for_partitions = propagate.then(|| index.clone());
        let Some(t) = self.table_mut(table) else {
            return;
        };
        if primary {
            for column in t.columns.iter_mut() {
                if key.columns.contains(&column.name) {
                    column.nullable = false;
                }
            }
            t.primary_key = Some(key);
        } else {
            t.unique.push(key);
        }
        t.indexes.push(index);
        if let Some(index) = for_partitions {
            self.propagate_index(table, &index, Some(primary));
        }
    }

    /// `ChooseIndexName` for `table`: `name2` is the columns' addition.
    pub(in crate::catalog) fn choose_index_name(
        &self,
        table: &QualifiedName,
        name2: Option<&str>,
        label: &str,
        is_constraint: bool,
    ) -> String {
        chosen_names::choose(&table.name, name2, label, |n| {
            self.relation_at(&table.schema, n).is_some()
                || (is_constraint && self.constraint_name_taken(&table.schema, n))
        })
    }

    fn add_exclusion(&mut self, table: &QualifiedName, constraint: &Constraint) {
        let mut columns = Vec::new();
        for pair in &constraint.exclusions {
            let Some(NodeEnum::List(list)) = &pair.node else {
                continue;
            };
            if let Some(NodeEnum::IndexElem(element)) =
                list.items.first().and_then(|n| n.node.as_ref())
            {
                columns.push(super::indexes::element_text(element));
            }
        }
        let name = if constraint.conname.is_empty() {
            let addition = chosen_names::columns_addition(&columns);
            self.choose_index_name(table, Some(&addition), "excl", true)
        } else {
            constraint.conname.clone()
        };
        let method = if constraint.access_method.is_empty() {
            "gist".to_string()
        } else {
            constraint.access_method.clone()
        };
        let predicate = constraint
            .where_clause
            .as_deref()
            .and_then(deparse::expression);
        self.name_index
            .note_relation(&table.schema, &name, RelationKind::Index);
        if let Some(t) = self.table_mut(table) {
            t.indexes.push(Index {
                name,
                unique: false,
                columns,
                method,
                predicate,
                definition: None,
            });
        }
    }

    fn add_foreign_key(
        &mut self,
        table: &QualifiedName,
        constraint: &Constraint,
        column: Option<&str>,
        anchor: Anchor,
    ) {
        let columns = match column {
            Some(column) if constraint.fk_attrs.is_empty() => vec![column.to_string()],
            _ => identifiers::strings(&constraint.fk_attrs),
        };
        self.require_columns(table, &columns, &anchor);
        let Some(pktable) = &constraint.pktable else {
            return;
        };
        let written = WrittenName::of_range_var(pktable);
        let referenced = match self.require_written_relation(&written, Anchor::at(pktable.location))
        {
            Some((name, RelationKind::Table | RelationKind::Temporary)) => Some(name),
            // A relation the catalog cannot see into: accept the key as written.
            Some((name, _)) => Some(name),
            None => None,
        };
        let written_columns = identifiers::strings(&constraint.pk_attrs);
        let referenced_columns = match &referenced {
            Some(name) if !self.shape_uncertain(name) => {
                self.referenced_key(name, &written_columns, Anchor::at(pktable.location))
            }
            _ => written_columns,
        };
        let name = if constraint.conname.is_empty() {
            let addition = chosen_names::columns_addition(&columns);
            chosen_names::choose(&table.name, Some(&addition), "fkey", |n| {
                self.constraint_name_taken(&table.schema, n)
            })
        } else {
            constraint.conname.clone()
        };
        let key = ForeignKey {
            name,
            columns,
            references: referenced.unwrap_or_else(|| {
                QualifiedName::new(
                    written.schema.as_deref().unwrap_or(identifiers::PUBLIC),
                    &written.name,
                )
            }),
            referenced_columns,
            on_delete: action(&constraint.fk_del_action).to_string(),
            on_update: action(&constraint.fk_upd_action).to_string(),
            deferrable: constraint.deferrable,
            initially_deferred: constraint.initdeferred,
            not_valid: constraint.skip_validation,
            comment: None,
        };
        self.name_index.note_constraint(&table.schema, &key.name);
        if let Some(t) = self.table_mut(table) {
            t.foreign_keys.push(key);
        }
    }

    /// The referenced columns of a foreign key: as written, or the primary key's.
    /// Reports columns that are missing or not a key.
    fn referenced_key(
        &mut self,
        referenced: &QualifiedName,
        written: &[String],
        anchor: Anchor,
    ) -> Vec<String> {
        let Some(target) = self.table(referenced) else {
            return written.to_vec();
        };
        if written.is_empty() {
            return match &target.primary_key {
                Some(key) => key.columns.clone(),
                None => {
                    self.report(
                        Problem {
                            kind: ProblemKind::ForeignKeyNotKey {
                                table: referenced.name.clone(),
                                columns: Vec::new(),
                            },
                            anchor,
                        },
                        Subject::Object(&referenced.schema, &referenced.name),
                    );
                    Vec::new()
                }
            };
        }
        let is_key = is_unique_key(target, written);
        if self.require_columns(referenced, written, &anchor) && !is_key {
            self.report(
                Problem {
                    kind: ProblemKind::ForeignKeyNotKey {
                        table: referenced.name.clone(),
                        columns: written.to_vec(),
                    },
                    anchor,
                },
                Subject::Object(&referenced.schema, &referenced.name),
            );
        }
        written.to_vec()
    }
}

/// Whether `columns` (in any order) are exactly the columns of a unique, total,
/// plain-column index of `table` (what a foreign key may reference).
fn is_unique_key(table: &Table, columns: &[String]) -> bool {
    let same_set = |other: &[String]| {
        other.len() == columns.len() && columns.iter().all(|c| other.contains(c))
    };
    table
        .primary_key
        .as_ref()
        .is_some_and(|k| same_set(&k.columns))
        || table.unique.iter().any(|k| same_set(&k.columns))
        || table
            .indexes
            .iter()
            .filter(|i| i.unique && i.predicate.is_none())
            .filter(|i| {
                i.columns
                    .iter()
                    .all(|c| table.columns.iter().any(|col| &col.name == c))
            })
            .any(|i| same_set(&i.columns))
}

/// A foreign key action letter (of the parse tree, or `pg_constraint.confdeltype`), in
/// words.
pub fn action(letter: &str) -> &'static str {
    match letter {
        "r" => "restrict",
        "c" => "cascade",
        "n" => "set null",
        "d" => "set default",
        _ => "no action",
    }
}
