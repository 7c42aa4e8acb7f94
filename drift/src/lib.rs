//! The drift check: what a live database has, compared with the schema its applied
//! migrations build, and a draft migration that reconciles the two.
//!
//! The check does no I/O of its own ("sans-IO"): [`Check`] hands out SQL to run as one
//! simple query and takes the text rows back, so the sync and the async runner drive
//! the same code over their own connections:
//!
//! ```no_run
//! # fn run(sql: &str) -> pgstrata_drift::Rows { Vec::new() }
//! # let catalog = pgstrata_analyzer::catalog::Catalog::default();
//! let mut check = pgstrata_drift::Check::new(catalog, pgstrata_drift::Options::default());
//! while let Some(sql) = check.next_query() {
//!     check.take_rows(run(&sql))?;
//! }
//! let drift = check.finish();
//! for difference in &drift.differences {
//!     println!("{difference}");
//! }
//! # Ok::<(), pgstrata_drift::DriftError>(())
//! ```
//!
//! What is compared: schemas; extensions (their schema); tables (their kind and
//! comment); columns (type as `format_type` prints it, nullability, default, identity,
//! generated expression, comment; not their position); primary key, unique, foreign key
//! (columns, referenced table and columns, actions) and check constraints; indexes
//! other than a key's (unique, method, key columns and expressions, predicate); enums
//! (labels in order, comment); domains (type, nullability, default, checks); composite
//! types (attributes in order); sequences (the column that owns them); views and
//! materialized views (existence, comment, columns with the type where the catalog
//! derived one, indexes); functions and procedures (signature, kind, return type,
//! language); triggers (the function they call). Expressions are compared in the
//! analyzer's normal form (`normalized_expression`); two literal defaults written
//! differently (`'f'`, `false`) are compared as values, which the server prints in a
//! second query only when there is such a pair.
//!
//! Left out: the system's schemas, objects that belong to an extension, the relations
//! of [`Options::ignore`] (with whatever is on them, and their schema when it holds
//! nothing else the migrations build), and what the catalog could not follow
//! ([`Drift::not_compared`]). A relation missing from one side stands for everything on
//! it: its columns, constraints, indexes, triggers and the sequences its columns own are
//! not listed as well.
//!
//! [`draft`] writes the migration that brings a drifted database back to what the
//! migrations build, and [`squash`] the one migration that builds the whole schema
//! from an empty database; [`ddl`] is the SQL for each kind of object they share.

mod compare;
pub mod ddl;
mod difference;
mod draft;
mod facts;
mod query;
mod squash;

pub use difference::{Change, Difference, ObjectKind};
pub use draft::draft;
pub use squash::squash;

use compare::{LiteralPair, Skipped};
use pgstrata_analyzer::catalog::Catalog;
use serde::Serialize;
use std::collections::BTreeMap;

/// Text rows as the runner's drivers return them: one `Vec` per row, `None` for NULL.
/// With several statements in one query string, the rows of all of them, in order.
pub type Rows = Vec<Vec<Option<String>>>;

/// The history table the runner uses unless told otherwise.
pub const DEFAULT_HISTORY_TABLE: &str = "public.pgstrata_schema_history";

/// What the check leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Relations to skip, qualified (`public.pgstrata_schema_history`; a name without a
    /// schema is in `public`), with their columns, keys, indexes and triggers. Default:
    /// the runner's history table, [`DEFAULT_HISTORY_TABLE`].
    pub ignore: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            ignore: vec![DEFAULT_HISTORY_TABLE.to_string()],
        }
    }
}

/// Rows the check cannot read: not what its query returns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriftError {
    #[error("the drift check got rows while it was not waiting for any")]
    NoQueryPending,
    #[error("the drift check cannot read a `{tag}` row of its query: {reason}")]
    MalformedRow { tag: String, reason: String },
}

/// The check in progress: hands out its queries one by one ([`Check::next_query`]),
/// takes each one's rows ([`Check::take_rows`]), then says what differs
/// ([`Check::finish`]).
#[derive(Debug)]
pub struct Check {
    expected: Catalog,
    skipped: Skipped,
    stage: Stage,
    differences: Vec<Difference>,
    literal_pairs: Vec<LiteralPair>,
    compared: BTreeMap<ObjectKind, usize>,
}

#[derive(Debug)]
enum Stage {
    /// Waiting for the rows of the catalog read.
    Catalog,
    /// Waiting for the server's text of the literal defaults (the query).
    Literals(String),
    Done,
}

impl Check {
    pub fn new(expected: Catalog, options: Options) -> Check {
        let skipped = Skipped::new(&expected.uncertain, &options.ignore);
        Check {
            expected,
            skipped,
            stage: Stage::Catalog,
            differences: Vec::new(),
            literal_pairs: Vec::new(),
            compared: BTreeMap::new(),
        }
    }

    /// The next SQL to send as ONE simple query (it holds several statements), or
    /// `None` when the check has what it needs. It changes no data and no setting: it
    /// sets `search_path` for itself and restores it.
    pub fn next_query(&self) -> Option<String> {
        match &self.stage {
            Stage::Catalog => Some(query::catalog_read()),
            Stage::Literals(sql) => Some(sql.clone()),
            Stage::Done => None,
        }
    }

    /// The rows the last query returned: all its statements' rows, in order.
    pub fn take_rows(&mut self, rows: Rows) -> Result<(), DriftError> {
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Catalog => {
                let expected = facts::expected(&self.expected);
                let (actual, server_version) = facts::actual(&rows)?;
                let comparison = compare::compare(&expected, &actual, &self.skipped);
                self.compared = comparison.compared;
                self.differences = comparison.differences;
                self.literal_pairs = comparison.literal_pairs;
                if !self.literal_pairs.is_empty() {
                    let literals: Vec<query::Literal> = self
                        .literal_pairs
                        .iter()
                        .flat_map(|p| [p.expected.clone(), p.actual.clone()])
                        .collect();
                    self.stage =
                        Stage::Literals(query::literals(&literals, server_version >= 160_000));
                }
                Ok(())
            }
            Stage::Literals(_) => self.settle_literals(&rows),
            Stage::Done => Err(DriftError::NoQueryPending),
        }
    }

    /// Each pair of literals whose printed values differ (or one of which is not a
    /// value of the type) stays a difference.
    fn settle_literals(&mut self, rows: &Rows) -> Result<(), DriftError> {
        let mut printed = vec![None; self.literal_pairs.len() * 2];
        for row in rows {
            let tag = row.first().and_then(|v| v.as_deref()).unwrap_or("");
            if tag != query::tag::LITERAL {
                continue;
            }
            let index = row
                .get(1)
                .and_then(|v| v.as_deref())
                .and_then(|i| i.parse::<usize>().ok())
                .filter(|i| *i < printed.len())
                .ok_or_else(|| DriftError::MalformedRow {
                    tag: tag.to_string(),
                    reason: "its index is not one of the query's".to_string(),
                })?;
            printed[index] = row.get(2).cloned().flatten();
        }
        for (i, pair) in std::mem::take(&mut self.literal_pairs)
            .into_iter()
            .enumerate()
        {
            match (&printed[2 * i], &printed[2 * i + 1]) {
                (Some(expected), Some(actual)) if expected == actual => {}
                _ => self.differences.push(pair.difference),
            }
        }
        Ok(())
    }

    /// What differs. Call it once [`Check::next_query`] returns `None`; before that,
    /// what the check has not read yet counts as missing or different.
    pub fn finish(mut self) -> Drift {
        self.differences
            .extend(self.literal_pairs.into_iter().map(|p| p.difference));
        if matches!(self.stage, Stage::Catalog) {
            let expected = facts::expected(&self.expected);
            let comparison = compare::compare(&expected, &Default::default(), &self.skipped);
            self.compared = comparison.compared;
            self.differences = comparison.differences;
        }
        self.differences.sort();
        self.differences.dedup();
        Drift {
            compared: self.compared,
            differences: self.differences,
            not_compared: compare::not_compared(&self.expected.uncertain),
            expected: self.expected,
        }
    }
}

/// What the check found.
#[derive(Debug, Clone, Serialize)]
pub struct Drift {
    /// Sorted (by kind, then object), without duplicates.
    pub differences: Vec<Difference>,
    /// How many of the objects the migrations build were compared, by kind.
    pub compared: BTreeMap<ObjectKind, usize>,
    /// What the catalog could not follow, and the check therefore left out: `*`
    /// (everything), `schema.*` (a whole schema), or `schema.name`.
    pub not_compared: Vec<String>,
    /// The schema the migrations build, for drafting the fix.
    #[serde(skip)]
    pub expected: Catalog,
}

impl Drift {
    /// No difference (what was not compared aside).
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }

    /// A migration that brings the database back to what the migrations build
    /// ([`draft()`]): empty of statements when nothing differs.
    pub fn draft(&self) -> String {
        draft::draft(&self.expected, &self.differences)
    }
}

#[cfg(test)]
mod tests;
