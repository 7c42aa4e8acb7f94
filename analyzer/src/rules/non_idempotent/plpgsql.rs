//! `DO` blocks: every SQL statement in the block (walked by [`crate::plpgsql`]) is
//! judged like a top-level one, except where the block guards it: inside an `IF`
//! that checks the catalogs or `EXISTS (...)`, or inside a block whose exception
//! handler catches the error a second run raises (`duplicate_object`, `OTHERS`, ...).

use super::{dropped::Dropped, verdict, Problem};
use crate::plpgsql::{self, DoBody, Enclosing};
use pg_query::protobuf::DoStmt;

/// The first unguarded problem of a `DO` block's statements.
pub fn check_do(stmt: &DoStmt) -> Option<Problem> {
    let tree = match plpgsql::do_body(stmt) {
        DoBody::Plpgsql(tree) => tree,
        DoBody::Empty => return None,
        DoBody::OtherLanguage(language) => {
            return Some(Problem::unverifiable(
                "DO",
                &format!("runs {language} code"),
            ))
        }
        DoBody::Unparseable => {
            return Some(Problem::unverifiable(
                "DO",
                "holds PL/pgSQL that pgstrata cannot parse",
            ))
        }
    };
    let mut judge = Judge::default();
    plpgsql::walk(&tree, &mut judge);
    judge.problem.map(|p| Problem {
        message: format!("in a DO block: {}", p.message),
        words: 1,
        ..p
    })
}

/// Judges each statement of the block; stops at the first unguarded problem.
#[derive(Default)]
struct Judge {
    dropped: Dropped,
    problem: Option<Problem>,
}

fn handles(enclosing: &Enclosing, problem: &Problem) -> bool {
    enclosing.checked
        || enclosing.catches("others")
        || problem.conditions.iter().any(|c| enclosing.catches(c))
}

impl plpgsql::Visitor for Judge {
    fn sql(&mut self, sql: &str, enclosing: &Enclosing) -> bool {
        let Some(tree) = plpgsql::parse_sql(sql) else {
            return true;
        };
        for raw in &tree.stmts {
            let Some(node) = raw.stmt.as_ref().and_then(|n| n.node.as_ref()) else {
                continue;
            };
            if let Some(problem) = verdict(node, sql, &self.dropped) {
                if !handles(enclosing, &problem) {
                    self.problem = Some(problem);
                    return false;
                }
            }
            self.dropped.record(node);
        }
        true
    }

    fn dynamic(&mut self, enclosing: &Enclosing) -> bool {
        if enclosing.checked || enclosing.catches("others") {
            return true;
        }
        self.problem = Some(Problem::unverifiable(
            "EXECUTE",
            "runs SQL built at run time",
        ));
        false
    }
}
