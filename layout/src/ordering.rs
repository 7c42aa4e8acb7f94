//! The checks that need the whole directory (one layout, one naming scheme, one
//! migration per version), the pairing of up and down files, and the order.

use crate::listing::{Candidate, Listing};
use crate::{FoundMigration, Layout, MigrationDir, Problem};
use std::collections::BTreeMap;

pub(crate) fn check_and_order(listing: Listing) -> MigrationDir {
    let Listing {
        candidates,
        mut unversioned_files,
        mut considered_files,
        mut problems,
    } = listing;
    let layouts = counts(candidates.iter().map(|c| c.layout));
    // Diesel ignores loose files beside its directories (crates.io keeps a data script
    // there), so only a loose file that looks like a migration is reported.
    if layouts.len() == 1 && layouts.contains_key(&Layout::Directories) {
        unversioned_files.clear();
    }
    problems.extend(
        unversioned_files
            .into_iter()
            .map(|file| Problem::NoVersion { file }),
    );
    if let Some(majority) = majority(&layouts) {
        problems.extend(candidates.iter().filter(|c| c.layout != majority).map(|c| {
            Problem::MixedLayout {
                entry: c.entry.clone(),
                layout: c.layout,
                majority,
            }
        }));
    }
    let styles = counts(candidates.iter().map(|c| c.parsed.style));
    if let Some(majority) = majority(&styles) {
        problems.extend(
            candidates
                .iter()
                .filter(|c| c.parsed.style != majority)
                .map(|c| Problem::MixedVersionStyle {
                    entry: c.entry.clone(),
                    style: c.parsed.style,
                    majority,
                }),
        );
    }
    let migrations = pair_and_order(candidates, &mut problems);
    considered_files.sort();
    MigrationDir {
        migrations,
        considered_files,
        problems,
    }
}

fn counts<K: Ord>(keys: impl Iterator<Item = K>) -> BTreeMap<K, usize> {
    keys.fold(BTreeMap::new(), |mut counts, key| {
        *counts.entry(key).or_default() += 1;
        counts
    })
}

/// The most common key; on a tie, the first in declaration order.
fn majority<K: Ord + Copy>(counts: &BTreeMap<K, usize>) -> Option<K> {
    counts
        .iter()
        .max_by_key(|(key, count)| (**count, std::cmp::Reverse(**key)))
        .map(|(key, _)| *key)
}

/// Joins `.up.sql`/`.down.sql` halves, reports a down without an up and duplicate
/// versions, and orders the migrations the way their tool does: by version, never by
/// file name. Diesel (one directory per migration) compares its versions as text,
/// which differs from numbers only where their lengths differ; the flat layouts'
/// tools compare numbers.
fn pair_and_order(candidates: Vec<Candidate>, problems: &mut Vec<Problem>) -> Vec<FoundMigration> {
    let textual_order = candidates.iter().all(|c| c.layout == Layout::Directories);
    let mut by_version: BTreeMap<i64, Vec<Candidate>> = BTreeMap::new();
    for c in candidates {
        by_version.entry(c.parsed.version).or_default().push(c);
    }
    let mut migrations = Vec::new();
    for (version, group) in by_version {
        let mut merged: Option<Candidate> = None;
        for c in group {
            match &mut merged {
                None => merged = Some(c),
                Some(m) if are_halves(m, &c) => {
                    m.up = m.up.take().or(c.up);
                    m.down = m.down.take().or(c.down);
                }
                Some(m) => problems.push(Problem::DuplicateVersion {
                    entry: c.entry,
                    version,
                    first: m.entry.clone(),
                }),
            }
        }
        let Some(m) = merged else { continue };
        match m.up {
            Some(up) => migrations.push((
                m.parsed.digits,
                FoundMigration {
                    version,
                    name: m.parsed.name,
                    up,
                    down: m.down,
                    metadata_no_transaction: m.metadata_no_transaction,
                },
            )),
            None => problems.push(Problem::DownWithoutUp {
                file: m.down.map_or(m.entry, |down| down.relative),
            }),
        }
    }
    if textual_order {
        migrations.sort_by(|(a, _), (b, _)| a.cmp(b));
    }
    migrations.into_iter().map(|(_, m)| m).collect()
}

/// The up and the down file of one reversible migration.
fn are_halves(a: &Candidate, b: &Candidate) -> bool {
    a.layout == Layout::ReversibleFiles
        && b.layout == Layout::ReversibleFiles
        && a.parsed.name == b.parsed.name
        && a.up.is_none() != b.up.is_none()
}
