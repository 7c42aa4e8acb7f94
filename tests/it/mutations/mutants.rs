//! The mutants: their kinds, the sites in a set where each kind applies, and the
//! seeded choice of at most so many per kind, spread over the sets in turn.

use super::corpus::CorpusSet;
use super::misspell::misspell;
use super::statements::{
    constraints, dependencies, dependency, dropped_tables, strings_of, Dependencies, QualifiedName,
    Tokens,
};
use pg_query::protobuf::{AlterTableType, ConstrType, ObjectType, Token};
use pg_query::NodeEnum;
use pgstrata_analyzer::parse::Statement;
use pgstrata_testkit::Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Kind {
    AlterColumnTypo,
    IndexColumnTypo,
    FkColumnTypo,
    DropThenUse,
    SwapAdjacent,
    DuplicateCreate,
}

pub(super) const KINDS: [Kind; 6] = [
    Kind::AlterColumnTypo,
    Kind::IndexColumnTypo,
    Kind::FkColumnTypo,
    Kind::DropThenUse,
    Kind::SwapAdjacent,
    Kind::DuplicateCreate,
];

impl Kind {
    pub(super) fn id(self) -> &'static str {
        match self {
            Kind::AlterColumnTypo => "alter-column-typo",
            Kind::IndexColumnTypo => "index-column-typo",
            Kind::FkColumnTypo => "fk-column-typo",
            Kind::DropThenUse => "drop-then-use",
            Kind::SwapAdjacent => "swap-adjacent",
            Kind::DuplicateCreate => "duplicate-create",
        }
    }
}

/// A place where a mutation of some kind applies.
pub(super) enum Site {
    /// An identifier at this byte range of migration `migration` to misspell.
    Identifier {
        migration: usize,
        range: std::ops::Range<usize>,
        context: &'static str,
    },
    /// `DROP TABLE name` appended to `migration` (the one before the first user).
    DropTable {
        migration: usize,
        table: QualifiedName,
        user: usize,
    },
    /// Migrations `first` and `first + 1` swapped; `because` says what the second uses.
    Swap { first: usize, because: String },
    /// Statement `statement` of `migration` copied to the end of `into`.
    Duplicate {
        migration: usize,
        statement: usize,
        into: usize,
    },
}

/// What a mutant changes: whole files replaced (or removed) in a copy of the set.
pub(super) struct Mutant {
    pub(super) set: usize,
    pub(super) kind: Kind,
    /// The file it is about, as diagnostics name it.
    pub(super) file: String,
    pub(super) description: String,
    /// The first migration, by position, whose text differs from the untouched set.
    pub(super) first_changed: usize,
    pub(super) files: Vec<(PathBuf, Option<Vec<u8>>)>,
}

pub(super) const ALTER_COLUMN_FORMS: [AlterTableType; 14] = [
    AlterTableType::AtColumnDefault,
    AlterTableType::AtDropNotNull,
    AlterTableType::AtSetNotNull,
    AlterTableType::AtSetExpression,
    AlterTableType::AtDropExpression,
    AlterTableType::AtSetStatistics,
    AlterTableType::AtSetOptions,
    AlterTableType::AtResetOptions,
    AlterTableType::AtSetStorage,
    AlterTableType::AtSetCompression,
    AlterTableType::AtAlterColumnType,
    AlterTableType::AtAddIdentity,
    AlterTableType::AtSetIdentity,
    AlterTableType::AtDropIdentity,
];

/// The identifier sites of one statement, by kind.
pub(super) fn identifier_sites(
    migration: usize,
    tokens: &Tokens,
    statement: &Statement,
    out: &mut BTreeMap<Kind, Vec<Site>>,
) {
    let Some(node) = statement.node.as_ref() else {
        return;
    };
    let end = tokens.at(statement.range.end);
    let mut push = |kind: Kind, range: Option<std::ops::Range<usize>>, context: &'static str| {
        if let Some(range) = range {
            out.entry(kind).or_default().push(Site::Identifier {
                migration,
                range,
                context,
            });
        }
    };
    match node {
        NodeEnum::AlterTableStmt(s) if s.objtype == ObjectType::ObjectTable as i32 => {
            let Some(relation) = s.relation.as_ref() else {
                return;
            };
            let mut start = tokens.skip_name(tokens.at(relation.location as usize));
            if tokens.is_char(start, '*') {
                start += 1;
            }
            let parts = tokens.split_top_level(start..end);
            if parts.len() != s.cmds.len() {
                return;
            }
            for (cmd, part) in s.cmds.iter().zip(parts) {
                let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else {
                    continue;
                };
                let mut at = part.start + 1;
                if tokens.is_word(at, "column") {
                    at += 1;
                }
                if ALTER_COLUMN_FORMS.iter().any(|f| *f as i32 == cmd.subtype)
                    && tokens.is_word(part.start, "alter")
                {
                    push(
                        Kind::AlterColumnTypo,
                        tokens.name_range(at, &cmd.name),
                        "ALTER TABLE ... ALTER COLUMN",
                    );
                } else if cmd.subtype == AlterTableType::AtDropColumn as i32 {
                    if tokens.is_word(at, "if") && tokens.is_word(at + 1, "exists") {
                        at += 2;
                    }
                    push(
                        Kind::AlterColumnTypo,
                        tokens.name_range(at, &cmd.name),
                        "ALTER TABLE ... DROP COLUMN",
                    );
                } else if cmd.subtype == AlterTableType::AtAddConstraint as i32 {
                    let Some(NodeEnum::Constraint(c)) =
                        cmd.def.as_ref().and_then(|d| d.node.as_ref())
                    else {
                        continue;
                    };
                    let columns = match ConstrType::try_from(c.contype) {
                        Ok(ConstrType::ConstrPrimary | ConstrType::ConstrUnique) => &c.keys,
                        Ok(ConstrType::ConstrForeign) => &c.fk_attrs,
                        _ => continue,
                    };
                    let Some(open) = part.clone().find(|&i| tokens.is_char(i, '(')) else {
                        continue;
                    };
                    let items = tokens.list_items(open);
                    if items.len() != columns.len() {
                        continue;
                    }
                    for (item, column) in items.into_iter().zip(strings_of(columns)) {
                        push(
                            Kind::AlterColumnTypo,
                            tokens.name_range(item.start, &column),
                            "ALTER TABLE ... ADD CONSTRAINT (columns)",
                        );
                    }
                }
            }
        }
        NodeEnum::RenameStmt(s)
            if s.rename_type == ObjectType::ObjectColumn as i32
                && s.relation_type == ObjectType::ObjectTable as i32 =>
        {
            let Some(relation) = s.relation.as_ref() else {
                return;
            };
            let mut at = tokens.skip_name(tokens.at(relation.location as usize));
            if tokens.is_char(at, '*') {
                at += 1;
            }
            if tokens.is_word(at, "rename") {
                at += 1;
                if tokens.is_word(at, "column") {
                    at += 1;
                }
                push(
                    Kind::AlterColumnTypo,
                    tokens.name_range(at, &s.subname),
                    "ALTER TABLE ... RENAME COLUMN",
                );
            }
        }
        NodeEnum::IndexStmt(s) => {
            let Some(relation) = s.relation.as_ref() else {
                return;
            };
            let mut at = tokens.skip_name(tokens.at(relation.location as usize));
            if tokens.is_word(at, "using") {
                at += 2;
            }
            if !tokens.is_char(at, '(') {
                return;
            }
            let items = tokens.list_items(at);
            if items.len() != s.index_params.len() {
                return;
            }
            for (item, elem) in items.into_iter().zip(&s.index_params) {
                if let Some(NodeEnum::IndexElem(e)) = elem.node.as_ref() {
                    if !e.name.is_empty() {
                        push(
                            Kind::IndexColumnTypo,
                            tokens.name_range(item.start, &e.name),
                            "CREATE INDEX (columns)",
                        );
                    }
                }
            }
        }
        _ => {}
    }
    for c in constraints(node) {
        if c.contype != ConstrType::ConstrForeign as i32 || c.pk_attrs.is_empty() || c.location < 0
        {
            continue;
        }
        let Some(references) =
            (tokens.at(c.location as usize)..end).find(|&i| tokens.is(i, Token::References))
        else {
            continue;
        };
        let open = tokens.skip_name(references + 1);
        if !tokens.is_char(open, '(') {
            continue;
        }
        let items = tokens.list_items(open);
        if items.len() != c.pk_attrs.len() {
            continue;
        }
        for (item, column) in items.into_iter().zip(strings_of(&c.pk_attrs)) {
            push(
                Kind::FkColumnTypo,
                tokens.name_range(item.start, &column),
                "REFERENCES t (columns)",
            );
        }
    }
}

pub(super) fn sites_of(set: &CorpusSet) -> BTreeMap<Kind, Vec<Site>> {
    let migrations = &set.analysis.migrations;
    let mut sites: BTreeMap<Kind, Vec<Site>> = BTreeMap::new();
    let deps: Vec<Dependencies> = migrations
        .iter()
        .map(|m| dependencies(&m.statements))
        .collect();
    for (position, migration) in migrations.iter().enumerate() {
        let tokens = Tokens::of(&migration.up.text);
        for (index, statement) in migration.statements.iter().enumerate() {
            identifier_sites(position, &tokens, statement, &mut sites);
            if let Some(NodeEnum::CreateStmt(create)) = statement.node.as_ref() {
                if create
                    .relation
                    .as_ref()
                    .is_some_and(|r| r.relpersistence != "t")
                {
                    sites
                        .entry(Kind::DuplicateCreate)
                        .or_default()
                        .push(Site::Duplicate {
                            migration: position,
                            statement: index,
                            into: (position + 1).min(migrations.len() - 1),
                        });
                }
            }
        }
        if let Some(next) = deps.get(position + 1) {
            if let Some(because) = dependency(&deps[position], next) {
                sites
                    .entry(Kind::SwapAdjacent)
                    .or_default()
                    .push(Site::Swap {
                        first: position,
                        because,
                    });
            }
        }
        // A table created here and used later: dropped just before its first user,
        // unless something between drops it anyway.
        for table in &deps[position].tables {
            let first_user = (position + 1..migrations.len())
                .find(|&j| deps[j].used_tables.iter().any(|u| u.matches(table)));
            let Some(user) = first_user else { continue };
            let dropped_between = migrations[position + 1..=user].iter().any(|m| {
                m.statements
                    .iter()
                    .filter_map(|s| s.node.as_ref())
                    .flat_map(dropped_tables)
                    .any(|d| d.matches(table))
            });
            if !dropped_between {
                sites
                    .entry(Kind::DropThenUse)
                    .or_default()
                    .push(Site::DropTable {
                        migration: user - 1,
                        table: table.clone(),
                        user,
                    });
            }
        }
    }
    sites
}

/// Appends a statement to a migration's text, ending the one before it if needed.
pub(super) fn append_statement(text: &str, statement: &str) -> String {
    let tokens = Tokens::of(text);
    let separator = if tokens.ends_with_semicolon() {
        ""
    } else {
        "\n;"
    };
    format!("{text}{separator}\n\n{statement};\n")
}

pub(super) fn mutant_of(
    set_index: usize,
    set: &CorpusSet,
    kind: Kind,
    site: &Site,
    seed: u64,
) -> Option<Mutant> {
    let migrations = &set.analysis.migrations;
    let up_path = |position: usize| -> PathBuf {
        migrations[position]
            .up
            .path
            .strip_prefix(&set.dir)
            .unwrap()
            .to_path_buf()
    };
    let display = |position: usize| migrations[position].up.display.clone();
    match site {
        Site::Identifier {
            migration,
            range,
            context,
        } => {
            let text = &migrations[*migration].up.text;
            let word = &text[range.clone()];
            let quoted = text[..range.start].ends_with('"');
            let mut rng = Rng::seeded(
                &[
                    &set.name,
                    kind.id(),
                    &display(*migration),
                    &range.start.to_string(),
                ],
                seed,
            );
            let typo = misspell(word, quoted, &mut rng)?;
            let mutated = format!("{}{typo}{}", &text[..range.start], &text[range.end..]);
            let line = text[..range.start].matches('\n').count() + 1;
            Some(Mutant {
                set: set_index,
                kind,
                file: display(*migration),
                description: format!("line {line}: `{word}` misspelt `{typo}` in {context}"),
                first_changed: *migration,
                files: vec![(up_path(*migration), Some(mutated.into_bytes()))],
            })
        }
        Site::DropTable {
            migration,
            table,
            user,
        } => {
            let text = &migrations[*migration].up.text;
            let mutated = append_statement(text, &format!("DROP TABLE {}", table.sql()));
            Some(Mutant {
                set: set_index,
                kind,
                file: display(*migration),
                description: format!(
                    "DROP TABLE {} appended; {} uses it next",
                    table.sql(),
                    display(*user)
                ),
                first_changed: *migration,
                files: vec![(up_path(*migration), Some(mutated.into_bytes()))],
            })
        }
        Site::Swap { first, because } => {
            let (a, b) = (up_path(*first), up_path(first + 1));
            let mut files = Vec::new();
            let in_directories = a.parent() != b.parent();
            if in_directories {
                // diesel and Prisma: swap what makes the migration (its SQL and its
                // metadata.toml), keep the down files where they are.
                let (dir_a, dir_b) = (a.parent().unwrap(), b.parent().unwrap());
                let contents = |dir: &Path| -> BTreeMap<PathBuf, Vec<u8>> {
                    set.files
                        .iter()
                        .filter(|(p, _)| p.parent() == Some(dir) && !p.ends_with("down.sql"))
                        .map(|(p, bytes)| (PathBuf::from(p.file_name().unwrap()), bytes.clone()))
                        .collect()
                };
                let (in_a, in_b) = (contents(dir_a), contents(dir_b));
                let names: BTreeSet<&PathBuf> = in_a.keys().chain(in_b.keys()).collect();
                for name in names {
                    files.push((dir_a.join(name), in_b.get(name).cloned()));
                    files.push((dir_b.join(name), in_a.get(name).cloned()));
                }
            } else {
                files.push((a, Some(migrations[first + 1].up.text.clone().into_bytes())));
                files.push((b, Some(migrations[*first].up.text.clone().into_bytes())));
            }
            Some(Mutant {
                set: set_index,
                kind,
                file: display(*first),
                description: format!("swapped with {} ({because})", display(first + 1)),
                first_changed: *first,
                files,
            })
        }
        Site::Duplicate {
            migration,
            statement,
            into,
        } => {
            let source = &migrations[*migration];
            let create = &source.up.text[source.statements[*statement].range.clone()];
            let text = &migrations[*into].up.text;
            let mutated = append_statement(text, create);
            let line = source.statements[*statement].line;
            Some(Mutant {
                set: set_index,
                kind,
                file: display(*into),
                description: format!(
                    "the CREATE TABLE of {}:{line} copied to the end of this file",
                    display(*migration)
                ),
                first_changed: *into,
                files: vec![(up_path(*into), Some(mutated.into_bytes()))],
            })
        }
    }
}

/// Up to `per_kind` mutants of each kind, taken from the sets in turn so that no set
/// dominates, each set's sites in a seeded order.
pub(super) fn choose_mutants(sets: &[CorpusSet], per_kind: usize, seed: u64) -> Vec<Mutant> {
    let all_sites: Vec<BTreeMap<Kind, Vec<Site>>> = sets.iter().map(sites_of).collect();
    let mut mutants = Vec::new();
    for kind in KINDS {
        let mut queues: Vec<Vec<Mutant>> = sets
            .iter()
            .enumerate()
            .map(|(i, set)| {
                let sites = all_sites[i].get(&kind).map_or(&[][..], Vec::as_slice);
                let mut order: Vec<usize> = (0..sites.len()).collect();
                Rng::seeded(&[&set.name, kind.id()], seed).shuffle(&mut order);
                order
                    .into_iter()
                    .rev()
                    .filter_map(|s| mutant_of(i, set, kind, &sites[s], seed))
                    .collect()
            })
            .collect();
        let mut taken = 0;
        while taken < per_kind && queues.iter().any(|q| !q.is_empty()) {
            for queue in &mut queues {
                if taken < per_kind {
                    if let Some(mutant) = queue.pop() {
                        mutants.push(mutant);
                        taken += 1;
                    }
                }
            }
        }
    }
    mutants
}
