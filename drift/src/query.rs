//! The SQL the check sends: one simple query reading everything it compares from
//! `pg_catalog`, and, when two literal defaults differ only in how they are written,
//! one more that has the server print both as their type does.
//!
//! Every statement's rows start with a tag naming what they are about, so the rows of
//! all statements can come back as one list. Types and expressions are printed with
//! `search_path` set to `public` (as the catalog prints them: qualified outside
//! `public` and `pg_catalog`), for this query only: the caller's setting is restored
//! at its end.

/// Tags of the rows of [`catalog_read`], column 0.
pub(crate) mod tag {
    pub const CONFIG: &str = "config";
    pub const SERVER: &str = "server";
    pub const SCHEMA: &str = "schema";
    pub const EXTENSION: &str = "extension";
    pub const RELATION: &str = "relation";
    pub const COLUMN: &str = "column";
    pub const CONSTRAINT: &str = "constraint";
    pub const INDEX: &str = "index";
    pub const ENUM: &str = "enum";
    pub const DOMAIN: &str = "domain";
    pub const COMPOSITE: &str = "composite";
    pub const SEQUENCE: &str = "sequence";
    pub const FUNCTION: &str = "function";
    pub const TRIGGER: &str = "trigger";
    pub const LITERAL: &str = "literal";
}

/// Schemas that are the system's, never the migrations'.
const USER_SCHEMA: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
    AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";

/// The object `oid` of system catalog `catalog` is not a member of an extension.
fn not_from_extension(catalog: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT FROM pg_catalog.pg_depend x WHERE x.classid = 'pg_catalog.{catalog}'::pg_catalog.regclass \
         AND x.objid = {oid} AND x.deptype = 'e')"
    )
}

const SET_PATH: &str = "SELECT 'config', pg_catalog.set_config('pgstrata.saved_search_path', pg_catalog.current_setting('search_path'), true);\n\
    SELECT 'config', pg_catalog.set_config('search_path', 'public', true);\n";
const RESTORE_PATH: &str = "SELECT 'config', pg_catalog.set_config('search_path', pg_catalog.current_setting('pgstrata.saved_search_path'), true)";

/// The type a literal default of a column (or domain) of type `type_oid`/`typmod` can
/// be put in its canonical form through, and how to guard that cast: `b` for a type
/// whose input never changes (a base or range type, or an array of one), `e` for an
/// enum (a label may have been renamed: checked first), none for anything else (a
/// composite or a domain may have changed: the texts are compared as they are).
fn literal_cast(type_oid: &str, typmod: &str) -> String {
    format!(
        "(SELECT CASE WHEN lt.typtype IN ('b', 'r', 'm') AND (lt.typcategory <> 'A' OR le.typtype IN ('b', 'r')) \
                THEN 'b' || pg_catalog.format_type({type_oid}, {typmod}) \
              WHEN lt.typtype = 'e' THEN 'e' || pg_catalog.format_type({type_oid}, {typmod}) END \
         FROM pg_catalog.pg_type lt LEFT JOIN pg_catalog.pg_type le ON le.oid = lt.typelem WHERE lt.oid = {type_oid})"
    )
}

/// The one query that reads the database's schema.
pub(crate) fn catalog_read() -> String {
    let class = |alias: &str| not_from_extension("pg_class", &format!("{alias}.oid"));
    let type_ = |alias: &str| not_from_extension("pg_type", &format!("{alias}.oid"));
    let relations = "c.relkind IN ('r', 'p', 'f', 'v', 'm')";
    let column_cast = literal_cast("a.atttypid", "a.atttypmod");
    let domain_cast = literal_cast("t.typbasetype", "t.typtypmod");
    let statements = [
        "SELECT 'server', pg_catalog.current_setting('server_version_num')".to_string(),
        format!(
            "SELECT 'schema', n.nspname FROM pg_catalog.pg_namespace n WHERE {USER_SCHEMA} AND {}",
            not_from_extension("pg_namespace", "n.oid")
        ),
        "SELECT 'extension', e.extname, n.nspname FROM pg_catalog.pg_extension e \
         JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'"
            .to_string(),
        format!(
            "SELECT 'relation', n.nspname, c.relname, c.relkind, c.relpersistence, pg_catalog.obj_description(c.oid, 'pg_class') \
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE {relations} AND {USER_SCHEMA} AND {}",
            class("c")
        ),
        format!(
            "SELECT 'column', n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), \
             a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, \
             pg_catalog.col_description(c.oid, a.attnum), {column_cast} \
             FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE a.attnum > 0 AND NOT a.attisdropped AND {relations} AND {USER_SCHEMA} AND {}",
            class("c")
        ),
        format!(
            "SELECT 'constraint', n.nspname, c.relname, k.conname, k.contype, \
             (SELECT pg_catalog.json_agg(a.attname ORDER BY u.i) FROM pg_catalog.unnest(k.conkey) WITH ORDINALITY u(num, i) \
              JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num)::text, \
             fn.nspname, f.relname, \
             (SELECT pg_catalog.json_agg(a.attname ORDER BY u.i) FROM pg_catalog.unnest(k.confkey) WITH ORDINALITY u(num, i) \
              JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num)::text, \
             k.confdeltype, k.confupdtype, pg_catalog.pg_get_expr(k.conbin, k.conrelid) \
             FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_catalog.pg_class f ON f.oid = k.confrelid LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = f.relnamespace \
             WHERE k.contype IN ('p', 'u', 'f', 'c') AND {USER_SCHEMA} AND {}",
            class("c")
        ),
        // The index of a primary key or unique constraint is the constraint's.
        format!(
            "SELECT 'index', n.nspname, t.relname, i.relname, ix.indisunique, am.amname, \
             (SELECT pg_catalog.json_agg(CASE WHEN ix.indkey[k - 1] = 0 THEN 'e' || pg_catalog.pg_get_indexdef(ix.indexrelid, k, true) \
                ELSE 'c' || (SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = ix.indrelid AND a.attnum = ix.indkey[k - 1]) END \
                ORDER BY k) FROM pg_catalog.generate_series(1, ix.indnkeyatts) k)::text, \
             pg_catalog.pg_get_expr(ix.indpred, ix.indrelid) \
             FROM pg_catalog.pg_index ix JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid \
             JOIN pg_catalog.pg_class t ON t.oid = ix.indrelid JOIN pg_catalog.pg_am am ON am.oid = i.relam \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
             WHERE {USER_SCHEMA} AND {} AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k \
               WHERE k.conindid = ix.indexrelid AND k.conrelid = ix.indrelid AND k.contype IN ('p', 'u'))",
            class("t")
        ),
        format!(
            "SELECT 'enum', n.nspname, t.typname, \
             (SELECT pg_catalog.json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid)::text, \
             pg_catalog.obj_description(t.oid, 'pg_type') \
             FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             WHERE t.typtype = 'e' AND {USER_SCHEMA} AND {}",
            type_("t")
        ),
        format!(
            "SELECT 'domain', n.nspname, t.typname, pg_catalog.format_type(t.typbasetype, t.typtypmod), t.typnotnull, \
             pg_catalog.pg_get_expr(t.typdefaultbin, 0), \
             (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(k.conname, pg_catalog.pg_get_expr(k.conbin, 0)) ORDER BY k.conname) \
              FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c')::text, {domain_cast} \
             FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             WHERE t.typtype = 'd' AND {USER_SCHEMA} AND {}",
            type_("t")
        ),
        format!(
            "SELECT 'composite', n.nspname, c.relname, \
             (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum) \
              FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)::text \
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_catalog.pg_type t ON t.oid = c.reltype \
             WHERE c.relkind = 'c' AND {USER_SCHEMA} AND {}",
            type_("t")
        ),
        format!(
            "SELECT 'sequence', n.nspname, s.relname, tn.nspname, t.relname, a.attname \
             FROM pg_catalog.pg_class s JOIN pg_catalog.pg_namespace n ON n.oid = s.relnamespace \
             LEFT JOIN pg_catalog.pg_depend d ON d.objid = s.oid AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass \
                  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0 \
             LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace \
             LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid \
             WHERE s.relkind = 'S' AND {USER_SCHEMA} AND {}",
            class("s")
        ),
        // The arguments that make the signature as the catalog writes it: the input
        // ones (a procedure's OUT arguments are in `proargtypes` too).
        format!(
            "SELECT 'function', n.nspname, p.proname, \
             CASE WHEN p.proallargtypes IS NULL THEN pg_catalog.oidvectortypes(p.proargtypes) \
               ELSE (SELECT pg_catalog.string_agg(pg_catalog.format_type(u.t, NULL), ', ' ORDER BY u.i) \
                     FROM ROWS FROM (pg_catalog.unnest(p.proallargtypes), pg_catalog.unnest(p.proargmodes)) WITH ORDINALITY u(t, m, i) WHERE u.m IN ('i', 'b', 'v')) END, \
             p.prokind, CASE WHEN p.prokind = 'f' THEN pg_catalog.pg_get_function_result(p.oid) END, l.lanname \
             FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
             JOIN pg_catalog.pg_language l ON l.oid = p.prolang \
             WHERE p.prokind IN ('f', 'p') AND {USER_SCHEMA} AND {}",
            not_from_extension("pg_proc", "p.oid")
        ),
        // A partition's copy of its parent's trigger is the parent's.
        format!(
            "SELECT 'trigger', n.nspname, c.relname, tg.tgname, fn.nspname, f.proname \
             FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_catalog.pg_proc f ON f.oid = tg.tgfoid JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace \
             WHERE NOT tg.tgisinternal AND tg.tgparentid = 0 AND {USER_SCHEMA} AND {}",
            class("c")
        ),
    ];
    let mut sql = SET_PATH.to_string();
    for statement in statements {
        sql.push_str(&statement);
        sql.push_str(";\n");
    }
    sql.push_str(RESTORE_PATH);
    sql
}

/// One literal to print as its type does: `value` cast to `type_name`, guarded as
/// [`literal_cast`]'s letter says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Literal {
    pub value: String,
    /// `b` or `e` followed by the type as `format_type` prints it.
    pub cast: String,
}

/// The query printing `literals`, each as `literal, <index>, <text or NULL>`: NULL
/// when the value is not one of the type's (the cast is never tried then, so the query
/// cannot fail on it). `modern` is a server with `pg_input_is_valid` (16 and later).
pub(crate) fn literals(literals: &[Literal], modern: bool) -> String {
    let values: Vec<String> = literals
        .iter()
        .enumerate()
        .map(|(i, l)| format!("({i}, {})", text(&l.value)))
        .collect();
    let selects: Vec<String> = literals
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (kind, type_name) = l.cast.split_at(1);
            let guard = if modern {
                format!("pg_catalog.pg_input_is_valid(l.v, {})", text(type_name))
            } else if kind == "e" {
                format!(
                    "EXISTS (SELECT FROM pg_catalog.pg_enum e WHERE e.enumtypid = {}::pg_catalog.regtype AND e.enumlabel = l.v)",
                    text(type_name)
                )
            } else {
                "true".to_string()
            };
            format!(
                "SELECT 'literal', l.i, CASE WHEN {guard} THEN CAST(l.v AS {type_name})::text END FROM l WHERE l.i = {i}"
            )
        })
        .collect();
    // Materialized, so the planner never folds a cast of a constant before the guard.
    format!(
        "{SET_PATH}WITH l(i, v) AS MATERIALIZED (VALUES {}) {};\n{RESTORE_PATH}",
        values.join(", "),
        selects.join(" UNION ALL ")
    )
}

/// A string literal, escaped for `standard_conforming_strings` on or off.
fn text(value: &str) -> String {
    let escaped = value.replace('\'', "''");
    if escaped.contains('\\') {
        format!("E'{}'", escaped.replace('\\', "\\\\"))
    } else {
        format!("'{escaped}'")
    }
}
