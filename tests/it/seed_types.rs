//! The four seed schemas through their generated types: every table of every seed
//! takes a row in a database migrated by the seed's embedded runner (the SQL rows of
//! `seed_schemas`, shared in `tests/it/seed_fixtures.rs`), reads it back as its
//! `schema::<table>::Row`, and writes it with `Insert::from(&row).returning(..)` into
//! a second database migrated the same way. Then
//!
//! - `returning` gives back the `Row` that was read, and the second database, read
//!   through `Row` again, holds the same rows;
//! - the whole stored rows (`to_jsonb`, every column, also those `Row` leaves out) are
//!   the same in both databases, and the seed's SQL literals and derived facts hold in
//!   the second one;
//! - the columns `Row` leaves out (types without a Rust mapping) are exactly the ones
//!   each table's invocation lists;
//! - every table is covered: `round_trip!` for a table with an `Insert`, or
//!   `round_trip!(.., no_insert = "why")` for one whose module has `NoInsert` instead
//!   (both checked at compile time), and together they are every table of the
//!   database;
//! - each materialized view, refreshed in both databases, reads the same `Row`s.

use pgstrata_testkit::TestDb;
use postgres::Client;
use std::collections::BTreeSet;
use std::fmt::Debug;

use crate::seed_fixtures::{
    agent_prompt_train, chat, every_table, insert, live_conversational_threads, neuroagent,
    read_back, rows, SeedRows,
};

/// A table's or view's names, from its generated module.
struct Names {
    name: &'static str,
    qualified: &'static str,
    columns: &'static [&'static str],
    select: &'static str,
}

/// Reads a generated `Row` from a `postgres::Row`.
type Read<R> = fn(&postgres::Row) -> Result<R, postgres::Error>;

/// One seed: a database holding its rows (written in SQL), and a second one that
/// receives them through the generated types.
struct Seed {
    name: &'static str,
    rows: &'static SeedRows,
    source: Client,
    target: Client,
    /// The tables written back through `Insert`, in order.
    round_tripped: Vec<&'static str>,
    /// The tables without `Insert`, with why.
    no_insert: Vec<(&'static str, &'static str)>,
    views: Vec<&'static str>,
    // Dropped last: the databases outlive the connections.
    _databases: (TestDb, TestDb),
}

impl Seed {
    /// Both databases migrated by `runner` (the seed's embedded migrations), and the
    /// seed's rows written to the first one and checked.
    fn new(
        name: &'static str,
        rows: &'static SeedRows,
        migrations: usize,
        runner: fn() -> pgstrata::Runner,
    ) -> Seed {
        let databases = (
            TestDb::new("pgstrata_seed_types"),
            TestDb::new("pgstrata_seed_types"),
        );
        let mut source = databases.0.connect();
        let mut target = databases.1.connect();
        for client in [&mut source, &mut target] {
            let report = runner()
                .run(client)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(report.applied.len(), migrations, "{name}: every migration");
        }
        for row in rows.rows {
            insert(&mut source, row);
        }
        for row in rows.rows {
            read_back(&mut source, row);
        }
        Seed {
            name,
            rows,
            source,
            target,
            round_tripped: Vec::new(),
            no_insert: Vec::new(),
            views: Vec::new(),
            _databases: databases,
        }
    }

    /// The rows of `names` in `client`, by `Row::SELECT`, in `order`.
    fn select(client: &mut Client, names: &Names, order: &str) -> Vec<postgres::Row> {
        let sql = format!("SELECT {} FROM {} {order}", names.select, names.qualified);
        client
            .query(&sql, &[])
            .unwrap_or_else(|e| panic!("{}: {e}\n{sql}", names.name))
    }

    /// Every stored row of the table as `to_jsonb` text, every column included.
    fn whole_rows(client: &mut Client, names: &Names) -> Vec<String> {
        let sql = format!(
            "SELECT to_jsonb(t)::text FROM {} AS t ORDER BY 1",
            names.qualified
        );
        client
            .query(&sql, &[])
            .unwrap_or_else(|e| panic!("{}: {e}\n{sql}", names.name))
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    /// The table's rows in the source as `Row`s: as many as the seed wrote, each
    /// column read but the `left_out` ones.
    fn read<R>(&mut self, names: &Names, order: &str, left_out: &[&str], read: Read<R>) -> Vec<R> {
        let seed = self.name;
        let table = names.name;
        let stored = Self::select(&mut self.source, names, order);
        let written = self.rows.rows.iter().filter(|r| r.table == table).count();
        assert!(written > 0, "{seed}.{table}: the seed writes no row in it");
        assert_eq!(stored.len(), written, "{seed}.{table}: the rows written");
        let read_columns: Vec<&str> = stored[0].columns().iter().map(|c| c.name()).collect();
        let not_read: Vec<&str> = names
            .columns
            .iter()
            .copied()
            .filter(|c| !read_columns.contains(c))
            .collect();
        assert_eq!(
            not_read, left_out,
            "{seed}.{table}: the columns `Row` leaves out"
        );
        stored
            .iter()
            .map(|r| read(r).unwrap_or_else(|e| panic!("{seed}.{table}: Row::from_row: {e}")))
            .collect()
    }

    /// Reads the table's rows as `Row`s, writes each to the target with `write`
    /// (`Insert::from(&row).returning(..)`), and checks what comes back and what is
    /// stored.
    fn round_trip<R: PartialEq + Debug>(
        &mut self,
        names: Names,
        order: &str,
        left_out: &[&str],
        read: Read<R>,
        write: impl Fn(&R, &mut Client) -> Result<R, postgres::Error>,
    ) {
        let (seed, table) = (self.name, names.name);
        let rows = self.read(&names, order, left_out, read);
        for row in &rows {
            let stored =
                write(row, &mut self.target).unwrap_or_else(|e| panic!("{seed}.{table}: {e}"));
            assert_eq!(&stored, row, "{seed}.{table}: Insert::returning");
        }
        let again: Vec<R> = Self::select(&mut self.target, &names, order)
            .iter()
            .map(|r| read(r).unwrap_or_else(|e| panic!("{seed}.{table}: {e}")))
            .collect();
        assert_eq!(again, rows, "{seed}.{table}: read back from the copy");
        assert_eq!(
            Self::whole_rows(&mut self.target, &names),
            Self::whole_rows(&mut self.source, &names),
            "{seed}.{table}: every column of the copy"
        );
        eprintln!(
            "{seed}.{table}: {} row(s) round-tripped, {} of {} columns in Row{}",
            rows.len(),
            names.columns.len() - left_out.len(),
            names.columns.len(),
            if left_out.is_empty() {
                String::new()
            } else {
                format!(" (left out: {})", left_out.join(", "))
            }
        );
        self.round_tripped.push(table);
    }

    /// A table whose module has `NoInsert`: its rows are still read through `Row`.
    #[allow(dead_code)]
    fn no_insert<R>(&mut self, names: Names, left_out: &[&str], read: Read<R>, why: &'static str) {
        let rows = self.read(&names, "", left_out, read);
        eprintln!(
            "{}.{}: {} row(s) read, not written back: {why}",
            self.name,
            names.name,
            rows.len()
        );
        self.no_insert.push((names.name, why));
    }

    /// A materialized view, refreshed in both databases, reads the same `Row`s.
    fn view<R: PartialEq + Debug>(&mut self, names: Names, read: Read<R>) {
        let (seed, view) = (self.name, names.name);
        let mut rows = Vec::new();
        for client in [&mut self.source, &mut self.target] {
            client
                .batch_execute(&format!("REFRESH MATERIALIZED VIEW {}", names.qualified))
                .unwrap_or_else(|e| panic!("{seed}.{view}: {e}"));
            let read: Vec<R> = Self::select(client, &names, "ORDER BY 1")
                .iter()
                .map(|r| read(r).unwrap_or_else(|e| panic!("{seed}.{view}: {e}")))
                .collect();
            rows.push(read);
        }
        assert!(
            !rows[0].is_empty(),
            "{seed}.{view}: the view shows the rows"
        );
        assert_eq!(rows[1], rows[0], "{seed}.{view}: the copy's view");
        eprintln!("{seed}.{view}: {} view row(s) read alike", rows[0].len());
        self.views.push(view);
    }

    /// Every table was covered, once; the copy satisfies the seed's own checks.
    fn finish(mut self) {
        let seed = self.name;
        let tables = every_table(&mut self.source);
        assert_eq!(
            every_table(&mut self.target),
            tables,
            "{seed}: the copy's tables"
        );
        let round_tripped: BTreeSet<&str> = self.round_tripped.iter().copied().collect();
        let no_insert: BTreeSet<&str> = self.no_insert.iter().map(|(t, _)| *t).collect();
        assert_eq!(
            round_tripped.len(),
            self.round_tripped.len(),
            "{seed}: a table round-tripped twice"
        );
        assert!(
            round_tripped.is_disjoint(&no_insert),
            "{seed}: a table both round-tripped and listed as without Insert"
        );
        let covered: BTreeSet<&str> = round_tripped.union(&no_insert).copied().collect();
        let tables: BTreeSet<&str> = tables.iter().map(String::as_str).collect();
        assert_eq!(covered, tables, "{seed}: every table is covered");
        let views: BTreeSet<&str> = self.views.iter().copied().collect();
        let expected: BTreeSet<&str> = self.rows.materialized_views.iter().copied().collect();
        assert_eq!(views, expected, "{seed}: every materialized view is read");
        for row in self.rows.rows {
            read_back(&mut self.target, row);
        }
        eprintln!(
            "{seed}: {} of {} tables round-tripped through Row and Insert ({}); without Insert: {:?}",
            round_tripped.len(),
            tables.len(),
            self.round_tripped.join(", "),
            self.no_insert
        );
    }
}

/// The names of `$module` (a table's or view's module of the generated schema).
macro_rules! names {
    ($module:ident) => {
        Names {
            name: $module::NAME,
            qualified: $module::QUALIFIED,
            columns: $module::COLUMNS,
            select: $module::Row::SELECT,
        }
    };
}

/// `round_trip!(seed, table)` writes the table's rows back through its `Insert`;
/// `order` sorts them (parents first) and `left_out` lists the columns its `Row` has no
/// field for. `round_trip!(seed, table, no_insert = "why")` is for a table whose
/// module has `NoInsert` instead of `Insert` (a required column without a Rust type).
macro_rules! round_trip {
    ($seed:ident, $table:ident $(, order = $order:literal)? $(, left_out = [$($column:literal),* $(,)?])?) => {
        $seed.round_trip(
            names!($table),
            concat!("" $(, $order)?),
            &[$($($column),*)?],
            $table::Row::from_row,
            |row, client| $table::Insert::from(row).returning(client),
        )
    };
    ($seed:ident, $table:ident $(, left_out = [$($column:literal),* $(,)?])?, no_insert = $why:literal) => {{
        let _: fn($table::NoInsert) = |never| match never {};
        $seed.no_insert(names!($table), &[$($($column),*)?], $table::Row::from_row, $why)
    }};
}

#[test]
fn neuroagent() {
    use neuroagent::schema::*;
    let mut seed = Seed::new(
        "neuroagent",
        &rows::NEUROAGENT,
        neuroagent::MIGRATIONS.len(),
        neuroagent::runner,
    );
    round_trip!(seed, alembic_version);
    round_trip!(seed, threads);
    // The trigger of 014 fills the search vector again from the content.
    round_trip!(seed, messages, left_out = ["search_vector"]);
    round_trip!(seed, tool_calls);
    round_trip!(seed, tool_selection);
    round_trip!(seed, complexity_estimation);
    round_trip!(seed, token_consumption);
    seed.finish();
}

#[test]
fn agent_prompt_train() {
    use agent_prompt_train::schema::*;
    let mut seed = Seed::new(
        "agent_prompt_train",
        &rows::AGENT_PROMPT_TRAIN,
        agent_prompt_train::MIGRATIONS.len(),
        agent_prompt_train::runner,
    );
    round_trip!(seed, api_requests);
    round_trip!(seed, streaming_chunks);
    round_trip!(seed, conversation_analyses);
    round_trip!(seed, trains);
    round_trip!(seed, anthropic_credentials);
    round_trip!(seed, train_accounts);
    round_trip!(seed, train_api_keys);
    round_trip!(seed, train_members);
    seed.view(names!(hourly_stats), hourly_stats::Row::from_row);
    seed.finish();
}

#[test]
fn live_conversational_threads() {
    use live_conversational_threads::schema::*;
    let mut seed = Seed::new(
        "live_conversational_threads",
        &rows::LIVE_CONVERSATIONAL_THREADS,
        live_conversational_threads::MIGRATIONS.len(),
        live_conversational_threads::runner,
    );
    // The generated column is computed again from the title and description.
    round_trip!(seed, conversations, left_out = ["tsv_search"]);
    round_trip!(seed, utterances);
    // A node's parent is written before it.
    round_trip!(seed, nodes, order = "ORDER BY parent_node_id NULLS FIRST");
    round_trip!(seed, relationships);
    round_trip!(seed, clusters);
    round_trip!(seed, edits_log);
    round_trip!(seed, api_calls_log);
    seed.finish();
}

#[test]
fn chat() {
    use chat::schema::*;
    let mut seed = Seed::new(
        "chat",
        &rows::CHAT_TABLES,
        chat::MIGRATIONS.len(),
        chat::runner,
    );
    round_trip!(seed, accounts);
    round_trip!(seed, users);
    round_trip!(seed, agents);
    round_trip!(seed, chats);
    round_trip!(seed, chat_messages);
    seed.finish();
}

/// A nullable column with a default has three states in `Insert`: `None` leaves it to
/// the default, `Some(None)` writes NULL, `Some(Some(v))` writes `v`. A stored NULL
/// copied through `Insert::from` stays NULL.
#[test]
fn a_null_in_a_column_with_a_default_stays_null() {
    use agent_prompt_train::schema::api_requests;
    let mut seed = Seed::new(
        "agent_prompt_train",
        &rows::AGENT_PROMPT_TRAIN,
        agent_prompt_train::MIGRATIONS.len(),
        agent_prompt_train::runner,
    );
    let select = format!(
        "SELECT {} FROM {} LIMIT 1",
        api_requests::Row::SELECT,
        api_requests::QUALIFIED
    );
    let stored = seed.source.query_one(select.as_str(), &[]).unwrap();
    let mut row = api_requests::Row::from_row(&stored).unwrap();
    row.branch_id = None;
    let mut insert = api_requests::Insert::from(&row);
    assert_eq!(insert.branch_id, Some(None), "a NULL is copied as NULL");
    insert.message_count = None;
    insert.is_subtask = Some(Some(true));
    let written = insert.returning(&mut seed.target).unwrap();
    assert_eq!(written.branch_id, None, "NULL, not the default 'main'");
    assert_eq!(written.message_count, Some(0), "`None` is the default");
    assert_eq!(written.is_subtask, Some(true));
}
