//! `non-idempotent`: a statement that fails, or changes the result, when its migration
//! runs a second time.
//!
//! Why a second run happens: a non-transactional migration that stopped halfway is
//! resumed, an operator replays a file by hand, a history table is lost. What
//! PostgreSQL does on the second run is the truth, and `tests/rerun.rs` checks every
//! verdict here against the real server.

mod guards;
pub mod kinds;
mod plpgsql;

use super::{Finding, RuleMeta, StatementContext};
use crate::tree;
pub use guards::Dropped;
use guards::{kind_of, ObjectKey};
use pg_query::protobuf::{
    AlterPublicationAction, AlterSubscriptionType, AlterTableType, AlterTsConfigType, ConstrType,
    Node, ObjectType, OnConflictAction,
};
use pg_query::NodeEnum;
use serde_json::Value;

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
/// migration dropped with `IF EXISTS` before it; `None` when nothing does.
pub fn verdict(node: &NodeEnum, text: &str, dropped: &Dropped) -> Option<Problem> {
    let was_dropped = |kind: &'static str, name: &str, table: Option<&str>| {
        dropped.contains(&ObjectKey::new(kind, name, table))
    };
    match node {
        NodeEnum::CreateStmt(s) => {
            let name = s.relation.as_ref().map_or("", |r| r.relname.as_str());
            (!s.if_not_exists && !was_dropped("table", name, None)).then(|| {
                Problem::needs_clause(
                    "CREATE TABLE",
                    "IF NOT EXISTS",
                    "CREATE TABLE IF NOT EXISTS",
                    DUPLICATE_RELATION,
                )
            })
        }
        NodeEnum::CreateForeignTableStmt(s) => {
            let base = s.base_stmt.as_ref();
            let name = base
                .and_then(|b| b.relation.as_ref())
                .map_or("", |r| r.relname.as_str());
            (!base.is_some_and(|b| b.if_not_exists) && !was_dropped("foreign table", name, None))
                .then(|| {
                    Problem::needs_clause(
                        "CREATE FOREIGN TABLE",
                        "IF NOT EXISTS",
                        "CREATE FOREIGN TABLE IF NOT EXISTS",
                        DUPLICATE_RELATION,
                    )
                })
        }
        NodeEnum::CreateTableAsStmt(s) => {
            let name = s
                .into
                .as_ref()
                .and_then(|i| i.rel.as_ref())
                .map_or("", |r| r.relname.as_str());
            let matview = s.objtype == ObjectType::ObjectMatview as i32;
            let (kind, what) = if matview {
                ("matview", "CREATE MATERIALIZED VIEW")
            } else {
                ("table", "CREATE TABLE AS")
            };
            (!s.if_not_exists && !was_dropped(kind, name, None)).then(|| {
                let fixed = if matview {
                    "CREATE MATERIALIZED VIEW IF NOT EXISTS"
                } else {
                    "CREATE TABLE IF NOT EXISTS ... AS"
                };
                Problem::needs_clause(what, "IF NOT EXISTS", fixed, DUPLICATE_RELATION)
            })
        }
        NodeEnum::SelectStmt(s) if s.into_clause.is_some() => Some(Problem::needs_guard(
            "SELECT INTO",
            "DROP TABLE IF EXISTS ...",
            DUPLICATE_RELATION,
        ))
        .filter(|_| {
            let name = s
                .into_clause
                .as_ref()
                .and_then(|i| i.rel.as_ref())
                .map_or("", |r| r.relname.as_str());
            !was_dropped("table", name, None)
        }),
        NodeEnum::IndexStmt(s) => {
            if s.idxname.is_empty() {
                return Some(Problem::changes(
                    "CREATE INDEX without a name",
                    "creates another index on every run",
                    "name the index and write `CREATE INDEX IF NOT EXISTS name`",
                ));
            }
            (!s.if_not_exists && !was_dropped("index", &s.idxname, None)).then(|| {
                let what = if s.unique {
                    "CREATE UNIQUE INDEX"
                } else {
                    "CREATE INDEX"
                };
                Problem::needs_clause(
                    what,
                    "IF NOT EXISTS",
                    &format!("{what} IF NOT EXISTS"),
                    DUPLICATE_RELATION,
                )
            })
        }
        NodeEnum::CreateSeqStmt(s) => {
            let name = s.sequence.as_ref().map_or("", |r| r.relname.as_str());
            (!s.if_not_exists && !was_dropped("sequence", name, None)).then(|| {
                Problem::needs_clause(
                    "CREATE SEQUENCE",
                    "IF NOT EXISTS",
                    "CREATE SEQUENCE IF NOT EXISTS",
                    DUPLICATE_RELATION,
                )
            })
        }
        NodeEnum::CreateSchemaStmt(s) => {
            (!s.if_not_exists && !was_dropped("schema", &s.schemaname, None)).then(|| {
                Problem::needs_clause(
                    "CREATE SCHEMA",
                    "IF NOT EXISTS",
                    "CREATE SCHEMA IF NOT EXISTS",
                    DUPLICATE_SCHEMA,
                )
            })
        }
        NodeEnum::CreateExtensionStmt(s) => {
            (!s.if_not_exists && !was_dropped("extension", &s.extname, None)).then(|| {
                Problem::needs_clause(
                    "CREATE EXTENSION",
                    "IF NOT EXISTS",
                    "CREATE EXTENSION IF NOT EXISTS",
                    DUPLICATE_OBJECT,
                )
            })
        }
        NodeEnum::CreateFunctionStmt(s) => {
            let name = last_name(&s.funcname);
            (!s.replace && !was_dropped("function", &name, None)).then(|| {
                let what = if s.is_procedure {
                    "CREATE PROCEDURE"
                } else {
                    "CREATE FUNCTION"
                };
                let fixed = if s.is_procedure {
                    "CREATE OR REPLACE PROCEDURE"
                } else {
                    "CREATE OR REPLACE FUNCTION"
                };
                Problem::needs_clause(what, "OR REPLACE", fixed, DUPLICATE_FUNCTION)
            })
        }
        NodeEnum::ViewStmt(s) => {
            let name = s.view.as_ref().map_or("", |r| r.relname.as_str());
            (!s.replace && !was_dropped("view", name, None)).then(|| {
                Problem::needs_clause(
                    "CREATE VIEW",
                    "OR REPLACE",
                    "CREATE OR REPLACE VIEW",
                    DUPLICATE_RELATION,
                )
            })
        }
        NodeEnum::CreateTrigStmt(s) => {
            let table = s.relation.as_ref().map(|r| r.relname.as_str());
            if s.replace || was_dropped("trigger", &s.trigname, table) {
                None
            } else if s.isconstraint {
                Some(Problem::needs_guard(
                    "CREATE CONSTRAINT TRIGGER",
                    "DROP TRIGGER IF EXISTS ... ON ...",
                    DUPLICATE_OBJECT,
                ))
            } else {
                Some(Problem::needs_clause(
                    "CREATE TRIGGER",
                    "OR REPLACE",
                    "CREATE OR REPLACE TRIGGER",
                    DUPLICATE_OBJECT,
                ))
            }
        }
        NodeEnum::RuleStmt(s) => {
            let table = s.relation.as_ref().map(|r| r.relname.as_str());
            (!s.replace && !was_dropped("rule", &s.rulename, table)).then(|| {
                Problem::needs_clause(
                    "CREATE RULE",
                    "OR REPLACE",
                    "CREATE OR REPLACE RULE",
                    DUPLICATE_OBJECT,
                )
            })
        }
        NodeEnum::DefineStmt(s) => define(s, dropped),
        NodeEnum::CreateDomainStmt(s) => (!was_dropped("domain", &last_name(&s.domainname), None))
            .then(|| {
                Problem::needs_guard(
                    "CREATE DOMAIN",
                    "DROP DOMAIN IF EXISTS ...",
                    DUPLICATE_OBJECT,
                )
            }),
        NodeEnum::CreateEnumStmt(s) => {
            (!was_dropped("type", &last_name(&s.type_name), None)).then(|| {
                Problem::needs_guard(
                    "CREATE TYPE ... AS ENUM",
                    "DROP TYPE IF EXISTS ...",
                    DUPLICATE_OBJECT,
                )
            })
        }
        NodeEnum::CompositeTypeStmt(s) => {
            let name = s.typevar.as_ref().map_or("", |r| r.relname.as_str());
            (!was_dropped("type", name, None)).then(|| {
                Problem::needs_guard(
                    "CREATE TYPE ... AS",
                    "DROP TYPE IF EXISTS ...",
                    DUPLICATE_OBJECT,
                )
            })
        }
        NodeEnum::CreateRangeStmt(s) => (!was_dropped("type", &last_name(&s.type_name), None))
            .then(|| {
                Problem::needs_guard(
                    "CREATE TYPE ... AS RANGE",
                    "DROP TYPE IF EXISTS ...",
                    DUPLICATE_OBJECT,
                )
            }),
        NodeEnum::CreatePolicyStmt(s) => {
            let table = s.table.as_ref().map(|r| r.relname.as_str());
            (!was_dropped("policy", &s.policy_name, table)).then(|| {
                Problem::needs_guard(
                    "CREATE POLICY",
                    "DROP POLICY IF EXISTS ... ON ...",
                    DUPLICATE_OBJECT,
                )
            })
        }
        NodeEnum::CreateRoleStmt(s) => (!was_dropped("role", &s.role, None)).then(|| {
            Problem::needs_guard("CREATE ROLE", "DROP ROLE IF EXISTS ...", DUPLICATE_OBJECT)
        }),
        NodeEnum::CreatedbStmt(_) => Some(Problem::fails(
            "CREATE DATABASE",
            "the database exists",
            DUPLICATE_DATABASE,
        )),
        NodeEnum::CreateTableSpaceStmt(_) => Some(Problem::fails(
            "CREATE TABLESPACE",
            "the tablespace exists",
            DUPLICATE_OBJECT,
        )),
        NodeEnum::CreateFdwStmt(s) => (!was_dropped("foreign-data wrapper", &s.fdwname, None))
            .then(|| {
                Problem::needs_guard(
                    "CREATE FOREIGN DATA WRAPPER",
                    "DROP FOREIGN DATA WRAPPER IF EXISTS ...",
                    DUPLICATE_OBJECT,
                )
            }),
        NodeEnum::CreateForeignServerStmt(s) => {
            (!s.if_not_exists && !was_dropped("server", &s.servername, None)).then(|| {
                Problem::needs_clause(
                    "CREATE SERVER",
                    "IF NOT EXISTS",
                    "CREATE SERVER IF NOT EXISTS",
                    DUPLICATE_OBJECT,
                )
            })
        }
        NodeEnum::CreateUserMappingStmt(s) => (!s.if_not_exists).then(|| {
            Problem::needs_clause(
                "CREATE USER MAPPING",
                "IF NOT EXISTS",
                "CREATE USER MAPPING IF NOT EXISTS",
                DUPLICATE_OBJECT,
            )
        }),
        NodeEnum::CreatePublicationStmt(s) => {
            (!was_dropped("publication", &s.pubname, None)).then(|| {
                Problem::needs_guard(
                    "CREATE PUBLICATION",
                    "DROP PUBLICATION IF EXISTS ...",
                    DUPLICATE_OBJECT,
                )
            })
        }
        NodeEnum::CreateSubscriptionStmt(_) => Some(Problem::fails(
            "CREATE SUBSCRIPTION",
            "the subscription exists",
            DUPLICATE_OBJECT,
        )),
        NodeEnum::CreateStatsStmt(s) => (!s.if_not_exists
            && !was_dropped("statistics", &last_name(&s.defnames), None))
        .then(|| {
            Problem::needs_clause(
                "CREATE STATISTICS",
                "IF NOT EXISTS",
                "CREATE STATISTICS IF NOT EXISTS",
                DUPLICATE_OBJECT,
            )
        }),
        // A cast is named by its types, which `Dropped` does not track: only a `DO`
        // block guards it.
        NodeEnum::CreateCastStmt(_) => Some(Problem::needs_guard(
            "CREATE CAST",
            "DROP CAST IF EXISTS (... AS ...)",
            DUPLICATE_OBJECT,
        )),
        NodeEnum::CreateOpClassStmt(s) => {
            (!was_dropped("operator class", &last_name(&s.opclassname), None)).then(|| {
                Problem::needs_guard(
                    "CREATE OPERATOR CLASS",
                    "DROP OPERATOR CLASS IF EXISTS ... USING ...",
                    DUPLICATE_OBJECT,
                )
            })
        }
        NodeEnum::CreateOpFamilyStmt(s) => {
            (!was_dropped("operator family", &last_name(&s.opfamilyname), None)).then(|| {
                Problem::needs_guard(
                    "CREATE OPERATOR FAMILY",
                    "DROP OPERATOR FAMILY IF EXISTS ... USING ...",
                    DUPLICATE_OBJECT,
                )
            })
        }
        NodeEnum::CreateConversionStmt(s) => {
            (!was_dropped("conversion", &last_name(&s.conversion_name), None)).then(|| {
                Problem::needs_guard(
                    "CREATE CONVERSION",
                    "DROP CONVERSION IF EXISTS ...",
                    DUPLICATE_OBJECT,
                )
            })
        }
        NodeEnum::CreateTransformStmt(s) => (!s.replace).then(|| {
            Problem::needs_clause(
                "CREATE TRANSFORM",
                "OR REPLACE",
                "CREATE OR REPLACE TRANSFORM",
                DUPLICATE_OBJECT,
            )
        }),
        NodeEnum::CreateAmStmt(s) => (!was_dropped("access method", &s.amname, None)).then(|| {
            Problem::needs_guard(
                "CREATE ACCESS METHOD",
                "DROP ACCESS METHOD IF EXISTS ...",
                DUPLICATE_OBJECT,
            )
        }),
        NodeEnum::CreatePlangStmt(s) => (!s.replace && !was_dropped("language", &s.plname, None))
            .then(|| {
                Problem::needs_clause(
                    "CREATE LANGUAGE",
                    "OR REPLACE",
                    "CREATE OR REPLACE LANGUAGE",
                    DUPLICATE_OBJECT,
                )
            }),
        NodeEnum::CreateEventTrigStmt(s) => (!was_dropped("event trigger", &s.trigname, None))
            .then(|| {
                Problem::needs_guard(
                    "CREATE EVENT TRIGGER",
                    "DROP EVENT TRIGGER IF EXISTS ...",
                    DUPLICATE_OBJECT,
                )
            }),
        NodeEnum::ImportForeignSchemaStmt(_) => Some(Problem::fails(
            "IMPORT FOREIGN SCHEMA",
            "the imported tables exist",
            DUPLICATE_RELATION,
        )),
        NodeEnum::AlterEnumStmt(s) => {
            if !s.old_val.is_empty() {
                Some(Problem::fails(
                    "ALTER TYPE ... RENAME VALUE",
                    "the old label is gone",
                    ANY_ERROR,
                ))
            } else {
                (!s.skip_if_new_val_exists).then(|| {
                    Problem::needs_clause(
                        "ALTER TYPE ... ADD VALUE",
                        "IF NOT EXISTS",
                        "ALTER TYPE ... ADD VALUE IF NOT EXISTS",
                        DUPLICATE_OBJECT,
                    )
                })
            }
        }
        NodeEnum::AlterTableStmt(s) => {
            let table = s.relation.as_ref().map_or("", |r| r.relname.as_str());
            s.cmds
                .iter()
                .find_map(|cmd| alter_table_cmd(cmd, table, dropped))
        }
        NodeEnum::RenameStmt(s) => rename(s),
        NodeEnum::AlterObjectSchemaStmt(s) => (!s.missing_ok).then(|| {
            Problem::fails(
                "ALTER ... SET SCHEMA",
                "the object is no longer in its old schema",
                UNDEFINED,
            )
        }),
        NodeEnum::AlterExtensionContentsStmt(_) => Some(Problem::fails(
            "ALTER EXTENSION ... ADD/DROP",
            "the member was already added or dropped",
            ANY_ERROR,
        )),
        NodeEnum::AlterOpFamilyStmt(_) => Some(Problem::fails(
            "ALTER OPERATOR FAMILY ... ADD/DROP",
            "the operator or function was already added or dropped",
            ANY_ERROR,
        )),
        NodeEnum::AlterTsconfigurationStmt(s) => match AlterTsConfigType::try_from(s.kind) {
            Ok(AlterTsConfigType::AlterTsconfigAddMapping) => Some(Problem::fails(
                "ALTER TEXT SEARCH CONFIGURATION ... ADD MAPPING",
                "the mapping exists",
                DUPLICATE_OBJECT,
            )),
            Ok(AlterTsConfigType::AlterTsconfigDropMapping) if !s.missing_ok => {
                Some(Problem::needs_clause(
                    "ALTER TEXT SEARCH CONFIGURATION ... DROP MAPPING",
                    "IF EXISTS",
                    "ALTER TEXT SEARCH CONFIGURATION ... DROP MAPPING IF EXISTS",
                    UNDEFINED,
                ))
            }
            _ => None,
        },
        NodeEnum::AlterPublicationStmt(s) => match AlterPublicationAction::try_from(s.action) {
            Ok(AlterPublicationAction::ApAddObjects | AlterPublicationAction::ApDropObjects) => {
                Some(Problem::fails(
                    "ALTER PUBLICATION ... ADD/DROP",
                    "the tables were already added or dropped",
                    ANY_ERROR,
                ))
            }
            _ => None,
        },
        NodeEnum::AlterSubscriptionStmt(s) => match AlterSubscriptionType::try_from(s.kind) {
            Ok(
                AlterSubscriptionType::AlterSubscriptionAddPublication
                | AlterSubscriptionType::AlterSubscriptionDropPublication,
            ) => Some(Problem::fails(
                "ALTER SUBSCRIPTION ... ADD/DROP PUBLICATION",
                "the publication was already added or dropped",
                ANY_ERROR,
            )),
            _ => None,
        },
        NodeEnum::AlterDomainStmt(s) => match s.subtype.as_str() {
            "C" => {
                let name = match s.def.as_deref().and_then(|d| d.node.as_ref()) {
                    Some(NodeEnum::Constraint(c)) => c.conname.clone(),
                    _ => String::new(),
                };
                let domain = last_name(&s.type_name);
                (name.is_empty() || !was_dropped("constraint", &name, Some(&domain))).then(|| {
                    Problem::needs_guard(
                        "ALTER DOMAIN ... ADD CONSTRAINT",
                        "ALTER DOMAIN ... DROP CONSTRAINT IF EXISTS ...",
                        DUPLICATE_OBJECT,
                    )
                })
            }
            "X" if !s.missing_ok => Some(Problem::needs_clause(
                "ALTER DOMAIN ... DROP CONSTRAINT",
                "IF EXISTS",
                "ALTER DOMAIN ... DROP CONSTRAINT IF EXISTS",
                UNDEFINED,
            )),
            _ => None,
        },
        NodeEnum::DropStmt(s) if !s.missing_ok => {
            let noun = ObjectType::try_from(s.remove_type)
                .ok()
                .and_then(kind_of)
                .unwrap_or("object");
            let what = format!("DROP {}", noun.to_uppercase());
            Some(Problem::needs_clause(
                &what,
                "IF EXISTS",
                &format!("{what} IF EXISTS"),
                UNDEFINED,
            ))
        }
        NodeEnum::DropRoleStmt(s) if !s.missing_ok => Some(Problem::needs_clause(
            "DROP ROLE",
            "IF EXISTS",
            "DROP ROLE IF EXISTS",
            UNDEFINED,
        )),
        NodeEnum::DropdbStmt(s) if !s.missing_ok => Some(Problem::needs_clause(
            "DROP DATABASE",
            "IF EXISTS",
            "DROP DATABASE IF EXISTS",
            UNDEFINED,
        )),
        NodeEnum::DropTableSpaceStmt(s) if !s.missing_ok => Some(Problem::needs_clause(
            "DROP TABLESPACE",
            "IF EXISTS",
            "DROP TABLESPACE IF EXISTS",
            UNDEFINED,
        )),
        NodeEnum::DropSubscriptionStmt(s) if !s.missing_ok => Some(Problem::needs_clause(
            "DROP SUBSCRIPTION",
            "IF EXISTS",
            "DROP SUBSCRIPTION IF EXISTS",
            UNDEFINED,
        )),
        NodeEnum::DropUserMappingStmt(s) if !s.missing_ok => Some(Problem::needs_clause(
            "DROP USER MAPPING",
            "IF EXISTS",
            "DROP USER MAPPING IF EXISTS",
            UNDEFINED,
        )),
        NodeEnum::InsertStmt(_)
        | NodeEnum::UpdateStmt(_)
        | NodeEnum::MergeStmt(_)
        | NodeEnum::SelectStmt(_) => data_change(node, text),
        NodeEnum::CopyStmt(s) if s.is_from => Some(Problem::changes(
            "COPY ... FROM",
            "loads the rows again",
            "load into a staging table and `INSERT ... ON CONFLICT` from it",
        )),
        NodeEnum::CallStmt(_) => Some(Problem::unverifiable("CALL", "runs a procedure")),
        NodeEnum::DoStmt(s) => plpgsql::check_do(s),
        NodeEnum::ExplainStmt(s) if has_option(&s.options, "analyze") => s
            .query
            .as_deref()
            .and_then(|q| q.node.as_ref())
            .and_then(|q| verdict(q, text, dropped)),
        _ => None,
    }
}

fn define(s: &pg_query::protobuf::DefineStmt, dropped: &Dropped) -> Option<Problem> {
    if s.if_not_exists || s.replace {
        return None;
    }
    let object = ObjectType::try_from(s.kind).ok();
    let kind = object.and_then(kind_of).unwrap_or("type");
    if dropped.contains(&ObjectKey::new(kind, &last_name(&s.defnames), None)) {
        return None;
    }
    Some(match object {
        Some(ObjectType::ObjectAggregate) => Problem::needs_clause(
            "CREATE AGGREGATE",
            "OR REPLACE",
            "CREATE OR REPLACE AGGREGATE",
            DUPLICATE_FUNCTION,
        ),
        Some(ObjectType::ObjectCollation) => Problem::needs_clause(
            "CREATE COLLATION",
            "IF NOT EXISTS",
            "CREATE COLLATION IF NOT EXISTS",
            DUPLICATE_OBJECT,
        ),
        Some(ObjectType::ObjectOperator) => Problem::needs_guard(
            "CREATE OPERATOR",
            "DROP OPERATOR IF EXISTS ...",
            DUPLICATE_FUNCTION,
        ),
        Some(ObjectType::ObjectTsconfiguration) => Problem::needs_guard(
            "CREATE TEXT SEARCH CONFIGURATION",
            "DROP TEXT SEARCH CONFIGURATION IF EXISTS ...",
            DUPLICATE_OBJECT,
        ),
        Some(ObjectType::ObjectTsdictionary) => Problem::needs_guard(
            "CREATE TEXT SEARCH DICTIONARY",
            "DROP TEXT SEARCH DICTIONARY IF EXISTS ...",
            DUPLICATE_OBJECT,
        ),
        Some(ObjectType::ObjectTsparser | ObjectType::ObjectTstemplate) => Problem::needs_guard(
            "CREATE TEXT SEARCH PARSER/TEMPLATE",
            "DROP TEXT SEARCH ... IF EXISTS ...",
            DUPLICATE_OBJECT,
        ),
        _ => Problem::needs_guard("CREATE TYPE", "DROP TYPE IF EXISTS ...", DUPLICATE_OBJECT),
    })
}

fn alter_table_cmd(cmd: &Node, table: &str, dropped: &Dropped) -> Option<Problem> {
    let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node else {
        return None;
    };
    let def = cmd.def.as_deref().and_then(|d| d.node.as_ref());
    let was_dropped =
        |kind: &'static str, name: &str| dropped.contains(&ObjectKey::new(kind, name, Some(table)));
    match AlterTableType::try_from(cmd.subtype).ok()? {
        AlterTableType::AtAddColumn | AlterTableType::AtAddColumnToView => {
            let column = match def {
                Some(NodeEnum::ColumnDef(c)) => c.colname.as_str(),
                _ => "",
            };
            (!cmd.missing_ok && !was_dropped("column", column)).then(|| {
                Problem::needs_clause(
                    "ALTER TABLE ... ADD COLUMN",
                    "IF NOT EXISTS",
                    "ADD COLUMN IF NOT EXISTS",
                    DUPLICATE_COLUMN,
                )
            })
        }
        AlterTableType::AtDropColumn => (!cmd.missing_ok).then(|| {
            Problem::needs_clause(
                "ALTER TABLE ... DROP COLUMN",
                "IF EXISTS",
                "DROP COLUMN IF EXISTS",
                UNDEFINED,
            )
        }),
        AlterTableType::AtAddConstraint
        | AlterTableType::AtAddIndexConstraint
        | AlterTableType::AtAddIndex => {
            let Some(NodeEnum::Constraint(constraint)) = def else {
                return None;
            };
            if constraint.conname.is_empty() {
                let primary = constraint.contype == ConstrType::ConstrPrimary as i32;
                return Some(if primary {
                    Problem::fails(
                        "ALTER TABLE ... ADD PRIMARY KEY",
                        "the table has its primary key",
                        ANY_ERROR,
                    )
                } else {
                    Problem::changes(
                        "ALTER TABLE ... ADD CONSTRAINT without a name",
                        "adds another constraint on every run",
                        "name the constraint and drop it first with `DROP CONSTRAINT IF EXISTS name`",
                    )
                });
            }
            (!was_dropped("constraint", &constraint.conname)).then(|| {
                Problem::needs_guard(
                    "ALTER TABLE ... ADD CONSTRAINT",
                    "ALTER TABLE ... DROP CONSTRAINT IF EXISTS ...",
                    DUPLICATE_RELATION,
                )
            })
        }
        AlterTableType::AtDropConstraint => (!cmd.missing_ok).then(|| {
            Problem::needs_clause(
                "ALTER TABLE ... DROP CONSTRAINT",
                "IF EXISTS",
                "DROP CONSTRAINT IF EXISTS",
                UNDEFINED,
            )
        }),
        AlterTableType::AtAlterColumnType => {
            let using = match def {
                Some(NodeEnum::ColumnDef(c)) => c
                    .raw_default
                    .as_deref()
                    .map(|d| serde_json::to_value(d).unwrap_or(Value::Null)),
                _ => None,
            };
            using.filter(computes).map(|_| {
                Problem::changes(
                    "ALTER TABLE ... ALTER COLUMN ... TYPE ... USING",
                    "rewrites the column with an expression that a second run applies to its own result",
                    "make the conversion a plain cast, or guard it with a check of the column's current type in a `DO` block",
                )
            })
        }
        AlterTableType::AtAddInherit => Some(Problem::fails(
            "ALTER TABLE ... INHERIT",
            "the table already inherits",
            ANY_ERROR,
        )),
        AlterTableType::AtDropInherit => Some(Problem::fails(
            "ALTER TABLE ... NO INHERIT",
            "the table no longer inherits",
            ANY_ERROR,
        )),
        AlterTableType::AtAttachPartition => Some(Problem::fails(
            "ALTER TABLE ... ATTACH PARTITION",
            "the partition is attached",
            ANY_ERROR,
        )),
        AlterTableType::AtDetachPartition | AlterTableType::AtDetachPartitionFinalize => {
            Some(Problem::fails(
                "ALTER TABLE ... DETACH PARTITION",
                "the partition is detached",
                ANY_ERROR,
            ))
        }
        AlterTableType::AtAddIdentity => Some(Problem::fails(
            "ALTER TABLE ... ADD GENERATED ... AS IDENTITY",
            "the column is an identity column",
            ANY_ERROR,
        )),
        AlterTableType::AtDropIdentity => (!cmd.missing_ok).then(|| {
            Problem::needs_clause(
                "ALTER TABLE ... DROP IDENTITY",
                "IF EXISTS",
                "DROP IDENTITY IF EXISTS",
                ANY_ERROR,
            )
        }),
        AlterTableType::AtDropExpression => (!cmd.missing_ok).then(|| {
            Problem::needs_clause(
                "ALTER TABLE ... DROP EXPRESSION",
                "IF EXISTS",
                "DROP EXPRESSION IF EXISTS",
                ANY_ERROR,
            )
        }),
        AlterTableType::AtDropOf => Some(Problem::fails(
            "ALTER TABLE ... NOT OF",
            "the table is no longer typed",
            ANY_ERROR,
        )),
        _ => None,
    }
}

/// A `USING` expression that computes (calls, operators, conditions) rather than
/// casting the column: applied to its own output it gives another answer or fails.
fn computes(using: &Value) -> bool {
    [
        "FuncCall",
        "AExpr",
        "CaseExpr",
        "BoolExpr",
        "SubLink",
        "CoalesceExpr",
        "NullTest",
    ]
    .iter()
    .any(|kind| !tree::find_all(using, kind).is_empty())
}

fn rename(s: &pg_query::protobuf::RenameStmt) -> Option<Problem> {
    let renames_relation = matches!(
        ObjectType::try_from(s.rename_type),
        Ok(ObjectType::ObjectTable
            | ObjectType::ObjectView
            | ObjectType::ObjectMatview
            | ObjectType::ObjectIndex
            | ObjectType::ObjectSequence
            | ObjectType::ObjectForeignTable)
    );
    // `ALTER TABLE IF EXISTS old RENAME TO new` skips once `old` is gone; for other
    // renames `IF EXISTS` is about the table, not the renamed column or constraint.
    if renames_relation && s.missing_ok {
        return None;
    }
    let help = if renames_relation {
        format!("write `ALTER ... IF EXISTS old RENAME TO new`, or {ALLOW}")
    } else {
        format!("run it in a `DO` block that checks the catalogs first, or {ALLOW}")
    };
    Some(Problem {
        message: "RENAME fails when run twice: the old name is gone".to_string(),
        help,
        words: 2,
        conditions: UNDEFINED,
    })
}

/// `INSERT`, `UPDATE`, `MERGE` and `SELECT`: what changes the data on a second run.
/// The generic walks (over the tree as JSON) are costly on large `VALUES` lists, so
/// they run only when the text can hold what they look for.
fn data_change(node: &NodeEnum, text: &str) -> Option<Problem> {
    if may_spell(text, "nextval") && tree::calls_nextval(&tree::json(node)) {
        return Some(Problem::changes(
            "a statement calling nextval()",
            "takes a new value from the sequence on every run",
            "use a fixed value (or `setval`)",
        ));
    }
    match node {
        NodeEnum::InsertStmt(s) => {
            let on_conflict = s.on_conflict_clause.as_deref();
            match on_conflict {
                Some(c) if c.action == OnConflictAction::OnconflictUpdate as i32 => {
                    let targets = serde_json::to_value(&c.target_list).unwrap_or(Value::Null);
                    reads_what_it_writes(&targets, &target_names(s.relation.as_ref())).map(
                        |column| {
                            Problem::changes(
                                "INSERT ... ON CONFLICT DO UPDATE",
                                &format!("reads the column it writes (`{column}`)"),
                                "set the column from `EXCLUDED` or a constant",
                            )
                        },
                    )
                }
                Some(_) => None,
                None => {
                    let guarded = may_spell(text, "exists")
                        && s.select_stmt
                            .as_deref()
                            .map(|q| serde_json::to_value(q).unwrap_or(Value::Null))
                            .is_some_and(|q| tree::has_exists_subquery(&q));
                    (!guarded).then(|| Problem {
                        message: "INSERT without ON CONFLICT or a NOT EXISTS guard inserts the rows again (or fails on a key) when run twice".to_string(),
                        help: format!("write `INSERT ... ON CONFLICT DO NOTHING`, or `INSERT ... SELECT ... WHERE NOT EXISTS (...)`; or {ALLOW}"),
                        words: 2,
                        conditions: KEY_VIOLATION,
                    })
                }
            }
        }
        NodeEnum::UpdateStmt(s) => {
            let targets = serde_json::to_value(&s.target_list).unwrap_or(Value::Null);
            reads_what_it_writes(&targets, &target_names(s.relation.as_ref())).map(|column| {
                Problem::changes(
                    "UPDATE",
                    &format!("reads the column it writes (`{column}`)"),
                    "set it to a value that does not depend on itself, or add a `WHERE` that excludes updated rows",
                )
            })
        }
        NodeEnum::MergeStmt(s) => {
            let clauses = serde_json::to_value(&s.merge_when_clauses).unwrap_or(Value::Null);
            let names = target_names(s.relation.as_ref());
            tree::find_all(&clauses, "MergeWhenClause")
                .into_iter()
                .find_map(|clause| {
                    let targets = clause.get("target_list")?;
                    let column = reads_what_it_writes(targets, &names)?;
                    Some(Problem::changes(
                        "MERGE ... UPDATE",
                        &format!("reads the column it writes (`{column}`)"),
                        "set it to a value that does not depend on itself",
                    ))
                })
        }
        _ => None,
    }
}

/// Whether `text` can spell `word` (ASCII, any case): a quick test before a walk of
/// the whole tree. A `U&"..."` identifier can spell any word with escapes, so text
/// that has one always can.
fn may_spell(text: &str, word: &str) -> bool {
    let contains = |needle: &[u8]| {
        text.as_bytes()
            .windows(needle.len())
            .any(|window| window.eq_ignore_ascii_case(needle))
    };
    contains(word.as_bytes()) || contains(b"u&")
}

/// The names a statement's target table goes by (its name and alias).
fn target_names(relation: Option<&pg_query::protobuf::RangeVar>) -> Vec<String> {
    relation
        .map(|r| {
            let mut names = vec![r.relname.clone()];
            names.extend(r.alias.as_ref().map(|a| a.aliasname.clone()));
            names
        })
        .unwrap_or_default()
}

/// The first column a `SET` list writes and also reads from the target row
/// (`SET n = n + 1`, `SET n = t.n + 1`). A reference qualified with another
/// relation (`src.n`, `EXCLUDED.n`) reads that relation instead.
fn reads_what_it_writes(targets: &Value, target: &[String]) -> Option<String> {
    let res_targets = tree::find_all(targets, "ResTarget");
    let written: Vec<&str> = res_targets
        .iter()
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .filter(|n| !n.is_empty())
        .collect();
    for res_target in res_targets {
        let Some(val) = res_target.get("val") else {
            continue;
        };
        for reference in tree::find_all(val, "ColumnRef") {
            let fields = reference.get("fields").map(tree::names).unwrap_or_default();
            let reads_target = match fields.as_slice() {
                [_] => true,
                [.., qualifier, _] => target.iter().any(|t| t == qualifier),
                [] => false,
            };
            if !reads_target {
                continue;
            }
            if let Some(column) = fields.last().filter(|c| written.contains(&c.as_str())) {
                return Some(column.clone());
            }
        }
    }
    None
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

#[cfg(test)]
mod tests;
