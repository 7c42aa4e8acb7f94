//! `COMMENT ON`: the object commented on must exist.

use super::super::builder::CatalogBuilder;
use super::super::identifiers::WrittenName;
use super::super::problem::{Anchor, ObjectKind, Problem};
use pg_query::protobuf::{CommentStmt, ObjectType};
use pg_query::NodeEnum;

impl CatalogBuilder {
    pub(super) fn comment(&mut self, stmt: &CommentStmt) {
        let Ok(object_type) = ObjectType::try_from(stmt.objtype) else {
            return;
        };
        let text = (!stmt.comment.is_empty()).then(|| stmt.comment.clone());
        let object = stmt.object.as_deref().and_then(|o| o.node.as_ref());
        let list = match object {
            Some(NodeEnum::List(list)) => list.items.as_slice(),
            _ => &[],
        };
        match object_type {
            ObjectType::ObjectTable
            | ObjectType::ObjectView
            | ObjectType::ObjectMatview
            | ObjectType::ObjectForeignTable
            | ObjectType::ObjectSequence
            | ObjectType::ObjectIndex => {
                let Some(written) = WrittenName::of_list(list) else {
                    return;
                };
                let Some((name, _)) =
                    self.require_written_relation(&written, Anchor::Name(written.name.clone()))
                else {
                    return;
                };
                if let Some(t) = self.table_mut(&name) {
                    t.comment = text;
                } else if let Some(v) = self.view_mut(&name) {
                    v.comment = text;
                }
            }
            ObjectType::ObjectColumn => {
                let Some((column, table_parts)) = list.split_last() else {
                    return;
                };
                let Some(NodeEnum::String(column)) = &column.node else {
                    return;
                };
                let Some(written) = WrittenName::of_list(table_parts) else {
                    return;
                };
                let Some((name, _)) =
                    self.require_written_relation(&written, Anchor::Name(written.name.clone()))
                else {
                    return;
                };
                if self.table(&name).is_some() {
                    if !self.shape_uncertain(&name) {
                        self.with_column(&name, &column.sval, |c| c.comment = text);
                    } else if let Some(c) = self
                        .table_mut(&name)
                        .and_then(|t| t.columns.iter_mut().find(|c| c.name == column.sval))
                    {
                        c.comment = text;
                    }
                } else if !self.shape_uncertain(&name) {
                    self.require_columns(
                        &name,
                        std::slice::from_ref(&column.sval),
                        &Anchor::Name(column.sval.clone()),
                    );
                    if let Some(c) = self
                        .view_mut(&name)
                        .and_then(|v| v.columns.iter_mut().find(|c| c.name == column.sval))
                    {
                        c.comment = text;
                    }
                }
            }
            ObjectType::ObjectType | ObjectType::ObjectDomain => {
                let Some(NodeEnum::TypeName(type_name)) = object else {
                    return;
                };
                let Some(written) = WrittenName::of_list(&type_name.names) else {
                    return;
                };
                match self.find_type(&written) {
                    Some(name) => {
                        for e in self
                            .catalog
                            .enums
                            .iter_mut()
                            .filter(|e| e.name == name.name && e.schema == name.schema)
                        {
                            e.comment = text.clone();
                        }
                    }
                    None => {
                        let problem = Problem::unknown(
                            ObjectKind::Type,
                            written.display(),
                            Anchor::at(type_name.location),
                        );
                        self.report_about(problem, &written);
                    }
                }
            }
            ObjectType::ObjectFunction
            | ObjectType::ObjectProcedure
            | ObjectType::ObjectRoutine => {
                self.for_each_function(stmt.object.as_deref(), |f| f.comment = text.clone());
            }
            ObjectType::ObjectTabconstraint => {
                // `[schema,] table, constraint`: only a foreign key keeps its comment.
                let Some((constraint, table_parts)) = list.split_last() else {
                    return;
                };
                let Some(NodeEnum::String(constraint)) = &constraint.node else {
                    return;
                };
                let Some(written) = WrittenName::of_list(table_parts) else {
                    return;
                };
                let Some((name, _)) =
                    self.require_written_relation(&written, Anchor::Name(written.name.clone()))
                else {
                    return;
                };
                if let Some(t) = self.table_mut(&name) {
                    for key in t
                        .foreign_keys
                        .iter_mut()
                        .filter(|k| k.name == constraint.sval)
                    {
                        key.comment = text.clone();
                    }
                }
            }
            ObjectType::ObjectSchema => {
                if let Some(NodeEnum::String(schema)) = object {
                    if !self.schema_exists(&schema.sval) {
                        self.report_unknown_schema(&schema.sval, Anchor::Name(schema.sval.clone()));
                    }
                }
            }
            _ => {}
        }
    }
}
