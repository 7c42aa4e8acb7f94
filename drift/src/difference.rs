//! One difference between the schema the migrations build and the database's.

use serde::Serialize;
use std::fmt;

/// What kind of object differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Schema,
    Extension,
    Table,
    Column,
    Index,
    /// Primary key, unique, foreign key, check or exclusion constraint.
    Constraint,
    Enum,
    Domain,
    CompositeType,
    Sequence,
    View,
    MaterializedView,
    Function,
    Trigger,
}

/// How an object differs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// The migrations build it; the database lacks it.
    Missing,
    /// The database has it; the migrations do not build it.
    Extra,
    /// Both have it, and one property differs: `type`, `nullable`, `default`,
    /// `labels`, `definition`, `comment`, ...
    Different {
        property: String,
        /// What the migrations build, as text (`-` for none).
        expected: String,
        /// What the database has.
        actual: String,
    },
}

/// One difference. `object` names it as users write it: `public.users` for a table,
/// `public.users.email` for a column, `public.users_email_key` for an index or a
/// constraint and `public.users_touch` for a trigger (`table` then says whose; a
/// view's columns are columns too), `public.mood` for an enum, `public.f(integer,
/// text)` for a function (its input argument types as `format_type` prints them).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Difference {
    pub kind: ObjectKind,
    pub object: String,
    /// The table (or view) an index, constraint, column or trigger belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    #[serde(flatten)]
    pub change: Change,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Schema => "schema",
            ObjectKind::Extension => "extension",
            ObjectKind::Table => "table",
            ObjectKind::Column => "column",
            ObjectKind::Index => "index",
            ObjectKind::Constraint => "constraint",
            ObjectKind::Enum => "enum",
            ObjectKind::Domain => "domain",
            ObjectKind::CompositeType => "composite type",
            ObjectKind::Sequence => "sequence",
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized view",
            ObjectKind::Function => "function",
            ObjectKind::Trigger => "trigger",
        }
    }
}

/// `column public.users.email: type differs: the migrations build `text`, the database
/// has `character varying(40)``
impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: ", self.kind.as_str(), self.object)?;
        match &self.change {
            Change::Missing => f.write_str("missing from the database (the migrations build it)"),
            Change::Extra => f.write_str("extra in the database (no migration builds it)"),
            Change::Different {
                property,
                expected,
                actual,
            } => write!(
                f,
                "{property} differs: the migrations build `{expected}`, the database has `{actual}`"
            ),
        }
    }
}
