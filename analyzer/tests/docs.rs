//! The rule pages in `docs/rules/` are generated from the rules' metadata; this test
//! fails when one is stale. Regenerate with `PGSTRATA_BLESS=1 cargo test -p
//! pgstrata-analyzer --test docs`.

use pgstrata_analyzer::rules::{docs, RULES};
use std::path::Path;

#[test]
fn rule_pages_match_the_rules() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/rules");
    let bless = std::env::var_os("PGSTRATA_BLESS").is_some();
    let mut pages = vec![("README.md".to_string(), docs::index())];
    pages.extend(
        RULES
            .iter()
            .map(|rule| (format!("{}.md", rule.id), docs::page(rule))),
    );
    let mut stale = Vec::new();
    for (file, expected) in pages {
        let path = dir.join(&file);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &expected).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(expected.as_str()) {
            stale.push(file);
        }
    }
    assert!(stale.is_empty(), "stale rule pages {stale:?}: run PGSTRATA_BLESS=1 cargo test -p pgstrata-analyzer --test docs");
}

#[test]
fn rule_messages_follow_one_style() {
    // In the manner of clippy's message convention: summaries start lowercase and
    // end without a period.
    for rule in RULES {
        let first = rule.summary.chars().next().unwrap();
        assert!(
            !first.is_uppercase() || rule.summary.starts_with("PostgreSQL"),
            "{}: {}",
            rule.id,
            rule.summary
        );
        assert!(
            !rule.summary.ends_with('.'),
            "{}: {}",
            rule.id,
            rule.summary
        );
        assert!(
            rule.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            rule.id
        );
    }
}
