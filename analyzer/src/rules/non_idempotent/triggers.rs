//! What hangs on a table or on events: triggers, rules, row-level security
//! policies, event triggers.

use super::dropped::Dropped;
use super::{Problem, DUPLICATE_OBJECT};
use pg_query::protobuf::{CreateEventTrigStmt, CreatePolicyStmt, CreateTrigStmt, RuleStmt};

pub(super) fn create_trigger(s: &CreateTrigStmt, dropped: &Dropped) -> Option<Problem> {
    let table = s.relation.as_ref().map(|r| r.relname.as_str());
    if s.replace || dropped.has("trigger", &s.trigname, table) {
        None
    } else if s.isconstraint {
        Some(Problem::needs_guard(
            "CREATE CONSTRAINT TRIGGER",
            "DROP TRIGGER IF EXISTS ... ON ...",
            DUPLICATE_OBJECT,
        ))
    } else {
        Some(Problem::needs_clause(
            "CREATE TRIGGER",
            "OR REPLACE",
            "CREATE OR REPLACE TRIGGER",
            DUPLICATE_OBJECT,
        ))
    }
}

pub(super) fn create_rule(s: &RuleStmt, dropped: &Dropped) -> Option<Problem> {
    let table = s.relation.as_ref().map(|r| r.relname.as_str());
    (!s.replace && !dropped.has("rule", &s.rulename, table)).then(|| {
        Problem::needs_clause(
            "CREATE RULE",
            "OR REPLACE",
            "CREATE OR REPLACE RULE",
            DUPLICATE_OBJECT,
        )
    })
}

pub(super) fn create_policy(s: &CreatePolicyStmt, dropped: &Dropped) -> Option<Problem> {
    let table = s.table.as_ref().map(|r| r.relname.as_str());
    (!dropped.has("policy", &s.policy_name, table)).then(|| {
        Problem::needs_guard(
            "CREATE POLICY",
            "DROP POLICY IF EXISTS ... ON ...",
            DUPLICATE_OBJECT,
        )
    })
}

pub(super) fn create_event_trigger(s: &CreateEventTrigStmt, dropped: &Dropped) -> Option<Problem> {
    (!dropped.has("event trigger", &s.trigname, None)).then(|| {
        Problem::needs_guard(
            "CREATE EVENT TRIGGER",
            "DROP EVENT TRIGGER IF EXISTS ...",
            DUPLICATE_OBJECT,
        )
    })
}
