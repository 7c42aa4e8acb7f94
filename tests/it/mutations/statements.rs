//! Reading statements: their tokens, the names they define, use and drop, and what one
//! migration needs from an earlier one.

use pg_query::protobuf::{self, AlterTableType, Node, ObjectType, RangeVar, ScanToken, Token};
use pg_query::{NodeEnum, NodeRef};
use pgstrata_analyzer::parse::Statement;

/// A migration's tokens, to find identifiers by byte range.
pub(super) struct Tokens<'a> {
    pub(super) text: &'a str,
    pub(super) list: Vec<ScanToken>,
}

impl<'a> Tokens<'a> {
    pub(super) fn of(text: &'a str) -> Tokens<'a> {
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
    pub(super) fn at(&self, offset: usize) -> usize {
        self.list.partition_point(|t| (t.start as usize) < offset)
    }

    pub(super) fn range(&self, index: usize) -> std::ops::Range<usize> {
        let t = &self.list[index];
        t.start as usize..t.end as usize
    }

    pub(super) fn raw(&self, index: usize) -> &'a str {
        &self.text[self.range(index)]
    }

    pub(super) fn is(&self, index: usize, token: Token) -> bool {
        self.list
            .get(index)
            .is_some_and(|t| t.token == token as i32)
    }

    pub(super) fn is_char(&self, index: usize, c: char) -> bool {
        self.list.get(index).is_some_and(|t| t.token == c as i32)
    }

    pub(super) fn is_word(&self, index: usize, word: &str) -> bool {
        index < self.list.len() && self.raw(index).eq_ignore_ascii_case(word)
    }

    /// The identifier at `index` as PostgreSQL reads it: unquoted and folded to lower
    /// case, or the quoted text. `None` for what is not a plain identifier.
    pub(super) fn identifier(&self, index: usize) -> Option<(String, bool)> {
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
    pub(super) fn name_range(&self, index: usize, name: &str) -> Option<std::ops::Range<usize>> {
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
    pub(super) fn skip_name(&self, mut index: usize) -> usize {
        index += 1;
        while self.is_char(index, '.') {
            index += 2;
        }
        index
    }

    /// The items of the parenthesised list opening at `open`: each item's token
    /// indices, split at commas outside nested parentheses.
    pub(super) fn list_items(&self, open: usize) -> Vec<std::ops::Range<usize>> {
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
    pub(super) fn split_top_level(
        &self,
        range: std::ops::Range<usize>,
    ) -> Vec<std::ops::Range<usize>> {
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
    pub(super) fn ends_with_semicolon(&self) -> bool {
        self.list.last().is_some_and(|t| t.token == ';' as i32)
    }
}

/// A table or type name as written, schema optional.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct QualifiedName {
    pub(super) schema: String,
    pub(super) name: String,
}

impl QualifiedName {
    pub(super) fn of(range_var: &RangeVar) -> QualifiedName {
        QualifiedName {
            schema: range_var.schemaname.clone(),
            name: range_var.relname.clone(),
        }
    }

    pub(super) fn from_list(names: &[Node]) -> Option<QualifiedName> {
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
    pub(super) fn matches(&self, other: &QualifiedName) -> bool {
        self.name == other.name
            && (self.schema.is_empty() || other.schema.is_empty() || self.schema == other.schema)
    }

    pub(super) fn sql(&self) -> String {
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        if self.schema.is_empty() {
            quote(&self.name)
        } else {
            format!("{}.{}", quote(&self.schema), quote(&self.name))
        }
    }
}

pub(super) fn string_of(node: &Node) -> Option<&str> {
    match node.node.as_ref()? {
        NodeEnum::String(s) => Some(&s.sval),
        _ => None,
    }
}

pub(super) fn strings_of(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(string_of)
        .map(str::to_string)
        .collect()
}

/// Every constraint of a `CREATE TABLE` or an `ALTER TABLE`: table constraints, column
/// constraints, and those of added columns.
pub(super) fn constraints(node: &NodeEnum) -> Vec<&protobuf::Constraint> {
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
pub(super) fn defined_relation(node: &NodeEnum) -> Option<QualifiedName> {
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
pub(super) fn used_relations(node: &NodeEnum) -> Vec<QualifiedName> {
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
pub(super) fn dropped_tables(node: &NodeEnum) -> Vec<QualifiedName> {
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
pub(super) struct Dependencies {
    pub(super) tables: Vec<QualifiedName>,
    /// (table, column) added by `ALTER TABLE ... ADD COLUMN`.
    pub(super) columns: Vec<(QualifiedName, String)>,
    pub(super) types: Vec<String>,
    pub(super) functions: Vec<String>,
    pub(super) used_tables: Vec<QualifiedName>,
    pub(super) used_columns: Vec<(QualifiedName, String)>,
    pub(super) used_types: Vec<String>,
    pub(super) used_functions: Vec<String>,
}

pub(super) fn type_names(node: &NodeEnum) -> Vec<String> {
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

pub(super) fn dependencies(statements: &[Statement]) -> Dependencies {
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
pub(super) fn dependency(earlier: &Dependencies, next: &Dependencies) -> Option<String> {
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
