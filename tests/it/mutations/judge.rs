//! The verdicts: each mutant analyzed, and applied by the runner to a copy of a
//! database brought to just before its first changed migration.

use super::corpus::{error_keys, judged, rerun_allowed, CorpusSet};
use super::mutants::Mutant;
use pgstrata::{Migration, Runner, Target};
use pgstrata_analyzer::{analyze, render, Analysis};
use pgstrata_testkit::corpora::SQLX_TABLE;
use pgstrata_testkit::{runtime_migrations, server_config, TempDir, TestDb};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Two workers: the machine this runs on has two cores, and the server does the work.
const WORKERS: usize = 2;
const DROPPERS: usize = 4;
/// The runner's history lives in a schema of its own, as in `corpora_apply`.
const HISTORY_SCHEMA: &str = "pgstrata_history";

pub(super) struct Verdict {
    pub(super) analyzer_errors: Vec<String>,
    pub(super) server_error: Option<String>,
}

impl Verdict {
    pub(super) fn agrees(&self) -> bool {
        self.analyzer_errors.is_empty() == self.server_error.is_none()
    }
}

/// A scratch copy of a set, written once; a mutant's files are put in for its analysis
/// and the untouched ones put back afterwards (rewriting a whole set per mutant costs
/// more than analyzing it). Removed when dropped.
struct ScratchCopy<'a> {
    dir: TempDir,
    set: &'a CorpusSet,
}

impl<'a> ScratchCopy<'a> {
    fn of(set: &'a CorpusSet) -> ScratchCopy<'a> {
        let dir = TempDir::new(&format!("mutations-{}", set.name));
        for (path, bytes) in &set.files {
            dir.write(path, bytes);
        }
        ScratchCopy { dir, set }
    }

    fn mutate(&self, mutant: &Mutant) {
        for (path, content) in &mutant.files {
            self.put(path, content.as_deref());
        }
    }

    fn restore(&self, mutant: &Mutant) {
        for (path, _) in &mutant.files {
            let untouched = self.set.files.iter().find(|(p, _)| p == path);
            self.put(path, untouched.map(|(_, bytes)| bytes.as_slice()));
        }
    }

    fn put(&self, path: &Path, content: Option<&[u8]>) {
        match content {
            Some(bytes) => self.dir.write(path, bytes),
            None => self.dir.remove(path),
        }
    }
}

/// A database copied from a template. Dropping it is handed to a dropper thread:
/// PostgreSQL 15 checkpoints on every `DROP DATABASE`, and nothing waits for it.
struct CopiedDb {
    name: String,
    dropper: Sender<String>,
}

impl CopiedDb {
    fn from_template(template: &str, id: usize, dropper: &Sender<String>) -> CopiedDb {
        let name = format!("pgstrata_mutant_{}_{id}", std::process::id());
        let mut admin = server_config().connect(postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
            ))
            .unwrap_or_else(|e| panic!("cannot copy {template}: {e}"));
        CopiedDb {
            name,
            dropper: dropper.clone(),
        }
    }
}

impl Drop for CopiedDb {
    fn drop(&mut self) {
        if let Err(unsent) = self.dropper.send(std::mem::take(&mut self.name)) {
            drop_database(&unsent.0);
        }
    }
}

fn drop_database(name: &str) {
    if let Ok(mut admin) = server_config().connect(postgres::NoTls) {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
    }
}

/// Drops what it is sent until every sender is gone.
fn dropper_thread(names: &Mutex<Receiver<String>>) {
    loop {
        let next = names.lock().unwrap().recv();
        match next {
            Ok(name) => drop_database(&name),
            Err(_) => break,
        }
    }
}

/// The mutant's runtime migrations: the untouched set's where the text is the same,
/// new ones (leaked, as the macro's are static) where it changed.
fn mutant_runtime(set: &CorpusSet, analysis: &Analysis) -> &'static [Migration] {
    let changed: Vec<usize> = (0..analysis.migrations.len())
        .filter(|&i| {
            set.analysis.migrations.get(i).is_none_or(|m| {
                m.up.text != analysis.migrations[i].up.text
                    || m.transaction != analysis.migrations[i].transaction
            })
        })
        .collect();
    let fresh = runtime_migrations(&Analysis {
        migrations: changed
            .iter()
            .map(|&i| analysis.migrations[i].clone())
            .collect(),
        ..Analysis::default()
    });
    let mut fresh = fresh.iter();
    let all: Vec<Migration> = (0..analysis.migrations.len())
        .map(|i| {
            if changed.contains(&i) {
                *fresh.next().unwrap()
            } else {
                set.runtime[i]
            }
        })
        .collect();
    Box::leak(all.into_boxed_slice())
}

/// Where a set's time went: walking the untouched history, writing and analyzing the
/// mutated copies, copying databases and applying the mutants.
#[derive(Default)]
pub(super) struct Timing {
    pub(super) walk: Duration,
    pub(super) write: Duration,
    pub(super) analyzer: Duration,
    pub(super) copy_db: Duration,
    pub(super) apply: Duration,
    pub(super) drop_db: Duration,
}

/// Judges every mutant of one set. A database walks the untouched history forward, and
/// each mutant starts from a copy of it taken just before its first changed migration,
/// so that only what the mutant changes is applied.
fn judge_set(
    set: &CorpusSet,
    mutants: &[(usize, &Mutant)],
    dropper: &Sender<String>,
) -> (Vec<Verdict>, Timing) {
    let mut timing = Timing::default();
    let prefix = TestDb::new("pgstrata_mutations_prefix");
    if set.needs_sqlx_table {
        prefix.connect().batch_execute(SQLX_TABLE).unwrap();
    }
    let copy = ScratchCopy::of(set);
    let mut applied = 0;
    let mut verdicts = Vec::new();
    for &(id, mutant) in mutants {
        let started = Instant::now();
        if mutant.first_changed > applied {
            let version = set.runtime[mutant.first_changed - 1].version;
            let mut client = prefix.connect();
            Runner::new(set.runtime)
                .history_schema(HISTORY_SCHEMA)
                .target(Target::Version(version))
                .run(&mut client)
                .unwrap_or_else(|e| panic!("{}: the untouched history fails: {e}", set.name));
            applied = mutant.first_changed;
        }
        timing.walk += started.elapsed();

        let started = Instant::now();
        copy.mutate(mutant);
        timing.write += started.elapsed();
        let started = Instant::now();
        let analysis = analyze(copy.dir.path(), &set.display, &rerun_allowed());
        copy.restore(mutant);
        let mut baseline = set.baseline_errors.clone();
        let mut analyzer_errors = Vec::new();
        for (key, diagnostic) in error_keys(&analysis)
            .into_iter()
            .zip(analysis.diagnostics.iter().filter(|d| judged(d)))
        {
            match baseline.iter().position(|b| *b == key) {
                Some(found) => {
                    baseline.remove(found);
                }
                None => analyzer_errors.push(render(diagnostic)),
            }
        }

        let migrations = mutant_runtime(set, &analysis);
        timing.analyzer += started.elapsed();

        let started = Instant::now();
        let db = CopiedDb::from_template(&prefix.name, id, dropper);
        timing.copy_db += started.elapsed();
        let started = Instant::now();
        let mut client = TestDb::config_of(&db.name)
            .connect(postgres::NoTls)
            .unwrap();
        let server_error = Runner::new(migrations)
            .history_schema(HISTORY_SCHEMA)
            .run(&mut client)
            .err()
            .map(|e| e.to_string());
        drop(client);
        timing.apply += started.elapsed();
        let started = Instant::now();
        drop(db);
        timing.drop_db += started.elapsed();
        verdicts.push(Verdict {
            analyzer_errors,
            server_error,
        });
    }
    (verdicts, timing)
}

/// Every mutant's verdict (by its index in `mutants`), and each set's timing (by its
/// index in `sets`). Each set's mutants are judged in the order of their first changed
/// migration, so the walking database only goes forward; the biggest sets first,
/// shared between the workers.
pub(super) fn judge_all(
    sets: &[CorpusSet],
    mutants: &[Mutant],
) -> (BTreeMap<usize, Verdict>, BTreeMap<usize, Timing>) {
    let mut work: Vec<(usize, Vec<usize>)> = (0..sets.len())
        .map(|s| {
            let mut ids: Vec<usize> = (0..mutants.len())
                .filter(|&m| mutants[m].set == s)
                .collect();
            ids.sort_by_key(|&m| mutants[m].first_changed);
            (s, ids)
        })
        .filter(|(_, ids)| !ids.is_empty())
        .collect();
    // Popped from the end.
    work.sort_by_key(|(s, ids)| ids.len() * sets[*s].analysis.migrations.len());
    let queue = Mutex::new(work);
    let verdicts: Mutex<BTreeMap<usize, Verdict>> = Mutex::new(BTreeMap::new());
    let timings: Mutex<BTreeMap<usize, Timing>> = Mutex::new(BTreeMap::new());
    let (dropper, to_drop) = channel();
    let to_drop = Mutex::new(to_drop);
    std::thread::scope(|scope| {
        // Several droppers: the checkpointer serves the checkpoint requests of
        // concurrent drops with one checkpoint.
        for _ in 0..DROPPERS {
            scope.spawn(|| dropper_thread(&to_drop));
        }
        for _ in 0..WORKERS {
            let dropper = dropper.clone();
            let (queue, verdicts, timings) = (&queue, &verdicts, &timings);
            scope.spawn(move || loop {
                let next = queue.lock().unwrap().pop();
                let Some((set, ids)) = next else { break };
                let chosen: Vec<(usize, &Mutant)> = ids.iter().map(|&m| (m, &mutants[m])).collect();
                let (judged, timing) = judge_set(&sets[set], &chosen, &dropper);
                verdicts.lock().unwrap().extend(ids.into_iter().zip(judged));
                timings.lock().unwrap().insert(set, timing);
            });
        }
        // The workers hold the remaining senders: the droppers end after them.
        drop(dropper);
    });
    (
        verdicts.into_inner().unwrap(),
        timings.into_inner().unwrap(),
    )
}
