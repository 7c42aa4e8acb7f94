//! `CREATE TRIGGER`: on a relation that exists, with a name new on it.

use super::super::builder::CatalogBuilder;
use super::super::deparse;
use super::super::identifiers::{quote_ident, WrittenName, PUBLIC};
use super::super::model::{QualifiedName, Trigger};
use super::super::problem::{Anchor, ObjectKind, Problem};
use super::super::uncertainty::Subject;
use pg_query::protobuf::CreateTrigStmt;
use pg_query::NodeEnum;

impl CatalogBuilder {
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
        let mut creating = stmt.clone();
        creating.replace = false;
        self.catalog.triggers.push(Trigger {
            name: stmt.trigname.clone(),
            definition: deparse::statement(NodeEnum::CreateTrigStmt(Box::new(creating))),
            table,
            function: function.unwrap_or_else(|| QualifiedName::new(PUBLIC, "")),
        });
    }
}
