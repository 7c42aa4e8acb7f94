//! What the caller decides, checked the same way whether it comes from the macro's
//! arguments (`allow = [...]`, `baseline = N`) or the CLI's flags (`--allow`,
//! `--baseline`): the same refusals with the same texts, and after the analysis the
//! same report of an allow that allowed nothing.

use crate::diagnostics::Diagnostic;
use crate::rules::{self, allow};
use std::collections::BTreeSet;

/// The rules allowed for every file, and the baseline.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Rule ids allowed in every file. An id that allows nothing anywhere is reported
    /// (when nothing else failed): a stale allow hides the next real problem of its kind.
    pub allow: BTreeSet<String>,
    /// Adopting an existing history: migrations up to and including this version are
    /// parsed but exempt from the re-run rules (they ran long ago, once).
    pub baseline: Option<i64>,
    /// Keep every statement's parse tree in [`Migration::statements`] for the caller.
    /// Off, each file's trees are dropped once the catalog has folded it: a long
    /// history's trees are tens of megabytes (66 MB for the bench's 1.4 MB of SQL),
    /// and memory that is reused is not page-faulted in again.
    ///
    /// [`Migration::statements`]: crate::Migration::statements
    pub keep_trees: bool,
}

/// A configuration refused before any migration is read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The id names no rule, or a rule that cannot be allowed (`syntax`, `layout`,
    /// `allow`: problems that would otherwise break the build or the run).
    #[error("`{rule}` is not a rule that can be allowed")]
    NotAllowable { rule: String },
}

impl ConfigError {
    /// The allowed id the error is about, for the caller to point at.
    pub fn rule(&self) -> &str {
        match self {
            ConfigError::NotAllowable { rule } => rule,
        }
    }
}

impl Config {
    /// The configuration a user wrote: every id in `allow` must name a rule that can
    /// be allowed (`pgstrata rules` lists them). The first that does not is the error.
    pub fn new<S: AsRef<str>>(allow: &[S], baseline: Option<i64>) -> Result<Self, ConfigError> {
        let mut allowed = BTreeSet::new();
        for id in allow.iter().map(AsRef::as_ref) {
            if rules::find(id).is_none_or(|rule| !rule.allowable) {
                return Err(ConfigError::NotAllowable {
                    rule: id.to_string(),
                });
            }
            allowed.insert(id.to_string());
        }
        Ok(Config {
            allow: allowed,
            baseline,
            keep_trees: false,
        })
    }

    /// The allowed rules that allowed nothing in the directory, one diagnostic each.
    pub(crate) fn unused_allows(
        &self,
        used: &BTreeSet<&'static str>,
        display_dir: &str,
    ) -> Vec<Diagnostic> {
        self.allow
            .iter()
            .filter(|rule| !used.contains(rule.as_str()))
            .map(|rule| allow::unused_everywhere(rule, display_dir))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowable_rules_make_a_config() {
        let config = Config::new(&["non-idempotent", "transaction"], Some(3)).unwrap();
        assert_eq!(
            config.allow.iter().map(String::as_str).collect::<Vec<_>>(),
            vec!["non-idempotent", "transaction"]
        );
        assert_eq!(config.baseline, Some(3));
        assert!(!config.keep_trees);
        assert!(Config::new::<&str>(&[], None).unwrap().allow.is_empty());
    }

    #[test]
    fn unknown_and_unallowable_rules_are_refused_with_one_text() {
        for (allow, refused) in [
            (&["transactoin"][..], "transactoin"),
            (&["transaction", "syntax"][..], "syntax"),
            (&["layout"][..], "layout"),
            (&["allow"][..], "allow"),
            (&[""][..], ""),
        ] {
            let error = Config::new(allow, None).unwrap_err();
            assert_eq!(
                error,
                ConfigError::NotAllowable {
                    rule: refused.to_string()
                }
            );
            assert_eq!(error.rule(), refused);
            assert_eq!(
                error.to_string(),
                format!("`{refused}` is not a rule that can be allowed")
            );
        }
    }

    #[test]
    fn an_allow_that_allowed_nothing_is_an_error() {
        let config = Config::new(&["non-idempotent", "transaction"], None).unwrap();
        let unused = config.unused_allows(&BTreeSet::from(["non-idempotent"]), "migrations");
        assert_eq!(unused.len(), 1);
        assert!(unused[0].is_error());
        assert_eq!(unused[0].rule, "allow");
        assert_eq!(
            unused[0].message,
            "`transaction` is allowed in every migration but allows nothing in `migrations`"
        );
        let all_used = BTreeSet::from(["non-idempotent", "transaction"]);
        assert!(config.unused_allows(&all_used, "migrations").is_empty());
    }
}
