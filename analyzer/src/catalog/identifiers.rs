//! Names as PostgreSQL resolves them: schema-qualified names from parse-tree name
//! lists, the search path, and identifiers quoted the way `quote_ident` quotes them.
//!
//! pg_query hands over identifiers already case-folded (unquoted ones lowercased,
//! quoted ones as written), so folding happens once, in the parser.

use super::model::QualifiedName;
use pg_query::protobuf::{Node, RangeVar};
use pg_query::NodeEnum;

pub const PUBLIC: &str = "public";
pub const PG_CATALOG: &str = "pg_catalog";
pub const INFORMATION_SCHEMA: &str = "information_schema";

/// PostgreSQL truncates identifiers to `NAMEDATALEN - 1` bytes.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

impl QualifiedName {
    pub fn new(schema: &str, name: &str) -> Self {
        Self {
            schema: schema.to_string(),
            name: name.to_string(),
        }
    }

    /// `schema.name` with each part quoted where PostgreSQL would quote it.
    pub fn display(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }

    /// The name as PostgreSQL prints it to a session with the default search path:
    /// qualified only outside `public` and `pg_catalog`.
    pub fn display_unqualified_in_public(&self) -> String {
        if self.schema == PUBLIC || self.schema == PG_CATALOG {
            quote_ident(&self.name)
        } else {
            self.display()
        }
    }
}

/// A name as written: an optional schema and the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenName {
    pub schema: Option<String>,
    pub name: String,
}

impl WrittenName {
    pub fn unqualified(name: &str) -> Self {
        Self {
            schema: None,
            name: name.to_string(),
        }
    }

    /// From a `RangeVar` (`[catalog.][schema.]relation`).
    pub fn of_range_var(range: &RangeVar) -> Self {
        Self {
            schema: (!range.schemaname.is_empty()).then(|| range.schemaname.clone()),
            name: range.relname.clone(),
        }
    }

    /// From a list of `String` nodes (`[catalog.][schema.]name`); `None` when empty.
    pub fn of_list(list: &[Node]) -> Option<Self> {
        let parts = strings(list);
        match parts.as_slice() {
            [] => None,
            [name] => Some(Self::unqualified(name)),
            [.., schema, name] => Some(Self {
                schema: Some(schema.clone()),
                name: name.clone(),
            }),
        }
    }

    /// As the user wrote it, quoted where needed, for messages.
    pub fn display(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(&self.name)),
            None => quote_ident(&self.name),
        }
    }
}

/// The `sval`s of a list of `String` nodes.
pub fn strings(list: &[Node]) -> Vec<String> {
    list.iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

/// The session's `search_path`: where unqualified names are looked up and created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPath {
    schemas: Vec<String>,
}

impl Default for SearchPath {
    /// PostgreSQL's default, `"$user", public`; no schema named after the user is
    /// assumed to exist.
    fn default() -> Self {
        Self {
            schemas: vec!["$user".to_string(), PUBLIC.to_string()],
        }
    }
}

impl SearchPath {
    pub fn new(schemas: Vec<String>) -> Self {
        Self { schemas }
    }

    /// The schemas in lookup order: `pg_catalog` first unless the path places it.
    pub fn lookup_order(&self) -> impl Iterator<Item = &str> {
        let implicit = (!self.schemas.iter().any(|s| s == PG_CATALOG)).then_some(PG_CATALOG);
        implicit
            .into_iter()
            .chain(self.schemas.iter().map(String::as_str))
            .filter(|s| *s != "$user")
    }

    /// The schemas as written, `$user` included.
    pub fn schemas(&self) -> &[String] {
        &self.schemas
    }

    /// The schema an unqualified `CREATE` goes to: the first one on the path that
    /// exists.
    pub fn creation_schema(&self, exists: impl Fn(&str) -> bool) -> Option<&str> {
        self.schemas
            .iter()
            .map(String::as_str)
            .filter(|s| *s != "$user" && *s != PG_CATALOG)
            .find(|s| exists(s))
    }

    /// Parses the value of `SET search_path TO a, "B"` given as the strings of its
    /// arguments, or the text of `set_config('search_path', 'a, "B"', ...)`.
    pub fn parse(text: &str) -> Self {
        let mut schemas = Vec::new();
        for part in split_list(text) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            schemas.push(unquote(part));
        }
        Self { schemas }
    }
}

/// Splits a comma-separated list, keeping commas inside double quotes.
fn split_list(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
}

/// An identifier as PostgreSQL reads it in a list: quoted as written, else lowercased.
fn unquote(part: &str) -> String {
    match part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => part.to_lowercase(),
    }
}

/// `quote_ident`: the identifier as it must be written to mean itself.
pub fn quote_ident(name: &str) -> String {
    if needs_quotes(name) {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.to_string()
    }
}

pub fn needs_quotes(name: &str) -> bool {
    let bytes = name.as_bytes();
    let safe = bytes
        .first()
        .is_some_and(|b| b.is_ascii_lowercase() || *b == b'_')
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_');
    !safe || is_reserved_keyword(name)
}

/// Keywords that `quote_ident` quotes: every keyword but the unreserved ones
/// (`pg_get_keywords()` where `catcode <> 'U'`).
fn is_reserved_keyword(name: &str) -> bool {
    // The first letter and the length rule out most names without a comparison: this
    // runs for every name the catalog prints.
    let length = name.len();
    let could_be = match name.as_bytes().first() {
        Some(first @ b'a'..=b'z') if length < 32 => {
            KEYWORD_LENGTHS_BY_FIRST_LETTER[usize::from(first - b'a')] & (1 << length) != 0
        }
        _ => false,
    };
    could_be && RESERVED_KEYWORDS.binary_search(&name).is_ok()
}

/// For each letter `a`..`z`, bit `n` set when a keyword of `RESERVED_KEYWORDS` that
/// starts with it is `n` bytes long.
const KEYWORD_LENGTHS_BY_FIRST_LETTER: [u32; 26] = {
    let mut masks = [0u32; 26];
    let mut i = 0;
    while i < RESERVED_KEYWORDS.len() {
        let keyword = RESERVED_KEYWORDS[i].as_bytes();
        masks[(keyword[0] - b'a') as usize] |= 1 << keyword.len();
        i += 1;
    }
    masks
};

/// Sorted, for binary search.
const RESERVED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// Truncates `name` to at most `max` bytes on a character boundary (`pg_mbcliplen`).
pub fn clip(name: &str, max: usize) -> &str {
    if name.len() <= max {
        return name;
    }
    let mut end = max;
    while end > 0 && !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_sorted_for_binary_search() {
        assert!(RESERVED_KEYWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn every_keyword_passes_the_letter_and_length_filter() {
        for keyword in RESERVED_KEYWORDS {
            assert!(is_reserved_keyword(keyword), "{keyword}");
            assert!(needs_quotes(keyword), "{keyword}");
            let longer = format!("{keyword}_x");
            assert!(!is_reserved_keyword(&longer), "{longer}");
        }
        assert!(!is_reserved_keyword("user_id"));
        assert!(!is_reserved_keyword(&"a".repeat(40)));
    }

    #[test]
    fn quoting_follows_quote_ident() {
        assert_eq!(quote_ident("users"), "users");
        assert_eq!(quote_ident("User"), "\"User\"");
        assert_eq!(quote_ident("user"), "\"user\"");
        assert_eq!(quote_ident("type"), "type");
        assert_eq!(quote_ident("1a"), "\"1a\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("_x9"), "_x9");
    }

    #[test]
    fn search_path_values_fold_case_outside_quotes() {
        let path = SearchPath::parse("Underway, \"Auth, x\" , public");
        assert_eq!(path.schemas(), ["underway", "Auth, x", "public"]);
        let order: Vec<&str> = path.lookup_order().collect();
        assert_eq!(order, ["pg_catalog", "underway", "Auth, x", "public"]);
        let default = SearchPath::default();
        assert_eq!(default.creation_schema(|s| s == "public"), Some("public"));
        assert_eq!(
            SearchPath::parse("nowhere").creation_schema(|s| s == "public"),
            None
        );
    }

    #[test]
    fn clipping_keeps_characters_whole() {
        assert_eq!(clip("abc", 2), "ab");
        assert_eq!(clip("aé", 2), "a");
    }
}
