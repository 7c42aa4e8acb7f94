//! The example application: the Neuroagent schema (`migrations/`) checked at compile
//! time, embedded, applied to a database, then used through the generated types.
//!
//! `cargo run --example neuroagent` connects to `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`; where no server answers, or with
//! `PGSTRATA_THROWAWAY=1`, a throwaway cluster is started from the machine's
//! PostgreSQL binaries: see the `pgstrata-tempdb` crate), creates the database
//! `pgstrata_example` afresh, migrates it, writes a thread with its messages, tool
//! calls, tool selection, complexity estimate and token counts through
//! `db::schema::<table>::Insert`, reads every table back as `db::schema::<table>::Row`,
//! migrates again to show that nothing is left to do, and prints the status table.

use db::schema::{self, Entity, Reasoninglevels, Task, Tokentype};
use std::error::Error;

mod db {
    pgstrata::migrations!("migrations");
}

const DATABASE: &str = "pgstrata_example";

fn main() -> Result<(), Box<dyn Error>> {
    // `DATABASE_URL`, the local server, or a throwaway cluster from the machine's own
    // PostgreSQL binaries; an application would read its own setting here.
    let server_url = pgstrata_tempdb::server_url();
    let mut admin = postgres::Client::connect(&server_url, postgres::NoTls)?;
    // Two round trips: a multi-statement string would run as one transaction, which
    // DROP and CREATE DATABASE refuse.
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))?;
    admin.batch_execute(&format!("CREATE DATABASE {DATABASE}"))?;
    let mut config: postgres::Config = server_url.parse()?;
    config.dbname(DATABASE);
    let mut client = config.connect(postgres::NoTls)?;

    println!(
        "{} migrations embedded in this binary:",
        db::MIGRATIONS.len()
    );
    for m in db::MIGRATIONS {
        println!("  {:>3} {:<28} {:?}", m.version, m.name, m.transaction);
    }

    let report = db::runner().run(&mut client)?;
    println!("applied {} migrations:", report.applied.len());
    for m in &report.applied {
        println!("  {:>3} {:<28} {:?}", m.version, m.name, m.duration);
    }

    // Writes: required columns are values, defaulted and nullable ones `Option`.
    let thread = schema::threads::Insert {
        title: "Which neurons fire first?".into(),
        user_id: pgstrata::types::uuid::Uuid::from_u128(0x7e57_0000_0000_4000_8000_0000_0000_0001),
        thread_id: None,
        vlab_id: None,
        project_id: None,
        creation_date: None,
        update_date: None,
    }
    .returning(&mut client)?;
    println!(
        "thread {} created at {}",
        thread.thread_id, thread.creation_date
    );

    let mut messages = Vec::new();
    for (entity, content) in [
        (Entity::User, "Which neurons fire first in the hippocampus?"),
        (
            Entity::AiMessage,
            "Pyramidal cells in CA3 tend to fire before CA1.",
        ),
    ] {
        let message = schema::messages::Insert {
            entity,
            content: content.into(),
            thread_id: thread.thread_id,
            message_id: None,
            creation_date: None,
            is_complete: Some(true),
        }
        .returning(&mut client)?;
        messages.push(message);
    }
    let answer = messages[1].message_id;

    schema::tool_calls::Insert {
        tool_call_id: "call_1".into(),
        name: "literature-search".into(),
        arguments: r#"{"query": "CA3 CA1 firing order"}"#.into(),
        message_id: answer,
        validated: Some(true),
    }
    .execute(&mut client)?;
    schema::tool_selection::Insert {
        tool_name: "literature-search".into(),
        message_id: answer,
        id: None,
    }
    .execute(&mut client)?;
    schema::complexity_estimation::Insert {
        model: "gpt-4o".into(),
        message_id: answer,
        id: None,
        complexity: Some(3),
        reasoning: Some(Reasoninglevels::Low),
    }
    .execute(&mut client)?;
    for (kind, count) in [
        (Tokentype::InputNoncached, 812),
        (Tokentype::Completion, 64),
    ] {
        schema::token_consumption::Insert {
            message_id: answer,
            r#type: kind,
            task: Task::ChatCompletion,
            count,
            model: "gpt-4o".into(),
            id: None,
        }
        .execute(&mut client)?;
    }

    // Reads: every table back through its `Row`, by column name.
    let sql = format!(
        "SELECT {} FROM {} WHERE search_vector @@ plainto_tsquery('english', $1)",
        schema::messages::Row::SELECT,
        schema::messages::QUALIFIED
    );
    for row in client.query(&sql, &[&"pyramidal cells"])? {
        let message = schema::messages::Row::from_row(&row)?;
        println!(
            "full-text search for 'pyramidal cells' found the {} message: {}",
            message.entity, message.content
        );
    }
    let count_rows = |client: &mut postgres::Client,
                      select: &str,
                      table: &str|
     -> Result<usize, postgres::Error> {
        Ok(client
            .query(&format!("SELECT {select} FROM {table}"), &[])?
            .len())
    };
    for row in client.query(
        &format!(
            "SELECT {} FROM {}",
            schema::token_consumption::Row::SELECT,
            schema::token_consumption::QUALIFIED
        ),
        &[],
    )? {
        let tokens = schema::token_consumption::Row::from_row(&row)?;
        println!(
            "{:>5} {:<16} tokens for {} with {}",
            tokens.count, tokens.r#type, tokens.task, tokens.model
        );
    }
    let estimate = client.query_one(
        &format!(
            "SELECT {} FROM {}",
            schema::complexity_estimation::Row::SELECT,
            schema::complexity_estimation::QUALIFIED
        ),
        &[],
    )?;
    let estimate = schema::complexity_estimation::Row::from_row(&estimate)?;
    println!(
        "complexity {:?}, reasoning {:?}",
        estimate.complexity, estimate.reasoning
    );
    println!(
        "rows: {} threads, {} messages, {} tool calls, {} tool selections",
        count_rows(
            &mut client,
            schema::threads::Row::SELECT,
            schema::threads::QUALIFIED
        )?,
        count_rows(
            &mut client,
            schema::messages::Row::SELECT,
            schema::messages::QUALIFIED
        )?,
        count_rows(
            &mut client,
            schema::tool_calls::Row::SELECT,
            schema::tool_calls::QUALIFIED
        )?,
        count_rows(
            &mut client,
            schema::tool_selection::Row::SELECT,
            schema::tool_selection::QUALIFIED
        )?,
    );

    let again = db::runner().run(&mut client)?;
    println!(
        "second run: {} applied, {} statement sent to the server",
        again.applied.len(),
        again.round_trips
    );

    // What `pgstrata status` prints, from the binary itself: one round trip, no lock.
    let status = db::runner().status(&mut client)?;
    println!("status:\n{status}");
    Ok(())
}
