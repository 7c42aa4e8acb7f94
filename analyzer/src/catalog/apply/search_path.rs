//! `SET search_path` (and `SET LOCAL`, `RESET`, `set_config('search_path', ...)`):
//! the schemas later statements resolve names in.

use super::super::builder::CatalogBuilder;
use super::super::identifiers::SearchPath;
use pg_query::protobuf::{a_const, VariableSetKind, VariableSetStmt};
use pg_query::NodeEnum;

impl CatalogBuilder {
    pub(super) fn set_variable(&mut self, stmt: &VariableSetStmt) {
        if stmt.name != "search_path" {
            return;
        }
        if stmt.is_local && !self.file.transactional {
            // Outside a transaction block `SET LOCAL` does nothing.
            return;
        }
        match VariableSetKind::try_from(stmt.kind) {
            Ok(VariableSetKind::VarSetValue) => {
                let schemas = stmt
                    .args
                    .iter()
                    .filter_map(|a| match &a.node {
                        Some(NodeEnum::AConst(c)) => match &c.val {
                            Some(a_const::Val::Sval(s)) => Some(s.sval.clone()),
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect();
                self.search_path = SearchPath::new(schemas);
            }
            Ok(
                VariableSetKind::VarSetDefault
                | VariableSetKind::VarReset
                | VariableSetKind::VarResetAll,
            ) => {
                self.search_path = SearchPath::default();
            }
            _ => {}
        }
    }

    /// `SELECT set_config('search_path', '...', is_local)`.
    pub(super) fn set_config(&mut self, value: &str, is_local: bool) {
        if is_local && !self.file.transactional {
            return;
        }
        self.search_path = SearchPath::parse(value);
    }
}
