//! A deterministic corpus of migrations shaped like a long-lived application's
//! history: tables with typed columns, defaults, constraints and foreign keys to
//! earlier tables; indexes (partial, expression, GIN, some `CONCURRENTLY`); columns
//! and constraints added later; plpgsql functions and their triggers; `DO` blocks;
//! seed data; enums that grow; views; comments and grants.
//!
//! Every statement is valid PostgreSQL, and nothing in it trips a pgstrata rule (no
//! `BEGIN`/`COMMIT`, no `-- pgstrata:` comments). The same seed always gives the
//! same bytes, so figures from different runs and machines compare.

use pgstrata_testkit::Rng;
use std::fmt::Write as _;
use std::path::Path;

/// One generated migration file.
#[derive(Clone)]
pub struct GeneratedFile {
    /// `V{n}__{name}.sql`.
    pub file_name: String,
    pub text: String,
}

/// How many tables a generated migration creates (`CREATE TABLE ... (` lines; the
/// generator writes no other form).
pub fn tables_created(text: &str) -> usize {
    text.lines()
        .filter(|line| line.starts_with("CREATE TABLE ") && line.trim_end().ends_with('('))
        .count()
}

/// Generates `count` migrations from `seed`.
pub fn generate(count: usize, seed: u64) -> Vec<GeneratedFile> {
    let mut history = History::new(seed);
    (1..=count).map(|n| history.migration(n)).collect()
}

/// Writes the files into `dir`, which is emptied first.
pub fn write(dir: &Path, files: &[GeneratedFile]) -> std::io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    for file in files {
        std::fs::write(dir.join(&file.file_name), &file.text)?;
    }
    Ok(())
}

/// How often a migration makes one more change (repeatedly, up to four more).
const EXTRA_CHANGE_PERCENT: usize = 39;

/// A word of the generated values (drawn as the generator has always drawn it).
fn word(rng: &mut Rng) -> &'static str {
    WORDS[rng.below(WORDS.len())]
}

/// What a column holds, for the values, indexes and checks written about it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    Numeric,
    Bool,
    Time,
    Date,
    Json,
    Array,
    Uuid,
    Inet,
    Interval,
    Bytes,
    Search,
    /// A value of the enum type at this index of `History::enums`.
    Enum(usize),
    /// A reference to another table's id.
    Reference,
}

/// Column templates: name, type, kind, what follows the type.
const COLUMNS: &[(&str, &str, Kind, &str)] = &[
    ("name", "text", Kind::Text, " NOT NULL"),
    ("title", "varchar(200)", Kind::Text, " NOT NULL"),
    ("description", "text", Kind::Text, ""),
    ("status", "text", Kind::Text, " NOT NULL DEFAULT 'pending'"),
    ("email", "varchar(320)", Kind::Text, ""),
    (
        "amount_cents",
        "bigint",
        Kind::Int,
        " NOT NULL DEFAULT 0 CHECK (amount_cents >= 0)",
    ),
    ("currency", "char(3)", Kind::Text, " NOT NULL DEFAULT 'EUR'"),
    (
        "metadata",
        "jsonb",
        Kind::Json,
        " NOT NULL DEFAULT '{}'::jsonb",
    ),
    ("tags", "text[]", Kind::Array, " NOT NULL DEFAULT '{}'"),
    (
        "quantity",
        "integer",
        Kind::Int,
        " NOT NULL DEFAULT 1 CHECK (quantity > 0)",
    ),
    ("unit_price", "numeric(12, 2)", Kind::Numeric, ""),
    ("is_active", "boolean", Kind::Bool, " NOT NULL DEFAULT true"),
    ("deleted_at", "timestamptz", Kind::Time, ""),
    ("external_id", "uuid", Kind::Uuid, " UNIQUE"),
    ("notes", "text", Kind::Text, ""),
    ("priority", "smallint", Kind::Int, " NOT NULL DEFAULT 0"),
    ("score", "double precision", Kind::Numeric, ""),
    ("sku", "varchar(64)", Kind::Text, ""),
    ("slug", "varchar(120)", Kind::Text, " NOT NULL"),
    ("url", "text", Kind::Text, ""),
    ("ip_address", "inet", Kind::Inet, ""),
    ("starts_at", "timestamptz", Kind::Time, ""),
    ("ends_at", "timestamptz", Kind::Time, ""),
    ("payload", "jsonb", Kind::Json, ""),
    ("version", "integer", Kind::Int, " NOT NULL DEFAULT 1"),
    ("position", "integer", Kind::Int, ""),
    ("locale", "varchar(10)", Kind::Text, " DEFAULT 'en'"),
    ("phone", "varchar(32)", Kind::Text, ""),
    ("country_code", "char(2)", Kind::Text, ""),
    ("birth_date", "date", Kind::Date, ""),
    ("weight_grams", "integer", Kind::Int, ""),
    (
        "retention",
        "interval",
        Kind::Interval,
        " NOT NULL DEFAULT interval '30 days'",
    ),
    ("checksum", "bytea", Kind::Bytes, ""),
    ("retries", "integer", Kind::Int, " NOT NULL DEFAULT 0"),
    ("last_seen_at", "timestamptz", Kind::Time, ""),
    ("search_vector", "tsvector", Kind::Search, ""),
    (
        "rating",
        "numeric(3, 2)",
        Kind::Numeric,
        " CHECK (rating BETWEEN 0 AND 5)",
    ),
    ("color", "varchar(7)", Kind::Text, ""),
    ("timezone", "text", Kind::Text, " NOT NULL DEFAULT 'UTC'"),
    ("expires_at", "timestamptz", Kind::Time, ""),
    (
        "processed",
        "boolean",
        Kind::Bool,
        " NOT NULL DEFAULT false",
    ),
    ("source", "text", Kind::Text, ""),
    ("code", "varchar(32)", Kind::Text, " NOT NULL"),
    ("reference", "text", Kind::Text, ""),
    (
        "valid_from",
        "date",
        Kind::Date,
        " NOT NULL DEFAULT current_date",
    ),
    ("attempts", "integer", Kind::Int, " NOT NULL DEFAULT 0"),
    ("published_at", "timestamptz", Kind::Time, ""),
    (
        "settings",
        "jsonb",
        Kind::Json,
        " NOT NULL DEFAULT '{}'::jsonb",
    ),
    (
        "discount_rate",
        "numeric(5, 4)",
        Kind::Numeric,
        " NOT NULL DEFAULT 0",
    ),
    ("archived", "boolean", Kind::Bool, " NOT NULL DEFAULT false"),
];

const AREAS: &[&str] = &[
    "",
    "billing",
    "catalog",
    "crm",
    "inventory",
    "shipping",
    "support",
    "auth",
    "analytics",
    "content",
    "hr",
    "finance",
    "marketing",
    "ops",
    "sales",
    "payroll",
    "legal",
    "booking",
    "fleet",
    "lab",
];

const NOUNS: &[&str] = &[
    "accounts",
    "users",
    "customers",
    "orders",
    "order_items",
    "invoices",
    "payments",
    "refunds",
    "products",
    "variants",
    "categories",
    "suppliers",
    "warehouses",
    "shipments",
    "parcels",
    "carriers",
    "tickets",
    "comments",
    "attachments",
    "sessions",
    "api_keys",
    "roles",
    "permissions",
    "events",
    "metrics",
    "reports",
    "articles",
    "labels",
    "media_files",
    "employees",
    "departments",
    "contracts",
    "campaigns",
    "leads",
    "subscriptions",
    "plans",
    "coupons",
    "addresses",
    "notes",
    "tasks",
    "projects",
    "milestones",
    "audit_entries",
    "notifications",
    "webhooks",
    "documents",
    "vehicles",
    "bookings",
    "rooms",
    "samples",
];

const WORDS: &[&str] = &[
    "alpha",
    "bravo",
    "north",
    "south",
    "standard",
    "express",
    "basic",
    "premium",
    "internal",
    "external",
    "draft",
    "review",
    "legacy",
    "primary",
    "backup",
    "retail",
    "wholesale",
    "manual",
    "automatic",
    "default",
    "pilot",
    "regional",
    "global",
    "archive",
    "trial",
];

const STATES: &[&str] = &[
    "pending",
    "active",
    "suspended",
    "closed",
    "draft",
    "published",
    "rejected",
    "approved",
    "queued",
    "running",
    "failed",
    "done",
    "cancelled",
    "expired",
    "on_hold",
];

struct Column {
    name: String,
    kind: Kind,
}

struct Table {
    name: String,
    singular: String,
    id_type: &'static str,
    columns: Vec<Column>,
    has_updated_at: bool,
}

impl Table {
    fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Columns that hold data (not the id, references or bookkeeping timestamps).
    fn data_columns(&self) -> Vec<&Column> {
        self.columns
            .iter()
            .filter(|c| {
                c.kind != Kind::Reference
                    && !matches!(c.name.as_str(), "id" | "created_at" | "updated_at")
            })
            .collect()
    }
}

struct Enum {
    name: String,
    values: Vec<String>,
}

struct History {
    rng: Rng,
    tables: Vec<Table>,
    enums: Vec<Enum>,
    /// Every index, view, function and constraint name given so far.
    names: std::collections::HashSet<String>,
    /// (table, column) pairs with an index already.
    indexed: std::collections::HashSet<(String, String)>,
}

/// A migration being written: its text, one statement after another.
struct Sql(String);

impl Sql {
    fn statement(&mut self, text: impl AsRef<str>) {
        if !self.0.is_empty() && !self.0.ends_with("\n\n") {
            self.0.push('\n');
        }
        self.0.push_str(text.as_ref());
        self.0.push_str(";\n");
    }

    /// A comment line, then a blank line.
    fn comment(&mut self, text: impl AsRef<str>) {
        if !self.0.is_empty() && !self.0.ends_with("\n\n") {
            self.0.push('\n');
        }
        let _ = writeln!(self.0, "-- {}\n", text.as_ref());
    }
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn singular(plural: &str) -> String {
    if let Some(stem) = plural.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = plural.strip_suffix("sses") {
        format!("{stem}ss")
    } else if let Some(stem) = plural.strip_suffix('s') {
        stem.to_string()
    } else {
        plural.to_string()
    }
}

fn sentence_case(name: &str) -> String {
    let words = name.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

impl History {
    fn new(seed: u64) -> Self {
        Self {
            rng: Rng::new(seed),
            tables: Vec::new(),
            enums: Vec::new(),
            names: std::collections::HashSet::new(),
            indexed: std::collections::HashSet::new(),
        }
    }

    /// A name not used before: `base`, else `base_2`, `base_3`, ...
    fn fresh(&mut self, base: String) -> String {
        let mut name = base.clone();
        let mut n = 2;
        while !self.names.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        name
    }

    fn migration(&mut self, n: usize) -> GeneratedFile {
        let mut sql = Sql(String::new());
        let name = if n == 1 {
            self.foundation(&mut sql)
        } else if self.tables.len() < 4 || (n < 60 && self.rng.chance(60)) {
            self.create_table(&mut sql)
        } else {
            self.change(&mut sql, true)
        };
        // Like real histories, a migration often makes a few related changes.
        if n > 1 && !sql.0.contains("CONCURRENTLY") {
            let mut extra = 0;
            while extra < 4 && self.rng.chance(EXTRA_CHANGE_PERCENT) {
                self.change(&mut sql, false);
                extra += 1;
            }
        }
        GeneratedFile {
            file_name: format!("V{n}__{name}.sql"),
            text: sql.0,
        }
    }

    /// One change of a kind drawn by its share of a history; returns its name.
    fn change(&mut self, sql: &mut Sql, first: bool) -> String {
        match self.rng.below(100) {
            0..=21 => self.create_table(sql),
            22..=39 => self.alter_table(sql),
            40..=51 => self.function_and_trigger(sql),
            52..=61 => self.seed_data(sql),
            62..=68 => self.do_block(sql),
            69..=73 => self.create_enum(sql),
            74..=77 => self.extend_enum(sql),
            78..=84 => self.view(sql),
            85..=93 => self.indexes(sql, first),
            _ => self.security(sql),
        }
    }

    /// V1: extensions, the audit log and the shared `updated_at` trigger function.
    fn foundation(&mut self, sql: &mut Sql) -> String {
        sql.comment("Foundation: extensions, the audit log, shared trigger functions.");
        sql.statement("CREATE EXTENSION IF NOT EXISTS pgcrypto");
        sql.statement("CREATE EXTENSION IF NOT EXISTS pg_trgm");
        sql.statement(
            "CREATE TABLE IF NOT EXISTS audit_log (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    \
             table_name text NOT NULL,\n    row_id text NOT NULL,\n    action text NOT NULL CHECK \
             (action IN ('INSERT', 'UPDATE', 'DELETE')),\n    actor text,\n    changed_at timestamptz \
             NOT NULL DEFAULT now(),\n    old_data jsonb,\n    new_data jsonb\n)",
        );
        sql.statement(
            "CREATE INDEX IF NOT EXISTS audit_log_table_row_idx ON audit_log (table_name, row_id)",
        );
        sql.statement("CREATE INDEX IF NOT EXISTS audit_log_changed_at_idx ON audit_log USING brin (changed_at)");
        sql.statement(
            "CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger\nLANGUAGE plpgsql\nAS $$\n\
             BEGIN\n    NEW.updated_at := now();\n    RETURN NEW;\nEND;\n$$",
        );
        sql.statement(
            "COMMENT ON TABLE audit_log IS 'Every change to audited tables, written by triggers.'",
        );
        "foundation".to_string()
    }

    fn new_table_name(&mut self) -> String {
        loop {
            let area = *self.rng.pick(AREAS);
            let noun = *self.rng.pick(NOUNS);
            let name = if area.is_empty() {
                noun.to_string()
            } else {
                format!("{area}_{noun}")
            };
            if !self.tables.iter().any(|t| t.name == name) {
                return name;
            }
        }
    }

    fn column_definition(&mut self, table: &str, template: &(&str, &str, Kind, &str)) -> String {
        let (name, ty, _, extra) = *template;
        let mut def = format!("{name} {ty}{extra}");
        if name == "status" && self.rng.chance(60) {
            let states: Vec<String> = (0..self.rng.between(3, 5))
                .map(|i| quote(STATES[(i * 3 + self.rng.below(3)) % STATES.len()]))
                .collect();
            let _ = write!(
                def,
                " CONSTRAINT {table}_status_check CHECK (status IN ({}))",
                states.join(", ")
            );
        }
        if name == "email" && self.rng.chance(40) {
            def.push_str(" CHECK (email LIKE '%@%')");
        }
        def
    }

    fn create_table(&mut self, sql: &mut Sql) -> String {
        let name = self.new_table_name();
        let singular = singular(&name);
        let id_type = if self.rng.chance(70) {
            "bigint"
        } else {
            "uuid"
        };
        let mut defs = Vec::new();
        let mut columns = Vec::new();
        defs.push(if id_type == "bigint" {
            if self.rng.chance(70) {
                "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY".to_string()
            } else {
                "id bigserial PRIMARY KEY".to_string()
            }
        } else {
            "id uuid PRIMARY KEY DEFAULT gen_random_uuid()".to_string()
        });
        columns.push(Column {
            name: "id".into(),
            kind: Kind::Uuid,
        });

        // References to earlier tables, mostly recent ones, as histories grow.
        let references = if self.tables.is_empty() {
            0
        } else {
            self.rng.between(0, 2.min(self.tables.len()))
        };
        let mut foreign_keys = Vec::new();
        for _ in 0..references {
            let recent = self.tables.len().saturating_sub(30);
            let parent = self.rng.between(recent, self.tables.len() - 1);
            let parent = &self.tables[parent];
            let column = format!("{}_id", parent.singular);
            if columns.iter().any(|c: &Column| c.name == column) {
                continue;
            }
            let on_delete = *self.rng.pick(&[
                "ON DELETE CASCADE",
                "ON DELETE RESTRICT",
                "ON DELETE SET NULL",
                "",
            ]);
            let not_null = if on_delete == "ON DELETE SET NULL" {
                ""
            } else {
                " NOT NULL"
            };
            defs.push(format!(
                "{column} {}{not_null} REFERENCES {} (id) {on_delete}",
                parent.id_type, parent.name
            ));
            foreign_keys.push(column.clone());
            columns.push(Column {
                name: column,
                kind: Kind::Reference,
            });
        }

        let wanted = self.rng.between(3, 15);
        let mut tries = 0;
        while columns.len() < wanted + 1 + foreign_keys.len() && tries < 100 {
            tries += 1;
            let template = self.rng.pick(COLUMNS);
            if columns.iter().any(|c| c.name == template.0) {
                continue;
            }
            let def = self.column_definition(&name, template);
            defs.push(def);
            columns.push(Column {
                name: template.0.into(),
                kind: template.2,
            });
        }
        defs.push("created_at timestamptz NOT NULL DEFAULT now()".into());
        columns.push(Column {
            name: "created_at".into(),
            kind: Kind::Time,
        });
        let has_updated_at = self.rng.chance(75);
        if has_updated_at {
            defs.push("updated_at timestamptz NOT NULL DEFAULT now()".into());
            columns.push(Column {
                name: "updated_at".into(),
                kind: Kind::Time,
            });
        }
        let has = |c: &str| columns.iter().any(|col| col.name == c);
        if has("starts_at") && has("ends_at") {
            defs.push(format!(
                "CONSTRAINT {name}_period_check CHECK (ends_at IS NULL OR ends_at > starts_at)"
            ));
        }
        if let (Some(fk), true) = (foreign_keys.first(), has("code")) {
            defs.push(format!(
                "CONSTRAINT {name}_{fk}_code_key UNIQUE ({fk}, code)"
            ));
        }

        sql.comment(format!("{}.", sentence_case(&name)));
        sql.statement(format!(
            "CREATE TABLE IF NOT EXISTS {name} (\n    {}\n)",
            defs.join(",\n    ")
        ));
        let table = Table {
            name: name.clone(),
            singular,
            id_type,
            columns,
            has_updated_at,
        };
        if has_updated_at {
            // Both re-runnable spellings, as histories written over the years have them.
            let or_replace = if self.rng.chance(50) {
                "OR REPLACE "
            } else {
                sql.statement(format!(
                    "DROP TRIGGER IF EXISTS {name}_set_updated_at ON {name}"
                ));
                ""
            };
            sql.statement(format!(
                "CREATE {or_replace}TRIGGER {name}_set_updated_at\n    BEFORE UPDATE ON {name}\n    FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
            ));
        }
        for fk in &foreign_keys {
            let index = self.fresh(format!("{name}_{fk}_idx"));
            sql.statement(format!(
                "CREATE INDEX IF NOT EXISTS {index} ON {name} ({fk})"
            ));
        }
        for _ in 0..self.rng.between(0, 2) {
            self.index_on(&table, sql, false);
        }
        sql.statement(format!(
            "COMMENT ON TABLE {name} IS {}",
            quote(&format!(
                "{} of the {} area; rows are never hard-deleted by the application.",
                sentence_case(&table.singular),
                self.rng.pick(AREAS[1..].as_ref())
            ))
        ));
        let data = table.data_columns();
        let commented = self.rng.between(0, data.len().min(5));
        for column in data.iter().take(commented) {
            sql.statement(format!(
                "COMMENT ON COLUMN {name}.{} IS {}",
                column.name,
                quote(&format!(
                    "{} of the {}, as entered by {}.",
                    sentence_case(&column.name),
                    table.singular.replace('_', " "),
                    self.rng
                        .pick(&["the user", "an operator", "the importer", "the API"])
                ))
            ));
        }
        self.tables.push(table);
        format!("create_{name}")
    }

    /// Writes one index on `table`; `concurrently` for the non-transactional kind.
    fn index_on(&mut self, table: &Table, sql: &mut Sql, concurrently: bool) {
        let t = &table.name;
        let data: Vec<&Column> = table
            .data_columns()
            .into_iter()
            .filter(|c| !self.indexed.contains(&(t.clone(), c.name.clone())))
            .collect();
        let Some(column) = data.get(self.rng.below(data.len().max(1))) else {
            return;
        };
        let c = &column.name;
        self.indexed.insert((t.clone(), c.clone()));
        let how = if concurrently {
            "CONCURRENTLY IF NOT EXISTS "
        } else {
            "IF NOT EXISTS "
        };
        let statement = match column.kind {
            Kind::Json => {
                let index = self.fresh(format!("{t}_{c}_gin_idx"));
                let ops = if self.rng.chance(50) {
                    " jsonb_path_ops"
                } else {
                    ""
                };
                format!("CREATE INDEX {how}{index} ON {t} USING gin ({c}{ops})")
            }
            Kind::Array | Kind::Search => {
                let index = self.fresh(format!("{t}_{c}_gin_idx"));
                format!("CREATE INDEX {how}{index} ON {t} USING gin ({c})")
            }
            Kind::Text if self.rng.chance(30) => {
                let index = self.fresh(format!("{t}_{c}_lower_key"));
                format!("CREATE UNIQUE INDEX {how}{index} ON {t} (lower({c}))")
            }
            Kind::Text if self.rng.chance(25) => {
                let index = self.fresh(format!("{t}_{c}_trgm_idx"));
                format!("CREATE INDEX {how}{index} ON {t} USING gin ({c} gin_trgm_ops)")
            }
            _ if table.column("deleted_at").is_some() && c != "deleted_at" => {
                let index = self.fresh(format!("{t}_{c}_live_idx"));
                format!("CREATE INDEX {how}{index} ON {t} ({c}) WHERE deleted_at IS NULL")
            }
            Kind::Bool => {
                let index = self.fresh(format!("{t}_{c}_partial_idx"));
                format!("CREATE INDEX {how}{index} ON {t} (created_at DESC) WHERE {c}")
            }
            Kind::Time if table.has_updated_at => {
                let index = self.fresh(format!("{t}_{c}_updated_idx"));
                format!("CREATE INDEX {how}{index} ON {t} ({c} DESC NULLS LAST, updated_at)")
            }
            _ => {
                let index = self.fresh(format!("{t}_{c}_idx"));
                format!("CREATE INDEX {how}{index} ON {t} ({c})")
            }
        };
        sql.statement(statement);
    }

    fn any_table(&mut self) -> usize {
        // Recent tables change more often than old ones.
        if self.rng.chance(60) {
            let recent = self.tables.len().saturating_sub(20);
            self.rng.between(recent, self.tables.len() - 1)
        } else {
            self.rng.below(self.tables.len())
        }
    }

    fn alter_table(&mut self, sql: &mut Sql) -> String {
        let index = self.any_table();
        let mut table = std::mem::replace(
            &mut self.tables[index],
            Table {
                name: String::new(),
                singular: String::new(),
                id_type: "",
                columns: Vec::new(),
                has_updated_at: false,
            },
        );
        let t = table.name.clone();
        let mut added = Vec::new();
        for _ in 0..self.rng.between(1, 4) {
            let template = self.rng.pick(COLUMNS);
            if table.column(template.0).is_some() {
                continue;
            }
            // Added later, so nullable or with a default; NOT NULL comes after a backfill.
            let (name, ty, kind, extra) = *template;
            let extra = if extra.contains("NOT NULL") && !extra.contains("DEFAULT") {
                ""
            } else {
                extra
            };
            sql.statement(format!(
                "ALTER TABLE {t} ADD COLUMN IF NOT EXISTS {name} {ty}{extra}"
            ));
            table.columns.push(Column {
                name: name.into(),
                kind,
            });
            added.push((name, kind, extra.is_empty()));
        }
        for &(name, kind, nullable) in &added {
            if nullable && kind == Kind::Text && self.rng.chance(40) {
                sql.statement(format!(
                    "UPDATE {t} SET {name} = {} WHERE {name} IS NULL",
                    quote(word(&mut self.rng))
                ));
                sql.statement(format!("ALTER TABLE {t} ALTER COLUMN {name} SET NOT NULL"));
            }
            if self.rng.chance(50) {
                sql.statement(format!(
                    "COMMENT ON COLUMN {t}.{name} IS {}",
                    quote(&format!(
                        "{}; added for the {} workflow.",
                        sentence_case(name),
                        self.rng.pick(WORDS)
                    ))
                ));
            }
        }
        match self.rng.below(6) {
            0 => {
                let data = table.data_columns();
                if let Some(column) = data.iter().find(|c| c.kind == Kind::Int) {
                    let constraint = self.fresh(format!("{t}_{}_nonnegative", column.name));
                    sql.statement(format!(
                        "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {constraint}"
                    ));
                    sql.statement(format!(
                        "ALTER TABLE {t} ADD CONSTRAINT {constraint} CHECK ({} >= 0) NOT VALID",
                        column.name
                    ));
                    sql.statement(format!("ALTER TABLE {t} VALIDATE CONSTRAINT {constraint}"));
                }
            }
            1 if self.tables.len() > 2 => {
                let parent = self.rng.below(self.tables.len());
                let parent = &self.tables[parent];
                if !parent.name.is_empty()
                    && table.column(&format!("{}_id", parent.singular)).is_none()
                {
                    let column = format!("{}_id", parent.singular);
                    let (parent_name, parent_id) = (parent.name.clone(), parent.id_type);
                    let constraint = self.fresh(format!("{t}_{column}_fkey"));
                    sql.statement(format!(
                        "ALTER TABLE {t} ADD COLUMN IF NOT EXISTS {column} {parent_id}"
                    ));
                    sql.statement(format!(
                        "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {constraint}"
                    ));
                    sql.statement(format!(
                        "ALTER TABLE {t}\n    ADD CONSTRAINT {constraint} FOREIGN KEY ({column})\n    REFERENCES {parent_name} (id) ON DELETE SET NULL"
                    ));
                    let idx = self.fresh(format!("{t}_{column}_idx"));
                    sql.statement(format!(
                        "CREATE INDEX IF NOT EXISTS {idx} ON {t} ({column})"
                    ));
                    table.columns.push(Column {
                        name: column,
                        kind: Kind::Reference,
                    });
                }
            }
            2 => {
                if let Some(column) = table.data_columns().iter().find(|c| c.kind == Kind::Text) {
                    let name = column.name.clone();
                    let constraint = self.fresh(format!("{t}_{name}_key"));
                    sql.statement(format!(
                        "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {constraint}"
                    ));
                    sql.statement(format!(
                        "ALTER TABLE {t} ADD CONSTRAINT {constraint} UNIQUE ({name})"
                    ));
                }
            }
            3 => {
                let data = table.data_columns();
                if data.len() > 3 {
                    let victim = data[data.len() - 1].name.clone();
                    sql.statement(format!("ALTER TABLE {t} DROP COLUMN IF EXISTS {victim}"));
                    table.columns.retain(|c| c.name != victim);
                }
            }
            4 => {
                if let Some(column) = table.data_columns().iter().find(|c| c.kind == Kind::Text) {
                    sql.statement(format!(
                        "ALTER TABLE {t} ALTER COLUMN {} SET DEFAULT {}",
                        column.name,
                        quote(word(&mut self.rng))
                    ));
                }
            }
            _ => {
                sql.statement(format!(
                    "ALTER TABLE {t} SET (autovacuum_vacuum_scale_factor = 0.0{}, fillfactor = {})",
                    self.rng.between(1, 9),
                    self.rng.between(70, 95)
                ));
            }
        }
        if self.rng.chance(60) || sql.0.is_empty() {
            self.index_on(&table, sql, false);
        }
        if sql.0.is_empty() {
            sql.statement(format!("ALTER TABLE {t} SET (fillfactor = 90)"));
        }
        let first = added.first().map_or("columns", |a| a.0).to_string();
        self.tables[index] = table;
        format!("alter_{t}_{first}")
    }

    fn function_and_trigger(&mut self, sql: &mut Sql) -> String {
        let index = self.any_table();
        let table = &self.tables[index];
        let t = table.name.clone();
        let columns: Vec<(String, Kind)> = table
            .data_columns()
            .iter()
            .map(|c| (c.name.clone(), c.kind))
            .collect();
        let id_type = table.id_type;
        let style = self.rng.below(4);
        let (function, body, timing, events) = match style {
            0 => (
                self.fresh(format!("{t}_audit")),
                self.audit_body(&columns),
                "AFTER",
                "INSERT OR UPDATE OR DELETE",
            ),
            1 => (
                self.fresh(format!("{t}_validate")),
                self.validation_body(&t, &columns),
                "BEFORE",
                "INSERT OR UPDATE",
            ),
            2 => (
                self.fresh(format!("{t}_maintain")),
                self.maintenance_body(&t, &columns),
                "BEFORE",
                "INSERT OR UPDATE",
            ),
            _ => {
                // A plain function (no trigger): a report over the table.
                let function = self.fresh(format!("{t}_summary"));
                let body = self.report_body(&t, &columns);
                sql.comment(format!("Reporting helper over {t}."));
                sql.statement(format!(
                    "CREATE OR REPLACE FUNCTION {function}(p_since timestamptz, p_limit integer DEFAULT 100)\n\
                     RETURNS TABLE (bucket date, total bigint, last_id {id_type})\n\
                     LANGUAGE plpgsql\nSTABLE\nAS $fn$\n{body}$fn$"
                ));
                sql.statement(format!(
                    "COMMENT ON FUNCTION {function}(timestamptz, integer) IS {}",
                    quote(&format!("Daily totals of {t} since a point in time."))
                ));
                if self.rng.chance(50) {
                    sql.statement(format!(
                        "GRANT EXECUTE ON FUNCTION {function}(timestamptz, integer) TO reporting"
                    ));
                }
                return format!("add_{function}");
            }
        };
        sql.comment(format!("Trigger function {function} on {t}."));
        sql.statement(format!(
            "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger\nLANGUAGE plpgsql\nAS $$\n{body}$$"
        ));
        let trigger = self.fresh(format!("{function}_trigger"));
        sql.statement(format!("DROP TRIGGER IF EXISTS {trigger} ON {t}"));
        sql.statement(format!(
            "CREATE TRIGGER {trigger}\n    {timing} {events} ON {t}\n    FOR EACH ROW EXECUTE FUNCTION {function}()"
        ));
        sql.statement(format!(
            "COMMENT ON FUNCTION {function}() IS {}",
            quote(&format!(
                "Row trigger on {t}; see the migration that created it."
            ))
        ));
        format!("add_{function}")
    }

    fn audit_body(&mut self, columns: &[(String, Kind)]) -> String {
        let mut body = String::from(
            "DECLARE\n    v_actor text := current_setting('app.user_id', true);\n    \
             v_changes jsonb := '{}'::jsonb;\nBEGIN\n    IF TG_OP = 'DELETE' THEN\n        \
             INSERT INTO audit_log (table_name, row_id, action, actor, old_data)\n        \
             VALUES (TG_TABLE_NAME, OLD.id::text, TG_OP, v_actor, to_jsonb(OLD));\n        \
             RETURN OLD;\n    END IF;\n    IF TG_OP = 'UPDATE' THEN\n",
        );
        for (c, _) in columns.iter().take(self.rng.between(2, 8)) {
            let _ = write!(
                body,
                "        IF NEW.{c} IS DISTINCT FROM OLD.{c} THEN\n            \
                 v_changes := v_changes || jsonb_build_object('{c}', jsonb_build_array(OLD.{c}, NEW.{c}));\n        \
                 END IF;\n"
            );
        }
        body.push_str(
            "        IF v_changes = '{}'::jsonb THEN\n            RETURN NEW;\n        END IF;\n    \
             END IF;\n    INSERT INTO audit_log (table_name, row_id, action, actor, new_data)\n    \
             VALUES (TG_TABLE_NAME, NEW.id::text, TG_OP, v_actor,\n            \
             CASE WHEN TG_OP = 'UPDATE' THEN v_changes ELSE to_jsonb(NEW) END);\n    \
             RETURN NEW;\nEND;\n",
        );
        body
    }

    fn validation_body(&mut self, table: &str, columns: &[(String, Kind)]) -> String {
        let mut body = String::from("BEGIN\n");
        for (c, kind) in columns.iter().take(self.rng.between(2, 7)) {
            let condition = match kind {
                Kind::Text => format!("NEW.{c} IS NOT NULL AND length(trim(NEW.{c})) = 0"),
                Kind::Int | Kind::Numeric => format!("NEW.{c} < 0"),
                Kind::Time => format!("NEW.{c} > now() + interval '10 years'"),
                Kind::Json => format!("jsonb_typeof(NEW.{c}) <> 'object'"),
                Kind::Array => format!("cardinality(NEW.{c}) > 50"),
                _ => format!("NEW.{c} IS NULL AND TG_OP = 'INSERT'"),
            };
            let _ = write!(
                body,
                "    IF {condition} THEN\n        RAISE EXCEPTION '{table}.{c} is invalid: %', NEW.{c}\n            \
                 USING ERRCODE = 'check_violation', HINT = 'see the {c} rules in the handbook';\n    END IF;\n"
            );
        }
        body.push_str("    RETURN NEW;\nEND;\n");
        body
    }

    fn maintenance_body(&mut self, table: &str, columns: &[(String, Kind)]) -> String {
        let texts: Vec<&String> = columns
            .iter()
            .filter(|(_, k)| *k == Kind::Text)
            .map(|(c, _)| c)
            .collect();
        let mut body =
            String::from("DECLARE\n    v_now timestamptz := clock_timestamp();\nBEGIN\n");
        if !texts.is_empty() {
            body.push_str("    -- Normalise free text before it is stored.\n");
            for c in texts.iter().take(3) {
                let _ = writeln!(body, "    NEW.{c} := nullif(btrim(NEW.{c}), '');");
            }
            let weights = ["A", "B", "C", "D"];
            let vector: Vec<String> = texts
                .iter()
                .take(4)
                .zip(weights)
                .map(|(c, w)| {
                    format!("setweight(to_tsvector('simple', coalesce(NEW.{c}, '')), '{w}')")
                })
                .collect();
            if columns.iter().any(|(c, _)| c == "search_vector") {
                let _ = writeln!(
                    body,
                    "    NEW.search_vector :=\n        {};",
                    vector.join("\n        || ")
                );
            }
        }
        let _ = write!(
            body,
            "    IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN\n        RETURN NULL;\n    END IF;\n    \
             IF TG_OP = 'INSERT' THEN\n        PERFORM pg_notify('{table}_changes', json_build_object('op', TG_OP, 'id', NEW.id, 'at', v_now)::text);\n    \
             END IF;\n    RETURN NEW;\nEND;\n"
        );
        body
    }

    fn report_body(&mut self, table: &str, columns: &[(String, Kind)]) -> String {
        let filter = columns
            .iter()
            .find(|(_, k)| *k == Kind::Bool)
            .map_or(String::new(), |(c, _)| format!("\n          AND t.{c}"));
        format!(
            "DECLARE\n    v_row record;\n    v_count integer := 0;\nBEGIN\n    IF p_limit <= 0 THEN\n        \
             RAISE EXCEPTION 'p_limit must be positive, got %', p_limit;\n    END IF;\n    \
             FOR v_row IN\n        SELECT date_trunc('day', t.created_at)::date AS day, count(*) AS n, max(t.id) AS last_id\n        \
             FROM {table} t\n        WHERE t.created_at >= p_since{filter}\n        GROUP BY 1\n        ORDER BY 1 DESC\n    \
             LOOP\n        bucket := v_row.day;\n        total := v_row.n;\n        last_id := v_row.last_id;\n        \
             v_count := v_count + 1;\n        RETURN NEXT;\n        EXIT WHEN v_count >= p_limit;\n    END LOOP;\n    \
             RETURN;\nEND;\n"
        )
    }

    fn value(&mut self, kind: Kind, row: usize) -> String {
        match kind {
            Kind::Text | Kind::Reference => quote(&format!("{}-{row}", self.rng.pick(WORDS))),
            Kind::Int => self.rng.between(0, 5000).to_string(),
            Kind::Numeric => format!("{}.{:02}", self.rng.between(0, 999), self.rng.below(100)),
            Kind::Bool => (if self.rng.chance(50) { "true" } else { "false" }).to_string(),
            Kind::Time => format!(
                "'2024-{:02}-{:02} {:02}:00:00+00'",
                self.rng.between(1, 12),
                self.rng.between(1, 28),
                self.rng.below(24)
            ),
            Kind::Date => format!(
                "'2023-{:02}-{:02}'",
                self.rng.between(1, 12),
                self.rng.between(1, 28)
            ),
            Kind::Json => format!("'{{\"source\": \"seed\", \"batch\": {row}}}'::jsonb"),
            Kind::Array => format!("'{{{},{}}}'", self.rng.pick(WORDS), self.rng.pick(WORDS)),
            Kind::Uuid => "gen_random_uuid()".into(),
            Kind::Inet => format!(
                "'10.{}.{}.{}'",
                self.rng.below(256),
                self.rng.below(256),
                self.rng.below(256)
            ),
            Kind::Interval => format!("interval '{} days'", self.rng.between(1, 90)),
            Kind::Bytes => "decode('00ff', 'hex')".into(),
            Kind::Search => format!("to_tsvector('simple', '{}')", self.rng.pick(WORDS)),
            Kind::Enum(e) => {
                let values = &self.enums[e].values;
                quote(&values[self.rng.below(values.len())])
            }
        }
    }

    fn seed_data(&mut self, sql: &mut Sql) -> String {
        let index = self.any_table();
        let table = &self.tables[index];
        let t = table.name.clone();
        let mut columns: Vec<(String, Kind)> = table
            .data_columns()
            .iter()
            .filter(|c| c.kind != Kind::Search)
            .map(|c| (c.name.clone(), c.kind))
            .collect();
        columns.truncate(self.rng.between(2, 6));
        if columns.is_empty() {
            columns.push(("created_at".into(), Kind::Time));
        }
        let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
        let names = names.join(", ");
        sql.comment(format!("Reference data for {t}."));
        for _ in 0..self.rng.between(1, 3) {
            let rows: Vec<String> = (0..self.rng.between(3, 16))
                .map(|row| {
                    let values: Vec<String> =
                        columns.iter().map(|(_, k)| self.value(*k, row)).collect();
                    format!("({})", values.join(", "))
                })
                .collect();
            let conflict = "\nON CONFLICT DO NOTHING";
            sql.statement(format!(
                "INSERT INTO {t} ({names}) VALUES\n    {}{conflict}",
                rows.join(",\n    ")
            ));
        }
        if let Some((c, k)) = columns.first().cloned() {
            if self.rng.chance(50) {
                let value = self.value(k, 0);
                sql.statement(format!("UPDATE {t} SET {c} = {value} WHERE {c} IS NULL"));
            }
        }
        if self.rng.chance(30) {
            sql.statement(format!(
                "DELETE FROM {t} WHERE created_at < now() - interval '{} days'",
                self.rng.between(30, 720)
            ));
        }
        format!("seed_{t}")
    }

    fn do_block(&mut self, sql: &mut Sql) -> String {
        let index = self.any_table();
        let t = self.tables[index].name.clone();
        sql.comment("Idempotent changes: the block checks the catalog before acting.");
        match self.rng.below(3) {
            0 => {
                let constraint = self.fresh(format!("{t}_created_at_check"));
                sql.statement(format!(
                    "DO $$\nBEGIN\n    IF NOT EXISTS (\n        SELECT 1 FROM pg_constraint\n        \
                     WHERE conname = '{constraint}' AND conrelid = '{t}'::regclass\n    ) THEN\n        \
                     ALTER TABLE {t} ADD CONSTRAINT {constraint}\n            CHECK (created_at > '2000-01-01');\n    \
                     END IF;\nEND\n$$"
                ));
            }
            1 => {
                // A backfill in batches, so no lock is held for long.
                let column = self.tables[index]
                    .data_columns()
                    .iter()
                    .find(|c| c.kind == Kind::Text)
                    .map_or("notes".to_string(), |c| c.name.clone());
                sql.statement(format!(
                    "DO $$\nDECLARE\n    v_rows integer;\n    v_total bigint := 0;\nBEGIN\n    LOOP\n        \
                     UPDATE {t} SET {column} = {}\n        WHERE id IN (SELECT id FROM {t} WHERE {column} IS NULL LIMIT {});\n        \
                     GET DIAGNOSTICS v_rows = ROW_COUNT;\n        v_total := v_total + v_rows;\n        EXIT WHEN v_rows = 0;\n    \
                     END LOOP;\n    RAISE NOTICE '{t}.{column}: % rows backfilled', v_total;\nEND\n$$",
                    quote(word(&mut self.rng)),
                    self.rng.pick(&[500, 1000, 5000, 10000])
                ));
            }
            _ => {
                let role = *self
                    .rng
                    .pick(&["reporting", "app_readonly", "support_agent"]);
                sql.statement(format!(
                    "DO $$\nBEGIN\n    CREATE ROLE {role} NOLOGIN;\nEXCEPTION\n    WHEN duplicate_object THEN\n        \
                     RAISE NOTICE 'role {role} already exists, skipping';\nEND\n$$"
                ));
                sql.statement(format!("GRANT SELECT ON {t} TO {role}"));
            }
        }
        sql.statement(format!("ANALYZE {t}"));
        format!("ensure_{t}")
    }

    fn create_enum(&mut self, sql: &mut Sql) -> String {
        let index = self.any_table();
        let t = self.tables[index].name.clone();
        let singular = self.tables[index].singular.clone();
        let suffix = *self.rng.pick(&["state", "kind", "tier", "channel"]);
        let name = self.fresh(format!("{singular}_{suffix}"));
        let values: Vec<String> = (0..self.rng.between(3, 7))
            .map(|i| STATES[(i * 2 + self.rng.below(2)) % STATES.len()].to_string())
            .collect();
        let quoted: Vec<String> = values.iter().map(|v| quote(v)).collect();
        // CREATE TYPE has no IF NOT EXISTS: the block makes it re-runnable.
        sql.statement(format!(
            "DO $$\nBEGIN\n    CREATE TYPE {name} AS ENUM ({});\nEXCEPTION\n    WHEN duplicate_object THEN NULL;\nEND\n$$",
            quoted.join(", ")
        ));
        sql.statement(format!(
            "COMMENT ON TYPE {name} IS {}",
            quote(&format!("Lifecycle of a {}.", singular.replace('_', " ")))
        ));
        let default = quote(&values[0]);
        sql.statement(format!(
            "ALTER TABLE {t} ADD COLUMN IF NOT EXISTS {name} {name} NOT NULL DEFAULT {default}"
        ));
        let idx = self.fresh(format!("{t}_{name}_idx"));
        sql.statement(format!("CREATE INDEX IF NOT EXISTS {idx} ON {t} ({name})"));
        self.enums.push(Enum {
            name: name.clone(),
            values,
        });
        let kind = Kind::Enum(self.enums.len() - 1);
        self.tables[index].columns.push(Column {
            name: name.clone(),
            kind,
        });
        format!("add_{name}")
    }

    fn extend_enum(&mut self, sql: &mut Sql) -> String {
        if self.enums.is_empty() {
            return self.create_enum(sql);
        }
        let index = self.rng.below(self.enums.len());
        let name = self.enums[index].name.clone();
        for _ in 0..self.rng.between(1, 3) {
            let value = format!("{}_{}", self.rng.pick(STATES), self.rng.pick(WORDS));
            if self.enums[index].values.contains(&value) {
                continue;
            }
            let after = quote(self.enums[index].values.last().expect("an enum has values"));
            sql.statement(format!(
                "ALTER TYPE {name} ADD VALUE IF NOT EXISTS {} AFTER {after}",
                quote(&value)
            ));
            self.enums[index].values.push(value);
        }
        if sql.0.is_empty() {
            sql.statement(format!("ALTER TYPE {name} OWNER TO CURRENT_USER"));
        }
        format!("extend_{name}")
    }

    fn view(&mut self, sql: &mut Sql) -> String {
        let index = self.any_table();
        let table = &self.tables[index];
        let t = table.name.clone();
        let mut select: Vec<String> = table
            .columns
            .iter()
            .take(6)
            .map(|c| format!("t.{}", c.name))
            .collect();
        let mut join = String::new();
        if let Some(fk) = table.columns.iter().find(|c| c.kind == Kind::Reference) {
            let parent_singular = fk.name.trim_end_matches("_id");
            if let Some(parent) = self.tables.iter().find(|p| p.singular == parent_singular) {
                let _ = write!(join, "\n    JOIN {} p ON p.id = t.{}", parent.name, fk.name);
                if let Some(c) = parent.data_columns().first() {
                    select.push(format!("p.{} AS {}_{}", c.name, parent.singular, c.name));
                }
            }
        }
        let filter = if table.column("deleted_at").is_some() {
            "\nWHERE t.deleted_at IS NULL"
        } else {
            ""
        };
        let materialized = self.rng.chance(30);
        let view = self.fresh(format!(
            "{t}_{}",
            if materialized { "stats" } else { "current" }
        ));
        if materialized {
            sql.statement(format!(
                "CREATE MATERIALIZED VIEW IF NOT EXISTS {view} AS\nSELECT date_trunc('week', t.created_at) AS week, count(*) AS n, max(t.created_at) AS latest\n\
                 FROM {t} t{join}{filter}\nGROUP BY 1\nWITH DATA"
            ));
            let idx = self.fresh(format!("{view}_week_key"));
            sql.statement(format!(
                "CREATE UNIQUE INDEX IF NOT EXISTS {idx} ON {view} (week)"
            ));
            sql.statement(format!(
                "COMMENT ON MATERIALIZED VIEW {view} IS 'Weekly counts, refreshed nightly.'"
            ));
        } else {
            sql.statement(format!(
                "CREATE OR REPLACE VIEW {view} AS\nSELECT {}\nFROM {t} t{join}{filter}",
                select.join(",\n       ")
            ));
            sql.statement(format!(
                "COMMENT ON VIEW {view} IS {}",
                quote(&format!("The live rows of {t}, for the admin screens."))
            ));
            sql.statement(format!("GRANT SELECT ON {view} TO reporting"));
        }
        format!("view_{view}")
    }

    /// Indexes on one table; `may_be_concurrent` when the file holds nothing else.
    fn indexes(&mut self, sql: &mut Sql, may_be_concurrent: bool) -> String {
        let index = self.any_table();
        let table = std::mem::take(&mut self.tables[index].columns);
        let t = Table {
            name: self.tables[index].name.clone(),
            singular: String::new(),
            id_type: "",
            columns: table,
            has_updated_at: self.tables[index].has_updated_at,
        };
        let name = if may_be_concurrent && self.rng.chance(25) {
            // Built without blocking writes: alone in its file, outside a transaction.
            self.index_on(&t, sql, true);
            format!("index_{}_concurrently", t.name)
        } else {
            for _ in 0..self.rng.between(2, 5) {
                self.index_on(&t, sql, false);
            }
            if self.rng.chance(40) {
                let old = format!("{}_legacy_idx", t.name);
                sql.statement(format!("DROP INDEX IF EXISTS {old}"));
            }
            format!("index_{}", t.name)
        };
        if sql.0.is_empty() {
            sql.statement(format!("REINDEX TABLE {}", t.name));
        }
        self.tables[index].columns = t.columns;
        name
    }

    fn security(&mut self, sql: &mut Sql) -> String {
        let index = self.any_table();
        let table = &self.tables[index];
        let t = table.name.clone();
        let owner = table
            .columns
            .iter()
            .find(|c| c.kind == Kind::Reference)
            .map(|c| c.name.clone());
        sql.comment(format!("Row level security on {t}."));
        sql.statement(format!("ALTER TABLE {t} ENABLE ROW LEVEL SECURITY"));
        let policy = self.fresh(format!("{t}_tenant_isolation"));
        let predicate = match owner {
            Some(c) => format!("{c}::text = current_setting('app.tenant_id', true)"),
            None => "current_setting('app.role', true) = 'admin'".to_string(),
        };
        sql.statement(format!("DROP POLICY IF EXISTS {policy} ON {t}"));
        sql.statement(format!(
            "CREATE POLICY {policy} ON {t}\n    USING ({predicate})\n    WITH CHECK ({predicate})"
        ));
        sql.statement(format!("GRANT SELECT, INSERT, UPDATE ON {t} TO app_user"));
        sql.statement(format!("REVOKE DELETE ON {t} FROM app_user"));
        format!("secure_{t}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgstrata_analyzer::parse::parse_file;
    use pgstrata_analyzer::source::SourceFile;

    #[test]
    fn the_same_seed_gives_the_same_bytes() {
        let a = generate(50, 7);
        let b = generate(50, 7);
        assert!(a
            .iter()
            .zip(&b)
            .all(|(a, b)| a.file_name == b.file_name && a.text == b.text));
        assert_ne!(a[10].text, generate(50, 8)[10].text);
    }

    #[test]
    fn every_statement_parses() {
        for file in generate(300, 1) {
            let source = SourceFile::new(
                file.file_name.clone().into(),
                file.file_name.clone(),
                file.text,
            );
            let parsed = parse_file(&source);
            assert!(
                parsed.diagnostics.is_empty(),
                "{}: {:?}",
                file.file_name,
                parsed.diagnostics
            );
            assert!(!parsed.statements.is_empty(), "{} is empty", file.file_name);
        }
    }
}
