//! `pgstrata squash`: one migration that builds, on an empty database, the schema the
//! migrations up to a version build; no database needed.

use crate::args::Source;
use crate::commands::refused;
use crate::source::load_with;
use pg_query::NodeEnum;
use pgstrata_analyzer::catalog::fold_in_modes;
use pgstrata_analyzer::source::SourceFile;
use pgstrata_analyzer::{check_migration, render, Config, TransactionMode};
use std::path::Path;
use std::process::ExitCode;

/// Prints the squashed migration, or writes it to `out`. `to` is a version of DIR,
/// `None` for the latest.
pub fn run(source: &Source, to: Option<i64>, out: Option<&Path>) -> Result<ExitCode, String> {
    let mut config = Config::new(&source.allow, source.exempt_until)
        .map_err(|e| format!("{e} (see `pgstrata rules`)"))?;
    // The trees tell which statements write rows, which the squash does not carry.
    config.keep_trees = true;
    let loaded = load_with(&source.dir, &config)?;
    if let Err(message) = loaded.refuse_errors(true) {
        return Ok(refused(&message));
    }
    let migrations = &loaded.analysis.migrations;
    let end = match to {
        None => migrations.len(),
        Some(version) => {
            migrations
                .iter()
                .position(|m| m.version == version)
                .ok_or_else(|| format!("--to {version}: not a migration in `{}`", loaded.display))?
                + 1
        }
    };
    let Some(last) = end.checked_sub(1).map(|i| &migrations[i]) else {
        return Err(format!("`{}` has no migrations to squash", loaded.display));
    };
    let catalog = fold_in_modes(migrations[..end].iter().map(|m| {
        let no_transaction = matches!(m.transaction, TransactionMode::NonTransactional { .. });
        (&m.up, no_transaction)
    }));
    // Rows are not schema: a row a migration inserts may be updated or deleted by a
    // later one or by the application, so the squash cannot know which rows a
    // database built by the history holds. It names the files that write rows.
    let writing: Vec<&str> = migrations[..end]
        .iter()
        .filter(|m| {
            m.statements.iter().any(|s| {
                matches!(
                    s.node,
                    Some(
                        NodeEnum::InsertStmt(_)
                            | NodeEnum::UpdateStmt(_)
                            | NodeEnum::DeleteStmt(_)
                            | NodeEnum::CopyStmt(_)
                            | NodeEnum::MergeStmt(_)
                    )
                )
            })
        })
        .map(|m| m.up.display.as_str())
        .collect();
    let mut header = format!(
        "-- The schema of {end} migration(s) of `{}`, up to {} {}.\n",
        loaded.display, last.version, last.name
    );
    if !writing.is_empty() {
        header.push_str(
            "-- It carries no rows. These files write rows (reference data, backfills), which a\n\
             -- database built from the squash will not have; carry what it needs by hand:\n",
        );
        for file in &writing {
            header.push_str(&format!("--   {file}\n"));
        }
    }
    let sql = checked(
        format!("{header}{}", pgstrata_drift::squash(&catalog)),
        &config,
    )?;
    match out {
        Some(path) => {
            std::fs::write(path, &sql)
                .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
            eprintln!(
                "Wrote the schema of {end} migration(s), up to {}, to {}",
                last.version,
                path.display()
            );
        }
        None => print!("{sql}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The squash as a migration that passes the rules. Creating a whole schema cannot
/// be repeated statement for statement (`CREATE TYPE` has no `IF NOT EXISTS`), and is
/// never meant to be: the file runs in one transaction on an empty database, or is
/// recorded without running by a baseline. So it allows `non-idempotent` for the
/// whole file, when some statement needs it. Any other finding is a bug of the
/// squash, reported rather than written.
fn checked(sql: String, config: &Config) -> Result<String, String> {
    let check = |sql: &str| {
        let file = SourceFile::new(
            "squash.sql".into(),
            "squash.sql".to_string(),
            sql.to_string(),
        );
        check_migration(&file, false, config).diagnostics
    };
    let mut sql = sql;
    let mut diagnostics = check(&sql);
    // Checked again with the allow, which is itself an error where it allows nothing.
    if diagnostics.iter().any(|d| d.rule == "non-idempotent") {
        sql = format!(
            "-- pgstrata:allow(non-idempotent)\n-- (It creates a whole schema on an empty database, in one transaction.)\n{sql}"
        );
        diagnostics = check(&sql);
    }
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(render)
        .collect();
    if errors.is_empty() {
        Ok(sql)
    } else {
        Err(format!(
            "the squashed migration does not pass pgstrata's own checks, which is a bug in pgstrata:\n{}",
            errors.join("\n")
        ))
    }
}
