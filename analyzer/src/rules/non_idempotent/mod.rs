//! `non-idempotent`: a statement that fails, or changes the result, when its migration
//! runs a second time.
//!
//! Why a second run happens: a non-transactional migration that stopped halfway is
//! resumed, an operator replays a file by hand, a history table is lost. What
//! PostgreSQL does on the second run is the truth, and `tests/it/rerun.rs` checks every
//! verdict here against the real server.

mod alter_table;
mod cluster;
mod data;
mod drop;
mod dropped;
mod foreign;
mod functions;
mod indexes;
pub mod kinds;
mod plpgsql;
mod rename;
mod replication;
mod schemas;
mod tables;
mod triggers;
mod types;

use super::{Finding, RuleMeta, StatementContext};
pub use dropped::Dropped;
use pg_query::protobuf::Node;
use pg_query::NodeEnum;

pub static RULE: RuleMeta = RuleMeta {
    id: "non-idempotent",
    summary: "a statement fails or changes the database when its migration runs twice",
    explanation: "A migration can run twice: a non-transactional migration that stopped \
halfway is resumed from its first unfinished statement (and a statement that completed \
before the connection dropped runs again), operators replay files by hand, a restored \
database loses its history. Every statement should leave the database as it is when it \
runs again: `CREATE ... IF NOT EXISTS`, `CREATE OR REPLACE`, `DROP ... IF EXISTS`, \
`ADD COLUMN IF NOT EXISTS`, `ALTER TYPE ... ADD VALUE IF NOT EXISTS`, `INSERT ... ON \
CONFLICT` or `WHERE NOT EXISTS`. Objects without such a clause (types, domains, \
policies, constraints) are re-runnable when a `DROP ... IF EXISTS` of the same object \
comes first in the same migration, or when they are created in a `DO` block that \
checks the catalogs or catches `duplicate_object`.",
    allowable: true,
    bad: r#"CREATE TYPE status AS ENUM ('active', 'closed');
CREATE INDEX accounts_email ON accounts (email);
INSERT INTO settings (key, value) VALUES ('theme', 'dark');"#,
    good: r#"DO $$ BEGIN
    CREATE TYPE status AS ENUM ('active', 'closed');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
CREATE INDEX IF NOT EXISTS accounts_email ON accounts (email);
INSERT INTO settings (key, value) VALUES ('theme', 'dark') ON CONFLICT (key) DO NOTHING;"#,
};

/// Why a statement cannot run twice, ready to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub help: String,
    /// How many leading words of the statement to underline.
    pub words: usize,
    /// The conditions (PL/pgSQL names) of the error a second run raises: a `DO`
    /// block that catches one of them has handled it. Empty when the second run
    /// succeeds but changes the data.
    pub conditions: &'static [&'static str],
}

const ALLOW: &str = "put `-- pgstrata:allow(non-idempotent)` above the statement";

const DUPLICATE_RELATION: &[&str] = &["duplicate_table", "duplicate_object"];
const DUPLICATE_OBJECT: &[&str] = &["duplicate_object"];
const DUPLICATE_FUNCTION: &[&str] = &["duplicate_function", "duplicate_object"];
const DUPLICATE_SCHEMA: &[&str] = &["duplicate_schema", "duplicate_object"];
const DUPLICATE_COLUMN: &[&str] = &["duplicate_column"];
const DUPLICATE_DATABASE: &[&str] = &["duplicate_database", "duplicate_object"];
const UNDEFINED: &[&str] = &[
    "undefined_table",
    "undefined_object",
    "undefined_function",
    "undefined_column",
    "invalid_schema_name",
];
const ANY_ERROR: &[&str] = &[
    "object_not_in_prerequisite_state",
    "invalid_table_definition",
    "duplicate_object",
    "undefined_object",
    "wrong_object_type",
];
const KEY_VIOLATION: &[&str] = &["unique_violation"];

impl Problem {
    /// Fails when the object exists; `fixed` is the re-runnable spelling.
    fn needs_clause(
        what: &str,
        clause: &str,
        fixed: &str,
        conditions: &'static [&'static str],
    ) -> Self {
        Self {
            message: format!("{what} without {clause} fails when run twice"),
            help: format!("write `{fixed}`, or {ALLOW}"),
            words: words(what),
            conditions,
        }
    }

    /// Fails when the object exists, and has no clause to prevent it.
    fn needs_guard(what: &str, drop: &str, conditions: &'static [&'static str]) -> Self {
        Self {
            message: format!("{what} fails when run twice"),
            help: format!(
                "drop it first in the same migration (`{drop}`), or run it in a `DO` block that checks the catalogs or catches `{}`; or {ALLOW}",
                conditions.first().copied().unwrap_or("duplicate_object")
            ),
            words: words(what),
            conditions,
        }
    }

    /// Fails on a second run for a reason no clause fixes.
    fn fails(what: &str, why: &str, conditions: &'static [&'static str]) -> Self {
        Self {
            message: format!("{what} fails when run twice: {why}"),
            help: format!("run it in a `DO` block that checks the catalogs first, or {ALLOW}"),
            words: words(what),
            conditions,
        }
    }

    /// Succeeds again but changes the database again.
    fn changes(what: &str, why: &str, fix: &str) -> Self {
        Self {
            message: format!("{what} {why}: running it twice changes the database"),
            help: format!("{fix}, or {ALLOW}"),
            words: words(what),
            conditions: &[],
        }
    }

    /// pgstrata cannot see what it does.
    fn unverifiable(what: &str, why: &str) -> Self {
        Self {
            message: format!("{what} {why}, so pgstrata cannot tell whether it can run twice"),
            help: format!("guard what it does (`IF NOT EXISTS`, a catalog check, an exception handler), then {ALLOW}"),
            words: words(what),
            conditions: &[],
        }
    }
}

/// Words to underline: the statement's keywords, at most three.
fn words(what: &str) -> usize {
    what.split_whitespace()
        .take_while(|w| w.chars().all(|c| c.is_ascii_uppercase()))
        .count()
        .clamp(1, 3)
}

/// Reports a statement that cannot run twice; `dropped` is what the statements
/// before it in the file dropped.
pub fn check(ctx: &StatementContext<'_>, dropped: &Dropped, out: &mut Vec<Finding>) {
    let Some(node) = &ctx.statement.node else {
        return;
    };
    let text = &ctx.file.text[ctx.statement.range.clone()];
    if let Some(problem) = verdict(node, text, dropped) {
        out.push(Finding {
            rule: RULE.id,
            range: ctx.leading_words(problem.words),
            message: problem.message,
            help: problem.help,
        });
    }
}

/// What goes wrong when `node`, written as `text`, runs a second time, given what the
/// migration dropped with `IF EXISTS` before it; `None` when nothing does. Each family
/// of statements is judged in its module.
pub fn verdict(node: &NodeEnum, text: &str, dropped: &Dropped) -> Option<Problem> {
    match node {
        NodeEnum::CreateStmt(s) => tables::create_table(s, dropped),
        NodeEnum::CreateForeignTableStmt(s) => tables::create_foreign_table(s, dropped),
        NodeEnum::CreateTableAsStmt(s) => tables::create_table_as(s, dropped),
        NodeEnum::SelectStmt(s) if s.into_clause.is_some() => tables::select_into(s, dropped),
        NodeEnum::CreateSeqStmt(s) => tables::create_sequence(s, dropped),
        NodeEnum::ViewStmt(s) => tables::create_view(s, dropped),
        NodeEnum::AlterTableStmt(s) => alter_table::alter_table(s, dropped),

        NodeEnum::IndexStmt(s) => indexes::create_index(s, dropped),
        NodeEnum::CreateStatsStmt(s) => indexes::create_statistics(s, dropped),
        NodeEnum::CreateOpClassStmt(s) => indexes::create_operator_class(s, dropped),
        NodeEnum::CreateOpFamilyStmt(s) => indexes::create_operator_family(s, dropped),
        NodeEnum::AlterOpFamilyStmt(_) => indexes::alter_operator_family(),
        NodeEnum::CreateAmStmt(s) => indexes::create_access_method(s, dropped),

        NodeEnum::DefineStmt(s) => types::define(s, dropped),
        NodeEnum::CreateDomainStmt(s) => types::create_domain(s, dropped),
        NodeEnum::CreateEnumStmt(s) => types::create_enum(s, dropped),
        NodeEnum::CompositeTypeStmt(s) => types::create_composite(s, dropped),
        NodeEnum::CreateRangeStmt(s) => types::create_range(s, dropped),
        NodeEnum::CreateCastStmt(_) => types::create_cast(),
        NodeEnum::CreateConversionStmt(s) => types::create_conversion(s, dropped),
        NodeEnum::AlterEnumStmt(s) => types::alter_enum(s),
        NodeEnum::AlterDomainStmt(s) => types::alter_domain(s, dropped),
        NodeEnum::AlterTsconfigurationStmt(s) => types::alter_text_search_configuration(s),

        NodeEnum::CreateFunctionStmt(s) => functions::create_function(s, dropped),
        NodeEnum::CreatePlangStmt(s) => functions::create_language(s, dropped),
        NodeEnum::CreateTransformStmt(s) => functions::create_transform(s),
        NodeEnum::CallStmt(_) => functions::call(),
        NodeEnum::DoStmt(s) => plpgsql::check_do(s),

        NodeEnum::CreateTrigStmt(s) => triggers::create_trigger(s, dropped),
        NodeEnum::RuleStmt(s) => triggers::create_rule(s, dropped),
        NodeEnum::CreatePolicyStmt(s) => triggers::create_policy(s, dropped),
        NodeEnum::CreateEventTrigStmt(s) => triggers::create_event_trigger(s, dropped),

        NodeEnum::CreateSchemaStmt(s) => schemas::create_schema(s, dropped),
        NodeEnum::CreateExtensionStmt(s) => schemas::create_extension(s, dropped),
        NodeEnum::AlterExtensionContentsStmt(_) => schemas::alter_extension_contents(),

        NodeEnum::CreatedbStmt(_) => cluster::create_database(),
        NodeEnum::CreateTableSpaceStmt(_) => cluster::create_tablespace(),
        NodeEnum::CreateRoleStmt(s) => cluster::create_role(s, dropped),

        NodeEnum::CreateFdwStmt(s) => foreign::create_wrapper(s, dropped),
        NodeEnum::CreateForeignServerStmt(s) => foreign::create_server(s, dropped),
        NodeEnum::CreateUserMappingStmt(s) => foreign::create_user_mapping(s),
        NodeEnum::ImportForeignSchemaStmt(_) => foreign::import_foreign_schema(),

        NodeEnum::CreatePublicationStmt(s) => replication::create_publication(s, dropped),
        NodeEnum::CreateSubscriptionStmt(_) => replication::create_subscription(),
        NodeEnum::AlterPublicationStmt(s) => replication::alter_publication(s),
        NodeEnum::AlterSubscriptionStmt(s) => replication::alter_subscription(s),

        NodeEnum::RenameStmt(s) => rename::rename(s),
        NodeEnum::AlterObjectSchemaStmt(s) => rename::set_schema(s),

        NodeEnum::DropStmt(s) => drop::drop_object(s),
        NodeEnum::DropRoleStmt(s) => drop::without_if_exists(s.missing_ok, "DROP ROLE"),
        NodeEnum::DropdbStmt(s) => drop::without_if_exists(s.missing_ok, "DROP DATABASE"),
        NodeEnum::DropTableSpaceStmt(s) => drop::without_if_exists(s.missing_ok, "DROP TABLESPACE"),
        NodeEnum::DropSubscriptionStmt(s) => {
            drop::without_if_exists(s.missing_ok, "DROP SUBSCRIPTION")
        }
        NodeEnum::DropUserMappingStmt(s) => {
            drop::without_if_exists(s.missing_ok, "DROP USER MAPPING")
        }

        NodeEnum::InsertStmt(_)
        | NodeEnum::UpdateStmt(_)
        | NodeEnum::MergeStmt(_)
        | NodeEnum::SelectStmt(_) => data::data_change(node, text),
        NodeEnum::CopyStmt(s) if s.is_from => data::copy_from(),
        NodeEnum::ExplainStmt(s) if has_option(&s.options, "analyze") => s
            .query
            .as_deref()
            .and_then(|q| q.node.as_ref())
            .and_then(|q| verdict(q, text, dropped)),
        _ => None,
    }
}

fn last_name(list: &[Node]) -> String {
    list.iter()
        .rev()
        .find_map(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

fn has_option(options: &[Node], name: &str) -> bool {
    options.iter().any(
        |o| matches!(&o.node, Some(NodeEnum::DefElem(d)) if d.defname.eq_ignore_ascii_case(name)),
    )
}
