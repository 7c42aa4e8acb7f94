//! `CREATE FUNCTION` and `CREATE PROCEDURE`: the signature, as PostgreSQL prints
//! it, and the body, to tell whether calling it changes the schema.

use super::super::builder::CatalogBuilder;
use super::super::deparse;
use super::super::identifiers::{self, quote_ident, WrittenName, PUBLIC};
use super::super::model::{Function, QualifiedName};
use super::super::problem::{Anchor, ObjectKind, Problem};
use super::super::type_names::{ColumnType, WrittenType};
use super::super::uncertainty::Subject;
use super::{option_string, schema_anchor};
use pg_query::protobuf::{CreateFunctionStmt, FunctionParameterMode};
use pg_query::NodeEnum;

impl CatalogBuilder {
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
            // pg_query's protobuf numbers the modes (its enum), not the C chars.
            const OUT: i32 = FunctionParameterMode::FuncParamOut as i32;
            const TABLE: i32 = FunctionParameterMode::FuncParamTable as i32;
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
        let mut replacing = stmt.clone();
        replacing.replace = true;
        let function = Function {
            schema: schema.clone(),
            name: written.name.clone(),
            arguments,
            returns,
            language,
            procedure: stmt.is_procedure,
            definition: deparse::statement(NodeEnum::CreateFunctionStmt(Box::new(replacing))),
            comment: None,
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
                    // `OR REPLACE` keeps the function's comment.
                    let comment = slot.comment.take();
                    *slot = Function {
                        comment,
                        ..function
                    };
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

    /// The schema of the function `name` names: the one written, else the first schema
    /// of the search path that has a function so named (`public` when none has).
    pub(in crate::catalog) fn function_schema(&self, name: &WrittenName) -> String {
        if let Some(schema) = &name.schema {
            return schema.clone();
        }
        self.lookup_path()
            .into_iter()
            .find(|schema| {
                self.catalog
                    .functions
                    .iter()
                    .any(|f| f.name == name.name && f.schema == *schema)
            })
            .unwrap_or_else(|| PUBLIC.to_string())
    }

    /// The argument types of a `DROP`/`ALTER FUNCTION`'s `name(args)` as the catalog
    /// writes a signature; `None` when the arguments are not given or a type does not
    /// resolve (then every function of the name is meant).
    pub(in crate::catalog) fn signature_of(
        &self,
        function: &pg_query::protobuf::ObjectWithArgs,
    ) -> Option<Vec<String>> {
        if function.args_unspecified {
            return None;
        }
        function
            .objargs
            .iter()
            .map(|argument| match &argument.node {
                Some(NodeEnum::TypeName(type_name)) => match self.resolve_type(type_name, false) {
                    super::super::builder::TypeFound::Found(ColumnType { format, .. }) => {
                        Some(format)
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    /// A type in a function's signature, as `format_type` prints it (or as written
    /// when the catalog cannot resolve it; an unknown type is reported).
    fn signature_type(&mut self, type_name: &pg_query::protobuf::TypeName) -> String {
        let mut plain = type_name.clone();
        plain.setof = false;
        match self.resolve_type(&plain, false) {
            super::super::builder::TypeFound::Found(ColumnType { format, .. }) => format,
            super::super::builder::TypeFound::Uncertain(t) => {
                if t.format.is_empty() {
                    identifiers::strings(&plain.names).join(".")
                } else {
                    t.format
                }
            }
            super::super::builder::TypeFound::Unknown { name, location } => {
                let candidates = self.type_names_in_scope();
                let problem =
                    Problem::unknown(ObjectKind::Type, name.display(), Anchor::at(location))
                        .suggest(candidates.iter().map(String::as_str));
                self.report_about(problem, &name);
                match super::super::type_names::written(&plain, false) {
                    WrittenType::Named { name, .. } => name,
                    _ => String::new(),
                }
            }
        }
    }
}
