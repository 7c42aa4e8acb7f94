//! A tokio service that migrates at startup through its connection pool, as a service
//! built on `tokio-postgres` and deadpool-postgres would (no web framework needed to
//! show it).
//!
//! `cargo run --example tokio_service` finds its server as the `neuroagent` example
//! does (`DATABASE_URL`, the local default, or a throwaway cluster), creates the
//! database `pgstrata_tokio_example` afresh, and then:
//!
//! - starts four "replicas" at once, each migrating through a connection of the pool
//!   under a startup deadline (`tokio::time::timeout`): each migration is applied by
//!   exactly one of them, the others find nothing left to do;
//! - serves a few "requests" concurrently, each writing through the generated
//!   `Insert::returning_async` and reading back with `Row::from_row`;
//! - prints the status the binary sees, with no lock taken.

use std::error::Error;
use std::time::Duration;

use db::schema::{self, Entity};
use deadpool_postgres::{Manager, Pool};

mod db {
    pgstrata::migrations!("migrations");
}

const DATABASE: &str = "pgstrata_tokio_example";
const REPLICAS: usize = 4;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    // The sync helper that finds (or starts) the server, off the runtime's threads.
    let server_url = tokio::task::spawn_blocking(pgstrata_tempdb::server_url).await?;
    let mut config: tokio_postgres::Config = server_url.parse()?;
    recreate_database(&config).await?;
    config.dbname(DATABASE);
    let pool = Pool::builder(Manager::new(config, tokio_postgres::NoTls))
        .max_size(8)
        .build()?;

    // Replicas starting together: the runner's advisory lock lets one apply each
    // migration; a replica that cannot finish by the deadline drops its run, and the
    // runner leaves the pooled connection without the lock or an open transaction.
    let replicas: Vec<_> = (0..REPLICAS)
        .map(|replica| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let client = pool.get().await?;
                let runner = db::runner();
                let report =
                    tokio::time::timeout(Duration::from_secs(60), runner.run_async(&client))
                        .await
                        .map_err(|_| {
                            format!("replica {replica}: migrations took over a minute")
                        })??;
                Ok::<_, Box<dyn Error + Send + Sync>>((replica, report))
            })
        })
        .collect();
    for replica in replicas {
        let (replica, report) = replica.await??;
        let applied: Vec<i64> = report.applied.iter().map(|m| m.version).collect();
        match applied.as_slice() {
            [] => println!("replica {replica}: up to date, nothing to apply"),
            [first, .., last] => {
                println!("replica {replica}: applied migrations {first} to {last}")
            }
            [only] => println!("replica {replica}: applied migration {only}"),
        }
    }

    // Requests served concurrently, each on a pooled connection.
    let requests: Vec<_> = [
        "Which neurons fire first?",
        "How do place cells remap?",
        "What sets the theta rhythm?",
    ]
    .into_iter()
    .enumerate()
    .map(|(i, title)| {
        let pool = pool.clone();
        tokio::spawn(async move {
            let client = pool.get().await?;
            let user_id = pgstrata::types::uuid::Uuid::from_u128(0x7e57 + i as u128);
            let thread = schema::threads::Insert {
                title: title.to_string(),
                user_id,
                thread_id: None,
                vlab_id: None,
                project_id: None,
                creation_date: None,
                update_date: None,
            }
            .returning_async(&**client)
            .await?;
            schema::messages::Insert {
                entity: Entity::User,
                content: title.to_string(),
                thread_id: thread.thread_id,
                message_id: None,
                creation_date: None,
                is_complete: Some(true),
            }
            .execute_async(&**client)
            .await?;
            Ok::<_, Box<dyn Error + Send + Sync>>(thread)
        })
    })
    .collect();
    for request in requests {
        let thread = request.await??;
        println!("thread {} {:?}", thread.thread_id, thread.title);
    }

    let client = pool.get().await?;
    let rows = client
        .query(
            &format!(
                "SELECT {} FROM {} ORDER BY creation_date",
                schema::messages::Row::SELECT,
                schema::messages::QUALIFIED
            ),
            &[],
        )
        .await?;
    for row in &rows {
        let message = schema::messages::Row::from_row(row)?;
        println!("message {:?}: {}", message.entity, message.content);
    }

    let status = db::runner().status_async(&client).await?;
    println!("status:\n{status}");
    Ok(())
}

/// Drops and creates the example's database, on the server's own database.
async fn recreate_database(server: &tokio_postgres::Config) -> Result<(), tokio_postgres::Error> {
    let (admin, connection) = server.connect(tokio_postgres::NoTls).await?;
    let connection = tokio::spawn(connection);
    // Two round trips: DROP and CREATE DATABASE refuse to run in one transaction.
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        .await?;
    admin
        .batch_execute(&format!("CREATE DATABASE {DATABASE}"))
        .await?;
    drop(admin);
    let _ = connection.await;
    Ok(())
}
