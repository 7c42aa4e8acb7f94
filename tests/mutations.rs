//! The mutation suite: the real-world histories in `../shared/corpora`, made wrong the
//! way people make migrations wrong, each mutant judged by the analyzer and by the real
//! server. The analyzer is right when it agrees with the server: both say the mutated
//! history is broken, or both say it is fine.
//!
//! Mutations, chosen with a fixed seed (`PGSTRATA_MUTATION_SEED` changes it), at most
//! `PGSTRATA_MUTATIONS_PER_KIND` (default 40) per kind, spread over the sets in turn:
//!
//! - `alter-column-typo`: a column named by `ALTER TABLE` (`ALTER COLUMN`, `DROP
//!   COLUMN`, `RENAME COLUMN`, the key columns of `ADD CONSTRAINT`) misspelt;
//! - `index-column-typo`: a column of `CREATE INDEX` misspelt;
//! - `fk-column-typo`: a referenced column of a foreign key (`REFERENCES t (col)`)
//!   misspelt;
//! - `drop-then-use`: `DROP TABLE` of a table appended to the migration just before the
//!   first later migration that uses it;
//! - `swap-adjacent`: two adjacent migrations swapped where the later one uses what the
//!   earlier one creates (a table, a column, a type, a function);
//! - `duplicate-create`: a `CREATE TABLE` copied to the end of the next migration (of
//!   its own when it is the last).
//!
//! Misspellings are the usual slips: two letters swapped, one dropped or doubled, a
//! neighbouring key. A misspelling may name another real column; the server then
//! accepts it, and so should the analyzer.
//!
//! `PGSTRATA_MUTATIONS_VERBOSE=1` lists every mutant with both verdicts.
//!
//! The analyzer's verdict: an error other than `non-idempotent` (these histories were
//! not written to be re-run) that the untouched set does not have (crates.io has a
//! broken `down.sql`, which the runner never runs). The server's verdict: the runner
//! fails to apply the mutated set to a fresh database; to save time that database is a
//! copy of one the runner brought to just before the mutant's first changed migration.
//! The suite prints a table per kind, every disagreement, and fails below 95% agreement.

use pg_query::protobuf::{
    self, AlterTableType, ConstrType, Node, ObjectType, RangeVar, ScanToken, Token,
};
use pg_query::{NodeEnum, NodeRef};
use pgstrata::{Migration, Runner, Target};
use pgstrata_analyzer::parse::Statement;
use pgstrata_analyzer::{analyze, render, Analysis, Config};
use pgstrata_testkit::corpora::{self, migrations_dir, needs_sqlx_table, SQLX_TABLE};
use pgstrata_testkit::{runtime_migrations, server_config, TestDb};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const REQUIRED_AGREEMENT: f64 = 0.95;
const DEFAULT_PER_KIND: usize = 40;
/// Issue 3, seeded.
const DEFAULT_SEED: u64 = 0x5EED_0000_0003;
/// Two workers: the machine this runs on has two cores, and the server does the work.
const WORKERS: usize = 2;
const DROPPERS: usize = 4;
/// The runner's history lives in a schema of its own, as in `corpora_apply.rs`.
const HISTORY_SCHEMA: &str = "pgstrata_history";

// ---------------------------------------------------------------------------------------
// The corpora

/// One corpus set as the analyzer sees it untouched.
struct CorpusSet {
    name: String,
    /// The migrations directory, and how diagnostics name it.
    dir: PathBuf,
    display: String,
    needs_sqlx_table: bool,
    /// Every file under `dir` but `_meta/`, to write mutated copies from.
    files: Vec<(PathBuf, Vec<u8>)>,
    analysis: Analysis,
    runtime: &'static [Migration],
    /// Errors of the untouched set (crates.io's broken `down.sql`, which the runner
    /// never runs): not the mutants' doing, so left out of their verdicts.
    baseline_errors: Vec<String>,
}

fn load_sets() -> Vec<CorpusSet> {
    let root = corpora::root();
    let mut set_dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("_meta/order.txt").is_file())
        .collect();
    set_dirs.sort();
    assert_eq!(
        set_dirs.len(),
        11,
        "eleven corpus sets at {}",
        root.display()
    );
    set_dirs
        .into_iter()
        .map(|set| {
            let name = set.file_name().unwrap().to_string_lossy().into_owned();
            let (_, relative) = migrations_dir(&set);
            let dir = set.join(&relative);
            let display = if relative.is_empty() {
                name.clone()
            } else {
                format!("{name}/{relative}")
            };
            let analysis = analyze(&dir, &display, &rerun_allowed());
            let baseline_errors = error_keys(&analysis);
            let mut files = Vec::new();
            read_tree(&dir, Path::new(""), &mut files);
            CorpusSet {
                needs_sqlx_table: needs_sqlx_table(&set),
                runtime: runtime_migrations(&analysis),
                name,
                dir,
                display,
                files,
                analysis,
                baseline_errors,
            }
        })
        .collect()
}

fn read_tree(dir: &Path, relative: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir.join(relative)).unwrap() {
        let entry = entry.unwrap();
        let path = relative.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if path != Path::new("_meta") {
                read_tree(dir, &path, out);
            }
        } else {
            out.push((path, std::fs::read(entry.path()).unwrap()));
        }
    }
}

/// These histories were not written to be re-run: every rule but that one is on.
fn rerun_allowed() -> Config {
    Config {
        allow: BTreeSet::from(["non-idempotent".to_string()]),
        // The mutations are made on the statements' trees.
        keep_trees: true,
        ..Config::default()
    }
}

/// The errors of an analysis as rule, file and message (positions move when a
/// mutation edits a line or swaps two files).
fn error_keys(analysis: &Analysis) -> Vec<String> {
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error() && d.rule != "non-idempotent")
        .map(|d| {
            format!(
                "{} {} {}",
                d.rule,
                d.file.as_deref().unwrap_or(""),
                d.message
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Mutants

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    AlterColumnTypo,
    IndexColumnTypo,
    FkColumnTypo,
    DropThenUse,
    SwapAdjacent,
    DuplicateCreate,
}

const KINDS: [Kind; 6] = [
    Kind::AlterColumnTypo,
    Kind::IndexColumnTypo,
    Kind::FkColumnTypo,
    Kind::DropThenUse,
    Kind::SwapAdjacent,
    Kind::DuplicateCreate,
];

impl Kind {
    fn id(self) -> &'static str {
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
enum Site {
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
struct Mutant {
    set: usize,
    kind: Kind,
    /// The file it is about, as diagnostics name it.
    file: String,
    description: String,
    /// The first migration, by position, whose text differs from the untouched set.
    first_changed: usize,
    files: Vec<(PathBuf, Option<Vec<u8>>)>,
}

struct Verdict {
    analyzer_errors: Vec<String>,
    server_error: Option<String>,
}

impl Verdict {
    fn agrees(&self) -> bool {
        self.analyzer_errors.is_empty() == self.server_error.is_none()
    }
}

/// A seeded generator (SplitMix64): the same mutants on every machine and every run.
struct Rng(u64);

impl Rng {
    fn seeded(parts: &[&str], seed: u64) -> Rng {
        // FNV-1a over the parts, so each site draws from its own stream.
        let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ seed;
        for part in parts {
            for byte in part.bytes().chain([0]) {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
            }
        }
        Rng(hash)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// Keys next to each other on a QWERTY keyboard.
fn neighbours(c: char) -> &'static str {
    match c.to_ascii_lowercase() {
        'a' => "qswz",
        'b' => "vghn",
        'c' => "xdfv",
        'd' => "serfcx",
        'e' => "wsdr",
        'f' => "drtgvc",
        'g' => "ftyhbv",
        'h' => "gyujnb",
        'i' => "ujko",
        'j' => "huikmn",
        'k' => "jiolm",
        'l' => "kop",
        'm' => "njk",
        'n' => "bhjm",
        'o' => "iklp",
        'p' => "ol",
        'q' => "wa",
        'r' => "edft",
        's' => "awedxz",
        't' => "rfgy",
        'u' => "yhji",
        'v' => "cfgb",
        'w' => "qase",
        'x' => "zsdc",
        'y' => "tghu",
        'z' => "asx",
        _ => "",
    }
}

/// A realistic misspelling of `word`: two neighbouring letters swapped, a letter
/// dropped or doubled, or a letter replaced by a neighbouring key. `quoted` words keep
/// any character; others stay valid unquoted identifiers.
fn misspell(word: &str, quoted: bool, rng: &mut Rng) -> Option<String> {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 2 {
        return None;
    }
    for _ in 0..32 {
        let mut typo = chars.clone();
        let at = rng.below(chars.len());
        match rng.below(4) {
            0 if at + 1 < typo.len() && typo[at] != typo[at + 1] => typo.swap(at, at + 1),
            1 if typo.len() >= 3 && at > 0 => {
                typo.remove(at);
            }
            2 if typo[at].is_alphabetic() => typo.insert(at, typo[at]),
            3 => {
                let keys = neighbours(typo[at]);
                if keys.is_empty() {
                    continue;
                }
                let key = keys.chars().nth(rng.below(keys.len())).unwrap();
                typo[at] = if typo[at].is_uppercase() {
                    key.to_ascii_uppercase()
                } else {
                    key
                };
            }
            _ => continue,
        }
        let typo: String = typo.into_iter().collect();
        let valid = quoted
            || typo.starts_with(|c: char| c.is_alphabetic() || c == '_')
                && typo
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
        if typo != word && valid && !typo.contains('"') {
            return Some(typo);
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// Reading statements: tokens and names

/// A migration's tokens, to find identifiers by byte range.
struct Tokens<'a> {
    text: &'a str,
    list: Vec<ScanToken>,
}

impl<'a> Tokens<'a> {
    fn of(text: &'a str) -> Tokens<'a> {
        let list = if text.trim().is_empty() {
            Vec::new()
        } else {
            pg_query::scan_tokens(text).unwrap_or_default()
        };
        let list = list
            .into_iter()
            .filter(|t| t.token != Token::SqlComment as i32 && t.token != Token::CComment as i32)
            .collect();
        Tokens { text, list }
    }

    /// The first token starting at or after `offset`.
    fn at(&self, offset: usize) -> usize {
        self.list.partition_point(|t| (t.start as usize) < offset)
    }

    fn range(&self, index: usize) -> std::ops::Range<usize> {
        let t = &self.list[index];
        t.start as usize..t.end as usize
    }

    fn raw(&self, index: usize) -> &'a str {
        &self.text[self.range(index)]
    }

    fn is(&self, index: usize, token: Token) -> bool {
        self.list
            .get(index)
            .is_some_and(|t| t.token == token as i32)
    }

    fn is_char(&self, index: usize, c: char) -> bool {
        self.list.get(index).is_some_and(|t| t.token == c as i32)
    }

    fn is_word(&self, index: usize, word: &str) -> bool {
        index < self.list.len() && self.raw(index).eq_ignore_ascii_case(word)
    }

    /// The identifier at `index` as PostgreSQL reads it: unquoted and folded to lower
    /// case, or the quoted text. `None` for what is not a plain identifier.
    fn identifier(&self, index: usize) -> Option<(String, bool)> {
        let raw = self.raw(index);
        if let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            return Some((inner.replace("\"\"", "\""), true));
        }
        let plain = raw
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
        (plain && !raw.starts_with(|c: char| c.is_ascii_digit()))
            .then(|| (raw.to_lowercase(), false))
    }

    /// The byte range of the identifier's letters (inside the quotes when quoted), when
    /// the token at `index` is the identifier `name`.
    fn name_range(&self, index: usize, name: &str) -> Option<std::ops::Range<usize>> {
        let (read, quoted) = self.identifier(index)?;
        if read != name {
            return None;
        }
        let range = self.range(index);
        Some(if quoted {
            range.start + 1..range.end - 1
        } else {
            range
        })
    }

    /// The index just past a possibly qualified name starting at `index`.
    fn skip_name(&self, mut index: usize) -> usize {
        index += 1;
        while self.is_char(index, '.') {
            index += 2;
        }
        index
    }

    /// The items of the parenthesised list opening at `open`: each item's token
    /// indices, split at commas outside nested parentheses.
    fn list_items(&self, open: usize) -> Vec<std::ops::Range<usize>> {
        let mut items = Vec::new();
        let mut depth = 0;
        let mut start = open + 1;
        for index in open..self.list.len() {
            if self.is_char(index, '(') || self.is_char(index, '[') {
                depth += 1;
            } else if self.is_char(index, ')') || self.is_char(index, ']') {
                depth -= 1;
                if depth == 0 {
                    items.push(start..index);
                    return items;
                }
            } else if depth == 1 && self.is_char(index, ',') {
                items.push(start..index);
                start = index + 1;
            }
        }
        Vec::new()
    }

    /// Token indices of `range` split at commas outside parentheses (the commands of
    /// an `ALTER TABLE`).
    fn split_top_level(&self, range: std::ops::Range<usize>) -> Vec<std::ops::Range<usize>> {
        let mut parts = Vec::new();
        let mut depth = 0i32;
        let mut start = range.start;
        for index in range.clone() {
            if self.is_char(index, '(') || self.is_char(index, '[') {
                depth += 1;
            } else if self.is_char(index, ')') || self.is_char(index, ']') {
                depth -= 1;
            } else if depth == 0 && self.is_char(index, ',') {
                parts.push(start..index);
                start = index + 1;
            }
        }
        parts.push(start..range.end);
        parts
    }

    /// Whether the last token is a `;` (else an appended statement needs one first).
    fn ends_with_semicolon(&self) -> bool {
        self.list.last().is_some_and(|t| t.token == ';' as i32)
    }
}

/// A table or type name as written, schema optional.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct QualifiedName {
    schema: String,
    name: String,
}

impl QualifiedName {
    fn of(range_var: &RangeVar) -> QualifiedName {
        QualifiedName {
            schema: range_var.schemaname.clone(),
            name: range_var.relname.clone(),
        }
    }

    fn from_list(names: &[Node]) -> Option<QualifiedName> {
        let parts: Vec<&str> = names.iter().filter_map(string_of).collect();
        match parts.as_slice() {
            [name] => Some(QualifiedName {
                schema: String::new(),
                name: name.to_string(),
            }),
            [schema, name] => Some(QualifiedName {
                schema: schema.to_string(),
                name: name.to_string(),
            }),
            _ => None,
        }
    }

    /// The same object, when one side leaves the schema to the search path.
    fn matches(&self, other: &QualifiedName) -> bool {
        self.name == other.name
            && (self.schema.is_empty() || other.schema.is_empty() || self.schema == other.schema)
    }

    fn sql(&self) -> String {
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        if self.schema.is_empty() {
            quote(&self.name)
        } else {
            format!("{}.{}", quote(&self.schema), quote(&self.name))
        }
    }
}

fn string_of(node: &Node) -> Option<&str> {
    match node.node.as_ref()? {
        NodeEnum::String(s) => Some(&s.sval),
        _ => None,
    }
}

fn strings_of(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(string_of)
        .map(str::to_string)
        .collect()
}

/// Every constraint of a `CREATE TABLE` or an `ALTER TABLE`: table constraints, column
/// constraints, and those of added columns.
fn constraints(node: &NodeEnum) -> Vec<&protobuf::Constraint> {
    let mut elements: Vec<&Node> = Vec::new();
    match node {
        NodeEnum::CreateStmt(s) => elements.extend(s.table_elts.iter().chain(&s.constraints)),
        NodeEnum::AlterTableStmt(s) => {
            for cmd in &s.cmds {
                if let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() {
                    elements.extend(cmd.def.as_deref());
                }
            }
        }
        _ => {}
    }
    let mut found = Vec::new();
    for element in elements {
        match element.node.as_ref() {
            Some(NodeEnum::Constraint(c)) => found.push(&**c),
            Some(NodeEnum::ColumnDef(def)) => {
                found.extend(
                    def.constraints
                        .iter()
                        .filter_map(|c| match c.node.as_ref() {
                            Some(NodeEnum::Constraint(c)) => Some(&**c),
                            _ => None,
                        }),
                );
            }
            _ => {}
        }
    }
    found
}

/// The relation a statement defines (not a use of it).
fn defined_relation(node: &NodeEnum) -> Option<QualifiedName> {
    match node {
        NodeEnum::CreateStmt(s) => s.relation.as_ref().map(QualifiedName::of),
        NodeEnum::CreateTableAsStmt(s) => s
            .into
            .as_ref()
            .and_then(|i| i.rel.as_ref())
            .map(QualifiedName::of),
        NodeEnum::ViewStmt(s) => s.view.as_ref().map(QualifiedName::of),
        _ => None,
    }
}

/// The tables and views a statement reads or changes, by name.
fn used_relations(node: &NodeEnum) -> Vec<QualifiedName> {
    let defined = defined_relation(node);
    let mut used: Vec<QualifiedName> = match node {
        // pg_query's walker would count the table being created as a use.
        NodeEnum::CreateStmt(s) => s
            .inh_relations
            .iter()
            .filter_map(|n| match n.node.as_ref()? {
                NodeEnum::RangeVar(r) => Some(QualifiedName::of(r)),
                _ => None,
            })
            .chain(s.table_elts.iter().filter_map(|n| match n.node.as_ref()? {
                NodeEnum::TableLikeClause(like) => like.relation.as_ref().map(QualifiedName::of),
                _ => None,
            }))
            .collect(),
        NodeEnum::RenameStmt(s) => s.relation.iter().map(QualifiedName::of).collect(),
        _ => node
            .nodes()
            .into_iter()
            .filter_map(|(n, ..)| match n {
                NodeRef::RangeVar(r) => Some(QualifiedName::of(r)),
                _ => None,
            })
            .collect(),
    };
    used.extend(
        constraints(node)
            .into_iter()
            .filter_map(|c| c.pktable.as_ref().map(QualifiedName::of)),
    );
    used.retain(|u| defined.as_ref().is_none_or(|d| !d.matches(u)));
    used
}

/// Tables a `DROP TABLE` removes.
fn dropped_tables(node: &NodeEnum) -> Vec<QualifiedName> {
    match node {
        NodeEnum::DropStmt(s) if s.remove_type == ObjectType::ObjectTable as i32 => s
            .objects
            .iter()
            .filter_map(|o| match o.node.as_ref()? {
                NodeEnum::List(l) => QualifiedName::from_list(&l.items),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// What a migration creates that the next one can depend on, and what it uses.
#[derive(Default)]
struct Dependencies {
    tables: Vec<QualifiedName>,
    /// (table, column) added by `ALTER TABLE ... ADD COLUMN`.
    columns: Vec<(QualifiedName, String)>,
    types: Vec<String>,
    functions: Vec<String>,
    used_tables: Vec<QualifiedName>,
    used_columns: Vec<(QualifiedName, String)>,
    used_types: Vec<String>,
    used_functions: Vec<String>,
}

fn type_names(node: &NodeEnum) -> Vec<String> {
    let mut defs: Vec<&protobuf::ColumnDef> = Vec::new();
    match node {
        NodeEnum::CreateStmt(s) => {
            for e in &s.table_elts {
                if let Some(NodeEnum::ColumnDef(d)) = e.node.as_ref() {
                    defs.push(d);
                }
            }
        }
        NodeEnum::AlterTableStmt(s) => {
            for cmd in &s.cmds {
                if let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() {
                    if let Some(NodeEnum::ColumnDef(d)) =
                        cmd.def.as_ref().and_then(|d| d.node.as_ref())
                    {
                        defs.push(d);
                    }
                }
            }
        }
        _ => {}
    }
    defs.iter()
        .filter_map(|d| d.type_name.as_ref())
        .filter_map(|t| strings_of(&t.names).pop())
        .collect()
}

fn dependencies(statements: &[Statement]) -> Dependencies {
    let mut deps = Dependencies::default();
    for node in statements.iter().filter_map(|s| s.node.as_ref()) {
        deps.used_tables.extend(used_relations(node));
        deps.used_types.extend(type_names(node));
        match node {
            NodeEnum::CreateStmt(s) => deps.tables.extend(s.relation.iter().map(QualifiedName::of)),
            NodeEnum::CreateEnumStmt(s) => deps.types.extend(strings_of(&s.type_name).pop()),
            NodeEnum::CompositeTypeStmt(s) => deps
                .types
                .extend(s.typevar.as_ref().map(|t| t.relname.clone())),
            NodeEnum::CreateDomainStmt(s) => deps.types.extend(strings_of(&s.domainname).pop()),
            NodeEnum::CreateFunctionStmt(s) => deps.functions.extend(strings_of(&s.funcname).pop()),
            NodeEnum::CreateTrigStmt(s) => {
                deps.used_functions.extend(strings_of(&s.funcname).pop())
            }
            NodeEnum::IndexStmt(s) => {
                if let Some(table) = s.relation.as_ref().map(QualifiedName::of) {
                    for elem in &s.index_params {
                        if let Some(NodeEnum::IndexElem(e)) = elem.node.as_ref() {
                            if !e.name.is_empty() {
                                deps.used_columns.push((table.clone(), e.name.clone()));
                            }
                        }
                    }
                }
            }
            NodeEnum::AlterTableStmt(s) => {
                let Some(table) = s.relation.as_ref().map(QualifiedName::of) else {
                    continue;
                };
                for cmd in &s.cmds {
                    let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else {
                        continue;
                    };
                    if cmd.subtype == AlterTableType::AtAddColumn as i32 {
                        if let Some(NodeEnum::ColumnDef(d)) =
                            cmd.def.as_ref().and_then(|d| d.node.as_ref())
                        {
                            deps.columns.push((table.clone(), d.colname.clone()));
                        }
                    } else if !cmd.name.is_empty() {
                        deps.used_columns.push((table.clone(), cmd.name.clone()));
                    }
                }
            }
            NodeEnum::RenameStmt(s) if s.rename_type == ObjectType::ObjectColumn as i32 => {
                if let Some(table) = s.relation.as_ref().map(QualifiedName::of) {
                    deps.used_columns.push((table, s.subname.clone()));
                }
            }
            _ => {}
        }
    }
    deps
}

/// Why migration `next` depends on `earlier`, if it does.
fn dependency(earlier: &Dependencies, next: &Dependencies) -> Option<String> {
    if let Some(t) = earlier
        .tables
        .iter()
        .find(|t| next.used_tables.iter().any(|u| u.matches(t)))
    {
        return Some(format!("it uses table {}", t.sql()));
    }
    if let Some((t, c)) = earlier.columns.iter().find(|(t, c)| {
        next.used_columns
            .iter()
            .any(|(ut, uc)| ut.matches(t) && uc == c)
    }) {
        return Some(format!("it uses column {}.{c}", t.sql()));
    }
    if let Some(t) = earlier.types.iter().find(|t| next.used_types.contains(t)) {
        return Some(format!("it uses type {t}"));
    }
    if let Some(f) = earlier
        .functions
        .iter()
        .find(|f| next.used_functions.contains(f))
    {
        return Some(format!("it uses function {f}"));
    }
    None
}

// ---------------------------------------------------------------------------------------
// Finding sites

const ALTER_COLUMN_FORMS: [AlterTableType; 14] = [
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
fn identifier_sites(
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

fn sites_of(set: &CorpusSet) -> BTreeMap<Kind, Vec<Site>> {
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
fn append_statement(text: &str, statement: &str) -> String {
    let tokens = Tokens::of(text);
    let separator = if tokens.ends_with_semicolon() {
        ""
    } else {
        "\n;"
    };
    format!("{text}{separator}\n\n{statement};\n")
}

fn mutant_of(
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
fn choose_mutants(sets: &[CorpusSet], per_kind: usize, seed: u64) -> Vec<Mutant> {
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

// ---------------------------------------------------------------------------------------
// Verdicts

/// A scratch copy of a set, written once; a mutant's files are put in for its analysis
/// and the untouched ones put back afterwards (rewriting a whole set per mutant costs
/// more than analyzing it). Removed when dropped.
struct ScratchCopy<'a> {
    dir: PathBuf,
    set: &'a CorpusSet,
}

impl<'a> ScratchCopy<'a> {
    fn of(set: &'a CorpusSet) -> ScratchCopy<'a> {
        let dir = std::env::temp_dir().join(format!(
            "pgstrata-mutations-{}-{}",
            std::process::id(),
            set.name
        ));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, bytes) in &set.files {
            write_file(&dir.join(path), bytes);
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
            Some(bytes) => write_file(&self.dir.join(path), bytes),
            None => {
                let _ = std::fs::remove_file(self.dir.join(path));
            }
        }
    }
}

fn write_file(path: &Path, content: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

impl Drop for ScratchCopy<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
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

/// Judges every mutant of one set. A database walks the untouched history forward, and
/// each mutant starts from a copy of it taken just before its first changed migration,
/// so that only what the mutant changes is applied.
/// Where a set's time went: walking the untouched history, writing and analyzing the
/// mutated copies, copying databases and applying the mutants.
#[derive(Default)]
struct Timing {
    walk: Duration,
    write: Duration,
    analyzer: Duration,
    copy_db: Duration,
    apply: Duration,
    drop_db: Duration,
}

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
        let analysis = analyze(&copy.dir, &set.display, &rerun_allowed());
        copy.restore(mutant);
        let mut baseline = set.baseline_errors.clone();
        let mut analyzer_errors = Vec::new();
        for (key, diagnostic) in error_keys(&analysis).into_iter().zip(
            analysis
                .diagnostics
                .iter()
                .filter(|d| d.is_error() && d.rule != "non-idempotent"),
        ) {
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

// ---------------------------------------------------------------------------------------
// The suite

#[derive(Default)]
struct Tally {
    mutants: usize,
    both_broken: usize,
    both_fine: usize,
    analyzer_only: usize,
    server_only: usize,
}

impl Tally {
    fn add(&mut self, verdict: &Verdict) {
        self.mutants += 1;
        match (
            !verdict.analyzer_errors.is_empty(),
            verdict.server_error.is_some(),
        ) {
            (true, true) => self.both_broken += 1,
            (false, false) => self.both_fine += 1,
            (true, false) => self.analyzer_only += 1,
            (false, true) => self.server_only += 1,
        }
    }

    fn agreed(&self) -> usize {
        self.both_broken + self.both_fine
    }

    fn rate(&self) -> f64 {
        if self.mutants == 0 {
            1.0
        } else {
            self.agreed() as f64 / self.mutants as f64
        }
    }

    fn row(&self, label: &str) -> String {
        format!(
            "{label:<20} {:>7} {:>7} {:>11} {:>9} {:>13} {:>11} {:>8.1}%\n",
            self.mutants,
            self.agreed(),
            self.both_broken,
            self.both_fine,
            self.analyzer_only,
            self.server_only,
            100.0 * self.rate()
        )
    }
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    let value = value.trim();
    let parsed = match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => value.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name} must be a number, not {value:?}")))
}

#[test]
fn the_analyzer_agrees_with_the_server_on_broken_corpora() {
    let started = Instant::now();
    let seed = env_number("PGSTRATA_MUTATION_SEED").unwrap_or(DEFAULT_SEED);
    let per_kind =
        env_number("PGSTRATA_MUTATIONS_PER_KIND").map_or(DEFAULT_PER_KIND, |n| n as usize);
    let sets = load_sets();
    let mutants = choose_mutants(&sets, per_kind, seed);
    assert!(!mutants.is_empty(), "the corpora give no mutant");
    let prepared = started.elapsed();

    // Each set's mutants in the order of their first changed migration, so the walking
    // database only goes forward; the biggest sets first (popped from the end), shared
    // between the workers.
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
            let (sets, mutants) = (&sets, &mutants);
            scope.spawn(move || loop {
                let next = queue.lock().unwrap().pop();
                let Some((set, ids)) = next else { break };
                let chosen: Vec<(usize, &Mutant)> = ids.iter().map(|&m| (m, &mutants[m])).collect();
                let (judged, timing) = judge_set(&sets[set], &chosen, &dropper);
                verdicts.lock().unwrap().extend(ids.into_iter().zip(judged));
                timings.lock().unwrap().insert(set, timing);
            });
        }
        // The workers hold the remaining senders: the dropper ends after them.
        drop(dropper);
    });
    let verdicts = verdicts.into_inner().unwrap();
    assert_eq!(verdicts.len(), mutants.len(), "every mutant judged");

    // PGSTRATA_MUTATIONS_VERBOSE=1 lists every mutant with both verdicts.
    let verbose = std::env::var_os("PGSTRATA_MUTATIONS_VERBOSE").is_some();
    let mut listing = String::new();
    let mut report = String::new();
    let mut disagreements = String::new();
    let mut overall = Tally::default();
    let mut by_kind: BTreeMap<Kind, Tally> = BTreeMap::new();
    for (id, verdict) in &verdicts {
        let mutant = &mutants[*id];
        by_kind.entry(mutant.kind).or_default().add(verdict);
        overall.add(verdict);
        if verbose {
            let _ = writeln!(
                listing,
                "{:<5} [{}] {} {}: {}\n      analyzer: {}\n      server:   {}",
                if verdict.agrees() { "ok" } else { "DIFF" },
                mutant.kind.id(),
                sets[mutant.set].name,
                mutant.file,
                mutant.description,
                verdict
                    .analyzer_errors
                    .first()
                    .map_or("no error", |e| e.lines().next().unwrap_or("")),
                verdict.server_error.as_deref().unwrap_or("applied cleanly"),
            );
        }
        if !verdict.agrees() {
            let analyzer = match verdict.analyzer_errors.first() {
                Some(first) => first.clone(),
                None => "no error".to_string(),
            };
            let server = verdict.server_error.as_deref().unwrap_or("applied cleanly");
            let _ = writeln!(
                disagreements,
                "[{}] {} {}: {}\n  analyzer: {}\n  server:   {}\n",
                mutant.kind.id(),
                sets[mutant.set].name,
                mutant.file,
                mutant.description,
                analyzer.replace('\n', "\n            "),
                server.replace('\n', "\n            "),
            );
        }
    }
    let _ = writeln!(
        report,
        "mutation suite: seed {seed:#x}, up to {per_kind} mutants per kind, {} sets, {:.0?}",
        sets.len(),
        started.elapsed()
    );
    let _ = writeln!(
        report,
        "{:<20} {:>7} {:>7} {:>11} {:>9} {:>13} {:>11} {:>9}",
        "kind",
        "mutants",
        "agreed",
        "both broken",
        "both fine",
        "analyzer-only",
        "server-only",
        "agreement"
    );
    for (kind, tally) in &by_kind {
        report.push_str(&tally.row(kind.id()));
    }
    report.push_str(&overall.row("all"));
    let _ = writeln!(
        report,
        "time: {prepared:.1?} reading the sets and choosing mutants; per set (walking the \
         untouched history; writing, analyzing, copying a database for, applying and \
         dropping the mutants):"
    );
    for (set, timing) in timings.into_inner().unwrap() {
        let count = mutants.iter().filter(|m| m.set == set).count();
        let _ = writeln!(
            report,
            "  {:<30} {count:>3} mutants  {:>6.1?} {:>6.1?} {:>6.1?} {:>6.1?} {:>6.1?} {:>6.1?}",
            sets[set].name,
            timing.walk,
            timing.write,
            timing.analyzer,
            timing.copy_db,
            timing.apply,
            timing.drop_db
        );
    }
    for set in &sets {
        if !set.baseline_errors.is_empty() {
            let _ = writeln!(
                report,
                "{}: the untouched set has {} error(s), left out of every verdict: {:?}",
                set.name,
                set.baseline_errors.len(),
                set.baseline_errors
            );
        }
    }
    if verbose {
        eprintln!("{listing}");
    }
    eprintln!("{report}");
    if !disagreements.is_empty() {
        eprintln!("disagreements:\n{disagreements}");
    }
    assert!(
        overall.rate() >= REQUIRED_AGREEMENT,
        "the analyzer agrees with the server on {:.1}% of the mutants, below {:.0}%\n{report}",
        100.0 * overall.rate(),
        100.0 * REQUIRED_AGREEMENT
    );
}
