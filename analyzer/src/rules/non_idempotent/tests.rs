use super::kinds::{Rerun, KINDS};
use crate::parse::parse_file;
use crate::rules::{check_statement, FileState, Finding, StatementContext};
use crate::source::SourceFile;

/// The rule's findings on `sql` as one migration file, and its statements' node kinds.
fn run(sql: &str) -> (Vec<Finding>, Vec<String>) {
    let file = SourceFile::new(
        "/m/V1__x.sql".into(),
        "migrations/V1__x.sql".into(),
        sql.into(),
    );
    let parsed = parse_file(&file);
    assert!(
        parsed.diagnostics.is_empty(),
        "{sql}: {:?}",
        parsed.diagnostics
    );
    let mut out = Vec::new();
    let mut state = FileState::default();
    for statement in &parsed.statements {
        let ctx = StatementContext {
            file: &file,
            statement,
        };
        check_statement(&ctx, &mut state, &mut out);
    }
    out.retain(|finding| finding.rule == super::RULE.id);
    let kinds = parsed
        .statements
        .iter()
        .filter_map(|s| s.node.as_ref())
        .map(|n| {
            format!("{n:?}")
                .split('(')
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    (out, kinds)
}

#[test]
fn every_row_of_the_table_matches_the_rule() {
    let mut wrong = Vec::new();
    for kind in KINDS {
        if !kind.bad.is_empty() {
            let (findings, nodes) = run(kind.bad);
            if !nodes.iter().any(|n| n == kind.node) {
                wrong.push(format!("{}: bad example is {nodes:?}", kind.statement));
            }
            if findings.is_empty() {
                wrong.push(format!("{}: `{}` is not flagged", kind.statement, kind.bad));
            }
        }
        if !kind.good.is_empty() {
            let (findings, nodes) = run(kind.good);
            // A `DO` block is how some kinds are guarded.
            if !nodes.iter().any(|n| n == kind.node || n == "DoStmt") {
                wrong.push(format!("{}: good example is {nodes:?}", kind.statement));
            }
            if !findings.is_empty() {
                wrong.push(format!(
                    "{}: `{}` is flagged: {}",
                    kind.statement, kind.good, findings[0].message
                ));
            }
        }
        let shape = match kind.rerun {
            Rerun::Runs => kind.bad.is_empty() && !kind.good.is_empty(),
            Rerun::Guarded => !kind.bad.is_empty() && !kind.good.is_empty(),
            Rerun::Fails | Rerun::Changes => !kind.bad.is_empty(),
        };
        if !shape {
            wrong.push(format!(
                "{}: examples do not fit {:?}",
                kind.statement, kind.rerun
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_table_covers_every_statement_kind() {
    // Every statement node of PostgreSQL 18's parser except those that only exist
    // inside other statements (RawStmt, SetOperationStmt, PLAssignStmt, ReturnStmt).
    const STATEMENTS: &[&str] = &[
        "AlterCollationStmt",
        "AlterDatabaseRefreshCollStmt",
        "AlterDatabaseSetStmt",
        "AlterDatabaseStmt",
        "AlterDefaultPrivilegesStmt",
        "AlterDomainStmt",
        "AlterEnumStmt",
        "AlterEventTrigStmt",
        "AlterExtensionContentsStmt",
        "AlterExtensionStmt",
        "AlterFdwStmt",
        "AlterForeignServerStmt",
        "AlterFunctionStmt",
        "AlterObjectDependsStmt",
        "AlterObjectSchemaStmt",
        "AlterOpFamilyStmt",
        "AlterOperatorStmt",
        "AlterOwnerStmt",
        "AlterPolicyStmt",
        "AlterPublicationStmt",
        "AlterRoleSetStmt",
        "AlterRoleStmt",
        "AlterSeqStmt",
        "AlterStatsStmt",
        "AlterSubscriptionStmt",
        "AlterSystemStmt",
        "AlterTableMoveAllStmt",
        "AlterTableSpaceOptionsStmt",
        "AlterTableStmt",
        "AlterTsconfigurationStmt",
        "AlterTsdictionaryStmt",
        "AlterTypeStmt",
        "AlterUserMappingStmt",
        "CallStmt",
        "CheckPointStmt",
        "ClosePortalStmt",
        "ClusterStmt",
        "CommentStmt",
        "CompositeTypeStmt",
        "ConstraintsSetStmt",
        "CopyStmt",
        "CreateAmStmt",
        "CreateCastStmt",
        "CreateConversionStmt",
        "CreateDomainStmt",
        "CreateEnumStmt",
        "CreateEventTrigStmt",
        "CreateExtensionStmt",
        "CreateFdwStmt",
        "CreateForeignServerStmt",
        "CreateForeignTableStmt",
        "CreateFunctionStmt",
        "CreateOpClassStmt",
        "CreateOpFamilyStmt",
        "CreatePlangStmt",
        "CreatePolicyStmt",
        "CreatePublicationStmt",
        "CreateRangeStmt",
        "CreateRoleStmt",
        "CreateSchemaStmt",
        "CreateSeqStmt",
        "CreateStatsStmt",
        "CreateStmt",
        "CreateSubscriptionStmt",
        "CreateTableAsStmt",
        "CreateTableSpaceStmt",
        "CreateTransformStmt",
        "CreateTrigStmt",
        "CreateUserMappingStmt",
        "CreatedbStmt",
        "DeallocateStmt",
        "DeclareCursorStmt",
        "DefineStmt",
        "DeleteStmt",
        "DiscardStmt",
        "DoStmt",
        "DropOwnedStmt",
        "DropRoleStmt",
        "DropStmt",
        "DropSubscriptionStmt",
        "DropTableSpaceStmt",
        "DropUserMappingStmt",
        "DropdbStmt",
        "ExecuteStmt",
        "ExplainStmt",
        "FetchStmt",
        "GrantRoleStmt",
        "GrantStmt",
        "ImportForeignSchemaStmt",
        "IndexStmt",
        "InsertStmt",
        "ListenStmt",
        "LoadStmt",
        "LockStmt",
        "MergeStmt",
        "NotifyStmt",
        "PrepareStmt",
        "ReassignOwnedStmt",
        "RefreshMatViewStmt",
        "ReindexStmt",
        "RenameStmt",
        "RuleStmt",
        "SecLabelStmt",
        "SelectStmt",
        "TransactionStmt",
        "TruncateStmt",
        "UnlistenStmt",
        "UpdateStmt",
        "VacuumStmt",
        "VariableSetStmt",
        "VariableShowStmt",
        "ViewStmt",
    ];
    // Kinds a row covers as part of a multi-statement example or a sibling form.
    const COVERED_BY_SIBLINGS: &[(&str, &str)] = &[
        ("ClosePortalStmt", "DeclareCursorStmt"),
        ("FetchStmt", "DeclareCursorStmt"),
        ("ExecuteStmt", "PrepareStmt"),
        ("DeallocateStmt", "PrepareStmt"),
        ("AlterFdwStmt", "AlterForeignServerStmt"),
        ("AlterUserMappingStmt", "AlterForeignServerStmt"),
        ("AlterDatabaseRefreshCollStmt", "AlterDatabaseStmt"),
        ("AlterTableMoveAllStmt", "AlterTableStmt"),
        ("AlterTableSpaceOptionsStmt", "DropTableSpaceStmt"),
        ("DropSubscriptionStmt", "CreateSubscriptionStmt"),
        ("DropUserMappingStmt", "CreateUserMappingStmt"),
    ];
    for statement in STATEMENTS {
        let row = KINDS.iter().any(|k| k.node == *statement)
            || COVERED_BY_SIBLINGS.iter().any(|(kind, sibling)| {
                kind == statement && KINDS.iter().any(|k| k.node == *sibling)
            });
        assert!(row, "{statement} has no row in the table");
    }
}

#[test]
fn messages_say_what_fails_and_how_to_fix_it() {
    let (findings, _) = run("CREATE INDEX messages_thread_idx ON messages (thread_id);");
    assert_eq!(
        findings[0].message,
        "CREATE INDEX without IF NOT EXISTS fails when run twice"
    );
    assert_eq!(
        findings[0].help,
        "write `CREATE INDEX IF NOT EXISTS`, or put `-- pgstrata:allow(non-idempotent)` above the statement"
    );
    let (findings, _) = run("UPDATE counters SET n = n + 1;");
    assert_eq!(
        findings[0].message,
        "UPDATE reads the column it writes (`n`): running it twice changes the database"
    );
    let (findings, _) = run("DO $$ BEGIN CREATE TYPE mood AS ENUM ('sad'); END $$;");
    assert_eq!(
        findings[0].message,
        "in a DO block: CREATE TYPE ... AS ENUM fails when run twice"
    );
}

#[test]
fn the_neuroagent_idioms_are_understood() {
    let (findings, _) = run(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'task') THEN CREATE TYPE task AS ENUM ('a'); END IF; END $$;\n\
         DO $$ BEGIN CREATE TYPE entity AS ENUM ('USER'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
         ALTER TYPE task ADD VALUE IF NOT EXISTS 'b';\n",
    );
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn a_guard_in_another_migration_does_not_count() {
    // The DROP must be earlier in the same migration: `run` is one file.
    let (findings, _) = run("CREATE TYPE color AS ENUM ('red'); DROP TYPE IF EXISTS color;");
    assert_eq!(findings.len(), 1);
}
