//! Code: `CREATE FUNCTION` and `PROCEDURE`, languages, transforms, and `CALL`.
//! (`DO` blocks are judged statement by statement in the `plpgsql` module.)

use super::dropped::Dropped;
use super::{last_name, Problem, DUPLICATE_FUNCTION, DUPLICATE_OBJECT};
use pg_query::protobuf::{CreateFunctionStmt, CreatePLangStmt, CreateTransformStmt};

pub(super) fn create_function(s: &CreateFunctionStmt, dropped: &Dropped) -> Option<Problem> {
    let name = last_name(&s.funcname);
    (!s.replace && !dropped.has("function", &name, None)).then(|| {
        let what = if s.is_procedure {
            "CREATE PROCEDURE"
        } else {
            "CREATE FUNCTION"
        };
        let fixed = if s.is_procedure {
            "CREATE OR REPLACE PROCEDURE"
        } else {
            "CREATE OR REPLACE FUNCTION"
        };
        Problem::needs_clause(what, "OR REPLACE", fixed, DUPLICATE_FUNCTION)
    })
}

pub(super) fn create_language(s: &CreatePLangStmt, dropped: &Dropped) -> Option<Problem> {
    (!s.replace && !dropped.has("language", &s.plname, None)).then(|| {
        Problem::needs_clause(
            "CREATE LANGUAGE",
            "OR REPLACE",
            "CREATE OR REPLACE LANGUAGE",
            DUPLICATE_OBJECT,
        )
    })
}

pub(super) fn create_transform(s: &CreateTransformStmt) -> Option<Problem> {
    (!s.replace).then(|| {
        Problem::needs_clause(
            "CREATE TRANSFORM",
            "OR REPLACE",
            "CREATE OR REPLACE TRANSFORM",
            DUPLICATE_OBJECT,
        )
    })
}

pub(super) fn call() -> Option<Problem> {
    Some(Problem::unverifiable("CALL", "runs a procedure"))
}
