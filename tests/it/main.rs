//! pgstrata's integration tests, one module per feature, in one binary: every test
//! binary links the whole workspace, so one binary links it once.
//!
//! Run one feature with `cargo test --test it -- <module>::`, e.g.
//! `cargo test --test it -- kill_resume::`. The tests that need PostgreSQL find it as
//! `pgstrata-tempdb` says (`DATABASE_URL`, the local server, or a throwaway cluster);
//! the ones over the real-world corpora skip each missing set with a line saying so
//! (see `pgstrata_testkit::corpora`).
//!
//! | module | what it proves |
//! | --- | --- |
//! | `ui` | the macro's compile errors and passing cases, pinned by trybuild |
//! | `generated_code` | the generated code passes `deny(warnings)` and clippy |
//! | `typed_forms` | domains and awkward names round-trip through the generated types |
//! | `seed_schemas` | the four seed schemas compile, analyze clean, apply, replay |
//! | `seed_types` | the seed schemas' rows round-trip through `Row` and `Insert` |
//! | `checksum_edits` | reformatting an applied migration keeps its checksum; an edit does not |
//! | `kill_resume` | a non-transactional migration resumes after a kill at any statement |
//! | `seed_workflows` | the seed teams' workflows (deploy, baseline, resolve, up/down, script) with down files |
//! | `down_reliability` | a down survives kills, races an up, and refuses a corrupted history |
//! | `rerun` | the `non-idempotent` rule agrees with running each example twice |
//! | `catalog_errors` | the `catalog` errors are exactly what the server rejects |
//! | `catalog_fidelity` | the analyzer's catalog equals the server's after every set |
//! | `corpora_apply` | every real-world history applies to its recorded schema |
//! | `offline_script` | the offline script run by psql leaves what the runner leaves, and is safe to run twice |
//! | `reversible` | the `reversible` rule agrees with running every down file on the server |
//! | `mutations` | on mutated real-world histories the analyzer agrees with the server |

mod catalog_errors;
mod catalog_fidelity;
mod checksum_edits;
mod corpora_apply;
mod down_reliability;
mod generated_code;
mod kill_at;
mod kill_resume;
mod mutations;
mod offline_script;
mod rerun;
mod reversible;
mod seed_fixtures;
mod seed_schemas;
mod seed_types;
mod seed_workflows;
mod typed_forms;
mod ui;
