//! `CREATE SCHEMA` (with the elements created in it) and `CREATE EXTENSION`.

use super::super::builder::CatalogBuilder;
use super::super::extensions;
use super::super::identifiers::{quote_ident, SearchPath, WrittenName, PUBLIC};
use super::super::model::Extension;
use super::super::problem::{Anchor, ObjectKind, Problem};
use super::super::uncertainty::Subject;
use super::option_string;
use pg_query::protobuf::{CreateExtensionStmt, CreateSchemaStmt};

impl CatalogBuilder {
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
}
