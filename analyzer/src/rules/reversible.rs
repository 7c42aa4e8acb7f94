//! `reversible`: a migration's down file must give back the schema as it was before
//! the up file ran.
//!
//! The pipeline folds the up file into the catalog, folds the down file on a copy of
//! the result, and hands this rule the catalog before the up and the copy after the
//! down. Every object that differs is reported once, at the statement of the up file
//! that made the change (the down file is named in the message), or at the statement
//! of the down file when the up file never touched the object.
//!
//! A column that comes back at another position is only a warning: PostgreSQL adds a
//! column at the end of its table and no down file can put it back in its place.

use super::catalog::{find_identifier, leading_words};
use super::{Finding, RuleMeta, StatementContext};
use crate::catalog::{normalized_expression, Catalog, CatalogBuilder, QualifiedName};
use crate::diagnostics::Severity;
use crate::parse::Statement;
use crate::source::SourceFile;
use std::collections::{BTreeMap, BTreeSet};

pub static RULE: RuleMeta = RuleMeta {
    id: "reversible",
    summary: "a down migration does not give back the schema as it was before its up migration",
    explanation: "Where a migration has a down file (`NNN_name.down.sql`, or diesel's \
`down.sql`), pgstrata folds the up file and then the down file into its model of the \
schema, and the result must be the schema before the up file: every table, column (its \
type, nullability and default), constraint, index, view, type, enum label, sequence, \
function, trigger, schema and extension the up file created must be dropped, and every \
one it dropped or changed must be put back as it was. The error points at the statement \
of the up file whose change the down file does not undo, and names the down file; when \
the down file changes something the up file never touched, it points into the down file.\n\n\
A column that the down file re-adds comes back at the end of its table, because PostgreSQL \
cannot add a column anywhere else: that is only a warning (queries with `SELECT *` or an \
`INSERT` without a column list see the columns in another order). PostgreSQL cannot drop \
an enum label either: a down file undoes `ALTER TYPE ... ADD VALUE` by re-creating the type. \
A down file the catalog cannot fold (a `catalog` error) is not compared.",
    allowable: true,
    bad: r#"-- 0002_email.up.sql
ALTER TABLE users ADD COLUMN email text NOT NULL;
CREATE INDEX users_email_idx ON users (email);

-- 0002_email.down.sql
DROP INDEX users_email_idx;"#,
    good: r#"-- 0002_email.up.sql
ALTER TABLE users ADD COLUMN email text NOT NULL;
CREATE INDEX users_email_idx ON users (email);

-- 0002_email.down.sql
DROP INDEX users_email_idx;
ALTER TABLE users DROP COLUMN email;"#,
};

const ALLOW: &str = "`-- pgstrata:allow(reversible)` above the statement";

/// One file of a migration, as folded.
pub struct Side<'a> {
    pub file: &'a SourceFile,
    /// With their parse trees.
    pub statements: &'a [Statement],
    pub transactional: bool,
}

/// Which file of the migration a finding is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InFile {
    Up,
    Down,
}

/// A finding of this rule, placed on a statement of one of the two files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub file: InFile,
    pub statement: usize,
    pub finding: Finding,
    pub severity: Severity,
}

/// Compares the schema `before` the up file with the schema `after_down` (the up file
/// and then the down file folded on it) and reports what the down file does not
/// restore. `up` and `down` are replayed on a copy of `before` only when something
/// differs, to find the statement to point at.
pub fn check(
    before: &CatalogBuilder,
    after_down: &CatalogBuilder,
    up: &Side<'_>,
    down: &Side<'_>,
) -> Vec<Reported> {
    if before.model() == after_down.model() {
        return Vec::new();
    }
    let old = facts(before.model(), &|_| true);
    let new = facts(after_down.model(), &|_| true);
    let certain = |subject: &Subject| !subject.owner().uncertain_in(after_down);
    let mut differing: Vec<Subject> = old
        .iter()
        .filter(|(subject, value)| new.get(*subject) != Some(*value))
        .map(|(subject, _)| subject.clone())
        .chain(new.keys().filter(|s| !old.contains_key(*s)).cloned())
        .filter(certain)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    drop_consequences(&mut differing, &old, &new);
    let moved = moved_columns(before.model(), after_down.model())
        .into_iter()
        .filter(|(subject, _, _)| certain(subject))
        .collect::<Vec<_>>();
    if differing.is_empty() && moved.is_empty() {
        return Vec::new();
    }
    let watched: BTreeSet<Subject> = differing
        .iter()
        .cloned()
        .chain(moved.iter().map(|(subject, _, _)| subject.clone()))
        .collect();
    let traces = replay(before, up, down, &watched);
    let mut reported = Vec::new();
    for subject in &differing {
        let trace = traces.get(subject).copied().unwrap_or_default();
        let Some((file, statement)) = trace.blame() else {
            continue;
        };
        let side = match file {
            InFile::Up => up,
            InFile::Down => down,
        };
        let (message, help) = describe_difference(
            subject,
            old.get(subject),
            new.get(subject),
            file,
            up.file,
            down.file,
        );
        reported.push(Reported {
            file,
            statement,
            finding: Finding {
                rule: RULE.id,
                message,
                help,
                range: underline(side, statement, subject),
            },
            severity: Severity::Error,
        });
    }
    for (subject, was, is) in &moved {
        let trace = traces.get(subject).copied().unwrap_or_default();
        let Some((file, statement)) = trace.dropped() else {
            continue;
        };
        let side = match file {
            InFile::Up => up,
            InFile::Down => down,
        };
        reported.push(Reported {
            file,
            statement,
            finding: Finding {
                rule: RULE.id,
                message: format!(
                    "{} comes back at position {is} instead of {was} after `{}`",
                    subject.describe(),
                    down.file.display
                ),
                help: format!(
                    "PostgreSQL adds a column at the end of its table and cannot put it back in its place: \
                     only `SELECT *` and an `INSERT` without a column list see the difference; put {ALLOW} to silence this warning"
                ),
                range: underline(side, statement, subject),
            },
            severity: Severity::Warning,
        });
    }
    reported
}

/// An object of the schema, or a part of one, compared on its own.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Subject {
    Schema(String),
    Extension(String),
    Table(QualifiedName),
    Column(QualifiedName, String),
    /// A primary key, unique, foreign key or check constraint, by its table and name.
    Constraint(QualifiedName, String),
    /// An index, by its table (or materialized view) and name.
    Index(QualifiedName, String),
    View(QualifiedName),
    Enum(QualifiedName),
    Domain(QualifiedName),
    CompositeType(QualifiedName),
    Sequence(QualifiedName),
    /// A function or procedure, by its name and argument types.
    Function(QualifiedName, String),
    /// A trigger, by its table and name.
    Trigger(QualifiedName, String),
}

/// What a subject belongs to: what uncertainty and the replay are about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    Schema(String),
    Extension(String),
    /// A relation, type, sequence or function: its parts belong to it.
    Object(QualifiedName),
}

impl Owner {
    fn uncertain_in(&self, builder: &CatalogBuilder) -> bool {
        match self {
            Owner::Schema(schema) => builder.shape_uncertain(&QualifiedName::new(schema, "")),
            Owner::Extension(name) => builder.shape_uncertain(&QualifiedName::new("", name)),
            Owner::Object(name) => builder.shape_uncertain(name),
        }
    }
}

impl Subject {
    fn owner(&self) -> Owner {
        match self {
            Subject::Schema(name) => Owner::Schema(name.clone()),
            Subject::Extension(name) => Owner::Extension(name.clone()),
            Subject::Table(q)
            | Subject::Column(q, _)
            | Subject::Constraint(q, _)
            | Subject::Index(q, _)
            | Subject::View(q)
            | Subject::Enum(q)
            | Subject::Domain(q)
            | Subject::CompositeType(q)
            | Subject::Sequence(q)
            | Subject::Function(q, _)
            | Subject::Trigger(q, _) => Owner::Object(q.clone()),
        }
    }

    /// How a message names it: "column `users.email`".
    fn describe(&self) -> String {
        match self {
            Subject::Schema(name) => format!("schema `{name}`"),
            Subject::Extension(name) => format!("extension `{name}`"),
            Subject::Table(q) => format!("table `{}`", shown(q)),
            Subject::Column(q, column) => format!("column `{}.{column}`", shown(q)),
            Subject::Constraint(q, name) => format!("constraint `{name}` of `{}`", shown(q)),
            Subject::Index(q, name) => format!("index `{name}` of `{}`", shown(q)),
            Subject::View(q) => format!("view `{}`", shown(q)),
            Subject::Enum(q) => format!("enum `{}`", shown(q)),
            Subject::Domain(q) => format!("domain `{}`", shown(q)),
            Subject::CompositeType(q) => format!("type `{}`", shown(q)),
            Subject::Sequence(q) => format!("sequence `{}`", shown(q)),
            Subject::Function(q, arguments) => format!("function `{}({arguments})`", shown(q)),
            Subject::Trigger(q, name) => format!("trigger `{name}` of `{}`", shown(q)),
        }
    }

    /// The name a statement about it writes, to underline.
    fn written_name(&self) -> &str {
        match self {
            Subject::Schema(name) | Subject::Extension(name) => name,
            Subject::Column(_, name)
            | Subject::Constraint(_, name)
            | Subject::Index(_, name)
            | Subject::Trigger(_, name) => name,
            Subject::Table(q)
            | Subject::View(q)
            | Subject::Enum(q)
            | Subject::Domain(q)
            | Subject::CompositeType(q)
            | Subject::Sequence(q)
            | Subject::Function(q, _) => &q.name,
        }
    }

    /// Whether this is a whole object (not a part of a table or view).
    fn is_whole(&self) -> bool {
        matches!(
            self,
            Subject::Table(_)
                | Subject::View(_)
                | Subject::Enum(_)
                | Subject::Domain(_)
                | Subject::CompositeType(_)
        )
    }
}

/// A name as messages show it: qualified outside `public`.
fn shown(name: &QualifiedName) -> String {
    if name.schema == "public" {
        name.name.clone()
    } else {
        format!("{}.{}", name.schema, name.name)
    }
}

/// What is compared of a subject: named attributes, as the server would print them.
type Attributes = Vec<(&'static str, String)>;

fn optional(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "none".to_string())
}

/// An expression in its normal form, so that two spellings of one expression agree.
fn expression(text: &Option<String>) -> String {
    match text {
        Some(text) => normalized_expression(text).unwrap_or_else(|| text.clone()),
        None => "none".to_string(),
    }
}

/// Every subject of `catalog` whose owner passes `wanted`, with its attributes.
fn facts(catalog: &Catalog, wanted: &dyn Fn(&Owner) -> bool) -> BTreeMap<Subject, Attributes> {
    let mut facts = BTreeMap::new();
    for schema in &catalog.schemas {
        if wanted(&Owner::Schema(schema.clone())) {
            facts.insert(Subject::Schema(schema.clone()), Vec::new());
        }
    }
    for extension in &catalog.extensions {
        if wanted(&Owner::Extension(extension.name.clone())) {
            facts.insert(
                Subject::Extension(extension.name.clone()),
                vec![("schema", extension.schema.clone())],
            );
        }
    }
    for table in &catalog.tables {
        let q = QualifiedName::new(&table.schema, &table.name);
        if !wanted(&Owner::Object(q.clone())) {
            continue;
        }
        let kind = match table.kind {
            crate::catalog::TableKind::Table => "table",
            crate::catalog::TableKind::Partitioned => "partitioned",
            crate::catalog::TableKind::Foreign => "foreign",
            crate::catalog::TableKind::Unlogged => "unlogged",
        };
        let parents: Vec<String> = table.inherits.iter().map(shown).collect();
        facts.insert(
            Subject::Table(q.clone()),
            vec![
                ("kind", kind.to_string()),
                ("parents", parents.join(", ")),
                ("comment", optional(&table.comment)),
            ],
        );
        for column in &table.columns {
            facts.insert(
                Subject::Column(q.clone(), column.name.clone()),
                vec![
                    ("type", column.type_name.clone()),
                    (
                        "nullability",
                        if column.nullable { "NULL" } else { "NOT NULL" }.to_string(),
                    ),
                    ("default", expression(&column.default)),
                    ("identity", optional(&column.identity)),
                    ("generated expression", expression(&column.generated)),
                    ("comment", optional(&column.comment)),
                ],
            );
        }
        let constraint = |name: &str, definition: String| {
            (
                Subject::Constraint(q.clone(), name.to_string()),
                vec![("definition", definition)],
            )
        };
        if let Some(key) = &table.primary_key {
            let (s, a) = constraint(
                &key.name,
                format!("PRIMARY KEY ({})", key.columns.join(", ")),
            );
            facts.insert(s, a);
        }
        for key in &table.unique {
            let (s, a) = constraint(&key.name, format!("UNIQUE ({})", key.columns.join(", ")));
            facts.insert(s, a);
        }
        for key in &table.foreign_keys {
            let (s, a) = constraint(
                &key.name,
                format!(
                    "FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {} ON UPDATE {}",
                    key.columns.join(", "),
                    shown(&key.references),
                    key.referenced_columns.join(", "),
                    key.on_delete,
                    key.on_update
                ),
            );
            facts.insert(s, a);
        }
        for check in &table.checks {
            let (s, a) = constraint(
                &check.name,
                format!("CHECK ({})", expression(&Some(check.expression.clone()))),
            );
            facts.insert(s, a);
        }
        for index in &table.indexes {
            facts.insert(
                Subject::Index(q.clone(), index.name.clone()),
                index_definition(index),
            );
        }
    }
    for view in &catalog.views {
        let q = QualifiedName::new(&view.schema, &view.name);
        if !wanted(&Owner::Object(q.clone())) {
            continue;
        }
        let columns: Vec<String> = view
            .columns
            .iter()
            .map(|c| match &c.type_name {
                Some(type_name) => format!("{} {type_name}", c.name),
                None => c.name.clone(),
            })
            .collect();
        facts.insert(
            Subject::View(q.clone()),
            vec![
                (
                    "kind",
                    if view.materialized {
                        "materialized view"
                    } else {
                        "view"
                    }
                    .to_string(),
                ),
                ("columns", columns.join(", ")),
                ("comment", optional(&view.comment)),
            ],
        );
        for index in &view.indexes {
            facts.insert(
                Subject::Index(q.clone(), index.name.clone()),
                index_definition(index),
            );
        }
    }
    for e in &catalog.enums {
        let q = QualifiedName::new(&e.schema, &e.name);
        if wanted(&Owner::Object(q.clone())) {
            facts.insert(
                Subject::Enum(q),
                vec![
                    ("labels", e.labels.join(", ")),
                    ("comment", optional(&e.comment)),
                ],
            );
        }
    }
    for domain in &catalog.domains {
        let q = QualifiedName::new(&domain.schema, &domain.name);
        if wanted(&Owner::Object(q.clone())) {
            let checks: Vec<String> = domain
                .checks
                .iter()
                .map(|c| {
                    format!(
                        "{} CHECK ({})",
                        c.name,
                        expression(&Some(c.expression.clone()))
                    )
                })
                .collect();
            facts.insert(
                Subject::Domain(q),
                vec![
                    ("type", domain.type_name.clone()),
                    (
                        "nullability",
                        if domain.not_null { "NOT NULL" } else { "NULL" }.to_string(),
                    ),
                    ("default", expression(&domain.default)),
                    ("checks", checks.join(", ")),
                ],
            );
        }
    }
    for composite in &catalog.composite_types {
        let q = QualifiedName::new(&composite.schema, &composite.name);
        if wanted(&Owner::Object(q.clone())) {
            let attributes: Vec<String> = composite
                .attributes
                .iter()
                .map(|a| format!("{} {}", a.name, a.type_name))
                .collect();
            facts.insert(
                Subject::CompositeType(q),
                vec![("attributes", attributes.join(", "))],
            );
        }
    }
    for sequence in &catalog.sequences {
        let q = QualifiedName::new(&sequence.schema, &sequence.name);
        if wanted(&Owner::Object(q.clone())) {
            facts.insert(
                Subject::Sequence(q),
                vec![("owner", optional(&sequence.owned_by))],
            );
        }
    }
    for function in &catalog.functions {
        let q = QualifiedName::new(&function.schema, &function.name);
        if wanted(&Owner::Object(q.clone())) {
            facts.insert(
                Subject::Function(q, function.arguments.join(", ")),
                vec![
                    ("result", optional(&function.returns)),
                    ("language", function.language.clone()),
                    (
                        "kind",
                        if function.procedure {
                            "procedure"
                        } else {
                            "function"
                        }
                        .to_string(),
                    ),
                ],
            );
        }
    }
    for trigger in &catalog.triggers {
        if wanted(&Owner::Object(trigger.table.clone())) {
            facts.insert(
                Subject::Trigger(trigger.table.clone(), trigger.name.clone()),
                vec![("function", shown(&trigger.function))],
            );
        }
    }
    facts
}

fn index_definition(index: &crate::catalog::Index) -> Attributes {
    let columns: Vec<String> = index
        .columns
        .iter()
        .map(|c| normalized_expression(c).unwrap_or_else(|| c.clone()))
        .collect();
    vec![(
        "definition",
        format!(
            "{}{} ({}){}",
            if index.unique { "UNIQUE " } else { "" },
            index.method,
            columns.join(", "),
            index
                .predicate
                .as_ref()
                .map(|p| format!(" WHERE {}", expression(&Some(p.clone()))))
                .unwrap_or_default()
        ),
    )]
}

/// Leaves out the differences that follow from another one reported: the parts of a
/// table (or type) that is left behind or missing as a whole, the sequence of a
/// column reported, the index of a constraint reported.
fn drop_consequences(
    differing: &mut Vec<Subject>,
    old: &BTreeMap<Subject, Attributes>,
    new: &BTreeMap<Subject, Attributes>,
) {
    let whole: BTreeSet<QualifiedName> = differing
        .iter()
        .filter(|s| s.is_whole() && old.contains_key(*s) != new.contains_key(*s))
        .filter_map(|s| match s.owner() {
            Owner::Object(q) => Some(q),
            _ => None,
        })
        .collect();
    let columns: BTreeSet<String> = differing
        .iter()
        .filter_map(|s| match s {
            Subject::Column(q, column) => Some(format!("{}.{}.{column}", q.schema, q.name)),
            _ => None,
        })
        .collect();
    let constraints: BTreeSet<(QualifiedName, String)> = differing
        .iter()
        .filter_map(|s| match s {
            Subject::Constraint(q, name) => Some((q.clone(), name.clone())),
            _ => None,
        })
        .collect();
    let owned_by = |subject: &Subject| -> Option<String> {
        old.get(subject)
            .or_else(|| new.get(subject))
            .and_then(|attributes| attributes.iter().find(|(name, _)| *name == "owner"))
            .map(|(_, owner)| owner.clone())
    };
    differing.retain(|subject| match subject {
        Subject::Column(q, _) | Subject::Constraint(q, _) | Subject::Trigger(q, _) => {
            !whole.contains(q)
        }
        Subject::Index(q, name) => {
            !whole.contains(q) && !constraints.contains(&(q.clone(), name.clone()))
        }
        Subject::Sequence(_) => owned_by(subject).is_none_or(|owner| {
            !columns.contains(&owner)
                && !whole
                    .iter()
                    .any(|t| owner.starts_with(&format!("{}.{}.", t.schema, t.name)))
        }),
        _ => true,
    });
}

/// The columns present before and after whose order differs, with their position
/// (1-based, among the table's columns) before and after.
fn moved_columns(before: &Catalog, after: &Catalog) -> Vec<(Subject, usize, usize)> {
    let mut moved = Vec::new();
    for old in &before.tables {
        let Some(new) = after
            .tables
            .iter()
            .find(|t| t.name == old.name && t.schema == old.schema)
        else {
            continue;
        };
        let in_new = |name: &str| new.columns.iter().any(|c| c.name == name);
        let in_old = |name: &str| old.columns.iter().any(|c| c.name == name);
        let old_order: Vec<&str> = old
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| in_new(n))
            .collect();
        let new_order: Vec<&str> = new
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| in_old(n))
            .collect();
        if old_order == new_order {
            continue;
        }
        let q = QualifiedName::new(&old.schema, &old.name);
        for (index, name) in old_order.iter().enumerate() {
            if new_order.get(index) != Some(name) {
                let position = |columns: &[crate::catalog::Column]| {
                    columns
                        .iter()
                        .position(|c| c.name == *name)
                        .map_or(0, |p| p + 1)
                };
                moved.push((
                    Subject::Column(q.clone(), name.to_string()),
                    position(&old.columns),
                    position(&new.columns),
                ));
            }
        }
    }
    moved
}

/// Where a subject changed while the up and then the down file were replayed.
#[derive(Debug, Clone, Copy, Default)]
struct Trace {
    /// The last statement of the up file that changed it.
    last_up: Option<usize>,
    /// The last statement of the down file that changed it.
    last_down: Option<usize>,
    /// The first statement of each file that made it disappear.
    dropped_up: Option<usize>,
    dropped_down: Option<usize>,
}

impl Trace {
    /// The statement to point at for a difference: the up file's change the down file
    /// does not undo, else the down file's own change.
    fn blame(&self) -> Option<(InFile, usize)> {
        self.last_up
            .map(|i| (InFile::Up, i))
            .or(self.last_down.map(|i| (InFile::Down, i)))
    }

    /// The statement that dropped a column that came back elsewhere.
    fn dropped(&self) -> Option<(InFile, usize)> {
        self.dropped_up
            .map(|i| (InFile::Up, i))
            .or(self.dropped_down.map(|i| (InFile::Down, i)))
    }
}

/// Replays the up and then the down file statement by statement on a copy of
/// `before`, watching only the owners of `watched`.
fn replay(
    before: &CatalogBuilder,
    up: &Side<'_>,
    down: &Side<'_>,
    watched: &BTreeSet<Subject>,
) -> BTreeMap<Subject, Trace> {
    let owners: BTreeSet<Owner> = watched.iter().map(Subject::owner).collect();
    let wanted = |owner: &Owner| owners.contains(owner);
    let mut builder = before.clone();
    let mut current = facts(builder.model(), &wanted);
    let mut traces: BTreeMap<Subject, Trace> = BTreeMap::new();
    for (file, side) in [(InFile::Up, up), (InFile::Down, down)] {
        builder.begin_file(side.transactional);
        for (index, statement) in side.statements.iter().enumerate() {
            let Some(node) = &statement.node else {
                continue;
            };
            builder.apply(node);
            let next = facts(builder.model(), &wanted);
            for subject in watched {
                let (was, is) = (current.get(subject), next.get(subject));
                if was == is {
                    continue;
                }
                let trace = traces.entry(subject.clone()).or_default();
                match file {
                    InFile::Up => {
                        trace.last_up = Some(index);
                        if is.is_none() && trace.dropped_up.is_none() {
                            trace.dropped_up = Some(index);
                        }
                    }
                    InFile::Down => {
                        trace.last_down = Some(index);
                        if is.is_none() && trace.dropped_down.is_none() {
                            trace.dropped_down = Some(index);
                        }
                    }
                }
            }
            current = next;
        }
        builder.end_file();
    }
    traces
}

/// The message and help for a subject that differs before the up and after the down.
fn describe_difference(
    subject: &Subject,
    old: Option<&Attributes>,
    new: Option<&Attributes>,
    blamed: InFile,
    up: &SourceFile,
    down: &SourceFile,
) -> (String, String) {
    let what = subject.describe();
    let (up, down) = (&up.display, &down.display);
    match (old, new, blamed) {
        (None, _, InFile::Up) => (
            format!("`{down}` leaves {what} behind: this statement creates it and the down file does not drop it"),
            format!("drop it in `{down}`; or put {ALLOW}"),
        ),
        (None, _, InFile::Down) => (
            format!("this statement leaves {what}, which did not exist before `{up}`"),
            format!("a down file undoes what its up file did and nothing else; or put {ALLOW}"),
        ),
        (Some(_), None, InFile::Up) => (
            format!("`{down}` does not re-create {what}, which this statement drops"),
            format!("re-create it in `{down}` as it was before this migration; or put {ALLOW}"),
        ),
        (Some(_), None, InFile::Down) => (
            format!("this statement drops {what}, which existed before `{up}` and is not re-created"),
            format!("a down file undoes what its up file did and nothing else; or put {ALLOW}"),
        ),
        (Some(old), Some(new), blamed) => {
            let changes = changed_attributes(old, new).join(", ");
            match blamed {
                InFile::Up => (
                    format!("`{down}` does not restore {what}, which this statement changes: {changes}"),
                    format!("give it back in `{down}` as it was before this migration; or put {ALLOW}"),
                ),
                InFile::Down => (
                    format!("this statement changes {what}, which `{up}` does not: {changes}"),
                    format!("a down file undoes what its up file did and nothing else; or put {ALLOW}"),
                ),
            }
        }
    }
}

/// "its type is `text` after the down, `varchar(20)` before the up", one an attribute.
fn changed_attributes(old: &Attributes, new: &Attributes) -> Vec<String> {
    old.iter()
        .zip(new)
        .filter(|((_, was), (_, is))| was != is)
        .map(|((name, was), (_, is))| {
            if *name == "labels" {
                enum_labels(was, is)
            } else {
                format!("its {name} is `{is}` after the down, `{was}` before the up")
            }
        })
        .collect()
}

/// What differs between two label lists: the labels left behind or missing, else the
/// order.
fn enum_labels(was: &str, is: &str) -> String {
    let split = |list: &str| -> Vec<String> { list.split(", ").map(str::to_string).collect() };
    let (was, is) = (split(was), split(is));
    let extra: Vec<String> = is
        .iter()
        .filter(|l| !was.contains(l))
        .map(|l| format!("`{l}`"))
        .collect();
    let missing: Vec<String> = was
        .iter()
        .filter(|l| !is.contains(l))
        .map(|l| format!("`{l}`"))
        .collect();
    let mut parts = Vec::new();
    if !extra.is_empty() {
        parts.push(format!("label {} is left behind", extra.join(", ")));
    }
    if !missing.is_empty() {
        parts.push(format!("label {} is missing", missing.join(", ")));
    }
    if parts.is_empty() {
        parts.push(format!(
            "its labels are in the order `{}` after the down, `{}` before the up",
            is.join(", "),
            was.join(", ")
        ));
    }
    parts.join(", ")
}

/// The subject's name in the statement, else the statement's leading words.
fn underline(side: &Side<'_>, statement: usize, subject: &Subject) -> std::ops::Range<usize> {
    let Some(statement) = side.statements.get(statement) else {
        return 0..0;
    };
    let ctx = StatementContext {
        file: side.file,
        statement,
    };
    find_identifier(
        &side.file.text,
        statement.range.clone(),
        subject.written_name(),
    )
    .unwrap_or_else(|| ctx.leading_words(statement.node.as_ref().map_or(2, leading_words)))
}

#[cfg(test)]
mod tests;
