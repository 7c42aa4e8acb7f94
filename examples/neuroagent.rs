//! The example application: the Neuroagent schema (`migrations/`) checked at compile
//! time, embedded, applied to a database, then used.
//!
//! `cargo run --example neuroagent` connects to `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`; where no server answers, a throwaway
//! cluster is started from the machine's PostgreSQL binaries), creates the database
//! `pgstrata_example` afresh, migrates it, writes and reads a thread with its
//! messages, and migrates again to show that nothing is left to do.

use std::error::Error;

mod db {
    pgstrata::migrations!("migrations");
}

const DATABASE: &str = "pgstrata_example";

fn main() -> Result<(), Box<dyn Error>> {
    // `DATABASE_URL`, the local server, or a throwaway cluster from the machine's own
    // PostgreSQL binaries: found the way pgstrata's tests find theirs.
    let server_url = pgstrata_testkit::server_url();
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

    let thread: String = client
        .query_one(
            "INSERT INTO threads (title, user_id) VALUES ($1, gen_random_uuid()) RETURNING thread_id::text",
            &[&"Which neurons fire first?"],
        )?
        .get(0);
    for (entity, content) in [
        ("USER", "Which neurons fire first in the hippocampus?"),
        (
            "AI_MESSAGE",
            "Pyramidal cells in CA3 tend to fire before CA1.",
        ),
    ] {
        client.execute(
            "INSERT INTO messages (thread_id, entity, content) VALUES ($1::text::uuid, $2::text::entity, $3)",
            &[&thread, &entity, &content],
        )?;
    }
    println!("wrote thread {thread} with 2 messages");

    let found = client.query(
        "SELECT entity::text, content FROM messages
          WHERE search_vector @@ plainto_tsquery('english', $1) ORDER BY creation_date",
        &[&"pyramidal cells"],
    )?;
    for row in &found {
        let (entity, content): (String, String) = (row.get(0), row.get(1));
        println!("full-text search for 'pyramidal cells' found the {entity} message: {content}");
    }

    let again = db::runner().run(&mut client)?;
    println!(
        "second run: {} applied, {} statement sent to the server",
        again.applied.len(),
        again.round_trips
    );
    Ok(())
}
