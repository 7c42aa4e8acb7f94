//! "Dropped first": a `DROP ... IF EXISTS` earlier in the same migration makes the
//! `CREATE` of the same object re-runnable (the rerun drops and recreates it).

use crate::catalog::strings;
use pg_query::protobuf::{AlterTableType, Node, ObjectType};
use pg_query::NodeEnum;
use std::collections::HashSet;

/// What an object is called: its kind, its name and, for objects that live on a
/// table (triggers, policies, rules, constraints, columns), the table. Schemas are
/// left out: a qualified and an unqualified name of the same object still match.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectKey {
    pub kind: &'static str,
    pub name: String,
    pub table: Option<String>,
}

impl ObjectKey {
    pub fn new(kind: &'static str, name: &str, table: Option<&str>) -> Self {
        Self {
            kind,
            name: name.to_string(),
            table: table.map(str::to_string),
        }
    }
}

/// The objects dropped with `IF EXISTS` by the statements so far.
#[derive(Debug, Default)]
pub struct Dropped(HashSet<ObjectKey>);

impl Dropped {
    pub fn contains(&self, key: &ObjectKey) -> bool {
        self.0.contains(key)
    }

    /// Whether the object of `kind` called `name` (on `table`, for objects that live
    /// on one) was dropped.
    pub fn has(&self, kind: &'static str, name: &str, table: Option<&str>) -> bool {
        self.contains(&ObjectKey::new(kind, name, table))
    }

    /// Records what `node` drops with `IF EXISTS`.
    pub fn record(&mut self, node: &NodeEnum) {
        match node {
            NodeEnum::DropStmt(drop) if drop.missing_ok => {
                let Some(kind) = ObjectType::try_from(drop.remove_type)
                    .ok()
                    .and_then(kind_of)
                else {
                    return;
                };
                for object in &drop.objects {
                    let mut path = object_names(object);
                    let Some(name) = path.pop() else { continue };
                    let table = if on_table(kind) { path.pop() } else { None };
                    self.0.insert(ObjectKey { kind, name, table });
                }
            }
            NodeEnum::DropRoleStmt(drop) if drop.missing_ok => {
                for role in &drop.roles {
                    if let Some(NodeEnum::RoleSpec(spec)) = &role.node {
                        self.0.insert(ObjectKey::new("role", &spec.rolename, None));
                    }
                }
            }
            NodeEnum::AlterDomainStmt(alter) if alter.subtype == "X" && alter.missing_ok => {
                let domain = strings(&alter.type_name).pop();
                self.0
                    .insert(ObjectKey::new("constraint", &alter.name, domain.as_deref()));
            }
            NodeEnum::AlterTableStmt(alter) => {
                let Some(table) = alter.relation.as_ref().map(|r| r.relname.as_str()) else {
                    return;
                };
                for cmd in &alter.cmds {
                    let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node else {
                        continue;
                    };
                    if !cmd.missing_ok {
                        continue;
                    }
                    let kind = match AlterTableType::try_from(cmd.subtype) {
                        Ok(AlterTableType::AtDropConstraint) => "constraint",
                        Ok(AlterTableType::AtDropColumn) => "column",
                        _ => continue,
                    };
                    self.0.insert(ObjectKey::new(kind, &cmd.name, Some(table)));
                }
            }
            _ => {}
        }
    }
}

/// The name path of one dropped object, whatever node spells it.
fn object_names(object: &Node) -> Vec<String> {
    match &object.node {
        Some(NodeEnum::List(list)) => strings(&list.items),
        Some(NodeEnum::TypeName(type_name)) => strings(&type_name.names),
        Some(NodeEnum::ObjectWithArgs(function)) => strings(&function.objname),
        Some(NodeEnum::String(name)) => vec![name.sval.clone()],
        _ => Vec::new(),
    }
}

fn on_table(kind: &str) -> bool {
    matches!(kind, "trigger" | "policy" | "rule")
}

/// The key kind for a `DROP` object type; `None` for those no guard needs.
pub fn kind_of(object: ObjectType) -> Option<&'static str> {
    Some(match object {
        ObjectType::ObjectTable => "table",
        ObjectType::ObjectView => "view",
        ObjectType::ObjectMatview => "matview",
        ObjectType::ObjectIndex => "index",
        ObjectType::ObjectSequence => "sequence",
        ObjectType::ObjectForeignTable => "foreign table",
        ObjectType::ObjectType => "type",
        ObjectType::ObjectDomain => "domain",
        ObjectType::ObjectFunction | ObjectType::ObjectProcedure | ObjectType::ObjectRoutine => {
            "function"
        }
        ObjectType::ObjectAggregate => "aggregate",
        ObjectType::ObjectOperator => "operator",
        ObjectType::ObjectTrigger => "trigger",
        ObjectType::ObjectPolicy => "policy",
        ObjectType::ObjectRule => "rule",
        ObjectType::ObjectSchema => "schema",
        ObjectType::ObjectExtension => "extension",
        ObjectType::ObjectCollation => "collation",
        ObjectType::ObjectConversion => "conversion",
        ObjectType::ObjectPublication => "publication",
        ObjectType::ObjectEventTrigger => "event trigger",
        ObjectType::ObjectForeignServer => "server",
        ObjectType::ObjectFdw => "foreign-data wrapper",
        ObjectType::ObjectStatisticExt => "statistics",
        ObjectType::ObjectTsconfiguration => "text search configuration",
        ObjectType::ObjectTsdictionary => "text search dictionary",
        ObjectType::ObjectTsparser => "text search parser",
        ObjectType::ObjectTstemplate => "text search template",
        ObjectType::ObjectOpclass => "operator class",
        ObjectType::ObjectOpfamily => "operator family",
        ObjectType::ObjectAccessMethod => "access method",
        ObjectType::ObjectLanguage => "language",
        ObjectType::ObjectTransform => "transform",
        ObjectType::ObjectCast => "cast",
        _ => return None,
    })
}
