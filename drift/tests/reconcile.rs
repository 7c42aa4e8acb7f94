use pgstrata_analyzer::{analyze, Config};
use pgstrata_runtime::Runner;
use pgstrata_testkit::corpora::{self, migrations_dir, needs_sqlx_table, SQLX_TABLE};
use pgstrata_testkit::{runtime_migrations, TestDb};
use std::path::{Path, PathBuf};

struct Set {
    name: String,
    dir: PathBuf,
    display: String,
    sqlx_table: bool,
}

const SEEDS: [&str; 4] = [
    "neuroagent",
    "agent_prompt_train",
    "live_conversational_threads",
    "chat",
];

fn sets() -> Vec<Set> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut sets = vec![Set {
        name: "migrations".to_string(),
        dir: root.join("migrations"),
        display: "migrations".to_string(),
        sqlx_table: false,
    }];
    for seed in SEEDS {
        let display = format!("tests/fixtures/{seed}");
        sets.push(Set {
            name: seed.to_string(),
            dir: root.join(&display),
            display,
            sqlx_table: false,
        });
    }
    for set in corpora::sets() {
        let (dir, display) = migrations_dir(&set);
        sets.push(Set {
            name: corpora::name(&set),
            dir,
            display,
            sqlx_table: needs_sqlx_table(&set),
        });
    }
    sets
}

#[test]
fn explore() {
    std::fs::create_dir_all("/tmp/reconcile").unwrap();
    for set in sets() {
        let analysis = analyze(&set.dir, &set.display, &Config::default());
        let db = TestDb::new("pgstrata_reconcile");
        let mut client = db.connect();
        if set.sqlx_table {
            client.batch_execute(SQLX_TABLE).unwrap();
        }
        Runner::new(runtime_migrations(&analysis))
            .history_schema("pgstrata_history")
            .run(&mut client)
            .unwrap();
        let dump = db.raw_dump(&[
            "--schema-only",
            "--no-owner",
            "--exclude-schema=pgstrata_history",
        ]);
        std::fs::write(format!("/tmp/reconcile/{}.history.sql", set.name), dump).unwrap();
        std::fs::write(
            format!("/tmp/reconcile/{}.catalog.json", set.name),
            serde_json::to_string_pretty(&analysis.catalog).unwrap(),
        )
        .unwrap();
    }
}
