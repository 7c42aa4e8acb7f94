//! `CREATE TYPE` (enums, composite, range and base types), `CREATE DOMAIN`, and
//! their `ALTER`s: enum labels in PostgreSQL's order after `ADD VALUE ... BEFORE |
//! AFTER`, renamed labels, domain defaults, `NOT NULL` and checks.

use super::super::builder::{CatalogBuilder, TypeFound};
use super::super::chosen_names;
use super::super::deparse;
use super::super::identifiers::{self, quote_ident, WrittenName};
use super::super::model::{Catalog, Check, CompositeType, Domain, Enum, QualifiedName};
use super::super::name_index::RelationKind;
use super::super::problem::{Anchor, ObjectKind, Problem};
use super::super::uncertainty::Subject;
use super::super::walk;
use super::schema_anchor;
use pg_query::protobuf::{
    AlterDomainStmt, AlterEnumStmt, CompositeTypeStmt, ConstrType, Constraint, CreateDomainStmt,
    CreateEnumStmt, Node,
};
use pg_query::NodeEnum;

impl CatalogBuilder {
    /// The place of a new type, reporting a missing schema or a taken name; `None`
    /// when the statement must not create it.
    fn claim_type_name(&mut self, list: &[Node], if_not_exists: bool) -> Option<QualifiedName> {
        let written = WrittenName::of_list(list)?;
        let schema = self.schema_for_new(&written, schema_anchor(&written))?;
        let name = QualifiedName::new(&schema, &written.name);
        if self.type_at(&schema, &written.name) {
            if !if_not_exists {
                let anchor = Anchor::Name(written.name.clone());
                let problem =
                    Problem::duplicate(ObjectKind::Type, quote_ident(&written.name), anchor);
                self.report(problem, Subject::Object(&schema, &written.name));
            }
            return None;
        }
        Some(name)
    }

    pub(super) fn create_enum(&mut self, stmt: &CreateEnumStmt) {
        let Some(name) = self.claim_type_name(&stmt.type_name, false) else {
            return;
        };
        self.name_index.note_type(&name.schema, &name.name);
        self.catalog.enums.push(Enum {
            schema: name.schema,
            name: name.name,
            labels: identifiers::strings(&stmt.vals),
            comment: None,
        });
    }

    /// The enum or domain an `ALTER` names, among those `list` gives (as `(schema,
    /// name)`); when it is not there, reported unknown with their names to suggest.
    fn require_altered_type(
        &mut self,
        type_name: &[Node],
        list: fn(&Catalog) -> Vec<(&str, &str)>,
    ) -> Option<QualifiedName> {
        let written = WrittenName::of_list(type_name)?;
        let found = self.find_type(&written).filter(|q| {
            list(&self.catalog)
                .into_iter()
                .any(|(schema, name)| name == q.name && schema == q.schema)
        });
        if found.is_none() {
            let candidates: Vec<String> = list(&self.catalog)
                .into_iter()
                .map(|(_, name)| name.to_string())
                .collect();
            let problem = Problem::unknown(
                ObjectKind::Type,
                written.display(),
                Anchor::Name(written.name.clone()),
            )
            .suggest(candidates.iter().map(String::as_str));
            self.report_about(problem, &written);
        }
        found
    }

    /// Reports that the enum `name`, whose labels are `labels`, has no `label`.
    fn report_unknown_label(&mut self, name: &QualifiedName, label: &str, labels: &[String]) {
        let problem = Problem::unknown(
            ObjectKind::EnumLabel,
            format!("'{label}'"),
            Anchor::Name(label.to_string()),
        )
        .context(format!("of type `{}`", quote_ident(&name.name)))
        .suggest(labels.iter().map(String::as_str));
        self.report(problem, Subject::Object(&name.schema, &name.name));
    }

    pub(super) fn alter_enum(&mut self, stmt: &AlterEnumStmt) {
        let Some(name) = self.require_altered_type(&stmt.type_name, enums) else {
            return;
        };
        let Some(labels) = self
            .catalog
            .enums
            .iter()
            .find(|e| e.name == name.name && e.schema == name.schema)
            .map(|e| e.labels.clone())
        else {
            return;
        };
        let mut labels = labels;
        if !stmt.old_val.is_empty() {
            // RENAME VALUE old TO new
            if labels.contains(&stmt.new_val) {
                let problem = Problem::duplicate(
                    ObjectKind::EnumLabel,
                    format!("'{}'", stmt.new_val),
                    Anchor::Statement,
                )
                .context(format!("of type `{}`", quote_ident(&name.name)));
                self.report(problem, Subject::Object(&name.schema, &name.name));
                return;
            }
            match labels.iter_mut().find(|l| **l == stmt.old_val) {
                Some(label) => *label = stmt.new_val.clone(),
                None => {
                    self.report_unknown_label(&name, &stmt.old_val, &labels);
                    return;
                }
            }
        } else {
            if labels.contains(&stmt.new_val) {
                if !stmt.skip_if_new_val_exists {
                    let problem = Problem::duplicate(
                        ObjectKind::EnumLabel,
                        format!("'{}'", stmt.new_val),
                        Anchor::Statement,
                    )
                    .context(format!("of type `{}`", quote_ident(&name.name)));
                    self.report(problem, Subject::Object(&name.schema, &name.name));
                }
                return;
            }
            let position = if stmt.new_val_neighbor.is_empty() {
                Some(labels.len())
            } else {
                labels
                    .iter()
                    .position(|l| *l == stmt.new_val_neighbor)
                    .map(|i| if stmt.new_val_is_after { i + 1 } else { i })
            };
            match position {
                Some(position) => labels.insert(position, stmt.new_val.clone()),
                None => {
                    self.report_unknown_label(&name, &stmt.new_val_neighbor, &labels);
                    return;
                }
            }
        }
        if let Some(e) = self
            .catalog
            .enums
            .iter_mut()
            .find(|e| e.name == name.name && e.schema == name.schema)
        {
            e.labels = labels;
        }
    }

    pub(super) fn create_composite_type(&mut self, stmt: &CompositeTypeStmt) {
        let Some(relation) = &stmt.typevar else {
            return;
        };
        let Some((name, anchor)) = self.new_relation_name(relation) else {
            return;
        };
        if self.type_at(&name.schema, &name.name)
            || self.relation_at(&name.schema, &name.name).is_some()
        {
            let problem = Problem::duplicate(ObjectKind::Type, quote_ident(&name.name), anchor);
            self.report(problem, Subject::Object(&name.schema, &name.name));
            return;
        }
        let mut attributes = Vec::new();
        for element in &stmt.coldeflist {
            if let Some(NodeEnum::ColumnDef(def)) = &element.node {
                let mut column = self.column_spec(def).column;
                column.nullable = true;
                attributes.push(column);
            }
        }
        self.name_index
            .note_relation(&name.schema, &name.name, RelationKind::CompositeType);
        self.catalog.composite_types.push(CompositeType {
            schema: name.schema,
            name: name.name,
            attributes,
        });
    }

    /// Range, base and shell types: they exist, with no more detail.
    pub(super) fn create_other_type(&mut self, list: &[Node], if_not_exists: bool, range: bool) {
        let Some(written) = WrittenName::of_list(list) else {
            return;
        };
        let Some(schema) = self.schema_for_new(&written, schema_anchor(&written)) else {
            return;
        };
        let name = QualifiedName::new(&schema, &written.name);
        if self.type_at(&schema, &written.name) {
            // `CREATE TYPE t;` then `CREATE TYPE t (INPUT = ...)` fills in a shell.
            let is_shell = self.other_types.contains(&name);
            if !is_shell && !if_not_exists {
                let problem = Problem::duplicate(
                    ObjectKind::Type,
                    quote_ident(&written.name),
                    Anchor::Name(written.name.clone()),
                );
                self.report(problem, Subject::Object(&schema, &written.name));
            }
            return;
        }
        self.name_index.note_type(&name.schema, &name.name);
        self.other_types.push(name);
        if !range {
            return;
        }
        // A range type brings its multirange type.
        let multirange = QualifiedName::new(&schema, &format!("{}_multirange", written.name));
        if !self.type_at(&multirange.schema, &multirange.name) {
            self.name_index
                .note_type(&multirange.schema, &multirange.name);
            self.other_types.push(multirange);
        }
    }

    pub(super) fn create_domain(&mut self, stmt: &CreateDomainStmt) {
        let Some(name) = self.claim_type_name(&stmt.domainname, false) else {
            return;
        };
        let Some(type_name) = &stmt.type_name else {
            return;
        };
        let base = match self.resolve_type(type_name, false) {
            TypeFound::Found(t) | TypeFound::Uncertain(t) => t,
            TypeFound::Unknown {
                name: written,
                location,
            } => {
                let candidates = self.type_names_in_scope();
                let problem =
                    Problem::unknown(ObjectKind::Type, written.display(), Anchor::at(location))
                        .suggest(candidates.iter().map(String::as_str));
                self.report_about(problem, &written);
                return;
            }
        };
        self.name_index.note_type(&name.schema, &name.name);
        self.catalog.domains.push(Domain {
            schema: name.schema.clone(),
            name: name.name.clone(),
            type_name: base.format,
            base_type: base.base,
            array_dimensions: base.array_dimensions,
            not_null: false,
            default: None,
            checks: Vec::new(),
        });
        for node in &stmt.constraints {
            if let Some(NodeEnum::Constraint(constraint)) = &node.node {
                self.add_domain_constraint(&name, constraint);
            }
        }
    }

    fn add_domain_constraint(&mut self, domain: &QualifiedName, constraint: &Constraint) {
        let kind = ConstrType::try_from(constraint.contype).unwrap_or(ConstrType::Undefined);
        let check_name = (kind == ConstrType::ConstrCheck).then(|| {
            if constraint.conname.is_empty() {
                chosen_names::choose(&domain.name, None, "check", |n| {
                    self.constraint_name_taken(&domain.schema, n)
                })
            } else {
                constraint.conname.clone()
            }
        });
        if let Some(name) = &check_name {
            self.name_index.note_constraint(&domain.schema, name);
        }
        let Some(d) = self
            .catalog
            .domains
            .iter_mut()
            .find(|d| d.name == domain.name && d.schema == domain.schema)
        else {
            return;
        };
        match kind {
            ConstrType::ConstrNotnull => d.not_null = true,
            ConstrType::ConstrNull => d.not_null = false,
            ConstrType::ConstrDefault => {
                d.default = constraint
                    .raw_expr
                    .as_deref()
                    .filter(|e| !walk::is_null_constant(e))
                    .and_then(deparse::expression);
            }
            ConstrType::ConstrCheck => d.checks.push(Check {
                name: check_name.unwrap_or_default(),
                not_valid: constraint.skip_validation,
                expression: constraint
                    .raw_expr
                    .as_deref()
                    .and_then(deparse::expression)
                    .unwrap_or_default(),
            }),
            _ => {}
        }
    }

    pub(super) fn alter_domain(&mut self, stmt: &AlterDomainStmt) {
        let Some(domain) = self.require_altered_type(&stmt.type_name, domains) else {
            return;
        };
        match stmt.subtype.as_str() {
            "T" => {
                let default = stmt
                    .def
                    .as_deref()
                    .filter(|d| !walk::is_null_constant(d))
                    .and_then(deparse::expression);
                if let Some(d) = self.domain_mut(&domain) {
                    d.default = default;
                }
            }
            "N" => {
                if let Some(d) = self.domain_mut(&domain) {
                    d.not_null = false;
                }
            }
            "O" => {
                if let Some(d) = self.domain_mut(&domain) {
                    d.not_null = true;
                }
            }
            "C" => {
                if let Some(NodeEnum::Constraint(constraint)) =
                    stmt.def.as_deref().and_then(|d| d.node.as_ref())
                {
                    self.add_domain_constraint(&domain, constraint);
                }
            }
            "X" | "V" => {
                let exists = self
                    .catalog
                    .domains
                    .iter()
                    .find(|d| d.name == domain.name && d.schema == domain.schema)
                    .is_some_and(|d| d.checks.iter().any(|c| c.name == stmt.name));
                if !exists {
                    if !stmt.missing_ok {
                        let problem = Problem::unknown(
                            ObjectKind::Constraint,
                            quote_ident(&stmt.name),
                            Anchor::Name(stmt.name.clone()),
                        )
                        .context(format!("of domain `{}`", quote_ident(&domain.name)));
                        self.report(problem, Subject::Object(&domain.schema, &domain.name));
                    }
                    return;
                }
                if stmt.subtype == "X" {
                    if let Some(d) = self.domain_mut(&domain) {
                        d.checks.retain(|c| c.name != stmt.name);
                    }
                }
            }
            _ => {}
        }
    }

    fn domain_mut(&mut self, name: &QualifiedName) -> Option<&mut Domain> {
        self.catalog
            .domains
            .iter_mut()
            .find(|d| d.name == name.name && d.schema == name.schema)
    }
}

/// The catalog's enums, as `(schema, name)`.
fn enums(catalog: &Catalog) -> Vec<(&str, &str)> {
    catalog
        .enums
        .iter()
        .map(|e| (e.schema.as_str(), e.name.as_str()))
        .collect()
}

/// The catalog's domains, as `(schema, name)`.
fn domains(catalog: &Catalog) -> Vec<(&str, &str)> {
    catalog
        .domains
        .iter()
        .map(|d| (d.schema.as_str(), d.name.as_str()))
        .collect()
}
