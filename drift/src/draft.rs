//! A draft migration that brings a drifted database back to what the migrations
//! build: what is missing is created, what is extra dropped, what differs altered,
//! every statement in its phase so that an object comes after what it needs.
//! [`squash`](crate::squash()) writes the same statements for a whole catalog.

use crate::ddl::{self, qualified};
use crate::difference::{Change, Difference, ObjectKind};
use pgstrata_analyzer::catalog::{
    quote_ident, Catalog, CompositeType, Domain, Enum, Function, QualifiedName, Sequence, Table,
    TableKind, View,
};
use std::collections::BTreeSet;

/// When a statement runs: drops first (dependents before what they depend on), then
/// creations (what is depended on first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    DropTrigger,
    DropView,
    DropForeignKey,
    DropConstraint,
    DropIndex,
    DropColumn,
    DropTable,
    DropSequence,
    DropFunction,
    DropType,
    DropExtension,
    DropSchema,
    Schema,
    Extension,
    Type,
    Function,
    Sequence,
    Table,
    Column,
    /// A type the database's columns used until the `Column` phase changed them.
    DropReplacedType,
    /// A function whose arguments or result are a table's row type.
    RowTypeFunction,
    SequenceOwner,
    Key,
    Index,
    ForeignKey,
    View,
    ViewIndex,
    Trigger,
    Comment,
}

/// Statements collected in any order, written out by phase (in the order they were
/// added within a phase).
#[derive(Debug, Default)]
pub(crate) struct Script {
    statements: Vec<(Phase, String)>,
    /// What the reader must decide or do by hand.
    notes: Vec<String>,
}

impl Script {
    pub(crate) fn add(&mut self, phase: Phase, statement: impl Into<String>) {
        let statement = statement.into();
        if !self.statements.iter().any(|(_, s)| *s == statement) {
            self.statements.push((phase, statement));
        }
    }

    fn add_all(&mut self, phase: Phase, statements: impl IntoIterator<Item = String>) {
        for statement in statements {
            self.add(phase, statement);
        }
    }

    /// A statement, or the comment saying why it could not be written.
    fn add_or_note(&mut self, phase: Phase, statement: Result<String, String>) {
        match statement {
            Ok(statement) => self.add(phase, statement),
            Err(note) => self.note(note),
        }
    }

    pub(crate) fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    pub(crate) fn render(mut self, header: &str) -> String {
        self.statements.sort_by_key(|(phase, _)| *phase);
        let mut out = String::from(header);
        if !self.notes.is_empty() {
            out.push_str("--\n-- To decide or do by hand:\n");
            for note in &self.notes {
                for line in note.lines() {
                    let line = line.strip_prefix("-- ").unwrap_or(line);
                    out.push_str(&format!("--   {line}\n"));
                }
            }
        }
        out.push('\n');
        // A function's body may name a table created further down.
        out.push_str("SET check_function_bodies = false;\n\n");
        for (_, statement) in &self.statements {
            out.push_str(statement);
            out.push('\n');
        }
        out.push_str("\nRESET check_function_bodies;\n");
        out
    }
}

const DRAFT_HEADER: &str = "\
-- DRAFT migration written by `pgstrata drift`: review it before applying it.
-- It brings the database back to the schema its applied migrations build: it creates
-- what is missing, drops what is extra (with the data it holds) and alters what
-- differs. It never drops the database or the schema public.
";

/// A migration that brings the database back to `expected` (what the migrations
/// build), given the differences the drift check found.
pub fn draft(expected: &Catalog, differences: &[Difference]) -> String {
    let mut script = Script::default();
    let mut planner = Planner {
        expected,
        differences,
        script: &mut script,
    };
    for difference in differences {
        planner.difference(difference);
    }
    if differences.is_empty() {
        return format!("{DRAFT_HEADER}-- No drift: nothing to do.\n");
    }
    script.render(DRAFT_HEADER)
}

/// Every statement that creates `catalog`'s objects, into `script`.
pub(crate) fn create_everything(catalog: &Catalog, script: &mut Script) {
    for schema in catalog.schemas.iter().filter(|s| *s != "public") {
        script.add(Phase::Schema, ddl::create_schema(schema));
    }
    for extension in &catalog.extensions {
        script.add(Phase::Extension, ddl::create_extension(extension));
    }
    for e in &catalog.enums {
        create_enum(script, e);
    }
    for d in &catalog.domains {
        script.add(Phase::Type, ddl::create_domain(d));
    }
    for t in &catalog.composite_types {
        script.add(Phase::Type, ddl::create_composite_type(t));
    }
    for f in &catalog.functions {
        create_function(catalog, script, f);
    }
    for s in &catalog.sequences {
        create_sequence(catalog, script, s);
    }
    for t in &catalog.tables {
        let uncertain = catalog
            .uncertain
            .iter()
            .find(|u| u.name == format!("{}.{}", t.schema, t.name));
        match uncertain {
            Some(u) => script.note(format!(
                "{}: the catalog could not follow it ({}); create it by hand.",
                qualified(&t.schema, &t.name),
                u.reason
            )),
            None => create_table(catalog, script, t, false),
        }
    }
    for v in &catalog.views {
        create_view(script, v);
    }
}

fn create_enum(script: &mut Script, e: &Enum) {
    script.add(Phase::Type, ddl::create_enum(e));
    if let Some(text) = &e.comment {
        let name = qualified(&e.schema, &e.name);
        script.add(Phase::Comment, ddl::comment("TYPE", &name, Some(text)));
    }
}

/// Whether a type, as a signature writes it, is a table's or view's row type.
fn is_row_type(catalog: &Catalog, type_name: &str) -> bool {
    let bare = type_name
        .trim_start_matches("SETOF ")
        .trim_end_matches("[]")
        .trim_matches('"');
    let (schema, name) = match bare.split_once('.') {
        Some((schema, name)) => (Some(schema.trim_matches('"')), name.trim_matches('"')),
        None => (None, bare),
    };
    let matches = |s: &str, n: &str| n == name && schema.is_none_or(|schema| schema == s);
    catalog.tables.iter().any(|t| matches(&t.schema, &t.name))
        || catalog.views.iter().any(|v| matches(&v.schema, &v.name))
}

fn create_function(catalog: &Catalog, script: &mut Script, f: &Function) {
    let row_type = f
        .arguments
        .iter()
        .chain(&f.returns)
        .any(|t| is_row_type(catalog, t));
    let phase = if row_type {
        Phase::RowTypeFunction
    } else {
        Phase::Function
    };
    script.add_or_note(phase, ddl::create_function(f));
    if let Some(text) = &f.comment {
        let what = if f.procedure { "PROCEDURE" } else { "FUNCTION" };
        script.add(
            Phase::Comment,
            ddl::comment(what, &ddl::function_signature(f), Some(text)),
        );
    }
}

/// A sequence and, after its table, its owner; an identity column's comes with it.
fn create_sequence(catalog: &Catalog, script: &mut Script, s: &Sequence) {
    if ddl::is_identity_sequence(catalog, s) {
        return;
    }
    script.add(Phase::Sequence, ddl::create_sequence(catalog, s));
    if let Some(owned) = ddl::sequence_owned_by(s) {
        script.add(Phase::SequenceOwner, owned);
    }
}

/// A table with everything on it; `with_sequences` also creates the sequences its
/// columns own (gone with the table when it was dropped).
fn create_table(catalog: &Catalog, script: &mut Script, t: &Table, with_sequences: bool) {
    match ddl::create_table(catalog, t) {
        Ok(sql) => script.add(Phase::Table, sql),
        Err(note) => {
            script.note(note);
            return;
        }
    }
    if with_sequences {
        let prefix = format!("{}.{}.", t.schema, t.name);
        for s in catalog.sequences.iter().filter(|s| {
            s.owned_by
                .as_deref()
                .is_some_and(|o| o.starts_with(&prefix))
        }) {
            create_sequence(catalog, script, s);
        }
    }
    script.add_all(Phase::Key, ddl::table_keys(t));
    let relation = QualifiedName {
        schema: t.schema.clone(),
        name: t.name.clone(),
    };
    for index in t.indexes.iter().filter(|i| !ddl::is_key_index(t, i)) {
        script.add_or_note(Phase::Index, ddl::create_index(&relation, index));
    }
    for key in &t.foreign_keys {
        script.add(Phase::ForeignKey, ddl::add_foreign_key(t, key));
    }
    for trigger in catalog.triggers.iter().filter(|tr| tr.table == relation) {
        script.add_or_note(Phase::Trigger, ddl::create_trigger(trigger));
    }
    script.add_all(Phase::Comment, ddl::table_comments(t));
}

fn create_view(script: &mut Script, v: &View) {
    script.add_or_note(Phase::View, ddl::create_view(v));
    let relation = QualifiedName {
        schema: v.schema.clone(),
        name: v.name.clone(),
    };
    for index in &v.indexes {
        script.add_or_note(Phase::ViewIndex, ddl::create_index(&relation, index));
    }
    script.add_all(Phase::Comment, ddl::view_comments(v));
}

/// `schema.name` split at its first dot.
fn split(name: &str) -> (&str, &str) {
    name.split_once('.').unwrap_or(("public", name))
}

/// A function as reported, `schema.name(argument types)`, quoted for `DROP ROUTINE`.
fn routine(object: &str) -> String {
    let (head, arguments) = object
        .split_once('(')
        .map_or((object, ")"), |(h, a)| (h, a));
    let (schema, name) = split(head);
    format!("{}({arguments}", qualified(schema, name))
}

fn same(schema: &str, name: &str, object: &str) -> bool {
    let (s, n) = split(object);
    s == schema && n == name
}

fn find_table<'a>(catalog: &'a Catalog, name: &str) -> Option<&'a Table> {
    catalog
        .tables
        .iter()
        .find(|t| same(&t.schema, &t.name, name))
}

fn find_view<'a>(catalog: &'a Catalog, name: &str) -> Option<&'a View> {
    catalog
        .views
        .iter()
        .find(|v| same(&v.schema, &v.name, name))
}

/// A function as reported: `schema.name(argument types)`.
fn find_function<'a>(catalog: &'a Catalog, object: &str) -> Option<&'a Function> {
    let exact = catalog.functions.iter().find(|f| {
        format!("{}.{}({})", f.schema, f.name, f.arguments.join(", ")) == object
            || format!("{}.{}", f.schema, f.name) == object
    });
    // The migration may spell an argument's type otherwise (`varchar(20)` for
    // `character varying`): the only function of that name is the one.
    exact.or_else(|| {
        let head = object.split_once('(').map_or(object, |(head, _)| head);
        let mut named = catalog
            .functions
            .iter()
            .filter(|f| format!("{}.{}", f.schema, f.name) == head);
        match (named.next(), named.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    })
}

struct Planner<'a> {
    expected: &'a Catalog,
    differences: &'a [Difference],
    script: &'a mut Script,
}

impl<'a> Planner<'a> {
    /// Whether the check reports the object with `change` (as `Missing`/`Extra`).
    fn reported(
        &self,
        kind: ObjectKind,
        object: &str,
        table: Option<&str>,
        change: &Change,
    ) -> bool {
        self.differences.iter().any(|d| {
            d.kind == kind
                && d.object == object
                && d.change == *change
                && table.is_none_or(|t| d.table.as_deref() == Some(t))
        })
    }

    fn difference(&mut self, d: &Difference) {
        match &d.change {
            Change::Missing => self.missing(d),
            Change::Extra => self.extra(d),
            Change::Different {
                property,
                expected,
                actual,
            } => self.different(d, property, expected, actual),
        }
    }

    fn unknown(&mut self, d: &Difference) {
        self.script.note(format!(
            "{} {}: the migrations' catalog does not hold it as reported; reconcile it by hand.",
            d.kind.as_str(),
            d.object
        ));
    }

    fn missing(&mut self, d: &Difference) {
        let expected = self.expected;
        let table = d.table.as_deref();
        match d.kind {
            ObjectKind::Schema => self
                .script
                .add(Phase::Schema, ddl::create_schema(&d.object)),
            ObjectKind::Extension => {
                match expected.extensions.iter().find(|e| e.name == d.object) {
                    Some(e) => self.script.add(Phase::Extension, ddl::create_extension(e)),
                    None => self.unknown(d),
                }
            }
            ObjectKind::Table => match find_table(self.expected, &d.object) {
                Some(t) => {
                    create_table(expected, self.script, t, true);
                    // A view the database still has while this table is missing reads
                    // another (the table renamed): it is dropped and created again.
                    let read = BTreeSet::from([t.name.clone()]);
                    for v in self.views_reading(read) {
                        self.recreate_view(v);
                    }
                }
                None => self.unknown(d),
            },
            ObjectKind::View | ObjectKind::MaterializedView => {
                match find_view(self.expected, &d.object) {
                    Some(v) => create_view(self.script, v),
                    None => self.unknown(d),
                }
            }
            ObjectKind::Column
                if table.and_then(|t| find_view(self.expected, t)).is_some()
                    && table.and_then(|t| find_table(self.expected, t)).is_none() =>
            {
                if let Some(v) = table.and_then(|t| find_view(self.expected, t)) {
                    self.recreate_view(v);
                }
            }
            ObjectKind::Column => {
                let found = table
                    .and_then(|t| find_table(self.expected, t))
                    .and_then(|t| {
                        let column = d
                            .object
                            .strip_prefix(&format!("{}.{}.", t.schema, t.name))?;
                        Some((t, t.columns.iter().find(|c| c.name == column)?))
                    });
                match found {
                    Some((t, c)) => {
                        self.script
                            .add(Phase::Column, ddl::add_column(expected, t, c));
                        let owner = format!("{}.{}.{}", t.schema, t.name, c.name);
                        if let Some(text) = &c.comment {
                            let name = format!(
                                "{}.{}",
                                qualified(&t.schema, &t.name),
                                quote_ident(&c.name)
                            );
                            self.script
                                .add(Phase::Comment, ddl::comment("COLUMN", &name, Some(text)));
                        }
                        // A serial column's sequence went with the column.
                        for s in expected
                            .sequences
                            .iter()
                            .filter(|s| s.owned_by.as_deref() == Some(owner.as_str()))
                        {
                            create_sequence(expected, self.script, s);
                        }
                    }
                    None => self.unknown(d),
                }
            }
            ObjectKind::Constraint => self.missing_constraint(d),
            ObjectKind::Index => {
                let (schema, name) = split(&d.object);
                let on_table = table.and_then(|t| find_table(self.expected, t));
                if let Some(t) = on_table {
                    match t
                        .indexes
                        .iter()
                        .find(|i| i.name == name && t.schema == schema)
                    {
                        // A key's index comes with its constraint.
                        Some(i) if ddl::is_key_index(t, i) => {
                            if let Some(key) = t.primary_key.iter().find(|k| k.name == i.name) {
                                self.script.add(Phase::Key, ddl::add_primary_key(t, key));
                            } else if let Some(key) = t.unique.iter().find(|k| k.name == i.name) {
                                self.script.add(Phase::Key, ddl::add_unique(t, key));
                            }
                        }
                        Some(i) => {
                            let relation = QualifiedName {
                                schema: t.schema.clone(),
                                name: t.name.clone(),
                            };
                            self.script
                                .add_or_note(Phase::Index, ddl::create_index(&relation, i));
                        }
                        None => self.unknown(d),
                    }
                } else if let Some(v) = table.and_then(|t| find_view(self.expected, t)) {
                    match v.indexes.iter().find(|i| i.name == name) {
                        Some(i) => {
                            let relation = QualifiedName {
                                schema: v.schema.clone(),
                                name: v.name.clone(),
                            };
                            self.script
                                .add_or_note(Phase::ViewIndex, ddl::create_index(&relation, i));
                        }
                        None => self.unknown(d),
                    }
                } else {
                    self.unknown(d);
                }
            }
            ObjectKind::Enum => match expected
                .enums
                .iter()
                .find(|e| same(&e.schema, &e.name, &d.object))
            {
                Some(e) => create_enum(self.script, e),
                None => self.unknown(d),
            },
            ObjectKind::Domain => match expected
                .domains
                .iter()
                .find(|x| same(&x.schema, &x.name, &d.object))
            {
                Some(x) => self.script.add(Phase::Type, ddl::create_domain(x)),
                None => self.unknown(d),
            },
            ObjectKind::CompositeType => {
                match expected
                    .composite_types
                    .iter()
                    .find(|x| same(&x.schema, &x.name, &d.object))
                {
                    Some(x) => self.script.add(Phase::Type, ddl::create_composite_type(x)),
                    None => self.unknown(d),
                }
            }
            ObjectKind::Sequence => match expected
                .sequences
                .iter()
                .find(|s| same(&s.schema, &s.name, &d.object))
            {
                Some(s) => create_sequence(expected, self.script, s),
                None => self.unknown(d),
            },
            ObjectKind::Function => match find_function(self.expected, &d.object) {
                Some(f) => create_function(self.expected, self.script, f),
                None => self.unknown(d),
            },
            ObjectKind::Trigger => {
                let (_, name) = split(&d.object);
                let trigger = expected.triggers.iter().find(|t| {
                    t.name == name
                        && table.is_none_or(|table| same(&t.table.schema, &t.table.name, table))
                });
                match trigger {
                    Some(t) => self
                        .script
                        .add_or_note(Phase::Trigger, ddl::create_trigger(t)),
                    None => self.unknown(d),
                }
            }
        }
    }

    fn missing_constraint(&mut self, d: &Difference) {
        let (_, name) = split(&d.object);
        let Some(t) = d
            .table
            .as_deref()
            .and_then(|t| find_table(self.expected, t))
        else {
            return self.unknown(d);
        };
        if let Some(key) = t.primary_key.iter().find(|k| k.name == name) {
            self.script.add(Phase::Key, ddl::add_primary_key(t, key));
        } else if let Some(key) = t.unique.iter().find(|k| k.name == name) {
            self.script.add(Phase::Key, ddl::add_unique(t, key));
        } else if let Some(check) = t.checks.iter().find(|c| c.name == name) {
            self.script.add(Phase::Key, ddl::add_check(t, check));
        } else if let Some(key) = t.foreign_keys.iter().find(|k| k.name == name) {
            self.script
                .add(Phase::ForeignKey, ddl::add_foreign_key(t, key));
            if let Some(text) = &key.comment {
                let target = format!(
                    "{} ON {}",
                    quote_ident(&key.name),
                    qualified(&t.schema, &t.name)
                );
                self.script.add(
                    Phase::Comment,
                    ddl::comment("CONSTRAINT", &target, Some(text)),
                );
            }
        } else {
            self.unknown(d);
        }
    }

    fn extra(&mut self, d: &Difference) {
        let (schema, name) = split(&d.object);
        let table = d.table.as_deref().map(split);
        match d.kind {
            ObjectKind::Schema if d.object == "public" => {}
            ObjectKind::Schema => self
                .script
                .add(Phase::DropSchema, ddl::drop_schema(&d.object)),
            ObjectKind::Extension => self
                .script
                .add(Phase::DropExtension, ddl::drop_extension(&d.object)),
            ObjectKind::Table => self
                .script
                .add(Phase::DropTable, ddl::drop_table(schema, name)),
            ObjectKind::View => self
                .script
                .add(Phase::DropView, ddl::drop_view(schema, name, false)),
            ObjectKind::MaterializedView => self
                .script
                .add(Phase::DropView, ddl::drop_view(schema, name, true)),
            ObjectKind::Column => {
                let Some((table_schema, table_name)) = table else {
                    return self.unknown(d);
                };
                // A view's columns change only with its query: it is created again.
                if let Some(v) = d.table.as_deref().and_then(|t| find_view(self.expected, t)) {
                    return self.recreate_view(v);
                }
                let column = d
                    .object
                    .strip_prefix(&format!("{table_schema}.{table_name}."))
                    .unwrap_or(name);
                self.script.add(
                    Phase::DropColumn,
                    ddl::drop_column(table_schema, table_name, column),
                );
            }
            ObjectKind::Constraint => {
                let Some((table_schema, table_name)) = table else {
                    return self.unknown(d);
                };
                // Foreign keys go first: a key they rely on may be dropped too.
                let phase = if self.is_foreign_key_in_database(d) {
                    Phase::DropForeignKey
                } else {
                    Phase::DropConstraint
                };
                self.script.add(
                    phase,
                    ddl::drop_constraint(table_schema, table_name, name)
                        .replace(" DROP CONSTRAINT ", " DROP CONSTRAINT IF EXISTS "),
                );
            }
            ObjectKind::Index => {
                // A key's index goes with its constraint.
                let constraint_too = self.reported(
                    ObjectKind::Constraint,
                    &d.object,
                    d.table.as_deref(),
                    &Change::Extra,
                );
                if !constraint_too {
                    self.script.add(
                        Phase::DropIndex,
                        ddl::drop_index(schema, name)
                            .replace("DROP INDEX ", "DROP INDEX IF EXISTS "),
                    );
                }
            }
            ObjectKind::Enum | ObjectKind::CompositeType => {
                // Columns of the type are moved off it first (a renamed type).
                let phase = if self.column_type_changes_from(schema, name) {
                    Phase::DropReplacedType
                } else {
                    Phase::DropType
                };
                self.script.add(phase, ddl::drop_type(schema, name));
            }
            ObjectKind::Domain => self.script.add(
                Phase::DropType,
                format!("DROP DOMAIN {};", qualified(schema, name)),
            ),
            // An identity's sequence goes with the `DROP IDENTITY` the column's
            // difference writes, and cannot be dropped before it.
            ObjectKind::Sequence if self.identity_dropped_with(schema, name) => {}
            ObjectKind::Sequence => self.script.add(
                Phase::DropSequence,
                // A serial column dropped here takes its sequence with it.
                format!("DROP SEQUENCE IF EXISTS {};", qualified(schema, name)),
            ),
            ObjectKind::Function => self.script.add(
                Phase::DropFunction,
                format!("DROP ROUTINE {};", routine(&d.object)),
            ),
            ObjectKind::Trigger => {
                let Some((table_schema, table_name)) = table else {
                    return self.unknown(d);
                };
                let relation = QualifiedName {
                    schema: table_schema.to_string(),
                    name: table_name.to_string(),
                };
                self.script.add(
                    Phase::DropTrigger,
                    ddl::drop_trigger(name, &relation)
                        .replace("DROP TRIGGER ", "DROP TRIGGER IF EXISTS "),
                );
            }
        }
    }

    /// Whether the sequence `schema.name` is the one an identity column the draft
    /// turns back into a plain column has (named `table_column_seq`).
    fn identity_dropped_with(&self, schema: &str, name: &str) -> bool {
        self.differences.iter().any(|d| {
            let Change::Different {
                property, expected, ..
            } = &d.change
            else {
                return false;
            };
            let (column_schema, rest) = split(&d.object);
            d.kind == ObjectKind::Column
                && property == "identity"
                && expected == "-"
                && column_schema == schema
                && rest
                    .rsplit_once('.')
                    .is_some_and(|(table, column)| format!("{table}_{column}_seq") == name)
        })
    }

    /// Whether a column's type difference moves it off the type `schema.name`.
    fn column_type_changes_from(&self, schema: &str, name: &str) -> bool {
        self.differences.iter().any(|d| {
            let Change::Different {
                property, actual, ..
            } = &d.change
            else {
                return false;
            };
            let bare = actual.trim_end_matches("[]");
            d.kind == ObjectKind::Column
                && property == "type"
                && (bare == name
                    || bare == format!("{schema}.{name}")
                    || bare == qualified(schema, name))
        })
    }

    /// Whether an extra constraint is a foreign key: the check does not say, but a
    /// foreign key's name conventionally ends in `fkey`/`fk`, and one the migrations
    /// also have is one.
    fn is_foreign_key_in_database(&self, d: &Difference) -> bool {
        let (_, name) = split(&d.object);
        name.ends_with("fkey") || name.ends_with("_fk") || name.starts_with("fk_")
    }

    fn different(&mut self, d: &Difference, property: &str, expected_text: &str, actual: &str) {
        let expected = self.expected;
        let table = d.table.as_deref();
        match d.kind {
            ObjectKind::Column => {
                let found = table
                    .and_then(|t| find_table(self.expected, t))
                    .and_then(|t| {
                        let column = d
                            .object
                            .strip_prefix(&format!("{}.{}.", t.schema, t.name))?;
                        Some((t, t.columns.iter().find(|c| c.name == column)?))
                    });
                if let Some((t, c)) = found {
                    let name =
                        format!("{}.{}", qualified(&t.schema, &t.name), quote_ident(&c.name));
                    match property {
                        "comment" => self.script.add(
                            Phase::Comment,
                            ddl::comment("COLUMN", &name, c.comment.as_deref()),
                        ),
                        "generated" => {
                            self.script.add(
                                Phase::DropColumn,
                                ddl::drop_column(&t.schema, &t.name, &c.name),
                            );
                            self.script
                                .add(Phase::Column, ddl::add_column(expected, t, c));
                            self.script.note(format!(
                                "{}: its generation expression differs; the draft drops and adds the column again (the column moves to the end).",
                                d.object
                            ));
                        }
                        "type" => {
                            // A default of the old type may not cast: set it again after.
                            let prefix = format!(
                                "ALTER TABLE {} ALTER COLUMN {}",
                                qualified(&t.schema, &t.name),
                                quote_ident(&c.name)
                            );
                            self.script
                                .add(Phase::Column, format!("{prefix} DROP DEFAULT;"));
                            let is_enum = expected.enums.iter().any(|e| {
                                e.schema == c.base_type.schema && e.name == c.base_type.name
                            });
                            if is_enum {
                                // No cast joins two enums: the value goes through text.
                                let array = if c.array_dimensions > 0 { "[]" } else { "" };
                                self.script.add(
                                    Phase::Column,
                                    format!(
                                        "{prefix} TYPE {} USING {}::text{array}::{};",
                                        c.type_name,
                                        quote_ident(&c.name),
                                        c.type_name
                                    ),
                                );
                            } else {
                                self.script
                                    .add_all(Phase::Column, ddl::alter_column(t, c, "type"));
                            }
                            if let Some(default) = &c.default {
                                self.script
                                    .add(Phase::Column, format!("{prefix} SET DEFAULT {default};"));
                            }
                        }
                        _ => {
                            let statements = ddl::alter_column(t, c, property);
                            if statements.is_empty() {
                                self.note_different(d, property, expected_text, actual);
                            }
                            self.script.add_all(Phase::Column, statements);
                        }
                    }
                } else if let Some(v) = table.and_then(|t| find_view(self.expected, t)) {
                    let column = d.object.strip_prefix(&format!("{}.{}.", v.schema, v.name));
                    match v.columns.iter().find(|c| Some(c.name.as_str()) == column) {
                        Some(c) if property == "comment" => {
                            let name = format!(
                                "{}.{}",
                                qualified(&v.schema, &v.name),
                                quote_ident(&c.name)
                            );
                            self.script.add(
                                Phase::Comment,
                                ddl::comment("COLUMN", &name, c.comment.as_deref()),
                            );
                        }
                        _ => self.recreate_view(v),
                    }
                } else {
                    self.unknown(d);
                }
            }
            ObjectKind::Table => match find_table(self.expected, &d.object) {
                Some(t) if property == "comment" => {
                    let name = qualified(&t.schema, &t.name);
                    self.script.add(
                        Phase::Comment,
                        ddl::comment("TABLE", &name, t.comment.as_deref()),
                    );
                }
                Some(t)
                    if property == "kind"
                        && matches!(t.kind, TableKind::Table | TableKind::Unlogged) =>
                {
                    let logged = if t.kind == TableKind::Unlogged {
                        "UNLOGGED"
                    } else {
                        "LOGGED"
                    };
                    self.script.add(
                        Phase::Column,
                        format!(
                            "ALTER TABLE {} SET {logged};",
                            qualified(&t.schema, &t.name)
                        ),
                    );
                }
                _ => self.note_different(d, property, expected_text, actual),
            },
            ObjectKind::View | ObjectKind::MaterializedView => {
                match find_view(self.expected, &d.object) {
                    Some(v) if property == "comment" => {
                        let what = if v.materialized {
                            "MATERIALIZED VIEW"
                        } else {
                            "VIEW"
                        };
                        self.script.add(
                            Phase::Comment,
                            ddl::comment(
                                what,
                                &qualified(&v.schema, &v.name),
                                v.comment.as_deref(),
                            ),
                        );
                    }
                    Some(v) => self.recreate_view(v),
                    None => self.unknown(d),
                }
            }
            ObjectKind::Constraint => {
                let (_, name) = split(&d.object);
                if let Some((table_schema, table_name)) = table.map(split) {
                    let is_foreign = find_table(self.expected, table.unwrap_or_default())
                        .is_some_and(|t| t.foreign_keys.iter().any(|k| k.name == name));
                    let phase = if is_foreign {
                        Phase::DropForeignKey
                    } else {
                        Phase::DropConstraint
                    };
                    self.script
                        .add(phase, ddl::drop_constraint(table_schema, table_name, name));
                }
                self.missing_constraint(d);
            }
            ObjectKind::Index => {
                let (schema, name) = split(&d.object);
                let key_index = table
                    .and_then(|t| find_table(self.expected, t))
                    .is_some_and(|t| {
                        t.primary_key
                            .iter()
                            .chain(&t.unique)
                            .any(|k| k.name == name)
                    });
                if key_index {
                    self.note_different(d, property, expected_text, actual);
                    return;
                }
                self.script
                    .add(Phase::DropIndex, ddl::drop_index(schema, name));
                self.missing(d);
            }
            ObjectKind::Enum => match expected
                .enums
                .iter()
                .find(|e| same(&e.schema, &e.name, &d.object))
            {
                Some(e) if property == "comment" => {
                    self.script.add(
                        Phase::Comment,
                        ddl::comment("TYPE", &qualified(&e.schema, &e.name), e.comment.as_deref()),
                    );
                }
                Some(e) if property == "labels" => self.enum_labels(e, actual),
                _ => self.note_different(d, property, expected_text, actual),
            },
            ObjectKind::Sequence => match expected
                .sequences
                .iter()
                .find(|s| same(&s.schema, &s.name, &d.object))
            {
                Some(s) if property == "owned by" => match ddl::sequence_owned_by(s) {
                    Some(owned) => self.script.add(Phase::SequenceOwner, owned),
                    None => self.script.add(
                        Phase::SequenceOwner,
                        format!(
                            "ALTER SEQUENCE {} OWNED BY NONE;",
                            qualified(&s.schema, &s.name)
                        ),
                    ),
                },
                _ => self.note_different(d, property, expected_text, actual),
            },
            ObjectKind::Function => match find_function(self.expected, &d.object) {
                Some(f) => {
                    // `OR REPLACE` cannot change what a routine returns nor whether it
                    // is a function or a procedure; the database's one is dropped as
                    // whichever it is.
                    if property == "returns" || property == "kind" {
                        self.script.add(
                            Phase::DropFunction,
                            format!("DROP ROUTINE {};", routine(&d.object)),
                        );
                    }
                    create_function(self.expected, self.script, f);
                    if property == "comment" {
                        let what = if f.procedure { "PROCEDURE" } else { "FUNCTION" };
                        self.script.add(
                            Phase::Comment,
                            ddl::comment(what, &ddl::function_signature(f), f.comment.as_deref()),
                        );
                    }
                }
                None => self.unknown(d),
            },
            ObjectKind::Trigger => {
                let (_, name) = split(&d.object);
                if let Some((table_schema, table_name)) = table.map(split) {
                    let relation = QualifiedName {
                        schema: table_schema.to_string(),
                        name: table_name.to_string(),
                    };
                    self.script
                        .add(Phase::DropTrigger, ddl::drop_trigger(name, &relation));
                }
                self.missing(d);
            }
            ObjectKind::Extension => {
                match expected.extensions.iter().find(|e| e.name == d.object) {
                    Some(e) if property == "schema" => self.script.add(
                        Phase::Extension,
                        format!(
                            "ALTER EXTENSION {} SET SCHEMA {};",
                            quote_ident(&e.name),
                            quote_ident(&e.schema)
                        ),
                    ),
                    _ => self.note_different(d, property, expected_text, actual),
                }
            }
            ObjectKind::Domain => match expected
                .domains
                .iter()
                .find(|x| same(&x.schema, &x.name, &d.object))
            {
                Some(x) if matches!(property, "nullable" | "default" | "checks") => {
                    self.domain(x, property, actual)
                }
                _ => self.note_different(d, property, expected_text, actual),
            },
            ObjectKind::CompositeType => match expected
                .composite_types
                .iter()
                .find(|x| same(&x.schema, &x.name, &d.object))
            {
                Some(x) if property == "attributes" && self.attributes(x, actual) => {}
                _ => self.note_different(d, property, expected_text, actual),
            },
            ObjectKind::Schema => self.note_different(d, property, expected_text, actual),
        }
    }

    /// A domain's nullability, default or checks as the migrations build them.
    fn domain(&mut self, x: &Domain, property: &str, actual: &str) {
        let prefix = format!("ALTER DOMAIN {}", qualified(&x.schema, &x.name));
        let mut statements = Vec::new();
        match property {
            "nullable" if x.not_null => statements.push(format!("{prefix} SET NOT NULL;")),
            "nullable" => statements.push(format!("{prefix} DROP NOT NULL;")),
            "default" => statements.push(match &x.default {
                Some(default) => format!("{prefix} SET DEFAULT {default};"),
                None => format!("{prefix} DROP DEFAULT;"),
            }),
            _ => {
                // `name: expression; name: expression`, or `-`: each is dropped, then
                // the migrations' ones added.
                for check in actual.split("; ") {
                    if let Some((name, _)) = check.split_once(": ") {
                        statements.push(format!(
                            "{prefix} DROP CONSTRAINT IF EXISTS {};",
                            quote_ident(name)
                        ));
                    }
                }
                for check in &x.checks {
                    statements.push(format!(
                        "{prefix} ADD CONSTRAINT {} CHECK ({});",
                        quote_ident(&check.name),
                        check.expression
                    ));
                }
            }
        }
        self.script.add(Phase::Type, statements.join("\n"));
    }

    /// A composite type's attributes as the migrations build them: the database's
    /// extra ones dropped, missing ones added, others' types altered. `false` when
    /// that cannot give the migrations' order (the draft then leaves it to a note).
    fn attributes(&mut self, x: &CompositeType, actual: &str) -> bool {
        let actual: Vec<(&str, &str)> = split_top_level(actual)
            .into_iter()
            .filter_map(|a| a.split_once(' '))
            .collect();
        let kept: Vec<&str> = actual
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| x.attributes.iter().any(|a| a.name == *name))
            .collect();
        // Added attributes go at the end: the migrations' attributes must begin with
        // the kept ones, in their order.
        let in_order = x
            .attributes
            .iter()
            .take(kept.len())
            .map(|a| a.name.as_str())
            .eq(kept.iter().copied());
        if !in_order {
            return false;
        }
        let prefix = format!("ALTER TYPE {}", qualified(&x.schema, &x.name));
        let mut statements = Vec::new();
        for (name, type_name) in &actual {
            match x.attributes.iter().find(|a| a.name == *name) {
                None => statements.push(format!(
                    "{prefix} DROP ATTRIBUTE {} CASCADE;",
                    quote_ident(name)
                )),
                Some(a) if a.type_name != *type_name => statements.push(format!(
                    "{prefix} ALTER ATTRIBUTE {} TYPE {} CASCADE;",
                    quote_ident(name),
                    a.type_name
                )),
                Some(_) => {}
            }
        }
        for a in x.attributes.iter().skip(kept.len()) {
            statements.push(format!(
                "{prefix} ADD ATTRIBUTE {} {} CASCADE;",
                quote_ident(&a.name),
                a.type_name
            ));
        }
        self.script.add(Phase::Type, statements.join("\n"));
        true
    }

    fn note_different(&mut self, d: &Difference, property: &str, expected: &str, actual: &str) {
        self.script.note(format!(
            "{} {}: {property} is `{actual}`, the migrations build `{expected}`; the draft does not change it.",
            d.kind.as_str(),
            d.object
        ));
    }

    /// A view whose query or columns differ: dropped and created again, with the
    /// views reading it (dropped before it, created after it).
    fn recreate_view(&mut self, v: &View) {
        let dependents = self.views_reading(BTreeSet::from([v.name.clone()]));
        for dependent in dependents.iter().rev() {
            self.script.add(
                Phase::DropView,
                ddl::drop_view(&dependent.schema, &dependent.name, dependent.materialized),
            );
        }
        self.script.add(
            Phase::DropView,
            ddl::drop_view(&v.schema, &v.name, v.materialized),
        );
        create_view(self.script, v);
        for dependent in dependents {
            create_view(self.script, dependent);
        }
    }

    /// The views naming any of `read` (bare names), then the views naming those, and
    /// so on: each after what it reads. Views the database lacks are left out (they
    /// are created as missing).
    fn views_reading(&self, mut read: BTreeSet<String>) -> Vec<&'a View> {
        let expected: &'a Catalog = self.expected;
        let mut found: Vec<&'a View> = Vec::new();
        loop {
            let more: Vec<&'a View> = expected
                .views
                .iter()
                .filter(|v| !found.iter().any(|r| std::ptr::eq(*r, *v)))
                .filter(|v| !read.contains(&v.name))
                .filter(|v| {
                    let name = format!("{}.{}", v.schema, v.name);
                    let kind = if v.materialized {
                        ObjectKind::MaterializedView
                    } else {
                        ObjectKind::View
                    };
                    !self.reported(kind, &name, None, &Change::Missing)
                })
                .filter(|v| {
                    let words = identifiers(v.definition.as_deref().unwrap_or_default());
                    read.iter().any(|name| words.contains(name.as_str()))
                })
                .collect();
            if more.is_empty() {
                return found;
            }
            for v in more {
                read.insert(v.name.clone());
                found.push(v);
            }
        }
    }

    /// An enum whose labels differ. Labels the database lacks are added; labels only
    /// the database has cannot be removed from a type: it is renamed, created again,
    /// every column moved to the new one through `text`, and the old one dropped.
    fn enum_labels(&mut self, e: &Enum, actual: &str) {
        let actual_labels = parse_labels(actual);
        let extra: Vec<&String> = actual_labels
            .iter()
            .filter(|l| !e.labels.contains(l))
            .collect();
        let name = qualified(&e.schema, &e.name);
        // The database's labels in the migrations' order: only additions are needed.
        let common: Vec<&String> = e
            .labels
            .iter()
            .filter(|l| actual_labels.contains(l))
            .collect();
        let same_order = common.iter().copied().eq(actual_labels.iter());
        if extra.is_empty() && same_order {
            for label in e.labels.iter().filter(|l| !actual_labels.contains(l)) {
                self.script.add(Phase::Type, ddl::add_enum_label(e, label));
            }
            return;
        }
        let old_name = format!("{}_pgstrata_old", e.name);
        let old = qualified(&e.schema, &old_name);
        let mut statements = vec![
            format!("ALTER TYPE {name} RENAME TO {};", quote_ident(&old_name)),
            ddl::create_enum(e),
        ];
        let columns = self.columns_of_type(e);
        // A view reading a column whose type changes blocks the change: such views
        // (and the views reading them) are dropped and created again around it.
        let read: BTreeSet<String> = columns.iter().map(|c| c.4.clone()).collect();
        for v in self.views_reading(read) {
            self.recreate_view(v);
        }
        for (table, column, array, default, _) in &columns {
            let prefix = format!("ALTER TABLE {table} ALTER COLUMN {}", quote_ident(column));
            let new_type = if *array {
                format!("{name}[]")
            } else {
                name.clone()
            };
            if default.is_some() {
                statements.push(format!("{prefix} DROP DEFAULT;"));
            }
            statements.push(format!(
                "{prefix} TYPE {new_type} USING {}::text{}::{new_type};",
                quote_ident(column),
                if *array { "[]" } else { "" }
            ));
            if let Some(default) = default {
                statements.push(format!("{prefix} SET DEFAULT {default};"));
            }
        }
        statements.push(format!("DROP TYPE {old};"));
        self.script.add(Phase::Type, statements.join("\n"));
        if let Some(text) = &e.comment {
            self.script
                .add(Phase::Comment, ddl::comment("TYPE", &name, Some(text)));
        }
        if !extra.is_empty() {
            let labels: Vec<String> = extra.iter().map(|l| ddl::literal(l)).collect();
            self.script.note(format!(
                "{name}: the database has labels no migration adds ({}). The draft recreates the type without them: rows holding them make the column changes fail; update or delete those rows first. Views and functions using the type must be dropped and created again around it.",
                labels.join(", ")
            ));
        }
    }

    /// The existing columns of `e`'s type: table (quoted), column, whether an array,
    /// default, and the table's bare name.
    fn columns_of_type(&self, e: &Enum) -> Vec<(String, String, bool, Option<String>, String)> {
        let mut columns = Vec::new();
        for t in &self.expected.tables {
            let table_name = format!("{}.{}", t.schema, t.name);
            if self.reported(ObjectKind::Table, &table_name, None, &Change::Missing) {
                continue;
            }
            for c in &t.columns {
                if c.base_type.schema != e.schema || c.base_type.name != e.name {
                    continue;
                }
                let column_name = format!("{table_name}.{}", c.name);
                if self.reported(ObjectKind::Column, &column_name, None, &Change::Missing) {
                    continue;
                }
                columns.push((
                    qualified(&t.schema, &t.name),
                    c.name.clone(),
                    c.array_dimensions > 0,
                    c.default.clone(),
                    t.name.clone(),
                ));
            }
        }
        columns
    }
}

/// `a, b(1, 2), c` split at its commas outside parentheses.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(text[start..].trim());
    parts.retain(|p| !p.is_empty());
    parts
}

/// The identifiers of SQL text, unquoted: what a view's definition may name.
fn identifiers(sql: &str) -> BTreeSet<&str> {
    sql.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Labels as the check shows them, SQL literals joined by `, `: `'a', 'b'`.
fn parse_labels(text: &str) -> Vec<String> {
    let mut labels = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut label = String::new();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    label.push('\'');
                } else {
                    break;
                }
            } else {
                label.push(c);
            }
        }
        labels.push(label);
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_read_back_from_their_literals() {
        assert_eq!(
            parse_labels("'a', 'it''s', 'c, d'"),
            vec!["a", "it's", "c, d"]
        );
        assert!(parse_labels("-").is_empty());
    }

    #[test]
    fn attributes_are_split_outside_parentheses() {
        assert_eq!(
            split_top_level("street text, amount numeric(10, 2), at timestamp(3)"),
            vec!["street text", "amount numeric(10, 2)", "at timestamp(3)"]
        );
        assert!(split_top_level("").is_empty());
    }

    #[test]
    fn a_function_is_named_for_drop_routine() {
        assert_eq!(
            routine("public.f(integer, text)"),
            "public.f(integer, text)"
        );
        assert_eq!(routine("Auth.Check(uuid)"), "\"Auth\".\"Check\"(uuid)");
    }

    #[test]
    fn no_drift_drafts_nothing() {
        let catalog = Catalog::default();
        assert!(draft(&catalog, &[]).contains("No drift"));
    }
}
