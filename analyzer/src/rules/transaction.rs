//! `transaction`: the runner owns transactions, and some statements cannot run inside
//! one. The transaction plan of a migration is read from its parse tree here.

use super::{Finding, RuleMeta, StatementContext};
use pg_query::protobuf::{AlterTableType, Node, ReindexObjectType, TransactionStmtKind};
use pg_query::NodeEnum;

pub static RULE: RuleMeta = RuleMeta {
    id: "transaction",
    summary: "a migration controls its own transaction",
    explanation: "The runner wraps each migration, with its history row, in one transaction, \
so a failure leaves no trace. `BEGIN`, `COMMIT`, `ROLLBACK` or `PREPARE TRANSACTION` in \
a file would end that transaction early and record a half-applied migration as done. \
Statements that PostgreSQL refuses inside a transaction block (`CREATE INDEX \
CONCURRENTLY`, `VACUUM`, `ALTER SYSTEM`, ...) are found in the parse tree: such a \
migration runs outside a transaction, one statement at a time, with its progress \
recorded so a rerun resumes it. Write `-- pgstrata:no-transaction` at the top of a \
file to force that mode.",
    allowable: true,
    bad: r#"BEGIN;
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS email text;
COMMIT;"#,
    good: r#"-- The runner wraps the migration and its history row in one transaction.
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS email text;"#,
};

/// Reports explicit transaction control.
pub fn check(ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some(NodeEnum::TransactionStmt(stmt)) = &ctx.statement.node else {
        return;
    };
    let Ok(kind) = TransactionStmtKind::try_from(stmt.kind) else {
        return;
    };
    let (words, what) = match kind {
        TransactionStmtKind::TransStmtBegin => (1, "BEGIN"),
        TransactionStmtKind::TransStmtStart => (2, "START TRANSACTION"),
        TransactionStmtKind::TransStmtCommit => (1, "COMMIT"),
        TransactionStmtKind::TransStmtRollback => (1, "ROLLBACK"),
        TransactionStmtKind::TransStmtPrepare => (2, "PREPARE TRANSACTION"),
        TransactionStmtKind::TransStmtCommitPrepared => (2, "COMMIT PREPARED"),
        TransactionStmtKind::TransStmtRollbackPrepared => (2, "ROLLBACK PREPARED"),
        // Savepoints nest inside the runner's transaction and are fine.
        _ => return,
    };
    out.push(Finding {
        rule: RULE.id,
        message: format!("{what} in a migration: the runner owns transactions"),
        help: "remove it: each migration already runs in its own transaction; write `-- pgstrata:no-transaction` at the top of the file to run it outside one".into(),
        range: ctx.leading_words(words),
    });
}

/// Why a statement cannot run inside a transaction block, or `None` when it can.
pub fn needs_no_transaction(node: &NodeEnum) -> Option<&'static str> {
    match node {
        NodeEnum::IndexStmt(s) if s.concurrent => Some("CREATE INDEX CONCURRENTLY"),
        NodeEnum::DropStmt(s) if s.concurrent => Some("DROP INDEX CONCURRENTLY"),
        NodeEnum::ReindexStmt(s) => {
            if has_option(&s.params, "concurrently") {
                Some("REINDEX CONCURRENTLY")
            } else if matches!(
                ReindexObjectType::try_from(s.kind),
                Ok(ReindexObjectType::ReindexObjectSystem
                    | ReindexObjectType::ReindexObjectDatabase)
            ) {
                Some("REINDEX DATABASE or SYSTEM")
            } else {
                None
            }
        }
        NodeEnum::VacuumStmt(s) if s.is_vacuumcmd => Some("VACUUM"),
        NodeEnum::ClusterStmt(s) if s.relation.is_none() => Some("CLUSTER without a table"),
        NodeEnum::CreatedbStmt(_) => Some("CREATE DATABASE"),
        NodeEnum::DropdbStmt(_) => Some("DROP DATABASE"),
        NodeEnum::AlterDatabaseStmt(s) if has_option(&s.options, "tablespace") => {
            Some("ALTER DATABASE SET TABLESPACE")
        }
        NodeEnum::AlterSystemStmt(_) => Some("ALTER SYSTEM"),
        NodeEnum::CreateTableSpaceStmt(_) => Some("CREATE TABLESPACE"),
        NodeEnum::DropTableSpaceStmt(_) => Some("DROP TABLESPACE"),
        // With its default `create_slot`/slot handling these refuse a transaction block.
        NodeEnum::CreateSubscriptionStmt(_) => Some("CREATE SUBSCRIPTION"),
        NodeEnum::AlterSubscriptionStmt(_) => Some("ALTER SUBSCRIPTION"),
        NodeEnum::DropSubscriptionStmt(_) => Some("DROP SUBSCRIPTION"),
        NodeEnum::AlterTableStmt(s) if s.cmds.iter().any(detaches_concurrently) => {
            Some("DETACH PARTITION CONCURRENTLY")
        }
        _ => None,
    }
}

fn has_option(options: &[Node], name: &str) -> bool {
    options.iter().any(
        |o| matches!(&o.node, Some(NodeEnum::DefElem(d)) if d.defname.eq_ignore_ascii_case(name)),
    )
}

fn detaches_concurrently(cmd: &Node) -> bool {
    let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node else {
        return false;
    };
    cmd.subtype == AlterTableType::AtDetachPartition as i32
        && matches!(cmd.def.as_deref().and_then(|d| d.node.as_ref()), Some(NodeEnum::PartitionCmd(p)) if p.concurrent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_file;
    use crate::source::SourceFile;

    fn first_node(sql: &str) -> NodeEnum {
        let file = SourceFile::new("/x.sql".into(), "x.sql".into(), sql.into());
        parse_file(&file).statements[0].node.clone().unwrap()
    }

    fn findings(sql: &str) -> Vec<String> {
        super::super::findings_in(sql, check)
            .into_iter()
            .map(|f| format!("{} @{}", f.message, &sql[f.range]))
            .collect()
    }

    #[test]
    fn finds_statements_that_refuse_a_transaction_block() {
        for (sql, reason) in [
            (
                "create index concurrently i on t (a)",
                "CREATE INDEX CONCURRENTLY",
            ),
            (
                "create unique index concurrently if not exists i on t (a)",
                "CREATE INDEX CONCURRENTLY",
            ),
            (
                "drop index concurrently if exists i",
                "DROP INDEX CONCURRENTLY",
            ),
            ("reindex (concurrently) index i", "REINDEX CONCURRENTLY"),
            ("reindex index concurrently i", "REINDEX CONCURRENTLY"),
            ("reindex database d", "REINDEX DATABASE or SYSTEM"),
            ("vacuum t", "VACUUM"),
            ("vacuum (analyze) t", "VACUUM"),
            ("cluster", "CLUSTER without a table"),
            ("create database d", "CREATE DATABASE"),
            ("alter system set work_mem = '1MB'", "ALTER SYSTEM"),
            (
                "alter database d set tablespace x",
                "ALTER DATABASE SET TABLESPACE",
            ),
            (
                "alter table p detach partition c concurrently",
                "DETACH PARTITION CONCURRENTLY",
            ),
        ] {
            assert_eq!(
                needs_no_transaction(&first_node(sql)),
                Some(reason),
                "{sql}"
            );
        }
    }

    #[test]
    fn leaves_transactional_statements_alone() {
        for sql in [
            "create index i on t (a)",
            "drop index i",
            "reindex index i",
            "analyze t",
            "cluster t using i",
            "alter table p detach partition c",
            "alter database d set work_mem = '1MB'",
        ] {
            assert_eq!(needs_no_transaction(&first_node(sql)), None, "{sql}");
        }
    }

    #[test]
    fn explicit_transaction_control_is_reported() {
        assert_eq!(
            findings("BEGIN;\ncreate table t (id int);\nCOMMIT;"),
            vec![
                "BEGIN in a migration: the runner owns transactions @BEGIN",
                "COMMIT in a migration: the runner owns transactions @COMMIT",
            ]
        );
        assert_eq!(
            findings("start transaction isolation level serializable; rollback; end"),
            vec![
                "START TRANSACTION in a migration: the runner owns transactions @start transaction",
                "ROLLBACK in a migration: the runner owns transactions @rollback",
                "COMMIT in a migration: the runner owns transactions @end",
            ]
        );
        assert!(findings("savepoint a; release savepoint a; rollback to savepoint a").is_empty());
    }
}
