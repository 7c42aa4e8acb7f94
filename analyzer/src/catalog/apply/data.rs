//! Statements that read or write rows (`INSERT`, `UPDATE`, `DELETE`, `MERGE`,
//! `SELECT`) and grants: the relations and columns they name must exist. A call of
//! a function whose body changes the schema makes everything uncertain.

use super::super::builder::CatalogBuilder;
use super::super::identifiers::{self, WrittenName};
use super::super::model::QualifiedName;
use super::super::problem::Anchor;
use pg_query::protobuf::{GrantStmt, GrantTargetType, Node, ObjectType, ResTarget};
use pg_query::{NodeEnum, NodeRef};

impl CatalogBuilder {
    pub(super) fn data(&mut self, node: &NodeEnum) {
        match node {
            NodeEnum::InsertStmt(insert) => {
                if let Some(relation) = &insert.relation {
                    if let Some((table, _)) = self.require_relation(relation) {
                        let columns = target_names(&insert.cols);
                        if !self.shape_uncertain(&table) {
                            self.require_columns(&table, &columns, &Anchor::Statement);
                        }
                    }
                }
            }
            NodeEnum::UpdateStmt(update) => {
                if let Some(relation) = &update.relation {
                    if let Some((table, _)) = self.require_relation(relation) {
                        let columns = target_names(&update.target_list);
                        if !self.shape_uncertain(&table) {
                            self.require_columns(&table, &columns, &Anchor::Statement);
                        }
                    }
                }
            }
            NodeEnum::DeleteStmt(delete) => {
                if let Some(relation) = &delete.relation {
                    self.require_relation(relation);
                }
            }
            NodeEnum::MergeStmt(merge) => {
                if let Some(relation) = &merge.relation {
                    self.require_relation(relation);
                }
            }
            NodeEnum::SelectStmt(select) => {
                for target in &select.target_list {
                    if let Some((value, is_local)) = search_path_config(target) {
                        self.set_config(&value, is_local);
                    }
                }
            }
            _ => {}
        }
        // One walk of the tree for both: it is the larger part of their cost.
        let nodes = node.nodes();
        self.require_relations_read(node, &nodes);
        self.follow_function_calls(&nodes);
    }

    /// Every relation a query reads must exist (`WITH` names aside). The statement's
    /// own target is checked by the caller.
    pub(super) fn require_query_relations(&mut self, query: &NodeEnum) {
        self.require_relations_read(query, &query.nodes());
    }

    /// `require_query_relations` over the nodes of `query`, already listed.
    fn require_relations_read(&mut self, query: &NodeEnum, nodes: &[TreeNode<'_>]) {
        let ctes: Vec<&str> = nodes
            .iter()
            .filter_map(|(n, ..)| match n {
                NodeRef::CommonTableExpr(cte) => Some(cte.ctename.as_str()),
                _ => None,
            })
            .collect();
        let target = match query {
            NodeEnum::InsertStmt(s) => s.relation.as_ref(),
            NodeEnum::UpdateStmt(s) => s.relation.as_ref(),
            NodeEnum::DeleteStmt(s) => s.relation.as_ref(),
            NodeEnum::MergeStmt(s) => s.relation.as_ref(),
            _ => None,
        };
        let mut wanted = Vec::new();
        for (node, ..) in nodes {
            let NodeRef::RangeVar(range) = node else {
                continue;
            };
            if target.is_some_and(|t| std::ptr::eq(t, *range)) {
                continue;
            }
            if range.schemaname.is_empty() && ctes.contains(&range.relname.as_str()) {
                continue;
            }
            wanted.push((WrittenName::of_range_var(range), range.location));
        }
        for (written, location) in wanted {
            self.require_written_relation(&written, Anchor::at(location));
        }
    }

    /// The relations a query reads, resolved (for what a view depends on).
    pub(super) fn query_sources(&self, query: &NodeEnum) -> Vec<QualifiedName> {
        query
            .nodes()
            .iter()
            .filter_map(|(node, ..)| match node {
                NodeRef::RangeVar(range) => self
                    .find_relation(&WrittenName::of_range_var(range))
                    .map(|(name, _)| name),
                _ => None,
            })
            .collect()
    }

    /// A statement that calls a function whose body changes the schema.
    fn follow_function_calls(&mut self, nodes: &[TreeNode<'_>]) {
        if self.function_bodies.is_empty() {
            return;
        }
        let changing = nodes.iter().find_map(|(n, ..)| match n {
            NodeRef::FuncCall(call) => {
                last_name(&call.funcname).filter(|name| self.function_bodies.changes_schema(name))
            }
            _ => None,
        });
        if let Some(function) = changing {
            self.uncertainty
                .everything(format!("calls `{function}`, whose body changes the schema"));
        }
    }

    pub(super) fn call(&mut self, call: &pg_query::protobuf::CallStmt) {
        let name = call
            .funccall
            .as_ref()
            .and_then(|c| identifiers::strings(&c.funcname).pop())
            .unwrap_or_default();
        let known_harmless = self
            .catalog
            .functions
            .iter()
            .any(|f| f.name == name && f.procedure)
            && !self.function_bodies.changes_schema(&name);
        if !known_harmless {
            self.uncertainty.everything(format!(
                "CALL `{name}`: a procedure the catalog cannot see into"
            ));
        }
    }

    pub(super) fn grant(&mut self, grant: &GrantStmt) {
        let on_relations = matches!(
            ObjectType::try_from(grant.objtype),
            Ok(ObjectType::ObjectTable | ObjectType::ObjectSequence)
        );
        match GrantTargetType::try_from(grant.targtype) {
            Ok(GrantTargetType::AclTargetObject) if on_relations => {
                for object in &grant.objects {
                    if let Some(NodeEnum::RangeVar(relation)) = &object.node {
                        self.require_relation(relation);
                    }
                }
            }
            Ok(GrantTargetType::AclTargetAllInSchema) => {
                for schema in identifiers::strings(&grant.objects) {
                    if !self.schema_exists(&schema) {
                        self.report_unknown_schema(&schema, Anchor::Name(schema.clone()));
                    }
                }
            }
            _ => {}
        }
    }
}

/// `set_config('search_path', 'value', is_local)` in a `SELECT` list.
fn search_path_config(target: &Node) -> Option<(String, bool)> {
    let Some(NodeEnum::ResTarget(target)) = &target.node else {
        return None;
    };
    let Some(NodeEnum::FuncCall(call)) = target.val.as_deref().and_then(|v| v.node.as_ref()) else {
        return None;
    };
    if identifiers::strings(&call.funcname).pop().as_deref() != Some("set_config") {
        return None;
    }
    let constant = |node: Option<&Node>| match node.and_then(|n| n.node.as_ref()) {
        Some(NodeEnum::AConst(c)) => c.val.clone(),
        _ => None,
    };
    use pg_query::protobuf::a_const::Val;
    match (
        constant(call.args.first()),
        constant(call.args.get(1)),
        constant(call.args.get(2)),
    ) {
        (Some(Val::Sval(name)), Some(Val::Sval(value)), local) if name.sval == "search_path" => {
            let is_local = match local {
                Some(Val::Boolval(b)) => b.boolval,
                Some(Val::Sval(s)) => matches!(s.sval.as_str(), "t" | "true" | "on" | "yes" | "1"),
                _ => false,
            };
            Some((value.sval, is_local))
        }
        _ => None,
    }
}

/// A node of a statement's tree as `NodeEnum::nodes` lists it.
type TreeNode<'a> = (NodeRef<'a>, i32, pg_query::Context, bool);

/// The last part of a qualified name (`nextval` of `pg_catalog.nextval`).
fn last_name(list: &[Node]) -> Option<&str> {
    match list.last()?.node.as_ref()? {
        NodeEnum::String(s) => Some(&s.sval),
        _ => None,
    }
}

/// The column names of an `INSERT` column list or an `UPDATE ... SET`.
fn target_names(targets: &[Node]) -> Vec<String> {
    targets
        .iter()
        .filter_map(|t| match &t.node {
            Some(NodeEnum::ResTarget(target)) => Some(target_name(target)),
            _ => None,
        })
        .filter(|n| !n.is_empty())
        .collect()
}

fn target_name(target: &ResTarget) -> String {
    target.name.clone()
}
