//! `DROP` of every kind the catalog holds, with what goes with it: a table's
//! sequences and partitions, and what `CASCADE` takes along (views, foreign keys,
//! columns of a dropped type, a schema's contents).

use super::super::builder::CatalogBuilder;
use super::super::identifiers::{self, quote_ident, WrittenName};
use super::super::model::QualifiedName;
use super::super::name_index::RelationKind;
use super::super::problem::{Anchor, ObjectKind, Problem, ProblemKind};
use super::super::uncertainty::Subject;
use pg_query::protobuf::{DropBehavior, DropStmt, Node, ObjectType};
use pg_query::NodeEnum;

impl CatalogBuilder {
    pub(super) fn drop(&mut self, stmt: &DropStmt) {
        let cascade = stmt.behavior == DropBehavior::DropCascade as i32;
        let Ok(object_type) = ObjectType::try_from(stmt.remove_type) else {
            return;
        };
        // What the statement drops together may depend on each other.
        let dropped_together: Vec<QualifiedName> =
            if !cascade && object_type == ObjectType::ObjectTable {
                stmt.objects
                    .iter()
                    .filter_map(|object| match &object.node {
                        Some(NodeEnum::List(list)) => WrittenName::of_list(&list.items),
                        _ => None,
                    })
                    .filter_map(|written| self.find_relation(&written).map(|(name, _)| name))
                    .collect()
            } else {
                Vec::new()
            };
        for object in &stmt.objects {
            if !cascade && object_type == ObjectType::ObjectTable {
                self.refuse_drop_of_needed_table(object, &dropped_together);
            }
            match object_type {
                ObjectType::ObjectTable
                | ObjectType::ObjectForeignTable
                | ObjectType::ObjectView
                | ObjectType::ObjectMatview
                | ObjectType::ObjectIndex
                | ObjectType::ObjectSequence => {
                    self.drop_relation(object, object_type, stmt.missing_ok, cascade)
                }
                ObjectType::ObjectType | ObjectType::ObjectDomain => {
                    self.drop_type(object, stmt.missing_ok, cascade)
                }
                ObjectType::ObjectSchema => self.drop_schema(object, stmt.missing_ok, cascade),
                ObjectType::ObjectExtension => {
                    if let Some(NodeEnum::String(name)) = &object.node {
                        self.catalog.extensions.retain(|e| e.name != name.sval);
                    }
                }
                ObjectType::ObjectFunction
                | ObjectType::ObjectProcedure
                | ObjectType::ObjectRoutine => {
                    if let Some(NodeEnum::ObjectWithArgs(function)) = &object.node {
                        if let Some(name) = WrittenName::of_list(&function.objname) {
                            let schema = self.function_schema(&name);
                            let arguments = self.signature_of(function);
                            self.catalog.functions.retain(|f| {
                                !(f.name == name.name
                                    && f.schema == schema
                                    && arguments.as_ref().is_none_or(|a| *a == f.arguments))
                            });
                            // `CASCADE` takes along the triggers that call it.
                            if cascade {
                                self.catalog.triggers.retain(|t| {
                                    !(t.function.name == name.name && t.function.schema == schema)
                                });
                            }
                        }
                    }
                }
                ObjectType::ObjectTrigger | ObjectType::ObjectPolicy | ObjectType::ObjectRule => {
                    self.drop_table_object(object, object_type, stmt.missing_ok)
                }
                _ => {}
            }
        }
    }

    /// `DROP TABLE` without `CASCADE` of a table that a foreign key of another table
    /// (not dropped by the same statement) references, or that a view reads: PostgreSQL
    /// refuses it.
    fn refuse_drop_of_needed_table(&mut self, object: &Node, dropped_together: &[QualifiedName]) {
        let Some(NodeEnum::List(list)) = &object.node else {
            return;
        };
        let Some(written) = WrittenName::of_list(&list.items) else {
            return;
        };
        let Some((name, RelationKind::Table)) = self.find_relation(&written) else {
            return;
        };
        let together = |schema: &str, table: &str| {
            dropped_together
                .iter()
                .any(|d| d.name == table && d.schema == schema)
        };
        let foreign_key = self.catalog.tables.iter().find_map(|t| {
            if together(&t.schema, &t.name) {
                return None;
            }
            t.foreign_keys
                .iter()
                .find(|k| k.references == name)
                .map(|k| format!("constraint `{}` on table `{}`", k.name, t.name))
        });
        let view = || {
            self.views_reading(&name)
                .into_iter()
                .find(|v| !together(&v.schema, &v.name))
                .map(|v| format!("view `{}`", v.name))
        };
        let Some(dependent) = foreign_key.or_else(view) else {
            return;
        };
        let problem = Problem {
            kind: ProblemKind::Dependents {
                kind: ObjectKind::Table,
                name: written.display(),
                dependent,
            },
            anchor: Anchor::Name(written.name.clone()),
        };
        self.report(problem, Subject::Object(&name.schema, &name.name));
    }

    fn drop_relation(
        &mut self,
        object: &Node,
        object_type: ObjectType,
        missing_ok: bool,
        cascade: bool,
    ) {
        let Some(NodeEnum::List(list)) = &object.node else {
            return;
        };
        let Some(written) = WrittenName::of_list(&list.items) else {
            return;
        };
        let wanted = match object_type {
            ObjectType::ObjectView => ObjectKind::View,
            ObjectType::ObjectMatview => ObjectKind::View,
            ObjectType::ObjectIndex => ObjectKind::Index,
            ObjectType::ObjectSequence => ObjectKind::Sequence,
            _ => ObjectKind::Table,
        };
        let found = self.find_relation(&written).filter(|(_, kind)| {
            matches!(
                (kind, object_type),
                (
                    RelationKind::Table | RelationKind::Temporary,
                    ObjectType::ObjectTable | ObjectType::ObjectForeignTable
                ) | (RelationKind::View, ObjectType::ObjectView)
                    | (RelationKind::MaterializedView, ObjectType::ObjectMatview)
                    | (RelationKind::Index, ObjectType::ObjectIndex)
                    | (RelationKind::Sequence, ObjectType::ObjectSequence)
            )
        });
        let Some((name, kind)) = found else {
            if !missing_ok {
                if let Some(schema) = written.schema.as_ref().filter(|s| !self.schema_exists(s)) {
                    let schema = schema.clone();
                    self.report_unknown_schema(&schema, Anchor::Name(schema.clone()));
                    return;
                }
                let candidates = self.relation_names_in_scope(&written);
                let problem = Problem::unknown(
                    wanted,
                    written.display(),
                    Anchor::Name(written.name.clone()),
                )
                .suggest(candidates.iter().map(String::as_str));
                self.report_about(problem, &written);
            }
            return;
        };
        match kind {
            RelationKind::Table | RelationKind::Temporary => self.remove_table(&name, cascade),
            RelationKind::View | RelationKind::MaterializedView => self.remove_view(&name, cascade),
            RelationKind::Index => {
                for t in self
                    .catalog
                    .tables
                    .iter_mut()
                    .filter(|t| t.schema == name.schema)
                {
                    t.indexes.retain(|i| i.name != name.name);
                }
                for v in self
                    .catalog
                    .views
                    .iter_mut()
                    .filter(|v| v.schema == name.schema)
                {
                    v.indexes.retain(|i| i.name != name.name);
                }
            }
            RelationKind::Sequence => self
                .catalog
                .sequences
                .retain(|s| !(s.name == name.name && s.schema == name.schema)),
            _ => {}
        }
    }

    /// Removes a table with its owned sequences and partitions; with `CASCADE`, the
    /// views that read it, its inheriting children and foreign keys referencing it.
    pub(super) fn remove_table(&mut self, name: &QualifiedName, cascade: bool) {
        if name.schema == super::super::builder::PG_TEMP {
            self.temp_tables.retain(|t| t.name != name.name);
            return;
        }
        if self.inheritance_seen {
            let children: Vec<QualifiedName> = self
                .catalog
                .tables
                .iter()
                .filter(|t| {
                    t.partition_of.as_ref() == Some(name) || (cascade && t.inherits.contains(name))
                })
                .filter(|t| !(t.schema == name.schema && t.name == name.name))
                .map(|t| QualifiedName::new(&t.schema, &t.name))
                .collect();
            for child in children {
                self.remove_table(&child, cascade);
            }
        }
        let prefix = format!("{}.{}.", name.schema, name.name);
        self.catalog.sequences.retain(|s| {
            !s.owned_by
                .as_deref()
                .is_some_and(|o| o.starts_with(&prefix))
        });
        if let Some(position) = self.table_position(name) {
            self.catalog.tables.remove(position);
        }
        let inheritance_seen = self.inheritance_seen;
        for t in self.catalog.tables.iter_mut() {
            t.foreign_keys.retain(|k| &k.references != name);
            if inheritance_seen {
                t.inherits.retain(|p| p != name);
            }
        }
        self.triggers_on_removed(name);
        self.remove_dependent_views(name, cascade);
    }

    pub(super) fn remove_view(&mut self, name: &QualifiedName, cascade: bool) {
        self.catalog
            .views
            .retain(|v| !(v.name == name.name && v.schema == name.schema));
        self.view_sources.remove(name);
        self.triggers_on_removed(name);
        self.remove_dependent_views(name, cascade);
    }

    fn remove_dependent_views(&mut self, name: &QualifiedName, cascade: bool) {
        if !cascade {
            return;
        }
        for view in self.views_reading(name) {
            self.remove_view(&view, cascade);
        }
    }

    fn triggers_on_removed(&mut self, name: &QualifiedName) {
        self.catalog.triggers.retain(|t| &t.table != name);
    }

    /// `DROP TYPE` and `DROP DOMAIN`: PostgreSQL calls a missing domain a missing type.
    fn drop_type(&mut self, object: &Node, missing_ok: bool, cascade: bool) {
        let Some(NodeEnum::TypeName(type_name)) = &object.node else {
            return;
        };
        let Some(written) = WrittenName::of_list(&type_name.names) else {
            return;
        };
        let found = match &written.schema {
            Some(schema) => self
                .type_at(schema, &written.name)
                .then(|| QualifiedName::new(schema, &written.name)),
            None => self
                .lookup_path()
                .into_iter()
                .find(|s| self.type_at(s, &written.name))
                .map(|s| QualifiedName::new(&s, &written.name)),
        };
        let Some(name) = found else {
            if !missing_ok {
                let candidates = self.type_names_in_scope();
                let problem = Problem::unknown(
                    ObjectKind::Type,
                    written.display(),
                    Anchor::at(type_name.location),
                )
                .suggest(candidates.iter().map(String::as_str));
                self.report_about(problem, &written);
            }
            return;
        };
        let here = |schema: &str, n: &str| schema == name.schema && n == name.name;
        self.catalog.enums.retain(|e| !here(&e.schema, &e.name));
        self.catalog.domains.retain(|d| !here(&d.schema, &d.name));
        self.catalog
            .composite_types
            .retain(|t| !here(&t.schema, &t.name));
        self.other_types.retain(|t| !here(&t.schema, &t.name));
        if cascade {
            for table in self.catalog.tables.iter_mut() {
                table.columns.retain(|c| c.base_type != name);
            }
            for composite in self.catalog.composite_types.iter_mut() {
                composite.attributes.retain(|c| c.base_type != name);
            }
            self.catalog.domains.retain(|d| d.base_type != name);
        }
    }

    fn drop_schema(&mut self, object: &Node, missing_ok: bool, cascade: bool) {
        let Some(NodeEnum::String(schema)) = &object.node else {
            return;
        };
        let schema = schema.sval.clone();
        if !self.catalog.schemas.contains(&schema) {
            if !missing_ok {
                self.report_unknown_schema(&schema, Anchor::Name(schema.clone()));
            }
            return;
        }
        self.catalog.schemas.retain(|s| *s != schema);
        if !cascade {
            return;
        }
        let tables: Vec<QualifiedName> = self
            .catalog
            .tables
            .iter()
            .filter(|t| t.schema == schema)
            .map(|t| QualifiedName::new(&t.schema, &t.name))
            .collect();
        for table in tables {
            self.remove_table(&table, true);
        }
        let views: Vec<QualifiedName> = self
            .catalog
            .views
            .iter()
            .filter(|v| v.schema == schema)
            .map(|v| QualifiedName::new(&v.schema, &v.name))
            .collect();
        for view in views {
            self.remove_view(&view, true);
        }
        let c = &mut self.catalog;
        c.enums.retain(|e| e.schema != schema);
        c.domains.retain(|d| d.schema != schema);
        c.composite_types.retain(|t| t.schema != schema);
        c.sequences.retain(|s| s.schema != schema);
        c.functions.retain(|f| f.schema != schema);
        c.extensions.retain(|e| e.schema != schema);
        self.other_types.retain(|t| t.schema != schema);
    }

    /// `DROP TRIGGER | POLICY | RULE name ON table`.
    fn drop_table_object(&mut self, object: &Node, object_type: ObjectType, missing_ok: bool) {
        let Some(NodeEnum::List(list)) = &object.node else {
            return;
        };
        let mut parts = identifiers::strings(&list.items);
        let Some(object_name) = parts.pop() else {
            return;
        };
        let Some(table) = WrittenName::of_list(&list.items[..list.items.len().saturating_sub(1)])
        else {
            return;
        };
        let _ = parts;
        let found = self.find_relation(&table);
        let Some((table_name, _)) = found else {
            if !missing_ok {
                self.require_written_relation(&table, Anchor::Name(table.name.clone()));
            }
            return;
        };
        if object_type != ObjectType::ObjectTrigger {
            return;
        }
        let exists = self
            .catalog
            .triggers
            .iter()
            .any(|t| t.table == table_name && t.name == object_name);
        if exists {
            self.catalog
                .triggers
                .retain(|t| !(t.table == table_name && t.name == object_name));
        } else if !missing_ok {
            let known: Vec<String> = self
                .catalog
                .triggers
                .iter()
                .filter(|t| t.table == table_name)
                .map(|t| t.name.clone())
                .collect();
            let problem = Problem::unknown(
                ObjectKind::Trigger,
                quote_ident(&object_name),
                Anchor::Name(object_name.clone()),
            )
            .context(format!("for table `{}`", quote_ident(&table_name.name)))
            .suggest(known.iter().map(String::as_str));
            self.report(
                problem,
                Subject::Object(&table_name.schema, &table_name.name),
            );
        }
    }
}
