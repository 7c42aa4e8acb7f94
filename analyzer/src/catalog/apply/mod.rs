//! Folds one statement into the catalog, matching on pg_query's typed nodes. Each
//! kind of statement has its module; this one dispatches and holds what they share.

mod alter_table;
mod columns;
mod comments;
mod constraints;
mod data;
mod do_block;
mod drop;
mod functions;
mod indexes;
mod rename;
mod schemas;
mod search_path;
mod sequences;
mod tables;
mod triggers;
mod types;
mod views;

pub use constraints::action as foreign_key_action;

use super::builder::CatalogBuilder;
use super::identifiers::{quote_ident, WrittenName};
use super::model::QualifiedName;
use super::problem::{Anchor, ObjectKind, Problem};
use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

impl CatalogBuilder {
    /// Folds one top-level statement; returns what the server would reject.
    pub fn apply(&mut self, node: &NodeEnum) -> Vec<Problem> {
        self.statement(node);
        self.take_problems()
    }

    pub(super) fn statement(&mut self, node: &NodeEnum) {
        match node {
            NodeEnum::CreateStmt(s) => self.create_table(s, false),
            NodeEnum::CreateForeignTableStmt(s) => {
                if let Some(base) = &s.base_stmt {
                    self.create_table(base, true);
                }
            }
            NodeEnum::CreateTableAsStmt(s) => self.create_table_as(s),
            NodeEnum::SelectStmt(s) if s.into_clause.is_some() => self.select_into(s),
            NodeEnum::ViewStmt(s) => self.create_view(s),
            NodeEnum::RefreshMatViewStmt(s) => {
                if let Some(relation) = &s.relation {
                    self.require_relation(relation);
                }
            }
            NodeEnum::IndexStmt(s) => self.create_index(s),
            NodeEnum::AlterTableStmt(s) => self.alter_table(s),
            NodeEnum::RenameStmt(s) => self.rename(s),
            NodeEnum::AlterObjectSchemaStmt(s) => self.set_schema(s),
            NodeEnum::DropStmt(s) => self.drop(s),
            NodeEnum::CreateSchemaStmt(s) => self.create_schema(s),
            NodeEnum::CreateExtensionStmt(s) => self.create_extension(s),
            NodeEnum::CreateSeqStmt(s) => self.create_sequence(s),
            NodeEnum::AlterSeqStmt(s) => self.alter_sequence(s),
            NodeEnum::CreateEnumStmt(s) => self.create_enum(s),
            NodeEnum::AlterEnumStmt(s) => self.alter_enum(s),
            NodeEnum::CompositeTypeStmt(s) => self.create_composite_type(s),
            NodeEnum::CreateDomainStmt(s) => self.create_domain(s),
            NodeEnum::AlterDomainStmt(s) => self.alter_domain(s),
            NodeEnum::CreateRangeStmt(s) => self.create_other_type(&s.type_name, false, true),
            NodeEnum::DefineStmt(s) if s.kind == ObjectType::ObjectType as i32 => {
                self.create_other_type(&s.defnames, s.if_not_exists, false)
            }
            NodeEnum::CreateFunctionStmt(s) => self.create_function(s),
            NodeEnum::CreateTrigStmt(s) => self.create_trigger(s),
            NodeEnum::CommentStmt(s) => self.comment(s),
            NodeEnum::VariableSetStmt(s) => self.set_variable(s),
            NodeEnum::InsertStmt(_)
            | NodeEnum::UpdateStmt(_)
            | NodeEnum::DeleteStmt(_)
            | NodeEnum::MergeStmt(_)
            | NodeEnum::SelectStmt(_) => self.data(node),
            NodeEnum::CreatePolicyStmt(s) => {
                if let Some(table) = &s.table {
                    self.require_relation(table);
                }
            }
            NodeEnum::AlterPolicyStmt(s) => {
                if let Some(table) = &s.table {
                    self.require_relation(table);
                }
            }
            NodeEnum::RuleStmt(s) => {
                if let Some(relation) = &s.relation {
                    self.require_relation(relation);
                }
            }
            NodeEnum::TruncateStmt(s) => self.require_relations(&s.relations),
            NodeEnum::LockStmt(s) => self.require_relations(&s.relations),
            NodeEnum::CopyStmt(s) => {
                if let Some(relation) = &s.relation {
                    self.require_relation(relation);
                }
            }
            NodeEnum::GrantStmt(s) => self.grant(s),
            NodeEnum::DoStmt(s) => self.do_block(s),
            NodeEnum::CallStmt(s) => self.call(s),
            NodeEnum::ExplainStmt(s) => {
                if let Some(query) = s.query.as_deref().and_then(|q| q.node.as_ref()) {
                    self.data(query);
                }
            }
            _ => {}
        }
    }

    /// Reports a relation that does not exist; `Some` with what it is otherwise.
    pub(super) fn require_relation(
        &mut self,
        relation: &pg_query::protobuf::RangeVar,
    ) -> Option<(QualifiedName, super::name_index::RelationKind)> {
        let written = WrittenName::of_range_var(relation);
        self.require_written_relation(&written, Anchor::at(relation.location))
    }

    pub(super) fn require_written_relation(
        &mut self,
        written: &WrittenName,
        anchor: Anchor,
    ) -> Option<(QualifiedName, super::name_index::RelationKind)> {
        if let Some(found) = self.find_relation(written) {
            return Some(found);
        }
        if let Some(found) = self.tool_table(written) {
            return Some(found);
        }
        if let Some(schema) = &written.schema {
            if !self.schema_exists(schema) {
                self.report_unknown_schema(schema, anchor);
                return None;
            }
        }
        let candidates = self.relation_names_in_scope(written);
        let problem = Problem::unknown(ObjectKind::Relation, written.display(), anchor)
            .suggest(candidates.iter().map(String::as_str));
        self.report_about(problem, written);
        None
    }

    /// The bookkeeping table of a migration tool (sqlx, diesel, refinery, Flyway,
    /// golang-migrate, dbmate, Prisma) that the migrations read without creating: the
    /// tool created it, so it exists, with a shape the catalog does not know.
    fn tool_table(
        &mut self,
        written: &WrittenName,
    ) -> Option<(QualifiedName, super::name_index::RelationKind)> {
        const TOOL_TABLES: &[&str] = &[
            "_sqlx_migrations",
            "__diesel_schema_migrations",
            "refinery_schema_history",
            "flyway_schema_history",
            "schema_migrations",
            "_prisma_migrations",
        ];
        if !TOOL_TABLES.contains(&written.name.as_str()) {
            return None;
        }
        let schema = match &written.schema {
            Some(schema) => schema.clone(),
            None => self.creation_schema(written)?,
        };
        let name = QualifiedName::new(&schema, &written.name);
        self.uncertainty.object(
            "table",
            &name,
            "a migration tool's own table, created outside the migrations".to_string(),
        );
        Some((name, super::name_index::RelationKind::External))
    }

    fn require_relations(&mut self, nodes: &[pg_query::protobuf::Node]) {
        for node in nodes {
            if let Some(NodeEnum::RangeVar(relation)) = &node.node {
                self.require_relation(relation);
            }
        }
    }

    pub(super) fn report_unknown_schema(&mut self, schema: &str, anchor: Anchor) {
        let candidates = self.catalog.schemas.clone();
        let problem = Problem::unknown(ObjectKind::Schema, quote_ident(schema), anchor)
            .suggest(candidates.iter().map(String::as_str));
        self.report(problem, super::uncertainty::Subject::Schema(schema));
    }

    /// The name a relation created as `relation` takes (in its schema, or the first
    /// of the search path), and where the name is shown; `None` when the schema does
    /// not exist (reported).
    pub(super) fn new_relation_name(
        &mut self,
        relation: &pg_query::protobuf::RangeVar,
    ) -> Option<(QualifiedName, Anchor)> {
        let anchor = Anchor::at(relation.location);
        let schema = self.schema_for_new(&WrittenName::of_range_var(relation), anchor.clone())?;
        Some((QualifiedName::new(&schema, &relation.relname), anchor))
    }

    /// The schema a new object named `written` goes to, reporting a missing schema at
    /// `anchor` (see [`schema_anchor`]).
    pub(super) fn schema_for_new(
        &mut self,
        written: &WrittenName,
        anchor: Anchor,
    ) -> Option<String> {
        match self.creation_schema(written) {
            Some(schema) => Some(schema),
            None => {
                let schema = written.schema.clone().unwrap_or_default();
                if self
                    .uncertainty
                    .covers(super::uncertainty::Subject::Schema(&schema))
                {
                    // Something the catalog could not follow may have created it.
                    return Some(schema);
                }
                self.report_unknown_schema(&schema, anchor);
                None
            }
        }
    }
}

/// Where a new object's missing schema is shown: the schema where it is written, else
/// the object's name (the search path named the schema).
pub(super) fn schema_anchor(written: &WrittenName) -> Anchor {
    Anchor::Name(written.schema.as_ref().unwrap_or(&written.name).clone())
}

/// A string option (`SCHEMA x`, `LANGUAGE plpgsql`) of a statement.
pub(super) fn option_string(options: &[pg_query::protobuf::Node], name: &str) -> Option<String> {
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
