//! Schemas, extensions, sequences, functions, triggers, comments, and
//! `SET search_path`.

use super::super::extensions;
use super::super::fold::Folder;
use super::super::model::{Extension, Function, QualifiedName, Sequence, Trigger};
use super::super::name_index::RelationKind;
use super::super::names::{self, quote_ident, SearchPath, WrittenName, PUBLIC};
use super::super::problem::{Anchor, ObjectKind, Problem};
use super::super::types::{ColumnType, WrittenType};
use super::super::uncertainty::Subject;
use super::schema_anchor;
use pg_query::protobuf::{
    a_const, AlterSeqStmt, CommentStmt, CreateExtensionStmt, CreateFunctionStmt, CreateSchemaStmt,
    CreateSeqStmt, CreateTrigStmt, Node, ObjectType, VariableSetKind, VariableSetStmt,
};
use pg_query::NodeEnum;

impl Folder {
    pub(super) fn create_schema(&mut self, stmt: &CreateSchemaStmt) {
        let name = if stmt.schemaname.is_empty() {
            stmt.authrole
                .as_ref()
                .map(|r| r.rolename.clone())
                .unwrap_or_default()
        } else {
            stmt.schemaname.clone()
        };
        if name.is_empty() {
            return;
        }
        if self.schema_exists(&name) {
            if !stmt.if_not_exists {
                let problem = Problem::duplicate(
                    ObjectKind::Schema,
                    quote_ident(&name),
                    Anchor::Name(name.clone()),
                );
                self.report(problem, Subject::Schema(&name));
            }
            return;
        }
        self.catalog.schemas.push(name.clone());
        if stmt.schema_elts.is_empty() {
            return;
        }
        // The schema's elements are created in it.
        let saved = self.search_path.clone();
        let mut path = vec![name];
        path.extend(saved.schemas().iter().cloned());
        self.search_path = SearchPath::new(path);
        for element in &stmt.schema_elts {
            if let Some(node) = &element.node {
                self.statement(node);
            }
        }
        self.search_path = saved;
    }

    pub(super) fn create_extension(&mut self, stmt: &CreateExtensionStmt) {
        let exists = stmt.extname == "plpgsql"
            || self
                .catalog
                .extensions
                .iter()
                .any(|e| e.name == stmt.extname);
        if exists {
            if !stmt.if_not_exists {
                let problem = Problem::duplicate(
                    ObjectKind::Extension,
                    quote_ident(&stmt.extname),
                    Anchor::Name(stmt.extname.clone()),
                );
                self.report(problem, Subject::Object("", &stmt.extname));
            }
            return;
        }
        let schema = option_string(&stmt.options, "schema")
            .or_else(|| self.creation_schema(&WrittenName::unqualified(&stmt.extname)));
        let schema = schema.unwrap_or_else(|| PUBLIC.to_string());
        if !self.schema_exists(&schema) {
            self.report_unknown_schema(&schema, Anchor::Name(schema.clone()));
            return;
        }
        if extensions::known(&stmt.extname).is_none() {
            self.uncertainty.schema(
                &schema,
                format!(
                    "extension `{}`, whose objects the catalog does not know",
                    stmt.extname
                ),
            );
        }
        self.catalog.extensions.push(Extension {
            name: stmt.extname.clone(),
            schema,
        });
    }

    pub(super) fn create_sequence(&mut self, stmt: &CreateSeqStmt) {
        let Some(relation) = &stmt.sequence else {
            return;
        };
        let anchor = Anchor::at(relation.location);
        let written = WrittenName::of_range_var(relation);
        let Some(schema) = self.schema_for_new(&written, anchor.clone()) else {
            return;
        };
        let name = QualifiedName::new(&schema, &relation.relname);
        if self.relation_at(&schema, &name.name).is_some() {
            if !stmt.if_not_exists {
                let problem =
                    Problem::duplicate(ObjectKind::Relation, quote_ident(&name.name), anchor);
                self.report(problem, Subject::Object(&schema, &name.name));
            }
            return;
        }
        let owned_by = self.owned_by(&stmt.options);
        self.name_index
            .note_relation(&schema, &relation.relname, RelationKind::Sequence);
        self.catalog.sequences.push(Sequence {
            schema,
            name: relation.relname.clone(),
            owned_by: owned_by.flatten(),
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
                    Some(NodeEnum::List(list)) => Some(names::strings(&list.items)),
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

    pub(super) fn create_function(&mut self, stmt: &CreateFunctionStmt) {
        let Some(written) = WrittenName::of_list(&stmt.funcname) else {
            return;
        };
        let Some(schema) = self.schema_for_new(&written, schema_anchor(&written)) else {
            return;
        };
        let mut arguments = Vec::new();
        let mut table_columns = false;
        for parameter in &stmt.parameters {
            let Some(NodeEnum::FunctionParameter(parameter)) = &parameter.node else {
                continue;
            };
            // OUT and TABLE parameters are not part of the signature.
            const OUT: i32 = b'o' as i32;
            const TABLE: i32 = b't' as i32;
            if parameter.mode == TABLE {
                table_columns = true;
            }
            if parameter.mode == OUT || parameter.mode == TABLE {
                continue;
            }
            if let Some(type_name) = &parameter.arg_type {
                arguments.push(self.signature_type(type_name));
            }
        }
        let returns = if table_columns {
            Some("TABLE".to_string())
        } else {
            stmt.return_type.as_ref().map(|t| {
                let text = self.signature_type(t);
                if t.setof {
                    format!("SETOF {text}")
                } else {
                    text
                }
            })
        };
        let language = option_string(&stmt.options, "language")
            .unwrap_or_else(|| "sql".to_string())
            .to_lowercase();
        let function = Function {
            schema: schema.clone(),
            name: written.name.clone(),
            arguments,
            returns,
            language,
            procedure: stmt.is_procedure,
        };
        // Names first: most functions share a schema.
        let existing = self.catalog.functions.iter().position(|f| {
            f.name == function.name
                && f.schema == function.schema
                && f.arguments == function.arguments
        });
        self.function_bodies.define(
            QualifiedName::new(&schema, &written.name),
            stmt,
            &function.language,
        );
        match existing {
            Some(i) if stmt.replace => {
                if let Some(slot) = self.catalog.functions.get_mut(i) {
                    *slot = function;
                }
            }
            Some(_) => {
                let problem = Problem::duplicate(
                    ObjectKind::Function,
                    format!(
                        "{}({})",
                        quote_ident(&function.name),
                        function.arguments.join(", ")
                    ),
                    Anchor::Name(function.name.clone()),
                );
                self.report(problem, Subject::Object(&function.schema, &function.name));
            }
            None => self.catalog.functions.push(function),
        }
    }

    /// A type in a function's signature, as `format_type` prints it (or as written
    /// when the catalog cannot resolve it; an unknown type is reported).
    fn signature_type(&mut self, type_name: &pg_query::protobuf::TypeName) -> String {
        let mut plain = type_name.clone();
        plain.setof = false;
        match self.resolve_type(&plain, false) {
            super::super::fold::TypeFound::Found(ColumnType { format, .. }) => format,
            super::super::fold::TypeFound::Uncertain(t) => {
                if t.format.is_empty() {
                    names::strings(&plain.names).join(".")
                } else {
                    t.format
                }
            }
            super::super::fold::TypeFound::Unknown { name, location } => {
                let candidates = self.type_names_in_scope();
                let problem =
                    Problem::unknown(ObjectKind::Type, name.display(), Anchor::at(location))
                        .suggest(candidates.iter().map(String::as_str));
                self.report_about(problem, &name);
                match super::super::types::written(&plain, false) {
                    WrittenType::Named { name, .. } => name,
                    _ => String::new(),
                }
            }
        }
    }

    pub(super) fn create_trigger(&mut self, stmt: &CreateTrigStmt) {
        let Some(relation) = &stmt.relation else {
            return;
        };
        let Some((table, _)) = self.require_relation(relation) else {
            return;
        };
        let exists = self
            .catalog
            .triggers
            .iter()
            // Tables first: many triggers share a name.
            .any(|t| t.table == table && t.name == stmt.trigname);
        if exists && !stmt.replace {
            let problem = Problem::duplicate(
                ObjectKind::Trigger,
                quote_ident(&stmt.trigname),
                Anchor::Name(stmt.trigname.clone()),
            )
            .context(format!("for relation `{}`", quote_ident(&table.name)));
            self.report(problem, Subject::Object(&table.schema, &table.name));
            return;
        }
        let function = WrittenName::of_list(&stmt.funcname).map(|f| {
            let schema = f.schema.clone().or_else(|| {
                self.catalog
                    .functions
                    .iter()
                    .find(|known| known.name == f.name)
                    .map(|known| known.schema.clone())
            });
            QualifiedName::new(schema.as_deref().unwrap_or(PUBLIC), &f.name)
        });
        if exists {
            self.catalog
                .triggers
                .retain(|t| !(t.table == table && t.name == stmt.trigname));
        }
        self.catalog.triggers.push(Trigger {
            name: stmt.trigname.clone(),
            table,
            function: function.unwrap_or_else(|| QualifiedName::new(PUBLIC, "")),
        });
    }

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

    pub(super) fn set_variable(&mut self, stmt: &VariableSetStmt) {
        if stmt.name != "search_path" {
            return;
        }
        if stmt.is_local && !self.file.transactional {
            // Outside a transaction block `SET LOCAL` does nothing.
            return;
        }
        match VariableSetKind::try_from(stmt.kind) {
            Ok(VariableSetKind::VarSetValue) => {
                let schemas = stmt
                    .args
                    .iter()
                    .filter_map(|a| match &a.node {
                        Some(NodeEnum::AConst(c)) => match &c.val {
                            Some(a_const::Val::Sval(s)) => Some(s.sval.clone()),
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect();
                self.search_path = SearchPath::new(schemas);
            }
            Ok(
                VariableSetKind::VarSetDefault
                | VariableSetKind::VarReset
                | VariableSetKind::VarResetAll,
            ) => {
                self.search_path = SearchPath::default();
            }
            _ => {}
        }
    }

    /// `SELECT set_config('search_path', '...', is_local)`.
    pub(super) fn set_config(&mut self, value: &str, is_local: bool) {
        if is_local && !self.file.transactional {
            return;
        }
        self.search_path = SearchPath::parse(value);
    }
}

/// A string option (`SCHEMA x`, `LANGUAGE plpgsql`) of a statement.
fn option_string(options: &[Node], name: &str) -> Option<String> {
    options.iter().find_map(|o| match &o.node {
        Some(NodeEnum::DefElem(d)) if d.defname == name => {
            match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
                Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                _ => None,
            }
        }
        _ => None,
    })
}
