//! `CREATE INDEX`: on a table (its partitions too) or a materialized view, named as
//! PostgreSQL names it when the migration does not.

use super::super::builder::CatalogBuilder;
use super::super::chosen_names;
use super::super::deparse;
use super::super::identifiers::quote_ident;
use super::super::model::{Index, QualifiedName};
use super::super::name_index::RelationKind;
use super::super::problem::{Anchor, ObjectKind, Problem};
use super::super::uncertainty::Subject;
use super::super::walk;
use pg_query::protobuf::{IndexElem, IndexStmt, Node};
use pg_query::NodeEnum;

impl CatalogBuilder {
    pub(super) fn create_index(&mut self, stmt: &IndexStmt) {
        let Some(relation) = &stmt.relation else {
            return;
        };
        let Some((table, kind)) = self.require_relation(relation) else {
            return;
        };
        if !matches!(
            kind,
            RelationKind::Table | RelationKind::Temporary | RelationKind::MaterializedView
        ) {
            return;
        }
        let elements: Vec<&IndexElem> = stmt
            .index_params
            .iter()
            .filter_map(|p| match &p.node {
                Some(NodeEnum::IndexElem(e)) => Some(e.as_ref()),
                _ => None,
            })
            .collect();
        if !self.shape_uncertain(&table) {
            let missing =
                self.missing_index_columns(&table, &elements, stmt.where_clause.as_deref());
            self.report_missing_columns(&table, missing);
        }
        let name = if stmt.idxname.is_empty() {
            // INCLUDE columns count in the name too.
            let included = stmt
                .index_including_params
                .iter()
                .filter_map(|p| match &p.node {
                    Some(NodeEnum::IndexElem(e)) => Some(e.as_ref()),
                    _ => None,
                });
            let origins: Vec<String> = elements
                .iter()
                .copied()
                .chain(included)
                .map(element_origin)
                .collect();
            let addition =
                chosen_names::columns_addition(&chosen_names::index_column_names(&origins));
            self.choose_index_name(&table, Some(&addition), "idx", false)
        } else {
            stmt.idxname.clone()
        };
        if self.relation_at(&table.schema, &name).is_some() {
            if !stmt.if_not_exists {
                let problem = Problem::duplicate(
                    ObjectKind::Relation,
                    quote_ident(&name),
                    Anchor::Name(name.clone()),
                );
                self.report(problem, Subject::Object(&table.schema, &name));
            }
            return;
        }
        let mut creating = stmt.clone();
        creating.idxname = name.clone();
        creating.concurrent = false;
        creating.if_not_exists = false;
        let index = Index {
            definition: deparse::statement(NodeEnum::IndexStmt(Box::new(creating))),
            name,
            unique: stmt.unique,
            columns: elements.iter().map(|e| element_text(e)).collect(),
            method: if stmt.access_method.is_empty() {
                "btree".to_string()
            } else {
                stmt.access_method.clone()
            },
            predicate: stmt.where_clause.as_deref().and_then(deparse::expression),
        };
        self.name_index
            .note_relation(&table.schema, &index.name, RelationKind::Index);
        if kind == RelationKind::MaterializedView {
            if let Some(view) = self.view_mut(&table) {
                view.indexes.push(index);
            }
            return;
        }
        if relation.inh {
            self.propagate_index(&table, &index, None);
        }
        if let Some(t) = self.table_mut(&table) {
            t.indexes.push(index);
        }
    }

    /// Creates `index` of a partitioned table on each of its partitions, down the
    /// tree; `constraint` is `Some(primary)` for a key's index.
    pub(in crate::catalog) fn propagate_index(
        &mut self,
        parent: &QualifiedName,
        index: &Index,
        constraint: Option<bool>,
    ) {
        // A partition inherits from its parent: until a table has, none is a partition.
        if !self.inheritance_seen {
            return;
        }
        let partitions: Vec<QualifiedName> = self
            .catalog
            .tables
            .iter()
            .filter(|t| t.partition_of.as_ref() == Some(parent))
            .map(|t| QualifiedName::new(&t.schema, &t.name))
            .collect();
        for partition in partitions {
            self.clone_index(&partition, index, constraint);
            self.propagate_index(&partition, index, constraint);
        }
    }

    /// The columns an index's elements and predicate name that `table` lacks.
    fn missing_index_columns(
        &self,
        table: &QualifiedName,
        elements: &[&IndexElem],
        predicate: Option<&Node>,
    ) -> Vec<(String, Anchor)> {
        let Some(known) = self.column_names(table) else {
            return Vec::new();
        };
        let mut missing = Vec::new();
        let mut expressions: Vec<&Node> = predicate.into_iter().collect();
        for element in elements {
            match element.expr.as_deref() {
                Some(expression) => expressions.push(expression),
                None if !element.name.is_empty() && !known.contains(&element.name.as_str()) => {
                    missing.push((element.name.clone(), Anchor::Name(element.name.clone())));
                }
                None => {}
            }
        }
        for expression in expressions {
            for reference in walk::column_references(expression) {
                let name = match reference.fields.as_slice() {
                    [name] => name,
                    [qualifier, name] if *qualifier == table.name => name,
                    _ => continue,
                };
                if !known.contains(&name.as_str()) {
                    missing.push((name.clone(), Anchor::at(reference.location)));
                }
            }
        }
        missing
    }
}

/// An index column as the catalog lists it: the column's name, or the expression.
pub(super) fn element_text(element: &IndexElem) -> String {
    match element.expr.as_deref() {
        Some(expression) => deparse::expression(expression).unwrap_or_default(),
        None => element.name.clone(),
    }
}

/// The name an index gives its column (`FigureIndexColname`), before making the
/// names distinct.
fn element_origin(element: &IndexElem) -> String {
    if !element.name.is_empty() {
        return element.name.clone();
    }
    if !element.indexcolname.is_empty() {
        return element.indexcolname.clone();
    }
    match element.expr.as_deref() {
        Some(expression) => match walk::figure_colname(expression) {
            (name, strength) if strength > 0 => name,
            _ => "expr".to_string(),
        },
        None => "expr".to_string(),
    }
}

/// The name an index column listed as text (a column, or an expression) gives a
/// copy of the index.
pub(super) fn column_name_of_text(text: &str) -> String {
    let plain = text
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain && !text.is_empty() {
        return text.to_string();
    }
    let parsed = crate::parse::ffi_parse(&format!("SELECT {text}"))
        .ok()
        .and_then(|tree| tree.stmts.into_iter().next())
        .and_then(|raw| raw.stmt)
        .and_then(|stmt| match stmt.node {
            Some(NodeEnum::SelectStmt(select)) => select.target_list.into_iter().next(),
            _ => None,
        })
        .and_then(|target| match target.node {
            Some(NodeEnum::ResTarget(target)) => target.val.map(|v| *v),
            _ => None,
        });
    match parsed {
        // A single identifier that needed quotes is a column name.
        Some(Node {
            node: Some(NodeEnum::ColumnRef(_)),
        }) if quote_ident(text) != text => text.to_string(),
        Some(expression) => match walk::figure_colname(&expression) {
            (name, strength) if strength > 0 => name,
            _ => "expr".to_string(),
        },
        None => text.to_string(),
    }
}
