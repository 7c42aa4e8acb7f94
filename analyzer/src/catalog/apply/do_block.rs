//! `DO` blocks: the static SQL inside (walked by [`crate::plpgsql`]) is applied like
//! top-level SQL, with the block's guards understood. Under an existence check
//! (`IF NOT EXISTS (SELECT ... FROM pg_type ...) THEN CREATE TYPE`) a statement acts
//! as if it had `IF NOT EXISTS`; in a block whose handler catches the error a
//! statement raises (`EXCEPTION WHEN duplicate_object`) the rest of the block does
//! not run; under any other condition or in a loop the objects a statement touches
//! become uncertain. Dynamic `EXECUTE` makes everything uncertain.
//!
//! PostgreSQL rolls a block back when its handler catches an error. The fold does
//! not keep a copy of the catalog per block (the idiom is common, and a copy costs
//! as much as the catalog): a statement that fails changes nothing in the fold,
//! except the few that can fail halfway, and what the block's earlier statements
//! did is kept but made uncertain.

use super::super::builder::CatalogBuilder;
use super::super::identifiers::WrittenName;
use super::super::model::QualifiedName;
use super::super::problem::{Anchor, Problem};
use crate::plpgsql::{self, DoBody, Enclosing};
use pg_query::protobuf::{DoStmt, Node, ObjectType};
use pg_query::NodeEnum;

impl CatalogBuilder {
    pub(super) fn do_block(&mut self, stmt: &DoStmt) {
        let tree = match plpgsql::do_body(stmt) {
            DoBody::Plpgsql(tree) => tree,
            DoBody::Empty => return,
            DoBody::OtherLanguage(language) => {
                self.uncertainty.everything(format!(
                    "a DO block in {language}, which the catalog cannot follow"
                ));
                return;
            }
            DoBody::Unparseable => {
                self.uncertainty
                    .everything("a DO block whose PL/pgSQL does not parse".to_string());
                return;
            }
        };
        let outer = std::mem::take(&mut self.problems);
        let mut applier = Applier {
            builder: self,
            blocks: Vec::new(),
            reported: Vec::new(),
        };
        plpgsql::walk(&tree, &mut applier);
        let reported = applier.reported;
        self.problems = outer;
        self.problems.extend(reported);
    }
}

/// A `BEGIN ... EXCEPTION` block being walked.
struct Block {
    /// The conditions this block's own handlers catch.
    catches: Vec<String>,
    /// An error was caught: the rest of the block does not run.
    failed: bool,
    /// The statements applied in the block so far (what a rollback would undo).
    applied: Vec<NodeEnum>,
}

struct Applier<'f> {
    builder: &'f mut CatalogBuilder,
    blocks: Vec<Block>,
    reported: Vec<Problem>,
}

impl Applier<'_> {
    fn skipping(&self) -> bool {
        self.blocks.iter().any(|b| b.failed)
    }

    /// The depth of the innermost block whose handlers catch `condition`.
    fn catching_block(&self, condition: &str) -> Option<usize> {
        self.blocks
            .iter()
            .rposition(|b| b.catches.iter().any(|c| c == "others" || c == condition))
    }

    fn apply(&mut self, node: &NodeEnum, enclosing: &Enclosing) {
        self.builder.statement(node);
        let problems = self.builder.take_problems();
        if enclosing.conditional {
            self.mark_touched(node);
        }
        let fails_halfway = can_fail_halfway(node, &problems);
        for problem in problems {
            let condition = problem.condition();
            if let Some(depth) = self.catching_block(condition) {
                self.roll_back(depth, node, fails_halfway);
                return;
            }
            if enclosing.checked || enclosing.conditional {
                continue;
            }
            // Positions inside the block's text do not map to the file: point at
            // the DO statement.
            self.reported.push(Problem {
                anchor: Anchor::Statement,
                ..problem
            });
        }
    }

    /// A handler at `depth` caught the error of `failed`: the blocks from there in
    /// stop, and what they did (which PostgreSQL undoes) becomes uncertain.
    fn roll_back(&mut self, depth: usize, failed: &NodeEnum, fails_halfway: bool) {
        let mut undone: Vec<NodeEnum> = Vec::new();
        for block in self.blocks.iter_mut().skip(depth) {
            undone.append(&mut block.applied);
        }
        if let Some(block) = self.blocks.get_mut(depth) {
            block.failed = true;
        }
        if fails_halfway {
            undone.push(failed.clone());
        }
        for node in &undone {
            self.mark_touched(node);
        }
    }

    /// A statement that may or may not have run: what it touches is uncertain.
    fn mark_touched(&mut self, node: &NodeEnum) {
        let reason =
            "changed by a DO block under a condition the catalog cannot evaluate".to_string();
        match touched(node) {
            Some(names) => {
                for written in names {
                    let schema = written
                        .schema
                        .clone()
                        .or_else(|| self.builder.creation_schema(&written))
                        .unwrap_or_else(|| "public".to_string());
                    self.builder.uncertainty.object(
                        "relation",
                        &QualifiedName::new(&schema, &written.name),
                        reason.clone(),
                    );
                }
            }
            None => {
                let schema = self
                    .builder
                    .creation_schema(&WrittenName::unqualified(""))
                    .unwrap_or_else(|| "public".to_string());
                self.builder.uncertainty.schema(&schema, reason);
            }
        }
    }
}

impl plpgsql::Visitor for Applier<'_> {
    fn sql(&mut self, sql: &str, enclosing: &Enclosing) -> bool {
        if self.skipping() {
            return true;
        }
        let Some(tree) = plpgsql::parse_sql(sql) else {
            return true;
        };
        for raw in &tree.stmts {
            let Some(node) = raw.stmt.as_ref().and_then(|n| n.node.as_ref()) else {
                continue;
            };
            self.apply(node, enclosing);
            if self.skipping() {
                break;
            }
            if let Some(block) = self.blocks.last_mut() {
                block.applied.push(node.clone());
            }
        }
        true
    }

    fn dynamic(&mut self, _enclosing: &Enclosing) -> bool {
        if !self.skipping() {
            self.builder
                .uncertainty
                .everything("dynamic SQL (EXECUTE) in a DO block".to_string());
        }
        true
    }

    fn enter_handled_block(&mut self, enclosing: &Enclosing) {
        let outer = self.blocks.iter().map(|b| b.catches.len()).sum::<usize>();
        let catches = enclosing.caught.iter().skip(outer).cloned().collect();
        self.blocks.push(Block {
            catches,
            failed: false,
            applied: Vec::new(),
        });
    }

    fn leave_handled_block(&mut self, _enclosing: &Enclosing) {
        let Some(block) = self.blocks.pop() else {
            return;
        };
        // What an inner block did belongs to the outer one too, should that roll back.
        if !block.failed {
            if let Some(outer) = self.blocks.last_mut() {
                outer.applied.extend(block.applied);
            }
        }
    }
}

/// Whether a statement that raised `problems` may have changed the fold before
/// failing: a `CREATE TABLE` whose problem is not a name clash (it is created with
/// what could be read), or an `ALTER TABLE` of several subcommands. The others check
/// before they change anything.
fn can_fail_halfway(node: &NodeEnum, problems: &[Problem]) -> bool {
    let clash_only = problems
        .iter()
        .all(|p| matches!(p.kind, super::super::problem::ProblemKind::Duplicate { .. }));
    match node {
        NodeEnum::CreateStmt(_) | NodeEnum::CreateTableAsStmt(_) | NodeEnum::ViewStmt(_) => {
            !clash_only
        }
        NodeEnum::AlterTableStmt(s) => s.cmds.len() > 1,
        NodeEnum::CreateSchemaStmt(s) => !s.schema_elts.is_empty(),
        _ => false,
    }
}

/// The relations and types a schema-changing statement acts on, or `None` when the
/// statement is not one the catalog can name targets for (data changes have none).
fn touched(node: &NodeEnum) -> Option<Vec<WrittenName>> {
    let range =
        |r: &Option<pg_query::protobuf::RangeVar>| r.as_ref().map(WrittenName::of_range_var);
    let list = |l: &[Node]| WrittenName::of_list(l);
    let names = match node {
        NodeEnum::InsertStmt(_)
        | NodeEnum::UpdateStmt(_)
        | NodeEnum::DeleteStmt(_)
        | NodeEnum::MergeStmt(_)
        | NodeEnum::SelectStmt(_) => vec![],
        NodeEnum::CreateStmt(s) => range(&s.relation).into_iter().collect(),
        NodeEnum::AlterTableStmt(s) => range(&s.relation).into_iter().collect(),
        NodeEnum::IndexStmt(s) => range(&s.relation).into_iter().collect(),
        NodeEnum::ViewStmt(s) => range(&s.view).into_iter().collect(),
        NodeEnum::CreateSeqStmt(s) => range(&s.sequence).into_iter().collect(),
        NodeEnum::CreateTableAsStmt(s) => s
            .into
            .as_ref()
            .and_then(|i| i.rel.as_ref())
            .map(WrittenName::of_range_var)
            .into_iter()
            .collect(),
        NodeEnum::CreateEnumStmt(s) => list(&s.type_name).into_iter().collect(),
        NodeEnum::AlterEnumStmt(s) => list(&s.type_name).into_iter().collect(),
        NodeEnum::CreateDomainStmt(s) => list(&s.domainname).into_iter().collect(),
        NodeEnum::CompositeTypeStmt(s) => range(&s.typevar).into_iter().collect(),
        NodeEnum::RenameStmt(s) => {
            let mut names: Vec<WrittenName> = range(&s.relation).into_iter().collect();
            if let Some(NodeEnum::List(l)) = s.object.as_deref().and_then(|o| o.node.as_ref()) {
                names.extend(list(&l.items));
            }
            if let Some(first) = names.first().cloned() {
                if matches!(
                    ObjectType::try_from(s.rename_type),
                    Ok(ObjectType::ObjectTable | ObjectType::ObjectView | ObjectType::ObjectType)
                ) {
                    names.push(WrittenName {
                        name: s.newname.clone(),
                        ..first
                    });
                }
            }
            names
        }
        NodeEnum::DropStmt(s) => s
            .objects
            .iter()
            .filter_map(|o| match &o.node {
                Some(NodeEnum::List(l)) => list(&l.items),
                Some(NodeEnum::TypeName(t)) => list(&t.names),
                _ => None,
            })
            .collect(),
        _ => return None,
    };
    Some(names)
}
