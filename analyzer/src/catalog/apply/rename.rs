//! `RENAME` of relations, columns, constraints, indexes, types, domains, schemas,
//! triggers and attributes, and `SET SCHEMA`: every reference to the old name in
//! the catalog follows (foreign keys, indexes, checks, owned sequences, columns of a
//! renamed type).

use super::super::builder::CatalogBuilder;
use super::super::identifiers::{quote_ident, WrittenName};
use super::super::model::{Function, QualifiedName};
use super::super::name_index::RelationKind;
use super::super::problem::{Anchor, ObjectKind, Problem};
use super::super::type_names;
use super::super::uncertainty::Subject;
use super::super::walk;
use pg_query::protobuf::{AlterObjectSchemaStmt, Node, ObjectType, RenameStmt};
use pg_query::NodeEnum;

impl CatalogBuilder {
    /// Changes every catalog function named like `object` (the `ObjectWithArgs` of a
    /// `RENAME` or `SET SCHEMA`).
    pub(super) fn for_each_function(
        &mut self,
        object: Option<&Node>,
        mut change: impl FnMut(&mut Function),
    ) {
        let Some(NodeEnum::ObjectWithArgs(function)) = object.and_then(|o| o.node.as_ref()) else {
            return;
        };
        let Some(name) = WrittenName::of_list(&function.objname) else {
            return;
        };
        let schema = self.function_schema(&name);
        let arguments = self.signature_of(function);
        let mut changed = None;
        for f in self.catalog.functions.iter_mut().filter(|f| {
            f.name == name.name
                && f.schema == schema
                && arguments.as_ref().is_none_or(|a| *a == f.arguments)
        }) {
            change(f);
            changed = Some(QualifiedName::new(&f.schema, &f.name));
        }
        // A trigger calls its function by identity: it follows a rename or a move.
        if let Some(now) = changed {
            for t in self
                .catalog
                .triggers
                .iter_mut()
                .filter(|t| t.function.name == name.name && t.function.schema == schema)
            {
                t.function = now.clone();
            }
        }
    }

    pub(super) fn rename(&mut self, stmt: &RenameStmt) {
        if !self.rename_any(stmt) {
            self.rebuild_name_index();
        }
    }

    /// Renames; `true` when the name indexes are still right (columns, triggers and
    /// functions are in none; a table, view or sequence renamed updates its entry),
    /// `false` when they must be rebuilt.
    fn rename_any(&mut self, stmt: &RenameStmt) -> bool {
        let Ok(object_type) = ObjectType::try_from(stmt.rename_type) else {
            return true;
        };
        match object_type {
            ObjectType::ObjectTable
            | ObjectType::ObjectView
            | ObjectType::ObjectMatview
            | ObjectType::ObjectIndex
            | ObjectType::ObjectSequence
            | ObjectType::ObjectForeignTable => return self.rename_relation(stmt),
            ObjectType::ObjectColumn | ObjectType::ObjectAttribute => {
                self.rename_column(stmt);
                return true;
            }
            ObjectType::ObjectTabconstraint => self.rename_constraint(stmt),
            ObjectType::ObjectDomconstraint => self.rename_domain_constraint(stmt),
            ObjectType::ObjectType | ObjectType::ObjectDomain => self.rename_type(stmt),
            ObjectType::ObjectSchema => self.rename_schema(stmt),
            ObjectType::ObjectTrigger => {
                self.rename_trigger(stmt);
                return true;
            }
            ObjectType::ObjectFunction
            | ObjectType::ObjectProcedure
            | ObjectType::ObjectRoutine => {
                let mut renamed = Vec::new();
                self.for_each_function(stmt.object.as_deref(), |f| {
                    renamed.push(QualifiedName::new(&f.schema, &f.name));
                    f.name = stmt.newname.clone();
                });
                // Triggers call the function by its object, whatever its name.
                for trigger in self
                    .catalog
                    .triggers
                    .iter_mut()
                    .filter(|t| renamed.contains(&t.function))
                {
                    trigger.function.name = stmt.newname.clone();
                }
                return true;
            }
            _ => {}
        }
        false
    }

    /// The relation a `RENAME`/`SET SCHEMA` acts on; reports it missing unless
    /// `IF EXISTS`.
    fn renamed_relation(
        &mut self,
        stmt_relation: Option<&pg_query::protobuf::RangeVar>,
        missing_ok: bool,
    ) -> Option<(QualifiedName, RelationKind)> {
        let relation = stmt_relation?;
        let written = WrittenName::of_range_var(relation);
        match self.find_relation(&written) {
            Some(found) => Some(found),
            None if missing_ok => None,
            None => self.require_written_relation(&written, Anchor::at(relation.location)),
        }
    }

    /// Reports that the name a rename or move gives is already taken by a `kind`.
    fn report_taken(&mut self, kind: ObjectKind, name: &QualifiedName) {
        let problem = Problem::duplicate(
            kind,
            quote_ident(&name.name),
            Anchor::Name(name.name.clone()),
        );
        self.report(problem, Subject::Object(&name.schema, &name.name));
    }

    /// The type or domain a `RENAME` or `SET SCHEMA` acts on, named by the list in
    /// `object`; reported missing unless `missing_ok` (with the types in scope to
    /// suggest when `suggest`).
    fn moved_type(
        &mut self,
        object: Option<&Node>,
        missing_ok: bool,
        suggest: bool,
    ) -> Option<QualifiedName> {
        let written = written_list(object)?;
        let found = self.find_type(&written);
        if found.is_none() && !missing_ok {
            let mut problem = Problem::unknown(
                ObjectKind::Type,
                written.display(),
                Anchor::Name(written.name.clone()),
            );
            if suggest {
                let candidates = self.type_names_in_scope();
                problem = problem.suggest(candidates.iter().map(String::as_str));
            }
            self.report_about(problem, &written);
        }
        found
    }

    /// A view or materialized view renamed or moved to another schema.
    fn move_view(&mut self, old: &QualifiedName, new: &QualifiedName) {
        if let Some(v) = self.view_mut(old) {
            v.schema = new.schema.clone();
            v.name = new.name.clone();
        }
        self.relation_renamed(old, new);
    }

    /// Renames a relation; `true` when the name indexes are still right (see
    /// `rename_any`).
    fn rename_relation(&mut self, stmt: &RenameStmt) -> bool {
        let Some((old, kind)) = self.renamed_relation(stmt.relation.as_ref(), stmt.missing_ok)
        else {
            return true;
        };
        let new = QualifiedName::new(&old.schema, &stmt.newname);
        if self.relation_at(&new.schema, &new.name).is_some() {
            self.report_taken(ObjectKind::Relation, &new);
            return true;
        }
        match kind {
            RelationKind::Table | RelationKind::Temporary => self.rename_table(&old, &new),
            RelationKind::View | RelationKind::MaterializedView => self.move_view(&old, &new),
            // An index may be a constraint's, which is renamed with it.
            RelationKind::Index => {
                self.rename_index(&old, &new.name);
                return false;
            }
            RelationKind::Sequence => self.rename_sequence(&old, &new),
            _ => return false,
        }
        if kind != RelationKind::Temporary {
            self.name_index.note_relation(&new.schema, &new.name, kind);
        }
        true
    }

    fn rename_table(&mut self, old: &QualifiedName, new: &QualifiedName) {
        if let Some(t) = self.table_mut(old) {
            t.name = new.name.clone();
        }
        let old_prefix = format!("{}.{}.", old.schema, old.name);
        let new_prefix = format!("{}.{}.", new.schema, new.name);
        for s in self.catalog.sequences.iter_mut() {
            if let Some(owner) = s.owned_by.as_mut() {
                if let Some(column) = owner.strip_prefix(&old_prefix) {
                    *owner = format!("{new_prefix}{column}");
                }
            }
        }
        self.relation_renamed(old, new);
    }

    /// Every reference to a relation follows its new name.
    fn relation_renamed(&mut self, old: &QualifiedName, new: &QualifiedName) {
        for t in self.catalog.tables.iter_mut() {
            for key in t.foreign_keys.iter_mut().filter(|k| &k.references == old) {
                key.references = new.clone();
            }
            for parent in t.inherits.iter_mut().filter(|p| *p == old) {
                *parent = new.clone();
            }
            if t.partition_of.as_ref() == Some(old) {
                t.partition_of = Some(new.clone());
            }
        }
        for trigger in self.catalog.triggers.iter_mut().filter(|t| &t.table == old) {
            trigger.table = new.clone();
        }
        for sources in self.view_sources.values_mut() {
            for source in sources.iter_mut().filter(|s| *s == old) {
                *source = new.clone();
            }
        }
        if let Some(sources) = self.view_sources.remove(old) {
            self.view_sources.insert(new.clone(), sources);
        }
        self.uncertainty.renamed(old, new);
        // A relation's row type is a type: columns of it follow too.
        self.type_renamed(old, new);
    }

    fn rename_index(&mut self, old: &QualifiedName, new_name: &str) {
        for t in self
            .catalog
            .tables
            .iter_mut()
            .filter(|t| t.schema == old.schema)
        {
            for index in t.indexes.iter_mut().filter(|i| i.name == old.name) {
                index.name = new_name.to_string();
            }
            // Renaming a key's index renames the constraint.
            for key in t.primary_key.iter_mut().chain(t.unique.iter_mut()) {
                if key.name == old.name {
                    key.name = new_name.to_string();
                }
            }
        }
        for v in self
            .catalog
            .views
            .iter_mut()
            .filter(|v| v.schema == old.schema)
        {
            for index in v.indexes.iter_mut().filter(|i| i.name == old.name) {
                index.name = new_name.to_string();
            }
        }
    }

    fn rename_sequence(&mut self, old: &QualifiedName, new: &QualifiedName) {
        for s in self.catalog.sequences.iter_mut() {
            if s.name == old.name && s.schema == old.schema {
                s.name = new.name.clone();
            }
        }
        // Defaults hold the sequence's OID: they print its new name.
        let old_literal = super::columns::regclass_literal(old);
        let new_literal = super::columns::regclass_literal(new);
        for t in self.catalog.tables.iter_mut() {
            for c in t.columns.iter_mut() {
                if let Some(default) = c.default.as_mut() {
                    if default.contains(&old_literal) {
                        *default = default.replace(&old_literal, &new_literal);
                    }
                }
            }
        }
    }

    fn rename_column(&mut self, stmt: &RenameStmt) {
        let Some((table, kind)) = self.renamed_relation(stmt.relation.as_ref(), stmt.missing_ok)
        else {
            return;
        };
        let (old, new) = (stmt.subname.as_str(), stmt.newname.as_str());
        match kind {
            RelationKind::View | RelationKind::MaterializedView => {
                let Some(view) = self.view_mut(&table) else {
                    return;
                };
                match view.columns.iter_mut().find(|c| c.name == old) {
                    Some(column) => column.name = new.to_string(),
                    None => {
                        let known: Vec<String> =
                            view.columns.iter().map(|c| c.name.clone()).collect();
                        self.report_unknown_column(
                            &table,
                            old,
                            &known,
                            Anchor::Name(old.to_string()),
                        );
                    }
                }
            }
            RelationKind::CompositeType => {
                if let Some(a) = self
                    .composite_mut(&table)
                    .and_then(|t| t.attributes.iter_mut().find(|a| a.name == old))
                {
                    a.name = new.to_string();
                }
            }
            RelationKind::Table | RelationKind::Temporary => {
                if !self.column_exists(&table, old) {
                    self.with_column(&table, old, |_| {});
                    return;
                }
                if self.column_exists(&table, new) {
                    let problem = Problem::duplicate(
                        ObjectKind::Column,
                        quote_ident(new),
                        Anchor::Name(new.to_string()),
                    )
                    .context(format!("of relation `{}`", quote_ident(&table.name)));
                    self.report(problem, Subject::Object(&table.schema, &table.name));
                    return;
                }
                let mut tables = vec![table.clone()];
                tables.extend(self.children_of(&table));
                for name in &tables {
                    self.rename_table_column(name, old, new);
                }
            }
            _ => {}
        }
    }

    /// Renames a column of one table and every reference to it.
    fn rename_table_column(&mut self, table: &QualifiedName, old: &str, new: &str) {
        let rename = |list: &mut Vec<String>| {
            for c in list.iter_mut().filter(|c| *c == old) {
                *c = new.to_string();
            }
        };
        if let Some(t) = self.table_mut(table) {
            for c in t.columns.iter_mut() {
                if c.name == old {
                    c.name = new.to_string();
                }
                if let Some(generated) = c.generated.as_mut() {
                    *generated = walk::rename_in(generated, old, new);
                }
            }
            for key in t.primary_key.iter_mut().chain(t.unique.iter_mut()) {
                rename(&mut key.columns);
            }
            for key in t.foreign_keys.iter_mut() {
                rename(&mut key.columns);
            }
            for index in t.indexes.iter_mut() {
                for column in index.columns.iter_mut() {
                    *column = if column == old {
                        new.to_string()
                    } else {
                        walk::rename_in(column, old, new)
                    };
                }
                if let Some(predicate) = index.predicate.as_mut() {
                    *predicate = walk::rename_in(predicate, old, new);
                }
            }
            for check in t.checks.iter_mut() {
                check.expression = walk::rename_in(&check.expression, old, new);
            }
        }
        for t in self.catalog.tables.iter_mut() {
            for key in t.foreign_keys.iter_mut().filter(|k| &k.references == table) {
                rename(&mut key.referenced_columns);
            }
        }
        let old_owner = super::columns::owner(table, old);
        for s in self.catalog.sequences.iter_mut() {
            if s.owned_by.as_deref() == Some(old_owner.as_str()) {
                s.owned_by = Some(super::columns::owner(table, new));
            }
        }
    }

    fn rename_constraint(&mut self, stmt: &RenameStmt) {
        let Some((table, _)) = self.renamed_relation(stmt.relation.as_ref(), stmt.missing_ok)
        else {
            return;
        };
        let (old, new) = (stmt.subname.as_str(), stmt.newname.as_str());
        if !self.require_constraint(&table, old) {
            return;
        }
        let Some(t) = self.table_mut(&table) else {
            return;
        };
        let mut renames_index = false;
        for key in t.primary_key.iter_mut().chain(t.unique.iter_mut()) {
            if key.name == old {
                key.name = new.to_string();
                renames_index = true;
            }
        }
        for key in t.foreign_keys.iter_mut().filter(|k| k.name == old) {
            key.name = new.to_string();
        }
        for check in t.checks.iter_mut().filter(|c| c.name == old) {
            check.name = new.to_string();
        }
        if renames_index {
            for index in t.indexes.iter_mut().filter(|i| i.name == old) {
                index.name = new.to_string();
            }
        }
    }

    fn rename_domain_constraint(&mut self, stmt: &RenameStmt) {
        let Some(written) = written_list(stmt.object.as_deref()) else {
            return;
        };
        for d in self
            .catalog
            .domains
            .iter_mut()
            .filter(|d| d.name == written.name)
        {
            for check in d.checks.iter_mut().filter(|c| c.name == stmt.subname) {
                check.name = stmt.newname.clone();
            }
        }
    }

    fn rename_type(&mut self, stmt: &RenameStmt) {
        let Some(old) = self.moved_type(stmt.object.as_deref(), stmt.missing_ok, true) else {
            return;
        };
        let new = QualifiedName::new(&old.schema, &stmt.newname);
        if self.type_at(&new.schema, &new.name) {
            self.report_taken(ObjectKind::Type, &new);
            return;
        }
        let c = &mut self.catalog;
        for e in c
            .enums
            .iter_mut()
            .filter(|e| e.name == old.name && e.schema == old.schema)
        {
            e.name = new.name.clone();
        }
        for d in c
            .domains
            .iter_mut()
            .filter(|d| d.name == old.name && d.schema == old.schema)
        {
            d.name = new.name.clone();
        }
        for t in c
            .composite_types
            .iter_mut()
            .filter(|t| t.name == old.name && t.schema == old.schema)
        {
            t.name = new.name.clone();
        }
        for t in self.other_types.iter_mut().filter(|t| **t == old) {
            *t = new.clone();
        }
        self.uncertainty.renamed(&old, &new);
        self.type_renamed(&old, &new);
    }

    /// Finds a user type by its written name.
    pub(super) fn find_type(&self, written: &WrittenName) -> Option<QualifiedName> {
        match &written.schema {
            Some(schema) => self
                .type_at(schema, &written.name)
                .then(|| QualifiedName::new(schema, &written.name)),
            None => self
                .lookup_path()
                .into_iter()
                .find(|s| self.type_at(s, &written.name))
                .map(|s| QualifiedName::new(&s, &written.name)),
        }
    }

    /// Columns, attributes and domains of a renamed or moved type print its new name.
    pub(super) fn type_renamed(&mut self, old: &QualifiedName, new: &QualifiedName) {
        let c = &mut self.catalog;
        let columns = c
            .tables
            .iter_mut()
            .flat_map(|t| t.columns.iter_mut())
            .chain(
                c.composite_types
                    .iter_mut()
                    .flat_map(|t| t.attributes.iter_mut()),
            );
        for column in columns.filter(|column| column.base_type == *old) {
            let t = type_names::user_type(new, column.array_dimensions);
            column.type_name = t.format;
            column.base_type = t.base;
        }
        for view in c.views.iter_mut() {
            for column in view.columns.iter_mut() {
                if column.base_type.as_ref() == Some(old) {
                    let t = type_names::user_type(new, column.array_dimensions);
                    column.type_name = Some(t.format);
                    column.base_type = Some(t.base);
                }
            }
        }
        for domain in c.domains.iter_mut().filter(|d| d.base_type == *old) {
            let t = type_names::user_type(new, domain.array_dimensions);
            domain.type_name = t.format;
            domain.base_type = t.base;
        }
    }

    fn rename_schema(&mut self, stmt: &RenameStmt) {
        let (old, new) = (stmt.subname.clone(), stmt.newname.clone());
        if !self.catalog.schemas.contains(&old) {
            self.report_unknown_schema(&old, Anchor::Name(old.clone()));
            return;
        }
        if self.schema_exists(&new) {
            let problem = Problem::duplicate(
                ObjectKind::Schema,
                quote_ident(&new),
                Anchor::Name(new.clone()),
            );
            self.report(problem, Subject::Schema(&new));
            return;
        }
        for s in self.catalog.schemas.iter_mut().filter(|s| **s == old) {
            *s = new.clone();
        }
        let moved: Vec<(QualifiedName, QualifiedName)> = self
            .catalog
            .tables
            .iter()
            .filter(|t| t.schema == old)
            .map(|t| {
                (
                    QualifiedName::new(&old, &t.name),
                    QualifiedName::new(&new, &t.name),
                )
            })
            .chain(
                self.catalog
                    .views
                    .iter()
                    .filter(|v| v.schema == old)
                    .map(|v| {
                        (
                            QualifiedName::new(&old, &v.name),
                            QualifiedName::new(&new, &v.name),
                        )
                    }),
            )
            .collect();
        let types: Vec<(QualifiedName, QualifiedName)> = self
            .catalog
            .enums
            .iter()
            .map(|e| (e.schema.clone(), e.name.clone()))
            .chain(
                self.catalog
                    .domains
                    .iter()
                    .map(|d| (d.schema.clone(), d.name.clone())),
            )
            .chain(
                self.catalog
                    .composite_types
                    .iter()
                    .map(|t| (t.schema.clone(), t.name.clone())),
            )
            .filter(|(s, _)| *s == old)
            .map(|(_, n)| (QualifiedName::new(&old, &n), QualifiedName::new(&new, &n)))
            .collect();
        self.move_schema_contents(&old, &new);
        for (from, to) in moved {
            self.relation_renamed(&from, &to);
        }
        for (from, to) in types {
            self.type_renamed(&from, &to);
        }
    }

    fn move_schema_contents(&mut self, old: &str, new: &str) {
        let c = &mut self.catalog;
        let fix = |schema: &mut String| {
            if schema == old {
                *schema = new.to_string();
            }
        };
        c.tables.iter_mut().for_each(|t| fix(&mut t.schema));
        c.views.iter_mut().for_each(|v| fix(&mut v.schema));
        c.enums.iter_mut().for_each(|e| fix(&mut e.schema));
        c.domains.iter_mut().for_each(|d| fix(&mut d.schema));
        c.composite_types
            .iter_mut()
            .for_each(|t| fix(&mut t.schema));
        c.sequences.iter_mut().for_each(|s| fix(&mut s.schema));
        c.functions.iter_mut().for_each(|f| fix(&mut f.schema));
        c.extensions.iter_mut().for_each(|e| fix(&mut e.schema));
        let old_prefix = format!("{old}.");
        for s in c.sequences.iter_mut() {
            if let Some(owner) = s.owned_by.as_mut() {
                if let Some(rest) = owner.strip_prefix(&old_prefix) {
                    *owner = format!("{new}.{rest}");
                }
            }
        }
        self.other_types.iter_mut().for_each(|t| fix(&mut t.schema));
    }

    fn rename_trigger(&mut self, stmt: &RenameStmt) {
        let Some((table, _)) = self.renamed_relation(stmt.relation.as_ref(), stmt.missing_ok)
        else {
            return;
        };
        for t in self
            .catalog
            .triggers
            .iter_mut()
            .filter(|t| t.table == table && t.name == stmt.subname)
        {
            t.name = stmt.newname.clone();
        }
    }

    /// `ALTER ... SET SCHEMA`.
    pub(super) fn set_schema(&mut self, stmt: &AlterObjectSchemaStmt) {
        self.move_to_schema(stmt);
        self.rebuild_name_index();
    }

    fn move_to_schema(&mut self, stmt: &AlterObjectSchemaStmt) {
        let Ok(object_type) = ObjectType::try_from(stmt.object_type) else {
            return;
        };
        let new_schema = stmt.newschema.clone();
        if !self.schema_exists(&new_schema) {
            self.report_unknown_schema(&new_schema, Anchor::Name(new_schema.clone()));
            return;
        }
        match object_type {
            ObjectType::ObjectTable
            | ObjectType::ObjectView
            | ObjectType::ObjectMatview
            | ObjectType::ObjectSequence
            | ObjectType::ObjectForeignTable => {
                let Some((old, kind)) =
                    self.renamed_relation(stmt.relation.as_ref(), stmt.missing_ok)
                else {
                    return;
                };
                let new = QualifiedName::new(&new_schema, &old.name);
                // A move within its own schema does nothing; into another, the name
                // must be free there.
                if new.schema != old.schema && self.relation_at(&new.schema, &new.name).is_some() {
                    self.report_taken(ObjectKind::Relation, &new);
                    return;
                }
                match kind {
                    RelationKind::Table => {
                        if let Some(t) = self.table_mut(&old) {
                            t.schema = new_schema.clone();
                        }
                        let prefix = format!("{}.{}.", old.schema, old.name);
                        for s in self.catalog.sequences.iter_mut() {
                            if s.owned_by
                                .as_deref()
                                .is_some_and(|o| o.starts_with(&prefix))
                            {
                                s.schema = new_schema.clone();
                                s.owned_by = s
                                    .owned_by
                                    .as_deref()
                                    .and_then(|o| o.strip_prefix(&prefix))
                                    .map(|column| format!("{}.{}.{column}", new_schema, old.name));
                            }
                        }
                        self.relation_renamed(&old, &new);
                    }
                    RelationKind::View | RelationKind::MaterializedView => {
                        self.move_view(&old, &new)
                    }
                    RelationKind::Sequence => {
                        for s in self.catalog.sequences.iter_mut() {
                            if s.name == old.name && s.schema == old.schema {
                                s.schema = new_schema.clone();
                            }
                        }
                    }
                    _ => {}
                }
            }
            ObjectType::ObjectType | ObjectType::ObjectDomain => {
                let Some(old) = self.moved_type(stmt.object.as_deref(), stmt.missing_ok, false)
                else {
                    return;
                };
                let new = QualifiedName::new(&new_schema, &old.name);
                let c = &mut self.catalog;
                for e in c
                    .enums
                    .iter_mut()
                    .filter(|e| e.name == old.name && e.schema == old.schema)
                {
                    e.schema = new_schema.clone();
                }
                for d in c
                    .domains
                    .iter_mut()
                    .filter(|d| d.name == old.name && d.schema == old.schema)
                {
                    d.schema = new_schema.clone();
                }
                for t in c
                    .composite_types
                    .iter_mut()
                    .filter(|t| t.name == old.name && t.schema == old.schema)
                {
                    t.schema = new_schema.clone();
                }
                self.type_renamed(&old, &new);
            }
            ObjectType::ObjectFunction
            | ObjectType::ObjectProcedure
            | ObjectType::ObjectRoutine => {
                self.for_each_function(stmt.object.as_deref(), |f| {
                    f.schema = new_schema.clone();
                });
            }
            ObjectType::ObjectExtension => {
                if let Some(NodeEnum::String(name)) =
                    stmt.object.as_deref().and_then(|o| o.node.as_ref())
                {
                    for e in self
                        .catalog
                        .extensions
                        .iter_mut()
                        .filter(|e| e.name == name.sval)
                    {
                        e.schema = new_schema.clone();
                    }
                }
            }
            _ => {}
        }
    }
}

/// The name a `RENAME` or `SET SCHEMA` of a type or domain gives as a list of strings.
fn written_list(object: Option<&Node>) -> Option<WrittenName> {
    let Some(NodeEnum::List(list)) = object.and_then(|o| o.node.as_ref()) else {
        return None;
    };
    WrittenName::of_list(&list.items)
}
