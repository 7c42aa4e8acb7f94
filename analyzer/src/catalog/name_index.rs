//! The name index: every relation, constraint and type name that may exist, by
//! schema. A name missing here does not exist, so most lookups of a missing name
//! need no scan of the catalog's lists; a relation name found is looked for in its
//! kind's list only.

use super::model::{Catalog, QualifiedName, Table};
use std::cell::Cell;
use std::collections::HashMap;

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

    /// Whether both kinds are kept in the same list (a view may be materialized).
    #[cfg(test)]
    fn same_list(self, other: Self) -> bool {
        let list = |kind| match kind {
            RelationKind::MaterializedView => RelationKind::View,
            other => other,
        };
        list(self) == list(other)
    }

    /// Whether it has columns that queries can read.
    pub fn has_columns(self) -> bool {
        !matches!(self, RelationKind::Sequence | RelationKind::Index)
    }
}

/// Relation, constraint and type names by schema. Dropped names linger (the index
/// says what *may* exist); a renamed table, view or sequence gets an entry under its
/// new name, and other renames and moves rebuild the index.
#[derive(Debug, Clone, Default)]
pub(super) struct NameIndex {
    /// Tables, views, sequences, indexes and composite types, with the kind each
    /// was last created as.
    relations: RelationNames,
    /// Constraints of tables and domains: PostgreSQL chooses names unique in the
    /// schema.
    constraints: NameSet,
    /// Enums, domains and other non-relation types.
    types: NameSet,
}

impl NameIndex {
    /// The index of every name in `catalog` and `other_types` (the types the model
    /// has no list for).
    pub(super) fn of(catalog: &Catalog, other_types: &[QualifiedName]) -> Self {
        let mut index = Self::default();
        let type_list = catalog
            .enums
            .iter()
            .map(|e| (&e.schema, &e.name))
            .chain(catalog.domains.iter().map(|d| (&d.schema, &d.name)))
            .chain(other_types.iter().map(|t| (&t.schema, &t.name)));
        for (schema, name) in type_list {
            index.note_type(schema, name);
        }
        for (schema, name) in constraint_list(catalog) {
            index.note_constraint(&schema, &name);
        }
        for (schema, name, kind) in relation_list(catalog) {
            index.note_relation(&schema, &name, kind);
        }
        index
    }

    /// Records that a relation called `schema.name` now exists, as a `kind`.
    pub(super) fn note_relation(&mut self, schema: &str, name: &str, kind: RelationKind) {
        let entry = RelationEntry {
            kind,
            position: Cell::new(usize::MAX),
        };
        note(&mut self.relations, schema, name, entry);
    }

    /// The kind `schema.name` was last created as, if it may exist.
    pub(super) fn relation(&self, schema: &str, name: &str) -> Option<&RelationEntry> {
        self.relations.get(schema)?.get(name)
    }

    /// Records that an enum, domain or other type called `schema.name` now exists.
    pub(super) fn note_type(&mut self, schema: &str, name: &str) {
        note(&mut self.types, schema, name, ());
    }

    /// Whether an enum, domain or other type called `schema.name` may exist.
    pub(super) fn may_be_type(&self, schema: &str, name: &str) -> bool {
        self.types
            .get(schema)
            .is_some_and(|names| names.contains_key(name))
    }

    /// Records that a constraint called `name` now exists in `schema`.
    pub(super) fn note_constraint(&mut self, schema: &str, name: &str) {
        note(&mut self.constraints, schema, name, ());
    }

    /// Whether a constraint called `name` may exist in `schema`.
    pub(super) fn may_be_constraint(&self, schema: &str, name: &str) -> bool {
        self.constraints
            .get(schema)
            .is_some_and(|names| names.contains_key(name))
    }

    /// The names of `catalog` and `other_types` that the index misses, or records
    /// as another kind of relation: none, or a site that creates objects forgot to
    /// note one (the tests check after every statement).
    #[cfg(test)]
    pub(super) fn unnoted(
        &self,
        catalog: &Catalog,
        other_types: &[QualifiedName],
    ) -> Vec<(String, String)> {
        let relations = relation_list(catalog)
            .into_iter()
            .filter(|(schema, name, kind)| {
                self.relation(schema, name)
                    .is_none_or(|entry| !entry.kind.same_list(*kind))
            })
            .map(|(schema, name, _)| (schema, name));
        let constraints = constraint_list(catalog)
            .into_iter()
            .filter(|(schema, name)| !self.may_be_constraint(schema, name));
        let types = catalog
            .enums
            .iter()
            .map(|e| (e.schema.clone(), e.name.clone()))
            .chain(
                catalog
                    .domains
                    .iter()
                    .map(|d| (d.schema.clone(), d.name.clone())),
            )
            .chain(
                other_types
                    .iter()
                    .map(|t| (t.schema.clone(), t.name.clone())),
            )
            .filter(|(schema, name)| !self.may_be_type(schema, name));
        relations.chain(constraints).chain(types).collect()
    }
}

/// Every relation of the catalog, as `(schema, name, kind)`.
fn relation_list(c: &Catalog) -> Vec<(String, String, RelationKind)> {
    let mut list = Vec::new();
    let mut add = |schema: &String, name: &String, kind| {
        list.push((schema.clone(), name.clone(), kind));
    };
    for t in &c.tables {
        add(&t.schema, &t.name, RelationKind::Table);
        for index in &t.indexes {
            add(&t.schema, &index.name, RelationKind::Index);
        }
    }
    for v in &c.views {
        let kind = if v.materialized {
            RelationKind::MaterializedView
        } else {
            RelationKind::View
        };
        add(&v.schema, &v.name, kind);
        for index in &v.indexes {
            add(&v.schema, &index.name, RelationKind::Index);
        }
    }
    for s in &c.sequences {
        add(&s.schema, &s.name, RelationKind::Sequence);
    }
    for t in &c.composite_types {
        add(&t.schema, &t.name, RelationKind::CompositeType);
    }
    list
}

/// Every constraint of the catalog, as `(schema, name)`.
fn constraint_list(c: &Catalog) -> Vec<(String, String)> {
    let mut list = Vec::new();
    for t in &c.tables {
        list.extend(constraint_names(t).map(|n| (t.schema.clone(), n.to_string())));
    }
    for d in &c.domains {
        list.extend(d.checks.iter().map(|k| (d.schema.clone(), k.name.clone())));
    }
    list
}

/// Every constraint name of a table.
pub(super) fn constraint_names(table: &Table) -> impl Iterator<Item = &str> {
    table
        .primary_key
        .iter()
        .map(|k| k.name.as_str())
        .chain(table.unique.iter().map(|k| k.name.as_str()))
        .chain(table.foreign_keys.iter().map(|k| k.name.as_str()))
        .chain(table.checks.iter().map(|c| c.name.as_str()))
}

/// Names by schema, each with a value.
type BySchema<V> = HashMap<String, HashMap<String, V, Fx>, Fx>;

/// Names by schema.
type NameSet = BySchema<()>;

/// Relation names by schema, with what each is.
type RelationNames = BySchema<RelationEntry>;

/// What a relation name was last created as, and where it was last found in the list
/// of its kind (see `locate`).
#[derive(Debug, Clone)]
pub(super) struct RelationEntry {
    pub(super) kind: RelationKind,
    pub(super) position: Cell<usize>,
}

/// Where the item `is_it` picks is in `list`, searched from `hint`, where it was last
/// found, and remembered there. The catalog's lists only grow at the back and shrink
/// by removal, so an item only ever moves towards the front: searching backwards from
/// the hint finds it after as many steps as items were dropped before it, and a new
/// item (no hint yet) at once, at the back. The forward search is for safety only.
pub(super) fn locate<T>(
    list: &[T],
    hint: &Cell<usize>,
    is_it: impl Fn(&T) -> bool,
) -> Option<usize> {
    let start = hint.get().min(list.len().checked_sub(1)?);
    let (before, after) = list.split_at(start + 1);
    let position = before
        .iter()
        .rposition(&is_it)
        .or_else(|| after.iter().position(&is_it).map(|p| start + 1 + p))?;
    hint.set(position);
    Some(position)
}

/// Sets `schema.name` in a name index to `value`, allocating only for what is new.
fn note<V>(index: &mut BySchema<V>, schema: &str, name: &str, value: V) {
    match index.get_mut(schema) {
        Some(names) => match names.get_mut(name) {
            Some(slot) => *slot = value,
            None => {
                names.insert(name.to_string(), value);
            }
        },
        None => {
            index
                .entry(schema.to_string())
                .or_default()
                .insert(name.to_string(), value);
        }
    }
}

/// FxHash: the fold hashes short names many times, and FxHash takes eight bytes a
/// step; SipHash's protection against chosen keys buys nothing for names from the
/// project's own migrations.
type Fx = std::hash::BuildHasherDefault<rustc_hash::FxHasher>;
