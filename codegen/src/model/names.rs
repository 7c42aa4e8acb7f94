//! Rust names for SQL names: snake_case fields and modules, PascalCase enums and
//! variants, raw identifiers for keywords, and no two the same.

use std::collections::HashSet;

/// Keywords that are raw identifiers (`r#type`).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "gen", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// Keywords that cannot be raw identifiers: they get a trailing underscore.
const RESERVED: &[&str] = &["self", "Self", "super", "crate", "_"];

/// `createdAt`, `created at`, `CREATED_AT` → `created_at`.
pub fn snake_case(sql: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in sql.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower {
                out.push('_');
            }
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
            previous_lower = false;
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{out}")
    } else {
        out
    }
}

/// `AI_TOOL`, `ai tool`, `aiTool` → `AiTool`.
pub fn pascal_case(sql: &str) -> String {
    let snake = snake_case(sql);
    let mut out = String::new();
    for part in snake.split('_').filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{out}")
    } else {
        out
    }
}

/// `SCREAMING_CASE` for constants (`_2FA` for `2fa`: a name cannot start with a digit).
pub fn constant_case(sql: &str) -> String {
    let name = snake_case(sql)
        .trim_start_matches('_')
        .to_ascii_uppercase()
        .replace("__", "_");
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name
    }
}

/// The identifier, as Rust source, for a name made by the functions above.
pub fn ident(name: &str) -> String {
    if RESERVED.contains(&name) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

/// Hands out names, appending `_2`, `_3`, ... where two SQL names map to one (`2`,
/// `3`, ... to PascalCase names, which an underscore would make non-camel-case).
#[derive(Default)]
pub struct Unique {
    taken: HashSet<String>,
    pascal: bool,
}

impl Unique {
    /// For PascalCase names: types and variants.
    pub fn pascal() -> Self {
        Unique {
            taken: HashSet::new(),
            pascal: true,
        }
    }

    /// Keeps `name` from being handed out (it is taken by something else).
    pub fn reserve(&mut self, name: String) {
        self.taken.insert(name);
    }

    pub fn take(&mut self, name: String) -> String {
        let mut candidate = name.clone();
        let mut n = 2;
        let separator = if self.pascal { "" } else { "_" };
        while !self.taken.insert(candidate.clone()) {
            candidate = format!("{name}{separator}{n}");
            n += 1;
        }
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_sql_names() {
        assert_eq!(snake_case("createdAt"), "created_at");
        assert_eq!(snake_case("Created At"), "created_at");
        assert_eq!(snake_case("thread_id"), "thread_id");
        assert_eq!(snake_case("2fa"), "_2fa");
        assert_eq!(pascal_case("AI_TOOL"), "AiTool");
        assert_eq!(pascal_case("in progress"), "InProgress");
        assert_eq!(pascal_case("reasoninglevels"), "Reasoninglevels");
        assert_eq!(pascal_case("1st"), "V1st");
        assert_eq!(constant_case("threadId"), "THREAD_ID");
        assert_eq!(constant_case("2fa"), "_2FA");
        assert_eq!(constant_case("_id"), "ID");
        assert_eq!(ident("type"), "r#type");
        assert_eq!(ident("self"), "self_");
    }

    #[test]
    fn names_stay_unique() {
        let mut unique = Unique::default();
        assert_eq!(unique.take("a".into()), "a");
        assert_eq!(unique.take("a".into()), "a_2");
        assert_eq!(unique.take("a".into()), "a_3");
        unique.reserve("audit".into());
        assert_eq!(unique.take("audit".into()), "audit_2");
        let mut types = Unique::pascal();
        assert_eq!(types.take("InProgress".into()), "InProgress");
        assert_eq!(types.take("InProgress".into()), "InProgress2");
    }
}
