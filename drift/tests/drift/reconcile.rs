//! The DDL side of the drift check against the real server.
//!
//! Squash fidelity: for the example, the four seed schemas and every corpus set, the
//! history is applied to one fresh database and `squash(catalog)` to another; their
//! `pg_dump --schema-only --no-owner` must be the same, line for line (a table the
//! catalog could not follow is left to the reader, and the squash must say so).
//!
//! Draft convergence: each of many hand changes is made to a migrated database, the
//! draft is written from the differences (as written here, then as the check finds
//! them) and applied; the dump must be the migrated one again (columns compared in any
//! order: a column added back comes last) and the check must find nothing.

use crate::support::check;
use pgstrata_analyzer::catalog::Catalog;
use pgstrata_analyzer::{analyze, Config};
use pgstrata_drift::{ddl, Change, Difference, ObjectKind, Options};
use pgstrata_runtime::Runner;
use pgstrata_testkit::corpora::SQLX_TABLE;
use pgstrata_testkit::{histories, runtime_migrations, History, TestDb};
use std::collections::BTreeMap;

/// The runner's history, left out of every dump.
const HISTORY_SCHEMA: &str = "pgstrata_history";

const DUMP_ARGS: [&str; 3] = [
    "--schema-only",
    "--no-owner",
    "--exclude-schema=pgstrata_history",
];

/// The histories the squash is held to: every one the tests have but the catalog's and
/// the typed module's fixtures, which collect forms (partitions, exclusion
/// constraints, typed tables) the DDL leaves to a note.
fn sets() -> Vec<History> {
    histories()
        .into_iter()
        .filter(|h| !matches!(h.name.as_str(), "catalog_forms" | "typed_forms"))
        .collect()
}

/// A fresh database with the set's history applied by the runner, and the catalog.
fn migrated(set: &History) -> (TestDb, Catalog) {
    let analysis = analyze(&set.dir, &set.display, &Config::default());
    let db = TestDb::new("pgstrata_reconcile");
    let mut client = db.connect();
    if set.sqlx_table {
        client.batch_execute(SQLX_TABLE).unwrap();
    }
    Runner::new(runtime_migrations(&analysis))
        .history_schema(HISTORY_SCHEMA)
        .run(&mut client)
        .unwrap_or_else(|e| panic!("{}: {e}", set.name));
    (db, analysis.catalog)
}

/// The lines only one dump has, each count of a repeated line compared.
fn dump_difference(left: &[String], right: &[String]) -> (Vec<String>, Vec<String>) {
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for line in left {
        *counts.entry(line).or_default() += 1;
    }
    for line in right {
        *counts.entry(line).or_default() -= 1;
    }
    let only_left = counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(l, _)| l.to_string())
        .collect();
    let only_right = counts
        .iter()
        .filter(|(_, n)| **n < 0)
        .map(|(l, _)| l.to_string())
        .collect();
    (only_left, only_right)
}

#[test]
fn squash_builds_what_the_history_builds() {
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for set in sets() {
        let (history_db, catalog) = migrated(&set);
        let history = history_db.dump(&DUMP_ARGS);
        let sql = pgstrata_drift::squash(&catalog);
        let squash_db = TestDb::new("pgstrata_reconcile");
        let mut client = squash_db.connect();
        if set.sqlx_table {
            client.batch_execute(SQLX_TABLE).unwrap();
        }
        if let Err(e) = client.batch_execute(&sql) {
            if let Ok(dir) = std::env::var("PGSTRATA_RECONCILE_OUT") {
                let _ = std::fs::write(format!("{dir}/{}.squash.sql", set.name), &sql);
            }
            failures.push(format!("{}: the squash does not apply: {e:?}", set.name));
            report.push(format!("{:<32} does not apply", set.name));
            continue;
        }
        let squashed = squash_db.dump(&DUMP_ARGS);
        if let Ok(dir) = std::env::var("PGSTRATA_RECONCILE_OUT") {
            let _ = std::fs::write(format!("{dir}/{}.squash.sql", set.name), &sql);
            let _ = std::fs::write(
                format!("{dir}/{}.history.dump", set.name),
                history.join("\n"),
            );
            let _ = std::fs::write(
                format!("{dir}/{}.squash.dump", set.name),
                squashed.join("\n"),
            );
        }
        if history == squashed {
            report.push(format!(
                "{:<32} identical ({} lines)",
                set.name,
                history.len()
            ));
            continue;
        }
        let (only_history, only_squash) = dump_difference(&history, &squashed);
        report.push(format!(
            "{:<32} differs: {} lines only in the history's dump, {} only in the squash's{}",
            set.name,
            only_history.len(),
            only_squash.len(),
            if only_history.is_empty() && only_squash.is_empty() {
                " (same lines, another order)"
            } else {
                ""
            }
        ));
        // What the catalog could not follow, the squash leaves to the reader, saying so.
        let uncertain: Vec<String> = catalog
            .uncertain
            .iter()
            .filter(|u| u.kind == "table" && !u.reason.contains("migration tool's own table"))
            .map(|u| u.name.clone())
            .collect();
        let noted = uncertain.iter().all(|name| {
            let (schema, table) = name.split_once('.').unwrap_or(("public", name));
            sql.contains(&format!(
                "{}: the catalog could not follow it",
                ddl::qualified(schema, table)
            ))
        });
        if !uncertain.is_empty() && noted {
            report.push(format!(
                "{:<32}   (the catalog could not follow {}; the squash says so)",
                "",
                uncertain.join(", ")
            ));
            continue;
        }
        let mut text = format!("{}:\n", set.name);
        for line in only_history.iter().take(40) {
            text.push_str(&format!("  - {line}\n"));
        }
        for line in only_squash.iter().take(40) {
            text.push_str(&format!("  + {line}\n"));
        }
        failures.push(text);
    }
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The history the draft is tried on: one of every kind of object the draft writes.
const BASE: &str = r#"
CREATE SCHEMA app;
CREATE TYPE mood AS ENUM ('happy', 'sad', 'neutral');
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name varchar(80),
    mood mood NOT NULL DEFAULT 'neutral',
    created_at timestamptz NOT NULL DEFAULT now(),
    score integer CHECK (score >= 0)
);
CREATE TABLE posts (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title text NOT NULL,
    body text,
    tags text[] NOT NULL DEFAULT '{}',
    words integer GENERATED ALWAYS AS (length(body)) STORED
);
CREATE INDEX posts_author_idx ON posts (author_id);
CREATE INDEX posts_title_lower_idx ON posts (lower(title)) WHERE body IS NOT NULL;
CREATE TABLE app.settings (key text PRIMARY KEY, value jsonb);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_at = now();
    RETURN NEW;
END
$$;
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
CREATE FUNCTION post_count(author bigint) RETURNS bigint LANGUAGE sql STABLE
    AS $$ SELECT count(*) FROM posts WHERE author_id = author $$;
CREATE VIEW user_posts AS
    SELECT u.id, u.email, count(p.id) AS posts
    FROM users u LEFT JOIN posts p ON p.author_id = u.id
    GROUP BY u.id, u.email;
COMMENT ON TABLE users IS 'People';
COMMENT ON COLUMN users.email IS 'Where to write';
COMMENT ON FUNCTION post_count(bigint) IS 'How many posts';
"#;

const MORE: &str = r#"
ALTER TABLE users ADD COLUMN bio text;
CREATE MATERIALIZED VIEW app.mood_counts AS SELECT mood, count(*) AS n FROM users GROUP BY mood;
CREATE UNIQUE INDEX mood_counts_mood ON app.mood_counts (mood);
CREATE SEQUENCE app.ticket START 100;
"#;

fn missing(kind: ObjectKind, object: &str, table: Option<&str>) -> Difference {
    Difference {
        kind,
        object: object.to_string(),
        table: table.map(str::to_string),
        change: Change::Missing,
    }
}

fn extra(kind: ObjectKind, object: &str, table: Option<&str>) -> Difference {
    Difference {
        change: Change::Extra,
        ..missing(kind, object, table)
    }
}

fn different(
    kind: ObjectKind,
    object: &str,
    table: Option<&str>,
    property: &str,
    expected: &str,
    actual: &str,
) -> Difference {
    Difference {
        change: Change::Different {
            property: property.to_string(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        },
        ..missing(kind, object, table)
    }
}

/// A hand change to the migrated database, and what the check reports of it.
struct HandChange {
    sql: &'static str,
    differences: Vec<Difference>,
}

fn hand_changes() -> Vec<HandChange> {
    use ObjectKind::*;
    let users = Some("public.users");
    let posts = Some("public.posts");
    let change = |sql, differences| HandChange { sql, differences };
    vec![
        change("ALTER TABLE users DROP COLUMN bio", vec![missing(Column, "public.users.bio", users)]),
        change("ALTER TABLE users ADD COLUMN extra integer", vec![extra(Column, "public.users.extra", users)]),
        change(
            "ALTER TABLE users ALTER COLUMN name TYPE text",
            vec![different(Column, "public.users.name", users, "type", "character varying(80)", "text")],
        ),
        change(
            "ALTER TABLE users ALTER COLUMN name SET NOT NULL",
            vec![different(Column, "public.users.name", users, "nullable", "null", "not null")],
        ),
        change(
            "ALTER TABLE users ALTER COLUMN email DROP NOT NULL",
            vec![different(Column, "public.users.email", users, "nullable", "not null", "null")],
        ),
        change(
            "ALTER TABLE users ALTER COLUMN created_at DROP DEFAULT",
            vec![different(Column, "public.users.created_at", users, "default", "now()", "-")],
        ),
        change(
            "ALTER TABLE users ALTER COLUMN score SET DEFAULT 5",
            vec![different(Column, "public.users.score", users, "default", "-", "5")],
        ),
        change(
            "ALTER TABLE posts ALTER COLUMN tags DROP DEFAULT",
            vec![different(Column, "public.posts.tags", posts, "default", "'{}'", "-")],
        ),
        change("ALTER TABLE posts DROP COLUMN words", vec![missing(Column, "public.posts.words", posts)]),
        change(
            "ALTER TABLE users RENAME COLUMN name TO full_name",
            vec![
                missing(Column, "public.users.name", users),
                extra(Column, "public.users.full_name", users),
            ],
        ),
        change(
            "ALTER TABLE users DROP COLUMN mood CASCADE",
            vec![
                missing(Column, "public.users.mood", users),
                missing(MaterializedView, "app.mood_counts", None),
            ],
        ),
        change("DROP TABLE app.settings", vec![missing(Table, "app.settings", None)]),
        change("CREATE TABLE stray (id integer PRIMARY KEY)", vec![extra(Table, "public.stray", None)]),
        change(
            "DROP TABLE posts CASCADE",
            vec![missing(Table, "public.posts", None), missing(View, "public.user_posts", None)],
        ),
        change("DROP INDEX posts_author_idx", vec![missing(Index, "public.posts_author_idx", posts)]),
        change("CREATE INDEX extra_idx ON posts (title)", vec![extra(Index, "public.extra_idx", posts)]),
        change(
            "DROP INDEX posts_title_lower_idx; CREATE INDEX posts_title_lower_idx ON posts (lower(title))",
            vec![different(Index, "public.posts_title_lower_idx", posts, "predicate", "body IS NOT NULL", "-")],
        ),
        change(
            "ALTER TABLE users DROP CONSTRAINT users_score_check",
            vec![missing(Constraint, "public.users_score_check", users)],
        ),
        change(
            "ALTER TABLE posts ADD CONSTRAINT title_length CHECK (length(title) < 500)",
            vec![extra(Constraint, "public.title_length", posts)],
        ),
        change(
            "ALTER TABLE posts DROP CONSTRAINT posts_author_id_fkey",
            vec![missing(Constraint, "public.posts_author_id_fkey", posts)],
        ),
        change(
            "ALTER TABLE users DROP CONSTRAINT users_email_key",
            vec![
                missing(Constraint, "public.users_email_key", users),
                missing(Index, "public.users_email_key", users),
            ],
        ),
        change(
            "ALTER TABLE posts DROP CONSTRAINT posts_author_id_fkey; \
             ALTER TABLE posts ADD CONSTRAINT posts_author_id_fkey FOREIGN KEY (author_id) REFERENCES users (id)",
            vec![different(Constraint, "public.posts_author_id_fkey", posts, "on delete", "cascade", "no action")],
        ),
        change("DROP VIEW user_posts", vec![missing(View, "public.user_posts", None)]),
        change("CREATE VIEW stray_view AS SELECT 1 AS one", vec![extra(View, "public.stray_view", None)]),
        change(
            "CREATE OR REPLACE VIEW user_posts AS SELECT u.id, u.email, count(p.id) AS posts \
             FROM users u LEFT JOIN posts p ON p.author_id = u.id WHERE u.score > 0 GROUP BY u.id, u.email",
            vec![different(View, "public.user_posts", None, "definition", "", "")],
        ),
        change("DROP MATERIALIZED VIEW app.mood_counts", vec![missing(MaterializedView, "app.mood_counts", None)]),
        change(
            "DROP FUNCTION post_count(bigint)",
            vec![missing(Function, "public.post_count(bigint)", None)],
        ),
        change(
            "CREATE FUNCTION stray_fn(a integer) RETURNS integer LANGUAGE sql AS 'SELECT a'",
            vec![extra(Function, "public.stray_fn(integer)", None)],
        ),
        change(
            "CREATE OR REPLACE FUNCTION post_count(author bigint) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT 0::bigint $$",
            vec![different(Function, "public.post_count(bigint)", None, "definition", "", "")],
        ),
        change(
            "COMMENT ON FUNCTION post_count(bigint) IS NULL",
            vec![different(Function, "public.post_count(bigint)", None, "comment", "How many posts", "-")],
        ),
        change("DROP TRIGGER users_touch ON users", vec![missing(Trigger, "public.users_touch", users)]),
        change(
            "CREATE TRIGGER stray_trigger BEFORE INSERT ON posts FOR EACH ROW EXECUTE FUNCTION touch()",
            vec![extra(Trigger, "public.stray_trigger", posts)],
        ),
        change(
            "COMMENT ON TABLE users IS 'Someone else'",
            vec![different(Table, "public.users", None, "comment", "People", "Someone else")],
        ),
        change(
            "COMMENT ON COLUMN users.email IS NULL",
            vec![different(Column, "public.users.email", users, "comment", "Where to write", "-")],
        ),
        change(
            "ALTER TYPE mood ADD VALUE 'angry'",
            vec![different(Enum, "public.mood", None, "labels", "'happy', 'sad', 'neutral'", "'happy', 'sad', 'neutral', 'angry'")],
        ),
        change(
            "DROP MATERIALIZED VIEW app.mood_counts; ALTER TABLE users DROP COLUMN mood; DROP TYPE mood; \
             CREATE TYPE mood AS ENUM ('happy', 'neutral'); \
             ALTER TABLE users ADD COLUMN mood mood NOT NULL DEFAULT 'neutral'",
            vec![
                different(Enum, "public.mood", None, "labels", "'happy', 'sad', 'neutral'", "'happy', 'neutral'"),
                missing(MaterializedView, "app.mood_counts", None),
            ],
        ),
        change("CREATE TYPE stray_enum AS ENUM ('x')", vec![extra(Enum, "public.stray_enum", None)]),
        change("DROP SEQUENCE app.ticket", vec![missing(Sequence, "app.ticket", None)]),
        change("CREATE SEQUENCE stray_seq", vec![extra(Sequence, "public.stray_seq", None)]),
        change(
            "DROP SCHEMA app CASCADE",
            vec![
                missing(Schema, "app", None),
                missing(Table, "app.settings", None),
                missing(MaterializedView, "app.mood_counts", None),
                missing(Sequence, "app.ticket", None),
            ],
        ),
        change("CREATE SCHEMA stray_schema", vec![extra(Schema, "stray_schema", None)]),
        change(
            "ALTER TABLE posts ADD CONSTRAINT posts_title_key UNIQUE (title)",
            vec![
                extra(Constraint, "public.posts_title_key", posts),
                extra(Index, "public.posts_title_key", posts),
            ],
        ),
        change(
            "ALTER TABLE app.settings ADD COLUMN owner bigint CONSTRAINT settings_owner_fkey REFERENCES users (id)",
            vec![
                extra(Column, "app.settings.owner", Some("app.settings")),
                extra(Constraint, "app.settings_owner_fkey", Some("app.settings")),
            ],
        ),
        change(
            "ALTER TABLE users ALTER COLUMN score TYPE bigint",
            vec![different(Column, "public.users.score", users, "type", "integer", "bigint")],
        ),
        change(
            "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'sad'; ALTER TABLE users ALTER COLUMN bio SET NOT NULL",
            vec![
                different(Enum, "public.mood", None, "labels", "'happy', 'sad', 'neutral'", "'happy', 'meh', 'sad', 'neutral'"),
                different(Column, "public.users.bio", users, "nullable", "null", "not null"),
            ],
        ),
        change(
            "ALTER TABLE users ALTER COLUMN mood DROP DEFAULT",
            vec![different(Column, "public.users.mood", users, "default", "'neutral'::mood", "-")],
        ),
    ]
}

/// A dump's lines with each table's column lines sorted: a column the draft adds
/// again comes last, where the history had it elsewhere (the one normalisation).
fn columns_unordered(lines: Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut columns: Option<Vec<String>> = None;
    for line in lines {
        match &mut columns {
            Some(list) if line == ");" => {
                list.sort();
                out.append(list);
                out.push(line);
                columns = None;
            }
            Some(list) => list.push(line.trim_end_matches(',').to_string()),
            None => {
                let opens = line.starts_with("CREATE TABLE") && line.ends_with('(');
                out.push(line);
                if opens {
                    columns = Some(Vec::new());
                }
            }
        }
    }
    out
}

#[test]
fn the_draft_undoes_hand_changes() {
    let dir = pgstrata_testkit::TempDir::new("pgstrata_reconcile_draft");
    dir.write("migrations/V1__base.sql", BASE);
    dir.write("migrations/V2__more.sql", MORE);
    let set = History {
        name: "draft".to_string(),
        dir: dir.path().join("migrations"),
        display: "migrations".to_string(),
        sqlx_table: false,
    };
    let (reference, catalog) = migrated(&set);
    let wanted = columns_unordered(reference.dump(&DUMP_ARGS));
    let changes = hand_changes();
    assert!(changes.len() >= 30);
    let mut failures = Vec::new();
    let mut unseen = Vec::new();
    let options = || Options {
        ignore: vec![format!("{HISTORY_SCHEMA}.pgstrata_schema_history")],
    };
    for change in &changes {
        // The draft from the differences as written above, then from the ones the
        // check finds: either way the dump comes back, and the check finds nothing.
        for from_check in [false, true] {
            let (db, _) = migrated(&set);
            let mut client = db.connect();
            client
                .batch_execute(change.sql)
                .unwrap_or_else(|e| panic!("{}: {e}", change.sql));
            assert_ne!(
                columns_unordered(db.dump(&DUMP_ARGS)),
                wanted,
                "the hand change changes nothing: {}",
                change.sql
            );
            let differences = if from_check {
                check(&mut client, catalog.clone(), options())
                    .drift
                    .differences
            } else {
                change.differences.clone()
            };
            let source = if from_check {
                "the check's"
            } else {
                "the written"
            };
            if differences.is_empty() {
                // Nothing for the draft to go on: what the check does not compare.
                unseen.push(change.sql);
                continue;
            }
            let draft = pgstrata_drift::draft(&catalog, &differences);
            assert!(!draft.contains("DROP SCHEMA public") && !draft.contains("DROP DATABASE"));
            if let Err(e) = client.batch_execute(&draft) {
                failures.push(format!(
                    "{} ({source} differences: {differences:?})\n  the draft fails: {e:?}\n{draft}",
                    change.sql
                ));
                continue;
            }
            let (only_wanted, only_got) =
                dump_difference(&wanted, &columns_unordered(db.dump(&DUMP_ARGS)));
            let left = check(&mut client, catalog.clone(), options())
                .drift
                .differences;
            if !only_wanted.is_empty() || !only_got.is_empty() || !left.is_empty() {
                failures.push(format!(
                    "{} ({source} differences)\n  after the draft, missing: {only_wanted:?}\n  extra: {only_got:?}\n  the check still finds: {left:?}\n{draft}",
                    change.sql
                ));
            }
        }
    }
    eprintln!(
        "draft convergence: {} of {} drafts undo their hand change ({} changes, each drafted \
         from the written and from the check's differences)",
        2 * changes.len() - failures.len() - unseen.len(),
        2 * changes.len() - unseen.len(),
        changes.len()
    );
    eprintln!(
        "changes the check does not see (a view's query, a function's body or comment): {}",
        unseen.len()
    );
    for sql in &unseen {
        eprintln!("  {sql}");
    }
    // Only those three go unseen.
    assert!(unseen.len() <= 3, "{unseen:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
