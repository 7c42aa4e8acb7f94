//! `pgstrata schema DIR [--json | --rust]`: the schema the migrations build, as the
//! analyzer's catalog has it. The JSON form is the catalog serialised as is; its fields
//! are a stable interface, documented in `docs/schema-json.md`. The Rust form is what
//! `migrations!` generates for the directory, for users to read.

use crate::Feature;
use pgstrata_analyzer::catalog::{Catalog, Column, Index, Table, TableKind, View};
use pgstrata_analyzer::{analyze, Config};
use pgstrata_codegen::Features;
use std::fmt::Write;
use std::path::Path;
use std::process::ExitCode;

/// How the schema is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Listing,
    Json,
    /// The generated code, for pgstrata built with these features.
    Rust(Features),
}

/// The features the code is generated for: pgstrata's defaults unless turned off, and
/// those named.
pub fn features(named: &[Feature], no_default_features: bool) -> Features {
    let mut features = if no_default_features {
        Features::NONE
    } else {
        Features::FACADE_DEFAULT
    };
    for feature in named {
        let on = match feature {
            Feature::Postgres => &mut features.postgres,
            Feature::TokioPostgres => &mut features.tokio_postgres,
            Feature::Uuid => &mut features.uuid,
            Feature::Chrono => &mut features.chrono,
            Feature::Time => &mut features.time,
            Feature::SerdeJson => &mut features.serde_json,
            Feature::RustDecimal => &mut features.rust_decimal,
        };
        *on = true;
    }
    features
}

/// Prints the catalog; exits 1 when the migrations have errors (the catalog is then
/// what the statements that could be read build).
pub fn run(dir: &Path, form: Form) -> Result<ExitCode, String> {
    if !dir.is_dir() {
        return Err(format!("`{}` is not a directory", dir.display()));
    }
    let display = dir.to_string_lossy().trim_end_matches('/').to_string();
    // The macro reads the directory by absolute path, and the code names its files
    // so (`include_str!`): the Rust form does the same.
    let dir = match form {
        Form::Rust(_) => std::path::absolute(dir)
            .map_err(|e| format!("cannot resolve `{}`: {e}", dir.display()))?,
        Form::Listing | Form::Json => dir.to_path_buf(),
    };
    let analysis = analyze(&dir, &display, &Config::default());
    match form {
        Form::Listing => print!("{}", listing(&analysis.catalog)),
        Form::Json => {
            let text = serde_json::to_string_pretty(&analysis.catalog)
                .map_err(|e| format!("cannot serialise the catalog: {e}"))?;
            println!("{text}");
        }
        Form::Rust(features) => print!("{}", pgstrata_codegen::generate(&analysis, &dir, features)),
    }
    // Only what changes the schema counts: re-run rules and transaction plans do not.
    let errors = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error() && matches!(d.rule, "syntax" | "layout" | "catalog"))
        .count();
    if errors > 0 {
        eprintln!(
            "{errors} error{} in the migrations: the schema may be incomplete (see `pgstrata check {display}`)",
            if errors == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// A short human listing of the catalog.
fn listing(catalog: &Catalog) -> String {
    let mut out = String::new();
    for schema in &catalog.schemas {
        let _ = writeln!(out, "schema {schema}");
    }
    for extension in &catalog.extensions {
        let _ = writeln!(out, "extension {} in {}", extension.name, extension.schema);
    }
    for e in &catalog.enums {
        let _ = writeln!(
            out,
            "enum {}.{} ({})",
            e.schema,
            e.name,
            e.labels.join(", ")
        );
    }
    for d in &catalog.domains {
        let not_null = if d.not_null { " not null" } else { "" };
        let _ = writeln!(
            out,
            "domain {}.{} {}{not_null}",
            d.schema, d.name, d.type_name
        );
    }
    for t in &catalog.composite_types {
        let attributes: Vec<String> = t
            .attributes
            .iter()
            .map(|a| format!("{} {}", a.name, a.type_name))
            .collect();
        let _ = writeln!(
            out,
            "type {}.{} ({})",
            t.schema,
            t.name,
            attributes.join(", ")
        );
    }
    for table in &catalog.tables {
        table_listing(&mut out, table);
    }
    for view in &catalog.views {
        view_listing(&mut out, view);
    }
    for s in &catalog.sequences {
        let owner = s
            .owned_by
            .as_deref()
            .map(|o| format!(" owned by {o}"))
            .unwrap_or_default();
        let _ = writeln!(out, "sequence {}.{}{owner}", s.schema, s.name);
    }
    for f in &catalog.functions {
        let kind = if f.procedure { "procedure" } else { "function" };
        let returns = f
            .returns
            .as_deref()
            .map(|r| format!(" returns {r}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{kind} {}.{}({}){returns}",
            f.schema,
            f.name,
            f.arguments.join(", ")
        );
    }
    for t in &catalog.triggers {
        let _ = writeln!(
            out,
            "trigger {} on {}.{} executes {}.{}",
            t.name, t.table.schema, t.table.name, t.function.schema, t.function.name
        );
    }
    for u in &catalog.uncertain {
        let _ = writeln!(out, "uncertain {} {}: {}", u.kind, u.name, u.reason);
    }
    out
}

fn table_listing(out: &mut String, table: &Table) {
    let kind = match table.kind {
        TableKind::Table => "table",
        TableKind::Partitioned => "partitioned table",
        TableKind::Foreign => "foreign table",
        TableKind::Unlogged => "unlogged table",
    };
    let _ = writeln!(out, "{kind} {}.{}", table.schema, table.name);
    let width = table
        .columns
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0);
    for column in &table.columns {
        let _ = writeln!(out, "  {:width$}  {}", column.name, column_details(column));
    }
    if let Some(key) = &table.primary_key {
        let _ = writeln!(
            out,
            "  primary key {} ({})",
            key.name,
            key.columns.join(", ")
        );
    }
    for key in &table.unique {
        let _ = writeln!(out, "  unique {} ({})", key.name, key.columns.join(", "));
    }
    for key in &table.foreign_keys {
        let _ = writeln!(
            out,
            "  foreign key {} ({}) references {}.{} ({}) on delete {} on update {}",
            key.name,
            key.columns.join(", "),
            key.references.schema,
            key.references.name,
            key.referenced_columns.join(", "),
            key.on_delete,
            key.on_update
        );
    }
    for check in &table.checks {
        let _ = writeln!(out, "  check {} ({})", check.name, check.expression);
    }
    for index in &table.indexes {
        index_listing(out, index);
    }
    if let Some(parent) = &table.partition_of {
        let _ = writeln!(out, "  partition of {}.{}", parent.schema, parent.name);
    }
}

fn column_details(column: &Column) -> String {
    let mut text = column.type_name.clone();
    if !column.nullable {
        text.push_str(" not null");
    }
    if let Some(default) = &column.default {
        let _ = write!(text, " default {default}");
    }
    if let Some(identity) = &column.identity {
        let _ = write!(text, " generated {identity} as identity");
    }
    if let Some(generated) = &column.generated {
        let _ = write!(text, " generated always as ({generated}) stored");
    }
    text
}

fn index_listing(out: &mut String, index: &Index) {
    let unique = if index.unique { "unique " } else { "" };
    let predicate = index
        .predicate
        .as_deref()
        .map(|p| format!(" where {p}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  {unique}index {} using {} ({}){predicate}",
        index.name,
        index.method,
        index.columns.join(", ")
    );
}

fn view_listing(out: &mut String, view: &View) {
    let kind = if view.materialized {
        "materialized view"
    } else {
        "view"
    };
    let columns: Vec<String> = view
        .columns
        .iter()
        .map(|c| format!("{} {}", c.name, c.type_name.as_deref().unwrap_or("?")))
        .collect();
    let _ = writeln!(
        out,
        "{kind} {}.{} ({})",
        view.schema,
        view.name,
        columns.join(", ")
    );
    for index in &view.indexes {
        index_listing(out, index);
    }
}
