//! The catalog against the truth: for the example's migrations, the fixtures
//! `tests/fixtures/catalog_forms` and `tests/fixtures/typed_forms`, the four seed
//! schemas under `tests/fixtures/` and
//! every set in `../shared/corpora`, the migrations are applied by the runner to a
//! fresh database, `pg_catalog` is read, and every object is compared with the
//! analyzer's catalog.
//! Any difference fails, with the differing lines of both sides.
//!
//! What is compared (docs/decisions.md, "Catalog fidelity", says why): schemas;
//! extensions and their schema; tables with their kind and columns in order (type as
//! `format_type` prints it, nullability, default, identity, generated expression);
//! primary, unique, foreign key (columns, referenced table and columns, actions) and
//! check constraints; indexes (name, unique, method, key columns, predicate); enums
//! with their labels in order; domains; composite types; views and materialized
//! views with their columns (and types where the catalog derived one); sequences and
//! the column that owns them; triggers. Expressions (defaults, checks, generated
//! columns, index expressions and predicates) are compared in the normal form of
//! `pgstrata_analyzer::catalog::normalized_expression`.

use pgstrata::Runner;
use pgstrata_analyzer::catalog::{foreign_key_action, normalized_expression, Catalog};
use pgstrata_analyzer::{analyze, Config};
use pgstrata_testkit::corpora::SQLX_TABLE;
use pgstrata_testkit::{histories, runtime_migrations, TestDb};
use postgres::{Client, GenericClient};
use std::collections::BTreeSet;

/// The runner's own history lives in a schema of its own, left out of the comparison.
const HISTORY_SCHEMA: &str = "pgstrata_history";

/// A fact about the schema, as one comparable line, with the kind of object it is
/// about (for the counts) and the relation or type it belongs to (for uncertainty).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Fact {
    pub(crate) kind: &'static str,
    pub(crate) owner: String,
    pub(crate) line: String,
}

fn fact(kind: &'static str, owner: &str, line: String) -> Fact {
    Fact {
        kind,
        owner: owner.to_string(),
        line,
    }
}

/// An expression in its normal form (as written when it does not parse).
fn expr(text: Option<&str>) -> String {
    match text {
        Some(text) => normalized_expression(text).unwrap_or_else(|| format!("<raw> {text}")),
        None => "-".to_string(),
    }
}

/// A column default in its normal form; a constant is compared by its value as the
/// column's type prints it (`'f'` and `false`, `'1 second'` and `'00:00:01'` agree),
/// which the server computes.
fn default_value<C: GenericClient>(client: &mut C, text: Option<&str>, type_name: &str) -> String {
    let normal = expr(text);
    let Some(literal) = normal
        .strip_prefix('\'')
        .and_then(|n| n.strip_suffix('\''))
        .filter(|inner| !inner.replace("''", "").contains('\''))
    else {
        return normal;
    };
    let value = literal.replace("''", "'");
    let sql = format!("SELECT CAST($1::text AS {type_name})::text");
    // In a savepoint (a transaction outside one): a value that does not cast must not
    // abort the transaction of a caller that reads the schema inside one.
    let Ok(mut inner) = client.transaction() else {
        return normal;
    };
    match inner.query_one(&sql, &[&value]) {
        Ok(row) => {
            let canonical: Option<String> = row.get(0);
            canonical.map_or(normal, |c| format!("'{}'", c.replace('\'', "''")))
        }
        Err(_) => normal,
    }
}

fn qualified(schema: &str, name: &str) -> String {
    format!("{schema}.{name}")
}

/// What the catalog says, as facts.
fn catalog_facts<C: GenericClient>(client: &mut C, catalog: &Catalog) -> Vec<Fact> {
    let mut facts = Vec::new();
    for schema in &catalog.schemas {
        facts.push(fact("schema", schema, format!("schema {schema}")));
    }
    for e in &catalog.extensions {
        facts.push(fact(
            "extension",
            &e.name,
            format!("extension {} in {}", e.name, e.schema),
        ));
    }
    for t in &catalog.tables {
        let owner = qualified(&t.schema, &t.name);
        let kind = serde_kind(t.kind);
        facts.push(fact("table", &owner, format!("table {owner} {kind}")));
        for (i, c) in t.columns.iter().enumerate() {
            let default = default_value(client, c.default.as_deref(), &c.type_name);
            let generated = expr(c.generated.as_deref());
            facts.push(fact(
                "column",
                &owner,
                format!(
                    "column {owner} #{} {} {} {} default={default} identity={} generated={generated}",
                    i + 1,
                    c.name,
                    c.type_name,
                    if c.nullable { "null" } else { "not null" },
                    c.identity.as_deref().unwrap_or("-"),
                ),
            ));
        }
        if let Some(k) = &t.primary_key {
            facts.push(fact(
                "constraint",
                &owner,
                format!("primary key {owner} {} ({})", k.name, k.columns.join(", ")),
            ));
        }
        for k in &t.unique {
            facts.push(fact(
                "constraint",
                &owner,
                format!("unique {owner} {} ({})", k.name, k.columns.join(", ")),
            ));
        }
        for k in &t.foreign_keys {
            facts.push(fact(
                "constraint",
                &owner,
                format!(
                    "foreign key {owner} {} ({}) -> {} ({}) on delete {} on update {}",
                    k.name,
                    k.columns.join(", "),
                    qualified(&k.references.schema, &k.references.name),
                    k.referenced_columns.join(", "),
                    k.on_delete,
                    k.on_update
                ),
            ));
        }
        for c in &t.checks {
            facts.push(fact(
                "constraint",
                &owner,
                format!("check {owner} {} {}", c.name, expr(Some(&c.expression))),
            ));
        }
        for i in &t.indexes {
            facts.push(index_fact(
                &owner,
                i,
                &t.columns
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>(),
            ));
        }
    }
    for v in &catalog.views {
        let owner = qualified(&v.schema, &v.name);
        let kind = if v.materialized {
            "materialized view"
        } else {
            "view"
        };
        facts.push(fact("view", &owner, format!("{kind} {owner}")));
        for (i, c) in v.columns.iter().enumerate() {
            facts.push(fact(
                "view column",
                &owner,
                format!(
                    "view column {owner} #{} {} {}",
                    i + 1,
                    c.name,
                    c.type_name.as_deref().unwrap_or("?")
                ),
            ));
        }
        let names: Vec<&str> = v.columns.iter().map(|c| c.name.as_str()).collect();
        for i in &v.indexes {
            facts.push(index_fact(&owner, i, &names));
        }
    }
    for e in &catalog.enums {
        let owner = qualified(&e.schema, &e.name);
        facts.push(fact(
            "enum",
            &owner,
            format!("enum {owner} ({})", e.labels.join(", ")),
        ));
    }
    for d in &catalog.domains {
        let owner = qualified(&d.schema, &d.name);
        facts.push(fact(
            "domain",
            &owner,
            format!(
                "domain {owner} {} {}",
                d.type_name,
                if d.not_null { "not null" } else { "null" }
            ),
        ));
    }
    for t in &catalog.composite_types {
        let owner = qualified(&t.schema, &t.name);
        let attributes: Vec<String> = t
            .attributes
            .iter()
            .map(|a| format!("{} {}", a.name, a.type_name))
            .collect();
        facts.push(fact(
            "composite type",
            &owner,
            format!("composite type {owner} ({})", attributes.join(", ")),
        ));
    }
    for s in &catalog.sequences {
        let owner = qualified(&s.schema, &s.name);
        facts.push(fact(
            "sequence",
            &owner,
            format!(
                "sequence {owner} owned by {}",
                s.owned_by.as_deref().unwrap_or("-")
            ),
        ));
    }
    for t in &catalog.triggers {
        let owner = qualified(&t.table.schema, &t.table.name);
        facts.push(fact(
            "trigger",
            &owner,
            format!("trigger {owner} {}", t.name),
        ));
    }
    facts
}

fn serde_kind(kind: pgstrata_analyzer::catalog::TableKind) -> &'static str {
    use pgstrata_analyzer::catalog::TableKind;
    match kind {
        TableKind::Table => "table",
        TableKind::Partitioned => "partitioned",
        TableKind::Foreign => "foreign",
        TableKind::Unlogged => "unlogged",
    }
}

/// An index column: a column's name as is, an expression in its normal form.
fn index_column(text: &str, columns: &[&str]) -> String {
    if columns.contains(&text) {
        text.to_string()
    } else {
        expr(Some(text))
    }
}

fn index_fact(owner: &str, index: &pgstrata_analyzer::catalog::Index, columns: &[&str]) -> Fact {
    let keys: Vec<String> = index
        .columns
        .iter()
        .map(|c| index_column(c, columns))
        .collect();
    fact(
        "index",
        owner,
        format!(
            "index {owner} {} {}{} ({}) where {}",
            index.name,
            if index.unique { "unique " } else { "" },
            index.method,
            keys.join(", "),
            expr(index.predicate.as_deref())
        ),
    )
}

/// Schemas that are not the migrations': the system's and the runner's history.
pub(crate) const SKIPPED_SCHEMAS: &str =
    "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgstrata_history') \
    AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";

/// What the database says, as facts. `preexisting` relations (created before the
/// migrations ran) are left out.
pub(crate) fn database_facts<C: GenericClient>(
    client: &mut C,
    preexisting: &BTreeSet<String>,
) -> Vec<Fact> {
    let mut facts = Vec::new();
    let rows = |client: &mut C, sql: &str| {
        client
            .query(sql, &[])
            .unwrap_or_else(|e| panic!("{e}\n{sql}"))
    };
    for row in rows(
        client,
        &format!("SELECT n.nspname FROM pg_namespace n WHERE {SKIPPED_SCHEMAS}"),
    ) {
        let schema: String = row.get(0);
        facts.push(fact("schema", &schema, format!("schema {schema}")));
    }
    for row in rows(
        client,
        "SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
         WHERE e.extname <> 'plpgsql'",
    ) {
        let (name, schema): (String, String) = (row.get(0), row.get(1));
        facts.push(fact("extension", &name, format!("extension {name} in {schema}")));
    }
    let relations = rows(
        client,
        &format!(
            "SELECT n.nspname, c.relname, c.relkind::text, c.relpersistence::text FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm') AND {SKIPPED_SCHEMAS}"
        ),
    );
    for row in relations {
        let (schema, name, kind, persistence): (String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let owner = qualified(&schema, &name);
        if preexisting.contains(&owner) {
            continue;
        }
        let line = match (kind.as_str(), persistence.as_str()) {
            ("p", _) => format!("table {owner} partitioned"),
            ("f", _) => format!("table {owner} foreign"),
            ("r", "u") => format!("table {owner} unlogged"),
            ("r", _) => format!("table {owner} table"),
            ("v", _) => format!("view {owner}"),
            _ => format!("materialized view {owner}"),
        };
        let kind_name = if kind == "v" || kind == "m" {
            "view"
        } else {
            "table"
        };
        facts.push(fact(kind_name, &owner, line));
    }
    let columns = rows(
        client,
        &format!(
            "SELECT n.nspname, c.relname, c.relkind::text, a.attname, format_type(a.atttypid, a.atttypmod), \
             a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text, \
             row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum) \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f', 'v', 'm') AND {SKIPPED_SCHEMAS}"
        ),
    );
    for row in columns {
        let (schema, table, kind, name, type_name): (String, String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        let owner = qualified(&schema, &table);
        if preexisting.contains(&owner) {
            continue;
        }
        let not_null: bool = row.get(5);
        let stored: Option<String> = row.get(6);
        let identity: String = row.get(7);
        let generated: String = row.get(8);
        let position: i64 = row.get(9);
        if kind == "v" || kind == "m" {
            facts.push(fact(
                "view column",
                &owner,
                format!("view column {owner} #{position} {name} {type_name}"),
            ));
            continue;
        }
        let (default, generated) = if generated.is_empty() {
            (
                default_value(client, stored.as_deref(), &type_name),
                "-".to_string(),
            )
        } else {
            ("-".to_string(), expr(stored.as_deref()))
        };
        let identity = match identity.as_str() {
            "a" => "always",
            "d" => "by default",
            _ => "-",
        };
        facts.push(fact(
            "column",
            &owner,
            format!(
                "column {owner} #{position} {name} {type_name} {} default={default} identity={identity} generated={generated}",
                if not_null { "not null" } else { "null" }
            ),
        ));
    }
    let constraints = rows(
        client,
        &format!(
            "SELECT n.nspname, c.relname, con.conname, con.contype::text, \
             ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, i) \
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.i), \
             fn.nspname, f.relname, \
             ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, i) \
                   JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.i), \
             con.confdeltype::text, con.confupdtype::text, pg_get_expr(con.conbin, con.conrelid) \
             FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_class f ON f.oid = con.confrelid LEFT JOIN pg_namespace fn ON fn.oid = f.relnamespace \
             WHERE con.contype IN ('p', 'u', 'f', 'c') AND {SKIPPED_SCHEMAS}"
        ),
    );
    for row in constraints {
        let (schema, table, name, kind): (String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let owner = qualified(&schema, &table);
        if preexisting.contains(&owner) {
            continue;
        }
        let columns: Vec<String> = row.get(4);
        let line = match kind.as_str() {
            "p" => format!("primary key {owner} {name} ({})", columns.join(", ")),
            "u" => format!("unique {owner} {name} ({})", columns.join(", ")),
            "f" => {
                let (fschema, ftable): (Option<String>, Option<String>) = (row.get(5), row.get(6));
                let fcolumns: Vec<String> = row.get(7);
                let (on_delete, on_update): (String, String) = (row.get(8), row.get(9));
                format!(
                    "foreign key {owner} {name} ({}) -> {} ({}) on delete {} on update {}",
                    columns.join(", "),
                    qualified(&fschema.unwrap_or_default(), &ftable.unwrap_or_default()),
                    fcolumns.join(", "),
                    foreign_key_action(&on_delete),
                    foreign_key_action(&on_update)
                )
            }
            _ => {
                let expression: Option<String> = row.get(10);
                format!("check {owner} {name} {}", expr(expression.as_deref()))
            }
        };
        facts.push(fact("constraint", &owner, line));
    }
    let indexes = rows(
        client,
        &format!(
            "SELECT n.nspname, t.relname, i.relname, ix.indisunique, am.amname, \
             ARRAY(SELECT CASE WHEN ix.indkey[k - 1] = 0 THEN pg_get_indexdef(ix.indexrelid, k, true) \
                   ELSE (SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = ix.indrelid AND a.attnum = ix.indkey[k - 1]) END \
                   FROM generate_series(1, ix.indnkeyatts) k ORDER BY k), \
             pg_get_expr(ix.indpred, ix.indrelid), \
             ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attnum > 0) \
             FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid \
             JOIN pg_am am ON am.oid = i.relam JOIN pg_namespace n ON n.oid = t.relnamespace WHERE {SKIPPED_SCHEMAS}"
        ),
    );
    for row in indexes {
        let (schema, table, name, unique, method): (String, String, String, bool, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        let owner = qualified(&schema, &table);
        if preexisting.contains(&owner) {
            continue;
        }
        let keys: Vec<String> = row.get(5);
        let predicate: Option<String> = row.get(6);
        let table_columns: Vec<String> = row.get(7);
        let columns: Vec<&str> = table_columns.iter().map(String::as_str).collect();
        let index = pgstrata_analyzer::catalog::Index {
            name,
            unique,
            columns: keys,
            method,
            predicate,
            definition: None,
        };
        facts.push(index_fact(&owner, &index, &columns));
    }
    for row in rows(
        client,
        &format!(
            "SELECT n.nspname, t.typname, ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) \
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'e' AND {SKIPPED_SCHEMAS}"
        ),
    ) {
        let (schema, name, labels): (String, String, Vec<String>) = (row.get(0), row.get(1), row.get(2));
        let owner = qualified(&schema, &name);
        facts.push(fact("enum", &owner, format!("enum {owner} ({})", labels.join(", "))));
    }
    for row in rows(
        client,
        &format!(
            "SELECT n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull \
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'd' AND {SKIPPED_SCHEMAS}"
        ),
    ) {
        let (schema, name, base, not_null): (String, String, String, bool) = (row.get(0), row.get(1), row.get(2), row.get(3));
        let owner = qualified(&schema, &name);
        facts.push(fact("domain", &owner, format!("domain {owner} {base} {}", if not_null { "not null" } else { "null" })));
    }
    for row in rows(
        client,
        &format!(
            "SELECT n.nspname, c.relname, ARRAY(SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) \
             FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'c' AND {SKIPPED_SCHEMAS}"
        ),
    ) {
        let (schema, name, attributes): (String, String, Vec<String>) = (row.get(0), row.get(1), row.get(2));
        let owner = qualified(&schema, &name);
        facts.push(fact("composite type", &owner, format!("composite type {owner} ({})", attributes.join(", "))));
    }
    for row in rows(
        client,
        &format!(
            "SELECT n.nspname, s.relname, tn.nspname || '.' || t.relname || '.' || a.attname \
             FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace \
             LEFT JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass \
                  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0 \
             LEFT JOIN pg_class t ON t.oid = d.refobjid LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace \
             LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid \
             WHERE s.relkind = 'S' AND {SKIPPED_SCHEMAS}"
        ),
    ) {
        let (schema, name, owned_by): (String, String, Option<String>) = (row.get(0), row.get(1), row.get(2));
        let owner = qualified(&schema, &name);
        if preexisting.contains(&owner) {
            continue;
        }
        facts.push(fact(
            "sequence",
            &owner,
            format!("sequence {owner} owned by {}", owned_by.as_deref().unwrap_or("-")),
        ));
    }
    for row in rows(
        client,
        &format!(
            "SELECT n.nspname, c.relname, tg.tgname FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT tg.tgisinternal AND {SKIPPED_SCHEMAS}"
        ),
    ) {
        let (schema, table, name): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        let owner = qualified(&schema, &table);
        facts.push(fact("trigger", &owner, format!("trigger {owner} {name}")));
    }
    facts
}

/// The relations that exist before the migrations run (sqlx's table).
pub(crate) fn relations(client: &mut Client) -> BTreeSet<String> {
    client
        .query(
            &format!(
                "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {SKIPPED_SCHEMAS}"
            ),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The owners the catalog marks uncertain (`schema.name`), and whether everything is.
fn uncertain_owners(catalog: &Catalog) -> (BTreeSet<String>, Vec<String>, bool) {
    let mut owners = BTreeSet::new();
    let mut schemas = Vec::new();
    let mut everything = false;
    for u in &catalog.uncertain {
        if u.name == "*" {
            everything = true;
        } else if let Some(schema) = u.name.strip_suffix(".*") {
            schemas.push(schema.to_string());
        } else {
            owners.insert(u.name.clone());
        }
    }
    (owners, schemas, everything)
}

#[test]
fn the_catalog_matches_what_postgres_builds() {
    let mut failures = Vec::new();
    eprintln!(
        "{:<32} {:>7} {:>7} {:>8} {:>11} {:>8} {:>6} {:>7} {:>10} {:>9}",
        "set",
        "facts",
        "tables",
        "columns",
        "constraints",
        "indexes",
        "enums",
        "views",
        "view cols",
        "uncertain"
    );
    for set in histories() {
        let analysis = analyze(&set.dir, &set.display, &Config::default());
        let catalog = &analysis.catalog;
        let migrations = runtime_migrations(&analysis);
        let db = TestDb::new("pgstrata_fidelity");
        let mut client = db.connect();
        if set.sqlx_table {
            client.batch_execute(SQLX_TABLE).unwrap();
        }
        let preexisting = relations(&mut client);
        Runner::new(migrations)
            .history_schema(HISTORY_SCHEMA)
            .run(&mut client)
            .unwrap_or_else(|e| panic!("{}: {e}", set.name));

        let (uncertain, uncertain_schemas, everything) = uncertain_owners(catalog);
        let certain = |f: &Fact| {
            !everything
                && !uncertain.contains(&f.owner)
                && !uncertain_schemas
                    .iter()
                    .any(|s| f.owner.starts_with(&format!("{s}.")))
        };
        let expected: BTreeSet<Fact> = database_facts(&mut client, &preexisting)
            .into_iter()
            .collect();
        let actual: BTreeSet<Fact> = catalog_facts(&mut client, catalog).into_iter().collect();
        // A view column whose type the catalog did not derive is compared by name.
        let actual_lines: BTreeSet<String> = actual
            .iter()
            .filter(|f| certain(f))
            .map(|f| f.line.clone())
            .collect();
        let untyped: Vec<&Fact> = actual
            .iter()
            .filter(|f| certain(f) && f.kind == "view column" && f.line.ends_with(" ?"))
            .collect();
        let matches_untyped = |line: &str| {
            untyped.iter().any(|f| {
                f.line.strip_suffix(" ?").is_some_and(|prefix| {
                    line.starts_with(prefix) && line[prefix.len()..].starts_with(' ')
                })
            })
        };
        let missing: Vec<&Fact> = expected
            .iter()
            .filter(|f| certain(f) && !actual_lines.contains(&f.line) && !matches_untyped(&f.line))
            .collect();
        let expected_lines: BTreeSet<&str> = expected.iter().map(|f| f.line.as_str()).collect();
        let extra: Vec<&Fact> = actual
            .iter()
            .filter(|f| certain(f) && !expected_lines.contains(f.line.as_str()))
            .filter(|f| {
                !(f.kind == "view column"
                    && f.line.ends_with(" ?")
                    && expected
                        .iter()
                        .any(|e| e.line.starts_with(f.line.trim_end_matches('?'))))
            })
            .collect();

        let count = |kind: &str| {
            expected
                .iter()
                .filter(|f| f.kind == kind && certain(f))
                .count()
        };
        let skipped = expected.iter().filter(|f| !certain(f)).count();
        eprintln!(
            "{:<32} {:>7} {:>7} {:>8} {:>11} {:>8} {:>6} {:>7} {:>10} {:>9}",
            set.name,
            expected.len() - skipped,
            count("table"),
            count("column"),
            count("constraint"),
            count("index"),
            count("enum"),
            count("view"),
            count("view column"),
            skipped,
        );
        if !missing.is_empty() || !extra.is_empty() {
            let mut report = format!(
                "{}: {} differences\n  in PostgreSQL, not in the catalog:\n",
                set.name,
                missing.len() + extra.len()
            );
            for f in &missing {
                report.push_str(&format!("    - {}\n", f.line));
            }
            report.push_str("  in the catalog, not in PostgreSQL:\n");
            for f in &extra {
                report.push_str(&format!("    + {}\n", f.line));
            }
            failures.push(report);
        }
        drop(client);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
