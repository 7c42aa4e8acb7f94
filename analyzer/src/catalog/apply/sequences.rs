//! `CREATE SEQUENCE` and `ALTER SEQUENCE` (its `OWNED BY` column).

use super::super::builder::CatalogBuilder;
use super::super::deparse;
use super::super::identifiers::{self, quote_ident, WrittenName};
use super::super::model::Sequence;
use super::super::name_index::RelationKind;
use super::super::problem::{Anchor, ObjectKind, Problem};
use super::super::uncertainty::Subject;
use pg_query::protobuf::{AlterSeqStmt, CreateSeqStmt, Node};
use pg_query::NodeEnum;

impl CatalogBuilder {
    pub(super) fn create_sequence(&mut self, stmt: &CreateSeqStmt) {
        let Some(relation) = &stmt.sequence else {
            return;
        };
        let Some((name, anchor)) = self.new_relation_name(relation) else {
            return;
        };
        if self.relation_at(&name.schema, &name.name).is_some() {
            if !stmt.if_not_exists {
                let problem =
                    Problem::duplicate(ObjectKind::Relation, quote_ident(&name.name), anchor);
                self.report(problem, Subject::Object(&name.schema, &name.name));
            }
            return;
        }
        let owned_by = self.owned_by(&stmt.options);
        self.name_index
            .note_relation(&name.schema, &name.name, RelationKind::Sequence);
        let mut creating = stmt.clone();
        creating.if_not_exists = false;
        creating
            .options
            .retain(|o| !matches!(&o.node, Some(NodeEnum::DefElem(d)) if d.defname == "owned_by"));
        self.catalog.sequences.push(Sequence {
            schema: name.schema,
            name: name.name,
            owned_by: owned_by.flatten(),
            definition: deparse::statement(NodeEnum::CreateSeqStmt(creating)),
        });
    }

    pub(super) fn alter_sequence(&mut self, stmt: &AlterSeqStmt) {
        let Some(relation) = &stmt.sequence else {
            return;
        };
        let written = WrittenName::of_range_var(relation);
        let found = self.find_relation(&written);
        let name = match found {
            Some((name, RelationKind::Sequence)) => name,
            Some(_) => return,
            None if stmt.missing_ok => return,
            None => {
                self.require_written_relation(&written, Anchor::at(relation.location));
                return;
            }
        };
        if let Some(owned_by) = self.owned_by(&stmt.options) {
            for s in self.catalog.sequences.iter_mut() {
                if s.name == name.name && s.schema == name.schema {
                    s.owned_by = owned_by.clone();
                }
            }
        }
    }

    /// The `OWNED BY` option: `Some(None)` for `OWNED BY NONE`.
    fn owned_by(&mut self, options: &[Node]) -> Option<Option<String>> {
        let list = options.iter().find_map(|o| match &o.node {
            Some(NodeEnum::DefElem(d)) if d.defname == "owned_by" => {
                match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
                    Some(NodeEnum::List(list)) => Some(identifiers::strings(&list.items)),
                    _ => None,
                }
            }
            _ => None,
        })?;
        match list.as_slice() {
            [none] if none == "none" => Some(None),
            [table_parts @ .., column] => {
                let written = match table_parts {
                    [] => return None,
                    [table] => WrittenName::unqualified(table),
                    [.., schema, table] => WrittenName {
                        schema: Some(schema.clone()),
                        name: table.clone(),
                    },
                };
                let (table, _) =
                    self.require_written_relation(&written, Anchor::Name(written.name.clone()))?;
                if !self.shape_uncertain(&table) {
                    self.require_columns(
                        &table,
                        std::slice::from_ref(column),
                        &Anchor::Name(column.clone()),
                    );
                }
                Some(Some(super::columns::owner(&table, column)))
            }
            [] => None,
        }
    }
}
