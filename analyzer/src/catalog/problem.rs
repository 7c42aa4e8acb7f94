//! What the server would reject given the catalog built so far: the typed errors of
//! the fold, each with where to point, a close name when there is one, and the
//! PL/pgSQL condition the server raises (so a `DO` block handler can catch it).

use super::identifiers::quote_ident;

/// Where a problem is in its statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// A byte offset into the text the statement was parsed from (a node's location).
    Location(i32),
    /// An identifier to look for in the statement's text (a node without location).
    Name(String),
    /// The statement as a whole.
    Statement,
}

impl Anchor {
    pub fn at(location: i32) -> Self {
        if location >= 0 {
            Anchor::Location(location)
        } else {
            Anchor::Statement
        }
    }
}

/// The kind of object a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Schema,
    Relation,
    Table,
    View,
    Sequence,
    Index,
    Column,
    Type,
    Constraint,
    Trigger,
    Extension,
    Function,
    EnumLabel,
}

impl ObjectKind {
    pub fn word(self) -> &'static str {
        match self {
            ObjectKind::Schema => "schema",
            ObjectKind::Relation => "relation",
            ObjectKind::Table => "table",
            ObjectKind::View => "view",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Index => "index",
            ObjectKind::Column => "column",
            ObjectKind::Type => "type",
            ObjectKind::Constraint => "constraint",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Extension => "extension",
            ObjectKind::Function => "function",
            ObjectKind::EnumLabel => "enum label",
        }
    }

    /// The condition PostgreSQL raises when such an object is missing.
    fn undefined_condition(self) -> &'static str {
        match self {
            ObjectKind::Schema => "invalid_schema_name",
            ObjectKind::Relation
            | ObjectKind::Table
            | ObjectKind::View
            | ObjectKind::Sequence
            | ObjectKind::Index => "undefined_table",
            ObjectKind::Column => "undefined_column",
            ObjectKind::EnumLabel => "invalid_parameter_value",
            ObjectKind::Type
            | ObjectKind::Constraint
            | ObjectKind::Trigger
            | ObjectKind::Extension => "undefined_object",
            ObjectKind::Function => "undefined_function",
        }
    }

    /// The condition PostgreSQL raises when such an object exists already.
    fn duplicate_condition(self) -> &'static str {
        match self {
            ObjectKind::Schema => "duplicate_schema",
            ObjectKind::Relation
            | ObjectKind::Table
            | ObjectKind::View
            | ObjectKind::Sequence
            | ObjectKind::Index => "duplicate_table",
            ObjectKind::Column => "duplicate_column",
            ObjectKind::Function => "duplicate_function",
            _ => "duplicate_object",
        }
    }
}

/// Why the server would reject a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    Unknown {
        kind: ObjectKind,
        /// As written or resolved, for the message (`public.threads`).
        name: String,
        /// Where it was looked for (`on table messages`), if that helps.
        context: Option<String>,
        /// A close name in scope.
        suggestion: Option<String>,
    },
    Duplicate {
        kind: ObjectKind,
        name: String,
        context: Option<String>,
    },
    /// A foreign key whose referenced columns are not a primary key or unique.
    ForeignKeyNotKey { table: String, columns: Vec<String> },
    /// A `DROP` without `CASCADE` of what another object needs.
    Dependents {
        kind: ObjectKind,
        name: String,
        /// The first object that needs it, as PostgreSQL's detail names it
        /// (`constraint groups_users_groups_uuid_fkey on table groups_users`).
        dependent: String,
    },
}

/// One problem found while folding a statement into the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub anchor: Anchor,
}

impl Problem {
    pub fn unknown(kind: ObjectKind, name: impl Into<String>, anchor: Anchor) -> Self {
        Self {
            kind: ProblemKind::Unknown {
                kind,
                name: name.into(),
                context: None,
                suggestion: None,
            },
            anchor,
        }
    }

    pub fn duplicate(kind: ObjectKind, name: impl Into<String>, anchor: Anchor) -> Self {
        Self {
            kind: ProblemKind::Duplicate {
                kind,
                name: name.into(),
                context: None,
            },
            anchor,
        }
    }

    /// Adds where the object was looked for (`of table threads`).
    pub fn context(mut self, text: impl Into<String>) -> Self {
        match &mut self.kind {
            ProblemKind::Unknown { context, .. } | ProblemKind::Duplicate { context, .. } => {
                *context = Some(text.into());
            }
            ProblemKind::ForeignKeyNotKey { .. } | ProblemKind::Dependents { .. } => {}
        }
        self
    }

    /// Adds the closest of `candidates` to the unknown name, if one is close.
    pub fn suggest<'a>(mut self, candidates: impl IntoIterator<Item = &'a str>) -> Self {
        if let ProblemKind::Unknown {
            name, suggestion, ..
        } = &mut self.kind
        {
            let wanted = name.rsplit('.').next().unwrap_or(name).to_string();
            *suggestion = closest(&wanted, candidates).map(str::to_string);
        }
        self
    }

    /// The PL/pgSQL condition name of the error the server raises.
    pub fn condition(&self) -> &'static str {
        match &self.kind {
            ProblemKind::Unknown { kind, .. } => kind.undefined_condition(),
            ProblemKind::Duplicate { kind, .. } => kind.duplicate_condition(),
            ProblemKind::ForeignKeyNotKey { .. } => "invalid_foreign_key",
            ProblemKind::Dependents { .. } => "dependent_objects_still_exist",
        }
    }

    /// The message, as PostgreSQL would put it.
    pub fn message(&self) -> String {
        match &self.kind {
            ProblemKind::Unknown {
                kind,
                name,
                context,
                ..
            } => {
                let context = context
                    .as_ref()
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default();
                format!("{} `{name}`{context} does not exist", kind.word())
            }
            ProblemKind::Duplicate {
                kind,
                name,
                context,
            } => {
                let context = context
                    .as_ref()
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default();
                format!("{} `{name}`{context} already exists", kind.word())
            }
            ProblemKind::ForeignKeyNotKey { table, columns } => {
                let columns = columns
                    .iter()
                    .map(|c| quote_ident(c))
                    .collect::<Vec<_>>()
                    .join(", ");
                if columns.is_empty() {
                    format!("the foreign key references `{table}`, which has no primary key")
                } else {
                    format!("the foreign key references `{table}` ({columns}), which is not a primary key or unique constraint")
                }
            }
            ProblemKind::Dependents { kind, name, .. } => format!(
                "cannot drop {} `{name}` because other objects depend on it",
                kind.word()
            ),
        }
    }

    /// The close name, if any: "did you mean `thread_id`?".
    pub fn suggestion(&self) -> Option<&str> {
        match &self.kind {
            ProblemKind::Unknown { suggestion, .. } => suggestion.as_deref(),
            _ => None,
        }
    }
}

/// The candidate closest to `wanted` by edit distance, when it is close enough to be
/// a likely typo (at most a third of the name's length, at least one edit allowed).
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (wanted.chars().count() / 3).max(1);
    let wanted_lower = wanted.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != wanted)
        .map(|c| {
            // Case is a common slip with quoted identifiers: it costs less than an edit.
            let distance = if c.to_lowercase() == wanted_lower {
                0
            } else {
                edit_distance(&wanted_lower, &c.to_lowercase())
            };
            (distance, c)
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}

/// Edit distance over characters, where swapping two neighbours counts as one edit
/// (optimal string alignment): `titel` is one slip from `title`, as rustc counts it.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut before_previous = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 0..a.len() {
        current[0] = i + 1;
        for j in 0..b.len() {
            let substitution = previous[j] + usize::from(a[i] != b[j]);
            let mut distance = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                distance = distance.min(before_previous[j - 1] + 1);
            }
            current[j + 1] = distance;
        }
        std::mem::swap(&mut before_previous, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("thread_id", "thread_id"), 0);
        assert_eq!(edit_distance("thraed_id", "thread_id"), 1);
        assert_eq!(edit_distance("titel", "title"), 1);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("abc", "ca"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn close_names_are_suggested_and_far_ones_not() {
        let names = ["thread_id", "threads", "created_at"];
        assert_eq!(closest("thred_id", names), Some("thread_id"));
        assert_eq!(closest("threds", names), Some("threads"));
        assert_eq!(closest("userid", names), None);
        assert_eq!(closest("craeted_at", names), Some("created_at"));
        assert_eq!(closest("Threads", names), Some("threads"));
    }

    #[test]
    fn messages_name_the_object() {
        let p = Problem::unknown(ObjectKind::Column, "thred_id", Anchor::Statement)
            .context("of table `messages`")
            .suggest(["thread_id"]);
        assert_eq!(
            p.message(),
            "column `thred_id` of table `messages` does not exist"
        );
        assert_eq!(p.suggestion(), Some("thread_id"));
        assert_eq!(p.condition(), "undefined_column");
    }
}
